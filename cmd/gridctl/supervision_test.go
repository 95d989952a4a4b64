package main

import (
	"context"
	"strings"
	"testing"
	"time"

	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

// TestACaseIsReassignedUrgedSupervisedAndListed walks one case with
// gridctl through re-dispatch (case reassign), urging (case urge) and the
// server's own escalation at its deadline (督办), listed by
// open --supervised and counted by summary; a worker may do neither.
func TestACaseIsReassignedUrgedSupervisedAndListed(t *testing.T) {
	s := startStreet(t, june3)
	s.mustCreateUser(t, "worker03", pb.Role_ROLE_WORKER, workerPassword, gridHong)
	// The server's supervision loop, as gridd runs it.
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.db.RunSupervision(ctx, 2*time.Millisecond)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})

	full := s.mustSubmit(t, s.worker01, s.hazard("配电箱无防护门")).GetId()
	id := shortID(full)
	mustGridctl(t, "", "case", "assign", id, "--to", "worker01", "--unit", "红星仓储公司", "--deadline", "2024-06-05")

	r := gridctl(t, "", "case", "reassign", id, "--to", "worker03")
	if r.code != exitUsage || !strings.Contains(r.stderr, "--reason") {
		t.Errorf("reassign without a reason: exit %d, stderr %q", r.code, r.stderr)
	}
	out := mustGridctl(t, "", "case", "reassign", id, "--to", "worker03", "--reason", "原网格员休假")
	wantLine(t, "reassign", out, id+"：已派遣，版本 3; worker01、红星仓储公司 → worker03、红星仓储公司; 理由 原网格员休假")
	out = mustGridctl(t, "", "case", "reassign", id, "--unit", "街道城建办", "--reason", "属城建办职责")
	wantLine(t, "reassign --unit", out, id+"：已派遣，版本 4; worker03、红星仓储公司 → worker03、街道城建办; 理由 属城建办职责")
	r = gridctl(t, "", "--token", s.worker01, "case", "urge", id, "--note", "快")
	if r.code != exitError || !strings.Contains(r.stderr, "无权操作") {
		t.Errorf("a worker urged: exit %d, stderr %q", r.code, r.stderr)
	}
	out = mustGridctl(t, "", "case", "urge", id, "--note", "请于6月5日前整改到位")
	wantLine(t, "urge", out, id+"：已派遣，版本 5; 催办 worker03、街道城建办 (第1次)")

	wantLine(t, "open --supervised before the deadline", mustGridctl(t, "", "open", "--supervised"), "没有督办案件")

	// The deadline passes; nobody runs anything; the server escalates.
	s.clock.Advance(3 * 24 * time.Hour)
	for wait := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(wait) {
			t.Fatal("not escalated 10 s after the deadline")
		}
		if got := s.getReport(t, s.worker01, full); got.GetSupervisedAt() != nil {
			break
		}
	}
	out = mustGridctl(t, "", "open", "--supervised")
	t.Logf("gridctl open --supervised:\n%s", out)
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("open --supervised printed %d lines, want a header, one case and a count:\n%s", len(lines), out)
	}
	if f := strings.Join(strings.Fields(lines[0]), " "); f != "编号 类别 状态 网格 期限 逾期 督办时间 派遣对象 描述" {
		t.Errorf("header = %q", f)
	}
	if f := strings.Join(strings.Fields(lines[1]), " "); f != id+" 安全隐患 已派遣 红星村 2024-06-05 1天 2024-06-06 09:00 worker03 配电箱无防护门" {
		t.Errorf("row = %q", f)
	}
	if lines[2] != "督办 1 件，其中仍逾期 1 件" {
		t.Errorf("count = %q", lines[2])
	}
	show := mustGridctl(t, "", "show", id)
	for _, want := range []string{"督办      逾期后由系统督办于 2024-06-06 09:00", "催办      1 次", "转派      2 次",
		"系统", "逾期督办：期限 2024-06-05 已过", "哈希链完整（6 个事件）"} {
		if !strings.Contains(show, want) {
			t.Errorf("show lacks %q:\n%s", want, show)
		}
	}

	// Closed, it leaves the open list and stays counted.
	asWorker(t, s.worker01, "case", "rectify", id)
	mustGridctl(t, "", "case", "verify", id, "--pass")
	wantLine(t, "open --supervised after closure", mustGridctl(t, "", "open", "--supervised"), "没有督办案件")
	sum := mustGridctl(t, "", "summary", "--from", "2024-06-01", "--to", "2024-06-30")
	for _, want := range []string{"转派", "催办", "逾期督办"} {
		if !strings.Contains(sum, want) {
			t.Errorf("summary lacks %q:\n%s", want, sum)
		}
	}
	for _, row := range [][2]string{{"转派", "2"}, {"催办", "1"}, {"逾期督办", "1"}} {
		if !hasRow(sum, row[0], row[1]) {
			t.Errorf("summary: want %s %s:\n%s", row[0], row[1], sum)
		}
	}
}

// hasRow reports whether out has a line whose fields are exactly label and value.
func hasRow(out, label, value string) bool {
	for _, line := range strings.Split(out, "\n") {
		if strings.Join(strings.Fields(line), " ") == label+" "+value {
			return true
		}
	}
	return false
}
