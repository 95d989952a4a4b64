package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/gridinspect/gridinspect"
	"github.com/gridinspect/gridinspect/internal/words"
	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

// minuteLayout is how the case page writes a moment: China time to the
// minute.
const minuteLayout = "2006-01-02 15:04"

// caseView is the case page's data (案件详情).
type caseView struct {
	ID, ShortID string
	Version     int64
	Status      string
	Category    string
	Description string
	Overdue     bool
	OverdueDays int
	// Supervised is when the server escalated the case to supervision
	// (督办), "" when it has not.
	Supervised string
	// Fields are the report's fields, Details its category's typed ones.
	Fields, Details []caseField
	// Before are the report's photos; After the rectifications' (the
	// before/after pair of a rectification).
	Before, After []photo
	Map           *caseMap
	Events        []eventRow
	// ChainIntact is GetTimeline's verdict on the events' hash chain;
	// TimelineError says why there is no timeline.
	ChainIntact   bool
	TimelineError string
	Actions       []actionForm
	// Returned is the open request for more (退回补充), nil when none.
	Returned *returnView
	// Suggestion is what the routing rules say of dispatching the case
	// (事件分拨), nil when the user cannot dispatch it.
	Suggestion *suggestView
	// Done says in Chinese what the user has just done; Conflict that the
	// case moved on under the user's form (it is shown as it stands now).
	Done, Conflict string
}

// returnView is an open request for more: what is asked, by whom, when.
type returnView struct {
	Wants, Note, By, When string
}

// suggestView is the routing rule's dispatch of a case (事件分拨).
type suggestView struct {
	// Rule names the rule; None says no rule matches; NotApplicable why
	// the rule does not apply (the API's Chinese).
	Rule          string
	None          bool
	NotApplicable string
	Assignee      string
	Unit          string
	Deadline      string
	// The one-click form's values: AssignReport's fields.
	AssigneeID, Date, WorkingDays string
	ActionID                      string
	Version                       int64
	// defaultDeadline is the deadline a dispatch without one gets, when
	// the rule leaves it to the default table.
	defaultDeadline string
}

// caseField is one line of the case's fields.
type caseField struct {
	Label, Value string
	// Href links the value (another case).
	Href string
	// Late marks an overdue deadline; Note is said after the value.
	Late bool
	Note string
}

// photo is one photo of the case: its thumbnail and the photo itself,
// through the API's photo routes (the session cookie authorizes them);
// Missing when its upload has not completed.
type photo struct {
	ID, Thumb, Full string
	Missing         bool
}

// caseMap is the small map: the location and the grid's boundary as
// rings of [lat, lng], for case.js.
type caseMap struct {
	Lat, Lng string
	Boundary string // JSON
}

// eventRow is one event of the timeline, in the office's words.
type eventRow struct {
	Type, Actor, When, Note string
	// Change is the status change ("已上报 → 已派遣"), "" when none.
	Change string
	// Lines are the event's typed data ("期限：2024-07-20").
	Lines  []string
	Photos []photo
	// Conflict events could not apply; ConflictReason says why.
	Conflict       bool
	ConflictReason string
}

// actionForm is the form of one action the user may take.
type actionForm struct {
	// Key is the action's path under the case (/cases/{id}/{Key}).
	Key, Label string
	ActionID   string
	Version    int64
	// Choices of the form's selects.
	Workers, Reasons, Kinds, Dispositions, Wants []choice
	// DefaultDeadline is the deadline a dispatch left without one gets,
	// as the server counts it ("" when it did not say).
	DefaultDeadline string
	// Yes and No label the two buttons of an action whose request
	// chooses the outcome: 核查通过 / 退回整改 (the domain's steps' words),
	// or a follow-up's fine / relapse.
	Yes, No string
	// Error is the API's answer to this form, Values what was sent.
	Error  *errorView
	Values url.Values
}

// Open is whether the form starts unfolded: when it has something to say.
func (f actionForm) Open() bool { return f.Error != nil }

// caseActions are the actions' paths under a case, by the API's action.
var caseActions = map[pb.ReportAction]string{
	pb.ReportAction_REPORT_ACTION_ASSIGN:               "assign",
	pb.ReportAction_REPORT_ACTION_REJECT:               "reject",
	pb.ReportAction_REPORT_ACTION_RECORD_PROGRESS:      "progress",
	pb.ReportAction_REPORT_ACTION_ISSUE_NOTICE:         "notice",
	pb.ReportAction_REPORT_ACTION_RECORD_INTERVIEW:     "interview",
	pb.ReportAction_REPORT_ACTION_SUBMIT_RECTIFICATION: "rectify",
	pb.ReportAction_REPORT_ACTION_VERIFY_RECTIFICATION: "verify",
	pb.ReportAction_REPORT_ACTION_RECORD_FOLLOW_UP:     "followup",
	pb.ReportAction_REPORT_ACTION_COMMENT:              "comment",
	pb.ReportAction_REPORT_ACTION_EXTEND_DEADLINE:      "extend",
	pb.ReportAction_REPORT_ACTION_RETURN_FOR_MORE:      "return",
	pb.ReportAction_REPORT_ACTION_SUPPLEMENT:           "supplement",
	pb.ReportAction_REPORT_ACTION_REASSIGN:             "reassign",
	pb.ReportAction_REPORT_ACTION_URGE:                 "urge",
}

