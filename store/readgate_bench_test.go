package store

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gridinspect/gridinspect"
)

// BenchmarkListReportsConcurrent calls ListReports (open reports, a page
// of 50) from 128 goroutines at once, more than the read pool has
// connections, and reports the latency percentiles a caller sees: how
// far the tail is from the median shows how fairly waiting readers are
// served.
func BenchmarkListReportsConcurrent(b *testing.B) {
	const callers = 128
	db := MustOpenDB(b)
	mustStreet(b, db)
	wctx := as(worker(gridA))
	for range 500 {
		if _, _, err := db.SubmitReport(wctx, newReport(inA)); err != nil {
			b.Fatal(err)
		}
	}
	ctx := as(admin())
	f := gridinspect.ReportFilter{OpenOnly: true, PageSize: 50}

	lat := make([]time.Duration, 0, b.N)
	var mu sync.Mutex
	next := make(chan struct{}, b.N)
	for range b.N {
		next <- struct{}{}
	}
	close(next)
	b.ResetTimer()
	var wg sync.WaitGroup
	for range callers {
		wg.Go(func() {
			var mine []time.Duration
			for range next {
				t0 := time.Now()
				if _, _, err := db.ListReports(ctx, f); err != nil {
					b.Error(err)
					return
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	b.StopTimer()
	slices.Sort(lat)
	at := func(q float64) float64 { return float64(lat[int(q*float64(len(lat)-1))]) / 1e6 }
	b.ReportMetric(at(0.50), "p50-ms")
	b.ReportMetric(at(0.99), "p99-ms")
	b.ReportMetric(at(1), "max-ms")
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
}
