//go:build unix

package crashtest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gridinspect/gridinspect/internal/pgtest"
)

// The shape of the run.
const (
	// cycles is how many times gridd is killed with SIGKILL.
	cycles = 20
	// submitters send reports one by one with SubmitReport (worker01 …),
	// pushers push batches with Push (the next workers); each phone is
	// its own device.
	submitters, pushers = 3, 3
	// Each kill lands a random 50–400 ms after the phones are back at
	// work on the restarted server (they reconnect within maxResume);
	// then the server stays down 0–300 ms, while the phones meet a closed
	// port.
	minUp, maxUp = 50 * time.Millisecond, 400 * time.Millisecond
	maxResume    = 2 * time.Second
	maxDown      = 300 * time.Millisecond
	// Before the first kill: warmUp of work, or warmUpAcked ids
	// acknowledged, whichever comes first.
	warmUp      = 2 * time.Second
	warmUpAcked = 100
	// flushTimeout bounds the phones' last sync after the final restart.
	flushTimeout = 60 * time.Second
	// budget bounds the whole test (a shorter go test -timeout shortens
	// it); a run takes about 20 s on two cores.
	budget = 3 * time.Minute

	seedEnv          = "CRASHTEST_SEED"
	maxShownProblems = 30
)

// TestCrashSIGKILL is the crash test: six phones submit reports and push
// batches while gridd is killed with SIGKILL at random moments, twenty
// times, and restarted on the same data folder and port; after every
// restart, before the phones are let back in, the database must pass
// PRAGMA integrity_check. Then the phones stop making new ids, gridd is
// stopped cleanly (with work in flight) and started once more, the phones
// get everything they still hold acknowledged, and a Jepsen-style set
// check judges the server through the API and in its database: every
// acknowledged id is there (lost = 0), nothing is there that no phone sent
// (unexpected = 0), and every id, retried or sent again on purpose, was
// applied exactly once (duplicated = 0), with one ledger row per pushed
// mutation.
//
// gridd is built with -race (see griddBinary), so a data race in the
// server fails the test too.
func TestCrashSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("kills and restarts the server twenty times")
	}
	runCrash(t, nil)
}

// TestCrashPostgreSQLStoppedImmediately is the crash test with PostgreSQL
// as the victim: gridd keeps running while its database server is
// stopped as `pg_ctl stop -m immediate` does (no checkpoint, every
// connection cut) twenty times and started again, recovering from its
// WAL; gridd must serve again once it is back, and the same set check
// must hold.
func TestCrashPostgreSQLStoppedImmediately(t *testing.T) {
	if !pgtest.Postgres() {
		t.Skip("only on PostgreSQL")
	}
	if testing.Short() {
		t.Skip("stops and restarts PostgreSQL twenty times")
	}
	// A cluster of its own, since it is the one stopped; commits wait for
	// their WAL to be written, as in production.
	pg, err := pgtest.Start("synchronous_commit=on")
	pgtest.Require(t, err)
	t.Cleanup(pg.Stop)
	runCrash(t, pg)
}

// supervise logs the demo's supervisor in through the first server and
// lists what the demo seeded, before any phone writes: the check's
// starting point. The caller closes the supervisor's phone.
func (c *crash) supervise() (*phone, snapshot) {
	c.t.Helper()
	sup, err := dial(c.f, 0, "supervisor", "supervisor")
	if err != nil {
		c.t.Fatal(err)
	}
	if err := sup.login(c.ctx); err != nil {
		sup.close()
		c.t.Fatal(err)
	}
	demo, err := listAll(c.ctx, sup)
	if err != nil {
		sup.close()
		c.t.Fatal(err)
	}
	c.t.Logf("demo street: %d reports, %d patrols", len(demo.reports), len(demo.patrols))
	return sup, demo
}

