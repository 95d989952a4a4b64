package store

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"time"

	"github.com/gridinspect/gridinspect"
)

// MaxDueWithinDays bounds ReportFilter.DueWithinDays.
const MaxDueWithinDays = 3650

// ListReports returns one page of the reports matching f in the caller's
// scope. See gridinspect.ReportService.
func (db *DB) ListReports(ctx context.Context, f gridinspect.ReportFilter) ([]*gridinspect.Report, string, error) {
	a, err := gridinspect.RequireActor(ctx)
	if err != nil {
		return nil, "", err
	}
	l, err := db.reportListing(a, f, db.now().UTC())
	if err != nil || l == nil {
		return nil, "", err
	}
	var reports []*gridinspect.Report
	err = db.Read(ctx, func(tx *sql.Tx) error {
		reports, err = l.page(tx)
		return err
	})
	if err != nil {
		return nil, "", domainErr(err, "list reports")
	}
	reports, next := l.next(reports)
	return reports, next, nil
}

// reportListing is one page of ListReports made into SQL.
type reportListing struct {
	where  where // the filter and scope, without the position
	order  gridinspect.ReportOrder
	size   int
	after  *pageToken
	filter string // filterHash of the filter
}

// reportFilterKey is what identifies a listing for its page tokens: the
// filter, normalized, without page size and token.
type reportFilterKey struct {
	Statuses    []gridinspect.Status    `json:"s,omitempty"`
	Categories  []gridinspect.Category  `json:"c,omitempty"`
	Grids       []string                `json:"g,omitempty"`
	Subject     string                  `json:"j,omitempty"`
	Assignee    string                  `json:"a,omitempty"`
	Overdue     bool                    `json:"o,omitempty"`
	After       int64                   `json:"t0,omitempty"`
	Before      int64                   `json:"t1,omitempty"`
	Query       string                  `json:"q,omitempty"`
	Open        bool                    `json:"op,omitempty"`
	DueWithin   int                     `json:"d,omitempty"`
	FollowUpDue bool                    `json:"fu,omitempty"`
	ReceivedAt  int64                   `json:"r0,omitempty"`
	Order       gridinspect.ReportOrder `json:"or,omitempty"`
	Supervised  bool                    `json:"sv,omitempty"`
	Returned    bool                    `json:"rt,omitempty"`
	HideRet     bool                    `json:"hr,omitempty"`
}

