package store

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/gridinspect/gridinspect"
)

// Hand-checked cases of the summary's definitions (stats.proto): period
// boundaries, whose time counts, scope, the rates, the end of the period
// against now, relapses, the red line, medians. The generated half-year
// is in stats_halfyear_test.go.

// date returns a time in 2025, UTC.
func date(month time.Month, day, hour int) time.Time {
	return time.Date(2025, month, day, hour, 0, 0, 0, time.UTC)
}

// The periods of the tests: the first half of 2025 and its months.
var (
	h1From, h1To = date(1, 1, 0), date(7, 1, 0)
	march        = [2]time.Time{date(3, 1, 0), date(4, 1, 0)}
	may          = [2]time.Time{date(5, 1, 0), date(6, 1, 0)}
)

// statsStreet is grids A and B, with a household and a water source in
// each, and the server clock after the half-year, so that nothing done in
// it looks like a device clock in the future.
type statsStreet struct {
	*testDB
	houseA, houseB, waterA, waterB string
}

func newStatsStreet(tb testing.TB) *statsStreet {
	tb.Helper()
	db := MustOpenDB(tb)
	mustStreet(tb, db)
	setClock(db, date(8, 1, 0))
	st := &statsStreet{testDB: db}
	subject := func(kind gridinspect.SubjectKind, name string, loc gridinspect.Location) string {
		return mustCreateSubject(tb, db, &gridinspect.Subject{ID: newID(), Kind: kind, Name: name, Location: loc}).ID
	}
	st.houseA = subject(gridinspect.SubjectKindHousehold, "王家", inA)
	st.houseB = subject(gridinspect.SubjectKindHousehold, "李家", inB)
	st.waterA = subject(gridinspect.SubjectKindWaterSource, "东村备用水源", inA)
	st.waterB = subject(gridinspect.SubjectKindWaterSource, "西社区备用水源", inB)
	return st
}

// setClock sets the server clock.
func setClock(db *testDB, t time.Time) {
	db.clock.mu.Lock()
	db.clock.now = t
	db.clock.mu.Unlock()
}

// report returns a valid report of category c at loc (which places it in
// its grid), observed at observed, with typed details that say nothing in
// particular (details can set them).
func (st *statsStreet) report(c gridinspect.Category, loc gridinspect.Location, observed time.Time) *gridinspect.Report {
	r := newReport(loc)
	r.Category, r.ObservedAt, r.Details = c, observed, gridinspect.Details{}
	b := loc == inB
	switch c {
	case gridinspect.CategorySafetyHazard:
		r.Details.SafetyHazard = &gridinspect.SafetyHazardDetails{HazardKind: 1, PlaceKind: 1}
	case gridinspect.CategoryPollutingEnterprise:
		r.Details.PollutingEnterprise = &gridinspect.PollutingEnterpriseDetails{Polluting: true, Activity: 1}
	case gridinspect.CategoryIllegalConstruction:
		r.Details.IllegalConstruction = &gridinspect.IllegalConstructionDetails{Kind: 1, Land: 2, AreaSquareMeters: 50}
	case gridinspect.CategoryWaterSourceRisk:
		r.Details.WaterSourceRisk = &gridinspect.WaterSourceRiskDetails{RiskKind: 1}
		r.SubjectID = map[bool]string{false: st.waterA, true: st.waterB}[b]
	case gridinspect.CategoryDangerousHouse:
		r.Details.DangerousHouse = &gridinspect.DangerousHouseDetails{AppraisalGrade: 4, Occupied: true, Residents: 2}
		r.SubjectID = map[bool]string{false: st.houseA, true: st.houseB}[b]
	}
	return r
}

// submit stores r as an admin and returns it as stored.
func (st *statsStreet) submit(tb testing.TB, r *gridinspect.Report) *gridinspect.Report {
	tb.Helper()
	return mustSubmit(tb, st.testDB, as(admin()), r)
}

// hazard submits a general safety hazard in grid A observed at observed.
func (st *statsStreet) hazard(tb testing.TB, observed time.Time) *gridinspect.Report {
	tb.Helper()
	return st.submit(tb, st.report(gridinspect.CategorySafetyHazard, inA, observed))
}

// do takes action a at field time at, as an admin, and returns the case
// as it leaves it.
func (st *statsStreet) do(tb testing.TB, a *gridinspect.Action, at time.Time) *gridinspect.Report {
	tb.Helper()
	a.OccurredAt = at
	rep, _ := mustAct(tb, st.testDB, as(admin()), a)
	return rep
}

// assignBy assigns a case at `at` with a deadline.
func (st *statsStreet) assignBy(tb testing.TB, id string, at, deadline time.Time) {
	tb.Helper()
	st.do(tb, assignBy(id, "", deadline), at)
}

// fix submits a rectification (with the category's only outcome, or d)
// and verifies it, closing the case at `at`.
func (st *statsStreet) fix(tb testing.TB, id string, d gridinspect.Disposition, area float64, at time.Time) {
	tb.Helper()
	st.do(tb, rectify(id, d, area), at.Add(-time.Hour))
	st.do(tb, verifyPass(id), at)
}

// closeOnSpot verifies a case reported as rectified on the spot at `at`.
func (st *statsStreet) closeOnSpot(tb testing.TB, id string, at time.Time) {
	tb.Helper()
	st.do(tb, verifyPass(id), at)
}

