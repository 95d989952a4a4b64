package store

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/gridinspect/gridinspect"
)

// A half-year of a street's work, made through the store's public
// methods (SubmitReport, Act, SubmitPatrol) in the order the server would
// get it — phones that sync late, device clocks that are wrong, offline
// actions that meet a case that moved on — and every figure of the
// summary checked against counts made here, in Go, from what the store
// says it holds (the reports and their timelines), following the
// definitions of stats.proto.

// halfYearNow is the server's time when the summaries are asked for.
var halfYearNow = date(8, 10, 12)

// plannedOp is one call the street makes, at a server time.
type plannedOp struct {
	at  time.Time // server time
	seq int       // order of planning: the tie-break
	run func(tb testing.TB)
}

// halfYear plans and runs the street's calls.
type halfYear struct {
	st  *statsStreet
	rng *rand.Rand
	// escalation draws the re-dispatches and urgings (issue 15) from a
	// stream of its own, so that the rest of the street stays as it was.
	escalation *rand.Rand
	ops        []plannedOp
	ids        []string // the reports
	patrols    []*gridinspect.Patrol
}

func (h *halfYear) chance(p float64) bool { return h.rng.Float64() < p }

func (h *halfYear) days(lo, hi float64) time.Duration {
	return time.Duration((lo + h.rng.Float64()*(hi-lo)) * float64(24*time.Hour))
}

func (h *halfYear) plan(at time.Time, run func(tb testing.TB)) {
	h.ops = append(h.ops, plannedOp{at: at, seq: len(h.ops), run: run})
}

