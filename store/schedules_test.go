package store

import (
	"math"
	"testing"
	"time"

	"github.com/gridinspect/gridinspect"
)

// china returns a China-time instant.
func china(y int, m time.Month, d, h int) time.Time {
	return time.Date(y, m, d, h, 0, 0, 0, gridinspect.ChinaZone)
}

// plannedPatrol is a patrol the month's test walks.
type plannedPatrol struct {
	kind    gridinspect.PatrolKind
	subject string // "" for none
	grid    string
	at      time.Time
}

// expectedPeriod is one period of a schedule as the test counts it: its
// days written out by hand, not computed by the code under test.
type expectedPeriod struct {
	start, end time.Time
}

// monthSchedule is a schedule of the month's test with the periods it
// wants patrolled in June 2025. When working days (工作日, part E) arrive,
// a schedule counted in working days lists its periods here the same way,
// by hand from the calendar with its 调休 weekend, and counts() stays as
// it is.
type monthSchedule struct {
	set     gridinspect.PatrolSchedule
	periods []expectedPeriod // those that end in June, in order
}

// counts counts, the simple way, the patrols of planned that count
// against each period of the schedule, each at most its times.
func (ms monthSchedule) counts(planned []plannedPatrol) (wanted, done, periodsMissed int64) {
	times := max(ms.set.Times, 1) // unset is once
	for _, p := range ms.periods {
		n := 0
		for _, pp := range planned {
			matches := (ms.set.SubjectID != "" && pp.subject == ms.set.SubjectID) ||
				(ms.set.SubjectID == "" && pp.grid == ms.set.GridID)
			if ms.set.Kind != gridinspect.PatrolKindUnspecified && pp.kind != ms.set.Kind {
				matches = false
			}
			if matches && !pp.at.Before(p.start) && pp.at.Before(p.end) {
				n++
			}
		}
		n = min(n, times)
		wanted += int64(times)
		done += int64(n)
		if n < times {
			periodsMissed++
		}
	}
	return wanted, done, periodsMissed
}

