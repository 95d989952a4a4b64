package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/gridinspect/gridinspect/internal/words"
	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

// periodFlags are the units of a schedule's period as --period names them.
var periodFlags = map[string]pb.PatrolPeriod{
	"day":     pb.PatrolPeriod_PATROL_PERIOD_DAY,
	"week":    pb.PatrolPeriod_PATROL_PERIOD_WEEK,
	"month":   pb.PatrolPeriod_PATROL_PERIOD_MONTH,
	"workday": pb.PatrolPeriod_PATROL_PERIOD_WORKING_DAY,
}

// patrolKindFlags are the kinds of patrol as --kind names them.
var patrolKindFlags = map[string]pb.PatrolKind{
	"water":     pb.PatrolKind_PATROL_KIND_WATER_SOURCE,
	"pollution": pb.PatrolKind_PATROL_KIND_POLLUTION_AREA,
	"safety":    pb.PatrolKind_PATROL_KIND_SAFETY,
	"general":   pb.PatrolKind_PATROL_KIND_GENERAL,
}

var patrolsCommand = &command{
	name:    "patrols",
	summary: "巡查计划：待巡和漏巡的巡查，设置巡查频次",
	help: `gridctl patrols --due 列出巡查计划要求而尚未完成的巡查：先列漏巡（周期已过而巡查次数不够），
最早的在最上；再列本周期待巡的，最早截止的在上。周期按中国时间的自然日、周（周一起）、月计；
按工作日的计划按管理员维护的节假日安排计（法定假日不计，调休上班的周末计入），休息日没有待巡。

示例：
  gridctl patrols --due
  gridctl patrols --due --grid 红星村 --since 2024-06-01
  gridctl patrols schedule --subject 长山备用水源地 --period week
  gridctl patrols schedule --grid 金石社区 --period day --every 10 --kind general`,
	setup: func(fs *flag.FlagSet) runFunc {
		due := fs.Bool("due", false, "列出待巡和漏巡的巡查")
		var grids stringsFlag
		fs.Var(&grids, "grid", "只列网格 `名称或编号` 的；多个网格重复此选项")
		since := fs.String("since", "", "列出此`日期`以来漏巡的周期（默认 30 天内）")
		return func(ctx context.Context, a *app, args []string) error {
			if !*due {
				return usagef("patrols 需要 --due 或子命令（schedule、schedules、unschedule）")
			}
			if len(args) > 0 {
				return usagef("patrols --due 不带参数")
			}
			req := &pb.ListDuePatrolsRequest{}
			if *since != "" {
				d, ok := parseChinaDate(*since)
				if !ok {
					return usagef("--since 须是日期，如 2024-06-01")
				}
				req.MissedSince = timestamppb.New(d)
			}
			return a.listDuePatrols(ctx, req, grids)
		}
	},
	subs: []*command{patrolsScheduleCommand, patrolsSchedulesCommand, patrolsUnscheduleCommand},
}

var patrolsScheduleCommand = &command{
	name:    "schedule",
	summary: "设置一个对象或网格的巡查频次（主管、管理员）",
	help: `为一个对象（水源地、散乱污企业、危房户等）或一个网格设置巡查计划：每 --every 个
--period（天、周、月、工作日）巡查 --times 次。工作日按管理员维护的节假日安排计。已有计划的，新计划从其所在周期起替换旧计划，
此前已结束的周期仍按旧计划统计。

示例：
  gridctl patrols schedule --subject 长山备用水源地 --period week
  gridctl patrols schedule --subject 张三户 --period month --times 2 --from 2024-06-01
  gridctl patrols schedule --grid 金石社区 --period day --every 10 --kind general
  gridctl patrols schedule --subject 长山备用水源地 --period workday`,
	setup: func(fs *flag.FlagSet) runFunc {
		subject := fs.String("subject", "", "巡查对象的`名称或编号`")
		grid := fs.String("grid", "", "网格的`名称或编号`（网格内的巡查都算）")
		period := fs.String("period", "", "周期`单位`："+helpChoices(periodFlags))
		every := fs.Int("every", 1, "每几个单位为一个周期（`个数`），如 --period day --every 10 为每 10 天")
		times := fs.Int("times", 1, "每个周期应巡`次数`")
		kind := fs.String("kind", "", "只算此`类型`的巡查："+helpChoices(patrolKindFlags)+"；默认不限")
		from := fs.String("from", "", "计划自此`日期`所在的周期起算（默认今天）")
		note := fs.String("note", "", "`备注`")
		return func(ctx context.Context, a *app, args []string) error {
			if len(args) > 0 {
				return usagef("patrols schedule 不带参数（用 --subject 或 --grid 指定对象）")
			}
			if *period == "" {
				return usagef("需要 --period（%s）", flagChoices(periodFlags))
			}
			s := &pb.PatrolSchedule{Every: int32(*every), Times: int32(*times), Note: *note}
			var err error
			if s.Period, err = parseChoice("period", periodFlags, *period); err != nil {
				return err
			}
			if *kind != "" {
				if s.Kind, err = parseChoice("kind", patrolKindFlags, *kind); err != nil {
					return err
				}
			}
			if *from != "" {
				d, ok := parseChinaDate(*from)
				if !ok {
					return usagef("--from 须是日期，如 2024-06-01")
				}
				s.StartsAt = timestamppb.New(d)
			}
			if s.SubjectId, s.GridId, err = a.resolveTarget(ctx, *subject, *grid); err != nil {
				return err
			}
			client, err := a.scheduleClient()
			if err != nil {
				return err
			}
			resp, err := client.SetPatrolSchedule(ctx, &pb.SetPatrolScheduleRequest{Schedule: s})
			if err != nil {
				return fmt.Errorf("设置巡查计划：%w", err)
			}
			if a.opts.json {
				return writeJSON(a.stdout, resp.GetSchedule())
			}
			got := resp.GetSchedule()
			_, err = fmt.Fprintf(a.stdout, "已设置巡查计划：%s %s，自 %s 起\n", scheduleTarget(got), scheduleFrequency(got),
				formatDate(got.GetStartsAt()))
			return err
		}
	},
}

