package store

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/gridinspect/gridinspect"
)

// appraisalStreet is the stats street with three workers: 张伟 and 李娜 in
// grid A (东村), 王芳 in grid B (西社区).
type appraisalStreet struct {
	*statsStreet
	zhang, li, wang *gridinspect.User
}

func newAppraisalStreet(tb testing.TB) *appraisalStreet {
	tb.Helper()
	st := &appraisalStreet{statsStreet: newStatsStreet(tb)}
	user := func(username, name, grid string) *gridinspect.User {
		u := newUser(username, grid)
		u.DisplayName = name
		return mustCreateUser(tb, st.testDB, u)
	}
	st.zhang = user("zhangwei", "张伟", gridA)
	st.li = user("lina", "李娜", gridA)
	st.wang = user("wangfang", "王芳", gridB)
	return st
}

// reportBy submits r as u.
func (st *appraisalStreet) reportBy(tb testing.TB, u *gridinspect.User, r *gridinspect.Report) *gridinspect.Report {
	tb.Helper()
	return mustSubmit(tb, st.testDB, as(actorOf(u)), r)
}

// patrolBy records a patrol of u in grid A started at `at`.
func (st *appraisalStreet) patrolBy(tb testing.TB, u *gridinspect.User, at time.Time) {
	tb.Helper()
	p := newPatrol()
	p.StartedAt, p.EndedAt = at, at.Add(time.Hour)
	for i := range p.Track {
		p.Track[i].RecordedAt = time.Time{}
	}
	mustSubmitPatrol(tb, st.testDB, as(actorOf(u)), p)
}

func mustAppraisal(tb testing.TB, db *testDB, a *gridinspect.Actor, from, to time.Time, grids ...string) *gridinspect.Appraisal {
	tb.Helper()
	ap, err := db.Appraisal(as(a), from, to, grids)
	if err != nil {
		tb.Fatalf("appraisal %s…%s: %v", from.Format(time.DateOnly), to.Format(time.DateOnly), err)
	}
	return ap
}

// wantFigures fails unless got's counts are want's and its rate and mean
// are as wanted.
func wantFigures(tb testing.TB, what string, got, want gridinspect.AppraisalFigures) {
	tb.Helper()
	wantFloat(tb, what+" on-time rate", got.OnTimeRate, want.OnTimeRate)
	wantFloat(tb, what+" mean days to close", got.MeanDaysToClose, want.MeanDaysToClose)
	got.OnTimeRate, got.MeanDaysToClose, want.OnTimeRate, want.MeanDaysToClose = 0, 0, 0, 0
	if got != want {
		tb.Fatalf("%s:\n got %+v\nwant %+v", what, got, want)
	}
}

