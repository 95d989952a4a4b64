package gridinspect

import (
	"context"
	"time"
)

// DashboardCount is one of the desk's counts of the day (工作台). Each
// counts exactly what ListReports lists with DashboardFilter's filter, so
// that a count and the list it links to agree.
type DashboardCount int

// The desk's counts, in the order it shows them.
const (
	CountOpen                DashboardCount = iota // not closed, not rejected
	CountOverdue                                   // deadline passed while assigned or rectifying
	CountDueSoon                                   // assigned or rectifying, due within DueSoonDays (overdue included)
	CountPendingVerification                       // rectified, awaiting a supervisor's check
	CountFollowUpsDue                              // closed, follow-up (回头看) date come
	CountNewSinceYesterday                         // received since 00:00 yesterday, China time
	NumDashboardCounts
)

// DueSoonDays is how far ahead the desk's "due soon" looks.
const DueSoonDays = 3

// NewSince is when the desk's "new" begins at now: 00:00 yesterday,
// China time, so that the morning's count still shows the previous
// day's arrivals.
func NewSince(now time.Time) time.Time {
	y, m, d := now.In(ChinaZone).Date()
	return time.Date(y, m, d-1, 0, 0, 0, 0, ChinaZone)
}

// DashboardFilter returns the ListReports filter whose reports count c
// counts at now (in the grids asked for, as the dashboard's request).
func DashboardFilter(c DashboardCount, now time.Time) ReportFilter {
	switch c {
	case CountOpen:
		return ReportFilter{OpenOnly: true}
	case CountOverdue:
		return ReportFilter{OverdueOnly: true}
	case CountDueSoon:
		return ReportFilter{DueWithinDays: DueSoonDays}
	case CountPendingVerification:
		return ReportFilter{Statuses: []Status{StatusPendingVerification}}
	case CountFollowUpsDue:
		return ReportFilter{FollowUpDue: true}
	case CountNewSinceYesterday:
		return ReportFilter{ReceivedAfter: NewSince(now)}
	}
	return ReportFilter{}
}

// DashboardCounts are the counts of one grid or of the street, indexed
// by DashboardCount.
type DashboardCounts [NumDashboardCounts]int64

// GridCounts are one grid's counts.
type GridCounts struct {
	GridID   string
	GridName string
	StreetID int64 // the street the grid belongs to
	Counts   DashboardCounts
}

// Dashboard is the desk's counts at At: each grid's, in the office's
// order, and the total of the grids counted.
type Dashboard struct {
	At       time.Time
	NewSince time.Time
	Grids    []GridCounts
	Total    DashboardCounts
}

// DashboardService answers the desk's home page.
type DashboardService interface {
	// Dashboard counts, now, the reports in gridIDs (empty = every grid
	// the caller sees; a grid outside it is EFORBIDDEN, as ListReports).
	// Anyone logged in.
	Dashboard(ctx context.Context, gridIDs []string) (*Dashboard, error)
}
