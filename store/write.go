package store

import (
	"context"
	"database/sql"
	"fmt"
	"runtime/debug"
	"time"

	"github.com/gridinspect/gridinspect"
)

// Group commit.
//
// A write is acknowledged only once its transaction is on disk
// (synchronous=FULL), and an fsync costs milliseconds. So that durability
// does not cap throughput at one write per fsync, one goroutine serves
// every write: it takes the first queued request, then everything else
// already queued (up to MaxGroupSize), and runs them all in one
// transaction, each under its own SAVEPOINT, with one COMMIT for the lot.
// Whatever queues while that commit is being synced forms the next group,
// so under load groups grow by themselves and with no load a lone write
// waits for nothing: no timer, no fixed window.

// Tx is the transaction a write function runs in. It is shared by the
// writes of one group, each under its own savepoint; a Tx must not be used
// after the function it was given to returns.
type Tx struct {
	// Now is the server time of the group, the same for every write in it.
	Now time.Time

	tx    *sql.Tx
	group *group
	after []func()
}

// group is what the writes of one transaction share.
type group struct {
	// gridsChanged is set once a write in the group has written a grid;
	// from then on the group places points by reading grids through the
	// transaction instead of the cache, which holds committed grids only.
	gridsChanged bool
}

// Exec runs a statement in the transaction. There is no context: a
// caller's cancellation must not interrupt a transaction that other
// callers' writes share.
func (tx *Tx) Exec(query string, args ...any) (sql.Result, error) {
	return tx.tx.Exec(query, args...)
}

// Query runs a query in the transaction.
func (tx *Tx) Query(query string, args ...any) (*sql.Rows, error) {
	return tx.tx.Query(query, args...)
}

// QueryRow runs a query expected to return at most one row.
func (tx *Tx) QueryRow(query string, args ...any) *sql.Row {
	return tx.tx.QueryRow(query, args...)
}

// AfterCommit registers f to run once the group's transaction has been
// committed, before the writers are answered; e.g. to drop a cache. It is
// dropped if this write fails or the commit does.
func (tx *Tx) AfterCommit(f func()) {
	tx.after = append(tx.after, f)
}

// writeRequest is one call to Write waiting for the writer.
type writeRequest struct {
	ctx   context.Context
	fn    func(*Tx) error
	done  chan error // buffered: the writer never waits for the caller
	err   error
	after []func()
}

// errStateUnknown answers writes whose commit failed: the transaction may
// or may not be on disk. Retrying is safe because every write is
// idempotent (client-made ids).
var errStateUnknown = gridinspect.Errorf(gridinspect.EUNAVAILABLE, "write failed; state unknown, retry")

// errNotWritten answers writes whose transaction was rolled back: nothing
// of them was written.
var errNotWritten = gridinspect.Errorf(gridinspect.EUNAVAILABLE, "write failed; nothing was written, retry")

// errClosed answers writes made after Close.
var errClosed = gridinspect.Errorf(gridinspect.EUNAVAILABLE, "the database is closing")

// Write runs fn in the writer's transaction and returns once that
// transaction is committed (nil, or fn's own error if fn failed and its
// changes were rolled back). fn may run together with other writes in one
// transaction; its changes are kept or dropped on their own, under a
// savepoint, and a panic in fn is recovered and returned as its error.
//
// fn runs on the writer goroutine: it must not call Write (it would wait
// for itself) and should do only database work, since every write queued
// behind it waits while it runs.
//
// If ctx is done before fn starts, fn is skipped and ctx.Err() returned.
// Once fn has started, Write waits for the commit whatever ctx does, so
// that it never calls a write failed that was in fact committed.
func (db *DB) Write(ctx context.Context, fn func(tx *Tx) error) error {
	req := &writeRequest{ctx: ctx, fn: fn, done: make(chan error, 1)}
	if err := db.enqueue(req); err != nil {
		return err
	}
	return <-req.done
}

func (db *DB) enqueue(req *writeRequest) error {
	db.closeMu.RLock()
	defer db.closeMu.RUnlock()
	if db.closed || db.queue == nil {
		return errClosed
	}
	select {
	case db.queue <- req:
		return nil
	case <-req.ctx.Done():
		return req.ctx.Err()
	}
}

