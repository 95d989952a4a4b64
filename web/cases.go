package web

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/gridinspect/gridinspect"
	"github.com/gridinspect/gridinspect/internal/words"
	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

// Bounds of the case list.
const (
	// casePageSize is how many cases a page shows.
	casePageSize = 50
	// maxListCalls bounds the ListReports calls one page makes (see
	// listCases).
	maxListCalls = 10
	// descriptionChars is how many characters of a description a row shows.
	descriptionChars = 40
	// dueSoonDays: a case being worked on and due within this many days is
	// marked, as gridctl open colours it.
	dueSoonDays = 3
)

// casesView is the case list's data.
type casesView struct {
	FilterForm
	Rows []caseRow
	// NextURL is the next page's, "" on the last; FirstURL the first
	// page's when this is a later one.
	NextURL, FirstURL string
	// ExportCSV and ExportXLSX export the filter; "" for a user who may
	// not export (the store lets supervisors and admins only).
	ExportCSV  string
	ExportXLSX string
	// Problems are the filter's, in Chinese; Error the API's.
	Problems []string
	Error    *errorView
}

// choice is one option of a filter's select.
type choice struct {
	Value, Label string
	Selected     bool
}

// caseRow is one case of the list, in the office's words.
type caseRow struct {
	ID, ShortID       string
	Category, Status  string
	Description, Grid string
	Deadline          string
	// FollowUp is the date the follow-up (回头看) is due.
	FollowUp         string
	Assignee         string
	Overdue, DueSoon bool
	OverdueDays      int
	// Supervised marks a case the server escalated to supervision (督办).
	Supervised bool
}

// cases is the case list (案件): the filter of gridctl open and more,
// overdue cases first, a page at a time, with the export of the filter.
func (d *desk) cases(w http.ResponseWriter, r *http.Request, user *pb.User) {
	v := view{Title: "案件", User: user, Nav: "cases"}
	f, req, problems := parseCaseFilter(r.URL.Query())
	grids, err := d.gridNames(r)
	if err != nil {
		d.fail(w, r, v, err)
		return
	}
	cv := casesView{FilterForm: newFilterForm(f, grids, func(gridinspect.Status) bool { return true }), Problems: problems}
	cv.Path, cv.ID, cv.AnyStatus, cv.List = "/cases", "case-filter", "全部状态", true
	cv.Scopes = choices([][2]string{{scopeOpen, "在办"}, {scopeAll, "全部"}, {scopeFollowUp, "到期回头看"}}, []string{f.Scope})
	code := http.StatusOK
	if req != nil {
		if v.actor().IsSupervisor() {
			cv.ExportCSV, cv.ExportXLSX = exportURL(req, "csv"), exportURL(req, "xlsx")
		}
		reports, next, err := d.listCases(r, req, f.Page)
		if err != nil {
			if unauthenticated(err) {
				http.Redirect(w, r, loginURL(r), http.StatusSeeOther)
				return
			}
			ev := d.chinese(err)
			cv.Error, code = &ev, httpStatus(err)
		}
		now := d.cfg.Now()
		for _, rep := range reports {
			cv.Rows = append(cv.Rows, newCaseRow(rep, grids, now))
		}
		if next != "" {
			cv.NextURL = f.pageURL(next)
		}
		if f.Page != "" {
			cv.FirstURL = f.pageURL("")
		}
	} else {
		code = http.StatusBadRequest
	}
	v.Data = cv
	d.render(w, r, code, "cases", v)
}

// listCases returns one page of the cases req lists, overdue ones first,
// and the next page's token ("" on the last).
//
// ListReports orders by deadline, which puts a case pending verification
// (not overdue, whatever its deadline) among the overdue ones. So the list
// is read in two phases: first the overdue cases (overdue_only), then the
// rest without them. A token is the phase ("o." or "r.") and the API's
// token within it. A page is filled from both phases if need be, asking
// each call for just the rows still missing; maxListCalls bounds the
// calls when the rest holds many overdue cases to skip.
func (d *desk) listCases(r *http.Request, req *pb.ListReportsRequest, token string) ([]*pb.Report, string, error) {
	twoPhases := !req.GetOverdueOnly() && !req.GetFollowUpDue()
	phase, apiToken := "r", ""
	if twoPhases {
		phase = "o"
	}
	if token != "" {
		p, t, ok := strings.Cut(token, ".")
		if !ok || (p != "o" && p != "r") || (p == "o" && !twoPhases) {
			return nil, "", status.Error(codes.InvalidArgument, "web: bad page")
		}
		phase, apiToken = p, t
	}
	ctx, err := d.call(r, pb.ReportService_ListReports_FullMethodName)
	if err != nil {
		return nil, "", err
	}
	var out []*pb.Report
	for calls := 0; len(out) < casePageSize && calls < maxListCalls; calls++ {
		resp, err := d.listPhase(ctx, req, phase, apiToken, casePageSize-len(out))
		if err != nil {
			return nil, "", err
		}
		for _, rep := range resp.GetReports() {
			if phase == "r" && twoPhases && rep.GetOverdue() {
				continue // listed in the first phase
			}
			out = append(out, rep)
		}
		apiToken = resp.GetNextPageToken()
		if apiToken == "" {
			if phase == "r" {
				return out, "", nil
			}
			phase = "r"
		}
	}
	return out, phase + "." + apiToken, nil
}

