package store

import (
	"context"
	"database/sql"
	"math"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/gridinspect/gridinspect"
)

// workedPatrol is a patrol of the working-day month's test and who made
// it.
type workedPatrol struct {
	plannedPatrol
	by *gridinspect.User
}

// TestPatrolSchedules_AMonthOverTheNationalDayHolidays runs four weeks
// from Monday 23 September 2024 over the official 2024 calendar: Sunday
// 29 September worked (调休上班), 1–7 October off (国庆节), Saturday 12
// October worked. 东村 (张伟) is patrolled every working day, 西社区 (王芳)
// has its water source weekly and a dangerous house every five working
// days. 东村 misses 10 October, the water source the holiday week: two
// periods missed. Every figure of the summary, for the street and each
// grid, and every figure of the appraisal, for each worker and each grid,
// is checked against counts made here from periods listed by hand.
func TestPatrolSchedules_AMonthOverTheNationalDayHolidays(t *testing.T) {
	db := MustOpenDB(t)
	mustStreet(t, db)
	mustSetCalendar(t, db, 2024)
	setClock(db, china(2024, 9, 20, 9))
	user := func(username, name, grid string) *gridinspect.User {
		u := newUser(username, grid)
		u.DisplayName = name
		return mustCreateUser(t, db, u)
	}
	zhang, wang := user("zhangwei", "张伟", gridA), user("wangfang", "王芳", gridB)
	water := mustCreateSubject(t, db, &gridinspect.Subject{ID: newID(), Kind: gridinspect.SubjectKindWaterSource,
		Name: "西社区备用水源", Location: inB})
	house := mustCreateSubject(t, db, &gridinspect.Subject{ID: newID(), Kind: gridinspect.SubjectKindHousehold,
		Name: "李家（C级危房）", Location: inB})

	d := func(m time.Month, day int) time.Time { return china(2024, m, day, 0) }
	from, to := d(9, 23), d(10, 21)
	// 东村's working days, read off the calendar by hand: the week of 23
	// September, Sunday 29 (调休) and Monday 30, then nothing until 8
	// October, Saturday 12 (调休) with that week, and the week of 14.
	workdays := []time.Time{d(9, 23), d(9, 24), d(9, 25), d(9, 26), d(9, 27), d(9, 29), d(9, 30),
		d(10, 8), d(10, 9), d(10, 10), d(10, 11), d(10, 12), d(10, 14), d(10, 15), d(10, 16), d(10, 17), d(10, 18)}
	var eachWorkday []expectedPeriod
	for _, day := range workdays {
		eachWorkday = append(eachWorkday, expectedPeriod{day, day.AddDate(0, 0, 1)})
	}
	schedA := []monthSchedule{
		{set: gridinspect.PatrolSchedule{GridID: gridA, Period: gridinspect.PatrolPeriodWorkingDay, StartsAt: china(2024, 9, 23, 9)},
			periods: eachWorkday},
	}
	schedB := []monthSchedule{
		{set: gridinspect.PatrolSchedule{SubjectID: water.ID, Kind: gridinspect.PatrolKindWaterSource,
			Period: gridinspect.PatrolPeriodWeek, StartsAt: from},
			periods: []expectedPeriod{{d(9, 23), d(9, 30)}, {d(9, 30), d(10, 7)}, {d(10, 7), d(10, 14)}, {d(10, 14), d(10, 21)}}},
		// Five working days each: 23–27 September; 29, 30 September and
		// 8–10 October; 11, 12 and 14–16 October. The next, from 17
		// October, ends on the 23rd, after the four weeks.
		{set: gridinspect.PatrolSchedule{SubjectID: house.ID, Period: gridinspect.PatrolPeriodWorkingDay, Every: 5, StartsAt: from},
			periods: []expectedPeriod{{d(9, 23), d(9, 28)}, {d(9, 29), d(10, 11)}, {d(10, 11), d(10, 17)}}},
	}
	for _, ms := range append(append([]monthSchedule{}, schedA...), schedB...) {
		if _, err := db.SetPatrolSchedule(as(supervisor()), &ms.set); err != nil {
			t.Fatalf("set schedule %+v: %v", ms.set, err)
		}
	}

	at := func(m time.Month, day, hour int) time.Time { return china(2024, m, day, hour) }
	var planned []workedPatrol
	patrol := func(by *gridinspect.User, kind gridinspect.PatrolKind, subject, grid string, at time.Time) {
		planned = append(planned, workedPatrol{plannedPatrol{kind, subject, grid, at}, by})
	}
	for _, day := range workdays {
		if !day.Equal(d(10, 10)) { // 10 October: none (漏巡)
			patrol(zhang, gridinspect.PatrolKindGeneral, "", gridA, day.Add(9*time.Hour))
		}
	}
	patrol(zhang, gridinspect.PatrolKindGeneral, "", gridA, at(9, 20, 9))           // before the schedule
	patrol(zhang, gridinspect.PatrolKindGeneral, "", gridA, at(9, 24, 15))          // a second that day: no more
	patrol(zhang, gridinspect.PatrolKindGeneral, "", gridA, at(9, 28, 10))          // Saturday, a day off: no period's
	patrol(zhang, gridinspect.PatrolKindGeneral, "", gridA, at(10, 3, 10))          // 国庆节: no period's
	patrol(zhang, gridinspect.PatrolKindGeneral, "", gridA, at(10, 21, 9))          // after the four weeks
	patrol(wang, gridinspect.PatrolKindWaterSource, water.ID, gridB, at(9, 29, 10)) // the 调休 Sunday
	// the week of 30 September: none (漏巡)
	patrol(wang, gridinspect.PatrolKindWaterSource, water.ID, gridB, at(10, 12, 10)) // the 调休 Saturday
	patrol(wang, gridinspect.PatrolKindWaterSource, water.ID, gridB, at(10, 16, 10))
	patrol(wang, gridinspect.PatrolKindSafety, house.ID, gridB, at(9, 25, 10))
	patrol(wang, gridinspect.PatrolKindSafety, house.ID, gridB, at(9, 29, 15)) // the 调休 Sunday
	patrol(wang, gridinspect.PatrolKindSafety, house.ID, gridB, at(10, 15, 10))
	setClock(db, china(2024, 10, 23, 10))
	for _, p := range planned {
		mustSubmitPatrol(t, db, as(actorOf(p.by)), &gridinspect.Patrol{ID: newID(), Kind: p.kind, SubjectID: p.subject,
			GridID: p.grid, StartedAt: p.at, EndedAt: p.at.Add(time.Hour), Participants: 1})
	}

	patrols := make([]plannedPatrol, len(planned))
	for i, p := range planned {
		patrols[i] = p.plannedPatrol
	}
	count := func(ms []monthSchedule) (wanted, done, periodsMissed int64) {
		for _, m := range ms {
			w, d, p := m.counts(patrols)
			wanted, done, periodsMissed = wanted+w, done+d, periodsMissed+p
		}
		return wanted, done, periodsMissed
	}
	// The test's own counts, written out: 17 working days and one missed;
	// 4 weeks and one missed, 3 periods of five working days.
	wantedA, doneA, missedA := count(schedA)
	wantedB, doneB, missedB := count(schedB)
	if wantedA != 17 || doneA != 16 || missedA != 1 || wantedB != 4+3 || doneB != 3+3 || missedB != 1 {
		t.Fatalf("the test's own counts: A %d/%d (%d missed), B %d/%d (%d missed); want 16/17 (1) and 6/7 (1)",
			doneA, wantedA, missedA, doneB, wantedB, missedB)
	}

	for _, tt := range []struct {
		name  string
		grids []string
		sched []monthSchedule
	}{
		{"the street", nil, append(append([]monthSchedule{}, schedA...), schedB...)},
		{"东村", []string{gridA}, schedA},
		{"西社区", []string{gridB}, schedB},
	} {
		t.Run("summary of "+tt.name, func(t *testing.T) {
			wanted, done, periodsMissed := count(tt.sched)
			s := mustSummary(t, db, as(supervisor()), from, to, tt.grids...)
			if s.PatrolsScheduled != wanted || s.PatrolsDoneOnSchedule != done || s.PatrolsMissed != wanted-done ||
				s.PatrolPeriodsMissed != periodsMissed {
				t.Errorf("应巡 %d 已巡 %d 漏巡 %d (periods %d), want %d %d %d (%d)", s.PatrolsScheduled, s.PatrolsDoneOnSchedule,
					s.PatrolsMissed, s.PatrolPeriodsMissed, wanted, done, wanted-done, periodsMissed)
			}
			if rate := float64(done) / float64(wanted); math.Abs(s.PatrolCompletionRate-rate) > 1e-12 {
				t.Errorf("巡查完成率 %v, want %v", s.PatrolCompletionRate, rate)
			}
		})
	}

	// The appraisal: each worker is credited with the schedules of the
	// grid and the patrols they made in the four weeks.
	made := func(u *gridinspect.User) (n int64) {
		for _, p := range planned {
			if p.by == u && !p.at.Before(from) && p.at.Before(to) {
				n++
			}
		}
		return n
	}
	if made(zhang) != 16+3 || made(wang) != 6 {
		t.Fatalf("the test's own counts: 张伟 made %d, 王芳 %d; want 19 and 6", made(zhang), made(wang))
	}
	ap := mustAppraisal(t, db, supervisor(), from, to)
	if len(ap.Workers) != 2 || ap.Workers[0].UserID != zhang.ID || ap.Workers[1].UserID != wang.ID {
		t.Fatalf("workers %+v, want 张伟 then 王芳", ap.Workers)
	}
	if len(ap.Grids) != 2 || ap.Grids[0].GridID != gridA || ap.Grids[1].GridID != gridB {
		t.Fatalf("grids %+v, want 东村 then 西社区", ap.Grids)
	}
	for _, tt := range []struct {
		what string
		got  gridinspect.AppraisalFigures
		want gridinspect.AppraisalFigures
	}{
		{"张伟", ap.Workers[0].AppraisalFigures,
			gridinspect.AppraisalFigures{PatrolsDone: made(zhang), PatrolsScheduled: wantedA, PatrolsDoneOnSchedule: doneA}},
		{"王芳", ap.Workers[1].AppraisalFigures,
			gridinspect.AppraisalFigures{PatrolsDone: made(wang), PatrolsScheduled: wantedB, PatrolsDoneOnSchedule: doneB}},
		{"东村", ap.Grids[0].AppraisalFigures,
			gridinspect.AppraisalFigures{PatrolsDone: made(zhang), PatrolsScheduled: wantedA, PatrolsDoneOnSchedule: doneA}},
		{"西社区", ap.Grids[1].AppraisalFigures,
			gridinspect.AppraisalFigures{PatrolsDone: made(wang), PatrolsScheduled: wantedB, PatrolsDoneOnSchedule: doneB}},
	} {
		wantFigures(t, "appraisal of "+tt.what, tt.got, tt.want)
	}
}

