package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/gridinspect/gridinspect"
	"github.com/gridinspect/gridinspect/internal/words"
	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

// The summary page's query parameters:
//
//	from, to  the period's first and last day, China dates (2024-01-01),
//	          both inclusive; neither: the current half-year, as gridctl
//	          summary takes it
//	grid      a grid's id; repeatable; none: every grid the user sees
//	street    for a district account, a street's id (or several, "1,2");
//	          repeatable; none: all its streets, summed

// maxChartMonths bounds the months the by-month chart counts: each is a
// GetSummary call of its own.
const maxChartMonths = 24

// summaryView is the summary page's data.
type summaryView struct {
	From, To string // the form's dates
	Grids    []choice
	// District shows the choice of streets instead of grids: its
	// streets by name, StreetChoices, those chosen checked (all of them
	// when none is chosen, which sums all); Streets is the choice made
	// ("1,2").
	District      bool
	Streets       string
	StreetChoices []choice
	Presets       []preset
	// Note says which period was taken when none was given, as gridctl
	// summary says it.
	Note string
	// Period names the period as the prose does (2024年上半年); Scope who.
	Period, Scope string
	Problems      []string
	Error         *errorView

	Sections []words.SummarySection
	// LoopTables are the loop by category and by grid.
	LoopTables []loopTable
	// Loop is the whole street's (or the grids') closed loop, for the
	// figures shown large.
	Loop                     *pb.LoopSummary
	ClosureRate, OnTimeRate  string
	Prose                    string
	CategoryChart, GridChart string // JSON for summary.js
	MonthChart               string // "" when the period is too long
	ExportCSV, ExportXLSX    string
}

// preset is a quick choice of period.
type preset struct {
	Label, Title, URL string
	Active            bool
}

// loopTable is the loop per category or per grid.
type loopTable struct {
	Title, First, ID string
	Columns          []string
	Rows             []loopRow
}

// loopRow is the loop of one category or grid under words.LoopColumns.
type loopRow struct {
	Name  string
	Cells []string
}

// chartData is what summary.js draws a chart from: per label, the cases
// reported and closed, and the closure rate in percent (null: none due).
type chartData struct {
	Labels   []string   `json:"labels"`
	Reported []int64    `json:"reported"`
	Closed   []int64    `json:"closed"`
	Rate     []*float64 `json:"rate"`
}

func (c *chartData) add(label string, l *pb.LoopSummary) {
	c.Labels = append(c.Labels, label)
	c.Reported = append(c.Reported, l.GetReported())
	c.Closed = append(c.Closed, l.GetClosed())
	var rate *float64
	if l.GetDue() > 0 {
		r := float64(int64(l.GetClosureRate()*1000+0.5)) / 10
		rate = &r
	}
	c.Rate = append(c.Rate, rate)
}

func (c chartData) json() string {
	// A chart of nothing (a street with no case) is empty arrays:
	// summary.js reads their length.
	if c.Labels == nil {
		c.Labels, c.Reported, c.Closed, c.Rate = []string{}, []int64{}, []int64{}, []*float64{}
	}
	b, _ := json.Marshal(c) // plain numbers and strings: cannot fail
	return string(b)
}

