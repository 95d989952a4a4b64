package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"golang.org/x/text/collate"
	"golang.org/x/text/language"

	"github.com/gridinspect/gridinspect"
)

// The grid workers' appraisal (网格员考核), counted in SQL in one read
// transaction, like the summary. Every case's state at the end of the
// period is read from its timeline of changes (stateAt, the summary's own
// reading of it) and judged by atEnd, so "due" and "on time" are the
// summary's to the letter: a grid's figures here equal its LoopSummary.
// Unlike the summary, which counts most cases from their rows, every case
// found before `to` in the grids counted is read: a worker is known only
// case by case. That is a pass over the grids' timelines of changes, a
// few milliseconds per thousand cases: an appraisal is asked for twice a
// year, not on every page.

// appraisalKey is a person in a grid; person "" is nobody (a case assigned
// to a unit only, or not yet assigned).
type appraisalKey struct{ person, grid string }

// appraisalTally is one key's figures before rates and means.
type appraisalTally struct {
	reportsMade, handled, closed, toClose int64 // toClose: nanoseconds, summed over closed
	due, closedOnTime, failedFirst        int64
	relapses, patrols                     int64
}

func (t *appraisalTally) add(o *appraisalTally) {
	t.reportsMade += o.reportsMade
	t.handled += o.handled
	t.closed += o.closed
	t.toClose += o.toClose
	t.due += o.due
	t.closedOnTime += o.closedOnTime
	t.failedFirst += o.failedFirst
	t.relapses += o.relapses
	t.patrols += o.patrols
}

// figures returns the tally's figures, with the on-time rate as the
// loop's (loopTally.summary: 0 when nothing was due).
func (t *appraisalTally) figures() gridinspect.AppraisalFigures {
	f := gridinspect.AppraisalFigures{
		ReportsMade: t.reportsMade, CasesHandled: t.handled, Closed: t.closed,
		Due: t.due, ClosedOnTime: t.closedOnTime,
		OnTimeRate:              (&loopTally{due: t.due, closedOnTime: t.closedOnTime}).summary().OnTimeRate,
		FailedFirstVerification: t.failedFirst, Relapses: t.relapses, PatrolsDone: t.patrols,
	}
	if t.closed > 0 {
		f.MeanDaysToClose = float64(t.toClose) / float64(t.closed) / float64(24*time.Hour)
	}
	return f
}

// Appraisal counts the grid workers' appraisal for [from, to) in the
// grids asked, or the caller's scope. See gridinspect.StatsService.
func (db *DB) Appraisal(ctx context.Context, from, to time.Time, gridIDs []string) (*gridinspect.Appraisal, error) {
	a, grids, err := db.statsScope(ctx, from, to, gridIDs)
	if err != nil {
		return nil, err
	}
	sq := db.newSummaryQuery(a, from, to, grids)
	// The earliest server time at which a change at or after `from` can
	// have been received (summaryQuery.changedSince, for `from`).
	changedSinceFrom := from.Add(-db.rules.MaxClockAhead).UnixNano()
	out := &gridinspect.Appraisal{From: from.UTC(), To: to.UTC()}
	err = db.Read(ctx, func(tx *sql.Tx) error {
		sq.q = tx
		names, err := sq.gridNames(a)
		if err != nil {
			return err
		}
		out.GridIDs = sq.counted
		if len(sq.counted) == 0 {
			return nil
		}
		tally := map[appraisalKey]*appraisalTally{}
		at := func(k appraisalKey) *appraisalTally {
			if tally[k] == nil {
				tally[k] = &appraisalTally{}
			}
			return tally[k]
		}
		for _, step := range []struct {
			what string
			fn   func(func(appraisalKey) *appraisalTally) error
		}{
			{"reports made", sq.appraiseReports},
			{"patrols", sq.appraisePatrols},
			{"cases", func(at func(appraisalKey) *appraisalTally) error { return sq.appraiseCases(at, changedSinceFrom) }},
		} {
			if err := step.fn(at); err != nil {
				return fmt.Errorf("count %s: %w", step.what, err)
			}
		}
		sched, err := sq.schedulesByGrid()
		if err != nil {
			return fmt.Errorf("count patrol schedules: %w", err)
		}
		return sq.appraisalRows(out, names, tally, sched)
	})
	if err != nil {
		return nil, domainErr(err, "appraisal %s…%s", from.UTC().Format(time.RFC3339), to.UTC().Format(time.RFC3339))
	}
	return out, nil
}

