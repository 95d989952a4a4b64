package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"

	"github.com/gridinspect/gridinspect/internal/words"
	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

var showCommand = &command{
	name:    "show",
	args:    "编号",
	summary: "显示案件及其时间线",
	help: `显示报告及其类别的具体信息，然后是时间线：每个事件按时间先后，写明操作人、
时间（按设备时钟，与服务器接收时间不同时也写出）、对状态的改变和记录的内容。
未能生效的操作（别人先改动了案件）也记在时间线上，标为冲突。最后一行说明时间线
的哈希链是否完整，即记录是否与写入时一致；不一致时 gridctl 以 1 退出。

` + reportIDHelp,
	setup: func(fs *flag.FlagSet) runFunc {
		return func(ctx context.Context, a *app, args []string) error {
			if len(args) != 1 {
				return usagef("show 需要一个报告编号")
			}
			return a.show(ctx, args[0])
		}
	},
}

// errChainBroken is show's verdict on a timeline whose hashes do not
// match its content.
var errChainBroken = errors.New("时间线的哈希链断裂：此案件的记录在写入后被改动过")

func (a *app) show(ctx context.Context, ref string) error {
	id, err := a.resolveReport(ctx, ref)
	if err != nil {
		return err
	}
	reports, err := a.reportClient()
	if err != nil {
		return err
	}
	rect, err := a.rectificationClient()
	if err != nil {
		return err
	}
	got, err := reports.GetReport(ctx, &pb.GetReportRequest{Id: id})
	if err != nil {
		return fmt.Errorf("get report %s: %w", id, err)
	}
	tl, err := rect.GetTimeline(ctx, &pb.GetTimelineRequest{ReportId: id})
	if err != nil {
		return fmt.Errorf("get the timeline of report %s: %w", id, err)
	}
	r := got.GetReport()
	if a.opts.json {
		if err := writeShowJSON(a, r, tl); err != nil {
			return err
		}
	} else {
		names := a.lookupNames(ctx)
		names.subject = a.subjectName(ctx, r.GetSubjectId())
		if err := writeReport(a, r, names); err != nil {
			return err
		}
		fmt.Fprintln(a.stdout)
		if err := writeTimeline(a, tl); err != nil {
			return err
		}
	}
	if !tl.GetChainIntact() {
		return errChainBroken
	}
	return nil
}

// subjectName returns the name of the subject id, or "" when there is
// none or it cannot be read.
func (a *app) subjectName(ctx context.Context, id string) string {
	if id == "" {
		return ""
	}
	dir, err := a.directoryClient()
	if err != nil {
		return ""
	}
	resp, err := dir.GetSubject(ctx, &pb.GetSubjectRequest{Id: id})
	if err != nil {
		return ""
	}
	return resp.GetSubject().GetName()
}

// writeShowJSON prints {"report": …, "timeline": {"events": […],
// "chainIntact": …}}.
func writeShowJSON(a *app, r *pb.Report, tl *pb.GetTimelineResponse) error {
	rb, err := marshalJSON(r)
	if err != nil {
		return fmt.Errorf("write json: %w", err)
	}
	tb, err := marshalJSON(tl)
	if err != nil {
		return fmt.Errorf("write json: %w", err)
	}
	var b bytes.Buffer
	b.WriteString(`{"report":`)
	b.Write(rb)
	b.WriteString(`,"timeline":`)
	b.Write(tb)
	b.WriteString(`}`)
	return writeIndented(a.stdout, b.Bytes())
}

