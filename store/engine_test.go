package store

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/gridinspect/gridinspect/internal/pgtest"
)

// One suite, two engines (pgtest.Main): the store's tests run on SQLite,
// then the same test binary runs itself again, with the same flags, on
// PostgreSQL, so `go test ./store` covers both. A test that only makes
// sense on one engine says so with onlyOn.

// testEngine is the engine of this test process.
var testEngine = sqlite

// testPhotos maps the URL of each test database to its photo folder, so
// that a test opening its database again (DB.Path) finds its photos.
var testPhotos sync.Map

func TestMain(m *testing.M) {
	if pgtest.Postgres() {
		testEngine = postgres
	}
	os.Exit(pgtest.Main(m, makeTemplate, notYetOnPostgres))
}

// notYetOnPostgres are the tests that do not pass on PostgreSQL yet: a
// list to empty, not to grow (a behaviour that differs is a bug).
var notYetOnPostgres []string

// makeTemplate migrates the database at url, the template each test's
// database is copied from, and drops its instance id and cursor key (each
// copy makes its own).
func makeTemplate(url string) error {
	db, err := OpenURL(url, Options{Logger: slog.New(slog.DiscardHandler),
		PhotoDir: filepath.Join(pgtest.MainCluster().Dir, "template-photos")})
	if err != nil {
		return err
	}
	if err := db.Write(context.Background(), func(tx *Tx) error {
		_, err := tx.Exec("DELETE FROM meta")
		return err
	}); err != nil {
		return err
	}
	return db.Close(context.Background())
}

// openTestStore opens the test database at path on the test engine: on
// SQLite the file; on PostgreSQL a new database copied from the template
// (dropped when the test ends), or, given the URL of one already made
// (DB.Path), that database again, with its photo folder.
func openTestStore(tb testing.TB, path string, opts Options) (*DB, error) {
	tb.Helper()
	if testEngine == sqlite {
		return Open(path, opts)
	}
	url := path
	if !strings.HasPrefix(path, "postgres://") {
		url = pgtest.NewDatabase(tb)
		photos := opts.PhotoDir
		if photos == "" {
			photos = filepath.Join(filepath.Dir(path), "photos")
		}
		testPhotos.Store(url, photos)
	}
	if opts.PhotoDir == "" {
		if photos, ok := testPhotos.Load(url); ok {
			opts.PhotoDir = photos.(string)
		}
	}
	return OpenURL(url, opts)
}

// onlyOn skips a test that makes sense on one engine only (the SQLite
// file, its WAL, its lock, a full disk under it, its backup API), saying
// why.
func onlyOn(tb testing.TB, e string) {
	tb.Helper()
	if testEngine.String() != e {
		tb.Skipf("only on %s", e)
	}
}
