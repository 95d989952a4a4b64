package gridinspect

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// TestEveryStatusAndStepPair is the closed loop of DESIGN.md, pair by
// pair: where each step leads from each status, and every pair refused.
func TestEveryStatusAndStepPair(t *testing.T) {
	const no = StatusUnspecified // refused
	R, A, F, P, C, X := StatusReported, StatusAssigned, StatusRectifying, StatusPendingVerification, StatusClosed, StatusRejected
	want := map[Step][6]Status{ //   from REPORTED, ASSIGNED, RECTIFYING, PENDING, CLOSED, REJECTED
		StepAssign:              {A, no, no, no, no, no},
		StepReject:              {X, no, no, no, no, no},
		StepRecordProgress:      {no, F, F, no, no, no},
		StepIssueNotice:         {R, A, F, P, no, no},
		StepRecordInterview:     {R, A, F, P, no, no},
		StepSubmitRectification: {no, P, P, no, no, no},
		StepVerifyPass:          {no, no, no, C, no, no},
		StepVerifyFail:          {no, no, no, F, no, no},
		StepFollowUpFine:        {no, no, no, no, C, no},
		StepFollowUpRelapse:     {no, no, no, no, F, no},
		StepComment:             {R, A, F, P, C, X},
		StepExtendDeadline:      {no, A, F, P, no, no},
		StepReassign:            {no, A, F, no, no, no},
		StepUrge:                {no, A, F, no, no, no},
		StepSupervise:           {no, A, F, no, no, no},
		StepReturnForMore:       {R, no, no, no, no, no}, // and only while not waiting (returns_test.go)
		StepSupplement:          {R, no, no, no, no, no}, // and only while waiting
	}
	if len(want) != len(stepNames) {
		t.Fatalf("the table covers %d steps of %d", len(want), len(stepNames))
	}
	for step, row := range want {
		for i, from := range []Status{R, A, F, P, C, X} {
			t.Run(step.String()+" "+from.String(), func(t *testing.T) {
				got, err := Next(from, step)
				if row[i] == no {
					var e *Error
					if !errors.As(err, &e) || e.Code != EPRECONDITION || !strings.Contains(e.Message, from.String()) {
						t.Errorf("Next(%s, %s) = %s, %v; want EPRECONDITION naming %s", from, step, got, err, from)
					}
					return
				}
				if err != nil || got != row[i] {
					t.Errorf("Next(%s, %s) = %s, %v; want %s", from, step, got, err, row[i])
				}
			})
		}
	}
}

func TestOnlySupervisorsDispatchJudgeAndServeNotices(t *testing.T) {
	worker := &Actor{UserID: "w", Role: RoleWorker, GridIDs: []string{"g"}}
	supervisor := &Actor{UserID: "s", Role: RoleSupervisor, AllGrids: true}
	for step := range stepNames {
		err := MayTake(worker, step)
		if (supervisorSteps[step] || systemSteps[step]) != (ErrorCode(err) == EFORBIDDEN) {
			t.Errorf("worker taking %q: %v", step, err)
		}
		if err := MayTake(supervisor, step); systemSteps[step] != (ErrorCode(err) == EFORBIDDEN) {
			t.Errorf("supervisor taking %q: %v", step, err)
		}
		if err := MayTake(SystemActor(), step); err != nil {
			t.Errorf("the server taking %q: %v", step, err)
		}
	}
}

var (
	t0         = time.Date(2024, 3, 1, 9, 0, 0, 0, time.UTC)
	supervisor = &Actor{UserID: "0190b7e4-8c2a-7d3e-9f10-2b3c4d5e6f71", Role: RoleSupervisor, AllGrids: true}
)

func caseIn(status Status, c Category, s Severity) *Report {
	return &Report{ID: "0190b7e4-8c2a-7d3e-9f10-2b3c4d5e6f70", Category: c, Severity: s, Status: status, Version: 3,
		ObservedAt: t0.Add(-time.Hour), Deadline: t0.Add(7 * 24 * time.Hour)}
}

func act(typ EventType, data EventData) *Action {
	return &Action{ID: "0190b7e4-8c2a-7d3e-9f10-2b3c4d5e6f72", ReportID: "0190b7e4-8c2a-7d3e-9f10-2b3c4d5e6f70",
		Type: typ, OccurredAt: t0, Data: data}
}