// mustSummary counts the summary of [from, to) as the caller in ctx.
func mustSummary(tb testing.TB, db *testDB, ctx context.Context, from, to time.Time, grids ...string) *gridinspect.Summary {
	tb.Helper()
	s, err := db.Summary(ctx, from, to, grids)
	if err != nil {
		tb.Fatalf("summary %s…%s: %v", from.Format(time.DateOnly), to.Format(time.DateOnly), err)
	}
	return s
}

// wantLoop fails unless the loop's counts are what is wanted (rates and
// median are checked where a test names them).
func wantLoop(tb testing.TB, what string, got gridinspect.LoopSummary, want gridinspect.LoopSummary) {
	tb.Helper()
	got.ClosureRate, got.OnTimeRate, got.MedianDaysToClose = 0, 0, 0
	want.ClosureRate, want.OnTimeRate, want.MedianDaysToClose = 0, 0, 0
	if got != want {
		tb.Fatalf("%s:\n got %+v\nwant %+v", what, got, want)
	}
}

func wantFloat(tb testing.TB, what string, got, want float64) {
	tb.Helper()
	if math.Abs(got-want) > 1e-9 {
		tb.Fatalf("%s = %v, want %v", what, got, want)
	}
}

func TestSummary_ACaseFoundInMarchAndClosedInMayCountsInEach(t *testing.T) {
	st := newStatsStreet(t)
	r := st.hazard(t, date(3, 10, 9))
	st.assignBy(t, r.ID, date(3, 11, 9), date(5, 31, 18))
	st.fix(t, r.ID, 0, 0, date(5, 12, 9))
	ctx := as(admin())

	s := mustSummary(t, st.testDB, ctx, march[0], march[1])
	wantLoop(t, "march", s.Loop, gridinspect.LoopSummary{Reported: 1, Open: 1})
	if s.Safety.HazardsFound != 1 || s.Safety.HazardsRectified != 0 {
		t.Fatalf("march safety %+v: want found 1, rectified 0", s.Safety)
	}
	s = mustSummary(t, st.testDB, ctx, may[0], may[1])
	wantLoop(t, "may", s.Loop, gridinspect.LoopSummary{Closed: 1, Due: 1, ClosedOfDue: 1, ClosedOnTime: 1})
	if s.Safety.HazardsFound != 0 || s.Safety.HazardsRectified != 1 {
		t.Fatalf("may safety %+v: want found 0, rectified 1", s.Safety)
	}
	s = mustSummary(t, st.testDB, ctx, h1From, h1To)
	wantLoop(t, "half-year", s.Loop, gridinspect.LoopSummary{Reported: 1, Closed: 1, Due: 1, ClosedOfDue: 1, ClosedOnTime: 1})
	wantFloat(t, "median days to close", s.Loop.MedianDaysToClose, 63) // 10 March 09:00 → 12 May 09:00
}

func TestSummary_AnEventExactlyAtFromCountsAndExactlyAtToDoesNot(t *testing.T) {
	st := newStatsStreet(t)
	from, to := march[0], march[1]
	atFrom := st.hazard(t, from)
	st.hazard(t, to) // the next period's
	st.assignBy(t, atFrom.ID, from, date(6, 1, 0))
	st.do(t, notice(atFrom.ID, gridinspect.NoticeHazard), from)
	st.do(t, notice(atFrom.ID, gridinspect.NoticeHazard), to)
	st.do(t, interview(atFrom.ID), to)
	closing := st.report(gridinspect.CategorySafetyHazard, inA, from.Add(time.Hour))
	closing.RectifiedOnSpot = true
	closing = st.submit(t, closing)
	st.closeOnSpot(t, closing.ID, to) // closed exactly at the end: still open at it
	for _, at := range []time.Time{from, to} {
		p := newPatrol()
		p.Kind, p.GridID, p.StartedAt, p.EndedAt = gridinspect.PatrolKindSafety, gridA, at, at.Add(time.Hour)
		mustSubmitPatrol(t, st.testDB, as(admin()), p)
	}

	s := mustSummary(t, st.testDB, as(admin()), from, to)
	wantLoop(t, "loop", s.Loop, gridinspect.LoopSummary{Reported: 2, Open: 2, OverdueNow: 1})
	if s.Safety.HazardNotices != 1 || s.Safety.EnterpriseInterviews != 0 {
		t.Fatalf("notices, interviews = %d, %d; want 1, 0", s.Safety.HazardNotices, s.Safety.EnterpriseInterviews)
	}
	if s.Patrols != 1 || s.Safety.Inspections != 1 || s.Safety.PersonTimes != 2 {
		t.Fatalf("patrols, inspections, person-times = %d, %d, %d; want 1, 1, 2",
			s.Patrols, s.Safety.Inspections, s.Safety.PersonTimes)
	}
	next := mustSummary(t, st.testDB, as(admin()), to, to.AddDate(0, 1, 0))
	wantLoop(t, "next month", next.Loop, gridinspect.LoopSummary{Reported: 1, Closed: 1, Open: 2, OverdueNow: 1,
		Due: 1, ClosedOfDue: 1, ClosedOnTime: 1})
	if next.Safety.HazardNotices != 1 || next.Safety.EnterpriseInterviews != 1 || next.Patrols != 1 {
		t.Fatalf("next month: notices %d, interviews %d, patrols %d; want 1 each",
			next.Safety.HazardNotices, next.Safety.EnterpriseInterviews, next.Patrols)
	}
}

