package main

import (
	"context"
	"log/slog"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gridinspect/gridinspect"
	"github.com/gridinspect/gridinspect/server"
	"github.com/gridinspect/gridinspect/store"
)

// cheapPasswords keep argon2id fast in tests.
var cheapPasswords = gridinspect.PasswordParams{MemoryKiB: 64, Time: 1, Threads: 1}

// startGridd runs the real server (store and gRPC handlers, as gridd wires
// them) on a loopback port, with the first-run admin and two grids, and
// returns its address and the admin's password.
func startGridd(t *testing.T) (addr, adminPassword string) {
	t.Helper()
	quiet := slog.New(slog.DiscardHandler)
	db, err := store.Open(filepath.Join(t.TempDir(), "gridinspect.db"), store.Options{Logger: quiet, PasswordParams: cheapPasswords})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	ctx := context.Background()
	adminPassword, created, err := db.EnsureAdmin(ctx)
	if err != nil || !created {
		t.Fatalf("first-run admin: %v, created %v", err, created)
	}
	sys := gridinspect.NewContext(ctx, gridinspect.SystemActor())
	square := func(minLat, minLng, maxLat, maxLng float64) gridinspect.Boundary {
		return gridinspect.Boundary{{{{Lat: minLat, Lng: minLng}, {Lat: minLat, Lng: maxLng}, {Lat: maxLat, Lng: maxLng}, {Lat: maxLat, Lng: minLng}}}}
	}
	for _, g := range []*gridinspect.Grid{
		{ID: fakeGridHong, Name: "红星村", Kind: gridinspect.GridKindVillage, Boundary: square(31.2, 118.3, 31.3, 118.37)},
		{ID: fakeGridJin, Name: "金石社区", Kind: gridinspect.GridKindCommunity, Boundary: square(31.2, 118.37, 31.3, 118.44)},
	} {
		if _, err := db.CreateGrid(sys, g); err != nil {
			t.Fatalf("create grid %s: %v", g.Name, err)
		}
	}
	srv := server.New(server.Config{Reports: db, Directory: db, Users: db, Auth: db, Logger: quiet})
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		if err := db.Close(ctx); err != nil {
			t.Errorf("close store: %v", err)
		}
	})
	return lis.Addr().String(), adminPassword
}