// actionOf returns the API's action whose path is key.
func actionOf(key string) (pb.ReportAction, bool) {
	for a, k := range caseActions {
		if k == key {
			return a, true
		}
	}
	return 0, false
}

// doneNotes are what the page says after an action went through, by the
// ?done= the action's redirect carries.
func doneNote(key string) string {
	switch key {
	case "verify-pass":
		return gridinspect.StepVerifyPass.Chinese() + "，已结案"
	case "verify-fail":
		return "已" + gridinspect.StepVerifyFail.Chinese()
	case "followup-relapse":
		return "已记录回头看：问题反弹，案件重新整改"
	}
	if a, ok := actionOf(key); ok {
		return "已" + words.Label(words.Action, a) + "，操作成功"
	}
	return ""
}

// caseState is what a case page says beyond the case: a conflict, or a
// form's error with what it sent.
type caseState struct {
	done, conflict string
	formKey        string
	formErr        *errorView
	values         url.Values
}

// casePage is the case (案件详情): GET /cases/{id}.
func (d *desk) casePage(w http.ResponseWriter, r *http.Request, user *pb.User) {
	d.showCase(w, r, user, http.StatusOK, caseState{done: doneNote(r.URL.Query().Get("done"))})
}

// showCase draws the case as it stands now, with st, in HTTP status code.
func (d *desk) showCase(w http.ResponseWriter, r *http.Request, user *pb.User, code int, st caseState) {
	v := view{Title: "案件详情", User: user, Nav: "cases"}
	id := r.PathValue("id")
	ctx, err := d.call(r, pb.ReportService_GetReport_FullMethodName)
	var resp *pb.GetReportResponse
	if err == nil {
		resp, err = d.reports.GetReport(ctx, &pb.GetReportRequest{Id: id})
	}
	if err != nil {
		switch status.Code(err) {
		case codes.Unauthenticated:
			http.Redirect(w, r, loginURL(r), http.StatusSeeOther)
		case codes.NotFound, codes.PermissionDenied:
			// The API does not tell a case outside the caller's grids
			// from one that does not exist; neither does the page.
			ev := d.chinese(err)
			ev.Message = "无权查看此案件，或案件不存在（" + ev.Message + "）"
			v.Title, v.Data = "无权查看", ev
			d.render(w, r, httpStatus(err), "error", v)
		default:
			d.fail(w, r, v, err)
		}
		return
	}
	rep := resp.GetReport()
	cv := d.newCaseView(r, rep)
	cv.Done, cv.Conflict = st.done, st.conflict
	cv.Suggestion = d.suggestion(r, rep)
	cv.Actions = d.actionForms(r, rep, cv.Suggestion)
	for i := range cv.Actions {
		if cv.Actions[i].Key == st.formKey {
			cv.Actions[i].Error, cv.Actions[i].Values = st.formErr, st.values
			for j := range cv.Actions[i].Wants {
				cv.Actions[i].Wants[j].Selected = slices.Contains(st.values["want"], cv.Actions[i].Wants[j].Value)
			}
		}
	}
	v.Title = "案件 " + cv.ShortID
	v.Data = cv
	d.render(w, r, code, "case", v)
}

