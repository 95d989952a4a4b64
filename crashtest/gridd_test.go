//go:build unix

package crashtest

import (
	"bufio"
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the checks read gridd's database, on PostgreSQL
	_ "github.com/mattn/go-sqlite3"    // and on SQLite

	"github.com/gridinspect/gridinspect/internal/pgtest"
)

// Environment that changes what is tested.
const (
	// griddEnv names a gridd binary to test instead of building ./cmd/gridd
	// (a release build, say).
	griddEnv = "CRASHTEST_GRIDD"
	// griddRaceEnv set to 0 builds gridd without the race detector.
	griddRaceEnv = "CRASHTEST_GRIDD_RACE"
)

// griddPackage is the server under test.
const griddPackage = "github.com/gridinspect/gridinspect/cmd/gridd"

// databaseFile is the database's name in gridd's data folder.
const databaseFile = "gridinspect.db"

// How long gridd gets to come up and to go down.
const (
	startTimeout = 60 * time.Second
	// stopTimeout is above the server's own drain bound
	// (server.DefaultShutdownTimeout, 15 s) and its store's close (10 s).
	stopTimeout = 30 * time.Second
)

// griddBuild is the server binary, built once for the package.
var griddBuild struct {
	once sync.Once
	dir  string
	bin  string
	race bool
	took time.Duration
	err  error
}

// The crash test runs on SQLite, then again on PostgreSQL (see
// pgtest.Main), where gridd keeps its data in a new database of the
// test's cluster (--database, --photos), which gridd migrates itself.
func TestMain(m *testing.M) {
	code := pgtest.Main(m, nil, nil)
	if griddBuild.dir != "" {
		_ = os.RemoveAll(griddBuild.dir)
	}
	os.Exit(code)
}

// griddBinary builds ./cmd/gridd once, with the race detector unless
// CRASHTEST_GRIDD_RACE=0, and returns the binary's path and how it was
// built.
//
// The race detector is on because a server restarted twenty times under
// concurrent writers is where a data race in its startup, group commit or
// shutdown would show, and it costs nothing that matters: the run takes
// as long either way (the kill schedule sets it; the race-built server
// acknowledges about half as many ids in it, some 2,500 instead of 4,500
// on two cores), and on a cold build cache, as in CI, it is the cheaper
// build: the race-instrumented packages (SQLite's cgo amalgamation above
// all) are already compiled for the test binaries, so gridd builds in
// seconds, where a plain build compiles SQLite once more, over two minutes
// on two cores.
func griddBinary(t *testing.T) (bin, how string) {
	t.Helper()
	if bin := os.Getenv(griddEnv); bin != "" {
		return bin, griddEnv + "=" + bin
	}
	b := &griddBuild
	b.once.Do(func() {
		b.race = os.Getenv(griddRaceEnv) != "0"
		b.dir, b.err = os.MkdirTemp("", "crashtest-gridd-")
		if b.err != nil {
			return
		}
		b.bin = filepath.Join(b.dir, "gridd")
		args := []string{"build", "-o", b.bin}
		if b.race {
			args = append(args, "-race")
		}
		began := time.Now()
		out, err := exec.Command("go", append(args, griddPackage)...).CombinedOutput()
		b.took = time.Since(began)
		if err != nil {
			b.err = fmt.Errorf("go %s: %v\n%s", strings.Join(append(args, griddPackage), " "), err, out)
		}
	})
	if b.err != nil {
		t.Fatal(b.err)
	}
	how = "built without -race"
	if b.race {
		how = "built with -race"
	}
	return b.bin, fmt.Sprintf("%s in %.1fs", how, b.took.Seconds())
}

// server is gridd on one data folder and one address, across restarts.
// Its log (stderr) goes to gridd.log beside the data folder, appended
// across restarts.
type server struct {
	bin     string
	data    string
	addr    string
	logPath string
	// database is, on PostgreSQL, the URL of gridd's database; its
	// photos are then in photos, beside data, unless photos names the
	// folder (several gridd share one).
	database string
	photos   string

	mu   sync.Mutex
	proc *process // the current run, nil before the first start
}

// process is one run of gridd.
type process struct {
	cmd    *exec.Cmd
	exited chan struct{} // closed once cmd.Wait returned
	err    error         // what cmd.Wait returned, once exited is closed
}

// newServer prepares gridd on data, listening on addr; start runs it. A
// cleanup kills whatever run is left, with its whole process group, so that
// no gridd outlives a failed test.
func newServer(t *testing.T, bin, data, addr string) *server {
	s := &server{bin: bin, data: data, addr: addr, logPath: filepath.Join(filepath.Dir(data), "gridd.log")}
	if pgtest.Postgres() {
		s.database = pgtest.NewDatabase(t)
	}
	t.Cleanup(s.kill)
	return s
}

