package store

import (
	"context"
	"database/sql"
	"slices"
	"strings"

	"github.com/gridinspect/gridinspect"
)

// Dashboard counts the desk's figures for the caller's grids (or those
// asked for, checked as ListReports checks them) in one query: each count
// is the WHERE clause ListReports builds for gridinspect.DashboardFilter,
// grouped by grid, so a count and its list cannot differ. See
// gridinspect.DashboardService.
func (db *DB) Dashboard(ctx context.Context, gridIDs []string) (*gridinspect.Dashboard, error) {
	a, err := gridinspect.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
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
		parts = append(parts, "SELECT "+itoa(int(c))+", grid_id, count(*) FROM reports"+l.where.String()+" GROUP BY grid_id")
		args = append(args, l.where.args...)
	}
	grids, err := scopeGrids(a, gridIDs)
	if err != nil {
		return nil, err
	}
	var w where
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
			d.Grids = append(d.Grids, gridinspect.GridCounts{GridID: k.ID, GridName: k.Name})
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