// TestSummary_ADeadlineExactlyAtToIsNotDueInThePeriodOneAtFromIs checks
// the period's bounds on deadlines: a period is [from, to), so a deadline
// exactly at `to` falls in the next period and has not passed at the end
// of this one, and a deadline exactly at `from` is this period's. Each
// way a case is counted is a case of its own: open now (countOpenNow),
// closed within the period (countDue), and closed after it, counted as it
// stood at `to` (correctChanged).
func TestSummary_ADeadlineExactlyAtToIsNotDueInThePeriodOneAtFromIs(t *testing.T) {
	from, to := march[0], march[1]
	for _, tt := range []struct {
		name     string
		deadline time.Time
		closed   time.Time // when it was closed; zero if it is open now
		want     gridinspect.LoopSummary
	}{
		{"open now, due at to", to, time.Time{},
			gridinspect.LoopSummary{Open: 1, OverdueNow: 1}},
		{"open now, due at from", from, time.Time{},
			gridinspect.LoopSummary{Open: 1, OverdueNow: 1, Due: 1, OpenOverdue: 1}},
		{"closed in the period, due at to", to, date(3, 20, 9),
			gridinspect.LoopSummary{Closed: 1}},
		{"closed in the period, due at from", from, date(3, 20, 9),
			gridinspect.LoopSummary{Closed: 1, Due: 1, ClosedOfDue: 1}},
		{"closed after the period, due at to", to, date(4, 10, 9),
			gridinspect.LoopSummary{Open: 1}},
		{"closed after the period, due at from", from, date(4, 10, 9),
			gridinspect.LoopSummary{Open: 1, Due: 1, OpenOverdue: 1}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			st := newStatsStreet(t)
			r := st.hazard(t, date(2, 20, 9)) // found before the period: its deadline alone decides
			st.assignBy(t, r.ID, date(2, 21, 9), tt.deadline)
			if !tt.closed.IsZero() {
				st.fix(t, r.ID, 0, 0, tt.closed)
			}
			s := mustSummary(t, st.testDB, as(admin()), from, to)
			wantLoop(t, "march", s.Loop, tt.want)
		})
	}
}

func TestSummary_AFlaggedDeviceClockCountsAtTheServersTime(t *testing.T) {
	st := newStatsStreet(t)
	setClock(st.testDB, date(3, 15, 10))
	r := st.report(gridinspect.CategorySafetyHazard, inA, time.Date(1999, 12, 31, 0, 0, 0, 0, time.UTC))
	r = st.submit(t, r)
	if !r.ClockSkewFlagged {
		t.Fatal("a device clock in 1999 was not flagged")
	}
	setClock(st.testDB, date(3, 20, 10))
	st.assignBy(t, r.ID, date(3, 20, 9), date(4, 30, 0))
	// A notice whose device says 2030: counted when the server got it.
	st.do(t, notice(r.ID, gridinspect.NoticeRectificationOrder), time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))

	s := mustSummary(t, st.testDB, as(admin()), march[0], march[1])
	wantLoop(t, "march", s.Loop, gridinspect.LoopSummary{Reported: 1, Open: 1})
	if s.Safety.RectificationOrders != 1 {
		t.Fatalf("rectification orders in March = %d, want 1", s.Safety.RectificationOrders)
	}
	old := mustSummary(t, st.testDB, as(admin()), time.Date(1999, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC))
	future := mustSummary(t, st.testDB, as(admin()), time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC))
	if old.Loop.Reported != 0 || future.Safety.RectificationOrders != 0 {
		t.Fatalf("counted at the device's time: reported in 1999 %d, orders in 2030 %d",
			old.Loop.Reported, future.Safety.RectificationOrders)
	}
}

func TestSummary_ASupervisorSeesOnlyTheirGrids(t *testing.T) {
	st := newStatsStreet(t)
	st.hazard(t, date(3, 2, 9))
	st.submit(t, st.report(gridinspect.CategorySafetyHazard, inB, date(3, 3, 9)))
	st.submit(t, st.report(gridinspect.CategorySafetyHazard, inB, date(3, 4, 9)))
	p := newPatrol()
	p.GridID, p.StartedAt, p.EndedAt = gridB, date(3, 5, 9), date(3, 5, 10)
	mustSubmitPatrol(t, st.testDB, as(admin()), p)

	s := mustSummary(t, st.testDB, as(supervisor(gridA)), march[0], march[1])
	if s.Loop.Reported != 1 || s.Safety.HazardsFound != 1 || s.Patrols != 0 {
		t.Fatalf("supervisor of A: reported %d, found %d, patrols %d; want 1, 1, 0",
			s.Loop.Reported, s.Safety.HazardsFound, s.Patrols)
	}
	if len(s.GridIDs) != 1 || s.GridIDs[0] != gridA || len(s.ByGrid) != 1 || s.GridNames[gridA] != "东村" {
		t.Fatalf("supervisor of A: grids %v, by grid %v, names %v", s.GridIDs, s.ByGrid, s.GridNames)
	}
	all := mustSummary(t, st.testDB, as(admin()), march[0], march[1])
	if all.Loop.Reported != 3 || all.ByGrid[gridA].Reported != 1 || all.ByGrid[gridB].Reported != 2 || all.Patrols != 1 {
		t.Fatalf("admin: reported %d, by grid %+v, patrols %d", all.Loop.Reported, all.ByGrid, all.Patrols)
	}
	if got := all.ByCategory[gridinspect.CategorySafetyHazard].Reported; got != 3 || len(all.ByCategory) != 6 {
		t.Fatalf("admin: by category %+v", all.ByCategory)
	}
	onlyB := mustSummary(t, st.testDB, as(admin()), march[0], march[1], gridB)
	if onlyB.Loop.Reported != 2 || onlyB.Patrols != 1 || len(onlyB.ByGrid) != 1 {
		t.Fatalf("admin asking for B: reported %d, patrols %d, by grid %v", onlyB.Loop.Reported, onlyB.Patrols, onlyB.ByGrid)
	}
}

