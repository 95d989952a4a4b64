package store

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gridinspect/gridinspect"
)

// Dashboard counts the desk's figures for the caller's grids (or those
// asked for, checked as ListReports checks them) in one query: each count
// is the WHERE clause ListReports builds for gridinspect.DashboardFilter,
// grouped by grid, so a count and its list cannot differ. See
// gridinspect.DashboardService.
//
// With Options.DashboardMaxAge, counts of the same grids made at most that
// long ago are answered again (their At says when they were counted), and
// callers asking at once share one count: five desks refreshing their
// home pages during the evening sync cost one count every couple of
// seconds, not five, each holding a read turn for tens of milliseconds.
func (db *DB) Dashboard(ctx context.Context, gridIDs []string) (*gridinspect.Dashboard, error) {
	a, err := db.statsActor(ctx)
	if err != nil {
		return nil, err
	}
	if db.dashboards.maxAge <= 0 {
		return db.countDashboard(ctx, a, gridIDs)
	}
	// The counts depend on the caller only through the streets and grids
	// counted.
	grids, err := scopeGrids(a, gridIDs)
	if err != nil {
		return nil, err
	}
	key := streetsArg(a) + "|*"
	if grids != nil {
		key = streetsArg(a) + "|" + strings.Join(sortedUnique(lowerAll(grids)), ",")
	}
	key += "|" + strings.Join(sortedUnique(lowerAll(gridIDs)), ",")
	return db.dashboards.get(ctx, key, db.now, func() (*gridinspect.Dashboard, error) {
		return db.countDashboard(context.WithoutCancel(ctx), a, gridIDs)
	})
}

// DefaultDashboardMaxAge is gridd's Options.DashboardMaxAge: a desk's
// tiles may be two seconds behind.
const DefaultDashboardMaxAge = 2 * time.Second

// dashboardCache keeps the last count of each set of grids.
type dashboardCache struct {
	maxAge  time.Duration
	mu      sync.Mutex
	entries map[string]*dashboardEntry
}

type dashboardEntry struct {
	ready chan struct{} // closed once d and err are set
	d     *gridinspect.Dashboard
	err   error
	at    time.Time
}

// get returns the count under key, made by count if there is none younger
// than maxAge nor one being made.
func (c *dashboardCache) get(ctx context.Context, key string, now func() time.Time, count func() (*gridinspect.Dashboard, error)) (*gridinspect.Dashboard, error) {
	c.mu.Lock()
	e := c.entries[key]
	fresh := e != nil
	if fresh {
		select {
		case <-e.ready:
			fresh = e.err == nil && now().Sub(e.at) < c.maxAge
		default: // being counted: wait for it
		}
	}
	if !fresh {
		if c.entries == nil {
			c.entries = make(map[string]*dashboardEntry)
		}
		for k, old := range c.entries { // drop the stale ones
			select {
			case <-old.ready:
				if now().Sub(old.at) >= c.maxAge {
					delete(c.entries, k)
				}
			default:
			}
		}
		e = &dashboardEntry{ready: make(chan struct{}), at: now()}
		c.entries[key] = e
		c.mu.Unlock()
		e.d, e.err = count()
		close(e.ready)
	} else {
		c.mu.Unlock()
	}
	select {
	case <-e.ready:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if e.err != nil {
		return nil, e.err
	}
	d := *e.d // the caller may change its copy's slices' owner, not ours
	d.Grids = slices.Clone(e.d.Grids)
	return &d, nil
}

// countDashboard counts the dashboard for a.
func (db *DB) countDashboard(ctx context.Context, a *gridinspect.Actor, gridIDs []string) (*gridinspect.Dashboard, error) {
	now := db.now().UTC()
	d := &gridinspect.Dashboard{At: now, NewSince: gridinspect.NewSince(now)}
	var parts []string
	var args []any
	for c := range gridinspect.NumDashboardCounts {
		f := gridinspect.DashboardFilter(c, now)
		f.GridIDs = gridIDs
		l, err := db.reportListing(a, f, now)
		if err != nil {
			return nil, err
		}
		if l == nil { // an empty scope: no grid, nothing to count
			return d, nil
		}
		// l.where names the streets counted (reportListing).
		parts = append(parts, "SELECT "+itoa(int(c))+", grid_id, count(*) FROM reports"+l.where.String()+" GROUP BY grid_id")
		args = append(args, l.where.args...)
	}
	grids, err := scopeGrids(a, gridIDs)
	if err != nil {
		return nil, err
	}
	var w where
	in(&w, "street_id", a.ReadStreets())
	if grids != nil {
		in(&w, "id", grids)
	}
	err = db.Read(ctx, func(tx *sql.Tx) error {
		keys, err := sortedGridKeys(tx, w)
		if err != nil {
			return err
		}
		row := make(map[string]int, len(keys))
		for i, k := range keys {
			row[k.ID] = i
			d.Grids = append(d.Grids, gridinspect.GridCounts{GridID: k.ID, GridName: k.Name, StreetID: k.Street})
		}
		rows, err := tx.Query(strings.Join(parts, " UNION ALL "), args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var c gridinspect.DashboardCount
			var grid string
			var n int64
			if err := rows.Scan(&c, &grid, &n); err != nil {
				return err
			}
			d.Total[c] += n
			if i, ok := row[grid]; ok {
				d.Grids[i].Counts[c] = n
			}
		}
		return rows.Err()
	})
	if err != nil {
		return nil, domainErr(err, "count the dashboard")
	}
	// A grid asked for that does not exist is named, as GetSummary names
	// it; a worker's scope is not checked against the grids.
	for _, id := range sortedUnique(lowerAll(gridIDs)) {
		if !slices.ContainsFunc(d.Grids, func(g gridinspect.GridCounts) bool { return g.GridID == id }) {
			return nil, gridinspect.NotFound(a, "grid %s not found", id)
		}
	}
	return d, nil
}