// writeReport prints the fields of a report that a supervisor reads, one
// per line; the typed details of its category carry Chinese labels.
func writeReport(a *app, r *pb.Report, names *nameBook) error {
	t := newTable()
	add := func(label, value string) {
		if value != "" {
			t.add(label, value)
		}
	}
	add("编号", r.GetId())
	add("类别", words.Label(words.Category, r.GetCategory())+"，"+severityLabel(r.GetSeverity()))
	status := fmt.Sprintf("%s，版本 %d", words.Label(words.Status, r.GetStatus()), r.GetVersion())
	if r.GetOverdue() {
		status += "，逾期" + formatDays(max(1, daysOverdue(r.GetDeadline().AsTime(), now())))
	}
	add("状态", status)
	if r.GetSupervisedAt() != nil {
		add("督办", "逾期后由系统督办于 "+formatMinute(r.GetSupervisedAt()))
	}
	if n := r.GetUrgeCount(); n > 0 {
		add("催办", fmt.Sprintf("%d 次", n))
	}
	if n := r.GetReassignCount(); n > 0 {
		add("转派", fmt.Sprintf("%d 次", n))
	}
	add("网格", names.grid(r.GetGridId()))
	add("描述", r.GetDescription())
	add("地址", r.GetLocation().GetAddress())
	if loc := r.GetLocation(); loc != nil {
		l := fmt.Sprintf("%.6f, %.6f (WGS-84)", loc.GetLatitude(), loc.GetLongitude())
		if loc.GetAccuracyMeters() > 0 {
			l += fmt.Sprintf(" ±%s 米", trimFloat(loc.GetAccuracyMeters()))
		}
		add("位置", l)
	}
	observed := formatMinute(r.GetObservedAt())
	if r.GetClockSkewFlagged() {
		observed += "（设备时钟似有误，按接收时间计）"
	}
	add("发现时间", observed)
	add("接收时间", formatMinute(r.GetReceivedAt())+"，上报人 "+person(r.GetReporterId(), r.GetReporterName()))
	if r.GetRectifiedOnSpot() {
		add("现场处置", "立行立改")
	}
	for _, d := range reportDetails(r) {
		add(d[0], d[1])
	}
	if id := r.GetSubjectId(); id != "" {
		if names.subject != "" {
			add("对象", names.subject+" ("+id+")")
		} else {
			add("对象", id)
		}
	}
	add("巡查", r.GetPatrolId())
	if p := len(r.GetPhotoIds()); p > 0 {
		photos := strconv.Itoa(p)
		if m := len(r.GetMissingPhotoIds()); m > 0 {
			photos += fmt.Sprintf("（%d 张尚未上传）", m)
		}
		add("照片", photos)
	}
	if rq := r.GetReturnRequest(); rq != nil {
		add("退回补充", returnRequestLine(rq))
	}
	if r.GetAssigneeId() != "" {
		add("派遣对象", person(r.GetAssigneeId(), r.GetAssigneeName()))
	}
	add("责任单位", r.GetResponsibleUnit())
	if r.GetDeadline() != nil {
		d := formatDeadline(r.GetDeadline()) + words.InWorkingDays(r.GetDeadlineWorkingDays())
		if o := r.GetOriginalDeadline(); o != nil && !o.AsTime().Equal(r.GetDeadline().AsTime()) {
			d += "（已延期，原期限 " + formatDeadline(o) + "）"
		}
		add("整改期限", d)
	}
	if r.GetDisposition() != pb.Disposition_DISPOSITION_UNSPECIFIED {
		add("结案方式", words.Label(words.Disposition, r.GetDisposition()))
	}
	if r.GetClosedAt() != nil {
		add("结案时间", formatMinute(r.GetClosedAt()))
	}
	if n := r.GetRelapseCount(); n > 0 {
		add("复发次数", strconv.Itoa(int(n)))
	}
	if r.GetFollowUpDue() != nil {
		add("回头看日期", formatDate(r.GetFollowUpDue()))
	}
	if p := r.GetPossibleRelapseOf(); p != "" {
		add("疑似复发自", p+"（同一对象此前已结案的案件）")
	}
	add("更新时间", formatMinute(r.GetUpdatedAt()))
	return t.write(a.stdout)
}

// reportDetails are the typed details of a report's category, as pairs
// of a Chinese label and a value.
func reportDetails(r *pb.Report) [][2]string {
	var out [][2]string
	add := func(label, value string) {
		if value != "" && value != "-" {
			out = append(out, [2]string{label, value})
		}
	}
	switch {
	case r.GetSafetyHazard() != nil:
		d := r.GetSafetyHazard()
		add("隐患类型", words.Label(words.HazardKind, d.GetHazardKind()))
		add("场所类型", words.Label(words.PlaceKind, d.GetPlaceKind()))
	case r.GetPollutingEnterprise() != nil:
		d := r.GetPollutingEnterprise()
		var what []string
		for _, f := range []struct {
			on   bool
			name string
		}{{d.GetScattered(), "散"}, {d.GetDisorderly(), "乱"}, {d.GetPolluting(), "污"}} {
			if f.on {
				what = append(what, f.name)
			}
		}
		add("问题", strings.Join(what, "、"))
		activity := words.Label(words.PollutingActivity, d.GetActivity())
		if desc := d.GetActivityDescription(); desc != "" {
			activity = strings.TrimPrefix(activity+": "+desc, "-: ")
		}
		add("行业", activity)
		add("建议处置", words.Label(words.ProposedDisposal, d.GetProposedDisposal()))
		if d.GetMovedInFromOutside() {
			from := "是"
			if d.GetFromDistrict() != "" {
				from += ", 来自" + d.GetFromDistrict()
			}
			add("外区流入", from)
		}
	case r.GetIllegalConstruction() != nil:
		d := r.GetIllegalConstruction()
		add("违建类型", words.Label(words.ConstructionKind, d.GetKind()))
		add("用地", words.Label(words.LandKind, d.GetLand()))
		if d.GetAreaSquareMeters() > 0 {
			add("面积", trimFloat(d.GetAreaSquareMeters())+"㎡")
		}
	case r.GetWaterSourceRisk() != nil:
		add("风险类型", words.Label(words.WaterRisk, r.GetWaterSourceRisk().GetRiskKind()))
	case r.GetDangerousHouse() != nil:
		d := r.GetDangerousHouse()
		add("鉴定等级", words.Label(words.HouseGrade, d.GetAppraisalGrade()))
		occupied := "无人居住"
		if d.GetOccupied() {
			occupied = "住人"
			if n := d.GetResidents(); n > 0 {
				occupied += fmt.Sprintf(" %d人", n)
			}
			if g := d.GetAppraisalGrade(); g == pb.HouseGrade_HOUSE_GRADE_C || g == pb.HouseGrade_HOUSE_GRADE_D {
				occupied += " (危房住人: 红线)"
			}
		}
		add("居住", occupied)
	}
	return out
}

