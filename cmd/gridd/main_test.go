package main

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"

	"github.com/google/uuid"
	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

// startGridd runs gridd with args until the returned stop is called, and
// returns the address it announced and what it printed before that.
func startGridd(t *testing.T, args ...string) (addr, printed string, stop func() error) {
	t.Helper()
	return startGriddLogging(t, io.Discard, args...)
}

// startGriddLogging is startGridd with gridd's log written to logs.
func startGriddLogging(t *testing.T, logs io.Writer, args ...string) (addr, printed string, stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := run(ctx, append([]string{"--listen", "127.0.0.1:0", "--http", "127.0.0.1:0"}, args...), pw, logs)
		pw.Close()
		done <- err
	}()
	out := bufio.NewReader(pr)
	var before strings.Builder
	for {
		line, err := out.ReadString('\n')
		if err != nil {
			cancel()
			t.Fatalf("gridd did not announce its address: %v (%v); printed %q", err, <-done, before.String())
		}
		if a, ok := strings.CutPrefix(strings.TrimSpace(line), "listening on "); ok {
			addr = a
			break
		}
		before.WriteString(line)
	}
	go func() { _, _ = io.Copy(io.Discard, out) }()
	return addr, before.String(), func() error {
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

// loginAs logs in over conn and returns a context carrying the token.
func loginAs(t *testing.T, conn *grpc.ClientConn, username, password string) context.Context {
	t.Helper()
	resp, err := pb.NewAuthServiceClient(conn).Login(context.Background(), &pb.LoginRequest{
		Username: username, Password: password, DeviceId: "test-device"})
	if err != nil {
		t.Fatalf("login %s: %v", username, err)
	}
	return metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+resp.GetToken())
}

func TestGriddServesTheDemoStreetAndSeedsItOnce(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	count := func() (grids, reports int) {
		addr, printed, stop := startGridd(t, "--data", data, "--demo")
		if !strings.Contains(printed, "worker01") {
			t.Errorf("gridd --demo did not name the demo accounts: %q", printed)
		}
		conn := dial(t, addr)
		if resp, err := healthpb.NewHealthClient(conn).Check(context.Background(), &healthpb.HealthCheckRequest{}); err != nil || resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
			t.Fatalf("health = %v, %v", resp, err)
		}
		ctx := loginAs(t, conn, "supervisor", "demo")
		g, err := pb.NewDirectoryServiceClient(conn).ListGrids(ctx, &pb.ListGridsRequest{})
		if err != nil {
			t.Fatalf("list grids: %v", err)
		}
		token, n := "", 0
		for {
			r, err := pb.NewReportServiceClient(conn).ListReports(ctx, &pb.ListReportsRequest{PageSize: 500, PageToken: token})
			if err != nil {
				t.Fatalf("list reports: %v", err)
			}
			n += len(r.GetReports())
			if token = r.GetNextPageToken(); token == "" {
				break
			}
		}
		// worker01 sees its own grid only.
		w := loginAs(t, conn, "worker01", "demo")
		if wg, err := pb.NewDirectoryServiceClient(conn).ListGrids(w, &pb.ListGridsRequest{}); err != nil || len(wg.GetGrids()) != 1 {
			t.Errorf("worker01 sees grids %v, %v; want its one grid", wg.GetGrids(), err)
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

func TestTheFirstRunCreatesAnAdminAndPrintsItsPasswordOnce(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	addr, printed, stop := startGridd(t, "--data", data)
	_, rest, ok := strings.Cut(printed, "with password ")
	if !ok {
		t.Fatalf("first run printed %q; want the admin's password", printed)
	}
	password := strings.Fields(rest)[0]
	info, err := os.Stat(filepath.Join(data, AdminPasswordFile))
	if err != nil {
		t.Fatalf("password file: %v", err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("password file mode %v, want 0600", info.Mode().Perm())
	}
	file, _ := os.ReadFile(filepath.Join(data, AdminPasswordFile))
	if !strings.Contains(string(file), password) {
		t.Errorf("password file %q does not hold the printed password", file)
	}
	ctx := loginAs(t, dial(t, addr), "admin", password)
	me, err := pb.NewAuthServiceClient(dial(t, addr)).WhoAmI(ctx, &pb.WhoAmIRequest{})
	if err != nil || me.GetUser().GetRole() != pb.Role_ROLE_ADMIN {
		t.Errorf("whoami = %v, %v; want the admin", me, err)
	}
	// The new database counts working days on the official calendar.
	cal, err := pb.NewCalendarServiceClient(dial(t, addr)).ListCalendarExceptions(ctx, &pb.ListCalendarExceptionsRequest{Year: 2026})
	if err != nil || !cal.GetAnnounced() || cal.GetWorkingDays() != 248 {
		t.Errorf("2026 on a new server: %v, %v; want announced, 248 working days", cal, err)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	_, printed, stop = startGridd(t, "--data", data)
	if strings.Contains(printed, "password") {
		t.Errorf("second run printed %q; the password is shown once", printed)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}

// selfSigned writes a certificate for 127.0.0.1 and its key, and returns
// their paths and a pool that trusts the certificate.
func selfSigned(t *testing.T) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "gridd test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

func TestGriddServesTLSWhenGivenACertificate(t *testing.T) {
	certFile, keyFile, pool := selfSigned(t)
	addr, _, stop := startGridd(t, "--data", t.TempDir(), "--tls-cert", certFile, "--tls-key", keyFile)
	defer stop()
	tlsConn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(credentials.NewTLS(&tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12})))
	if err != nil {
		t.Fatal(err)
	}
	defer tlsConn.Close()
	if resp, err := healthpb.NewHealthClient(tlsConn).Check(context.Background(), &healthpb.HealthCheckRequest{}); err != nil || resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Errorf("health over TLS = %v, %v", resp, err)
	}
	// A TLS 1.1 client is turned away.
	old, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: pool, MaxVersion: tls.VersionTLS11})
	if err == nil {
		old.Close()
		t.Error("a TLS 1.1 handshake succeeded")
	}
	// So is a plaintext one.
	if _, err := healthpb.NewHealthClient(dial(t, addr)).Check(context.Background(), &healthpb.HealthCheckRequest{}); err == nil {
		t.Error("a plaintext call to the TLS server succeeded")
	}
}

