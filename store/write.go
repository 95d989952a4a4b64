package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/mattn/go-sqlite3"

	"github.com/gridinspect/gridinspect"
)

// Group commit.
//
// A write is acknowledged only once its transaction is on disk
// (synchronous=FULL), and an fsync costs milliseconds. So that durability
// does not cap throughput at one write per fsync, one goroutine serves
// every write: it takes the first queued request, then everything else
// already queued (up to MaxGroupSize), and runs them all in one
// transaction, with one COMMIT for the lot. One write's failure must not
// fail the others: the group first runs whole, and if a write fails, the
// transaction is undone and the group run again with each write under its
// own SAVEPOINT, so that the failed one is rolled back alone. Whatever
// queues while that commit is being synced forms the next group,
// so under load groups grow by themselves and with no load a lone write
// waits for nothing: no timer, no fixed window.

// Tx is the transaction a write function runs in. It is shared by the
// writes of one group; a Tx must not be used after the function it was
// given to returns. A write function may run twice (the group it was in
// is undone when another write fails, then run again): it must do only
// database work, and leave its results in variables it sets, not adds to.
type Tx struct {
	// Now is the server time of the group, the same for every write in it.
	Now time.Time
	// Street is the street the write is for: its caller's, or the one
	// writeIn was given (docs/tenants.md); the rows it inserts are that
	// street's, and its group is that street's writes only.
	Street int64

	conn  *writerConn
	group *group
	// ownSavepoint is set when the write runs under a savepoint of its
	// own, so that an error undoes it alone. Otherwise it runs with the
	// rest of its group, and an error undoes the group, which is then run
	// again, each write under its own savepoint (see runGroup).
	ownSavepoint bool
	after        []func()
	// diskErr is the first failure of the disk a statement of this write
	// met (see diskError), even if the write's function went on.
	diskErr error
	// heldErr is the failure of statements held to be sent together
	// (pipeline.go): it fails the write, whatever its function made of it.
	heldErr error
}

// group is what the writes of one transaction share.
type group struct {
	// gridsChanged is set once a write in the group has written a grid;
	// from then on the group places points by reading grids through the
	// transaction instead of the cache, which holds committed grids only.
	gridsChanged bool
	// rules are the routing rules as the group first read them, by street
	// (see rulesIn); rulesWritten is set once a write of the group changed
	// them, and from then on they are read afresh.
	rules        map[int64][]*gridinspect.RoutingRule
	rulesWritten bool
	// absent holds objects the group found not stored, each until a
	// write of the group looks for it (see lookahead.go).
	absent map[idKey]struct{}
}

// Exec runs a statement in the transaction. There is no context: a
// caller's cancellation must not interrupt a transaction that other
// callers' writes share.
func (tx *Tx) Exec(query string, args ...any) (sql.Result, error) {
	if err := tx.sendHeld(); err != nil {
		return nil, err
	}
	res, err := tx.conn.exec(query, args...)
	return res, tx.note(err)
}

// Query runs a query in the transaction.
func (tx *Tx) Query(query string, args ...any) (*sql.Rows, error) {
	if err := tx.sendHeld(); err != nil {
		return nil, err
	}
	tx.conn.statements.Add(1)
	tx.conn.roundTrips.Add(1)
	rows, err := tx.conn.c.QueryContext(context.Background(), query, args...)
	return rows, tx.note(err)
}

// Prepare prepares a statement for many runs in the transaction; the
// caller closes it before its function returns.
func (tx *Tx) Prepare(query string) (*sql.Stmt, error) {
	if err := tx.sendHeld(); err != nil {
		return nil, err
	}
	st, err := tx.conn.c.PrepareContext(context.Background(), query)
	return st, tx.note(err)
}

// note remembers err if the disk failed it, and returns it.
func (tx *Tx) note(err error) error {
	if tx.diskErr == nil && err != nil && diskError(err) != nil {
		tx.diskErr = err
	}
	return err
}

