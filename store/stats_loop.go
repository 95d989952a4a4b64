package store

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gridinspect/gridinspect"
)

// The closed loop's figures: what happened to the cases in the period,
// and where every case stood at the end of it.
//
// What happened — rejections, closures, follow-ups — is read from
// event_facts (migrations/0006_stats.sql), which a trigger fills with each
// counted event and its case's grid and category, so that a period's
// closures are one range per grid and category. Each closing event counts:
// a case closed, found back and closed again counts each time.
//
// The end of the period. A case's state at `to` is what its last
// non-conflict event before `to` (by field time, in timeline order) left
// it in: its status, its deadline, and when it was last closed. For a case
// with no change at or after `to` of its status or deadline, that is its
// row as it is now. So the figures are counted from the rows — cases open
// now, cases no longer open whose deadline fell in the period, cases
// closed in the period that never had a deadline — and then corrected for
// the cases changed since `to`, whose state at `to` is read from their
// timelines of changes: what the rows counted for each is taken off, and
// what its state at `to` counts is added. For a period that has just
// ended those cases are few.

// loopKey is a category in a grid, the finest grain the loop is counted
// at; the overall, per-category and per-grid figures are sums of these.
type loopKey struct {
	grid     string
	category gridinspect.Category
}

// loopTally is the loop of one key before rates and medians.
type loopTally struct {
	reported, closed, rejected, open, overdueNow int64
	due, closedOfDue, closedOnTime, openOverdue  int64
	returned, supplemented                       int64   // 退回补充 and its answers in the period
	redLine                                      int64   // open at the end, grade C or D, occupied
	toClose                                      []int64 // each closure's time to close, nanoseconds
	reassigned, urged, supervised                int64
}

func (t *loopTally) add(o *loopTally) {
	t.reported += o.reported
	t.closed += o.closed
	t.rejected += o.rejected
	t.open += o.open
	t.overdueNow += o.overdueNow
	t.due += o.due
	t.closedOfDue += o.closedOfDue
	t.closedOnTime += o.closedOnTime
	t.openOverdue += o.openOverdue
	t.redLine += o.redLine
	t.returned += o.returned
	t.supplemented += o.supplemented
	t.toClose = append(t.toClose, o.toClose...)
	t.reassigned += o.reassigned
	t.urged += o.urged
	t.supervised += o.supervised
}

// summary returns the figures of the tally, with its rates and median.
func (t *loopTally) summary() gridinspect.LoopSummary {
	l := gridinspect.LoopSummary{
		Reported: t.reported, Closed: t.closed, Rejected: t.rejected, Open: t.open, OverdueNow: t.overdueNow,
		Due: t.due, ClosedOfDue: t.closedOfDue, ClosedOnTime: t.closedOnTime, OpenOverdue: t.openOverdue,
		MedianDaysToClose: medianDays(t.toClose),
		Reassigned:        t.reassigned, Urged: t.urged, Supervised: t.supervised,
		Returned: t.returned, Supplemented: t.supplemented,
	}
	if t.due > 0 {
		l.ClosureRate = float64(t.closedOfDue) / float64(t.due)
		l.OnTimeRate = float64(t.closedOnTime) / float64(t.due)
	}
	return l
}

// medianDays returns the median of durations in days: the middle one, or
// the mean of the middle two; 0 for none. It reorders d.
func medianDays(d []int64) float64 {
	n := len(d)
	if n == 0 {
		return 0
	}
	m := float64(nth(d, n/2))
	if n%2 == 0 {
		m = (float64(slices.Max(d[:n/2])) + m) / 2
	}
	return m / float64(24*time.Hour)
}

