package store

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/gridinspect/gridinspect/internal/pgtest"
)

// One suite, two engines. The store's tests run on SQLite, then the same
// test binary runs itself again, with the same flags, on PostgreSQL
// (testEngineEnv=postgres): `go test ./store` covers both. A test that
// only makes sense on one engine says so with onlyOn.

// testEngineEnv chooses the engine the tests of this process run on.
const testEngineEnv = "GRIDINSPECT_TEST_ENGINE"

// testEngine is the engine of this test process.
var testEngine = sqlite

// testCluster is the PostgreSQL cluster of this test process, with a
// migrated template database that each test's database is copied from.
var testCluster struct {
	c        *pgtest.Cluster
	template string
	mu       sync.Mutex
	photos   map[string]string // database URL → its photo folder
}

func TestMain(m *testing.M) {
	switch os.Getenv(testEngineEnv) {
	case "", "sqlite":
		code := m.Run()
		if os.Getenv(testEngineEnv) == "" {
			code = max(code, runOnPostgres())
		}
		os.Exit(code)
	case "postgres":
		testEngine = postgres
		os.Exit(runPostgresSuite(m))
	default:
		fmt.Fprintf(os.Stderr, "%s=%q: want sqlite or postgres\n", testEngineEnv, os.Getenv(testEngineEnv))
		os.Exit(2)
	}
}

// runOnPostgres runs this test binary again, with the same flags, on
// PostgreSQL, and returns its exit code.
func runOnPostgres() int {
	cmd := exec.Command(os.Args[0], os.Args[1:]...)
	cmd.Env = append(os.Environ(), testEngineEnv+"=postgres")
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	fmt.Println("== the store's tests again, on PostgreSQL")
	if err := cmd.Run(); err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode()
		}
		fmt.Fprintln(os.Stderr, "run the tests on PostgreSQL:", err)
		return 1
	}
	return 0
}

// runPostgresSuite starts the cluster, makes the template database, runs
// the tests and stops the cluster, whatever happened.
func runPostgresSuite(m *testing.M) int {
	c, err := pgtest.Start()
	if err != nil {
		if os.Getenv("CI") != "" {
			fmt.Fprintln(os.Stderr, "FAIL: PostgreSQL is needed under CI:", err)
			return 1
		}
		fmt.Println("skipping the store's tests on PostgreSQL:", err)
		return 0
	}
	defer c.Stop()
	testCluster.c = c
	testCluster.photos = map[string]string{}
	if err := makeTemplate(c); err != nil {
		fmt.Fprintln(os.Stderr, "FAIL: make the template database:", err)
		return 1
	}
	flag.Parse()
	if len(notYetOnPostgres) > 0 && os.Getenv(allOnPostgresEnv) == "" && flag.Lookup("test.skip").Value.String() == "" {
		fmt.Printf("skipping %d tests that do not pass on PostgreSQL yet (%s=1 runs them)\n", len(notYetOnPostgres), allOnPostgresEnv)
		if err := flag.Set("test.skip", "^("+strings.Join(notYetOnPostgres, "|")+")$"); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	return m.Run()
}

// allOnPostgresEnv set runs notYetOnPostgres too.
const allOnPostgresEnv = "GRIDINSPECT_PG_ALL"

// notYetOnPostgres are the tests that do not pass on PostgreSQL yet: a
// list to empty, not to grow (a behaviour that differs is a bug).
var notYetOnPostgres = []string{}

// makeTemplate migrates a database once, without its instance id and
// cursor key (each copy makes its own), to be copied for each test.
func makeTemplate(c *pgtest.Cluster) error {
	url, err := c.CreateDatabase("")
	if err != nil {
		return err
	}
	db, err := OpenURL(url, Options{Logger: slog.New(slog.DiscardHandler), PhotoDir: filepath.Join(c.Dir, "template-photos")})
	if err != nil {
		return err
	}
	if err := db.Write(context.Background(), func(tx *Tx) error {
		_, err := tx.Exec("DELETE FROM meta")
		return err
	}); err != nil {
		return err
	}
	if err := db.Close(context.Background()); err != nil {
		return err
	}
	testCluster.template = databaseName(url)
	return nil
}

func databaseName(url string) string {
	name := url[strings.LastIndexByte(url, '/')+1:]
	name, _, _ = strings.Cut(name, "?")
	return name
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
	c := testCluster.c
	url := path
	if !strings.HasPrefix(path, "postgres://") {
		var err error
		if url, err = c.CreateDatabase(testCluster.template); err != nil {
			tb.Fatal(err)
		}
		photos := opts.PhotoDir
		if photos == "" {
			photos = filepath.Join(filepath.Dir(path), "photos")
		}
		testCluster.mu.Lock()
		testCluster.photos[url] = photos
		testCluster.mu.Unlock()
		tb.Cleanup(func() {
			if err := c.Exec("DROP DATABASE " + databaseName(url) + " WITH (FORCE)"); err != nil {
				tb.Logf("drop the test database: %v", err)
			}
		})
	}
	if opts.PhotoDir == "" {
		testCluster.mu.Lock()
		opts.PhotoDir = testCluster.photos[url]
		testCluster.mu.Unlock()
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
