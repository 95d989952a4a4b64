package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"google.golang.org/grpc"

	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

// The supervisors' desks during the storm. Each desk refreshes what the
// web desk's pages ask the API for (web/cases.go, web/map.go, web/home.go),
// one page after another, every --storm-desk-every:
//
//   - the case list (案件, its default filter): ListGrids for the grids'
//     names, then ListReports of the open cases ordered by deadline, first
//     the overdue ones (overdue_only), then, if the page of 50 is not
//     full, the rest;
//   - the map's cases (/map/cases.json): ListGrids, then every open case
//     in pages of 500 (at most 40 pages, as the desk reads);
//   - the home page (工作台): GetDashboard.
//
// Each call's latency is kept by kind: the list's ListReports (pages of
// at most 50) apart from the map's (pages of 500), whose rows are ten
// times as many.

// Bounds the web desk uses (web/cases.go, web/map.go).
const (
	deskListPage   = 50
	deskMapPage    = 500
	deskMapMaxPage = 40
)

// deskCalls are the calls the desks made, by kind, and their errors.
type deskCalls struct {
	mu        sync.Mutex
	list      []deskCall // ListReports of the case list
	mapPages  []deskCall // ListReports of the map, 500 a page
	dashboard []deskCall
	grids     []deskCall
	errors    []deskCall
	firstErr  error
}

// deskCall is one call: when it ended and how long it took.
type deskCall struct {
	end  time.Time
	took time.Duration
}

func (c *deskCalls) add(into *[]deskCall, end time.Time, took time.Duration, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil {
		c.errors = append(c.errors, deskCall{end, took})
		if c.firstErr == nil {
			c.firstErr = err
		}
		return
	}
	*into = append(*into, deskCall{end, took})
}

// until are the latencies of the calls that ended by end.
func until(calls []deskCall, end time.Time) []time.Duration {
	var out []time.Duration
	for _, c := range calls {
		if !c.end.After(end) {
			out = append(out, c.took)
		}
	}
	return out
}

// runDesks runs desks supervisors' desks on conn, one account each,
// until ctx ends; the first refresh of each comes at a random moment of
// the first period, as people open their desks at different times.
func runDesks(ctx context.Context, conn *grpc.ClientConn, accounts []string, password string, every time.Duration) (*deskCalls, func(), error) {
	calls := &deskCalls{}
	var authed []context.Context
	for i, name := range accounts {
		a, err := login(ctx, conn, name, password, fmt.Sprintf("gridbench-desk-%d-%s", i+1, newID()))
		if err != nil {
			return nil, nil, err
		}
		authed = append(authed, a)
	}
	var wg sync.WaitGroup
	for _, a := range authed {
		wg.Go(func() {
			reports, dir, stats := pb.NewReportServiceClient(conn), pb.NewDirectoryServiceClient(conn), pb.NewStatsServiceClient(conn)
			timer := time.NewTimer(time.Duration(rand.Int64N(int64(every))))
			defer timer.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-timer.C:
				}
				began := time.Now()
				deskRefresh(a, calls, reports, dir, stats)
				timer.Reset(max(every-time.Since(began), 0))
			}
		})
	}
	return calls, wg.Wait, nil
}

// timed calls fn and adds its latency to into; false if it failed.
func timed[R any](ctx context.Context, calls *deskCalls, into *[]deskCall, fn func() (R, error)) (R, bool) {
	t0 := time.Now()
	r, err := fn()
	if ctx.Err() != nil {
		return r, false // the storm is over: not a failure, not a figure
	}
	t1 := time.Now()
	calls.add(into, t1, t1.Sub(t0), err)
	return r, err == nil
}

// deskRefresh refreshes one desk's three pages once.
func deskRefresh(ctx context.Context, calls *deskCalls, reports pb.ReportServiceClient, dir pb.DirectoryServiceClient, stats pb.StatsServiceClient) {
	listGrids := func() (*pb.ListGridsResponse, error) {
		return dir.ListGrids(ctx, &pb.ListGridsRequest{PageSize: 500})
	}
	// The case list.
	if _, ok := timed(ctx, calls, &calls.grids, listGrids); !ok {
		return
	}
	overdue := &pb.ListReportsRequest{OpenOnly: true, OverdueOnly: true, OrderBy: pb.ReportOrder_REPORT_ORDER_DEADLINE, PageSize: deskListPage}
	resp, ok := timed(ctx, calls, &calls.list, func() (*pb.ListReportsResponse, error) { return reports.ListReports(ctx, overdue) })
	if !ok {
		return
	}
	if n := len(resp.GetReports()); n < deskListPage {
		rest := &pb.ListReportsRequest{OpenOnly: true, OrderBy: pb.ReportOrder_REPORT_ORDER_DEADLINE, PageSize: int32(deskListPage - n)}
		if _, ok := timed(ctx, calls, &calls.list, func() (*pb.ListReportsResponse, error) { return reports.ListReports(ctx, rest) }); !ok {
			return
		}
	}
	// The map's cases.
	if _, ok := timed(ctx, calls, &calls.grids, listGrids); !ok {
		return
	}
	open := &pb.ListReportsRequest{OpenOnly: true, OrderBy: pb.ReportOrder_REPORT_ORDER_DEADLINE, PageSize: deskMapPage}
	for range deskMapMaxPage {
		page, ok := timed(ctx, calls, &calls.mapPages, func() (*pb.ListReportsResponse, error) { return reports.ListReports(ctx, open) })
		if !ok {
			return
		}
		if open.PageToken = page.GetNextPageToken(); open.PageToken == "" {
			break
		}
	}
	// The home page.
	timed(ctx, calls, &calls.dashboard, func() (*pb.GetDashboardResponse, error) {
		return stats.GetDashboard(ctx, &pb.GetDashboardRequest{})
	})
}