// writeTimeline prints the events as a table, and whether the chain of
// their hashes is intact.
func writeTimeline(a *app, tl *pb.GetTimelineResponse) error {
	t := newTable("时间", "操作人", "事件", "状态", "版本", "详情")
	for _, e := range tl.GetEvents() {
		when := formatMinute(e.GetOccurredAt())
		if received := formatMinute(e.GetReceivedAt()); received != when {
			when += "（接收 " + received + "）"
		}
		event := words.Label(words.Event, e.GetType())
		if e.GetConflict() {
			event += " [冲突]"
		}
		status := words.Label(words.Status, e.GetStatusAfter())
		if e.GetStatusBefore() != e.GetStatusAfter() && e.GetStatusBefore() != pb.ReportStatus_REPORT_STATUS_UNSPECIFIED {
			status = words.Label(words.Status, e.GetStatusBefore()) + " → " + status
		}
		t.add(when, person(e.GetActorId(), e.GetActorName()), event, status, strconv.FormatInt(e.GetVersion(), 10), eventDetails(e))
	}
	fmt.Fprintln(a.stdout, "时间线：")
	if err := t.write(a.stdout); err != nil {
		return err
	}
	var err error
	if tl.GetChainIntact() {
		_, err = fmt.Fprintf(a.stdout, "哈希链完整（%d 个事件）：记录未被改动\n", len(tl.GetEvents()))
	} else {
		_, err = fmt.Fprintln(a.stdout, "哈希链断裂：此记录在写入后被改动过")
	}
	return err
}

