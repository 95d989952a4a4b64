package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Pipelining on PostgreSQL. Each statement the writer runs through
// database/sql is a round trip to the server, and a new report is three
// inserts (report, submission event, change), whose results nobody reads:
// a group of 60 SubmitReports was 180 round trips, a push of 500 reports
// 1,500. While a group runs whole (no savepoint each, runWhole), such
// inserts are held (Tx.execLater) and sent together as one pgx batch,
// pipelined, just before the next statement whose answer the writer
// needs: a read, an insert that is not held, the COMMIT. They run in the
// same transaction, in the same order, so what a later statement reads
// and how the change rows are numbered do not change; nothing is
// committed before they have all succeeded.
//
// A held insert that fails fails the whole group (its error cannot be
// told apart from the write it belongs to): the group is then undone and
// run again with each write under its own savepoint, where nothing is
// held and each statement's error is its own write's (runGroup). On SQLite
// a statement is a call into the library, not a round trip: nothing is
// held.

// maxHeld bounds the statements held before they are sent anyway.
const maxHeld = 1024

// heldStatement is a statement rewritten for PostgreSQL with its
// arguments bound.
type heldStatement struct {
	sql  string
	args []any
}

// execLater runs a statement whose result the caller does not need: on
// PostgreSQL, in a group run whole, it is held and sent with the next
// statement (see above), and its error is the group's; otherwise it runs
// now, as Exec.
func (tx *Tx) execLater(query string, args ...any) error {
	w := tx.conn
	if w.engine != postgres || tx.ownSavepoint || tx.group == nil {
		_, err := tx.Exec(query, args...)
		return err
	}
	q, err := pgRewriteCached(query)
	if err != nil {
		return err
	}
	named := make([]driver.NamedValue, len(args))
	for i, a := range args {
		if na, ok := a.(sql.NamedArg); ok {
			named[i] = driver.NamedValue{Name: na.Name, Ordinal: i + 1, Value: na.Value}
			continue
		}
		named[i] = driver.NamedValue{Ordinal: i + 1, Value: a}
	}
	bound, err := q.bind(named)
	if err != nil {
		return err
	}
	values := make([]any, len(bound))
	for i, v := range bound {
		values[i] = v.Value
	}
	w.statements.Add(1)
	w.held = append(w.held, heldStatement{q.sql, values})
	if len(w.held) >= maxHeld {
		return tx.sendHeld()
	}
	return nil
}

// sendHeld sends the statements held, if any, before a statement whose
// answer the writer needs. If one fails, the write and its group fail
// whatever the write's function makes of the error (heldErr).
func (tx *Tx) sendHeld() error {
	if len(tx.conn.held) == 0 {
		return nil
	}
	err := tx.conn.sendHeld()
	if err != nil && tx.heldErr == nil {
		tx.heldErr = err
	}
	return tx.note(err)
}

// sendHeld sends the held statements as one pgx batch and reads their
// results; the first error ends it (PostgreSQL has then aborted the
// transaction).
func (w *writerConn) sendHeld() error {
	held := w.held
	w.held = nil
	if len(held) == 0 {
		return nil
	}
	w.roundTrips.Add(1)
	err := w.c.Raw(func(dc any) error {
		pc, ok := dc.(*pgConn)
		if !ok {
			return errors.New("not a PostgreSQL connection")
		}
		ctx := context.Background()
		b := &pgx.Batch{}
		for _, s := range held {
			b.Queue(s.sql, s.args...)
		}
		br := pc.Conn.Conn().SendBatch(ctx, b)
		for _, s := range held {
			if _, err := br.Exec(); err != nil {
				_ = br.Close()
				return fmt.Errorf("%w (a statement sent with others: %.80s)", err, s.sql)
			}
		}
		return br.Close()
	})
	return err
}

// dropHeld forgets the statements held, when the transaction is undone.
func (w *writerConn) dropHeld() {
	w.held = nil
}
