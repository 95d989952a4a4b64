package words

import (
	"testing"
	"time"
)

func TestParseDate_ReadsTheWaysAnOfficeWritesADate(t *testing.T) {
	china := time.FixedZone("CST", 8*60*60)
	want := time.Date(2024, 7, 10, 0, 0, 0, 0, china)
	for _, s := range []string{"2024-07-10", " 2024/7/10 ", "2024/07/10", "20240710", "2024年7月10日", "2024年07月10日"} {
		if got, ok := ParseDate(s, china); !ok || !got.Equal(want) {
			t.Errorf("ParseDate(%q) = %v, %v; want %v", s, got, ok, want)
		}
	}
	for _, s := range []string{"", "2024-7-10x", "07/10/2024", "2024-13-01", "明天"} {
		if got, ok := ParseDate(s, china); ok {
			t.Errorf("ParseDate(%q) = %v, want no date", s, got)
		}
	}
}
