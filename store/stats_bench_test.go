package store

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/gridinspect/gridinspect"
)

// The summary at scale. BenchmarkSummary builds a street of N reports
// with their whole lives (about four and a half events each) and patrols
// with BulkLoad (through the domain's Rules.Apply, so every report row is
// what its events made of it), and times Summary over the half-year just ended and over one a year
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
	db, _ := benchStreet(b, n)
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
// reports, made by BulkLoad now or reused from GRIDINSPECT_BENCH_DB, and
// its grids in the order of their names.
func benchStreet(tb testing.TB, n int) (*testDB, []string) {
	tb.Helper()
	clock := &testClock{now: benchNow}
	path := os.Getenv("GRIDINSPECT_BENCH_DB")
	if path == "" {
		path = filepath.Join(tb.TempDir(), "summary.db")
	} else if _, err := os.Stat(path); err == nil {
		db := mustOpenAt(tb, path, clock)
		var got int
		var grids []string
		err := db.Read(context.Background(), func(tx *sql.Tx) error {
			if err := tx.QueryRow("SELECT count(*) FROM reports").Scan(&got); err != nil {
				return err
			}
			rows, err := tx.Query("SELECT id FROM grids ORDER BY name")
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var id string
				if err := rows.Scan(&id); err != nil {
					return err
				}
				grids = append(grids, id)
			}
			return rows.Err()
		})
		if err != nil {
			tb.Fatal(err)
		}
		if got != n {
			tb.Fatalf("%s holds %d reports, want %d: remove it or set GRIDINSPECT_BENCH_REPORTS=%d", path, got, n, got)
		}
		return db, grids
	}
	db := mustOpenAt(tb, path, clock)
	start := time.Now()
	res, err := db.BulkLoad(context.Background(), BulkLoadOptions{Reports: n, Seed: 1, Grids: 12,
		End: benchNow, Span: benchNow.Sub(benchStart), Password: "bench street"})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Logf("built %d reports, %d events in %v", res.Reports, res.Events, time.Since(start).Round(time.Millisecond))
	return db, res.GridIDs
}
