package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/gridinspect/gridinspect/internal/export"
	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

// march4 is 09:00 on Monday 4 March 2024, China time.
var march4 = time.Date(2024, 3, 4, 9, 0, 0, 0, chinaTime)

// halfYear is the small half-year the summary and export tests count: on
// the street of startStreet, four reports of March 2024.
type halfYear struct {
	*street
	// closed: a fire hazard in 红星村, dispatched to worker01 (unit 红星仓储)
	// due 10 March, served a hazard notice and an enforcement document by
	// 区应急管理局, its enterprise interviewed, fixed and closed on 5 March.
	closed *pb.Report
	// onSpot: a hazard in 红星村 rectified on the spot, closed on 4 March;
	// its description needs quoting in a CSV.
	onSpot *pb.Report
	// sand: an illegal sand-washing site in 金石社区 that moved in from
	// 鸠江区, dispatched to worker02 due 20 March and still open.
	sand *pb.Report
	// major: a major hazard in 红星村, reported and not yet dispatched.
	major *pb.Report
}

// startHalfYear makes the half-year through the API and gridctl, and
// leaves the server's clock on 1 April 2024.
func startHalfYear(t *testing.T) *halfYear {
	t.Helper()
	s := startStreet(t, march4)
	h := &halfYear{street: s}

	h.closed = s.mustSubmit(t, s.worker01, s.hazard("仓库消防通道堵塞"))
	id := shortID(h.closed.GetId())
	mustGridctl(t, "", "case", "assign", id, "--to", "worker01", "--unit", "红星仓储", "--deadline", "2024-03-10")
	mustGridctl(t, "", "case", "notice", id, "--kind", "hazard")
	mustGridctl(t, "", "case", "notice", id, "--kind", "enforcement", "--department", "区应急管理局")
	mustGridctl(t, "", "case", "interview", id, "--who", "仓库负责人 李某", "--where", "街道安监办", "--outcome", "承诺当日清理")

	on := s.hazard("配电箱\"无盖\",已当场整改\n拍照留存")
	on.RectifiedOnSpot = true
	h.onSpot = s.mustSubmit(t, s.worker01, on)
	mustGridctl(t, "", "case", "verify", shortID(h.onSpot.GetId()), "--pass")

	sand := s.hazard("河滩非法洗沙场,夜间作业")
	sand.Category, sand.Location = pb.Category_CATEGORY_POLLUTING_ENTERPRISE, inJin
	sand.Details = &pb.Report_PollutingEnterprise{PollutingEnterprise: &pb.PollutingEnterpriseDetails{
		Polluting: true, Activity: pb.PollutingActivity_POLLUTING_ACTIVITY_ILLEGAL_SAND_WASHING,
		ProposedDisposal: pb.ProposedDisposal_PROPOSED_DISPOSAL_SHUT_DOWN, MovedInFromOutside: true, FromDistrict: "鸠江区",
	}}
	h.sand = s.mustSubmit(t, s.worker02, sand)
	mustGridctl(t, "", "case", "assign", shortID(h.sand.GetId()), "--to", "worker02", "--deadline", "2024-03-20")

	major := s.hazard("加油站旁违规储存汽油")
	major.Severity = pb.Severity_SEVERITY_MAJOR
	h.major = s.mustSubmit(t, s.worker01, major)

	s.clock.Advance(24 * time.Hour) // 5 March
	asWorker(t, s.worker01, "case", "rectify", id, "--note", "通道已清理")
	mustGridctl(t, "", "case", "verify", id, "--pass")

	s.clock.Advance(27 * 24 * time.Hour) // 1 April: the sand-washing site is overdue
	return h
}

