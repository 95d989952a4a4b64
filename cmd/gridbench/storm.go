package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/gridinspect/gridinspect"
	"github.com/gridinspect/gridinspect/internal/phonelink"
	"github.com/gridinspect/gridinspect/internal/phonesim"
	"github.com/gridinspect/gridinspect/store"
)

// The storm (issue 16): at 18:00 a street's phones come back in range
// all at once, each with a day to sync, over a phone's link. N phones,
// one worker and one grid each, start within --storm-spread of each other
// (each at a random moment of it), each behind its own link of the
// --storm-link preset (phonelink, toxiproxy in-process: the caps are per
// connection, so per phone), against a gridd on the default SQLite store.
// Meanwhile --storm-desks supervisors' desks refresh their lists, map and
// home page (stormdesks.go). Measured: the time until the last phone is
// done; Push and photo-upload latencies; the server's peak RSS and CPU
// time; the photo bytes the server stored per second, against a bare
// write+fsync of the same files (stormdisk.go) and against the server
// storing them with no link in the way (the burst); the desks' latencies;
// and every phone's check that nothing it sent was lost or stored twice.

// stormSettings are the storm's flags.
type stormSettings struct {
	phones     int
	spread     time.Duration
	link       string // a phonelink preset, or "none"
	reports    int    // per phone
	photos     int    // per phone
	actions    int    // per phone, at least
	faultRate  float64
	patrols    int   // per phone
	photoMin   int64 // bytes
	photoMax   int64
	history    int // reports already on the street
	desks      int
	deskEvery  time.Duration
	window     time.Duration // the stretch the busiest photo rate is taken over
	burst      bool
	burstChunk int64
	timeout    time.Duration
	resetEvery int64 // cut each connection after this many bytes; 0 never
}

// photosPerReport is the photos of each of a phone's reports.
func (s stormSettings) photosPerReport() int { return s.photos / s.reports }

// stormDeskName is the username of desk i's supervisor (0-based).
func stormDeskName(i int) string { return fmt.Sprintf("storm-desk%02d", i+1) }

// stormStreet is the street the storm runs on.
type stormStreet struct {
	dir      string
	photoDir string
	workers  []string // one per phone, each with a grid of its own
	desks    []string // supervisors of the whole street
	// supervisor is the street's supervisor, who returns a case to each
	// worker before the day and checks the phones after it.
	supervisor string
	password   string
	reports    int
}

