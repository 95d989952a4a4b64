package gridinspect

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Action is one step a user takes on a case: the RectificationService
// requests, and the same mutations pushed by an offline phone. Its ID is
// the client-made action id, which makes it idempotent.
type Action struct {
	ID              string
	ReportID        string
	Type            EventType // EventReportAssigned … EventDeadlineExtended
	ExpectedVersion int64     // 0 = don't check
	Note            string
	PhotoIDs        []string
	OccurredAt      time.Time // device time; zero = when it arrives
	Data            EventData // the typed part, matching Type
}

// EventData is the typed data of an event. At most one field is set, the
// one that goes with the event's type; comments and progress have none.
type EventData struct {
	Submission    *Submission        `json:",omitempty"`
	Assignment    *Assignment        `json:",omitempty"`
	Rejection     *Rejection         `json:",omitempty"`
	Notice        *Notice            `json:",omitempty"`
	Interview     *Interview         `json:",omitempty"`
	Rectification *Rectification     `json:",omitempty"`
	Verification  *Verification      `json:",omitempty"`
	FollowUp      *FollowUp          `json:",omitempty"`
	Extension     *DeadlineExtension `json:",omitempty"`
	Reassignment  *Reassignment      `json:",omitempty"`
	Urging        *Urging            `json:",omitempty"`
	Supervision   *Supervision       `json:",omitempty"`
	Return        *ReturnRequest     `json:",omitempty"`
	Supplement    *Supplement        `json:",omitempty"`
}

// Submission is what a report was submitted with, normalized, so the
// timeline alone tells a case's whole story.
type Submission struct {
	Category        Category
	Severity        Severity
	Description     string
	Location        Location
	GridID          string
	SubjectID       string `json:",omitempty"`
	PatrolID        string `json:",omitempty"`
	RectifiedOnSpot bool
	Details         Details
}

// Assignment dispatches a case to a person and/or a unit with a deadline.
type Assignment struct {
	AssigneeID      string `json:",omitempty"`
	ResponsibleUnit string `json:",omitempty"`
	// Zero on input is WorkingDays, or the default for the category and
	// severity; a kept conflict keeps it zero, left out of the stored JSON
	// (omitzero) so that 0006's deadline_set reads NULL, not year 1.
	Deadline time.Time `json:",omitzero"`
	// WorkingDays, on input instead of Deadline, sets the deadline that
	// many working days after the day of the assignment, at the end of
	// that China day; on the event, the working days the deadline counts
	// (the default's included), 0 when it was given as a time or counts
	// calendar days.
	WorkingDays int `json:",omitempty"`
}

// RejectionReason is why a case was rejected; the numbers are the API's.
type RejectionReason int

// Rejection reasons.
const (
	RejectionUnspecified RejectionReason = iota
	RejectionInvalid
	RejectionDuplicate
)

// Rejection says why a case was rejected.
type Rejection struct {
	Reason      RejectionReason
	DuplicateOf string `json:",omitempty"`
}

// NoticeKind is the kind of document served; the numbers are the API's.
type NoticeKind int

// Notice kinds.
const (
	NoticeUnspecified        NoticeKind = iota
	NoticeHazard                        // 隐患排查告知书
	NoticeRectificationOrder            // 整改通知书
	NoticeEnforcement                   // 执法文书, by a named department
)

// NoticeKinds are the kinds of notice, in the API's order.
var NoticeKinds = []NoticeKind{NoticeHazard, NoticeRectificationOrder, NoticeEnforcement}

// NoticePrefix is what a notice kind's numbers start with (发文字号): the
// issuing office's abbreviation and the kind's code, e.g. "X街安告".
type NoticePrefix struct {
	Kind   NoticeKind
	Prefix string
}

// NoticeNumber is a notice's number as an office writes it: the kind's
// prefix, the year in 〔〕 and the count, X街安告〔2024〕12号.
func NoticeNumber(prefix string, year, seq int) string {
	return prefix + "〔" + strconv.Itoa(year) + "〕" + strconv.Itoa(seq) + "号"
}

// Notice is a document served on whoever must fix the problem. The server
// numbers notices per kind and year, after the kind's prefix:
// X街安告〔2024〕12号.
type Notice struct {
	Kind       NoticeKind
	Department string `json:",omitempty"`
	Number     string `json:",omitempty"`
	Year       int    `json:",omitempty"`
	Sequence   int    `json:",omitempty"`
}

