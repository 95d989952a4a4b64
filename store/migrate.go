package store

import (
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/google/uuid"
)

// migrations are the schema changes, applied in order of their number and
// never edited once released: a change to the schema is a new file.
//
//go:embed migrations/*.sql
var migrations embed.FS

// pgMigrations are PostgreSQL's, numbered on their own: its schema
// starts as SQLite's whole schema, translated (engine.go).
//
//go:embed migrations/postgres/*.sql
var pgMigrations embed.FS

// migration is one file of migrations/, named NNNN_what.sql.
type migration struct {
	version int
	name    string
	sql     string
}

// loadMigrations returns the embedded migrations in order.
func loadMigrations() ([]migration, error) {
	return loadMigrationsFrom(migrations, "migrations")
}

// loadMigrationsFrom returns the migrations in folder dir of fsys in order.
func loadMigrationsFrom(fsys embed.FS, dir string) ([]migration, error) {
	names, err := fs.Glob(fsys, dir+"/*.sql")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, name := range names {
		base := path.Base(name)
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: name must start with a number and '_'", base)
		}
		b, err := fsys.ReadFile(name)
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: base, sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i := 1; i < len(ms); i++ {
		if ms[i].version == ms[i-1].version {
			return nil, fmt.Errorf("migrations %s and %s have the same number", ms[i-1].name, ms[i].name)
		}
	}
	return ms, nil
}

// pendingMigrations returns the migrations of ms (in order) that a
// database at version current has not had, refusing a database newer than
// this program.
func pendingMigrations(ms []migration, current int) ([]migration, error) {
	if len(ms) > 0 && current > ms[len(ms)-1].version {
		return nil, fmt.Errorf("database schema version %d is newer than this program knows (%d); use a newer program",
			current, ms[len(ms)-1].version)
	}
	i := sort.Search(len(ms), func(i int) bool { return ms[i].version > current })
	return ms[i:], nil
}

// migrate applies the migrations the database has not had yet, all in one
// transaction, so a failure leaves the schema as it was; and makes the
// instance id the first time. It runs in Open, before the writer starts.
func (db *DB) migrate() (err error) {
	ms, err := loadMigrations()
	if err != nil {
		return err
	}
	tx, err := db.writer.Begin()
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer func() {
		if err != nil {
			if rerr := tx.Rollback(); rerr != nil && !errors.Is(rerr, sql.ErrTxDone) {
				db.logger.Error("store: roll back migration", "err", rerr)
			}
		}
	}()

	if _, err := tx.Exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT NOT NULL,
		applied_at INTEGER NOT NULL
	) STRICT`); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	var current int
	if err := tx.QueryRow("SELECT coalesce(max(version), 0) FROM schema_migrations").Scan(&current); err != nil {
		return fmt.Errorf("migrate: read version: %w", err)
	}
	pending, err := pendingMigrations(ms, current)
	if err != nil {
		return err
	}
	now := db.now().UTC().UnixNano()
	for _, m := range pending {
		if _, err := tx.Exec(m.sql); err != nil {
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
		if _, err := tx.Exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
			m.version, m.name, now); err != nil {
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
		db.logger.Info("store: applied migration", "name", m.name, "path", db.path)
	}

	// The instance id is made once, with the database, and never changes.
	if _, err := tx.Exec("INSERT INTO meta (key, value) VALUES ('instance_id', ?) ON CONFLICT DO NOTHING",
		uuid.NewString()); err != nil {
		return fmt.Errorf("migrate: instance id: %w", err)
	}
	if err := tx.QueryRow("SELECT value FROM meta WHERE key = 'instance_id'").Scan(&db.instanceID); err != nil {
		return fmt.Errorf("migrate: instance id: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migrate: commit: %w", err)
	}
	return nil
}
