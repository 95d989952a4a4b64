package gridinspect

import (
	"fmt"
	"slices"
)

// Step is what an action does to a case, finer than its event type where
// the outcome decides the next status (a verification passes or fails, a
// follow-up finds the problem back or not).
type Step int

// Steps of the closed loop.
const (
	StepAssign Step = iota + 1
	StepReject
	StepRecordProgress
	StepIssueNotice
	StepRecordInterview
	StepSubmitRectification
	StepVerifyPass
	StepVerifyFail
	StepFollowUpFine
	StepFollowUpRelapse
	StepComment
	StepExtendDeadline
	StepReassign
	StepUrge
	StepSupervise
	StepReturnForMore // 退回补充: back to the reporter for more (returns.go)
	StepSupplement    // 补充材料: the reporter answers it
)

var stepNames = map[Step]string{
	StepAssign: "assign", StepReject: "reject", StepRecordProgress: "record progress on",
	StepIssueNotice: "issue a notice on", StepRecordInterview: "record an interview on",
	StepSubmitRectification: "submit a rectification of", StepVerifyPass: "pass the verification of",
	StepVerifyFail: "fail the verification of", StepFollowUpFine: "record a follow-up of",
	StepFollowUpRelapse: "record a relapse of", StepComment: "comment on", StepExtendDeadline: "extend the deadline of",
	StepReassign: "re-dispatch", StepUrge: "urge", StepSupervise: "escalate to supervision",
	StepReturnForMore: "return for more", StepSupplement: "supplement",
}

func (s Step) String() string { return stepNames[s] }

// transitions is the closed loop of DESIGN.md as data: for each status,
// the steps allowed in it and the status each leads to. A step missing
// from a status's row is refused (EPRECONDITION, naming the status).
//
//	REPORTED ──assign──▶ ASSIGNED ──progress──▶ RECTIFYING
//	   └─reject──▶ REJECTED            └──submit rectification──┴─▶ PENDING_VERIFICATION
//	PENDING_VERIFICATION ──pass──▶ CLOSED, ──fail──▶ RECTIFYING
//	CLOSED ──follow-up relapse──▶ RECTIFYING (fine: stays CLOSED)
//
// Notices, interviews and comments are kept on the timeline without moving
// the case; notices and interviews belong to open cases, comments to any.
// A dispatched case (ASSIGNED or RECTIFYING) may also be re-dispatched
// (转派), urged (催办) and, by the server when its deadline passes,
// escalated to supervision (督办), none of which moves it.
var transitions = map[Status]map[Step]Status{
	StatusReported: {
		StepAssign:      StatusAssigned,
		StepReject:      StatusRejected,
		StepIssueNotice: StatusReported, StepRecordInterview: StatusReported, StepComment: StatusReported,
		// 退回补充 keeps the case REPORTED (returns.go says why); whether
		// it waits for its reporter is the gate of waitingGate.
		StepReturnForMore: StatusReported, StepSupplement: StatusReported,
	},
	StatusAssigned: {
		StepRecordProgress:      StatusRectifying,
		StepSubmitRectification: StatusPendingVerification,
		StepExtendDeadline:      StatusAssigned,
		StepReassign:            StatusAssigned, StepUrge: StatusAssigned, StepSupervise: StatusAssigned,
		StepIssueNotice: StatusAssigned, StepRecordInterview: StatusAssigned, StepComment: StatusAssigned,
	},
	StatusRectifying: {
		StepRecordProgress:      StatusRectifying,
		StepSubmitRectification: StatusPendingVerification,
		StepExtendDeadline:      StatusRectifying,
		StepReassign:            StatusRectifying, StepUrge: StatusRectifying, StepSupervise: StatusRectifying,
		StepIssueNotice: StatusRectifying, StepRecordInterview: StatusRectifying, StepComment: StatusRectifying,
	},
	StatusPendingVerification: {
		StepVerifyPass:     StatusClosed,
		StepVerifyFail:     StatusRectifying,
		StepExtendDeadline: StatusPendingVerification,
		StepIssueNotice:    StatusPendingVerification, StepRecordInterview: StatusPendingVerification,
		StepComment: StatusPendingVerification,
	},
	StatusClosed: {
		StepFollowUpFine:    StatusClosed,
		StepFollowUpRelapse: StatusRectifying,
		StepComment:         StatusClosed,
	},
	StatusRejected: {
		StepComment: StatusRejected,
	},
}