// appraiseReports counts the reports each person made in each grid in the
// period, all of them (the loop's "reported").
func (sq *summaryQuery) appraiseReports(at func(appraisalKey) *appraisalTally) error {
	return sq.countByReporter("reports", func(t *appraisalTally, n int64) { t.reportsMade += n }, at)
}

// appraisePatrols counts the patrols each person recorded in each grid,
// started in the period.
func (sq *summaryQuery) appraisePatrols(at func(appraisalKey) *appraisalTally) error {
	return sq.countByReporter("patrols INDEXED BY patrols_grid_time", func(t *appraisalTally, n int64) { t.patrols += n }, at)
}

// countByReporter counts the rows of from (reports or patrols) in the
// period by reporter and grid, adding each count to its tally with add.
func (sq *summaryQuery) countByReporter(from string, add func(*appraisalTally, int64), at func(appraisalKey) *appraisalTally) error {
	q := query{`SELECT reporter_id, grid_id, count(*) FROM ` + from + `
		WHERE grid_id IN (SELECT value FROM json_each(:grids)) AND effective_at >= :from AND effective_at < :to
			AND street_id IN (SELECT CAST(value AS INTEGER) FROM json_each(:streets))
		GROUP BY 1, 2`, sq.args()}
	return forEachRow(sq.q, q, func(rows *sql.Rows) error {
		var k appraisalKey
		var n int64
		if err := rows.Scan(&k.person, &k.grid, &n); err != nil {
			return err
		}
		add(at(k), n)
		return nil
	})
}

// appraiseCases counts, for every case found before `to` in the grids
// counted, by its worker at the end of the period (the person of its last
// assignment or re-dispatch, 转派, before `to`) and its grid: handled
// (open at the start of the period, or changed in it), closures in the
// period and their times to close, due and closed on time (atEnd, as the
// loop), its first verification failed in the period, and follow-ups in
// the period that found it back.
func (sq *summaryQuery) appraiseCases(at func(appraisalKey) *appraisalTally, changedSinceFrom int64) error {
	return forEachRow(sq.q, sq.appraisalCasesQuery(changedSinceFrom), func(rows *sql.Rows) error {
		var k appraisalKey
		var t appraisalTally
		var toCloseS, toCloseNs int64
		if err := rows.Scan(&k.person, &k.grid, &t.handled, &t.closed, &toCloseS, &toCloseNs, &t.due, &t.closedOnTime,
			&t.failedFirst, &t.relapses); err != nil {
			return err
		}
		t.toClose = toCloseS*int64(time.Second) + toCloseNs
		at(k).add(&t)
		return nil
	})
}

