package store

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gridinspect/gridinspect"
)

// mustSetRule stores a routing rule as the admin.
func mustSetRule(tb testing.TB, db *testDB, rr *gridinspect.RoutingRule) *gridinspect.RoutingRule {
	tb.Helper()
	got, err := db.SetRoutingRule(as(admin()), rr)
	if err != nil {
		tb.Fatalf("set routing rule %s: %v", rr.Name, err)
	}
	return got
}

// autoRule dispatches safety hazards in grid A to assignee automatically,
// with 3 days to fix them.
func autoRule(assigneeID string) *gridinspect.RoutingRule {
	return &gridinspect.RoutingRule{Name: "东村安全隐患", Category: gridinspect.CategorySafetyHazard, GridID: gridA,
		AssigneeID: assigneeID, DeadlineDays: 3, Automatic: true}
}

// wantDispatchedBySystem fails unless the case was dispatched once, by
// the system, by rule rr, with an intact timeline.
func wantDispatchedBySystem(tb testing.TB, db *testDB, reportID string, rr *gridinspect.RoutingRule) {
	tb.Helper()
	got, err := db.GetReport(as(admin()), reportID)
	if err != nil {
		tb.Fatal(err)
	}
	wantStatus(tb, got, gridinspect.StatusAssigned, 2)
	if got.AssigneeID != rr.AssigneeID || !got.Deadline.Equal(t0.Add(time.Duration(rr.DeadlineDays)*24*time.Hour)) {
		tb.Fatalf("assignee, deadline = %s, %v; want %s, %d days from %v", got.AssigneeID, got.Deadline, rr.AssigneeID, rr.DeadlineDays, t0)
	}
	events := mustTimeline(tb, db, reportID)
	if len(events) != 2 {
		tb.Fatalf("%d events, want the submission and one dispatch", len(events))
	}
	e := events[1]
	if e.Type != gridinspect.EventReportAssigned || e.ActorID != gridinspect.SystemUserID {
		tb.Fatalf("event %v by %s, want REPORT_ASSIGNED by the system", e.Type, e.ActorID)
	}
	if !strings.Contains(e.Note, rr.Name) || !strings.Contains(e.Note, rr.ID) {
		tb.Fatalf("note %q does not name rule %q (%s)", e.Note, rr.Name, rr.ID)
	}
}

func TestRouting_AnAutomaticRuleDispatchesANewCaseOnSubmit(t *testing.T) {
	db, zhang := loopStreet(t)
	rr := mustSetRule(t, db, autoRule(zhang.ID))
	r := newReport(inA)
	rep := mustSubmit(t, db, as(worker(gridA)), r)
	wantStatus(t, rep, gridinspect.StatusAssigned, 2)
	wantDispatchedBySystem(t, db, r.ID, rr)

	// A retry stores nothing, so dispatches nothing.
	again, dup, err := db.SubmitReport(as(worker(gridA)), r)
	if err != nil || !dup {
		t.Fatalf("resubmit: dup = %v, err = %v", dup, err)
	}
	wantStatus(t, again, gridinspect.StatusAssigned, 2)
	wantDispatchedBySystem(t, db, r.ID, rr)

	// The system is named on the timeline.
	names, err := db.UserNames(as(supervisor()), []string{gridinspect.SystemUserID})
	if err != nil || names[gridinspect.SystemUserID] != "系统" {
		t.Fatalf("names = %v, %v; want the system named 系统", names, err)
	}

	// A case the rule does not cover is left to the supervisors.
	other := mustSubmit(t, db, as(worker(gridB)), newReport(inB))
	wantStatus(t, other, gridinspect.StatusReported, 1)
}

func TestRouting_AnAutomaticRuleDispatchesAPushedCaseOnceHoweverOftenItIsReplayed(t *testing.T) {
	db, zhang := loopStreet(t)
	rr := mustSetRule(t, db, autoRule(zhang.ID))
	phone := as(onDevice(worker(gridA), "phone-1"))
	r := newReport(inA)
	m := reportMutation(1, r)
	res, _ := mustPush(t, db, phone, m)
	wantOutcome(t, res[0], gridinspect.OutcomeApplied)
	wantStatus(t, res[0].Report, gridinspect.StatusAssigned, 2)
	wantDispatchedBySystem(t, db, r.ID, rr)

	// The same mutation again (the phone never heard back), and the same
	// report under a new mutation id (the outbox was rebuilt).
	res, _ = mustPush(t, db, phone, m)
	wantOutcome(t, res[0], gridinspect.OutcomeDuplicate)
	res, _ = mustPush(t, db, phone, reportMutation(2, r))
	wantOutcome(t, res[0], gridinspect.OutcomeDuplicate)
	wantDispatchedBySystem(t, db, r.ID, rr)

	// The phone's next pull brings the case as dispatched, with the
	// system's event.
	page := mustPull(t, db, phone, "", gridinspect.PullLimits{})
	var pulled *gridinspect.Change
	for _, c := range page.Changes {
		if c.Report != nil && c.Report.ID == r.ID {
			pulled = c
		}
	}
	if pulled == nil || pulled.Report.Status != gridinspect.StatusAssigned ||
		!slices.ContainsFunc(pulled.Events, func(e *gridinspect.Event) bool { return e.ActorID == gridinspect.SystemUserID }) {
		t.Fatalf("pulled %+v, want the case assigned with the system's event", pulled)
	}
}

