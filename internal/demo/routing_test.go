package demo

import (
	"testing"
	"time"

	"github.com/google/uuid"

	gi "github.com/gridinspect/gridinspect"
)

// TestSeed_RoutingRules: the demo office keeps a few routing rules; a new
// water-source risk in 袁塘村 goes to its worker on its own, by the
// system, with seven days; a safety hazard waits for the supervisor, with
// 街道安监办 suggested. The half-year's cases were not touched by them.
func TestSeed_RoutingRules(t *testing.T) {
	s := mustOpen(t)
	mustSeed(t, s)
	st := read(t, s)
	for _, r := range st.reports {
		if r.Status != gi.StatusAssigned {
			continue
		}
		// The supervisor dispatched dispatchSpecs' cases; no rule did.
		events, _, err := s.GetTimeline(adminContext(), r.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range events {
			if e.Type == gi.EventReportAssigned && e.ActorID == gi.SystemUserID {
				t.Fatalf("demo case %s was dispatched by a rule", r.ID)
			}
		}
	}
	rules, err := s.ListRoutingRules(adminContext())
	if err != nil || len(rules) != len(routingSpecs) {
		t.Fatalf("rules = %d, %v; want %d", len(rules), err, len(routingSpecs))
	}

	worker := st.users[workerUsername(2)] // 袁塘村's
	wctx := gi.NewContext(adminContext(), worker.Actor("demo", ""))
	water := st.subjects[subjectID("yuantang-water")]
	risk := &gi.Report{ID: uuid.Must(uuid.NewV7()).String(), Category: gi.CategoryWaterSourceRisk, Severity: gi.SeverityGeneral,
		Description: "水源地一级保护区内有人倾倒生活垃圾", Location: water.Location, SubjectID: water.ID,
		ObservedAt: testNow.Add(-time.Hour), Details: gi.Details{WaterSourceRisk: &gi.WaterSourceRiskDetails{RiskKind: 2}}}
	got, _, err := s.SubmitReport(wctx, risk)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != gi.StatusAssigned || got.AssigneeID != worker.ID || !got.Deadline.Equal(testNow.Add(7*24*time.Hour)) {
		t.Fatalf("water risk: %v to %s until %v; want assigned to %s for 7 days", got.Status, got.AssigneeID, got.Deadline, worker.Username)
	}
	events, _, err := s.GetTimeline(adminContext(), got.ID)
	if err != nil || len(events) != 2 || events[1].ActorID != gi.SystemUserID {
		t.Fatalf("timeline = %d events, %v; want the dispatch by the system", len(events), err)
	}

	hazard := &gi.Report{ID: uuid.Must(uuid.NewV7()).String(), Category: gi.CategorySafetyHazard, Severity: gi.SeverityGeneral,
		Description: "农家乐厨房燃气软管老化", Location: water.Location, ObservedAt: testNow.Add(-time.Hour),
		Details: gi.Details{SafetyHazard: &gi.SafetyHazardDetails{HazardKind: 2, PlaceKind: 2}}}
	got, _, err = s.SubmitReport(wctx, hazard)
	if err != nil || got.Status != gi.StatusReported {
		t.Fatalf("hazard: %v, %v; want REPORTED", got.Status, err)
	}
	sug, err := s.SuggestDispatch(adminContext(), got.ID)
	if err != nil || sug.Assignment == nil || sug.Assignment.ResponsibleUnit != "街道安监办" {
		t.Fatalf("suggestion = %+v, %v; want 街道安监办", sug, err)
	}
}