// summary is the summary page (统计): GetSummary's figures for a period
// and grids as tables and charts, the prose to paste, and the export of
// the period's cases.
func (d *desk) summary(w http.ResponseWriter, r *http.Request, user *pb.User) {
	v := view{Title: "统计", User: user, Nav: "summary"}
	q := r.URL.Query()
	now := d.cfg.Now().In(gridinspect.ChinaZone)
	sv := summaryView{From: q.Get("from"), To: q.Get("to")}
	from, to, problems := summaryPeriod(sv.From, sv.To, now)
	if sv.From == "" && sv.To == "" {
		_, _, sv.Note = words.CurrentHalfYear(now)
		sv.From, sv.To = from.Format(dateLayout), to.AddDate(0, 0, -1).Format(dateLayout)
	}
	gridIDs := nonEmpty(q["grid"])
	keep := url.Values{}
	if len(gridIDs) > 0 {
		keep["grid"] = gridIDs
	}
	var streetIDs []int64
	if sv.District = v.actor().IsDistrict(); sv.District {
		// It sees no grid (ListGrids is refused it): it chooses streets.
		gridIDs = nil
		var bad []string
		streetIDs, bad = parseStreets(q["street"])
		problems = append(problems, bad...)
		if len(streetIDs) > 0 {
			sv.Streets = joinIDs(streetIDs, ",")
			keep = url.Values{"street": {sv.Streets}}
		}
		for _, s := range callerStreets(r) {
			sv.StreetChoices = append(sv.StreetChoices, choice{Value: strconv.FormatInt(s.GetId(), 10),
				Label:    words.StreetName(s.GetId(), s.GetName()),
				Selected: len(streetIDs) == 0 || slices.Contains(streetIDs, s.GetId())})
		}
	} else {
		grids, err := d.gridNames(r)
		if err != nil {
			d.fail(w, r, v, err)
			return
		}
		for _, g := range grids.order {
			sv.Grids = append(sv.Grids, choice{Value: g, Label: grids.names[g], Selected: slices.Contains(gridIDs, g)})
		}
	}
	sv.Problems = problems
	sv.Presets = summaryPresets(now, sv.From, sv.To, keep)
	v.Data = &sv
	if len(problems) > 0 {
		d.render(w, r, http.StatusBadRequest, "summary", v)
		return
	}

	sum, err := d.getSummary(r, from, to, gridIDs, streetIDs)
	if err != nil {
		if unauthenticated(err) {
			http.Redirect(w, r, loginURL(r), http.StatusSeeOther)
			return
		}
		ev := d.chinese(err)
		sv.Error = &ev
		d.render(w, r, httpStatus(err), "summary", v)
		return
	}
	sv.fill(sum, len(gridIDs) > 0, callerStreets(r))
	if sv.District {
		var scope string
		sv.Scope, scope = "全部街道", words.ProseDistrict
		if streets := callerStreets(r); len(streets) > 0 {
			all := make([]int64, len(streets))
			for i, s := range streets {
				all[i] = s.GetId()
			}
			// "统计范围：全部街道（江南街道、东街道）": a second colon after
			// the label's read as a list of lists.
			sv.Scope += "（" + words.StreetsScope(all, streets) + "）"
		}
		if len(streetIDs) > 0 {
			sv.Scope = words.StreetsScope(streetIDs, callerStreets(r))
			scope = sv.Scope
		}
		sv.Prose = words.Prose(sum, scope, gridinspect.ChinaZone)
	}
	if v.actor().MayReadStatistics() {
		// The period's cases of the grids, or of the streets, chosen:
		// a district account's are summed over its streets, as the
		// figures are.
		req := &pb.ListReportsRequest{GridIds: gridIDs, ObservedAfter: timestamppb.New(from),
			ObservedBefore: timestamppb.New(to), OrderBy: pb.ReportOrder_REPORT_ORDER_DEADLINE}
		sv.ExportCSV, sv.ExportXLSX = exportURL(req, "csv", streetIDs...), exportURL(req, "xlsx", streetIDs...)
	}
	if months := monthsOf(from, to); len(months)-1 <= maxChartMonths {
		var chart chartData
		oneYear := from.In(gridinspect.ChinaZone).Year() == to.Add(-time.Nanosecond).In(gridinspect.ChinaZone).Year()
		for i := 0; i+1 < len(months); i++ {
			m, err := d.getSummary(r, months[i], months[i+1], gridIDs, streetIDs)
			if err != nil {
				d.fail(w, r, v, err)
				return
			}
			chart.add(monthLabel(months[i], oneYear), m.GetLoop())
		}
		sv.MonthChart = chart.json()
	}
	d.render(w, r, http.StatusOK, "summary", v)
}