// newCaseView reads what the page shows of rep: its grid, subject and
// timeline. A grid or subject the user may not read is shown by its id.
func (d *desk) newCaseView(r *http.Request, rep *pb.Report) caseView {
	now := d.cfg.Now()
	cv := caseView{
		ID: rep.GetId(), ShortID: shortID(rep.GetId()), Version: rep.GetVersion(),
		Status:      words.Label(words.Status, rep.GetStatus()),
		Category:    words.Label(words.Category, rep.GetCategory()),
		Description: rep.GetDescription(),
		Overdue:     rep.GetOverdue(),
	}
	if at := rep.GetSupervisedAt(); at != nil {
		cv.Supervised = formatMinute(at)
	}
	if cv.Overdue {
		cv.OverdueDays = daysOverdue(rep.GetDeadline().AsTime(), now)
	}
	grid := d.grid(r, rep.GetGridId())
	gridName := grid.GetName()
	if gridName == "" {
		gridName = shortID(rep.GetGridId())
	}
	subject := "-"
	if id := rep.GetSubjectId(); id != "" {
		subject = shortID(id)
		if ctx, err := d.call(r, pb.DirectoryService_GetSubject_FullMethodName); err == nil {
			if s, err := d.dir.GetSubject(ctx, &pb.GetSubjectRequest{Id: id}); err == nil && s.GetSubject().GetName() != "" {
				subject = s.GetSubject().GetName() + "（" + words.Label(words.SubjectKind, s.GetSubject().GetKind()) + "）"
			}
		}
	}
	f := func(field, value string) caseField { return caseField{Label: words.Field(field), Value: orDash(value)} }
	deadline := f("deadline", formatDeadline(rep.GetDeadline())+words.InWorkingDays(rep.GetDeadlineWorkingDays()))
	if cv.Overdue {
		deadline.Late, deadline.Note = true, "逾期"+strconv.Itoa(cv.OverdueDays)+"天"
	}
	cv.Fields = []caseField{
		f("id", rep.GetId()),
		f("category", cv.Category),
		f("severity", words.Label(words.Severity, rep.GetSeverity())),
		f("status", cv.Status),
		f("address", rep.GetLocation().GetAddress()),
		f("location", formatLocation(rep.GetLocation())),
		f("grid_id", gridName),
		f("subject_id", subject),
		f("observed_at", formatMinute(rep.GetObservedAt())),
		f("received_at", formatMinute(rep.GetReceivedAt())),
		f("reporter_name", rep.GetReporterName()),
		f("assignee_name", rep.GetAssigneeName()),
		f("responsible_unit", rep.GetResponsibleUnit()),
		deadline,
	}
	if od := rep.GetOriginalDeadline(); od != nil && !od.AsTime().Equal(rep.GetDeadline().AsTime()) {
		cv.Fields = append(cv.Fields, f("original_deadline", formatDeadline(od)))
	}
	cv.Fields = append(cv.Fields,
		f("disposition", words.Label(words.Disposition, rep.GetDisposition())),
		f("closed_at", formatMinute(rep.GetClosedAt())),
		f("follow_up_due", formatDate(rep.GetFollowUpDue())),
		f("relapse_count", strconv.Itoa(int(rep.GetRelapseCount()))),
	)
	if cv.Supervised != "" {
		cv.Fields = append(cv.Fields, f("supervised_at", cv.Supervised))
	}
	if n := rep.GetUrgeCount(); n > 0 {
		cv.Fields = append(cv.Fields, f("urge_count", strconv.Itoa(int(n))+" 次"))
	}
	if n := rep.GetReassignCount(); n > 0 {
		cv.Fields = append(cv.Fields, f("reassign_count", strconv.Itoa(int(n))+" 次"))
	}
	if rep.GetRectifiedOnSpot() {
		cv.Fields = append(cv.Fields, f("rectified_on_spot", "是"))
	}
	if rep.GetClockSkewFlagged() {
		cv.Fields = append(cv.Fields, f("clock_skew_flagged", "是（统计按接收时间）"))
	}
	if id := rep.GetPossibleRelapseOf(); id != "" {
		rf := f("possible_relapse_of", shortID(id))
		rf.Href = "/cases/" + url.PathEscape(id)
		cv.Fields = append(cv.Fields, rf)
	}
	cv.Details = details(rep)

	missing := map[string]bool{}
	for _, id := range rep.GetMissingPhotoIds() {
		missing[id] = true
	}
	for _, id := range rep.GetPhotoIds() {
		cv.Before = append(cv.Before, newPhoto(id, missing[id]))
	}
	if loc := rep.GetLocation(); loc != nil && (loc.GetLatitude() != 0 || loc.GetLongitude() != 0) {
		cv.Map = &caseMap{
			Lat:      strconv.FormatFloat(loc.GetLatitude(), 'f', -1, 64),
			Lng:      strconv.FormatFloat(loc.GetLongitude(), 'f', -1, 64),
			Boundary: boundaryJSON(grid),
		}
	}

	ctx, err := d.call(r, pb.RectificationService_GetTimeline_FullMethodName)
	var tl *pb.GetTimelineResponse
	if err == nil {
		tl, err = d.rect.GetTimeline(ctx, &pb.GetTimelineRequest{ReportId: rep.GetId()})
	}
	if err != nil {
		cv.TimelineError = d.chinese(err).Message
		return cv
	}
	cv.ChainIntact = tl.GetChainIntact()
	if rq := rep.GetReturnRequest(); rq != nil {
		cv.Returned = &returnView{Wants: words.ReturnWants(rq.GetWants()), Note: rq.GetNote(), When: formatMinute(rq.GetReturnedAt()), By: "-"}
	}
	for _, e := range tl.GetEvents() {
		if cv.Returned != nil && e.GetType() == pb.EventType_EVENT_TYPE_REPORT_RETURNED && !e.GetConflict() {
			cv.Returned.By = orDash(e.GetActorName()) // the last return is the open one
		}
		cv.Events = append(cv.Events, newEventRow(e, missing))
		if e.GetType() == pb.EventType_EVENT_TYPE_RECTIFICATION_SUBMITTED && !e.GetConflict() {
			for _, id := range e.GetPhotoIds() {
				cv.After = append(cv.After, newPhoto(id, false))
			}
		}
	}
	return cv
}

// grid reads the case's grid (nil when the user may not).
func (d *desk) grid(r *http.Request, id string) *pb.Grid {
	if id == "" {
		return nil
	}
	ctx, err := d.call(r, pb.DirectoryService_GetGrid_FullMethodName)
	if err != nil {
		return nil
	}
	resp, err := d.dir.GetGrid(ctx, &pb.GetGridRequest{Id: id})
	if err != nil {
		return nil
	}
	return resp.GetGrid()
}

// boundaryJSON is the grid's boundary as rings of [lat, lng] ("[]" for
// none): stored WGS-84, as the marker is.
func boundaryJSON(g *pb.Grid) string {
	rings := [][][2]float64{}
	for _, p := range g.GetBoundary() {
		for _, ring := range p.GetRings() {
			pts := make([][2]float64, 0, len(ring.GetPoints()))
			for _, pt := range ring.GetPoints() {
				pts = append(pts, [2]float64{pt.GetLatitude(), pt.GetLongitude()})
			}
			rings = append(rings, pts)
		}
	}
	b, _ := json.Marshal(rings)
	return string(b)
}

