package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/gridinspect/gridinspect"
)

// Pull page bounds.
const (
	DefaultPullChanges = 200
	MaxPullChanges     = 1000
	DefaultPullBytes   = 1 << 20
	// maxPageRows bounds the rows one page reads: a thing changed
	// thousands of times without growing (a subject renamed over and
	// over) would otherwise keep a page reading.
	maxPageRows = 20 * MaxPullChanges
)

// Pull returns what changed in the caller's scope since a cursor. See
// gridinspect.SyncService.
//
// The cursor never skips a change. Change numbers (changes.seq) are
// assigned by SQLite inside the single writer's transaction, in the same
// write as the change (recordChange), and the writer commits one
// transaction after another; so a change with a smaller number is never
// committed after one with a larger number: commit order is seq order. A
// reader's snapshot therefore holds every change up to the highest number
// it sees, and none with a smaller number can appear later, which makes
// "every change after seq N", read in one snapshot, exactly what the
// phone lacks. Everything a page holds is read in one read transaction.
//
// The scope is the caller's at the time of the pull. A cursor remembers
// the scope its copy covers: a grid lost since is removed at the start of
// the page (a grid's removal takes everything in it); a grid gained makes
// the phone start again (ResetRequired), so that it gets the grid's whole
// history. When both happened (a worker moved from grid A to grid B), the
// gain wins: starting again drops the phone's copy of A too.
func (db *DB) Pull(ctx context.Context, cur string, lim gridinspect.PullLimits) (*gridinspect.PullPage, error) {
	a, err := gridinspect.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	maxChanges, maxBytes, size, err := pullLimits(lim)
	if err != nil {
		return nil, err
	}
	scope := cursor{Instance: db.instanceID, Street: a.Street(), AllGrids: a.AllGrids}
	if !a.AllGrids {
		scope.Grids = sortedUnique(lowerAll(a.GridIDs))
	}
	from := &scope // an empty cursor: from the start, in the current scope
	if cur != "" {
		c, foreign, err := db.decodeCursor(cur, a.Street())
		switch {
		case err != nil:
			return nil, err
		case foreign:
			return &gridinspect.PullPage{ResetRequired: true}, nil
		}
		from = c
	}

	p := &puller{actor: a, from: from, scope: scope, maxChanges: maxChanges, maxBytes: maxBytes, size: size}
	var page *gridinspect.PullPage
	err = db.Read(ctx, func(tx *sql.Tx) error {
		p.q = tx
		var err error
		page, err = db.pull(p)
		return err
	})
	if err != nil {
		return nil, domainErr(err, "pull")
	}
	return page, nil
}

// pullLimits returns the bounds of a page, with their defaults.
func pullLimits(lim gridinspect.PullLimits) (int, int, func(*gridinspect.Change) int, error) {
	n := lim.MaxChanges
	switch {
	case n < 0:
		return 0, 0, nil, violationZh("invalid pull", "page_size", "must not be negative", "每页条数不能为负数")
	case n == 0:
		n = DefaultPullChanges
	}
	n = min(n, MaxPullChanges)
	bytes := lim.MaxBytes
	if bytes <= 0 {
		bytes = DefaultPullBytes
	}
	size := lim.Size
	if size == nil {
		size = jsonSize
	}
	return n, bytes, size, nil
}

// jsonSize estimates a change's size on the wire when the caller does not
// say: the length of its JSON.
func jsonSize(c *gridinspect.Change) int {
	b, err := json.Marshal(c)
	if err != nil {
		return 0
	}
	return len(b)
}

// puller is one Pull in progress.
type puller struct {
	q          queryer
	actor      *gridinspect.Actor
	from       *cursor // where the phone's copy stands
	scope      cursor  // the caller's scope now (Seq unset)
	maxChanges int
	maxBytes   int
	size       func(*gridinspect.Change) int
}

// changeRow is one row of the change sequence.
type changeRow struct {
	seq        int64
	entityType string
	entityID   string
	eventID    string
	changedAt  int64
}

