package export

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/gridinspect/gridinspect"
	"github.com/gridinspect/gridinspect/internal/words"
	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

// timeLayout writes the times of a row, in China time.
const timeLayout = "2006-01-02 15:04"

// column is one column of an export: its header, its width in an XLSX
// (in characters), and its value for a record. A value is a string, or a
// float64 or int for the cells an XLSX keeps as numbers.
type column struct {
	header string
	width  float64
	value  func(r *record, now time.Time) any
}

// record is a row's record, named short for the table below.
type record = gridinspect.ReportRecord

// columns are the export's columns, in order.
var columns = []column{
	{"编号", 38, func(r *record, _ time.Time) any { return r.Report.ID }},
	{"类别", 11, func(r *record, _ time.Time) any { return words.Of(words.Category, pb.Category(r.Report.Category)) }},
	{"严重程度", 9, func(r *record, _ time.Time) any { return words.Of(words.Severity, pb.Severity(r.Report.Severity)) }},
	{"状态", 8, func(r *record, _ time.Time) any { return words.Of(words.Status, pb.ReportStatus(r.Report.Status)) }},
	{"网格", 12, func(r *record, _ time.Time) any { return r.GridName }},
	{"对象", 20, func(r *record, _ time.Time) any { return r.SubjectName }},
	{"描述", 40, func(r *record, _ time.Time) any { return r.Report.Description }},
	{"地址", 24, func(r *record, _ time.Time) any { return r.Report.Location.Address }},
	{"纬度", 11, func(r *record, _ time.Time) any { return coordinate(r.Report.Location.Lat) }},
	{"经度", 11, func(r *record, _ time.Time) any { return coordinate(r.Report.Location.Lng) }},
	{"发现时间", 17, func(r *record, _ time.Time) any { return formatTime(r.Report.EffectiveAt()) }},
	{"上报人", 10, func(r *record, _ time.Time) any { return r.ReporterName }},
	{"立行立改", 9, func(r *record, _ time.Time) any { return yesNo(r.Report.RectifiedOnSpot) }},
	{"派遣对象", 10, func(r *record, _ time.Time) any { return r.AssigneeName }},
	{"责任单位", 20, func(r *record, _ time.Time) any { return r.Report.ResponsibleUnit }},
	{"整改期限", 17, func(r *record, _ time.Time) any { return formatTime(r.Report.Deadline) }},
	{"是否逾期", 9, func(r *record, now time.Time) any { return yesNo(r.Report.Overdue(now)) }},
	{"文书编号", 24, func(r *record, _ time.Time) any { return strings.Join(r.NoticeNumbers, "、") }},
	{"结案方式", 9, func(r *record, _ time.Time) any {
		return words.Of(words.Disposition, pb.Disposition(r.Report.Disposition))
	}},
	{"结案时间", 17, func(r *record, _ time.Time) any { return formatTime(r.Report.ClosedAt) }},
	{"复发次数", 9, func(r *record, _ time.Time) any { return r.Report.RelapseCount }},
	{"详情", 40, func(r *record, _ time.Time) any { return details(r.Report) }},
}

// Columns are the export's columns with their Chinese headers, in order.
var Columns = headers(columns)

func headers(cols []column) []string {
	h := make([]string, len(cols))
	for i, c := range cols {
		h[i] = c.header
	}
	return h
}

// streetHeader is the header of the column of the reports' street, in
// an export of several streets' reports.
const streetHeader = "街道"

// withStreets returns the columns with a 街道 column before 网格, each
// report's street named by names (a street it does not name is "街道 3"):
// two streets may each have a grid of one name.
func withStreets(names map[int64]string) []column {
	out := make([]column, 0, len(columns)+1)
	for _, c := range columns {
		if c.header == "网格" {
			out = append(out, column{streetHeader, 12, func(r *record, _ time.Time) any { return words.StreetName(r.StreetID, names[r.StreetID]) }})
		}
		out = append(out, c)
	}
	return out
}

// coordinateDigits is how many decimals of a degree a row keeps: 1e-6°
// is about 0.1 m, finer than any phone's fix, and it spares the reader
// the noise of a coordinate converted from GCJ-02 (118.34389200000001).
const coordinateDigits = 6

// coordinate rounds a latitude or longitude to coordinateDigits decimals.
func coordinate(deg float64) float64 {
	scale := math.Pow10(coordinateDigits)
	return math.Round(deg*scale) / scale
}

// formatTime writes t in China time to the minute; "" when it is unset.
func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(gridinspect.ChinaZone).Format(timeLayout)
}

func yesNo(b bool) string {
	if b {
		return "是"
	}
	return "否"
}

// details writes the typed details of a report's category in one cell:
// "隐患类型:消防; 场所:企业". A field that was not given is left out.
func details(r *gridinspect.Report) string {
	var parts []string
	add := func(name, value string) {
		if value != "" {
			parts = append(parts, name+":"+value)
		}
	}
	d := r.Details
	switch {
	case d.SafetyHazard != nil:
		add("隐患类型", words.Of(words.HazardKind, pb.HazardKind(d.SafetyHazard.HazardKind)))
		add("场所", words.Of(words.PlaceKind, pb.PlaceKind(d.SafetyHazard.PlaceKind)))
	case d.PollutingEnterprise != nil:
		p := d.PollutingEnterprise
		activity := words.Of(words.PollutingActivity, pb.PollutingActivity(p.Activity))
		if p.ActivityDescription != "" {
			activity += "(" + p.ActivityDescription + ")"
		}
		add("活动", activity)
		if p.MovedInFromOutside {
			from := "是"
			if p.FromDistrict != "" {
				from += "(" + p.FromDistrict + ")"
			}
			add("外区流入", from)
		}
		add("建议", words.Of(words.ProposedDisposal, pb.ProposedDisposal(p.ProposedDisposal)))
		var what []string
		for _, f := range []struct {
			on   bool
			name string
		}{{p.Scattered, "散"}, {p.Disorderly, "乱"}, {p.Polluting, "污"}} {
			if f.on {
				what = append(what, f.name)
			}
		}
		add("问题", strings.Join(what, "、"))
	case d.IllegalConstruction != nil:
		c := d.IllegalConstruction
		add("类型", words.Of(words.ConstructionKind, pb.ConstructionKind(c.Kind)))
		add("用地", words.Of(words.LandKind, pb.LandKind(c.Land)))
		if c.AreaSquareMeters > 0 {
			add("面积", strconv.FormatFloat(c.AreaSquareMeters, 'f', -1, 64)+"㎡")
		}
	case d.WaterSourceRisk != nil:
		add("风险", words.Of(words.WaterRisk, pb.WaterRiskKind(d.WaterSourceRisk.RiskKind)))
	case d.DangerousHouse != nil:
		h := d.DangerousHouse
		add("鉴定等级", words.Of(words.HouseGrade, pb.HouseGrade(h.AppraisalGrade)))
		occupied := "否"
		if h.Occupied {
			occupied = "是"
			if h.Residents > 0 {
				occupied += "(" + strconv.Itoa(h.Residents) + "人)"
			}
		}
		add("有人居住", occupied)
	}
	return strings.Join(parts, "; ")
}
