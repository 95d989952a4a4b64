package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"log/slog"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/stats"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/gridinspect/gridinspect"
	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
	"github.com/gridinspect/gridinspect/server"
	"github.com/gridinspect/gridinspect/store"
)

// cheapPasswords keep argon2id fast in tests.
var cheapPasswords = gridinspect.PasswordParams{MemoryKiB: 64, Time: 1, Threads: 1}

// The test street: five grids side by side, with fixed ids.
const (
	gridHong      = "01900000-0000-7000-8000-00000000000a" // 红星村
	gridJin       = "01900000-0000-7000-8000-00000000000b" // 金石社区
	gridRiverside = "01900000-0000-7000-8000-000000000102"
	gridDonghu    = "01900000-0000-7000-8000-000000000103" // 东湖村
	gridXiling    = "01900000-0000-7000-8000-000000000104" // 西岭社区
)

// Points well inside 红星村 and 金石社区.
var (
	inHong = &pb.Location{Latitude: 31.25, Longitude: 118.33, AccuracyMeters: 8, Address: "红星村3组"}
	inJin  = &pb.Location{Latitude: 31.25, Longitude: 118.40, AccuracyMeters: 8, Address: "金石社区5栋"}
)

// testGridd is the real server — the store on a database in a temporary
// folder, and the gRPC handlers, wired as gridd wires them — on a
// loopback port.
type testGridd struct {
	addr          string
	adminPassword string
	db            *store.DB
	dbPath        string
	calls         *callRecorder
	clock         *fakeClock // nil: the real clock
	conn          *grpc.ClientConn
	clientCreds   credentials.TransportCredentials
}

// griddOptions change how startGridd starts the server.
type griddOptions struct {
	// cert serves TLS with this certificate.
	cert *tls.Certificate
	// clock is the server's clock, and gridctl's; nil means the real one.
	clock *fakeClock
}

// startGridd runs the real server with the first-run admin and the five
// grids of the test street.
func startGridd(t *testing.T, opts griddOptions) *testGridd {
	t.Helper()
	quiet := slog.New(slog.DiscardHandler)
	storeOpts := store.Options{Logger: quiet, PasswordParams: cheapPasswords}
	cfg := server.Config{
		Logger: quiet,
		// Tests log in often, from one address.
		LoginLimits: &server.LoginLimits{
			PerUsername: server.Limit{Burst: 1000, Every: time.Millisecond},
			PerAddress:  server.Limit{Burst: 1000, Every: time.Millisecond},
		},
	}
	if opts.clock != nil {
		storeOpts.Now, cfg.Now = opts.clock.Now, opts.clock.Now
		// The clock may be moved on by months; tokens must outlive that.
		storeOpts.TokenTTL = 2 * 365 * 24 * time.Hour
		old := now
		now = opts.clock.Now
		t.Cleanup(func() { now = old })
	}
	dbPath := filepath.Join(t.TempDir(), "gridinspect.db")
	db, err := store.Open(dbPath, storeOpts)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	ctx := context.Background()
	adminPassword, created, err := db.EnsureAdmin(ctx)
	if err != nil || !created {
		t.Fatalf("first-run admin: %v, created %v", err, created)
	}
	sys := gridinspect.NewContext(ctx, gridinspect.SystemActor())
	square := func(minLat, minLng float64) gridinspect.Boundary {
		maxLat, maxLng := minLat+0.1, minLng+0.07
		return gridinspect.Boundary{{{{Lat: minLat, Lng: minLng}, {Lat: minLat, Lng: maxLng}, {Lat: maxLat, Lng: maxLng}, {Lat: maxLat, Lng: minLng}}}}
	}
	for _, g := range []*gridinspect.Grid{
		{ID: gridHong, Name: "红星村", Kind: gridinspect.GridKindVillage, Boundary: square(31.2, 118.3)},
		{ID: gridJin, Name: "金石社区", Kind: gridinspect.GridKindCommunity, Boundary: square(31.2, 118.37)},
		{ID: gridRiverside, Name: "Riverside", Kind: gridinspect.GridKindVillage, Boundary: square(31.3, 118.3)},
		{ID: gridDonghu, Name: "东湖村", Kind: gridinspect.GridKindVillage, Boundary: square(31.3, 118.37)},
		{ID: gridXiling, Name: "西岭社区", Kind: gridinspect.GridKindCommunity, Boundary: square(31.4, 118.3)},
	} {
		if _, err := db.CreateGrid(sys, g); err != nil {
			t.Fatalf("create grid %s: %v", g.Name, err)
		}
	}
	cfg.Reports, cfg.Directory, cfg.Rectification, cfg.Users, cfg.Auth, cfg.Stats, cfg.Routing = db, db, db, db, db, db, db
	cfg.Schedules = db
	cfg.Calendar = db
	rec := &callRecorder{}
	serverOpts := []grpc.ServerOption{grpc.StatsHandler(rec)}
	if opts.cert != nil {
		serverOpts = append(serverOpts, grpc.Creds(credentials.NewTLS(&tls.Config{Certificates: []tls.Certificate{*opts.cert}, MinVersion: tls.VersionTLS12})))
	}
	srv := server.New(cfg, serverOpts...)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(lis) }()
	g := &testGridd{addr: lis.Addr().String(), adminPassword: adminPassword, db: db, dbPath: dbPath, calls: rec, clock: opts.clock, clientCreds: insecure.NewCredentials()}
	if opts.cert != nil {
		leaf, err := x509.ParseCertificate(opts.cert.Certificate[0])
		if err != nil {
			t.Fatal(err)
		}
		pool := x509.NewCertPool()
		pool.AddCert(leaf)
		g.clientCreds = credentials.NewTLS(&tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12})
	}
	t.Cleanup(func() {
		if g.conn != nil {
			_ = g.conn.Close()
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		if err := db.Close(ctx); err != nil {
			t.Errorf("close store: %v", err)
		}
	})
	return g
}