func TestSummaryOfAHalfYear(t *testing.T) {
	h := startHalfYear(t)

	out := mustGridctl(t, "", "summary", "--from", "2024-01-01", "--to", "2024-06-30")
	if first, _, _ := strings.Cut(out, "\n"); first != "2024-01-01 至 2024-06-30  全部网格" {
		t.Errorf("first line = %q", first)
	}
	for _, want := range [][]string{
		{"发现安全隐患", "3"},
		{"其中立行立改", "1"},
		{"重大隐患", "1"},
		{"整改销号", "2"},
		{"隐患排查告知书", "1"},
		{"执法文书", "1"},
		{"区应急管理局", "1"},
		{"约谈企业", "1"},
		{"新发现", "1"},
		{"非法洗沙", "1"},
		{"其中外区流入", "1"},
		{"受理", "4"},
		{"办结", "2"},
		{"期末未办结", "2"},
		{"应结案", "3"},
		{"应结已结", "2"},
		{"结案率", "66.7%"},
		{"期末逾期未办结", "1"},
		{"红星村", "3", "2", "1"},
		{"金石社区", "1", "0", "1"},
	} {
		got := tableRow(out, want[0])
		if len(got) < len(want) || !slices.Equal(got[:len(want)], want) {
			t.Errorf("row %s = %q, want %q…\n%s", want[0], got, want, out)
		}
	}

	out = mustGridctl(t, "", "summary", "--from", "2024-01-01", "--to", "2024-06-30", "--prose")
	for _, want := range []string{
		"街道对辖区企业开展常态化巡查和针对性检查，发现各类安全隐患3处，其中立行立改1处，重大隐患1处，" +
			"配合区应急管理局对企业检查发现问题并下达执法文书1次，本级下达《隐患排查告知书》1份，组织约谈企业1次，督促整改销号隐患2处，",
		"2024年上半年，工作人员在巡查重点区域时共新发现1处非法洗沙场，其中从外区流入1家。",
		"2024年上半年，街道共受理各类问题4件，办结2件，结案率66.7%，",
		"截至期末仍有1件逾期未办结。\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("prose lacks %q:\n%s", want, out)
		}
	}

	// --json, after the command or before it.
	for _, args := range [][]string{
		{"summary", "--from", "2024-01-01", "--to", "2024-06-30", "--json"},
		{"--json", "summary", "--from", "2024-01-01", "--to", "2024-06-30"},
	} {
		var got struct {
			From   time.Time
			Safety struct{ HazardsFound, RectifiedOnSpot string }
			Loop   struct{ Reported, Closed string }
		}
		if err := json.Unmarshal([]byte(mustGridctl(t, "", args...)), &got); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		if !got.From.Equal(time.Date(2024, 1, 1, 0, 0, 0, 0, chinaTime)) || got.Safety.HazardsFound != "3" ||
			got.Safety.RectifiedOnSpot != "1" || got.Loop.Reported != "4" || got.Loop.Closed != "2" {
			t.Errorf("%v printed %+v", args, got)
		}
	}

	// One grid: no safety paragraph, and the grid does the work; its one
	// case was due and is not closed.
	out = mustGridctl(t, "", "summary", "--from", "2024-01-01", "--to", "2024-06-30", "--grid", "金石社区", "--prose")
	if !strings.HasPrefix(out, "持续开展“散乱污”企业治理。") || strings.Contains(out, "安全隐患") ||
		!strings.Contains(out, "2024年上半年，金石社区共受理各类问题1件，在办1件，结案率0%，按期结案率0%，截至期末仍有1件逾期未办结。") {
		t.Errorf("prose of 金石社区:\n%s", out)
	}
	out = mustGridctl(t, "", "summary", "--from", "2024-01-01", "--to", "2024-06-30", "--grid", "金石社区")
	if first, _, _ := strings.Cut(out, "\n"); first != "2024-01-01 至 2024-06-30  网格: 金石社区" {
		t.Errorf("first line = %q", first)
	}

	// --to is inclusive: the reports of 4 March are in a period ending
	// that day, and not in one ending the day before.
	if got := tableRow(mustGridctl(t, "", "summary", "--from", "2024-03-04", "--to", "2024-03-04"), "受理"); !slices.Equal(got, []string{"受理", "4"}) {
		t.Errorf("4 March: 受理 %q, want 4", got)
	}
	out = mustGridctl(t, "", "summary", "--from", "2024-01-01", "--to", "2024-03-03", "--prose")
	if out != "2024年1月1日至3月3日，街道未记录巡查和问题。\n" {
		t.Errorf("prose of an empty period = %q", out)
	}

	r := gridctl(t, "", "summary", "--from", "2024-06-30", "--to", "2024-01-01")
	if r.code != exitUsage || !strings.Contains(r.stderr, "--to 2024-01-01 早于 --from 2024-06-30") {
		t.Errorf("inverted period: exit %d, stderr %q", r.code, r.stderr)
	}
	// Workers may not count.
	r = gridctl(t, "", "--token", h.worker01, "summary", "--from", "2024-01-01", "--to", "2024-06-30")
	if r.code != exitError || !strings.Contains(r.stderr, "无权操作") {
		t.Errorf("a worker's summary: exit %d, stderr %q", r.code, r.stderr)
	}
}

