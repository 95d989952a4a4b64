package main

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3" // the integrity check reads gridd's database
)

// griddBuild is the real server, built once for every test of the
// package.
var griddBuild struct {
	once sync.Once
	dir  string
	bin  string
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if griddBuild.dir != "" {
		_ = os.RemoveAll(griddBuild.dir)
	}
	os.Exit(code)
}

// griddEnv names a gridd binary to test against instead of building
// ./cmd/gridd (a release build, say).
const griddEnv = "GRIDSIM_GRIDD"

// griddBinary builds ./cmd/gridd once and returns the binary's path.
func griddBinary(t *testing.T) string {
	t.Helper()
	if bin := os.Getenv(griddEnv); bin != "" {
		return bin
	}
	b := &griddBuild
	b.once.Do(func() {
		b.dir, b.err = os.MkdirTemp("", "gridsim-gridd-")
		if b.err != nil {
			return
		}
		b.bin = filepath.Join(b.dir, "gridd")
		out, err := exec.Command("go", "build", "-o", b.bin, "github.com/gridinspect/gridinspect/cmd/gridd").CombinedOutput()
		if err != nil {
			b.err = fmt.Errorf("go build ./cmd/gridd: %v\n%s", err, out)
		}
	})
	if b.err != nil {
		t.Fatal(b.err)
	}
	return b.bin
}

// gridd is one run of the real server process.
type gridd struct {
	t      *testing.T
	cmd    *exec.Cmd
	addr   string
	data   string
	exited chan struct{}
}

// startGridd runs gridd --demo on the data folder, listening on listen,
// and waits for it to announce its address. Its log goes to gridd.log
// beside the data folder, appended across restarts.
func startGridd(t *testing.T, data, listen string) *gridd {
	t.Helper()
	logPath := filepath.Join(filepath.Dir(data), "gridd.log")
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close() // the child has its own copy
	cmd := exec.Command(griddBinary(t), "--demo", "--data", data, "--listen", listen, "--http", "")
	cmd.Stderr = logFile
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start gridd: %v", err)
	}
	g := &gridd{t: t, cmd: cmd, data: data, exited: make(chan struct{})}
	announced := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if a, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "listening on "); ok {
				announced <- a
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
		_ = cmd.Wait()
		close(g.exited)
	}()
	t.Cleanup(func() { g.kill() })
	select {
	case g.addr = <-announced:
		return g
	case <-g.exited:
		t.Fatalf("gridd exited before listening (%v); its log:\n%s", cmd.ProcessState, tail(logPath))
	case <-time.After(60 * time.Second):
		g.kill()
		t.Fatalf("gridd did not announce its address within a minute; its log:\n%s", tail(logPath))
	}
	return nil
}

// kill ends the server with SIGKILL, as a power cut would, and waits for
// it to be gone.
func (g *gridd) kill() {
	select {
	case <-g.exited:
		return
	default:
	}
	_ = g.cmd.Process.Signal(syscall.SIGKILL)
	<-g.exited
}

// stop ends the server cleanly with SIGTERM.
func (g *gridd) stop() {
	g.t.Helper()
	_ = g.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-g.exited:
	case <-time.After(30 * time.Second):
		g.t.Error("gridd did not stop within 30 s of SIGTERM; killing it")
		g.kill()
	}
}

// tail returns the end of a log file, for a failure message.
func tail(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	const n = 4000
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}

// freeLoopbackAddr returns a loopback address with a port free now, so
// that a restarted server can listen where phones expect it.
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

// integrityCheck opens the database at path, read-only if asked, and
// returns what PRAGMA integrity_check says.
func integrityCheck(t *testing.T, path string, readOnly bool) string {
	t.Helper()
	dsn := "file:" + path
	if readOnly {
		dsn += "?mode=ro"
	}
	db, err := sql.Open("sqlite3", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rows, err := db.QueryContext(ctx, "PRAGMA integrity_check")
	if err != nil {
		t.Fatalf("integrity_check of %s: %v", path, err)
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(lines, "\n")
}

// copyDatabase copies the database and its WAL (not the shared-memory
// index, which SQLite rebuilds) from a stopped server's data folder.
func copyDatabase(t *testing.T, data string) string {
	t.Helper()
	dir := t.TempDir()
	for _, name := range []string{"gridinspect.db", "gridinspect.db-wal"} {
		b, err := os.ReadFile(filepath.Join(data, name))
		if os.IsNotExist(err) && name != "gridinspect.db" {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, "gridinspect.db")
}
