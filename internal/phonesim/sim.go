// Package phonesim plays grid workers' phones against a running gridd and
// checks the sync guarantees: gridsim is a command line over it, and
// gridbench's storm runs hundreds of its phones in one process.
//
// Each phone logs in as one of Config.Accounts, records a realistic day
// offline — patrols with GPS tracks, reports of every category with
// photos, progress and comments on cases, and the photo and address the
// supervisor asked for on a report sent back (退回补充, returned just
// before the day) — into an outbox, then syncs it at night over a bad
// link: pushes cut after sending and retried, batches sent twice, photo
// uploads cut and resumed, sometimes from a wrong offset on purpose, and
// pulls its grid back in small pages. A phone deletes from its outbox only
// what the server acknowledged, and retries with backoff while the server
// is away. At the end the supervisor account checks that everything
// recorded is stored exactly once with the content sent and every photo's
// hash.
package phonesim

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"sync"
	"time"

	"github.com/gridinspect/gridinspect/internal/phonelink"
)

// Defaults of Config's fields left zero.
const (
	DefaultReportsPerPhone = 30
	DefaultPatrolsPerPhone = 5
	DefaultBatch           = 50
	// DefaultUploadsInFlight photos go at once: enough that one's last
	// round trip overlaps another's bytes on a 3G link.
	DefaultUploadsInFlight = 3
	// MaxBatch is the server's bound on one push.
	MaxBatch = 1000
)

// Account is a login: a worker's for a phone, or the supervisor's that
// returns a case before the day and checks the phones after it.
type Account struct {
	Username, Password string
}

// DemoAccounts are the first n workers of gridd --demo (worker01 …), all
// with password.
func DemoAccounts(n int, password string) []Account {
	out := make([]Account, n)
	for i := range out {
		out[i] = Account{Username: fmt.Sprintf("worker%02d", i+1), Password: password}
	}
	return out
}

// DemoSupervisor is gridd --demo's street supervisor.
func DemoSupervisor(password string) Account {
	return Account{Username: "supervisor", Password: password}
}

// Config is a run: the server, the phones and their day, and the faults.
type Config struct {
	// Server is gridd's address (host:port), plaintext.
	Server string
	// Accounts are the phones' logins: one phone per account, each a
	// grid worker with a grid. Supervisor must see the phones' grids.
	Accounts   []Account
	Supervisor Account

	// Link, when set, carries every phone's connections (not the
	// supervisor's) and counts their bytes: Result.Phones[i].Wire.
	Link *phonelink.Link
	// Dialer, when set and Link is not, makes the dial function of the
	// named phone's connections (for grpc.WithContextDialer).
	Dialer func(username string) func(ctx context.Context, addr string) (net.Conn, error)

	// Reports and Patrols each phone records; PhotosPerReport photos of
	// each report, of PhotoMinBytes–PhotoMaxBytes (defaults 20–200 KiB).
	Reports, Patrols, PhotosPerReport int
	PhotoMinBytes, PhotoMaxBytes      int
	// FixEvery is the time between a patrol track's GPS fixes (default a
	// minute); Actions, when more than the day's cases call for, adds
	// comments on the phone's own reports up to that many actions.
	FixEvery time.Duration
	Actions  int
	// Batch is the mutations per push (1–MaxBatch; default 50).
	Batch int
	// FaultRate is the probability (0–1) of an injected fault per push and
	// per upload.
	FaultRate float64
	// Gzip compresses requests (and so asks for compressed responses).
	Gzip bool
	// Seed makes the recorded content and photos (same seed, same day).
	Seed uint64
	// ChunkBytes is the size of a photo's chunks (default: fitted to the
	// Link, else DefaultChunkBytes).
	ChunkBytes int
	// StreamBytes bounds the bytes one upload stream carries before the
	// phone waits for the server's answer (a multiple of ChunkBytes;
	// default: two chunks with a Link, else the rest of the photo). On a
	// link whose buffers are deep, what is sent and not yet answered is
	// what a broken connection loses.
	StreamBytes int
	// UploadsInFlight is how many photos a phone uploads at once (default
	// DefaultUploadsInFlight; 1 uploads one after another).
	UploadsInFlight int
	// RateLimit is the calls (and upload chunks) per second each account
	// sends at most; 0 sends unpaced.
	RateLimit float64
	// StartDelay, when set, is how long phone i (from 0) waits, once every
	// phone has recorded its day, before it starts its evening sync.
	StartDelay func(phone int) time.Duration

	// Verbose logs every retry and why to Stderr, which receives the
	// details of problems (one line each; nil for none).
	Verbose bool
	Stderr  io.Writer
	// Progress, when set, is told of every acknowledged mutation and every
	// completed photo.
	Progress *Progress
}