// eventDetails writes what an event recorded, in one line.
func eventDetails(e *pb.Event) string {
	var parts []string
	add := func(format string, args ...any) { parts = append(parts, fmt.Sprintf(format, args...)) }
	if e.GetConflict() {
		reason := e.GetLocalizedConflictReason()
		if reason == "" { // a server from before the Chinese was sent
			reason = e.GetConflictReason()
		}
		add("未生效: %s", reason)
	}
	switch p := e.GetPayload().(type) {
	case *pb.Event_Assignment:
		as := p.Assignment
		if as.GetAssigneeId() != "" {
			add("派给 %s", person(as.GetAssigneeId(), as.GetAssigneeName()))
		}
		if as.GetResponsibleUnit() != "" {
			add("责任单位 %s", as.GetResponsibleUnit())
		}
		if as.GetDeadline() != nil {
			add("期限 %s%s", formatDeadline(as.GetDeadline()), words.InWorkingDays(as.GetDeadlineWorkingDays()))
		}
	case *pb.Event_Rejection:
		rj := p.Rejection
		add("%s", words.Label(words.Rejection, rj.GetReason()))
		if rj.GetDuplicateOfReportId() != "" {
			add("与 %s 重复", shortID(rj.GetDuplicateOfReportId()))
		}
	case *pb.Event_Notice:
		n := p.Notice
		doc := words.Label(words.Notice, n.GetKind())
		if n.GetNumber() != "" {
			doc += " " + n.GetNumber()
		}
		add("%s", doc)
		if n.GetDepartment() != "" {
			add("部门 %s", n.GetDepartment())
		}
	case *pb.Event_Interview:
		in := p.Interview
		add("约谈 %s", in.GetInterviewee())
		if in.GetPlace() != "" {
			add("地点 %s", in.GetPlace())
		}
		if in.GetOutcome() != "" {
			add("结果 %s", in.GetOutcome())
		}
	case *pb.Event_Rectification:
		rc := p.Rectification
		if rc.GetDisposition() != pb.Disposition_DISPOSITION_UNSPECIFIED {
			add("%s", words.Label(words.Disposition, rc.GetDisposition()))
		}
		if rc.GetDemolishedAreaSquareMeters() > 0 {
			add("拆除面积 %s m²", trimFloat(rc.GetDemolishedAreaSquareMeters()))
		}
	case *pb.Event_Verification:
		v := p.Verification
		if v.GetPassed() {
			verdict := "通过"
			if v.GetDisposition() != pb.Disposition_DISPOSITION_UNSPECIFIED {
				verdict += ", " + words.Label(words.Disposition, v.GetDisposition())
			}
			add("%s", verdict)
		} else {
			add("未通过: %s", v.GetReason())
		}
		for _, f := range v.GetEvidenceFlags() {
			add("证据存疑: %s", f)
		}
	case *pb.Event_FollowUp:
		if p.FollowUp.GetRelapsed() {
			add("复发 (第%d次)", p.FollowUp.GetRelapseCount())
		} else {
			add("未复发")
		}
	case *pb.Event_Reassignment:
		ra := p.Reassignment
		from := joinNonEmpty(personOrEmpty(ra.GetPreviousAssigneeId(), ra.GetPreviousAssigneeName()), ra.GetPreviousResponsibleUnit())
		to := joinNonEmpty(personOrEmpty(ra.GetAssigneeId(), ra.GetAssigneeName()), ra.GetResponsibleUnit())
		add("%s → %s", from, to)
		if ra.GetReason() != "" {
			add("理由 %s", ra.GetReason())
		}
	case *pb.Event_Urging:
		u := p.Urging
		add("催办 %s (第%d次)", joinNonEmpty(personOrEmpty(u.GetAssigneeId(), u.GetAssigneeName()), u.GetResponsibleUnit()), u.GetUrgeCount())
	case *pb.Event_Supervision:
		add("逾期督办：期限 %s 已过", formatDeadline(p.Supervision.GetDeadline()))
	case *pb.Event_ReturnRequest:
		add("请补充 %s", words.ReturnWants(p.ReturnRequest.GetWants()))
	case *pb.Event_Supplement:
		sp := p.Supplement
		if sp.GetAddress() != "" {
			add("地址 %s → %s", sp.GetPreviousAddress(), sp.GetAddress())
		}
		if sp.GetDescription() != "" {
			add("补充说明 %s", sp.GetDescription())
		}
	case *pb.Event_DeadlineExtension:
		ex := p.DeadlineExtension
		add("期限 %s → %s%s", formatDeadline(ex.GetPreviousDeadline()), formatDeadline(ex.GetNewDeadline()),
			words.InWorkingDays(ex.GetDeadlineWorkingDays()))
		if ex.GetReason() != "" {
			add("理由 %s", ex.GetReason())
		}
	}
	if e.GetNote() != "" {
		add("备注 %s", e.GetNote())
	}
	if n := len(e.GetPhotoIds()); n > 0 {
		add("照片 %d张", n)
	}
	if e.GetClockSkewFlagged() {
		add("设备时间可疑")
	}
	return strings.Join(parts, "; ")
}

// personOrEmpty is person, but "" for nobody, to be left out of a list.
func personOrEmpty(id, name string) string {
	if id == "" && name == "" {
		return ""
	}
	return person(id, name)
}

// joinNonEmpty joins the parts given with "、", or says "-" for none.
func joinNonEmpty(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		return "-"
	}
	return strings.Join(out, "、")
}

// returnRequestLine is an open request for more as a phone shows it:
// 请补充照片、地址（备注），退回时间.
func returnRequestLine(rq *pb.ReturnRequest) string {
	line := "请补充" + words.ReturnWants(rq.GetWants())
	if rq.GetNote() != "" {
		line += "：" + rq.GetNote()
	}
	return line + "（" + formatMinute(rq.GetReturnedAt()) + " 退回，等待上报人补充）"
}

// trimFloat writes a measure without trailing zeros: 120, 12.5.
func trimFloat(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// severityLabel names a report's grade; a report given none is 一般.
func severityLabel(s pb.Severity) string {
	if s == pb.Severity_SEVERITY_UNSPECIFIED {
		s = pb.Severity_SEVERITY_GENERAL
	}
	return words.Label(words.Severity, s)
}