// runCrash runs the crash test: on gridd, killed with SIGKILL, or, given
// pg, on gridd's database there, stopped immediately.
func runCrash(t *testing.T, pg *pgtest.Cluster) {
	began := time.Now()
	seed := crashSeed(t)
	t.Logf("seed=%d (%s=%d repeats the random choices; the timing is the machine's)", seed, seedEnv, seed)
	ctx, cancel := context.WithTimeout(context.Background(), timeBudget(t))
	defer cancel()

	bin, how := griddBinary(t)
	t.Logf("gridd %s", how)
	dir := t.ArtifactDir() // gridd's data folder and log; go test -artifacts keeps them
	s := newServer(t, bin, filepath.Join(dir, "data"), freeLoopbackAddr(t))
	if pg != nil {
		var err error
		if s.database, err = pg.CreateDatabase(""); err != nil {
			t.Fatal(err)
		}
	}
	defer func() {
		if t.Failed() {
			t.Logf("gridd's warnings and errors:\n%s", strings.Join(firstN(s.logLines(warnLevels...), maxShownProblems), "\n"))
			t.Logf("gridd's log and database: %s (kept with go test -artifacts)", dir)
		}
	}()
	if err := s.start(); err != nil {
		t.Fatal(err)
	}
	c := &crash{t: t, ctx: ctx, s: s, pg: pg, f: newFleet(seed, s.addr), rng: rand.New(rand.NewPCG(seed, 0))}

	// What the demo seeded, before any phone writes.
	sup, demo := c.supervise()
	defer sup.close()

	phonesDone, phoneErrs := c.startPhones()
	defer func() { cancel(); <-phonesDone }() // no phone outlives the test
	for start := time.Now(); time.Since(start) < warmUp && c.f.hist.acked() < warmUpAcked; {
		time.Sleep(20 * time.Millisecond)
	}
	for cycle := 1; cycle <= cycles; cycle++ {
		c.killAndRestart(cycle)
	}

	// The phones make nothing new; a clean stop with work in flight, a
	// restart, and the phones get what they hold acknowledged.
	time.Sleep(c.upTime())
	c.f.stopNew.Store(true)
	if err := s.stop(); err != nil {
		t.Errorf("clean stop: %v", err)
	}
	c.restart("after the clean stop")
	select {
	case <-phonesDone:
	case <-time.After(flushTimeout):
		t.Errorf("the phones did not get everything acknowledged within %v of the last restart", flushTimeout)
		cancel()
		<-phonesDone
	}
	for _, err := range phoneErrs {
		if err != nil {
			t.Error(err)
		}
	}

	c.judge(sup, demo, []*server{s}, cycles, began, seed)
}

