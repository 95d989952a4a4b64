package store

import (
	"slices"
	"testing"
)

// TestGridsSortByThePinyinOfPlaceNames: a name's polyphones are read as
// in place names — 长安 cháng'ān, not zhǎng; 重庆 chóngqìng; 曾家 zēng —
// where x/text's collation takes their commonest reading.
func TestGridsSortByThePinyinOfPlaceNames(t *testing.T) {
	for _, tt := range []struct {
		names, want []string
	}{
		{[]string{"张家村", "长安村", "大桥村", "白云村"}, []string{"白云村", "长安村", "大桥村", "张家村"}},     // bái, cháng, dà, zhāng
		{[]string{"中心村", "长江社区", "昌盛村", "朝阳社区"}, []string{"昌盛村", "长江社区", "朝阳社区", "中心村"}}, // chāng, cháng, cháo, zhōng
		{[]string{"中心村", "重庆路社区", "春风村"}, []string{"重庆路社区", "春风村", "中心村"}},               // chóng, chūn, zhōng
		{[]string{"曾家村", "查家村", "赵家村"}, []string{"查家村", "曾家村", "赵家村"}},                   // chá, zēng, zhào
		{[]string{"新城村", "新长村"}, []string{"新长村", "新城村"}},                                 // after the first character too: cháng, chéng
	} {
		keys := make([]gridKey, len(tt.names))
		for i, n := range tt.names {
			keys[i] = gridKey{ID: n, Name: n}
		}
		slices.SortFunc(keys, newGridSorter().compare)
		var got []string
		for _, k := range keys {
			got = append(got, k.Name)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("sorted %v, want %v", got, tt.want)
		}
	}
}
