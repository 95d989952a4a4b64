package store

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/gridinspect/gridinspect"
)

// The summary at scale. BenchmarkSummary builds a street of N reports
// with their whole lives (about four and a half events each) and patrols,
// written straight into the tables in one transaction (through the
// domain's Rules.Apply, so every report row is what its events made of
// it), and times Summary over the half-year just ended and over one a year
// before it. N reports over eighteen months is a dense street: a million
// puts 320,000 reports and as many closures in one half-year.
//
//	go test ./store -run '^$' -bench Summary                       # 20,000 reports
//	GRIDINSPECT_BENCH_REPORTS=1000000 go test ./store -run '^$' -bench Summary -timeout 1h
//
// GRIDINSPECT_BENCH_DB=/path/summary.db keeps the built database there and
// reuses it on the next run (building a million reports takes minutes).

// benchStart and benchNow bound the benchmark street's history: eighteen
// months, the last half-year of which ended a fortnight ago.
var (
	benchStart = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	benchNow   = time.Date(2025, 7, 15, 0, 0, 0, 0, time.UTC)
)

func benchReports(tb testing.TB) int {
	s := os.Getenv("GRIDINSPECT_BENCH_REPORTS")
	if s == "" {
		return 20_000
	}
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		tb.Fatalf("GRIDINSPECT_BENCH_REPORTS=%q: want a positive number", s)
	}
	return n
}

func BenchmarkSummary(b *testing.B) {
	n := benchReports(b)
	db := benchStreet(b, n)
	ctx := as(admin())
	for _, p := range []struct {
		name     string
		from, to time.Time
	}{
		// The usual request: the half-year just ended.
		{"latest half-year", time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)},
		// A year back: most of what happened since is after the period.
		{"half-year a year back", time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2024, 7, 1, 0, 0, 0, 0, time.UTC)},
	} {
		b.Run(fmt.Sprintf("reports=%d/%s", n, p.name), func(b *testing.B) {
			var s *gridinspect.Summary
			for b.Loop() {
				var err error
				if s, err = db.Summary(ctx, p.from, p.to, nil); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(s.Loop.Reported), "reported")
			b.ReportMetric(float64(s.Loop.Closed), "closed")
		})
	}
}

// benchStreet returns a database holding the benchmark street of n
// reports, built now or reused from GRIDINSPECT_BENCH_DB.
func benchStreet(tb testing.TB, n int) *testDB {
	tb.Helper()
	clock := &testClock{now: benchNow}
	path := os.Getenv("GRIDINSPECT_BENCH_DB")
	if path == "" {
		path = filepath.Join(tb.TempDir(), "summary.db")
	} else if _, err := os.Stat(path); err == nil {
		db := mustOpenAt(tb, path, clock)
		var got int
		if err := db.Read(context.Background(), func(tx *sql.Tx) error {
			return tx.QueryRow("SELECT count(*) FROM reports").Scan(&got)
		}); err != nil {
			tb.Fatal(err)
		}
		if got != n {
			tb.Fatalf("%s holds %d reports, want %d: remove it or set GRIDINSPECT_BENCH_REPORTS=%d", path, got, n, got)
		}
		return db
	}
	db := mustOpenAt(tb, path, clock)
	start := time.Now()
	events := buildStreet(tb, db, n, 1)
	tb.Logf("built %d reports, %d events in %v", n, events, time.Since(start).Round(time.Millisecond))
	return db
}

// benchGrids is the number of grids of the benchmark street.
const benchGrids = 12

