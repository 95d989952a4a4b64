package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
	"github.com/gridinspect/gridinspect/store"
)

// The query phases, on a street of N reports: ListReports (the open
// safety hazards of one grid, newest first, a page of 50 — what a worker's
// phone and a supervisor's screen ask most) and GetSummary for the last
// half-year, each called one after another by one supervisor, after a
// few warm-up calls.

// queryRow is one query measured on one street.
type queryRow struct {
	Reports             int
	Query               string
	Via                 string
	Calls               int
	P50, P99, Max, Mean time.Duration
	RSS                 int64
	Result              string
}

// planSet is the plans of the measured queries on one street.
type planSet struct {
	Reports   int
	List      []store.QueryPlan
	Summaries []summaryPlans
}

// summaryPlans is the plans of the summary of one period.
type summaryPlans struct {
	Period string
	Plans  []store.QueryPlan
}

// timeCalls calls fn warm times, then calls times, and returns the
// latencies of the latter.
func timeCalls(warm, calls int, fn func() error) ([]time.Duration, error) {
	for range warm {
		if err := fn(); err != nil {
			return nil, err
		}
	}
	lat := make([]time.Duration, 0, calls)
	for range calls {
		t0 := time.Now()
		if err := fn(); err != nil {
			return nil, err
		}
		lat = append(lat, time.Since(t0))
	}
	return lat, nil
}

// timeCallsConcurrent is timeCalls from callers goroutines at once,
// which share the calls; with one caller it is timeCalls.
func timeCallsConcurrent(warm, calls, callers int, fn func() error) ([]time.Duration, error) {
	if callers <= 1 {
		return timeCalls(warm, calls, fn)
	}
	for range warm {
		if err := fn(); err != nil {
			return nil, err
		}
	}
	var (
		mu   sync.Mutex
		lat  = make([]time.Duration, 0, calls)
		errs []error
		wg   sync.WaitGroup
	)
	turns := make(chan struct{}, calls)
	for range calls {
		turns <- struct{}{}
	}
	close(turns)
	for range callers {
		wg.Go(func() {
			for range turns {
				t0 := time.Now()
				err := fn()
				d := time.Since(t0)
				mu.Lock()
				if err != nil {
					errs = append(errs, err)
				} else {
					lat = append(lat, d)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return lat, errors.Join(errs...)
}

// row makes a queryRow of latencies.
func row(reports int, query, via string, lat []time.Duration, rss int64, result string) queryRow {
	var sum time.Duration
	for _, l := range lat {
		sum += l
	}
	r := queryRow{Reports: reports, Query: query, Via: via, Calls: len(lat), RSS: rss, Result: result}
	if len(lat) > 0 {
		r.Mean = sum / time.Duration(len(lat))
	}
	r.P50, r.P99, r.Max = percentiles(lat)
	return r
}

// queryPhases measures the listing and/or the summary on t, serving d.
func (b *bench) queryPhases(ctx context.Context, t *target, d *dataset, list, summary bool) error {
	conns, closeConns, err := dialPool(t.addr, 1, dialOptions()...)
	if err != nil {
		return err
	}
	defer closeConns()
	conn := conns[0]
	authed, err := login(ctx, conn, b.supervisorName(d), b.password(d), "gridbench-query-"+newID())
	if err != nil {
		return err
	}
	grid := ""
	if len(d.GridIDs) > 0 {
		grid = d.GridIDs[0]
	} else if _, grid, err = gridArea(authed, conn); err != nil {
		return err
	}

	if list {
		reports := pb.NewReportServiceClient(conn)
		req := &pb.ListReportsRequest{OpenOnly: true, Categories: []pb.Category{pb.Category_CATEGORY_SAFETY_HAZARD},
			GridIds: []string{grid}, PageSize: 50, OrderBy: pb.ReportOrder_REPORT_ORDER_NEWEST_FIRST}
		got := 0
		callers := b.cfg.listCallers
		b.logf("list: %d calls on %d reports, %d at once", b.cfg.queryCalls, d.Reports, callers)
		w := watchMemory(t.pid)
		var mu sync.Mutex
		t0 := time.Now()
		lat, err := timeCallsConcurrent(20, b.cfg.queryCalls, callers, func() error {
			resp, err := reports.ListReports(authed, req)
			mu.Lock()
			got = len(resp.GetReports())
			mu.Unlock()
			return err
		})
		elapsed := time.Since(t0)
		rss := w.peak()
		if err != nil {
			return fmt.Errorf("list reports: %w", err)
		}
		query := "ListReports: open safety hazards, one grid, newest 50"
		if callers > 1 {
			query += fmt.Sprintf(", %d callers at once", callers)
		}
		r := row(d.Reports, query, "gRPC", lat, rss, fmt.Sprintf("%d reports a page", got))
		if callers > 1 {
			r.Result += fmt.Sprintf("; %.0f calls/s", float64(len(lat))/elapsed.Seconds())
		}
		b.res.Queries = append(b.res.Queries, r)
		b.logf("list: p50 %v, p99 %v", r.P50, r.P99)
	}

	if summary {
		for _, p := range summaryPeriods(d.End) {
			if err := b.summary(ctx, t, d, authed, conn, p); err != nil {
				return err
			}
		}
	}
	return nil
}

// summary measures GetSummary of the whole street for p.
func (b *bench) summary(ctx context.Context, t *target, d *dataset, authed context.Context, conn *grpc.ClientConn, p period) error {
	stats := pb.NewStatsServiceClient(conn)
	req := &pb.GetSummaryRequest{From: timestamppb.New(p.from), To: timestamppb.New(p.to)}
	reported := int64(0)
	b.logf("summary: %d calls on %d reports, %s", b.cfg.summaryCalls, d.Reports, p.name)
	w := watchMemory(t.pid)
	lat, err := timeCalls(2, b.cfg.summaryCalls, func() error {
		resp, err := stats.GetSummary(authed, req)
		reported = resp.GetSummary().GetLoop().GetReported()
		return err
	})
	rss := w.peak()
	via := "gRPC"
	if err != nil {
		return fmt.Errorf("summary: %w", err)
	}
	r := row(d.Reports, "GetSummary: "+p.name+", whole street", via, lat, rss,
		fmt.Sprintf("%d reported in the period", reported))
	b.res.Queries = append(b.res.Queries, r)
	b.logf("summary: p50 %v, p99 %v", r.P50, r.P99)
	return nil
}
