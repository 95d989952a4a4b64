// Package storetest opens the store for the tests of the packages above
// it (server, …) on the engine of the test process: a SQLite file, or a
// PostgreSQL database of pgtest's throwaway cluster. A package's TestMain
// calls Main, so that its tests run on both engines (pgtest.Main).
package storetest

import (
	"context"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"

	"github.com/gridinspect/gridinspect/internal/pgtest"
	"github.com/gridinspect/gridinspect/store"
)

// Main runs m's tests on SQLite, then on PostgreSQL; skip lists the tests
// that do not pass on PostgreSQL yet. It returns the exit code.
func Main(m *testing.M, skip ...string) int {
	return pgtest.Main(m, makeTemplate, skip)
}

// makeTemplate migrates the template database and drops its instance id
// and cursor key, so that each copy makes its own.
func makeTemplate(url string) error {
	db, err := store.OpenURL(url, store.Options{Logger: slog.New(slog.DiscardHandler),
		PhotoDir: filepath.Join(pgtest.MainCluster().Dir, "template-photos")})
	if err != nil {
		return err
	}
	if err := db.Write(context.Background(), func(tx *store.Tx) error {
		_, err := tx.Exec("DELETE FROM meta")
		return err
	}); err != nil {
		return err
	}
	return db.Close(context.Background())
}

// databases maps the path a test opened to its PostgreSQL database, so
// that opening the same path again (a restart) opens the same database.
var databases sync.Map

// Open opens the store at path on the test engine: the SQLite file path,
// or on PostgreSQL the database made for path (a new one the first time,
// dropped when the test ends), with its photos in a folder "photos"
// beside path unless opts says where.
func Open(tb testing.TB, path string, opts store.Options) (*store.DB, error) {
	tb.Helper()
	if !pgtest.Postgres() {
		return store.Open(path, opts)
	}
	url, ok := databases.Load(path)
	if !ok {
		url = pgtest.NewDatabase(tb)
		databases.Store(path, url)
		tb.Cleanup(func() { databases.Delete(path) })
	}
	if opts.PhotoDir == "" {
		opts.PhotoDir = filepath.Join(filepath.Dir(path), "photos")
	}
	return store.OpenURL(url.(string), opts)
}

// OnlyOnSQLite skips a test that makes sense on SQLite only (its file,
// its backup), saying why.
func OnlyOnSQLite(tb testing.TB, why string) {
	tb.Helper()
	if pgtest.Postgres() {
		tb.Skipf("only on SQLite: %s", why)
	}
}
