package main

import (
	"database/sql"
	"encoding/json"
	"strings"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3" // to alter the database behind the server's back

	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

// Passwords of the accounts the case tests make.
const (
	supervisorPassword = "supervisor-pass"
	workerPassword     = "worker-pass-1"
)

// street is the real server with a supervisor for the whole street and
// two workers, worker01 in 红星村 and worker02 in 金石社区, the gridctl
// of the test logged in as the supervisor, and the workers' tokens for
// their phones (and for gridctl --token).
type street struct {
	*testGridd
	worker01, worker02 string // tokens
}

// startStreet starts the street with the server's clock (and gridctl's)
// at start, China time.
func startStreet(t *testing.T, start time.Time) *street {
	t.Helper()
	isolate(t)
	g := startGridd(t, griddOptions{clock: newFakeClock(start)})
	g.mustCreateUser(t, "supervisor", pb.Role_ROLE_SUPERVISOR, supervisorPassword)
	g.mustCreateUser(t, "worker01", pb.Role_ROLE_WORKER, workerPassword, gridHong)
	g.mustCreateUser(t, "worker02", pb.Role_ROLE_WORKER, workerPassword, gridJin)
	t.Setenv(EnvServer, g.addr)
	mustGridctl(t, supervisorPassword+"\n", "login", "--username", "supervisor", "--password-stdin")
	return &street{
		testGridd: g,
		worker01:  g.login(t, "worker01", workerPassword),
		worker02:  g.login(t, "worker02", workerPassword),
	}
}

// june3 is 09:00 on a Monday, China time: the tests' first day.
var june3 = time.Date(2024, 6, 3, 9, 0, 0, 0, chinaTime)

// asWorker runs gridctl with token (a worker's) instead of the saved login.
func asWorker(t *testing.T, token string, args ...string) string {
	t.Helper()
	return mustGridctl(t, "", append([]string{"--token", token}, args...)...)
}

// wantLine fails unless out is exactly want plus a newline.
func wantLine(t *testing.T, what, out, want string) {
	t.Helper()
	if out != want+"\n" {
		t.Errorf("%s said:\n%q\nwant:\n%q", what, out, want)
	}
}

// TestACaseThroughItsWholeLife walks a hazard through the closed loop
// with gridctl, the supervisor at the street office and the worker with
// --token: report → assign → notices → interview → progress → rectify →
// verify fail → rectify → extend → verify pass → follow-up relapse →
// rectify → verify pass → follow-up fine → comment; and rejects two more
// reports, one as a duplicate.
func TestACaseThroughItsWholeLife(t *testing.T) {
	s := startStreet(t, june3)
	rep := s.mustSubmit(t, s.worker01, s.hazard("仓库内灭火器过期,安全出口被货物堵塞"))
	dup := s.mustSubmit(t, s.worker01, s.hazard("同一仓库安全出口堵塞"))
	bogus := s.mustSubmit(t, s.worker01, s.hazard("误报:无此隐患"))
	id := shortID(rep.GetId())
	step := func() { s.clock.Advance(time.Hour) }

	step()
	out := mustGridctl(t, "", "case", "assign", id, "--to", "worker01", "--unit", "红星仓储公司", "--deadline", "2024-06-10", "--note", "请限期整改")
	wantLine(t, "assign", out, id+"：已上报 → 已派遣，版本 2; 派给 worker01; 责任单位 红星仓储公司; 期限 2024-06-10")
	got := s.getReport(t, s.worker01, rep.GetId())
	if want := time.Date(2024, 6, 10, 23, 59, 59, 0, chinaTime); !got.GetDeadline().AsTime().Equal(want) {
		t.Errorf("deadline = %v, want the end of 2024-06-10 in China, %v", got.GetDeadline().AsTime(), want)
	}

	step()
	out = mustGridctl(t, "", "case", "notice", id, "--kind", "order")
	wantLine(t, "notice", out, id+"：已派遣，版本 3; 整改通知书 〔2024〕1号")
	out = mustGridctl(t, "", "case", "notice", id, "--kind", "enforcement", "--department", "区应急管理局")
	wantLine(t, "second notice", out, id+"：已派遣，版本 4; 执法文书 〔2024〕1号; 部门 区应急管理局")
	out = mustGridctl(t, "", "case", "notice", id, "--kind", "order")
	wantLine(t, "third notice", out, id+"：已派遣，版本 5; 整改通知书 〔2024〕2号")
	out = mustGridctl(t, "", "case", "interview", id, "--who", "法定代表人 张某", "--where", "街道安监办", "--outcome", "承诺十日内整改到位")
	wantLine(t, "interview", out, id+"：已派遣，版本 6; 约谈 法定代表人 张某; 地点 街道安监办; 结果 承诺十日内整改到位")

	// The worker works on it, and reports the fix.
	step()
	out = asWorker(t, s.worker01, "case", "progress", id, "--note", "已清理安全出口")
	wantLine(t, "progress", out, id+"：已派遣 → 整改中，版本 7")
	out = asWorker(t, s.worker01, "case", "rectify", id, "--note", "已更换灭火器")
	wantLine(t, "rectify", out, id+"：整改中 → 待核查，版本 8; 整改到位")
	// Only a supervisor verifies.
	r := gridctl(t, "", "--token", s.worker01, "case", "verify", id, "--pass")
	if r.code != exitError || !strings.Contains(r.stderr, "无权操作") {
		t.Errorf("a worker verified: exit %d, stderr %q", r.code, r.stderr)
	}

	step()
	out = mustGridctl(t, "", "case", "verify", id, "--fail", "--reason", "灭火器未放置到位")
	wantLine(t, "verify --fail", out, id+"：待核查 → 整改中，版本 9; 未通过: 灭火器未放置到位")
	out = asWorker(t, s.worker01, "case", "rectify", id)
	wantLine(t, "second rectify", out, id+"：整改中 → 待核查，版本 10; 整改到位")
	out = mustGridctl(t, "", "case", "extend", id, "--to", "2024-06-20", "--reason", "等待消防设施验收")
	wantLine(t, "extend", out, id+"：待核查，版本 11; 期限 2024-06-10 → 2024-06-20; 理由 等待消防设施验收")
	out = mustGridctl(t, "", "case", "verify", id, "--pass")
	wantLine(t, "verify --pass", out, id+"：待核查 → 已结案，版本 12; 通过, 整改到位")

	// On the follow-up check the problem is back.
	s.clock.Advance(30 * 24 * time.Hour)
	out = mustGridctl(t, "", "case", "follow-up", id, "--relapsed", "--note", "安全出口再次被堵")
	wantLine(t, "follow-up --relapsed", out, id+"：已结案 → 整改中，版本 13; 复发 (第1次)")
	out = asWorker(t, s.worker01, "case", "rectify", id)
	wantLine(t, "third rectify", out, id+"：整改中 → 待核查，版本 14; 整改到位")
	out = mustGridctl(t, "", "--json", "case", "verify", id, "--pass", "--note", "复查合格")
	var event map[string]any
	if err := json.Unmarshal([]byte(out), &event); err != nil {
		t.Fatalf("--json verify: %v\n%s", err, out)
	}
	if event["type"] != "EVENT_TYPE_RECTIFICATION_VERIFIED" || event["statusAfter"] != "REPORT_STATUS_CLOSED" ||
		event["note"] != "复查合格" || event["version"] != "15" {
		t.Errorf("--json verify printed %v", event)
	}
	if v, _ := event["verification"].(map[string]any); v["passed"] != true || v["disposition"] != "DISPOSITION_RECTIFIED" {
		t.Errorf("--json verify: verification %v", event["verification"])
	}
	out = mustGridctl(t, "", "case", "follow-up", id)
	wantLine(t, "follow-up", out, id+"：已结案，版本 16; 未复发")
	out = asWorker(t, s.worker01, "case", "comment", id, "--note", "企业已建立每月自查制度")
	wantLine(t, "comment", out, id+"：已结案，版本 17")

	// The two others are rejected: one as a duplicate of the first.
	out = mustGridctl(t, "", "case", "reject", shortID(dup.GetId()), "--duplicate-of", id, "--note", "同一隐患")
	wantLine(t, "reject --duplicate-of", out, shortID(dup.GetId())+"：已上报 → 已驳回，版本 2; 重复; 与 "+id+" 重复")
	out = mustGridctl(t, "", "case", "reject", bogus.GetId(), "--invalid")
	wantLine(t, "reject --invalid", out, shortID(bogus.GetId())+"：已上报 → 已驳回，版本 2; 无效")

	// Nothing is open any more, and the timeline tells the whole story.
	wantLine(t, "open", mustGridctl(t, "", "open"), "没有在办案件")
	out = mustGridctl(t, "", "show", id)
	for _, want := range []string{
		"状态      已结案，版本 17",
		"复发次数  1",
		"整改期限  2024-06-20（已延期，原期限 2024-06-10）",
		"结案方式  整改到位",
		"上报  ", "派遣  ", "下发文书", "约谈", "整改进展", "提交整改", "核查", "延期", "回头看", "评论",
		"未通过: 灭火器未放置到位",
		"复发 (第1次)",
		"哈希链完整（17 个事件）",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("show lacks %q:\n%s", want, out)
		}
	}
}

