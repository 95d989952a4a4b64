package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gridinspect/gridinspect"
)

// The half-year summary, counted in SQL: a handful of aggregate queries in
// one read transaction, so the figures agree with each other, each reading
// index ranges that hold every column it needs (migrations/0006_stats.sql),
// so that the cost grows with what happened in the period rather than with
// the database. No report or event is loaded into Go: only figures, a row
// per grid and category, and the times to close the medians need. The
// figures are defined in proto/gridinspect/v1/stats.proto; the comments
// here say how each is found.
//
// Conventions of the queries:
//   - times are Unix nanoseconds of field time (effective_at), and the
//     period is [:from, :to);
//   - a conflict event (conflict = 1) never counts;
//   - every statement names the street of every row it reads, street_id
//     IN json_each(:streets): the caller's street, or the streets a
//     district account counts (statsActor), whose figures are then the
//     sums over them; the indexes hold the street (migrations/0024);
//   - the loop is counted per grid and category (loopKey): for each pair,
//     one range of an index that leads with (grid_id, category), which
//     needs no sort, where one GROUP BY over the period would sort it all;
//   - the domain's numbers are written as literals, since SQLite uses a
//     partial index only for a query that names its constants; the
//     constant below stops compiling if one of them changes.

// The domain's numbers the SQL of stats*.go writes as literals: each line
// compiles only while the number is the one written.
const _ = uint(gridinspect.StatusReported-1) + uint(1-gridinspect.StatusReported) +
	uint(gridinspect.StatusAssigned-2) + uint(2-gridinspect.StatusAssigned) +
	uint(gridinspect.StatusRectifying-3) + uint(3-gridinspect.StatusRectifying) +
	uint(gridinspect.StatusPendingVerification-4) + uint(4-gridinspect.StatusPendingVerification) +
	uint(gridinspect.StatusClosed-5) + uint(5-gridinspect.StatusClosed) +
	uint(gridinspect.StatusRejected-6) + uint(6-gridinspect.StatusRejected) +
	uint(gridinspect.SeverityGeneral-1) + uint(1-gridinspect.SeverityGeneral) +
	uint(gridinspect.SeverityMajor-2) + uint(2-gridinspect.SeverityMajor) +
	uint(gridinspect.CategoryPollutingEnterprise-2) + uint(2-gridinspect.CategoryPollutingEnterprise) +
	uint(gridinspect.CategoryIllegalConstruction-3) + uint(3-gridinspect.CategoryIllegalConstruction) +
	uint(gridinspect.CategoryDangerousHouse-5) + uint(5-gridinspect.CategoryDangerousHouse) +
	uint(gridinspect.DispositionShutDown-2) + uint(2-gridinspect.DispositionShutDown) +
	uint(gridinspect.DispositionRelocated-3) + uint(3-gridinspect.DispositionRelocated) +
	uint(gridinspect.DispositionUpgraded-4) + uint(4-gridinspect.DispositionUpgraded) +
	uint(gridinspect.DispositionDemolished-5) + uint(5-gridinspect.DispositionDemolished) +
	uint(gridinspect.DispositionRenovated-8) + uint(8-gridinspect.DispositionRenovated) +
	uint(gridinspect.DispositionResidentsRelocated-9) + uint(9-gridinspect.DispositionResidentsRelocated) +
	uint(gridinspect.PatrolKindWaterSource-1) + uint(1-gridinspect.PatrolKindWaterSource) +
	uint(gridinspect.PatrolKindPollutionArea-2) + uint(2-gridinspect.PatrolKindPollutionArea) +
	uint(gridinspect.PatrolKindSafety-3) + uint(3-gridinspect.PatrolKindSafety) +
	uint(gridinspect.EventReportSubmitted-1) + uint(1-gridinspect.EventReportSubmitted) +
	uint(gridinspect.EventReportAssigned-2) + uint(2-gridinspect.EventReportAssigned) +
	uint(gridinspect.EventReportRejected-3) + uint(3-gridinspect.EventReportRejected) +
	uint(gridinspect.EventProgressRecorded-4) + uint(4-gridinspect.EventProgressRecorded) +
	uint(gridinspect.EventNoticeIssued-5) + uint(5-gridinspect.EventNoticeIssued) +
	uint(gridinspect.EventInterviewRecorded-6) + uint(6-gridinspect.EventInterviewRecorded) +
	uint(gridinspect.EventRectificationSubmitted-7) + uint(7-gridinspect.EventRectificationSubmitted) +
	uint(gridinspect.EventRectificationVerified-8) + uint(8-gridinspect.EventRectificationVerified) +
	uint(gridinspect.EventFollowUpRecorded-9) + uint(9-gridinspect.EventFollowUpRecorded) +
	uint(gridinspect.EventDeadlineExtended-11) + uint(11-gridinspect.EventDeadlineExtended) +
	uint(gridinspect.EventReportReassigned-12) + uint(12-gridinspect.EventReportReassigned) +
	uint(gridinspect.EventReportUrged-13) + uint(13-gridinspect.EventReportUrged) +
	uint(gridinspect.EventReportSupervised-14) + uint(14-gridinspect.EventReportSupervised) +
	uint(gridinspect.EventReportReturned-15) + uint(15-gridinspect.EventReportReturned) +
	uint(gridinspect.EventReportSupplemented-16) + uint(16-gridinspect.EventReportSupplemented) +
	uint(gridinspect.HouseGradeC-3) + uint(3-gridinspect.HouseGradeC) +
	uint(gridinspect.HouseGradeD-4) + uint(4-gridinspect.HouseGradeD)

