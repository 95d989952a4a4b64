package gridinspect

import "fmt"

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
)

var stepNames = map[Step]string{
	StepAssign: "assign", StepReject: "reject", StepRecordProgress: "record progress on",
	StepIssueNotice: "issue a notice on", StepRecordInterview: "record an interview on",
	StepSubmitRectification: "submit a rectification of", StepVerifyPass: "pass the verification of",
	StepVerifyFail: "fail the verification of", StepFollowUpFine: "record a follow-up of",
	StepFollowUpRelapse: "record a relapse of", StepComment: "comment on", StepExtendDeadline: "extend the deadline of",
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
var transitions = map[Status]map[Step]Status{
	StatusReported: {
		StepAssign:      StatusAssigned,
		StepReject:      StatusRejected,
		StepIssueNotice: StatusReported, StepRecordInterview: StatusReported, StepComment: StatusReported,
	},
	StatusAssigned: {
		StepRecordProgress:      StatusRectifying,
		StepSubmitRectification: StatusPendingVerification,
		StepExtendDeadline:      StatusAssigned,
		StepIssueNotice:         StatusAssigned, StepRecordInterview: StatusAssigned, StepComment: StatusAssigned,
	},
	StatusRectifying: {
		StepRecordProgress:      StatusRectifying,
		StepSubmitRectification: StatusPendingVerification,
		StepExtendDeadline:      StatusRectifying,
		StepIssueNotice:         StatusRectifying, StepRecordInterview: StatusRectifying, StepComment: StatusRectifying,
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
}

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
	if supervisorSteps[step] && !a.IsSupervisor() {
		return Errorf(EFORBIDDEN, "only a supervisor may %s a case", step).Zh("只有主管可以%s", step.Chinese())
	}
	return nil
}
