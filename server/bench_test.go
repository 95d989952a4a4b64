package server_test

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/gridinspect/gridinspect"
	"github.com/gridinspect/gridinspect/internal/storetest"
	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
	"github.com/gridinspect/gridinspect/server"
	"github.com/gridinspect/gridinspect/store"
)

// emptyReports answers SubmitReport without doing anything: the baseline
// of what gRPC, conversion and the interceptors cost on their own.
type emptyReports struct{ gridinspect.ReportService }

func (emptyReports) SubmitReport(_ context.Context, r *gridinspect.Report) (*gridinspect.Report, bool, error) {
	return r, false, nil
}

// BenchmarkSubmitReport measures submits per second over a real loopback
// TCP connection, through the real store (durable, group commit) and
// through an empty handler on the same harness, at 1 and 32 concurrent
// clients. Compare the two submits/s figures of one run.
func BenchmarkSubmitReport(b *testing.B) {
	for _, backend := range []string{"empty", "store"} {
		for _, clients := range []int{1, 32} {
			b.Run(fmt.Sprintf("%s/clients=%d", backend, clients), func(b *testing.B) {
				benchSubmit(b, backend, clients)
			})
		}
	}
}

func benchSubmit(b *testing.B, backend string, clients int) {
	h := &harness{t: b, dir: b.TempDir(), clock: &clock{now: time.Now()}}
	db, err := storetest.Open(b, filepath.Join(h.dir, "bench.db"), store.Options{Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close(context.Background())
	var reports gridinspect.ReportService = db
	if backend == "empty" {
		reports = emptyReports{db}
	}
	cfg := server.Serve(db)
	cfg.Reports, cfg.Authenticate, cfg.Logger = reports, testAuth, quiet
	// Every client calls as the same user: the per-user limit would
	// measure itself.
	cfg.RequestLimit = &server.NoRequestLimit
	srv := server.New(cfg)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go func() { _ = srv.Serve(lis) }()
	defer srv.Shutdown(context.Background())
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	h.dirs = pb.NewDirectoryServiceClient(conn)
	h.createGrid(gridA, "红星村", square(31.2, 118.3, 31.3, 118.37))
	client := pb.NewReportServiceClient(conn)
	ctx := as(context.Background(), "admin")

	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(b.N) {
				if _, err := client.SubmitReport(ctx, &pb.SubmitReportRequest{Report: h.hazard()}); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "submits/s")
	if backend == "store" {
		b.ReportMetric(float64(db.Commits())/float64(b.N), "commits/submit")
	}
}
