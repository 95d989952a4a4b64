package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/gridinspect/gridinspect/internal/words"
	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

var summaryCommand = &command{
	name:    "summary",
	summary: "一段时期的工作总结数据：表格，或中文文字（--prose）",
	help: `从数据中统计半年工作总结的每项数字：安全隐患、散乱污企业、违法建设、备用
水源地、危房和闭环处置，按总体、类别和网格。每项数字只计时期内发生的事：
三月发现、五月结案的案件，计为三月发现、五月结案。

--from 和 --to 为北京时间的日期，含首尾两天；两个都不给时统计今天所在的半年
（1月1日至6月30日，或7月1日至12月31日），并注明所取的时期。不加 --grid 时统计
可见的全部网格。

结案率 = 期内应结案且在期末前办结的案件 / 期内应结案的案件；
按期结案率 = 期内应结案且在期限前办结的案件 / 期内应结案的案件。期限落在期内，
或期内办结而没有期限（立行立改）的案件，即为期内应结案。期末逾期统计期末仍在办
且期限已过的案件，不论应结案的有多少。

--prose 按街道半年总结的文风把数字写成中文段落，每节一段，可直接粘贴；数字为 0
的分句略去。--json 以 JSON 格式打印统计数据。

示例：
  gridctl summary
  gridctl summary --from 2024-01-01 --to 2024-06-30
  gridctl summary --from 2024-01-01 --to 2024-06-30 --grid 红星村 --prose`,
	setup: func(fs *flag.FlagSet) runFunc {
		var grids stringsFlag
		from := fs.String("from", "", "时期的第一天，北京时间的`日期`（2024-01-01）；与 --to 都不给时为本半年")
		to := fs.String("to", "", "时期的最后一天（含），北京时间的`日期`（2024-06-30）；与 --from 都不给时为本半年")
		fs.Var(&grids, "grid", "只统计网格 `名称或编号`；多个网格重复此选项")
		asProse := fs.Bool("prose", false, "写成总结材料的中文段落，而不是表格")
		asJSON := fs.Bool("json", false, "以 JSON 格式打印统计数据（同全局 --json）")
		return func(ctx context.Context, a *app, args []string) error {
			if len(args) > 0 {
				return usagef("summary 不带参数（选项：--from、--to、--grid、--prose）")
			}
			start, end, note, err := summaryPeriod(*from, *to, now())
			if err != nil {
				return err
			}
			if note != "" {
				// On stderr: the table, prose or JSON on stdout stays as it was.
				fmt.Fprintln(a.stderr, note)
			}
			jsonOut := *asJSON || a.opts.json
			if jsonOut && *asProse {
				return usagef("--prose 与 --json 互相矛盾：去掉一个")
			}
			return a.summary(ctx, start, end, grids, *asProse, jsonOut)
		}
	},
}

// summaryPeriod is the period of summary: --from and --to when given,
// else the half-year of today (China time) with a note saying which.
func summaryPeriod(from, to string, today time.Time) (time.Time, time.Time, string, error) {
	from, to = strings.TrimSpace(from), strings.TrimSpace(to)
	switch {
	case from == "" && to == "":
		start, end, half := currentHalfYear(today)
		note := fmt.Sprintf("统计期间：%d年%s（%d月1日至%d月%d日）", start.Year(), half,
			int(start.Month()), int(end.AddDate(0, 0, -1).Month()), end.AddDate(0, 0, -1).Day())
		return start, end, note, nil
	case to == "":
		return time.Time{}, time.Time{}, "", usagef("缺少 --to：--from %s 已给出，还需时期的最后一天，例如 --to 2024-06-30（两个都不给则统计本半年）", from)
	case from == "":
		return time.Time{}, time.Time{}, "", usagef("缺少 --from：--to %s 已给出，还需时期的第一天，例如 --from 2024-01-01（两个都不给则统计本半年）", to)
	}
	start, end, err := parsePeriod(from, to)
	return start, end, "", err
}

// currentHalfYear returns the half-year holding t in China time, as [start, end)
// at China midnights, and its name (上半年, 下半年).
func currentHalfYear(t time.Time) (time.Time, time.Time, string) {
	t = t.In(chinaTime)
	if t.Month() <= time.June {
		return time.Date(t.Year(), time.January, 1, 0, 0, 0, 0, chinaTime), time.Date(t.Year(), time.July, 1, 0, 0, 0, 0, chinaTime), "上半年"
	}
	return time.Date(t.Year(), time.July, 1, 0, 0, 0, 0, chinaTime), time.Date(t.Year()+1, time.January, 1, 0, 0, 0, 0, chinaTime), "下半年"
}