// nth returns what d[k] would be were d sorted, and leaves d with every
// value before k no greater than it (Hoare's selection: a median of
// hundreds of thousands of closures without sorting them all, once
// overall, once per category and once per grid).
func nth(d []int64, k int) int64 {
	lo, hi := 0, len(d)-1
	for lo < hi {
		a, b, c := d[lo], d[lo+(hi-lo)/2], d[hi]
		p := max(min(a, b), min(max(a, b), c)) // the median of the three
		i, j := lo, hi
		for i <= j {
			for d[i] < p {
				i++
			}
			for d[j] > p {
				j--
			}
			if i <= j {
				d[i], d[j] = d[j], d[i]
				i++
				j--
			}
		}
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return d[k]
		}
	}
	return d[k]
}

// rollUp sums the tallies into the summary's overall, per-category and
// per-grid loops. Every category and every grid counted is there, with
// zeros where nothing happened.
func (sq *summaryQuery) rollUp(s *gridinspect.Summary) {
	overall := &loopTally{}
	byCategory := map[gridinspect.Category]*loopTally{}
	for c := gridinspect.CategorySafetyHazard; c.Valid(); c++ {
		byCategory[c] = &loopTally{}
	}
	byGrid := map[string]*loopTally{}
	for _, id := range sq.counted {
		byGrid[id] = &loopTally{}
	}
	for k, t := range sq.tally {
		overall.add(t)
		byCategory[k.category].add(t)
		byGrid[k.grid].add(t)
	}
	s.Loop = overall.summary()
	s.DangerousHouses.OccupiedDangerousNow = overall.redLine
	s.ByCategory = make(map[gridinspect.Category]gridinspect.LoopSummary, len(byCategory))
	for c, t := range byCategory {
		s.ByCategory[c] = t.summary()
	}
	s.ByGrid = make(map[string]gridinspect.LoopSummary, len(byGrid))
	for g, t := range byGrid {
		s.ByGrid[g] = t.summary()
	}
}

// countEvents counts what happened to the cases in the period, from one
// range of event_facts per grid and category: rejections; closures (each
// closing event, so a case closed, found back and closed again counts each
// time), with their times to close and the disposals each category's
// figures name; interviews; and for polluting enterprises, follow-ups and
// the relapses they found.
func (sq *summaryQuery) countEvents(s *gridinspect.Summary) error {
	sub := func(c gridinspect.Category) string {
		figures := `count(*) FILTER (WHERE type = 3),
			count(*) FILTER (WHERE type = 8),
			count(*) FILTER (WHERE type = 6),
			count(*) FILTER (WHERE type = 9),
			count(*) FILTER (WHERE type = 9 AND status_after = 3)`
		switch c {
		case gridinspect.CategoryPollutingEnterprise, gridinspect.CategoryDangerousHouse:
			figures += `,
			count(*) FILTER (WHERE type = 8 AND disposition = 2),
			count(*) FILTER (WHERE type = 8 AND disposition = 3),
			count(*) FILTER (WHERE type = 8 AND disposition = 4),
			count(*) FILTER (WHERE type = 8 AND disposition = 5),
			count(*) FILTER (WHERE type = 8 AND disposition = 8),
			count(*) FILTER (WHERE type = 8 AND disposition = 9)`
		case gridinspect.CategoryIllegalConstruction:
			figures += `,
			count(*) FILTER (WHERE type = 8 AND disposition = 5),
			count(*) FILTER (WHERE type = 8 AND disposition = 5 AND detail_kind = 3),
			count(*) FILTER (WHERE type = 8 AND disposition = 5 AND detail_kind IN (2, 4)),
			total(demolished_area) FILTER (WHERE type = 8 AND disposition = 5)`
		}
		return `SELECT json_array(` + figures + `)
			FROM event_facts
			WHERE grid_id = g.id AND category = c.c AND type IN (3, 6, 8, 9)
				AND effective_at >= :from AND effective_at < :to
				AND street_id IN (SELECT CAST(value AS INTEGER) FROM json_each(:streets))`
	}
	return sq.perPair(sub, func(k loopKey, vals []json.RawMessage) error {
		var rejected, closed, interviews, followUps, relapses int64
		if err := ints(vals, &rejected, &closed); err != nil {
			return err
		}
		if err := ints(vals[2:], &interviews, &followUps, &relapses); err != nil {
			return err
		}
		t := sq.at(k)
		t.rejected += rejected
		t.closed += closed
		s.Safety.EnterpriseInterviews += interviews
		var n [6]int64
		switch k.category {
		case gridinspect.CategorySafetyHazard:
			s.Safety.HazardsRectified += closed
		case gridinspect.CategoryPollutingEnterprise:
			if err := ints(vals[5:], &n[0], &n[1], &n[2]); err != nil {
				return err
			}
			s.Polluting.ShutDown += n[0]
			s.Polluting.Relocated += n[1]
			s.Polluting.Upgraded += n[2]
			s.Polluting.FollowUps += followUps
			s.Polluting.Relapses += relapses
		case gridinspect.CategoryIllegalConstruction:
			var area float64
			if err := ints(vals[5:], &n[0], &n[1], &n[2]); err != nil {
				return err
			}
			if err := json.Unmarshal(vals[8], &area); err != nil {
				return fmt.Errorf("area demolished: %w", err)
			}
			s.Construction.Demolished += n[0]
			s.Construction.BillboardsRemoved += n[1]
			s.Construction.ShedsAndStorageCleared += n[2]
			s.Construction.DemolishedAreaSquareMeters += area
		case gridinspect.CategoryWaterSourceRisk:
			s.WaterSources.RisksResolved += closed
		case gridinspect.CategoryDangerousHouse:
			if err := ints(vals[5:], &n[0], &n[1], &n[2], &n[3], &n[4], &n[5]); err != nil {
				return err
			}
			s.DangerousHouses.Demolished += n[3]
			s.DangerousHouses.Renovated += n[4]
			s.DangerousHouses.ResidentsRelocated += n[5]
		}
		return nil
	})
}