// reportListing checks f and turns it into SQL for the actor at time now.
// It returns nil (and no error) when the actor's scope is empty.
func (db *DB) reportListing(a *gridinspect.Actor, f gridinspect.ReportFilter, now time.Time) (*reportListing, error) {
	var v gridinspect.Violations
	for i, s := range f.Statuses {
		if s < gridinspect.StatusReported || s > gridinspect.StatusRejected {
			v.AddZh("statuses["+itoa(i)+"]", "取值 "+itoa(int(s))+" 无法识别", "has unknown value %d", int(s))
		}
	}
	for i, c := range f.Categories {
		if !c.Valid() {
			v.AddZh("categories["+itoa(i)+"]", "取值 "+itoa(int(c))+" 无法识别", "has unknown value %d", int(c))
		}
	}
	checkQuery(&v, "query", f.Query)
	checkStorable(&v, "observed_after", f.ObservedAfter)
	checkStorable(&v, "observed_before", f.ObservedBefore)
	checkStorable(&v, "received_after", f.ReceivedAfter)
	if f.DueWithinDays < 0 || f.DueWithinDays > MaxDueWithinDays {
		v.AddZh("due_within_days", "须在 0 到 "+itoa(MaxDueWithinDays)+" 天之间", "must be between 0 and %d", MaxDueWithinDays)
	}
	if f.Order != gridinspect.OrderNewestFirst && f.Order != gridinspect.OrderDeadline {
		v.AddZh("order_by", "取值 "+itoa(int(f.Order))+" 无法识别", "has unknown value %d", int(f.Order))
	}
	if f.ReturnedOnly && f.HideReturned {
		v.AddZh("hide_returned", "不能与 returned_only 同时使用", "contradicts returned_only")
	}
	if err := v.Err("invalid filter"); err != nil {
		return nil, err
	}
	size, err := pageSize(f.PageSize, DefaultPageSize)
	if err != nil {
		return nil, err
	}

	grids, err := scopeGrids(a, f.GridIDs)
	if err != nil || (grids != nil && len(grids) == 0) {
		return nil, err
	}
	statuses := sortedUnique(f.Statuses)
	categories := sortedUnique(f.Categories)
	key := reportFilterKey{
		Statuses: statuses, Categories: categories, Grids: sortedUnique(lowerAll(f.GridIDs)),
		Subject: strings.ToLower(f.SubjectID), Assignee: strings.ToLower(f.AssigneeID),
		Overdue: f.OverdueOnly, Query: f.Query, Open: f.OpenOnly, DueWithin: f.DueWithinDays,
		FollowUpDue: f.FollowUpDue, Order: f.Order, Supervised: f.SupervisedOnly,
		Returned: f.ReturnedOnly, HideRet: f.HideReturned,
	}
	if !f.ObservedAfter.IsZero() {
		key.After = f.ObservedAfter.UnixNano()
	}
	if !f.ObservedBefore.IsZero() {
		key.Before = f.ObservedBefore.UnixNano()
	}
	if !f.ReceivedAfter.IsZero() {
		key.ReceivedAt = f.ReceivedAfter.UnixNano()
	}
	l := &reportListing{order: f.Order, size: size, filter: filterHash("reports", key)}
	if l.after, err = decodeToken(f.PageToken, l.filter); err != nil {
		return nil, err
	}

	w := &l.where
	// The caller's street's cases only (docs/tenants.md); a district
	// account's statistics, its streets' (statsActor), none if it has none.
	streets := a.ReadStreets()
	if len(streets) == 0 {
		return nil, nil
	}
	in(w, "street_id", streets)
	// is_open = 1 stands for "one of the open statuses" wherever that is
	// what is asked, and also wherever it is implied, so that the indexes
	// that lead with is_open can serve the query and its order.
	open := f.OpenOnly || f.DueWithinDays > 0 || f.OverdueOnly
	switch {
	case len(statuses) == 0:
	case slices.Equal(statuses, gridinspect.OpenStatuses):
		open = true
	case len(statuses) > 1 && allOpen(statuses):
		open = true
		in(w, "status", statuses)
	default:
		in(w, "status", statuses)
	}
	if open {
		w.add("is_open = 1")
	}
	in(w, "category", categories)
	in(w, "grid_id", grids)
	if key.Subject != "" {
		w.add("subject_id = ?", key.Subject)
	}
	if key.Assignee != "" {
		w.add("assignee_id = ?", key.Assignee)
	}
	if f.OverdueOnly {
		// gridinspect.Report.Overdue, in SQL.
		w.add("status IN (?, ?) AND deadline < ?", gridinspect.StatusAssigned, gridinspect.StatusRectifying, now.UnixNano())
	}
	if f.DueWithinDays > 0 {
		// Still to be fixed (assigned or being rectified, like Overdue)
		// with a deadline by then, overdue ones included. A case awaiting
		// verification has had its fix; its deadline no longer presses.
		w.add("status IN (?, ?) AND deadline <= ?", gridinspect.StatusAssigned, gridinspect.StatusRectifying,
			now.AddDate(0, 0, f.DueWithinDays).UnixNano())
	}
	if f.FollowUpDue {
		// Closed cases whose follow-up (回头看) date has come; a follow-up
		// that finds the case fine clears the date, one that finds it back
		// reopens the case. One range of the index reports_follow_up.
		w.add("status = ? AND follow_up_due <= ?", gridinspect.StatusClosed, now.UnixNano())
	}
	if f.SupervisedOnly {
		w.add("supervised_at IS NOT NULL")
	}
	if f.ReturnedOnly {
		// Waiting for the reporter's supplement (退回补充): REPORTED with
		// an open request, one range of reports_returned.
		w.add("return_request IS NOT NULL")
	}
	if f.HideReturned {
		w.add("return_request IS NULL")
	}
	if !f.ObservedAfter.IsZero() {
		w.add("effective_at >= ?", key.After)
	}
	if !f.ObservedBefore.IsZero() {
		w.add("effective_at < ?", key.Before)
	}
	if !f.ReceivedAfter.IsZero() {
		w.add("received_at >= ?", key.ReceivedAt)
	}
	if f.Query != "" {
		p := likePattern(f.Query)
		w.add(`(description LIKE ? ESCAPE '\' OR address LIKE ? ESCAPE '\')`, p, p)
	}
	return l, nil
}

