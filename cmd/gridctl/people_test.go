package main

import (
	"strings"
	"testing"
	"time"

	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

// mustCreatePerson makes a worker of grid with a display name, as the
// admin, and returns its id.
func (g *testGridd) mustCreatePerson(t *testing.T, username, display, grid string) string {
	t.Helper()
	u := &pb.User{Username: username, DisplayName: display, Role: pb.Role_ROLE_WORKER, GridIds: []string{grid}}
	resp, err := pb.NewDirectoryServiceClient(g.client(t)).CreateUser(as(g.login(t, "admin", g.adminPassword)),
		&pb.CreateUserRequest{User: u, Password: workerPassword})
	if err != nil {
		t.Fatalf("create user %s: %v", username, err)
	}
	return resp.GetUser().GetId()
}

// The supervisor and the worker alike see the people on a case by name —
// the reporter, the assignee, who did what on the timeline — though only
// the supervisor may list users; and the supervisor names the assignee
// as printed: by username, display name, or the name before its remark.
func TestWorkerAndSupervisorSeePeopleByName(t *testing.T) {
	s := startStreet(t, june3)
	const chen = "陈静（红星村网格员）"
	chenID := s.mustCreatePerson(t, "worker03", chen, gridHong)
	worker03 := s.login(t, "worker03", workerPassword)
	rep := s.mustSubmit(t, worker03, s.hazard("仓库安全出口被货物堵塞"))
	id := shortID(rep.GetId())
	s.clock.Advance(time.Hour)

	out := mustGridctl(t, "", "case", "assign", id, "--to", "陈静", "--deadline", "2024-06-10")
	wantLine(t, "assign --to 陈静", out, id+"：已上报 → 已派遣，版本 2; 派给 "+chen+"; 期限 2024-06-10")

	views := map[string]func(args ...string) string{
		"supervisor": func(args ...string) string { return mustGridctl(t, "", args...) },
		"worker":     func(args ...string) string { return asWorker(t, worker03, args...) },
	}
	for who, run := range views {
		t.Run(who, func(t *testing.T) {
			open := run("open")
			if row := lineWith(open, id); !strings.Contains(row, chen) {
				t.Errorf("open's row of the case does not name the assignee %s:\n%s", chen, open)
			}
			show := run("show", id)
			for _, want := range []string{
				"上报人 " + chen + "\n",
				"派遣对象  " + chen + "\n",
				"  " + chen + "  上报  ",
				"派给 " + chen + ";",
			} {
				if !strings.Contains(show, want) {
					t.Errorf("show lacks %q:\n%s", want, show)
				}
			}
			if row := lineWith(show, "派给"); !strings.Contains(row, "  supervisor  ") {
				t.Errorf("the timeline's assignment does not name the supervisor: %q", row)
			}
			for _, out := range []string{open, show} {
				if strings.Contains(out, shortID(chenID)) {
					t.Errorf("a person is shown by the tail of its id %s:\n%s", shortID(chenID), out)
				}
			}
		})
	}

	// Another 陈静: the name alone no longer tells them apart, the full
	// display name still does.
	s.mustCreatePerson(t, "worker04", "陈静（金石社区网格员）", gridJin)
	other := shortID(s.mustSubmit(t, s.worker01, s.hazard("配电箱无防护")).GetId())
	r := gridctl(t, "", "case", "assign", other, "--to", "陈静")
	if r.code != exitError || !strings.Contains(r.stderr, "有 2 位用户都叫 陈静：worker03、worker04") {
		t.Errorf("assign --to an ambiguous name: exit %d, stderr %q", r.code, r.stderr)
	}
	out = mustGridctl(t, "", "case", "assign", other, "--to", chen)
	if want := other + "：已上报 → 已派遣，版本 2; 派给 " + chen + ";"; !strings.HasPrefix(out, want) {
		t.Errorf("assign --to the full name said %q, want %q…", out, want)
	}
}

// A worker who tries a supervisor's assignment is told that only a
// supervisor dispatches, not that it may not list users, whoever --to
// names.
func TestAWorkerIsToldOnlyASupervisorAssigns(t *testing.T) {
	s := startStreet(t, june3)
	rep := s.mustSubmit(t, s.worker01, s.hazard("仓库安全出口被货物堵塞"))
	id := shortID(rep.GetId())
	for _, to := range []string{"worker01", "worker02", "陈静"} {
		r := gridctl(t, "", "--token", s.worker01, "case", "assign", id, "--to", to, "--unit", "红星仓储公司")
		if r.code != exitError || !strings.Contains(r.stderr, "只有主管可以派遣") || strings.Contains(r.stderr, "名单") {
			t.Errorf("a worker's assign --to %s: exit %d, stderr %q; want the refusal of the assignment", to, r.code, r.stderr)
		}
	}
	if got := s.getReport(t, s.worker01, rep.GetId()); got.GetStatus() != pb.ReportStatus_REPORT_STATUS_REPORTED {
		t.Errorf("after the refusals the case is %v, want still reported", got.GetStatus())
	}
}

// lineWith returns the first line of out that contains s, or "".
func lineWith(out, s string) string {
	for line := range strings.Lines(out) {
		if strings.Contains(line, s) {
			return strings.TrimSuffix(line, "\n")
		}
	}
	return ""
}

func TestFindUserByUsernameOrName(t *testing.T) {
	users := []*pb.User{
		{Id: "1", Username: "worker01", DisplayName: "陈静（红星村网格员）"},
		{Id: "2", Username: "worker02", DisplayName: "刘洋"},
		{Id: "3", Username: "worker03", DisplayName: "刘洋"},
		{Id: "4", Username: "worker04", DisplayName: "杨帆", Disabled: true},
		{Id: "5", Username: "worker05", DisplayName: "杨帆"},
		{Id: "6", Username: "chen", DisplayName: "陈静"},
	}
	for _, c := range []struct {
		name, s, want, err string
	}{
		{"username", "worker02", "2", ""},
		{"username in capitals", "WORKER02", "2", ""},
		{"display name", "陈静（红星村网格员）", "1", ""},
		{"a full display name before a name with a remark", "陈静", "6", ""},
		{"the name before the remark", "陈静", "1", ""},
		{"shared name", "刘洋", "", "有 2 位用户都叫 刘洋：worker02、worker03"},
		{"shared with a disabled account", "杨帆", "5", ""},
		{"nobody", "张三", "", `没有名为 "张三" 的用户`},
	} {
		t.Run(c.name, func(t *testing.T) {
			list := users
			if c.name == "the name before the remark" {
				list = users[:5] // without the exact 陈静
			}
			got, err := findUser(list, c.s)
			if got != c.want || (err == nil) != (c.err == "") || (err != nil && !strings.Contains(err.Error(), c.err)) {
				t.Errorf("findUser(%q) = %q, %v; want %q, %q", c.s, got, err, c.want, c.err)
			}
		})
	}
}