// Interview is a talk with the enterprise's people (约谈).
type Interview struct {
	Interviewee string
	Place       string `json:",omitempty"`
	Outcome     string `json:",omitempty"`
}

// Rectification is what the fix claims to have done, typed per category.
type Rectification struct {
	Disposition                Disposition
	DemolishedAreaSquareMeters float64 `json:",omitempty"`
}

// Verification is a supervisor's check of a fix.
type Verification struct {
	Passed        bool
	Disposition   Disposition `json:",omitempty"`
	Reason        string      `json:",omitempty"`
	EvidenceFlags []string    `json:",omitempty"`
}

// FollowUp is a later check (回头看) on a closed case.
type FollowUp struct {
	Relapsed     bool
	RelapseCount int `json:",omitempty"`
}

// DeadlineExtension moves a deadline later; the first deadline is kept on
// the report.
type DeadlineExtension struct {
	Previous time.Time
	New      time.Time // zero on input = WorkingDays after Previous
	Reason   string
	// WorkingDays, on input instead of New, moves the deadline that many
	// working days after the current deadline's day, to the end of that
	// China day.
	WorkingDays int `json:",omitempty"`
}

// Reassignment re-dispatches a case (转派): the new person and/or unit
// replace the old ones, which the event keeps (the server fills them).
type Reassignment struct {
	PreviousAssigneeID      string `json:",omitempty"`
	PreviousResponsibleUnit string `json:",omitempty"`
	AssigneeID              string `json:",omitempty"`
	ResponsibleUnit         string `json:",omitempty"`
	Reason                  string
}

// Urging records whom an urging (催办) was addressed to, as the case had
// them, and the case's count of urgings after it; the server fills both.
type Urging struct {
	AssigneeID      string `json:",omitempty"`
	ResponsibleUnit string `json:",omitempty"`
	Count           int
}

// Supervision records the deadline whose passing escalated a case to
// supervision (督办). Only the server takes this step, as SystemActor.
type Supervision struct {
	Deadline time.Time
}

// Step returns the step an action takes, from its type and, for
// verifications and follow-ups, its outcome.
func (a *Action) Step() Step {
	switch a.Type {
	case EventReportAssigned:
		return StepAssign
	case EventReportRejected:
		return StepReject
	case EventProgressRecorded:
		return StepRecordProgress
	case EventNoticeIssued:
		return StepIssueNotice
	case EventInterviewRecorded:
		return StepRecordInterview
	case EventRectificationSubmitted:
		return StepSubmitRectification
	case EventRectificationVerified:
		if a.Data.Verification != nil && a.Data.Verification.Passed {
			return StepVerifyPass
		}
		return StepVerifyFail
	case EventFollowUpRecorded:
		if a.Data.FollowUp != nil && a.Data.FollowUp.Relapsed {
			return StepFollowUpRelapse
		}
		return StepFollowUpFine
	case EventCommentAdded:
		return StepComment
	case EventDeadlineExtended:
		return StepExtendDeadline
	case EventReportReassigned:
		return StepReassign
	case EventReportUrged:
		return StepUrge
	case EventReportSupervised:
		return StepSupervise
	case EventReportReturned:
		return StepReturnForMore
	case EventReportSupplemented:
		return StepSupplement
	}
	return 0
}

// dispositionsOf are the outcomes a fix may claim, per category; the
// first is the default when there is only one.
var dispositionsOf = map[Category][]Disposition{
	CategorySafetyHazard:        {DispositionRectified},
	CategoryPollutingEnterprise: {DispositionShutDown, DispositionRelocated, DispositionUpgraded},
	CategoryIllegalConstruction: {DispositionDemolished, DispositionLegalised},
	CategoryWaterSourceRisk:     {DispositionResolved},
	CategoryDangerousHouse:      {DispositionRenovated, DispositionDemolished, DispositionResidentsRelocated},
	CategoryOther:               {DispositionResolved, DispositionRectified},
}

// Dispositions are the outcomes a fix of this category may claim, the
// default first.
func (c Category) Dispositions() []Disposition {
	return append([]Disposition(nil), dispositionsOf[c]...)
}