// maxChunkBytes is gridd's largest chunk (gridinspect.MaxPhotoChunkBytes
// is larger; a chunk past this gains nothing on a phone's link).
const maxChunkBytes = 256 << 10

// ChunkFor is the chunk size fitted to a link: about a third of a
// second of its uplink, in steps of 16 KiB from 16 to 64 KiB. A chunk is
// committed only once it has all arrived, so on a slow link a smaller
// one leaves less uncommitted when the link breaks.
func ChunkFor(p phonelink.Preset) int {
	if p.UpKbps <= 0 {
		return DefaultChunkBytes
	}
	third := p.UpKbps * 1000 / 8 / 3
	return max(firstChunkBytes, min(DefaultChunkBytes, (third+firstChunkBytes/2)/firstChunkBytes*firstChunkBytes))
}

// Day is the shape of the day each phone records: Config's fields of
// the same names.
type Day struct {
	Reports, Patrols, PhotosPerReport int
	PhotoMinBytes, PhotoMaxBytes      int
	Actions                           int
	FixEvery                          time.Duration
}

// Days are named days: "field" is a grid worker's day as the sync issue
// measures it — about 60 reports with 2 photos each (120 JPEGs of
// 150–350 KB), 20 actions, 4 patrols with a GPS fix every 20 s (a few
// hundred points each).
var Days = map[string]Day{
	"field": {Reports: 60, Patrols: 4, PhotosPerReport: 2, PhotoMinBytes: 150_000, PhotoMaxBytes: 350_000,
		Actions: 20, FixEvery: 20 * time.Second},
}

// SetDay sets the day's fields of c to d.
func (c *Config) SetDay(d Day) {
	c.Reports, c.Patrols, c.PhotosPerReport = d.Reports, d.Patrols, d.PhotosPerReport
	c.PhotoMinBytes, c.PhotoMaxBytes = d.PhotoMinBytes, d.PhotoMaxBytes
	c.Actions, c.FixEvery = d.Actions, d.FixEvery
}

// withDefaults fills the zero fields that have defaults.
func (c Config) withDefaults() Config {
	if c.Batch == 0 {
		c.Batch = DefaultBatch
	}
	if c.ChunkBytes == 0 {
		c.ChunkBytes = DefaultChunkBytes
		if c.Link != nil {
			c.ChunkBytes = ChunkFor(c.Link.Config().Preset)
		}
	}
	if c.StreamBytes == 0 && c.Link != nil {
		c.StreamBytes = 2 * c.ChunkBytes
	}
	if c.UploadsInFlight == 0 {
		c.UploadsInFlight = DefaultUploadsInFlight
	}
	if c.PhotoMinBytes == 0 && c.PhotoMaxBytes == 0 {
		c.PhotoMinBytes, c.PhotoMaxBytes = DefaultPhotoMinBytes, DefaultPhotoMaxBytes
	}
	return c
}