// TestListDuePatrols_AWorkingDayScheduleIsDueOnWorkingDaysOnly: 东村's
// every-working-day schedule over the 2024 National Day holidays, never
// patrolled. On a day worked, the 调休 Sunday among them, that day is due
// until its end; on a day off nothing is; the days worked since
// missed_since are missed.
func TestListDuePatrols_AWorkingDayScheduleIsDueOnWorkingDaysOnly(t *testing.T) {
	db := MustOpenDB(t)
	mustStreet(t, db)
	mustSetCalendar(t, db, 2024)
	setClock(db, china(2024, 9, 20, 9))
	d := func(m time.Month, day int) time.Time { return china(2024, m, day, 0) }
	got, err := db.SetPatrolSchedule(as(supervisor()), &gridinspect.PatrolSchedule{GridID: gridA,
		Period: gridinspect.PatrolPeriodWorkingDay, StartsAt: china(2024, 9, 21, 9)})
	if err != nil {
		t.Fatal(err)
	}
	// Set on a Saturday, it counts from Monday.
	if !got.StartsAt.Equal(d(9, 23)) {
		t.Errorf("starts %v, want Monday 23 September", got.StartsAt)
	}
	tests := []struct {
		name   string
		now    time.Time
		missed []time.Time // the days missed after since, by hand
		due    time.Time   // the day due, zero for none
	}{
		{"the 调休 Sunday", china(2024, 9, 29, 16), []time.Time{d(9, 25), d(9, 26), d(9, 27)}, d(9, 29)},
		{"a holiday", china(2024, 10, 3, 10), []time.Time{d(9, 29), d(9, 30)}, time.Time{}},
		{"the first day back", china(2024, 10, 8, 8), nil, d(10, 8)},
		{"the 调休 Saturday", china(2024, 10, 12, 23), []time.Time{d(10, 8), d(10, 9), d(10, 10), d(10, 11)}, d(10, 12)},
		{"the Sunday after", china(2024, 10, 13, 10), []time.Time{d(10, 9), d(10, 10), d(10, 11), d(10, 12)}, time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			setClock(db, tt.now)
			list, _, err := db.ListDuePatrols(as(worker(gridA)), nil, tt.now.AddDate(0, 0, -4))
			if err != nil {
				t.Fatal(err)
			}
			var missed []time.Time
			var due time.Time
			for _, p := range list {
				if !p.End.Equal(p.Start.AddDate(0, 0, 1)) || p.Wanted != 1 || p.Done != 0 {
					t.Errorf("period %v – %v, %d/%d; want one day, 0/1", p.Start, p.End, p.Done, p.Wanted)
				}
				if p.Missed {
					missed = append(missed, p.Start)
				} else {
					due = p.Start
				}
			}
			if len(missed) != len(tt.missed) {
				t.Fatalf("missed %v, want %v", missed, tt.missed)
			}
			for i := range missed {
				if !missed[i].Equal(tt.missed[i]) {
					t.Errorf("missed %v, want %v", missed, tt.missed)
				}
			}
			if !due.Equal(tt.due) {
				t.Errorf("due %v, want %v", due, tt.due)
			}
		})
	}
}