var patrolsSchedulesCommand = &command{
	name:    "schedules",
	summary: "列出执行中的巡查计划",
	setup: func(fs *flag.FlagSet) runFunc {
		var grids stringsFlag
		fs.Var(&grids, "grid", "只列网格 `名称或编号` 的；多个网格重复此选项")
		return func(ctx context.Context, a *app, args []string) error {
			if len(args) > 0 {
				return usagef("patrols schedules 不带参数")
			}
			ids, err := a.resolveGrids(ctx, grids)
			if err != nil {
				return err
			}
			client, err := a.scheduleClient()
			if err != nil {
				return err
			}
			resp, err := client.ListPatrolSchedules(ctx, &pb.ListPatrolSchedulesRequest{GridIds: ids})
			if err != nil {
				return fmt.Errorf("列出巡查计划：%w", err)
			}
			if a.opts.json {
				return writeJSONList(a.stdout, resp.GetSchedules())
			}
			if len(resp.GetSchedules()) == 0 {
				_, err := fmt.Fprintln(a.stdout, "没有执行中的巡查计划")
				return err
			}
			t := newTable("网格", "巡查对象", "频次", "起算", "备注")
			for _, s := range resp.GetSchedules() {
				t.add(s.GetGridName(), words.PatrolObject(s, ""), scheduleFrequency(s), formatDate(s.GetStartsAt()),
					truncateWidth(s.GetNote(), descriptionWidth))
			}
			return t.write(a.stdout)
		}
	},
}

var patrolsUnscheduleCommand = &command{
	name:    "unschedule",
	summary: "停止一个对象或网格的巡查计划（主管、管理员）",
	setup: func(fs *flag.FlagSet) runFunc {
		subject := fs.String("subject", "", "巡查对象的`名称或编号`")
		grid := fs.String("grid", "", "网格的`名称或编号`")
		return func(ctx context.Context, a *app, args []string) error {
			if len(args) > 0 {
				return usagef("patrols unschedule 不带参数（用 --subject 或 --grid 指定对象）")
			}
			subjectID, gridID, err := a.resolveTarget(ctx, *subject, *grid)
			if err != nil {
				return err
			}
			client, err := a.scheduleClient()
			if err != nil {
				return err
			}
			if _, err := client.DeletePatrolSchedule(ctx, &pb.DeletePatrolScheduleRequest{SubjectId: subjectID, GridId: gridID}); err != nil {
				return fmt.Errorf("停止巡查计划：%w", err)
			}
			_, err = fmt.Fprintln(a.stdout, "已停止巡查计划；此前已结束的周期仍计入统计")
			return err
		}
	},
}

func (a *app) scheduleClient() (pb.PatrolScheduleServiceClient, error) {
	conn, err := a.connect(true)
	if err != nil {
		return nil, err
	}
	return pb.NewPatrolScheduleServiceClient(conn), nil
}