// QueryRow runs a query expected to return at most one row.
func (tx *Tx) QueryRow(query string, args ...any) *sql.Row {
	// If the held statements failed, PostgreSQL has aborted the
	// transaction and the query fails too; heldErr fails the write.
	_ = tx.sendHeld()
	tx.conn.statements.Add(1)
	tx.conn.roundTrips.Add(1)
	return tx.conn.c.QueryRowContext(context.Background(), query, args...)
}

// AfterCommit registers f to run once the group's transaction has been
// committed, before the writers are answered; e.g. to drop a cache. It is
// dropped if this write fails or the commit does.
func (tx *Tx) AfterCommit(f func()) {
	tx.after = append(tx.after, f)
}

// writeRequest is one call to Write waiting for the writer.
type writeRequest struct {
	ctx context.Context
	// street is the street the write is for (Tx.Street); a group holds
	// the writes of one street.
	street int64
	fn     func(*Tx) error
	done   chan error // buffered: the writer never waits for the caller
	err    error
	after  []func()
	// lookFor is what the write will look for before inserting it, if
	// anything: the group looks for its writes' together (lookahead.go).
	lookFor *idKey
}

// errStateUnknown answers writes whose commit failed: the transaction may
// or may not be on disk. Retrying is safe because every write is
// idempotent (client-made ids).
var errStateUnknown = gridinspect.Errorf(gridinspect.EUNAVAILABLE, "write failed; state unknown, retry").
	Zh("保存失败，无法确定是否已保存，请重试")

// errStateUnknownDiskFull answers writes whose commit failed for want of
// space (in WAL mode, most writes on a full disk fail there: the commit
// appends the pages to the WAL). As after any failed commit, the state is
// not known; the code says why.
var errStateUnknownDiskFull = gridinspect.Errorf(gridinspect.ELIMIT,
	"the server's disk is full; the write may or may not be stored, retry later").
	Zh("服务器磁盘已满，无法确定是否已保存，请稍后重试")

// errNotWritten answers writes whose transaction was rolled back: nothing
// of them was written.
var errNotWritten = gridinspect.Errorf(gridinspect.EUNAVAILABLE, "write failed; nothing was written, retry").
	Zh("保存失败，未保存任何内容，请重试")

// Disk trouble. A write that fails because the disk is full, or cannot be
// written at all, is rolled back and answered with one of these, so that
// the caller (a phone) keeps what it sent and tries again later, and the
// writer carries on: once there is space again, writes succeed with no
// restart. A failed COMMIT is still answered "state unknown"
// (errStateUnknown, or errStateUnknownDiskFull): the group may or may not
// be on disk.
var (
	// errDiskFull answers a write the disk had no room for: SQLITE_FULL
	// (which max_page_count also gives), or ENOSPC or EDQUOT from a file.
	errDiskFull = gridinspect.Errorf(gridinspect.ELIMIT, "the server's disk is full; nothing was stored, retry later").
			Zh("服务器磁盘已满，未保存任何内容，请稍后重试")
	// errDiskIO answers a write the disk refused: SQLITE_IOERR,
	// SQLITE_READONLY or SQLITE_CANTOPEN, or EIO or EROFS from a file.
	errDiskIO = gridinspect.Errorf(gridinspect.EUNAVAILABLE, "the server could not write to its disk; nothing was stored, retry later").
			Zh("服务器无法写入磁盘，未保存任何内容，请稍后重试")
)

