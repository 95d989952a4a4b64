// Package pgtest starts a throwaway PostgreSQL cluster for tests: initdb
// and pg_ctl from the installed binaries, in a temporary folder, listening
// on 127.0.0.1 on a free port, and stopped when the test binary ends.
//
// PostgreSQL refuses to run as root; when the tests run as root the
// cluster runs as an unprivileged user (nobody), through setpriv.
//
// Where PostgreSQL is not installed, Start says so; tests skip, unless CI
// is set, where they fail (see Require).
package pgtest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
)

// Cluster is a running throwaway PostgreSQL cluster.
type Cluster struct {
	// Dir is the cluster's folder (data, socket, log).
	Dir  string
	Port int
	bin  string
	// cred runs the binaries as an unprivileged user when we are root.
	cred *syscall.Credential
	// settings are given to postgres (-c) after the test defaults.
	settings []string
	mu       sync.Mutex
	n        int // databases made, for their names

	cmd    *exec.Cmd
	exited chan struct{}
}

// ErrNotInstalled is returned by Start when no PostgreSQL binaries are found.
var ErrNotInstalled = errors.New("pgtest: PostgreSQL is not installed (no initdb on PATH or in /usr/lib/postgresql/*/bin)")

// FindBin returns the folder holding initdb, pg_ctl and postgres: from
// PATH, else the newest /usr/lib/postgresql/*/bin.
func FindBin() (string, error) {
	if p, err := exec.LookPath("initdb"); err == nil {
		dir := filepath.Dir(p)
		if _, err := os.Stat(filepath.Join(dir, "pg_ctl")); err == nil {
			return dir, nil
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	return "", ErrNotInstalled
}

func version(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

// Start makes and starts a cluster in a new temporary folder, with
// settings ("name=value") over the test defaults. Stop it with Stop, also
// when the tests fail.
func Start(settings ...string) (*Cluster, error) {
	bin, err := FindBin()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "pgtest-")
	if err != nil {
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	c := &Cluster{Dir: dir, bin: bin, settings: settings}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("nobody")
		if err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("pgtest: running as root, and no user nobody to run PostgreSQL as: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		c.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		// The temporary folder may sit under a folder nobody cannot enter.
		if err := os.Chmod(dir, 0o755); err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("pgtest: %w", err)
		}
		if err := os.Chown(dir, uid, gid); err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("pgtest: %w", err)
		}
	}
	if err := c.start(); err != nil {
		c.Stop()
		return nil, err
	}
	return c, nil
}

func (c *Cluster) run(name string, args ...string) error {
	cmd := exec.Command(filepath.Join(c.bin, name), args...)
	cmd.Dir = c.Dir
	cmd.Env = append(os.Environ(), "LC_ALL=C", "TZ=UTC")
	if c.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("pgtest: %s: %w\n%s", name, err, out)
	}
	return nil
}

func (c *Cluster) data() string { return filepath.Join(c.Dir, "data") }

func (c *Cluster) start() error {
	if err := c.run("initdb", "-D", c.data(), "-U", "postgres", "-A", "trust", "-E", "UTF8",
		"--locale=C", "--no-sync"); err != nil {
		return err
	}
	port, err := freePort()
	if err != nil {
		return err
	}
	c.Port = port
	return c.launch()
}

