package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/gridinspect/gridinspect"
)

// The PostgreSQL engine runs the store's SQL through database/sql and
// pgx's stdlib driver, wrapped so that every statement is rewritten from
// SQLite's dialect (rewrite.go) before pgx sees it: the store's queries,
// in every file, run unchanged on both engines.

// openPostgres returns a pool of connections to the database at url.
func openPostgres(url string) (*sql.DB, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse database url: %w", err)
	}
	// No JIT compilation unless the URL asks for it (…?jit=on): the
	// store's queries read index ranges in milliseconds, and the planner,
	// misled by its estimates of json_each's rows, compiled the summary's
	// in hundreds of milliseconds to seconds each.
	if _, set := cfg.RuntimeParams["jit"]; !set {
		cfg.RuntimeParams["jit"] = "off"
	}
	return sql.OpenDB(pgConnector{stdlib.GetConnector(*cfg)}), nil
}

type pgConnector struct{ base driver.Connector }

func (c pgConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.base.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &pgConn{Conn: conn.(*stdlib.Conn)}, nil
}

func (c pgConnector) Driver() driver.Driver { return c.base.Driver() }

// pgConn is a pgx connection whose statements are rewritten.
type pgConn struct {
	*stdlib.Conn
}

func (c *pgConn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

func (c *pgConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	q, err := pgRewriteCached(query)
	if err != nil {
		return nil, err
	}
	st, err := c.Conn.PrepareContext(ctx, q.sql)
	if err != nil {
		return nil, err
	}
	return &pgStmt{Stmt: st.(*stdlib.Stmt), q: q}, nil
}

func (c *pgConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	q, err := pgRewriteCached(query)
	if err != nil {
		return nil, err
	}
	if args, err = q.bind(args); err != nil {
		return nil, err
	}
	return c.Conn.ExecContext(ctx, q.sql, args)
}

func (c *pgConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	q, err := pgRewriteCached(query)
	if err != nil {
		return nil, err
	}
	if args, err = q.bind(args); err != nil {
		return nil, err
	}
	return sqliteRows(c.Conn.QueryContext(ctx, q.sql, args))
}

// pgStmt is a prepared statement whose arguments are bound as the
// rewriting numbered them.
type pgStmt struct {
	*stdlib.Stmt
	q *pgQuery
}

// NumInput is -1: the caller's arguments (named ones among them) are not
// counted as the statement's numbered parameters.
func (s *pgStmt) NumInput() int { return -1 }

func (s *pgStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	args, err := s.q.bind(args)
	if err != nil {
		return nil, err
	}
	return s.Stmt.ExecContext(ctx, args)
}

func (s *pgStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	args, err := s.q.bind(args)
	if err != nil {
		return nil, err
	}
	return sqliteRows(s.Stmt.QueryContext(ctx, args))
}

// pgRows reads a boolean as SQLite gives it, 0 or 1 (a comparison in a
// select list is an integer there), so that the same Scan takes it.
type pgRows struct {
	*stdlib.Rows
}

func sqliteRows(rows driver.Rows, err error) (driver.Rows, error) {
	if err != nil {
		return nil, err
	}
	return pgRows{rows.(*stdlib.Rows)}, nil
}

func (r pgRows) Next(dest []driver.Value) error {
	if err := r.Rows.Next(dest); err != nil {
		return err
	}
	for i, v := range dest {
		if b, ok := v.(bool); ok {
			dest[i] = pgValue(b)
		}
	}
	return nil
}

// errDatabaseAway answers a call that found the database server away: a
// connection refused, cut or ended by the server (PostgreSQL restarting,
// stopped, failed over). Nothing of the call was written (see unavailable),
// so the client keeps what it sent and tries again later.
var errDatabaseAway = gridinspect.Errorf(gridinspect.EUNAVAILABLE, "the database is unavailable; nothing was done, retry later").
	Zh("数据库暂时不可用，未做任何处理，请稍后重试")

// connectionLost reports whether err says the connection to the database
// server failed or ended, rather than the statement: no connection could
// be made, the server closed or cut it, or pgx found it closed.
func connectionLost(err error) bool {
	var ce *pgconn.ConnectError
	var pe *pgconn.PgError
	var ne net.Error
	switch {
	case err == nil:
		return false
	case errors.As(err, &pe):
		// Class 08, connection exception; 57P01–57P03: the server is
		// shutting down, crashed, or cannot connect now (starting up).
		return strings.HasPrefix(pe.Code, "08") || pe.Code == "57P01" || pe.Code == "57P02" || pe.Code == "57P03"
	case errors.As(err, &ce), errors.Is(err, driver.ErrBadConn), errors.Is(err, pgconn.ErrConnClosed),
		pgconn.SafeToRetry(err), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.EPIPE):
		return true
	case errors.As(err, &ne):
		return !ne.Timeout()
	}
	return false
}

// unavailable returns errDatabaseAway, wrapping err, when err is a lost
// connection and not already a domain error (a commit whose outcome is
// unknown stays errStateUnknown), and err otherwise. It must only be
// given the errors of work that cannot have committed: a read, or a write
// before its COMMIT.
func unavailable(err error) error {
	var e *gridinspect.Error
	if !connectionLost(err) || errors.As(err, &e) {
		return err
	}
	return fmt.Errorf("%w: %w", errDatabaseAway, err)
}