// parsePeriod reads --from and --to, China dates both inclusive, as the
// API's period [from, to): to is midnight at the start of the day after.
func parsePeriod(from, to string) (time.Time, time.Time, error) {
	if strings.TrimSpace(from) == "" || strings.TrimSpace(to) == "" {
		return time.Time{}, time.Time{}, usagef("--from 和 --to 必填：时期的第一天和最后一天，例如 --from 2024-01-01 --to 2024-06-30")
	}
	start, err := parseDay("from", from)
	if err != nil {
		return time.Time{}, time.Time{}, err
	}
	last, err := parseDay("to", to)
	if err != nil {
		return time.Time{}, time.Time{}, err
	}
	if last.Before(start) {
		return time.Time{}, time.Time{}, usagef("--to %s 早于 --from %s", strings.TrimSpace(to), strings.TrimSpace(from))
	}
	return start, last.AddDate(0, 0, 1), nil
}

// parseDay reads a China date as midnight at its start.
func parseDay(flagName, s string) (time.Time, error) {
	d, ok := parseChinaDate(s)
	if !ok {
		return time.Time{}, usagef("--%s %q 不是日期：请写作 2024-01-01（北京时间）", flagName, s)
	}
	return d, nil
}

func (a *app) statsClient() (pb.StatsServiceClient, error) {
	conn, err := a.connect(true)
	if err != nil {
		return nil, err
	}
	return pb.NewStatsServiceClient(conn), nil
}

func (a *app) summary(ctx context.Context, from, to time.Time, grids []string, asProse, asJSON bool) error {
	client, err := a.statsClient()
	if err != nil {
		return err
	}
	ids, err := a.resolveGrids(ctx, grids)
	if err != nil {
		return err
	}
	resp, err := client.GetSummary(ctx, &pb.GetSummaryRequest{
		From: timestamppb.New(from), To: timestamppb.New(to), GridIds: ids,
	})
	if err != nil {
		return fmt.Errorf("get summary: %w", err)
	}
	s := resp.GetSummary()
	switch {
	case asJSON:
		return writeJSON(a.stdout, s)
	case asProse:
		_, err := io.WriteString(a.stdout, prose(s, proseScope(s, len(ids) > 0)))
		return err
	}
	return writeSummary(a.stdout, s, len(ids) > 0)
}

// proseScope is who did the work in the prose: the street, or the grids
// asked for, by name.
func proseScope(s *pb.Summary, gridsNamed bool) string {
	if !gridsNamed {
		return proseScopeStreet
	}
	return strings.Join(summaryGridNames(s), "、")
}

// summaryGridNames names the grids the summary covers, as the summary
// names them in by_grid; an id it does not name is shown short.
func summaryGridNames(s *pb.Summary) []string {
	names := map[string]string{}
	for _, g := range s.GetByGrid() {
		names[g.GetGridId()] = g.GetGridName()
	}
	out := make([]string, 0, len(s.GetGridIds()))
	for _, id := range s.GetGridIds() {
		if n := names[id]; n != "" {
			out = append(out, n)
		} else {
			out = append(out, shortID(id))
		}
	}
	return out
}