// dbPath is the database's path; on PostgreSQL, its URL.
func (s *server) dbPath() string {
	if s.database != "" {
		return s.database
	}
	return filepath.Join(s.data, databaseFile)
}

// start runs gridd --demo and waits until it says it is listening: by then
// it has opened (and, after a crash, recovered) the database and seeded the
// demo street. While the port is taken (by another process that happened
// to get it while gridd was down, say), it tries again for a while.
func (s *server) start() error {
	var err error
	for range portAttempts {
		if err = s.startOnce(); !errors.Is(err, errPortTaken) {
			return err
		}
		time.Sleep(100 * time.Millisecond)
	}
	return err
}

// portAttempts bounds the starts of gridd on a port that is taken.
const portAttempts = 50

// startMarker begins each run's part of gridd's log.
const startMarker = "---- crashtest: start"

// errPortTaken says gridd could not listen because the port was in use.
var errPortTaken = errors.New("address already in use")

func (s *server) startOnce() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc != nil && !s.proc.done() {
		return errors.New("gridd: start: the previous run is still alive")
	}
	logFile, err := os.OpenFile(s.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer logFile.Close() // the child has its own copy
	fmt.Fprintf(logFile, "%s %s\n", startMarker, time.Now().Format(time.RFC3339Nano))
	args := []string{"--demo", "--data", s.data, "--listen", s.addr, "--http", ""}
	if s.database != "" {
		photos := cmp.Or(s.photos, filepath.Join(filepath.Dir(s.data), "photos"))
		args = append(args, "--database", s.database, "--photos", photos)
	}
	cmd := exec.Command(s.bin, args...)
	cmd.Stderr = logFile
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	// In its own process group, so that the cleanup's kill reaches
	// anything it might start.
	if err := startProcess(cmd); err != nil {
		return fmt.Errorf("gridd: start: %w", err)
	}
	p := &process{cmd: cmd, exited: make(chan struct{})}
	s.proc = p
	announced := make(chan struct{}, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if strings.HasPrefix(strings.TrimSpace(sc.Text()), "listening on ") {
				announced <- struct{}{}
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
		p.err = cmd.Wait()
		close(p.exited)
	}()
	select {
	case <-announced:
		return nil
	case <-p.exited:
		log := tail(s.logPath)
		last := log // this run's part of the log
		if i := strings.LastIndex(log, startMarker); i >= 0 {
			last = log[i:]
		}
		if strings.Contains(last, errPortTaken.Error()) {
			return fmt.Errorf("gridd could not listen on %s: %w", s.addr, errPortTaken)
		}
		return fmt.Errorf("gridd exited before listening (%v); its log:\n%s", p.err, log)
	case <-time.After(startTimeout):
		p.killGroup()
		return fmt.Errorf("gridd did not say it was listening within %v; its log:\n%s", startTimeout, tail(s.logPath))
	}
}

// kill ends the current run with SIGKILL, as a crash or the OOM killer
// would, and waits until it is gone. (Unlike a power cut, it leaves what
// the kernel holds for the disk: it tests that a write is atomic and
// recovered, not that it was fsynced.)
func (s *server) kill() {
	s.mu.Lock()
	p := s.proc
	s.mu.Unlock()
	if p != nil {
		p.killGroup()
	}
}

// stop ends the current run cleanly with SIGINT, as Ctrl-C would, and
// returns an error if it does not exit, or exits with a failure.
func (s *server) stop() error {
	s.mu.Lock()
	p := s.proc
	s.mu.Unlock()
	if p == nil || p.done() {
		return errors.New("gridd: stop: not running")
	}
	_ = p.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-p.exited:
	case <-time.After(stopTimeout):
		p.killGroup()
		return fmt.Errorf("gridd did not stop within %v of SIGINT; killed", stopTimeout)
	}
	if p.err != nil {
		return fmt.Errorf("gridd stopped on SIGINT with %v; its log:\n%s", p.err, tail(s.logPath))
	}
	return nil
}

func (p *process) done() bool {
	select {
	case <-p.exited:
		return true
	default:
		return false
	}
}

// killGroup sends SIGKILL to the process group and waits for the process.
func (p *process) killGroup() {
	if p.done() {
		return
	}
	if err := syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL); err != nil {
		_ = p.cmd.Process.Kill()
	}
	<-p.exited
}

// tail returns the end of a log file, for a failure message.
func tail(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	const n = 6000
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}

// freeLoopbackAddr returns a loopback address with a port free now, so
// that gridd can be restarted where the phones expect it.
func freeLoopbackAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}

// openReadOnly opens the database at path read-only, through one
// connection. It works while gridd runs: a read-only connection to a
// database in WAL mode shares gridd's -shm index and takes only read
// locks. A postgres:// path is a PostgreSQL database, read in read-only
// transactions.
func openReadOnly(path string) (*sql.DB, error) {
	if strings.HasPrefix(path, "postgres://") {
		db, err := sql.Open("pgx", path+"&default_transaction_read_only=on")
		if err != nil {
			return nil, err
		}
		db.SetMaxOpenConns(1)
		return db, nil
	}
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro&_busy_timeout=10000")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	return db, nil
}

