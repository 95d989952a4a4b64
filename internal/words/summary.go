package words

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

// The summary's figures as the office's tables label them, shared by
// gridctl summary and the desk's 统计 page so both say the same words.

// CurrentHalfYear returns the half-year holding t in t's location, as
// [from, to) at midnights, and the note that names it ("统计期间：2024年
// 下半年（7月1日至12月31日）"): the period a summary takes when none is
// given.
func CurrentHalfYear(t time.Time) (from, to time.Time, note string) {
	loc := t.Location()
	half := "上半年"
	from = time.Date(t.Year(), time.January, 1, 0, 0, 0, 0, loc)
	if t.Month() > time.June {
		half = "下半年"
		from = time.Date(t.Year(), time.July, 1, 0, 0, 0, 0, loc)
	}
	to = from.AddDate(0, 6, 0)
	last := to.AddDate(0, 0, -1)
	note = fmt.Sprintf("统计期间：%d年%s（%d月1日至%d月%d日）", from.Year(), half, int(from.Month()), int(last.Month()), last.Day())
	return from, to, note
}

// SummaryRow is one figure of a summary's table.
type SummaryRow struct {
	Label, Value string
	// Part: the row is a share of the row above it (a department's
	// documents, an activity's enterprises), shown indented.
	Part bool
}

// SummarySection is a heading of the summary and its figures.
type SummarySection struct {
	Title string
	Rows  []SummaryRow
}

// SummarySections are every figure of s but the loop per category and per
// grid (LoopColumns), in the office's words and order.
func SummarySections(s *pb.Summary) []SummarySection {
	var out []SummarySection
	section := func(title string) { out = append(out, SummarySection{Title: title}) }
	add := func(label, value string, part bool) {
		last := &out[len(out)-1]
		last.Rows = append(last.Rows, SummaryRow{Label: label, Value: value, Part: part})
	}
	row := func(label string, n int64) { add(label, strconv.FormatInt(n, 10), false) }
	part := func(label string, n int64) { add(label, strconv.FormatInt(n, 10), true) }

	sf := s.GetSafety()
	section("安全生产")
	row("发现安全隐患", sf.GetHazardsFound())
	row("其中立行立改", sf.GetRectifiedOnSpot())
	row("一般隐患", sf.GetGeneralHazards())
	row("重大隐患", sf.GetMajorHazards())
	row("整改销号", sf.GetHazardsRectified())
	row("隐患排查告知书", sf.GetHazardNotices())
	row("整改通知书", sf.GetRectificationOrders())
	row("执法文书", sf.GetEnforcementDocuments())
	for _, d := range sf.GetEnforcementDocumentsByDepartment() {
		name := d.GetName()
		if strings.TrimSpace(name) == "" {
			name = "(未填部门)"
		}
		part(name, d.GetCount())
	}
	row("约谈企业", sf.GetEnterpriseInterviews())
	row("安全检查", sf.GetInspections())
	row("出动人次", sf.GetPersonTimes())

	p := s.GetPollutingEnterprises()
	section("散乱污企业治理")
	row("新发现", p.GetFound())
	for _, ac := range p.GetByActivity() {
		part(Label(PollutingActivity, ac.GetActivity()), ac.GetCount())
	}
	row("其中外区流入", p.GetMovedInFromOutside())
	row("关停取缔", p.GetShutDown())
	row("整合搬迁", p.GetRelocated())
	row("升级改造", p.GetUpgraded())
	row("回头看", p.GetFollowUps())
	row("死灰复燃", p.GetRelapses())
	row("重点区域巡查", p.GetPatrols())

	c := s.GetIllegalConstruction()
	section("违法建设")
	row("发现", c.GetFound())
	row("其中占用耕地", c.GetOnFarmland())
	row("拆除", c.GetDemolished())
	add("拆除面积(㎡)", FormatDecimal(c.GetDemolishedAreaSquareMeters()), false)
	row("其中大型广告牌", c.GetBillboardsRemoved())
	row("其中乱堆放、乱搭盖", c.GetShedsAndStorageCleared())

	ws := s.GetWaterSources()
	section("备用水源地")
	row("巡查", ws.GetPatrols())
	row("发现隐患", ws.GetRisksFound())
	row("解决隐患", ws.GetRisksResolved())

	h := s.GetDangerousHouses()
	section("危房")
	row("认定", h.GetIdentified())
	row("其中C级", h.GetGradeC())
	row("其中D级", h.GetGradeD())
	row("改造", h.GetRenovated())
	row("拆除", h.GetDemolished())
	row("人员搬离", h.GetResidentsRelocated())
	row("期末C、D级危房住人", h.GetOccupiedDangerousNow())

	section("巡查（各类）")
	row("巡查次数", s.GetPatrols())
	row("出动人次", s.GetPatrolPersonTimes())
	row("按计划应巡", s.GetPatrolsScheduled())
	row("已巡", s.GetPatrolsDoneOnSchedule())
	row("漏巡", s.GetPatrolsMissed())
	add("巡查完成率", PatrolRate(s), false)

	l := s.GetLoop()
	section("闭环处置")
	row("受理", l.GetReported())
	row("办结", l.GetClosed())
	row("期末未办结", l.GetOpen())
	row("驳回", l.GetRejected())
	row("退回补充", l.GetReturned())
	row("补充材料", l.GetSupplemented())
	row("应结案", l.GetDue())
	row("应结已结", l.GetClosedOfDue())
	row("按期办结", l.GetClosedOnTime())
	add("结案率", LoopRate(l, l.GetClosureRate()), false)
	add("按期结案率", LoopRate(l, l.GetOnTimeRate()), false)
	row("期末逾期未办结", l.GetOpenOverdue())
	row("当前逾期", l.GetOverdueNow())
	add("办结用时中位数(天)", LoopMedianDays(l), false)
	row("转派", l.GetReassigned())
	row("催办", l.GetUrged())
	row("逾期督办", l.GetSupervised())
	return out
}

// LoopColumns head a table of the loop per category or per grid, after
// the column naming the category or grid; LoopCells are a row's cells.
var LoopColumns = []string{"受理", "办结", "未办结", "应结案", "结案率", "按期结案率", "期末逾期", "当前逾期", "用时中位数(天)"}

// LoopCells are l's figures under LoopColumns.
func LoopCells(l *pb.LoopSummary) []string {
	n := func(v int64) string { return strconv.FormatInt(v, 10) }
	return []string{n(l.GetReported()), n(l.GetClosed()), n(l.GetOpen()), n(l.GetDue()),
		LoopRate(l, l.GetClosureRate()), LoopRate(l, l.GetOnTimeRate()),
		n(l.GetOpenOverdue()), n(l.GetOverdueNow()), LoopMedianDays(l)}
}

// LoopMedianDays writes the median days to close, or "-" when nothing
// was closed.
func LoopMedianDays(l *pb.LoopSummary) string {
	if l.GetClosed() == 0 {
		return "-"
	}
	return FormatDecimal(l.GetMedianDaysToClose())
}

// PatrolRate writes the share of scheduled patrols done (巡查完成率) as a
// percentage, or "-" when none was scheduled.
func PatrolRate(s *pb.Summary) string {
	if s.GetPatrolsScheduled() == 0 {
		return "-"
	}
	return FormatPercent(s.GetPatrolCompletionRate())
}

// LoopRate writes a rate as a percentage, or "-" when no case was due, so
// that no rate reads as 0%.
func LoopRate(l *pb.LoopSummary, rate float64) string {
	if l.GetDue() == 0 {
		return "-"
	}
	return FormatPercent(rate)
}
