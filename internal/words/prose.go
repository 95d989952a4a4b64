package words

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

// The summary as the street office writes it: Chinese sentences in the
// style of its half-year work summary (the seed document's (三) 危房,
// (四) 散乱污 and 水源地, (五) 违建 and (六) 安全生产), one paragraph per
// section, ready to paste.
//
// A clause whose figure is 0 is left out where "0处" would read oddly
// ("其中立行立改0处"), and kept as a finding where nothing found is news
// ("未发现“死灰复燃”现象", "截至期末无逾期未办结问题"); a section with no
// figure at all is left out. Every number is the server's, unrounded but
// for the rates (one decimal) and the days.

// ProseStreet is who did the work when no grid was named.
const ProseStreet = "街道"

// ProseDistrict is who did the work in a district account's summary of
// all its streets; StreetsScope names some of them.
const ProseDistrict = "所辖各街道"

// StreetName is how a street is named to people: its name, or "街道 3"
// for a street not named yet.
func StreetName(id int64, name string) string {
	if name != "" {
		return name
	}
	return "街道 " + strconv.FormatInt(id, 10)
}

// GridOfStreet names a grid with its street ("西街道 · 南村"), for the
// rows of grids of several streets, where two streets may each have a
// grid of one name.
func GridOfStreet(street, grid string) string { return street + " · " + grid }

// StreetsScope names the streets ids a district account chose, joined by
// "、" (东城街道、西城街道), by the names of streets (the caller's, as
// WhoAmI gives them); an id streets does not name is "街道 3".
func StreetsScope(ids []int64, streets []*pb.Street) string {
	name := StreetNamer(streets)
	ns := make([]string, len(ids))
	for i, id := range ids {
		ns[i] = name(id)
	}
	return strings.Join(ns, "、")
}

// StreetNamer returns what names a street by its id (StreetName), by the
// names of streets (the caller's, as WhoAmI gives them).
func StreetNamer(streets []*pb.Street) func(id int64) string {
	names := make(map[int64]string, len(streets))
	for _, s := range streets {
		names[s.GetId()] = s.GetName()
	}
	return func(id int64) string { return StreetName(id, names[id]) }
}

// Prose writes s as paragraphs separated by blank lines, with scope (the
// street, or the grids' names) doing the work, its period's dates in zone
// (China time; gridctl's --tz may name another).
func Prose(s *pb.Summary, scope string, zone *time.Location) string {
	period := PeriodPhrase(s.GetFrom().AsTime(), s.GetTo().AsTime(), zone)
	var paragraphs []string
	for _, p := range []string{
		safetyProse(s.GetSafety(), scope),
		pollutingProse(s.GetPollutingEnterprises(), period),
		constructionProse(s.GetIllegalConstruction()),
		waterProse(s.GetWaterSources()),
		houseProse(s.GetDangerousHouses()),
		loopProse(s, scope, period),
	} {
		if p != "" {
			paragraphs = append(paragraphs, p)
		}
	}
	if len(paragraphs) == 0 {
		return period + "，" + scope + "未记录巡查和问题。\n"
	}
	return strings.Join(paragraphs, "\n\n") + "\n"
}

// clauses gathers the clauses of one sentence; they are joined by "，".
type clauses []string

// add appends the clause format makes of n, unless n is 0.
func (c *clauses) add(format string, n int64) {
	if n != 0 {
		*c = append(*c, fmt.Sprintf(format, n))
	}
}

// text appends a clause as it is.
func (c *clauses) text(s string) { *c = append(*c, s) }

// sentence joins the clauses and ends them with "。"; "" for none.
func (c clauses) sentence() string {
	if len(c) == 0 {
		return ""
	}
	return strings.Join(c, "，") + "。"
}

// list joins the parts that are not "" with sep.
func list(sep string, parts ...string) string {
	var kept []string
	for _, p := range parts {
		if p != "" {
			kept = append(kept, p)
		}
	}
	return strings.Join(kept, sep)
}

// count writes n with format, or "" when n is 0, for list.
func count(format string, n int64) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf(format, n)
}

// allZero reports whether every figure is 0.
func allZero(ns ...int64) bool {
	for _, n := range ns {
		if n != 0 {
			return false
		}
	}
	return true
}

