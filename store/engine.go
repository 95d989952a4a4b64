package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"
)

// Two engines, one store. SQLite (the embedded default, one server per
// file) and PostgreSQL (several servers sharing one database) run the same
// Go code and the same SQL, written in SQLite's dialect and rewritten for
// PostgreSQL by the connection itself (pgdriver.go, rewrite.go). What
// differs is here and in the PostgreSQL schema (migrations/postgres):
//
//   - opening: SQLite's file, lock, pragmas and WAL check; PostgreSQL's
//     pool, and migrations under an advisory lock (two servers starting
//     together migrate once);
//   - the write transaction: SQLite's BEGIN IMMEDIATE takes the file's
//     write lock; on PostgreSQL the writer locks the street's row
//     (streets), so the writers of every server take turns per street as
//     the writes of one SQLite file do;
//   - the change sequence: SQLite's AUTOINCREMENT, assigned inside the
//     single writer; PostgreSQL's is the street's counter, taken by a
//     trigger in the writing transaction (see changes in the schema);
//   - reads: on PostgreSQL a read runs in a REPEATABLE READ transaction,
//     so that it sees one snapshot as SQLite's read transactions do.

// engine is the database engine a DB runs on.
type engine int

const (
	sqlite engine = iota
	postgres
)

func (e engine) String() string {
	if e == postgres {
		return "postgres"
	}
	return "sqlite"
}

// readTx returns the options of a read transaction.
func (e engine) readTx() *sql.TxOptions {
	if e == postgres {
		return &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead}
	}
	return &sql.TxOptions{ReadOnly: true}
}

// OpenURL opens the database a URL names: postgres://… or postgresql://…
// (a PostgreSQL database; opts.PhotoDir must name the photo folder every
// server shares), or sqlite:PATH (as Open(PATH, opts)).
func OpenURL(url string, opts Options) (*DB, error) {
	switch {
	case strings.HasPrefix(url, "sqlite:"):
		return Open(strings.TrimPrefix(url, "sqlite:"), opts)
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		db := newDB("", opts)
		db.engine, db.url = postgres, url
		if err := db.openPostgres(); err != nil {
			return nil, err
		}
		return db, nil
	default:
		return nil, fmt.Errorf("store: open: %q is not a database URL (postgres://… or sqlite:PATH)", RedactURL(url))
	}
}

// RedactURL returns a database URL with its password hidden, for
// messages and logs.
func RedactURL(url string) string {
	scheme, rest, ok := strings.Cut(url, "://")
	if !ok {
		return url
	}
	userinfo, host, ok := strings.Cut(rest, "@")
	if !ok {
		return url
	}
	if user, _, hasPass := strings.Cut(userinfo, ":"); hasPass {
		return scheme + "://" + user + ":xxxxx@" + host
	}
	return url
}

// openPostgres opens the pools, migrates and starts the writer; on
// failure it closes what it opened.
func (db *DB) openPostgres() (err error) {
	where := RedactURL(db.url)
	if db.photoDir == "" {
		return errors.New("store: open: on PostgreSQL the photo folder every server shares must be given (Options.PhotoDir)")
	}
	defer func() {
		if err != nil {
			db.closeHandles()
		}
	}()
	if err := db.makePhotoDirs(); err != nil {
		return fmt.Errorf("store: open: %w", err)
	}
	db.removeThumbTemps()
	// The writer's pool holds its connection and one for the migrations
	// and the cursor key, which run before the writer starts.
	if db.writer, err = openPostgres(db.url); err != nil {
		return fmt.Errorf("store: open %s: %w", where, err)
	}
	db.writer.SetMaxOpenConns(2)
	db.writer.SetMaxIdleConns(2)
	if err := db.writer.Ping(); err != nil {
		return fmt.Errorf("store: open %s: %w", where, err)
	}
	if err := db.migratePostgres(); err != nil {
		return fmt.Errorf("store: open %s: %w", where, err)
	}
	if err := db.loadCursorKey(); err != nil {
		return fmt.Errorf("store: open %s: %w", where, err)
	}
	if db.reader, err = openPostgres(db.url); err != nil {
		return fmt.Errorf("store: open %s: %w", where, err)
	}
	db.reader.SetMaxOpenConns(db.nread)
	db.reader.SetMaxIdleConns(db.nread)
	db.readGate = newReadGate(db.nread)
	if db.photoLockPool, err = openPostgres(db.url); err != nil {
		return fmt.Errorf("store: open %s: %w", where, err)
	}
	db.photoLockPool.SetMaxOpenConns(photoLockConns)
	db.photoLockPool.SetMaxIdleConns(4)

	if err := db.startWorkers(); err != nil {
		return fmt.Errorf("store: open %s: %w", where, err)
	}
	return nil
}