// ValidateAction checks an action as given, before it meets its case.
// Field paths are the API's request fields.
func (r Rules) ValidateAction(a *Action) error {
	var v Violations
	checkID(&v, "action_id", a.ID, true)
	checkID(&v, "report_id", a.ReportID, true)
	if a.ExpectedVersion < 0 {
		v.AddZh("expected_version", "不能为负数", "must not be negative")
	}
	checkText(&v, "note", a.Note, MaxNoteRunes, a.Type == EventCommentAdded || a.Type == EventReportUrged)
	checkIDs(&v, "photo_ids", a.PhotoIDs, MaxPhotosPerItem)
	d := a.Data
	switch a.Type {
	case EventReportAssigned:
		as := d.Assignment
		if as == nil || (as.AssigneeID == "" && strings.TrimSpace(as.ResponsibleUnit) == "") {
			v.AddZh("assignee_id", "须指定派遣的人员或责任单位，或两者都填", "name a person (assignee_id) and/or a unit (responsible_unit) to fix it")
			break
		}
		checkID(&v, "assignee_id", as.AssigneeID, false)
		checkText(&v, "responsible_unit", as.ResponsibleUnit, MaxNameRunes, false)
		checkWorkingDays(&v, "deadline_working_days", as.WorkingDays, "deadline", !as.Deadline.IsZero())
	case EventReportRejected:
		rj := d.Rejection
		switch {
		case rj == nil || rj.Reason == RejectionUnspecified:
			v.AddZh("reason", "须选择原因：无效或重复", "is required: invalid or duplicate")
		case rj.Reason < 0 || rj.Reason > RejectionDuplicate:
			v.AddZh("reason", "取值 "+itoa(int(rj.Reason))+" 无法识别", "has unknown value %d", rj.Reason)
		case rj.Reason == RejectionDuplicate:
			checkID(&v, "duplicate_of_report_id", rj.DuplicateOf, true)
			if strings.EqualFold(rj.DuplicateOf, a.ReportID) {
				v.AddZh("duplicate_of_report_id", "案件不能与自身重复", "a report cannot duplicate itself")
			}
		}
	case EventNoticeIssued:
		n := d.Notice
		if n == nil || n.Kind == NoticeUnspecified {
			v.AddZh("kind", "不能为空", "is required")
			break
		}
		checkEnum(&v, "kind", int(n.Kind), int(NoticeEnforcement), true)
		checkText(&v, "department", n.Department, MaxShortTextRunes, n.Kind == NoticeEnforcement)
	case EventInterviewRecorded:
		in := d.Interview
		if in == nil {
			in = &Interview{}
		}
		checkText(&v, "interviewee", in.Interviewee, MaxShortTextRunes, true)
		checkText(&v, "place", in.Place, MaxAddressRunes, false)
		checkText(&v, "outcome", in.Outcome, MaxNoteRunes, false)
	case EventRectificationSubmitted:
		if rc := d.Rectification; rc != nil {
			checkEnum(&v, "disposition", int(rc.Disposition), int(DispositionResidentsRelocated), false)
			if math.IsNaN(rc.DemolishedAreaSquareMeters) || rc.DemolishedAreaSquareMeters < 0 ||
				rc.DemolishedAreaSquareMeters > MaxAreaSquareMeters {
				v.AddZh("demolished_area_square_meters", "须在 0 到 "+itoa(MaxAreaSquareMeters)+" 平方米之间", "must be between 0 and %d", MaxAreaSquareMeters)
			}
		}
	case EventRectificationVerified:
		vf := d.Verification
		if vf == nil {
			vf = &Verification{}
		}
		checkEnum(&v, "disposition", int(vf.Disposition), int(DispositionResidentsRelocated), false)
		checkText(&v, "reason", vf.Reason, MaxNoteRunes, !vf.Passed)
	case EventFollowUpRecorded, EventProgressRecorded, EventCommentAdded:
	case EventDeadlineExtended:
		ex := d.Extension
		if ex == nil {
			ex = &DeadlineExtension{}
		}
		if ex.WorkingDays == 0 {
			checkTime(&v, "new_deadline", ex.New)
		}
		checkWorkingDays(&v, "deadline_working_days", ex.WorkingDays, "new_deadline", !ex.New.IsZero())
		checkText(&v, "reason", ex.Reason, MaxNoteRunes, true)
	case EventReportReassigned:
		ra := d.Reassignment
		if ra == nil {
			ra = &Reassignment{}
		}
		if ra.AssigneeID == "" && strings.TrimSpace(ra.ResponsibleUnit) == "" {
			v.AddZh("assignee_id", "须指定转派的人员或责任单位，或两者都填", "name a person (assignee_id) and/or a unit (responsible_unit) to re-dispatch to")
		} else {
			checkID(&v, "assignee_id", ra.AssigneeID, false)
			checkText(&v, "responsible_unit", ra.ResponsibleUnit, MaxNameRunes, false)
		}
		checkText(&v, "reason", ra.Reason, MaxNoteRunes, true)
	case EventReportUrged:
		// The note (required above) is what the assignee is told.
	case EventReportReturned, EventReportSupplemented:
		validateReturn(&v, a)
	default:
		v.AddZh("type", "不是可执行的操作", "is not an action")
	}
	return v.Err("invalid action")
}