func TestSummary_RefusesWhatTheCallerMayNotRead(t *testing.T) {
	st := newStatsStreet(t)
	for _, tt := range []struct {
		name     string
		actor    *gridinspect.Actor
		from, to time.Time
		grids    []string
		code     string
		field    string
	}{
		{"a worker", worker(gridA), h1From, h1To, nil, gridinspect.EFORBIDDEN, ""},
		{"a grid outside the supervisor's", supervisor(gridA), h1From, h1To, []string{gridB}, gridinspect.EFORBIDDEN, ""},
		{"a grid that does not exist, to an admin", admin(), h1From, h1To, []string{newID()}, gridinspect.ENOTFOUND, ""},
		{"a period that ends where it starts", admin(), h1From, h1From, nil, gridinspect.EINVALID, "to"},
		{"a period that ends before it starts", admin(), h1To, h1From, nil, gridinspect.EINVALID, "to"},
		{"no start", admin(), time.Time{}, h1To, nil, gridinspect.EINVALID, "from"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := st.Summary(as(tt.actor), tt.from, tt.to, tt.grids)
			if tt.field != "" {
				wantField(t, err, tt.field)
				return
			}
			e := wantCode(t, err, tt.code)
			if tt.code == gridinspect.EFORBIDDEN && tt.grids != nil && e != gridinspect.ErrOutOfScope {
				t.Fatalf("err = %v, want ErrOutOfScope", err)
			}
		})
	}
	if _, err := st.Summary(context.Background(), h1From, h1To, nil); gridinspect.ErrorCode(err) != gridinspect.EUNAUTHENTICATED {
		t.Fatalf("no caller: %v, want EUNAUTHENTICATED", err)
	}
	s := mustSummary(t, st.testDB, as(&gridinspect.Actor{UserID: supervisorID, Role: gridinspect.RoleSupervisor}), h1From, h1To)
	if s.Loop != (gridinspect.LoopSummary{}) || len(s.GridIDs) != 0 {
		t.Fatalf("a supervisor of no grid: %+v", s)
	}
}

func TestSummary_RatesFollowDigitalUrbanManagement(t *testing.T) {
	st := newStatsStreet(t)
	ctx := as(admin())
	found := date(1, 5, 9)
	deadline := date(3, 31, 18)
	// Closed before its deadline: due, closed, on time.
	early := st.hazard(t, found)
	st.assignBy(t, early.ID, found, deadline)
	st.fix(t, early.ID, 0, 0, date(3, 20, 9))
	// Extended in the period, closed after the first deadline but by the
	// new one: on time.
	extended := st.hazard(t, found)
	st.assignBy(t, extended.ID, found, deadline)
	st.do(t, extend(extended.ID, date(4, 30, 18)), date(3, 25, 9))
	st.fix(t, extended.ID, 0, 0, date(4, 20, 9))
	// Closed late: due, closed, not on time.
	late := st.hazard(t, found)
	st.assignBy(t, late.ID, found, deadline)
	st.fix(t, late.ID, 0, 0, date(4, 20, 9))
	// Rectified on the spot and closed without a deadline: due, on time.
	spot := st.report(gridinspect.CategorySafetyHazard, inA, date(2, 1, 9))
	spot.RectifiedOnSpot = true
	spot = st.submit(t, spot)
	st.closeOnSpot(t, spot.ID, date(2, 2, 9))
	// Open and overdue at the end: due, not closed.
	open := st.hazard(t, found)
	st.assignBy(t, open.ID, found, deadline)
	// Overdue at the end, its deadline extended only after it (in July):
	// the period counts the deadline that stood at its end.
	extendedAfter := st.hazard(t, found)
	st.assignBy(t, extendedAfter.ID, found, deadline)
	st.do(t, extend(extendedAfter.ID, date(9, 30, 18)), date(7, 3, 9))
	// Its deadline after the period: not due, not overdue.
	notDue := st.hazard(t, found)
	st.assignBy(t, notDue.ID, found, date(7, 15, 18))
	// Reported and never assigned: no deadline, not due.
	st.hazard(t, found)

	s := mustSummary(t, st.testDB, ctx, h1From, h1To)
	wantLoop(t, "half-year", s.Loop, gridinspect.LoopSummary{Reported: 8, Closed: 4, Open: 4, OverdueNow: 2,
		Due: 6, ClosedOfDue: 4, ClosedOnTime: 3, OpenOverdue: 2})
	wantFloat(t, "closure rate", s.Loop.ClosureRate, 4.0/6)
	wantFloat(t, "on-time rate", s.Loop.OnTimeRate, 3.0/6)
	// Within one quarter: only the deadlines in it.
	q1 := mustSummary(t, st.testDB, ctx, date(1, 1, 0), date(4, 1, 0))
	// At its end the late one and the extended one were still open, the
	// late one overdue; the extended one's deadline was no longer in it.
	wantLoop(t, "first quarter", q1.Loop, gridinspect.LoopSummary{Reported: 8, Closed: 2, Open: 6, OverdueNow: 2,
		Due: 5, ClosedOfDue: 2, ClosedOnTime: 2, OpenOverdue: 3})
	wantFloat(t, "first quarter's closure rate", q1.Loop.ClosureRate, 2.0/5)
	// Nothing due: rates are 0, not NaN.
	empty := mustSummary(t, st.testDB, ctx, date(6, 1, 0), date(6, 2, 0))
	if empty.Loop.Due != 0 || empty.Loop.ClosureRate != 0 || empty.Loop.OnTimeRate != 0 {
		t.Fatalf("nothing due: %+v", empty.Loop)
	}
}