// check says what is wrong with the config, if anything.
func (c Config) check() error {
	switch {
	case c.Server == "":
		return errors.New("phonesim: no server address")
	case len(c.Accounts) == 0:
		return errors.New("phonesim: no accounts")
	case c.Supervisor.Username == "":
		return errors.New("phonesim: no supervisor account")
	case c.Reports < 0 || c.Patrols < 0 || c.PhotosPerReport < 0:
		return errors.New("phonesim: reports, patrols and photos per report must not be negative")
	case c.PhotosPerReport > MaxPhotosPerReport:
		return fmt.Errorf("phonesim: at most %d photos per report", MaxPhotosPerReport)
	case c.PhotoMinBytes < minPhotoBytes || c.PhotoMaxBytes < c.PhotoMinBytes:
		return fmt.Errorf("phonesim: photo sizes %d–%d: want at least %d bytes, min ≤ max", c.PhotoMinBytes, c.PhotoMaxBytes, minPhotoBytes)
	case c.ChunkBytes < firstChunkBytes || c.ChunkBytes > maxChunkBytes:
		return fmt.Errorf("phonesim: chunk size %d: want %d–%d", c.ChunkBytes, firstChunkBytes, maxChunkBytes)
	case c.StreamBytes < 0 || c.StreamBytes%c.ChunkBytes != 0:
		return fmt.Errorf("phonesim: stream bytes %d: want a multiple of the chunk size %d", c.StreamBytes, c.ChunkBytes)
	case c.UploadsInFlight < 0:
		return errors.New("phonesim: uploads in flight must not be negative")
	case c.FixEvery < 0 || c.Actions < 0:
		return errors.New("phonesim: fix interval and actions must not be negative")
	case c.Batch < 1 || c.Batch > MaxBatch:
		return fmt.Errorf("phonesim: batch must be between 1 and %d", MaxBatch)
	case !(c.FaultRate >= 0 && c.FaultRate <= 1):
		return errors.New("phonesim: fault rate must be between 0 and 1")
	case !(c.RateLimit >= 0):
		return errors.New("phonesim: rate limit must not be negative")
	}
	seen := map[string]bool{}
	for _, a := range c.Accounts {
		if a.Username == "" || seen[a.Username] {
			return fmt.Errorf("phonesim: account %q empty or twice", a.Username)
		}
		seen[a.Username] = true
	}
	return nil
}

// dayShape is the day each phone records.
func (c Config) dayShape() shape {
	return shape{reports: c.Reports, patrols: c.Patrols, photosPerReport: c.PhotosPerReport,
		photoMin: c.PhotoMinBytes, photoMax: c.PhotoMaxBytes, fixEvery: c.FixEvery, actions: c.Actions}
}

// Result is what a run counted and the check found.
type Result struct {
	// Recorded by the phones.
	Mutations, Reports, Patrols, Actions, Photos int64
	// Faults injected, and retries.
	CutPushes, DuplicateSends, CutUploads, WrongOffsets, CutPulls, Retries, Relogins, ServerErrors int64
	// The check: recorded and acknowledged but not on the server; stored
	// (or applied) more than once; photos whose bytes differ; stored with
	// other content; on the server though never sent; refused; kept as
	// conflicts; still in an outbox of a phone that gave up.
	Missing, Duplicated, HashMismatches, Mismatches, Unexpected, Rejected, Conflicts, Unsynced int64
	// Errors: phones that gave up, answers that break the protocol,
	// committed photo data that went back.
	Errors int64
	// PhotosRestarted are photo uploads sent again from their first byte
	// after more than their first chunk had gone out (each phone's are in
	// its Wire).
	PhotosRestarted int64

	// Elapsed is the whole run; Sync from the first phone's sync to the
	// last phone's pull.
	Elapsed, Sync time.Duration
	// Phones are the phones' results, in the order of Config.Accounts.
	Phones []PhoneResult

	ok   bool
	line string
}

// OK reports whether nothing was lost, duplicated, changed or refused, no
// phone gave up, and no photo was sent again from its start.
func (r *Result) OK() bool { return r.ok }

// Line is the verdict in one line:
//
//	gridsim: OK devices=10 mutations=… missing=0 duplicated=0 hash-mismatches=0 …
func (r *Result) Line() string { return r.line }

