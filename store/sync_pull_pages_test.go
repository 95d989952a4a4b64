package store

import (
	"testing"

	"github.com/gridinspect/gridinspect"
)

// TestPull_PageSizeCountsTheThingsAPageHoldsNotTheirChanges: page_size is
// "at most this many changes" of the answer (the proto's Change, one per
// thing). A case with a long timeline is one change however many events
// it brings, so a phone asking for 2 gets 2 cases, each whole, and not a
// page cut in the middle of the first case's timeline (which would send
// that case again, as it is now, on the next page).
func TestPull_PageSizeCountsTheThingsAPageHoldsNotTheirChanges(t *testing.T) {
	db, _ := loopStreet(t)
	ctx := as(worker(gridA))
	start := mustPull(t, db, ctx, "", gridinspect.PullLimits{}).NextCursor
	var ids []string
	for range 3 {
		rep := mustSubmit(t, db, ctx, newReport(inA))
		mustAct(t, db, ctx, comment(rep.ID))
		mustAct(t, db, ctx, comment(rep.ID))
		ids = append(ids, rep.ID)
	}

	page := mustPull(t, db, ctx, start, gridinspect.PullLimits{MaxChanges: 2})
	if len(page.Changes) != 2 || !page.HasMore {
		t.Fatalf("first page: %q, has more %v; want the first two cases and more", pageKeys(page.Changes), page.HasMore)
	}
	for i, c := range page.Changes {
		if c.Report == nil || c.Report.ID != ids[i] || len(c.Events) != 3 {
			t.Fatalf("first page, change %d: %s with %d events; want case %s with its 3 events", i, changeKey(c), len(c.Events), ids[i])
		}
	}
	rest := mustPull(t, db, ctx, page.NextCursor, gridinspect.PullLimits{MaxChanges: 2})
	if len(rest.Changes) != 1 || rest.HasMore || rest.Changes[0].Report == nil || rest.Changes[0].Report.ID != ids[2] || len(rest.Changes[0].Events) != 3 {
		t.Fatalf("second page: %q, has more %v; want the third case with its 3 events, and no more", pageKeys(rest.Changes), rest.HasMore)
	}
}