// TestAgainstTheRealServer drives gridctl through an admin's session with
// the real server: login, whoami, user add, list, what a worker may not do,
// revoke-tokens, disable, grid list, logout.
func TestAgainstTheRealServer(t *testing.T) {
	adminConfig := isolate(t)
	addr, adminPassword := startGridd(t)
	t.Setenv(EnvServer, addr)

	r := gridctl(t, "not-the-password\n", "login", "--username", "admin", "--password-stdin")
	if r.code != exitError || !strings.Contains(r.stderr, "unauthenticated") {
		t.Fatalf("wrong password: exit %d, stderr %q", r.code, r.stderr)
	}
	out := mustGridctl(t, adminPassword+"\n", "login", "--username", "admin", "--password-stdin")
	if !strings.Contains(out, "logged in to "+addr+" as admin") || !strings.Contains(out, "the token expires at") {
		t.Errorf("login said %q", out)
	}

	out = mustGridctl(t, "", "whoami")
	s, _ := newCredentialStore()
	device, _ := s.deviceID()
	for _, want := range []string{"username   admin", "role       admin", "grids      all", "device id  " + device} {
		if !strings.Contains(out, want) {
			t.Errorf("whoami lacks %q:\n%s", want, out)
		}
	}

	out = mustGridctl(t, "", "grid", "list")
	if !strings.Contains(out, "红星村    village    "+fakeGridHong) || !strings.Contains(out, "金石社区  community  "+fakeGridJin) {
		t.Errorf("grid list:\n%s", out)
	}

	out = mustGridctl(t, "worker-pass-1\n", "user", "add", "--username", "worker11", "--name", "张三", "--role", "worker", "--grid", "红星村", "--password-stdin")
	if !strings.Contains(out, "worker11  张三  worker  红星村  active") {
		t.Errorf("user add said:\n%s", out)
	}
	mustGridctl(t, "super-pass-1\n", "user", "add", "--username", "super2", "--name", "李四", "--role", "supervisor", "--all-grids", "--password-stdin")

	// The server's field violations reach the user one per line.
	r = gridctl(t, "short\n", "user", "add", "--username", "worker12", "--role", "worker", "--grid", "金石社区", "--password-stdin")
	if r.code != exitError || !strings.Contains(r.stderr, "gridctl: invalid argument") || !strings.Contains(r.stderr, "\n  password: ") {
		t.Errorf("short password: exit %d, stderr %q", r.code, r.stderr)
	}

	out = mustGridctl(t, "", "user", "list")
	for _, want := range []string{"USERNAME", "admin", "worker11  张三", "super2", "红星村"} {
		if !strings.Contains(out, want) {
			t.Errorf("user list lacks %q:\n%s", want, out)
		}
	}
	out = mustGridctl(t, "", "user", "list", "--grid", "红星村")
	if !strings.Contains(out, "worker11") || strings.Contains(out, "super2") {
		t.Errorf("user list --grid 红星村:\n%s", out)
	}

	// The worker logs in from its own machine, and may not manage users.
	isolate(t)
	t.Setenv(EnvServer, addr)
	mustGridctl(t, "worker-pass-1\n", "login", "--username", "worker11", "--password-stdin")
	out = mustGridctl(t, "", "whoami")
	if !strings.Contains(out, "role       worker") || !strings.Contains(out, "grids      红星村") {
		t.Errorf("worker's whoami:\n%s", out)
	}
	r = gridctl(t, "x-password-1\n", "user", "add", "--username", "sneaky", "--role", "admin", "--all-grids", "--password-stdin")
	if r.code != exitError || !strings.Contains(r.stderr, "permission denied") {
		t.Errorf("worker adding an admin: exit %d, stderr %q", r.code, r.stderr)
	}
	out = mustGridctl(t, "", "grid", "list")
	if !strings.Contains(out, "红星村") || strings.Contains(out, "金石社区") {
		t.Errorf("worker's grid list:\n%s", out)
	}
	workerToken := func() string {
		ws, _ := newCredentialStore()
		l, _, _ := ws.get(addr)
		return l.Token
	}()

	// Back on the admin's machine: log the worker out everywhere, then
	// disable it.
	t.Setenv("XDG_CONFIG_HOME", adminConfig)
	out = mustGridctl(t, "", "user", "revoke-tokens", "worker11")
	if !strings.HasPrefix(out, "revoked 1 token(s) of worker11") {
		t.Errorf("revoke-tokens said %q", out)
	}
	r = gridctl(t, "", "--token", workerToken, "whoami")
	if r.code != exitError || !strings.Contains(r.stderr, "unauthenticated") {
		t.Errorf("revoked worker token: exit %d, stderr %q", r.code, r.stderr)
	}
	out = mustGridctl(t, "", "user", "disable", "worker11")
	if !strings.Contains(out, "disabled worker11 (张三)") {
		t.Errorf("disable said %q", out)
	}
	r = gridctl(t, "worker-pass-1\n", "--server", addr, "login", "--username", "worker11", "--password-stdin")
	if r.code != exitError {
		t.Errorf("a disabled user logged in: %q", r.stdout)
	}
	// That failed login was the admin's machine's: its saved login is kept.
	out = mustGridctl(t, "", "user", "list")
	if !strings.Contains(out, "disabled") {
		t.Errorf("user list after disable:\n%s", out)
	}

	out = mustGridctl(t, "", "logout")
	if out != "logged out of "+addr+"; deleted the saved token\n" {
		t.Errorf("logout said %q", out)
	}
	r = gridctl(t, "", "whoami")
	if r.code != exitError || !strings.Contains(r.stderr, "not logged in") {
		t.Errorf("whoami after logout: exit %d, stderr %q", r.code, r.stderr)
	}
}