// WireLines are a line per phone on its bytes on the wire and its time
// against the bounds, when Config.Link was set.
func (r *Result) WireLines(preset phonelink.Preset) []string {
	var out []string
	for _, p := range r.Phones {
		if p.Wire.Counted {
			out = append(out, p.wireLine(preset))
		}
	}
	return out
}

// PushLatencies are every phone's Push calls' latencies, sorted.
func (r *Result) PushLatencies() []time.Duration {
	var out []time.Duration
	for _, p := range r.Phones {
		out = append(out, p.Pushes...)
	}
	slices.Sort(out)
	return out
}

// UploadLatencies are every phone's photo uploads' latencies, sorted.
func (r *Result) UploadLatencies() []time.Duration {
	var out []time.Duration
	for _, p := range r.Phones {
		out = append(out, p.Uploads...)
	}
	slices.Sort(out)
	return out
}

// PhoneResult is one phone's evening.
type PhoneResult struct {
	Username string
	// Err is why the phone gave up, nil if it did not.
	Err error
	// Began is when its sync began (after its start delay), Done when its
	// pull ended; zero if it never got there.
	Began, Done time.Time
	// Pushes are the latencies of its Push calls that were answered (from
	// the call to its answer); Uploads those of its photo uploads, from the
	// start of a photo's upload to the server's answer that it holds it
	// whole, retries included.
	Pushes, Uploads []time.Duration
	// Wire is its use of the link.
	Wire Wire

	n int // from 1, in the order of Config.Accounts
}

// Wire is one phone's use of the link over its evening sync (its pull
// included).
type Wire struct {
	// Counted is false without a link.
	Counted bool
	// Sent and Received are its bytes on the wire; Took its sync's time.
	Sent, Received int64
	Took           time.Duration
	// PhotoBytes and MutationBytes (the outbox's protobuf bytes, gzipped)
	// are the least the sync must send.
	PhotoBytes, MutationBytes int64
	// Conns are the connections it opened (all its life).
	Conns int64
	// ResentPhotoBytes are photo bytes sent again after a broken upload;
	// PhotosResumed the uploads that went on from the bytes the server
	// held, PhotosRestarted those begun again from the first byte after
	// more than their first chunk was sent, the server holding none of it;
	// FirstChunksResent those begun again from the first byte when only
	// its first chunk (sent alone) had been sent.
	ResentPhotoBytes                                  int64
	PhotosResumed, PhotosRestarted, FirstChunksResent int
}

// LowerBound is the least the phone must send.
func (w Wire) LowerBound() int64 { return w.PhotoBytes + w.MutationBytes }

// Run runs the phones — online to learn their grids, offline for the day,
// then syncing at night, each after its start delay — and checks the
// server. It fails early only on a bad config; whatever goes wrong after
// is counted in the result.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	cfg = cfg.withDefaults()
	if err := cfg.check(); err != nil {
		return nil, err
	}
	t := simulate(ctx, cfg)
	return t.result(), nil
}