// queries returns the SQL of the page: one query, or for deadline order
// two — the reports with a deadline, soonest first, then those without
// (by id), each read in order from an index.
func (l *reportListing) queries() (withKey, noKey *query) {
	limit := l.size + 1 // one more tells whether there is a next page
	if l.order == gridinspect.OrderNewestFirst {
		w := l.where.clone()
		if l.after != nil {
			w.add("(effective_at, id) < (?, ?)", l.after.Key, l.after.ID)
		}
		return &query{"SELECT " + reportColumns + " FROM reports" + w.String() +
			" ORDER BY effective_at DESC, id DESC LIMIT ?", append(w.args, limit)}, nil
	}
	if l.after == nil || !l.after.NoKey {
		w := l.where.clone()
		w.add("deadline IS NOT NULL")
		if l.after != nil {
			w.add("(deadline, id) > (?, ?)", l.after.Key, l.after.ID)
		}
		withKey = &query{"SELECT " + reportColumns + " FROM reports" + w.String() +
			" ORDER BY deadline, id LIMIT ?", append(w.args, limit)}
	}
	w := l.where.clone()
	w.add("deadline IS NULL")
	if l.after != nil && l.after.NoKey {
		w.add("id > ?", l.after.ID)
	}
	noKey = &query{"SELECT " + reportColumns + " FROM reports" + w.String() + " ORDER BY id LIMIT ?", append(w.args, limit)}
	return withKey, noKey
}

// page reads the page: at most size reports, and one more if there is a
// next page (cut off by next).
func (l *reportListing) page(q queryer) ([]*gridinspect.Report, error) {
	first, second := l.queries()
	var reports []*gridinspect.Report
	var err error
	if first != nil {
		if reports, err = queryReports(q, first, reports); err != nil {
			return nil, err
		}
	}
	if second != nil && len(reports) <= l.size {
		second.args[len(second.args)-1] = l.size + 1 - len(reports)
		if reports, err = queryReports(q, second, reports); err != nil {
			return nil, err
		}
	}
	return reports, nil
}

// next cuts the extra report off a page and returns the page and the
// token of the next page, or "" if this is the last.
func (l *reportListing) next(reports []*gridinspect.Report) ([]*gridinspect.Report, string) {
	if len(reports) <= l.size {
		return reports, ""
	}
	reports = reports[:l.size]
	last := reports[l.size-1]
	t := pageToken{Filter: l.filter, ID: last.ID}
	switch {
	case l.order == gridinspect.OrderNewestFirst:
		t.Key = last.EffectiveAt().UnixNano()
	case last.Deadline.IsZero():
		t.NoKey = true
	default:
		t.Key = last.Deadline.UnixNano()
	}
	return reports, t.encode()
}

// query is SQL with its arguments.
type query struct {
	sql  string
	args []any
}

func queryReports(q queryer, qu *query, reports []*gridinspect.Report) ([]*gridinspect.Report, error) {
	more, err := queryAll(q, qu.sql, qu.args, dropHash(scanReport))
	return append(reports, more...), err
}

// scopeGrids returns the grids a listing is limited to: those asked for,
// each of which must be in the actor's scope, or else the actor's scope.
// nil means every grid; an empty non-nil list means none.
func scopeGrids(a *gridinspect.Actor, asked []string) ([]string, error) {
	asked = sortedUnique(lowerAll(asked))
	for _, id := range asked {
		if !a.CanSeeGrid(id) {
			return nil, gridinspect.ErrOutOfScope
		}
	}
	switch {
	case len(asked) > 0:
		return asked, nil
	case a.AllGrids:
		return nil, nil
	default:
		return append([]string{}, a.GridIDs...), nil
	}
}

func allOpen(statuses []gridinspect.Status) bool {
	for _, s := range statuses {
		if !s.Open() {
			return false
		}
	}
	return true
}

func sortedUnique[T interface{ ~int | ~string }](xs []T) []T {
	if len(xs) == 0 {
		return nil
	}
	out := slices.Clone(xs)
	slices.Sort(out)
	return slices.Compact(out)
}

func lowerAll(ids []string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = strings.ToLower(id)
	}
	return out
}