// appraisalCasesQuery is appraiseCases' query.
func (sq *summaryQuery) appraisalCasesQuery(changedSinceFrom int64) query {
	end := atEnd("status_end", "deadline_end", "closed_end", "0")
	const inPeriod = `effective_at >= :from AND effective_at < :to`
	// The cases that can count: open now, changed since a change at
	// `from` could have been received (as correctChanged's candidates), or
	// with a deadline from `from` on. Any other case was closed or
	// rejected before the period, with no change in it or since, and a
	// deadline before it (deadlines only move later): it counts nothing.
	return query{`WITH candidates (id) AS (
			SELECT id FROM reports INDEXED BY reports_grid_open_category_time
				WHERE grid_id IN (SELECT value FROM json_each(:grids)) AND is_open = 1 AND effective_at < :to
					AND street_id IN (SELECT CAST(value AS INTEGER) FROM json_each(:streets))
			UNION SELECT id FROM reports INDEXED BY reports_changed
				WHERE changed_at >= :changed_since_from AND effective_at < :to
					AND street_id IN (SELECT CAST(value AS INTEGER) FROM json_each(:streets))
			UNION SELECT id FROM reports INDEXED BY reports_due
				WHERE grid_id IN (SELECT value FROM json_each(:grids)) AND is_open = 0 AND deadline IS NOT NULL
					AND deadline >= :from AND effective_at < :to
					AND street_id IN (SELECT CAST(value AS INTEGER) FROM json_each(:streets))),
		cases AS MATERIALIZED (
			SELECT street_id, id, grid_id, reporter_id, rectified_on_spot, effective_at AS found_at,
				(SELECT json_extract(x.payload, iif(x.type = 2, '$.Assignment.AssigneeID', '$.Reassignment.AssigneeID'))
					FROM events AS x
					WHERE x.street_id = reports.street_id AND x.report_id = reports.id
						AND x.type IN (2, 12) AND x.conflict = 0 AND x.effective_at < :to
					ORDER BY x.seq DESC LIMIT 1) AS assignee
			FROM reports
			WHERE id IN candidates AND grid_id IN (SELECT value FROM json_each(:grids)) AND effective_at < :to
				AND street_id IN (SELECT CAST(value AS INTEGER) FROM json_each(:streets))),
		timelines AS MATERIALIZED (
			SELECT report_id AS id,
				` + sq.stateAt("effective_at < :to", "status_end", "deadline_end", "closed_end") + `,
				max(seq * 8 + status_after) FILTER (WHERE effective_at < :from) % 8 AS status_start,
				count(*) FILTER (WHERE ` + inPeriod + `) AS changes,
				count(*) FILTER (WHERE type = 8 AND status_after = 5 AND ` + inPeriod + `) AS closed,
				-- Times to close summed exactly, as integers (a sum of floating
				-- point numbers depends on the order the engine adds them in):
				-- whole seconds and the nanoseconds beyond, neither near
				-- overflowing.
				sum(max(effective_at - found_at, 0) / 1000000000)
					FILTER (WHERE type = 8 AND status_after = 5 AND ` + inPeriod + `) AS to_close_s,
				sum(max(effective_at - found_at, 0) % 1000000000)
					FILTER (WHERE type = 8 AND status_after = 5 AND ` + inPeriod + `) AS to_close_ns,
				iif(min(seq * 8 + status_after) FILTER (WHERE type = 8) % 8 = 3 AND
					` + sq.engine.intAtSeq(true, "effective_at", "type = 8") + `
					BETWEEN :from AND :to - 1, 1, 0) AS failed_first,
				count(*) FILTER (WHERE type = 9 AND status_after = 3 AND ` + inPeriod + `) AS relapses
			-- Each case's range of changes (CROSS JOIN keeps that order): not
			-- every change of the street.
			FROM cases CROSS JOIN events INDEXED BY events_changes
				ON events.street_id = cases.street_id AND events.report_id = cases.id
			WHERE conflict = 0 AND (status_before <> status_after OR type = 11)
			GROUP BY report_id)
		SELECT coalesce(assignee, iif(rectified_on_spot = 1, reporter_id, '')), grid_id,
			count(*) FILTER (WHERE status_start BETWEEN 1 AND 4 OR changes > 0),
			sum(closed), coalesce(sum(to_close_s), 0), coalesce(sum(to_close_ns), 0),
			sum(coalesce(` + end[3] + `, 0)), sum(coalesce(` + end[5] + `, 0)),
			sum(coalesce(failed_first, 0)), sum(relapses)
		FROM cases JOIN timelines USING (id)
		GROUP BY 1, 2`, append(sq.args(), sql.Named("changed_since_from", changedSinceFrom))}
}

