package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"slices"
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

--by worker 打印网格员考核表，每名网格员一行（按网格的官方顺序，同一网格按姓名
拼音）；--by grid 每个网格一行。各列：上报数为期内上报的报告；办理数为期内在办
过的案件（期初在办，或期内有进展）；应结案数、按期办结数和按期办结率与上面的
结案率口径相同；首次核查未通过数为第一次核查在期内且未通过的案件；反弹数为期内
回头看发现反弹的次数；巡查次数为期内开始的巡查；平均办结天数为期内每次结案距
发现的天数的平均。案件计入期末的派遣对象；未派遣而立行立改的，计入上报人；只派
给责任单位的，只计入网格。--xlsx 文件 把同一张表另存为 Excel 工作簿。

示例：
  gridctl summary
  gridctl summary --from 2024-01-01 --to 2024-06-30
  gridctl summary --from 2024-01-01 --to 2024-06-30 --grid 红星村 --prose
  gridctl summary --by worker
  gridctl summary --by grid --xlsx 考核.xlsx
  gridctl summary --street 1,2       （区级账号：两个街道合计）`,
	setup: func(fs *flag.FlagSet) runFunc {
		var grids stringsFlag
		var streets streetsFlag
		from := fs.String("from", "", "时期的第一天，北京时间的`日期`（2024-01-01）；与 --to 都不给时为本半年")
		to := fs.String("to", "", "时期的最后一天（含），北京时间的`日期`（2024-06-30）；与 --from 都不给时为本半年")
		fs.Var(&grids, "grid", "只统计网格 `名称或编号`；多个网格重复此选项")
		fs.Var(&streets, "street", "区级账号：只统计这些街道（`编号`，可重复或用逗号分隔）；不给时合计其所有街道")
		asProse := fs.Bool("prose", false, "写成总结材料的中文段落，而不是表格")
		asJSON := fs.Bool("json", false, "以 JSON 格式打印统计数据（同全局 --json）")
		by := fs.String("by", "", "打印网格员考核表，每行一`项`：worker 每名网格员一行，grid 每个网格一行")
		xlsx := fs.String("xlsx", "", "把考核表另存为 Excel 工作簿`文件`（与 --by 同用）")
		return func(ctx context.Context, a *app, args []string) error {
			if len(args) > 0 {
				return usagef("summary 不带参数（选项：--from、--to、--grid、--street、--prose、--by、--xlsx）")
			}
			perWorker, err := appraisalBy(*by, *xlsx, *asProse)
			if err != nil {
				return err
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
			if *by != "" {
				return a.appraisal(ctx, start, end, grids, streets, perWorker, *xlsx, jsonOut)
			}
			return a.summary(ctx, start, end, grids, streets, *asProse, jsonOut)
		}
	},
}

// summaryPeriod is the period of summary: --from and --to when given,
// else the half-year of today (China time) with a note saying which.
func summaryPeriod(from, to string, today time.Time) (time.Time, time.Time, string, error) {
	from, to = strings.TrimSpace(from), strings.TrimSpace(to)
	switch {
	case from == "" && to == "":
		start, end, note := words.CurrentHalfYear(today.In(chinaTime))
		return start, end, note, nil
	case to == "":
		return time.Time{}, time.Time{}, "", usagef("缺少 --to：--from %s 已给出，还需时期的最后一天，例如 --to 2024-06-30（两个都不给则统计本半年）", from)
	case from == "":
		return time.Time{}, time.Time{}, "", usagef("缺少 --from：--to %s 已给出，还需时期的第一天，例如 --from 2024-01-01（两个都不给则统计本半年）", to)
	}
	start, end, err := parsePeriod(from, to)
	return start, end, "", err
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

func (a *app) summary(ctx context.Context, from, to time.Time, grids []string, streets []int64, asProse, asJSON bool) error {
	client, err := a.statsClient()
	if err != nil {
		return err
	}
	ids, err := a.resolveGrids(ctx, grids)
	if err != nil {
		return err
	}
	resp, err := client.GetSummary(ctx, &pb.GetSummaryRequest{
		From: timestamppb.New(from), To: timestamppb.New(to), GridIds: ids, StreetIds: streets,
	})
	if err != nil {
		return fmt.Errorf("get summary: %w", err)
	}
	s := resp.GetSummary()
	switch {
	case asJSON:
		return writeJSON(a.stdout, s)
	case asProse:
		_, err := io.WriteString(a.stdout, words.Prose(s, proseScope(s, len(ids) > 0), chinaTime))
		return err
	}
	return writeSummary(a.stdout, s, len(ids) > 0, a.streetsScope(ctx, streets),
		gridStreets(s.GetByGrid(), func() []*pb.Street { return a.callerStreets(ctx) }))
}

// proseScope is who did the work in the prose: the street, or the grids
// asked for, by name.
func proseScope(s *pb.Summary, gridsNamed bool) string {
	if !gridsNamed {
		return words.ProseStreet
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

// streetsScope names the streets a district account asked for (--street),
// by name as WhoAmI gives them, to go before the grids; "" when it asked
// for none. Should WhoAmI fail, a street is named by its number.
func (a *app) streetsScope(ctx context.Context, streets []int64) string {
	if len(streets) == 0 {
		return ""
	}
	return "街道: " + words.StreetsScope(streets, a.callerStreets(ctx)) + "  "
}

// callerStreets are the streets the caller reads, named, as WhoAmI gives
// them; nil should WhoAmI fail (a street is then named by its number).
func (a *app) callerStreets(ctx context.Context) []*pb.Street {
	client, err := a.authClient(true)
	if err != nil {
		return nil
	}
	resp, err := client.WhoAmI(ctx, &pb.WhoAmIRequest{})
	if err != nil {
		return nil
	}
	return resp.GetStreets()
}

// gridStreets names the street of each grid (or worker) row when the rows
// are of several streets (a district account's), for a 街道 column before
// the grid; nil when they are of one street, whose tables stay as they were.
// named are the caller's streets (callerStreets), asked only then.
func gridStreets[T interface{ GetStreetId() int64 }](rows []T, named func() []*pb.Street) func(T) string {
	if !slices.ContainsFunc(rows, func(r T) bool { return r.GetStreetId() != rows[0].GetStreetId() }) {
		return nil
	}
	name := words.StreetNamer(named())
	return func(r T) string { return name(r.GetStreetId()) }
}

// writeSummary prints every figure: the sections one under the other with
// Chinese headings, then the loop by category and by grid; streets is the
// streets' part of the scope (streetsScope), streetOf names each grid
// row's street when they are of several (gridStreets), else nil.
func writeSummary(w io.Writer, s *pb.Summary, gridsNamed bool, streets string, streetOf func(*pb.GridLoop) string) error {
	from := s.GetFrom().AsTime().In(chinaTime)
	last := s.GetTo().AsTime().In(chinaTime).Add(-time.Nanosecond)
	scope := "全部网格"
	if gridsNamed {
		scope = "网格: " + strings.Join(summaryGridNames(s), "、")
	}
	scope = streets + scope
	if _, err := fmt.Fprintf(w, "%s 至 %s  %s\n\n", from.Format(dateLayout), last.Format(dateLayout), scope); err != nil {
		return err
	}

	t := newTable()
	for _, sec := range words.SummarySections(s) {
		if len(t.rows) > 0 {
			t.add()
		}
		t.add(sec.Title)
		for _, r := range sec.Rows {
			indent := "  "
			if r.Part {
				indent = "    "
			}
			t.add(indent+r.Label, r.Value)
		}
	}
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
	if streetOf != nil {
		bg = newTable(append([]string{"街道", "网格"}, words.LoopColumns...)...)
	}
	for _, g := range s.GetByGrid() {
		name := g.GetGridName()
		if name == "" {
			name = shortID(g.GetGridId())
		}
		if streetOf != nil {
			bg.add(append([]string{streetOf(g), name}, words.LoopCells(g.GetLoop())...)...)
			continue
		}
		addLoopRow(bg, name, g.GetLoop())
	}
	return bg.write(w)
}

// loopTable is a table of the loop per category or grid, first column
// named first.
func loopTable(first string) *table {
	return newTable(append([]string{first}, words.LoopColumns...)...)
}

func addLoopRow(t *table, name string, l *pb.LoopSummary) {
	t.add(append([]string{name}, words.LoopCells(l)...)...)
}
