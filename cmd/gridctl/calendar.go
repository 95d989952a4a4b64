package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/gridinspect/gridinspect"
	"github.com/gridinspect/gridinspect/internal/holidays"
	"github.com/gridinspect/gridinspect/internal/words"
	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

var calendarCommand = &command{
	name:    "calendar",
	summary: "工作日日历：法定节假日和调休上班日",
	subs:    []*command{calendarListCommand, calendarSetCommand},
}

var calendarListCommand = &command{
	name:    "list",
	summary: "列出某年的节假日安排和全年工作日天数",
	help: `工作日按周一至周五计，例外是国务院办公厅每年公布的节假日安排：放假的日子
和调休上班的周末。某年尚未录入时按周一至周五计。

示例：
  gridctl calendar list --year 2026`,
	setup: func(fs *flag.FlagSet) runFunc {
		year := fs.Int("year", 0, "`年份`（默认今年，北京时间）")
		return func(ctx context.Context, a *app, args []string) error {
			if len(args) > 0 {
				return usagef("calendar list 不带参数")
			}
			cal, err := a.calendarClient()
			if err != nil {
				return err
			}
			resp, err := cal.ListCalendarExceptions(ctx, &pb.ListCalendarExceptionsRequest{Year: int32(*year)})
			if err != nil {
				return fmt.Errorf("list the calendar: %w", err)
			}
			if a.opts.json {
				return writeJSON(a.stdout, resp)
			}
			return a.writeCalendar(resp)
		}
	},
}

var calendarSetCommand = &command{
	name:    "set",
	summary: "录入某年的节假日安排（管理员）",
	help: `从 CSV 文件录入一年的节假日安排，默认整年替换。文件每行一天：
  日期,类型,名称,依据
  2026-10-01,放假,国庆节,国务院办公厅关于2026年部分节假日安排的通知
  2026-10-10,调休上班,国庆节调休上班,国务院办公厅关于2026年部分节假日安排的通知
类型写“放假”或“调休上班”，第一行可以是表头。加 --add 只增改
文件中的日子，--remove 删去某些日子。已定的期限不变，此后按工作日定的期限按新日历计。

示例：
  gridctl calendar set --year 2027 --file 2027.csv
  gridctl calendar set --year 2026 --remove 2026-10-10`,
	setup: func(fs *flag.FlagSet) runFunc {
		year := fs.Int("year", 0, "`年份`（必填）")
		file := fs.String("file", "", "节假日安排 CSV `文件`")
		add := fs.Bool("add", false, "只增改文件中的日子，不整年替换")
		remove := fs.String("remove", "", "要删去的`日期`，逗号分隔（2026-10-10,2026-10-11）")
		return func(ctx context.Context, a *app, args []string) error {
			if len(args) > 0 {
				return usagef("calendar set 不带参数")
			}
			if *year == 0 {
				return usagef("--year 年份 必填")
			}
			if *file == "" && *remove == "" {
				return usagef("请用 --file 文件 给出节假日安排，或用 --remove 日期 删去某些日子")
			}
			req := &pb.SetCalendarExceptionsRequest{Year: int32(*year), Replace: !*add && *remove == ""}
			if *file != "" {
				f, err := os.Open(*file)
				if err != nil {
					return err
				}
				es, err := holidays.Parse(f)
				f.Close()
				var pe *holidays.ParseError
				if errors.As(err, &pe) {
					return usagef("%s 第 %d 行：%s", *file, pe.Line, pe.Chinese)
				}
				if err != nil {
					return err
				}
				for _, e := range es {
					req.Exceptions = append(req.Exceptions, &pb.CalendarException{
						Date: e.Date.Format(time.DateOnly), Kind: pb.DayKind(e.Kind), Name: e.Name, Source: e.Source})
				}
			}
			for _, d := range strings.Split(*remove, ",") {
				if d = strings.TrimSpace(d); d != "" {
					t, ok := parseChinaDate(d)
					if !ok {
						return usagef("--remove %q 不是日期：请写作 2026-10-10", d)
					}
					req.RemoveDates = append(req.RemoveDates, t.Format(time.DateOnly))
				}
			}
			cal, err := a.calendarClient()
			if err != nil {
				return err
			}
			resp, err := cal.SetCalendarExceptions(ctx, req)
			if err != nil {
				return fmt.Errorf("set the calendar of %d: %w", *year, err)
			}
			if a.opts.json {
				return writeJSON(a.stdout, resp.GetCalendar())
			}
			y := resp.GetCalendar()
			_, err = fmt.Fprintf(a.stdout, "已录入 %d 年节假日安排 %d 项，全年工作日 %d 天\n",
				y.GetYear(), len(y.GetExceptions()), y.GetWorkingDays())
			return err
		}
	},
}

// writeCalendar prints a year's exceptions as a table under a line that
// sums it up, or says the year counts Monday to Friday.
func (a *app) writeCalendar(y *pb.ListCalendarExceptionsResponse) error {
	if !y.GetAnnounced() {
		_, err := fmt.Fprintf(a.stdout, "%s（全年工作日 %d 天）\n", y.GetNote(), y.GetWorkingDays())
		return err
	}
	fmt.Fprintf(a.stdout, "%d 年：节假日安排 %d 项，全年工作日 %d 天\n", y.GetYear(), len(y.GetExceptions()), y.GetWorkingDays())
	t := newTable("日期", "星期", "安排", "名称", "依据")
	for _, e := range y.GetExceptions() {
		weekday := ""
		if d, ok := parseChinaDate(e.GetDate()); ok {
			weekday = words.Weekday[d.Weekday()]
		}
		t.add(e.GetDate(), weekday, words.Label(words.DayKind, e.GetKind()), e.GetName(), e.GetSource())
	}
	return t.write(a.stdout)
}

// warnUnannounced says on stderr when a deadline counted in working days
// ran into a year whose holidays are not entered yet, so counted Monday to
// Friday: "2027 年尚未录入节假日安排，按周一至周五计". A failure to ask is
// not the action's: it is left unsaid.
func (a *app) warnUnannounced(ctx context.Context, e *pb.Event) {
	from, to := e.GetReceivedAt(), e.GetAssignment().GetDeadline()
	n := e.GetAssignment().GetDeadlineWorkingDays()
	if ex := e.GetDeadlineExtension(); ex != nil {
		from, to, n = ex.GetPreviousDeadline(), ex.GetNewDeadline(), ex.GetDeadlineWorkingDays()
	}
	if n <= 0 || from == nil || to == nil {
		return
	}
	cal, err := a.calendarClient()
	if err != nil {
		return
	}
	day := func(ts *timestamppb.Timestamp) string {
		return ts.AsTime().In(gridinspect.ChinaZone).Format(time.DateOnly)
	}
	resp, err := cal.CountWorkingDays(ctx, &pb.CountWorkingDaysRequest{From: day(from), To: day(to)})
	if err == nil && resp.GetNote() != "" {
		fmt.Fprintf(a.stderr, "gridctl: 提示：%s\n", sanitizeLine(resp.GetNote()))
	}
}

func (a *app) calendarClient() (pb.CalendarServiceClient, error) {
	conn, err := a.connect(true)
	if err != nil {
		return nil, err
	}
	return pb.NewCalendarServiceClient(conn), nil
}