// diskError returns errDiskFull or errDiskIO if err is (or wraps) a
// failure of the disk, from SQLite, PostgreSQL or a file, and nil
// otherwise.
func diskError(err error) error {
	if err == nil {
		return nil
	}
	var se sqlite3.Error
	if errors.As(err, &se) {
		switch {
		case se.Code == sqlite3.ErrFull, se.SystemErrno == syscall.ENOSPC, se.SystemErrno == syscall.EDQUOT:
			return errDiskFull
		case se.Code == sqlite3.ErrIoErr, se.Code == sqlite3.ErrReadonly, se.Code == sqlite3.ErrCantOpen:
			return errDiskIO
		}
		return nil
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "53100": // disk_full
			return errDiskFull
		case "58030": // io_error
			return errDiskIO
		}
		return nil
	}
	switch {
	case errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EDQUOT):
		return errDiskFull
	case errors.Is(err, syscall.EIO), errors.Is(err, syscall.EROFS):
		return errDiskIO
	}
	return nil
}

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
// behind it waits while it runs. It may run twice, the first run undone
// (see Tx).
//
// If ctx is done before fn starts, fn is skipped and ctx.Err() returned.
// Once fn has started, Write waits for the commit whatever ctx does, so
// that it never calls a write failed that was in fact committed.
func (db *DB) Write(ctx context.Context, fn func(tx *Tx) error) error {
	return db.writeIn(ctx, gridinspect.ActorFrom(ctx).Street(), fn)
}

// writeIn is Write for a write of the given street rather than its
// caller's: a login (no actor yet), a token's use, the supervision of a
// street's cases.
func (db *DB) writeIn(ctx context.Context, street int64, fn func(tx *Tx) error) error {
	return db.enqueueAndWait(&writeRequest{ctx: ctx, street: street, fn: fn, done: make(chan error, 1)})
}

// writeLooking is Write for a write that will look for lookFor before
// inserting it (submitOnceTx), so that its group looks for all of them
// at once.
func (db *DB) writeLooking(ctx context.Context, lookFor *idKey, fn func(tx *Tx) error) error {
	return db.enqueueAndWait(&writeRequest{ctx: ctx, street: gridinspect.ActorFrom(ctx).Street(), fn: fn,
		done: make(chan error, 1), lookFor: lookFor})
}

// enqueueAndWait queues req for the writer and waits for its answer.
func (db *DB) enqueueAndWait(req *writeRequest) error {
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
	defer func() {
		if err := db.wconn.close(); err != nil {
			db.logger.Warn("store: close the writer's connection", "err", err)
		}
	}()
	batch := make([]*writeRequest, 0, MaxGroupSize)
	// held are the writes taken from the queue and not yet run, oldest
	// first: a group is one street's (see nextGroup).
	held := make([]*writeRequest, 0, MaxGroupSize)
	for {
		if len(held) == 0 {
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
			held = append(held, first)
		}
	drain:
		for len(held) < MaxGroupSize {
			select {
			case req := <-db.queue:
				held = append(held, req)
			default:
				break drain
			}
		}
		batch, held = nextGroup(batch[:0], held)
		// The group is counted before its writers are answered, so that
		// a caller who reads WriterStats after its write sees it counted.
		db.writes.Add(uint64(len(batch)))
		db.groupSizes.observe(int64(len(batch)))
		start := time.Now()
		db.runGroup(batch)
		db.writerBusy.Add(int64(time.Since(start)))
		clear(batch) // let the requests be collected
	}
}

// nextGroup moves the writes of the oldest held write's street from held
// to batch, keeping the order of each, and returns both. A group never
// spans two streets: on PostgreSQL its transaction locks its street's row
// (lockStreet), so no transaction holds two streets' locks and the
// street's counters (the change sequence, the grids' and tokens'
// versions) are taken by one street's writes at a time; what a group
// caches (grids, routing rules) is one street's. Writes of other streets
// wait for the next groups, led by the oldest, so a write once taken from
// the queue waits for at most one group of each other street.
func nextGroup(batch, held []*writeRequest) ([]*writeRequest, []*writeRequest) {
	street := held[0].street
	rest := held[:0]
	for _, r := range held {
		if r.street == street {
			batch = append(batch, r)
		} else {
			rest = append(rest, r)
		}
	}
	clear(held[len(rest):]) // let the requests moved out be collected
	return batch, rest
}