func newPhoto(id string, missing bool) photo {
	p := url.PathEscape(id)
	return photo{ID: id, Thumb: "/v1/photos/" + p + ":thumbnail", Full: "/v1/photos/" + p + ":download", Missing: missing}
}

// details are the category's typed fields, every value in the catalogue's
// words.
func details(rep *pb.Report) []caseField {
	var out []caseField
	add := func(field, value string) {
		if value != "" && value != "-" {
			out = append(out, caseField{Label: words.Field(field), Value: value})
		}
	}
	yes := func(b bool) string {
		if b {
			return "是"
		}
		return "否"
	}
	switch d := rep.GetDetails().(type) {
	case *pb.Report_SafetyHazard:
		add("hazard_kind", words.Label(words.HazardKind, d.SafetyHazard.GetHazardKind()))
		add("place_kind", words.Label(words.PlaceKind, d.SafetyHazard.GetPlaceKind()))
	case *pb.Report_PollutingEnterprise:
		p := d.PollutingEnterprise
		var sdp []string
		for _, x := range []struct {
			on    bool
			field string
		}{{p.GetScattered(), "scattered"}, {p.GetDisorderly(), "disorderly"}, {p.GetPolluting(), "polluting"}} {
			if x.on {
				sdp = append(sdp, words.Field(x.field))
			}
		}
		out = append(out, caseField{Label: "散乱污", Value: orDash(strings.Join(sdp, "、"))})
		add("activity", words.Label(words.PollutingActivity, p.GetActivity()))
		add("activity_description", p.GetActivityDescription())
		add("proposed_disposal", words.Label(words.ProposedDisposal, p.GetProposedDisposal()))
		add("moved_in_from_outside", yes(p.GetMovedInFromOutside()))
		add("from_district", p.GetFromDistrict())
	case *pb.Report_IllegalConstruction:
		c := d.IllegalConstruction
		add("kind", words.Label(words.ConstructionKind, c.GetKind()))
		add("land", words.Label(words.LandKind, c.GetLand()))
		if a := c.GetAreaSquareMeters(); a > 0 {
			add("area_square_meters", strconv.FormatFloat(a, 'f', -1, 64)+" 平方米")
		}
	case *pb.Report_WaterSourceRisk:
		add("risk_kind", words.Label(words.WaterRisk, d.WaterSourceRisk.GetRiskKind()))
	case *pb.Report_DangerousHouse:
		h := d.DangerousHouse
		add("appraisal_grade", words.Label(words.HouseGrade, h.GetAppraisalGrade()))
		add("occupied", yes(h.GetOccupied()))
		if h.GetResidents() > 0 {
			add("residents", strconv.Itoa(int(h.GetResidents()))+" 人")
		}
	}
	return out
}

