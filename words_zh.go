package gridinspect

import (
	"time"
	_ "time/tzdata" // China time must work on a machine without zone data
)

// The domain's words as a street office writes them (zh-CN), for the
// messages people read. One table per enum; other catalogues of the
// product's words should take these rather than write their own.

// SystemName is what people see the system actor called: the server
// acting on its own (SystemActor), e.g. a routing rule's automatic
// dispatch or an escalation to supervision (督办).
const SystemName = "系统"

var statusChinese = [...]string{"未指定", "已上报", "已派遣", "整改中", "待核查", "已结案", "已驳回"}

// Chinese returns the status as a street office writes it ("已上报").
func (s Status) Chinese() string {
	if s >= 0 && int(s) < len(statusChinese) {
		return statusChinese[s]
	}
	return s.String()
}

var categoryChinese = [...]string{"未指定", "安全隐患", "散乱污企业", "违法建设", "水源地隐患", "危房", "其他"}

// Chinese returns the category as a street office writes it ("安全隐患").
func (c Category) Chinese() string {
	if c >= 0 && int(c) < len(categoryChinese) {
		return categoryChinese[c]
	}
	return c.String()
}

var dispositionChinese = [...]string{"未指定", "整改到位", "关停取缔", "整合搬迁", "升级改造",
	"拆除", "补办手续", "风险消除", "危房改造", "人员搬离"}

// Chinese returns the outcome as a street office writes it ("关停取缔").
func (d Disposition) Chinese() string {
	if d >= 0 && int(d) < len(dispositionChinese) {
		return dispositionChinese[d]
	}
	return d.String()
}

var stepChinese = map[Step]string{
	StepAssign: "派遣", StepReject: "驳回", StepRecordProgress: "记录整改进展",
	StepIssueNotice: "下发文书", StepRecordInterview: "记录约谈",
	StepSubmitRectification: "提交整改结果", StepVerifyPass: "核查通过",
	StepVerifyFail: "退回整改", StepFollowUpFine: "记录回头看", StepFollowUpRelapse: "记录回头看",
	StepComment: "评论", StepExtendDeadline: "延期",
	StepReassign: "转派", StepUrge: "催办", StepSupervise: "督办",
	StepReturnForMore: "退回补充", StepSupplement: "补充材料",
}

// SupplementPrefixZh leads what a supplement adds to a report's
// description, after the words as first reported.
const SupplementPrefixZh = "补充："

var returnWantChinese = [...]string{"未指定", "照片", "地址", "情况说明", "其他"}

// Chinese returns what is asked for as a street office writes it ("照片").
func (w ReturnWant) Chinese() string {
	if w >= 0 && int(w) < len(returnWantChinese) {
		return returnWantChinese[w]
	}
	return w.String()
}

// Chinese returns the step as a verb a street office uses ("派遣").
func (s Step) Chinese() string { return stepChinese[s] }

// Chinese returns the action as a verb a street office uses: its steps'
// word, or for a verification, whose two outcomes have a word each
// (核查通过, 退回整改), the word for checking them (核查).
func (x ReportAction) Chinese() string {
	if x == ActionVerifyRectification {
		return "核查"
	}
	if steps := x.Steps(); len(steps) > 0 {
		return steps[0].Chinese()
	}
	return ""
}

// ChinaZone is the street office's time zone, Asia/Shanghai, from the
// zone data built into the binary (time/tzdata).
var ChinaZone = loadChinaZone()

func loadChinaZone() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		// Only a broken build lacks the embedded data; China has kept
		// +08:00 without daylight saving since 1991.
		return time.FixedZone("CST", 8*60*60)
	}
	return loc
}

// ChinaTime formats t in China time with its offset, for English messages
// a person reads: "2026-12-20 23:59:59 +08:00".
func ChinaTime(t time.Time) string {
	return t.In(ChinaZone).Format("2006-01-02 15:04:05 -07:00")
}

// ChinaTimeZh formats t in China time as a Chinese message writes it, to
// the minute: "2026年12月20日 23:59".
func ChinaTimeZh(t time.Time) string {
	return t.In(ChinaZone).Format("2006年1月2日 15:04")
}