func TestApplyingAnAction(t *testing.T) {
	rules := DefaultRules
	tests := []struct {
		name   string
		rep    *Report
		act    *Action
		check  func(t *testing.T, r *Report, e *Event)
		code   string
		field  string
		reason string
	}{
		{name: "assignment without a deadline gets the category's default",
			rep: caseIn(StatusReported, CategorySafetyHazard, SeverityMajor),
			act: act(EventReportAssigned, EventData{Assignment: &Assignment{ResponsibleUnit: "某某企业"}}),
			check: func(t *testing.T, r *Report, e *Event) {
				if want := t0.Add(30 * 24 * time.Hour); !r.Deadline.Equal(want) || !r.OriginalDeadline.Equal(want) {
					t.Errorf("deadline %v, original %v; want %v", r.Deadline, r.OriginalDeadline, want)
				}
				if r.Status != StatusAssigned || r.Version != 4 || e.Version != 4 || e.StatusBefore != StatusReported {
					t.Errorf("status %s version %d, event %+v", r.Status, r.Version, e)
				}
			}},
		{name: "a deadline before the assignment is refused",
			rep:  caseIn(StatusReported, CategorySafetyHazard, SeverityGeneral),
			act:  act(EventReportAssigned, EventData{Assignment: &Assignment{ResponsibleUnit: "x", Deadline: t0.Add(-time.Hour)}}),
			code: EINVALID, field: "deadline"},
		{name: "a stale version is refused before the loop is consulted",
			rep: caseIn(StatusClosed, CategorySafetyHazard, SeverityGeneral),
			act: func() *Action {
				a := act(EventReportAssigned, EventData{Assignment: &Assignment{ResponsibleUnit: "x"}})
				a.ExpectedVersion = 2
				return a
			}(),
			code: ESTALE},
		{name: "a fix of a polluting enterprise must say which of the three",
			rep:  caseIn(StatusRectifying, CategoryPollutingEnterprise, SeverityGeneral),
			act:  act(EventRectificationSubmitted, EventData{}),
			code: EINVALID, field: "disposition"},
		{name: "a fix of a safety hazard is 'rectified' without saying",
			rep: caseIn(StatusRectifying, CategorySafetyHazard, SeverityGeneral),
			act: act(EventRectificationSubmitted, EventData{}),
			check: func(t *testing.T, r *Report, e *Event) {
				if r.ClaimedDisposition != DispositionRectified || e.Data.Rectification.Disposition != DispositionRectified {
					t.Errorf("claimed %s", r.ClaimedDisposition)
				}
			}},
		{name: "a building cannot be 'relocated'",
			rep:  caseIn(StatusRectifying, CategoryIllegalConstruction, SeverityGeneral),
			act:  act(EventRectificationSubmitted, EventData{Rectification: &Rectification{Disposition: DispositionRelocated}}),
			code: EINVALID, field: "disposition"},
		{name: "passing a verification closes with the claimed outcome and schedules a follow-up",
			rep: func() *Report {
				r := caseIn(StatusPendingVerification, CategoryPollutingEnterprise, SeverityGeneral)
				r.ClaimedDisposition = DispositionShutDown
				return r
			}(),
			act: act(EventRectificationVerified, EventData{Verification: &Verification{Passed: true}}),
			check: func(t *testing.T, r *Report, e *Event) {
				if r.Status != StatusClosed || r.Disposition != DispositionShutDown || !r.ClosedAt.Equal(t0) ||
					!r.FollowUpDue.Equal(t0.Add(90*24*time.Hour)) {
					t.Errorf("closed %+v", r)
				}
			}},
		{name: "failing a verification sends the case back",
			rep: caseIn(StatusPendingVerification, CategorySafetyHazard, SeverityGeneral),
			act: act(EventRectificationVerified, EventData{Verification: &Verification{Reason: "灭火器仍未更换"}}),
			check: func(t *testing.T, r *Report, e *Event) {
				if r.Status != StatusRectifying {
					t.Errorf("status %s", r.Status)
				}
			}},
		{name: "a relapse found on follow-up reopens the case and counts",
			rep: func() *Report {
				r := caseIn(StatusClosed, CategoryPollutingEnterprise, SeverityGeneral)
				r.Disposition, r.ClosedAt, r.RelapseCount = DispositionShutDown, t0.Add(-time.Hour), 1
				return r
			}(),
			act: act(EventFollowUpRecorded, EventData{FollowUp: &FollowUp{Relapsed: true}}),
			check: func(t *testing.T, r *Report, e *Event) {
				if r.Status != StatusRectifying || r.RelapseCount != 2 || !r.ClosedAt.IsZero() || e.Data.FollowUp.RelapseCount != 2 {
					t.Errorf("after relapse %+v", r)
				}
			}},
		{name: "an extension keeps the original deadline",
			rep: func() *Report {
				r := caseIn(StatusAssigned, CategorySafetyHazard, SeverityGeneral)
				r.OriginalDeadline = r.Deadline
				return r
			}(),
			act: act(EventDeadlineExtended, EventData{Extension: &DeadlineExtension{New: t0.Add(20 * 24 * time.Hour), Reason: "等待配件"}}),
			check: func(t *testing.T, r *Report, e *Event) {
				if !r.Deadline.Equal(t0.Add(20*24*time.Hour)) || !r.OriginalDeadline.Equal(t0.Add(7*24*time.Hour)) ||
					!e.Data.Extension.Previous.Equal(t0.Add(7*24*time.Hour)) {
					t.Errorf("deadline %v original %v", r.Deadline, r.OriginalDeadline)
				}
			}},
		{name: "an extension must move the deadline later",
			rep:  caseIn(StatusAssigned, CategorySafetyHazard, SeverityGeneral),
			act:  act(EventDeadlineExtended, EventData{Extension: &DeadlineExtension{New: t0, Reason: "x"}}),
			code: EINVALID, field: "new_deadline"},
		{name: "a re-dispatch replaces the person and unit and keeps the old ones on the event",
			rep: func() *Report {
				r := caseIn(StatusRectifying, CategorySafetyHazard, SeverityGeneral)
				r.AssigneeID, r.ResponsibleUnit = "0190b7e4-8c2a-7d3e-9f10-2b3c4d5e6f01", "某某企业"
				return r
			}(),
			act: act(EventReportReassigned, EventData{Reassignment: &Reassignment{
				AssigneeID: "0190b7e4-8c2a-7d3e-9f10-2b3c4d5e6f02", Reason: " 原网格员调岗 "}}),
			check: func(t *testing.T, r *Report, e *Event) {
				ra := e.Data.Reassignment
				if r.Status != StatusRectifying || r.AssigneeID != "0190b7e4-8c2a-7d3e-9f10-2b3c4d5e6f02" || r.ResponsibleUnit != "" ||
					r.ReassignCount != 1 || !r.Deadline.Equal(t0.Add(7*24*time.Hour)) {
					t.Errorf("after re-dispatch %+v", r)
				}
				if ra.PreviousAssigneeID != "0190b7e4-8c2a-7d3e-9f10-2b3c4d5e6f01" || ra.PreviousResponsibleUnit != "某某企业" ||
					ra.Reason != "原网格员调岗" {
					t.Errorf("reassignment %+v", ra)
				}
			}},
		{name: "a re-dispatch to whoever has the case already is refused",
			rep: func() *Report {
				r := caseIn(StatusAssigned, CategorySafetyHazard, SeverityGeneral)
				r.ResponsibleUnit = "某某企业"
				return r
			}(),
			act:  act(EventReportReassigned, EventData{Reassignment: &Reassignment{ResponsibleUnit: "某某企业 ", Reason: "x"}}),
			code: EINVALID, field: "assignee_id"},
		{name: "an urging is addressed to the case's assignee and counted",
			rep: func() *Report {
				r := caseIn(StatusAssigned, CategorySafetyHazard, SeverityGeneral)
				r.AssigneeID, r.UrgeCount = "0190b7e4-8c2a-7d3e-9f10-2b3c4d5e6f01", 1
				return r
			}(),
			act: func() *Action {
				a := act(EventReportUrged, EventData{})
				a.Note = "请于本周内整改完毕"
				return a
			}(),
			check: func(t *testing.T, r *Report, e *Event) {
				if r.Status != StatusAssigned || r.UrgeCount != 2 || e.Data.Urging == nil ||
					e.Data.Urging.AssigneeID != "0190b7e4-8c2a-7d3e-9f10-2b3c4d5e6f01" || e.Data.Urging.Count != 2 {
					t.Errorf("after urging %+v, event %+v", r, e.Data.Urging)
				}
			}},
		{name: "a device clock in the future is flagged and the server's time counts",
			rep: caseIn(StatusAssigned, CategorySafetyHazard, SeverityGeneral),
			act: func() *Action {
				a := act(EventProgressRecorded, EventData{})
				a.OccurredAt = t0.Add(72 * time.Hour)
				return a
			}(),
			check: func(t *testing.T, r *Report, e *Event) {
				if !e.ClockSkewFlagged || !e.EffectiveAt().Equal(t0) {
					t.Errorf("event %+v", e)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := *tt.rep
			if err := rules.ValidateAction(tt.act); err != nil {
				t.Fatalf("validate: %v", err)
			}
			r, e, err := rules.Apply(tt.rep, tt.act, supervisor, t0)
			if tt.code != "" {
				var de *Error
				if !errors.As(err, &de) || de.Code != tt.code || (tt.field != "" && (len(de.Fields) == 0 || de.Fields[0].Field != tt.field)) {
					t.Fatalf("err = %v; want %s on %q", err, tt.code, tt.field)
				}
				return
			}
			if err != nil {
				t.Fatalf("apply: %v", err)
			}
			if tt.rep.Status != before.Status || tt.rep.Version != before.Version {
				t.Error("Apply changed the case it was given")
			}
			tt.check(t, r, e)
		})
	}
}

func TestInvalidActionsAreRefusedNamingTheField(t *testing.T) {
	tests := []struct {
		name  string
		act   *Action
		field string
	}{
		{"malformed action id", &Action{ID: "1", ReportID: "0190b7e4-8c2a-7d3e-9f10-2b3c4d5e6f70", Type: EventCommentAdded, Note: "x"}, "action_id"},
		{"empty comment", act(EventCommentAdded, EventData{}), "note"},
		{"assignment to nobody", act(EventReportAssigned, EventData{Assignment: &Assignment{}}), "assignee_id"},
		{"rejection without a reason", act(EventReportRejected, EventData{Rejection: &Rejection{}}), "reason"},
		{"duplicate of nothing", act(EventReportRejected, EventData{Rejection: &Rejection{Reason: RejectionDuplicate}}), "duplicate_of_report_id"},
		{"enforcement document without its department", act(EventNoticeIssued, EventData{Notice: &Notice{Kind: NoticeEnforcement}}), "department"},
		{"interview of nobody", act(EventInterviewRecorded, EventData{Interview: &Interview{}}), "interviewee"},
		{"failed verification without a reason", act(EventRectificationVerified, EventData{Verification: &Verification{}}), "reason"},
		{"extension without a reason", act(EventDeadlineExtended, EventData{Extension: &DeadlineExtension{New: t0}}), "reason"},
		{"urging with nothing to say", act(EventReportUrged, EventData{}), "note"},
		{"re-dispatch to nobody", act(EventReportReassigned, EventData{Reassignment: &Reassignment{Reason: "x"}}), "assignee_id"},
		{"re-dispatch without a reason", act(EventReportReassigned, EventData{Reassignment: &Reassignment{ResponsibleUnit: "x"}}), "reason"},
		{"supervision asked for by a client", act(EventReportSupervised, EventData{}), "type"},
		{"negative demolished area", act(EventRectificationSubmitted, EventData{Rectification: &Rectification{DemolishedAreaSquareMeters: -1}}), "demolished_area_square_meters"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := DefaultRules.ValidateAction(tt.act)
			var e *Error
			if !errors.As(err, &e) || e.Code != EINVALID {
				t.Fatalf("err = %v, want EINVALID", err)
			}
			for _, f := range e.Fields {
				if f.Field == tt.field {
					return
				}
			}
			t.Errorf("fields = %v, want %s", e.Fields, tt.field)
		})
	}
}