// TestMigration0019_SchedulesKeptAndWorkingDaysAllowed opens a database
// written before 0019 with a weekly schedule and wants it kept as it was,
// its indexes back, and a working-day schedule taking its place.
func TestMigration0019_SchedulesKeptAndWorkingDaysAllowed(t *testing.T) {
	onlyOn(t, "sqlite") // a SQLite migration
	path := filepath.Join(t.TempDir(), "gridinspect.db")
	old := mustOpenRawAtVersion(t, path, 18)
	starts := china(2024, 9, 2, 0).UnixNano()
	for _, s := range []string{
		`INSERT INTO grids (id, name, kind, boundary, min_lat, min_lng, max_lat, max_lng, content_hash, created_at)
		 VALUES ('` + gridA + `', '东村', 1, '[]', 0, 0, 0, 0, 'h', 0)`,
		`INSERT INTO patrol_schedules (subject_id, grid_id, kind, period, every, times, starts_at, ends_at, note, set_by, set_at)
		 VALUES (NULL, '` + gridA + `', 0, 2, 1, 2, ` + strconv.FormatInt(starts, 10) + `, NULL, '每周两次', 'admin', 0)`,
	} {
		if _, err := old.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}

	db := mustOpenAt(t, path, &testClock{now: china(2024, 9, 27, 9)})
	list, err := db.ListPatrolSchedules(as(admin()), nil)
	if err != nil || len(list) != 1 || list[0].GridID != gridA || list[0].Period != gridinspect.PatrolPeriodWeek ||
		list[0].Times != 2 || list[0].Note != "每周两次" || !list[0].StartsAt.Equal(china(2024, 9, 2, 0)) {
		t.Fatalf("after 0019: %+v, %v; want the weekly schedule as it was", list, err)
	}
	var indexes int
	err = db.Read(context.Background(), func(tx *sql.Tx) error {
		return tx.QueryRow(`SELECT count(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = 'patrol_schedules'
			AND name LIKE 'patrol_schedules_%'`).Scan(&indexes)
	})
	if err != nil || indexes != 4 {
		t.Fatalf("%d indexes on patrol_schedules, %v; want 4", indexes, err)
	}
	got, err := db.SetPatrolSchedule(as(admin()), &gridinspect.PatrolSchedule{GridID: gridA,
		Period: gridinspect.PatrolPeriodWorkingDay})
	if err != nil || got.Period != gridinspect.PatrolPeriodWorkingDay {
		t.Fatalf("a working-day schedule after 0019: %+v, %v", got, err)
	}
}
