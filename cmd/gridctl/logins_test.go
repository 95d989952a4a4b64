package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSwitchingUserNeedsNoNewLogin: with the supervisor and worker01 both
// logged in, --as worker01 and the current user (the last to log in, or
// the supervisor again) take turns with no further Login call; logout
// ends one login and leaves the other.
func TestSwitchingUserNeedsNoNewLogin(t *testing.T) {
	s := startStreet(t, june3) // logs gridctl in as the supervisor
	id := shortID(s.mustSubmit(t, s.worker01, s.hazard("车间木屑粉尘堆积，电气线路未穿管保护")).GetId())
	mustGridctl(t, workerPassword+"\n", "login", "--username", "worker01", "--password-stdin")
	// worker01 logged in last, so is the current user; logging in as the
	// supervisor again makes the supervisor current.
	if out := mustGridctl(t, "", "whoami"); !strings.Contains(out, "用户名    worker01") {
		t.Errorf("whoami after worker01's login:\n%s", out)
	}
	mustGridctl(t, supervisorPassword+"\n", "login", "--username", "supervisor", "--password-stdin")

	s.calls.reset()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--as", "worker01", "whoami"}, "用户名    worker01"},
		{[]string{"whoami"}, "用户名    supervisor"},
		{[]string{"--as", "worker01", "open"}, id},
		{[]string{"open"}, id},
		{[]string{"--as", "Worker01", "whoami"}, "已登录    supervisor（当前）、worker01"},
	} {
		if out := mustGridctl(t, "", c.args...); !strings.Contains(out, c.want) {
			t.Errorf("gridctl %s lacks %q:\n%s", strings.Join(c.args, " "), c.want, out)
		}
	}
	if logins := s.calls.of("Login"); len(logins) != 0 {
		t.Errorf("switching user logged in again: %+v", logins)
	}
	// Each command carried its own user's token.
	var tokens []string
	for _, c := range s.calls.of("WhoAmI") {
		tokens = append(tokens, c.authorization)
	}
	if len(tokens) != 3 || tokens[0] == tokens[1] || tokens[0] != tokens[2] {
		t.Errorf("WhoAmI tokens %q: want worker01's, the supervisor's, worker01's", tokens)
	}

	out := mustGridctl(t, "", "login", "--list")
	if !strings.Contains(out, "*  supervisor") || !strings.Contains(out, "   worker01") {
		t.Errorf("login --list:\n%s", out)
	}

	// Logging worker01 out leaves the supervisor logged in.
	mustGridctl(t, "", "--as", "worker01", "logout")
	mustGridctl(t, "", "open")
	r := gridctl(t, "", "--as", "worker01", "open")
	if r.code != exitError || !strings.Contains(r.stderr, "没有保存 worker01 在 "+s.addr+" 的登录：请先运行 gridctl login --username worker01") {
		t.Errorf("--as a user logged out: exit %d, stderr %q", r.code, r.stderr)
	}
	// --as and --token name two callers.
	if r := gridctl(t, "", "--as", "supervisor", "--token", s.worker01, "open"); r.code != exitUsage || !strings.Contains(r.stderr, "--as 与 --token 互相矛盾") {
		t.Errorf("--as with --token: exit %d, stderr %q", r.code, r.stderr)
	}
	// Logging out the current user leaves none current.
	mustGridctl(t, "", "logout")
	if r := gridctl(t, "", "open"); r.code != exitError || !strings.Contains(r.stderr, "尚未登录") {
		t.Errorf("open after the last logout: exit %d, stderr %q", r.code, r.stderr)
	}
}

// TestLoginSendsOnlyItsOwnUsersEarlierToken: the token that vouches for a
// known device is the same user's, whoever else is logged in from here.
func TestLoginSendsOnlyItsOwnUsersEarlierToken(t *testing.T) {
	s := startStreet(t, june3)
	store, _ := newCredentialStore()
	supervisor, _, _ := store.get(s.addr)

	s.calls.reset()
	mustGridctl(t, workerPassword+"\n", "login", "--username", "worker01", "--password-stdin")
	if logins := s.calls.of("Login"); len(logins) != 1 || logins[0].authorization != "" {
		t.Errorf("worker01's first login sent %+v, want no token", logins)
	}
	worker, _, _ := store.getAs(s.addr, "worker01")

	s.calls.reset()
	mustGridctl(t, supervisorPassword+"\n", "login", "--username", "supervisor", "--password-stdin")
	mustGridctl(t, workerPassword+"\n", "--as", "worker01", "login", "--password-stdin")
	logins := s.calls.of("Login")
	if len(logins) != 2 || logins[0].authorization != "Bearer "+supervisor.Token || logins[1].authorization != "Bearer "+worker.Token {
		t.Errorf("second logins sent %+v, want the supervisor's then worker01's earlier token", logins)
	}
}

// TestCredentialsOfOneLoginPerServerAreReadAndKept: a file written before
// logins were kept per user still logs in, and a new user's login is
// added beside it, in a file only the user can read.
func TestCredentialsOfOneLoginPerServerAreReadAndKept(t *testing.T) {
	config := isolate(t)
	dir := filepath.Join(config, "gridinspect")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	old := `{"servers": {"127.0.0.1:50051": {"token": "token-s", "username": "supervisor", "device_id": "d1"},
	  "grid.example.cn:443": {"token": "token-x"}}}`
	if err := os.WriteFile(filepath.Join(dir, credentialsFileName), []byte(old), 0o600); err != nil {
		t.Fatal(err)
	}
	s, _ := newCredentialStore()
	for _, tt := range []struct{ server, as, token string }{
		{"127.0.0.1:50051", "", "token-s"},
		{"127.0.0.1:50051", "SUPERVISOR", "token-s"},
		{"grid.example.cn:443", "", "token-x"},
	} {
		if l, ok, err := s.getAs(tt.server, tt.as); err != nil || !ok || l.Token != tt.token {
			t.Errorf("getAs(%q, %q) = %+v, %v, %v; want %s", tt.server, tt.as, l, ok, err, tt.token)
		}
	}
	if err := s.put("127.0.0.1:50051", savedLogin{Token: "token-w", Username: "worker01"}); err != nil {
		t.Fatal(err)
	}
	if l, _, _ := s.get("127.0.0.1:50051"); l.Token != "token-w" {
		t.Errorf("current after worker01's login = %+v", l)
	}
	if l, ok, _ := s.getAs("127.0.0.1:50051", "supervisor"); !ok || l.Token != "token-s" || l.DeviceID != "d1" {
		t.Errorf("the supervisor's migrated login = %+v, %v", l, ok)
	}
	if l, _, _ := s.get("grid.example.cn:443"); l.Token != "token-x" {
		t.Errorf("the other server's login = %+v", l)
	}
	st, err := os.Stat(s.path())
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("credentials.json: %v, %v; want mode 0600", st, err)
	}
	raw, _ := os.ReadFile(s.path())
	var f struct {
		Servers map[string]struct {
			Current string
			Logins  map[string]json.RawMessage
		}
	}
	if err := json.Unmarshal(raw, &f); err != nil || len(f.Servers["127.0.0.1:50051"].Logins) != 2 || f.Servers["127.0.0.1:50051"].Current != "worker01" {
		t.Errorf("file after the migration:\n%s (%v)", raw, err)
	}
}