func TestSummary_OpenAtTheEndOfThePeriodIsNotOpenNow(t *testing.T) {
	st := newStatsStreet(t)
	// Overdue at the end of June, closed in July.
	closedAfter := st.hazard(t, date(6, 1, 9))
	st.assignBy(t, closedAfter.ID, date(6, 1, 10), date(6, 15, 18))
	st.fix(t, closedAfter.ID, 0, 0, date(7, 10, 9))
	// Overdue at the end of June and still now.
	stillOpen := st.hazard(t, date(6, 2, 9))
	st.assignBy(t, stillOpen.ID, date(6, 2, 10), date(6, 20, 18))
	// Rectified in June, but the phone sent it in July, after the
	// deadline was extended online: at the end of June it was awaiting
	// verification (not overdue), its deadline still the first one.
	offline := st.hazard(t, date(6, 3, 9))
	st.assignBy(t, offline.ID, date(6, 3, 10), date(6, 10, 18))
	st.do(t, extend(offline.ID, date(7, 31, 18)), date(7, 2, 9))
	st.do(t, rectify(offline.ID, 0, 0), date(6, 8, 9))
	// Found after the period, overdue now: overdue now, not open at the end.
	after := st.hazard(t, date(7, 2, 9))
	st.assignBy(t, after.ID, date(7, 2, 10), date(7, 20, 18))

	june := mustSummary(t, st.testDB, as(admin()), date(6, 1, 0), date(7, 1, 0))
	wantLoop(t, "june", june.Loop, gridinspect.LoopSummary{Reported: 3, Open: 3, OverdueNow: 2,
		Due: 3, OpenOverdue: 2})
	july := mustSummary(t, st.testDB, as(admin()), date(7, 1, 0), date(8, 1, 0))
	wantLoop(t, "july", july.Loop, gridinspect.LoopSummary{Reported: 1, Closed: 1, Open: 3, OverdueNow: 2,
		Due: 2, OpenOverdue: 2})
}

func TestSummary_ARelapsedCaseCountsEachTimeItIsClosed(t *testing.T) {
	st := newStatsStreet(t)
	ctx := as(admin())
	r := st.submit(t, st.report(gridinspect.CategoryPollutingEnterprise, inA, date(1, 10, 9)))
	st.assignBy(t, r.ID, date(1, 11, 9), date(2, 28, 18))
	st.fix(t, r.ID, gridinspect.DispositionShutDown, 0, date(2, 3, 9))
	st.do(t, followUp(r.ID, true), date(3, 5, 9)) // back at it
	st.fix(t, r.ID, gridinspect.DispositionRelocated, 0, date(3, 22, 9))
	st.do(t, followUp(r.ID, false), date(6, 1, 9))
	// A shed demolished twice, the second time less of it.
	shed := st.report(gridinspect.CategoryIllegalConstruction, inB, date(1, 20, 9))
	shed.Details.IllegalConstruction = &gridinspect.IllegalConstructionDetails{Kind: 2, Land: 1, AreaSquareMeters: 120}
	shed = st.submit(t, shed)
	st.assignBy(t, shed.ID, date(1, 21, 9), date(2, 28, 18))
	st.fix(t, shed.ID, gridinspect.DispositionDemolished, 100, date(2, 10, 9))
	st.do(t, followUp(shed.ID, true), date(4, 1, 9))
	st.fix(t, shed.ID, gridinspect.DispositionDemolished, 30, date(4, 10, 9))

	s := mustSummary(t, st.testDB, ctx, h1From, h1To)
	p := s.Polluting
	if p.Found != 1 || p.ShutDown != 1 || p.Relocated != 1 || p.FollowUps != 2 || p.Relapses != 1 {
		t.Fatalf("polluting %+v: want found 1, shut down 1, relocated 1, follow-ups 2, relapses 1", p)
	}
	c := s.Construction
	if c.Found != 1 || c.OnFarmland != 1 || c.Demolished != 2 || c.DemolishedAreaSquareMeters != 130 || c.ShedsAndStorageCleared != 2 {
		t.Fatalf("construction %+v: want found 1 on farmland, demolished twice, 130 m², 2 sheds", c)
	}
	wantLoop(t, "half-year", s.Loop, gridinspect.LoopSummary{Reported: 2, Closed: 4, Due: 2, ClosedOfDue: 2, ClosedOnTime: 0})
	// 24, 71 days (the enterprise); 21, 80 days (the shed).
	wantFloat(t, "median days to close", s.Loop.MedianDaysToClose, (24.0+71)/2)
	inMarch := mustSummary(t, st.testDB, ctx, march[0], march[1])
	if inMarch.Loop.Closed != 1 || inMarch.Polluting.Relapses != 1 || inMarch.Polluting.Relocated != 1 || inMarch.Polluting.ShutDown != 0 {
		t.Fatalf("march: closed %d, %+v", inMarch.Loop.Closed, inMarch.Polluting)
	}
	// Between the relapse and the second closure the case is open again,
	// and its deadline long past.
	mid := mustSummary(t, st.testDB, ctx, date(3, 1, 0), date(3, 10, 0))
	wantLoop(t, "early march", mid.Loop, gridinspect.LoopSummary{Open: 1, OpenOverdue: 1})
}

