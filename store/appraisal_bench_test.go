package store

import (
	"fmt"
	"testing"
	"time"

	"github.com/gridinspect/gridinspect"
)

// BenchmarkAppraisal times the appraisal of the benchmark street
// (BenchmarkSummary's), and checks that each grid's due, on-time, closed
// and reported figures are its summary's.
//
//	go test ./store -run '^$' -bench Appraisal
func BenchmarkAppraisal(b *testing.B) {
	n := benchReports(b)
	db, _ := benchStreet(b, n)
	for _, p := range []struct {
		name     string
		from, to time.Time
	}{
		{"latest half-year", time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)},
		{"half-year a year back", time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2024, 7, 1, 0, 0, 0, 0, time.UTC)},
	} {
		benchAppraisal(b, db, n, p.name, p.from, p.to)
	}
}

func benchAppraisal(b *testing.B, db *testDB, n int, name string, from, to time.Time) {
	ctx := as(admin())
	b.Run(fmt.Sprintf("reports=%d/%s", n, name), func(b *testing.B) {
		var ap *gridinspect.Appraisal
		for b.Loop() {
			var err error
			if ap, err = db.Appraisal(ctx, from, to, nil); err != nil {
				b.Fatal(err)
			}
		}
		s, err := db.Summary(ctx, from, to, nil)
		if err != nil {
			b.Fatal(err)
		}
		var closed int64
		for _, g := range ap.Grids {
			l := s.ByGrid[g.GridID]
			if g.Due != l.Due || g.ClosedOnTime != l.ClosedOnTime || g.Closed != l.Closed || g.ReportsMade != l.Reported {
				b.Fatalf("grid %s: appraisal %+v, summary %+v", g.GridName, g.AppraisalFigures, l)
			}
			closed += g.Closed
		}
		b.ReportMetric(float64(closed), "closed")
		b.ReportMetric(float64(len(ap.Workers)), "people")
	})
}