// lifeOf plans one case: submitted, then taken through its life by
// actions, each at a field time and reaching the server a little (or, from
// an offline phone, days) later, in the order planned.
func (h *halfYear) lifeOf() {
	st, rng := h.st, h.rng
	cat := []gridinspect.Category{1, 1, 1, 1, 2, 2, 3, 3, 4, 5, 5, 6}[rng.IntN(12)]
	loc := []gridinspect.Location{inA, inB}[rng.IntN(2)]
	field := date(1, 1, 0).Add(h.days(-45, 212)) // mid-November to the end of July
	r := st.report(cat, loc, field)
	switch cat {
	case gridinspect.CategorySafetyHazard:
		if h.chance(0.15) {
			r.Severity = gridinspect.SeverityMajor
		}
		r.RectifiedOnSpot = h.chance(0.3)
	case gridinspect.CategoryPollutingEnterprise:
		act := 1 + rng.IntN(9)
		r.Details.PollutingEnterprise = &gridinspect.PollutingEnterpriseDetails{Polluting: true, Activity: act,
			MovedInFromOutside: h.chance(0.3)}
		if act == 9 {
			r.Details.PollutingEnterprise.ActivityDescription = "废旧轮胎炼油"
		}
	case gridinspect.CategoryIllegalConstruction:
		r.Details.IllegalConstruction = &gridinspect.IllegalConstructionDetails{Kind: 1 + rng.IntN(5),
			Land: 1 + rng.IntN(4), AreaSquareMeters: float64(5 + rng.IntN(300))}
	case gridinspect.CategoryDangerousHouse:
		r.Details.DangerousHouse = &gridinspect.DangerousHouseDetails{AppraisalGrade: 1 + rng.IntN(4),
			Occupied: h.chance(0.5), Residents: rng.IntN(6)}
	case gridinspect.CategoryOther:
		r.Details = gridinspect.Details{}
	}
	server := field.Add(time.Duration(1+rng.IntN(30)) * time.Minute)
	if h.chance(0.1) {
		server = field.Add(h.days(1, 4)) // synced days later
	}
	if h.chance(0.03) {
		r.ObservedAt = time.Date(1999, 12, 31, 0, 0, 0, 0, time.UTC) // a phone whose clock was reset
		field = server
	}
	if !server.Before(halfYearNow) {
		return
	}
	h.ids = append(h.ids, r.ID)
	h.plan(server, func(tb testing.TB) { st.submit(tb, r) })

	id := r.ID
	var deadline time.Time
	stopped := false
	// step plans an action at field time field+after, reaching the server
	// after the last one; it reports false once the street's time is up.
	step := func(a *gridinspect.Action, after time.Duration, mode gridinspect.ActMode) bool {
		if stopped {
			return false
		}
		field = field.Add(after)
		a.OccurredAt = field
		at := field.Add(time.Duration(1+rng.IntN(20)) * time.Minute)
		if h.chance(0.08) {
			at = at.Add(h.days(1, 5)) // an offline phone
		}
		if h.chance(0.02) && a.Type != gridinspect.EventReportAssigned {
			a.OccurredAt = time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC) // a clock in the future: flagged
		}
		if !at.After(server) {
			at = server.Add(time.Minute)
		}
		if !at.Before(halfYearNow) {
			stopped = true
			return false
		}
		server = at
		h.plan(at, func(tb testing.TB) {
			tb.Helper()
			if _, _, err := st.Act(as(admin()), a, mode); err != nil && mode == gridinspect.Online {
				tb.Fatalf("%v of %v %s: %v", a.Step(), cat, id, err)
			}
		})
		return true
	}
	disposition := func() (gridinspect.Disposition, float64) {
		switch cat {
		case gridinspect.CategoryPollutingEnterprise:
			return gridinspect.Disposition(2 + rng.IntN(3)), 0
		case gridinspect.CategoryIllegalConstruction:
			if h.chance(0.15) {
				return gridinspect.DispositionLegalised, 0
			}
			return gridinspect.DispositionDemolished, float64(rng.IntN(200)) // 0: none claimed
		case gridinspect.CategoryDangerousHouse:
			return []gridinspect.Disposition{gridinspect.DispositionRenovated, gridinspect.DispositionDemolished,
				gridinspect.DispositionResidentsRelocated}[rng.IntN(3)], 0
		case gridinspect.CategoryOther:
			return gridinspect.DispositionResolved, 0
		}
		return 0, 0
	}
	// fix plans a rectification and its verification (failed first,
	// sometimes); with lateFix, the rectification comes from an offline
	// phone after the deadline was extended online, although it was done
	// before.
	fix := func(within float64) bool {
		d, area := disposition()
		if deadline.IsZero() || !h.chance(0.15) {
			if !step(rectify(id, d, area), h.days(0.5, within), gridinspect.Online) {
				return false
			}
		} else {
			done := field.Add(h.days(0.5, within))
			deadline = deadline.Add(h.days(5, 20))
			if !step(extend(id, deadline), done.Sub(field)+h.days(0.5, 3), gridinspect.Online) {
				return false
			}
			late := rectify(id, d, area)
			if !step(late, 0, gridinspect.Online) {
				return false
			}
			late.OccurredAt = done
		}
		if h.chance(0.1) {
			if !step(verifyFail(id), h.days(0.2, 3), gridinspect.Online) ||
				!step(rectify(id, d, area), h.days(0.5, 10), gridinspect.Online) {
				return false
			}
		}
		return step(verifyPass(id), h.days(0.2, 4), gridinspect.Online)
	}

	switch {
	case r.RectifiedOnSpot:
		if !step(verifyPass(id), h.days(0, 3), gridinspect.Online) {
			return
		}
	case h.chance(0.06):
		step(reject(id, ""), h.days(0.1, 2), gridinspect.Online)
		return
	default:
		deadline = field.Add(h.days(3, 40))
		if !step(assignBy(id, "", deadline), h.days(0.1, 2), gridinspect.Online) {
			return
		}
		h.escalate(id, server)
		deadline = deadline.Add(h.days(0, 2)) // its field time moved on; keep the deadline after it
		for range rng.IntN(3) {
			if cat <= gridinspect.CategoryIllegalConstruction && h.chance(0.5) {
				n := notice(id, gridinspect.NoticeKind(1+rng.IntN(3)))
				if n.Data.Notice.Kind == gridinspect.NoticeEnforcement && h.chance(0.5) {
					n.Data.Notice.Department = "区应急管理局"
				}
				if !step(n, h.days(0.1, 5), gridinspect.Online) {
					return
				}
			}
		}
		if h.chance(0.15) && !step(interview(id), h.days(0.1, 5), gridinspect.Online) {
			return
		}
		if h.chance(0.3) && !step(progress(id), h.days(0.1, 5), gridinspect.Online) {
			return
		}
		if h.chance(0.1) {
			deadline = deadline.Add(h.days(5, 15))
			if !step(extend(id, deadline), h.days(0.1, 5), gridinspect.Online) {
				return
			}
		}
		if h.chance(0.15) { // left open
			return
		}
		if !fix(45) {
			return
		}
	}
	if h.chance(0.1) && !step(comment(id), h.days(0.1, 5), gridinspect.Online) {
		return
	}
	// An offline phone's notice that arrives after the case was closed is
	// kept as a conflict.
	if h.chance(0.05) && !step(notice(id, gridinspect.NoticeHazard), h.days(0.1, 2), gridinspect.Offline) {
		return
	}
	if cat == gridinspect.CategoryPollutingEnterprise || cat == gridinspect.CategoryIllegalConstruction ||
		cat == gridinspect.CategoryDangerousHouse {
		for range 2 {
			relapsed := h.chance(0.3)
			if !step(followUp(id, relapsed), h.days(10, 60), gridinspect.Online) || !relapsed || !fix(20) {
				return
			}
		}
	}
}