// TestOpenListsOverdueFirst lists open cases as the server's clock moves:
// overdue first, then by deadline, undispatched ones last, and the
// filters; and a closed case coming due for its follow-up check.
func TestOpenListsOverdueFirst(t *testing.T) {
	s := startStreet(t, june3)
	submit := func(token, desc string, loc *pb.Location) string {
		r := s.hazard(desc)
		r.Location = loc
		return shortID(s.mustSubmit(t, token, r).GetId())
	}
	a := submit(s.worker01, "A 配电箱无防护", inHong)
	b := submit(s.worker01, "B 消防通道堵塞", inHong)
	c := submit(s.worker02, "C 金石社区楼道堆放杂物", inJin)
	e := submit(s.worker01, "E 灭火器过期", inHong)
	d := submit(s.worker01, "D 尚未派遣的隐患,描述很长很长很长很长很长很长很长很长很长很长很长很长", inHong)
	mustGridctl(t, "", "case", "assign", a, "--to", "worker01", "--deadline", "2024-06-05")
	mustGridctl(t, "", "case", "assign", b, "--to", "worker01", "--deadline", "2024-06-20")
	mustGridctl(t, "", "case", "assign", c, "--to", "worker02", "--deadline", "2024-06-04")
	mustGridctl(t, "", "case", "assign", e, "--to", "worker01", "--deadline", "2024-06-10")
	asWorker(t, s.worker02, "case", "rectify", c) // waits for verification: not overdue

	wantLine(t, "open --overdue on June 3", mustGridctl(t, "", "open", "--overdue"), "没有在办案件")

	// Five days on, A is three days overdue; C's deadline is older, but it
	// waits for verification, which is not overdue.
	s.clock.Advance(5 * 24 * time.Hour)
	out := mustGridctl(t, "", "open")
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 7 {
		t.Fatalf("open printed %d lines, want a header, 5 cases and a count:\n%s", len(lines), out)
	}
	if f := strings.Fields(lines[0]); strings.Join(f, " ") != "编号 类别 状态 网格 期限 逾期 派遣对象 描述" {
		t.Errorf("header = %q", lines[0])
	}
	wantRows := [][]string{
		{a, "安全隐患", "已派遣", "红星村", "2024-06-05", "3天", "worker01", "A"},
		{c, "安全隐患", "待核查", "金石社区", "2024-06-04", "worker02", "C"},
		{e, "安全隐患", "已派遣", "红星村", "2024-06-10", "worker01", "E"},
		{b, "安全隐患", "已派遣", "红星村", "2024-06-20", "worker01", "B"},
		{d, "安全隐患", "已上报", "红星村", "-", "-", "D"},
	}
	for i, want := range wantRows {
		got := strings.Fields(lines[i+1])
		if len(got) < len(want) || strings.Join(got[:len(want)], " ") != strings.Join(want, " ") {
			t.Errorf("row %d = %q, want it to begin %q", i+1, lines[i+1], strings.Join(want, " "))
		}
	}
	if !strings.HasSuffix(lines[5], "  D 尚未派遣的隐患,描述很长很长很长很长很…") {
		t.Errorf("a long description is not cut to %d columns: %q", descriptionWidth, lines[5])
	}
	if lines[6] != "在办 5 件，逾期 1 件" {
		t.Errorf("count = %q", lines[6])
	}
	if strings.Contains(out, "\x1b") {
		t.Errorf("colour on output that is not a terminal: %q", out)
	}

	ids := func(args ...string) string {
		t.Helper()
		var got []string
		for _, line := range strings.Split(mustGridctl(t, "", append([]string{"open"}, args...)...), "\n")[1:] {
			if f := strings.Fields(line); len(f) > 0 && len(f[0]) == shortIDLen {
				got = append(got, f[0])
			}
		}
		return strings.Join(got, " ")
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--overdue"}, a},
		// Due within 3 days: overdue, or due by June 11 09:00, and still to
		// be fixed (C has had its fix).
		{[]string{"--due-within", "3"}, a + " " + e},
		{[]string{"--pending-verification"}, c},
		{[]string{"--grid", "金石社区"}, c},
		{[]string{"--grid", "红星村", "--grid", gridJin}, strings.Join([]string{a, c, e, b, d}, " ")},
		{[]string{"--assignee", "worker01"}, a + " " + e + " " + b},
		{[]string{"--category", "safety", "--category", "house"}, strings.Join([]string{a, c, e, b, d}, " ")},
		{[]string{"--category", "construction"}, ""},
	} {
		if got := ids(tt.args...); got != tt.want {
			t.Errorf("open %s = %q, want %q", strings.Join(tt.args, " "), got, tt.want)
		}
	}

	var reports []map[string]any
	if err := json.Unmarshal([]byte(mustGridctl(t, "", "--json", "open")), &reports); err != nil || len(reports) != 5 {
		t.Fatalf("--json open: %v, %d reports", err, len(reports))
	}
	if shortID(reports[0]["id"].(string)) != a || reports[0]["overdue"] != true || reports[1]["overdue"] != false {
		t.Errorf("--json open does not put the overdue case first: %v", reports[0])
	}

	// A workers sees its own grid's cases, with its own name.
	out = asWorker(t, s.worker02, "open")
	if !strings.Contains(out, c+"  安全隐患  待核查  金石社区  2024-06-04") || strings.Contains(out, a) {
		t.Errorf("worker02's open:\n%s", out)
	}

	// Extended, A is no longer overdue.
	mustGridctl(t, "", "case", "extend", a, "--to", "2024-06-30", "--reason", "需停产检修")
	wantLine(t, "open --overdue after the extension", mustGridctl(t, "", "open", "--overdue"), "没有在办案件")

	// A polluting workshop is shut down; three months later its follow-up
	// check (回头看) is due.
	polluter := s.hazard("河边非法洗沙点")
	polluter.Category = pb.Category_CATEGORY_POLLUTING_ENTERPRISE
	polluter.Details = &pb.Report_PollutingEnterprise{PollutingEnterprise: &pb.PollutingEnterpriseDetails{
		Scattered: true, Polluting: true, Activity: pb.PollutingActivity_POLLUTING_ACTIVITY_ILLEGAL_SAND_WASHING,
	}}
	p := shortID(s.mustSubmit(t, s.worker01, polluter).GetId())
	mustGridctl(t, "", "case", "assign", p, "--to", "worker01", "--unit", "洗沙点经营者")
	asWorker(t, s.worker01, "case", "rectify", p, "--disposition", "shut-down")
	mustGridctl(t, "", "case", "verify", p, "--pass")
	wantLine(t, "open --follow-up-due", mustGridctl(t, "", "open", "--follow-up-due"), "没有到期需回头看的案件")
	s.clock.Advance(91 * 24 * time.Hour)
	out = mustGridctl(t, "", "open", "--follow-up-due")
	if !strings.Contains(out, "回头看") || !strings.Contains(out, p+"  散乱污企业  已结案") || !strings.HasSuffix(out, "1 件案件到期需回头看\n") {
		t.Errorf("open --follow-up-due:\n%s", out)
	}
	mustGridctl(t, "", "case", "follow-up", p)
	wantLine(t, "open --follow-up-due after the check", mustGridctl(t, "", "open", "--follow-up-due"), "没有到期需回头看的案件")
}