// The seed-style count: a half-year of two workers' made-up work in grid
// A and one case of a unit in grid B, with work before and after the
// period, and every figure of the appraisal checked against the counts
// the test makes.
func TestAppraisal_CountsEachWorkersAndEachGridsWork(t *testing.T) {
	st := newAppraisalStreet(t)
	hazard := func(observed time.Time) *gridinspect.Report {
		return st.report(gridinspect.CategorySafetyHazard, inA, observed)
	}
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 9, 0, 0, 0, time.UTC) }

	// 张伟: r1 his own, closed on time after 24 days.
	r1 := st.reportBy(t, st.zhang, hazard(day(2025, 1, 10)))
	st.do(t, assignBy(r1.ID, st.zhang.ID, date(2, 28, 18)), day(2025, 1, 11))
	st.fix(t, r1.ID, 0, 0, day(2025, 2, 3))
	// r2 李娜 found, 张伟 fixed: its first verification failed, closed
	// late (deadline 1 March) after 59 days.
	r2 := st.reportBy(t, st.li, hazard(day(2025, 1, 20)))
	st.do(t, assignBy(r2.ID, st.zhang.ID, date(3, 1, 18)), day(2025, 1, 21))
	st.do(t, rectify(r2.ID, 0, 0), day(2025, 3, 9))
	st.do(t, verifyFail(r2.ID), day(2025, 3, 10))
	st.fix(t, r2.ID, 0, 0, day(2025, 3, 20))
	// r3: found, assigned and closed in 2024; back on 1 April (a relapse),
	// still open at the end.
	r3 := st.reportBy(t, st.zhang, hazard(day(2024, 12, 15)))
	st.do(t, assignBy(r3.ID, st.zhang.ID, day(2024, 12, 31)), day(2024, 12, 16))
	st.fix(t, r3.ID, 0, 0, day(2024, 12, 20))
	st.do(t, followUp(r3.ID, true), day(2025, 4, 1))
	for _, d := range []time.Time{day(2025, 2, 1), day(2025, 3, 1), day(2025, 6, 30)} {
		st.patrolBy(t, st.zhang, d)
	}
	st.patrolBy(t, st.zhang, day(2024, 12, 30)) // before the period

	// 李娜: r4 rectified on the spot, verified the next day.
	r4 := hazard(day(2025, 2, 1))
	r4.RectifiedOnSpot = true
	r4 = st.reportBy(t, st.li, r4)
	st.closeOnSpot(t, r4.ID, day(2025, 2, 2))
	// r5 due after the period, closed after it: open at the end.
	r5 := st.reportBy(t, st.li, hazard(day(2025, 5, 1)))
	st.do(t, assignBy(r5.ID, st.li.ID, date(8, 1, 0)), day(2025, 5, 2))
	st.fix(t, r5.ID, 0, 0, day(2025, 7, 15))
	// r6 rejected: made, never handled by anyone.
	r6 := st.reportBy(t, st.li, hazard(day(2025, 6, 1)))
	st.do(t, reject(r6.ID, ""), day(2025, 6, 2))
	// r8 due on 20 June, open at the end; its deadline extended after the
	// period does not take it out of the period's due cases.
	r8 := st.reportBy(t, st.li, hazard(day(2025, 6, 1)))
	st.do(t, assignBy(r8.ID, st.li.ID, date(6, 20, 18)), day(2025, 6, 2))
	st.do(t, extend(r8.ID, date(8, 15, 18)), day(2025, 7, 2))
	st.patrolBy(t, st.li, day(2025, 4, 1))
	st.patrolBy(t, st.li, day(2025, 5, 1))
	st.patrolBy(t, st.li, day(2025, 7, 2)) // after the period

	// r9 张伟 found and had, until it was re-dispatched (转派) to 李娜,
	// who closed it on time after 21 days: hers at the end of the period.
	r9 := st.reportBy(t, st.zhang, hazard(day(2025, 4, 10)))
	st.do(t, assignBy(r9.ID, st.zhang.ID, date(5, 10, 18)), day(2025, 4, 11))
	st.do(t, reassign(r9.ID, st.li.ID, ""), day(2025, 4, 12))
	st.fix(t, r9.ID, 0, 0, day(2025, 5, 1))
	// r10 李娜 found, 张伟 had at the end of the period, due on 25 June
	// and open; re-dispatched to 李娜 only after the period.
	r10 := st.reportBy(t, st.li, hazard(day(2025, 6, 10)))
	st.do(t, assignBy(r10.ID, st.zhang.ID, date(6, 25, 18)), day(2025, 6, 11))
	st.do(t, reassign(r10.ID, st.li.ID, ""), day(2025, 7, 3))

	// 王芳 found r7 in grid B, a unit's to fix by 1 April: overdue.
	r7 := st.reportBy(t, st.wang, st.report(gridinspect.CategorySafetyHazard, inB, day(2025, 3, 3)))
	st.do(t, assignBy(r7.ID, "", day(2025, 4, 1)), day(2025, 3, 4))

	// Patrol schedules: grid A's general patrol monthly from January (the
	// grid's patrols above leave January missed) and its water source
	// monthly from May (never patrolled: a patrol of the grid is not one
	// of the source); grid B's water source twice a month from April.
	// Periods are China months, written out by hand.
	cm := func(m time.Month) time.Time { return china(2025, m, 1, 0) }
	months := func(first time.Month) (out []expectedPeriod) {
		for m := first; m <= time.June; m++ {
			out = append(out, expectedPeriod{cm(m), cm(m + 1)})
		}
		return out
	}
	schedA := []monthSchedule{
		{set: gridinspect.PatrolSchedule{GridID: gridA, Kind: gridinspect.PatrolKindGeneral, Period: gridinspect.PatrolPeriodMonth,
			StartsAt: cm(time.January)}, periods: months(time.January)},
		{set: gridinspect.PatrolSchedule{SubjectID: st.waterA, Period: gridinspect.PatrolPeriodMonth, StartsAt: china(2025, 5, 10, 9)},
			periods: months(time.May)},
	}
	schedB := []monthSchedule{
		{set: gridinspect.PatrolSchedule{SubjectID: st.waterB, Period: gridinspect.PatrolPeriodMonth, Times: 2, StartsAt: cm(time.April)},
			periods: months(time.April)},
	}
	for _, ms := range append(append([]monthSchedule{}, schedA...), schedB...) {
		if _, err := st.SetPatrolSchedule(as(supervisor()), &ms.set); err != nil {
			t.Fatalf("set schedule: %v", err)
		}
	}
	var planned []plannedPatrol // the patrols above, all general ones of grid A
	for _, at := range []time.Time{day(2024, 12, 30), day(2025, 2, 1), day(2025, 3, 1), day(2025, 6, 30),
		day(2025, 4, 1), day(2025, 5, 1), day(2025, 7, 2)} {
		planned = append(planned, plannedPatrol{gridinspect.PatrolKindGeneral, "", gridA, at})
	}
	scheduled := func(ms []monthSchedule) (wanted, done int64) {
		for _, m := range ms {
			w, d, _ := m.counts(planned)
			wanted, done = wanted+w, done+d
		}
		return wanted, done
	}
	wantedA, doneA := scheduled(schedA)
	wantedB, doneB := scheduled(schedB)
	if wantedA != 6+2 || doneA != 5 || wantedB != 3*2 || doneB != 0 {
		t.Fatalf("the test's own counts: A %d/%d, B %d/%d; want 8/5 and 6/0", doneA, wantedA, doneB, wantedB)
	}

	ap := mustAppraisal(t, st.testDB, supervisor(), h1From, h1To)
	if len(ap.Workers) != 3 {
		t.Fatalf("%d workers, want 3: %+v", len(ap.Workers), ap.Workers)
	}
	// By grid in the office's order, then pinyin: 李 (lǐ) before 张
	// (zhāng) in 东村, then 王芳 of 西社区. Each worker of a grid is
	// credited with the grid's whole schedules.
	for i, want := range []*gridinspect.User{st.li, st.zhang, st.wang} {
		if w := ap.Workers[i]; w.UserID != want.ID || w.Name != want.DisplayName || len(w.GridIDs) != 1 || w.GridIDs[0] != want.GridIDs[0] {
			t.Fatalf("worker %d = %s %s %v, want %s %s", i, w.UserID, w.Name, w.GridIDs, want.ID, want.DisplayName)
		}
	}
	wantFigures(t, "李娜", ap.Workers[0].AppraisalFigures, gridinspect.AppraisalFigures{
		ReportsMade: 6, CasesHandled: 4, Closed: 2, Due: 3, ClosedOnTime: 2, OnTimeRate: 2.0 / 3,
		PatrolsDone: 2, PatrolsScheduled: wantedA, PatrolsDoneOnSchedule: doneA, MeanDaysToClose: (1.0 + 21) / 2})
	wantFigures(t, "张伟", ap.Workers[1].AppraisalFigures, gridinspect.AppraisalFigures{
		ReportsMade: 2, CasesHandled: 4, Closed: 2, Due: 3, ClosedOnTime: 1, OnTimeRate: 1.0 / 3,
		FailedFirstVerification: 1, Relapses: 1, PatrolsDone: 3, PatrolsScheduled: wantedA, PatrolsDoneOnSchedule: doneA,
		MeanDaysToClose: (24.0 + 59) / 2})
	wantFigures(t, "王芳", ap.Workers[2].AppraisalFigures, gridinspect.AppraisalFigures{ReportsMade: 1,
		PatrolsScheduled: wantedB, PatrolsDoneOnSchedule: doneB})

	if len(ap.Grids) != 2 || ap.Grids[0].GridID != gridA || ap.Grids[1].GridID != gridB || ap.Grids[0].GridName != "东村" {
		t.Fatalf("grids %+v, want 东村 then 西社区", ap.Grids)
	}
	// 东村: every case of the grid, r6 (open until rejected) among those
	// handled, whoever had it.
	wantFigures(t, "东村", ap.Grids[0].AppraisalFigures, gridinspect.AppraisalFigures{
		ReportsMade: 8, CasesHandled: 9, Closed: 4, Due: 6, ClosedOnTime: 3, OnTimeRate: 0.5,
		FailedFirstVerification: 1, Relapses: 1, PatrolsDone: 5, PatrolsScheduled: wantedA, PatrolsDoneOnSchedule: doneA,
		MeanDaysToClose: (24.0 + 59 + 1 + 21) / 4})
	wantFigures(t, "西社区", ap.Grids[1].AppraisalFigures, gridinspect.AppraisalFigures{
		ReportsMade: 1, CasesHandled: 1, Due: 1, PatrolsScheduled: wantedB, PatrolsDoneOnSchedule: doneB})

	// Due and on time are the summary's, grid by grid.
	s := mustSummary(t, st.testDB, as(admin()), h1From, h1To)
	for _, g := range ap.Grids {
		l := s.ByGrid[g.GridID]
		if g.Due != l.Due || g.ClosedOnTime != l.ClosedOnTime || g.Closed != l.Closed || g.ReportsMade != l.Reported {
			t.Fatalf("grid %s: appraisal due %d, on time %d, closed %d, made %d; summary %+v", g.GridName,
				g.Due, g.ClosedOnTime, g.Closed, g.ReportsMade, l)
		}
		wantFloat(t, g.GridName+" on-time rate against the summary's", g.OnTimeRate, l.OnTimeRate)
		// 应巡 and 已巡 are the summary's of the grid alone.
		sg := mustSummary(t, st.testDB, as(admin()), h1From, h1To, g.GridID)
		if g.PatrolsScheduled != sg.PatrolsScheduled || g.PatrolsDoneOnSchedule != sg.PatrolsDoneOnSchedule {
			t.Errorf("grid %s: appraisal 应巡 %d 已巡 %d; summary of the grid %d %d", g.GridName,
				g.PatrolsScheduled, g.PatrolsDoneOnSchedule, sg.PatrolsScheduled, sg.PatrolsDoneOnSchedule)
		}
	}
	if s.PatrolsScheduled != wantedA+wantedB || s.PatrolsDoneOnSchedule != doneA+doneB {
		t.Errorf("the street's summary: 应巡 %d 已巡 %d, want the grids' %d %d", s.PatrolsScheduled, s.PatrolsDoneOnSchedule,
			wantedA+wantedB, doneA+doneB)
	}

	// A supervisor of grid B sees 西社区 and its worker only.
	onlyB := mustAppraisal(t, st.testDB, supervisor(gridB), h1From, h1To)
	if len(onlyB.Grids) != 1 || onlyB.Grids[0].GridID != gridB || len(onlyB.Workers) != 1 || onlyB.Workers[0].UserID != st.wang.ID {
		t.Fatalf("supervisor of B: grids %+v, workers %+v", onlyB.Grids, onlyB.Workers)
	}
}

