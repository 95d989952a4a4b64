package web

import (
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

// The case list's query parameters (ASCII, so links stay readable):
//
//	scope     open (在办, the default), all (全部) or followup (到期回头看)
//	status    a status's API name without its prefix (ASSIGNED); repeatable
//	category  a category's API name without its prefix (SAFETY_HAZARD); repeatable
//	grid      a grid's id; repeatable
//	overdue   1: overdue only
//	returned_only 1: REPORTED cases returned to their reporters for more
//	supervised_only 1: cases the server escalated to supervision (督办)
//	due       N: due within N days (overdue ones included)
//	q         text the description or address contains
//	from, to  observed on or after from, on or before to (China dates, 2024-01-31)
//	received_after  received by the server on or after this China date (the
//	          API's received_after: the home page's 昨日以来新增)
//	page      the page's token (from the list's 下一页 link)
const (
	scopeOpen     = "open"
	scopeAll      = "all"
	scopeFollowUp = "followup"
)

// dateLayout is how the desk writes a date.
const dateLayout = "2006-01-02"

// parseDate reads a date field as an office writes it (2024-07-10,
// 2024/7/10, 20240710, 2024年7月10日: words.DateLayouts, as gridctl reads
// its flags), as midnight China time.
func parseDate(s string) (time.Time, bool) { return words.ParseDate(s, gridinspect.ChinaZone) }

// caseFilter is the case list's filter as the form shows it.
type caseFilter struct {
	Scope      string
	Statuses   []string
	Categories []string
	Grids      []string
	Overdue    bool
	Returned   bool // only the cases returned for more (只看退回补充)
	Supervised bool // only the cases escalated to supervision (只看督办)
	Due        string
	Query      string
	From, To   string
	// ReceivedAfter is a China date (接收时间从).
	ReceivedAfter string
	Page          string
}

// parseCaseFilter reads the list's filter from its query, and the
// ListReportsRequest it stands for; problems are in Chinese, one per
// parameter. The request's bounds (the query's length, the days' range)
// are the API's to check.
func parseCaseFilter(q url.Values) (caseFilter, *pb.ListReportsRequest, []string) {
	f := caseFilter{
		Scope:         q.Get("scope"),
		Statuses:      q["status"],
		Categories:    q["category"],
		Grids:         nonEmpty(q["grid"]),
		Overdue:       q.Get("overdue") == "1",
		Returned:      q.Get("returned_only") == "1",
		Supervised:    q.Get("supervised_only") == "1",
		Due:           strings.TrimSpace(q.Get("due")),
		Query:         strings.TrimSpace(q.Get("q")),
		From:          q.Get("from"),
		To:            q.Get("to"),
		ReceivedAfter: q.Get("received_after"),
		Page:          q.Get("page"),
	}
	req := &pb.ListReportsRequest{
		GridIds:        f.Grids,
		OverdueOnly:    f.Overdue,
		ReturnedOnly:   f.Returned,
		SupervisedOnly: f.Supervised,
		Query:          f.Query,
		OrderBy:        pb.ReportOrder_REPORT_ORDER_DEADLINE,
	}
	var problems []string
	switch f.Scope {
	case "", scopeOpen:
		f.Scope = scopeOpen
		req.OpenOnly = true
	case scopeAll:
	case scopeFollowUp:
		req.FollowUpDue = true
	default:
		problems = append(problems, "范围只能是在办、全部或到期回头看")
	}
	for _, s := range nonEmpty(f.Statuses) {
		v, ok := pb.ReportStatus_value["REPORT_STATUS_"+s]
		if !ok || v == 0 {
			problems = append(problems, "未知的状态："+s)
			continue
		}
		req.Statuses = append(req.Statuses, pb.ReportStatus(v))
	}
	for _, c := range nonEmpty(f.Categories) {
		v, ok := pb.Category_value["CATEGORY_"+c]
		if !ok || v == 0 {
			problems = append(problems, "未知的类别："+c)
			continue
		}
		req.Categories = append(req.Categories, pb.Category(v))
	}
	if f.Due != "" {
		n, err := strconv.Atoi(f.Due)
		if err != nil || n < 1 {
			problems = append(problems, "到期天数须为正整数")
		}
		req.DueWithinDays = int32(min(max(n, 0), 1<<30))
	}
	// A date field's day, written back as 2024-07-10 whichever way an
	// office wrote it; nil when empty.
	day := func(field *string, bad string) *time.Time {
		if *field == "" {
			return nil
		}
		d, ok := parseDate(*field)
		if !ok {
			problems = append(problems, bad)
			return &d
		}
		*field = d.Format(dateLayout)
		return &d
	}
	if d := day(&f.From, "开始日期有误"); d != nil {
		req.ObservedAfter = timestamppb.New(*d)
	}
	if d := day(&f.To, "结束日期有误"); d != nil {
		req.ObservedBefore = timestamppb.New(d.AddDate(0, 0, 1)) // the whole day
	}
	if d := day(&f.ReceivedAfter, "接收日期有误"); d != nil {
		req.ReceivedAfter = timestamppb.New(*d)
	}
	if len(problems) > 0 {
		return f, nil, problems
	}
	return f, req, nil
}

// values is the filter as the list's query, without its page.
func (f caseFilter) values() url.Values {
	q := url.Values{}
	set := func(k, v string) {
		if v != "" {
			q.Set(k, v)
		}
	}
	if f.Scope != scopeOpen {
		set("scope", f.Scope)
	}
	q["status"] = nonEmpty(f.Statuses)
	q["category"] = nonEmpty(f.Categories)
	q["grid"] = f.Grids
	if f.Overdue {
		q.Set("overdue", "1")
	}
	if f.Returned {
		q.Set("returned_only", "1")
	}
	if f.Supervised {
		q.Set("supervised_only", "1")
	}
	set("due", f.Due)
	set("q", f.Query)
	set("from", f.From)
	set("to", f.To)
	set("received_after", f.ReceivedAfter)
	for k, v := range q {
		if len(v) == 0 {
			delete(q, k)
		}
	}
	return q
}

// pageURL is the list's URL for the page with token.
func (f caseFilter) pageURL(token string) string {
	q := f.values()
	if token != "" {
		q.Set("page", token)
	}
	if len(q) == 0 {
		return "/cases"
	}
	return "/cases?" + q.Encode()
}

// exportURL is the HTTP API's export (server/gateway_export.go) of the
// cases req lists, as a file of format (csv or xlsx). Its parameters are
// ListReportsRequest's, as GET /v1/reports takes them, and a district
// account's streetIDs (none: all of its streets).
func exportURL(req *pb.ListReportsRequest, format string, streetIDs ...int64) string {
	q := url.Values{"format": {format}}
	for _, id := range streetIDs {
		q.Add("street_ids", strconv.FormatInt(id, 10))
	}
	for _, s := range req.GetStatuses() {
		q.Add("statuses", s.String())
	}
	for _, c := range req.GetCategories() {
		q.Add("categories", c.String())
	}
	for _, g := range req.GetGridIds() {
		q.Add("grid_ids", g)
	}
	flag := func(k string, on bool) {
		if on {
			q.Set(k, "true")
		}
	}
	flag("open_only", req.GetOpenOnly())
	flag("overdue_only", req.GetOverdueOnly())
	flag("returned_only", req.GetReturnedOnly())
	flag("supervised_only", req.GetSupervisedOnly())
	flag("follow_up_due", req.GetFollowUpDue())
	if n := req.GetDueWithinDays(); n != 0 {
		q.Set("due_within_days", strconv.Itoa(int(n)))
	}
	if req.GetQuery() != "" {
		q.Set("query", req.GetQuery())
	}
	if t := req.GetObservedAfter(); t != nil {
		q.Set("observed_after", t.AsTime().Format(time.RFC3339))
	}
	if t := req.GetObservedBefore(); t != nil {
		q.Set("observed_before", t.AsTime().Format(time.RFC3339))
	}
	if t := req.GetReceivedAfter(); t != nil {
		q.Set("received_after", t.AsTime().Format(time.RFC3339))
	}
	if req.GetOrderBy() != pb.ReportOrder_REPORT_ORDER_UNSPECIFIED {
		q.Set("order_by", req.GetOrderBy().String())
	}
	return "/v1/reports:export?" + q.Encode()
}

// nonEmpty is vs without its empty strings (a form's "any" choice).
func nonEmpty(vs []string) []string {
	var out []string
	for _, v := range vs {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// FilterForm is the filter form the case list and the map share
// (templates/partials/filters.html, "filters"): the filter, its choices,
// and which of the page's own fields it has.
type FilterForm struct {
	Filter caseFilter
	// Scopes is the list's 范围 (none on the map).
	Scopes, Statuses, Categories, Grids []choice
	// Path is the page the form asks (and 清除 goes back to), ID its id;
	// AnyStatus labels the status select's "any" (全部状态, 全部在办).
	Path, ID, AnyStatus string
	// List adds the list's fields (due within, received after, keywords);
	// Patrols the map's patrols' day, Date.
	List, Patrols bool
	Date          string
}

// newFilterForm is f's form with the choices of every category, of the
// statuses status keeps, and of the user's grids.
func newFilterForm(f caseFilter, grids gridBook, status func(gridinspect.Status) bool) FilterForm {
	ff := FilterForm{Filter: f}
	for _, c := range enumChoices(pb.ReportStatus_name, "REPORT_STATUS_", func(n int32) string { return words.Label(words.Status, pb.ReportStatus(n)) }, f.Statuses) {
		if status(gridinspect.Status(pb.ReportStatus_value["REPORT_STATUS_"+c.Value])) {
			ff.Statuses = append(ff.Statuses, c)
		}
	}
	ff.Categories = enumChoices(pb.Category_name, "CATEGORY_", func(n int32) string { return words.Label(words.Category, pb.Category(n)) }, f.Categories)
	for _, g := range grids.order {
		ff.Grids = append(ff.Grids, choice{Value: g, Label: grids.names[g], Selected: slices.Contains(f.Grids, g)})
	}
	return ff
}
