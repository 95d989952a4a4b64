package demo

import (
	"context"
	"fmt"

	gi "github.com/gridinspect/gridinspect"
)

// routingSpec is one of the demo office's routing rules (事件分拨).
type routingSpec struct {
	key       string
	name      string
	category  gi.Category
	kind      int
	grid      string // grid key; "" = any
	worker    int    // the grid's worker (index in Grids' order + 1); 0 = none
	unit      string
	days      int
	automatic bool
}

// routingSpecs: water-source risks in 袁塘村 go straight to its worker
// (the backup water source is patrolled weekly, and a risk must be seen
// to within the week); every other case only has a suggestion for the
// supervisor's one-click dispatch.
var routingSpecs = []routingSpec{
	{key: "yuantang-water", name: "袁塘村水源地隐患", category: gi.CategoryWaterSourceRisk, grid: "yuantang", worker: 3,
		days: 7, automatic: true},
	{key: "safety", name: "安全隐患", category: gi.CategorySafetyHazard, unit: "街道安监办"},
	{key: "sand-washing", name: "非法洗沙", category: gi.CategoryPollutingEnterprise, kind: activitySandWashing,
		unit: "街道环保所", days: 15},
	{key: "house-d", name: "D级危房", category: gi.CategoryDangerousHouse, kind: houseGradeD,
		unit: "街道规划建设办", days: 3},
}

// RoutingRules are the demo office's routing rules; a rule that names a
// worker who is not in users (or is disabled) is left out.
func RoutingRules(users map[string]*gi.User) []*gi.RoutingRule {
	var rules []*gi.RoutingRule
	for _, s := range routingSpecs {
		rr := &gi.RoutingRule{ID: demoID("routing-rule/"+s.key, periodEnd), Name: s.name, Category: s.category,
			Kind: s.kind, ResponsibleUnit: s.unit, DeadlineDays: s.days, Automatic: s.automatic}
		if s.grid != "" {
			rr.GridID = gridID(s.grid)
		}
		if s.worker > 0 {
			u := users[workerUsername(s.worker-1)]
			if u == nil || u.Disabled || !u.Actor("demo", "").CanSeeGrid(rr.GridID) {
				continue
			}
			rr.AssigneeID = u.ID
		}
		rules = append(rules, rr)
	}
	return rules
}

// seedRoutingRules sets each demo rule the table does not hold yet (by
// id): one the admin has changed is left as it is (a deleted one comes
// back with the next --demo start). It runs after the demo's cases, which
// are records of the half-year, so that none of them is dispatched by a
// rule.
func seedRoutingRules(ctx context.Context, svc gi.RoutingService, users map[string]*gi.User) error {
	if svc == nil {
		return nil
	}
	have, err := svc.ListRoutingRules(ctx)
	if err != nil {
		return fmt.Errorf("demo: list routing rules: %w", err)
	}
	held := map[string]bool{}
	for _, rr := range have {
		held[rr.ID] = true
	}
	for _, rr := range RoutingRules(users) {
		if held[rr.ID] {
			continue
		}
		if _, err := svc.SetRoutingRule(ctx, rr); err != nil {
			return fmt.Errorf("demo: set routing rule %s: %w", rr.Name, err)
		}
	}
	return nil
}
