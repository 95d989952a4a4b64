package store

import (
	"testing"

	"github.com/gridinspect/gridinspect"
)

// A stale action that left its deadline to the server (zero: the default)
// is kept on the timeline as a conflict like any other, not refused with
// an internal error: the event's stored data has no year-1 deadline for
// 0006's deadline_set to overflow on.
func TestAct_AStaleActionWithNoDeadlineIsKeptAsAConflict(t *testing.T) {
	db, _ := loopStreet(t)
	rep := mustCaseIn(t, db, gridinspect.StatusReported)
	mustAct(t, db, as(supervisor()), comment(rep.ID)) // the case moves on
	stale := assign(rep.ID, "")                       // no deadline: the default
	stale.ExpectedVersion = rep.Version
	_, e, err := db.Act(as(supervisor()), stale, gridinspect.Online)
	wantCode(t, err, gridinspect.ESTALE)
	if e == nil || !e.Conflict || !e.Data.Assignment.Deadline.IsZero() {
		t.Fatalf("conflict event = %+v, want the dispatch kept as sent", e)
	}
	events := mustTimeline(t, db, rep.ID)
	assertEqual(t, events[len(events)-1], e)
}
