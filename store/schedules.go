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

// SetPatrolSchedule sets the schedule of a subject or a grid. See
// gridinspect.PatrolScheduleService.
func (db *DB) SetPatrolSchedule(ctx context.Context, in *gridinspect.PatrolSchedule) (*gridinspect.PatrolSchedule, error) {
	a, err := gridinspect.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	if !a.IsSupervisor() {
		return nil, errScheduleRole
	}
	if in == nil {
		return nil, gridinspect.Errorf(gridinspect.EINVALID, "schedule is required")
	}
	s := &gridinspect.PatrolSchedule{SubjectID: strings.ToLower(in.SubjectID), GridID: strings.ToLower(in.GridID),
		Kind: in.Kind, Period: in.Period, Every: in.Every, Times: in.Times, StartsAt: in.StartsAt, Note: in.Note}
	if err := gridinspect.ValidatePatrolSchedule(s); err != nil {
		return nil, err
	}
	if err := checkStorableErr("invalid patrol schedule", "schedule.starts_at", s.StartsAt); err != nil {
		return nil, err
	}
	var out *gridinspect.PatrolSchedule
	err = db.Write(ctx, func(tx *Tx) error {
		ns := *s
		if err := checkScheduleTarget(tx, a, &ns); err != nil {
			return err
		}
		cal, err := scheduleCalendar(tx, &ns)
		if err != nil {
			return err
		}
		gridinspect.NormalizePatrolSchedule(&ns, tx.Now, cal)
		col, target := scheduleTarget(&ns)
		start := ns.StartsAt.UnixNano()
		// Versions that would start at or after the new one are replaced
		// whole; the one in force (or any that ran past the new start)
		// ends where the new one starts, so no period counts twice.
		if _, err := tx.Exec("DELETE FROM patrol_schedules WHERE street_id = ? AND "+col+" = ? AND starts_at >= ?", tx.Street, target, start); err != nil {
			return err
		}
		if _, err := tx.Exec("UPDATE patrol_schedules SET ends_at = ? WHERE street_id = ? AND "+col+" = ? AND (ends_at IS NULL OR ends_at > ?)",
			start, tx.Street, target, start); err != nil {
			return err
		}
		ownGrid := ns.GridID // a grid's own schedule; a subject's follows its subject
		if ns.SubjectID != "" {
			ownGrid = ""
		}
		if _, err := tx.Exec(`INSERT INTO patrol_schedules (street_id, subject_id, grid_id, kind, period, every, times, starts_at, note, set_by, set_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			tx.Street, nullString(ns.SubjectID), nullString(ownGrid), ns.Kind, ns.Period,
			ns.Every, ns.Times, start, ns.Note, a.UserID, tx.Now.UnixNano()); err != nil {
			return err
		}
		list, err := readSchedules(tx, scheduleQuery{street: tx.Street, inForce: true, target: target, col: col})
		if err != nil {
			return err
		}
		if len(list) != 1 {
			return fmt.Errorf("read back: %d schedules in force", len(list))
		}
		out = list[0]
		return nil
	})
	if err != nil {
		return nil, domainErr(err, "set patrol schedule")
	}
	return out, nil
}

var errScheduleRole = gridinspect.Errorf(gridinspect.EFORBIDDEN, "only supervisors and admins may set patrol schedules").
	Zh("只有主管和管理员可以设置巡查计划")

// checkStorableErr returns checkStorable's verdict on t as an error.
func checkStorableErr(message, field string, t time.Time) error {
	var v gridinspect.Violations
	checkStorable(&v, field, t)
	return v.Err(message)
}

// checkScheduleTarget checks that the schedule's subject or grid exists in
// the caller's scope, and fills in the subject's grid.
func checkScheduleTarget(q queryer, a *gridinspect.Actor, s *gridinspect.PatrolSchedule) error {
	if s.SubjectID != "" {
		if err := checkSubjectRef(q, a, "invalid patrol schedule", "schedule.subject_id", s.SubjectID); err != nil {
			return err
		}
		return nil
	}
	if !a.CanSeeGrid(s.GridID) {
		return gridinspect.ErrOutOfScope
	}
	ok, err := gridExists(q, a.Street(), s.GridID)
	if err != nil {
		return err
	}
	if !ok {
		return violationZh("invalid patrol schedule", "schedule.grid_id", "no such grid", "网格不存在")
	}
	return nil
}

// scheduleTarget returns the column naming the schedule's target and its
// id.
func scheduleTarget(s *gridinspect.PatrolSchedule) (col, id string) {
	if s.SubjectID != "" {
		return "subject_id", s.SubjectID
	}
	return "grid_id", s.GridID
}

// ListPatrolSchedules lists the schedules in force. See
// gridinspect.PatrolScheduleService.
func (db *DB) ListPatrolSchedules(ctx context.Context, gridIDs []string) ([]*gridinspect.PatrolSchedule, error) {
	a, err := gridinspect.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	grids, err := scopeGrids(a, gridIDs)
	if err != nil {
		return nil, err
	}
	var out []*gridinspect.PatrolSchedule
	err = db.Read(ctx, func(tx *sql.Tx) error {
		out, err = readSchedules(tx, scheduleQuery{street: a.Street(), inForce: true, grids: grids, scoped: true})
		return err
	})
	if err != nil {
		return nil, domainErr(err, "list patrol schedules")
	}
	return out, nil
}

// DeletePatrolSchedule ends a schedule now. See
// gridinspect.PatrolScheduleService.
func (db *DB) DeletePatrolSchedule(ctx context.Context, subjectID, gridID string) error {
	a, err := gridinspect.RequireActor(ctx)
	if err != nil {
		return err
	}
	if !a.IsSupervisor() {
		return errScheduleRole
	}
	s := &gridinspect.PatrolSchedule{SubjectID: strings.ToLower(subjectID), GridID: strings.ToLower(gridID)}
	if err := gridinspect.ValidateScheduleTarget(s.SubjectID, s.GridID); err != nil {
		return err
	}
	err = db.Write(ctx, func(tx *Tx) error {
		if s.SubjectID != "" {
			if err := checkSubjectRef(tx, a, "invalid patrol schedule", "subject_id", s.SubjectID); err != nil {
				return err
			}
		} else if !a.CanSeeGrid(s.GridID) {
			return gridinspect.ErrOutOfScope
		}
		col, target := scheduleTarget(s)
		now := tx.Now.UnixNano()
		// A version that has not started yet goes whole.
		del, err := tx.Exec("DELETE FROM patrol_schedules WHERE street_id = ? AND "+col+" = ? AND ends_at IS NULL AND starts_at >= ?", tx.Street, target, now)
		if err != nil {
			return err
		}
		upd, err := tx.Exec("UPDATE patrol_schedules SET ends_at = ? WHERE street_id = ? AND "+col+" = ? AND ends_at IS NULL", now, tx.Street, target)
		if err != nil {
			return err
		}
		n1, err := del.RowsAffected()
		if err != nil {
			return err
		}
		n2, err := upd.RowsAffected()
		if err != nil {
			return err
		}
		if n1+n2 == 0 {
			return gridinspect.NotFound(a, "no patrol schedule in force for %s", target)
		}
		return nil
	})
	return domainErr(err, "delete patrol schedule")
}

// ListDuePatrols lists what is missed and due. See
// gridinspect.PatrolScheduleService.
func (db *DB) ListDuePatrols(ctx context.Context, gridIDs []string, missedSince time.Time) ([]*gridinspect.DuePatrol, time.Time, error) {
	a, err := gridinspect.RequireActor(ctx)
	if err != nil {
		return nil, time.Time{}, err
	}
	grids, err := scopeGrids(a, gridIDs)
	if err != nil {
		return nil, time.Time{}, err
	}
	now := db.now()
	switch {
	case missedSince.IsZero():
		missedSince = now.Add(-gridinspect.DefaultMissedLookback)
	case missedSince.Before(now.Add(-gridinspect.MaxMissedLookback)):
		return nil, time.Time{}, violationZh("invalid due patrols request", "missed_since",
			"is more than 366 days ago", "最多往前查 366 天")
	}
	var out []*gridinspect.DuePatrol
	err = db.Read(ctx, func(tx *sql.Tx) error {
		out, err = duePatrols(tx, a.Street(), grids, missedSince, now)
		return err
	})
	if err != nil {
		return nil, time.Time{}, domainErr(err, "list due patrols")
	}
	return out, now, nil
}

// duePatrols lists the periods of the schedules of a street's grids (nil:
// every grid) missed after since, oldest first, then those under way at
// now that still want patrols, soonest to end first.
func duePatrols(q queryer, street int64, grids []string, since, now time.Time) ([]*gridinspect.DuePatrol, error) {
	list, err := readSchedules(q, scheduleQuery{street: street, grids: grids, scoped: true, from: since, to: now})
	if err != nil {
		return nil, err
	}
	cal, err := scheduleCalendar(q, list...)
	if err != nil {
		return nil, err
	}
	var missed, due []*gridinspect.DuePatrol
	for _, s := range list {
		periods := s.EndedPeriods(cal, since, now)
		var current bool
		if s.EndsAt.IsZero() && !now.Before(s.StartsAt) {
			var cur gridinspect.SchedulePeriod
			cur.Start, cur.End = s.PeriodAt(cal, now)
			// On a day off, a working-day schedule has no period under
			// way: the next one is not due yet.
			if current = !now.Before(cur.Start); current {
				periods = append(periods, cur)
			}
		}
		if len(periods) == 0 {
			continue
		}
		done, err := countAgainst(q, street, s, periods)
		if err != nil {
			return nil, err
		}
		for i, p := range periods {
			if done[i] >= s.Times {
				continue
			}
			d := &gridinspect.DuePatrol{Schedule: s, Start: p.Start, End: p.End, Wanted: s.Times, Done: done[i]}
			if current && i == len(periods)-1 {
				due = append(due, d)
			} else {
				d.Missed = true
				missed = append(missed, d)
			}
		}
	}
	// Stable: schedules stay in their listing order within a time.
	slices.SortStableFunc(missed, func(x, y *gridinspect.DuePatrol) int { return x.End.Compare(y.End) })
	slices.SortStableFunc(due, func(x, y *gridinspect.DuePatrol) int { return x.End.Compare(y.End) })
	if over := len(missed) + len(due) - gridinspect.MaxDuePatrols; over > 0 {
		missed = missed[min(over, len(missed)):]
		due = due[:min(len(due), gridinspect.MaxDuePatrols)]
	}
	return append(missed, due...), nil
}

// countAgainst returns how many patrols count against each of the
// schedule's periods (in order, not overlapping), each at most the
// schedule's times; of a street's patrols (0: the summary's, whose
// grids say the street).
func countAgainst(q queryer, street int64, s *gridinspect.PatrolSchedule, periods []gridinspect.SchedulePeriod) ([]int, error) {
	col, target := scheduleTarget(s)
	sqlText := "SELECT effective_at FROM patrols WHERE " + col + " = ? AND effective_at >= ? AND effective_at < ?"
	args := []any{target, periods[0].Start.UnixNano(), periods[len(periods)-1].End.UnixNano()}
	if street != 0 {
		sqlText += " AND street_id = ?"
		args = append(args, street)
	}
	if s.Kind != gridinspect.PatrolKindUnspecified {
		sqlText += " AND kind = ?"
		args = append(args, s.Kind)
	}
	done := make([]int, len(periods))
	err := forEachRow(q, query{sqlText, args}, func(rows *sql.Rows) error {
		var at int64
		if err := rows.Scan(&at); err != nil {
			return err
		}
		t := time.Unix(0, at)
		i, ok := slices.BinarySearchFunc(periods, t, func(p gridinspect.SchedulePeriod, t time.Time) int {
			switch {
			case !t.Before(p.End):
				return -1
			case t.Before(p.Start):
				return 1
			}
			return 0
		})
		if ok && done[i] < s.Times {
			done[i]++
		}
		return nil
	})
	return done, err
}

// scheduleCalendar loads the admin's calendar, the one deadlines count
// on, when one of the schedules counts working days; nil otherwise, as
// no period needs it.
func scheduleCalendar(q queryer, list ...*gridinspect.PatrolSchedule) (*gridinspect.Calendar, error) {
	for _, s := range list {
		if s.Period == gridinspect.PatrolPeriodWorkingDay {
			return loadCalendar(q)
		}
	}
	return nil, nil
}

// scheduleQuery selects schedule versions.
type scheduleQuery struct {
	street   int64  // only this street's (0: the summary's, whose grids say the street)
	inForce  bool   // only the versions in force
	col      string // with target: only this target's
	target   string
	scoped   bool      // only the versions in grids (nil: every grid)
	grids    []string  // by the target's grid (a subject's own)
	from, to time.Time // unless zero: versions in force some time in (from, to)
}

// readSchedules reads schedule versions with their names, by grid (in the
// office's order), the grid's own first, then by subject name and start.
func readSchedules(q queryer, sq scheduleQuery) ([]*gridinspect.PatrolSchedule, error) {
	var w where
	if sq.street != 0 {
		w.add("ps.street_id = ?", sq.street)
	}
	if sq.inForce {
		w.add("ps.ends_at IS NULL")
	}
	if sq.target != "" {
		w.add("ps."+sq.col+" = ?", sq.target)
	}
	if sq.scoped && sq.grids != nil {
		grids, _ := json.Marshal(sq.grids) // cannot fail: strings
		w.add("coalesce(ps.grid_id, s.grid_id) IN (SELECT value FROM json_each(?))", string(grids))
	}
	if !sq.from.IsZero() {
		w.add("ps.starts_at < ? AND (ps.ends_at IS NULL OR ps.ends_at > ?)", sq.to.UnixNano(), sq.from.UnixNano())
	}
	type row struct {
		s     *gridinspect.PatrolSchedule
		order int
	}
	var rows []row
	err := forEachRow(q, query{`SELECT coalesce(ps.subject_id, ''), coalesce(ps.grid_id, s.grid_id), ps.kind, ps.period,
		ps.every, ps.times, ps.starts_at, ps.ends_at, ps.note, ps.set_by, ps.set_at,
		coalesce(s.name, ''), coalesce(s.kind, 0), g.name, g.sort_order
		FROM patrol_schedules ps LEFT JOIN subjects s ON s.street_id = ps.street_id AND s.id = ps.subject_id
		JOIN grids g ON g.street_id = ps.street_id AND g.id = coalesce(ps.grid_id, s.grid_id)` + w.String(), w.args},
		func(rs *sql.Rows) error {
			var r row
			s := &gridinspect.PatrolSchedule{}
			var starts, setAt int64
			var ends sql.NullInt64
			if err := rs.Scan(&s.SubjectID, &s.GridID, &s.Kind, &s.Period, &s.Every, &s.Times, &starts, &ends,
				&s.Note, &s.SetBy, &setAt, &s.SubjectName, &s.SubjectKind, &s.GridName, &r.order); err != nil {
				return err
			}
			s.StartsAt, s.SetAt = time.Unix(0, starts).UTC(), time.Unix(0, setAt).UTC()
			if ends.Valid {
				s.EndsAt = time.Unix(0, ends.Int64).UTC()
			}
			r.s = s
			rows = append(rows, r)
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("read patrol schedules: %w", err)
	}
	sorter := newGridSorter()
	slices.SortStableFunc(rows, func(x, y row) int {
		if c := sorter.compare(gridKey{ID: x.s.GridID, Name: x.s.GridName, Order: x.order},
			gridKey{ID: y.s.GridID, Name: y.s.GridName, Order: y.order}); c != 0 {
			return c
		}
		if c := sorter.compare(gridKey{ID: x.s.SubjectID, Name: x.s.SubjectName}, gridKey{ID: y.s.SubjectID, Name: y.s.SubjectName}); c != 0 {
			return c
		}
		return x.s.StartsAt.Compare(y.s.StartsAt)
	})
	out := make([]*gridinspect.PatrolSchedule, len(rows))
	for i, r := range rows {
		out[i] = r.s
	}
	return out, nil
}

// scheduleCount is what the schedules of one grid (its own and its
// subjects') wanted and got in their periods that ended in a period.
type scheduleCount struct {
	wanted, done, periodsMissed int64
}

// countSchedules counts the patrols the schedules wanted in their periods
// that ended in the period (and by now), and those done against them.
func (sq *summaryQuery) countSchedules(s *gridinspect.Summary) error {
	byGrid, err := sq.schedulesByGrid()
	if err != nil {
		return err
	}
	for _, c := range byGrid {
		s.PatrolsScheduled += c.wanted
		s.PatrolsDoneOnSchedule += c.done
		s.PatrolPeriodsMissed += c.periodsMissed
	}
	s.PatrolsMissed = s.PatrolsScheduled - s.PatrolsDoneOnSchedule
	if s.PatrolsScheduled > 0 {
		s.PatrolCompletionRate = float64(s.PatrolsDoneOnSchedule) / float64(s.PatrolsScheduled)
	}
	return nil
}

// schedulesByGrid counts, by grid (a subject's schedule in the subject's
// grid), the patrols the schedules of the grids counted wanted in their
// periods that ended in the period and by now, the patrols done against
// them and the periods that ended short: the summary's 应巡 and 已巡, and
// the appraisal's.
func (sq *summaryQuery) schedulesByGrid() (map[string]*scheduleCount, error) {
	out := map[string]*scheduleCount{}
	from, to := time.Unix(0, sq.from), time.Unix(0, min(sq.to, sq.now))
	if !to.After(from) {
		return out, nil
	}
	// The schedules of the grids counted, which are the streets' counted
	// (statsActor), even when every grid is.
	list, err := readSchedules(sq.q, scheduleQuery{grids: sq.counted, scoped: true, from: from, to: to})
	if err != nil {
		return nil, err
	}
	cal, err := scheduleCalendar(sq.q, list...)
	if err != nil {
		return nil, err
	}
	for _, sc := range list {
		periods := sc.EndedPeriods(cal, from, to)
		if len(periods) == 0 {
			continue
		}
		done, err := countAgainst(sq.q, 0, sc, periods) // the summary's street: its grids' (h17 names it)
		if err != nil {
			return nil, err
		}
		c := out[sc.GridID]
		if c == nil {
			c = &scheduleCount{}
			out[sc.GridID] = c
		}
		for _, d := range done {
			c.wanted += int64(sc.Times)
			c.done += int64(d)
			if d < sc.Times {
				c.periodsMissed++
			}
		}
	}
	return out, nil
}