// runWriter is the writer goroutine. After Close it finishes what is
// queued (nothing can be queued any more) and returns.
func (db *DB) runWriter() {
	defer close(db.writerDone)
	batch := make([]*writeRequest, 0, MaxGroupSize)
	for {
		var first *writeRequest
		select {
		case first = <-db.queue:
		case <-db.closing:
			select {
			case first = <-db.queue:
			default:
				return
			}
		}
		batch = append(batch[:0], first)
	drain:
		for len(batch) < MaxGroupSize {
			select {
			case req := <-db.queue:
				batch = append(batch, req)
			default:
				break drain
			}
		}
		db.runGroup(batch)
		clear(batch) // let the requests be collected
	}
}

// runGroup runs the requests of one group in one transaction and answers
// each of them.
func (db *DB) runGroup(reqs []*writeRequest) {
	defer func() {
		for _, r := range reqs {
			r.done <- r.err
		}
	}()

	// Requests whose callers gave up before we got to them are skipped.
	live := reqs[:0:0]
	for _, r := range reqs {
		if err := r.ctx.Err(); err != nil {
			r.err = err
			continue
		}
		live = append(live, r)
	}
	if len(live) == 0 {
		return
	}

	// Begin without the callers' contexts: database/sql rolls a
	// transaction back when its context ends, and this one is shared.
	sqlTx, err := db.writer.BeginTx(context.Background(), nil)
	if err != nil {
		db.logger.Error("store: begin write transaction", "err", err)
		for _, r := range live {
			r.err = errNotWritten
		}
		return
	}
	g := &group{}
	now := db.now().UTC()
	ok := 0
	for i, r := range live {
		if err := db.runOne(sqlTx, g, now, r); err != nil {
			// The savepoint could not be rolled back: the transaction is
			// in an unknown state, so none of it may be committed.
			db.logger.Error("store: roll back to savepoint", "err", err)
			if rerr := sqlTx.Rollback(); rerr != nil {
				db.logger.Error("store: roll back write transaction", "err", rerr)
			}
			for _, r := range live[:i+1] {
				if r.err == nil {
					r.err = errNotWritten
				}
			}
			for _, r := range live[i+1:] {
				r.err = errNotWritten
			}
			return
		}
		if r.err == nil {
			ok++
		}
	}
	if ok == 0 {
		// Every write failed and was rolled back: nothing to make durable.
		if err := sqlTx.Rollback(); err != nil {
			db.logger.Error("store: roll back empty write transaction", "err", err)
		}
		return
	}
	if err := sqlTx.Commit(); err != nil {
		db.logger.Error("store: commit", "err", err, "writes", ok)
		for _, r := range live {
			if r.err == nil {
				r.err = errStateUnknown
			}
		}
		return
	}
	db.commits.Add(1)
	for _, r := range live {
		if r.err == nil {
			for _, f := range r.after {
				f()
			}
		}
	}
}

// runOne runs one request under its own savepoint, leaving its outcome in
// r.err. It returns an error only when the savepoint itself failed, which
// dooms the whole transaction.
func (db *DB) runOne(sqlTx *sql.Tx, g *group, now time.Time, r *writeRequest) error {
	if err := r.ctx.Err(); err != nil {
		r.err = err // the caller gave up while the group ran
		return nil
	}
	if _, err := sqlTx.Exec("SAVEPOINT write"); err != nil {
		return fmt.Errorf("savepoint: %w", err)
	}
	tx := &Tx{Now: now, tx: sqlTx, group: g}
	r.err = callSafely(r.fn, tx)
	if r.err != nil {
		if _, err := sqlTx.Exec("ROLLBACK TO write"); err != nil {
			return fmt.Errorf("rollback to savepoint: %w", err)
		}
	}
	if _, err := sqlTx.Exec("RELEASE write"); err != nil {
		return fmt.Errorf("release savepoint: %w", err)
	}
	if r.err == nil {
		r.after = tx.after
	}
	return nil
}

// callSafely calls fn, turning a panic into an error so that one bad write
// cannot take down the writer, and with it every other write.
func callSafely(fn func(*Tx) error, tx *Tx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("store: write panicked: %v\n%s", p, debug.Stack())
		}
	}()
	return fn(tx)
}
