package store

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Several servers, one database. Each server caches the tokens it has
// accepted (auth_cache.go). (The grids' boundaries, place.go, are checked
// by the writer instead: the street's grids_version, read when it locks
// the street's row.) On
// SQLite one process has the file, so the commit that changes them clears
// them (AfterCommit). On PostgreSQL another server may have made the
// change, and it must still apply on this server's next call, not a
// minute later. Being told (LISTEN/NOTIFY) is not enough for that: the
// notification reaches this server some time after the commit, and a call
// that comes in between would be answered from the stale cache (a test
// of it failed one run in two). So the database counts every change of
// what a cache holds (auth_epoch in the street's row,
// counted up by triggers in the changing transaction, even for a change
// made by hand; migrations/postgres/0002), and a server uses what it
// cached only while the epoch is the one it was read with: one indexed
// read of one row instead of the token's and its user's. Callers that
// come while such a read runs share the next one (epochReads), so under
// load the database answers one read per round trip, not one per call.

// Each street counts its own: a token is checked against its street's
// epoch, so a change in one street does not empty every street's cache.
const authEpochQuery = "SELECT auth_epoch FROM streets WHERE id = ?"

// noEpoch is what authEpoch answers for a token not cached: no entry is
// read with it (epochs count up from 0), so the token is read afresh.
const noEpoch int64 = -1

// epochReadTimeout bounds one shared read of the auth epoch: it serves
// many callers, so none of their contexts may end it.
const epochReadTimeout = 5 * time.Second

// authEpoch returns the epoch of what Authenticate answers for token id,
// read after the call came: on SQLite always 0 (the one process clears
// its cache itself). On PostgreSQL it is the epoch of the street of the
// token's cached entry, or noEpoch if there is none (the token is read
// then, with its epoch).
func (db *DB) authEpoch(ctx context.Context, id string) (int64, error) {
	if db.engine != postgres {
		return 0, nil
	}
	if db.reader == nil {
		return 0, errClosed
	}
	street, ok := db.auth.street(id)
	if !ok {
		return noEpoch, nil
	}
	return db.authEpochs.of(street).get(ctx, func() (int64, error) { return db.readAuthEpoch(street) })
}

// readAuthEpoch reads street's auth epoch from the database.
func (db *DB) readAuthEpoch(street int64) (int64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), epochReadTimeout)
	defer cancel()
	if err := db.readGate.acquire(ctx); err != nil {
		return 0, fmt.Errorf("read auth epoch: %w", err)
	}
	defer db.readGate.release()
	var epoch int64
	if err := db.reader.QueryRowContext(ctx, authEpochQuery, street).Scan(&epoch); err != nil {
		return 0, unavailable(fmt.Errorf("read auth epoch of street %d: %w", street, err))
	}
	return epoch, nil
}

// streetEpochReads holds each street's shared reads of its epoch.
type streetEpochReads struct {
	mu      sync.Mutex
	streets map[int64]*epochReads
}

// of returns street's shared reads.
func (s *streetEpochReads) of(street int64) *epochReads {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.streets[street]
	if r == nil {
		if s.streets == nil {
			s.streets = make(map[int64]*epochReads)
		}
		r = &epochReads{}
		s.streets[street] = r
	}
	return r
}

// epochReads shares reads of an epoch among the callers that want one at
// once, without ever answering a caller with a read that began before it
// came (that read may predate the change the caller must see): one read
// runs at a time, and the callers that come meanwhile wait together for
// the next.
type epochReads struct {
	mu      sync.Mutex
	running bool
	next    *epochRead // the read the callers coming now will share
}

type epochRead struct {
	done  chan struct{}
	epoch int64
	err   error
}

// get returns the epoch as read by a read begun after get was called.
func (r *epochReads) get(ctx context.Context, read func() (int64, error)) (int64, error) {
	r.mu.Lock()
	if r.next == nil {
		r.next = &epochRead{done: make(chan struct{})}
	}
	mine := r.next
	if !r.running {
		r.running = true
		r.next = nil
		go r.run(mine, read)
	}
	r.mu.Unlock()
	select {
	case <-mine.done:
		return mine.epoch, mine.err
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// run reads for rd, then for whoever came while it read, until nobody
// waits.
func (r *epochReads) run(rd *epochRead, read func() (int64, error)) {
	for rd != nil {
		rd.epoch, rd.err = read()
		close(rd.done)
		r.mu.Lock()
		rd, r.next = r.next, nil
		r.running = rd != nil
		r.mu.Unlock()
	}
}

// authEpochIn returns street's auth epoch as q sees it (0 on SQLite), to
// be cached with what q read.
func (db *DB) authEpochIn(q queryer, street int64) (int64, error) {
	if db.engine != postgres {
		return 0, nil
	}
	var epoch int64
	if err := q.QueryRow(authEpochQuery, street).Scan(&epoch); err != nil {
		return 0, fmt.Errorf("read auth epoch: %w", err)
	}
	return epoch, nil
}