// runGroup runs the requests of one group in one transaction and answers
// each of them.
func (db *DB) runGroup(reqs []*writeRequest) {
	defer func() {
		for _, r := range reqs {
			// A write that failed on a lost connection before any COMMIT
			// was rolled back with its transaction: nothing was written.
			// (A failed COMMIT has already made its writes' errors
			// errStateUnknown, which unavailable leaves as they are.)
			r.done <- unavailable(r.err)
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

	// The transaction is shared, so no caller's context may end it.
	if !db.begin(live) {
		return
	}
	now := db.now().UTC()
	if ok, whole := db.runWhole(now, live); whole {
		db.commitGroup(live, ok)
		return
	}
	// A write failed, and may have written part of what it meant to: the
	// group is undone and run again, each write under its own savepoint.
	// (SQLite may have rolled the transaction back already, after some
	// failures of the disk.)
	_ = db.wconn.rollback()
	for _, r := range live {
		r.err, r.after = nil, nil
	}
	if !db.begin(live) {
		return
	}
	g := &group{}
	if err := db.lookAheadFor(g, now, live); err != nil {
		db.logger.Error("store: look ahead", "err", err)
		if rerr := db.wconn.rollback(); rerr != nil {
			db.logger.Error("store: roll back write transaction", "err", rerr)
		}
		for _, r := range live {
			r.err = notWritten(err)
		}
		return
	}
	ok := 0
	for i, r := range live {
		if err := db.runOne(g, now, r); err != nil {
			// The savepoint could not be rolled back: the transaction is
			// in an unknown state, so none of it may be committed.
			// (SQLite rolls the whole transaction back by itself after
			// some failures of the disk; then the savepoint is gone.)
			db.logger.Error("store: roll back to savepoint", "err", err)
			if rerr := db.wconn.rollback(); rerr != nil {
				db.logger.Error("store: roll back write transaction", "err", rerr)
			}
			lost := notWritten(err)
			if r.err == errDiskFull || r.err == errDiskIO {
				lost = r.err
			}
			for _, r := range live[:i+1] {
				if r.err == nil {
					r.err = lost
				}
			}
			for _, r := range live[i+1:] {
				r.err = lost
			}
			return
		}
		if r.err == nil {
			ok++
		}
	}
	db.commitGroup(live, ok)
}

// begin begins the group's transaction, or answers its writes that
// nothing was written and reports false.
func (db *DB) begin(live []*writeRequest) bool {
	street := live[0].street
	err := db.wconn.begin(street)
	if err != nil {
		db.logger.Error("store: begin write transaction", "err", err)
		for _, r := range live {
			r.err = notWritten(err)
		}
	}
	if db.wconn.gridsChanged {
		// Another server wrote the street's grids (PostgreSQL): the
		// boundaries kept for placing its reports are read again.
		db.grids.invalidate(street)
		db.wconn.gridsChanged = false
	}
	return err == nil
}

// runWhole runs the writes of a group one after the other in the open
// transaction, with no savepoint each, and reports whether every one
// succeeded (whole) and how many ran; at the first that fails it stops,
// and the caller must undo the transaction. Most groups succeed whole,
// and a savepoint per write makes SQLite copy each page a write touches
// before it changes it.
func (db *DB) runWhole(now time.Time, live []*writeRequest) (ok int, whole bool) {
	g := &group{}
	if err := db.lookAheadFor(g, now, live); err != nil {
		db.logger.Warn("store: look ahead", "err", err)
		return 0, false
	}
	for _, r := range live {
		if err := r.ctx.Err(); err != nil {
			r.err = err // the caller gave up while the group ran; nothing of it ran
			continue
		}
		tx := &Tx{Now: now, Street: r.street, conn: db.wconn, group: g}
		if err := callSafely(r.fn, tx); err != nil || tx.diskErr != nil || tx.heldErr != nil {
			db.wconn.dropHeld()
			return ok, false
		}
		r.after = tx.after
		ok++
	}
	// What the writes held is sent before the COMMIT (pipeline.go).
	if tx := (&Tx{Now: now, conn: db.wconn, group: g}); tx.sendHeld() != nil {
		return ok, false
	}
	return ok, true
}

// lookAheadFor looks for what the group's writes will look for, in its
// transaction (see lookahead.go).
func (db *DB) lookAheadFor(g *group, now time.Time, live []*writeRequest) error {
	var keys []idKey
	for _, r := range live {
		if r.lookFor != nil {
			keys = append(keys, *r.lookFor)
		}
	}
	if len(keys) < 2 {
		return nil
	}
	tx := &Tx{Now: now, conn: db.wconn, group: g}
	if err := tx.lookAhead(keys); err != nil {
		return err
	}
	return tx.diskErr
}

// commitGroup commits the group's transaction, in which ok of the writes
// live succeeded, and runs their AfterCommit functions.
func (db *DB) commitGroup(live []*writeRequest, ok int) {
	if ok == 0 {
		// Every write failed and was rolled back: nothing to make durable.
		if err := db.wconn.rollback(); err != nil {
			db.logger.Error("store: roll back empty write transaction", "err", err)
		}
		return
	}
	start := time.Now()
	err := db.wconn.commit()
	db.commitTimes.observe(int64(time.Since(start)))
	if err != nil {
		// Even when the disk is full or failing, the outcome of a failed
		// COMMIT is not known (a crash at the wrong moment, or an fsync
		// that failed after the write, may leave it on disk): only
		// "state unknown" is true, with ELIMIT if the disk is full. The
		// writer carries on with the next group on the same connection
		// (commit rolls back).
		db.logger.Error("store: commit", "err", err, "writes", ok, "disk", diskError(err) != nil)
		unknown := commitFailed(err)
		for _, r := range live {
			if r.err == nil {
				r.err = unknown
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
func (db *DB) runOne(g *group, now time.Time, r *writeRequest) error {
	if err := r.ctx.Err(); err != nil {
		r.err = err // the caller gave up while the group ran
		return nil
	}
	if _, err := db.wconn.exec("SAVEPOINT write"); err != nil {
		return fmt.Errorf("savepoint: %w", err)
	}
	tx := &Tx{Now: now, Street: r.street, conn: db.wconn, group: g, ownSavepoint: true}
	r.err = callSafely(r.fn, tx)
	cause := tx.diskErr
	if cause == nil && diskError(r.err) != nil {
		cause = r.err // met where Tx does not look, e.g. in a Row's Scan
	}
	if cause != nil {
		// The disk failed a statement of this write. Whatever fn made of
		// that (Push answers such a mutation "retry" and goes on; SQLite
		// may have rolled the whole transaction back, failing fn's next
		// step), the write is refused whole, and the caller hears why.
		db.logger.Warn("store: write refused: disk trouble", "err", cause)
		r.err = diskError(cause)
	}
	if r.err != nil {
		if _, err := db.wconn.exec("ROLLBACK TO write"); err != nil {
			return fmt.Errorf("rollback to savepoint: %w", err)
		}
	}
	if _, err := db.wconn.exec("RELEASE write"); err != nil {
		return fmt.Errorf("release savepoint: %w", err)
	}
	if r.err == nil {
		r.after = tx.after
	}
	return nil
}

// commitFailed is the answer to the writes of a group whose COMMIT failed
// with err.
func commitFailed(err error) error {
	if diskError(err) == errDiskFull {
		return errStateUnknownDiskFull
	}
	return errStateUnknown
}

// notWritten is the answer to the writes of a group rolled back because
// of err.
func notWritten(err error) error {
	if derr := diskError(err); derr != nil {
		return derr
	}
	return errNotWritten
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
