package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"maps"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gridinspect/gridinspect"
)

// Phones, their mutations, and helpers that push them.

const (
	phone1 = "phone-1"
	phone2 = "phone-2"
)

// onDevice returns a logged in on device.
func onDevice(a *gridinspect.Actor, device string) *gridinspect.Actor {
	c := *a
	c.DeviceID = device
	return &c
}

// rawOf returns what the phone pushed, as the server would keep it.
func rawOf(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func reportMutation(seq int64, r *gridinspect.Report) *gridinspect.Mutation {
	return &gridinspect.Mutation{ID: newID(), DeviceSeq: seq, Report: r, Raw: rawOf(r)}
}

func patrolMutation(seq int64, p *gridinspect.Patrol) *gridinspect.Mutation {
	return &gridinspect.Mutation{ID: newID(), DeviceSeq: seq, Patrol: p, Raw: rawOf(p)}
}

func actionMutation(seq int64, a *gridinspect.Action) *gridinspect.Mutation {
	return &gridinspect.Mutation{ID: newID(), DeviceSeq: seq, Action: a, Raw: rawOf(a)}
}

// mustPush pushes ms and fails on an error of the whole batch.
func mustPush(tb testing.TB, db *testDB, ctx context.Context, ms ...*gridinspect.Mutation) ([]*gridinspect.MutationResult, int64) {
	tb.Helper()
	a := gridinspect.ActorFrom(ctx)
	results, highest, err := db.Push(ctx, a.DeviceID, ms)
	if err != nil {
		tb.Fatalf("push: %v", err)
	}
	if len(results) != len(ms) {
		tb.Fatalf("%d results for %d mutations", len(results), len(ms))
	}
	return results, highest
}

// wantOutcome fails unless res has outcome.
func wantOutcome(tb testing.TB, res *gridinspect.MutationResult, outcome gridinspect.MutationOutcome) {
	tb.Helper()
	if res.Outcome != outcome {
		tb.Fatalf("mutation %d: outcome = %v (%q %+v), want %v", res.DeviceSeq, res.Outcome, res.Reason, res.Fields, outcome)
	}
}

// tableCounts returns the number of rows of the tables a push writes.
func tableCounts(tb testing.TB, db *testDB) map[string]int {
	tb.Helper()
	out := map[string]int{}
	for _, table := range []string{"reports", "events", "patrols", "changes", "mutations", "quarantine", "notice_numbers"} {
		out[table] = count(tb, db, table)
	}
	return out
}

func TestPush_EachMutationOfABatchGetsItsOwnResultAndNothingElseChanges(t *testing.T) {
	db, _ := loopStreet(t)
	phone := as(onDevice(worker(gridA), phone1))

	// Before the phone syncs: a report it also sent online, a patrol it
	// pushed before, and a case a supervisor closed while the phone was
	// offline.
	sentOnline := newReport(inA)
	mustSubmit(t, db, as(worker(gridA)), sentOnline)
	pushedBefore := patrolMutation(1, newPatrol())
	mustPush(t, db, phone, pushedBefore)
	closed := mustCaseIn(t, db, gridinspect.StatusClosed)

	fresh := newReport(inA)
	bad := newReport(inA)
	bad.Description = ""
	progressOnClosed := progress(closed.ID)
	progressOnClosed.OccurredAt = t0.Add(-30 * time.Minute) // before the case was closed
	commentOnFresh := comment(fresh.ID)
	before := tableCounts(t, db)

	tests := []struct {
		name  string
		m     *gridinspect.Mutation
		want  gridinspect.MutationOutcome
		check func(t *testing.T, res *gridinspect.MutationResult)
	}{
		{"a mutation pushed before is a duplicate", pushedBefore, gridinspect.OutcomeDuplicate,
			func(t *testing.T, res *gridinspect.MutationResult) {
				if res.Patrol == nil || res.Patrol.ID != pushedBefore.Patrol.ID {
					t.Errorf("patrol = %+v, want the stored one", res.Patrol)
				}
			}},
		{"a new report is applied", reportMutation(2, fresh), gridinspect.OutcomeApplied,
			func(t *testing.T, res *gridinspect.MutationResult) {
				if res.Event == nil || res.Event.ID != fresh.ID || res.Event.Type != gridinspect.EventReportSubmitted {
					t.Errorf("event = %+v, want the submission", res.Event)
				}
				if res.Report == nil || res.Report.ID != fresh.ID || res.Report.Version != 1 {
					t.Errorf("report %+v, want it as submitted", res.Report)
				}
				// Then the comment later in the batch.
				wantStatus(t, mustGetReport(t, db, fresh.ID), gridinspect.StatusReported, 2)
			}},
		{"a report already sent online is a duplicate", reportMutation(3, sentOnline), gridinspect.OutcomeDuplicate,
			func(t *testing.T, res *gridinspect.MutationResult) {
				if res.Report == nil || res.Report.ID != sentOnline.ID {
					t.Errorf("report = %+v, want the stored one", res.Report)
				}
			}},
		{"progress on a case closed meanwhile is a conflict", actionMutation(4, progressOnClosed), gridinspect.OutcomeConflict,
			func(t *testing.T, res *gridinspect.MutationResult) {
				assertEqual(t, res.Report, closed)
				e := res.Event
				if e == nil || !e.Conflict || e.ConflictCode != gridinspect.EPRECONDITION || e.ID != progressOnClosed.ID {
					t.Fatalf("event = %+v, want the conflict", e)
				}
				if !strings.Contains(res.Reason, "CLOSED") {
					t.Errorf("reason %q does not say the case is CLOSED", res.Reason)
				}
				events := mustTimeline(t, db, closed.ID)
				assertEqual(t, events[len(events)-1], e)
			}},
		{"a worker assigning is rejected", actionMutation(5, assign(fresh.ID, "")), gridinspect.OutcomeRejected,
			func(t *testing.T, res *gridinspect.MutationResult) {
				if !strings.Contains(res.Reason, "supervisor") || res.Report != nil || res.Event != nil {
					t.Errorf("result %+v", res)
				}
			}},
		{"an invalid report is rejected with its fields", reportMutation(6, bad), gridinspect.OutcomeRejected,
			func(t *testing.T, res *gridinspect.MutationResult) {
				if len(res.Fields) != 1 || res.Fields[0].Field != "report.description" {
					t.Errorf("fields = %+v, want report.description", res.Fields)
				}
			}},
		{"a comment on the report made earlier in the batch is applied", actionMutation(7, commentOnFresh), gridinspect.OutcomeApplied,
			func(t *testing.T, res *gridinspect.MutationResult) {
				if res.Event == nil || res.Event.ID != commentOnFresh.ID || res.Event.Seq != 2 || res.Report.ID != fresh.ID {
					t.Errorf("result %+v", res)
				}
			}},
	}
	// Sent out of order: the batch applies in device_seq order.
	ms := make([]*gridinspect.Mutation, len(tests))
	for i, tt := range tests {
		ms[len(tests)-1-i] = tt.m
	}
	commits := db.Commits()
	results, highest := mustPush(t, db, phone, ms...)
	if n := db.Commits() - commits; n != 1 {
		t.Errorf("%d commits, want 1", n)
	}
	if highest != 7 {
		t.Errorf("highest device_seq = %d, want 7", highest)
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := results[i]
			if res.MutationID != tt.m.ID || res.DeviceSeq != tt.m.DeviceSeq {
				t.Fatalf("result %d is for %s/%d, want %s/%d", i, res.MutationID, res.DeviceSeq, tt.m.ID, tt.m.DeviceSeq)
			}
			wantOutcome(t, res, tt.want)
			tt.check(t, res)
		})
	}

	t.Run("nothing else changed", func(t *testing.T) {
		after := tableCounts(t, db)
		want := map[string]int{
			"reports":        before["reports"] + 1,    // fresh
			"events":         before["events"] + 3,     // fresh's submission and comment, the conflict
			"patrols":        before["patrols"],        // the duplicate is not stored twice
			"changes":        before["changes"] + 3,    // one per event
			"mutations":      before["mutations"] + 6,  // every new mutation id
			"quarantine":     before["quarantine"] + 2, // the rejected ones
			"notice_numbers": before["notice_numbers"],
		}
		assertEqual(t, after, want)
		got, err := db.GetReport(as(admin()), closed.ID)
		if err != nil {
			t.Fatal(err)
		}
		assertEqual(t, got, closed)
		if bad, err := db.GetReport(as(admin()), bad.ID); err == nil {
			t.Errorf("the rejected report was stored: %+v", bad)
		}
	})

	t.Run("the batch sent again is answered from the ledger with the first outcomes", func(t *testing.T) {
		before, commits := dump(t, db), db.Commits()
		again, highest := mustPush(t, db, phone, ms...)
		if db.Commits() != commits || dump(t, db) != before {
			t.Fatal("sending the batch again wrote something")
		}
		if highest != 7 {
			t.Errorf("highest device_seq = %d, want 7", highest)
		}
		for i, tt := range tests {
			want := tt.want
			if want == gridinspect.OutcomeApplied {
				want = gridinspect.OutcomeDuplicate
			}
			wantOutcome(t, again[i], want)
			if again[i].Reason != results[i].Reason {
				t.Errorf("mutation %d: reason %q, first %q", tt.m.DeviceSeq, again[i].Reason, results[i].Reason)
			}
			assertEqual(t, again[i].Event, results[i].Event)
			assertEqual(t, again[i].Fields, results[i].Fields)
		}
	})
}