// pull reads one page in p's read transaction.
func (db *DB) pull(p *puller) (*gridinspect.PullPage, error) {
	ok, err := sameHistory(p.q, p.actor.Street(), p.from)
	if err != nil {
		return nil, err
	}
	if !ok {
		// A cursor past this database's changes, or following another
		// history: a backup was restored since it was issued.
		return &gridinspect.PullPage{ResetRequired: true}, nil
	}
	gained, lost, err := scopeChange(p.q, p.actor.Street(), p.from, &p.scope)
	if err != nil {
		return nil, err
	}
	if gained {
		return &gridinspect.PullPage{ResetRequired: true}, nil
	}

	b := &pageBuilder{puller: p, entries: make(map[entityKey]*pageEntry)}
	for _, id := range lost {
		c := &gridinspect.Change{Removal: &gridinspect.Removal{Type: gridinspect.EntityGrid, ID: id}}
		b.removals = append(b.removals, c)
		b.total += p.size(c)
	}
	// Removals belong to the new scope and come all together; the things
	// the rows name share what is left of the page. The limit counts
	// things (the answer's changes), not rows: a case whose timeline has
	// twenty events is one change, and cutting it short would send it
	// again, whole, on the next page. Rows are read in batches until the
	// page holds limit things, reaches its byte bound or maxPageRows, or
	// the rows run out.
	limit := max(p.maxChanges-len(b.removals), 0)
	next := *p.from
	hasMore, i := false, 0
read:
	for {
		rows, err := p.changesAfter(next.Seq, limit+1)
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			if i >= maxPageRows || (!b.holds(r) && len(b.entries) >= limit) {
				hasMore = true
				break read
			}
			// The first row of a page goes in whatever its size, so that
			// every page makes progress.
			first := i == 0 && len(b.removals) == 0
			fits, err := b.add(i, r, first)
			if err != nil {
				return nil, err
			}
			if !fits {
				hasMore = true
				break read
			}
			next.Seq, next.Mark = r.seq, changeMark(r)
			i++
		}
		if len(rows) <= limit {
			break // no more rows
		}
	}
	next.Instance, next.Street, next.AllGrids, next.Grids = p.scope.Instance, p.scope.Street, p.scope.AllGrids, p.scope.Grids
	return &gridinspect.PullPage{Changes: b.changes(), NextCursor: db.encodeCursor(next), HasMore: hasMore}, nil
}

// scopeChange compares the scope a cursor covers with the caller's now:
// whether the caller gained any grid, and the grids it lost, by id.
func scopeChange(q queryer, street int64, from, now *cursor) (gained bool, lost []string, err error) {
	switch {
	case now.AllGrids:
		return !from.AllGrids, nil, nil
	case from.AllGrids:
		// The phone may hold any grid: every grid but the caller's is
		// lost.
		all, err := gridIDs(q, street)
		if err != nil {
			return false, nil, err
		}
		for _, id := range all {
			if !slices.Contains(now.Grids, id) {
				lost = append(lost, id)
			}
		}
		return false, lost, nil
	}
	for _, id := range now.Grids {
		if !slices.Contains(from.Grids, id) {
			return true, nil, nil
		}
	}
	for _, id := range from.Grids {
		if !slices.Contains(now.Grids, id) {
			lost = append(lost, id)
		}
	}
	return false, lost, nil
}

// gridIDs returns the id of every grid of a street, in order.
func gridIDs(q queryer, street int64) ([]string, error) {
	rows, err := q.Query("SELECT id FROM grids WHERE street_id = ? ORDER BY id", street)
	if err != nil {
		return nil, fmt.Errorf("list grids: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("list grids: %w", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list grids: %w", err)
	}
	return ids, rows.Close()
}

// changesAfter returns at most n changes after seq in the caller's scope,
// in order. Each grid's changes are read in order from the index on
// (grid_id, seq) and merged here: asked for several grids at once, SQLite
// would sort every change of them after seq for each page.
func (p *puller) changesAfter(seq int64, n int) ([]changeRow, error) {
	if p.scope.AllGrids {
		return queryChanges(p.q, changesQuery(p.actor.Street(), seq, "", n))
	}
	var out []changeRow
	for _, grid := range p.scope.Grids {
		rows, err := queryChanges(p.q, changesQuery(p.actor.Street(), seq, grid, n))
		if err != nil {
			return nil, err
		}
		out = append(out, rows...)
	}
	slices.SortFunc(out, func(x, y changeRow) int { return cmp.Compare(x.seq, y.seq) })
	return out[:min(len(out), n)], nil
}

// changesQuery returns the query of at most n changes of a street after
// seq, in order, in grid ("": in every grid).
func changesQuery(street, seq int64, grid string, n int) *query {
	var w where
	if grid != "" {
		w.add("grid_id = ?", grid)
	}
	w.add("seq > ?", seq)
	return &query{"SELECT seq, entity_type, entity_id, event_id, changed_at FROM changes WHERE street_id = ?" + w.and() +
		" ORDER BY seq LIMIT ?", append(append([]any{street}, w.args...), n)}
}

