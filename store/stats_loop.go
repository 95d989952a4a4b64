package store

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gridinspect/gridinspect"
)

// The closed loop's figures: closures in the period, and where every case
// stood at the end of it.
//
// Closures. A case that never relapsed has been closed at most once, and
// while it is CLOSED its row says when (closed_at) and how (disposition):
// those closures are counted from the index reports_closed, without their
// events. Only a case that relapsed (relapse_count > 0) can have been
// closed, found back and closed again; its closing events are read from
// the index events_closures.
//
// The end of the period. A case's state at `to` is what its last
// non-conflict event before `to` (by field time, in timeline order) left
// it in: its status, its deadline, and when it was closed. For a case
// with no event at or after `to` that changed its status or deadline,
// that is its row as it is now. So the figures are counted from the rows —
// cases open now, cases no longer open whose deadline fell in the period,
// cases closed in the period without a deadline — and then corrected for
// the cases changed since `to`, whose state at `to` is worked out from
// their timelines: what the rows counted for each is taken off, and what
// its state at `to` counts is added. Only those cases are read into Go;
// for a period that has just ended they are few.

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
	redLine                                      int64   // open at the end, grade C or D, occupied
	toClose                                      []int64 // each closure's time to close, nanoseconds
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
	t.toClose = append(t.toClose, o.toClose...)
}

// summary returns the figures of the tally, with its rates and median.
func (t *loopTally) summary() gridinspect.LoopSummary {
	l := gridinspect.LoopSummary{
		Reported: t.reported, Closed: t.closed, Rejected: t.rejected, Open: t.open, OverdueNow: t.overdueNow,
		Due: t.due, ClosedOfDue: t.closedOfDue, ClosedOnTime: t.closedOnTime, OpenOverdue: t.openOverdue,
		MedianDaysToClose: medianDays(t.toClose),
	}
	if t.due > 0 {
		l.ClosureRate = float64(t.closedOfDue) / float64(t.due)
		l.OnTimeRate = float64(t.closedOnTime) / float64(t.due)
	}
	return l
}

