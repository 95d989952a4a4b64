// Command gridd is the gridinspect server: it opens the database in its
// data folder (creating it on first run), serves the gRPC API, and shuts
// down cleanly on SIGINT or SIGTERM.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/gridinspect/gridinspect"
	"github.com/gridinspect/gridinspect/internal/demo"
	"github.com/gridinspect/gridinspect/server"
	"github.com/gridinspect/gridinspect/store"
)

// Defaults of the flags.
const (
	DefaultListen  = "127.0.0.1:50051"
	DefaultDataDir = "gridinspect-data"
	// DatabaseFile is the database's name inside the data folder; photos
	// live in a folder beside it.
	DatabaseFile = "gridinspect.db"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "gridd:", err)
		os.Exit(1)
	}
}

// config is what the flags say.
type config struct {
	listen     string
	dataDir    string
	demo       bool
	reflection bool
	logLevel   slog.Level
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("gridd", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.listen, "listen", DefaultListen, "address to serve gRPC on")
	fs.StringVar(&c.dataDir, "data", DefaultDataDir, "folder holding the database and photos (created if missing)")
	fs.BoolVar(&c.demo, "demo", false, "seed a demo street (ten grids, subjects, sample cases); safe to repeat")
	fs.BoolVar(&c.reflection, "reflection", true, "register gRPC reflection so grpcurl needs no .proto files")
	fs.TextVar(&c.logLevel, "log-level", slog.LevelInfo, "log level: DEBUG, INFO, WARN or ERROR")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return c, nil
}

// run serves until ctx is done. Everything it opens it closes.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: cfg.logLevel}))

	if err := os.MkdirAll(cfg.dataDir, 0o750); err != nil {
		return fmt.Errorf("create data folder: %w", err)
	}
	dbPath := filepath.Join(cfg.dataDir, DatabaseFile)
	db, err := store.Open(dbPath, store.Options{Logger: log})
	if err != nil {
		return fmt.Errorf("open database %s: %w", dbPath, err)
	}
	defer func() {
		closeCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := db.Close(closeCtx); err != nil {
			log.Error("close database", "err", err)
		}
	}()
	log.Info("database open", "path", dbPath)

	if cfg.demo {
		actor, _ := server.LocalOperator(ctx)
		st, err := demo.Seed(gridinspect.NewContext(ctx, actor), db, db, time.Now())
		if err != nil {
			return fmt.Errorf("seed demo data: %w", err)
		}
		log.Info("demo street ready", "grids", st.Grids, "subjects", st.Subjects, "reports", st.Reports, "patrols", st.Patrols)
	}

	lis, err := net.Listen("tcp", cfg.listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srv := server.New(server.Config{
		Reports:      db,
		Directory:    db,
		Authenticate: server.LocalOperator,
		Logger:       log,
		Reflection:   cfg.reflection,
	})
	fmt.Fprintf(stdout, "listening on %s\n", lis.Addr())
	log.Info("listening", "addr", lis.Addr().String())

	served := make(chan error, 1)
	go func() { served <- srv.Serve(lis) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: draining in-flight calls")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), server.DefaultShutdownTimeout)
	defer cancel()
	srv.Shutdown(shutdownCtx)
	if err := <-served; err != nil && !errors.Is(err, net.ErrClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}