// Apply takes action a by actor on case r at server time now: it checks
// the actor's role, the expected version and the closed loop, and returns
// the case as the action leaves it and the event that records it. r is
// not changed. The caller has checked the actor's scope and the action's
// references (assignee, duplicate), and numbers notices.
//
// Errors: EFORBIDDEN (role), ESTALE (expected version behind),
// EPRECONDITION (not allowed in the current status), EINVALID (an outcome
// that does not fit the category, a deadline before the action).
func (r Rules) Apply(rep *Report, a *Action, actor *Actor, now time.Time) (*Report, *Event, error) {
	step := a.Step()
	if err := MayTake(actor, step); err != nil {
		return nil, nil, err
	}
	if a.ExpectedVersion != 0 && a.ExpectedVersion != rep.Version {
		return nil, nil, &Error{Code: ESTALE, Message: fmt.Sprintf(
			"report %s is at version %d, not %d: it changed since you looked (now %s)",
			rep.ID, rep.Version, a.ExpectedVersion, rep.Status),
			Chinese: staleChinese(rep.Status)}
	}
	next, err := Next(rep.Status, step)
	if err != nil {
		return nil, nil, err
	}
	if err := mayTakeOn(rep, actor, step); err != nil {
		return nil, nil, err
	}

	e := &Event{
		ID: a.ID, ReportID: rep.ID, Type: a.Type, ActorID: actor.UserID,
		OccurredAt: a.OccurredAt, ReceivedAt: now, Note: strings.TrimSpace(a.Note), PhotoIDs: a.PhotoIDs,
		StatusBefore: rep.Status, StatusAfter: next,
	}
	if e.OccurredAt.IsZero() {
		e.OccurredAt = now
	}
	e.OccurredAt = e.OccurredAt.UTC()
	e.ClockSkewFlagged = r.ClockSkewed(e.OccurredAt, now)
	at := e.EffectiveAt()

	out := *rep
	out.Status = next
	out.Version = rep.Version + 1
	out.UpdatedAt = now
	d := a.Data
	switch step {
	case StepAssign:
		as := *d.Assignment
		switch {
		case !as.Deadline.IsZero():
			as.WorkingDays = 0
		case as.WorkingDays > 0:
			as.Deadline = EndOfChinaDay(r.Calendar.AddWorkingDays(at, as.WorkingDays))
		default:
			as.Deadline, as.WorkingDays = r.DefaultDeadlineAt(rep.Category, rep.Severity, at)
		}
		as.Deadline = as.Deadline.UTC()
		if !as.Deadline.After(at) {
			return nil, nil, fieldErrorZh("deadline", "期限须晚于派遣时间 "+ChinaTimeZh(at),
				"must be after the assignment (%s)", ChinaTime(at))
		}
		out.AssigneeID, out.ResponsibleUnit = as.AssigneeID, strings.TrimSpace(as.ResponsibleUnit)
		out.Deadline, out.OriginalDeadline = as.Deadline, as.Deadline
		out.DeadlineWorkingDays = as.WorkingDays
		e.Data.Assignment = &as
	case StepReject:
		rj := *d.Rejection
		e.Data.Rejection = &rj
	case StepIssueNotice:
		n := *d.Notice
		n.Department = strings.TrimSpace(n.Department)
		n.Number, n.Year, n.Sequence = "", 0, 0 // numbered by the store
		e.Data.Notice = &n
	case StepRecordInterview:
		in := *d.Interview
		e.Data.Interview = &in
	case StepSubmitRectification:
		rc := Rectification{}
		if d.Rectification != nil {
			rc = *d.Rectification
		}
		allowed := dispositionsOf[rep.Category]
		switch {
		case rc.Disposition == DispositionUnspecified && len(allowed) == 1:
			rc.Disposition = allowed[0]
		case rc.Disposition == DispositionUnspecified:
			return nil, nil, fieldErrorZh("disposition", "「"+rep.Category.Chinese()+"」须写明处置结果："+dispositionsZh(allowed),
				"is required for %s: one of %v", rep.Category, allowed)
		case !slices.Contains(allowed, rc.Disposition):
			return nil, nil, fieldErrorZh("disposition", dispositionMisfitZh(rc.Disposition, rep.Category),
				"%v does not fit %s: one of %v", rc.Disposition, rep.Category, allowed)
		}
		if rc.Disposition != DispositionDemolished {
			rc.DemolishedAreaSquareMeters = 0
		}
		out.ClaimedDisposition, out.DemolishedAreaSquareMeters = rc.Disposition, rc.DemolishedAreaSquareMeters
		e.Data.Rectification = &rc
	case StepVerifyPass:
		vf := *d.Verification
		if vf.Disposition == DispositionUnspecified {
			vf.Disposition = rep.ClaimedDisposition
		}
		if vf.Disposition == DispositionUnspecified {
			// Rectified on the spot: no rectification claimed an outcome.
			vf.Disposition = dispositionsOf[rep.Category][0]
		}
		if !slices.Contains(dispositionsOf[rep.Category], vf.Disposition) {
			return nil, nil, fieldErrorZh("disposition", dispositionMisfitZh(vf.Disposition, rep.Category),
				"%v does not fit %s: one of %v", vf.Disposition, rep.Category, dispositionsOf[rep.Category])
		}
		out.Disposition, out.ClosedAt = vf.Disposition, at
		out.FollowUpDue = time.Time{}
		if after := r.FollowUpAfter(rep.Category, rep.Severity, vf.Disposition); after > 0 {
			out.FollowUpDue = at.Add(after)
		}
		e.Data.Verification = &vf
	case StepVerifyFail:
		vf := *d.Verification
		vf.Disposition = DispositionUnspecified
		out.ClaimedDisposition = DispositionUnspecified
		e.Data.Verification = &vf
	case StepFollowUpFine:
		out.FollowUpDue = time.Time{}
		e.Data.FollowUp = &FollowUp{RelapseCount: rep.RelapseCount}
	case StepFollowUpRelapse:
		out.RelapseCount = rep.RelapseCount + 1
		out.Disposition, out.ClaimedDisposition, out.ClosedAt, out.FollowUpDue = 0, 0, time.Time{}, time.Time{}
		e.Data.FollowUp = &FollowUp{Relapsed: true, RelapseCount: out.RelapseCount}
	case StepExtendDeadline:
		ex := *d.Extension
		if ex.New.IsZero() && ex.WorkingDays > 0 {
			ex.New = EndOfChinaDay(r.Calendar.AddWorkingDays(rep.Deadline, ex.WorkingDays))
		} else {
			ex.WorkingDays = 0
		}
		ex.New = ex.New.UTC()
		ex.Previous = rep.Deadline
		ex.Reason = strings.TrimSpace(ex.Reason)
		if !ex.New.After(rep.Deadline) {
			return nil, nil, fieldErrorZh("new_deadline", "新期限须晚于当前期限 "+ChinaTimeZh(rep.Deadline),
				"must be after the current deadline %s", ChinaTime(rep.Deadline))
		}
		out.Deadline, out.DeadlineWorkingDays = ex.New, ex.WorkingDays
		e.Data.Extension = &ex
	case StepReassign:
		ra := *d.Reassignment
		ra.ResponsibleUnit, ra.Reason = strings.TrimSpace(ra.ResponsibleUnit), strings.TrimSpace(ra.Reason)
		if ra.AssigneeID == rep.AssigneeID && ra.ResponsibleUnit == rep.ResponsibleUnit {
			return nil, nil, fieldErrorZh("assignee_id", "转派对象与当前的人员和责任单位相同",
				"the case is already with that person and unit")
		}
		ra.PreviousAssigneeID, ra.PreviousResponsibleUnit = rep.AssigneeID, rep.ResponsibleUnit
		out.AssigneeID, out.ResponsibleUnit = ra.AssigneeID, ra.ResponsibleUnit
		out.ReassignCount = rep.ReassignCount + 1
		e.Data.Reassignment = &ra
	case StepUrge:
		out.UrgeCount = rep.UrgeCount + 1
		e.Data.Urging = &Urging{AssigneeID: rep.AssigneeID, ResponsibleUnit: rep.ResponsibleUnit, Count: out.UrgeCount}
	case StepSupervise:
		// Once per deadline: the one that passed is kept, so that only a
		// later deadline (an extension) passing again escalates again.
		if !rep.SupervisedDeadline.IsZero() && rep.SupervisedDeadline.Equal(rep.Deadline) {
			return nil, nil, Errorf(EPRECONDITION, "report %s was escalated for its deadline %s already",
				rep.ID, ChinaTime(rep.Deadline)).Zh("该案件已因逾期督办")
		}
		if !rep.Overdue(now) {
			return nil, nil, Errorf(EPRECONDITION, "report %s is not overdue", rep.ID).Zh("该案件未逾期，无需督办")
		}
		out.SupervisedAt, out.SupervisedDeadline = now, rep.Deadline
		e.Data.Supervision = &Supervision{Deadline: rep.Deadline}
	}
	if err := applyReturn(rep, &out, a, e, actor, at); err != nil {
		return nil, nil, err
	}
	e.Version = out.Version
	return &out, e, nil
}