func TestRouting_ARuleThatIsNotAutomaticOnlySuggests(t *testing.T) {
	db, zhang := loopStreet(t)
	rr := autoRule(zhang.ID)
	rr.Automatic, rr.ResponsibleUnit, rr.DeadlineDays = false, "街道安监办", 0
	rr = mustSetRule(t, db, rr)
	rep := mustSubmit(t, db, as(worker(gridA)), newReport(inA))
	wantStatus(t, rep, gridinspect.StatusReported, 1)

	off := gridinspect.CalendarException{Date: time.Date(2025, 3, 17, 0, 0, 0, 0, gridinspect.ChinaZone), Kind: gridinspect.DayHoliday, Name: "测试放假"}
	if _, err := db.SetCalendarExceptions(as(admin()), 2025, true, []gridinspect.CalendarException{off}, nil); err != nil {
		t.Fatal(err)
	}
	sug, err := db.SuggestDispatch(as(supervisor(gridA)), rep.ID)
	if err != nil {
		t.Fatal(err)
	}
	// The default for a general hazard is 5 working days, on the admin's
	// calendar: Monday 17 March off moves it from Friday 21 to Monday 24.
	want := time.Date(2025, 3, 24, 23, 59, 59, 0, gridinspect.ChinaZone)
	if sug.Rule == nil || sug.Rule.ID != rr.ID || sug.Assignment == nil || sug.NotApplicable != "" {
		t.Fatalf("suggestion = %+v, want rule %s applied", sug, rr.ID)
	}
	if as := sug.Assignment; as.AssigneeID != zhang.ID || as.ResponsibleUnit != "街道安监办" || !as.Deadline.Equal(want) || as.WorkingDays != 5 {
		t.Fatalf("assignment = %+v, want %s, 街道安监办, %v in 5 working days (the default's, on the calendar)", as, zhang.ID, want)
	}
	// Taking the suggestion is an ordinary assignment by the supervisor.
	got, e := mustAct(t, db, as(supervisor(gridA)), assignBy(rep.ID, sug.Assignment.AssigneeID, sug.Assignment.Deadline))
	wantStatus(t, got, gridinspect.StatusAssigned, 2)
	if e.ActorID != supervisorID {
		t.Fatalf("actor = %s, want the supervisor", e.ActorID)
	}

	// No rule: an empty suggestion, not an error.
	case2 := mustSubmit(t, db, as(worker(gridB)), newReport(inB))
	sug, err = db.SuggestDispatch(as(supervisor()), case2.ID)
	if err != nil || sug.Rule != nil || sug.Assignment != nil {
		t.Fatalf("suggestion = %+v, %v; want none", sug, err)
	}
}