// countReturns counts the returns for more (退回补充) and the supplements
// in the period, by their field time, from the partial index
// events_returns: one row each, few in any period, added up here (a
// GROUP BY in SQL would sort them).
func (sq *summaryQuery) countReturns(*gridinspect.Summary) error {
	q := query{`SELECT r.grid_id, r.category, e.type
		FROM events AS e JOIN reports AS r ON r.street_id = e.street_id AND r.id = e.report_id
		WHERE e.type IN (15, 16) AND e.conflict = 0 AND e.effective_at >= :from AND e.effective_at < :to
			AND r.grid_id IN (SELECT value FROM json_each(:grids))
			AND e.street_id IN (SELECT CAST(value AS INTEGER) FROM json_each(:streets))`, sq.args()}
	return forEachRow(sq.q, q, func(rows *sql.Rows) error {
		var k loopKey
		var typ gridinspect.EventType
		if err := rows.Scan(&k.grid, &k.category, &typ); err != nil {
			return err
		}
		t := sq.at(k)
		if typ == gridinspect.EventReportReturned {
			t.returned++
		} else {
			t.supplemented++
		}
		return nil
	})
}

// countTimesToClose reads the time each closure in the period took, for
// the medians: one range of event_facts per grid and category, read as one
// comma-separated list each, which costs far less than a row or a JSON
// number each for the hundreds of thousands of closures of a busy
// half-year.
func (sq *summaryQuery) countTimesToClose(*gridinspect.Summary) error {
	q := query{`WITH g (id) AS (SELECT value FROM json_each(:grids)),
			c (c) AS (VALUES (1), (2), (3), (4), (5), (6))
		SELECT g.id, c.c, (SELECT group_concat(to_close) FROM event_facts
			WHERE grid_id = g.id AND category = c.c AND type = 8 AND effective_at >= :from AND effective_at < :to
				AND street_id IN (SELECT CAST(value AS INTEGER) FROM json_each(:streets)))
		FROM g, c`, sq.args()}
	return forEachRow(sq.q, q, func(rows *sql.Rows) error {
		var k loopKey
		var list sql.RawBytes
		if err := rows.Scan(&k.grid, &k.category, &list); err != nil {
			return err
		}
		if len(list) == 0 {
			return nil
		}
		t := sq.at(k)
		var err error
		if t.toClose, err = appendInts(t.toClose, list); err != nil {
			return fmt.Errorf("times to close of %v in grid %s: %w", k.category, k.grid, err)
		}
		return nil
	})
}