func TestExportCSVAndXLSX(t *testing.T) {
	h := startHalfYear(t)
	dir := t.TempDir()

	// Every report, as CSV.
	path := filepath.Join(dir, "all.csv")
	r := gridctl(t, "", "export", "--format", "csv", "--out", path)
	if r.code != exitOK || r.stderr != "已写入 4 行到 "+path+"\n" || r.stdout != "" {
		t.Fatalf("export csv: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(raw, []byte("\xEF\xBB\xBF编号,")) {
		t.Errorf("the csv does not start with a BOM and the header: %q", raw[:min(20, len(raw))])
	}
	if _, err := os.Stat(path + ".tmp"); !os.IsNotExist(err) {
		t.Errorf("%s.tmp left behind: %v", path, err)
	}
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(raw, []byte("\uFEFF")))).ReadAll()
	if err != nil {
		t.Fatalf("read the csv: %v", err)
	}
	if !slices.Equal(rows[0], export.Columns) {
		t.Errorf("header = %q", rows[0])
	}
	byID := map[string]map[string]string{}
	for _, row := range rows[1:] {
		cells := map[string]string{}
		for i, c := range row {
			cells[rows[0][i]] = c
		}
		byID[row[0]] = cells
	}
	if len(byID) != 4 {
		t.Fatalf("the csv has %d reports, want 4:\n%s", len(byID), raw)
	}
	wantCells := map[string]map[string]string{
		h.closed.GetId(): {
			"类别": "安全隐患", "严重程度": "一般", "状态": "已结案", "网格": "红星村", "描述": "仓库消防通道堵塞",
			"发现时间": "2024-03-04 08:00", "上报人": "worker01", "立行立改": "否", "派遣对象": "worker01", "责任单位": "红星仓储",
			"整改期限": "2024-03-10 23:59", "是否逾期": "否", "文书编号": "〔2024〕1号、〔2024〕1号", "结案方式": "整改到位",
			"结案时间": "2024-03-05 09:00", "复发次数": "0", "详情": "隐患类型:消防; 场所:企业",
		},
		h.onSpot.GetId(): {
			"状态": "已结案", "描述": "配电箱\"无盖\",已当场整改\n拍照留存", "立行立改": "是", "整改期限": "", "结案方式": "整改到位",
		},
		h.sand.GetId(): {
			"类别": "散乱污企业", "状态": "已派遣", "网格": "金石社区", "上报人": "worker02", "派遣对象": "worker02",
			"整改期限": "2024-03-20 23:59", "是否逾期": "是", "文书编号": "", "结案方式": "", "结案时间": "",
			"详情": "活动:非法洗沙; 外区流入:是(鸠江区); 建议:关停取缔; 问题:污",
		},
		h.major.GetId(): {"严重程度": "重大", "状态": "已上报", "派遣对象": "", "是否逾期": "否"},
	}
	for id, want := range wantCells {
		got := byID[id]
		if got == nil {
			t.Errorf("report %s is not in the csv", id)
			continue
		}
		for col, w := range want {
			if got[col] != w {
				t.Errorf("report %s: %s = %q, want %q", shortID(id), col, got[col], w)
			}
		}
	}

	// The open ones as XLSX: the same cells as the CSV's rows.
	xpath := filepath.Join(dir, "open.xlsx")
	r = gridctl(t, "", "export", "--out", xpath, "--open")
	if r.code != exitOK || r.stderr != "已写入 2 行到 "+xpath+"\n" {
		t.Fatalf("export xlsx: exit %d, stderr %q", r.code, r.stderr)
	}
	f, err := excelize.OpenFile(xpath)
	if err != nil {
		t.Fatalf("open the xlsx: %v", err)
	}
	defer f.Close()
	xrows, err := f.GetRows(export.SheetName)
	if err != nil {
		t.Fatal(err)
	}
	if len(xrows) != 3 || !slices.Equal(xrows[0], export.Columns) {
		t.Fatalf("the xlsx has rows %q, want the header and 2", xrows)
	}
	var ids []string
	for _, row := range xrows[1:] {
		ids = append(ids, row[0])
		want := rows[slices.IndexFunc(rows, func(r []string) bool { return r[0] == row[0] })]
		for len(row) < len(want) {
			row = append(row, "") // GetRows drops trailing empty cells
		}
		if !slices.Equal(row, want) {
			t.Errorf("xlsx row of %s:\n got %q\nwant %q", shortID(row[0]), row, want)
		}
	}
	slices.Sort(ids)
	if want := []string{h.sand.GetId(), h.major.GetId()}; !slices.Equal(ids, slices.Sorted(slices.Values(want))) {
		t.Errorf("the open export holds %v, want %v", ids, want)
	}

	// To standard output, one grid.
	r = gridctl(t, "", "export", "--out", "-", "--grid", "金石社区")
	if r.code != exitOK || !strings.HasPrefix(r.stdout, "\uFEFF编号,") || strings.Count(r.stdout, "\r\n") != 2 ||
		!strings.Contains(r.stdout, h.sand.GetId()) || r.stderr != "已写入 1 行到 标准输出\n" {
		t.Errorf("export to stdout: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}

	// A refused export leaves no file.
	bad := filepath.Join(dir, "worker.csv")
	r = gridctl(t, "", "--token", h.worker01, "export", "--out", bad)
	if r.code != exitError || !strings.Contains(r.stderr, "无权操作") {
		t.Errorf("a worker's export: exit %d, stderr %q", r.code, r.stderr)
	}
	for _, p := range []string{bad, bad + ".tmp"} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("a refused export left %s: %v", p, err)
		}
	}
}

