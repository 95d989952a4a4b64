package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/gridinspect/gridinspect"
)

const gridColumns = "id, name, kind, boundary, created_at, sort_order, content_hash"

// CreateGrid stores a grid. Only an admin may. The same id with the same
// content returns the stored grid; with other content it is EEXISTS.
func (db *DB) CreateGrid(ctx context.Context, in *gridinspect.Grid) (*gridinspect.Grid, error) {
	a, err := gridinspect.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	if a.Role != gridinspect.RoleAdmin {
		return nil, gridinspect.Errorf(gridinspect.EFORBIDDEN, "only an admin may create grids").Zh("只有管理员可以创建网格")
	}
	if in == nil {
		return nil, gridinspect.Errorf(gridinspect.EINVALID, "grid is required")
	}
	g := cloneGrid(in)
	if err := db.rules.ValidateGrid(g); err != nil {
		return nil, err
	}
	hash := g.ContentHash()
	db.rules.NormalizeGrid(g)

	var stored *gridinspect.Grid
	err = db.Write(ctx, func(tx *Tx) error {
		old, oldHash, err := getGrid(tx, a.Street(), g.ID)
		switch {
		case err != nil:
			return err
		case old != nil && oldHash == hash:
			stored = old
			return nil
		case old != nil:
			return gridinspect.Errorf(gridinspect.EEXISTS, "grid %s already exists with different content", g.ID)
		}
		var other string
		err = tx.QueryRow("SELECT id FROM grids WHERE street_id = ? AND name = ?", a.Street(), g.Name).Scan(&other)
		switch {
		case err == nil:
			var v gridinspect.Violations
			v.AddZh("grid.name", "已有同名的网格", "is already the name of grid %s", other)
			return v.Err("invalid grid")
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}

		g.CreatedAt = tx.Now
		boundary, err := boundaryJSON(g.Boundary)
		if err != nil {
			return err
		}
		sw, ne := g.Boundary.Bound()
		if _, err := tx.Exec(`INSERT INTO grids (street_id, id, name, kind, boundary, min_lat, min_lng, max_lat, max_lng,
			content_hash, created_at, sort_order) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			a.Street(), g.ID, g.Name, g.Kind, boundary, sw.Lat, sw.Lng, ne.Lat, ne.Lng, hash, nanos(g.CreatedAt), g.Order); err != nil {
			return err
		}
		if err := recordChange(tx, "grid", g.ID, g.ID); err != nil {
			return err
		}
		db.gridsWritten(tx)
		stored = g
		return nil
	})
	if err != nil {
		return nil, domainErr(err, "create grid %s", g.ID)
	}
	return stored, nil
}

// GetGrid returns one grid in the caller's scope.
func (db *DB) GetGrid(ctx context.Context, id string) (*gridinspect.Grid, error) {
	a, err := gridinspect.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	id = strings.ToLower(id)
	if !a.CanSeeGrid(id) {
		return nil, gridinspect.ErrOutOfScope
	}
	var g *gridinspect.Grid
	err = db.Read(ctx, func(tx *sql.Tx) error {
		g, _, err = getGrid(tx, a.Street(), id)
		return err
	})
	if err != nil {
		return nil, domainErr(err, "get grid %s", id)
	}
	if g == nil {
		return nil, gridinspect.NotFound(a, "grid %s not found", id)
	}
	return g, nil
}

// ListGrids returns one page of the grids the caller can see, in the
// office's order (gridSorter). The order by pinyin is not SQLite's, so
// the keys of every visible grid are read and sorted here — a street has
// tens of grids, a district hundreds — and only the page's grids are read
// whole.
func (db *DB) ListGrids(ctx context.Context, size int, token string) ([]*gridinspect.Grid, string, error) {
	a, err := gridinspect.RequireActor(ctx)
	if err != nil {
		return nil, "", err
	}
	n, err := pageSize(size, DefaultGridPageSize)
	if err != nil {
		return nil, "", err
	}
	filter := filterHash("grids", nil)
	after, err := decodeToken(token, filter)
	if err != nil {
		return nil, "", err
	}

	var w where
	w.add("street_id = ?", a.Street())
	if !a.AllGrids {
		if len(a.GridIDs) == 0 {
			return nil, "", nil
		}
		in(&w, "id", a.GridIDs)
	}
	var grids []*gridinspect.Grid
	more := false
	err = db.Read(ctx, func(tx *sql.Tx) error {
		keys, err := sortedGridKeys(tx, w)
		if err != nil {
			return err
		}
		sorter := newGridSorter()
		if after != nil {
			last := gridKey{ID: after.ID, Name: after.Name, Order: int(after.Key), Street: a.Street()}
			i, _ := slices.BinarySearchFunc(keys, last, sorter.compare)
			for i < len(keys) && sorter.compare(keys[i], last) <= 0 {
				i++
			}
			keys = keys[i:]
		}
		if len(keys) > n {
			keys, more = keys[:n], true
		}
		if len(keys) == 0 {
			return nil
		}
		ids := make([]string, len(keys))
		pos := make(map[string]int, len(keys))
		for i, k := range keys {
			ids[i], pos[k.ID] = k.ID, i
		}
		var page where
		in(&page, "id", ids)
		grids, err = queryAll(tx, "SELECT "+gridColumns+" FROM grids WHERE street_id = ?"+page.and(),
			append([]any{a.Street()}, page.args...), dropHash(scanGrid))
		slices.SortFunc(grids, func(x, y *gridinspect.Grid) int { return cmp.Compare(pos[x.ID], pos[y.ID]) })
		return err
	})
	if err != nil {
		return nil, "", domainErr(err, "list grids")
	}
	next := ""
	if more && len(grids) > 0 {
		last := grids[len(grids)-1]
		next = pageToken{Filter: filter, Key: int64(last.Order), Name: last.Name, ID: last.ID}.encode()
	}
	return grids, next, nil
}

// SetGridOrder sets a grid's place in the official order. Only an admin
// may. The grid is sent again to the phones that pull it.
func (db *DB) SetGridOrder(ctx context.Context, id string, order int) (*gridinspect.Grid, error) {
	a, err := gridinspect.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	if a.Role != gridinspect.RoleAdmin {
		return nil, gridinspect.Errorf(gridinspect.EFORBIDDEN, "only an admin may set the order of grids")
	}
	if err := gridinspect.ValidateGridOrder(id, order); err != nil {
		return nil, err
	}
	id = strings.ToLower(id)
	var g *gridinspect.Grid
	err = db.Write(ctx, func(tx *Tx) error {
		res, err := tx.Exec("UPDATE grids SET sort_order = ? WHERE street_id = ? AND id = ?", order, a.Street(), id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			if err == nil {
				err = gridinspect.NotFound(a, "grid %s not found", id)
			}
			return err
		}
		if err := recordChange(tx, "grid", id, id); err != nil {
			return err
		}
		g, _, err = getGrid(tx, a.Street(), id)
		return err
	})
	if err != nil {
		return nil, domainErr(err, "set order of grid %s", id)
	}
	return g, nil
}

// getGrid returns the grid of a street with id and its content hash, or
// nil if there is none.
func getGrid(q queryer, street int64, id string) (*gridinspect.Grid, string, error) {
	g, hash, err := scanGrid(q.QueryRow("SELECT "+gridColumns+" FROM grids WHERE street_id = ? AND id = ?", street, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", nil
	}
	return g, hash, err
}

// gridExists reports whether a street has a grid with id.
func gridExists(q queryer, street int64, id string) (bool, error) {
	var one int
	err := q.QueryRow("SELECT 1 FROM grids WHERE street_id = ? AND id = ?", street, id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface {
	Scan(dest ...any) error
}

func scanGrid(s scanner) (*gridinspect.Grid, string, error) {
	var g gridinspect.Grid
	var boundary, hash string
	var created int64
	if err := s.Scan(&g.ID, &g.Name, &g.Kind, &boundary, &created, &g.Order, &hash); err != nil {
		return nil, "", err
	}
	b, err := parseBoundary(boundary)
	if err != nil {
		return nil, "", fmt.Errorf("grid %s: %w", g.ID, err)
	}
	g.Boundary = b
	g.BoundarySystem = gridinspect.CoordinateSystemWGS84
	g.CreatedAt = unixNanos(created)
	return &g, hash, nil
}

// cloneGrid copies what normalizing changes in place (the boundary), so
// the caller's grid is left as it was.
func cloneGrid(in *gridinspect.Grid) *gridinspect.Grid {
	g := *in
	g.Boundary = make(gridinspect.Boundary, len(in.Boundary))
	for i, poly := range in.Boundary {
		g.Boundary[i] = make([][]gridinspect.LatLng, len(poly))
		for j, ring := range poly {
			g.Boundary[i][j] = append([]gridinspect.LatLng(nil), ring...)
		}
	}
	return &g
}

// sortedGridKeys reads the keys of the grids w selects, in the office's
// order (gridSorter).
func sortedGridKeys(q queryer, w where) ([]gridKey, error) {
	keys, err := queryAll(q, "SELECT id, name, sort_order, street_id FROM grids"+w.String(), w.args, func(s scanner) (gridKey, error) {
		var k gridKey
		return k, s.Scan(&k.ID, &k.Name, &k.Order, &k.Street)
	})
	slices.SortFunc(keys, newGridSorter().compare)
	return keys, err
}