// redLineSQL is true for a dangerous house of grade C or D that people
// live in: 危房不住人 is the red line.
const redLineSQL = `(category = 5 AND detail_kind IN (3, 4) AND detail_flag = 1)`

// countOpenNow counts the cases open now, from one range of
// reports_grid_open_category_time per grid and category: overdue now
// (whenever found), and of those found before the end of the period, as
// they stand now: open, open and overdue at the end, due in the period,
// and on the red line.
func (sq *summaryQuery) countOpenNow(*gridinspect.Summary) error {
	sub := func(gridinspect.Category) string {
		return `SELECT json_array(
				count(*) FILTER (WHERE status IN (2, 3) AND deadline < :now),
				count(*) FILTER (WHERE effective_at < :to),
				count(*) FILTER (WHERE effective_at < :to AND status IN (2, 3) AND deadline < :to),
				count(*) FILTER (WHERE effective_at < :to AND deadline >= :from AND deadline < :to),
				count(*) FILTER (WHERE effective_at < :to AND ` + redLineSQL + `))
			FROM reports INDEXED BY reports_grid_open_category_time
			WHERE grid_id = g.id AND is_open = 1 AND category = c.c
				AND street_id IN (SELECT CAST(value AS INTEGER) FROM json_each(:streets))`
	}
	return sq.perPair(sub, func(k loopKey, vals []json.RawMessage) error {
		var overdueNow, open, openOverdue, due, redLine int64
		if err := ints(vals, &overdueNow, &open, &openOverdue, &due, &redLine); err != nil {
			return err
		}
		t := sq.at(k)
		t.overdueNow += overdueNow
		t.open += open
		t.openOverdue += openOverdue
		t.due += due
		t.redLine += redLine
		return nil
	})
}

// countDue counts the cases no longer open whose deadline fell in the
// period, from one range of reports_due per grid and category: due, and
// how many of them were closed, and closed by the deadline.
func (sq *summaryQuery) countDue(*gridinspect.Summary) error {
	sub := func(gridinspect.Category) string {
		return `SELECT json_array(count(*), count(*) FILTER (WHERE status = 5),
				count(*) FILTER (WHERE status = 5 AND closed_at <= deadline))
			FROM reports INDEXED BY reports_due
			WHERE grid_id = g.id AND category = c.c AND is_open = 0 AND deadline IS NOT NULL
				AND deadline >= :from AND deadline < :to AND effective_at < :to
				AND street_id IN (SELECT CAST(value AS INTEGER) FROM json_each(:streets))`
	}
	return sq.perPair(sub, func(k loopKey, vals []json.RawMessage) error {
		var due, closed, onTime int64
		if err := ints(vals, &due, &closed, &onTime); err != nil {
			return err
		}
		t := sq.at(k)
		t.due += due
		t.closedOfDue += closed
		t.closedOnTime += onTime
		return nil
	})
}

