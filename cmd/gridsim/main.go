// Command gridsim is a device simulator that proves the sync guarantees
// against a running gridd.
//
// It plays N grid workers' phones. Each records a realistic day offline —
// patrols with GPS tracks, reports of every category with photos, progress
// and comments on cases, and the photo and address the supervisor asked
// for on a report sent back (退回补充, returned just before the day) — into
// an outbox, then syncs it at night over a bad
// link: pushes cut after sending and retried, batches sent twice, photo
// uploads cut and resumed, sometimes from a wrong offset on purpose, and
// pulls its grid back in small pages. A phone deletes from its outbox only
// what the server acknowledged, and retries with backoff while the server
// is away. At the end it checks, as the street's supervisor, that
// everything recorded is stored exactly once with the content sent and
// every photo's hash, and prints one verdict line:
//
//	gridsim: OK devices=10 mutations=… reports=… patrols=… actions=… photos=… faults: … missing=0 duplicated=0 hash-mismatches=0 …
//
// It runs against the demo street (gridd --demo): device i logs in as
// worker0i.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/gridinspect/gridinspect/internal/phonelink"
	"github.com/gridinspect/gridinspect/internal/phonesim"
)

// Defaults of the flags.
const (
	DefaultServer           = "127.0.0.1:50051"
	DefaultDevices          = 10
	DefaultPassword         = "demo"
	DefaultReportsPerDevice = phonesim.DefaultReportsPerPhone
	DefaultPatrolsPerDevice = phonesim.DefaultPatrolsPerPhone
	DefaultPhotosPerReport  = 1
	DefaultBatch            = phonesim.DefaultBatch
	DefaultFaultRate        = 0.2
	DefaultSeed             = 1
	DefaultTimeout          = 10 * time.Minute
	// DefaultRateLimit keeps each account's calls a tenth under gridd's
	// default per-user limit (50 a second), so that none is refused.
	DefaultRateLimit = 45

	// MaxDevices is the number of demo workers (worker01 … worker10), one
	// per grid.
	MaxDevices = 10
	// maxBatch is the server's bound on one push.
	maxBatch = phonesim.MaxBatch
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// config is what the flags say, plus the hooks tests use.
type config struct {
	server          string
	devices         int
	password        string
	reports         int
	patrols         int
	photosPerReport int
	// day names a phonesim day; it sets what the per-device flags did not.
	day       phonesim.Day
	batch     int
	faultRate float64
	gzip      bool
	seed      uint64
	timeout   time.Duration
	verbose   bool
	rateLimit float64
	// link names a phonelink preset to put between the phones and the
	// server; linkResetEvery, linkResetAfter and linkStalls add faults.
	link           string
	linkResetEvery int64
	linkResetAfter time.Duration
	linkStalls     float64

	// progress, when set, is told of every acknowledged mutation and every
	// completed photo; tests use it to kill the server mid-sync.
	progress *phonesim.Progress
	// stderr receives the details of problems (one line each).
	stderr io.Writer
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	c := config{stderr: stderr}
	fs := flag.NewFlagSet("gridsim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: gridsim [flags]\n\n"+
			"Simulates grid workers' phones against a gridd started with --demo: each records a day\n"+
			"offline, syncs it over a faulty link, and the result is checked against the server.\n\n")
		fs.PrintDefaults()
	}
	fs.StringVar(&c.server, "server", DefaultServer, "gridd address (host:port), plaintext")
	fs.IntVar(&c.devices, "devices", DefaultDevices, fmt.Sprintf("number of phones, at most %d; device i logs in as worker0i", MaxDevices))
	fs.StringVar(&c.password, "password", DefaultPassword, "password of the demo accounts (workers and supervisor)")
	fs.IntVar(&c.reports, "reports-per-device", DefaultReportsPerDevice, "reports each phone records")
	fs.IntVar(&c.patrols, "patrols-per-device", DefaultPatrolsPerDevice, "patrols each phone records")
	fs.IntVar(&c.photosPerReport, "photos-per-report", DefaultPhotosPerReport, "photos per report (20–200 KiB each)")
	day := fs.String("day", "", "a named day for each phone (field: 60 reports, 120 JPEGs of 150–350 KB, 20 actions, "+
		"4 patrols with a fix every 20 s); the per-device flags given override it")
	fs.IntVar(&c.batch, "batch", DefaultBatch, fmt.Sprintf("mutations per push (1–%d)", maxBatch))
	fs.Float64Var(&c.faultRate, "fault-rate", DefaultFaultRate, "probability of an injected fault per push and per upload (0–1)")
	fs.BoolVar(&c.gzip, "gzip", false, "compress requests with gzip (and so ask for compressed responses)")
	fs.Uint64Var(&c.seed, "seed", DefaultSeed, "seed of the recorded content and photos (same seed, same day)")
	fs.DurationVar(&c.timeout, "timeout", DefaultTimeout, "give up after this long")
	fs.BoolVar(&c.verbose, "verbose", false, "log every retry and why to stderr")
	fs.Float64Var(&c.rateLimit, "rate-limit", DefaultRateLimit,
		"calls (and upload chunks) per second each account sends at most; keep it under gridd's --rate-limit (default 50); 0 sends unpaced")
	fs.StringVar(&c.link, "link", "", "put a phone's mobile link ("+phonelink.PresetNames()+") between the phones and the server, "+
		"and report each phone's bytes on the wire and time; empty for none")
	resetEvery := fs.String("link-reset-every", "", "with --link, cut each connection after this many bytes in a direction (e.g. 2MB)")
	fs.DurationVar(&c.linkResetAfter, "link-reset-after", 0, "with --link, reset each connection this long after its first bytes (0 for never)")
	fs.Float64Var(&c.linkStalls, "link-stalls", 0, fmt.Sprintf("with --link, share of connections (0–1) that stall: nothing passes for %v, then they close", linkStallFor))
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if *day != "" {
		d, ok := phonesim.Days[*day]
		if !ok {
			return c, fmt.Errorf("--day %q: want field", *day)
		}
		set := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
		if set["reports-per-device"] {
			d.Reports = c.reports
		}
		if set["patrols-per-device"] {
			d.Patrols = c.patrols
		}
		if set["photos-per-report"] {
			d.PhotosPerReport = c.photosPerReport
		}
		c.day, c.reports, c.patrols, c.photosPerReport = d, d.Reports, d.Patrols, d.PhotosPerReport
	}
	if *resetEvery != "" {
		n, err := phonelink.ParseBytes(*resetEvery)
		if err != nil || n <= 0 {
			return c, fmt.Errorf("--link-reset-every %q: want a size such as 2MB", *resetEvery)
		}
		c.linkResetEvery = n
	}
	switch {
	case fs.NArg() > 0:
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	case c.devices < 1 || c.devices > MaxDevices:
		return c, fmt.Errorf("--devices must be between 1 and %d (the demo has %d workers)", MaxDevices, MaxDevices)
	case c.reports < 0 || c.patrols < 0 || c.photosPerReport < 0:
		return c, errors.New("--reports-per-device, --patrols-per-device and --photos-per-report must not be negative")
	case c.photosPerReport > phonesim.MaxPhotosPerReport:
		return c, fmt.Errorf("--photos-per-report must be at most %d", phonesim.MaxPhotosPerReport)
	case c.batch < 1 || c.batch > maxBatch:
		return c, fmt.Errorf("--batch must be between 1 and %d", maxBatch)
	case !(c.faultRate >= 0 && c.faultRate <= 1):
		return c, errors.New("--fault-rate must be between 0 and 1")
	case c.timeout <= 0:
		return c, errors.New("--timeout must be positive")
	case !(c.rateLimit >= 0):
		return c, errors.New("--rate-limit must not be negative")
	case c.link != "" && phonelink.Presets[c.link].Name == "":
		return c, fmt.Errorf("--link %q: want one of %s", c.link, phonelink.PresetNames())
	case c.link == "" && (c.linkResetEvery > 0 || c.linkResetAfter != 0 || c.linkStalls != 0):
		return c, errors.New("--link-reset-every, --link-reset-after and --link-stalls need --link")
	case c.linkResetAfter < 0 || !(c.linkStalls >= 0 && c.linkStalls <= 1):
		return c, errors.New("--link-reset-after must not be negative and --link-stalls must be between 0 and 1")
	}
	return c, nil
}

