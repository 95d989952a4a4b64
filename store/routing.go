package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/google/uuid"

	"github.com/gridinspect/gridinspect"
)

// The routing table (事件分拨): the rules live in routing_rules
// (migrations/0016_routing_rules.sql); which rule decides a case is the
// domain's (gridinspect.MatchRoutingRule). A new case whose rule is
// automatic is dispatched in the transaction that stores it, by the
// system actor, so that a replayed submission (which stores nothing)
// never dispatches again.

const routingRuleColumns = `id, name, category, kind, grid_id, coalesce(assignee_id, ''), responsible_unit,
	deadline_days, automatic, updated_at, updated_by`

// dispatchNamespace makes the id of a case's automatic dispatch from the
// case's id (UUIDv5), so that the event can exist once per case.
var dispatchNamespace = uuid.MustParse("6f1c3c52-6a0e-4c53-9c0b-7c1f0d6f2a15")

// requireRulesAdmin refuses anyone but an admin the routing table, saying
// so in Chinese too.
func requireRulesAdmin(ctx context.Context) error {
	if err := requireAdmin(ctx, "keep the routing rules"); gridinspect.ErrorCode(err) == gridinspect.EFORBIDDEN {
		return gridinspect.Errorf(gridinspect.EFORBIDDEN, "only an admin may keep the routing rules").Zh("只有管理员可以管理分拨规则")
	} else if err != nil {
		return err
	}
	return nil
}