func TestShowPrintsTheReportAndItsTimeline(t *testing.T) {
	s := startStreet(t, june3)
	polluter := s.hazard("河滩上非法洗沙,废水直排入河")
	polluter.Category = pb.Category_CATEGORY_POLLUTING_ENTERPRISE
	polluter.Severity = pb.Severity_SEVERITY_MAJOR
	polluter.Details = &pb.Report_PollutingEnterprise{PollutingEnterprise: &pb.PollutingEnterpriseDetails{
		Scattered: true, Polluting: true, Activity: pb.PollutingActivity_POLLUTING_ACTIVITY_ILLEGAL_SAND_WASHING,
		ProposedDisposal: pb.ProposedDisposal_PROPOSED_DISPOSAL_SHUT_DOWN, MovedInFromOutside: true, FromDistrict: "鸠江区",
	}}
	rep := s.mustSubmit(t, s.worker01, polluter)
	id := shortID(rep.GetId())
	s.clock.Advance(90 * time.Minute)
	mustGridctl(t, "", "case", "assign", id, "--to", "worker01", "--deadline", "2024-07-01", "--note", "依法取缔")

	out := mustGridctl(t, "", "show", id)
	for _, want := range []string{
		"编号      " + rep.GetId() + "\n",
		"类别      散乱污企业，重大\n",
		"状态      已派遣，版本 2\n",
		"网格      红星村\n",
		"描述      河滩上非法洗沙,废水直排入河\n",
		"地址      红星村3组\n",
		"位置      31.250000, 118.330000 (WGS-84) ±8 米\n",
		"发现时间  2024-06-03 08:00\n",
		"接收时间  2024-06-03 09:00，上报人 worker01\n",
		"问题      散、污\n",
		"行业      非法洗沙\n",
		"建议处置  关停取缔\n",
		"外区流入  是, 来自鸠江区\n",
		"派遣对象  worker01\n",
		"整改期限  2024-07-01\n",
		"\n时间线：\n",
		"时间 ",
		"2024-06-03 08:00（接收 2024-06-03 09:00）  worker01    上报  已上报           1\n",
		"2024-06-03 10:30                           supervisor  派遣  已上报 → 已派遣  2     派给 worker01; 期限 2024-07-01; 备注 依法取缔\n",
		"\n哈希链完整（2 个事件）：记录未被改动\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("show lacks %q:\n%s", want, out)
		}
	}

	var shown struct {
		Report   map[string]any
		Timeline struct {
			Events      []map[string]any
			ChainIntact bool
		}
	}
	if err := json.Unmarshal([]byte(mustGridctl(t, "", "--json", "show", id)), &shown); err != nil {
		t.Fatal(err)
	}
	if shown.Report["id"] != rep.GetId() || !shown.Timeline.ChainIntact || len(shown.Timeline.Events) != 2 ||
		shown.Timeline.Events[1]["type"] != "EVENT_TYPE_REPORT_ASSIGNED" {
		t.Errorf("--json show = %+v", shown)
	}

	// Illegal construction has its own details.
	shed := s.hazard("耕地上搭建钢架大棚")
	shed.Category = pb.Category_CATEGORY_ILLEGAL_CONSTRUCTION
	shed.Details = &pb.Report_IllegalConstruction{IllegalConstruction: &pb.IllegalConstructionDetails{
		Kind: pb.ConstructionKind_CONSTRUCTION_KIND_SHED, Land: pb.LandKind_LAND_KIND_FARMLAND, AreaSquareMeters: 120.5,
	}}
	out = mustGridctl(t, "", "show", s.mustSubmit(t, s.worker01, shed).GetId())
	for _, want := range []string{"类别      违法建设，一般\n", "违建类型  乱搭盖\n", "用地      耕地\n", "面积      120.5㎡\n", "哈希链完整（1 个事件）"} {
		if !strings.Contains(out, want) {
			t.Errorf("show of the shed lacks %q:\n%s", want, out)
		}
	}

	r := gridctl(t, "", "show", "0123abcd")
	if r.code != exitError || !strings.Contains(r.stderr, `你可见的报告中没有编号以 "0123abcd" 结尾的`) {
		t.Errorf("show of a missing report: exit %d, stderr %q", r.code, r.stderr)
	}
}