// run simulates, prints the verdict and returns the exit code: 0 for OK,
// 1 for FAIL, 2 for bad flags.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "gridsim:", err)
		return 2
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.timeout)
	defer cancel()
	r, err := simulate(ctx, cfg)
	if err != nil {
		fmt.Fprintln(stderr, "gridsim:", err)
		return 1
	}
	fmt.Fprintln(stdout, r.Line())
	if lc, ok := cfg.linkConfig(); ok {
		for _, l := range r.WireLines(lc.Preset) {
			fmt.Fprintln(stdout, l)
		}
	}
	if !r.OK() {
		return 1
	}
	return 0
}

// simulate starts the link the flags ask for and runs the phones through
// it: device i logs in as worker0i, and the demo supervisor checks them.
func simulate(ctx context.Context, cfg config) (*phonesim.Result, error) {
	sc := phonesim.Config{
		Server:          cfg.server,
		Accounts:        phonesim.DemoAccounts(cfg.devices, cfg.password),
		Supervisor:      phonesim.DemoSupervisor(cfg.password),
		Reports:         cfg.reports,
		Patrols:         cfg.patrols,
		PhotosPerReport: cfg.photosPerReport,
		Batch:           cfg.batch,
		FaultRate:       cfg.faultRate,
		Gzip:            cfg.gzip,
		Seed:            cfg.seed,
		RateLimit:       cfg.rateLimit,
		Verbose:         cfg.verbose,
		Stderr:          cfg.stderr,
		Progress:        cfg.progress,
	}
	if cfg.day != (phonesim.Day{}) {
		sc.SetDay(cfg.day)
	}
	if lc, ok := cfg.linkConfig(); ok {
		l, err := phonelink.Start(cfg.server, lc)
		if err != nil {
			return nil, err
		}
		defer l.Close()
		sc.Link = l
	}
	return phonesim.Run(ctx, sc)
}