func queryChanges(q queryer, qu *query) ([]changeRow, error) {
	rows, err := q.Query(qu.sql, qu.args...)
	if err != nil {
		return nil, fmt.Errorf("read changes: %w", err)
	}
	defer rows.Close()
	var out []changeRow
	for rows.Next() {
		var r changeRow
		var event sql.NullString
		if err := rows.Scan(&r.seq, &r.entityType, &r.entityID, &event, &r.changedAt); err != nil {
			return nil, fmt.Errorf("read changes: %w", err)
		}
		r.eventID = event.String
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read changes: %w", err)
	}
	return out, rows.Close()
}

// entityKey names one thing a page may hold.
type entityKey struct{ typ, id string }

// pageEntry is one thing in a page: its change as built so far, that
// change's size, and the index of its last change row.
type pageEntry struct {
	change *gridinspect.Change
	size   int
	last   int
}

// pageBuilder builds a page from change rows. A thing that changed
// several times in the page is sent once, at the place of its last
// change, as it is now, with the events of all its changes in the page.
type pageBuilder struct {
	*puller
	removals []*gridinspect.Change
	entries  map[entityKey]*pageEntry
	total    int // bytes
}

// holds reports whether the page holds the thing row r changes.
func (b *pageBuilder) holds(r changeRow) bool {
	return b.entries[entityKey{r.entityType, r.entityID}] != nil
}

// add adds change row i to the page if the page stays within its byte
// bound (or force), and reports whether it did.
func (b *pageBuilder) add(i int, r changeRow, force bool) (bool, error) {
	key := entityKey{r.entityType, r.entityID}
	ent := b.entries[key]
	var next gridinspect.Change
	oldSize := 0
	if ent != nil {
		next, oldSize = *ent.change, ent.size
	} else {
		c, err := b.current(r)
		if err != nil {
			return false, err
		}
		next = *c
	}
	if r.eventID != "" && next.Report != nil {
		e, _, err := getEvent(b.q, b.actor.Street(), r.eventID)
		if err != nil {
			return false, err
		}
		if e == nil {
			return false, fmt.Errorf("change %d: event %s is missing", r.seq, r.eventID)
		}
		next.Events = append(slices.Clip(next.Events), e)
	}
	size := b.size(&next)
	if !force && b.total-oldSize+size > b.maxBytes {
		return false, nil
	}
	b.total += size - oldSize
	if ent == nil {
		ent = &pageEntry{}
		b.entries[key] = ent
	}
	ent.change, ent.size, ent.last = &next, size, i
	return true, nil
}

// current returns the change that sends a thing as it is now; or its
// removal if it is gone or no longer in the caller's scope.
func (b *pageBuilder) current(r changeRow) (*gridinspect.Change, error) {
	a := b.actor
	var c gridinspect.Change
	var typ gridinspect.EntityType
	var err error
	switch r.entityType {
	case "report":
		typ = gridinspect.EntityReport
		var rep *gridinspect.Report
		if rep, _, err = getReport(b.q, a.Street(), r.entityID); rep != nil && a.CanSeeGrid(rep.GridID) {
			c.Report = rep
		}
	case "patrol":
		typ = gridinspect.EntityPatrol
		var p *gridinspect.Patrol
		if p, _, err = getPatrol(b.q, a.Street(), r.entityID); p != nil && a.CanSeeGrid(p.GridID) {
			c.Patrol = p
		}
	case "subject":
		typ = gridinspect.EntitySubject
		var s *gridinspect.Subject
		if s, _, err = getSubject(b.q, a.Street(), r.entityID); s != nil && a.CanSeeGrid(s.GridID) {
			c.Subject = s
		}
	case "grid":
		typ = gridinspect.EntityGrid
		var g *gridinspect.Grid
		if g, _, err = getGrid(b.q, a.Street(), r.entityID); g != nil && a.CanSeeGrid(g.ID) {
			c.Grid = g
		}
	default:
		return nil, fmt.Errorf("change %d: unknown entity type %q", r.seq, r.entityType)
	}
	if err != nil {
		return nil, fmt.Errorf("change %d: %w", r.seq, err)
	}
	if c.Report == nil && c.Patrol == nil && c.Subject == nil && c.Grid == nil {
		c.Removal = &gridinspect.Removal{Type: typ, ID: r.entityID}
	}
	return &c, nil
}

// changes returns the page: the removals of lost grids, then each thing
// at the place of its last change.
func (b *pageBuilder) changes() []*gridinspect.Change {
	entries := make([]*pageEntry, 0, len(b.entries))
	for _, e := range b.entries {
		entries = append(entries, e)
	}
	slices.SortFunc(entries, func(x, y *pageEntry) int { return cmp.Compare(x.last, y.last) })
	out := slices.Clip(b.removals)
	for _, e := range entries {
		out = append(out, e.change)
	}
	return out
}