// TestShowSaysWhenTheHistoryWasAltered rewrites an event behind the
// server's back, as someone with the database file could: show says the
// chain is broken, and exits 1.
func TestShowSaysWhenTheHistoryWasAltered(t *testing.T) {
	s := startStreet(t, june3)
	rep := s.mustSubmit(t, s.worker01, s.hazard("配电箱门锁损坏"))
	id := shortID(rep.GetId())
	mustGridctl(t, "", "case", "assign", id, "--to", "worker01", "--note", "限期三天")

	db, err := sql.Open("sqlite3", "file:"+s.dbPath+"?_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{
		"DROP TRIGGER events_immutable_update",
		"UPDATE events SET note = '限期三十天' WHERE report_id = '" + rep.GetId() + "' AND seq = 2",
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}

	r := gridctl(t, "", "show", id)
	if r.code != exitError || !strings.Contains(r.stdout, "备注 限期三十天") ||
		!strings.HasSuffix(r.stdout, "\n哈希链断裂：此记录在写入后被改动过\n") ||
		!strings.Contains(r.stderr, "哈希链断裂") {
		t.Errorf("show of an altered history: exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	r = gridctl(t, "", "--json", "show", id)
	if r.code != exitError || !strings.Contains(r.stdout, `"chainIntact": false`) {
		t.Errorf("--json show of an altered history: exit %d\n%s", r.code, r.stdout)
	}
}

// TestAStaleActionIsRefused acts on a case someone else has just moved:
// the action is refused with where the case now stands, and kept on the
// timeline as a conflict.
func TestAStaleActionIsRefused(t *testing.T) {
	s := startStreet(t, june3)
	rep := s.mustSubmit(t, s.worker01, s.hazard("配电箱门锁损坏"))
	id := shortID(rep.GetId())
	mustGridctl(t, "", "case", "assign", id, "--to", "worker01", "--deadline", "2024-06-10")
	if out := mustGridctl(t, "", "show", id); !strings.Contains(out, "状态      已派遣，版本 2\n") {
		t.Fatalf("show:\n%s", out)
	}
	// While the supervisor thinks, the worker starts work.
	asWorker(t, s.worker01, "case", "progress", id, "--note", "已联系电工")

	r := gridctl(t, "", "case", "extend", id, "--to", "2024-06-30", "--reason", "配件缺货", "--expect-version", "2")
	if r.code != exitError || r.stdout != "" {
		t.Errorf("stale extend: exit %d, stdout %q", r.code, r.stdout)
	}
	wantErr := "gridctl: 操作被拒绝：你查看之后案件已有变动，现为整改中，版本 3\n" +
		"  案件未被改动；你的操作已记入时间线，标为冲突\n" +
		"  请用 gridctl show " + id + " 查看变动，如仍需要再操作\n"
	if r.stderr != wantErr {
		t.Errorf("stale extend stderr:\n%s\nwant:\n%s", r.stderr, wantErr)
	}
	got := s.getReport(t, s.worker01, rep.GetId())
	if got.GetVersion() != 3 || formatDate(got.GetDeadline()) != "2024-06-10" {
		t.Errorf("the stale action changed the case: version %d, deadline %s", got.GetVersion(), formatDate(got.GetDeadline()))
	}
	out := mustGridctl(t, "", "show", id)
	if !strings.Contains(out, "延期 [冲突]") || !strings.Contains(out, "未生效: ") || !strings.Contains(out, "哈希链完整（4 个事件）") {
		t.Errorf("show does not mark the conflict:\n%s", out)
	}
	// Why it did not apply, in Chinese: the server's localized reason.
	if want := "未生效: 案件在您查看后已有变动（当前为「整改中」），请刷新后再操作"; !strings.Contains(out, want) {
		t.Errorf("show does not say in Chinese why the conflict did not apply (%q):\n%s", want, out)
	}

	// An action the case's status does not allow says where it stands.
	r = gridctl(t, "", "case", "verify", id, "--pass")
	if r.code != exitError || !strings.Contains(r.stderr, "gridctl: 无法执行：") || !strings.HasSuffix(r.stderr, "\n  案件现为整改中，版本 3\n") {
		t.Errorf("verify of a case being fixed: exit %d, stderr %q", r.code, r.stderr)
	}

	// Read just before, the version is current, and the action applies;
	// --force sends none.
	wantLine(t, "extend", mustGridctl(t, "", "case", "extend", id, "--to", "2024-06-30", "--reason", "配件缺货"),
		id+"：整改中，版本 4; 期限 2024-06-10 → 2024-06-30; 理由 配件缺货")
	s.calls.reset()
	wantLine(t, "comment --force", mustGridctl(t, "", "case", "comment", id, "--force", "--note", "已催办"), id+"：整改中，版本 5")
	if n := len(s.calls.of("GetReport")); n != 0 {
		t.Errorf("--force read the case %d times", n)
	}
}

// TestReportsAreNamedByTheEndOfTheirID resolves report ids given whole or
// by any unique ending, reading every page of the reports.
func TestReportsAreNamedByTheEndOfTheirID(t *testing.T) {
	s := startStreet(t, june3)
	smallPages(t, 1)
	one, two := s.hazard("第一处隐患"), s.hazard("第二处隐患")
	one.Id, two.Id = "018fdc5c-2a00-7000-8000-00000a001234", "018fdc5c-2a00-7000-8000-00000b001234"
	s.mustSubmit(t, s.worker01, one)
	s.mustSubmit(t, s.worker01, two)

	s.calls.reset()
	if out := mustGridctl(t, "", "show", one.Id); !strings.Contains(out, "描述      第一处隐患\n") {
		t.Errorf("show by the full id:\n%s", out)
	}
	if n := len(s.calls.of("ListReports")); n != 0 {
		t.Errorf("a full id was looked up with %d ListReports calls", n)
	}
	for _, ref := range []string{"a001234", "A001234", "0a001234", "00000a001234", "8000-00000a001234"} {
		s.calls.reset()
		if out := mustGridctl(t, "", "show", ref); !strings.Contains(out, "描述      第一处隐患\n") {
			t.Errorf("show %s:\n%s", ref, out)
		}
		if n := len(s.calls.of("ListReports")); n < 2 {
			t.Errorf("show %s: %d ListReports calls in pages of 1, want every page", ref, n)
		}
	}
	r := gridctl(t, "", "show", "001234")
	if r.code != exitError || !strings.Contains(r.stderr, `有 2 份报告的编号以 "001234" 结尾：请多给几位`) {
		t.Errorf("an ambiguous ending: exit %d, stderr %q", r.code, r.stderr)
	}
	r = gridctl(t, "", "show", "ffff")
	if r.code != exitError || !strings.Contains(r.stderr, `你可见的报告中没有编号以 "ffff" 结尾的`) {
		t.Errorf("an unknown ending: exit %d, stderr %q", r.code, r.stderr)
	}
	r = gridctl(t, "", "show", "工单12")
	if r.code != exitUsage || !strings.Contains(r.stderr, "不是报告编号") {
		t.Errorf("not an id: exit %d, stderr %q", r.code, r.stderr)
	}
	// A worker of another grid cannot name them.
	r = gridctl(t, "", "--token", s.worker02, "show", "a001234")
	if r.code != exitError || !strings.Contains(r.stderr, "你可见的报告中没有") {
		t.Errorf("worker02 named worker01's report: exit %d, stderr %q", r.code, r.stderr)
	}
	// The actions take endings too, for the case and the one it duplicates.
	wantLine(t, "reject", mustGridctl(t, "", "case", "reject", "b001234", "--duplicate-of", "a001234"),
		"0b001234：已上报 → 已驳回，版本 2; 重复; 与 0a001234 重复")
	if got := s.getReport(t, s.worker01, two.Id); got.GetStatus() != pb.ReportStatus_REPORT_STATUS_REJECTED {
		t.Errorf("status = %v", got.GetStatus())
	}
}
