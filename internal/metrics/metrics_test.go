package metrics_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/gridinspect/gridinspect"
	"github.com/gridinspect/gridinspect/internal/metrics"
	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
	"github.com/gridinspect/gridinspect/server"
	"github.com/gridinspect/gridinspect/store"
)

var quiet = slog.New(slog.DiscardHandler)

const password = "correct horse battery"

// gridd is what cmd/gridd wires, on 127.0.0.1: a store in a temporary
// folder with one grid and one worker, the gRPC server counting its calls,
// and the metrics served over HTTP.
type gridd struct {
	conn       *grpc.ClientConn
	metricsURL string
	gridID     string
	worker     context.Context // calls as the worker, logged in
}

// startGridd starts it all, the photo figures read again when older than
// photoRefresh, and logs the worker in.
func startGridd(t *testing.T, photoRefresh time.Duration) *gridd {
	t.Helper()
	db, err := store.Open(filepath.Join(t.TempDir(), store.DatabaseFile), store.Options{
		Logger: quiet, PasswordParams: gridinspect.PasswordParams{MemoryKiB: 64, Time: 1, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Close(context.Background()); err != nil {
			t.Error(err)
		}
	})
	sys := gridinspect.NewContext(context.Background(), gridinspect.SystemActor())
	g, err := db.CreateGrid(sys, &gridinspect.Grid{ID: uuid.NewString(), Name: "红星村", Boundary: gridinspect.Boundary{{{
		{Lat: 31.2, Lng: 118.3}, {Lat: 31.2, Lng: 118.4}, {Lat: 31.3, Lng: 118.4}, {Lat: 31.3, Lng: 118.3},
	}}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateUser(sys, &gridinspect.User{Username: "worker", Role: gridinspect.RoleWorker, GridIDs: []string{g.ID}}, password); err != nil {
		t.Fatal(err)
	}

	calls := server.NewMetrics()
	cfg := server.Serve(db)
	cfg.Logger, cfg.Metrics = quiet, calls
	srv := server.New(cfg)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(func() { srv.Shutdown(context.Background()) })
	web := httptest.NewServer(metrics.Handler(metrics.NewRegistry(calls, db, photoRefresh), quiet))
	t.Cleanup(web.Close)

	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	login, err := pb.NewAuthServiceClient(conn).Login(context.Background(), &pb.LoginRequest{Username: "worker", Password: password, DeviceId: "phone-1"})
	if err != nil {
		t.Fatal(err)
	}
	worker := metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+login.GetToken())
	return &gridd{conn: conn, metricsURL: web.URL + metrics.Path, gridID: g.ID, worker: worker}
}

// mustSubmit submits a report as the worker and returns its id.
func (g *gridd) mustSubmit(t *testing.T) string {
	t.Helper()
	r, err := pb.NewReportServiceClient(g.conn).SubmitReport(g.worker, &pb.SubmitReportRequest{Report: &pb.Report{
		Id: uuid.NewString(), Category: pb.Category_CATEGORY_SAFETY_HAZARD, Severity: pb.Severity_SEVERITY_GENERAL,
		Description: "灭火器过期", GridId: g.gridID, ObservedAt: timestamppb.New(time.Now().Add(-time.Hour)),
		Location: &pb.Location{Latitude: 31.25, Longitude: 118.35, AccuracyMeters: 8},
		Details: &pb.Report_SafetyHazard{SafetyHazard: &pb.SafetyHazardDetails{
			HazardKind: pb.HazardKind_HAZARD_KIND_FIRE, PlaceKind: pb.PlaceKind_PLACE_KIND_ENTERPRISE}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	return r.GetReport().GetId()
}

// mustUploadPhoto uploads a photo of size bytes to report reportID as the
// worker, in one chunk.
func (g *gridd) mustUploadPhoto(t *testing.T, reportID string, size int) {
	t.Helper()
	photo := make([]byte, size)
	copy(photo, []byte{0xFF, 0xD8, 0xFF, 0xE0})
	sum := sha256.Sum256(photo)
	up, err := pb.NewSyncServiceClient(g.conn).UploadPhoto(g.worker)
	if err != nil {
		t.Fatal(err)
	}
	for _, msg := range []*pb.UploadPhotoRequest{
		{Part: &pb.UploadPhotoRequest_Header{Header: &pb.PhotoHeader{PhotoId: uuid.NewString(), ReportId: reportID,
			Sha256: hex.EncodeToString(sum[:]), SizeBytes: int64(size), ContentType: "image/jpeg"}}},
		{Part: &pb.UploadPhotoRequest_Chunk{Chunk: &pb.PhotoChunk{Data: photo}}},
	} {
		if err := up.Send(msg); err != nil {
			t.Fatal(err)
		}
	}
	if resp, err := up.CloseAndRecv(); err != nil || !resp.GetComplete() {
		t.Fatalf("upload = %v, %v; want complete", resp, err)
	}
}

// scrape gets the metrics over HTTP, as Prometheus does, and parses them.
func scrape(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("GET %s: %s, %s; want 200 with text", url, resp.Status, resp.Header.Get("Content-Type"))
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	families, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parse metrics: %v", err)
	}
	return families
}

// metric returns the one metric of the family name whose labels include
// labels, failing the test if there is none.
func metric(t *testing.T, families map[string]*dto.MetricFamily, name string, labels ...string) *dto.Metric {
	t.Helper()
	f, ok := families[name]
	if !ok {
		t.Fatalf("no metric %s", name)
	}
next:
	for _, m := range f.GetMetric() {
		have := map[string]string{}
		for _, l := range m.GetLabel() {
			have[l.GetName()] = l.GetValue()
		}
		for i := 0; i+1 < len(labels); i += 2 {
			if have[labels[i]] != labels[i+1] {
				continue next
			}
		}
		return m
	}
	t.Fatalf("no metric %s with labels %v", name, labels)
	return nil
}

func TestTheMetricsShowTheCallsMadeAndTheStoresFigures(t *testing.T) {
	g := startGridd(t, 0)
	reports := pb.NewReportServiceClient(g.conn)
	id := g.mustSubmit(t)
	_, err := reports.SubmitReport(g.worker, &pb.SubmitReportRequest{Report: &pb.Report{}})
	if status.Code(err) != codes.InvalidArgument {
		t.Fatalf("empty report: %v, want InvalidArgument", err)
	}
	_, err = reports.GetReport(context.Background(), &pb.GetReportRequest{Id: id})
	if status.Code(err) != codes.Unauthenticated {
		t.Fatalf("no token: %v, want Unauthenticated", err)
	}
	const photoSize = 70_000
	g.mustUploadPhoto(t, id, photoSize)

	m := scrape(t, g.metricsURL)
	for _, c := range []struct {
		service, method, code string
	}{
		{"gridinspect.v1.AuthService", "Login", "OK"},
		{"gridinspect.v1.ReportService", "SubmitReport", "OK"},
		{"gridinspect.v1.ReportService", "SubmitReport", "InvalidArgument"},
		{"gridinspect.v1.ReportService", "GetReport", "Unauthenticated"},
		{"gridinspect.v1.SyncService", "UploadPhoto", "OK"},
	} {
		got := metric(t, m, "grpc_server_handled_total", "grpc_service", c.service, "grpc_method", c.method, "grpc_code", c.code)
		if v := got.GetCounter().GetValue(); v != 1 {
			t.Errorf("%s %s: %v calls, want 1", c.method, c.code, v)
		}
	}
	h := metric(t, m, "grpc_server_handling_seconds", "grpc_method", "SubmitReport").GetHistogram()
	if h.GetSampleCount() != 2 || h.GetSampleSum() <= 0 {
		t.Errorf("SubmitReport's handling time: %d calls taking %v s, want 2 taking some time", h.GetSampleCount(), h.GetSampleSum())
	}
	// (The text format adds the bucket +Inf.)
	if b := h.GetBucket(); len(b) != len(server.LatencyBuckets)+1 || b[0].GetUpperBound() != 0.001 || b[len(b)-2].GetUpperBound() != 10 {
		t.Errorf("handling time buckets %v, want 1 ms to 10 s", b)
	}

	for _, c := range []struct {
		name string
		ok   func(float64) bool
		want string
	}{
		{"gridinspect_store_commits_total", func(v float64) bool { return v > 0 }, "> 0"},
		{"gridinspect_store_writes_total", func(v float64) bool { return v > 0 }, "> 0"},
		{"gridinspect_store_writer_busy_seconds_total", func(v float64) bool { return v > 0 }, "> 0"},
		{"gridinspect_store_database_bytes", func(v float64) bool { return v > 0 }, "> 0"},
		{"gridinspect_store_wal_bytes", func(v float64) bool { return v > 0 }, "> 0"},
		{"gridinspect_store_write_queue_length", func(v float64) bool { return v == 0 }, "0, every write answered"},
		{"gridinspect_store_photos", func(v float64) bool { return v == 1 }, "1"},
		{"gridinspect_store_photo_bytes", func(v float64) bool { return v == photoSize }, "the photo's size"},
	} {
		got := metric(t, m, c.name)
		if v := got.GetCounter().GetValue() + got.GetGauge().GetValue(); !c.ok(v) {
			t.Errorf("%s = %v, want %s", c.name, v, c.want)
		}
	}
	commits := metric(t, m, "gridinspect_store_commits_total").GetCounter().GetValue()
	if n := metric(t, m, "gridinspect_store_commit_seconds").GetHistogram().GetSampleCount(); float64(n) < commits {
		t.Errorf("%d COMMITs timed, %v committed; want every one timed", n, commits)
	}
	if n := metric(t, m, "gridinspect_store_write_group_size").GetHistogram().GetSampleCount(); float64(n) < commits {
		t.Errorf("%d groups, %v commits; want a group for each commit", n, commits)
	}
	metric(t, m, "go_goroutines")
	metric(t, m, "process_resident_memory_bytes")
}

// Adding up the photos reads every photo's row, so a scrape within the
// refresh period serves the figures read before; the writer's are fresh
// on every scrape.
func TestThePhotoFiguresAreReadAtMostOncePerRefresh(t *testing.T) {
	g := startGridd(t, time.Hour)
	id := g.mustSubmit(t)
	before := scrape(t, g.metricsURL)
	g.mustUploadPhoto(t, id, 20_000)
	after := scrape(t, g.metricsURL)
	if n := metric(t, after, "gridinspect_store_photos").GetGauge().GetValue(); n != 0 {
		t.Errorf("photos = %v within the hour after a scrape that read 0, want 0 (the figure read then)", n)
	}
	was, is := metric(t, before, "gridinspect_store_commits_total").GetCounter().GetValue(),
		metric(t, after, "gridinspect_store_commits_total").GetCounter().GetValue()
	if is <= was {
		t.Errorf("commits went from %v to %v over an upload, want more", was, is)
	}
}