// safetyProse follows (六): "街道对xx企业开展常态化巡查和针对性检查,共出动人员
// xxx余人次,发现各类安全隐患xxx余处,其中立行立改xx处,……"
func safetyProse(s *pb.SafetySummary, scope string) string {
	if allZero(s.GetInspections(), s.GetPersonTimes(), s.GetHazardsFound(), s.GetHazardsRectified(),
		s.GetEnforcementDocuments(), s.GetHazardNotices(), s.GetRectificationOrders(), s.GetEnterpriseInterviews()) {
		return ""
	}
	var c clauses
	head := scope + "对辖区企业开展常态化巡查和针对性检查"
	if n := s.GetInspections(); n > 0 {
		head += strconv.FormatInt(n, 10) + "次"
	}
	c.text(head)
	c.add("共出动人员%d人次", s.GetPersonTimes())
	if s.GetHazardsFound() > 0 {
		c.add("发现各类安全隐患%d处", s.GetHazardsFound())
		if of := list("，", count("立行立改%d处", s.GetRectifiedOnSpot()), count("重大隐患%d处", s.GetMajorHazards())); of != "" {
			c.text("其中" + of)
		}
	} else {
		c.text("未发现安全隐患")
	}
	if n := s.GetEnforcementDocuments(); n > 0 {
		c.text(enforcementClause(n, s.GetEnforcementDocumentsByDepartment()))
	}
	if notices := list("、", count("《隐患排查告知书》%d份", s.GetHazardNotices()), count("《整改通知书》%d份", s.GetRectificationOrders())); notices != "" {
		c.text("本级下达" + notices)
	}
	c.add("组织约谈企业%d次", s.GetEnterpriseInterviews())
	c.add("督促整改销号隐患%d处", s.GetHazardsRectified())
	c.text("进一步夯实安全生产主体责任，有效降低安全隐患风险")
	return c.sentence()
}

// enforcementClause names the department when one issued every document,
// and lists them when there were several.
func enforcementClause(n int64, byDept []*pb.NamedCount) string {
	var named []*pb.NamedCount
	for _, d := range byDept {
		if strings.TrimSpace(d.GetName()) != "" && d.GetCount() > 0 {
			named = append(named, d)
		}
	}
	if len(named) == 1 && named[0].GetCount() == n {
		return fmt.Sprintf("配合%s对企业检查发现问题并下达执法文书%d次", named[0].GetName(), n)
	}
	clause := fmt.Sprintf("配合上级业务部门对企业检查发现问题并下达执法文书%d次", n)
	if len(named) > 1 {
		parts := make([]string, len(named))
		for i, d := range named {
			parts[i] = fmt.Sprintf("%s%d次", d.GetName(), d.GetCount())
		}
		clause += "（" + strings.Join(parts, "、") + "）"
	}
	return clause
}

// pollutingProse follows (四)一: "持续开展“散乱污”企业治理。对……开展回头看,
// ……今年以来,工作人员在巡查重点区域时共发现4家新进“散乱污”企业和2处非法
// 洗沙场。"
func pollutingProse(p *pb.PollutingEnterpriseSummary, period string) string {
	if allZero(p.GetFound(), p.GetFollowUps(), p.GetRelapses(), p.GetPatrols(), p.GetShutDown(), p.GetRelocated(), p.GetUpgraded()) {
		return ""
	}
	var b strings.Builder
	b.WriteString("持续开展“散乱污”企业治理。")
	if n := p.GetFollowUps(); n > 0 {
		var c clauses
		c.add("对已清理整治的“散乱污”企业开展回头看%d次", n)
		if r := p.GetRelapses(); r > 0 {
			c.add("发现“死灰复燃”%d家", r)
			c.text("均已重新纳入整改")
		} else {
			c.text("未发现“死灰复燃”现象")
		}
		b.WriteString(c.sentence())
	}
	if p.GetFound() > 0 || p.GetPatrols() > 0 {
		b.WriteString("强化巡查，避免“散乱污”企业从外区流入，形成“洼地”效应。")
		var c clauses
		c.text(period)
		found := pollutingFound(p)
		switch {
		case p.GetPatrols() > 0 && found != "":
			c.text(fmt.Sprintf("工作人员巡查重点区域%d次", p.GetPatrols()))
			c.text("共新发现" + found)
		case p.GetPatrols() > 0:
			c.text(fmt.Sprintf("工作人员巡查重点区域%d次", p.GetPatrols()))
			c.text("未发现新的“散乱污”企业")
		default:
			c.text("工作人员在巡查重点区域时共新发现" + found)
		}
		c.add("其中从外区流入%d家", p.GetMovedInFromOutside())
		b.WriteString(c.sentence())
	}
	if done := list("、", count("关停取缔%d家", p.GetShutDown()), count("整合搬迁%d家", p.GetRelocated()), count("升级改造%d家", p.GetUpgraded())); done != "" {
		b.WriteString("依法处置“散乱污”企业，" + done + "。")
	}
	return b.String()
}

