package server_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/gridinspect/gridinspect"
	"github.com/gridinspect/gridinspect/internal/storetest"
	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
	"github.com/gridinspect/gridinspect/server"
	"github.com/gridinspect/gridinspect/store"
)

// bearerTestAuth is testAuth reading the actor's name from "authorization:
// Bearer <name>", which HTTP carries as gRPC does.
func bearerTestAuth(ctx context.Context) (*gridinspect.Actor, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	if v := md.Get("authorization"); len(v) == 1 {
		if a, ok := testActors[strings.TrimPrefix(v[0], "Bearer ")]; ok {
			return a, nil
		}
	}
	return nil, gridinspect.Errorf(gridinspect.EUNAUTHENTICATED, "not logged in")
}

// BenchmarkSubmitReportHTTP compares, in one run, SubmitReport through the
// real store over gRPC, the same over HTTP/JSON (the gateway, in-process
// to the same gRPC server), and a bare HTTP handler that reads the JSON
// body and answers "{}": what HTTP itself costs. Each reports calls/s and
// the 99th percentile of a call's time, at 32 callers on loopback TCP.
func BenchmarkSubmitReportHTTP(b *testing.B) {
	for _, via := range []string{"grpc", "http-json", "bare-http"} {
		b.Run(fmt.Sprintf("%s/clients=32", via), func(b *testing.B) { benchSubmitVia(b, via, 32) })
	}
}

func benchSubmitVia(b *testing.B, via string, clients int) {
	h := &harness{t: b, dir: b.TempDir(), clock: &clock{now: time.Now()}}
	db, err := storetest.Open(b, filepath.Join(h.dir, "bench.db"), store.Options{Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close(context.Background())
	cfg := server.Serve(db)
	cfg.Authenticate, cfg.Logger = bearerTestAuth, quiet
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
	ctx := metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer admin")
	if _, err := pb.NewDirectoryServiceClient(conn).CreateGrid(ctx, &pb.CreateGridRequest{Grid: &pb.Grid{
		Id: gridA, Name: "红星村", Kind: pb.GridKind_GRID_KIND_VILLAGE, Boundary: square(31.2, 118.3, 31.3, 118.37),
	}}); err != nil {
		b.Fatal(err)
	}

	var handler http.Handler
	switch via {
	case "http-json":
		if handler, err = srv.HTTPHandler(); err != nil {
			b.Fatal(err)
		}
	case "bare-http":
		handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var r2 pb.Report
			body, _ := io.ReadAll(r.Body)
			if err := protojson.Unmarshal(body, &r2); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte("{}"))
		})
	}
	var submit func() error
	if handler == nil {
		client := pb.NewReportServiceClient(conn)
		submit = func() error {
			_, err := client.SubmitReport(ctx, &pb.SubmitReportRequest{Report: h.hazard()})
			return err
		}
	} else {
		hl, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			b.Fatal(err)
		}
		web := &http.Server{Handler: handler}
		go func() { _ = web.Serve(hl) }()
		defer web.Close()
		url := "http://" + hl.Addr().String() + "/v1/reports"
		hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
		submit = func() error {
			body, err := protojson.Marshal(h.hazard())
			if err != nil {
				return err
			}
			req, err := http.NewRequest("POST", url, bytes.NewReader(body))
			if err != nil {
				return err
			}
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer admin")
			resp, err := hc.Do(req)
			if err != nil {
				return err
			}
			out, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				return fmt.Errorf("HTTP %d: %s", resp.StatusCode, out)
			}
			return nil
		}
	}

	var next atomic.Int64
	var wg sync.WaitGroup
	took := make([][]time.Duration, clients)
	b.ResetTimer()
	start := time.Now()
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(b.N) {
				t0 := time.Now()
				if err := submit(); err != nil {
					b.Error(err)
					return
				}
				took[c] = append(took[c], time.Since(t0))
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	all := slices.Concat(took...)
	slices.Sort(all)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "calls/s")
	if len(all) > 0 {
		b.ReportMetric(float64(all[len(all)*99/100].Microseconds())/1000, "p99-ms")
	}
}