// appraisalRows fills out's rows from the tallies: a grid's row sums every
// person's figures in it; a person's row sums their figures over the
// grids. The people are the enabled workers of the grids counted and
// everyone with a figure, street by street, each street's by their first
// grid counted in the office's order (those in none last), then the pinyin
// of their names. A grid's patrol schedules (sched) go to its row and,
// whole, to each enabled worker of the grid: the schedule is the duty of
// its workers together.
func (sq *summaryQuery) appraisalRows(out *gridinspect.Appraisal, names map[string]string, tally map[appraisalKey]*appraisalTally,
	sched map[string]*scheduleCount) error {
	withSchedules := func(f *gridinspect.AppraisalFigures, grid string) {
		if c := sched[grid]; c != nil {
			f.PatrolsScheduled += c.wanted
			f.PatrolsDoneOnSchedule += c.done
		}
	}
	byGrid := map[string]*appraisalTally{}
	byPerson := map[string]*appraisalTally{}
	personStreet := map[string]int64{} // for an id that names no account: its grids' street
	for k, t := range tally {
		if byGrid[k.grid] == nil {
			byGrid[k.grid] = &appraisalTally{}
		}
		byGrid[k.grid].add(t)
		if k.person == "" {
			continue
		}
		if byPerson[k.person] == nil {
			byPerson[k.person] = &appraisalTally{}
		}
		if st, ok := personStreet[k.person]; !ok || sq.streetOf[k.grid] < st {
			personStreet[k.person] = sq.streetOf[k.grid] // the first, should one id have figures in two
		}
		byPerson[k.person].add(t)
	}
	for _, g := range sq.counted {
		t := byGrid[g]
		if t == nil {
			t = &appraisalTally{}
		}
		ga := gridinspect.GridAppraisal{GridID: g, GridName: names[g], StreetID: sq.streetOf[g], AppraisalFigures: t.figures()}
		withSchedules(&ga.AppraisalFigures, g)
		out.Grids = append(out.Grids, ga)
	}

	people := make([]string, 0, len(byPerson))
	for p := range byPerson {
		people = append(people, p)
	}
	ids, _ := json.Marshal(people) // cannot fail: strings
	rank := map[string]int{}
	for i, g := range sq.counted {
		rank[g] = i
	}
	var list []gridinspect.WorkerAppraisal
	scheduled := map[string]bool{} // the enabled workers, credited with their grids' schedules
	q := query{`SELECT u.id, u.display_name, u.role, u.disabled, u.street_id,
			(SELECT json_group_array(grid_id) FROM user_grids WHERE street_id = u.street_id AND user_id = u.id)
		FROM users AS u
		WHERE u.street_id IN (SELECT CAST(value AS INTEGER) FROM json_each(:streets))
			AND ((u.role = 1 AND u.disabled = 0 AND u.id IN (SELECT user_id FROM user_grids
					WHERE street_id IN (SELECT CAST(value AS INTEGER) FROM json_each(:streets)) AND grid_id IN (SELECT value FROM json_each(:grids))))
				OR u.id IN (SELECT value FROM json_each(:people)))`,
		append(sq.args(), sql.Named("people", string(ids)))}
	err := forEachRow(sq.q, q, func(rows *sql.Rows) error {
		var w gridinspect.WorkerAppraisal
		var grids []byte
		var disabled bool
		if err := rows.Scan(&w.UserID, &w.Name, &w.Role, &disabled, &w.StreetID, &grids); err != nil {
			return err
		}
		var all []string
		if err := json.Unmarshal(grids, &all); err != nil {
			return fmt.Errorf("grids of user %s: %w", w.UserID, err)
		}
		for _, g := range all {
			if _, ok := rank[g]; ok {
				w.GridIDs = append(w.GridIDs, g)
			}
		}
		slices.SortFunc(w.GridIDs, func(a, b string) int { return cmp.Compare(rank[a], rank[b]) })
		scheduled[w.UserID] = w.Role == gridinspect.RoleWorker && !disabled
		list = append(list, w)
		return nil
	})
	if err != nil {
		return fmt.Errorf("read people: %w", err)
	}
	found := map[string]bool{}
	for i := range list {
		found[list[i].UserID] = true
		if t := byPerson[list[i].UserID]; t != nil {
			list[i].AppraisalFigures = t.figures()
		}
		if scheduled[list[i].UserID] {
			for _, g := range list[i].GridIDs {
				withSchedules(&list[i].AppraisalFigures, g)
			}
		}
	}
	for _, p := range people {
		if !found[p] { // an id that names no account: kept, without a name
			list = append(list, gridinspect.WorkerAppraisal{UserID: p, StreetID: personStreet[p], AppraisalFigures: byPerson[p].figures()})
		}
	}
	first := func(w gridinspect.WorkerAppraisal) int {
		if len(w.GridIDs) == 0 {
			return len(sq.counted)
		}
		return rank[w.GridIDs[0]]
	}
	coll := collate.New(language.Chinese)
	slices.SortFunc(list, func(a, b gridinspect.WorkerAppraisal) int {
		// Street by street (as sq.counted), so a street's people in no
		// grid stay with their street.
		if c := cmp.Compare(a.StreetID, b.StreetID); c != 0 {
			return c
		}
		if c := cmp.Compare(first(a), first(b)); c != 0 {
			return c
		}
		if c := coll.CompareString(a.Name, b.Name); c != 0 {
			return c
		}
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return strings.Compare(a.UserID, b.UserID)
	})
	out.Workers = list
	return nil
}
