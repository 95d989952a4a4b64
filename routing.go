package gridinspect

import (
	"context"
	"strings"
	"time"
)

// Routing rules (事件分拨): the admin's table of who a new case goes to by
// default — a responsible unit, an assignee, a deadline — per category
// (and the category's kind) and grid, and whether the server dispatches
// it on its own.
//
// A rule's key is (category, kind, grid); each part may be left open
// ("any"). A case matches every rule whose set parts equal its own, and
// the most specific of those wins: what the problem is counts before
// where it is, because what decides who must fix it is the trade (a fire
// hazard goes to the safety office whichever village it is in), and the
// grid only narrows that down. From the most specific:
//
//  1. category + kind + grid
//  2. category + kind
//  3. category + grid
//  4. category
//  5. grid
//  6. neither: the street's default
//
// A kind needs its category, and two rules may not share a key, so at
// most one rule of each rank matches and the winner is never a tie. Only
// the winner counts: when it is not automatic, nothing is dispatched on
// its own, even where a less specific rule would have been.

// MaxRoutingRules bounds the table: a street has a few dozen rules.
const MaxRoutingRules = 500

// MaxDeadlineDays bounds a rule's deadline.
const MaxDeadlineDays = 365

// RoutingRule is one row of the routing table.
type RoutingRule struct {
	ID string
	// Name is what people call the rule ("袁塘村水源地"); the timeline's
	// note on an automatic dispatch names the rule by it.
	Name string
	// The key; zero values are "any".
	Category Category
	Kind     int // the category's kind: see Details.Kind
	GridID   string
	// What the rule says: a person and/or a unit, and the deadline in
	// days (0 = the default table's, Rules.DeadlineFor).
	AssigneeID      string
	ResponsibleUnit string
	DeadlineDays    int
	// Automatic: the server dispatches a matching new case on its own,
	// as the system actor.
	Automatic bool

	UpdatedAt time.Time
	UpdatedBy string
}

// Rank is the rule's place in the precedence, 1 (most specific) to 6.
func (rr *RoutingRule) Rank() int {
	switch {
	case rr.Kind != 0 && rr.GridID != "":
		return 1
	case rr.Kind != 0:
		return 2
	case rr.Category != CategoryUnspecified && rr.GridID != "":
		return 3
	case rr.Category != CategoryUnspecified:
		return 4
	case rr.GridID != "":
		return 5
	}
	return 6
}

// SameKey reports whether two rules have the same key.
func (rr *RoutingRule) SameKey(o *RoutingRule) bool {
	return rr.Category == o.Category && rr.Kind == o.Kind && strings.EqualFold(rr.GridID, o.GridID)
}

// Matches reports whether the rule's key covers case r.
func (rr *RoutingRule) Matches(r *Report) bool {
	return (rr.Category == CategoryUnspecified || rr.Category == r.Category) &&
		(rr.Kind == 0 || rr.Kind == r.Details.Kind()) &&
		(rr.GridID == "" || strings.EqualFold(rr.GridID, r.GridID))
}

// MatchRoutingRule returns the rule that decides case r: the most
// specific that matches it, or nil.
func MatchRoutingRule(rules []*RoutingRule, r *Report) *RoutingRule {
	var best *RoutingRule
	for _, rr := range rules {
		if rr.Matches(r) && (best == nil || rr.Rank() < best.Rank()) {
			best = rr
		}
	}
	return best
}

// Kind returns the number of the kind that sorts a case within its
// category: the hazard kind, the polluting activity, the construction's
// kind, the water risk's kind, the house's appraisal grade; 0 for none.
func (d Details) Kind() int {
	switch {
	case d.SafetyHazard != nil:
		return d.SafetyHazard.HazardKind
	case d.PollutingEnterprise != nil:
		return d.PollutingEnterprise.Activity
	case d.IllegalConstruction != nil:
		return d.IllegalConstruction.Kind
	case d.WaterSourceRisk != nil:
		return d.WaterSourceRisk.RiskKind
	case d.DangerousHouse != nil:
		return d.DangerousHouse.AppraisalGrade
	}
	return 0
}

// kindField is the API's name of each category's kind, and its largest
// value.
var kindField = map[Category]struct {
	field string
	max   int
}{
	CategorySafetyHazard:        {"hazard_kind", maxHazardKind},
	CategoryPollutingEnterprise: {"activity", maxPollutingActivity},
	CategoryIllegalConstruction: {"construction_kind", maxConstructionKind},
	CategoryWaterSourceRisk:     {"risk_kind", maxWaterRiskKind},
	CategoryDangerousHouse:      {"appraisal_grade", maxHouseGrade},
}

// KindField returns the API's name of category c's kind, "" for none.
func KindField(c Category) string { return kindField[c].field }