// writeSummary prints every figure: the sections one under the other with
// Chinese headings, then the loop by category and by grid.
func writeSummary(w io.Writer, s *pb.Summary, gridsNamed bool) error {
	from := s.GetFrom().AsTime().In(chinaTime)
	last := s.GetTo().AsTime().In(chinaTime).Add(-time.Nanosecond)
	scope := "全部网格"
	if gridsNamed {
		scope = "网格: " + strings.Join(summaryGridNames(s), "、")
	}
	if _, err := fmt.Fprintf(w, "%s 至 %s  %s\n\n", from.Format(dateLayout), last.Format(dateLayout), scope); err != nil {
		return err
	}

	t := newTable()
	section := func(title string) {
		if len(t.rows) > 0 {
			t.add()
		}
		t.add(title)
	}
	row := func(label string, n int64) { t.add("  "+label, strconv.FormatInt(n, 10)) }

	sf := s.GetSafety()
	section("安全生产")
	row("发现安全隐患", sf.GetHazardsFound())
	row("其中立行立改", sf.GetRectifiedOnSpot())
	row("一般隐患", sf.GetGeneralHazards())
	row("重大隐患", sf.GetMajorHazards())
	row("整改销号", sf.GetHazardsRectified())
	row("隐患排查告知书", sf.GetHazardNotices())
	row("整改通知书", sf.GetRectificationOrders())
	row("执法文书", sf.GetEnforcementDocuments())
	for _, d := range sf.GetEnforcementDocumentsByDepartment() {
		name := d.GetName()
		if strings.TrimSpace(name) == "" {
			name = "(未填部门)"
		}
		row("  "+name, d.GetCount())
	}
	row("约谈企业", sf.GetEnterpriseInterviews())
	row("安全检查", sf.GetInspections())
	row("出动人次", sf.GetPersonTimes())

	p := s.GetPollutingEnterprises()
	section("散乱污企业治理")
	row("新发现", p.GetFound())
	for _, ac := range p.GetByActivity() {
		row("  "+words.Label(words.PollutingActivity, ac.GetActivity()), ac.GetCount())
	}
	row("其中外区流入", p.GetMovedInFromOutside())
	row("关停取缔", p.GetShutDown())
	row("整合搬迁", p.GetRelocated())
	row("升级改造", p.GetUpgraded())
	row("回头看", p.GetFollowUps())
	row("死灰复燃", p.GetRelapses())
	row("重点区域巡查", p.GetPatrols())

	c := s.GetIllegalConstruction()
	section("违法建设")
	row("发现", c.GetFound())
	row("其中占用耕地", c.GetOnFarmland())
	row("拆除", c.GetDemolished())
	t.add("  拆除面积(㎡)", formatDecimal(c.GetDemolishedAreaSquareMeters()))
	row("其中大型广告牌", c.GetBillboardsRemoved())
	row("其中乱堆放、乱搭盖", c.GetShedsAndStorageCleared())

	ws := s.GetWaterSources()
	section("备用水源地")
	row("巡查", ws.GetPatrols())
	row("发现隐患", ws.GetRisksFound())
	row("解决隐患", ws.GetRisksResolved())

	h := s.GetDangerousHouses()
	section("危房")
	row("认定", h.GetIdentified())
	row("其中C级", h.GetGradeC())
	row("其中D级", h.GetGradeD())
	row("改造", h.GetRenovated())
	row("拆除", h.GetDemolished())
	row("人员搬离", h.GetResidentsRelocated())
	row("期末C、D级危房住人", h.GetOccupiedDangerousNow())

	section("巡查（各类）")
	row("巡查次数", s.GetPatrols())
	row("出动人次", s.GetPatrolPersonTimes())

	l := s.GetLoop()
	section("闭环处置")
	row("受理", l.GetReported())
	row("办结", l.GetClosed())
	row("期末未办结", l.GetOpen())
	row("驳回", l.GetRejected())
	row("应结案", l.GetDue())
	row("应结已结", l.GetClosedOfDue())
	row("按期办结", l.GetClosedOnTime())
	t.add("  结案率", rateCell(l, l.GetClosureRate()))
	t.add("  按期结案率", rateCell(l, l.GetOnTimeRate()))
	row("期末逾期未办结", l.GetOpenOverdue())
	row("当前逾期", l.GetOverdueNow())
	t.add("  办结用时中位数(天)", medianCell(l))
	if err := t.write(w); err != nil {
		return err
	}

	if _, err := fmt.Fprint(w, "\n按类别\n"); err != nil {
		return err
	}
	bc := loopTable("类别")
	for _, cl := range s.GetByCategory() {
		addLoopRow(bc, words.Label(words.Category, cl.GetCategory()), cl.GetLoop())
	}
	if err := bc.write(w); err != nil {
		return err
	}
	if _, err := fmt.Fprint(w, "\n按网格\n"); err != nil {
		return err
	}
	bg := loopTable("网格")
	for _, g := range s.GetByGrid() {
		name := g.GetGridName()
		if name == "" {
			name = shortID(g.GetGridId())
		}
		addLoopRow(bg, name, g.GetLoop())
	}
	return bg.write(w)
}

// loopTable is a table of the loop per category or grid, first column
// named first.
func loopTable(first string) *table {
	return newTable(first, "受理", "办结", "未办结", "应结案", "结案率", "按期结案率", "期末逾期", "当前逾期", "用时中位数(天)")
}

func addLoopRow(t *table, name string, l *pb.LoopSummary) {
	n := func(v int64) string { return strconv.FormatInt(v, 10) }
	t.add(name, n(l.GetReported()), n(l.GetClosed()), n(l.GetOpen()), n(l.GetDue()),
		rateCell(l, l.GetClosureRate()), rateCell(l, l.GetOnTimeRate()),
		n(l.GetOpenOverdue()), n(l.GetOverdueNow()), medianCell(l))
}

// medianCell writes the median days to close, or "-" when nothing was
// closed.
func medianCell(l *pb.LoopSummary) string {
	if l.GetClosed() == 0 {
		return "-"
	}
	return formatDecimal(l.GetMedianDaysToClose())
}

// rateCell writes a rate as a percentage, or "-" when no case was due, so
// that no rate reads as 0%.
func rateCell(l *pb.LoopSummary, rate float64) string {
	if l.GetDue() == 0 {
		return "-"
	}
	return formatPercent(rate)
}