// newEventRow is an event as the timeline says it; missing are the
// report's photos not uploaded yet (the submission's among its photos).
func newEventRow(e *pb.Event, missing map[string]bool) eventRow {
	row := eventRow{
		Type:  words.Label(words.Event, e.GetType()),
		Actor: orDash(e.GetActorName()),
		When:  formatMinute(e.GetOccurredAt()),
		Note:  e.GetNote(),
	}
	if b, a := e.GetStatusBefore(), e.GetStatusAfter(); a != b && a != pb.ReportStatus_REPORT_STATUS_UNSPECIFIED && !e.GetConflict() {
		if b == pb.ReportStatus_REPORT_STATUS_UNSPECIFIED {
			row.Change = words.Label(words.Status, a)
		} else {
			row.Change = words.Label(words.Status, b) + " → " + words.Label(words.Status, a)
		}
	}
	if e.GetConflict() {
		row.Conflict = true
		row.ConflictReason = e.GetLocalizedConflictReason()
		if row.ConflictReason == "" {
			row.ConflictReason = "未生效"
		}
	}
	line := func(field, value string) {
		if value != "" && value != "-" {
			row.Lines = append(row.Lines, words.Field(field)+"："+value)
		}
	}
	switch {
	case e.GetAssignment() != nil:
		a := e.GetAssignment()
		line("assignee_name", a.GetAssigneeName())
		line("responsible_unit", a.GetResponsibleUnit())
		line("deadline", formatDeadline(a.GetDeadline())+words.InWorkingDays(a.GetDeadlineWorkingDays()))
	case e.GetRejection() != nil:
		line("reason", words.Label(words.Rejection, e.GetRejection().GetReason()))
		if id := e.GetRejection().GetDuplicateOfReportId(); id != "" {
			line("duplicate_of_report_id", shortID(id))
		}
	case e.GetNotice() != nil:
		n := e.GetNotice()
		row.Lines = append(row.Lines, "文书："+words.Label(words.Notice, n.GetKind()))
		if n.GetNumber() != "" {
			row.Lines = append(row.Lines, "发文字号："+n.GetNumber())
		}
		line("department", n.GetDepartment())
	case e.GetInterview() != nil:
		i := e.GetInterview()
		line("interviewee", i.GetInterviewee())
		line("place", i.GetPlace())
		line("outcome", i.GetOutcome())
	case e.GetRectification() != nil:
		x := e.GetRectification()
		line("disposition", words.Label(words.Disposition, x.GetDisposition()))
		if a := x.GetDemolishedAreaSquareMeters(); a > 0 {
			line("demolished_area_square_meters", strconv.FormatFloat(a, 'f', -1, 64)+" 平方米")
		}
	case e.GetVerification() != nil:
		v := e.GetVerification()
		if v.GetPassed() {
			row.Lines = append(row.Lines, gridinspect.StepVerifyPass.Chinese())
			line("disposition", words.Label(words.Disposition, v.GetDisposition()))
		} else {
			row.Lines = append(row.Lines, gridinspect.StepVerifyFail.Chinese())
			line("reason", v.GetReason())
		}
		for _, flag := range v.GetEvidenceFlags() {
			row.Lines = append(row.Lines, "照片提示："+flag)
		}
	case e.GetFollowUp() != nil:
		if e.GetFollowUp().GetRelapsed() {
			row.Lines = append(row.Lines, "问题反弹（第"+strconv.Itoa(int(e.GetFollowUp().GetRelapseCount()))+"次）")
		} else {
			row.Lines = append(row.Lines, "未反弹")
		}
	case e.GetDeadlineExtension() != nil:
		x := e.GetDeadlineExtension()
		row.Lines = append(row.Lines, "期限："+formatDeadline(x.GetPreviousDeadline())+" → "+formatDeadline(x.GetNewDeadline())+words.InWorkingDays(x.GetDeadlineWorkingDays()))
		line("reason", x.GetReason())
	case e.GetReturnRequest() != nil:
		row.Lines = append(row.Lines, "请补充："+words.ReturnWants(e.GetReturnRequest().GetWants()))
	case e.GetReassignment() != nil:
		x := e.GetReassignment()
		who := func(name, id string) string {
			if name == "" && id != "" {
				name = shortID(id)
			}
			return orDash(name)
		}
		row.Lines = append(row.Lines, words.Field("assignee_name")+"："+who(x.GetPreviousAssigneeName(), x.GetPreviousAssigneeId())+" → "+who(x.GetAssigneeName(), x.GetAssigneeId()))
		if x.GetPreviousResponsibleUnit() != "" || x.GetResponsibleUnit() != "" {
			row.Lines = append(row.Lines, words.Field("responsible_unit")+"："+orDash(x.GetPreviousResponsibleUnit())+" → "+orDash(x.GetResponsibleUnit()))
		}
		line("reason", x.GetReason())
	case e.GetUrging() != nil:
		u := e.GetUrging()
		to := u.GetAssigneeName()
		if to == "" && u.GetAssigneeId() != "" {
			to = shortID(u.GetAssigneeId())
		}
		if to == "" {
			to = u.GetResponsibleUnit()
		} else if u.GetResponsibleUnit() != "" {
			to += "（" + u.GetResponsibleUnit() + "）"
		}
		row.Lines = append(row.Lines, "催办："+orDash(to)+"，第"+strconv.Itoa(int(u.GetUrgeCount()))+"次")
	case e.GetSupervision() != nil:
		row.Lines = append(row.Lines, "期限 "+formatDeadline(e.GetSupervision().GetDeadline())+" 已过，转入督办")
	case e.GetSupplement() != nil:
		sp := e.GetSupplement()
		if sp.GetAddress() != "" {
			row.Lines = append(row.Lines, words.Field("address")+"："+orDash(sp.GetPreviousAddress())+" → "+sp.GetAddress())
		}
		if sp.GetDescription() != "" {
			row.Lines = append(row.Lines, "补充说明："+sp.GetDescription())
		}
	}
	for _, id := range e.GetPhotoIds() {
		row.Photos = append(row.Photos, newPhoto(id, missing[id]))
	}
	return row
}

// actionForms are the forms of the actions the API lists for the user in
// rep's status (Report.allowed_actions), in its order: the page keeps no
// rule of its own about who may do what.
func (d *desk) actionForms(r *http.Request, rep *pb.Report, sg *suggestView) []actionForm {
	var out []actionForm
	for _, a := range rep.GetAllowedActions() {
		key, ok := caseActions[a]
		if !ok {
			continue // an action of a newer server
		}
		f := actionForm{Key: key, Label: words.Label(words.Action, a), ActionID: uuid.Must(uuid.NewV7()).String(), Version: rep.GetVersion()}
		switch a {
		case pb.ReportAction_REPORT_ACTION_ASSIGN, pb.ReportAction_REPORT_ACTION_REASSIGN:
			f.Workers = d.gridWorkers(r, rep.GetGridId())
			if sg != nil {
				f.DefaultDeadline = sg.defaultDeadline
			}
		case pb.ReportAction_REPORT_ACTION_RETURN_FOR_MORE:
			f.Wants = enumChoices(pb.ReturnWant_name, "RETURN_WANT_", func(n int32) string { return words.Label(words.ReturnWant, pb.ReturnWant(n)) }, nil)
		case pb.ReportAction_REPORT_ACTION_REJECT:
			f.Reasons = enumChoices(pb.RejectionReason_name, "REJECTION_REASON_", func(n int32) string { return words.Label(words.Rejection, pb.RejectionReason(n)) }, nil)
		case pb.ReportAction_REPORT_ACTION_ISSUE_NOTICE:
			f.Kinds = enumChoices(pb.NoticeKind_name, "NOTICE_KIND_", func(n int32) string { return words.Label(words.Notice, pb.NoticeKind(n)) }, nil)
		case pb.ReportAction_REPORT_ACTION_VERIFY_RECTIFICATION:
			f.Yes, f.No = gridinspect.StepVerifyPass.Chinese(), gridinspect.StepVerifyFail.Chinese()
		case pb.ReportAction_REPORT_ACTION_RECORD_FOLLOW_UP:
			f.Yes, f.No = "未反弹", "问题反弹"
		case pb.ReportAction_REPORT_ACTION_SUBMIT_RECTIFICATION:
			for _, disp := range gridinspect.Category(rep.GetCategory()).Dispositions() {
				pd := pb.Disposition(disp)
				f.Dispositions = append(f.Dispositions, choice{Value: strings.TrimPrefix(pd.String(), "DISPOSITION_"), Label: words.Label(words.Disposition, pd)})
			}
		}
		out = append(out, f)
	}
	return out
}