// judge runs the set check, through the API and in the database, while
// the servers are idle, stops them cleanly, and reports and judges the
// run of cycles kills (or stops of PostgreSQL).
func (c *crash) judge(sup *phone, demo snapshot, servers []*server, cycles int, began time.Time, seed uint64) {
	t, ctx := c.t, c.ctx
	items, anomalies := c.f.hist.snapshot()
	v := &verdict{}
	for _, a := range anomalies {
		v.problem("phone: %s", a)
	}
	if err := checkAPI(ctx, v, sup, items, demo, c.rng); err != nil {
		t.Fatalf("set check through the API: %v", err)
	}
	var recs []photoRecord
	if c.f.photos != nil {
		recs = c.f.photos.snapshot()
	}
	if err := checkDB(ctx, v, c.s.dbPath(), items, demo, completedPhotos(recs)); err != nil {
		t.Fatalf("set check in the database: %v", err)
	}
	if c.f.photos != nil {
		n, err := checkPhotos(ctx, v, sup, recs)
		if err != nil {
			t.Fatalf("photo check through the API: %v", err)
		}
		t.Logf("crash: photos uploaded=%d acknowledged-complete=%d resumed=%d, each downloaded and its sha256 compared",
			len(recs), n, c.f.photos.resumed.Load())
		if n == 0 {
			t.Errorf("no photo was uploaded")
		}
	}
	races := 0
	var warnings []string
	for _, s := range servers {
		if err := s.stop(); err != nil {
			t.Errorf("final clean stop: %v", err)
		}
		races += s.races()
		warnings = append(warnings, s.logLines(warnLevels...)...)
	}
	c.checkIntegrity("after the final stop")

	tl := tallyItems(items)
	if counts := countMessages(warnings); counts != "" {
		t.Logf("gridd logged (WARN and ERROR, by message): %s", counts)
	}
	t.Logf("crash: servers=%d cycles=%d acknowledged=%d sent=%d lost=%d unexpected=%d duplicated=%d integrity=%s seed=%d",
		len(servers), cycles, tl.acked, tl.sent, len(v.lost), len(v.unexpected), len(v.duplicated), c.integrityWord(), seed)
	t.Logf("crash: reports=%d patrols=%d mutations=%d/%d-acknowledged ledger=%d retried=%d resent=%d twins=%d "+
		"reapplied=%d refused=%d problems=%d timelines=%d kills-in-flight=%d/%d calls=%d transient-errors=%d "+
		"retry-results=%d server-errors=%d relogins=%d moves=%d gridd-races=%d elapsed=%.1fs",
		tl.reports, tl.patrols, tl.mutAcked, tl.mutations, v.ledger, tl.retried, tl.resent, c.f.twins.Load(),
		tl.reapplied, tl.refused, len(v.problems), v.timelines, c.killedInFlight, cycles, c.f.calls.Load(),
		c.f.transient.Load(), c.f.retryResults.Load(), c.f.serverErrors.Load(), c.f.relogins.Load(), c.f.moves.Load(), races,
		time.Since(began).Seconds())

	for _, fault := range []struct {
		what  string
		lines []string
	}{
		{"lost (acknowledged, not on the server)", v.lost.lines()},
		{"unexpected (on the server, never sent)", v.unexpected.lines()},
		{"duplicated (applied more than once)", v.duplicated.lines()},
		{"other problems", v.problems},
	} {
		if len(fault.lines) > 0 {
			t.Errorf("%s: %d\n  %s", fault.what, len(fault.lines), strings.Join(firstN(fault.lines, maxShownProblems), "\n  "))
		}
	}
	if samples := c.f.serverErrorSamples(); len(samples) > 0 {
		t.Logf("INTERNAL or UNKNOWN answers (retried): %d, e.g.\n  %s", c.f.serverErrors.Load(), strings.Join(samples, "\n  "))
	}
	if tl.refused > 0 {
		t.Errorf("%d ids refused by the server; every one sent was valid", tl.refused)
	}
	if n := c.f.serverErrors.Load(); c.pg != nil && n > 0 {
		// PostgreSQL away is the server's to say: "retry later".
		t.Errorf("%d INTERNAL or UNKNOWN answers while PostgreSQL was stopped or starting, want UNAVAILABLE", n)
	}
	if c.killedInFlight < cycles/2 {
		t.Errorf("only %d of %d kills landed with calls in flight, want at least half", c.killedInFlight, cycles)
	}
	if tl.acked < cycles*10 {
		t.Errorf("only %d ids acknowledged over %d cycles: the phones hardly worked", tl.acked, cycles)
	}
	if races > 0 {
		for _, s := range servers {
			if s.races() > 0 {
				t.Errorf("gridd reported %d data races; the first:\n%s", s.races(), s.raceExcerpt())
			}
		}
	}
}

// crash is the state of one run of the crash test.
type crash struct {
	t   *testing.T
	ctx context.Context
	s   *server
	pg  *pgtest.Cluster // the victim, when it is PostgreSQL
	f   *fleet
	rng *rand.Rand // the test's goroutine only

	integrity      []string // what each integrity check said
	killedInFlight int      // kills that found a SubmitReport or Push on the wire
}

