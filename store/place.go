package store

import (
	"fmt"
	"sync"

	"github.com/gridinspect/gridinspect"
)

// Placing a point in its grid. Grids change rarely and every submission
// without a grid id needs them, so their boundaries are cached in memory
// and the cache is dropped after a commit that wrote a grid.

// placedGrid is a grid's boundary with its bounding box, the prefilter
// that lets most grids be skipped without a point-in-polygon test.
type placedGrid struct {
	id       string
	boundary gridinspect.Boundary
	sw, ne   gridinspect.LatLng
}

func (g *placedGrid) contains(p gridinspect.LatLng) bool {
	return p.Lat >= g.sw.Lat && p.Lat <= g.ne.Lat && p.Lng >= g.sw.Lng && p.Lng <= g.ne.Lng &&
		g.boundary.Contains(p)
}

// gridCache holds every committed grid's boundary, loaded on first use.
type gridCache struct {
	mu     sync.Mutex
	grids  []placedGrid // nil until loaded
	loaded bool
}

// invalidate drops the cache; the next placement reloads it.
func (c *gridCache) invalidate() {
	c.mu.Lock()
	c.grids, c.loaded = nil, false
	c.mu.Unlock()
}

// get returns the cached grids, loading them through q if need be. Only the
// writer calls it, inside its transaction, after the last commit's
// invalidation, so what it loads is what is committed.
func (c *gridCache) get(q queryer) ([]placedGrid, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.loaded {
		return c.grids, nil
	}
	grids, err := loadPlacedGrids(q)
	if err != nil {
		return nil, err
	}
	c.grids, c.loaded = grids, true
	return grids, nil
}

// loadPlacedGrids reads every grid's boundary, by name, so that where
// grids overlap the choice does not depend on insertion order.
func loadPlacedGrids(q queryer) ([]placedGrid, error) {
	rows, err := q.Query("SELECT id, boundary, min_lat, min_lng, max_lat, max_lng FROM grids ORDER BY name, id")
	if err != nil {
		return nil, fmt.Errorf("load grids: %w", err)
	}
	defer rows.Close()
	var grids []placedGrid
	for rows.Next() {
		var g placedGrid
		var boundary string
		if err := rows.Scan(&g.id, &boundary, &g.sw.Lat, &g.sw.Lng, &g.ne.Lat, &g.ne.Lng); err != nil {
			return nil, fmt.Errorf("load grids: %w", err)
		}
		if g.boundary, err = parseBoundary(boundary); err != nil {
			return nil, fmt.Errorf("load grid %s: %w", g.id, err)
		}
		grids = append(grids, g)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load grids: %w", err)
	}
	if err := rows.Close(); err != nil {
		return nil, fmt.Errorf("load grids: %w", err)
	}
	return grids, nil
}

// placePoint returns the id of the grid whose boundary contains p, or ""
// if none does. Where grids overlap (a point on a shared border), a grid
// in the actor's scope wins, so a worker's report on the edge of its grid
// lands in its grid; otherwise the first by name.
func (db *DB) placePoint(tx *Tx, a *gridinspect.Actor, p gridinspect.LatLng) (string, error) {
	var grids []placedGrid
	var err error
	if tx.group.gridsChanged {
		grids, err = loadPlacedGrids(tx) // the cache does not have this group's grids
	} else {
		grids, err = db.grids.get(tx)
	}
	if err != nil {
		return "", err
	}
	found := ""
	for i := range grids {
		g := &grids[i]
		if !g.contains(p) {
			continue
		}
		if a.CanSeeGrid(g.id) {
			return g.id, nil
		}
		if found == "" {
			found = g.id
		}
	}
	return found, nil
}

// gridsWritten records that tx wrote a grid: the cache is dropped once the
// group commits, and until then the group reads grids through the
// transaction.
func (db *DB) gridsWritten(tx *Tx) {
	tx.group.gridsChanged = true
	tx.AfterCommit(db.grids.invalidate)
}