// suggestion is what SuggestDispatch says of a case the user may
// dispatch (事件分拨); nil when the user may not dispatch it or the API
// refuses the user the routing table.
func (d *desk) suggestion(r *http.Request, rep *pb.Report) *suggestView {
	if !slices.Contains(rep.GetAllowedActions(), pb.ReportAction_REPORT_ACTION_ASSIGN) {
		return nil
	}
	ctx, err := d.call(r, pb.RoutingService_SuggestDispatch_FullMethodName)
	if err != nil {
		return nil
	}
	resp, err := d.routing.SuggestDispatch(ctx, &pb.SuggestDispatchRequest{ReportId: rep.GetId()})
	if err != nil {
		return nil
	}
	sg := &suggestView{ActionID: uuid.Must(uuid.NewV7()).String(), Version: rep.GetVersion()}
	rule := resp.GetRule()
	if rule == nil {
		sg.None = true
		return sg
	}
	sg.Rule = rule.GetName()
	if resp.GetAssignment() == nil {
		sg.NotApplicable = resp.GetLocalizedNotApplicableReason()
		if sg.NotApplicable == "" {
			sg.NotApplicable = resp.GetNotApplicableReason()
		}
		return sg
	}
	a := resp.GetAssignment()
	sg.Assignee, sg.Unit = orDash(a.GetAssigneeName()), orDash(a.GetResponsibleUnit())
	sg.AssigneeID = a.GetAssigneeId()
	sg.Deadline = formatDeadline(a.GetDeadline()) + words.InWorkingDays(a.GetDeadlineWorkingDays())
	switch {
	case rule.GetDeadlineDays() == 0:
		// The rule leaves the deadline to the default table: so does the
		// dispatch, and the form without a deadline gets the same.
		sg.defaultDeadline = sg.Deadline
	case a.GetDeadlineWorkingDays() > 0:
		sg.WorkingDays = strconv.Itoa(int(a.GetDeadlineWorkingDays()))
	default:
		sg.Date = formatDate(a.GetDeadline())
	}
	return sg
}

// gridWorkers are the enabled workers of the grid, for the dispatch
// picker (ListUsers: a supervisor's call; none if refused).
func (d *desk) gridWorkers(r *http.Request, gridID string) []choice {
	ctx, err := d.call(r, pb.DirectoryService_ListUsers_FullMethodName)
	if err != nil {
		return nil
	}
	var out []choice
	token := ""
	for range maxListCalls {
		resp, err := d.dir.ListUsers(ctx, &pb.ListUsersRequest{GridId: gridID, PageSize: 500, PageToken: token})
		if err != nil {
			return out
		}
		for _, u := range resp.GetUsers() {
			if u.GetRole() != pb.Role_ROLE_WORKER || u.GetDisabled() {
				continue
			}
			label := u.GetUsername()
			if n := u.GetDisplayName(); n != "" {
				label = n + "（" + u.GetUsername() + "）"
			}
			out = append(out, choice{Value: u.GetId(), Label: label})
		}
		if token = resp.GetNextPageToken(); token == "" {
			break
		}
	}
	return out
}

// formError is a form's own problem, found before any call.
type formError struct{ field, zh string }

func (e *formError) Error() string { return "web: form: " + e.field }

// caseAction takes an action on a case: POST /cases/{id}/{action}, from
// one of the case page's forms. It calls the action's RPC and goes back
// to the page (303) saying it is done; on a conflict it shows the case as
// it now stands with the API's Chinese, on a refusal the form with it.
func (d *desk) caseAction(w http.ResponseWriter, r *http.Request, user *pb.User) {
	if !d.cfg.SameOrigin(r) {
		d.render(w, r, http.StatusForbidden, "error", view{Title: "出错了", User: user, Data: errorView{Message: "请从本系统的页面操作"}})
		return
	}
	key := r.PathValue("action")
	if _, ok := actionOf(key); !ok {
		d.render(w, r, http.StatusNotFound, "error", view{Title: "页面不存在", User: user, Data: errorView{Message: "没有这项操作"}})
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "表单有误", http.StatusBadRequest)
		return
	}
	done, err := d.takeAction(r, key, r.PostForm)
	if err == nil {
		http.Redirect(w, r, "/cases/"+url.PathEscape(r.PathValue("id"))+"?done="+done, http.StatusSeeOther)
		return
	}
	st := caseState{formKey: key, values: r.PostForm}
	var fe *formError
	switch {
	case unauthenticated(err):
		http.Redirect(w, r, loginURL(r), http.StatusSeeOther)
		return
	case asFormError(err, &fe):
		st.formErr = &errorView{Message: fe.zh}
		d.showCase(w, r, user, http.StatusBadRequest, st)
		return
	case status.Code(err) == codes.Aborted, status.Code(err) == codes.FailedPrecondition:
		// Someone moved the case since the page was drawn: show it as it
		// is now, the API's words saying so, and the forms afresh.
		st = caseState{conflict: d.chinese(err).Message}
	default:
		ev := d.chinese(err)
		st.formErr = &ev
	}
	d.showCase(w, r, user, httpStatus(err), st)
}

