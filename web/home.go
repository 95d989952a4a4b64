package web

import (
	"net/http"
	"strconv"

	"github.com/gridinspect/gridinspect"
	"github.com/gridinspect/gridinspect/internal/words"
	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

// homeView is the home page's (工作台) data: today's counts of the street
// (or of a worker's grids) and of each grid, each linked to its list.
type homeView struct {
	// Scope names what Total counts: the street, or the user's grids.
	Scope  string
	Labels []string
	Total  []countCell
	Grids  []gridCounts
	// At is when the counts were made, China time.
	At    string
	Error *errorView
	// Patrols are the patrols due and missed (巡查计划) in the user's
	// grids, as ListDuePatrols lists them; PatrolsMore how many more it
	// listed than the page shows; PatrolsError why there is no list.
	Patrols      []duePatrolRow
	PatrolsMore  int
	PatrolsError string
}

// duePatrolRow is one period of a patrol schedule that wants patrols.
type duePatrolRow struct {
	Missed                                 bool
	State, Grid, Object, Frequency, Period string
	Done, Wanted                           int32
}

// homePatrols is how many due patrols the home page lists at most.
const homePatrols = 10

// gridCounts is one grid's row.
type gridCounts struct {
	Name  string
	Cells []countCell
}

// countCell is one count and the case list that shows its cases.
type countCell struct {
	Key, Label string
	N          int64
	URL        string
}

// homeCount is one of the counts: its name, how GetDashboard counts it,
// and the case list's filter that lists the same cases (DashboardCounts'
// comment names the ListReports filter of each).
type homeCount struct {
	key, label string
	n          func(*pb.DashboardCounts) int64
	filter     func(newSince string) caseFilter
}

var homeCounts = []homeCount{
	{"open", "在办", (*pb.DashboardCounts).GetOpen,
		func(string) caseFilter { return caseFilter{Scope: scopeOpen} }},
	{"overdue", "逾期", (*pb.DashboardCounts).GetOverdue,
		func(string) caseFilter { return caseFilter{Scope: scopeAll, Overdue: true} }},
	{"due-soon", "三天内到期", (*pb.DashboardCounts).GetDueSoon,
		func(string) caseFilter { return caseFilter{Scope: scopeAll, Due: strconv.Itoa(dueSoonDays)} }},
	{"pending", "待核查", (*pb.DashboardCounts).GetPendingVerification,
		func(string) caseFilter {
			return caseFilter{Scope: scopeAll, Statuses: []string{"PENDING_VERIFICATION"}}
		}},
	{"follow-up", "待回头看", (*pb.DashboardCounts).GetFollowUpsDue,
		func(string) caseFilter { return caseFilter{Scope: scopeFollowUp} }},
	{"new", "昨日以来新增", (*pb.DashboardCounts).GetNewSinceYesterday,
		func(since string) caseFilter { return caseFilter{Scope: scopeAll, ReceivedAfter: since} }},
}

// home is the home page (工作台): the counts GetDashboard gives, for the
// user's grids as the API decides them.
func (d *desk) home(w http.ResponseWriter, r *http.Request, user *pb.User) {
	v := view{Title: "工作台", User: user, Nav: "home"}
	hv := homeView{Scope: "我的网格"}
	if user.GetAllGrids() {
		hv.Scope = "全街道"
	}
	for _, c := range homeCounts {
		hv.Labels = append(hv.Labels, c.label)
	}
	ctx, err := d.call(r, pb.StatsService_GetDashboard_FullMethodName)
	var dash *pb.GetDashboardResponse
	if err == nil {
		dash, err = d.stats.GetDashboard(ctx, &pb.GetDashboardRequest{})
	}
	code := http.StatusOK
	if err != nil {
		if unauthenticated(err) {
			http.Redirect(w, r, loginURL(r), http.StatusSeeOther)
			return
		}
		ev := d.chinese(err)
		hv.Error, code = &ev, httpStatus(err)
		v.Data = hv
		d.render(w, r, code, "home", v)
		return
	}
	since := chinaDate(dash.GetNewSince().AsTime(), dash.GetNewSince() != nil)
	if since == "-" {
		since = ""
	}
	hv.Total = countCells(dash.GetTotal(), "", since)
	for _, g := range dash.GetGrids() {
		hv.Grids = append(hv.Grids, gridCounts{Name: g.GetGridName(), Cells: countCells(g.GetCounts(), g.GetGridId(), since)})
	}
	hv.At = dash.GetAt().AsTime().In(gridinspect.ChinaZone).Format("2006-01-02 15:04")
	d.duePatrols(r, &hv)
	v.Data = hv
	d.render(w, r, code, "home", v)
}

// countCells are the counts of c, linked to the lists of grid ("" for
// every grid the user sees).
func countCells(c *pb.DashboardCounts, grid, newSince string) []countCell {
	cells := make([]countCell, 0, len(homeCounts))
	for _, hc := range homeCounts {
		f := hc.filter(newSince)
		if grid != "" {
			f.Grids = []string{grid}
		}
		cells = append(cells, countCell{Key: hc.key, Label: hc.label, N: hc.n(c), URL: f.pageURL("")})
	}
	return cells
}

// duePatrols lists in hv the patrols due and missed in the user's grids
// (the API decides which): missed ones first, as ListDuePatrols orders
// them.
func (d *desk) duePatrols(r *http.Request, hv *homeView) {
	ctx, err := d.call(r, pb.PatrolScheduleService_ListDuePatrols_FullMethodName)
	var resp *pb.ListDuePatrolsResponse
	if err == nil {
		resp, err = d.sched.ListDuePatrols(ctx, &pb.ListDuePatrolsRequest{})
	}
	if err != nil {
		hv.PatrolsError = d.chinese(err).Message
		return
	}
	for i, p := range resp.GetDue() {
		if i == homePatrols {
			hv.PatrolsMore = len(resp.GetDue()) - homePatrols
			break
		}
		s := p.GetSchedule()
		row := duePatrolRow{Missed: p.GetMissed(), State: "待巡", Grid: orDash(s.GetGridName()), Object: words.PatrolObject(s, "-"),
			Frequency: words.PatrolFrequency(s), Period: words.DuePeriod(p, gridinspect.ChinaZone), Done: p.GetDone(), Wanted: p.GetWanted()}
		if row.Missed {
			row.State = "漏巡"
		}
		hv.Patrols = append(hv.Patrols, row)
	}
}