// pollutingFound writes what was found as the seed does, the sand-washing
// sites apart: "4家“散乱污”企业（废塑料加工2家、小化工2家）和2处非法洗沙场";
// "" when nothing was.
func pollutingFound(p *pb.PollutingEnterpriseSummary) string {
	var sand int64
	var others []string
	for _, a := range p.GetByActivity() {
		switch {
		case a.GetCount() == 0:
		case a.GetActivity() == pb.PollutingActivity_POLLUTING_ACTIVITY_ILLEGAL_SAND_WASHING:
			sand += a.GetCount()
		case a.GetActivity() != pb.PollutingActivity_POLLUTING_ACTIVITY_UNSPECIFIED:
			others = append(others, fmt.Sprintf("%s%d家", Label(PollutingActivity, a.GetActivity()), a.GetCount()))
		}
	}
	enterprises := ""
	if n := p.GetFound() - sand; n > 0 {
		enterprises = fmt.Sprintf("%d家“散乱污”企业", n)
		if len(others) > 0 {
			enterprises += "（" + strings.Join(others, "、") + "）"
		}
	}
	return list("和", enterprises, count("%d处非法洗沙场", sand))
}

// constructionProse follows (五)二 and (三)二: "清理乱堆放、乱搭盖xx处,拆除大型
// 广告牌x处", "拆除乱搭建占用耕地xx处".
func constructionProse(c *pb.IllegalConstructionSummary) string {
	if allZero(c.GetFound(), c.GetOnFarmland(), c.GetDemolished(), c.GetBillboardsRemoved(), c.GetShedsAndStorageCleared()) &&
		c.GetDemolishedAreaSquareMeters() == 0 {
		return ""
	}
	var found clauses
	if c.GetFound() > 0 {
		found.add("全面排查违法建设，共发现违法建设%d处", c.GetFound())
		found.add("其中占用耕地%d处", c.GetOnFarmland())
	} else {
		found.text("全面排查违法建设，未发现新增违法建设")
	}
	// What was done is a clause group of its own, after "；", so that its
	// "其中" is not read as part of what was found.
	var done clauses
	if c.GetDemolished() > 0 {
		done.add("拆除违法建设%d处", c.GetDemolished())
		if a := c.GetDemolishedAreaSquareMeters(); a > 0 {
			done.text("面积" + FormatDecimal(a) + "平方米")
		}
	}
	if of := list("，", count("拆除大型广告牌%d处", c.GetBillboardsRemoved()), count("清理乱堆放、乱搭盖%d处", c.GetShedsAndStorageCleared())); of != "" {
		if c.GetDemolished() > 0 {
			of = "其中" + of
		}
		done.text(of)
	}
	text := strings.Join(found, "，")
	if len(done) > 0 {
		text += "；" + strings.Join(done, "，")
	}
	return text + "。"
}

// waterProse follows (四)二: "加大备用水源地巡查力度,目前共开展备用水源地
// 巡查xx次,发现并及时解决了周边环境污染隐患x起。" The risks resolved in a
// period need not be those found in it, so the two are counted apart.
func waterProse(w *pb.WaterSourceSummary) string {
	if allZero(w.GetPatrols(), w.GetRisksFound(), w.GetRisksResolved()) {
		return ""
	}
	var c clauses
	c.text("加大备用水源地巡查力度")
	c.add("共开展备用水源地巡查%d次", w.GetPatrols())
	switch {
	case w.GetRisksFound() > 0:
		c.add("发现周边环境污染隐患%d起", w.GetRisksFound())
		c.add("解决%d起", w.GetRisksResolved())
	case w.GetPatrols() > 0:
		c.text("未发现周边环境污染隐患")
		c.add("解决此前发现的隐患%d起", w.GetRisksResolved())
	default:
		c.add("解决此前发现的周边环境污染隐患%d起", w.GetRisksResolved())
	}
	return c.sentence()
}

// houseProse follows (三)一: "加大危房排查和安全检测力度,2024年认定xx户,
// 改造x户,……对危房坚持严守严查,坚决把危房不住人作为红线底线。"
func houseProse(h *pb.DangerousHouseSummary) string {
	if allZero(h.GetIdentified(), h.GetGradeC(), h.GetGradeD(), h.GetRenovated(), h.GetDemolished(),
		h.GetResidentsRelocated(), h.GetOccupiedDangerousNow()) {
		return ""
	}
	var c clauses
	c.text("加大危房排查和安全检测力度")
	if n := h.GetIdentified(); n > 0 {
		clause := fmt.Sprintf("认定危房%d户", n)
		if grades := list("、", count("C级%d户", h.GetGradeC()), count("D级%d户", h.GetGradeD())); grades != "" {
			clause += "（其中" + grades + "）"
		}
		c.text(clause)
	}
	c.add("改造%d户", h.GetRenovated())
	c.add("拆除%d户", h.GetDemolished())
	c.add("人员搬离%d户", h.GetResidentsRelocated())
	c.text("对危房坚持严守严查，坚决把危房不住人作为红线底线")
	text := c.sentence()
	if n := h.GetOccupiedDangerousNow(); n > 0 {
		text += fmt.Sprintf("截至期末仍有%d户C、D级危房有人居住，需尽快督促搬离。", n)
	} else {
		text += "截至期末未发现C、D级危房有人居住。"
	}
	return text
}

