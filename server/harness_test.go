package server_test

import (
	"context"
	"log/slog"
	"net"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/gridinspect/gridinspect"
	"github.com/gridinspect/gridinspect/internal/storetest"
	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
	"github.com/gridinspect/gridinspect/server"
	"github.com/gridinspect/gridinspect/store"
)

// Two adjacent square grids near Wuhu, WGS-84: west (A) and east (B).
var (
	gridA = uuid.MustParse("01900000-0000-7000-8000-00000000000a").String()
	gridB = uuid.MustParse("01900000-0000-7000-8000-00000000000b").String()
	// inA and inB are points well inside each grid.
	inA = &pb.Location{Latitude: 31.25, Longitude: 118.35, AccuracyMeters: 8, Address: "红星村3组"}
	inB = &pb.Location{Latitude: 31.25, Longitude: 118.39, AccuracyMeters: 8, Address: "金石社区5栋"}
	// outside lies in neither grid, but inside China.
	outside = &pb.Location{Latitude: 30.5, Longitude: 114.3}
)

func square(minLat, minLng, maxLat, maxLng float64) []*pb.Polygon {
	return []*pb.Polygon{{Rings: []*pb.LinearRing{{Points: []*pb.LatLng{
		{Latitude: minLat, Longitude: minLng}, {Latitude: minLat, Longitude: maxLng},
		{Latitude: maxLat, Longitude: maxLng}, {Latitude: maxLat, Longitude: minLng},
	}}}}}
}

// quiet discards logs: failures are reported by the tests themselves.
var quiet = slog.New(slog.DiscardHandler)

// clock is a controllable time source shared by the store and the server.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Test actors, chosen per call with the "x-test-user" metadata.
var testActors = map[string]*gridinspect.Actor{
	"admin":    {UserID: "01900000-0000-7000-8000-0000000000a1", Username: "admin", Role: gridinspect.RoleAdmin, AllGrids: true},
	"workerA":  {UserID: "01900000-0000-7000-8000-0000000000a2", Username: "workerA", Role: gridinspect.RoleWorker, GridIDs: []string{gridA}},
	"workerB":  {UserID: "01900000-0000-7000-8000-0000000000a3", Username: "workerB", Role: gridinspect.RoleWorker, GridIDs: []string{gridB}},
	"superAll": {UserID: "01900000-0000-7000-8000-0000000000a4", Username: "supervisor", Role: gridinspect.RoleSupervisor, AllGrids: true},
}

// testAuth stands in for token authentication: the test names the actor.
func testAuth(ctx context.Context) (*gridinspect.Actor, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	if v := md.Get("x-test-user"); len(v) == 1 {
		if a, ok := testActors[v[0]]; ok {
			return a, nil
		}
	}
	return nil, gridinspect.Errorf(gridinspect.EUNAUTHENTICATED, "not logged in")
}

// as returns ctx calling as the named test actor.
func as(ctx context.Context, user string) context.Context {
	return metadata.AppendToOutgoingContext(ctx, "x-test-user", user)
}

// harness is a real store in a temporary folder behind a real gRPC server
// reached over an in-process connection.
type harness struct {
	t       testing.TB
	dir     string
	clock   *clock
	db      *store.DB
	srv     *server.Server
	conn    *grpc.ClientConn
	reports pb.ReportServiceClient
	dirs    pb.DirectoryServiceClient
	// configure, if set, changes the server's configuration before it
	// starts.
	configure func(*server.Config)
}

func newHarness(t testing.TB) *harness { return newHarnessWith(t, nil) }

// newHarnessWith is newHarness with configure applied to the server's
// configuration.
func newHarnessWith(t testing.TB, configure func(*server.Config)) *harness {
	t.Helper()
	h := &harness{t: t, dir: t.TempDir(), clock: &clock{now: time.Date(2024, 3, 15, 9, 0, 0, 0, time.UTC)}, configure: configure}
	h.start()
	t.Cleanup(h.stop)
	h.createGrid(gridA, "红星村", square(31.2, 118.3, 31.3, 118.37))
	h.createGrid(gridB, "金石社区", square(31.2, 118.37, 31.3, 118.44))
	return h
}