func TestPush_TheSameBatchPushedThreeTimesConcurrentlyHasOneEffect(t *testing.T) {
	db, _ := loopStreet(t)
	phone := as(onDevice(worker(gridA), phone1))
	var ms []*gridinspect.Mutation
	seq := int64(0)
	for range 10 {
		r := newReport(inA)
		seq++
		ms = append(ms, reportMutation(seq, r))
		seq++
		ms = append(ms, actionMutation(seq, comment(r.ID)))
	}
	seq++
	ms = append(ms, patrolMutation(seq, newPatrol()))
	before := tableCounts(t, db)

	const pushes = 3
	all := make([][]*gridinspect.MutationResult, pushes)
	var wg sync.WaitGroup
	for i := range pushes {
		wg.Go(func() {
			results, _, err := db.Push(phone, phone1, ms)
			if err != nil {
				t.Error(err)
			}
			all[i] = results
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	for j, m := range ms {
		applied := 0
		for i := range pushes {
			switch all[i][j].Outcome {
			case gridinspect.OutcomeApplied:
				applied++
			case gridinspect.OutcomeDuplicate:
			default:
				t.Fatalf("mutation %d: outcome %v (%s)", m.DeviceSeq, all[i][j].Outcome, all[i][j].Reason)
			}
		}
		if applied != 1 {
			t.Errorf("mutation %d applied %d times, want once", m.DeviceSeq, applied)
		}
	}
	after := tableCounts(t, db)
	want := map[string]int{
		"reports": before["reports"] + 10, "events": before["events"] + 20, "patrols": before["patrols"] + 1,
		"changes": before["changes"] + 21, "mutations": before["mutations"] + 21,
		"quarantine": before["quarantine"], "notice_numbers": before["notice_numbers"],
	}
	assertEqual(t, after, want)
}

func TestPush_ABatchOf500CostsOneCommit(t *testing.T) {
	db, _ := loopStreet(t)
	phone := as(onDevice(worker(gridA), phone1))
	ms := make([]*gridinspect.Mutation, 500)
	for i := range ms {
		ms[i] = reportMutation(int64(i+1), newReport(inA))
	}
	commits := db.Commits()
	start := time.Now()
	results, highest := mustPush(t, db, phone, ms...)
	elapsed := time.Since(start)
	for _, res := range results {
		wantOutcome(t, res, gridinspect.OutcomeApplied)
	}
	if n := db.Commits() - commits; n != 1 {
		t.Errorf("500 mutations cost %d commits, want 1", n)
	}
	if highest != 500 {
		t.Errorf("highest device_seq = %d, want 500", highest)
	}
	t.Logf("500 mutations in %v, %d commit", elapsed, db.Commits()-commits)

	// Sent again, it costs none.
	commits = db.Commits()
	mustPush(t, db, phone, ms...)
	if n := db.Commits() - commits; n != 0 {
		t.Errorf("the batch sent again cost %d commits, want 0", n)
	}
}

func TestPush_TheHighestDeviceSeqIsTheCallersOwnOnTheDevice(t *testing.T) {
	db, _ := loopStreet(t)
	first := as(onDevice(worker(gridA), phone1))
	second := as(onDevice(worker(gridA), phone2))
	// A phone shared by two workers: one outbox per user.
	sharing := as(onDevice(worker2(gridA), phone1))

	steps := []struct {
		name string
		ctx  context.Context
		seqs []int64
		want int64
	}{
		{"an empty batch of a new device", first, nil, 0},
		{"a batch", first, []int64{1, 2, 3}, 3},
		{"a batch below the highest", first, []int64{2}, 3},
		{"another device counts alone", second, []int64{1}, 1},
		{"another user on the same device counts alone", sharing, []int64{1, 2}, 2},
		{"a gap is no matter", first, []int64{10}, 10},
		{"another user's gap is its own", sharing, []int64{1_000_000_000}, 1_000_000_000},
		{"an empty batch says where the device stands", first, nil, 10},
		{"and where the other user on it stands", sharing, nil, 1_000_000_000},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			var ms []*gridinspect.Mutation
			for _, seq := range s.seqs {
				ms = append(ms, reportMutation(seq, newReport(inA)))
			}
			_, highest := mustPush(t, db, s.ctx, ms...)
			if highest != s.want {
				t.Errorf("highest device_seq = %d, want %d", highest, s.want)
			}
		})
	}
}

// mustCreateFailingTrigger makes the insertion of event id fail, as a
// failure on the server's side would.
func mustCreateFailingTrigger(tb testing.TB, db *testDB, id string) {
	tb.Helper()
	stmts := []string{fmt.Sprintf(`CREATE TRIGGER boom BEFORE INSERT ON events WHEN NEW.id = '%s'
		BEGIN SELECT RAISE(ABORT, 'disk on fire'); END`, id)}
	if testEngine == postgres {
		stmts = []string{
			`CREATE FUNCTION boom() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'disk on fire'; END $$`,
			fmt.Sprintf(`CREATE TRIGGER boom BEFORE INSERT ON events FOR EACH ROW WHEN (NEW.id = '%s')
				EXECUTE FUNCTION boom()`, id),
		}
	}
	mustExec(tb, db, stmts...)
}

// mustDropFailingTrigger drops the trigger mustCreateFailingTrigger made.
func mustDropFailingTrigger(tb testing.TB, db *testDB) {
	tb.Helper()
	if testEngine == postgres {
		mustExec(tb, db, "DROP TRIGGER boom ON events")
		return
	}
	mustExec(tb, db, "DROP TRIGGER boom")
}

// mustExec runs statements in one write.
func mustExec(tb testing.TB, db *testDB, stmts ...string) {
	tb.Helper()
	err := db.Write(context.Background(), func(tx *Tx) error {
		for _, stmt := range stmts {
			if _, err := tx.Exec(stmt); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
}

func TestPush_AFailureOnTheServersSideIsAnsweredRetryAndLeavesNothing(t *testing.T) {
	db, _ := loopStreet(t)
	phone := as(onDevice(worker(gridA), phone1))
	ok1, failing, ok2 := newReport(inA), newReport(inA), newReport(inA)
	// The report's row is written, then its submission event fails: the
	// savepoint must take the row back.
	mustCreateFailingTrigger(t, db, failing.ID)
	ms := []*gridinspect.Mutation{reportMutation(1, ok1), reportMutation(2, failing), reportMutation(3, ok2)}
	results, highest := mustPush(t, db, phone, ms...)
	wantOutcome(t, results[0], gridinspect.OutcomeApplied)
	wantOutcome(t, results[1], gridinspect.OutcomeUnspecified)
	wantOutcome(t, results[2], gridinspect.OutcomeApplied)
	if results[1].Reason != "internal error; retry" || strings.Contains(results[1].Reason, "fire") {
		t.Errorf("reason %q", results[1].Reason)
	}
	if highest != 1 {
		t.Errorf("highest device_seq = %d, want 1: the failed mutation must stay in the outbox", highest)
	}
	if _, err := db.GetReport(as(admin()), failing.ID); err == nil {
		t.Error("the failed mutation's report was kept")
	}
	if n := count(t, db, "mutations"); n != 2 {
		t.Errorf("%d ledger rows, want 2: the failed mutation is not recorded", n)
	}
	if n := count(t, db, "quarantine"); n != 0 {
		t.Errorf("%d quarantined, want 0: a failure on the server's side is not the phone's", n)
	}

	// A later push of newer mutations alone must not lift the mark past
	// the one still waiting to be sent again (found by the crash test's
	// review: the ledger's maximum alone would let the phone delete it).
	later := reportMutation(4, newReport(inA))
	if _, highest = mustPush(t, db, phone, later); highest != 1 {
		t.Errorf("highest device_seq = %d after a push without the failed mutation, want 1", highest)
	}
	mustDropFailingTrigger(t, db)
	results, highest = mustPush(t, db, phone, ms...)
	wantOutcome(t, results[0], gridinspect.OutcomeDuplicate)
	wantOutcome(t, results[1], gridinspect.OutcomeApplied)
	wantOutcome(t, results[2], gridinspect.OutcomeDuplicate)
	if highest != 4 {
		t.Errorf("highest device_seq = %d after the retry, want 4", highest)
	}
	if n := count(t, db, "push_retries"); n != 0 {
		t.Errorf("%d pending retries after the retry applied, want 0", n)
	}
}

func TestPush_MutationIDsAndDeviceSeqs(t *testing.T) {
	db, _ := loopStreet(t)
	phone := as(onDevice(worker(gridA), phone1))
	stored := reportMutation(1, newReport(inA))
	mustPush(t, db, phone, stored)

	reused := reportMutation(2, newReport(inA))
	reused.ID = stored.ID
	upper := *stored
	upper.ID = strings.ToUpper(stored.ID)
	noUUID := reportMutation(3, newReport(inA))
	noUUID.ID = "outbox-17"
	twiceA := reportMutation(4, newReport(inA))
	twiceB := reportMutation(4, newReport(inA))
	sameTwice := reportMutation(5, newReport(inA))
	noKind := &gridinspect.Mutation{ID: newID(), DeviceSeq: 6, Raw: []byte{0x0a, 0x00}}
	wire := &gridinspect.Mutation{ID: newID(), DeviceSeq: 7, Raw: []byte("?"),
		Invalid: violationZh("invalid mutation", "submit_report.report.location", "is missing", "缺少位置")}

	tests := []struct {
		name   string
		m      *gridinspect.Mutation
		want   gridinspect.MutationOutcome
		reason string
		field  string
	}{
		{"an id in upper case is the same id", &upper, gridinspect.OutcomeDuplicate, "", ""},
		{"an id used before for other content", reused, gridinspect.OutcomeRejected, "mutation id reused for different content", "mutation_id"},
		{"an id that is no UUID", noUUID, gridinspect.OutcomeRejected, "invalid mutation", "mutation_id"},
		{"the first of two mutations with one device_seq", twiceA, gridinspect.OutcomeApplied, "", ""},
		{"the second of two mutations with one device_seq", twiceB, gridinspect.OutcomeRejected, "device_seq repeats", "device_seq"},
		{"a mutation once", sameTwice, gridinspect.OutcomeApplied, "", ""},
		{"the same mutation twice in a batch", sameTwice, gridinspect.OutcomeDuplicate, "", ""},
		{"a mutation of no kind", noKind, gridinspect.OutcomeRejected, "invalid mutation", "kind"},
		{"a mutation the server found bad on the wire", wire, gridinspect.OutcomeRejected, "invalid mutation", "submit_report.report.location"},
	}
	var ms []*gridinspect.Mutation
	for _, tt := range tests {
		ms = append(ms, tt.m)
	}
	results, _ := mustPush(t, db, phone, ms...)
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := results[i]
			if res.MutationID != tt.m.ID {
				t.Fatalf("result %d is for %s, want %s", i, res.MutationID, tt.m.ID)
			}
			wantOutcome(t, res, tt.want)
			if res.Reason != tt.reason {
				t.Errorf("reason %q, want %q", res.Reason, tt.reason)
			}
			if tt.field != "" && (len(res.Fields) != 1 || res.Fields[0].Field != tt.field) {
				t.Errorf("fields %+v, want %s", res.Fields, tt.field)
			}
		})
	}
	t.Run("the ledger keeps the first content of a reused id", func(t *testing.T) {
		if _, err := db.GetReport(as(admin()), reused.Report.ID); err == nil {
			t.Error("the reused id's report was stored")
		}
		again, _ := mustPush(t, db, phone, stored)
		wantOutcome(t, again[0], gridinspect.OutcomeDuplicate)
	})
	t.Run("what is kept", func(t *testing.T) {
		// stored, twiceA, twiceB, sameTwice, noKind, wire; not the id
		// that is no UUID, nor the reuse.
		if n := count(t, db, "mutations"); n != 6 {
			t.Errorf("%d ledger rows, want 6", n)
		}
		if n := count(t, db, "quarantine"); n != 3 {
			t.Errorf("%d quarantined, want 3", n)
		}
	})
}

func TestPush_ARejectedMutationIsAnsweredTheSameAgainAndQuarantinedOnce(t *testing.T) {
	db, _ := loopStreet(t)
	phone := as(onDevice(worker(gridA), phone1))
	rep := mustCaseIn(t, db, gridinspect.StatusReported)
	m := actionMutation(1, verifyPass(rep.ID))
	first, _ := mustPush(t, db, phone, m)
	wantOutcome(t, first[0], gridinspect.OutcomeRejected)
	for range 2 {
		again, highest := mustPush(t, db, phone, m)
		wantOutcome(t, again[0], gridinspect.OutcomeRejected)
		assertEqual(t, again[0], first[0])
		if highest != 1 {
			t.Errorf("highest device_seq = %d, want 1: a rejected mutation is answered for good", highest)
		}
	}
	if n := count(t, db, "quarantine"); n != 1 {
		t.Errorf("%d quarantined, want 1", n)
	}
	wantStatus(t, mustGetReport(t, db, rep.ID), gridinspect.StatusReported, 1)
}

func mustGetReport(tb testing.TB, db *testDB, id string) *gridinspect.Report {
	tb.Helper()
	r, err := db.GetReport(as(admin()), id)
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

func TestPush_AStaleVersionOfflineIsAConflictKeptOnTheTimeline(t *testing.T) {
	db, _ := loopStreet(t)
	rep := mustCaseIn(t, db, gridinspect.StatusRectifying) // version 3
	phone := as(onDevice(worker(gridA), phone1))
	p := progress(rep.ID)
	p.ExpectedVersion = 2
	results, _ := mustPush(t, db, phone, actionMutation(1, p))
	wantOutcome(t, results[0], gridinspect.OutcomeConflict)
	if results[0].Event.ConflictCode != gridinspect.ESTALE || results[0].Report.Version != 3 {
		t.Errorf("result %+v", results[0])
	}
	events := mustTimeline(t, db, rep.ID)
	assertEqual(t, events[len(events)-1], results[0].Event)
}

func TestPush_ActionsOutsideTheCallersScope(t *testing.T) {
	db, _ := loopStreet(t)
	caseB := mustSubmit(t, db, as(worker(gridB)), newReport(inB))
	phone := as(onDevice(worker(gridA), phone1))
	missing := newID()
	tests := []struct {
		name string
		m    *gridinspect.Mutation
	}{
		{"an action on another grid's case", actionMutation(1, comment(caseB.ID))},
		{"an action on a case that does not exist", actionMutation(2, comment(missing))},
		{"a report in another grid", reportMutation(3, func() *gridinspect.Report {
			r := newReport(inB)
			r.GridID = gridB
			return r
		}())},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			results, _ := mustPush(t, db, phone, tt.m)
			wantOutcome(t, results[0], gridinspect.OutcomeRejected)
			// The same answer whether it exists or not (AIP-211).
			if results[0].Reason != gridinspect.ErrOutOfScope.Message || results[0].Report != nil {
				t.Errorf("result %+v", results[0])
			}
		})
	}
}