// simulate runs the phones and checks the server; see Run.
func simulate(ctx context.Context, cfg Config) *tally {
	began := time.Now()
	t := newTally(cfg)
	defer func() { t.elapsed = time.Since(began) }()
	// Ids this run makes are UUIDv7s from now on; older ones on the server
	// are earlier runs'.
	runStart := began.Add(-time.Second)
	dayStart, dayEnd := workday(began)

	if err := returnForMore(ctx, cfg, t); err != nil {
		t.problem(&t.failures, "supervisor: %v", err)
	}
	phones := t.phones
	var wg sync.WaitGroup
	for i := range phones {
		wg.Go(func() {
			p, err := newPhone(cfg, t, i+1)
			if err == nil {
				err = p.prepare(ctx)
				if err == nil {
					err = p.record(dayStart, dayEnd)
				}
				if err != nil {
					p.close()
				}
			}
			if err != nil {
				t.problem(&t.failures, "device %d: %v", i+1, err)
				t.phoneErrs[i] = err
				return
			}
			phones[i] = p
		})
	}
	wg.Wait()
	defer func() {
		for _, p := range phones {
			if p != nil {
				p.close()
			}
		}
	}()
	var total int64
	for _, p := range phones {
		if p == nil {
			continue
		}
		d := p.day
		t.mutations.Add(int64(len(d.outbox)))
		t.reports.Add(int64(len(d.reports)))
		t.patrols.Add(int64(len(d.patrols)))
		t.actions.Add(int64(len(d.actions)))
		t.photos.Add(int64(len(d.photos)))
		total += int64(len(d.outbox) + len(d.photos))
	}
	if cfg.Progress != nil {
		cfg.Progress.total.Store(total)
	}

	syncBegan := time.Now()
	for i, p := range phones {
		if p == nil {
			continue
		}
		wg.Go(func() {
			if cfg.StartDelay != nil {
				select {
				case <-ctx.Done():
				case <-time.After(cfg.StartDelay(i)):
				}
			}
			p.began = time.Now()
			defer p.measureWire()()
			if err := p.syncAll(ctx); err != nil {
				t.problem(&t.failures, "device %d: %v", p.n, err)
				t.phoneErrs[i] = err
				return
			}
			if err := p.pullAll(ctx); err != nil {
				t.problem(&t.failures, "device %d: %v", p.n, err)
				t.phoneErrs[i] = err
				p.pulled = nil // not a pull to check against
				return
			}
			p.ended = time.Now()
		})
	}
	wg.Wait()
	t.syncElapsed = time.Since(syncBegan)

	verify(ctx, cfg, t, phones, runStart, dayStart, dayEnd)
	return t
}

// result is the phone's part of the result.
func (p *phone) result() PhoneResult {
	p.samples.Lock()
	defer p.samples.Unlock()
	r := PhoneResult{n: p.n, Username: p.username, Began: p.began, Done: p.ended,
		Pushes: slices.Clone(p.samples.pushes), Uploads: slices.Clone(p.samples.uploads), Wire: p.wire}
	if p.linkCounter != nil {
		r.Wire.Counted = true
		r.Wire.Conns = p.linkCounter.Conns()
		r.Wire.ResentPhotoBytes, r.Wire.PhotosResumed, r.Wire.PhotosRestarted = p.resentPhotoBytes, p.resumedPhotos, p.restartedPhotos
		r.Wire.FirstChunksResent = p.firstChunksResent
	}
	return r
}

// result turns the tally into a Result.
func (t *tally) result() *Result {
	r := &Result{
		Mutations: t.mutations.Load(), Reports: t.reports.Load(), Patrols: t.patrols.Load(), Actions: t.actions.Load(), Photos: t.photos.Load(),
		CutPushes: t.cutPushes.Load(), DuplicateSends: t.duplicateSends.Load(), CutUploads: t.cutUploads.Load(),
		WrongOffsets: t.wrongOffsets.Load(), CutPulls: t.cutPulls.Load(), Retries: t.retries.Load(), Relogins: t.relogins.Load(),
		ServerErrors: t.serverErrors.Load(),
		Missing:      t.missing.Load(), Duplicated: t.duplicated.Load(), HashMismatches: t.hashMismatches.Load(),
		Mismatches: t.mismatches.Load(), Unexpected: t.unexpected.Load(), Rejected: t.rejected.Load(),
		Conflicts: t.conflicts.Load(), Unsynced: t.unsynced.Load(), Errors: t.errors(), PhotosRestarted: t.restarted.Load(),
		Elapsed: t.elapsed, Sync: t.syncElapsed,
		ok: t.ok(), line: t.line(),
	}
	for i, p := range t.phones {
		var pr PhoneResult
		if p != nil {
			pr = p.result()
		} else {
			pr.n, pr.Username = i+1, t.accounts[i].Username
		}
		pr.Err = t.phoneErrs[i]
		r.Phones = append(r.Phones, pr)
	}
	return r
}
