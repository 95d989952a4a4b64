// Command gridbench measures the real server under load and prints the
// figures side by side as markdown tables (BENCHMARKS.md records a run):
//
//   - submit: SubmitReport (the whole path: a real bearer token, validation,
//     placement, report + event + change row, group commit) against Echo
//     on the same server, connections and token, at each --concurrency:
//     calls/s, p50, p99, and the ratio to Echo;
//   - push: sync Push of batches of 500 submit_report mutations from one
//     device against raw batched SQLite inserts of the same reports with the
//     same durability (see push.go for what "raw" includes);
//   - list, summary: ListReports (open safety hazards, one grid, newest 50)
//     and GetSummary (the last half-year) on streets of each of --sizes
//     reports, with their query plans;
//   - export: ExportReports of --export-reports reports, CSV and XLSX;
//   - engines (only when named): SubmitReport, Push, ListReports and
//     GetSummary on each engine of --database side by side (SQLite,
//     PostgreSQL with one and two gridd), each against raw inserts of the
//     same rows into the same schema (engines.go);
//
// and the server's peak RSS during each step. By default it builds gridd
// and runs it as a separate process on data folders it prepares with
// store.BulkLoad (see server.go for the other choices).
//
//	go run ./cmd/gridbench --out bench.md
//	go run ./cmd/gridbench --phases submit --concurrency 128 --duration 10s
//	go run ./cmd/gridbench --phases list,summary --sizes 1000000 --cache /var/tmp/gridbench
//	go run ./cmd/gridbench --phases engines --database sqlite,postgres --concurrency 128 --sizes 100000
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "gridbench:", err)
		os.Exit(1)
	}
}

// phases gridbench runs by default, in the order it runs them.
var allPhases = []string{"submit", "push", "list", "summary", "export", "firstpull"}

// optionalPhases run only when --phases names them, after the others:
// the storm takes many minutes (storm.go).
var optionalPhases = []string{"storm", "engines"}

