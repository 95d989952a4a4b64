package store

import (
	"fmt"
	"runtime"
	"testing"
)

// BenchmarkSubmitReport submits reports from 1 and from 32 concurrent
// clients, each durable (synchronous=FULL) before it returns. One client
// pays a commit per report; with group commit, 32 clients share commits,
// which reports/commit shows.
func BenchmarkSubmitReport(b *testing.B) {
	for _, clients := range []int{1, 32} {
		b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) {
			db := MustOpenDB(b)
			mustStreet(b, db)
			ctx := as(worker(gridA))

			// RunParallel starts parallelism × GOMAXPROCS goroutines.
			procs := runtime.GOMAXPROCS(0)
			if clients < procs {
				defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(clients))
				procs = clients
			}
			b.SetParallelism((clients + procs - 1) / procs)
			commits := db.Commits()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, _, err := db.SubmitReport(ctx, newReport(inA)); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "reports/s")
			b.ReportMetric(float64(b.N)/float64(db.Commits()-commits), "reports/commit")
		})
	}
}