// client returns the test's own connection to the server, for what the
// test does beside gridctl (a worker's phone submitting a report, logins).
func (g *testGridd) client(t *testing.T) *grpc.ClientConn {
	t.Helper()
	if g.conn == nil {
		conn, err := grpc.NewClient(g.addr, grpc.WithTransportCredentials(g.clientCreds))
		if err != nil {
			t.Fatal(err)
		}
		g.conn = conn
	}
	return g.conn
}

// login logs username in from a new device, as a phone would, and returns
// the token.
func (g *testGridd) login(t *testing.T, username, password string) string {
	t.Helper()
	resp, err := pb.NewAuthServiceClient(g.client(t)).Login(context.Background(),
		&pb.LoginRequest{Username: username, Password: password, DeviceId: uuid.NewString()})
	if err != nil {
		t.Fatalf("log in %s: %v", username, err)
	}
	return resp.GetToken()
}

// as returns a context that calls with token.
func as(token string) context.Context {
	return metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+token)
}

// mustCreateUser makes an account as the admin, and returns its id.
func (g *testGridd) mustCreateUser(t *testing.T, username string, role pb.Role, password string, grids ...string) string {
	t.Helper()
	u := &pb.User{Username: username, DisplayName: username, Role: role, GridIds: grids, AllGrids: len(grids) == 0}
	resp, err := pb.NewDirectoryServiceClient(g.client(t)).CreateUser(as(g.login(t, "admin", g.adminPassword)),
		&pb.CreateUserRequest{User: u, Password: password})
	if err != nil {
		t.Fatalf("create user %s: %v", username, err)
	}
	return resp.GetUser().GetId()
}

// mustSubmit submits a report as the worker with token, the way its phone
// would, and returns it as stored.
func (g *testGridd) mustSubmit(t *testing.T, token string, r *pb.Report) *pb.Report {
	t.Helper()
	resp, err := pb.NewReportServiceClient(g.client(t)).SubmitReport(as(token), &pb.SubmitReportRequest{Report: r})
	if err != nil {
		t.Fatalf("submit report %s: %v", r.GetId(), err)
	}
	return resp.GetReport()
}