// buildStreet writes n reports over benchStart…benchNow with their events,
// and patrols, into db in one transaction, deterministically from seed. It
// returns the number of events written.
func buildStreet(tb testing.TB, db *testDB, n int, seed uint64) int {
	tb.Helper()
	var grids []string
	for i := range benchGrids {
		id := fmt.Sprintf("0195a0c0-0000-7000-8000-%012d", 100+i)
		lng := 106.50 + float64(i)*0.01
		mustCreateGrid(tb, db, &gridinspect.Grid{ID: id, Name: fmt.Sprintf("第%d网格", i+1),
			Kind: gridinspect.GridKindVillage, Boundary: square(29.50, lng, 29.51, lng+0.01)})
		grids = append(grids, id)
	}
	g := &streetGen{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), rules: db.rules, grids: grids,
		notices: map[[2]int]int{}}
	var nevents int
	err := db.Write(context.Background(), func(tx *Tx) error {
		insRep, err := tx.Prepare("INSERT INTO reports (" + reportStoredColumns + `, changed_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer insRep.Close()
		insEv, err := tx.Prepare("INSERT INTO events (" + eventColumns + `, content_hash)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '')`)
		if err != nil {
			return err
		}
		defer insEv.Close()
		insPatrol, err := tx.Prepare(`INSERT INTO patrols (id, kind, subject_id, grid_id, started_at, ended_at,
			participants, track, notes, report_ids, reporter_id, received_at, clock_skew_flagged, content_hash)
			VALUES (?, ?, NULL, ?, ?, ?, ?, '[]', '', '[]', ?, ?, 0, '')`)
		if err != nil {
			return err
		}
		defer insPatrol.Close()

		// Reports arrive in the order they were found, as they do from
		// phones, with time-ordered (UUIDv7) ids.
		times := make([]time.Time, n)
		for i := range times {
			times[i] = g.timeBetween(benchStart, benchNow)
		}
		slices.SortFunc(times, time.Time.Compare)
		for _, at := range times {
			r, events := g.report(at)
			var changedAt int64
			for _, e := range events {
				if isChange(e) {
					changedAt = max(changedAt, e.ReceivedAt.UnixNano())
				}
			}
			details, err := jsonText(r.Details)
			if err != nil {
				return err
			}
			if _, err := insRep.Exec(r.ID, r.Category, r.Severity, r.Description, r.Location.Lat, r.Location.Lng,
				r.Location.AccuracyMeters, r.Location.Address, r.GridID, nil, r.ObservedAt.UnixNano(), "[]",
				boolInt(r.RectifiedOnSpot), nil, details, r.Status, r.Version, r.ReporterID,
				r.ReceivedAt.UnixNano(), nanos(r.Deadline), nanos(r.OriginalDeadline), nullString(r.AssigneeID),
				r.ResponsibleUnit, r.Disposition, nanos(r.ClosedAt), boolInt(r.ClockSkewFlagged),
				r.RelapseCount, nanos(r.FollowUpDue), nil, r.UpdatedAt.UnixNano(),
				r.ClaimedDisposition, r.DemolishedAreaSquareMeters, "bench", changedAt); err != nil {
				return fmt.Errorf("insert report: %w", err)
			}
			prev := ""
			for i, e := range events {
				e.Seq, e.PrevHash = int64(i+1), prev
				e.Hash = e.ComputeHash()
				prev = e.Hash
				var payload any
				if e.Data != (gridinspect.EventData{}) {
					if payload, err = jsonText(e.Data); err != nil {
						return err
					}
				}
				if _, err := insEv.Exec(e.ID, e.ReportID, e.Seq, e.Version, e.Type, e.ActorID,
					e.OccurredAt.UnixNano(), e.ReceivedAt.UnixNano(), boolInt(e.ClockSkewFlagged), e.Note, "null",
					e.StatusBefore, e.StatusAfter, boolInt(e.Conflict), e.ConflictCode, e.ConflictReason, payload,
					e.PrevHash, e.Hash); err != nil {
					return fmt.Errorf("insert event: %w", err)
				}
			}
			nevents += len(events)
		}
		// Patrols: one for every four reports, each kind, one to five people.
		times = times[:n/4]
		for i := range times {
			times[i] = g.timeBetween(benchStart, benchNow)
		}
		slices.SortFunc(times, time.Time.Compare)
		for _, at := range times {
			if _, err := insPatrol.Exec(g.id(at), 1+g.rng.IntN(4), g.grids[g.rng.IntN(len(g.grids))],
				at.UnixNano(), at.Add(time.Hour).UnixNano(), 1+g.rng.IntN(5), workerID, at.Add(2*time.Hour).UnixNano()); err != nil {
				return fmt.Errorf("insert patrol: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatalf("build street: %v", err)
	}
	return nevents
}

// streetGen makes reports with plausible lives.
type streetGen struct {
	rng     *rand.Rand
	rules   gridinspect.Rules
	grids   []string
	notices map[[2]int]int // (kind, year) → last number
}

// id returns a UUIDv7 made at t, as phones make them.
func (g *streetGen) id(t time.Time) string {
	ms := uint64(max(t.UnixMilli(), 0))
	a, b := g.rng.Uint64(), g.rng.Uint64()
	hi := ms<<16 | 0x7000 | a&0x0fff
	lo := b&^(0xc<<60) | 0x8<<60 // variant
	return fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", hi>>32, hi>>16&0xffff, hi&0xffff, lo>>48, lo&0xffffffffffff)
}

func (g *streetGen) timeBetween(a, b time.Time) time.Time {
	return a.Add(time.Duration(g.rng.Int64N(int64(b.Sub(a)))))
}

func (g *streetGen) chance(p float64) bool { return g.rng.Float64() < p }

// report returns one report as it stands at benchNow and its events.
func (g *streetGen) report(observed time.Time) (*gridinspect.Report, []*gridinspect.Event) {
	rng := g.rng
	cat := []gridinspect.Category{1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 3, 3, 4, 4, 5, 5, 6}[rng.IntN(18)]
	r := &gridinspect.Report{
		ID: g.id(observed), Category: cat, Severity: gridinspect.SeverityGeneral, Description: "巡查发现的问题",
		GridID: g.grids[rng.IntN(len(g.grids))], ObservedAt: observed,
		Location:   gridinspect.Location{Lat: 29.505, Lng: 106.505, AccuracyMeters: 10, Address: "某路 1 号", System: gridinspect.CoordinateSystemWGS84},
		ReporterID: workerID, Status: gridinspect.StatusReported, Version: 1,
	}
	if g.chance(0.1) {
		r.Severity = gridinspect.SeverityMajor
	}
	switch cat {
	case gridinspect.CategorySafetyHazard:
		r.Details.SafetyHazard = &gridinspect.SafetyHazardDetails{HazardKind: 1 + rng.IntN(6), PlaceKind: 1 + rng.IntN(5)}
		r.RectifiedOnSpot = g.chance(0.25)
	case gridinspect.CategoryPollutingEnterprise:
		r.Details.PollutingEnterprise = &gridinspect.PollutingEnterpriseDetails{Polluting: true,
			Activity: 1 + rng.IntN(8), ProposedDisposal: 1 + rng.IntN(3), MovedInFromOutside: g.chance(0.2)}
	case gridinspect.CategoryIllegalConstruction:
		r.Details.IllegalConstruction = &gridinspect.IllegalConstructionDetails{Kind: 1 + rng.IntN(5),
			Land: 1 + rng.IntN(4), AreaSquareMeters: float64(10 + rng.IntN(300))}
	case gridinspect.CategoryWaterSourceRisk:
		r.Details.WaterSourceRisk = &gridinspect.WaterSourceRiskDetails{RiskKind: 1 + rng.IntN(5)}
	case gridinspect.CategoryDangerousHouse:
		r.Details.DangerousHouse = &gridinspect.DangerousHouseDetails{AppraisalGrade: 1 + rng.IntN(4),
			Occupied: g.chance(0.3), Residents: rng.IntN(5)}
	}
	if r.RectifiedOnSpot {
		r.Status = gridinspect.StatusPendingVerification
	}
	// Most phones sync within the hour; some after days offline; a few
	// have a clock that says 1970.
	r.ReceivedAt = r.ObservedAt.Add(time.Duration(rng.IntN(60)) * time.Minute)
	if g.chance(0.05) {
		r.ReceivedAt = r.ObservedAt.Add(time.Duration(1+rng.IntN(72)) * time.Hour)
	}
	if g.chance(0.005) {
		r.ObservedAt = time.Unix(0, 0).UTC()
		r.ClockSkewFlagged = true
	}
	r.UpdatedAt = r.ReceivedAt
	at := r.EffectiveAt()
	if r.ReceivedAt.After(benchNow) {
		r.ReceivedAt, r.UpdatedAt = benchNow, benchNow
	}
	events := []*gridinspect.Event{{ID: r.ID, ReportID: r.ID, Type: gridinspect.EventReportSubmitted, ActorID: workerID,
		OccurredAt: r.ObservedAt, ReceivedAt: r.ReceivedAt, ClockSkewFlagged: r.ClockSkewFlagged,
		StatusAfter: r.Status, Version: 1, Data: gridinspect.EventData{Submission: &gridinspect.Submission{
			Category: r.Category, Severity: r.Severity, Description: r.Description, Location: r.Location,
			GridID: r.GridID, RectifiedOnSpot: r.RectifiedOnSpot, Details: r.Details}}}}

	// act applies one step some hours to days after the last, unless
	// that is after benchNow; it reports whether it did.
	act := func(typ gridinspect.EventType, data gridinspect.EventData, within time.Duration) bool {
		at = at.Add(time.Duration(rng.Int64N(int64(within))))
		if !at.Before(benchNow.Add(-time.Hour)) {
			return false
		}
		if typ == gridinspect.EventNoticeIssued {
			n := *data.Notice
			key := [2]int{int(n.Kind), at.Year()}
			g.notices[key]++
			n.Year, n.Sequence = at.Year(), g.notices[key]
			n.Number = fmt.Sprintf("〔%d〕%d号", n.Year, n.Sequence)
			data.Notice = &n
		}
		a := &gridinspect.Action{ID: g.id(at), ReportID: r.ID, Type: typ, OccurredAt: at, Data: data}
		after, e, err := g.rules.Apply(r, a, admin(), at.Add(time.Duration(rng.IntN(30))*time.Minute))
		if err != nil {
			panic(fmt.Sprintf("%v on %v: %v", typ, r.Status, err))
		}
		if n := data.Notice; n != nil {
			e.Data.Notice = n
		}
		r = after
		events = append(events, e)
		return true
	}
	day := 24 * time.Hour
	verify := func() bool {
		return act(gridinspect.EventRectificationVerified, gridinspect.EventData{
			Verification: &gridinspect.Verification{Passed: true}}, 5*day)
	}
	rectify := func() bool {
		d := gridinspect.DispositionUnspecified
		area := 0.0
		switch cat {
		case gridinspect.CategoryOther:
			d = gridinspect.DispositionResolved
		case gridinspect.CategoryPollutingEnterprise:
			d = []gridinspect.Disposition{gridinspect.DispositionShutDown, gridinspect.DispositionRelocated, gridinspect.DispositionUpgraded}[rng.IntN(3)]
		case gridinspect.CategoryIllegalConstruction:
			d = gridinspect.DispositionDemolished
			area = r.Details.IllegalConstruction.AreaSquareMeters
		case gridinspect.CategoryDangerousHouse:
			d = []gridinspect.Disposition{gridinspect.DispositionRenovated, gridinspect.DispositionDemolished, gridinspect.DispositionResidentsRelocated}[rng.IntN(3)]
		}
		return act(gridinspect.EventRectificationSubmitted, gridinspect.EventData{
			Rectification: &gridinspect.Rectification{Disposition: d, DemolishedAreaSquareMeters: area}}, 30*day)
	}

	switch {
	case r.RectifiedOnSpot:
		verify()
	case g.chance(0.04):
		act(gridinspect.EventReportRejected, gridinspect.EventData{Rejection: &gridinspect.Rejection{Reason: gridinspect.RejectionInvalid}}, 2*day)
	default:
		if !act(gridinspect.EventReportAssigned, gridinspect.EventData{Assignment: &gridinspect.Assignment{ResponsibleUnit: "责任单位"}}, 2*day) {
			break
		}
		if cat <= gridinspect.CategoryIllegalConstruction && g.chance(0.3) {
			kind := gridinspect.NoticeKind(1 + rng.IntN(3))
			n := &gridinspect.Notice{Kind: kind}
			if kind == gridinspect.NoticeEnforcement {
				n.Department = []string{"区应急管理局", "区生态环境分局", "区城管执法局"}[rng.IntN(3)]
			}
			if !act(gridinspect.EventNoticeIssued, gridinspect.EventData{Notice: n}, 3*day) {
				break
			}
			if g.chance(0.2) && !act(gridinspect.EventInterviewRecorded, gridinspect.EventData{
				Interview: &gridinspect.Interview{Interviewee: "负责人"}}, 5*day) {
				break
			}
		}
		if g.chance(0.1) && !act(gridinspect.EventDeadlineExtended, gridinspect.EventData{Extension: &gridinspect.DeadlineExtension{
			New: r.Deadline.Add(14 * day), Reason: "延期"}}, 3*day) {
			break
		}
		if !rectify() {
			break
		}
		if g.chance(0.05) {
			if !act(gridinspect.EventRectificationVerified, gridinspect.EventData{
				Verification: &gridinspect.Verification{Reason: "未整改到位"}}, 3*day) || !rectify() {
				break
			}
		}
		if !verify() {
			break
		}
		if r.FollowUpDue.IsZero() {
			break
		}
		at = r.FollowUpDue.Add(-5 * day)
		relapse := g.chance(0.1)
		if !act(gridinspect.EventFollowUpRecorded, gridinspect.EventData{FollowUp: &gridinspect.FollowUp{Relapsed: relapse}}, 10*day) || !relapse {
			break
		}
		if rectify() {
			verify()
		}
	}
	if g.chance(0.1) {
		c := &gridinspect.Action{ID: g.id(at), ReportID: r.ID, Type: gridinspect.EventCommentAdded, Note: "请跟进"}
		if at2 := at.Add(day); at2.Before(benchNow) {
			c.OccurredAt = at2
			after, e, err := g.rules.Apply(r, c, admin(), at2)
			if err == nil {
				r, events = after, append(events, e)
			}
		}
	}
	return r, events
}
