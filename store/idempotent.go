package store

import (
	"context"
	"database/sql"
	"fmt"
	"sync/atomic"

	"github.com/gridinspect/gridinspect"
)

// lookup reads the object stored under id, with the hash of the content it
// was stored with; nil when there is none.
type lookup[T any] func(q queryer, street int64, id string) (obj *T, contentHash string, err error)

// submitOnce stores a new object under its client-made id exactly once.
// A retry (a phone resending its outbox) is answered from the read pool
// without queueing for the writer; the writer looks again before
// inserting, since the same object may have been stored since. gridOf
// says which grid decides who may see a stored object.
func submitOnce[T any](ctx context.Context, db *DB, a *gridinspect.Actor, what, id, hash string,
	get lookup[T], gridOf func(*T) string, insert func(tx *Tx) (*T, error)) (*T, bool, error) {
	return submitOnceWith(ctx, db, a, what, id, hash, get, gridOf, func(tx *Tx) (*T, bool, error) {
		return submitOnceTx(tx, a, what, id, hash, get, gridOf, insert)
	})
}

// submitOnceWith is submitOnce with the writer's part given: write runs
// in the writer's transaction and must look for id again before inserting
// (submitOnceTx does both), so that online calls and sync Push share it.
func submitOnceWith[T any](ctx context.Context, db *DB, a *gridinspect.Actor, what, id, hash string,
	get lookup[T], gridOf func(*T) string, write func(tx *Tx) (*T, bool, error)) (*T, bool, error) {
	var old *T
	var oldHash string
	err := db.readOne(ctx, func(q queryer) (err error) {
		old, oldHash, err = get(q, a.Street(), id)
		return err
	})
	if err != nil {
		return nil, false, domainErr(err, "submit %s %s", what, id)
	}
	if old != nil {
		return answerRetry(a, what, id, gridOf(old), old, oldHash, hash)
	}

	var stored *T
	var dup bool
	err = db.writeLooking(ctx, &idKey{what, a.Street(), id}, func(tx *Tx) (err error) {
		stored, dup, err = write(tx)
		return err
	})
	if err != nil {
		return nil, false, domainErr(err, "submit %s %s", what, id)
	}
	return stored, dup, nil
}

// submitOnceTx is the writer's part of submitOnce, in the writer's
// transaction: the stored object if id is taken (see answerRetry), else
// insert's new one.
func submitOnceTx[T any](tx *Tx, a *gridinspect.Actor, what, id, hash string,
	get lookup[T], gridOf func(*T) string, insert func(tx *Tx) (*T, error)) (*T, bool, error) {
	if !tx.knownAbsent(what, a.Street(), id) {
		old, oldHash, err := get(tx, a.Street(), id)
		if err != nil {
			return nil, false, err
		}
		if old != nil {
			return answerRetry(a, what, id, gridOf(old), old, oldHash, hash)
		}
	}
	stored, err := insert(tx)
	if err != nil {
		return nil, false, err
	}
	return stored, false, nil
}

// answerRetry answers an id that is already stored: the stored object if
// the content is the same, EEXISTS if not; and for an object the caller
// may not see, whatever it would get for one that does not exist.
func answerRetry[T any](a *gridinspect.Actor, what, id, grid string, old *T, oldHash, hash string) (*T, bool, error) {
	switch {
	case !a.CanSeeGrid(grid):
		return nil, false, gridinspect.ErrOutOfScope
	case oldHash != hash:
		return nil, false, gridinspect.Errorf(gridinspect.EEXISTS, "%s %s already exists with different content", what, id)
	default:
		return old, true, nil
	}
}

// readOne runs fn, which reads with one statement, on the read pool. On
// PostgreSQL it runs outside of a transaction: one statement sees one
// snapshot by itself, and a read transaction would add two round trips
// (BEGIN, ROLLBACK) to every SubmitReport's look for a retry.
func (db *DB) readOne(ctx context.Context, fn func(q queryer) error) error {
	if db.engine != postgres || db.reader == nil {
		return db.Read(ctx, func(tx *sql.Tx) error { return fn(tx) })
	}
	if err := db.readGate.acquire(ctx); err != nil {
		return fmt.Errorf("store: read: %w", err)
	}
	defer db.readGate.release()
	return unavailable(fn(poolQueryer{ctx, db.reader}))
}

// readTransactions counts the read transactions begun (Read), for the
// tests: on PostgreSQL each costs two round trips more than its reads.
var readTransactions atomic.Int64

// poolQueryer runs each statement on a connection of a pool, with a
// context.
type poolQueryer struct {
	ctx  context.Context
	pool *sql.DB
}

func (q poolQueryer) Query(query string, args ...any) (*sql.Rows, error) {
	return q.pool.QueryContext(q.ctx, query, args...)
}

func (q poolQueryer) QueryRow(query string, args ...any) *sql.Row {
	return q.pool.QueryRowContext(q.ctx, query, args...)
}