func TestPush_RefusedWholeBatches(t *testing.T) {
	db, _ := loopStreet(t)
	phone := onDevice(worker(gridA), phone1)
	many := make([]*gridinspect.Mutation, gridinspect.MaxPushMutations+1)
	for i := range many {
		many[i] = reportMutation(int64(i+1), newReport(inA))
	}
	big := make([]*gridinspect.Mutation, 9)
	for i := range big {
		big[i] = reportMutation(int64(i+1), newReport(inA))
		big[i].Raw = make([]byte, 1<<20)
	}
	tests := []struct {
		name   string
		ctx    context.Context
		device string
		ms     []*gridinspect.Mutation
		code   string
		field  string
	}{
		{"not logged in", context.Background(), phone1, nil, gridinspect.EUNAUTHENTICATED, ""},
		{"no device", as(phone), "", nil, gridinspect.EINVALID, "device_id"},
		{"another device than the session's", as(phone), phone2, nil, gridinspect.EFORBIDDEN, ""},
		{"a session without a device", as(worker(gridA)), phone1, nil, gridinspect.EFORBIDDEN, ""},
		{"too many mutations", as(phone), phone1, many, gridinspect.EINVALID, "mutations"},
		{"too many bytes", as(phone), phone1, big, gridinspect.EINVALID, "mutations"},
		{"a missing mutation", as(phone), phone1, []*gridinspect.Mutation{nil}, gridinspect.EINVALID, "mutations[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			unchanged(t, db, func() {
				_, _, err := db.Push(tt.ctx, tt.device, tt.ms)
				if tt.field != "" {
					wantField(t, err, tt.field)
				} else {
					e := wantCode(t, err, tt.code)
					if tt.code == gridinspect.EFORBIDDEN && !strings.Contains(e.Message, "is not the device this session logged in on") {
						t.Errorf("message %q", e.Message)
					}
				}
			})
		})
	}
}

