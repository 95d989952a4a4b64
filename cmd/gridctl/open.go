package main

import (
	"context"
	"flag"
	"fmt"
	"slices"
	"time"

	"github.com/gridinspect/gridinspect/internal/words"
	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

// Limits of the open list.
const (
	// dueSoonDays: a case due within this many days is shown in yellow.
	dueSoonDays = 3
	// descriptionWidth is how many terminal columns of a description the
	// list shows.
	descriptionWidth = 40
)

var openCommand = &command{
	name:    "open",
	summary: "列出在办案件：逾期的在前，其余按期限排序",
	help: `列出可见的全部在办案件（不含已结案、已驳回）：逾期的在前，逾期最久的在最上，
其余按期限排序，没有期限的（尚未派遣）在最后。编号列显示每个编号的末 8 位，
所有接受报告的命令都认。

在终端上，逾期案件为红色，3 天内到期的为黄色；设置环境变量 NO_COLOR 可关闭颜色。
--json 以 JSON 格式打印报告，供脚本使用。

逾期指案件处于已派遣或整改中而期限已过；待核查的案件不算逾期。案件逾期后，
服务器自动督办（每个期限一次，由"系统"记入时间线）；--supervised 只列督办案件，
并显示督办时间。

示例：
  gridctl open --grid 红星村 --category 安全隐患 --category 散乱污企业
  gridctl open --overdue
  gridctl open --supervised
  gridctl open --due-within 7 --assignee worker01
  gridctl open --follow-up-due
  gridctl open --returned

退回补充的案件仍是「已上报」，状态列标为「已上报·退回补充」；--returned 只列
这些等待上报人补充材料的案件。`,
	setup: func(fs *flag.FlagSet) runFunc {
		var grids, categories stringsFlag
		fs.Var(&grids, "grid", "只列网格 `名称或编号` 的案件；多个网格重复此选项")
		fs.Var(&categories, "category", "只列该`类别`的案件，可重复；类别为 "+helpChoices(categoryFlags))
		assignee := fs.String("assignee", "", "只列派给 `名称`（用户名或姓名，或用户编号）的案件")
		overdue := fs.Bool("overdue", false, "只列逾期案件")
		dueWithin := fs.Int("due-within", 0, "只列 `天数` 天内到期、仍待整改（已派遣、整改中）的案件，含已逾期的")
		pending := fs.Bool("pending-verification", false, "只列待核查的案件")
		followUp := fs.Bool("follow-up-due", false, "不列在办案件，改列到期需回头看的已结案案件")
		supervised := fs.Bool("supervised", false, "只列逾期后已由系统督办的在办案件")
		returned := fs.Bool("returned", false, "只列退回补充、等待上报人补充材料的案件")
		return func(ctx context.Context, a *app, args []string) error {
			if len(args) > 0 {
				return usagef("open 不带参数（选项：--grid、--category、--assignee、--overdue 等）")
			}
			if *dueWithin < 0 {
				return usagef("--due-within 不能为负数")
			}
			if *returned && (*followUp || *overdue || *dueWithin > 0 || *pending || *supervised) {
				return usagef("--returned 列出尚未派遣的案件：不能与 --follow-up-due、--overdue、--due-within、--pending-verification 或 --supervised 同用")
			}
			if *followUp && (*overdue || *dueWithin > 0 || *pending || *supervised) {
				return usagef("--follow-up-due 列出已结案的案件：不能与 --overdue、--due-within、--pending-verification 或 --supervised 同用")
			}
			req := &pb.ListReportsRequest{
				OpenOnly:       !*followUp,
				FollowUpDue:    *followUp,
				OverdueOnly:    *overdue,
				SupervisedOnly: *supervised,
				DueWithinDays:  int32(*dueWithin),
				OrderBy:        pb.ReportOrder_REPORT_ORDER_DEADLINE,
				ReturnedOnly:   *returned,
			}
			if *pending {
				req.Statuses = []pb.ReportStatus{pb.ReportStatus_REPORT_STATUS_PENDING_VERIFICATION}
			}
			for _, c := range categories {
				cat, err := parseChoice("category", categoryFlags, c)
				if err != nil {
					return err
				}
				req.Categories = append(req.Categories, cat)
			}
			return a.listOpen(ctx, req, grids, *assignee)
		}
	},
}

func (a *app) listOpen(ctx context.Context, req *pb.ListReportsRequest, grids []string, assignee string) error {
	client, err := a.reportClient()
	if err != nil {
		return err
	}
	if req.GridIds, err = a.resolveGrids(ctx, grids); err != nil {
		return err
	}
	if assignee != "" {
		dir, err := a.directoryClient()
		if err != nil {
			return err
		}
		if req.AssigneeId, err = resolveUser(ctx, dir, assignee); err != nil {
			return err
		}
	}
	reports, err := listAllReports(ctx, client, req)
	if err != nil {
		return err
	}
	// The server orders by deadline; a case waiting for verification is
	// not overdue however old its deadline, so the overdue ones are moved
	// up here, keeping that order among them.
	slices.SortStableFunc(reports, func(x, y *pb.Report) int {
		switch {
		case x.GetOverdue() == y.GetOverdue():
			return 0
		case x.GetOverdue():
			return -1
		}
		return 1
	})
	if a.opts.json {
		return writeJSONList(a.stdout, reports)
	}
	return a.writeOpen(ctx, reports, req.GetFollowUpDue(), req.GetSupervisedOnly())
}

// listAllReports reads every page of ListReports for req.
func listAllReports(ctx context.Context, client pb.ReportServiceClient, req *pb.ListReportsRequest) ([]*pb.Report, error) {
	var all []*pb.Report
	req.PageSize = listPageSize
	err := paginate(func(token string) (string, error) {
		req.PageToken = token
		resp, err := client.ListReports(ctx, req)
		if err != nil {
			return "", fmt.Errorf("list reports: %w", err)
		}
		all = append(all, resp.GetReports()...)
		return resp.GetNextPageToken(), nil
	})
	return all, err
}

// writeOpen prints the cases as a table and a count.
func (a *app) writeOpen(ctx context.Context, reports []*pb.Report, followUp, supervised bool) error {
	if len(reports) == 0 {
		if followUp {
			_, err := fmt.Fprintln(a.stdout, "没有到期需回头看的案件")
			return err
		}
		if supervised {
			_, err := fmt.Fprintln(a.stdout, "没有督办案件")
			return err
		}
		_, err := fmt.Fprintln(a.stdout, "没有在办案件")
		return err
	}
	names := a.lookupNames(ctx)
	colour := a.useColour()
	at := now()
	dateHeader := "期限"
	if followUp {
		dateHeader = "回头看" // the date the check is due
	}
	headers := []string{"编号", "类别", "状态", "网格", dateHeader, "逾期", "派遣对象", "描述"}
	if supervised {
		headers = slices.Insert(headers, 6, "督办时间")
	}
	t := newTable(headers...)
	overdue := 0
	for _, r := range reports {
		late := ""
		if r.GetOverdue() {
			overdue++
			late = formatDays(max(1, daysOverdue(r.GetDeadline().AsTime(), at)))
		}
		deadline := formatDate(r.GetDeadline())
		if followUp {
			deadline = formatDate(r.GetFollowUpDue())
		}
		style := ""
		if colour {
			style = rowStyle(r, at)
		}
		row := []string{
			shortID(r.GetId()),
			words.Label(words.Category, r.GetCategory()),
			words.StatusWord(r),
			names.grid(r.GetGridId()),
			deadline,
			late,
			names.assignee(r),
			truncateWidth(r.GetDescription(), descriptionWidth),
		}
		if supervised {
			row = slices.Insert(row, 6, formatMinute(r.GetSupervisedAt()))
		}
		t.addStyled(style, row...)
	}
	if err := t.write(a.stdout); err != nil {
		return err
	}
	switch {
	case followUp:
		_, err := fmt.Fprintf(a.stdout, "%d 件案件到期需回头看\n", len(reports))
		return err
	case supervised:
		_, err := fmt.Fprintf(a.stdout, "督办 %d 件，其中仍逾期 %d 件\n", len(reports), overdue)
		return err
	default:
		_, err := fmt.Fprintf(a.stdout, "在办 %d 件，逾期 %d 件\n", len(reports), overdue)
		return err
	}
}

// rowStyle is the colour of a case's row: red when overdue, yellow when
// it is being worked on and due within dueSoonDays.
func rowStyle(r *pb.Report, at time.Time) string {
	switch {
	case r.GetOverdue():
		return styleRed
	case r.GetDeadline() == nil:
		return ""
	}
	working := r.GetStatus() == pb.ReportStatus_REPORT_STATUS_ASSIGNED || r.GetStatus() == pb.ReportStatus_REPORT_STATUS_RECTIFYING
	if working && r.GetDeadline().AsTime().Sub(at) <= dueSoonDays*24*time.Hour {
		return styleYellow
	}
	return ""
}

// nameBook turns grid ids into names, as far as the caller may list
// them; an id it cannot name is shown short. People need no book: the
// server names them on the reports and events it sends (reporter_name,
// assignee_name, actor_name), to workers too, who may not list users.
type nameBook struct {
	grids map[string]string
	// subject is the name of the report shown, if it has a subject.
	subject string
}

// lookupNames reads the names of the grids.
func (a *app) lookupNames(ctx context.Context) *nameBook {
	n := &nameBook{grids: map[string]string{}}
	dir, err := a.directoryClient()
	if err != nil {
		return n
	}
	if grids, err := listAllGrids(ctx, dir); err == nil {
		for _, g := range grids {
			n.grids[g.GetId()] = g.GetName()
		}
	}
	return n
}

func (n *nameBook) grid(id string) string {
	if id == "" {
		return "-"
	}
	if name, ok := n.grids[id]; ok && name != "" {
		return name
	}
	return shortID(id)
}

// person names the user id by the name the server gave for it, else (a
// server too old to name people) by its short id.
func person(id, name string) string {
	switch {
	case name != "":
		return name
	case id == "":
		return "-"
	}
	return shortID(id)
}

// assignee names who must fix the case: the person, else the unit.
func (n *nameBook) assignee(r *pb.Report) string {
	if r.GetAssigneeId() != "" {
		return person(r.GetAssigneeId(), r.GetAssigneeName())
	}
	if r.GetResponsibleUnit() != "" {
		return r.GetResponsibleUnit()
	}
	return "-"
}