func TestSummary_TheRedLineIsOccupiedDangerousHousesOpenAtTheEnd(t *testing.T) {
	st := newStatsStreet(t)
	house := func(grade int, occupied bool) *gridinspect.Report {
		r := st.report(gridinspect.CategoryDangerousHouse, inA, date(2, 1, 9))
		r.Details.DangerousHouse = &gridinspect.DangerousHouseDetails{AppraisalGrade: grade, Occupied: occupied, Residents: 3}
		r = st.submit(t, r)
		st.assignBy(t, r.ID, date(2, 2, 9), date(9, 1, 0))
		return r
	}
	house(4, true) // open: on the red line
	movedOut := house(3, true)
	st.fix(t, movedOut.ID, gridinspect.DispositionResidentsRelocated, 0, date(5, 1, 9)) // off it before the end
	renovatedLater := house(4, true)
	st.fix(t, renovatedLater.ID, gridinspect.DispositionRenovated, 0, date(7, 20, 9)) // on it at the end
	house(2, true)                                                                    // grade B: not dangerous
	house(3, false)                                                                   // nobody lives there

	s := mustSummary(t, st.testDB, as(admin()), h1From, h1To)
	d := s.DangerousHouses
	if d.OccupiedDangerousNow != 2 || d.Identified != 5 || d.GradeC != 2 || d.GradeD != 2 || d.ResidentsRelocated != 1 || d.Renovated != 0 {
		t.Fatalf("dangerous houses %+v: want red line 2, identified 5 (C 2, D 2), relocated 1", d)
	}
	later := mustSummary(t, st.testDB, as(admin()), date(7, 1, 0), date(8, 1, 0))
	if later.DangerousHouses.OccupiedDangerousNow != 1 || later.DangerousHouses.Renovated != 1 {
		t.Fatalf("july: %+v", later.DangerousHouses)
	}
}

func TestSummary_MedianDaysToClose(t *testing.T) {
	for _, tt := range []struct {
		name string
		days []int
		want float64
	}{
		{"none", nil, 0},
		{"one", []int{3}, 3},
		{"an odd count: the middle one", []int{4, 1, 2}, 2},
		{"an even count: the mean of the middle two", []int{10, 1, 4, 2}, 3},
	} {
		t.Run(tt.name, func(t *testing.T) {
			st := newStatsStreet(t)
			for _, d := range tt.days {
				r := st.report(gridinspect.CategorySafetyHazard, inA, date(3, 1, 9))
				r.RectifiedOnSpot = true
				r = st.submit(t, r)
				st.closeOnSpot(t, r.ID, date(3, 1, 9).AddDate(0, 0, d))
			}
			s := mustSummary(t, st.testDB, as(admin()), h1From, h1To)
			wantFloat(t, "median days", s.Loop.MedianDaysToClose, tt.want)
			wantFloat(t, "median days of safety", s.ByCategory[gridinspect.CategorySafetyHazard].MedianDaysToClose, tt.want)
			wantFloat(t, "median days of grid A", s.ByGrid[gridA].MedianDaysToClose, tt.want)
		})
	}
}

func TestSummary_ConflictsAndRejectionsCountAsTheyShould(t *testing.T) {
	st := newStatsStreet(t)
	ctx := as(admin())
	dup := st.hazard(t, date(3, 2, 9))
	orig := st.hazard(t, date(3, 1, 9))
	st.do(t, reject(dup.ID, orig.ID), date(3, 3, 9))
	closed := st.report(gridinspect.CategorySafetyHazard, inA, date(3, 4, 9))
	closed.RectifiedOnSpot = true
	closed = st.submit(t, closed)
	st.closeOnSpot(t, closed.ID, date(3, 5, 9))
	// A notice pushed by an offline phone after the case was closed is
	// kept as a conflict, and counts nowhere.
	late := notice(closed.ID, gridinspect.NoticeEnforcement)
	late.OccurredAt = date(3, 6, 9)
	if _, e, err := st.Act(ctx, late, gridinspect.Offline); err == nil || e == nil || !e.Conflict {
		t.Fatalf("offline notice on a closed case: event %+v, err %v; want a conflict", e, err)
	}

	s := mustSummary(t, st.testDB, ctx, march[0], march[1])
	// The duplicate was reported, and rejected, but no hazard was found in it.
	wantLoop(t, "march", s.Loop, gridinspect.LoopSummary{Reported: 3, Rejected: 1, Closed: 1, Open: 1,
		Due: 1, ClosedOfDue: 1, ClosedOnTime: 1})
	if s.Safety.HazardsFound != 2 || s.Safety.EnforcementDocuments != 0 || len(s.Safety.EnforcementByDepartment) != 0 {
		t.Fatalf("safety %+v: want 2 found, no enforcement document", s.Safety)
	}
}

