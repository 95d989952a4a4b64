package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/gridinspect/gridinspect/server"
	"github.com/gridinspect/gridinspect/store"
)

// The server under test. By default gridbench runs the real gridd as a
// process of its own on a data folder it prepared, so that the peak RSS it
// reports is the server's alone (read from /proc/<pid>/status) and the
// load generator's CPU shows apart from the server's. --in-process serves
// from inside gridbench instead (store.Open + server.New, as gridd wires
// them), which --cpuprofile needs; its RSS is then gridbench's own, load
// generator included. --server measures a server already running
// elsewhere, whose memory gridbench cannot see.

// target is one running server under test.
type target struct {
	addr string
	pid  int // the process whose memory is the server's; 0 if unknown
	kind string
	stop func() error
	// writer reads the store's writer statistics; nil unless in-process.
	writer func() store.WriterStats
}

// starter starts a server on a data folder.
type starter interface {
	start(ctx context.Context, dataDir string) (*target, error)
	describe() string
}

// processStarter runs the gridd binary.
type processStarter struct {
	bin    string
	logDir string // gridd-<n>.log files go here
	n      int
}

func (p *processStarter) describe() string { return "gridd process (" + p.bin + ")" }

// buildGridd builds ./cmd/gridd into dir and returns the binary's path.
func buildGridd(ctx context.Context, dir string) (string, error) {
	bin := filepath.Join(dir, "gridd")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/gridinspect/gridinspect/cmd/gridd")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build ./cmd/gridd (run gridbench from the repository, or give --gridd or --in-process): %v\n%s", err, out)
	}
	return bin, nil
}

// start runs gridd on dataDir, on a free loopback port, without the
// per-user request limit (every load client calls as the same user), and
// waits until it announces its address.
func (p *processStarter) start(ctx context.Context, dataDir string) (*target, error) {
	return p.startWith(ctx, "--data", dataDir)
}

// startWith runs gridd with the data flags given (--data, or --database
// and --photos) and the load-test flags start adds.
func (p *processStarter) startWith(ctx context.Context, dataFlags ...string) (*target, error) {
	p.n++
	logPath := filepath.Join(p.logDir, fmt.Sprintf("gridd-%d.log", p.n))
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logFile.Close() // the child has its own copy
	cmd := exec.Command(p.bin, append(dataFlags, "--listen", "127.0.0.1:0", "--http", "", "--rate-limit", "0", "--reflection=false")...)
	cmd.Stderr = logFile
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start gridd: %w", err)
	}
	announced := make(chan string, 1)
	exited := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if a, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "listening on "); ok {
				announced <- a
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
		_ = cmd.Wait()
		close(exited)
	}()
	t := &target{pid: cmd.Process.Pid, kind: "gridd process"}
	t.stop = func() error {
		select {
		case <-exited:
			return fmt.Errorf("gridd had exited (%v); see %s", cmd.ProcessState, logPath)
		default:
		}
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
			return nil
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
			return fmt.Errorf("gridd did not stop within 30 s of SIGTERM; killed (see %s)", logPath)
		}
	}
	select {
	case t.addr = <-announced:
		return t, nil
	case <-exited:
		return nil, fmt.Errorf("gridd exited before listening (%v); see %s", cmd.ProcessState, logPath)
	case <-ctx.Done():
		_ = cmd.Process.Kill()
		<-exited
		return nil, ctx.Err()
	case <-time.After(5 * time.Minute):
		_ = cmd.Process.Kill()
		<-exited
		return nil, fmt.Errorf("gridd did not announce its address within 5 minutes; see %s", logPath)
	}
}

// inProcessStarter serves from inside gridbench, wired as gridd wires it.
type inProcessStarter struct{ log *slog.Logger }

func (inProcessStarter) describe() string { return "in-process (store.Open + server.New)" }

func (s inProcessStarter) start(_ context.Context, dataDir string) (*target, error) {
	db, err := store.Open(filepath.Join(dataDir, store.DatabaseFile), store.Options{Logger: s.log, DashboardMaxAge: store.DefaultDashboardMaxAge})
	if err != nil {
		return nil, err
	}
	return s.serve(db)
}

// serve serves db from inside gridbench; stopping the target closes db.
func (s inProcessStarter) serve(db *store.DB) (*target, error) {
	cfg := server.Serve(db)
	cfg.Logger = s.log
	noLimit := server.NoRequestLimit
	cfg.RequestLimit = &noLimit
	srv := server.New(cfg)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		_ = db.Close(context.Background())
		return nil, err
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(lis) }()
	return &target{addr: lis.Addr().String(), pid: os.Getpid(), kind: "in-process", writer: db.WriterStats, stop: func() error {
		ctx, cancel := context.WithTimeout(context.Background(), server.DefaultShutdownTimeout)
		defer cancel()
		srv.Shutdown(ctx)
		err := <-served
		if errors.Is(err, net.ErrClosed) {
			err = nil
		}
		return errors.Join(err, db.Close(ctx))
	}}, nil
}

// remoteStarter measures a server someone else started: the data folder
// is whatever that server has.
type remoteStarter struct{ addr string }

func (r remoteStarter) describe() string { return "remote server at " + r.addr }

func (r remoteStarter) start(context.Context, string) (*target, error) {
	return &target{addr: r.addr, kind: "remote", stop: func() error { return nil }}, nil
}