// TestAppraisalOfAHalfYear: the appraisal of startHalfYear's March, per
// worker and per grid, printed and saved as a workbook. worker01 reported
// three hazards in 红星村 and closed two (one dispatched to them, closed
// the day after it was found, inside its deadline; one rectified on the
// spot the day it was found); worker02 reported the sand-washing site in
// 金石社区, dispatched to them and overdue.
func TestAppraisalOfAHalfYear(t *testing.T) {
	h := startHalfYear(t)
	args := []string{"summary", "--from", "2024-01-01", "--to", "2024-06-30"}
	header := []string{"上报数", "办理数", "办结数", "应结案数", "按期办结数", "按期办结率", "首次核查未通过数", "反弹数", "巡查次数", "应巡次数", "平均办结天数"}
	worker01 := []string{"worker01", "红星村", "3", "2", "2", "2", "2", "100%", "0", "0", "0", "-", "0.5"}
	worker02 := []string{"worker02", "金石社区", "1", "1", "0", "1", "0", "0%", "0", "0", "0", "-", "-"}

	out := mustGridctl(t, "", append(args, "--by", "worker")...)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if lines[0] != "网格员考核  2024-01-01 至 2024-06-30  全部网格" || len(lines) != 5 {
		t.Fatalf("--by worker printed:\n%s", out)
	}
	for i, want := range [][]string{append([]string{"网格员", "网格"}, header...), worker01, worker02} {
		if got := strings.Fields(lines[2+i]); !slices.Equal(got, want) {
			t.Errorf("line %d = %q, want %q\n%s", 2+i, got, want, out)
		}
	}
	out = mustGridctl(t, "", append(args, "--by", "grid", "--grid", "红星村", "--grid", "金石社区")...)
	for _, want := range [][]string{
		{"红星村", "3", "3", "2", "2", "2", "100%", "0", "0", "0", "-", "0.5"},
		{"金石社区", "1", "1", "0", "1", "0", "0%", "0", "0", "0", "-", "-"},
	} {
		if got := tableRow(out, want[0]); !slices.Equal(got, want) {
			t.Errorf("row %s = %q, want %q\n%s", want[0], got, want, out)
		}
	}
	if words := englishWords(out); len(words) > 0 {
		t.Errorf("--by grid printed English %q", words)
	}

	// The same table as a workbook, read back.
	file := filepath.Join(t.TempDir(), "考核.xlsx")
	r := gridctl(t, "", append(args, "--by", "worker", "--xlsx", file)...)
	if r.code != exitOK || !strings.Contains(r.stderr, "考核表已另存为") || !strings.Contains(r.stdout, "worker02") {
		t.Fatalf("--xlsx: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	f, err := excelize.OpenFile(file)
	if err != nil {
		t.Fatalf("open the workbook: %v", err)
	}
	defer f.Close()
	rows, err := f.GetRows("网格员考核")
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{append([]string{"网格员", "网格"}, header...), worker01, worker02}
	if !slices.EqualFunc(rows, want, slices.Equal) {
		t.Errorf("workbook rows = %q, want %q", rows, want)
	}
	if typ, err := f.GetCellType("网格员考核", "C2"); err != nil || (typ != excelize.CellTypeUnset && typ != excelize.CellTypeNumber) {
		t.Errorf("上报数 cell type = %v, %v; want a number", typ, err)
	}

	for _, bad := range [][]string{
		{"--by", "person"},
		{"--xlsx", file},
		{"--by", "grid", "--prose"},
	} {
		if r := gridctl(t, "", append(args, bad...)...); r.code != exitUsage {
			t.Errorf("%q: exit %d, want a usage error\n%s", bad, r.code, r.stderr)
		}
	}
	// Workers may not read it.
	r = gridctl(t, "", append([]string{"--token", h.worker01}, append(args, "--by", "worker")...)...)
	if r.code != exitError || !strings.Contains(r.stderr, "无权操作") {
		t.Errorf("a worker's appraisal: exit %d, stderr %q", r.code, r.stderr)
	}
}