func (d *desk) getSummary(r *http.Request, from, to time.Time, gridIDs []string, streetIDs []int64) (*pb.Summary, error) {
	ctx, err := d.call(r, pb.StatsService_GetSummary_FullMethodName)
	if err != nil {
		return nil, err
	}
	resp, err := pb.NewStatsServiceClient(d.cfg.Conn).GetSummary(ctx, &pb.GetSummaryRequest{
		From: timestamppb.New(from), To: timestamppb.New(to), GridIds: gridIDs, StreetIds: streetIDs,
	})
	return resp.GetSummary(), err
}

// fill sets the figures of s; gridsNamed says the user chose grids.
// Rows of grids of several streets (a district account's) name each
// grid's street, by the names of streets (the caller's, from WhoAmI).
func (sv *summaryView) fill(s *pb.Summary, gridsNamed bool, streets []*pb.Street) {
	zone := gridinspect.ChinaZone
	sv.Period = words.PeriodPhrase(s.GetFrom().AsTime(), s.GetTo().AsTime(), zone)
	names := map[string]string{}
	for _, g := range s.GetByGrid() {
		names[g.GetGridId()] = g.GetGridName()
	}
	scope := words.ProseStreet
	sv.Scope = "全部网格"
	if gridsNamed {
		var ns []string
		for _, id := range s.GetGridIds() {
			if n := names[id]; n != "" {
				ns = append(ns, n)
			} else {
				ns = append(ns, shortID(id))
			}
		}
		scope = strings.Join(ns, "、")
		sv.Scope = scope
	}
	sv.Prose = words.Prose(s, scope, zone)
	sv.Sections = words.SummarySections(s)
	sv.Loop = s.GetLoop()
	sv.ClosureRate = words.LoopRate(sv.Loop, sv.Loop.GetClosureRate())
	sv.OnTimeRate = words.LoopRate(sv.Loop, sv.Loop.GetOnTimeRate())
	byCat := loopTable{Title: "按类别", First: "类别", ID: "by-category", Columns: words.LoopColumns}
	byGrid := loopTable{Title: "按网格", First: "网格", ID: "by-grid", Columns: words.LoopColumns}
	streetName := words.StreetNamer(streets)
	severalStreets := slices.ContainsFunc(s.GetByGrid(), func(g *pb.GridLoop) bool {
		return g.GetStreetId() != s.GetByGrid()[0].GetStreetId()
	})
	if severalStreets {
		byGrid.First = words.GridOfStreet("街道", "网格")
	}
	var cat, grid chartData
	for _, c := range s.GetByCategory() {
		name := words.Label(words.Category, c.GetCategory())
		byCat.Rows = append(byCat.Rows, loopRow{Name: name, Cells: words.LoopCells(c.GetLoop())})
		cat.add(name, c.GetLoop())
	}
	for _, g := range s.GetByGrid() {
		name := g.GetGridName()
		if name == "" {
			name = shortID(g.GetGridId())
		}
		if severalStreets {
			name = words.GridOfStreet(streetName(g.GetStreetId()), name)
		}
		byGrid.Rows = append(byGrid.Rows, loopRow{Name: name, Cells: words.LoopCells(g.GetLoop())})
		grid.add(name, g.GetLoop())
	}
	sv.LoopTables = []loopTable{byCat, byGrid}
	sv.CategoryChart, sv.GridChart = cat.json(), grid.json()
}