// TestPatrolSchedules_AMonthWithTwoMissed runs June 2025 of three
// schedules — a backup water source weekly, a dangerous house twice a
// month, a grid's general patrol every ten days — with patrols that leave
// one week of the water source and one of the house's two patrols undone,
// and checks 应巡, 已巡, 漏巡 and 巡查完成率 against counts made here, for
// the street and for one grid, and what ListDuePatrols calls missed and
// due.
func TestPatrolSchedules_AMonthWithTwoMissed(t *testing.T) {
	db := MustOpenDB(t)
	mustStreet(t, db)
	db.clock.now = china(2025, 5, 28, 10)
	water := mustCreateSubject(t, db, &gridinspect.Subject{ID: newID(), Kind: gridinspect.SubjectKindWaterSource,
		Name: "长山备用水源地", Location: inA})
	house := mustCreateSubject(t, db, &gridinspect.Subject{ID: newID(), Kind: gridinspect.SubjectKindHousehold,
		Name: "张三户（C级危房）", Location: inA})

	june1, july1 := china(2025, 6, 1, 0), china(2025, 7, 1, 0)
	day := func(d int) time.Time { return china(2025, 6, d, 0) }
	schedules := []monthSchedule{
		{set: gridinspect.PatrolSchedule{SubjectID: water.ID, Period: gridinspect.PatrolPeriodWeek, StartsAt: china(2025, 6, 4, 9)},
			// Weeks from Monday 2 June; the week from 30 June ends in July.
			periods: []expectedPeriod{{day(2), day(9)}, {day(9), day(16)}, {day(16), day(23)}, {day(23), day(30)}}},
		{set: gridinspect.PatrolSchedule{SubjectID: house.ID, Period: gridinspect.PatrolPeriodMonth, Times: 2, StartsAt: june1},
			periods: []expectedPeriod{{june1, july1}}},
		{set: gridinspect.PatrolSchedule{GridID: gridB, Kind: gridinspect.PatrolKindGeneral, Period: gridinspect.PatrolPeriodDay,
			Every: 10, StartsAt: june1},
			periods: []expectedPeriod{{june1, day(11)}, {day(11), day(21)}, {day(21), july1}}},
	}
	for _, ms := range schedules {
		if _, err := db.SetPatrolSchedule(as(supervisor()), &ms.set); err != nil {
			t.Fatalf("set schedule: %v", err)
		}
	}

	planned := []plannedPatrol{
		{gridinspect.PatrolKindWaterSource, water.ID, gridA, china(2025, 5, 30, 9)}, // before the schedule
		{gridinspect.PatrolKindWaterSource, water.ID, gridA, china(2025, 6, 3, 9)},
		// the week of 9 June: none (漏巡)
		{gridinspect.PatrolKindWaterSource, water.ID, gridA, china(2025, 6, 17, 15)},
		{gridinspect.PatrolKindWaterSource, water.ID, gridA, china(2025, 6, 25, 9)},
		{gridinspect.PatrolKindWaterSource, water.ID, gridA, china(2025, 6, 29, 23)}, // a second that week: no more
		{gridinspect.PatrolKindSafety, house.ID, gridA, china(2025, 6, 20, 10)},      // one of the house's two (漏巡)
		{gridinspect.PatrolKindGeneral, "", gridB, china(2025, 6, 5, 10)},
		{gridinspect.PatrolKindSafety, "", gridB, china(2025, 6, 12, 10)}, // not the schedule's kind
		{gridinspect.PatrolKindGeneral, "", gridB, china(2025, 6, 12, 14)},
		{gridinspect.PatrolKindGeneral, "", gridA, china(2025, 6, 22, 10)}, // another grid
		{gridinspect.PatrolKindGeneral, "", gridB, china(2025, 6, 30, 23)},
		{gridinspect.PatrolKindGeneral, "", gridB, china(2025, 7, 1, 9)}, // July
	}
	db.clock.now = china(2025, 7, 3, 10)
	for _, pp := range planned {
		mustSubmitPatrol(t, db, as(admin()), &gridinspect.Patrol{ID: newID(), Kind: pp.kind, SubjectID: pp.subject,
			GridID: pp.grid, StartedAt: pp.at, EndedAt: pp.at.Add(time.Hour), Participants: 1})
	}

	check := func(t *testing.T, grids []string, ms []monthSchedule) {
		t.Helper()
		var wanted, done, periodsMissed int64
		for _, m := range ms {
			w, d, p := m.counts(planned)
			wanted, done, periodsMissed = wanted+w, done+d, periodsMissed+p
		}
		s, err := db.Summary(as(supervisor()), june1, july1, grids)
		if err != nil {
			t.Fatal(err)
		}
		if s.PatrolsScheduled != wanted || s.PatrolsDoneOnSchedule != done || s.PatrolsMissed != wanted-done ||
			s.PatrolPeriodsMissed != periodsMissed {
			t.Errorf("应巡 %d 已巡 %d 漏巡 %d (periods %d), want %d %d %d (%d)", s.PatrolsScheduled, s.PatrolsDoneOnSchedule,
				s.PatrolsMissed, s.PatrolPeriodsMissed, wanted, done, wanted-done, periodsMissed)
		}
		if rate := float64(done) / float64(wanted); math.Abs(s.PatrolCompletionRate-rate) > 1e-12 {
			t.Errorf("巡查完成率 %v, want %v", s.PatrolCompletionRate, rate)
		}
	}
	t.Run("the street", func(t *testing.T) {
		check(t, nil, schedules)
		// The figures the test's own counting gives, written out: 4+2+3
		// wanted, two missed.
		s, _ := db.Summary(as(supervisor()), june1, july1, nil)
		if s.PatrolsScheduled != 9 || s.PatrolsMissed != 2 {
			t.Errorf("应巡 %d 漏巡 %d, want 9 and 2", s.PatrolsScheduled, s.PatrolsMissed)
		}
	})
	t.Run("grid B only", func(t *testing.T) { check(t, []string{gridB}, schedules[2:]) })
	t.Run("grid A only", func(t *testing.T) { check(t, []string{gridA}, schedules[:2]) })

	t.Run("due and missed for grid A's worker", func(t *testing.T) {
		due, at, err := db.ListDuePatrols(as(worker(gridA)), nil, june1)
		if err != nil {
			t.Fatal(err)
		}
		if !at.Equal(db.clock.now) {
			t.Errorf("at %v, want %v", at, db.clock.now)
		}
		type row struct {
			subject      string
			start, end   time.Time
			wanted, done int
			missed       bool
		}
		want := []row{
			{water.ID, day(9), day(16), 1, 0, true},
			{house.ID, june1, july1, 2, 1, true},
			{water.ID, day(30), china(2025, 7, 7, 0), 1, 0, false},
			{house.ID, july1, china(2025, 8, 1, 0), 2, 0, false},
		}
		var got []row
		for _, d := range due {
			got = append(got, row{d.Schedule.SubjectID, d.Start, d.End, d.Wanted, d.Done, d.Missed})
		}
		if len(got) != len(want) {
			t.Fatalf("due %+v\nwant %+v", got, want)
		}
		for i := range want {
			g, w := got[i], want[i]
			if g.subject != w.subject || !g.start.Equal(w.start) || !g.end.Equal(w.end) || g.wanted != w.wanted ||
				g.done != w.done || g.missed != w.missed {
				t.Errorf("due[%d] = %+v, want %+v", i, g, w)
			}
		}
	})
}

