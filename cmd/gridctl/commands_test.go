package main

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/google/uuid"

	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

func TestResolveGrid(t *testing.T) {
	grids := []*pb.Grid{
		{Id: fakeGridHong, Name: "红星村"},
		{Id: fakeGridJin, Name: "金石社区"},
		{Id: "01900000-0000-7000-8000-000000000103", Name: "Riverside"},
	}
	tests := []struct{ in, want, err string }{
		{"红星村", fakeGridHong, ""},
		{" 金石社区 ", fakeGridJin, ""},
		{"riverside", "01900000-0000-7000-8000-000000000103", ""},
		{fakeGridJin, fakeGridJin, ""},
		{strings.ToUpper(fakeGridJin), fakeGridJin, ""},
		{"01900000-0000-7000-8000-0000000000ff", "01900000-0000-7000-8000-0000000000ff", ""}, // for the server to judge
		{"红星", "", `no grid named "红星"`},
		{"", "", "empty grid name"},
	}
	for _, tt := range tests {
		got, err := resolveGrid(grids, tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("resolveGrid(%q) = %q, %v; want error %q", tt.in, got, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("resolveGrid(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestFindUser(t *testing.T) {
	users := []*pb.User{{Id: "u1", Username: "admin"}, {Id: "u2", Username: "worker01"}}
	if id, err := findUser(users, "worker01"); err != nil || id != "u2" {
		t.Errorf("findUser(worker01) = %q, %v", id, err)
	}
	if id, err := findUser(users, "Worker01"); err != nil || id != "u2" {
		t.Errorf("findUser(Worker01) = %q, %v", id, err)
	}
	if _, err := findUser(users, "worker02"); err == nil || !strings.Contains(err.Error(), `no user named "worker02"`) {
		t.Errorf("findUser(worker02) error = %v", err)
	}
}

func TestGridNames(t *testing.T) {
	grids := []*pb.Grid{{Id: "a", Name: "红星村"}, {Id: "b", Name: "金石社区"}}
	if got := gridNames([]string{"b", "a", "c"}, grids); got != "金石社区,红星村,c" {
		t.Errorf("gridNames = %q", got)
	}
}

func TestGridListReadsEveryPage(t *testing.T) {
	isolate(t)
	f := startFake(t, nil)
	tok := f.issueToken(fakeAdminID, "d")
	out := mustGridctl(t, "", "--server", f.addr, "--token", tok, "grid", "list")
	want := "" +
		"NAME       KIND       ID\n" +
		"红星村     village    01900000-0000-7000-8000-00000000000a\n" +
		"金石社区   community  01900000-0000-7000-8000-00000000000b\n" +
		"Riverside  village    01900000-0000-7000-8000-000000000102\n" +
		"东湖村     village    01900000-0000-7000-8000-000000000103\n" +
		"西岭社区   community  01900000-0000-7000-8000-000000000104\n"
	if out != want {
		t.Errorf("grid list:\n%s\nwant:\n%s", out, want)
	}
	if n := len(f.callsOf("ListGrids")); n != 3 {
		t.Errorf("%d ListGrids calls for 5 grids in pages of 2, want 3", n)
	}

	out = mustGridctl(t, "", "--server", f.addr, "--token", tok, "--json", "grid", "list")
	var grids []map[string]any
	if err := json.Unmarshal([]byte(out), &grids); err != nil || len(grids) != 5 {
		t.Fatalf("--json grid list: %v, %d grids\n%s", err, len(grids), out)
	}
	if grids[1]["name"] != "金石社区" || grids[1]["id"] != fakeGridJin {
		t.Errorf("second grid = %v", grids[1])
	}
}

// TestTheAdminsDay drives gridctl through a whole session against the fake
// server: login, whoami, user add, list, revoke-tokens, disable, logout.
func TestTheAdminsDay(t *testing.T) {
	config := isolate(t)
	f := startFake(t, nil)
	t.Setenv(EnvServer, f.addr)

	// A wrong password is refused, and nothing is saved.
	r := gridctl(t, "wrong\n", "login", "--username", "admin", "--password-stdin")
	if r.code != exitError || r.stderr != "gridctl: unauthenticated: wrong username or password\n" {
		t.Fatalf("bad login: exit %d, stderr %q", r.code, r.stderr)
	}
	if _, err := os.Stat(config + "/gridinspect/credentials.json"); !os.IsNotExist(err) {
		t.Errorf("a failed login wrote credentials: %v", err)
	}

	// Login, with the username asked on stdin too (not a terminal).
	out := mustGridctl(t, "admin\n"+fakeAdminPass+"\n", "login")
	if !strings.Contains(out, "logged in to "+f.addr+" as admin (管理员, admin)") {
		t.Errorf("login said %q", out)
	}
	logins := f.callsOf("Login")
	if logins[len(logins)-1].authorization != "" {
		t.Error("Login was sent a token")
	}
	s, _ := newCredentialStore()
	saved, ok, err := s.get(f.addr)
	if err != nil || !ok || !strings.HasPrefix(saved.Token, "tok-") || saved.Username != "admin" || saved.ExpiresAt.Year() != 2030 {
		t.Fatalf("saved login = %+v, %v, %v", saved, ok, err)
	}
	device, _ := s.deviceID()
	if saved.DeviceID != device {
		t.Errorf("login sent device %q, want the machine's %q", saved.DeviceID, device)
	}

	// Logging in again names the same device, and replaces the token.
	mustGridctl(t, fakeAdminPass+"\n", "login", "--username", "admin", "--password-stdin")
	again, _, _ := s.get(f.addr)
	if again.DeviceID != device || again.Token == saved.Token {
		t.Errorf("second login: device %q (want %q), token %q (was %q)", again.DeviceID, device, again.Token, saved.Token)
	}

	out = mustGridctl(t, "", "whoami")
	for _, want := range []string{"username   admin", "name       管理员", "role       admin", "grids      all", "device id  " + device, "server     " + f.addr} {
		if !strings.Contains(out, want) {
			t.Errorf("whoami lacks %q:\n%s", want, out)
		}
	}

	// Add a worker to two grids, one by name, one by id.
	out = mustGridctl(t, "secret-123\n", "user", "add", "--username", "worker11", "--name", "张三", "--role", "worker",
		"--grid", "红星村", "--grid", fakeGridJin, "--password-stdin")
	if !strings.Contains(out, "worker11  张三  worker  红星村,金石社区  active") {
		t.Errorf("user add said:\n%s", out)
	}
	// Without --password-stdin and no terminal, the first line is the password.
	mustGridctl(t, "secret-456\n", "user", "add", "--username", "super2", "--name", "李四", "--role", "supervisor", "--all-grids")
	// --json prints the new account.
	out = mustGridctl(t, "secret-789\n", "--json", "user", "add", "--username", "worker12", "--name", "王五", "--role", "worker", "--grid", "东湖村", "--password-stdin")
	var added map[string]any
	if err := json.Unmarshal([]byte(out), &added); err != nil || added["username"] != "worker12" || added["role"] != "ROLE_WORKER" {
		t.Errorf("--json user add = %v, %v\n%s", added, err, out)
	}

	// Bad input: the field violations, one per line, exit 1.
	r = gridctl(t, "short\n", "user", "add", "--username", "Bad Name", "--role", "worker", "--password-stdin")
	if r.code != exitError {
		t.Errorf("bad user add: exit %d", r.code)
	}
	for _, want := range []string{"gridctl: invalid argument: user is invalid\n", "\n  user.username: lower-case", "\n  password: at least 8 characters\n"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("bad user add stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	// An unknown grid name is caught before anything is sent.
	r = gridctl(t, "secret-123\n", "user", "add", "--username", "w13", "--role", "worker", "--grid", "不存在村", "--password-stdin")
	if r.code != exitError || !strings.Contains(r.stderr, `no grid named "不存在村"`) {
		t.Errorf("unknown grid: exit %d, stderr %q", r.code, r.stderr)
	}

	out = mustGridctl(t, "", "user", "list")
	wantList := "" +
		"USERNAME  NAME    ROLE        GRIDS            STATE   ID\n" +
		"admin     管理员  admin       all              active  01900000-0000-7000-8000-0000000000a1\n" +
		"worker11  张三    worker      红星村,金石社区  active  01900000-0000-7000-8000-000000000002\n" +
		"super2    李四    supervisor  all              active  01900000-0000-7000-8000-000000000003\n" +
		"worker12  王五    worker      东湖村           active  01900000-0000-7000-8000-000000000004\n"
	if out != wantList {
		t.Errorf("user list:\n%s\nwant:\n%s", out, wantList)
	}
	out = mustGridctl(t, "", "user", "list", "--grid", "金石社区")
	if !strings.Contains(out, "worker11") || strings.Contains(out, "worker12") || strings.Contains(out, "admin ") {
		t.Errorf("user list --grid 金石社区:\n%s", out)
	}
	out = mustGridctl(t, "", "--json", "user", "list")
	var users []map[string]any
	if err := json.Unmarshal([]byte(out), &users); err != nil || len(users) != 4 {
		t.Errorf("--json user list: %v, %d users", err, len(users))
	}

	// worker11 logs in on its phone; the admin logs it out everywhere.
	workerTok := f.issueToken("01900000-0000-7000-8000-000000000002", uuid.NewString())
	mustGridctl(t, "", "--token", workerTok, "whoami")
	out = mustGridctl(t, "", "user", "revoke-tokens", "worker11")
	if out != "revoked 1 token(s) of worker11\n" {
		t.Errorf("revoke-tokens said %q", out)
	}
	r = gridctl(t, "", "--token", workerTok, "whoami")
	if r.code != exitError || !strings.Contains(r.stderr, "unauthenticated") || !strings.Contains(r.stderr, "--token was refused") {
		t.Errorf("revoked token: exit %d, stderr %q", r.code, r.stderr)
	}

	out = mustGridctl(t, "", "user", "disable", "worker11")
	if out != "disabled worker11 (张三); its tokens no longer work\n" {
		t.Errorf("disable said %q", out)
	}
	out = mustGridctl(t, "", "user", "list")
	if !strings.Contains(out, "worker11  张三    worker      红星村,金石社区  disabled") {
		t.Errorf("user list after disable:\n%s", out)
	}
	r = gridctl(t, "", "user", "disable", "nobody")
	if r.code != exitError || !strings.Contains(r.stderr, `no user named "nobody"`) {
		t.Errorf("disable nobody: exit %d, stderr %q", r.code, r.stderr)
	}
	// A user may be named by id.
	out = mustGridctl(t, "", "user", "disable", "01900000-0000-7000-8000-000000000004")
	if !strings.Contains(out, "disabled worker12 (王五)") {
		t.Errorf("disable by id said %q", out)
	}

	// Logout revokes the token and forgets it; the next call needs a login.
	tok := func() string { l, _, _ := s.get(f.addr); return l.Token }()
	out = mustGridctl(t, "", "logout")
	if out != "logged out of "+f.addr+"; deleted the saved token\n" {
		t.Errorf("logout said %q", out)
	}
	if _, ok, _ := s.get(f.addr); ok {
		t.Error("the token is still saved after logout")
	}
	if r := gridctl(t, "", "--token", tok, "whoami"); r.code != exitError {
		t.Error("the token still works after logout")
	}
	r = gridctl(t, "", "whoami")
	if r.code != exitError || !strings.Contains(r.stderr, "run gridctl login") {
		t.Errorf("whoami after logout: exit %d, stderr %q", r.code, r.stderr)
	}
}

func TestLogoutOfARevokedTokenStillForgetsIt(t *testing.T) {
	isolate(t)
	f := startFake(t, nil)
	s, _ := newCredentialStore()
	if err := s.put(f.addr, savedLogin{Token: "revoked-long-ago"}); err != nil {
		t.Fatal(err)
	}
	out := mustGridctl(t, "", "--server", f.addr, "logout")
	if !strings.Contains(out, "no longer valid") || !strings.Contains(out, "deleted the saved token") {
		t.Errorf("logout said %q", out)
	}
	if _, ok, _ := s.get(f.addr); ok {
		t.Error("the stale token is still saved")
	}
}

func TestLogoutWithAnotherTokenKeepsTheSavedOne(t *testing.T) {
	isolate(t)
	f := startFake(t, nil)
	saved := f.issueToken(fakeAdminID, "d")
	other := f.issueToken(fakeAdminID, "d")
	s, _ := newCredentialStore()
	if err := s.put(f.addr, savedLogin{Token: saved}); err != nil {
		t.Fatal(err)
	}
	mustGridctl(t, "", "--server", f.addr, "--token", other, "logout")
	if l, ok, _ := s.get(f.addr); !ok || l.Token != saved {
		t.Errorf("saved login after logging out another token: %+v, %v", l, ok)
	}
}

func TestUnauthenticatedSuggestsLogin(t *testing.T) {
	isolate(t)
	f := startFake(t, nil)
	s, _ := newCredentialStore()
	if err := s.put(f.addr, savedLogin{Token: "expired"}); err != nil {
		t.Fatal(err)
	}
	r := gridctl(t, "", "--server", f.addr, "grid", "list")
	if r.code != exitError || r.stderr != "gridctl: unauthenticated: not logged in\nrun gridctl login\n" {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
}
