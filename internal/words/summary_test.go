package words

import (
	"testing"
	"time"

	"github.com/gridinspect/gridinspect"
)

// TestCurrentHalfYearIsTheChinaHalfYearOfTheDay: the period gridctl
// summary and the desk's 统计 page take when given none.
func TestCurrentHalfYearIsTheChinaHalfYearOfTheDay(t *testing.T) {
	cn := gridinspect.ChinaZone
	for _, tt := range []struct {
		day      time.Time
		from, to time.Time
		note     string
	}{
		{time.Date(2024, 3, 15, 12, 0, 0, 0, cn), time.Date(2024, 1, 1, 0, 0, 0, 0, cn), time.Date(2024, 7, 1, 0, 0, 0, 0, cn),
			"统计期间：2024年上半年（1月1日至6月30日）"},
		{time.Date(2024, 7, 10, 10, 0, 0, 0, cn), time.Date(2024, 7, 1, 0, 0, 0, 0, cn), time.Date(2025, 1, 1, 0, 0, 0, 0, cn),
			"统计期间：2024年下半年（7月1日至12月31日）"},
		{time.Date(2024, 6, 30, 23, 59, 59, 0, cn), time.Date(2024, 1, 1, 0, 0, 0, 0, cn), time.Date(2024, 7, 1, 0, 0, 0, 0, cn),
			"统计期间：2024年上半年（1月1日至6月30日）"},
	} {
		from, to, note := CurrentHalfYear(tt.day)
		if !from.Equal(tt.from) || !to.Equal(tt.to) || note != tt.note {
			t.Errorf("CurrentHalfYear(%v) = %v, %v, %q; want %v, %v, %q", tt.day, from, to, note, tt.from, tt.to, tt.note)
		}
	}
}
