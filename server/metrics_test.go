package server_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"

	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
	"github.com/gridinspect/gridinspect/server"
)

// meteredServer starts a second server on h's store, counting its calls
// in the returned metrics; edit changes its Config first.
func meteredServer(t *testing.T, h *harness, edit func(*server.Config)) (*server.Metrics, pb.ReportServiceClient, pb.SyncServiceClient) {
	t.Helper()
	m := server.NewMetrics()
	cfg := server.Serve(h.db)
	cfg.Authenticate, cfg.Now, cfg.Logger, cfg.Metrics = testAuth, h.clock.Now, quiet, m
	cfg.RequestLimit = &server.NoRequestLimit
	if edit != nil {
		edit(&cfg)
	}
	srv := server.New(cfg)
	lis, conn := bufListen(t)
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(func() { srv.Shutdown(context.Background()) })
	return m, pb.NewReportServiceClient(conn), pb.NewSyncServiceClient(conn)
}

// An operator tells from the metrics which calls fail and why: every call
// is counted with its code, including those refused before any handler
// ran (no caller, over the request limit).
func TestMetricsCountEveryCallByMethodAndCode(t *testing.T) {
	h := newHarness(t)
	m, reports, _ := meteredServer(t, h, func(cfg *server.Config) {
		// One call an hour for each caller: the second as superAll is
		// refused.
		cfg.RequestLimit = &server.Limit{Burst: 1, Every: time.Hour}
	})
	ctx := context.Background()

	r, err := reports.SubmitReport(as(ctx, "workerA"), &pb.SubmitReportRequest{Report: h.hazard()})
	if err != nil {
		t.Fatal(err)
	}
	_, err = reports.GetReport(as(ctx, "workerB"), &pb.GetReportRequest{Id: r.GetReport().GetId()})
	wantCode(t, err, codes.PermissionDenied)
	_, err = reports.GetReport(ctx, &pb.GetReportRequest{Id: r.GetReport().GetId()})
	wantCode(t, err, codes.Unauthenticated)
	_, err = reports.SubmitReport(as(ctx, "admin"), &pb.SubmitReportRequest{Report: &pb.Report{}})
	wantCode(t, err, codes.InvalidArgument)
	if _, err := reports.ListReports(as(ctx, "superAll"), &pb.ListReportsRequest{}); err != nil {
		t.Fatal(err)
	}
	_, err = reports.ListReports(as(ctx, "superAll"), &pb.ListReportsRequest{})
	wantCode(t, err, codes.ResourceExhausted)
	// A stream, on a server of its own with no request limit (workerA
	// has had its call).
	m2, _, sync := meteredServer(t, h, nil)
	data, header := testPhoto(70_000, r.GetReport().GetId())
	if resp, err := upload(as(ctx, "workerA"), sync, header, data, len(data)); err != nil || !resp.GetComplete() {
		t.Fatalf("upload = %v, %v; want complete", resp, err)
	}

	const handled = `
# HELP grpc_server_handled_total Total number of RPCs completed on the server, regardless of success or failure.
# TYPE grpc_server_handled_total counter
grpc_server_handled_total{grpc_code="InvalidArgument",grpc_method="SubmitReport",grpc_service="gridinspect.v1.ReportService",grpc_type="unary",protocol="grpc"} 1
grpc_server_handled_total{grpc_code="OK",grpc_method="ListReports",grpc_service="gridinspect.v1.ReportService",grpc_type="unary",protocol="grpc"} 1
grpc_server_handled_total{grpc_code="OK",grpc_method="SubmitReport",grpc_service="gridinspect.v1.ReportService",grpc_type="unary",protocol="grpc"} 1
grpc_server_handled_total{grpc_code="PermissionDenied",grpc_method="GetReport",grpc_service="gridinspect.v1.ReportService",grpc_type="unary",protocol="grpc"} 1
grpc_server_handled_total{grpc_code="ResourceExhausted",grpc_method="ListReports",grpc_service="gridinspect.v1.ReportService",grpc_type="unary",protocol="grpc"} 1
grpc_server_handled_total{grpc_code="Unauthenticated",grpc_method="GetReport",grpc_service="gridinspect.v1.ReportService",grpc_type="unary",protocol="grpc"} 1
`
	if err := testutil.CollectAndCompare(m, strings.NewReader(handled), "grpc_server_handled_total"); err != nil {
		t.Error(err)
	}
	const started = `
# HELP grpc_server_started_total Total number of RPCs started on the server.
# TYPE grpc_server_started_total counter
grpc_server_started_total{grpc_method="GetReport",grpc_service="gridinspect.v1.ReportService",grpc_type="unary",protocol="grpc"} 2
grpc_server_started_total{grpc_method="ListReports",grpc_service="gridinspect.v1.ReportService",grpc_type="unary",protocol="grpc"} 2
grpc_server_started_total{grpc_method="SubmitReport",grpc_service="gridinspect.v1.ReportService",grpc_type="unary",protocol="grpc"} 2
`
	if err := testutil.CollectAndCompare(m, strings.NewReader(started), "grpc_server_started_total"); err != nil {
		t.Error(err)
	}
	if n := testutil.CollectAndCount(m, "grpc_server_handling_seconds"); n != 3 {
		t.Errorf("%d handling-time histograms, want one per method called (3)", n)
	}

	// The upload: one client stream, a header and one chunk received.
	const stream = `
# HELP grpc_server_handled_total Total number of RPCs completed on the server, regardless of success or failure.
# TYPE grpc_server_handled_total counter
grpc_server_handled_total{grpc_code="OK",grpc_method="UploadPhoto",grpc_service="gridinspect.v1.SyncService",grpc_type="client_stream",protocol="grpc"} 1
# HELP grpc_server_msg_received_total Total number of RPC stream messages received on the server.
# TYPE grpc_server_msg_received_total counter
grpc_server_msg_received_total{grpc_method="UploadPhoto",grpc_service="gridinspect.v1.SyncService",grpc_type="client_stream",protocol="grpc"} 2
`
	if err := testutil.CollectAndCompare(m2, strings.NewReader(stream), "grpc_server_handled_total", "grpc_server_msg_received_total"); err != nil {
		t.Error(err)
	}
}