// launch runs postgres on the cluster's folder and port and waits until
// it answers.
func (c *Cluster) launch() error {
	// fsync off: tests kill servers, PostgreSQL's too, never the machine,
	// so what was written survives in the kernel's cache (a database per
	// test is made faster). synchronous_commit off makes a commit not wait
	// for its WAL to be written, which tests need not, but for one that
	// stops PostgreSQL -m immediate: it starts the cluster with
	// synchronous_commit=on (Start's settings come last and win).
	args := []string{"-D", c.data(),
		"-c", "listen_addresses=127.0.0.1",
		"-c", "port=" + strconv.Itoa(c.Port),
		"-c", "unix_socket_directories=" + c.Dir,
		"-c", "synchronous_commit=off",
		"-c", "fsync=off",
		"-c", "max_connections=300",
		"-c", "shared_buffers=64MB",
		"-c", "log_min_messages=warning"}
	for _, setting := range c.settings {
		args = append(args, "-c", setting)
	}
	cmd := exec.Command(filepath.Join(c.bin, "postgres"), args...)
	cmd.Dir = c.Dir
	cmd.Env = append(os.Environ(), "LC_ALL=C", "TZ=UTC")
	log, err := os.OpenFile(filepath.Join(c.Dir, "log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644) // appended to across restarts
	if err != nil {
		return fmt.Errorf("pgtest: %w", err)
	}
	defer log.Close()
	cmd.Stdout, cmd.Stderr = log, log
	// The server dies with the test binary, however it ends (a panic, a
	// timeout, a kill): SIGQUIT is PostgreSQL's immediate shutdown.
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred, Pdeathsig: syscall.SIGQUIT, Setpgid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("pgtest: start postgres: %w", err)
	}
	c.cmd = cmd
	c.exited = make(chan struct{})
	go func() { _ = cmd.Wait(); close(c.exited) }()
	deadline := time.Now().Add(60 * time.Second)
	for {
		db, err := sql.Open("pgx", c.URL("postgres"))
		if err == nil {
			err = db.Ping()
			db.Close()
		}
		if err == nil {
			return nil
		}
		select {
		case <-c.exited:
			b, _ := os.ReadFile(filepath.Join(c.Dir, "log"))
			return fmt.Errorf("pgtest: postgres exited at start:\n%s", b)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(filepath.Join(c.Dir, "log"))
			return fmt.Errorf("pgtest: postgres did not start in 60 s: %v\n%s", err, b)
		}
	}
}

// Stop stops the cluster at once and removes its folder.
func (c *Cluster) Stop() {
	c.StopImmediate()
	os.RemoveAll(c.Dir)
}

// StopImmediate stops the server as `pg_ctl stop -m immediate` does
// (SIGQUIT: no checkpoint, connections cut, recovery from the WAL at the
// next start) and waits until it is gone; Restart starts it again.
func (c *Cluster) StopImmediate() {
	if c.cmd != nil && c.cmd.Process != nil {
		_ = c.cmd.Process.Signal(syscall.SIGQUIT)
		select {
		case <-c.exited:
		case <-time.After(30 * time.Second):
			_ = c.cmd.Process.Kill()
			<-c.exited
		}
	}
}

// Restart starts the server again on the same folder and port after
// StopImmediate, and waits until it answers (it has recovered).
func (c *Cluster) Restart() error {
	select {
	case <-c.exited:
	default:
		return errors.New("pgtest: restart: the server is still running")
	}
	return c.launch()
}

// URL returns the URL of database name in the cluster.
func (c *Cluster) URL(name string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", c.Port, name)
}

// CreateDatabase makes a new empty database, or a copy of template when
// template is not "", and returns its URL.
func (c *Cluster) CreateDatabase(template string) (string, error) {
	c.mu.Lock()
	c.n++
	name := fmt.Sprintf("t%d_%d", os.Getpid(), c.n)
	c.mu.Unlock()
	// A new database takes the default collation of a Chinese server's
	// (ICU's zh-CN), not the cluster's C: text columns are "C" (SQLite
	// compares bytes), but text a query makes (a function's result, a
	// literal) takes the database's default, rarely C in production, so a
	// query that compares or sorts such text shows it here. Where
	// PostgreSQL has no ICU, the cluster's.
	if template == "" {
		if err := c.Exec("CREATE DATABASE " + name + " TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'zh-CN'"); err == nil {
			return c.URL(name), nil
		}
	}
	if err := c.Exec("CREATE DATABASE " + name + templateClause(template)); err != nil {
		return "", err
	}
	return c.URL(name), nil
}

func templateClause(template string) string {
	if template == "" {
		return ""
	}
	return " TEMPLATE " + template
}

// Exec runs statements in the postgres database, as the superuser.
func (c *Cluster) Exec(query string) error {
	db, err := sql.Open("pgx", c.URL("postgres"))
	if err != nil {
		return fmt.Errorf("pgtest: %w", err)
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := db.ExecContext(ctx, query); err != nil {
		return fmt.Errorf("pgtest: %s: %w", query, err)
	}
	return nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("pgtest: free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Require reports a cluster that could not start: under CI (CI set) the
// test fails, since CI installs PostgreSQL; elsewhere it skips, saying why.
func Require(tb testing.TB, err error) {
	tb.Helper()
	if err == nil {
		return
	}
	if os.Getenv("CI") != "" {
		tb.Fatalf("PostgreSQL is needed under CI: %v", err)
	}
	tb.Skipf("skipping the PostgreSQL tests: %v", err)
}

// shared is the cluster of this test binary, started on first use.
var shared struct {
	once sync.Once
	c    *Cluster
	err  error
}

// Shared returns this test binary's cluster, starting it on first use.
// The caller's TestMain must call StopShared after the tests.
func Shared() (*Cluster, error) {
	shared.once.Do(func() { shared.c, shared.err = Start() })
	return shared.c, shared.err
}

// StopShared stops the shared cluster if it was started.
func StopShared() {
	if shared.c != nil {
		shared.c.Stop()
	}
}