func TestRouting_ARuleWhoseAssigneeCannotTakeTheCaseDoesNotApply(t *testing.T) {
	var logged syncBuffer
	clock := &testClock{now: t0}
	opened, err := openTestStore(t, filepath.Join(t.TempDir(), "gridinspect.db"), Options{Now: clock.Now, PasswordParams: testPasswordParams,
		Logger: slog.New(slog.NewTextHandler(&logged, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = opened.Close(context.Background()) })
	db := &testDB{DB: opened, clock: clock}
	mustStreet(t, db)
	zhang := mustCreateUser(t, db, newUser("zhang.san", gridA))
	rr := mustSetRule(t, db, autoRule(zhang.ID))
	// A less specific automatic rule does not stand in for it.
	mustSetRule(t, db, &gridinspect.RoutingRule{Name: "全街默认", ResponsibleUnit: "街道综治办", Automatic: true})
	if _, err := db.DisableUser(as(admin()), zhang.ID); err != nil {
		t.Fatal(err)
	}
	rep := mustSubmit(t, db, as(worker(gridA)), newReport(inA))
	wantStatus(t, rep, gridinspect.StatusReported, 1)
	if n := len(mustTimeline(t, db, rep.ID)); n != 1 {
		t.Fatalf("%d events, want only the submission", n)
	}
	sug, err := db.SuggestDispatch(as(supervisor()), rep.ID)
	if err != nil {
		t.Fatal(err)
	}
	if sug.Rule == nil || sug.Rule.ID != rr.ID || sug.Assignment != nil || sug.NotApplicableChinese == "" {
		t.Fatalf("suggestion = %+v, want rule %s not applicable", sug, rr.ID)
	}
	// The log says which case waits, by which rule, and why.
	if l := logged.String(); !strings.Contains(l, "routing rule not applied") || !strings.Contains(l, rep.ID) ||
		!strings.Contains(l, rr.ID) || !strings.Contains(l, "disabled") {
		t.Fatalf("log:\n%s", l)
	}
}

// syncBuffer is a bytes.Buffer the writer's goroutine may log to while
// the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func TestRouting_OnlyAdminsKeepTheRulesAndOnlySupervisorsAskForSuggestions(t *testing.T) {
	db, zhang := loopStreet(t)
	rr := mustSetRule(t, db, autoRule(zhang.ID))
	rep := mustSubmit(t, db, as(worker(gridB)), newReport(inB))
	for _, a := range []*gridinspect.Actor{worker(gridA), supervisor()} {
		_, err := db.SetRoutingRule(as(a), autoRule(zhang.ID))
		wantCode(t, err, gridinspect.EFORBIDDEN)
		_, err = db.ListRoutingRules(as(a))
		wantCode(t, err, gridinspect.EFORBIDDEN)
		wantCode(t, db.DeleteRoutingRule(as(a), rr.ID), gridinspect.EFORBIDDEN)
	}
	_, err := db.SuggestDispatch(as(worker(gridB)), rep.ID)
	wantCode(t, err, gridinspect.EFORBIDDEN)
	// A supervisor of another grid gets what a missing case gets.
	_, err = db.SuggestDispatch(as(supervisor(gridA)), rep.ID)
	wantCode(t, err, gridinspect.EFORBIDDEN)
}

func TestRouting_TwoRulesWithTheSameKeyAreRefused(t *testing.T) {
	db, zhang := loopStreet(t)
	rr := mustSetRule(t, db, autoRule(zhang.ID))
	clash := autoRule("")
	clash.Name, clash.ResponsibleUnit = "另一条", "街道安监办"
	_, err := db.SetRoutingRule(as(admin()), clash)
	if e := wantCode(t, err, gridinspect.EEXISTS); !strings.Contains(e.Chinese, rr.Name) {
		t.Fatalf("chinese = %q, want it to name %q", e.Chinese, rr.Name)
	}
	// The same rule under its id may change.
	rr.DeadlineDays, rr.Automatic = 5, false
	mustSetRule(t, db, rr)
	// A key that differs in one part is another rule.
	clash.GridID = gridB
	mustSetRule(t, db, clash)
	rules, err := db.ListRoutingRules(as(admin()))
	if err != nil || len(rules) != 2 || rules[0].DeadlineDays != 5 || rules[0].Automatic {
		t.Fatalf("rules = %+v, %v", rules, err)
	}
	if err := db.DeleteRoutingRule(as(admin()), rr.ID); err != nil {
		t.Fatal(err)
	}
	wantCode(t, db.DeleteRoutingRule(as(admin()), rr.ID), gridinspect.ENOTFOUND)
}

func TestRouting_ARulesReferencesAreChecked(t *testing.T) {
	db, zhang := loopStreet(t)
	for _, tt := range []struct {
		name  string
		rule  *gridinspect.RoutingRule
		field string
	}{
		{"no such grid", &gridinspect.RoutingRule{Name: "x", GridID: newID(), ResponsibleUnit: "安监办"}, "rule.grid_id"},
		{"no such user", &gridinspect.RoutingRule{Name: "x", AssigneeID: newID()}, "rule.assignee_id"},
		{"a worker of another grid", &gridinspect.RoutingRule{Name: "x", GridID: gridB, AssigneeID: zhang.ID}, "rule.assignee_id"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := db.SetRoutingRule(as(admin()), tt.rule)
			wantField(t, err, tt.field)
		})
	}
}

// Every new case asks which rule decides it; the cases of one write group
// share one read of the rules (on PostgreSQL each read is a round trip),
// and every case is still routed.
func TestRouting_APushOfManyCasesReadsTheRulesOnceAndRoutesEach(t *testing.T) {
	db, zhang := loopStreet(t)
	rr := mustSetRule(t, db, autoRule(zhang.ID))
	phone := as(onDevice(worker(gridA), "phone-1"))
	var ms []*gridinspect.Mutation
	for i := range 50 {
		ms = append(ms, reportMutation(int64(i+1), newReport(inA)))
	}
	before := routingRuleReads.Load()
	res, _ := mustPush(t, db, phone, ms...)
	reads := routingRuleReads.Load() - before
	for i, r := range res {
		wantOutcome(t, r, gridinspect.OutcomeApplied)
		wantDispatchedBySystem(t, db, ms[i].Report.ID, rr)
	}
	if reads != 1 {
		t.Fatalf("one push of %d cases read the routing rules %d times, want once", len(ms), reads)
	}
}