// countClosedOnSpot counts the cases closed in the period that never had
// a deadline (rectified on the spot), from one range of
// reports_closed_on_spot per grid and category: due, closed, on time.
func (sq *summaryQuery) countClosedOnSpot(*gridinspect.Summary) error {
	sub := func(gridinspect.Category) string {
		return `SELECT json_array(count(*))
			FROM reports INDEXED BY reports_closed_on_spot
			WHERE grid_id = g.id AND category = c.c AND closed_at IS NOT NULL AND deadline IS NULL
				AND closed_at >= :from AND closed_at < :to AND effective_at < :to
				AND street_id IN (SELECT CAST(value AS INTEGER) FROM json_each(:streets))`
	}
	return sq.perPair(sub, func(k loopKey, vals []json.RawMessage) error {
		var n int64
		if err := ints(vals, &n); err != nil {
			return err
		}
		t := sq.at(k)
		t.due += n
		t.closedOfDue += n
		t.closedOnTime += n
		return nil
	})
}

// atEnd returns, as SQL, what a case counts at the end of the period
// given its status s, deadline d and last closure's time c there (columns
// or expressions; NULL for none): open, on the red line (with redLine the
// case's red-line flag), open and overdue, due, closed of due, closed on
// time — each 0 or 1. countOpenNow, countDue and countClosedOnSpot count
// the same for the rows, each over the rows where it is not 0.
func atEnd(s, d, c, redLine string) [6]string {
	r := strings.NewReplacer("{s}", s, "{d}", d, "{c}", c, "{r}", redLine)
	due := `(({d} >= :from AND {d} < :to) OR ({d} IS NULL AND {s} = 5 AND {c} >= :from AND {c} < :to))`
	// Each is 1 or 0 (iif), as it is summed: PostgreSQL's conditions
	// are booleans, SQLite's 0 or 1 already.
	return [6]string{
		r.Replace(`iif({s} BETWEEN 1 AND 4, 1, 0)`),
		r.Replace(`iif({s} BETWEEN 1 AND 4 AND {r} = 1, 1, 0)`),
		r.Replace(`iif({s} IN (2, 3) AND {d} < :to, 1, 0)`),
		r.Replace(`iif(` + due + `, 1, 0)`),
		r.Replace(`iif(` + due + ` AND {s} = 5, 1, 0)`),
		r.Replace(`iif(` + due + ` AND {s} = 5 AND ({d} IS NULL OR {c} <= {d}), 1, 0)`),
	}
}