// Conflict returns the event that records an action that could not apply
// (a stale version, a case that moved on): kept on the timeline so that
// nothing a worker recorded is lost, without changing the case.
func (r Rules) Conflict(rep *Report, a *Action, actor *Actor, now time.Time, cause error) *Event {
	e := &Event{
		ID: a.ID, ReportID: rep.ID, Type: a.Type, ActorID: actor.UserID,
		OccurredAt: a.OccurredAt, ReceivedAt: now, Note: strings.TrimSpace(a.Note), PhotoIDs: a.PhotoIDs,
		StatusBefore: rep.Status, StatusAfter: rep.Status, Version: rep.Version,
		Conflict: true, ConflictCode: ErrorCode(cause), ConflictReason: ErrorMessage(cause), Data: a.Data,
	}
	if e.OccurredAt.IsZero() {
		e.OccurredAt = now
	}
	e.OccurredAt = e.OccurredAt.UTC()
	e.ClockSkewFlagged = r.ClockSkewed(e.OccurredAt, now)
	return e
}

func refusedChinese(s Status, step Step) string {
	return "案件当前为「" + s.Chinese() + "」，不能" + step.Chinese()
}

func staleChinese(s Status) string {
	return "案件在您查看后已有变动（当前为「" + s.Chinese() + "」），请刷新后再操作"
}