// escalate plans, at random, a re-dispatch and urgings of a case
// dispatched at server time at, days later, online; one that meets the
// case no longer dispatched (or with the unit it already has) is refused
// and writes nothing, which the counts read from timelines follow.
func (h *halfYear) escalate(id string, at time.Time) {
	r := h.escalation
	later := func() time.Time { return at.Add(time.Duration((0.5 + 20*r.Float64()) * float64(24*time.Hour))) }
	var planned []*gridinspect.Action
	if r.Float64() < 0.15 {
		planned = append(planned, reassign(id, "", fmt.Sprintf("街道城建办%d", r.IntN(3))))
	}
	for range r.IntN(3) {
		planned = append(planned, urge(id))
	}
	for _, a := range planned {
		when := later()
		if !when.Before(halfYearNow) {
			continue
		}
		a.OccurredAt = when
		h.plan(when, func(tb testing.TB) {
			tb.Helper()
			_, _, err := h.st.Act(as(admin()), a, gridinspect.Online)
			if c := gridinspect.ErrorCode(err); err != nil && c != gridinspect.EPRECONDITION && c != gridinspect.EINVALID {
				tb.Fatalf("%v of %s: %v", a.Step(), id, err)
			}
		})
	}
}

// superviseDaily plans the server's supervision (督办) every day at 02:00
// China time, as gridd's loop would run it.
func (h *halfYear) superviseDaily() {
	for day := date(1, 1, 0).AddDate(0, 0, -45); day.Before(halfYearNow); day = day.AddDate(0, 0, 1) {
		h.plan(day.Add(2*time.Hour), func(tb testing.TB) {
			tb.Helper()
			if _, err := h.st.SuperviseOverdue(context.Background()); err != nil {
				tb.Fatalf("supervise: %v", err)
			}
		})
	}
}

// patrol plans a patrol.
func (h *halfYear) patrol() {
	st, rng := h.st, h.rng
	p := newPatrol()
	p.Kind = gridinspect.PatrolKind(1 + rng.IntN(4))
	p.GridID = []string{gridA, gridB}[rng.IntN(2)]
	p.StartedAt = date(1, 1, 0).Add(h.days(-45, 212))
	p.EndedAt, p.Participants = p.StartedAt.Add(2*time.Hour), 1+rng.IntN(6)
	if p.Kind == gridinspect.PatrolKindWaterSource {
		p.SubjectID = map[string]string{gridA: st.waterA, gridB: st.waterB}[p.GridID]
	}
	at := p.EndedAt.Add(time.Hour)
	if h.chance(0.05) {
		p.StartedAt = time.Date(1999, 12, 31, 0, 0, 0, 0, time.UTC)
		p.EndedAt = p.StartedAt.Add(time.Hour)
	}
	if !at.Before(halfYearNow) {
		return
	}
	h.plan(at, func(tb testing.TB) { h.patrols = append(h.patrols, mustSubmitPatrol(tb, st.testDB, as(admin()), p)) })
}

// run makes the calls in server-time order, with the server clock at each
// one's time.
func (h *halfYear) run(tb testing.TB) {
	sort.Slice(h.ops, func(i, j int) bool {
		a, b := h.ops[i], h.ops[j]
		return a.at.Before(b.at) || a.at.Equal(b.at) && a.seq < b.seq
	})
	for _, op := range h.ops {
		setClock(h.st.testDB, op.at)
		op.run(tb)
	}
	setClock(h.st.testDB, halfYearNow)
}