// integrityCheck returns what PRAGMA integrity_check says of the database
// at path, read through a short-lived read-only connection; on PostgreSQL,
// what amcheck says (pgIntegrityCheck).
func integrityCheck(ctx context.Context, path string) (string, error) {
	if strings.HasPrefix(path, "postgres://") {
		return pgIntegrityCheck(ctx, path)
	}
	db, err := openReadOnly(path)
	if err != nil {
		return "", err
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	rows, err := db.QueryContext(ctx, "PRAGMA integrity_check")
	if err != nil {
		return "", fmt.Errorf("integrity_check of %s: %w", path, err)
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return "", fmt.Errorf("integrity_check of %s: %w", path, err)
		}
		lines = append(lines, s)
	}
	if err := rows.Err(); err != nil {
		return "", fmt.Errorf("integrity_check of %s: %w", path, err)
	}
	return strings.Join(lines, "\n"), nil
}

// pgIntegrityCheck checks a PostgreSQL database with amcheck, as
// integrity_check does SQLite's: every table's heap (verify_heapam) and
// every B-tree index, against its table too (bt_index_check with
// heapallindexed). "ok", or the first problems found.
func pgIntegrityCheck(ctx context.Context, url string) (string, error) {
	db, err := sql.Open("pgx", url)
	if err != nil {
		return "", err
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if _, err := db.ExecContext(ctx, "CREATE EXTENSION IF NOT EXISTS amcheck"); err != nil {
		return "", fmt.Errorf("amcheck: %w", err)
	}
	var problems []string
	rows, err := db.QueryContext(ctx, `SELECT c.relname || ' block ' || v.blkno || ': ' || v.msg
		FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace, verify_heapam(c.oid) v
		WHERE n.nspname = 'public' AND c.relkind = 'r' LIMIT 20`)
	if err != nil {
		return "", fmt.Errorf("verify_heapam: %w", err)
	}
	for rows.Next() {
		var p string
		if err := rows.Scan(&p); err != nil {
			rows.Close()
			return "", fmt.Errorf("verify_heapam: %w", err)
		}
		problems = append(problems, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return "", fmt.Errorf("verify_heapam: %w", err)
	}
	// bt_index_check raises an error at the first damage it finds.
	if _, err := db.ExecContext(ctx, `SELECT bt_index_check(c.oid, true)
		FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam
		JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE am.amname = 'btree' AND n.nspname = 'public' AND i.indisready AND i.indisvalid`); err != nil {
		problems = append(problems, "bt_index_check: "+err.Error())
	}
	if len(problems) == 0 {
		return "ok", nil
	}
	return strings.Join(problems, "\n"), nil
}

// raceWarning starts a data race report of a -race binary.
const raceWarning = "WARNING: DATA RACE"

// warnLevels are the levels of gridd's log lines worth showing.
var warnLevels = []string{"WARN", "ERROR"}

// logLines returns gridd's log lines at the given levels, across every
// run.
func (s *server) logLines(levels ...string) []string {
	var out []string
	for line := range strings.Lines(readFile(s.logPath)) {
		for _, l := range levels {
			if strings.Contains(line, " level="+l+" ") {
				out = append(out, strings.TrimSuffix(line, "\n"))
				break
			}
		}
	}
	return out
}

// races returns how many data races gridd reported, across every run.
func (s *server) races() int { return strings.Count(readFile(s.logPath), raceWarning) }

// raceExcerpt returns gridd's first data race report.
func (s *server) raceExcerpt() string {
	log := readFile(s.logPath)
	i := strings.Index(log, raceWarning)
	if i < 0 {
		return ""
	}
	return log[i:min(len(log), i+4000)]
}

// countMessages says how many of gridd's log lines carry each level and
// message, as `ERROR "store: commit" ×3, WARN …`.
func countMessages(lines []string) string {
	counts := map[string]int{}
	for _, line := range lines {
		key := line
		if _, rest, ok := strings.Cut(line, "level="); ok {
			level, msg, _ := strings.Cut(rest, " msg=")
			if strings.HasPrefix(msg, `"`) {
				if end := strings.Index(msg[1:], `"`); end >= 0 {
					msg = msg[:end+2]
				}
			} else {
				msg, _, _ = strings.Cut(msg, " ")
			}
			key = level + " " + msg
		}
		counts[key]++
	}
	var out []string
	for k, n := range counts {
		out = append(out, fmt.Sprintf("%s ×%d", k, n))
	}
	slices.Sort(out)
	return strings.Join(out, ", ")
}

func readFile(path string) string {
	b, _ := os.ReadFile(path)
	return string(b)
}