func asFormError(err error, fe **formError) bool {
	e, ok := err.(*formError)
	if ok {
		*fe = e
	}
	return ok
}

// takeAction calls the RPC of the action key with the form's fields, and
// returns the ?done= of its success.
func (d *desk) takeAction(r *http.Request, key string, f url.Values) (string, error) {
	id := r.PathValue("id")
	actionID, note := f.Get("action_id"), strings.TrimSpace(f.Get("note"))
	version, _ := strconv.ParseInt(f.Get("expected_version"), 10, 64)
	call := func(method string) (context.Context, error) { return d.call(r, method) }
	var err error
	var ctx context.Context
	done := key
	switch key {
	case "assign":
		var deadline *timestamppb.Timestamp
		if deadline, err = formDeadline(f, "deadline"); err != nil {
			return "", err
		}
		var days int32
		if days, err = formWorkingDays(f); err != nil {
			return "", err
		}
		if ctx, err = call(pb.RectificationService_AssignReport_FullMethodName); err == nil {
			_, err = d.rect.AssignReport(ctx, &pb.AssignReportRequest{ActionId: actionID, ReportId: id, ExpectedVersion: version, Note: note,
				AssigneeId: f.Get("assignee_id"), ResponsibleUnit: strings.TrimSpace(f.Get("responsible_unit")), Deadline: deadline,
				DeadlineWorkingDays: days})
		}
	case "reject":
		reason := pb.RejectionReason(pb.RejectionReason_value["REJECTION_REASON_"+f.Get("reason")])
		if ctx, err = call(pb.RectificationService_RejectReport_FullMethodName); err == nil {
			_, err = d.rect.RejectReport(ctx, &pb.RejectReportRequest{ActionId: actionID, ReportId: id, ExpectedVersion: version, Note: note,
				Reason: reason, DuplicateOfReportId: strings.TrimSpace(f.Get("duplicate_of_report_id"))})
		}
	case "progress":
		if ctx, err = call(pb.RectificationService_RecordProgress_FullMethodName); err == nil {
			_, err = d.rect.RecordProgress(ctx, &pb.RecordProgressRequest{ActionId: actionID, ReportId: id, ExpectedVersion: version, Note: note})
		}
	case "notice":
		kind := pb.NoticeKind(pb.NoticeKind_value["NOTICE_KIND_"+f.Get("kind")])
		if ctx, err = call(pb.RectificationService_IssueNotice_FullMethodName); err == nil {
			_, err = d.rect.IssueNotice(ctx, &pb.IssueNoticeRequest{ActionId: actionID, ReportId: id, ExpectedVersion: version, Note: note,
				Kind: kind, Department: strings.TrimSpace(f.Get("department"))})
		}
	case "interview":
		if ctx, err = call(pb.RectificationService_RecordInterview_FullMethodName); err == nil {
			_, err = d.rect.RecordInterview(ctx, &pb.RecordInterviewRequest{ActionId: actionID, ReportId: id, ExpectedVersion: version, Note: note,
				Interviewee: strings.TrimSpace(f.Get("interviewee")), Place: strings.TrimSpace(f.Get("place")), Outcome: strings.TrimSpace(f.Get("outcome"))})
		}
	case "rectify":
		disp := pb.Disposition(pb.Disposition_value["DISPOSITION_"+f.Get("disposition")])
		var area float64
		if s := strings.TrimSpace(f.Get("area")); s != "" {
			if area, err = strconv.ParseFloat(s, 64); err != nil || area < 0 {
				return "", &formError{"area", words.Field("demolished_area_square_meters") + "：请填写数字（平方米）"}
			}
		}
		if ctx, err = call(pb.RectificationService_SubmitRectification_FullMethodName); err == nil {
			_, err = d.rect.SubmitRectification(ctx, &pb.SubmitRectificationRequest{ActionId: actionID, ReportId: id, ExpectedVersion: version, Note: note,
				Disposition: disp, DemolishedAreaSquareMeters: area})
		}
	case "verify":
		passed := f.Get("passed") == "1"
		done = "verify-fail"
		if passed {
			done = "verify-pass"
		}
		if ctx, err = call(pb.RectificationService_VerifyRectification_FullMethodName); err == nil {
			_, err = d.rect.VerifyRectification(ctx, &pb.VerifyRectificationRequest{ActionId: actionID, ReportId: id, ExpectedVersion: version, Note: note,
				Passed: passed, Reason: strings.TrimSpace(f.Get("reason"))})
		}
	case "followup":
		relapsed := f.Get("relapsed") == "1"
		if relapsed {
			done = "followup-relapse"
		}
		if ctx, err = call(pb.RectificationService_RecordFollowUp_FullMethodName); err == nil {
			_, err = d.rect.RecordFollowUp(ctx, &pb.RecordFollowUpRequest{ActionId: actionID, ReportId: id, ExpectedVersion: version, Note: note, Relapsed: relapsed})
		}
	case "comment":
		if ctx, err = call(pb.RectificationService_CommentOnReport_FullMethodName); err == nil {
			_, err = d.rect.CommentOnReport(ctx, &pb.CommentOnReportRequest{ActionId: actionID, ReportId: id, ExpectedVersion: version, Note: note})
		}
	case "extend":
		var nd *timestamppb.Timestamp
		if nd, err = formDeadline(f, "new_deadline"); err != nil {
			return "", err
		}
		var days int32
		if days, err = formWorkingDays(f); err != nil {
			return "", err
		}
		if ctx, err = call(pb.RectificationService_ExtendDeadline_FullMethodName); err == nil {
			_, err = d.rect.ExtendDeadline(ctx, &pb.ExtendDeadlineRequest{ActionId: actionID, ReportId: id, ExpectedVersion: version, Note: note,
				NewDeadline: nd, Reason: strings.TrimSpace(f.Get("reason")), DeadlineWorkingDays: days})
		}
	case "return":
		var wants []pb.ReturnWant
		for _, w := range f["want"] {
			wants = append(wants, pb.ReturnWant(pb.ReturnWant_value["RETURN_WANT_"+w]))
		}
		if ctx, err = call(pb.RectificationService_ReturnReport_FullMethodName); err == nil {
			_, err = d.rect.ReturnReport(ctx, &pb.ReturnReportRequest{ActionId: actionID, ReportId: id, ExpectedVersion: version, Note: note, Wants: wants})
		}
	case "reassign":
		reason := strings.TrimSpace(f.Get("reason"))
		if reason == "" {
			return "", &formError{"reason", words.Field("reason") + "：转派须写明原因"}
		}
		if ctx, err = call(pb.RectificationService_ReassignReport_FullMethodName); err == nil {
			_, err = d.rect.ReassignReport(ctx, &pb.ReassignReportRequest{ActionId: actionID, ReportId: id, ExpectedVersion: version, Note: note,
				AssigneeId: f.Get("assignee_id"), ResponsibleUnit: strings.TrimSpace(f.Get("responsible_unit")), Reason: reason})
		}
	case "urge":
		if ctx, err = call(pb.RectificationService_UrgeReport_FullMethodName); err == nil {
			_, err = d.rect.UrgeReport(ctx, &pb.UrgeReportRequest{ActionId: actionID, ReportId: id, ExpectedVersion: version, Note: note})
		}
	case "supplement":
		if ctx, err = call(pb.RectificationService_SupplementReport_FullMethodName); err == nil {
			_, err = d.rect.SupplementReport(ctx, &pb.SupplementReportRequest{ActionId: actionID, ReportId: id, ExpectedVersion: version, Note: note,
				Description: strings.TrimSpace(f.Get("description")), Address: strings.TrimSpace(f.Get("address"))})
		}
	}
	return done, err
}