// heldCase is a case as the store holds it at the end: its report and
// timeline.
type heldCase struct {
	r      *gridinspect.Report
	events []*gridinspect.Event
}

func (h *halfYear) held(tb testing.TB) []heldCase {
	var cases []heldCase
	for _, id := range h.ids {
		r, err := h.st.GetReport(as(admin()), id)
		if err != nil {
			tb.Fatal(err)
		}
		cases = append(cases, heldCase{r, mustTimeline(tb, h.st.testDB, id)})
	}
	return cases
}

// loopCount is the loop of one category in one grid, counted here.
type loopCount struct {
	gridinspect.LoopSummary
	days []float64
}

// expectSummary counts every figure of [from, to) in the grids inScope
// from the cases and patrols, by the definitions of stats.proto.
func expectSummary(cases []heldCase, patrols []*gridinspect.Patrol, from, to, now time.Time, grids []string) *gridinspect.Summary {
	in := func(t time.Time) bool { return !t.Before(from) && t.Before(to) }
	s := &gridinspect.Summary{From: from, To: to, GridIDs: grids}
	loops := map[loopKey]*loopCount{}
	at := func(r *gridinspect.Report) *loopCount {
		k := loopKey{r.GridID, r.Category}
		if loops[k] == nil {
			loops[k] = &loopCount{}
		}
		return loops[k]
	}
	supervised := map[string]bool{} // cases escalated in the period: each counts once
	for _, c := range cases {
		r := c.r
		if !slices.Contains(grids, r.GridID) {
			continue
		}
		l := at(r)
		// Found in the period.
		if in(r.EffectiveAt()) {
			l.Reported++
			if r.Status != gridinspect.StatusRejected {
				switch d := r.Details; r.Category {
				case gridinspect.CategorySafetyHazard:
					s.Safety.HazardsFound++
					if r.RectifiedOnSpot {
						s.Safety.RectifiedOnSpot++
					}
					if r.Severity == gridinspect.SeverityMajor {
						s.Safety.MajorHazards++
					} else {
						s.Safety.GeneralHazards++
					}
				case gridinspect.CategoryPollutingEnterprise:
					s.Polluting.Found++
					if d.PollutingEnterprise.MovedInFromOutside {
						s.Polluting.MovedInFromOutside++
					}
					if s.Polluting.ByActivity == nil {
						s.Polluting.ByActivity = map[int]int64{}
					}
					s.Polluting.ByActivity[d.PollutingEnterprise.Activity]++
				case gridinspect.CategoryIllegalConstruction:
					s.Construction.Found++
					if d.IllegalConstruction.Land == 1 {
						s.Construction.OnFarmland++
					}
				case gridinspect.CategoryWaterSourceRisk:
					s.WaterSources.RisksFound++
				case gridinspect.CategoryDangerousHouse:
					s.DangerousHouses.Identified++
					switch d.DangerousHouse.AppraisalGrade {
					case 3:
						s.DangerousHouses.GradeC++
					case 4:
						s.DangerousHouses.GradeD++
					}
				}
			}
		}
		if r.Overdue(now) {
			l.OverdueNow++
		}
		// What happened in the period, event by event.
		var area float64
		for _, e := range c.events {
			if e.Conflict {
				continue
			}
			if rc := e.Data.Rectification; rc != nil {
				area = rc.DemolishedAreaSquareMeters
			}
			if !in(e.EffectiveAt()) {
				continue
			}
			switch e.Type {
			case gridinspect.EventReportReassigned:
				l.Reassigned++
			case gridinspect.EventReportUrged:
				l.Urged++
			case gridinspect.EventReportSupervised:
				if !supervised[r.ID] {
					supervised[r.ID] = true
					l.Supervised++
				}
			case gridinspect.EventReportRejected:
				l.Rejected++
			case gridinspect.EventNoticeIssued:
				switch n := e.Data.Notice; n.Kind {
				case gridinspect.NoticeHazard:
					s.Safety.HazardNotices++
				case gridinspect.NoticeRectificationOrder:
					s.Safety.RectificationOrders++
				case gridinspect.NoticeEnforcement:
					s.Safety.EnforcementDocuments++
					if s.Safety.EnforcementByDepartment == nil {
						s.Safety.EnforcementByDepartment = map[string]int64{}
					}
					s.Safety.EnforcementByDepartment[n.Department]++
				}
			case gridinspect.EventInterviewRecorded:
				s.Safety.EnterpriseInterviews++
			case gridinspect.EventFollowUpRecorded:
				if r.Category == gridinspect.CategoryPollutingEnterprise {
					s.Polluting.FollowUps++
					if e.Data.FollowUp.Relapsed {
						s.Polluting.Relapses++
					}
				}
			case gridinspect.EventRectificationVerified:
				if e.StatusAfter != gridinspect.StatusClosed {
					break
				}
				l.Closed++
				l.days = append(l.days, max(e.EffectiveAt().Sub(r.EffectiveAt()).Hours()/24, 0))
				d := e.Data.Verification.Disposition
				switch r.Category {
				case gridinspect.CategorySafetyHazard:
					s.Safety.HazardsRectified++
				case gridinspect.CategoryPollutingEnterprise:
					switch d {
					case gridinspect.DispositionShutDown:
						s.Polluting.ShutDown++
					case gridinspect.DispositionRelocated:
						s.Polluting.Relocated++
					case gridinspect.DispositionUpgraded:
						s.Polluting.Upgraded++
					}
				case gridinspect.CategoryIllegalConstruction:
					if d == gridinspect.DispositionDemolished {
						s.Construction.Demolished++
						s.Construction.DemolishedAreaSquareMeters += area
						switch r.Details.IllegalConstruction.Kind {
						case 3:
							s.Construction.BillboardsRemoved++
						case 2, 4:
							s.Construction.ShedsAndStorageCleared++
						}
					}
				case gridinspect.CategoryWaterSourceRisk:
					s.WaterSources.RisksResolved++
				case gridinspect.CategoryDangerousHouse:
					switch d {
					case gridinspect.DispositionRenovated:
						s.DangerousHouses.Renovated++
					case gridinspect.DispositionDemolished:
						s.DangerousHouses.Demolished++
					case gridinspect.DispositionResidentsRelocated:
						s.DangerousHouses.ResidentsRelocated++
					}
				}
			}
		}
		// Where the case stood at the end: the last change before it, in
		// timeline order.
		if !r.EffectiveAt().Before(to) {
			continue
		}
		var status gridinspect.Status
		var deadline, closedAt time.Time
		for _, e := range c.events {
			if e.Conflict || !e.EffectiveAt().Before(to) {
				continue
			}
			status = e.StatusAfter
			if as := e.Data.Assignment; as != nil {
				deadline = as.Deadline
			}
			if ex := e.Data.Extension; ex != nil {
				deadline = ex.New
			}
			if e.Type == gridinspect.EventRectificationVerified && e.StatusAfter == gridinspect.StatusClosed {
				closedAt = e.EffectiveAt()
			}
		}
		if status.Open() {
			l.Open++
			if h := r.Details.DangerousHouse; h != nil && h.AppraisalGrade >= 3 && h.Occupied {
				s.DangerousHouses.OccupiedDangerousNow++
			}
		}
		if (status == gridinspect.StatusAssigned || status == gridinspect.StatusRectifying) &&
			!deadline.IsZero() && deadline.Before(to) {
			l.OpenOverdue++
		}
		closed := status == gridinspect.StatusClosed
		if (!deadline.IsZero() && in(deadline)) || (deadline.IsZero() && closed && in(closedAt)) {
			l.Due++
			if closed {
				l.ClosedOfDue++
				if deadline.IsZero() || !closedAt.After(deadline) {
					l.ClosedOnTime++
				}
			}
		}
	}
	for _, p := range patrols {
		if !slices.Contains(grids, p.GridID) || !in(p.EffectiveAt()) {
			continue
		}
		s.Patrols++
		s.PatrolPersonTimes += int64(p.Participants)
		switch p.Kind {
		case gridinspect.PatrolKindSafety:
			s.Safety.Inspections++
			s.Safety.PersonTimes += int64(p.Participants)
		case gridinspect.PatrolKindPollutionArea:
			s.Polluting.PatrolsCount++
		case gridinspect.PatrolKindWaterSource:
			s.WaterSources.Patrols++
		}
	}
	// The loop, overall, by category, by grid.
	sum := func(keep func(loopKey) bool) gridinspect.LoopSummary {
		var t loopCount
		for k, l := range loops {
			if !keep(k) {
				continue
			}
			ls := &t.LoopSummary
			ls.Reported += l.Reported
			ls.Closed += l.Closed
			ls.Rejected += l.Rejected
			ls.Reassigned += l.Reassigned
			ls.Urged += l.Urged
			ls.Supervised += l.Supervised
			ls.Open += l.Open
			ls.OverdueNow += l.OverdueNow
			ls.Due += l.Due
			ls.ClosedOfDue += l.ClosedOfDue
			ls.ClosedOnTime += l.ClosedOnTime
			ls.OpenOverdue += l.OpenOverdue
			t.days = append(t.days, l.days...)
		}
		if t.Due > 0 {
			t.ClosureRate = float64(t.ClosedOfDue) / float64(t.Due)
			t.OnTimeRate = float64(t.ClosedOnTime) / float64(t.Due)
		}
		if n := len(t.days); n > 0 {
			sort.Float64s(t.days)
			t.MedianDaysToClose = t.days[n/2]
			if n%2 == 0 {
				t.MedianDaysToClose = (t.days[n/2-1] + t.days[n/2]) / 2
			}
		}
		return t.LoopSummary
	}
	s.Loop = sum(func(loopKey) bool { return true })
	s.ByCategory = map[gridinspect.Category]gridinspect.LoopSummary{}
	for c := gridinspect.CategorySafetyHazard; c.Valid(); c++ {
		s.ByCategory[c] = sum(func(k loopKey) bool { return k.category == c })
	}
	s.ByGrid = map[string]gridinspect.LoopSummary{}
	for _, g := range grids {
		s.ByGrid[g] = sum(func(k loopKey) bool { return k.grid == g })
	}
	return s
}

