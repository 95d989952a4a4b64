package main

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

func TestResolveGrid(t *testing.T) {
	grids := []*pb.Grid{
		{Id: gridHong, Name: "红星村"},
		{Id: gridJin, Name: "金石社区"},
		{Id: "01900000-0000-7000-8000-000000000103", Name: "Riverside"},
	}
	tests := []struct{ in, want, err string }{
		{"红星村", gridHong, ""},
		{" 金石社区 ", gridJin, ""},
		{"riverside", "01900000-0000-7000-8000-000000000103", ""},
		{gridJin, gridJin, ""},
		{strings.ToUpper(gridJin), gridJin, ""},
		{"01900000-0000-7000-8000-0000000000ff", "01900000-0000-7000-8000-0000000000ff", ""}, // for the server to judge
		{"红星", "", `没有名为 "红星" 的网格`},
		{"", "", "网格名称为空"},
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
	if _, err := findUser(users, "worker02"); err == nil || !strings.Contains(err.Error(), `没有名为 "worker02" 的用户`) {
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
	smallPages(t, 2)
	g := startGridd(t, griddOptions{})
	tok := g.login(t, "admin", g.adminPassword)
	g.calls.reset()
	out := mustGridctl(t, "", "--server", g.addr, "--token", tok, "grid", "list")
	want := "" +
		"名称       类型    编号\n" +
		"Riverside  行政村  01900000-0000-7000-8000-000000000102\n" +
		"东湖村     行政村  01900000-0000-7000-8000-000000000103\n" +
		"红星村     行政村  01900000-0000-7000-8000-00000000000a\n" +
		"金石社区   社区    01900000-0000-7000-8000-00000000000b\n" +
		"西岭社区   社区    01900000-0000-7000-8000-000000000104\n"
	if out != want {
		t.Errorf("grid list:\n%s\nwant:\n%s", out, want)
	}
	if n := len(g.calls.of("ListGrids")); n != 3 {
		t.Errorf("%d ListGrids calls for 5 grids in pages of 2, want 3", n)
	}

	out = mustGridctl(t, "", "--server", g.addr, "--token", tok, "--json", "grid", "list")
	var grids []map[string]any
	if err := json.Unmarshal([]byte(out), &grids); err != nil || len(grids) != 5 {
		t.Fatalf("--json grid list: %v, %d grids\n%s", err, len(grids), out)
	}
	// No order set: by pinyin (金 jīn before 西 xī).
	if grids[4]["name"] != "西岭社区" || grids[4]["id"] != "01900000-0000-7000-8000-000000000104" {
		t.Errorf("last grid = %v", grids[4])
	}
}

// TestTheAdminsDay drives gridctl through an admin's session with the real
// server: login, whoami, grid list, user add, list, what a worker may not
// do, revoke-tokens, disable, logout.
func TestTheAdminsDay(t *testing.T) {
	config := isolate(t)
	smallPages(t, 2) // the lists of users and grids take several pages
	g := startGridd(t, griddOptions{})
	t.Setenv(EnvServer, g.addr)

	// A wrong password is refused, and nothing is saved.
	r := gridctl(t, "wrong-password\n", "login", "--username", "admin", "--password-stdin")
	if r.code != exitError || r.stderr != "gridctl: 未登录或登录已失效：用户名或密码错误\n" {
		t.Fatalf("bad login: exit %d, stderr %q", r.code, r.stderr)
	}
	if _, err := os.Stat(config + "/gridinspect/credentials.json"); !os.IsNotExist(err) {
		t.Errorf("a failed login wrote credentials: %v", err)
	}

	// Login, with the username asked on stdin too (not a terminal).
	g.calls.reset()
	out := mustGridctl(t, "admin\n"+g.adminPassword+"\n", "login")
	if !strings.Contains(out, "已以 admin 登录 "+g.addr+"（管理员，管理员）") || !strings.Contains(out, "令牌有效期至") {
		t.Errorf("login said %q", out)
	}
	logins := g.calls.of("Login")
	if len(logins) != 1 || logins[0].authorization != "" {
		t.Errorf("Login calls %+v, want one without a token", logins)
	}
	s, _ := newCredentialStore()
	saved, ok, err := s.get(g.addr)
	if err != nil || !ok || saved.Token == "" || saved.Username != "admin" || !saved.ExpiresAt.After(time.Now()) {
		t.Fatalf("saved login = %+v, %v, %v", saved, ok, err)
	}
	device, _ := s.deviceID()
	if saved.DeviceID != device {
		t.Errorf("login sent device %q, want the machine's %q", saved.DeviceID, device)
	}

	// Logging in again names the same device, proves it logged in before
	// with the saved token (the login limits spare a known device), and
	// replaces the token.
	g.calls.reset()
	mustGridctl(t, g.adminPassword+"\n", "login", "--username", "ADMIN", "--password-stdin")
	again, _, _ := s.get(g.addr)
	if again.DeviceID != device || again.Token == saved.Token {
		t.Errorf("second login: device %q (want %q), token %q (was %q)", again.DeviceID, device, again.Token, saved.Token)
	}
	if logins := g.calls.of("Login"); len(logins) != 1 || logins[0].authorization != "Bearer "+saved.Token {
		t.Errorf("second Login calls %+v, want one with the saved token", logins)
	}

	out = mustGridctl(t, "", "whoami")
	for _, want := range []string{"用户名    admin", "姓名      管理员", "角色      管理员", "网格      全部", "设备编号  " + device, "服务器    " + g.addr} {
		if !strings.Contains(out, want) {
			t.Errorf("whoami lacks %q:\n%s", want, out)
		}
	}

	// Add a worker to two grids, one by name, one by id.
	out = mustGridctl(t, "secret-123\n", "user", "add", "--username", "worker11", "--name", "张三", "--role", "worker",
		"--grid", "红星村", "--grid", gridJin, "--password-stdin")
	if !strings.Contains(out, "worker11  张三  网格员  红星村,金石社区  启用") {
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

	// Bad input: the server's field violations, one per line, exit 1.
	r = gridctl(t, "short\n", "user", "add", "--username", "Bad Name", "--role", "worker", "--grid", "红星村", "--password-stdin")
	if r.code != exitError {
		t.Errorf("bad user add: exit %d", r.code)
	}
	for _, want := range []string{"gridctl: 输入有误：", "\n  用户名：须为 2 到 32 个小写字母", "\n  密码：至少要 8 个字符\n"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("bad user add stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	// An unknown grid name is caught before anything is sent.
	r = gridctl(t, "secret-123\n", "user", "add", "--username", "w13", "--role", "worker", "--grid", "不存在村", "--password-stdin")
	if r.code != exitError || !strings.Contains(r.stderr, `没有名为 "不存在村" 的网格`) {
		t.Errorf("unknown grid: exit %d, stderr %q", r.code, r.stderr)
	}

	// The list, read in pages, names every grid.
	ids := userIDs(t)
	if len(ids) != 4 {
		t.Errorf("--json user list has %d users, want 4: %v", len(ids), ids)
	}
	out = mustGridctl(t, "", "user", "list")
	wantList := "" +
		"用户名    姓名    角色    网格             状态  编号\n" +
		"admin     管理员  管理员  全部             启用  " + ids["admin"] + "\n" +
		"super2    李四    主管    全部             启用  " + ids["super2"] + "\n" +
		"worker11  张三    网格员  红星村,金石社区  启用  " + ids["worker11"] + "\n" +
		"worker12  王五    网格员  东湖村           启用  " + ids["worker12"] + "\n"
	if out != wantList {
		t.Errorf("user list:\n%s\nwant:\n%s", out, wantList)
	}
	out = mustGridctl(t, "", "user", "list", "--grid", "金石社区")
	if !strings.Contains(out, "worker11") || strings.Contains(out, "worker12") || strings.Contains(out, "super2") {
		t.Errorf("user list --grid 金石社区:\n%s", out)
	}

	// worker11 logs in from its own machine: it sees its grids only, and
	// may not manage users.
	isolate(t)
	t.Setenv(EnvServer, g.addr)
	mustGridctl(t, "secret-123\n", "login", "--username", "worker11", "--password-stdin")
	out = mustGridctl(t, "", "whoami")
	if !strings.Contains(out, "角色      网格员") || !strings.Contains(out, "网格      红星村,金石社区") {
		t.Errorf("worker's whoami:\n%s", out)
	}
	r = gridctl(t, "x-password-1\n", "user", "add", "--username", "sneaky", "--role", "admin", "--all-grids", "--password-stdin")
	if r.code != exitError || !strings.Contains(r.stderr, "无权操作") {
		t.Errorf("worker adding an admin: exit %d, stderr %q", r.code, r.stderr)
	}
	out = mustGridctl(t, "", "grid", "list")
	if !strings.Contains(out, "红星村") || !strings.Contains(out, "金石社区") || strings.Contains(out, "东湖村") {
		t.Errorf("worker's grid list:\n%s", out)
	}
	// And on its phone too.
	phoneToken := g.login(t, "worker11", "secret-123")

	// Back on the admin's machine: log the worker out everywhere.
	t.Setenv("XDG_CONFIG_HOME", config)
	mustGridctl(t, "", "--token", phoneToken, "whoami")
	out = mustGridctl(t, "", "user", "revoke-tokens", "worker11")
	if out != "已吊销 2 个令牌（worker11）\n" {
		t.Errorf("revoke-tokens said %q", out)
	}
	r = gridctl(t, "", "--token", phoneToken, "whoami")
	if r.code != exitError || !strings.Contains(r.stderr, "未登录或登录已失效") || !strings.Contains(r.stderr, "来自 --token 的令牌被拒绝") {
		t.Errorf("revoked token: exit %d, stderr %q", r.code, r.stderr)
	}

	// Disable it: it cannot log in again.
	out = mustGridctl(t, "", "user", "disable", "worker11")
	if out != "已停用 worker11 (张三)，其令牌均已失效\n" {
		t.Errorf("disable said %q", out)
	}
	out = mustGridctl(t, "", "user", "list")
	if !strings.Contains(out, "worker11  张三    网格员  红星村,金石社区  已停用") {
		t.Errorf("user list after disable:\n%s", out)
	}
	r = gridctl(t, "secret-123\n", "login", "--username", "worker11", "--password-stdin")
	if r.code != exitError {
		t.Errorf("a disabled user logged in: %q", r.stdout)
	}
	// That failed login was on the admin's machine: its saved login is kept.
	mustGridctl(t, "", "whoami")
	r = gridctl(t, "", "user", "disable", "nobody")
	if r.code != exitError || !strings.Contains(r.stderr, `没有名为 "nobody" 的用户`) {
		t.Errorf("disable nobody: exit %d, stderr %q", r.code, r.stderr)
	}
	// A user may be named by id.
	out = mustGridctl(t, "", "user", "disable", ids["worker12"])
	if !strings.Contains(out, "已停用 worker12 (王五)") {
		t.Errorf("disable by id said %q", out)
	}

	// Logout revokes the token and forgets it; the next call needs a login.
	tok := func() string { l, _, _ := s.get(g.addr); return l.Token }()
	out = mustGridctl(t, "", "logout")
	if out != "已退出 "+g.addr+"；已删除保存的令牌\n" {
		t.Errorf("logout said %q", out)
	}
	if _, ok, _ := s.get(g.addr); ok {
		t.Error("the token is still saved after logout")
	}
	if r := gridctl(t, "", "--token", tok, "whoami"); r.code != exitError {
		t.Error("the token still works after logout")
	}
	r = gridctl(t, "", "whoami")
	if r.code != exitError || !strings.Contains(r.stderr, "尚未登录 "+g.addr+"：请运行 gridctl login") {
		t.Errorf("whoami after logout: exit %d, stderr %q", r.code, r.stderr)
	}
}

// userIDs returns the id of every user, by username, as gridctl --json
// user list prints them.
func userIDs(t *testing.T) map[string]string {
	t.Helper()
	var users []*struct{ Username, ID string }
	if err := json.Unmarshal([]byte(mustGridctl(t, "", "--json", "user", "list")), &users); err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{}
	for _, u := range users {
		ids[u.Username] = u.ID
	}
	return ids
}

func TestSetPasswordThenLogin(t *testing.T) {
	isolate(t)
	g := startGridd(t, griddOptions{})
	t.Setenv(EnvServer, g.addr)
	g.mustCreateUser(t, "worker01", pb.Role_ROLE_WORKER, "first-password", gridHong)
	mustGridctl(t, g.adminPassword+"\n", "login", "--username", "admin", "--password-stdin")

	// As gridd's first run asks, the admin changes its own password.
	out := mustGridctl(t, "admin-new-password\n", "user", "set-password", "admin", "--password-stdin")
	if out != "已设置 admin (管理员) 的密码\n" {
		t.Errorf("set-password said %q", out)
	}
	if r := gridctl(t, g.adminPassword+"\n", "login", "--username", "admin", "--password-stdin"); r.code != exitError {
		t.Errorf("the generated password still works: exit %d", r.code)
	}
	mustGridctl(t, "admin-new-password\n", "login", "--username", "admin", "--password-stdin")

	// And a worker's, named by id, the password read as stdin's first line.
	out = mustGridctl(t, "worker-new-pass\n", "--json", "user", "set-password", userIDs(t)["worker01"])
	var u map[string]any
	if err := json.Unmarshal([]byte(out), &u); err != nil || u["username"] != "worker01" {
		t.Errorf("--json set-password = %v, %v", u, err)
	}
	// A password the server refuses is explained.
	r := gridctl(t, "short\n", "user", "set-password", "worker01", "--password-stdin")
	if r.code != exitError || !strings.Contains(r.stderr, "\n  密码：至少要 8 个字符") {
		t.Errorf("short password: exit %d, stderr %q", r.code, r.stderr)
	}
	r = gridctl(t, "\n", "user", "set-password", "worker01", "--password-stdin")
	if r.code != exitError || !strings.Contains(r.stderr, "密码为空") {
		t.Errorf("empty password: exit %d, stderr %q", r.code, r.stderr)
	}

	isolate(t)
	t.Setenv(EnvServer, g.addr)
	if r := gridctl(t, "first-password\n", "login", "--username", "worker01", "--password-stdin"); r.code != exitError {
		t.Error("the old password still works")
	}
	mustGridctl(t, "worker-new-pass\n", "login", "--username", "worker01", "--password-stdin")
	// A worker may not set passwords.
	r = gridctl(t, "another-pass-1\n", "user", "set-password", "admin", "--password-stdin")
	if r.code != exitError {
		t.Errorf("a worker set a password: exit %d, stdout %q", r.code, r.stdout)
	}
}

func TestLogoutOfARevokedTokenStillForgetsIt(t *testing.T) {
	isolate(t)
	g := startGridd(t, griddOptions{})
	s, _ := newCredentialStore()
	if err := s.put(g.addr, savedLogin{Token: "revoked-long-ago"}); err != nil {
		t.Fatal(err)
	}
	out := mustGridctl(t, "", "--server", g.addr, "logout")
	if !strings.Contains(out, "已失效") || !strings.Contains(out, "已删除保存的令牌") {
		t.Errorf("logout said %q", out)
	}
	if _, ok, _ := s.get(g.addr); ok {
		t.Error("the stale token is still saved")
	}
}

func TestLogoutWithAnotherTokenKeepsTheSavedOne(t *testing.T) {
	isolate(t)
	g := startGridd(t, griddOptions{})
	saved := g.login(t, "admin", g.adminPassword)
	other := g.login(t, "admin", g.adminPassword)
	s, _ := newCredentialStore()
	if err := s.put(g.addr, savedLogin{Token: saved}); err != nil {
		t.Fatal(err)
	}
	mustGridctl(t, "", "--server", g.addr, "--token", other, "logout")
	if l, ok, _ := s.get(g.addr); !ok || l.Token != saved {
		t.Errorf("saved login after logging out another token: %+v, %v", l, ok)
	}
	// The saved one still works; the other does not.
	mustGridctl(t, "", "--server", g.addr, "whoami")
	if r := gridctl(t, "", "--server", g.addr, "--token", other, "whoami"); r.code != exitError {
		t.Error("the token logged out still works")
	}
}

func TestUnauthenticatedSuggestsLogin(t *testing.T) {
	isolate(t)
	g := startGridd(t, griddOptions{})
	s, _ := newCredentialStore()
	if err := s.put(g.addr, savedLogin{Token: "expired"}); err != nil {
		t.Fatal(err)
	}
	r := gridctl(t, "", "--server", g.addr, "grid", "list")
	if r.code != exitError || r.stderr != "gridctl: 未登录或登录已失效：登录已失效，请重新登录\n请运行 gridctl login 登录\n" {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
}