// config is what the flags say.
type config struct {
	phases        map[string]bool
	sizes         []int
	duration      time.Duration
	warmup        time.Duration
	observedIn    time.Duration // reports are observed up to this long before they are sent
	concurrency   []int
	payload       int
	pushBatches   int
	pushBatchSize int
	queryCalls    int
	listCallers   int
	summaryCalls  int
	exportReports int
	out           string
	server        string
	worker        string
	supervisor    string
	password      string
	inProcess     bool
	gridd         string
	cache         string
	work          string
	seed          uint64
	cpuprofile    string
	firstPull     firstPullConfig
	storm         stormSettings
	databases     []string // the engines phase's engines (engines.go)
	engineWrites  bool     // the engines phase measures SubmitReport and Push too
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("gridbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	phases := fs.String("phases", strings.Join(allPhases, ","), "comma-separated phases to run: "+strings.Join(slices.Concat(allPhases, optionalPhases), ", "))
	sizes := fs.String("sizes", "100000,1000000", "comma-separated numbers of reports of the streets the list and summary phases query")
	concurrency := fs.String("concurrency", "8,32,128", "comma-separated numbers of concurrent callers of the submit phase")
	fs.DurationVar(&c.duration, "duration", 5*time.Second, "measured time of each submit step")
	fs.DurationVar(&c.observedIn, "observed-within", 10*time.Minute, "reports of the submit and push phases are observed at random up to this long before they are sent")
	fs.DurationVar(&c.warmup, "warmup", time.Second, "warm-up before each submit step, not measured")
	fs.IntVar(&c.payload, "payload", 500, "bytes of Echo's payload")
	fs.IntVar(&c.pushBatches, "push-batches", 20, "measured batches of the push phase (one more warms up)")
	fs.IntVar(&c.pushBatchSize, "push-batch-size", 500, "mutations per push batch (at most 1000)")
	fs.IntVar(&c.queryCalls, "list-calls", 200, "measured ListReports calls per street")
	fs.IntVar(&c.listCallers, "list-concurrency", 1, "ListReports callers at once (the list calls are shared among them)")
	fs.IntVar(&c.summaryCalls, "summary-calls", 20, "measured GetSummary calls per street")
	fs.IntVar(&c.exportReports, "export-reports", 200000, "reports of the street the export phase exports")
	fs.StringVar(&c.out, "out", "", "also write the markdown tables to `FILE`")
	fs.StringVar(&c.server, "server", "", "measure the server at `ADDR` (plaintext) instead of starting one; needs --worker, --supervisor and --password")
	fs.StringVar(&c.worker, "worker", "", "with --server: the worker account that submits and pushes")
	fs.StringVar(&c.supervisor, "supervisor", "", "with --server: the supervisor account that lists, summarizes and exports")
	fs.StringVar(&c.password, "password", os.Getenv("GRIDBENCH_PASSWORD"), "with --server: the accounts' password (default $GRIDBENCH_PASSWORD)")
	fs.BoolVar(&c.inProcess, "in-process", false, "serve from inside gridbench instead of a gridd process (RSS is then gridbench's own)")
	fs.StringVar(&c.gridd, "gridd", "", "the gridd binary to run (default: go build ./cmd/gridd)")
	fs.StringVar(&c.cache, "cache", "", "keep the bulk-loaded streets in `DIR` and use them again in later runs")
	fs.StringVar(&c.work, "work", "", "work folder (default: a temporary folder, removed at the end)")
	fs.Uint64Var(&c.seed, "seed", 1, "seed of the bulk-loaded streets' content")
	fs.StringVar(&c.cpuprofile, "cpuprofile", "", "with --in-process: write CPU profiles of the busiest submit step, the push phase and the storm to `PREFIX`-submit-N.pprof, PREFIX-push.pprof, PREFIX-storm.pprof and PREFIX-storm-burst.pprof")
	fs.BoolVar(&c.engineWrites, "engine-writes", true, "the engines phase measures SubmitReport and Push before the queries (false: only the bulk-loaded streets' queries)")
	databases := fs.String("database", "sqlite", "comma-separated engines the engines phase measures side by side: sqlite, postgres (a throwaway cluster, internal/pgtest) or a postgres:// `URL` of a server where gridbench may CREATE DATABASE")
	c.firstPull.register(fs)
	stormFlags := c.storm.flags(fs)
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if err := stormFlags(); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	c.phases = map[string]bool{}
	for _, p := range strings.Split(*phases, ",") {
		p = strings.TrimSpace(p)
		if !slices.Contains(allPhases, p) && !slices.Contains(optionalPhases, p) {
			return c, fmt.Errorf("--phases: unknown phase %q (known: %s)", p, strings.Join(slices.Concat(allPhases, optionalPhases), ", "))
		}
		c.phases[p] = true
	}
	var err error
	if c.sizes, err = numbers("sizes", *sizes); err != nil {
		return c, err
	}
	if c.concurrency, err = numbers("concurrency", *concurrency); err != nil {
		return c, err
	}
	if c.databases, err = parseDatabases(*databases); err != nil {
		return c, err
	}
	switch {
	case c.duration <= 0 || c.warmup < 0:
		return c, errors.New("--duration must be positive and --warmup not negative")
	case c.observedIn < time.Second:
		return c, errors.New("--observed-within must be at least 1s")
	case c.pushBatches < 1 || c.pushBatchSize < 1 || c.pushBatchSize > 1000:
		return c, errors.New("--push-batches must be at least 1 and --push-batch-size 1 to 1000")
	case c.queryCalls < 1 || c.summaryCalls < 1 || c.exportReports < 1 || c.payload < 0:
		return c, errors.New("--list-calls, --summary-calls and --export-reports must be at least 1")
	case c.listCallers < 1:
		return c, errors.New("--list-concurrency must be at least 1")
	case c.server != "" && (c.worker == "" || c.supervisor == "" || c.password == ""):
		return c, errors.New("--server needs --worker, --supervisor and --password (or $GRIDBENCH_PASSWORD)")
	case c.server != "" && c.inProcess:
		return c, errors.New("--server and --in-process contradict each other")
	case c.cpuprofile != "" && !c.inProcess:
		return c, errors.New("--cpuprofile profiles gridbench itself: it needs --in-process")
	}
	if c.phases["firstpull"] {
		if err := c.firstPull.check(); err != nil {
			return c, err
		}
	}
	return c, nil
}

// numbers reads a comma-separated list of positive numbers.
func numbers(name, s string) ([]int, error) {
	var ns []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("--%s: %q is not a positive number", name, f)
		}
		ns = append(ns, n)
	}
	return ns, nil
}

// bench is one run.
type bench struct {
	cfg    config
	res    *results
	log    io.Writer
	server starter
}

func (b *bench) logf(format string, args ...any) {
	fmt.Fprintf(b.log, "gridbench: "+format+"\n", args...)
}

// note adds a line to the results' notes, and logs it.
func (b *bench) note(s string) {
	b.res.Notes = append(b.res.Notes, s)
	b.logf("note: %s", s)
}

// The accounts: those the flags name, or else those BulkLoad made.
func (b *bench) workerName(d *dataset) string {
	if b.cfg.worker != "" {
		return b.cfg.worker
	}
	return d.worker()
}

func (b *bench) supervisorName(d *dataset) string {
	if b.cfg.supervisor != "" {
		return b.cfg.supervisor
	}
	return d.Supervisor
}