// maxPollutingActivity is the API's largest PollutingActivity
// (POLLUTING_ACTIVITY_OTHER, report.proto).
const maxPollutingActivity = 9

// Summary counts every figure of a work summary for [from, to) in the
// grids asked, or the caller's scope. See gridinspect.StatsService.
func (db *DB) Summary(ctx context.Context, from, to time.Time, gridIDs []string) (*gridinspect.Summary, error) {
	a, grids, err := db.statsScope(ctx, from, to, gridIDs)
	if err != nil {
		return nil, err
	}

	sq := db.newSummaryQuery(a, from, to, grids)
	s := &gridinspect.Summary{From: from.UTC(), To: to.UTC()}
	err = db.Read(ctx, func(tx *sql.Tx) error {
		sq.q = tx
		names, err := sq.gridNames(a)
		if err != nil {
			return err
		}
		s.GridNames, s.GridIDs, s.GridStreets = names, sq.counted, sq.streetOf
		if len(sq.counted) == 0 {
			return nil // a supervisor of no grid, or a street without grids
		}
		return sq.count(s)
	})
	if err != nil {
		return nil, domainErr(err, "summary %s…%s", from.UTC().Format(time.RFC3339), to.UTC().Format(time.RFC3339))
	}
	sq.rollUp(s)
	return s, nil
}

// statsScope checks a request for figures of [from, to) in gridIDs (the
// summary's, the appraisal's): the caller a supervisor, an admin or a
// district account, the streets asked its own, the period, the grids in
// scope. It returns the caller, as statsActor makes it, and the grids to
// count (nil for every grid of its streets).
func (db *DB) statsScope(ctx context.Context, from, to time.Time, gridIDs []string) (*gridinspect.Actor, []string, error) {
	a, err := gridinspect.RequireActor(ctx)
	if err != nil {
		return nil, nil, err
	}
	if !a.MayReadStatistics() {
		return nil, nil, gridinspect.Errorf(gridinspect.EFORBIDDEN, "only supervisors and admins may read statistics").Zh("只有主管和管理员可以查看统计")
	}
	if err := checkPeriod(from, to); err != nil {
		return nil, nil, err
	}
	if a, err = db.statsActor(ctx); err != nil {
		return nil, nil, err
	}
	grids, err := scopeGrids(a, gridIDs)
	if err != nil {
		return nil, nil, err
	}
	return a, grids, nil
}

// checkPeriod checks the period of a summary: both ends given and
// storable, the end after the start.
func checkPeriod(from, to time.Time) error {
	var v gridinspect.Violations
	if from.IsZero() {
		v.AddZh("from", "不能为空", "is required")
	}
	checkStorable(&v, "from", from)
	switch {
	case to.IsZero():
		v.AddZh("to", "不能为空", "is required")
	case !storable(to):
		checkStorable(&v, "to", to)
	case !from.IsZero() && !to.After(from):
		v.AddZh("to", "结束时间须晚于开始时间 "+gridinspect.ChinaTimeZh(from),
			"must be after from (%s)", gridinspect.ChinaTime(from))
	}
	return v.Err("invalid period")
}