// TestPatrolSchedules_SetAgainKeepsWhatEnded: a schedule changed or ended
// keeps the periods that ended under it in the summary, and a worker may
// not set one.
func TestPatrolSchedules_SetAgainKeepsWhatEnded(t *testing.T) {
	db := MustOpenDB(t)
	mustStreet(t, db)
	db.clock.now = china(2025, 6, 1, 9)
	set := func(s gridinspect.PatrolSchedule) *gridinspect.PatrolSchedule {
		t.Helper()
		got, err := db.SetPatrolSchedule(as(supervisor(gridA)), &s)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	first := set(gridinspect.PatrolSchedule{GridID: gridA, Period: gridinspect.PatrolPeriodWeek})
	if want := china(2025, 5, 26, 0); !first.StartsAt.Equal(want) || first.Times != 1 || first.Every != 1 || first.GridName != "东村" {
		t.Fatalf("stored %+v; want it from Monday %v, once a week", first, want)
	}
	// Three weeks later (weeks of 26 May, 2 and 9 June ended), twice a week.
	db.clock.now = china(2025, 6, 18, 9)
	set(gridinspect.PatrolSchedule{GridID: gridA, Period: gridinspect.PatrolPeriodWeek, Times: 2})
	list, err := db.ListPatrolSchedules(as(worker(gridA)), nil)
	if err != nil || len(list) != 1 || list[0].Times != 2 {
		t.Fatalf("in force: %+v, %v; want the twice-weekly one", list, err)
	}
	db.clock.now = china(2025, 6, 26, 9) // the week of 16 June ended
	if err := db.DeletePatrolSchedule(as(supervisor(gridA)), "", gridA); err != nil {
		t.Fatal(err)
	}
	db.clock.now = china(2025, 7, 20, 9)
	s, err := db.Summary(as(supervisor()), china(2025, 5, 1, 0), china(2025, 8, 1, 0), nil)
	if err != nil {
		t.Fatal(err)
	}
	// 3 weeks once, 1 week twice; the week under way when it ended asks nothing.
	if s.PatrolsScheduled != 3+2 || s.PatrolsMissed != 5 {
		t.Errorf("应巡 %d 漏巡 %d, want 5 and 5", s.PatrolsScheduled, s.PatrolsMissed)
	}
	if list, _ := db.ListPatrolSchedules(as(admin()), nil); len(list) != 0 {
		t.Errorf("in force after delete: %+v", list)
	}
	wantCode(t, db.DeletePatrolSchedule(as(supervisor()), "", gridA), gridinspect.ENOTFOUND)

	_, err = db.SetPatrolSchedule(as(worker(gridA)), &gridinspect.PatrolSchedule{GridID: gridA, Period: gridinspect.PatrolPeriodWeek})
	wantCode(t, err, gridinspect.EFORBIDDEN)
	_, err = db.SetPatrolSchedule(as(supervisor(gridA)), &gridinspect.PatrolSchedule{GridID: gridB, Period: gridinspect.PatrolPeriodWeek})
	wantCode(t, err, gridinspect.EFORBIDDEN)
	_, err = db.SetPatrolSchedule(as(supervisor(gridA)), &gridinspect.PatrolSchedule{GridID: gridA})
	wantField(t, err, "schedule.period")
	_, err = db.SetPatrolSchedule(as(supervisor(gridA)), &gridinspect.PatrolSchedule{GridID: gridA, SubjectID: newID(),
		Period: gridinspect.PatrolPeriodWeek})
	wantField(t, err, "schedule.grid_id")
	wantField(t, db.DeletePatrolSchedule(as(supervisor()), "", ""), "subject_id")
}