// formDeadline reads a date field (2024-07-20, or as parseDate reads it;
// China) as the end of that day, as gridctl reads a deadline; nil when it
// is empty.
func formDeadline(f url.Values, field string) (*timestamppb.Timestamp, error) {
	s := strings.TrimSpace(f.Get(field))
	if s == "" {
		return nil, nil
	}
	day, ok := parseDate(s)
	if !ok {
		return nil, &formError{field, words.Field(field) + "：请写作 2024-07-20 这样的日期"}
	}
	return timestamppb.New(day.Add(24*time.Hour - time.Second)), nil
}

// formWorkingDays reads 工作日天数 (deadline_working_days), 0 when empty;
// its range is the API's to check.
func formWorkingDays(f url.Values) (int32, error) {
	s := strings.TrimSpace(f.Get("deadline_working_days"))
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 32)
	if err != nil {
		return 0, &formError{"deadline_working_days", words.Field("working_days") + "：请填写整数天数"}
	}
	return int32(n), nil
}

// formatMinute is a moment in China time to the minute, "-" when unset.
func formatMinute(ts *timestamppb.Timestamp) string {
	if ts == nil {
		return "-"
	}
	return ts.AsTime().In(gridinspect.ChinaZone).Format(minuteLayout)
}

// formatDate is a moment's China date, "-" when unset.
func formatDate(ts *timestamppb.Timestamp) string {
	return chinaDate(ts.AsTime(), ts != nil)
}

// formatDeadline is a deadline's China date, with the time of day only
// when it is not the day's end (as gridctl writes it).
func formatDeadline(ts *timestamppb.Timestamp) string {
	if ts == nil {
		return "-"
	}
	t := ts.AsTime().In(gridinspect.ChinaZone)
	if t.Hour() == 23 && t.Minute() == 59 {
		return t.Format(dateLayout)
	}
	return t.Format(minuteLayout)
}

func formatLocation(l *pb.Location) string {
	if l == nil || (l.GetLatitude() == 0 && l.GetLongitude() == 0) {
		return ""
	}
	return strconv.FormatFloat(l.GetLatitude(), 'f', 6, 64) + ", " + strconv.FormatFloat(l.GetLongitude(), 'f', 6, 64)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