// resolveTarget resolves --subject or --grid (exactly one) to ids.
func (a *app) resolveTarget(ctx context.Context, subject, grid string) (subjectID, gridID string, err error) {
	switch {
	case subject == "" && grid == "":
		return "", "", usagef("需要 --subject 或 --grid")
	case subject != "" && grid != "":
		return "", "", usagef("--subject 和 --grid 只能用一个")
	case grid != "":
		ids, err := a.resolveGrids(ctx, []string{grid})
		if err != nil {
			return "", "", err
		}
		return "", ids[0], nil
	}
	if u, err := uuid.Parse(strings.TrimSpace(subject)); err == nil {
		return u.String(), "", nil
	}
	dir, err := a.directoryClient()
	if err != nil {
		return "", "", err
	}
	var found []*pb.Subject
	err = paginate(func(token string) (string, error) {
		resp, err := dir.ListSubjects(ctx, &pb.ListSubjectsRequest{Query: strings.TrimSpace(subject), PageSize: listPageSize, PageToken: token})
		if err != nil {
			return "", fmt.Errorf("查找对象：%w", err)
		}
		for _, s := range resp.GetSubjects() {
			if s.GetName() == strings.TrimSpace(subject) {
				found = append(found, s)
			}
		}
		return resp.GetNextPageToken(), nil
	})
	switch {
	case err != nil:
		return "", "", err
	case len(found) == 0:
		return "", "", fmt.Errorf("没有名为 %q 的对象", subject)
	case len(found) > 1:
		return "", "", errors.New("有多个名为 " + subject + " 的对象，请用编号指定")
	}
	return found[0].GetId(), "", nil
}

// scheduleTarget is the grid and the object: "红星村 长山备用水源地（水源地）".
func scheduleTarget(s *pb.PatrolSchedule) string {
	return s.GetGridName() + " " + words.PatrolObject(s, "")
}

func scheduleFrequency(s *pb.PatrolSchedule) string { return words.PatrolFrequency(s) }

// listDuePatrols prints what the schedules want: missed, then due.
func (a *app) listDuePatrols(ctx context.Context, req *pb.ListDuePatrolsRequest, grids []string) error {
	var err error
	if req.GridIds, err = a.resolveGrids(ctx, grids); err != nil {
		return err
	}
	client, err := a.scheduleClient()
	if err != nil {
		return err
	}
	resp, err := client.ListDuePatrols(ctx, req)
	if err != nil {
		return fmt.Errorf("列出待巡巡查：%w", err)
	}
	if a.opts.json {
		return writeJSONList(a.stdout, resp.GetDue())
	}
	at := resp.GetAt().AsTime()
	if len(resp.GetDue()) == 0 {
		_, err := fmt.Fprintf(a.stdout, "截至 %s 没有待巡或漏巡的巡查\n", formatTime(at))
		return err
	}
	colour := a.useColour()
	t := newTable("状态", "网格", "巡查对象", "频次", "周期", "已巡/应巡", "期限")
	var missedPeriods, missedPatrols, due int
	for _, d := range resp.GetDue() {
		s := d.GetSchedule()
		state, style, when := "待巡", "", dueIn(d, at)
		if d.GetMissed() {
			state = "漏巡"
			missedPeriods++
			missedPatrols += int(d.GetWanted() - d.GetDone())
			if colour {
				style = styleRed
			}
		} else {
			due++
		}
		t.addStyled(style, state, s.GetGridName(), words.PatrolObject(s, ""), scheduleFrequency(s), words.DuePeriod(d, chinaTime),
			fmt.Sprintf("%d/%d", d.GetDone(), d.GetWanted()), when)
	}
	if _, err := fmt.Fprintf(a.stdout, "截至 %s（中国时间）\n", formatTime(at)); err != nil {
		return err
	}
	if err := t.write(a.stdout); err != nil {
		return err
	}
	tally := fmt.Sprintf("本周期待巡 %d 项", due)
	if missedPeriods > 0 {
		tally = fmt.Sprintf("漏巡 %d 个周期（少巡 %d 次），", missedPeriods, missedPatrols) + tally
	}
	_, err = fmt.Fprintln(a.stdout, tally)
	return err
}

// dueIn says how long ago a missed period ended, or how long is left of
// the period under way.
func dueIn(d *pb.DuePatrol, at time.Time) string {
	last := d.GetPeriodEnd().AsTime().Add(-time.Nanosecond)
	if d.GetMissed() {
		return "已过" + formatDays(daysOverdue(last, at))
	}
	switch n := int(chinaDate(last).Sub(chinaDate(at)).Hours() / 24); {
	case n <= 0:
		return "今天截止"
	default:
		return "还剩" + formatDays(n)
	}
}