// medianDays returns the median of durations in days: the middle one, or
// the mean of the middle two; 0 for none. It sorts d.
func medianDays(d []int64) float64 {
	n := len(d)
	if n == 0 {
		return 0
	}
	slices.Sort(d)
	m := float64(d[n/2])
	if n%2 == 0 {
		m = (float64(d[n/2-1]) + m) / 2
	}
	return m / float64(24*time.Hour)
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
			coalesce(group_concat(to_close) FILTER (WHERE type = 8), ''),
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
				AND effective_at >= :from AND effective_at < :to`
	}
	return sq.perPair(sub, func(k loopKey, vals []json.RawMessage) error {
		var rejected, closed, interviews, followUps, relapses int64
		if err := ints(vals, &rejected, &closed); err != nil {
			return err
		}
		if err := ints(vals[3:], &interviews, &followUps, &relapses); err != nil {
			return err
		}
		var list string
		if err := json.Unmarshal(vals[2], &list); err != nil {
			return fmt.Errorf("times to close: %w", err)
		}
		t := sq.at(k)
		t.rejected += rejected
		t.closed += closed
		var err error
		if t.toClose, err = appendInts(t.toClose, list); err != nil {
			return fmt.Errorf("times to close: %w", err)
		}
		s.Safety.EnterpriseInterviews += interviews
		var n [6]int64
		switch k.category {
		case gridinspect.CategorySafetyHazard:
			s.Safety.HazardsRectified += closed
		case gridinspect.CategoryPollutingEnterprise:
			if err := ints(vals[6:], &n[0], &n[1], &n[2]); err != nil {
				return err
			}
			s.Polluting.ShutDown += n[0]
			s.Polluting.Relocated += n[1]
			s.Polluting.Upgraded += n[2]
			s.Polluting.FollowUps += followUps
			s.Polluting.Relapses += relapses
		case gridinspect.CategoryIllegalConstruction:
			var area float64
			if err := ints(vals[6:], &n[0], &n[1], &n[2]); err != nil {
				return err
			}
			if err := json.Unmarshal(vals[9], &area); err != nil {
				return fmt.Errorf("area demolished: %w", err)
			}
			s.Construction.Demolished += n[0]
			s.Construction.BillboardsRemoved += n[1]
			s.Construction.ShedsAndStorageCleared += n[2]
			s.Construction.DemolishedAreaSquareMeters += area
		case gridinspect.CategoryWaterSourceRisk:
			s.WaterSources.RisksResolved += closed
		case gridinspect.CategoryDangerousHouse:
			if err := ints(vals[6:], &n[0], &n[1], &n[2], &n[3], &n[4], &n[5]); err != nil {
				return err
			}
			s.DangerousHouses.Demolished += n[3]
			s.DangerousHouses.Renovated += n[4]
			s.DangerousHouses.ResidentsRelocated += n[5]
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
			WHERE grid_id = g.id AND is_open = 1 AND category = c.c`
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
				AND deadline >= :from AND deadline < :to AND effective_at < :to`
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
				AND closed_at >= :from AND closed_at < :to AND effective_at < :to`
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

// caseState is what the end-of-period figures need of a case: its status,
// deadline and closing time (Unix nanoseconds, 0 = none), and whether it
// is on the red line should it be open.
type caseState struct {
	status   gridinspect.Status
	deadline int64
	closedAt int64
	redLine  bool
}

// countAt adds sign × what a case in state c at the end of the period
// counts to t: what countOpenNow, countDue and countClosures count for a
// row, in Go.
func (sq *summaryQuery) countAt(t *loopTally, c caseState, sign int64) {
	open := c.status.Open()
	closed := c.status == gridinspect.StatusClosed
	if open {
		t.open += sign
		if c.redLine {
			t.redLine += sign
		}
	}
	if (c.status == gridinspect.StatusAssigned || c.status == gridinspect.StatusRectifying) &&
		c.deadline != 0 && c.deadline < sq.to {
		t.openOverdue += sign
	}
	due := (c.deadline != 0 && c.deadline >= sq.from && c.deadline < sq.to) ||
		(c.deadline == 0 && closed && c.closedAt >= sq.from && c.closedAt < sq.to)
	if due {
		t.due += sign
		if closed {
			t.closedOfDue += sign
			if c.deadline == 0 || c.closedAt <= c.deadline {
				t.closedOnTime += sign
			}
		}
	}
}

// correctChanged replaces what the rows counted for the cases changed at
// or after the end of the period by what their state at the end counts.
// A case's changes are in events_changes, by case and in timeline order;
// its state at `to` is taken from the last change before `to`: its
// status, the deadline the last assignment or extension before `to` set,
// and the field time of the last closure before `to`. ("Last" is by
// timeline order, so a change recorded late with an earlier time counts
// where it happened.) The cases are those observed before `to` with a
// change at or after it: when a period has just ended they are few, and
// are found from the changes since (events_changes_time); long after,
// most cases have changed since, and every case's changes are read in one
// pass instead.
func (sq *summaryQuery) correctChanged(*gridinspect.Summary) error {
	// Reading a case's changes by case costs some ten times what reading
	// one change in a pass over all of them does: with more than an
	// eighth of the changes (about an eighth of the events) since `to`,
	// the pass costs less. Counting stops there.
	var since int64
	err := sq.q.QueryRow(`SELECT count(*) FROM (SELECT 1 FROM events INDEXED BY events_changes_time
		WHERE effective_at >= :to AND conflict = 0 AND (status_before <> status_after OR type = 11)
		LIMIT (SELECT coalesce(max(rowid), 0) / 8 + 1 FROM events))`, sq.args()...).Scan(&since)
	if err != nil {
		return err
	}
	var events int64
	if err := sq.q.QueryRow("SELECT coalesce(max(rowid), 0) FROM events").Scan(&events); err != nil {
		return err
	}
	// The cases changed since `to`, less those submitted since (a
	// submission's field time is its report's).
	changed := `SELECT report_id FROM events INDEXED BY events_changes_time
			WHERE effective_at >= :to AND conflict = 0 AND (status_before <> status_after OR type = 11) AND type <> 1
		EXCEPT
		SELECT report_id FROM events INDEXED BY events_changes_time
			WHERE effective_at >= :to AND conflict = 0 AND (status_before <> status_after OR type = 11) AND type = 1`
	if since > events/8 {
		changed = `SELECT report_id FROM events INDEXED BY events_changes
			WHERE conflict = 0 AND (status_before <> status_after OR type = 11)
			GROUP BY report_id HAVING max(effective_at) >= :to AND min(effective_at) FILTER (WHERE type = 1) < :to`
	}
	// Of a case's changes (read in timeline order from events_changes):
	// max(seq * 8 + status) is the status after the last (statuses are
	// below 8); a zero-padded seq before a value makes max() take the
	// value of the last one; only the submission has the submitted_*.
	const state = `max(seq * 8 + status_after) FILTER (WHERE %[1]s) %% 8,
		substr(max(printf('%%010d', seq) || deadline_set) FILTER (WHERE %[1]s AND deadline_set IS NOT NULL), 11),
		substr(max(printf('%%010d%%020d', seq, effective_at)) FILTER (WHERE %[1]s AND type = 8 AND status_after = 5), 11)`
	// A submission recorded before submissions carried what was
	// submitted has no submitted_*: its report says.
	q := query{`SELECT
			coalesce(max(submitted_grid_id), (SELECT grid_id FROM reports WHERE id = report_id)),
			coalesce(max(submitted_category), (SELECT category FROM reports WHERE id = report_id)),
			coalesce(max(submitted_red_line), (SELECT ` + redLineSQL + ` FROM reports WHERE id = report_id)),
			` + fmt.Sprintf(state, "seq > 0") + `,
			` + fmt.Sprintf(state, "effective_at < :to") + `
		FROM events INDEXED BY events_changes
		WHERE conflict = 0 AND (status_before <> status_after OR type = 11) AND report_id IN (` + changed + `)
		GROUP BY report_id
		HAVING max(effective_at) >= :to AND min(effective_at) FILTER (WHERE type = 1) < :to` +
		sq.inScope("coalesce(max(submitted_grid_id), (SELECT grid_id FROM reports WHERE id = report_id))"), sq.args()}
	return forEachRow(sq.q, q, func(rows *sql.Rows) error {
		var k loopKey
		var redLine bool
		var now, atEnd caseChanges
		if err := rows.Scan(&k.grid, &k.category, &redLine, &now.status, &now.deadline, &now.closedAt,
			&atEnd.status, &atEnd.deadline, &atEnd.closedAt); err != nil {
			return err
		}
		t := sq.at(k)
		for _, c := range []struct {
			changes caseChanges
			sign    int64
		}{{now, -1}, {atEnd, +1}} {
			st, err := c.changes.state(redLine)
			if err != nil {
				return err
			}
			sq.countAt(t, st, c.sign)
		}
		return nil
	})
}

// caseChanges is a case's state as its last change says it: status, the
// deadline as its JSON writes it, the field time of the last closure.
type caseChanges struct {
	status   gridinspect.Status
	deadline sql.NullString
	closedAt sql.NullInt64
}

func (c caseChanges) state(redLine bool) (caseState, error) {
	st := caseState{status: c.status, redLine: redLine}
	if c.deadline.Valid {
		t, err := time.Parse(time.RFC3339Nano, c.deadline.String)
		if err != nil {
			return st, fmt.Errorf("deadline %q: %w", c.deadline.String, err)
		}
		st.deadline = t.UnixNano()
	}
	if c.status == gridinspect.StatusClosed {
		st.closedAt = c.closedAt.Int64
	}
	return st, nil
}

// appendInts appends the comma-separated integers of list to xs, a
// negative one as 0 (a closure dated before its report: 0 days). It is the
// parse of group_concat, which is much faster than JSON's for the hundreds
// of thousands of closures of a busy half-year.
func appendInts(xs []int64, list string) ([]int64, error) {
	for list != "" {
		item, rest, _ := strings.Cut(list, ",")
		n, err := strconv.ParseInt(item, 10, 64)
		if err != nil {
			return xs, err
		}
		xs = append(xs, max(n, 0))
		list = rest
	}
	return xs, nil
}