// SetRoutingRule stores a rule. See gridinspect.RoutingService.
func (db *DB) SetRoutingRule(ctx context.Context, in *gridinspect.RoutingRule) (*gridinspect.RoutingRule, error) {
	if err := requireRulesAdmin(ctx); err != nil {
		return nil, err
	}
	a, _ := gridinspect.RequireActor(ctx)
	if in == nil {
		return nil, gridinspect.Errorf(gridinspect.EINVALID, "rule is required")
	}
	rr := *in
	if err := db.rules.ValidateRoutingRule(&rr); err != nil {
		return nil, err
	}
	rr.ID, rr.GridID, rr.AssigneeID = strings.ToLower(rr.ID), strings.ToLower(rr.GridID), strings.ToLower(rr.AssigneeID)
	if rr.ID == "" {
		id, err := uuid.NewV7()
		if err != nil {
			return nil, fmt.Errorf("store: make a rule id: %w", err)
		}
		rr.ID = id.String()
	}
	err := db.Write(ctx, func(tx *Tx) error {
		if err := checkRuleRefs(tx, a.Street(), &rr); err != nil {
			return err
		}
		var other string
		err := tx.QueryRow("SELECT name FROM routing_rules WHERE street_id = ? AND category = ? AND kind = ? AND grid_id = ? AND id <> ?",
			tx.Street, rr.Category, rr.Kind, rr.GridID, rr.ID).Scan(&other)
		switch {
		case err == nil:
			return gridinspect.Errorf(gridinspect.EEXISTS,
				"another routing rule (%q) has the same category, kind and grid", other).Zh(
				"已有同一类别、细类和网格的分拨规则「%s」，请修改那条规则", other)
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
		var n int
		if err := tx.QueryRow("SELECT count(*) FROM routing_rules WHERE street_id = ? AND id <> ?", tx.Street, rr.ID).Scan(&n); err != nil {
			return err
		}
		if n >= gridinspect.MaxRoutingRules {
			return gridinspect.Errorf(gridinspect.EINVALID, "there are already %d routing rules, the most kept",
				gridinspect.MaxRoutingRules).Zh("分拨规则已达上限 %d 条", gridinspect.MaxRoutingRules)
		}
		rr.UpdatedAt, rr.UpdatedBy = tx.Now, a.UserID
		tx.rulesWritten()
		_, err = tx.Exec(`INSERT INTO routing_rules (street_id, id, name, category, kind, grid_id, assignee_id, responsible_unit,
			deadline_days, automatic, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (street_id, id) DO UPDATE SET name = excluded.name, category = excluded.category, kind = excluded.kind,
			grid_id = excluded.grid_id, assignee_id = excluded.assignee_id, responsible_unit = excluded.responsible_unit,
			deadline_days = excluded.deadline_days, automatic = excluded.automatic, updated_at = excluded.updated_at,
			updated_by = excluded.updated_by`,
			tx.Street, rr.ID, rr.Name, rr.Category, rr.Kind, rr.GridID, nullString(rr.AssigneeID), rr.ResponsibleUnit,
			rr.DeadlineDays, boolInt(rr.Automatic), rr.UpdatedAt.UnixNano(), rr.UpdatedBy)
		return err
	})
	if err != nil {
		return nil, domainErr(err, "set routing rule %s", rr.ID)
	}
	return &rr, nil
}

// checkRuleRefs checks what a rule refers to: its grid must exist, and
// its assignee must be an enabled user who works in the rule's grid (in
// some grid, for a rule of any grid).
func checkRuleRefs(q queryer, street int64, rr *gridinspect.RoutingRule) error {
	if rr.GridID != "" {
		ok, err := gridExists(q, street, rr.GridID)
		if err != nil {
			return err
		}
		if !ok {
			return violationZh("invalid routing rule", "rule.grid_id", "no such grid", "网格不存在")
		}
	}
	if rr.AssigneeID != "" {
		var ok bool
		var err error
		if rr.GridID != "" {
			ok, err = canBeAssigned(q, street, rr.AssigneeID, rr.GridID)
		} else {
			err = q.QueryRow("SELECT EXISTS (SELECT 1 FROM users WHERE street_id = ? AND id = ? AND disabled = 0)", street, rr.AssigneeID).Scan(&ok)
		}
		if err != nil {
			return err
		}
		if !ok {
			return violationZh("invalid routing rule", "rule.assignee_id",
				"must be an enabled user who works in the rule's grid", "派遣对象须是负责该网格、未停用的人员")
		}
	}
	return nil
}

// ListRoutingRules returns every rule, most specific first. See
// gridinspect.RoutingService.
func (db *DB) ListRoutingRules(ctx context.Context) ([]*gridinspect.RoutingRule, error) {
	if err := requireRulesAdmin(ctx); err != nil {
		return nil, err
	}
	a, _ := gridinspect.RequireActor(ctx)
	var rules []*gridinspect.RoutingRule
	err := db.Read(ctx, func(tx *sql.Tx) (err error) {
		rules, err = readRoutingRules(tx, a.Street())
		return err
	})
	if err != nil {
		return nil, domainErr(err, "list routing rules")
	}
	return rules, nil
}

// routingRuleReads counts readRoutingRules' reads of the table, for the
// tests.
var routingRuleReads atomic.Int64

// rulesIn returns a street's routing rules as q sees them. The writes of
// one group share one read per street: every new case asks for them, and
// on PostgreSQL each read is a round trip to the server (a Push of 500
// reports read the table 500 times). No other write can change them
// meanwhile (SQLite's single writer; PostgreSQL's street lock, which every
// write transaction takes first); a write of the group that changes them
// ends the sharing. Each caller gets copies, free to change.
func rulesIn(q queryer, street int64) ([]*gridinspect.RoutingRule, error) {
	tx, ok := q.(*Tx)
	if !ok || tx.group == nil || tx.group.rulesWritten {
		return readRoutingRules(q, street)
	}
	rules, ok := tx.group.rules[street]
	if !ok {
		var err error
		if rules, err = readRoutingRules(q, street); err != nil {
			return nil, err
		}
		if tx.group.rules == nil {
			tx.group.rules = map[int64][]*gridinspect.RoutingRule{}
		}
		tx.group.rules[street] = rules
	}
	out := make([]*gridinspect.RoutingRule, len(rules))
	for i, rr := range rules {
		c := *rr
		out[i] = &c
	}
	return out, nil
}

// rulesWritten tells the group that this write changes the routing rules.
func (tx *Tx) rulesWritten() {
	if tx.group != nil {
		tx.group.rulesWritten, tx.group.rules = true, nil
	}
}

// readRoutingRules returns a street's rules, most specific first, then by
// category, kind and name.
func readRoutingRules(q queryer, street int64) ([]*gridinspect.RoutingRule, error) {
	routingRuleReads.Add(1)
	var rules []*gridinspect.RoutingRule
	err := forEachRow(q, query{"SELECT " + routingRuleColumns + " FROM routing_rules WHERE street_id = ?", []any{street}}, func(rows *sql.Rows) error {
		var rr gridinspect.RoutingRule
		var updated int64
		if err := rows.Scan(&rr.ID, &rr.Name, &rr.Category, &rr.Kind, &rr.GridID, &rr.AssigneeID, &rr.ResponsibleUnit,
			&rr.DeadlineDays, &rr.Automatic, &updated, &rr.UpdatedBy); err != nil {
			return err
		}
		rr.UpdatedAt = unixNanos(updated)
		rules = append(rules, &rr)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read routing rules: %w", err)
	}
	slices.SortFunc(rules, func(x, y *gridinspect.RoutingRule) int {
		return cmp.Or(cmp.Compare(x.Rank(), y.Rank()), cmp.Compare(x.Category, y.Category),
			cmp.Compare(x.Kind, y.Kind), strings.Compare(x.Name, y.Name), strings.Compare(x.ID, y.ID))
	})
	return rules, nil
}

// DeleteRoutingRule removes a rule. See gridinspect.RoutingService.
func (db *DB) DeleteRoutingRule(ctx context.Context, id string) error {
	if err := requireRulesAdmin(ctx); err != nil {
		return err
	}
	var v gridinspect.Violations
	if !isUUID(id) {
		v.AddZh("rule_id", "须是 UUID", "must be a UUID")
		return v.Err("invalid request")
	}
	err := db.Write(ctx, func(tx *Tx) error {
		tx.rulesWritten()
		res, err := tx.Exec("DELETE FROM routing_rules WHERE street_id = ? AND id = ?", tx.Street, strings.ToLower(id))
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err == nil && n == 0 {
			return gridinspect.Errorf(gridinspect.ENOTFOUND, "routing rule %s not found", id).Zh("分拨规则不存在")
		}
		return err
	})
	if err != nil {
		return domainErr(err, "delete routing rule %s", id)
	}
	return nil
}

// SuggestDispatch says what the routing table says for a case. See
// gridinspect.RoutingService.
func (db *DB) SuggestDispatch(ctx context.Context, reportID string) (*gridinspect.DispatchSuggestion, error) {
	a, err := gridinspect.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	if !a.IsSupervisor() {
		return nil, gridinspect.Errorf(gridinspect.EFORBIDDEN, "only a supervisor may dispatch cases").Zh("只有主管可以派遣案件")
	}
	if !isUUID(reportID) {
		var v gridinspect.Violations
		v.AddZh("report_id", "须是 UUID", "must be a UUID")
		return nil, v.Err("invalid request")
	}
	var out *gridinspect.DispatchSuggestion
	err = db.Read(ctx, func(tx *sql.Tx) error {
		rep, _, err := getReport(tx, a.Street(), strings.ToLower(reportID))
		switch {
		case err != nil:
			return err
		case rep == nil:
			return gridinspect.NotFound(a, "report %s not found", reportID)
		case !a.CanSeeGrid(rep.GridID):
			return gridinspect.ErrOutOfScope
		}
		out, err = suggestFor(tx, a.Street(), db.rules, rep)
		if err != nil || out.Assignment == nil {
			return err
		}
		// On the admin's calendar, as the assignment itself will be.
		rules := db.rules
		if rules.Calendar, err = loadCalendar(tx); err != nil {
			return err
		}
		out.Assignment.Deadline, out.Assignment.WorkingDays = rules.DeadlineFrom(db.now().UTC(), rep.Category, rep.Severity, out.Rule.DeadlineDays)
		return nil
	})
	if err != nil {
		return nil, domainErr(err, "suggest a dispatch of report %s", reportID)
	}
	return out, nil
}

// suggestFor finds the rule that decides rep and whether it applies: a
// rule whose assignee is gone, disabled or no longer in the case's grid
// does not (the case is not handed to someone who cannot take it), and
// neither does a less specific rule instead, since the admin's most
// specific word on the case is what went wrong. The assignment's deadline
// is left for the caller to count.
func suggestFor(q queryer, street int64, r gridinspect.Rules, rep *gridinspect.Report) (*gridinspect.DispatchSuggestion, error) {
	rules, err := rulesIn(q, street)
	if err != nil {
		return nil, err
	}
	out := &gridinspect.DispatchSuggestion{Rule: gridinspect.MatchRoutingRule(rules, rep)}
	if out.Rule == nil {
		return out, nil
	}
	if id := out.Rule.AssigneeID; id != "" {
		ok, err := canBeAssigned(q, street, id, rep.GridID)
		if err != nil {
			return nil, err
		}
		if !ok {
			out.NotApplicable = "the rule's assignee is gone, disabled or does not work in the case's grid"
			out.NotApplicableChinese = "规则指定的派遣对象已不存在、已停用或不负责该网格，规则不适用"
			return out, nil
		}
	}
	out.Assignment = &gridinspect.Assignment{AssigneeID: out.Rule.AssigneeID, ResponsibleUnit: out.Rule.ResponsibleUnit}
	return out, nil
}

// routeNewReport dispatches a case just stored, in the same transaction,
// when the rule that decides it is automatic and applies: an assignment
// by the system actor, whose note names the rule. It returns the case as
// it then stands (rep itself when nothing was dispatched). A rule that
// does not apply leaves the case REPORTED and says why in the log, once
// the case is committed.
func (db *DB) routeNewReport(tx *Tx, rep *gridinspect.Report) (*gridinspect.Report, error) {
	if rep.Status != gridinspect.StatusReported {
		return rep, nil
	}
	sug, err := suggestFor(tx, tx.Street, db.rules, rep)
	if err != nil {
		return nil, err
	}
	rule := sug.Rule
	if rule == nil || !rule.Automatic {
		return rep, nil
	}
	if sug.Assignment == nil {
		tx.AfterCommit(func() {
			db.logger.Warn("store: routing rule not applied; the case waits to be dispatched by hand",
				"report", rep.ID, "rule", rule.ID, "rule_name", rule.Name, "assignee", rule.AssigneeID, "reason", sug.NotApplicable)
		})
		return rep, nil
	}
	a := rule.DispatchAction(rep, uuid.NewSHA1(dispatchNamespace, []byte(rep.ID)).String())
	a.OccurredAt = tx.Now
	if rule.DeadlineDays > 0 {
		a.Data.Assignment.Deadline, _ = db.rules.DeadlineFrom(tx.Now, rep.Category, rep.Severity, rule.DeadlineDays)
	}
	canonicalAction(a)
	out, err := db.actTx(tx, gridinspect.SystemActor(), a, a.ContentHash(), gridinspect.Online)
	if err != nil {
		// The closed loop refused before anything was written (a domain
		// error): the report stands, undispatched. Anything else fails
		// the whole submission.
		if code := gridinspect.ErrorCode(err); code != gridinspect.EINTERNAL && code != "" {
			tx.AfterCommit(func() {
				db.logger.Warn("store: routing rule not applied", "report", rep.ID, "rule", rule.ID, "err", err)
			})
			return rep, nil
		}
		return nil, fmt.Errorf("dispatch report %s by rule %s: %w", rep.ID, rule.ID, err)
	}
	tx.AfterCommit(func() {
		db.logger.Info("store: case dispatched by routing rule", "report", rep.ID, "rule", rule.ID, "rule_name", rule.Name)
	})
	return out.report, nil
}
