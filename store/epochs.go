package store

import (
	"context"
	"fmt"
)

// Several servers, one database. Each server caches the tokens it has
// accepted (auth_cache.go) and the grids' boundaries (place.go). On
// SQLite one process has the file, so the commit that changes them clears
// them (AfterCommit). On PostgreSQL another server may have made the
// change, and it must still apply on this server's next call, not a
// minute later. Being told (LISTEN/NOTIFY) is not enough for that: the
// notification reaches this server some time after the commit, and a call
// that comes in between would be answered from the stale cache (a test
// of it failed one run in two). So the database counts every change of
// what a cache holds (auth_epoch and grids_epoch in the street's row,
// counted up by triggers in the changing transaction, even for a change
// made by hand; migrations/postgres/0002), and a server uses what it
// cached only while the epoch is the one it was read with: one indexed
// read of one row instead of the token's and its user's.

const (
	authEpochQuery  = "SELECT auth_epoch FROM streets WHERE id = 1"
	gridsEpochQuery = "SELECT grids_epoch FROM streets WHERE id = 1"
)

// authEpoch returns the epoch of what Authenticate answers, read now:
// on SQLite always 0 (the one process clears its cache itself).
func (db *DB) authEpoch(ctx context.Context) (int64, error) {
	if db.engine != postgres {
		return 0, nil
	}
	if db.reader == nil {
		return 0, errClosed
	}
	if err := db.readGate.acquire(ctx); err != nil {
		return 0, fmt.Errorf("read auth epoch: %w", err)
	}
	defer db.readGate.release()
	var epoch int64
	if err := db.reader.QueryRowContext(ctx, authEpochQuery).Scan(&epoch); err != nil {
		return 0, fmt.Errorf("read auth epoch: %w", err)
	}
	return epoch, nil
}

// authEpochIn returns the auth epoch as q sees it (0 on SQLite), to be
// cached with what q read.
func (db *DB) authEpochIn(q queryer) (int64, error) {
	if db.engine != postgres {
		return 0, nil
	}
	var epoch int64
	if err := q.QueryRow(authEpochQuery).Scan(&epoch); err != nil {
		return 0, fmt.Errorf("read auth epoch: %w", err)
	}
	return epoch, nil
}

// gridsEpochIn returns the grids' epoch as q sees it (0 on SQLite).
func (db *DB) gridsEpochIn(q queryer) (int64, error) {
	if db.engine != postgres {
		return 0, nil
	}
	var epoch int64
	if err := q.QueryRow(gridsEpochQuery).Scan(&epoch); err != nil {
		return 0, fmt.Errorf("read grids epoch: %w", err)
	}
	return epoch, nil
}