func (d *desk) listPhase(ctx context.Context, req *pb.ListReportsRequest, phase, token string, size int) (*pb.ListReportsResponse, error) {
	req = proto.CloneOf(req)
	req.PageToken, req.PageSize = token, int32(size)
	if phase == "o" {
		req.OverdueOnly = true
	}
	return d.reports.ListReports(ctx, req)
}

// gridBook names the grids the user may see, in the office's order.
type gridBook struct {
	order []string
	names map[string]string
}

func (b gridBook) name(id string) string {
	if n, ok := b.names[id]; ok && n != "" {
		return n
	}
	if id == "" {
		return "-"
	}
	return shortID(id)
}

// gridNames reads the grids the user may see.
func (d *desk) gridNames(r *http.Request) (gridBook, error) {
	b := gridBook{names: map[string]string{}}
	ctx, err := d.call(r, pb.DirectoryService_ListGrids_FullMethodName)
	if err != nil {
		return b, err
	}
	token := ""
	for {
		resp, err := d.dir.ListGrids(ctx, &pb.ListGridsRequest{PageSize: 500, PageToken: token})
		if err != nil {
			return b, err
		}
		for _, g := range resp.GetGrids() {
			b.order = append(b.order, g.GetId())
			b.names[g.GetId()] = g.GetName()
		}
		if token = resp.GetNextPageToken(); token == "" {
			return b, nil
		}
	}
}

func newCaseRow(rep *pb.Report, grids gridBook, now time.Time) caseRow {
	row := caseRow{
		ID:          rep.GetId(),
		ShortID:     shortID(rep.GetId()),
		Category:    words.Label(words.Category, rep.GetCategory()),
		Status:      words.StatusWord(rep),
		Description: truncate(descriptionChars, rep.GetDescription()),
		Grid:        grids.name(rep.GetGridId()),
		Deadline:    chinaDate(rep.GetDeadline().AsTime(), rep.GetDeadline() != nil),
		FollowUp:    chinaDate(rep.GetFollowUpDue().AsTime(), rep.GetFollowUpDue() != nil),
		Overdue:     rep.GetOverdue(),
		Assignee:    assignee(rep),
		Supervised:  rep.GetSupervisedAt() != nil,
	}
	if row.Overdue {
		row.OverdueDays = daysOverdue(rep.GetDeadline().AsTime(), now)
	}
	working := rep.GetStatus() == pb.ReportStatus_REPORT_STATUS_ASSIGNED || rep.GetStatus() == pb.ReportStatus_REPORT_STATUS_RECTIFYING
	row.DueSoon = !row.Overdue && working && rep.GetDeadline() != nil &&
		rep.GetDeadline().AsTime().Sub(now) <= dueSoonDays*24*time.Hour
	return row
}

// assignee names who must fix the case: the person, else the unit.
func assignee(r *pb.Report) string {
	switch {
	case r.GetAssigneeName() != "":
		return r.GetAssigneeName()
	case r.GetAssigneeId() != "":
		return shortID(r.GetAssigneeId())
	case r.GetResponsibleUnit() != "":
		return r.GetResponsibleUnit()
	}
	return "-"
}

// chinaDate is t's date in China, or "-" when there is none.
func chinaDate(t time.Time, ok bool) string {
	if !ok {
		return "-"
	}
	return t.In(gridinspect.ChinaZone).Format(dateLayout)
}

// daysOverdue is how many China days the deadline is past, at least 1.
func daysOverdue(deadline, now time.Time) int {
	day := func(t time.Time) time.Time {
		y, m, d := t.In(gridinspect.ChinaZone).Date()
		return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	}
	return max(1, int(day(now).Sub(day(deadline)).Hours()/24))
}

// choices are the options given as {value, label}, those in selected
// selected.
func choices(opts [][2]string, selected []string) []choice {
	out := make([]choice, 0, len(opts))
	for _, o := range opts {
		out = append(out, choice{Value: o[0], Label: o[1], Selected: slices.Contains(selected, o[0])})
	}
	return out
}

// enumChoices are an API enum's values (but 0) in their numbers' order,
// valued by their names without prefix and labelled in Chinese.
func enumChoices(names map[int32]string, prefix string, label func(int32) string, selected []string) []choice {
	nums := make([]int32, 0, len(names))
	for n := range names {
		if n != 0 {
			nums = append(nums, n)
		}
	}
	slices.Sort(nums)
	opts := make([][2]string, 0, len(nums))
	for _, n := range nums {
		opts = append(opts, [2]string{strings.TrimPrefix(names[n], prefix), label(n)})
	}
	return choices(opts, selected)
}