// correctChanged replaces what the rows counted for the cases changed at
// or after the end of the period by what their state at the end counts.
// A case's changes are in events_changes, by case and in timeline order:
// its state at `to` is its status after the last change before `to`, the
// deadline the last assignment or extension before `to` set (deadlines
// only ever move later, so the latest is the last), and the field time of
// its last closure before `to`. ("Last" is by timeline order, so a change
// recorded late with an earlier time counts where it happened.) Its state
// now is the same of all its changes, which is what its row says. The
// cases are those observed before `to` with a change at or after it,
// found among the cases changed since (reports_changed): usually few,
// even long after the period, since most cases close within weeks; when
// they are many, every case's changes are read in one pass instead. What
// each counts is summed in SQL, so only a row per grid and category comes
// back.
func (sq *summaryQuery) correctChanged(*gridinspect.Summary) error {
	// The cases found before `to` that changed since a change at `to` could
	// have been received (migrations/0008_reports_changed.sql): a superset
	// of those changed at or after `to`, whose extra cases count the same
	// at `to` as now. Reading a case's changes by case costs some ten times what
	// reading one change in a pass over all of them does: with more than
	// an eighth of the cases to read, the pass costs less. Counting stops
	// there.
	const candidates = `SELECT id FROM reports INDEXED BY reports_changed
		WHERE changed_at >= :changed_since AND effective_at < :to
			AND street_id IN (SELECT CAST(value AS INTEGER) FROM json_each(:streets))`
	way := sq.changedWay
	if way == chooseWay {
		var n, cases int64
		err := sq.q.QueryRow(`SELECT count(*) FROM (`+candidates+`
			LIMIT (SELECT coalesce(max(rowid), 0) / 8 + 1 FROM reports WHERE street_id IN (SELECT CAST(value AS INTEGER) FROM json_each(:streets)))) AS c`, sq.args()...).Scan(&n)
		if err != nil {
			return err
		}
		if err := sq.q.QueryRow("SELECT coalesce(max(rowid), 0) FROM reports WHERE street_id IN (SELECT CAST(value AS INTEGER) FROM json_each(:streets))", sq.args()...).Scan(&cases); err != nil {
			return err
		}
		way = byCase
		if n > cases/8 {
			way = inOnePass
		}
	}
	changed := candidates
	if way == inOnePass {
		changed = `SELECT report_id FROM events INDEXED BY events_changes
			WHERE conflict = 0 AND (status_before <> status_after OR type = 11)
				AND street_id IN (SELECT CAST(value AS INTEGER) FROM json_each(:streets))
			GROUP BY report_id HAVING max(effective_at) >= :to AND min(effective_at) FILTER (WHERE type = 1) < :to`
	}
	// Only the submission has the submitted_*, and one recorded before
	// submissions carried what was submitted has none: its report says.
	now := atEnd("status_now", "deadline_now", "closed_now", "red_line")
	end := atEnd("status_end", "deadline_end", "closed_end", "red_line")
	var sums []string
	for i := range now {
		sums = append(sums, "coalesce(sum(coalesce("+end[i]+", 0) - coalesce("+now[i]+", 0)), 0)")
	}
	q := query{`WITH changed AS MATERIALIZED (
			SELECT max(street_id) AS street_id, report_id AS id, max(submitted_grid_id) AS grid,
				max(submitted_category) AS category,
				max(submitted_red_line) AS red_line,
				` + sq.stateAt("TRUE", "status_now", "deadline_now", "closed_now") + `,
				` + sq.stateAt("effective_at < :to", "status_end", "deadline_end", "closed_end") + `
			FROM events INDEXED BY events_changes
			WHERE conflict = 0 AND (status_before <> status_after OR type = 11)
				AND street_id IN (SELECT CAST(value AS INTEGER) FROM json_each(:streets)) AND report_id IN (` + changed + `)
			GROUP BY report_id
			HAVING max(effective_at) >= :to AND min(effective_at) FILTER (WHERE type = 1) < :to),
		cases AS (
			SELECT coalesce(grid, (SELECT grid_id FROM reports
					WHERE street_id = changed.street_id AND id = changed.id)) AS grid,
				coalesce(category, (SELECT category FROM reports
					WHERE street_id = changed.street_id AND id = changed.id)) AS category,
				coalesce(red_line, (SELECT iif(` + redLineSQL + `, 1, 0) FROM reports
					WHERE street_id = changed.street_id AND id = changed.id)) AS red_line,
				status_now, deadline_now, closed_now, status_end, deadline_end, closed_end
			FROM changed)
		SELECT grid, category, ` + strings.Join(sums, ", ") + `
		FROM cases WHERE TRUE` + sq.inScope("grid") + `
		GROUP BY grid, category`, sq.args()}
	return forEachRow(sq.q, q, func(rows *sql.Rows) error {
		var k loopKey
		var open, redLine, openOverdue, due, closedOfDue, onTime int64
		if err := rows.Scan(&k.grid, &k.category, &open, &redLine, &openOverdue, &due, &closedOfDue, &onTime); err != nil {
			return err
		}
		t := sq.at(k)
		t.open += open
		t.redLine += redLine
		t.openOverdue += openOverdue
		t.due += due
		t.closedOfDue += closedOfDue
		t.closedOnTime += onTime
		return nil
	})
}