// summaryPeriod reads the form's China dates, both inclusive, as the API's
// period [from, to); neither given is the current half-year (as gridctl
// summary takes it). Problems are in Chinese.
func summaryPeriod(fromText, toText string, now time.Time) (time.Time, time.Time, []string) {
	if fromText == "" && toText == "" {
		from, to, _ := words.CurrentHalfYear(now)
		return from, to, nil
	}
	var problems []string
	day := func(s, missing, bad string) time.Time {
		if s == "" {
			problems = append(problems, missing)
			return time.Time{}
		}
		d, ok := parseDate(s)
		if !ok {
			problems = append(problems, bad+"（"+words.DateExample+"）")
		}
		return d
	}
	from := day(fromText, "缺少开始日期（两个日期都不填则统计本半年）", "开始日期有误："+fromText)
	last := day(toText, "缺少结束日期（两个日期都不填则统计本半年）", "结束日期有误："+toText)
	if len(problems) == 0 && last.Before(from) {
		problems = append(problems, "结束日期早于开始日期")
	}
	return from, last.AddDate(0, 0, 1), problems
}

// summaryPresets are the quick choices of period around now: 本半年,
// 上个半年, 本季度, 本月, 本年, each a link keeping keep (the grids or
// streets chosen).
func summaryPresets(now time.Time, from, to string, keep url.Values) []preset {
	y, m := now.Year(), now.Month()
	day := func(y int, m time.Month) time.Time { return time.Date(y, m, 1, 0, 0, 0, 0, now.Location()) }
	half, _, _ := words.CurrentHalfYear(now)
	quarter := day(y, m-(m-1)%3)
	periods := []struct {
		label    string
		from, to time.Time
	}{
		{"本半年", half, half.AddDate(0, 6, 0)},
		{"上个半年", half.AddDate(0, -6, 0), half},
		{"本季度", quarter, quarter.AddDate(0, 3, 0)},
		{"本月", day(y, m), day(y, m).AddDate(0, 1, 0)},
		{"本年", day(y, time.January), day(y+1, time.January)},
	}
	out := make([]preset, 0, len(periods))
	for _, p := range periods {
		f, t := p.from.Format(dateLayout), p.to.AddDate(0, 0, -1).Format(dateLayout)
		q := url.Values{"from": {f}, "to": {t}}
		for k, vs := range keep {
			q[k] = vs
		}
		out = append(out, preset{Label: p.label, URL: "/summary?" + q.Encode(), Active: f == from && t == to,
			Title: words.PeriodPhrase(p.from, p.to, now.Location())})
	}
	return out
}

// monthsOf are the boundaries of the calendar months [from, to) spans,
// clipped to it: from, the first of each month after, to.
func monthsOf(from, to time.Time) []time.Time {
	out := []time.Time{from}
	y, m, _ := from.In(gridinspect.ChinaZone).Date()
	for next := time.Date(y, m+1, 1, 0, 0, 0, 0, gridinspect.ChinaZone); next.Before(to); next = next.AddDate(0, 1, 0) {
		out = append(out, next)
		if len(out) > maxChartMonths+1 {
			break
		}
	}
	return append(out, to)
}

// monthLabel names a month of the chart: "3月", with its year ("2024年
// 3月") when the period spans more than one year.
func monthLabel(start time.Time, oneYear bool) string {
	if oneYear {
		return start.In(gridinspect.ChinaZone).Format("1月")
	}
	return start.In(gridinspect.ChinaZone).Format("2006年1月")
}

// parseStreets reads the street parameters, each an id or several
// ("1,2", "1、2"), in increasing order without repeats; bad are the
// problems, in Chinese.
func parseStreets(values []string) (ids []int64, bad []string) {
	for _, v := range values {
		for _, f := range strings.FieldsFunc(v, func(r rune) bool { return strings.ContainsRune(",，、 ", r) }) {
			id, err := strconv.ParseInt(f, 10, 64)
			if err != nil || id <= 0 {
				bad = append(bad, "街道编号有误："+f)
				continue
			}
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return slices.Compact(ids), bad
}

// joinIDs joins ids with sep.
func joinIDs(ids []int64, sep string) string {
	ns := make([]string, len(ids))
	for i, id := range ids {
		ns[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(ns, sep)
}