// getReport reads a report as the holder of token.
func (g *testGridd) getReport(t *testing.T, token, id string) *pb.Report {
	t.Helper()
	resp, err := pb.NewReportServiceClient(g.client(t)).GetReport(as(token), &pb.GetReportRequest{Id: id})
	if err != nil {
		t.Fatalf("get report %s: %v", id, err)
	}
	return resp.GetReport()
}

// serverNow is the server's time: the fake clock's, or the real one.
func (g *testGridd) serverNow() time.Time {
	if g.clock != nil {
		return g.clock.Now()
	}
	return time.Now()
}

// hazard is a general fire hazard in 红星村, observed an hour before
// the server's now.
func (g *testGridd) hazard(desc string) *pb.Report {
	return &pb.Report{
		Id:          newV7(),
		Category:    pb.Category_CATEGORY_SAFETY_HAZARD,
		Severity:    pb.Severity_SEVERITY_GENERAL,
		Description: desc,
		Location:    inHong,
		ObservedAt:  timestamppb.New(g.serverNow().Add(-time.Hour)),
		Details: &pb.Report_SafetyHazard{SafetyHazard: &pb.SafetyHazardDetails{
			HazardKind: pb.HazardKind_HAZARD_KIND_FIRE, PlaceKind: pb.PlaceKind_PLACE_KIND_ENTERPRISE,
		}},
	}
}

func newV7() string {
	return uuid.Must(uuid.NewV7()).String()
}

// fakeClock is a time source the test moves on by hand, shared by the
// store, the server and gridctl.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock(t time.Time) *fakeClock { return &fakeClock{t: t} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// callRecorder sees every call the server receives, with its metadata,
// before anything (authentication included) can turn it away: a gRPC
// stats handler on the real server, not a stand-in for it.
type callRecorder struct {
	mu    sync.Mutex
	calls []recordedCall
}

// recordedCall is what one call carried.
type recordedCall struct {
	method        string // e.g. "ListGrids"
	authorization string
	requestID     string
}

func (r *callRecorder) TagRPC(ctx context.Context, _ *stats.RPCTagInfo) context.Context { return ctx }
func (r *callRecorder) TagConn(ctx context.Context, _ *stats.ConnTagInfo) context.Context {
	return ctx
}
func (r *callRecorder) HandleConn(context.Context, stats.ConnStats) {}

func (r *callRecorder) HandleRPC(_ context.Context, s stats.RPCStats) {
	h, ok := s.(*stats.InHeader)
	if !ok || h.IsClient() {
		return
	}
	c := recordedCall{method: h.FullMethod[strings.LastIndex(h.FullMethod, "/")+1:]}
	if v := h.Header.Get("authorization"); len(v) > 0 {
		c.authorization = v[0]
	}
	if v := h.Header.Get("x-request-id"); len(v) > 0 {
		c.requestID = v[0]
	}
	r.mu.Lock()
	r.calls = append(r.calls, c)
	r.mu.Unlock()
}

// all returns the calls so far.
func (r *callRecorder) all() []recordedCall {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.calls)
}

// of returns the calls of one method.
func (r *callRecorder) of(method string) []recordedCall {
	var out []recordedCall
	for _, c := range r.all() {
		if c.method == method {
			out = append(out, c)
		}
	}
	return out
}

// reset forgets the calls so far.
func (r *callRecorder) reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = nil
}

// smallPages makes gridctl read lists in pages of n for the test.
func smallPages(t *testing.T, n int32) {
	old := listPageSize
	listPageSize = n
	t.Cleanup(func() { listPageSize = old })
}

// selfSigned makes a certificate for 127.0.0.1 and localhost, and writes it
// as PEM to a file for --ca.
func selfSigned(t *testing.T) (tls.Certificate, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "gridd test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:              []string{"localhost"},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := tls.X509KeyPair(certPEM, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(path, certPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	return cert, path
}