func TestPush_AMutationRefusedAfterItWroteIsUndoneAloneAndTheRestApply(t *testing.T) {
	db, _ := loopStreet(t)
	phone := as(onDevice(worker(gridA), phone1))
	c := comment(mustCaseIn(t, db, gridinspect.StatusReported).ID)
	mustAct(t, db, as(supervisor()), c)

	first, last := newReport(inA), newReport(inA)
	// A report under the id of an action: refused by the events table's
	// key, once its report row is written.
	taken := newReport(inA)
	taken.ID = c.ID
	before := tableCounts(t, db)
	results, highest := mustPush(t, db, phone,
		reportMutation(1, first), reportMutation(2, taken), reportMutation(3, last))

	wantOutcome(t, results[0], gridinspect.OutcomeApplied)
	wantOutcome(t, results[1], gridinspect.OutcomeRejected)
	wantOutcome(t, results[2], gridinspect.OutcomeApplied)
	if highest != 3 {
		t.Errorf("highest device seq = %d, want 3", highest)
	}
	mustGetReport(t, db, first.ID)
	mustGetReport(t, db, last.ID)
	want := maps.Clone(before)
	want["reports"] += 2
	want["events"] += 2
	want["changes"] += 2
	want["mutations"] += 3
	want["quarantine"]++
	assertEqual(t, tableCounts(t, db), want)
}