func TestSummary_CountsEachCategorysFigures(t *testing.T) {
	st := newStatsStreet(t)
	at := date(4, 1, 9)
	// Safety: a major one, one rectified on the spot; notices of each
	// kind, an interview.
	major := st.report(gridinspect.CategorySafetyHazard, inA, at)
	major.Severity = gridinspect.SeverityMajor
	major = st.submit(t, major)
	st.assignBy(t, major.ID, at, date(5, 1, 0))
	for _, k := range []gridinspect.NoticeKind{gridinspect.NoticeHazard, gridinspect.NoticeRectificationOrder,
		gridinspect.NoticeEnforcement, gridinspect.NoticeEnforcement} {
		st.do(t, notice(major.ID, k), at.Add(time.Hour))
	}
	n := notice(major.ID, gridinspect.NoticeEnforcement)
	n.Data.Notice.Department = "区应急管理局"
	st.do(t, n, at.Add(time.Hour))
	st.do(t, interview(major.ID), at.Add(2*time.Hour))
	onSpot := st.report(gridinspect.CategorySafetyHazard, inB, at)
	onSpot.RectifiedOnSpot = true
	st.submit(t, onSpot)
	// Polluting: sand washing moved in from outside, shut down; plastics.
	sand := st.report(gridinspect.CategoryPollutingEnterprise, inA, at)
	sand.Details.PollutingEnterprise = &gridinspect.PollutingEnterpriseDetails{Polluting: true, Activity: 1,
		MovedInFromOutside: true, FromDistrict: "邻区"}
	sand = st.submit(t, sand)
	st.assignBy(t, sand.ID, at, date(5, 1, 0))
	st.fix(t, sand.ID, gridinspect.DispositionShutDown, 0, date(4, 20, 9))
	plastic := st.report(gridinspect.CategoryPollutingEnterprise, inB, at)
	plastic.Details.PollutingEnterprise = &gridinspect.PollutingEnterpriseDetails{Disorderly: true, Activity: 2}
	plastic = st.submit(t, plastic)
	st.assignBy(t, plastic.ID, at, date(5, 1, 0))
	st.fix(t, plastic.ID, gridinspect.DispositionUpgraded, 0, date(4, 21, 9))
	// Construction: a billboard demolished, a building legalised.
	board := st.report(gridinspect.CategoryIllegalConstruction, inA, at)
	board.Details.IllegalConstruction = &gridinspect.IllegalConstructionDetails{Kind: 3, Land: 3, AreaSquareMeters: 20}
	board = st.submit(t, board)
	st.assignBy(t, board.ID, at, date(5, 1, 0))
	st.fix(t, board.ID, gridinspect.DispositionDemolished, 18.5, date(4, 22, 9))
	building := st.submit(t, st.report(gridinspect.CategoryIllegalConstruction, inA, at))
	st.assignBy(t, building.ID, at, date(5, 1, 0))
	st.fix(t, building.ID, gridinspect.DispositionLegalised, 0, date(4, 22, 9))
	// Water: a risk resolved; water and pollution patrols.
	water := st.submit(t, st.report(gridinspect.CategoryWaterSourceRisk, inB, at))
	st.assignBy(t, water.ID, at, date(5, 1, 0))
	st.fix(t, water.ID, 0, 0, date(4, 5, 9))
	for _, k := range []gridinspect.PatrolKind{gridinspect.PatrolKindWaterSource, gridinspect.PatrolKindWaterSource,
		gridinspect.PatrolKindPollutionArea, gridinspect.PatrolKindGeneral} {
		p := newPatrol()
		p.Kind, p.GridID, p.StartedAt, p.EndedAt, p.Participants = k, gridA, at, at.Add(time.Hour), 3
		if k == gridinspect.PatrolKindWaterSource {
			p.SubjectID = st.waterA
		}
		mustSubmitPatrol(t, st.testDB, as(admin()), p)
	}
	// Dangerous houses: demolished.
	house := st.submit(t, st.report(gridinspect.CategoryDangerousHouse, inB, at))
	st.assignBy(t, house.ID, at, date(5, 1, 0))
	st.fix(t, house.ID, gridinspect.DispositionDemolished, 0, date(4, 25, 9))

	s := mustSummary(t, st.testDB, as(admin()), date(4, 1, 0), date(5, 1, 0))
	want := gridinspect.SafetySummary{HazardsFound: 2, RectifiedOnSpot: 1, GeneralHazards: 1, MajorHazards: 1,
		HazardNotices: 1, RectificationOrders: 1, EnforcementDocuments: 3,
		EnforcementByDepartment: map[string]int64{"区生态环境局": 2, "区应急管理局": 1}, EnterpriseInterviews: 1}
	assertEqual(t, s.Safety, want)
	assertEqual(t, s.Polluting, gridinspect.PollutingSummary{Found: 2, MovedInFromOutside: 1,
		ByActivity: map[int]int64{1: 1, 2: 1}, ShutDown: 1, Upgraded: 1, PatrolsCount: 1})
	assertEqual(t, s.Construction, gridinspect.ConstructionSummary{Found: 2, Demolished: 1,
		DemolishedAreaSquareMeters: 18.5, BillboardsRemoved: 1})
	assertEqual(t, s.WaterSources, gridinspect.WaterSourceSummary{Patrols: 2, RisksFound: 1, RisksResolved: 1})
	assertEqual(t, s.DangerousHouses, gridinspect.DangerousHouseSummary{Identified: 1, GradeD: 1, Demolished: 1})
	if s.Patrols != 4 || s.PatrolPersonTimes != 12 {
		t.Fatalf("patrols, person-times = %d, %d; want 4, 12", s.Patrols, s.PatrolPersonTimes)
	}
	if got := s.ByCategory[gridinspect.CategoryIllegalConstruction]; got.Closed != 2 || got.Reported != 2 {
		t.Fatalf("construction's loop %+v: want 2 reported, 2 closed", got)
	}
}

// planOf returns SQLite's plan for a query, one line a step.
func planOf(tb testing.TB, q queryer, query string, args []any) []string {
	tb.Helper()
	rows, err := q.Query("EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		tb.Fatalf("explain %s: %v", query, err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			tb.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if err := rows.Err(); err != nil {
		tb.Fatal(err)
	}
	return plan
}