// ConflictChinese returns the Chinese of the error an action met when it
// was kept as conflict e, from what the event keeps (the status it met,
// its type and data), so that a replay answers in Chinese as the first
// time did; "" for a conflict of another kind.
func ConflictChinese(e *Event) string {
	switch e.ConflictCode {
	case ESTALE:
		return staleChinese(e.StatusBefore)
	case EPRECONDITION:
		step := (&Action{Type: e.Type, Data: e.Data}).Step()
		if _, gated := waitingGate[step]; gated && e.StatusBefore == StatusReported {
			return gateChinese(step) // a REPORTED case refuses these only by the gate
		}
		return refusedChinese(e.StatusBefore, step)
	}
	return ""
}

// checkWorkingDays checks a count of working days given instead of a
// time (the field other): 0 for none, else 1 to MaxWorkingDays, and not
// both.
func checkWorkingDays(v *Violations, field string, n int, other string, otherSet bool) {
	switch {
	case n == 0:
	case n < 0 || n > MaxWorkingDays:
		v.AddZh(field, "须在 1 到 "+itoa(MaxWorkingDays)+" 个工作日之间", "must be between 1 and %d", MaxWorkingDays)
	case otherSet:
		v.AddZh(field, "与 "+other+" 只能填一项", "give either %s or %s, not both", field, other)
	}
}

// fieldErrorZh returns an EINVALID error about one field of an action,
// with zh as both the field's and the error's Chinese: the one problem is
// the whole message.
func fieldErrorZh(field, zh, format string, args ...any) error {
	var v Violations
	v.AddZh(field, zh, format, args...)
	e := v.Err("invalid action").(*Error)
	e.Chinese = zh
	return e
}

// dispositionMisfitZh says in Chinese that d is no outcome for category c.
func dispositionMisfitZh(d Disposition, c Category) string {
	return "「" + d.Chinese() + "」不是「" + c.Chinese() + "」的处置结果，可选：" + dispositionsZh(dispositionsOf[c])
}

func dispositionsZh(ds []Disposition) string {
	words := make([]string, len(ds))
	for i, d := range ds {
		words[i] = d.Chinese()
	}
	return strings.Join(words, "、")
}
