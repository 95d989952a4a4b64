package main

import (
	"strings"
	"testing"
	"time"

	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

// TestRoutingRulesFromTheCommandLine: the admin keeps the routing table
// with gridctl rules, in Chinese; a supervisor may not; a fire hazard in
// 红星村 is then dispatched by 系统 on its own, and a case of a rule that
// only suggests is dispatched with case assign --suggested.
func TestRoutingRulesFromTheCommandLine(t *testing.T) {
	s := startStreet(t, june3)
	chen := s.mustCreatePerson(t, "worker03", "陈静", gridHong)
	adminToken := s.login(t, "admin", s.adminPassword)
	admin := func(args ...string) string {
		t.Helper()
		return mustGridctl(t, "", append([]string{"--token", adminToken}, args...)...)
	}

	// A supervisor may not keep the table.
	r := gridctl(t, "", "rules", "set", "--name", "红星村消防", "--category", "安全隐患", "--unit", "街道安监办")
	if r.code != exitError || !strings.Contains(r.stderr, "管理员") {
		t.Fatalf("supervisor's rules set: exit %d, stderr %q", r.code, r.stderr)
	}

	out := admin("rules", "set", "--name", "红星村消防", "--category", "安全隐患", "--kind", "消防", "--grid", "红星村",
		"--to", "陈静", "--days", "3", "--auto")
	if !strings.Contains(out, "已保存分拨规则「红星村消防」（优先级 1，自动派遣") {
		t.Fatalf("rules set said %q", out)
	}
	admin("rules", "set", "--name", "安全隐患", "--category", "安全隐患", "--unit", "街道安监办")
	// The same key again is refused, naming the rule that has it.
	r = gridctl(t, "", "--token", adminToken, "rules", "set", "--name", "重复", "--category", "安全隐患", "--unit", "应急办")
	if r.code != exitError || !strings.Contains(r.stderr, "「安全隐患」") {
		t.Fatalf("same key: exit %d, stderr %q", r.code, r.stderr)
	}
	// A kind of no such category is caught before anything is sent.
	r = gridctl(t, "", "--token", adminToken, "rules", "set", "--name", "x", "--category", "水源地隐患", "--kind", "消防", "--unit", "y")
	if r.code != exitUsage || !strings.Contains(r.stderr, "排污") {
		t.Fatalf("bad kind: exit %d, stderr %q", r.code, r.stderr)
	}

	// A kind's word may be typed without its remark: D级 for D级(整栋危房).
	out = admin("rules", "set", "--name", "D级危房", "--category", "危房", "--kind", "D级", "--unit", "街道规划建设办")
	if !strings.Contains(out, "优先级 2") {
		t.Fatalf("rules set --kind D级 said %q", out)
	}
	admin("rules", "delete", "D级危房")

	out = admin("rules", "list")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.Contains(lines[1], "红星村消防") || !strings.Contains(lines[1], "消防") ||
		!strings.Contains(lines[1], "陈静") || !strings.Contains(lines[1], "3 天") || !strings.Contains(lines[1], "自动派遣") ||
		!strings.Contains(lines[2], "街道安监办") || !strings.Contains(lines[2], "任意") || !strings.Contains(lines[2], "一键派遣参考") {
		t.Fatalf("rules list:\n%s", out)
	}

	// A fire hazard in 红星村 is the system's to dispatch.
	fire := s.mustSubmit(t, s.worker01, s.hazard("仓库安全出口被货物堵塞"))
	if fire.GetStatus() != pb.ReportStatus_REPORT_STATUS_ASSIGNED || fire.GetAssigneeId() != chen {
		t.Fatalf("fire hazard: %v to %s, want assigned to 陈静", fire.GetStatus(), fire.GetAssigneeId())
	}
	out = mustGridctl(t, "", "show", shortID(fire.GetId()))
	if !strings.Contains(out, "系统") || !strings.Contains(out, "红星村消防") {
		t.Fatalf("show does not name 系统 and the rule:\n%s", out)
	}

	// A gas hazard only has the suggestion: the supervisor takes it.
	gas := s.hazard("燃气管道老化")
	gas.GetSafetyHazard().HazardKind = pb.HazardKind_HAZARD_KIND_GAS
	rep := s.mustSubmit(t, s.worker01, gas)
	if rep.GetStatus() != pb.ReportStatus_REPORT_STATUS_REPORTED {
		t.Fatalf("gas hazard: %v, want REPORTED", rep.GetStatus())
	}
	s.clock.Advance(time.Hour)
	out = mustGridctl(t, "", "case", "assign", shortID(rep.GetId()), "--suggested")
	if !strings.Contains(out, "已上报 → 已派遣") || !strings.Contains(out, "街道安监办") {
		t.Fatalf("assign --suggested said %q", out)
	}

	// With no rule for it, --suggested says so.
	admin("rules", "delete", "安全隐患")
	rep = s.mustSubmit(t, s.worker01, gas2(s))
	r = gridctl(t, "", "case", "assign", shortID(rep.GetId()), "--suggested")
	if r.code != exitError || !strings.Contains(r.stderr, "没有适用于该案件的分拨规则") {
		t.Fatalf("assign --suggested without a rule: exit %d, stderr %q", r.code, r.stderr)
	}
}

func gas2(s *street) *pb.Report {
	r := s.hazard("液化气瓶露天存放")
	r.GetSafetyHazard().HazardKind = pb.HazardKind_HAZARD_KIND_GAS
	return r
}