// explainingQueryer records the plan of every query it runs.
type explainingQueryer struct {
	tb    testing.TB
	q     queryer
	plans map[string][]string
}

func (e *explainingQueryer) Query(query string, args ...any) (*sql.Rows, error) {
	e.plans[compact(query)] = planOf(e.tb, e.q, query, args)
	return e.q.Query(query, args...)
}

func (e *explainingQueryer) QueryRow(query string, args ...any) *sql.Row {
	e.plans[compact(query)] = planOf(e.tb, e.q, query, args)
	return e.q.QueryRow(query, args...)
}

func compact(s string) string { return strings.Join(strings.Fields(s), " ") }

func TestSummary_QueriesReadIndexRangesNotTables(t *testing.T) {
	onlyOn(t, "sqlite") // SQLite's query plans (EXPLAIN QUERY PLAN)
	db, streetGrids := benchStreet(t, 2000)
	for _, tt := range []struct {
		name     string
		from, to time.Time
		grids    []string
		way      changedWay
		changed  string // how the cases changed since the end are found
	}{
		{"the half-year just ended", time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC),
			nil, chooseWay, "SEARCH reports USING INDEX reports_changed"},
		{"a half-year long ago", time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2024, 7, 1, 0, 0, 0, 0, time.UTC),
			nil, chooseWay, "SEARCH reports USING INDEX reports_changed"},
		{"every case's changes in one pass", time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2024, 7, 1, 0, 0, 0, 0, time.UTC),
			nil, inOnePass, "SCAN events USING INDEX events_changes"},
		{"some grids", time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC),
			streetGrids[:1], chooseWay, "SEARCH reports USING INDEX reports_changed"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			grids, err := scopeGrids(admin(), tt.grids)
			if err != nil {
				t.Fatal(err)
			}
			sq := db.newSummaryQuery(admin(), tt.from, tt.to, grids)
			sq.now = benchNow.UnixNano()
			sq.changedWay = tt.way
			var plans map[string][]string
			err = db.Read(context.Background(), func(tx *sql.Tx) error {
				e := &explainingQueryer{tb: t, q: tx, plans: map[string][]string{}}
				sq.q = e
				if _, err := sq.gridNames(admin()); err != nil {
					return err
				}
				plans = e.plans
				return sq.count(&gridinspect.Summary{})
			})
			if err != nil {
				t.Fatal(err)
			}
			var all strings.Builder
			for q, plan := range plans {
				all.WriteString(strings.Join(plan, "\n") + "\n")
				for _, step := range plan {
					// A table is only ever searched by its key (a
					// report by id where old data lacks what an index
					// holds), never scanned, nor read through an index
					// but for its rows.
					for _, table := range []string{"reports", "events", "patrols"} {
						if step == "SCAN "+table || strings.HasPrefix(step, "SCAN "+table+" ") && !strings.Contains(step, "INDEX") {
							t.Errorf("a full scan of %s:\n%s\n%s", table, q, strings.Join(plan, "\n"))
						}
					}
					// Sorts only of what is small: a period's notices by
					// kind and department, the cases changed since its
					// end by grid and category (and finding them).
					if strings.Contains(step, "USE TEMP B-TREE") && !strings.Contains(q, "notice_kind") &&
						!strings.Contains(q, "status_end") {
						t.Errorf("a sort:\n%s\n%s", q, strings.Join(plan, "\n"))
					}
				}
			}
			if testing.Verbose() {
				t.Log(all.String())
			}
			if !strings.Contains(all.String(), tt.changed) {
				t.Errorf("changed cases not found through %s:\n%s", tt.changed, all.String())
			}
		})
	}
}

func TestSummary_ACaseWhoseSubmissionPredatesItsRecordedContentStillCounts(t *testing.T) {
	st := newStatsStreet(t)
	r := st.hazard(t, date(6, 1, 9))
	st.assignBy(t, r.ID, date(6, 2, 9), date(6, 10, 18))
	st.fix(t, r.ID, 0, 0, date(7, 10, 9)) // after June: changed since its end
	// The same case as a database from before submissions carried what
	// was submitted holds it: its submission without a payload.
	old := newID()
	events := mustTimeline(t, st.testDB, r.ID)
	err := st.Write(context.Background(), func(tx *Tx) error {
		cols := strings.Replace(reportStoredColumns, "id,", "?,", 1)
		if _, err := tx.Exec("INSERT INTO reports ("+reportStoredColumns+") SELECT "+cols+" FROM reports WHERE id = ?",
			old, r.ID); err != nil {
			return err
		}
		for _, e := range events {
			e.ID, e.ReportID = newID(), old
			if e.Type == gridinspect.EventReportSubmitted {
				e.ID, e.Data = old, gridinspect.EventData{}
			}
			if err := appendEvent(tx, e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	june := [2]time.Time{date(6, 1, 0), date(7, 1, 0)}
	for _, tt := range []struct {
		actor *gridinspect.Actor
		want  gridinspect.LoopSummary
	}{
		{admin(), gridinspect.LoopSummary{Reported: 2, Open: 2, Due: 2, OpenOverdue: 2}},
		{supervisor(gridA), gridinspect.LoopSummary{Reported: 2, Open: 2, Due: 2, OpenOverdue: 2}},
		{supervisor(gridB), gridinspect.LoopSummary{}},
	} {
		s := mustSummary(t, st.testDB, as(tt.actor), june[0], june[1])
		wantLoop(t, fmt.Sprintf("june, as %v", tt.actor.GridIDs), s.Loop, tt.want)
	}
}