// The ledger's content hash is what tells a re-sent mutation from an id
// reused for something else, also across server versions: however the
// server comes by it (a pushed report's is taken from the hash its
// validation made), it must be the mutation's ContentHash.
func TestPush_TheLedgerKeepsEachMutationsContentHash(t *testing.T) {
	db, _ := loopStreet(t)
	phone := as(onDevice(worker(gridA), phone1))

	upper := newReport(inA)
	upper.ID = strings.ToUpper(upper.ID)
	upper.PhotoIDs = []string{} // an empty list hashes like a missing one
	invalid := newReport(inA)
	invalid.Description = ""
	first := newReport(inA)
	tests := []struct {
		name string
		m    *gridinspect.Mutation
	}{
		{"a report", reportMutation(1, first)},
		{"a report with an upper-case id and an empty photo list", reportMutation(2, upper)},
		{"a rejected report", reportMutation(3, invalid)},
		{"a patrol", patrolMutation(4, newPatrol())},
		{"an action", actionMutation(5, comment(first.ID))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mustPush(t, db, phone, tt.m)
			var got *ledgerEntry
			err := db.Read(context.Background(), func(tx *sql.Tx) (err error) {
				got, err = getLedger(tx, gridinspect.DefaultStreet, strings.ToLower(tt.m.ID))
				return err
			})
			switch {
			case err != nil:
				t.Fatal(err)
			case got == nil:
				t.Fatal("no ledger row")
			case got.hash != tt.m.ContentHash():
				t.Errorf("ledger hash = %q, want the mutation's ContentHash %q", got.hash, tt.m.ContentHash())
			}
			// Sent again, it is the same mutation.
			res, _ := mustPush(t, db, phone, tt.m)
			if tt.m != tests[2].m {
				wantOutcome(t, res[0], gridinspect.OutcomeDuplicate)
			}
		})
	}
}
