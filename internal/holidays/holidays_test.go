package holidays

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gridinspect/gridinspect"
)

func TestTheOfficialCalendarReadsWithItsSources(t *testing.T) {
	es := Official()
	if len(es) != 108 {
		t.Errorf("%d official exceptions, want the 108 days of cn-holidays.csv", len(es))
	}
	for _, year := range Years {
		if len(OfficialYear(year)) == 0 {
			t.Errorf("no exceptions for %d", year)
		}
	}
	first := es[0]
	if first.Date.Format(time.DateOnly) != "2024-01-01" || first.Kind != gridinspect.DayHoliday || first.Name != "元旦" ||
		first.Source != "国办发明电〔2023〕7号 (2023-10-25)" {
		t.Errorf("first line read as %+v", first)
	}
}

func TestAnAdminsFileMayBeWrittenInChinese(t *testing.T) {
	es, err := Parse(strings.NewReader("\ufeff日期,类型,名称\n2027-10-01,放假,国庆节\n2027-09-26, 调休上班 ,国庆节调休上班\n"))
	if err != nil || len(es) != 2 || es[0].Kind != gridinspect.DayHoliday || es[1].Kind != gridinspect.DayWorkday || es[1].Source != "" {
		t.Fatalf("Parse = %+v, %v", es, err)
	}
	for _, tt := range []struct {
		file string
		line int
		zh   string
	}{
		{"date,kind,name\n2027-10-01,off,国庆节\n", 2, "类型"},
		{"2027-10-01,holiday,国庆节\n2027/10/02,holiday,国庆节\n", 2, "日期"},
		{"2027-10-01,holiday\n", 1, "三列"},
	} {
		_, err := Parse(strings.NewReader(tt.file))
		var pe *ParseError
		if !errors.As(err, &pe) || pe.Line != tt.line || !strings.Contains(pe.Chinese, tt.zh) {
			t.Errorf("Parse(%q) = %v; want a ParseError on line %d mentioning %s", tt.file, err, tt.line, tt.zh)
		}
	}
}
