package main

import (
	"sort"
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"

	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

// The API's enums as a street office writes them, and as they are typed
// on the command line. A value the table does not know (a newer server)
// is shown as the API names it.

// categoryLabels are the categories in Chinese.
var categoryLabels = map[pb.Category]string{
	pb.Category_CATEGORY_SAFETY_HAZARD:        "安全隐患",
	pb.Category_CATEGORY_POLLUTING_ENTERPRISE: "散乱污企业",
	pb.Category_CATEGORY_ILLEGAL_CONSTRUCTION: "违法建设",
	pb.Category_CATEGORY_WATER_SOURCE_RISK:    "水源地隐患",
	pb.Category_CATEGORY_DANGEROUS_HOUSE:      "危房",
	pb.Category_CATEGORY_OTHER:                "其他",
}

// categoryFlags are the categories as --category names them.
var categoryFlags = map[string]pb.Category{
	"safety":       pb.Category_CATEGORY_SAFETY_HAZARD,
	"polluting":    pb.Category_CATEGORY_POLLUTING_ENTERPRISE,
	"construction": pb.Category_CATEGORY_ILLEGAL_CONSTRUCTION,
	"water":        pb.Category_CATEGORY_WATER_SOURCE_RISK,
	"house":        pb.Category_CATEGORY_DANGEROUS_HOUSE,
	"other":        pb.Category_CATEGORY_OTHER,
}

// statusLabels are the statuses in Chinese.
var statusLabels = map[pb.ReportStatus]string{
	pb.ReportStatus_REPORT_STATUS_REPORTED:             "已上报",
	pb.ReportStatus_REPORT_STATUS_ASSIGNED:             "已派遣",
	pb.ReportStatus_REPORT_STATUS_RECTIFYING:           "整改中",
	pb.ReportStatus_REPORT_STATUS_PENDING_VERIFICATION: "待核查",
	pb.ReportStatus_REPORT_STATUS_CLOSED:               "已结案",
	pb.ReportStatus_REPORT_STATUS_REJECTED:             "已驳回",
}

// statusFlags are the statuses as --status names them.
var statusFlags = map[string]pb.ReportStatus{
	"reported":             pb.ReportStatus_REPORT_STATUS_REPORTED,
	"assigned":             pb.ReportStatus_REPORT_STATUS_ASSIGNED,
	"rectifying":           pb.ReportStatus_REPORT_STATUS_RECTIFYING,
	"pending-verification": pb.ReportStatus_REPORT_STATUS_PENDING_VERIFICATION,
	"closed":               pb.ReportStatus_REPORT_STATUS_CLOSED,
	"rejected":             pb.ReportStatus_REPORT_STATUS_REJECTED,
}

var severityLabels = map[pb.Severity]string{
	pb.Severity_SEVERITY_UNSPECIFIED: "一般",
	pb.Severity_SEVERITY_GENERAL:     "一般",
	pb.Severity_SEVERITY_MAJOR:       "重大",
}

// dispositionLabels are the outcomes in Chinese.
var dispositionLabels = map[pb.Disposition]string{
	pb.Disposition_DISPOSITION_RECTIFIED:           "整改到位",
	pb.Disposition_DISPOSITION_SHUT_DOWN:           "关停取缔",
	pb.Disposition_DISPOSITION_RELOCATED:           "整合搬迁",
	pb.Disposition_DISPOSITION_UPGRADED:            "升级改造",
	pb.Disposition_DISPOSITION_DEMOLISHED:          "拆除",
	pb.Disposition_DISPOSITION_LEGALISED:           "补办手续",
	pb.Disposition_DISPOSITION_RESOLVED:            "风险消除",
	pb.Disposition_DISPOSITION_RENOVATED:           "危房改造",
	pb.Disposition_DISPOSITION_RESIDENTS_RELOCATED: "人员搬离",
}

// dispositionFlags are the outcomes as --disposition names them.
var dispositionFlags = map[string]pb.Disposition{
	"rectified":           pb.Disposition_DISPOSITION_RECTIFIED,
	"shut-down":           pb.Disposition_DISPOSITION_SHUT_DOWN,
	"relocated":           pb.Disposition_DISPOSITION_RELOCATED,
	"upgraded":            pb.Disposition_DISPOSITION_UPGRADED,
	"demolished":          pb.Disposition_DISPOSITION_DEMOLISHED,
	"legalised":           pb.Disposition_DISPOSITION_LEGALISED,
	"resolved":            pb.Disposition_DISPOSITION_RESOLVED,
	"renovated":           pb.Disposition_DISPOSITION_RENOVATED,
	"residents-relocated": pb.Disposition_DISPOSITION_RESIDENTS_RELOCATED,
}

// eventLabels are the event types in Chinese.
var eventLabels = map[pb.EventType]string{
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
}

// noticeLabels are the kinds of document in Chinese.
var noticeLabels = map[pb.NoticeKind]string{
	pb.NoticeKind_NOTICE_KIND_HAZARD_NOTICE:        "隐患排查告知书",
	pb.NoticeKind_NOTICE_KIND_RECTIFICATION_ORDER:  "整改通知书",
	pb.NoticeKind_NOTICE_KIND_ENFORCEMENT_DOCUMENT: "执法文书",
}

// noticeFlags are the kinds as --kind names them.
var noticeFlags = map[string]pb.NoticeKind{
	"hazard":      pb.NoticeKind_NOTICE_KIND_HAZARD_NOTICE,
	"order":       pb.NoticeKind_NOTICE_KIND_RECTIFICATION_ORDER,
	"enforcement": pb.NoticeKind_NOTICE_KIND_ENFORCEMENT_DOCUMENT,
}

var rejectionLabels = map[pb.RejectionReason]string{
	pb.RejectionReason_REJECTION_REASON_INVALID:   "无效",
	pb.RejectionReason_REJECTION_REASON_DUPLICATE: "重复",
}

// Labels of the typed details of each category.

var hazardKindLabels = map[pb.HazardKind]string{
	pb.HazardKind_HAZARD_KIND_FIRE:       "消防",
	pb.HazardKind_HAZARD_KIND_GAS:        "燃气",
	pb.HazardKind_HAZARD_KIND_ELECTRICAL: "用电",
	pb.HazardKind_HAZARD_KIND_STRUCTURAL: "结构",
	pb.HazardKind_HAZARD_KIND_CHEMICAL:   "危化品",
	pb.HazardKind_HAZARD_KIND_OTHER:      "其他",
}

var placeKindLabels = map[pb.PlaceKind]string{
	pb.PlaceKind_PLACE_KIND_ENTERPRISE:    "企业",
	pb.PlaceKind_PLACE_KIND_CROWDED_PLACE: "人员密集场所",
	pb.PlaceKind_PLACE_KIND_THREE_IN_ONE:  "三合一场所",
	pb.PlaceKind_PLACE_KIND_ELDERLY_ALONE: "独居老人",
	pb.PlaceKind_PLACE_KIND_OTHER:         "其他",
}

var pollutingActivityLabels = map[pb.PollutingActivity]string{
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

var proposedDisposalLabels = map[pb.ProposedDisposal]string{
	pb.ProposedDisposal_PROPOSED_DISPOSAL_SHUT_DOWN: "关停取缔",
	pb.ProposedDisposal_PROPOSED_DISPOSAL_RELOCATE:  "整合搬迁",
	pb.ProposedDisposal_PROPOSED_DISPOSAL_UPGRADE:   "升级改造",
}

var constructionKindLabels = map[pb.ConstructionKind]string{
	pb.ConstructionKind_CONSTRUCTION_KIND_BUILDING:  "违建房屋",
	pb.ConstructionKind_CONSTRUCTION_KIND_SHED:      "乱搭盖",
	pb.ConstructionKind_CONSTRUCTION_KIND_BILLBOARD: "大型广告牌",
	pb.ConstructionKind_CONSTRUCTION_KIND_STORAGE:   "乱堆放",
	pb.ConstructionKind_CONSTRUCTION_KIND_OTHER:     "其他",
}

var landKindLabels = map[pb.LandKind]string{
	pb.LandKind_LAND_KIND_FARMLAND:    "耕地",
	pb.LandKind_LAND_KIND_RESIDENTIAL: "小区内",
	pb.LandKind_LAND_KIND_ROADSIDE:    "道路沿线",
	pb.LandKind_LAND_KIND_OTHER:       "其他",
}

var waterRiskLabels = map[pb.WaterRiskKind]string{
	pb.WaterRiskKind_WATER_RISK_KIND_SEWAGE:       "排污",
	pb.WaterRiskKind_WATER_RISK_KIND_GARBAGE:      "垃圾",
	pb.WaterRiskKind_WATER_RISK_KIND_LIVESTOCK:    "畜禽养殖",
	pb.WaterRiskKind_WATER_RISK_KIND_CONSTRUCTION: "保护区内建设",
	pb.WaterRiskKind_WATER_RISK_KIND_OTHER:        "其他",
}

var houseGradeLabels = map[pb.HouseGrade]string{
	pb.HouseGrade_HOUSE_GRADE_A: "A级(安全)",
	pb.HouseGrade_HOUSE_GRADE_B: "B级(基本安全)",
	pb.HouseGrade_HOUSE_GRADE_C: "C级(局部危房)",
	pb.HouseGrade_HOUSE_GRADE_D: "D级(整栋危房)",
}

// enumLabel returns labels[v], or the API's name of v when the table
// lacks it, or "-" for the zero value.
func enumLabel[E interface {
	comparable
	String() string
	Number() protoreflect.EnumNumber
}](labels map[E]string, v E) string {
	if l, ok := labels[v]; ok && l != "" {
		return l
	}
	if v.Number() == 0 {
		return "-"
	}
	return v.String()
}

// flagChoices lists the names a flag accepts, sorted, for its help and
// errors: "a|b|c".
func flagChoices[V any](m map[string]V) string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, "|")
}

// parseChoice looks s up in m, ignoring case and surrounding blanks.
func parseChoice[V any](flagName string, m map[string]V, s string) (V, error) {
	v, ok := m[strings.ToLower(strings.TrimSpace(s))]
	if !ok {
		var zero V
		return zero, usagef("--%s must be one of %s, not %q", flagName, flagChoices(m), s)
	}
	return v, nil
}