// countEscalations counts the re-dispatches (转派) and urgings (催办) in
// the period, each time, and the cases escalated to supervision (督办) in
// it, each once: events found by type and field time in the index
// events_escalations, few beside the rest, so they are tallied here rather
// than sorted by SQL. The literals are gridinspect.EventReportReassigned,
// EventReportUrged and EventReportSupervised (see stats.go).
func (sq *summaryQuery) countEscalations(*gridinspect.Summary) error {
	q := query{`SELECT e.type, e.report_id, r.grid_id, r.category
		FROM events AS e INDEXED BY events_escalations
			CROSS JOIN reports AS r ON r.street_id = e.street_id AND r.id = e.report_id
		WHERE e.type IN (12, 13, 14) AND e.effective_at >= :from AND e.effective_at < :to
			AND e.conflict = 0 AND e.street_id IN (SELECT CAST(value AS INTEGER) FROM json_each(:streets))` + sq.inScope("r.grid_id"), sq.args()}
	supervised := map[string]bool{}
	return forEachRow(sq.q, q, func(rows *sql.Rows) error {
		var k loopKey
		var typ gridinspect.EventType
		var report string
		if err := rows.Scan(&typ, &report, &k.grid, &k.category); err != nil {
			return err
		}
		t := sq.at(k)
		switch {
		case typ == gridinspect.EventReportReassigned:
			t.reassigned++
		case typ == gridinspect.EventReportUrged:
			t.urged++
		case typ == gridinspect.EventReportSupervised && !supervised[report]:
			supervised[report] = true
			t.supervised++
		}
		return nil
	})
}

// stateAt returns, as SQL columns named status, deadline and closed, a
// case's state after its last change where cond holds (effective_at < :to
// for the end of the period; TRUE for now), aggregated over its timeline
// of changes (events_changes): its status, the deadline the last
// assignment or extension set (deadlines only ever move later, so the
// latest is the last), and the field time of its last closure; NULL where
// there is none. max(seq * 8 + status) is the status after the last change
// (statuses are below 8).
func (sq *summaryQuery) stateAt(cond, status, deadline, closed string) string {
	return `max(seq * 8 + status_after) FILTER (WHERE ` + cond + `) % 8 AS ` + status + `,
		max(deadline_set) FILTER (WHERE ` + cond + `) AS ` + deadline + `,
		` + sq.engine.intAtSeq(false, "effective_at", cond+` AND type = 8 AND status_after = 5`) + ` AS ` + closed
}

// intAtSeq returns, as SQL, an aggregate of a case's timeline: the integer
// col of its first (or, first false, last) event by seq where cond holds;
// NULL if none. SQLite has no such aggregate: the character numbered seq
// before the number makes min() or max() take the first or last one (a
// timeline is far shorter than the 55,296 characters before the first
// that is not one), since SQLite compares text by its bytes. PostgreSQL
// compares text a query makes by the database's collation, which may
// ignore those characters (ICU's do): array_agg orders by seq itself.
func (e engine) intAtSeq(first bool, col, cond string) string {
	agg, order := "max", "DESC"
	if first {
		agg, order = "min", "ASC"
	}
	if e == postgres {
		return `(array_agg(` + col + ` ORDER BY seq ` + order + `) FILTER (WHERE ` + cond + `))[1]`
	}
	return `CAST(substr(` + agg + `(char(seq) || ` + col + `) FILTER (WHERE ` + cond + `), 2) AS INTEGER)`
}

// isChange reports whether e changed its case's status or deadline: the
// events events_changes holds, whose latest sets reports.changed_at.
func isChange(e *gridinspect.Event) bool {
	return !e.Conflict && (e.StatusBefore != e.StatusAfter || e.Type == gridinspect.EventDeadlineExtended)
}

// appendInts appends the comma-separated integers of list to xs, a
// negative one as 0 (a closure dated before its report: 0 days).
func appendInts(xs []int64, list []byte) ([]int64, error) {
	for len(list) > 0 {
		item := list
		if i := bytes.IndexByte(list, ','); i >= 0 {
			item, list = list[:i], list[i+1:]
		} else {
			list = nil
		}
		n, err := strconv.ParseInt(string(item), 10, 64) // does not allocate
		if err != nil {
			return xs, err
		}
		xs = append(xs, max(n, 0))
	}
	return xs, nil
}