// summaryQuery is one Summary being counted.
type summaryQuery struct {
	q        queryer
	engine   engine
	from, to int64 // the period, Unix nanoseconds
	now      int64 // the server clock, for "overdue now"
	// changedSince is the earliest server time at which a change at or
	// after `to` can have been received: to - MaxClockAhead.
	changedSince int64
	// changedWay is how correctChanged reads the timelines of the cases
	// changed since `to`; tests set it, else it chooses by their number.
	changedWay changedWay
	grids      []string         // the grids asked for or in scope; nil = every grid
	streets    string           // the streets counted, a JSON array (streetsArg)
	counted    []string         // the grids counted, in the office's order (gridSorter)
	streetOf   map[string]int64 // the street of each grid counted
	tally      map[loopKey]*loopTally
}

// changedWay is how the timelines of the cases changed since the end of
// a period are read.
type changedWay int

const (
	chooseWay changedWay = iota // by their number
	byCase                      // each changed case's, one range each
	inOnePass                   // every case's, in one pass
)

// newSummaryQuery starts counting the summary of [from, to) in grids (nil
// for every grid) of the streets a reads.
func (db *DB) newSummaryQuery(a *gridinspect.Actor, from, to time.Time, grids []string) *summaryQuery {
	return &summaryQuery{engine: db.engine, from: from.UnixNano(), to: to.UnixNano(), now: db.now().UnixNano(), grids: grids,
		streets:      streetsArg(a),
		changedSince: to.Add(-db.rules.MaxClockAhead).UnixNano(), changedWay: db.summaryChangedWay,
		tally: map[loopKey]*loopTally{}}
}

// args returns the named arguments of the queries.
func (sq *summaryQuery) args() []any {
	grids, _ := json.Marshal(sq.counted) // cannot fail: strings
	return []any{sql.Named("from", sq.from), sql.Named("to", sq.to), sql.Named("now", sq.now),
		sql.Named("changed_since", sq.changedSince), sql.Named("grids", string(grids)), sql.Named("streets", sq.streets)}
}

// count runs the queries into s and the loop's tallies.
func (sq *summaryQuery) count(s *gridinspect.Summary) error {
	for _, step := range []struct {
		what string
		fn   func(*gridinspect.Summary) error
	}{
		{"reports found", sq.countFound},
		{"events", sq.countEvents},
		{"times to close", sq.countTimesToClose},
		{"returns for more", sq.countReturns},
		{"notices", sq.countNotices},
		{"patrols", sq.countPatrols},
		{"patrol schedules", sq.countSchedules},
		{"cases open now", sq.countOpenNow},
		{"cases due", sq.countDue},
		{"cases closed on the spot", sq.countClosedOnSpot},
		{"cases changed since the end of the period", sq.correctChanged},
		{"re-dispatches, urgings and supervision", sq.countEscalations},
	} {
		if err := step.fn(s); err != nil {
			return fmt.Errorf("count %s: %w", step.what, err)
		}
	}
	return nil
}