// lockStreet is what begins every write transaction on PostgreSQL after
// BEGIN: it locks the row of the group's street until the transaction
// ends, so that the street's writes, from every server, run one
// transaction at a time, as SQLite's BEGIN IMMEDIATE makes them, while
// other streets' writes go on; the street's change sequence is then in
// commit order too (the trigger that numbers changes takes the same row).
// A group is one street's (nextGroup), so no transaction holds two.
// It also reads the version of the street's grids (see writerConn.begin).
const lockStreet = "SELECT change_seq, grids_version FROM streets WHERE id = ? FOR UPDATE"

// pgAdvisoryMigrate is the key of the advisory lock the migrations run
// under ("gridmigr").
const pgAdvisoryMigrate int64 = 0x677269646d696772

// migratePostgres applies the PostgreSQL migrations the database has not
// had yet, in one transaction, under an advisory lock: a second server
// starting at the same time waits, then finds them applied.
func (db *DB) migratePostgres() (err error) {
	ms, err := loadMigrationsFrom(pgMigrations, "migrations/postgres")
	if err != nil {
		return err
	}
	ctx := context.Background()
	conn, err := db.writer.Conn(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer conn.Close()
	// The migrations are run as they are written, not rewritten from
	// SQLite's dialect: through the connection underneath.
	return conn.Raw(func(dc any) error {
		pc := dc.(*pgConn).Conn.Conn()
		tx, err := pc.Begin(ctx)
		if err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		defer tx.Rollback(ctx) //nolint:errcheck // after Commit, a no-op
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", pgAdvisoryMigrate); err != nil {
			return fmt.Errorf("migrate: lock: %w", err)
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version    bigint PRIMARY KEY,
			name       text NOT NULL,
			applied_at bigint NOT NULL)`); err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		var current int
		if err := tx.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM schema_migrations").Scan(&current); err != nil {
			return fmt.Errorf("migrate: read version: %w", err)
		}
		pending, err := pendingMigrations(ms, current)
		if err != nil {
			return err
		}
		now := db.now().UTC().UnixNano()
		for _, m := range pending {
			if _, err := tx.Exec(ctx, m.sql); err != nil {
				return fmt.Errorf("migration postgres/%s: %w", m.name, err)
			}
			if _, err := tx.Exec(ctx, "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
				m.version, m.name, now); err != nil {
				return fmt.Errorf("migration postgres/%s: %w", m.name, err)
			}
			db.logger.Info("store: applied migration", "name", "postgres/"+m.name)
		}
		// The instance id is made once, with the database, and never changes.
		if _, err := tx.Exec(ctx, "INSERT INTO meta (key, value) VALUES ('instance_id', $1) ON CONFLICT DO NOTHING",
			uuid.NewString()); err != nil {
			return fmt.Errorf("migrate: instance id: %w", err)
		}
		if err := tx.QueryRow(ctx, "SELECT value FROM meta WHERE key = 'instance_id'").Scan(&db.instanceID); err != nil {
			return fmt.Errorf("migrate: instance id: %w", err)
		}
		if err := tx.Commit(ctx); err != nil {
			return fmt.Errorf("migrate: commit: %w", err)
		}
		return nil
	})
}
