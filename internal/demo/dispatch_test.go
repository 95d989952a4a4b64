package demo

import (
	"testing"

	gi "github.com/gridinspect/gridinspect"
)

// TestSeed_TwoDispatchedCasesAreOverdueAndEscalated: a new demo street
// has cases for `gridctl open --supervised` — two dispatched in June 2024
// by the supervisor, overdue by any clock Seed runs at, which the server's
// first look escalates to supervision (督办), once.
func TestSeed_TwoDispatchedCasesAreOverdueAndEscalated(t *testing.T) {
	s := mustOpen(t)
	mustSeed(t, s)
	st := read(t, s)
	supervisor := st.users[supervisorUsername]
	for _, d := range dispatchSpecs {
		rs := reportSpecByKey(d.report)
		r := st.reports[reportID(rs)]
		if r == nil || r.Status != gi.StatusAssigned || r.ResponsibleUnit != d.unit || !r.Overdue(testNow) {
			t.Fatalf("%s = %+v; want assigned to %s and overdue", d.report, r, d.unit)
		}
		if want := gi.EndOfChinaDay(d.deadline); !r.Deadline.Equal(want) {
			t.Errorf("%s: deadline %v, want %v", d.report, r.Deadline, want)
		}
		if worker := gridWorker(st.users, rs.grid); d.worker && r.AssigneeID != worker.ID {
			t.Errorf("%s: assignee %s, want %s, the worker of its grid", d.report, r.AssigneeID, worker.Username)
		}
		events, _, err := s.GetTimeline(adminContext(), r.ID)
		if err != nil || len(events) != 2 || events[1].ActorID != supervisor.ID || !events[1].OccurredAt.Equal(d.at) {
			t.Fatalf("%s: timeline %d events, %v; want the supervisor's dispatch at %v", d.report, len(events), err, d.at)
		}
	}

	for i, want := range []int{len(dispatchSpecs), 0} {
		n, err := s.SuperviseOverdue(adminContext())
		if err != nil || n != want {
			t.Fatalf("look %d: escalated %d, %v; want %d", i+1, n, err, want)
		}
	}
	supervised, _, err := s.ListReports(adminContext(), gi.ReportFilter{SupervisedOnly: true, OpenOnly: true, PageSize: 100})
	if err != nil || len(supervised) != len(dispatchSpecs) {
		t.Fatalf("supervised cases = %d, %v; want %d", len(supervised), err, len(dispatchSpecs))
	}

	// A restart with --demo after the escalation writes nothing.
	rows := rowCounts(t, s)
	mustSeed(t, s)
	if after := rowCounts(t, s); after["events"] != rows["events"] || after["reports"] != rows["reports"] {
		t.Errorf("reseeding changed row counts from %v to %v", rows, after)
	}
}