// gridNames reads the grids counted (those asked, or every grid in the
// caller's scope) and returns their names by id. A grid asked for that
// does not exist is not found: for a caller who sees every grid,
// ENOTFOUND; anyone else was refused a grid outside their scope already.
func (sq *summaryQuery) gridNames(a *gridinspect.Actor) (map[string]string, error) {
	names := map[string]string{}
	sq.counted, sq.streetOf = nil, map[string]int64{}
	w := where{args: []any{sq.streets}}
	if sq.grids != nil {
		if len(sq.grids) == 0 {
			return names, nil
		}
		in(&w, "id", sq.grids)
	}
	and := ""
	if len(w.conds) > 0 {
		and = " AND " + strings.Join(w.conds, " AND ")
	}
	var keys []gridKey
	err := forEachRow(sq.q, query{"SELECT id, name, sort_order, street_id FROM grids WHERE street_id IN (SELECT CAST(value AS INTEGER) FROM json_each(?))" + and, w.args},
		func(rows *sql.Rows) error {
			var k gridKey
			if err := rows.Scan(&k.ID, &k.Name, &k.Order, &k.Street); err != nil {
				return err
			}
			names[k.ID] = k.Name
			sq.streetOf[k.ID] = k.Street
			keys = append(keys, k)
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("read grids: %w", err)
	}
	// By grid in the order ListGrids lists them; several streets' street
	// by street.
	slices.SortFunc(keys, newGridSorter().compare)
	for _, k := range keys {
		sq.counted = append(sq.counted, k.ID)
	}
	for _, id := range sq.grids {
		if _, ok := names[id]; !ok {
			return nil, gridinspect.NotFound(a, "grid %s not found", id)
		}
	}
	return names, nil
}

// inScope returns the condition that keeps col to the grids counted: ""
// for every grid.
func (sq *summaryQuery) inScope(col string) string {
	if sq.grids == nil {
		return ""
	}
	return " AND " + col + " IN (SELECT value FROM json_each(:grids))"
}

// at returns the tally of a category in a grid, made on first use.
func (sq *summaryQuery) at(k loopKey) *loopTally {
	t := sq.tally[k]
	if t == nil {
		t = &loopTally{}
		sq.tally[k] = t
	}
	return t
}

// perPair runs, for each grid counted and each category, the scalar
// subquery sub returns for the category — a JSON array of figures of the
// reports of grid g.id and category c.c, with the named arguments of
// args() — and calls fn with the pair and the array.
func (sq *summaryQuery) perPair(sub func(gridinspect.Category) string, fn func(loopKey, []json.RawMessage) error) error {
	var b strings.Builder
	b.WriteString(`WITH g (id) AS (SELECT value FROM json_each(:grids)),
		c (c) AS (VALUES (1), (2), (3), (4), (5), (6))
		SELECT g.id, c.c, CASE c.c`)
	for c := gridinspect.CategorySafetyHazard; c.Valid(); c++ {
		fmt.Fprintf(&b, "\n\t\tWHEN %d THEN (%s)", c, sub(c))
	}
	b.WriteString("\n\t\tEND FROM g, c")
	return forEachRow(sq.q, query{b.String(), sq.args()}, func(rows *sql.Rows) error {
		var k loopKey
		var figures []byte
		if err := rows.Scan(&k.grid, &k.category, &figures); err != nil {
			return err
		}
		var vals []json.RawMessage
		if err := json.Unmarshal(figures, &vals); err != nil {
			return fmt.Errorf("figures of %v in grid %s: %w", k.category, k.grid, err)
		}
		return fn(k, vals)
	})
}

// ints decodes JSON numbers (null as 0) into the pointers given.
func ints(vals []json.RawMessage, into ...*int64) error {
	if len(vals) < len(into) {
		return fmt.Errorf("%d figures, want %d", len(vals), len(into))
	}
	for i, p := range into {
		if string(vals[i]) == "null" {
			*p = 0
			continue
		}
		if err := json.Unmarshal(vals[i], p); err != nil {
			return fmt.Errorf("figure %d: %w", i, err)
		}
	}
	return nil
}

// countFound counts the reports observed in the period (the loop's
// "reported"), and of those not rejected (a duplicate or an invalid report
// was never a problem found) what each category's figures say: safety
// hazards rectified on the spot and by grade, polluting enterprises moved
// in and by activity, construction on farmland, houses by grade. One range
// of reports_grid_open_category_time per grid and category, for both
// values of is_open.
func (sq *summaryQuery) countFound(s *gridinspect.Summary) error {
	const notRejected = `status <> 6` // not REJECTED
	sub := func(c gridinspect.Category) string {
		// count(*) FILTER, not sum(condition): the same figure (0, not
		// NULL, for none, which ints reads as 0 too), which PostgreSQL
		// counts natively rather than adding up booleans.
		found := func(cond string) string { return "count(*) FILTER (WHERE " + notRejected + cond + ")" }
		figures := []string{"count(*)", found("")}
		switch c {
		case gridinspect.CategorySafetyHazard:
			figures = append(figures, found(" AND rectified_on_spot = 1"),
				found(" AND severity = 1"), found(" AND severity = 2"))
		case gridinspect.CategoryPollutingEnterprise:
			figures = append(figures, found(" AND detail_flag = 1"))
			for act := range maxPollutingActivity + 1 {
				figures = append(figures, found(fmt.Sprintf(" AND coalesce(detail_kind, 0) = %d", act)))
			}
		case gridinspect.CategoryIllegalConstruction:
			figures = append(figures, found(" AND detail_flag = 1"))
		case gridinspect.CategoryDangerousHouse:
			figures = append(figures, found(" AND detail_kind = 3"), found(" AND detail_kind = 4"))
		}
		return `SELECT json_array(` + strings.Join(figures, ", ") + `)
			FROM reports INDEXED BY reports_grid_open_category_time
			WHERE grid_id = g.id AND is_open IN (0, 1) AND category = c.c
				AND effective_at >= :from AND effective_at < :to
				AND street_id IN (SELECT CAST(value AS INTEGER) FROM json_each(:streets))`
	}
	return sq.perPair(sub, func(k loopKey, vals []json.RawMessage) error {
		var reported, n, a, b, c int64
		if err := ints(vals, &reported, &n); err != nil {
			return err
		}
		sq.at(k).reported += reported
		switch k.category {
		case gridinspect.CategorySafetyHazard:
			if err := ints(vals[2:], &a, &b, &c); err != nil {
				return err
			}
			s.Safety.HazardsFound += n
			s.Safety.RectifiedOnSpot += a
			s.Safety.GeneralHazards += b
			s.Safety.MajorHazards += c
		case gridinspect.CategoryPollutingEnterprise:
			if err := ints(vals[2:], &a); err != nil {
				return err
			}
			s.Polluting.Found += n
			s.Polluting.MovedInFromOutside += a
			if s.Polluting.ByActivity == nil {
				s.Polluting.ByActivity = map[int]int64{}
			}
			for act := range maxPollutingActivity + 1 {
				if err := ints(vals[3+act:], &a); err != nil {
					return err
				}
				if a > 0 {
					s.Polluting.ByActivity[act] += a
				}
			}
		case gridinspect.CategoryIllegalConstruction:
			if err := ints(vals[2:], &a); err != nil {
				return err
			}
			s.Construction.Found += n
			s.Construction.OnFarmland += a
		case gridinspect.CategoryWaterSourceRisk:
			s.WaterSources.RisksFound += n
		case gridinspect.CategoryDangerousHouse:
			if err := ints(vals[2:], &a, &b); err != nil {
				return err
			}
			s.DangerousHouses.Identified += n
			s.DangerousHouses.GradeC += a
			s.DangerousHouses.GradeD += b
		}
		return nil
	})
}

// countNotices counts the notices served in the period on cases of
// every category, by kind, and enforcement documents by department: one
// range of event_facts per grid and category.
func (sq *summaryQuery) countNotices(s *gridinspect.Summary) error {
	q := query{`SELECT notice_kind, notice_department, count(*) FROM event_facts
		WHERE grid_id IN (SELECT value FROM json_each(:grids)) AND category IN (1, 2, 3, 4, 5, 6)
			AND type = 5 AND effective_at >= :from AND effective_at < :to
			AND street_id IN (SELECT CAST(value AS INTEGER) FROM json_each(:streets))
		GROUP BY 1, 2`, sq.args()}
	return forEachRow(sq.q, q, func(rows *sql.Rows) error {
		var kind sql.NullInt64
		var dept sql.NullString
		var n int64
		if err := rows.Scan(&kind, &dept, &n); err != nil {
			return err
		}
		switch gridinspect.NoticeKind(kind.Int64) {
		case gridinspect.NoticeHazard:
			s.Safety.HazardNotices += n
		case gridinspect.NoticeRectificationOrder:
			s.Safety.RectificationOrders += n
		case gridinspect.NoticeEnforcement:
			s.Safety.EnforcementDocuments += n
			if s.Safety.EnforcementByDepartment == nil {
				s.Safety.EnforcementByDepartment = map[string]int64{}
			}
			s.Safety.EnforcementByDepartment[dept.String] += n
		}
		return nil
	})
}

// countPatrols counts the patrols started in the period and the people
// who walked them (人次), by kind: one range of patrols_time, which holds
// every column read.
func (sq *summaryQuery) countPatrols(s *gridinspect.Summary) error {
	q := query{`SELECT count(*), coalesce(sum(participants), 0),
		count(*) FILTER (WHERE kind = 3), coalesce(sum(participants) FILTER (WHERE kind = 3), 0),
		count(*) FILTER (WHERE kind = 2), count(*) FILTER (WHERE kind = 1)
		FROM patrols INDEXED BY patrols_time
		WHERE effective_at >= :from AND effective_at < :to
			AND street_id IN (SELECT CAST(value AS INTEGER) FROM json_each(:streets))` + sq.inScope("grid_id"), sq.args()}
	// kind: 1 water source, 2 pollution area, 3 safety (PatrolKind).
	return sq.q.QueryRow(q.sql, q.args...).Scan(&s.Patrols, &s.PatrolPersonTimes,
		&s.Safety.Inspections, &s.Safety.PersonTimes, &s.Polluting.PatrolsCount, &s.WaterSources.Patrols)
}

// forEachRow runs qu and calls fn for each row, checking what
// database/sql leaves to the caller.
func forEachRow(q queryer, qu query, fn func(*sql.Rows) error) error {
	rows, err := q.Query(qu.sql, qu.args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return rows.Close()
}