// supervisorSteps are the steps only a supervisor (or admin) may take:
// dispatching, judging and the street's own documents.
var supervisorSteps = map[Step]bool{
	StepAssign: true, StepReject: true, StepVerifyPass: true, StepVerifyFail: true,
	StepExtendDeadline: true, StepIssueNotice: true, StepRecordInterview: true,
	StepReassign: true, StepUrge: true, StepReturnForMore: true,
}

// systemSteps are the steps only the server takes, as SystemActor, on its
// own: no request names them.
var systemSteps = map[Step]bool{StepSupervise: true}

// Next returns the status a case in status s moves to by step, or an
// EPRECONDITION error naming s.
func Next(s Status, step Step) (Status, error) {
	next, ok := transitions[s][step]
	if !ok {
		return s, &Error{Code: EPRECONDITION, Message: fmt.Sprintf("cannot %s a case that is %s", step, s),
			Chinese: refusedChinese(s, step)}
	}
	return next, nil
}

// MayTake reports whether the actor's role allows step (scope is checked
// separately, per case).
func MayTake(a *Actor, step Step) error {
	if systemSteps[step] && (a == nil || a.UserID != SystemUserID) {
		return Errorf(EFORBIDDEN, "only the server may %s a case", step).Zh("只有系统可以%s", step.Chinese())
	}
	if supervisorSteps[step] && !a.IsSupervisor() {
		return Errorf(EFORBIDDEN, "only a supervisor may %s a case", step).Zh("只有主管可以%s", step.Chinese())
	}
	return nil
}

// ReportAction is what a user may do to a case, one per
// RectificationService RPC (a desk's button, a phone's menu entry):
// coarser than a Step where the request chooses the outcome (a
// verification passes or fails, a follow-up finds the case fine or back).
// The numbers are the API's.
type ReportAction int

// Report actions, in the order of RectificationService.
const (
	ActionUnspecified ReportAction = iota
	ActionAssign
	ActionReject
	ActionRecordProgress
	ActionIssueNotice
	ActionRecordInterview
	ActionSubmitRectification
	ActionVerifyRectification
	ActionRecordFollowUp
	ActionComment
	ActionExtendDeadline
	ActionReassign                        // 11, 转派
	ActionUrge                            // 12, 催办
	ActionReturnForMore ReportAction = 13 // 退回补充
	ActionSupplement    ReportAction = 14 // 补充材料
)

// LastAction is the highest report action, for loops over them all.
const LastAction = ActionSupplement

// actionSteps are the steps each action may take, by its outcome.
var actionSteps = [...][]Step{
	ActionAssign:              {StepAssign},
	ActionReject:              {StepReject},
	ActionRecordProgress:      {StepRecordProgress},
	ActionIssueNotice:         {StepIssueNotice},
	ActionRecordInterview:     {StepRecordInterview},
	ActionSubmitRectification: {StepSubmitRectification},
	ActionVerifyRectification: {StepVerifyPass, StepVerifyFail},
	ActionRecordFollowUp:      {StepFollowUpFine, StepFollowUpRelapse},
	ActionComment:             {StepComment},
	ActionExtendDeadline:      {StepExtendDeadline},
	ActionReassign:            {StepReassign},
	ActionUrge:                {StepUrge},
	ActionReturnForMore:       {StepReturnForMore},
	ActionSupplement:          {StepSupplement},
}

// Steps returns the steps the action may take, by its outcome.
func (x ReportAction) Steps() []Step {
	if x <= ActionUnspecified || int(x) >= len(actionSteps) {
		return nil
	}
	return actionSteps[x]
}

// AllowedSteps returns the steps the actor's role allows on a case in
// status s, in Step order: the closed loop (transitions) and the role
// rule (MayTake), the same two checks Apply makes.
func AllowedSteps(s Status, a *Actor) []Step {
	var steps []Step
	for step := range transitions[s] {
		if MayTake(a, step) == nil {
			steps = append(steps, step)
		}
	}
	slices.Sort(steps)
	return steps
}

// AllowedActions returns what the actor may do to case r as it stands, in
// action order: the actions with a step AllowedSteps allows, and none
// outside the actor's scope. Whether a particular request then succeeds
// still depends on what it carries (an assignee, a deadline, a version).
func AllowedActions(r *Report, a *Actor) []ReportAction {
	if r == nil || !a.CanSeeGrid(r.GridID) {
		return nil
	}
	allowed := slices.DeleteFunc(AllowedSteps(r.Status, a), func(s Step) bool { return mayTakeOn(r, a, s) != nil })
	var out []ReportAction
	for x := ActionAssign; x <= LastAction; x++ {
		if slices.ContainsFunc(x.Steps(), func(s Step) bool { return slices.Contains(allowed, s) }) {
			out = append(out, x)
		}
	}
	return out
}