// TestAnOverdueCaseIsEscalatedOncePerDeadline: the server escalates a
// case whose deadline passed (督办), once; an extended deadline passed
// again escalates it again; nobody but the server may.
func TestAnOverdueCaseIsEscalatedOncePerDeadline(t *testing.T) {
	rules := DefaultRules
	supervise := &Action{ID: "0190b7e4-8c2a-7d3e-9f10-2b3c4d5e6f73", ReportID: "0190b7e4-8c2a-7d3e-9f10-2b3c4d5e6f70",
		Type: EventReportSupervised}
	rep := caseIn(StatusRectifying, CategorySafetyHazard, SeverityGeneral)
	if _, _, err := rules.Apply(rep, supervise, SystemActor(), rep.Deadline); ErrorCode(err) != EPRECONDITION {
		t.Fatalf("escalating at the deadline itself: %v, want EPRECONDITION (not overdue yet)", err)
	}
	if _, _, err := rules.Apply(rep, supervise, supervisor, rep.Deadline.Add(time.Minute)); ErrorCode(err) != EFORBIDDEN {
		t.Fatalf("a supervisor escalating: %v, want EFORBIDDEN", err)
	}
	late := rep.Deadline.Add(time.Minute)
	once, e, err := rules.Apply(rep, supervise, SystemActor(), late)
	if err != nil {
		t.Fatalf("escalating an overdue case: %v", err)
	}
	if once.Status != StatusRectifying || !once.SupervisedAt.Equal(late) || !once.SupervisedDeadline.Equal(rep.Deadline) ||
		e.ActorID != SystemUserID || e.Data.Supervision == nil || !e.Data.Supervision.Deadline.Equal(rep.Deadline) {
		t.Fatalf("after escalation %+v, event %+v", once, e)
	}
	if _, _, err := rules.Apply(once, supervise, SystemActor(), late.Add(time.Hour)); ErrorCode(err) != EPRECONDITION {
		t.Fatalf("escalating twice for one deadline: %v, want EPRECONDITION", err)
	}
	extended := *once
	extended.Deadline = late.Add(24 * time.Hour)
	if _, _, err := rules.Apply(&extended, supervise, SystemActor(), late.Add(time.Hour)); ErrorCode(err) != EPRECONDITION {
		t.Fatalf("escalating before the extended deadline: %v, want EPRECONDITION", err)
	}
	again, _, err := rules.Apply(&extended, supervise, SystemActor(), extended.Deadline.Add(time.Second))
	if err != nil || !again.SupervisedDeadline.Equal(extended.Deadline) {
		t.Fatalf("escalating for the extended deadline passed: %+v, %v", again, err)
	}
}