func (b *bench) password(d *dataset) string {
	if b.cfg.password != "" {
		return b.cfg.password
	}
	return d.Password
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	work := cfg.work
	if work == "" {
		if work, err = os.MkdirTemp("", "gridbench-"); err != nil {
			return err
		}
		defer os.RemoveAll(work)
	} else if err := os.MkdirAll(work, 0o750); err != nil {
		return err
	}
	b := &bench{cfg: cfg, log: stderr, res: &results{Date: time.Now(),
		Command: strings.TrimSpace("gridbench " + strings.Join(args, " "))}}
	b.res.Env = readEnvironment(work)

	switch {
	case cfg.server != "":
		b.server = remoteStarter{addr: cfg.server}
	case cfg.inProcess:
		b.server = inProcessStarter{log: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))}
	default:
		bin := cfg.gridd
		if bin == "" {
			b.logf("building gridd")
			if bin, err = buildGridd(ctx, work); err != nil {
				return err
			}
		}
		b.server = &processStarter{bin: bin, logDir: work}
	}
	b.res.Server = b.server.describe()

	err = b.phases(ctx, work)
	b.res.Env.LoadEnd = loadAverage()
	if werr := b.write(stdout); werr != nil {
		return errors.Join(err, werr)
	}
	return err
}

// phases runs what --phases asks for.
func (b *bench) phases(ctx context.Context, work string) error {
	cfg := b.cfg
	remote := cfg.server != ""
	cache := cfg.cache
	if cache == "" {
		cache = work
	} else if err := os.MkdirAll(cache, 0o750); err != nil {
		return err
	}

	// submit and push write to an empty street, made afresh.
	if cfg.phases["submit"] || cfg.phases["push"] {
		err := b.withServer(ctx, func() (*dataset, error) {
			if remote {
				return &dataset{Reports: -1}, nil
			}
			return prepareData(ctx, work, 0, cfg.seed, false, b.log)
		}, func(t *target, d *dataset) error {
			if cfg.phases["submit"] {
				if err := b.submitPhase(ctx, t, d); err != nil {
					return err
				}
			}
			if cfg.phases["push"] {
				return b.pushPhase(ctx, t, d)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}

	// list and summary query streets of each size (a remote server's
	// street is whatever it holds).
	if cfg.phases["list"] || cfg.phases["summary"] {
		sizes := cfg.sizes
		if remote {
			sizes = []int{-1}
		}
		for _, n := range sizes {
			err := b.withServer(ctx, func() (*dataset, error) {
				if remote {
					return &dataset{Reports: -1, End: time.Now()}, nil
				}
				d, err := prepareData(ctx, cache, n, cfg.seed, cfg.cache != "", b.log)
				if err != nil {
					return nil, err
				}
				b.logf("reading the query plans of %d reports", n)
				plans, err := queryPlans(ctx, d)
				if err != nil {
					b.note(fmt.Sprintf("query plans of %d reports: %v", n, err))
				}
				b.res.Plans = append(b.res.Plans, plans)
				return d, nil
			}, func(t *target, d *dataset) error {
				return b.queryPhases(ctx, t, d, cfg.phases["list"], cfg.phases["summary"])
			})
			if err != nil {
				return err
			}
		}
	}

	if cfg.phases["export"] {
		err := b.withServer(ctx, func() (*dataset, error) {
			if remote {
				return &dataset{Reports: -1}, nil
			}
			return prepareData(ctx, cache, cfg.exportReports, cfg.seed, cfg.cache != "", b.log)
		}, func(t *target, d *dataset) error {
			return b.exportPhase(ctx, t, d)
		})
		if err != nil {
			return err
		}
	}

	if cfg.phases["firstpull"] {
		if remote {
			b.note("firstpull: not run against --server (it bulk-loads a street of its own)")
		} else if err := b.firstPullPhase(ctx, work); err != nil {
			return err
		}
	}

	if cfg.phases["storm"] {
		if err := b.stormPhase(ctx, work); err != nil {
			return err
		}
	}
	if cfg.phases["engines"] {
		return b.enginesPhase(ctx, work)
	}
	return nil
}

// withServer prepares a data folder, starts a server on it, runs fn and
// stops the server.
func (b *bench) withServer(ctx context.Context, prepare func() (*dataset, error), fn func(*target, *dataset) error) error {
	d, err := prepare()
	if err != nil {
		return err
	}
	t0 := time.Now()
	t, err := b.server.start(ctx, d.dir)
	if err != nil {
		return err
	}
	s := serverStart{Data: "empty street", Reports: d.Reports, ReadyIn: time.Since(t0)}
	switch {
	case d.Reports < 0:
		s.Data = "remote"
	case d.Reports > 0:
		s.Data = fmt.Sprintf("street of %s reports", count(float64(d.Reports)))
	}
	if t.pid != 0 {
		s.RSS, _, _ = readMemory(t.pid)
	}
	b.res.Starts = append(b.res.Starts, s)
	b.logf("server ready at %s (%s) in %v", t.addr, t.kind, s.ReadyIn.Round(time.Millisecond))
	err = fn(t, d)
	return errors.Join(err, t.stop())
}

// write prints the results, and writes them to --out.
func (b *bench) write(stdout io.Writer) error {
	if err := b.res.writeMarkdown(stdout, b.cfg); err != nil {
		return err
	}
	if b.cfg.out == "" {
		return nil
	}
	f, err := os.Create(b.cfg.out)
	if err != nil {
		return err
	}
	if err := b.res.writeMarkdown(f, b.cfg); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
