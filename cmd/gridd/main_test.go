package main

import (
	"bufio"
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

// startGridd runs gridd with args until the returned stop is called, and
// returns the address it announced.
func startGridd(t *testing.T, args ...string) (addr string, stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := run(ctx, append([]string{"--listen", "127.0.0.1:0"}, args...), pw, io.Discard)
		pw.Close()
		done <- err
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		cancel()
		t.Fatalf("gridd did not announce its address: %v (%v)", err, <-done)
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	addr, ok := strings.CutPrefix(strings.TrimSpace(line), "listening on ")
	if !ok {
		t.Fatalf("first line = %q, want \"listening on ADDR\"", line)
	}
	return addr, func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(20 * time.Second):
			t.Fatal("gridd did not stop")
			return nil
		}
	}
}

func dial(t *testing.T, addr string) *grpc.ClientConn {
	t.Helper()
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

func TestGriddServesTheDemoStreetAndSeedsItOnce(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	count := func() (grids, reports int) {
		addr, stop := startGridd(t, "--data", data, "--demo")
		conn := dial(t, addr)
		if resp, err := healthpb.NewHealthClient(conn).Check(context.Background(), &healthpb.HealthCheckRequest{}); err != nil || resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
			t.Fatalf("health = %v, %v", resp, err)
		}
		g, err := pb.NewDirectoryServiceClient(conn).ListGrids(context.Background(), &pb.ListGridsRequest{})
		if err != nil {
			t.Fatalf("list grids: %v", err)
		}
		token, n := "", 0
		for {
			r, err := pb.NewReportServiceClient(conn).ListReports(context.Background(), &pb.ListReportsRequest{PageSize: 500, PageToken: token})
			if err != nil {
				t.Fatalf("list reports: %v", err)
			}
			n += len(r.GetReports())
			if token = r.GetNextPageToken(); token == "" {
				break
			}
		}
		if err := stop(); err != nil {
			t.Fatalf("gridd stopped with %v", err)
		}
		return len(g.GetGrids()), n
	}
	grids, reports := count()
	if grids != 10 || reports < 20 {
		t.Errorf("demo street has %d grids and %d reports; want 10 grids and a few dozen reports", grids, reports)
	}
	grids2, reports2 := count()
	if grids2 != grids || reports2 != reports {
		t.Errorf("second --demo run: %d grids, %d reports; want the same %d, %d", grids2, reports2, grids, reports)
	}
}

func TestGriddRefusesUnknownArguments(t *testing.T) {
	if err := run(context.Background(), []string{"--data", t.TempDir(), "serve"}, io.Discard, io.Discard); err == nil {
		t.Error("run accepted a stray argument")
	}
}
