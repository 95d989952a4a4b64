package pgtest

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
)

// One suite, two engines. A test package whose tests open the store
// through Open... (see the store's and the server's test helpers) calls
// Main from its TestMain: its tests run on SQLite, then the same test
// binary runs itself again, with the same flags, on PostgreSQL
// (EngineEnv=postgres), so that `go test` covers both.

// EngineEnv chooses the engine a test process runs on: "" (SQLite, then
// PostgreSQL in a second process), "sqlite" or "postgres".
const EngineEnv = "GRIDINSPECT_TEST_ENGINE"

// Postgres reports whether this test process runs on PostgreSQL.
func Postgres() bool { return os.Getenv(EngineEnv) == "postgres" }

// suite is the state of a test process on PostgreSQL.
var suite struct {
	c        *Cluster
	template string
}

// Main runs the tests of m on the engine EngineEnv names, and on both
// when it names none, and returns the exit code. On PostgreSQL it starts
// a cluster, calls migrate with the URL of a new database, which becomes
// the template each NewDatabase copies, and stops the cluster at the end.
// Without PostgreSQL the run on it is skipped, saying why, unless CI is
// set: then it fails. skip lists tests that do not pass on PostgreSQL yet.
// Without migrate, NewDatabase makes empty databases.
func Main(m *testing.M, migrate func(url string) error, skip []string) int {
	switch os.Getenv(EngineEnv) {
	case "":
		code := m.Run()
		return max(code, runOnPostgres())
	case "sqlite":
		return m.Run()
	case "postgres":
		return runPostgres(m, migrate, skip)
	default:
		fmt.Fprintf(os.Stderr, "%s=%q: want sqlite or postgres\n", EngineEnv, os.Getenv(EngineEnv))
		return 2
	}
}

// runOnPostgres runs this test binary again, with the same flags, on
// PostgreSQL, and returns its exit code.
func runOnPostgres() int {
	cmd := exec.Command(os.Args[0], os.Args[1:]...)
	cmd.Env = append(os.Environ(), EngineEnv+"=postgres")
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	fmt.Println("== the same tests again, on PostgreSQL")
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode()
		}
		fmt.Fprintln(os.Stderr, "run the tests on PostgreSQL:", err)
		return 1
	}
	return 0
}

// AllEnv set runs the tests Main was told to skip on PostgreSQL too.
const AllEnv = "GRIDINSPECT_PG_ALL"

func runPostgres(m *testing.M, migrate func(url string) error, skip []string) int {
	c, err := Start()
	if err != nil {
		if os.Getenv("CI") != "" {
			fmt.Fprintln(os.Stderr, "FAIL: PostgreSQL is needed under CI:", err)
			return 1
		}
		fmt.Println("skipping the tests on PostgreSQL:", err)
		return 0
	}
	defer c.Stop()
	suite.c = c
	if migrate != nil {
		url, err := c.CreateDatabase("")
		if err == nil {
			err = migrate(url)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "FAIL: make the template database:", err)
			return 1
		}
		suite.template = DatabaseName(url)
	}
	flag.Parse()
	if len(skip) > 0 && os.Getenv(AllEnv) == "" && flag.Lookup("test.skip").Value.String() == "" {
		fmt.Printf("skipping %d tests that do not pass on PostgreSQL yet (%s=1 runs them)\n", len(skip), AllEnv)
		if err := flag.Set("test.skip", "^("+strings.Join(skip, "|")+")$"); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	return m.Run()
}

// DatabaseName returns the name of the database a URL names.
func DatabaseName(url string) string {
	name := url[strings.LastIndexByte(url, '/')+1:]
	name, _, _ = strings.Cut(name, "?")
	return name
}

// MainCluster returns the cluster of this test process (Main started it),
// or nil when it does not run on PostgreSQL.
func MainCluster() *Cluster { return suite.c }

// NewDatabase returns the URL of a new database copied from the
// template Main made, dropped when the test ends.
//
// Copying a database and dropping one take a few hundred milliseconds
// each on a busy machine, longer than most tests: the next database is
// made while a test runs, and the dropping is left to run behind the
// tests.
func NewDatabase(tb testing.TB) string {
	tb.Helper()
	if suite.c == nil {
		tb.Fatal("pgtest: NewDatabase outside a run on PostgreSQL (pgtest.Main)")
	}
	url, err := nextDatabase()
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { dropLater(url) })
	return url
}

// databases is the database made ahead and the ones left to drop.
var databases struct {
	once  sync.Once
	ahead chan made
	drops chan string
}

type made struct {
	url string
	err error
}

func nextDatabase() (string, error) {
	databases.once.Do(func() {
		databases.ahead = make(chan made, 1)
		databases.drops = make(chan string, 1000)
		c, template := suite.c, suite.template
		go func() {
			for {
				url, err := c.CreateDatabase(template)
				databases.ahead <- made{url, err}
			}
		}()
		go func() {
			for url := range databases.drops {
				// Once the suite has ended the cluster is gone: nothing
				// left to drop.
				_ = c.Exec("DROP DATABASE " + DatabaseName(url) + " WITH (FORCE)")
			}
		}()
	})
	m := <-databases.ahead
	return m.url, m.err
}

func dropLater(url string) {
	select {
	case databases.drops <- url:
	default: // a thousand behind: the cluster's removal takes it
	}
}