// diffSummaries returns what differs between two summaries, floats to
// within a millionth, leaving out zero counts in the maps.
func diffSummaries(got, want *gridinspect.Summary) []string {
	var diffs []string
	var walk func(path string, g, w reflect.Value)
	walk = func(path string, g, w reflect.Value) {
		switch {
		case g.Type() == reflect.TypeFor[time.Time]():
			if gt, wt := g.Interface().(time.Time), w.Interface().(time.Time); !gt.Equal(wt) {
				diffs = append(diffs, fmt.Sprintf("%s = %v, want %v", path, gt, wt))
			}
			return
		}
		switch g.Kind() {
		case reflect.Struct:
			for i := range g.NumField() {
				walk(path+"."+g.Type().Field(i).Name, g.Field(i), w.Field(i))
			}
		case reflect.Map:
			keys := map[string]reflect.Value{}
			for _, m := range []reflect.Value{g, w} {
				for _, k := range m.MapKeys() {
					keys[fmt.Sprint(k.Interface())] = k
				}
			}
			for name, k := range keys {
				gv, wv := g.MapIndex(k), w.MapIndex(k)
				if !gv.IsValid() {
					gv = reflect.Zero(g.Type().Elem())
				}
				if !wv.IsValid() {
					wv = reflect.Zero(g.Type().Elem())
				}
				walk(path+"["+name+"]", gv, wv)
			}
		case reflect.Float64:
			if math.Abs(g.Float()-w.Float()) > 1e-6 {
				diffs = append(diffs, fmt.Sprintf("%s = %v, want %v", path, g.Float(), w.Float()))
			}
		default:
			if !reflect.DeepEqual(g.Interface(), w.Interface()) {
				diffs = append(diffs, fmt.Sprintf("%s = %v, want %v", path, g.Interface(), w.Interface()))
			}
		}
	}
	walk("Summary", reflect.ValueOf(*got), reflect.ValueOf(*want))
	sort.Strings(diffs)
	return diffs
}

