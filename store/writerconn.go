package store

import (
	"context"
	"database/sql"
	"fmt"
	"sync/atomic"
)

// writerConn is the writer goroutine's connection, held for the life of
// the writer, with transactions begun and ended by statements rather
// than through a *sql.Tx: database/sql starts a goroutine for every query
// run in a *sql.Tx (to close its rows if the transaction's context ends),
// which on the writer, through which every write passes, cost more than
// some of the queries. Only the writer goroutine uses it.
type writerConn struct {
	c    *sql.Conn
	pool *sql.DB // where c came from, and a new one comes from (PostgreSQL)
	// plain holds the statements without parameters (BEGIN, COMMIT,
	// savepoints), prepared once: mattn/go-sqlite3 runs a statement
	// without arguments through sqlite3_exec, parsing it every time, and
	// caches only those with arguments.
	plain map[string]*sql.Stmt
	// engine is the database's; on PostgreSQL begin locks the street.
	engine engine
	// gridsVersion is the version of each street's grids the writer last
	// saw (PostgreSQL); gridsChanged is set by begin when another server
	// has written the street's grids since, so that the writer drops its
	// cache of them.
	gridsVersion map[int64]int64
	gridsChanged bool
	// statements counts the statements run on the connection, BEGIN and
	// COMMIT among them (WriterStats): on PostgreSQL each is a round trip.
	statements atomic.Uint64
	// roundTrips counts the statements run and the batches of held ones
	// sent (pipeline.go): on PostgreSQL, the round trips.
	roundTrips atomic.Uint64
	// held are the statements held to be sent together (pipeline.go).
	held []heldStatement
	// naiveSeq is set by a test only, to show what goes wrong without
	// the street's lock (see the race test in changes_race_test.go).
	naiveSeq bool
}

// maxPlainStatements bounds writerConn.plain; the writer runs a handful.
const maxPlainStatements = 32

func newWriterConn(db *sql.DB) (*writerConn, error) {
	c, err := db.Conn(context.Background())
	if err != nil {
		return nil, err
	}
	return &writerConn{c: c, pool: db, plain: make(map[string]*sql.Stmt), gridsVersion: make(map[int64]int64)}, nil
}

// lost reports whether the connection to PostgreSQL has ended (the server
// restarted, the network failed, an operator ended the session): then it
// can only fail, and the writer takes a new one.
func (w *writerConn) lost() bool {
	closed := false
	err := w.c.Raw(func(dc any) error {
		if pc, ok := dc.(*pgConn); ok {
			closed = pc.Conn.Conn().IsClosed()
		}
		return nil
	})
	return closed || err != nil
}

// reconnect replaces a lost connection by a new one from the pool.
func (w *writerConn) reconnect() error {
	for _, st := range w.plain {
		_ = st.Close()
	}
	clear(w.plain)
	_ = w.c.Close()
	c, err := w.pool.Conn(context.Background())
	if err != nil {
		return fmt.Errorf("reconnect: %w", err)
	}
	w.c = c
	return nil
}

// exec runs a statement outside of any caller's context: a caller's
// cancellation must not interrupt a transaction other writes share.
func (w *writerConn) exec(query string, args ...any) (sql.Result, error) {
	w.statements.Add(1)
	w.roundTrips.Add(1)
	ctx := context.Background()
	if len(args) > 0 {
		return w.c.ExecContext(ctx, query, args...)
	}
	st, ok := w.plain[query]
	if !ok {
		if len(w.plain) >= maxPlainStatements {
			return w.c.ExecContext(ctx, query)
		}
		var err error
		if st, err = w.c.PrepareContext(ctx, query); err != nil {
			return nil, err
		}
		w.plain[query] = st
	}
	return st.ExecContext(ctx)
}

// begin starts a write transaction of street's writes. IMMEDIATE takes
// the write lock at the start, so a transaction never fails half-way on
// upgrading a read lock. On PostgreSQL the street's row is the write lock
// (see lockStreet).
func (w *writerConn) begin(street int64) error {
	if w.engine == postgres {
		if w.lost() {
			if err := w.reconnect(); err != nil {
				return err
			}
		}
		if _, err := w.exec("BEGIN"); err != nil {
			// Lost since it was last used: nothing was begun, so a new
			// connection may begin instead.
			if !w.lost() {
				return err
			}
			if err := w.reconnect(); err != nil {
				return err
			}
			if _, err := w.exec("BEGIN"); err != nil {
				return err
			}
		}
		if w.naiveSeq {
			return nil
		}
		var seq, grids int64
		w.statements.Add(1)
		w.roundTrips.Add(1)
		if err := w.c.QueryRowContext(context.Background(), lockStreet, street).Scan(&seq, &grids); err != nil {
			_, _ = w.exec("ROLLBACK")
			return fmt.Errorf("lock street %d: %w", street, err)
		}
		if v, ok := w.gridsVersion[street]; !ok || v != grids {
			w.gridsVersion[street], w.gridsChanged = grids, true
		}
		return nil
	}
	_, err := w.exec("BEGIN IMMEDIATE")
	return err
}

// commit commits the transaction. If COMMIT fails SQLite may leave the
// transaction open; it is rolled back so that the connection is ready for
// the next one (what mattn/go-sqlite3 does for a *sql.Tx).
func (w *writerConn) commit() error {
	if _, err := w.exec("COMMIT"); err != nil {
		_, _ = w.exec("ROLLBACK") // no harm if there is no transaction
		return err
	}
	return nil
}

// rollback rolls the transaction back.
func (w *writerConn) rollback() error {
	if _, err := w.exec("ROLLBACK"); err != nil {
		return fmt.Errorf("rollback: %w", err)
	}
	return nil
}

// close closes the statements and returns the connection to its pool.
func (w *writerConn) close() error {
	for _, st := range w.plain {
		_ = st.Close()
	}
	return w.c.Close()
}

// writerStatements is how many statements the writer has run.
func (db *DB) writerStatements() uint64 {
	if db.wconn == nil {
		return 0
	}
	return db.wconn.statements.Load()
}
