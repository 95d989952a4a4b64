package main

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/uuid"
)

func TestPickServerPrecedence(t *testing.T) {
	tests := []struct{ flag, env, want string }{
		{"", "", DefaultServer},
		{"", "env:1", "env:1"},
		{"flag:1", "env:1", "flag:1"},
		{"flag:1", "", "flag:1"},
		{"  ", "env:1", "env:1"},
	}
	for _, tt := range tests {
		if got := pickServer(tt.flag, tt.env); got != tt.want {
			t.Errorf("pickServer(%q, %q) = %q, want %q", tt.flag, tt.env, got, tt.want)
		}
	}
}

func TestPickTokenPrecedence(t *testing.T) {
	saved := func(tok string) func() (string, bool, error) {
		return func() (string, bool, error) { return tok, tok != "", nil }
	}
	tests := []struct {
		flag, env, saved string
		want, source     string
	}{
		{"", "", "", "", ""},
		{"", "", "s", "s", tokenFromSaved},
		{"", "e", "s", "e", tokenFromEnv},
		{"f", "e", "s", "f", tokenFromFlag},
		{"f", "", "", "f", tokenFromFlag},
	}
	for _, tt := range tests {
		got, source, err := pickToken(tt.flag, tt.env, saved(tt.saved))
		if err != nil || got != tt.want || source != tt.source {
			t.Errorf("pickToken(%q, %q, saved %q) = %q, %q, %v; want %q, %q", tt.flag, tt.env, tt.saved, got, source, err, tt.want, tt.source)
		}
	}
	// The saved logins are not read when a token was given.
	boom := func() (string, bool, error) { return "", false, errors.New("unreadable") }
	if got, _, err := pickToken("f", "", boom); err != nil || got != "f" {
		t.Errorf("pickToken with flag read the saved logins: %q, %v", got, err)
	}
	if _, _, err := pickToken("", "", boom); err == nil {
		t.Error("pickToken hid an unreadable credentials file")
	}
}

