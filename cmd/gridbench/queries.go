package main

import (
	"context"
	"fmt"
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
		b.logf("list: %d calls on %d reports", b.cfg.queryCalls, d.Reports)
		w := watchMemory(t.pid)
		lat, err := timeCalls(20, b.cfg.queryCalls, func() error {
			resp, err := reports.ListReports(authed, req)
			got = len(resp.GetReports())
			return err
		})
		rss := w.peak()
		if err != nil {
			return fmt.Errorf("list reports: %w", err)
		}
		r := row(d.Reports, "ListReports: open safety hazards, one grid, newest 50", "gRPC", lat, rss,
			fmt.Sprintf("%d reports a page", got))
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
