package store

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/gridinspect/gridinspect"
)

// supervisions returns the escalations on a case's timeline.
func supervisions(tb testing.TB, db *testDB, reportID string) []*gridinspect.Event {
	tb.Helper()
	var out []*gridinspect.Event
	for _, e := range mustTimeline(tb, db, reportID) {
		if e.Type == gridinspect.EventReportSupervised {
			out = append(out, e)
		}
	}
	return out
}

func mustSupervise(tb testing.TB, db *testDB) int {
	tb.Helper()
	n, err := db.SuperviseOverdue(context.Background())
	if err != nil {
		tb.Fatalf("supervise: %v", err)
	}
	return n
}

// TestSupervision_AnOverdueCaseIsEscalatedOncePerDeadlineAcrossRestarts:
// the server escalates exactly the cases ASSIGNED or RECTIFYING past
// their deadline (ListReports' overdue_only), each once, as the system;
// running again — after a restart, or two rounds at once — escalates
// nothing twice; a deadline extended and passed again escalates again.
func TestSupervision_AnOverdueCaseIsEscalatedOncePerDeadlineAcrossRestarts(t *testing.T) {
	db, _ := loopStreet(t)
	soon := db.clock.Now().Add(24 * time.Hour)
	overdue := map[string]bool{}
	var all []string
	for _, st := range []gridinspect.Status{gridinspect.StatusAssigned, gridinspect.StatusRectifying} {
		rep := mustSubmit(t, db, as(worker(gridA)), newReport(inA))
		mustAct(t, db, as(supervisor()), assignBy(rep.ID, "", soon))
		if st == gridinspect.StatusRectifying {
			mustAct(t, db, as(worker(gridA)), progress(rep.ID))
		}
		overdue[rep.ID] = true
		all = append(all, rep.ID)
	}
	later := mustSubmit(t, db, as(worker(gridA)), newReport(inA))
	mustAct(t, db, as(supervisor()), assignBy(later.ID, "", soon.Add(30*24*time.Hour)))
	awaiting := mustSubmit(t, db, as(worker(gridA)), newReport(inA))
	mustAct(t, db, as(supervisor()), assignBy(awaiting.ID, "", soon))
	mustAct(t, db, as(worker(gridA)), rectify(awaiting.ID, gridinspect.DispositionRectified, 0))
	all = append(all, later.ID, awaiting.ID, mustCaseIn(t, db, gridinspect.StatusReported).ID,
		mustCaseIn(t, db, gridinspect.StatusClosed).ID)

	if n := mustSupervise(t, db); n != 0 {
		t.Fatalf("%d escalated before any deadline passed", n)
	}
	db.clock.Add(2 * 24 * time.Hour)
	listed, _, err := db.ListReports(as(supervisor()), gridinspect.ReportFilter{OverdueOnly: true})
	if err != nil || len(listed) != len(overdue) {
		t.Fatalf("overdue_only lists %d, %v; want %d", len(listed), err, len(overdue))
	}
	var wg sync.WaitGroup
	counts := make([]int, 2)
	for i := range counts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			counts[i] = mustSupervise(t, db)
		}()
	}
	wg.Wait()
	if counts[0]+counts[1] != len(overdue) {
		t.Fatalf("two rounds at once escalated %v, want %d in all", counts, len(overdue))
	}
	db = mustReopen(t, db)
	if n := mustSupervise(t, db); n != 0 {
		t.Fatalf("%d escalated again after a restart", n)
	}
	for _, id := range all {
		got := supervisions(t, db, id)
		want := 0
		if overdue[id] {
			want = 1
		}
		if len(got) != want {
			t.Fatalf("case %s: %d escalations, want %d", id, len(got), want)
		}
		rep, err := db.GetReport(as(admin()), id)
		if err != nil {
			t.Fatal(err)
		}
		if want == 1 {
			e := got[0]
			if e.ActorID != gridinspect.SystemUserID || e.StatusBefore != e.StatusAfter || e.Version != rep.Version ||
				!e.Data.Supervision.Deadline.Equal(soon) || !rep.SupervisedAt.Equal(db.clock.Now()) {
				t.Errorf("escalation %+v of %+v", e, rep)
			}
		} else if !rep.SupervisedAt.IsZero() {
			t.Errorf("case %s (%s) supervised at %v", id, rep.Status, rep.SupervisedAt)
		}
	}
	listed, _, err = db.ListReports(as(supervisor()), gridinspect.ReportFilter{SupervisedOnly: true})
	if err != nil || len(listed) != len(overdue) {
		t.Fatalf("supervised_only lists %d, %v; want %d", len(listed), err, len(overdue))
	}

	// An extension is a new promise: broken again, escalated again, once.
	id := all[0]
	mustAct(t, db, as(supervisor()), extend(id, db.clock.Now().Add(24*time.Hour)))
	if n := mustSupervise(t, db); n != 0 {
		t.Fatalf("%d escalated before the extended deadline", n)
	}
	db.clock.Add(2 * 24 * time.Hour)
	if n := mustSupervise(t, db); n != 1 {
		t.Fatalf("%d escalated after the extended deadline passed, want 1", n)
	}
	mustSupervise(t, db)
	if got := supervisions(t, db, id); len(got) != 2 {
		t.Fatalf("%d escalations after the extension passed, want 2", len(got))
	}
}