// A grid's schedule is its workers' duty together: each enabled worker of
// the grid gets its whole 应巡, a supervisor of the grid and a disabled
// worker with figures of their own none.
func TestAppraisal_CreditsAGridsScheduleToEachOfItsEnabledWorkers(t *testing.T) {
	st := newAppraisalStreet(t)
	day := func(m time.Month, d int) time.Time { return time.Date(2025, m, d, 9, 0, 0, 0, time.UTC) }
	boss := newUser("zhuren", gridA)
	boss.Role, boss.DisplayName = gridinspect.RoleSupervisor, "周主任"
	boss = mustCreateUser(t, st.testDB, boss)
	gone := newUser("zhaolei", gridA)
	gone.DisplayName = "赵磊"
	gone = mustCreateUser(t, st.testDB, gone)
	st.reportBy(t, boss, st.report(gridinspect.CategorySafetyHazard, inA, day(2, 1)))
	st.reportBy(t, gone, st.report(gridinspect.CategorySafetyHazard, inA, day(2, 2)))
	if _, err := st.DisableUser(as(admin()), gone.ID); err != nil {
		t.Fatal(err)
	}
	st.patrolBy(t, st.li, day(3, 5))
	// Grid A monthly from January, China months: six wanted, March's done.
	set := &gridinspect.PatrolSchedule{GridID: gridA, Period: gridinspect.PatrolPeriodMonth, StartsAt: china(2025, 1, 1, 0)}
	if _, err := st.SetPatrolSchedule(as(supervisor()), set); err != nil {
		t.Fatal(err)
	}

	ap := mustAppraisal(t, st.testDB, supervisor(), h1From, h1To)
	want := map[string][2]int64{st.zhang.ID: {6, 1}, st.li.ID: {6, 1}, st.wang.ID: {0, 0}, boss.ID: {0, 0}, gone.ID: {0, 0}}
	if len(ap.Workers) != len(want) {
		t.Fatalf("%d rows, want %d: %+v", len(ap.Workers), len(want), ap.Workers)
	}
	for _, w := range ap.Workers {
		if got := [2]int64{w.PatrolsScheduled, w.PatrolsDoneOnSchedule}; got != want[w.UserID] {
			t.Errorf("%s: 应巡/已巡 %v, want %v", w.Name, got, want[w.UserID])
		}
	}
	if g := ap.Grids[0]; g.GridID != gridA || g.PatrolsScheduled != 6 || g.PatrolsDoneOnSchedule != 1 {
		t.Errorf("东村: 应巡 %d 已巡 %d, want 6 1", g.PatrolsScheduled, g.PatrolsDoneOnSchedule)
	}
}

