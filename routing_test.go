package gridinspect

import (
	"strings"
	"testing"
	"time"
)

func TestMatchRoutingRule_TheMostSpecificRuleWins(t *testing.T) {
	const grid, other = "0195a0c0-0000-7000-8000-0000000000aa", "0195a0c0-0000-7000-8000-0000000000bb"
	fire := &Report{Category: CategorySafetyHazard, GridID: grid,
		Details: Details{SafetyHazard: &SafetyHazardDetails{HazardKind: 1, PlaceKind: 1}}}
	gas := &Report{Category: CategorySafetyHazard, GridID: grid,
		Details: Details{SafetyHazard: &SafetyHazardDetails{HazardKind: 2, PlaceKind: 1}}}
	water := &Report{Category: CategoryWaterSourceRisk, GridID: other,
		Details: Details{WaterSourceRisk: &WaterSourceRiskDetails{RiskKind: 1}}}
	all := map[string]*RoutingRule{
		"1 category+kind+grid": {Category: CategorySafetyHazard, Kind: 1, GridID: grid},
		"2 category+kind":      {Category: CategorySafetyHazard, Kind: 1},
		"3 category+grid":      {Category: CategorySafetyHazard, GridID: grid},
		"4 category":           {Category: CategorySafetyHazard},
		"5 grid":               {GridID: grid},
		"6 street":             {},
	}
	order := []string{"1 category+kind+grid", "2 category+kind", "3 category+grid", "4 category", "5 grid", "6 street"}
	for i, name := range order {
		if got := all[name].Rank(); got != i+1 {
			t.Errorf("%s: rank = %d, want %d", name, got, i+1)
		}
	}
	for _, tt := range []struct {
		name    string
		report  *Report
		without []string // rules taken out of the table
		want    string   // "" = none matches
	}{
		{"everything in the table: the fire in the grid", fire, nil, "1 category+kind+grid"},
		{"kind anywhere beats category in the grid", fire, []string{"1 category+kind+grid"}, "2 category+kind"},
		{"category in the grid beats category anywhere", fire, order[:2], "3 category+grid"},
		{"category anywhere beats the grid's catch-all", fire, order[:3], "4 category"},
		{"the grid's catch-all beats the street's", fire, order[:4], "5 grid"},
		{"the street's default last", fire, order[:5], "6 street"},
		{"nothing left", fire, order, ""},
		{"another kind skips the kind rules", gas, nil, "3 category+grid"},
		{"another category in another grid: the street's", water, nil, "6 street"},
		{"another category, no default: none", water, order[5:], ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var rules []*RoutingRule
			for _, name := range order {
				if !contains(tt.without, name) {
					rr := *all[name]
					rr.Name = name
					rules = append(rules, &rr)
				}
			}
			got := MatchRoutingRule(rules, tt.report)
			switch {
			case got == nil && tt.want != "":
				t.Fatalf("no rule, want %q", tt.want)
			case got != nil && got.Name != tt.want:
				t.Fatalf("rule %q, want %q", got.Name, tt.want)
			}
		})
	}
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func TestMatchRoutingRule_AGridIDMatchesWhateverItsCase(t *testing.T) {
	r := &Report{Category: CategoryOther, GridID: "0195A0C0-0000-7000-8000-0000000000AA"}
	rr := &RoutingRule{GridID: "0195a0c0-0000-7000-8000-0000000000aa"}
	if !rr.Matches(r) {
		t.Fatal("a grid id in another case does not match")
	}
}

func TestValidateRoutingRule_NamesTheField(t *testing.T) {
	ok := func() *RoutingRule {
		return &RoutingRule{Name: "袁塘村水源地", Category: CategoryWaterSourceRisk, ResponsibleUnit: "街道安监办"}
	}
	for _, tt := range []struct {
		name  string
		edit  func(*RoutingRule)
		field string
	}{
		{"no name", func(r *RoutingRule) { r.Name = " " }, "rule.name"},
		{"nobody to dispatch to", func(r *RoutingRule) { r.ResponsibleUnit = "" }, "rule.assignee_id"},
		{"a kind without a category", func(r *RoutingRule) { r.Category, r.Kind = 0, 1 }, "rule.category"},
		{"a kind the category lacks", func(r *RoutingRule) { r.Kind = 99 }, "rule.risk_kind"},
		{"an unknown category", func(r *RoutingRule) { r.Category = 42 }, "rule.category"},
		{"negative days", func(r *RoutingRule) { r.DeadlineDays = -1 }, "rule.deadline_days"},
		{"too many days", func(r *RoutingRule) { r.DeadlineDays = MaxDeadlineDays + 1 }, "rule.deadline_days"},
		{"a grid that is no id", func(r *RoutingRule) { r.GridID = "袁塘村" }, "rule.grid_id"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rr := ok()
			tt.edit(rr)
			err := DefaultRules.ValidateRoutingRule(rr)
			e, _ := err.(*Error)
			if e == nil || len(e.Fields) == 0 || e.Fields[0].Field != tt.field {
				t.Fatalf("err = %v, want a violation of %s", err, tt.field)
			}
		})
	}
	if err := DefaultRules.ValidateRoutingRule(ok()); err != nil {
		t.Fatalf("a good rule: %v", err)
	}
}

func TestDeadlineFrom_ARulesDaysOverrideTheDefaultTable(t *testing.T) {
	at := time.Date(2025, 3, 14, 1, 30, 0, 0, time.UTC)
	if got, want := first(DefaultRules.DeadlineFrom(at, CategoryWaterSourceRisk, SeverityGeneral, 3)), at.Add(72*time.Hour); !got.Equal(want) {
		t.Errorf("3 days: %v, want %v", got, want)
	}
	d := DefaultRules.DeadlineFor(CategorySafetyHazard, SeverityMajor)
	if got := first(DefaultRules.DeadlineFrom(at, CategorySafetyHazard, SeverityMajor, 0)); !got.Equal(at.Add(d)) {
		t.Errorf("0 days: %v, want the table's %v", got, at.Add(d))
	}
}

func TestDispatchAction_TheNoteNamesTheRule(t *testing.T) {
	rr := &RoutingRule{ID: "0195a0c0-0000-7000-8000-00000000r001", Name: "袁塘村水源地"}
	a := rr.DispatchAction(&Report{ID: "x", Version: 1}, "y")
	if !strings.Contains(a.Note, "袁塘村水源地") || !strings.Contains(a.Note, rr.ID) {
		t.Fatalf("note %q does not name the rule", a.Note)
	}
}

// first is a deadline without its working days.
func first(t time.Time, _ int) time.Time { return t }
