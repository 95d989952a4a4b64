package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/gridinspect/gridinspect"
)

// Query plans, for benchmarks (cmd/gridbench) and for whoever wonders why
// a listing is slow: the SQL a call runs, as SQLite's EXPLAIN QUERY PLAN
// describes it, so the plans are read from the code that runs the
// queries rather than from a copy of their SQL.

// QueryPlan is one query and SQLite's plan for it.
type QueryPlan struct {
	SQL   string   // the query, on one line
	Calls int      // how many times the call ran it
	Plan  []string // EXPLAIN QUERY PLAN, one line a step, indented by depth
	// Elapsed is, for ExplainSummary, the time from the query's start to
	// the start of the next one (or the end): running it and counting its
	// rows. The explaining is not counted.
	Elapsed time.Duration
}

// ExplainListReports returns the plans of the queries ListReports runs for
// f and the caller in ctx (the listing's first page). Errors as
// ListReports.
func (db *DB) ExplainListReports(ctx context.Context, f gridinspect.ReportFilter) ([]QueryPlan, error) {
	a, err := gridinspect.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	f.PageToken = ""
	l, err := db.reportListing(a, f, db.now().UTC())
	if err != nil || l == nil {
		return nil, err
	}
	var plans []QueryPlan
	err = db.Read(ctx, func(tx *sql.Tx) error {
		withKey, noKey := l.queries()
		for _, q := range []*query{withKey, noKey} {
			if q == nil {
				continue
			}
			p, err := explainQuery(tx, q.sql, q.args)
			if err != nil {
				return err
			}
			plans = append(plans, p)
		}
		return nil
	})
	if err != nil {
		return nil, domainErr(err, "explain list reports")
	}
	return plans, nil
}

// ExplainSummary counts a summary as Summary does, and returns the plans
// of the queries it ran, in the order they first ran, with the time each
// took. Errors as Summary.
func (db *DB) ExplainSummary(ctx context.Context, from, to time.Time, gridIDs []string) ([]QueryPlan, error) {
	a, err := gridinspect.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	if !a.IsSupervisor() {
		return nil, gridinspect.Errorf(gridinspect.EFORBIDDEN, "only supervisors and admins may read statistics").Zh("只有主管和管理员可以查看统计")
	}
	if from.IsZero() || !to.After(from) {
		return nil, gridinspect.Errorf(gridinspect.EINVALID, "invalid period")
	}
	grids, err := scopeGrids(a, gridIDs)
	if err != nil {
		return nil, err
	}
	rec := &planRecorder{seen: map[string]int{}, running: -1}
	sq := db.newSummaryQuery(a, from, to, grids)
	err = db.Read(ctx, func(tx *sql.Tx) error {
		rec.q = tx
		sq.q = rec
		if _, err := sq.gridNames(a); err != nil {
			return err
		}
		if grids != nil && len(grids) == 0 {
			return nil
		}
		if err := sq.count(&gridinspect.Summary{}); err != nil {
			return err
		}
		rec.stop()
		return rec.err
	})
	if err != nil {
		return nil, domainErr(err, "explain summary")
	}
	return rec.plans, nil
}

// planRecorder is a queryer that explains each distinct query before it
// runs it, and times the queries one after another.
type planRecorder struct {
	q       *sql.Tx
	seen    map[string]int // SQL → index in plans
	plans   []QueryPlan
	running int // index in plans of the query running, -1 before the first
	started time.Time
	err     error
}

func (r *planRecorder) record(query string, args []any) {
	r.stop()
	i, ok := r.seen[query]
	if ok {
		r.plans[i].Calls++
	} else {
		p, err := explainQuery(r.q, query, args)
		if err != nil {
			if r.err == nil {
				r.err = err
			}
			return
		}
		i = len(r.plans)
		r.seen[query] = i
		r.plans = append(r.plans, p)
	}
	r.running, r.started = i, time.Now()
}

// stop ends the timing of the query running.
func (r *planRecorder) stop() {
	if r.running >= 0 {
		r.plans[r.running].Elapsed += time.Since(r.started)
		r.running = -1
	}
}

// Query explains the query, then runs it.
func (r *planRecorder) Query(query string, args ...any) (*sql.Rows, error) {
	r.record(query, args)
	return r.q.Query(query, args...)
}

// QueryRow explains the query, then runs it.
func (r *planRecorder) QueryRow(query string, args ...any) *sql.Row {
	r.record(query, args)
	return r.q.QueryRow(query, args...)
}

// explainQuery returns the database's plan for query with args: SQLite's
// EXPLAIN QUERY PLAN, or PostgreSQL's EXPLAIN (one column, a line a row).
func explainQuery(tx *sql.Tx, query string, args []any) (QueryPlan, error) {
	p := QueryPlan{SQL: strings.Join(strings.Fields(query), " "), Calls: 1}
	rows, err := tx.Query("EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		return p, fmt.Errorf("explain %s: %w", p.SQL, err)
	}
	defer rows.Close()
	if cols, err := rows.Columns(); err == nil && len(cols) == 1 {
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				return p, fmt.Errorf("explain %s: %w", p.SQL, err)
			}
			p.Plan = append(p.Plan, line)
		}
		if err := rows.Err(); err != nil {
			return p, fmt.Errorf("explain %s: %w", p.SQL, err)
		}
		return p, rows.Close()
	}
	depth := map[int]int{0: -1}
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			return p, fmt.Errorf("explain %s: %w", p.SQL, err)
		}
		depth[id] = depth[parent] + 1
		p.Plan = append(p.Plan, strings.Repeat("  ", depth[id])+detail)
	}
	if err := rows.Err(); err != nil {
		return p, fmt.Errorf("explain %s: %w", p.SQL, err)
	}
	return p, rows.Close()
}