// ValidateRoutingRule checks a rule as given and trims its text. Field
// paths are the API's (rule.…).
func (r Rules) ValidateRoutingRule(rr *RoutingRule) error {
	var v Violations
	rr.Name = strings.TrimSpace(rr.Name)
	rr.ResponsibleUnit = strings.TrimSpace(rr.ResponsibleUnit)
	checkID(&v, "rule.id", rr.ID, false)
	checkText(&v, "rule.name", rr.Name, MaxShortTextRunes, true)
	checkEnum(&v, "rule.category", int(rr.Category), int(CategoryOther), false)
	if rr.Kind != 0 {
		kf, ok := kindField[rr.Category]
		switch {
		case !ok:
			v.AddZh("rule.category", "按细类分拨须先选有细类的类别", "a kind needs a category that has kinds")
		case rr.Kind < 0 || rr.Kind > kf.max:
			v.AddZh("rule."+kf.field, "取值 "+itoa(rr.Kind)+" 无法识别", "has unknown value %d", rr.Kind)
		}
	}
	checkID(&v, "rule.grid_id", rr.GridID, false)
	checkID(&v, "rule.assignee_id", rr.AssigneeID, false)
	checkText(&v, "rule.responsible_unit", rr.ResponsibleUnit, MaxNameRunes, false)
	if rr.AssigneeID == "" && rr.ResponsibleUnit == "" {
		v.AddZh("rule.assignee_id", "须指定派遣的人员或责任单位，或两者都填", "name a person (assignee_id) and/or a unit (responsible_unit)")
	}
	if rr.DeadlineDays < 0 || rr.DeadlineDays > MaxDeadlineDays {
		v.AddZh("rule.deadline_days", "须在 0 到 "+itoa(MaxDeadlineDays)+" 天之间（0 表示按默认期限）",
			"must be between 0 and %d (0 = the default deadline)", MaxDeadlineDays)
	}
	return v.Err("invalid routing rule")
}

// DeadlineFrom returns the deadline of a case of category c and severity
// s dispatched at: days calendar days after it, or, for days = 0, the
// default for the category and severity (DefaultDeadlineAt, on r's
// calendar), with the working days it counts (0 for calendar days).
func (r Rules) DeadlineFrom(at time.Time, c Category, s Severity, days int) (time.Time, int) {
	if days > 0 {
		return at.Add(time.Duration(days) * day), 0
	}
	return r.DefaultDeadlineAt(c, s, at)
}

// DispatchAction is the assignment rule rr makes of case rep, as the
// system takes it on its own: its id is derived from the case's, so a
// case is dispatched by a rule at most once, and its note names the rule.
func (rr *RoutingRule) DispatchAction(rep *Report, id string) *Action {
	return &Action{
		ID: id, ReportID: rep.ID, Type: EventReportAssigned, ExpectedVersion: rep.Version,
		Note: "按分拨规则「" + rr.Name + "」自动派遣（规则 " + rr.ID + "）",
		Data: EventData{Assignment: &Assignment{AssigneeID: rr.AssigneeID, ResponsibleUnit: rr.ResponsibleUnit}},
	}
}

// DispatchSuggestion is what the routing table says for a case.
type DispatchSuggestion struct {
	// Rule is the rule that decides the case; nil when none matches.
	Rule *RoutingRule
	// Assignment is what the rule says, with the deadline counted from
	// now; nil when no rule matches or the rule does not apply.
	Assignment *Assignment
	// NotApplicable says why the rule does not apply to this case (its
	// assignee is gone, disabled or not in the case's grid), in English
	// and Chinese; empty when it applies.
	NotApplicable, NotApplicableChinese string
}

// RoutingService keeps the routing table (admins) and says what it says
// for a case (supervisors).
type RoutingService interface {
	// SetRoutingRule stores a rule: a new one when its id is empty or
	// unknown, else it replaces the rule with that id. Errors: EINVALID
	// (bad field, unknown grid or assignee, an assignee who does not work
	// in the rule's grid), EEXISTS (another rule has the same key),
	// EFORBIDDEN (not an admin).
	SetRoutingRule(ctx context.Context, rr *RoutingRule) (*RoutingRule, error)

	// ListRoutingRules returns every rule, most specific first. Errors:
	// EFORBIDDEN (not an admin).
	ListRoutingRules(ctx context.Context) ([]*RoutingRule, error)

	// DeleteRoutingRule removes a rule. Errors: ENOTFOUND, EFORBIDDEN.
	DeleteRoutingRule(ctx context.Context, id string) error

	// SuggestDispatch says what the table says for a case. Supervisors,
	// within their scope. Errors: ENOTFOUND or EFORBIDDEN.
	SuggestDispatch(ctx context.Context, reportID string) (*DispatchSuggestion, error)
}
