package store

import (
	"fmt"
	"sync"

	"github.com/gridinspect/gridinspect"
)

// Placing a point in its grid. Grids change rarely and every submission
// without a grid id needs them, so their boundaries are cached in memory,
// per street, and a street's are dropped after a commit that wrote one of
// its grids (or, on PostgreSQL, when the writer finds that another server
// did: writerConn.begin).

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

// gridCache holds each street's committed grids' boundaries, each
// street's loaded on first use: a point is placed among its street's
// grids only.
type gridCache struct {
	mu      sync.Mutex
	streets map[int64][]placedGrid // a street's grids once loaded (nil if it has none)
}

// invalidate drops street's grids; the next placement in it reloads them.
func (c *gridCache) invalidate(street int64) {
	c.mu.Lock()
	delete(c.streets, street)
	c.mu.Unlock()
}

// get returns street's cached grids, loading them through q if need be.
// Only the writer calls it, inside a transaction of the street's writes,
// after the last commit's invalidation, so what it loads is what is
// committed.
func (c *gridCache) get(q queryer, street int64) ([]placedGrid, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if grids, ok := c.streets[street]; ok {
		return grids, nil
	}
	grids, err := loadPlacedGrids(q, street)
	if err != nil {
		return nil, err
	}
	if c.streets == nil {
		c.streets = make(map[int64][]placedGrid)
	}
	c.streets[street] = grids
	return grids, nil
}

// loadPlacedGrids reads every boundary of street's grids, by name, so
// that where grids overlap the choice does not depend on insertion order.
func loadPlacedGrids(q queryer, street int64) ([]placedGrid, error) {
	rows, err := q.Query("SELECT id, boundary, min_lat, min_lng, max_lat, max_lng FROM grids WHERE street_id = ? ORDER BY name, id",
		street)
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

// placePoint returns the id of the grid of tx's street whose boundary
// contains p, or "" if none does. Where grids overlap (a point on a shared border), a grid
// in the actor's scope wins, so a worker's report on the edge of its grid
// lands in its grid; otherwise the first by name.
func (db *DB) placePoint(tx *Tx, a *gridinspect.Actor, p gridinspect.LatLng) (string, error) {
	var grids []placedGrid
	var err error
	if tx.group.gridsChanged {
		grids, err = loadPlacedGrids(tx, tx.Street) // the cache does not have this group's grids
	} else {
		grids, err = db.grids.get(tx, tx.Street)
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
	street := tx.Street
	tx.AfterCommit(func() { db.grids.invalidate(street) })
}