// A handler's panic is a bug to see on a dashboard: it is counted as
// INTERNAL, as the client is told, not lost.
func TestMetricsCountAPanickedCallAsInternal(t *testing.T) {
	h := newHarness(t)
	m, reports, _ := meteredServer(t, h, func(cfg *server.Config) { cfg.Reports = panickingReports{h.db} })
	_, err := reports.GetReport(as(context.Background(), "admin"), &pb.GetReportRequest{Id: newID()})
	wantCode(t, err, codes.Internal)
	const want = `
# HELP grpc_server_handled_total Total number of RPCs completed on the server, regardless of success or failure.
# TYPE grpc_server_handled_total counter
grpc_server_handled_total{grpc_code="Internal",grpc_method="GetReport",grpc_service="gridinspect.v1.ReportService",grpc_type="unary",protocol="grpc"} 1
`
	if err := testutil.CollectAndCompare(m, strings.NewReader(want), "grpc_server_handled_total"); err != nil {
		t.Error(err)
	}
}

// The metrics tell the two APIs apart: a call over HTTP/JSON is counted
// with protocol="http", its gRPC twin with protocol="grpc".
func TestMetricsTellHTTPCallsFromGRPCCalls(t *testing.T) {
	h := newHarness(t)
	m := server.NewMetrics()
	cfg := server.Serve(h.db)
	cfg.Authenticate, cfg.Now, cfg.Logger, cfg.Metrics = bearerTestAuth, h.clock.Now, quiet, m
	cfg.RequestLimit = &server.NoRequestLimit
	srv := server.New(cfg)
	lis, conn := bufListen(t)
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(func() { srv.Shutdown(context.Background()) })
	handler, err := srv.HTTPHandler()
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(handler)
	t.Cleanup(ts.Close)

	ctx := metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer workerA")
	if _, err := pb.NewReportServiceClient(conn).ListReports(ctx, &pb.ListReportsRequest{}); err != nil {
		t.Fatal(err)
	}
	for _, token := range []string{"workerA", "nobody"} {
		req, _ := http.NewRequest("GET", ts.URL+"/v1/reports", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	const want = `
# HELP grpc_server_handled_total Total number of RPCs completed on the server, regardless of success or failure.
# TYPE grpc_server_handled_total counter
grpc_server_handled_total{grpc_code="OK",grpc_method="ListReports",grpc_service="gridinspect.v1.ReportService",grpc_type="unary",protocol="grpc"} 1
grpc_server_handled_total{grpc_code="OK",grpc_method="ListReports",grpc_service="gridinspect.v1.ReportService",grpc_type="unary",protocol="http"} 1
grpc_server_handled_total{grpc_code="Unauthenticated",grpc_method="ListReports",grpc_service="gridinspect.v1.ReportService",grpc_type="unary",protocol="http"} 1
`
	if err := testutil.CollectAndCompare(m, strings.NewReader(want), "grpc_server_handled_total"); err != nil {
		t.Error(err)
	}
}