func TestNormalizeServer(t *testing.T) {
	tests := []struct{ in, want string }{
		{"127.0.0.1:50051", "127.0.0.1:50051"},
		{" Grid.Example.CN:443 ", "grid.example.cn:443"},
		{"grid.example.cn", "grid.example.cn:50051"},
		{"localhost", "localhost:50051"},
		{"[::1]:9000", "[::1]:9000"},
		{"::1", "[::1]:50051"},
		{"[::1]", "[::1]:50051"},
		{"dns:///grid.example.cn:443", "dns:///grid.example.cn:443"},
		{"unix:/run/gridd.sock", "unix:/run/gridd.sock"},
	}
	for _, tt := range tests {
		if got, err := normalizeServer(tt.in); err != nil || got != tt.want {
			t.Errorf("normalizeServer(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "  ", ":50051", "a b:1", "host/path:1"} {
		if got, err := normalizeServer(bad); err == nil {
			t.Errorf("normalizeServer(%q) = %q, want an error", bad, got)
		}
	}
}

func TestIsLoopback(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1:50051":      true,
		"127.8.9.10:1":         true,
		"localhost:50051":      true,
		"[::1]:50051":          true,
		"unix:/run/gridd.sock": true,
		"10.0.0.1:50051":       false,
		"grid.example.cn:443":  false,
		"dns:///localhost:1":   false,
	} {
		if got := isLoopback(addr); got != want {
			t.Errorf("isLoopback(%q) = %v, want %v", addr, got, want)
		}
	}
}

func lastAuthorization(t *testing.T, g *testGridd) string {
	t.Helper()
	calls := g.calls.all()
	if len(calls) == 0 {
		t.Fatal("the server got no call")
	}
	return calls[len(calls)-1].authorization
}

func TestServerAndTokenComeFromFlagThenEnvThenSaved(t *testing.T) {
	isolate(t)
	a, b := startGridd(t, griddOptions{}), startGridd(t, griddOptions{})
	tokA := a.login(t, "admin", a.adminPassword)
	tokB := b.login(t, "admin", b.adminPassword)
	envTokA := a.login(t, "admin", a.adminPassword)
	flagTokA := a.login(t, "admin", a.adminPassword)
	s, _ := newCredentialStore()
	if err := s.put(a.addr, savedLogin{Token: tokA}); err != nil {
		t.Fatal(err)
	}
	if err := s.put(b.addr, savedLogin{Token: tokB}); err != nil {
		t.Fatal(err)
	}

	// $GRIDCTL_SERVER picks the server, and its saved token goes with it.
	t.Setenv(EnvServer, a.addr)
	mustGridctl(t, "", "whoami")
	if got := lastAuthorization(t, a); got != "Bearer "+tokA {
		t.Errorf("A got %q, want its saved token", got)
	}
	// --server beats $GRIDCTL_SERVER, and the token saved for B is sent to B.
	mustGridctl(t, "", "--server", b.addr, "whoami")
	if got := lastAuthorization(t, b); got != "Bearer "+tokB {
		t.Errorf("B got %q, want its saved token", got)
	}
	// $GRIDCTL_TOKEN beats the saved token.
	t.Setenv(EnvToken, envTokA)
	mustGridctl(t, "", "whoami")
	if got := lastAuthorization(t, a); got != "Bearer "+envTokA {
		t.Errorf("A got %q, want $GRIDCTL_TOKEN", got)
	}
	// --token beats $GRIDCTL_TOKEN.
	mustGridctl(t, "", "--token", flagTokA, "whoami")
	if got := lastAuthorization(t, a); got != "Bearer "+flagTokA {
		t.Errorf("A got %q, want --token", got)
	}
}

func TestEveryCallCarriesANewRequestID(t *testing.T) {
	isolate(t)
	smallPages(t, 2)
	g := startGridd(t, griddOptions{})
	tok := g.login(t, "admin", g.adminPassword)
	g.calls.reset()
	mustGridctl(t, "", "--server", g.addr, "--token", tok, "grid", "list") // three pages
	calls := g.calls.all()
	if len(calls) < 3 {
		t.Fatalf("%d calls, want several", len(calls))
	}
	seen := map[string]bool{}
	for _, c := range calls {
		u, err := uuid.Parse(c.requestID)
		if err != nil || u.Version() != 7 {
			t.Errorf("%s: x-request-id %q is not a UUIDv7", c.method, c.requestID)
		}
		if seen[c.requestID] {
			t.Errorf("%s: x-request-id %q reused", c.method, c.requestID)
		}
		seen[c.requestID] = true
		if c.authorization != "Bearer "+tok {
			t.Errorf("%s: authorization %q", c.method, c.authorization)
		}
	}
}

func TestNoTokenIsAnErrorBeforeAnyCall(t *testing.T) {
	isolate(t)
	g := startGridd(t, griddOptions{})
	r := gridctl(t, "", "--server", g.addr, "grid", "list")
	if r.code != exitError || !strings.Contains(r.stderr, "尚未登录 "+g.addr+"：请运行 gridctl login") {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
	if n := len(g.calls.all()); n != 0 {
		t.Errorf("%d calls made without a token", n)
	}
}

func TestTLS(t *testing.T) {
	isolate(t)
	cert, caFile := selfSigned(t)
	f := startGridd(t, griddOptions{cert: &cert})
	tok := f.login(t, "admin", f.adminPassword)

	// Trusting the certificate with --ca works, without a warning.
	r := gridctl(t, "", "--server", f.addr, "--ca", caFile, "--token", tok, "whoami")
	if r.code != exitOK || r.stderr != "" {
		t.Errorf("--ca: exit %d, stderr %q", r.code, r.stderr)
	}
	// The system roots do not know a self-signed certificate.
	r = gridctl(t, "", "--server", f.addr, "--tls", "--token", tok, "whoami")
	if r.code != exitError || !strings.Contains(r.stderr, "certificate") {
		t.Errorf("--tls with an unknown CA: exit %d, stderr %q", r.code, r.stderr)
	}
	// Skipping verification works, and says it is unsafe.
	r = gridctl(t, "", "--server", f.addr, "--insecure-skip-verify", "--token", tok, "whoami")
	if r.code != exitOK || !strings.Contains(r.stderr, "警告：--insecure-skip-verify") {
		t.Errorf("--insecure-skip-verify: exit %d, stderr %q", r.code, r.stderr)
	}
	// Plaintext to a TLS server fails.
	r = gridctl(t, "", "--server", f.addr, "--timeout", "5s", "--token", tok, "whoami")
	if r.code != exitError {
		t.Errorf("plaintext to TLS: exit %d, stderr %q", r.code, r.stderr)
	}
	// A --ca that holds no certificate is refused before dialing.
	r = gridctl(t, "", "--server", f.addr, "--ca", "/dev/null", "--token", tok, "whoami")
	if r.code != exitError || !strings.Contains(r.stderr, "没有 PEM 证书") {
		t.Errorf("--ca /dev/null: exit %d, stderr %q", r.code, r.stderr)
	}
}