// startPhones logs the phones in and sets them to work; the channel is
// closed when every phone has returned, and then the slice holds their
// errors.
func (c *crash) startPhones() (<-chan struct{}, []error) {
	c.t.Helper()
	phones := make([]*phone, submitters+pushers)
	for i := range phones {
		role := "submit"
		if i >= submitters {
			role = "push"
		}
		user := fmt.Sprintf("worker%02d", i+1)
		p, err := dial(c.f, i+1, user+"/"+role, user)
		if err != nil {
			c.t.Fatal(err)
		}
		c.t.Cleanup(p.close)
		if err := p.prepare(c.ctx); err != nil {
			c.t.Fatal(err)
		}
		phones[i] = p
	}
	errs := make([]error, len(phones))
	var wg sync.WaitGroup
	for i, p := range phones {
		wg.Go(func() {
			var err error
			if i < submitters {
				err = p.runSubmitter(c.ctx)
			} else {
				err = p.runPusher(c.ctx)
			}
			if err != nil {
				errs[i] = fmt.Errorf("%s: %w", p.name, err)
			}
		})
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	return done, errs
}

// upTime returns how long the server runs with the phones at work before
// the next kill.
func (c *crash) upTime() time.Duration {
	return minUp + time.Duration(c.rng.Int64N(int64(maxUp-minUp)+1))
}

// killAndRestart kills gridd with SIGKILL while the phones work, leaves it
// down a moment, and restarts it.
func (c *crash) killAndRestart(cycle int) {
	c.t.Helper()
	up, down := c.upTime(), time.Duration(c.rng.Int64N(int64(maxDown)+1))
	resumed := c.f.waitBusy(c.ctx, maxResume)
	time.Sleep(up)
	submits, pushes, others := c.f.inFlight()
	what := "SIGKILL"
	if c.pg != nil {
		what = "PostgreSQL stopped -m immediate"
		c.pg.StopImmediate()
	} else {
		c.s.kill()
	}
	if submits+pushes > 0 {
		c.killedInFlight++
	}
	time.Sleep(down) // the phones meet a closed port, or gridd a closed database
	if c.pg != nil {
		c.f.gate.shut()
		if err := c.pg.Restart(); err != nil {
			c.t.Fatalf("restart PostgreSQL after stop %d: %v", cycle, err)
		}
		c.checkIntegrity(fmt.Sprintf("after PostgreSQL's stop %d", cycle))
		c.f.gate.open()
	} else {
		c.restart(fmt.Sprintf("after SIGKILL %d", cycle))
	}
	c.t.Logf("%s %2d %3dms after the phones resumed (in %3dms): in flight %d SubmitReport, %d Push, %d other; "+
		"down %3dms; integrity %s; acknowledged so far %d",
		what, cycle, up.Milliseconds(), resumed.Milliseconds(), submits, pushes, others, down.Milliseconds(),
		c.integrity[len(c.integrity)-1], c.f.hist.acked())
}

// restart starts gridd again and checks the database's integrity before
// the phones are let back in.
func (c *crash) restart(when string) {
	c.t.Helper()
	c.f.gate.shut()
	if err := c.s.start(); err != nil {
		c.t.Fatalf("restart %s: %v", when, err)
	}
	c.checkIntegrity(when)
	c.f.gate.open()
	if c.ctx.Err() != nil {
		c.t.Fatalf("out of time %s", when)
	}
}

// checkIntegrity runs PRAGMA integrity_check and records what it said.
func (c *crash) checkIntegrity(when string) {
	c.t.Helper()
	got, err := integrityCheck(c.ctx, c.s.dbPath())
	if err != nil {
		got = err.Error()
	}
	c.integrity = append(c.integrity, got)
	if got != "ok" {
		c.t.Errorf("integrity_check %s = %q, want \"ok\"", when, got)
	}
}

// integrityWord sums the integrity checks up: "ok×22", or how many failed.
func (c *crash) integrityWord() string {
	ok := 0
	for _, got := range c.integrity {
		if got == "ok" {
			ok++
		}
	}
	if ok != len(c.integrity) {
		return fmt.Sprintf("FAILED×%d/%d", len(c.integrity)-ok, len(c.integrity))
	}
	return fmt.Sprintf("ok×%d", ok)
}

// tally is what the history holds, counted.
type tally struct {
	sent, acked, reports, patrols int
	mutations, mutAcked           int
	// retried: ids sent again after an attempt failed; resent: ids sent
	// again on purpose once acknowledged.
	retried, resent    int
	refused, reapplied int
}

func tallyItems(items map[string]*item) tally {
	var tl tally
	for _, it := range items {
		tl.sent++
		if it.kind == kindReport {
			tl.reports++
		} else {
			tl.patrols++
		}
		if it.mutationID != "" {
			tl.mutations++
		}
		if it.acked {
			tl.acked++
			if it.mutationID != "" {
				tl.mutAcked++
			}
		}
		if it.attempts > 1+it.resent {
			tl.retried++
		}
		if it.resent > 0 {
			tl.resent++
		}
		if it.refused != "" {
			tl.refused++
		}
		tl.reapplied += it.reapplied
	}
	return tl
}

// crashSeed returns CRASHTEST_SEED, or a new seed.
func crashSeed(t *testing.T) uint64 {
	if s := os.Getenv(seedEnv); s != "" {
		seed, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("%s=%q: %v", seedEnv, s, err)
		}
		return seed
	}
	return uint64(time.Now().UnixNano())
}

// timeBudget returns how long the test may take: budget, or less when the
// test binary's -timeout comes sooner, so that the test ends (and kills
// gridd) before the binary is killed.
func timeBudget(t *testing.T) time.Duration {
	d := budget
	if deadline, ok := t.Deadline(); ok {
		d = min(d, time.Until(deadline)-15*time.Second)
	}
	return d
}

func firstN(lines []string, n int) []string {
	if len(lines) <= n {
		return lines
	}
	return append(lines[:n:n], fmt.Sprintf("… and %d more", len(lines)-n))
}