func TestGriddRefusesPlaintextOffLoopbackUnlessInsecure(t *testing.T) {
	err := run(context.Background(), []string{"--data", t.TempDir(), "--listen", "0.0.0.0:0"}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "--insecure") {
		t.Fatalf("run = %v; want a refusal that names --insecure", err)
	}
	var logs syncBuffer
	_, _, stop := startGriddLogging(t, &logs, "--data", t.TempDir(), "--listen", "0.0.0.0:0", "--insecure")
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "INSECURE") {
		t.Errorf("log = %q; want a loud warning", logs.String())
	}
}

func TestGriddRefusesUnknownArguments(t *testing.T) {
	for _, args := range [][]string{{"serve"}, {"--tls-cert", "a.pem"}} {
		if err := run(context.Background(), append([]string{"--data", t.TempDir()}, args...), io.Discard, io.Discard); err == nil {
			t.Errorf("run accepted %v", args)
		}
	}
}

// syncBuffer is a strings.Builder safe to write from gridd's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestServesHTTPJSONBesideGRPC: --http serves the same API as JSON, and
// --http "" turns it off.
func TestServesHTTPJSONBesideGRPC(t *testing.T) {
	_, printed, stop := startGridd(t, "--data", t.TempDir())
	base, ok := strings.CutPrefix(strings.TrimSpace(lastLine(printed)), "HTTP/JSON API on ")
	if !ok {
		t.Fatalf("gridd did not announce its HTTP address: %q", printed)
	}
	resp, err := http.Post(base+"/v1/auth:login", "application/json", strings.NewReader(`{"username":"admin","password":"wrong","deviceId":"`+uuid.NewString()+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(string(body), "invalid username or password") {
		t.Errorf("login with a wrong password over HTTP: %d %s", resp.StatusCode, body)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}

	_, printed, stop = startGridd(t, "--data", t.TempDir(), "--http", "")
	if strings.Contains(printed, "HTTP/JSON") {
		t.Errorf("--http \"\" still served HTTP: %q", printed)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}