// prepareStorm makes a street of phones grids, one worker each, with
// history reports already on it and desks supervisors. It is made afresh
// in every run: the storm writes to it.
func prepareStorm(ctx context.Context, root string, s stormSettings, seed uint64, log func(string, ...any)) (*stormStreet, error) {
	dir := filepath.Join(root, fmt.Sprintf("storm-%d-phones", s.phones))
	if err := freshDir(dir); err != nil {
		return nil, err
	}
	pw, err := newPassword()
	if err != nil {
		return nil, err
	}
	st := &stormStreet{dir: dir, photoDir: filepath.Join(dir, "photos"), password: pw, reports: s.history}
	db, err := store.Open(filepath.Join(dir, store.DatabaseFile), store.Options{
		Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		return nil, err
	}
	t0 := time.Now()
	log("storm: making a street of %d grids and %d reports", s.phones, s.history)
	res, err := db.BulkLoad(ctx, store.BulkLoadOptions{Reports: s.history, Grids: s.phones, Seed: seed, Password: st.password})
	if err == nil {
		st.supervisor = res.Supervisor
		for _, g := range res.GridIDs {
			st.workers = append(st.workers, res.Workers[g])
		}
		sys := gridinspect.NewContext(ctx, gridinspect.SystemActor())
		for i := range s.desks {
			u := &gridinspect.User{Username: stormDeskName(i), DisplayName: fmt.Sprintf("督办%02d", i+1),
				Role: gridinspect.RoleSupervisor, AllGrids: true}
			if _, err = db.CreateUser(sys, u, st.password); err != nil {
				err = fmt.Errorf("create desk %s: %w", u.Username, err)
				break
			}
			st.desks = append(st.desks, u.Username)
		}
	}
	closeCtx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err = errors.Join(err, db.Close(closeCtx)); err != nil {
		return nil, fmt.Errorf("prepare the storm's street: %w", err)
	}
	log("storm: street made in %v", time.Since(t0).Round(time.Second))
	return st, nil
}

// linkConfig is the phones' link, ok false for none.
func (s stormSettings) linkConfig() (phonelink.Config, bool) {
	if s.link == "none" {
		return phonelink.Config{}, false
	}
	return phonelink.Config{Preset: phonelink.Presets[s.link], ResetEvery: s.resetEvery}, true
}

// stormResult is what the storm measured.
type stormResult struct {
	Settings stormSettings
	Started  time.Time

	// The phones.
	Phones, Finished int
	LastDone         time.Duration // from the first phone's start to the last phone's end
	SyncP50, SyncMax time.Duration // one phone's sync, start to end
	Push, Upload     latencies
	Mutations        int
	Reports, Photos  int
	Actions, Patrols int
	Lost, Duplicated int
	Verdict          string // phonesim's line
	OK               bool
	Failures         []string

	// The server.
	PeakRSS      int64
	CPUUser      time.Duration
	CPUSys       time.Duration
	Wall         time.Duration // what the CPU time is divided by
	ServerIsMine bool          // in-process: the CPU and RSS are gridbench's, phones and all

	// Photos.
	PhotoBytes  int64 // stored by the end
	PhotoFiles  int
	StormRate   float64 // busiest stretch, bytes/s
	StormMean   float64 // all photo bytes over the time from the first to the last stored
	StretchFrom time.Duration
	StretchTo   time.Duration
	LinkCap     float64 // the phones' links' up caps added up, bytes/s
	BareRate    float64 // write+fsync of the same sizes, same concurrency: the faster of the two below
	BareElapsed time.Duration
	// BareAfter is bare again, after the burst: on a disk shared with
	// other work one bare run of a fraction of a second moved from 58 to
	// 880 MB/s between runs, so the burst is held against the better of
	// a bare run before it and one after it.
	BareAfterElapsed time.Duration
	BurstRate        float64 // the server storing photos of the same sizes over loopback
	BurstElapsed     time.Duration
	BurstBytes       int64
	BurstUploader    int
	BurstCPU         time.Duration // the server's user + sys time during the burst
	// The sinks (stormsink.go): the burst's uploads to a gRPC server that
	// only receives them, and to one that stores each in a file as bare
	// does, checking its hash.
	SinkReceiveElapsed time.Duration
	SinkStoreElapsed   time.Duration
	// gridbench's own CPU time (user + sys) during bare and the sinks:
	// theirs, uploaders included. The server's during the burst is
	// BurstCPU; the uploaders' is not counted there.
	BareCPU, BareAfterCPU, SinkReceiveCPU, SinkStoreCPU time.Duration

	// The desks.
	Desks                   int
	DeskList, DeskMap       latencies
	DeskDashboard, DeskGrid latencies
	DeskErrors              int
	DeskFirstErr            string
}

// latencies summarises a sample.
type latencies struct {
	N             int
	P50, P99, Max time.Duration
}

func summarizeLatencies(d []time.Duration) latencies {
	l := latencies{N: len(d)}
	l.P50, l.P99, l.Max = percentiles(slices.Clone(d))
	return l
}

// mbps formats bytes per second as MB/s (10⁶ bytes).
func mbps(r float64) string {
	if r <= 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f MB/s", r/1e6)
}

// writeStorm prints the storm's tables.
func (s *stormResult) writeMarkdown(p func(string, ...any)) {
	c := s.Settings
	link := c.link
	if link != "none" {
		pr := phonelink.Presets[link]
		link = fmt.Sprintf("%s (%v ± %v round trip, %d/%d kbit/s down/up per phone)", pr.Name, pr.RTT, pr.Jitter, pr.DownKbps, pr.UpKbps)
		if c.resetEvery > 0 {
			link += fmt.Sprintf(", connections cut every %s", count(float64(c.resetEvery))+" bytes")
		}
	}
	p("### The storm: %d phones, each with its day, starting within %v, over %s\n\n", s.Phones, c.spread, link)
	p("- each phone's day: %d reports with %d photos each (JPEGs of %s–%s bytes), %d patrols, at least %d actions on cases; "+
		"the street held %s reports before; %d desks refreshing every %v; injected faults %g\n",
		c.reports, c.photosPerReport(), count(float64(c.photoMin)), count(float64(c.photoMax)), c.patrols, c.actions, count(float64(c.history)),
		s.Desks, c.deskEvery, c.faultRate)
	p("- the phones' verdict: `%s`\n", s.Verdict)
	if s.ServerIsMine {
		p("- the server ran inside gridbench: its CPU and RSS below include the phones, the links and the desks\n")
	}
	p("\n| what | figure |\n|---|---:|\n")
	row := func(what, figure string) { p("| %s | %s |\n", what, figure) }
	row("phones done / started", fmt.Sprintf("%d / %d", s.Finished, s.Phones))
	row("time until the last phone was done (from the first start)", ms(s.LastDone))
	row("one phone's sync, median / longest", ms(s.SyncP50)+" / "+ms(s.SyncMax))
	row(fmt.Sprintf("Push, p50 / p99 / max (%d calls)", s.Push.N), ms(s.Push.P50)+" / "+ms(s.Push.P99)+" / "+ms(s.Push.Max))
	row(fmt.Sprintf("a photo's upload, p50 / p99 / max (%d photos)", s.Upload.N), ms(s.Upload.P50)+" / "+ms(s.Upload.P99)+" / "+ms(s.Upload.Max))
	row("sent: mutations (reports / actions / patrols) / photos", fmt.Sprintf("%s (%s / %s / %s) / %s", count(float64(s.Mutations)),
		count(float64(s.Reports)), count(float64(s.Actions)), count(float64(s.Patrols)), count(float64(s.Photos))))
	row("**lost / duplicated** (every phone's check of what it sent)", fmt.Sprintf("**%d / %d**", s.Lost, s.Duplicated))
	row("server peak RSS", mib(s.PeakRSS))
	cores := 0.0
	if s.Wall > 0 {
		cores = (s.CPUUser + s.CPUSys).Seconds() / s.Wall.Seconds()
	}
	row("server CPU, user + sys (cores used over the storm)", fmt.Sprintf("%.1f s + %.1f s (%.2f of %d)",
		s.CPUUser.Seconds(), s.CPUSys.Seconds(), cores, s.cpus()))
	row("photo bytes stored (files)", fmt.Sprintf("%s (%s)", count(float64(s.PhotoBytes)), count(float64(s.PhotoFiles))))
	row(fmt.Sprintf("storm: photo bytes stored per second, busiest %v (%s … %s)", c.window,
		ms(s.StretchFrom), ms(s.StretchTo)), mbps(s.StormRate))
	row("storm: photo bytes over first to last stored", mbps(s.StormMean))
	if s.LinkCap > 0 {
		row("the phones' links' up caps added up", mbps(s.LinkCap))
	}
	if s.BareAfterElapsed > 0 {
		row(fmt.Sprintf("bare: write + fsync of the same sizes, %d writers, before / after the burst", c.phones),
			fmt.Sprintf("%s (%s; CPU %.2f s) / %s (%s; CPU %.2f s)", mbps(float64(s.BurstBytes)/s.BareElapsed.Seconds()), ms(s.BareElapsed), s.BareCPU.Seconds(),
				mbps(float64(s.BurstBytes)/s.BareAfterElapsed.Seconds()), ms(s.BareAfterElapsed), s.BareAfterCPU.Seconds()))
		row("bare: the faster of the two", mbps(s.BareRate))
	} else {
		row(fmt.Sprintf("bare: write + fsync of the same sizes, %d writers", c.phones), fmt.Sprintf("%s (%s)", mbps(s.BareRate), ms(s.BareElapsed)))
	}
	if s.BurstRate > 0 {
		row(fmt.Sprintf("burst: the server storing %s bytes of the same sizes over loopback, %d uploaders, chunks of %s bytes",
			count(float64(s.BurstBytes)), s.BurstUploader, count(float64(c.burstChunk))), fmt.Sprintf("%s (%s; server CPU %.1f s, %.2f cores)", mbps(s.BurstRate),
			ms(s.BurstElapsed), s.BurstCPU.Seconds(), s.BurstCPU.Seconds()/s.BurstElapsed.Seconds()))
	}
	rate := func(d time.Duration) float64 { return float64(s.BurstBytes) / d.Seconds() }
	if s.SinkReceiveElapsed > 0 {
		row("gRPC alone: the same uploads to a server that only receives them", fmt.Sprintf("%s (%s; CPU %.2f s, uploaders included), ÷ bare %.2f",
			mbps(rate(s.SinkReceiveElapsed)), ms(s.SinkReceiveElapsed), s.SinkReceiveCPU.Seconds(), rate(s.SinkReceiveElapsed)/s.BareRate))
	}
	if s.SinkStoreElapsed > 0 {
		row("bare behind gRPC: the same uploads to a server that writes, hashes, checks and fsyncs each to a file", fmt.Sprintf("%s (%s; CPU %.2f s, uploaders included), ÷ bare %.2f",
			mbps(rate(s.SinkStoreElapsed)), ms(s.SinkStoreElapsed), s.SinkStoreCPU.Seconds(), rate(s.SinkStoreElapsed)/s.BareRate))
		if s.BurstRate > 0 {
			row("burst ÷ bare behind gRPC", fmt.Sprintf("%.2f", s.BurstRate/rate(s.SinkStoreElapsed)))
		}
	}
	if s.BareRate > 0 {
		row("**storm (busiest) ÷ bare**", fmt.Sprintf("**%.2f**", s.StormRate/s.BareRate))
		if s.BurstRate > 0 {
			ratio := fmt.Sprintf("**%.2f**", s.BurstRate/s.BareRate)
			if s.BareAfterElapsed > 0 {
				ratio += fmt.Sprintf(" (÷ the bare before it %.2f, after it %.2f)",
					s.BurstRate*s.BareElapsed.Seconds()/float64(s.BurstBytes), s.BurstRate*s.BareAfterElapsed.Seconds()/float64(s.BurstBytes))
			}
			row("**burst ÷ bare** (goal ≥ 0.7; bare: the faster)", ratio)
		}
	}
	if s.LinkCap > 0 {
		row("storm (busiest) ÷ the links' caps", fmt.Sprintf("%.2f", s.StormRate/s.LinkCap))
	}
	p("\n| desks' calls during the storm | calls | p50 | p99 | max |\n|---|---:|---:|---:|---:|\n")
	for _, x := range []struct {
		what string
		l    latencies
	}{
		{"**ListReports, the case list (pages of ≤ 50)** (goal p99 ≤ 50 ms)", s.DeskList},
		{"ListReports, the map (pages of 500)", s.DeskMap},
		{"GetDashboard (home page)", s.DeskDashboard},
		{"ListGrids", s.DeskGrid},
	} {
		p("| %s | %d | %s | %s | %s |\n", x.what, x.l.N, ms(x.l.P50), ms(x.l.P99), ms(x.l.Max))
	}
	if s.DeskErrors > 0 {
		p("\nThe desks' calls failed %d times; the first: %s\n", s.DeskErrors, s.DeskFirstErr)
	}
	if len(s.Failures) > 0 {
		p("\nFailures:\n\n")
		for _, f := range s.Failures {
			p("- %s\n", f)
		}
	}
	p("\n")
}

func (s *stormResult) cpus() int { return runtime.NumCPU() }

// flags defines the storm's flags on fs; the function it returns checks
// them once fs is parsed.
func (s *stormSettings) flags(fs *flag.FlagSet) func() error {
	day := phonesim.Days["field"]
	fs.IntVar(&s.phones, "storm-phones", 50, "storm: phones, each a worker with a grid of its own")
	fs.DurationVar(&s.spread, "storm-spread", time.Minute, "storm: the phones start at random moments within this long")
	fs.StringVar(&s.link, "storm-link", "3g", "storm: each phone's link, "+phonelink.PresetNames()+", or none")
	fs.IntVar(&s.reports, "storm-reports", day.Reports, "storm: reports in a phone's day")
	fs.IntVar(&s.photos, "storm-photos", day.Reports*day.PhotosPerReport, "storm: photos in a phone's day (a whole number per report)")
	fs.IntVar(&s.actions, "storm-actions", day.Actions, "storm: actions on cases in a phone's day (at least)")
	fs.IntVar(&s.patrols, "storm-patrols", day.Patrols, "storm: patrols (with GPS tracks) in a phone's day")
	fs.Float64Var(&s.faultRate, "storm-fault-rate", 0, "storm: the phones' injected faults per push and per upload (0–1; see gridsim --fault-rate)")
	photoSize := fs.String("storm-photo-size", fmt.Sprintf("%d-%d", day.PhotoMinBytes, day.PhotoMaxBytes), "storm: the photos' sizes in bytes, a range (MIN-MAX; KB and MB allowed)")
	fs.IntVar(&s.history, "storm-history", 20000, "storm: reports on the street before the storm (the desks list them)")
	fs.IntVar(&s.desks, "storm-desks", 5, "storm: supervisors' desks refreshing during the storm")
	fs.DurationVar(&s.deskEvery, "storm-desk-every", 5*time.Second, "storm: each desk refreshes its case list, map and home page this often")
	fs.DurationVar(&s.window, "storm-window", 10*time.Second, "storm: the stretch over which the busiest photo rate is taken")
	fs.BoolVar(&s.burst, "storm-burst", true, "storm: afterwards, time the server storing photos of the same sizes over loopback")
	burstChunk := fs.String("storm-burst-chunk", "", "storm: the burst's chunk size, 16KiB to 1MiB (default: the phones' on --storm-link)")
	fs.DurationVar(&s.timeout, "storm-timeout", 30*time.Minute, "storm: give up on the phones after this long")
	resetEvery := fs.String("storm-link-reset-every", "", "storm: cut each phone connection after this many bytes in a direction (e.g. 2MB)")
	return func() error {
		lo, hi, ok := strings.Cut(*photoSize, "-")
		var err1, err2 error
		s.photoMin, err1 = phonelink.ParseBytes(lo)
		s.photoMax, err2 = phonelink.ParseBytes(hi)
		if !ok || err1 != nil || err2 != nil || s.photoMin < 1 || s.photoMax < s.photoMin {
			return fmt.Errorf("--storm-photo-size %q: want a range such as 150KB-450KB", *photoSize)
		}
		if *burstChunk != "" {
			n, err := phonelink.ParseBytes(*burstChunk)
			if err != nil || n < 16<<10 || n > 1<<20 {
				return fmt.Errorf("--storm-burst-chunk %q: want a size from 16KiB to 1MiB", *burstChunk)
			}
			s.burstChunk = n
		}
		if *resetEvery != "" {
			n, err := phonelink.ParseBytes(*resetEvery)
			if err != nil || n <= 0 {
				return fmt.Errorf("--storm-link-reset-every %q: want a size such as 2MB", *resetEvery)
			}
			s.resetEvery = n
		}
		switch {
		case s.phones < 1:
			return errors.New("--storm-phones must be at least 1")
		case s.spread < 0 || s.timeout <= 0 || s.deskEvery <= 0 || s.window <= 0:
			return errors.New("--storm-spread must not be negative, --storm-timeout, --storm-desk-every and --storm-window must be positive")
		case s.link != "none" && phonelink.Presets[s.link].Name == "":
			return fmt.Errorf("--storm-link %q: want one of %s, or none", s.link, phonelink.PresetNames())
		case s.link == "none" && s.resetEvery > 0:
			return errors.New("--storm-link-reset-every needs a --storm-link")
		case s.reports < 1 || s.photos < 0 || s.patrols < 0 || s.actions < 0 || s.history < 0 || s.desks < 0:
			return errors.New("--storm-reports must be at least 1; --storm-photos, --storm-actions, --storm-patrols, --storm-history and --storm-desks not negative")
		case s.photos%s.reports != 0:
			return fmt.Errorf("--storm-photos %d: a phone's photos are a whole number per report (--storm-reports %d)", s.photos, s.reports)
		case !(s.faultRate >= 0 && s.faultRate <= 1):
			return errors.New("--storm-fault-rate must be between 0 and 1")
		}
		if s.burstChunk == 0 {
			s.burstChunk = phonesim.DefaultChunkBytes
			if lc, ok := s.linkConfig(); ok {
				s.burstChunk = int64(phonesim.ChunkFor(lc.Preset))
			}
		}
		return nil
	}
}
