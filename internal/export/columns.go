package export

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/gridinspect/gridinspect"
)

// chinaTime is China Standard Time, UTC+8 all year: a fixed zone, so an
// export shows the same times on a server without tzdata and in any $TZ.
var chinaTime = time.FixedZone("CST", 8*60*60)

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
	{"类别", 11, func(r *record, _ time.Time) any { return label(categoryLabels, int(r.Report.Category)) }},
	{"严重程度", 9, func(r *record, _ time.Time) any { return label(severityLabels, int(r.Report.Severity)) }},
	{"状态", 8, func(r *record, _ time.Time) any { return label(statusLabels, int(r.Report.Status)) }},
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
	{"结案方式", 9, func(r *record, _ time.Time) any { return label(dispositionLabels, int(r.Report.Disposition)) }},
	{"结案时间", 17, func(r *record, _ time.Time) any { return formatTime(r.Report.ClosedAt) }},
	{"复发次数", 9, func(r *record, _ time.Time) any { return r.Report.RelapseCount }},
	{"详情", 40, func(r *record, _ time.Time) any { return details(r.Report) }},
}

// Columns are the export's columns with their Chinese headers, in order.
var Columns = func() []string {
	h := make([]string, len(columns))
	for i, c := range columns {
		h[i] = c.header
	}
	return h
}()

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
	return t.In(chinaTime).Format(timeLayout)
}

func yesNo(b bool) string {
	if b {
		return "是"
	}
	return "否"
}

// label returns labels[v], or "" for a value the table lacks (0, "not
// given", or one from a newer server).
func label(labels map[int]string, v int) string { return labels[v] }

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
		add("隐患类型", label(hazardKindLabels, d.SafetyHazard.HazardKind))
		add("场所", label(placeKindLabels, d.SafetyHazard.PlaceKind))
	case d.PollutingEnterprise != nil:
		p := d.PollutingEnterprise
		activity := label(pollutingActivityLabels, p.Activity)
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
		add("建议", label(proposedDisposalLabels, p.ProposedDisposal))
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
		add("类型", label(constructionKindLabels, c.Kind))
		add("用地", label(landKindLabels, c.Land))
		if c.AreaSquareMeters > 0 {
			add("面积", strconv.FormatFloat(c.AreaSquareMeters, 'f', -1, 64)+"㎡")
		}
	case d.WaterSourceRisk != nil:
		add("风险", label(waterRiskLabels, d.WaterSourceRisk.RiskKind))
	case d.DangerousHouse != nil:
		h := d.DangerousHouse
		add("鉴定等级", label(houseGradeLabels, h.AppraisalGrade))
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

// The domain's and the API's enums as a street office writes them. The
// detail fields hold the API's numbers (see gridinspect.Details).

var categoryLabels = map[int]string{
	int(gridinspect.CategorySafetyHazard):        "安全隐患",
	int(gridinspect.CategoryPollutingEnterprise): "散乱污企业",
	int(gridinspect.CategoryIllegalConstruction): "违法建设",
	int(gridinspect.CategoryWaterSourceRisk):     "水源地隐患",
	int(gridinspect.CategoryDangerousHouse):      "危房",
	int(gridinspect.CategoryOther):               "其他",
}

var severityLabels = map[int]string{
	int(gridinspect.SeverityGeneral): "一般",
	int(gridinspect.SeverityMajor):   "重大",
}

var statusLabels = map[int]string{
	int(gridinspect.StatusReported):            "已上报",
	int(gridinspect.StatusAssigned):            "已派遣",
	int(gridinspect.StatusRectifying):          "整改中",
	int(gridinspect.StatusPendingVerification): "待核查",
	int(gridinspect.StatusClosed):              "已结案",
	int(gridinspect.StatusRejected):            "已驳回",
}

var dispositionLabels = map[int]string{
	int(gridinspect.DispositionRectified):          "整改到位",
	int(gridinspect.DispositionShutDown):           "关停取缔",
	int(gridinspect.DispositionRelocated):          "整合搬迁",
	int(gridinspect.DispositionUpgraded):           "升级改造",
	int(gridinspect.DispositionDemolished):         "拆除",
	int(gridinspect.DispositionLegalised):          "补办手续",
	int(gridinspect.DispositionResolved):           "已解决",
	int(gridinspect.DispositionRenovated):          "危房改造",
	int(gridinspect.DispositionResidentsRelocated): "人员搬离",
}

// HazardKind of the API.
var hazardKindLabels = map[int]string{1: "消防", 2: "燃气", 3: "用电", 4: "结构", 5: "危化品", 6: "其他"}

// PlaceKind of the API.
var placeKindLabels = map[int]string{1: "企业", 2: "人员密集场所", 3: "三合一场所", 4: "独居老人", 5: "其他"}

// PollutingActivity of the API.
var pollutingActivityLabels = map[int]string{
	1: "非法洗沙", 2: "废塑料加工", 3: "小熔炼", 4: "小化工", 5: "露天喷涂",
	6: "石材加工", 7: "木材加工", 8: "废品回收", 9: "其他",
}

// ProposedDisposal of the API.
var proposedDisposalLabels = map[int]string{1: "关停取缔", 2: "整合搬迁", 3: "升级改造"}

// ConstructionKind of the API.
var constructionKindLabels = map[int]string{1: "违建房屋", 2: "乱搭盖", 3: "大型广告牌", 4: "乱堆放", 5: "其他"}

// LandKind of the API.
var landKindLabels = map[int]string{1: "耕地", 2: "小区内", 3: "道路沿线", 4: "其他"}

// WaterRiskKind of the API.
var waterRiskLabels = map[int]string{1: "排污", 2: "垃圾", 3: "畜禽养殖", 4: "保护区内建设", 5: "其他"}

// HouseGrade of the API.
var houseGradeLabels = map[int]string{1: "A", 2: "B", 3: "C", 4: "D"}