func TestSummary_AGeneratedHalfYearMatchesCountsMadeFromItsTimelines(t *testing.T) {
	st := newStatsStreet(t)
	h := &halfYear{st: st, rng: rand.New(rand.NewPCG(2025, 6)), escalation: rand.New(rand.NewPCG(2026, 15))}
	for range 400 {
		h.lifeOf()
	}
	h.superviseDaily()
	for range 150 {
		h.patrol()
	}
	h.run(t)
	cases := h.held(t)

	// The street must hold what the definitions single out, or the
	// comparison proves little.
	var conflicts, relapses, flagged, closedTwice int
	for _, c := range cases {
		if c.r.ClockSkewFlagged {
			flagged++
		}
		closures := 0
		for _, e := range c.events {
			switch {
			case e.Conflict:
				conflicts++
			case e.Type == gridinspect.EventFollowUpRecorded && e.Data.FollowUp.Relapsed:
				relapses++
			case e.Type == gridinspect.EventRectificationVerified && e.StatusAfter == gridinspect.StatusClosed:
				closures++
			}
		}
		if closures > 1 {
			closedTwice++
		}
	}
	var reassigned, urged, supervisedTwice int
	for _, c := range cases {
		escalations := 0
		for _, e := range c.events {
			switch e.Type {
			case gridinspect.EventReportReassigned:
				reassigned++
			case gridinspect.EventReportUrged:
				urged++
			case gridinspect.EventReportSupervised:
				escalations++
			}
		}
		if escalations > 1 {
			supervisedTwice++
		}
	}
	t.Logf("%d reports, %d patrols; %d flagged clocks, %d conflicts, %d relapses, %d cases closed twice; "+
		"%d re-dispatches, %d urgings, %d cases supervised twice (an extension passed)",
		len(cases), len(h.patrols), flagged, conflicts, relapses, closedTwice, reassigned, urged, supervisedTwice)
	if len(cases) < 300 || flagged == 0 || conflicts == 0 || relapses == 0 || closedTwice == 0 ||
		reassigned == 0 || urged == 0 {
		t.Fatal("the generated street lacks some of what it is meant to hold")
	}

	// Each case's changed_at is no earlier than when its last change of
	// status or deadline arrived (what migration 0008 fills it with), or
	// the cases changed after a period's end would be missed.
	var behind int
	err := st.reader.QueryRow(`SELECT count(*) FROM reports AS r WHERE coalesce(changed_at < (SELECT max(received_at)
		FROM events WHERE report_id = r.id AND conflict = 0 AND (status_before <> status_after OR type = 11)), TRUE)`).Scan(&behind)
	if err != nil {
		t.Fatal(err)
	}
	if behind != 0 {
		t.Fatalf("%d cases have a changed_at before their last change", behind)
	}

	both := []string{gridA, gridB}
	for _, tt := range []struct {
		name     string
		actor    *gridinspect.Actor
		from, to time.Time
		ask      []string
		grids    []string
	}{
		{"the first half of 2025, the whole street", admin(), h1From, h1To, nil, both},
		{"the first half of 2025, a supervisor of grid A", supervisor(gridA), h1From, h1To, nil, []string{gridA}},
		{"March, grid B asked for", admin(), march[0], march[1], []string{gridB}, []string{gridB}},
		{"the first quarter", supervisor(gridA, gridB), date(1, 1, 0), date(4, 1, 0), nil, both},
		{"the month just ended", admin(), date(7, 1, 0), date(8, 1, 0), nil, both},
		{"up to now", admin(), time.Date(2024, 11, 1, 0, 0, 0, 0, time.UTC), halfYearNow, nil, both},
	} {
		t.Run(tt.name, func(t *testing.T) {
			want := expectSummary(cases, h.patrols, tt.from, tt.to, halfYearNow, tt.grids)
			want.GridNames = map[string]string{gridA: "东村", gridB: "西社区"}
			want.GridStreets = map[string]int64{}
			for id := range want.GridNames {
				if !slices.Contains(tt.grids, id) {
					delete(want.GridNames, id)
				} else {
					want.GridStreets[id] = 1 // the test street's
				}
			}
			// Each way of reading the cases changed since the end.
			for _, way := range []changedWay{chooseWay, byCase, inOnePass} {
				st.summaryChangedWay = way
				got := mustSummary(t, st.testDB, as(tt.actor), tt.from, tt.to, tt.ask...)
				if diffs := diffSummaries(got, want); len(diffs) > 0 {
					t.Fatalf("way %d: %d figures differ:\n%s", way, len(diffs), fmt.Sprint(diffs))
				}
			}
			st.summaryChangedWay = chooseWay
			if want.Loop.Reported == 0 || want.Loop.Closed == 0 {
				t.Fatalf("nothing to compare: %+v", want.Loop)
			}
		})
	}
}