func TestAppraisal_RefusesWorkersAndBadPeriods(t *testing.T) {
	st := newAppraisalStreet(t)
	_, err := st.Appraisal(as(actorOf(st.zhang)), h1From, h1To, nil)
	wantCode(t, err, gridinspect.EFORBIDDEN)
	_, err = st.Appraisal(as(supervisor(gridA)), h1From, h1To, []string{gridB})
	wantCode(t, err, gridinspect.EFORBIDDEN)
	_, err = st.Appraisal(as(admin()), h1To, h1From, nil)
	wantField(t, err, "to")
	_, err = st.Appraisal(as(admin()), h1From, h1To, []string{newID()})
	wantCode(t, err, gridinspect.ENOTFOUND)
}

// TestAppraisal_MeanDaysToCloseIsExactOverABusyHalfYear checks that a
// grid's mean time to close is the exact mean of its closures' times, on
// either engine: summed as integers, not as floating point numbers, whose
// rounding depends on the order the engine adds them in (PostgreSQL's
// differed from SQLite's in the last digits for the same street).
func TestAppraisal_MeanDaysToCloseIsExactOverABusyHalfYear(t *testing.T) {
	db := MustOpenDB(t)
	if _, err := db.BulkLoad(context.Background(), BulkLoadOptions{Reports: 1500, Seed: 3,
		End: time.Date(2025, 7, 15, 0, 0, 0, 0, time.UTC), Password: "bulk-password"}); err != nil {
		t.Fatal(err)
	}
	from, to := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)
	// Each closure in the period of a case found before its end, and its
	// time to close (none below 0), by grid.
	type sum struct{ n, ns int64 }
	want := map[string]*sum{}
	err := db.Read(context.Background(), func(tx *sql.Tx) error {
		return forEachRow(tx, query{`SELECT r.grid_id, e.effective_at - r.effective_at
			FROM events AS e JOIN reports AS r ON r.id = e.report_id
			WHERE e.type = 8 AND e.status_after = 5 AND e.conflict = 0
				AND e.effective_at >= ? AND e.effective_at < ? AND r.effective_at < ?`,
			[]any{from.UnixNano(), to.UnixNano(), to.UnixNano()}}, func(rows *sql.Rows) error {
			var grid string
			var d int64
			if err := rows.Scan(&grid, &d); err != nil {
				return err
			}
			if want[grid] == nil {
				want[grid] = &sum{}
			}
			want[grid].n++
			want[grid].ns += max(d, 0)
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	ap := mustAppraisal(t, db, admin(), from, to)
	for _, g := range ap.Grids {
		w := want[g.GridID]
		if w == nil || w.n < 20 {
			t.Fatalf("grid %s: %+v closures, want a busy half-year", g.GridID, w)
		}
		mean := float64(w.ns) / float64(w.n) / float64(24*time.Hour)
		if g.Closed != w.n || g.MeanDaysToClose != mean {
			t.Errorf("grid %s: %d closed, mean %v days; want %d, %v", g.GridID, g.Closed, g.MeanDaysToClose, w.n, mean)
		}
	}
}