// loopProse closes: "……共受理各类问题N件,办结M件,结案率X%,按期结案率Y%,
// 截至期末仍有Z件逾期未办结。" The overdue are those open at the end of the
// period with their deadline passed (open_overdue), the figure that a
// small number of cases due cannot hide; the rates are left out when no
// case was due, since 0% would then mean nothing.
func loopProse(s *pb.Summary, scope, period string) string {
	l := s.GetLoop()
	if allZero(s.GetPatrols(), l.GetReported(), l.GetClosed(), l.GetDue(), l.GetOpenOverdue()) {
		return ""
	}
	var c clauses
	lead := period + "，" + scope // begins the first clause
	if s.GetPatrols() > 0 {
		clause := fmt.Sprintf("%s网格员共开展巡查%d次", lead, s.GetPatrols())
		if n := s.GetPatrolPersonTimes(); n > 0 {
			clause += fmt.Sprintf("、出动%d人次", n)
		}
		c.text(clause)
		if n := s.GetPatrolsScheduled(); n > 0 {
			c.text(fmt.Sprintf("按巡查计划应巡%d次、已巡%d次、漏巡%d次，巡查完成率%s", n, s.GetPatrolsDoneOnSchedule(),
				s.GetPatrolsMissed(), PatrolRate(s)))
		}
		lead = ""
	}
	reported := "未受理新的问题"
	if n := l.GetReported(); n > 0 {
		reported = fmt.Sprintf("共受理各类问题%d件", n)
		if r := l.GetRejected(); r > 0 {
			reported += fmt.Sprintf("（其中经核实驳回无效或重复问题%d件）", r)
		}
	}
	c.text(lead + reported)
	if l.GetClosed() > 0 {
		c.add("办结%d件", l.GetClosed())
	} else {
		c.add("在办%d件", l.GetOpen())
	}
	if l.GetDue() > 0 {
		c.text("结案率" + FormatPercent(l.GetClosureRate()))
		c.text("按期结案率" + FormatPercent(l.GetOnTimeRate()))
	}
	if d := l.GetMedianDaysToClose(); l.GetClosed() > 0 && d > 0 {
		c.text("问题从发现到办结用时中位数为" + FormatDecimal(d) + "天")
	}
	c.add("转派%d次", l.GetReassigned())
	c.add("催办%d次", l.GetUrged())
	c.add("对逾期问题督办%d件", l.GetSupervised())
	if n := l.GetOpenOverdue(); n > 0 {
		c.add("截至期末仍有%d件逾期未办结", n)
	} else {
		c.text("截至期末无逾期未办结问题")
	}
	return c.sentence()
}

// PeriodPhrase names [from, to) as a summary would: "2024年上半年",
// "2024年下半年", "2024年", "2024年3月", else "2024年1月1日至3月15日"
// (the last day inclusive), in zone.
func PeriodPhrase(from, to time.Time, zone *time.Location) string {
	from, to = from.In(zone), to.In(zone)
	midnight := func(t time.Time) bool {
		return t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0
	}
	if midnight(from) && midnight(to) && from.Day() == 1 && to.Day() == 1 {
		y := from.Year()
		switch {
		case from.Month() == time.January && to.Equal(from.AddDate(0, 6, 0)):
			return fmt.Sprintf("%d年上半年", y)
		case from.Month() == time.July && to.Equal(from.AddDate(0, 6, 0)):
			return fmt.Sprintf("%d年下半年", y)
		case from.Month() == time.January && to.Equal(from.AddDate(1, 0, 0)):
			return fmt.Sprintf("%d年", y)
		case to.Equal(from.AddDate(0, 1, 0)):
			return fmt.Sprintf("%d年%d月", y, from.Month())
		}
	}
	last := to
	if midnight(to) {
		last = to.AddDate(0, 0, -1)
	}
	start := fmt.Sprintf("%d年%d月%d日", from.Year(), from.Month(), from.Day())
	if last.Year() != from.Year() {
		return fmt.Sprintf("%s至%d年%d月%d日", start, last.Year(), last.Month(), last.Day())
	}
	return fmt.Sprintf("%s至%d月%d日", start, last.Month(), last.Day())
}

// FormatPercent writes a rate (0.9653) as a percentage to one decimal,
// without a trailing ".0": "96.5%", "100%".
func FormatPercent(rate float64) string {
	return FormatDecimal(rate*100) + "%"
}

// FormatDecimal writes f to one decimal, without a trailing ".0".
func FormatDecimal(f float64) string {
	return strconv.FormatFloat(math.Round(f*10)/10, 'f', -1, 64)
}
