package store

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"github.com/gridinspect/gridinspect"
)

func TestGetTimeline_ScopedLikeGetReport(t *testing.T) {
	db, _ := loopStreet(t)
	rep := mustCaseIn(t, db, gridinspect.StatusRectifying)

	events, intact, err := db.GetTimeline(as(worker(gridA)), strings.ToUpper(rep.ID))
	if err != nil || !intact || len(events) != 3 {
		t.Fatalf("timeline: %d events, intact %v, %v; want 3, true", len(events), intact, err)
	}
	_, _, errOther := db.GetTimeline(as(worker(gridB)), rep.ID)
	_, _, errMissing := db.GetTimeline(as(worker(gridB)), newID())
	assertEqual(t, errOther, errMissing)
	assertEqual(t, errOther, error(gridinspect.ErrOutOfScope))
	_, _, err = db.GetTimeline(as(admin()), newID())
	wantCode(t, err, gridinspect.ENOTFOUND)
	_, _, err = db.GetTimeline(context.Background(), rep.ID)
	wantCode(t, err, gridinspect.EUNAUTHENTICATED)
}

// The events table refuses updates and deletes, so the only way to alter
// history is to go around the store: open the file, drop the trigger,
// edit, and put the trigger back. The hash chain still tells.
func TestGetTimeline_TamperingIsDetected(t *testing.T) {
	db, _ := loopStreet(t)
	rep := mustCaseIn(t, db, gridinspect.StatusRectifying)
	stale := comment(rep.ID)
	stale.ExpectedVersion = 1
	if _, _, err := db.Act(as(supervisor()), stale, gridinspect.Online); gridinspect.ErrorCode(err) != gridinspect.ESTALE {
		t.Fatalf("err = %v, want a stale conflict on the timeline", err)
	}
	mustAct(t, db, as(worker(gridA)), rectify(rep.ID, 0, 0))
	events := mustTimeline(t, db, rep.ID)
	if len(events) != 5 {
		t.Fatalf("%d events, want 5", len(events))
	}
	forged := events[2] // the progress recorded by the worker

	raw, err := sql.Open("sqlite3", db.Path()+"?_busy_timeout=5000")
	stmts := []string{
		"DROP TRIGGER events_immutable_update",
		"UPDATE events SET note = '整改完毕' WHERE id = '" + forged.ID + "'",
		`CREATE TRIGGER events_immutable_update BEFORE UPDATE ON events
		BEGIN
			SELECT RAISE(ABORT, 'events are immutable');
		END`,
	}
	if testEngine == postgres {
		raw, err = sql.Open("pgx", db.Path())
		stmts = []string{
			"ALTER TABLE events DISABLE TRIGGER events_immutable_update",
			stmts[1],
			"ALTER TABLE events ENABLE TRIGGER events_immutable_update",
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	raw.SetMaxOpenConns(1)
	for _, stmt := range stmts {
		if _, err := raw.Exec(stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}

	got, intact, err := db.GetTimeline(as(admin()), rep.ID)
	if err != nil {
		t.Fatal(err)
	}
	if intact {
		t.Fatal("chain intact after a note was edited behind the store's back")
	}
	if got[2].Note != "整改完毕" {
		t.Fatalf("note = %q: the edit did not take", got[2].Note)
	}
	if ok, bad := gridinspect.VerifyChain(got); ok || bad != 3 {
		t.Errorf("VerifyChain = %v, %d; want the edited event, seq 3", ok, bad)
	}
	err = db.Write(context.Background(), func(tx *Tx) error {
		_, err := tx.Exec("UPDATE events SET note = '' WHERE id = ?", forged.ID)
		return err
	})
	if err == nil || !strings.Contains(err.Error(), "events are immutable") {
		t.Errorf("with the trigger back, an update is %v; want refused", err)
	}
}
