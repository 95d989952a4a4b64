// Package words is the one catalogue of the product's words as a street
// office writes them: the API's enums (statuses, categories, kinds,
// dispositions, roles, notices, event types) in Chinese. gridctl, the
// exports and the prose all read them here, so a word is translated once.
//
// The tables are keyed by the API's enums; the domain keeps the same
// numbers (gridinspect.Category and the detail fields), so a caller
// holding a domain value converts it: words.Category[pb.Category(c)].
package words

import (
	"fmt"
	"strconv"

	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/gridinspect/gridinspect"
	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

// fromDomain is a table of the API's enum E whose words are the domain's
// (the domain keeps the API's numbers): one translation, not two.
func fromDomain[E ~int32](names map[int32]string, word func(int32) string) map[E]string {
	table := make(map[E]string, len(names))
	for n := range names {
		if n != 0 {
			table[E(n)] = word(n)
		}
	}
	return table
}

// Category are the categories in Chinese: the domain's words
// (gridinspect.Category.Chinese), which its own messages use too.
var Category = fromDomain[pb.Category](pb.Category_name, func(n int32) string { return gridinspect.Category(n).Chinese() })

// Status are the statuses in Chinese: the domain's words
// (gridinspect.Status.Chinese).
var Status = fromDomain[pb.ReportStatus](pb.ReportStatus_name, func(n int32) string { return gridinspect.Status(n).Chinese() })

// Severity are the grades in Chinese.
var Severity = map[pb.Severity]string{
	pb.Severity_SEVERITY_GENERAL: "一般",
	pb.Severity_SEVERITY_MAJOR:   "重大",
}

// Disposition are the outcomes in Chinese: the domain's words
// (gridinspect.Disposition.Chinese).
var Disposition = fromDomain[pb.Disposition](pb.Disposition_name, func(n int32) string { return gridinspect.Disposition(n).Chinese() })

// Event are the event types in Chinese.
var Event = map[pb.EventType]string{
	pb.EventType_EVENT_TYPE_REPORT_SUBMITTED:        "上报",
	pb.EventType_EVENT_TYPE_REPORT_ASSIGNED:         "派遣",
	pb.EventType_EVENT_TYPE_REPORT_REJECTED:         "驳回",
	pb.EventType_EVENT_TYPE_PROGRESS_RECORDED:       "整改进展",
	pb.EventType_EVENT_TYPE_NOTICE_ISSUED:           "下发文书",
	pb.EventType_EVENT_TYPE_INTERVIEW_RECORDED:      "约谈",
	pb.EventType_EVENT_TYPE_RECTIFICATION_SUBMITTED: "提交整改",
	pb.EventType_EVENT_TYPE_RECTIFICATION_VERIFIED:  "核查",
	pb.EventType_EVENT_TYPE_FOLLOW_UP_RECORDED:      "回头看",
	pb.EventType_EVENT_TYPE_COMMENT_ADDED:           "评论",
	pb.EventType_EVENT_TYPE_DEADLINE_EXTENDED:       "延期",
	pb.EventType_EVENT_TYPE_REPORT_REASSIGNED:       "转派",
	pb.EventType_EVENT_TYPE_REPORT_URGED:            "催办",
	pb.EventType_EVENT_TYPE_REPORT_SUPERVISED:       "督办",
	pb.EventType_EVENT_TYPE_REPORT_RETURNED:         "退回补充",
	pb.EventType_EVENT_TYPE_REPORT_SUPPLEMENTED:     "补充材料",
}

// Action are what a user may do to a case (Report.allowed_actions), as
// the verbs of its buttons: the domain's words
// (gridinspect.ReportAction.Chinese, the steps' verbs: 派遣, 记录约谈, …).
var Action = fromDomain[pb.ReportAction](pb.ReportAction_name, func(n int32) string { return gridinspect.ReportAction(n).Chinese() })

// Notice are the kinds of document in Chinese.
var Notice = map[pb.NoticeKind]string{
	pb.NoticeKind_NOTICE_KIND_HAZARD_NOTICE:        "隐患排查告知书",
	pb.NoticeKind_NOTICE_KIND_RECTIFICATION_ORDER:  "整改通知书",
	pb.NoticeKind_NOTICE_KIND_ENFORCEMENT_DOCUMENT: "执法文书",
}

// DayKind are the kinds of calendar exception (工作日): the domain's
// words (gridinspect.DayKind.Chinese).
var DayKind = fromDomain[pb.DayKind](pb.DayKind_name, func(n int32) string { return gridinspect.DayKind(n).Chinese() })

// Weekday are the days of the week as a calendar prints them.
var Weekday = [7]string{"周日", "周一", "周二", "周三", "周四", "周五", "周六"}

// WorkingDays writes a deadline's count of working days: "5 个工作日".
func WorkingDays(n int32) string { return strconv.Itoa(int(n)) + " 个工作日" }

// Rejection are the reasons a report is rejected, in Chinese.
var Rejection = map[pb.RejectionReason]string{
	pb.RejectionReason_REJECTION_REASON_INVALID:   "无效",
	pb.RejectionReason_REJECTION_REASON_DUPLICATE: "重复",
}

// The typed details of each category.

// HazardKind are the kinds of safety hazard.
var HazardKind = map[pb.HazardKind]string{
	pb.HazardKind_HAZARD_KIND_FIRE:       "消防",
	pb.HazardKind_HAZARD_KIND_GAS:        "燃气",
	pb.HazardKind_HAZARD_KIND_ELECTRICAL: "用电",
	pb.HazardKind_HAZARD_KIND_STRUCTURAL: "结构",
	pb.HazardKind_HAZARD_KIND_CHEMICAL:   "危化品",
	pb.HazardKind_HAZARD_KIND_OTHER:      "其他",
}

// PlaceKind are the kinds of place a hazard is in.
var PlaceKind = map[pb.PlaceKind]string{
	pb.PlaceKind_PLACE_KIND_ENTERPRISE:    "企业",
	pb.PlaceKind_PLACE_KIND_CROWDED_PLACE: "人员密集场所",
	pb.PlaceKind_PLACE_KIND_THREE_IN_ONE:  "三合一场所",
	pb.PlaceKind_PLACE_KIND_ELDERLY_ALONE: "独居老人",
	pb.PlaceKind_PLACE_KIND_OTHER:         "其他",
}

// PollutingActivity are what a 散乱污 enterprise does.
var PollutingActivity = map[pb.PollutingActivity]string{
	pb.PollutingActivity_POLLUTING_ACTIVITY_ILLEGAL_SAND_WASHING: "非法洗沙",
	pb.PollutingActivity_POLLUTING_ACTIVITY_PLASTIC_RECYCLING:    "废塑料加工",
	pb.PollutingActivity_POLLUTING_ACTIVITY_METAL_SMELTING:       "小熔炼",
	pb.PollutingActivity_POLLUTING_ACTIVITY_CHEMICAL:             "小化工",
	pb.PollutingActivity_POLLUTING_ACTIVITY_SPRAY_PAINTING:       "露天喷涂",
	pb.PollutingActivity_POLLUTING_ACTIVITY_STONE_PROCESSING:     "石材加工",
	pb.PollutingActivity_POLLUTING_ACTIVITY_WOODWORKING:          "木材加工",
	pb.PollutingActivity_POLLUTING_ACTIVITY_SCRAP_RECYCLING:      "废品回收",
	pb.PollutingActivity_POLLUTING_ACTIVITY_OTHER:                "其他",
}

// ProposedDisposal are what is proposed for a 散乱污 enterprise.
var ProposedDisposal = map[pb.ProposedDisposal]string{
	pb.ProposedDisposal_PROPOSED_DISPOSAL_SHUT_DOWN: "关停取缔",
	pb.ProposedDisposal_PROPOSED_DISPOSAL_RELOCATE:  "整合搬迁",
	pb.ProposedDisposal_PROPOSED_DISPOSAL_UPGRADE:   "升级改造",
}

// ConstructionKind are the kinds of illegal construction.
var ConstructionKind = map[pb.ConstructionKind]string{
	pb.ConstructionKind_CONSTRUCTION_KIND_BUILDING:  "违建房屋",
	pb.ConstructionKind_CONSTRUCTION_KIND_SHED:      "乱搭盖",
	pb.ConstructionKind_CONSTRUCTION_KIND_BILLBOARD: "大型广告牌",
	pb.ConstructionKind_CONSTRUCTION_KIND_STORAGE:   "乱堆放",
	pb.ConstructionKind_CONSTRUCTION_KIND_OTHER:     "其他",
}

// LandKind are the land an illegal construction stands on.
var LandKind = map[pb.LandKind]string{
	pb.LandKind_LAND_KIND_FARMLAND:    "耕地",
	pb.LandKind_LAND_KIND_RESIDENTIAL: "小区内",
	pb.LandKind_LAND_KIND_ROADSIDE:    "道路沿线",
	pb.LandKind_LAND_KIND_OTHER:       "其他",
}

// WaterRisk are the risks to a water source.
var WaterRisk = map[pb.WaterRiskKind]string{
	pb.WaterRiskKind_WATER_RISK_KIND_SEWAGE:       "排污",
	pb.WaterRiskKind_WATER_RISK_KIND_GARBAGE:      "垃圾",
	pb.WaterRiskKind_WATER_RISK_KIND_LIVESTOCK:    "畜禽养殖",
	pb.WaterRiskKind_WATER_RISK_KIND_CONSTRUCTION: "保护区内建设",
	pb.WaterRiskKind_WATER_RISK_KIND_OTHER:        "其他",
}

// HouseGrade are the appraisal grades of a house.
var HouseGrade = map[pb.HouseGrade]string{
	pb.HouseGrade_HOUSE_GRADE_A: "A级(安全)",
	pb.HouseGrade_HOUSE_GRADE_B: "B级(基本安全)",
	pb.HouseGrade_HOUSE_GRADE_C: "C级(局部危房)",
	pb.HouseGrade_HOUSE_GRADE_D: "D级(整栋危房)",
}

// Role are the roles in Chinese.
var Role = map[pb.Role]string{
	pb.Role_ROLE_WORKER:     "网格员",
	pb.Role_ROLE_SUPERVISOR: "主管",
	pb.Role_ROLE_ADMIN:      "管理员",
	pb.Role_ROLE_DISTRICT:   "区级账号",
}

// GridKind are the kinds of grid in Chinese.
var GridKind = map[pb.GridKind]string{
	pb.GridKind_GRID_KIND_VILLAGE:   "行政村",
	pb.GridKind_GRID_KIND_COMMUNITY: "社区",
	pb.GridKind_GRID_KIND_OTHER:     "其他",
}

// SubjectKind are the kinds of subject (what a report is about) in Chinese.
var SubjectKind = map[pb.SubjectKind]string{
	pb.SubjectKind_SUBJECT_KIND_ENTERPRISE:   "企业",
	pb.SubjectKind_SUBJECT_KIND_HOUSEHOLD:    "住户",
	pb.SubjectKind_SUBJECT_KIND_WATER_SOURCE: "水源地",
	pb.SubjectKind_SUBJECT_KIND_SITE:         "场所",
}

// PatrolKind are the kinds of patrol in Chinese.
var PatrolKind = map[pb.PatrolKind]string{
	pb.PatrolKind_PATROL_KIND_WATER_SOURCE:   "水源地巡查",
	pb.PatrolKind_PATROL_KIND_POLLUTION_AREA: "重点区域巡查",
	pb.PatrolKind_PATROL_KIND_SAFETY:         "安全检查",
	pb.PatrolKind_PATROL_KIND_GENERAL:        "日常巡查",
}

// Routing rules (事件分拨): how a rule dispatches, and a key part left
// open.
const (
	RoutingAutomatic = "自动派遣"
	RoutingSuggested = "一键派遣参考"
	RoutingAny       = "任意"
)

// RoutingMode says how a routing rule dispatches.
func RoutingMode(automatic bool) string {
	if automatic {
		return RoutingAutomatic
	}
	return RoutingSuggested
}

// PatrolPeriod are the units of a patrol schedule's period in Chinese.
var PatrolPeriod = map[pb.PatrolPeriod]string{
	pb.PatrolPeriod_PATROL_PERIOD_DAY:         "天",
	pb.PatrolPeriod_PATROL_PERIOD_WEEK:        "周",
	pb.PatrolPeriod_PATROL_PERIOD_MONTH:       "月",
	pb.PatrolPeriod_PATROL_PERIOD_WORKING_DAY: "工作日",
}

// PatrolFrequency says how often a schedule wants patrols, as an office
// writes it: 每周1次, 每2周3次, 每10天1次, 每月2次, 每个工作日1次,
// 每5个工作日1次.
func PatrolFrequency(s *pb.PatrolSchedule) string {
	unit := Label(PatrolPeriod, s.GetPeriod())
	every := max(s.GetEvery(), 1)
	times := max(s.GetTimes(), 1)
	if every == 1 {
		switch s.GetPeriod() {
		case pb.PatrolPeriod_PATROL_PERIOD_DAY:
			return fmt.Sprintf("每天%d次", times)
		case pb.PatrolPeriod_PATROL_PERIOD_WORKING_DAY:
			return fmt.Sprintf("每个工作日%d次", times)
		}
		return fmt.Sprintf("每%s%d次", unit, times)
	}
	switch s.GetPeriod() {
	case pb.PatrolPeriod_PATROL_PERIOD_MONTH:
		unit = "个月"
	case pb.PatrolPeriod_PATROL_PERIOD_WORKING_DAY:
		unit = "个工作日"
	}
	return fmt.Sprintf("每%d%s%d次", every, unit, times)
}

// ReturnWant are what a return for more (退回补充) asks for, in Chinese:
// the domain's words (gridinspect.ReturnWant.Chinese).
var ReturnWant = fromDomain[pb.ReturnWant](pb.ReturnWant_name, func(n int32) string { return gridinspect.ReturnWant(n).Chinese() })

// Enum is an API enum.
type Enum interface {
	comparable
	String() string
	Number() protoreflect.EnumNumber
}

// Of returns table[v], or "" when the table lacks v (0, "not given", or a
// value of a newer server): the caller decides what an unknown word shows.
func Of[E Enum](table map[E]string, v E) string { return table[v] }

// Label returns table[v], or the API's name of v when the table lacks it
// (a newer server), or "-" for the zero value: for a person reading a line.
func Label[E Enum](table map[E]string, v E) string {
	if l, ok := table[v]; ok && l != "" {
		return l
	}
	if v.Number() == 0 {
		return "-"
	}
	return v.String()
}