// TestEveryStepIsTakenByOneAction: the actions cover the closed loop, so
// that a step the table allows is never missing from allowed_actions.
func TestEveryStepIsTakenByOneAction(t *testing.T) {
	takenBy := map[Step]ReportAction{}
	for x := ActionAssign; x <= LastAction; x++ {
		for _, s := range x.Steps() {
			if other, ok := takenBy[s]; ok {
				t.Errorf("step %q is taken by actions %d and %d", s, other, x)
			}
			takenBy[s] = x
		}
	}
	for s := range stepNames {
		if _, ok := takenBy[s]; !ok && !systemSteps[s] {
			t.Errorf("step %q is taken by no action", s)
		}
	}
}

func TestNewSinceIsMidnightYesterdayChinaTime(t *testing.T) {
	for _, tt := range []struct{ now, want string }{
		{"2024-07-12T01:00:00+08:00", "2024-07-11T00:00:00+08:00"},
		{"2024-07-12T23:59:00+08:00", "2024-07-11T00:00:00+08:00"},
		{"2024-07-11T16:30:00Z", "2024-07-11T00:00:00+08:00"}, // 00:30 on the 12th in China
		{"2024-03-01T08:00:00+08:00", "2024-02-29T00:00:00+08:00"},
	} {
		now, _ := time.Parse(time.RFC3339, tt.now)
		want, _ := time.Parse(time.RFC3339, tt.want)
		if got := NewSince(now); !got.Equal(want) {
			t.Errorf("NewSince(%s) = %s, want %s", tt.now, got, tt.want)
		}
	}
}