// TestSupervision_TheLoopRunsUntilItsContextEnds: RunSupervision
// escalates without being asked and returns when told to stop.
func TestSupervision_TheLoopRunsUntilItsContextEnds(t *testing.T) {
	db, _ := loopStreet(t)
	rep := mustSubmit(t, db, as(worker(gridA)), newReport(inA))
	mustAct(t, db, as(supervisor()), assignBy(rep.ID, "", db.clock.Now().Add(time.Hour)))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		db.RunSupervision(ctx, time.Millisecond)
	}()
	db.clock.Add(2 * time.Hour)
	for wait := time.Now().Add(10 * time.Second); len(supervisions(t, db, rep.ID)) == 0; time.Sleep(2 * time.Millisecond) {
		if time.Now().After(wait) {
			t.Fatal("the loop did not escalate the overdue case")
		}
	}
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the loop did not stop")
	}
}

// TestAct_ReassignAndUrge: a re-dispatch must name an assignee who works
// in the case's grid and someone other than who has it; a worker may
// neither re-dispatch nor urge.
func TestAct_ReassignAndUrge(t *testing.T) {
	db, zhang := loopStreet(t)
	rep := mustCaseIn(t, db, gridinspect.StatusAssigned)
	outsider := mustCreateUser(t, db, newUser("li.si", gridB))
	unchanged(t, db, func() {
		_, _, err := db.Act(as(supervisor()), reassign(rep.ID, outsider.ID, ""), gridinspect.Online)
		wantCode(t, err, gridinspect.EINVALID)
		_, _, err = db.Act(as(supervisor()), reassign(rep.ID, "", "鑫达建材厂"), gridinspect.Online)
		wantCode(t, err, gridinspect.EINVALID) // the same unit, nobody new
		_, _, err = db.Act(as(worker(gridA)), reassign(rep.ID, zhang.ID, ""), gridinspect.Online)
		wantCode(t, err, gridinspect.EFORBIDDEN)
		_, _, err = db.Act(as(worker(gridA)), urge(rep.ID), gridinspect.Online)
		wantCode(t, err, gridinspect.EFORBIDDEN)
	})
	got, e := mustAct(t, db, as(supervisor()), reassign(rep.ID, zhang.ID, ""))
	if got.AssigneeID != zhang.ID || got.ResponsibleUnit != "" || got.ReassignCount != 1 ||
		e.Data.Reassignment.PreviousResponsibleUnit != "鑫达建材厂" || e.Data.Reassignment.AssigneeID != zhang.ID {
		t.Errorf("re-dispatched %+v, event %+v", got, e.Data.Reassignment)
	}
	got, e = mustAct(t, db, as(supervisor()), urge(rep.ID))
	if got.UrgeCount != 1 || e.Data.Urging.AssigneeID != zhang.ID || e.Note != "请于期限前整改到位" {
		t.Errorf("urged %+v, event %+v", got, e)
	}
}