func (h *harness) start() {
	h.t.Helper()
	db, err := storetest.Open(h.t, filepath.Join(h.dir, "gridinspect.db"), store.Options{Now: h.clock.Now, Logger: quiet})
	if err != nil {
		h.t.Fatalf("open store: %v", err)
	}
	h.db = db
	cfg := server.Serve(db)
	cfg.Authenticate, cfg.Now, cfg.Reflection, cfg.Logger = testAuth, h.clock.Now, true, quiet
	// The tests make bursts of calls as one actor; the per-user request
	// limit has tests of its own (overload_test.go).
	cfg.RequestLimit = &server.NoRequestLimit
	if h.configure != nil {
		h.configure(&cfg)
	}
	h.srv = server.New(cfg)
	lis, conn := bufListen(h.t)
	go func() { _ = h.srv.Serve(lis) }()
	h.conn = conn
	h.reports = pb.NewReportServiceClient(conn)
	h.dirs = pb.NewDirectoryServiceClient(conn)
}

// bufListen returns an in-process listener and a client connection to it.
func bufListen(t testing.TB) (*bufconn.Listener, *grpc.ClientConn) {
	t.Helper()
	lis := bufconn.Listen(1 << 20)
	conn, err := grpc.NewClient("passthrough:///bufnet",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return lis, conn
}

func (h *harness) stop() {
	if h.conn == nil {
		return
	}
	_ = h.conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	h.srv.Shutdown(ctx)
	if err := h.db.Close(ctx); err != nil {
		h.t.Errorf("close store: %v", err)
	}
	h.conn = nil
}

// restart stops the server and the store and opens both again on the same
// folder, as after a process restart.
func (h *harness) restart() {
	h.t.Helper()
	h.stop()
	h.start()
}

func (h *harness) createGrid(id, name string, boundary []*pb.Polygon) *pb.Grid {
	h.t.Helper()
	resp, err := h.dirs.CreateGrid(as(context.Background(), "admin"), &pb.CreateGridRequest{Grid: &pb.Grid{
		Id: id, Name: name, Kind: pb.GridKind_GRID_KIND_VILLAGE, Boundary: boundary,
	}})
	if err != nil {
		h.t.Fatalf("create grid %s: %v", name, err)
	}
	return resp.GetGrid()
}

func newID() string { return uuid.Must(uuid.NewV7()).String() }

// hazard returns a valid safety-hazard report in grid A.
func (h *harness) hazard() *pb.Report {
	return &pb.Report{
		Id:          newID(),
		Category:    pb.Category_CATEGORY_SAFETY_HAZARD,
		Severity:    pb.Severity_SEVERITY_GENERAL,
		Description: "灭火器过期,安全出口堵塞",
		Location:    inA,
		GridId:      gridA,
		ObservedAt:  timestamppb.New(h.clock.Now().Add(-time.Hour)),
		Details: &pb.Report_SafetyHazard{SafetyHazard: &pb.SafetyHazardDetails{
			HazardKind: pb.HazardKind_HAZARD_KIND_FIRE, PlaceKind: pb.PlaceKind_PLACE_KIND_ENTERPRISE,
		}},
	}
}

func (h *harness) mustSubmit(user string, r *pb.Report) *pb.Report {
	h.t.Helper()
	resp, err := h.reports.SubmitReport(as(context.Background(), user), &pb.SubmitReportRequest{Report: r})
	if err != nil {
		h.t.Fatalf("submit report %s: %v", r.GetId(), err)
	}
	return resp.GetReport()
}

// wantCode fails the test unless err has the given gRPC code.
func wantCode(t testing.TB, err error, want codes.Code) *status.Status {
	t.Helper()
	st, _ := status.FromError(err)
	if st.Code() != want {
		t.Fatalf("code = %v (%v), want %v", st.Code(), err, want)
	}
	return st
}

func statusOf(err error) (codes.Code, string) {
	st, _ := status.FromError(err)
	return st.Code(), st.Message()
}
