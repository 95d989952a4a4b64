package store

import (
	"testing"
	"time"

	"github.com/gridinspect/gridinspect"
)

func returnForMore(reportID string, wants ...gridinspect.ReturnWant) *gridinspect.Action {
	a := newAction(reportID, gridinspect.EventReportReturned, gridinspect.EventData{Return: &gridinspect.ReturnRequest{Wants: wants}})
	a.Note = "请补充现场照片"
	return a
}

func supplement(reportID, description string) *gridinspect.Action {
	return newAction(reportID, gridinspect.EventReportSupplemented, gridinspect.EventData{
		Supplement: &gridinspect.Supplement{Description: description}})
}

// TestSummary_AReturnedCaseCountsOnceAndItsReturnsInTheirPeriod: a case
// returned for more (退回补充) stays REPORTED, so it is reported and open
// once however often it goes back and forth; its returns and supplements
// count in the period they happened, by grid; a supplement kept as a
// conflict counts nothing.
func TestSummary_AReturnedCaseCountsOnceAndItsReturnsInTheirPeriod(t *testing.T) {
	st := newStatsStreet(t)
	ctx := as(admin())
	a := st.hazard(t, date(3, 2, 9))
	b := st.submit(t, st.report(gridinspect.CategorySafetyHazard, inB, date(3, 2, 10)))
	st.do(t, returnForMore(a.ID, gridinspect.ReturnWantPhoto), date(3, 3, 9))
	st.do(t, returnForMore(b.ID, gridinspect.ReturnWantAddress), date(3, 4, 9))
	st.do(t, supplement(a.ID, "楼道共三层"), date(5, 5, 9))
	st.do(t, returnForMore(a.ID, gridinspect.ReturnWantDescription), date(5, 6, 9))
	if got := st.do(t, supplement(a.ID, "已核实门牌"), date(5, 7, 9)); got.Version != 5 || got.Waiting() ||
		got.Description != a.Description+"\n补充：楼道共三层\n补充：已核实门牌" || got.ReturnCount != 2 {
		t.Fatalf("after two returns and supplements: %+v", got)
	}
	// An offline phone's late answer: kept on the timeline as a conflict.
	late := supplement(a.ID, "再补一句")
	late.OccurredAt = date(5, 8, 9)
	if _, e, err := st.Act(ctx, late, gridinspect.Offline); gridinspect.ErrorCode(err) != gridinspect.EPRECONDITION || e == nil || !e.Conflict {
		t.Fatalf("a supplement of a case not returned, offline: %v, %+v", err, e)
	}

	for _, tt := range []struct {
		what     string
		from, to time.Time
		want     gridinspect.LoopSummary
	}{
		{"march", march[0], march[1], gridinspect.LoopSummary{Reported: 2, Open: 2, Returned: 2}},
		{"may", may[0], may[1], gridinspect.LoopSummary{Open: 2, Returned: 1, Supplemented: 2}},
		{"half-year", h1From, h1To, gridinspect.LoopSummary{Reported: 2, Open: 2, Returned: 3, Supplemented: 2}},
	} {
		wantLoop(t, tt.what, mustSummary(t, st.testDB, ctx, tt.from, tt.to).Loop, tt.want)
	}
	s := mustSummary(t, st.testDB, ctx, h1From, h1To)
	if s.ByGrid[gridA].Returned != 2 || s.ByGrid[gridB].Returned != 1 || s.ByGrid[gridB].Supplemented != 0 ||
		s.ByCategory[gridinspect.CategorySafetyHazard].Returned != 3 {
		t.Errorf("by grid %+v, by category %+v", s.ByGrid, s.ByCategory)
	}
	if onlyA := mustSummary(t, st.testDB, as(supervisor(gridA)), h1From, h1To); onlyA.Loop.Returned != 2 || onlyA.Loop.Supplemented != 2 {
		t.Errorf("supervisor of A: %+v", onlyA.Loop)
	}

	// Only b still waits; the queue to dispatch is a alone.
	list := func(f gridinspect.ReportFilter) []string {
		t.Helper()
		reports, _, err := st.ListReports(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, r := range reports {
			ids = append(ids, r.ID)
		}
		return ids
	}
	if got := list(gridinspect.ReportFilter{ReturnedOnly: true}); len(got) != 1 || got[0] != b.ID {
		t.Errorf("returned_only = %v, want b", got)
	}
	if got := list(gridinspect.ReportFilter{Statuses: []gridinspect.Status{gridinspect.StatusReported}, HideReturned: true}); len(got) != 1 || got[0] != a.ID {
		t.Errorf("REPORTED and hide_returned = %v, want a", got)
	}
	if got := list(gridinspect.ReportFilter{OpenOnly: true}); len(got) != 2 {
		t.Errorf("open_only = %v, want both", got)
	}
	if _, _, err := st.ListReports(ctx, gridinspect.ReportFilter{ReturnedOnly: true, HideReturned: true}); gridinspect.ErrorCode(err) != gridinspect.EINVALID {
		t.Errorf("returned_only with hide_returned: %v, want EINVALID", err)
	}
}
