//go:build unix

package crashtest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gridinspect/gridinspect/internal/pgtest"
)

// twoCycles is how many times one of the two gridd is killed: fewer than
// the one-gridd test's, since each restart also waits for an amcheck of
// the database, and both gridd run with -race.
const twoCycles = 12

// TestCrashOneOfTwoGriddSIGKILLed is the crash test of several servers on
// one database: two gridd on one PostgreSQL database and one shared
// photo folder, the phones spread over both, each moving to the other
// when a call fails (a twin copy goes to the other at once, the same id on
// two servers together); one of the two, chosen at random, is killed with
// SIGKILL twelve times and restarted while the other keeps serving. After
// each restart the database must pass amcheck, and at the end the same
// set check: nothing acknowledged lost, nothing duplicated.
func TestCrashOneOfTwoGriddSIGKILLed(t *testing.T) {
	if !pgtest.Postgres() {
		t.Skip("only on PostgreSQL: several gridd share one database there")
	}
	if testing.Short() {
		t.Skip("kills and restarts a gridd twelve times")
	}
	began := time.Now()
	seed := crashSeed(t)
	t.Logf("seed=%d (%s=%d repeats the random choices; the timing is the machine's)", seed, seedEnv, seed)
	ctx, cancel := context.WithTimeout(context.Background(), timeBudget(t))
	defer cancel()

	bin, how := griddBinary(t)
	t.Logf("gridd %s", how)
	dir := t.ArtifactDir()
	servers := make([]*server, 2)
	for i := range servers {
		home := filepath.Join(dir, fmt.Sprintf("gridd%d", i+1)) // its data folder and log
		if err := os.MkdirAll(home, 0o750); err != nil {
			t.Fatal(err)
		}
		s := newServer(t, bin, filepath.Join(home, "data"), freeLoopbackAddr(t))
		if i > 0 {
			s.database = servers[0].database
		}
		s.photos = filepath.Join(dir, "photos")
		servers[i] = s
	}
	defer func() {
		if t.Failed() {
			for i, s := range servers {
				t.Logf("gridd%d's warnings and errors:\n%s", i+1, strings.Join(firstN(s.logLines(warnLevels...), maxShownProblems), "\n"))
			}
			t.Logf("the gridd's logs: %s (kept with go test -artifacts)", dir)
		}
	}()
	// Started together, as after a deployment: they migrate and seed once.
	var wg sync.WaitGroup
	errs := make([]error, len(servers))
	for i, s := range servers {
		wg.Go(func() { errs[i] = s.start() })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	c := &crash{t: t, ctx: ctx, s: servers[0], f: newFleet(seed, servers[0].addr, servers[1].addr),
		rng: rand.New(rand.NewPCG(seed, 0))}
	c.f.photos = &photoBook{} // into the folder both share

	sup, demo := c.supervise()
	defer sup.close()

	phonesDone, phoneErrs := c.startPhones()
	defer func() { cancel(); <-phonesDone }()
	for start := time.Now(); time.Since(start) < warmUp && c.f.hist.acked() < warmUpAcked; {
		time.Sleep(20 * time.Millisecond)
	}
	for cycle := 1; cycle <= twoCycles; cycle++ {
		victim := c.rng.IntN(len(servers))
		up, down := c.upTime(), time.Duration(c.rng.Int64N(int64(maxDown)+1))
		// Until a write is on the wire to the victim (the phones move
		// back and forth as the other is killed).
		for waited := time.Now(); time.Since(waited) < maxResume && c.f.writingOn(victim) == 0 && ctx.Err() == nil; {
			time.Sleep(time.Millisecond)
		}
		time.Sleep(up)
		writes := c.f.writingOn(victim)
		servers[victim].kill()
		if writes > 0 {
			c.killedInFlight++
		}
		time.Sleep(down)
		// No gate: the other gridd serves on while this one starts and
		// the database is checked.
		if err := servers[victim].start(); err != nil {
			t.Fatalf("restart gridd%d after SIGKILL %d: %v", victim+1, cycle, err)
		}
		c.checkIntegrity(fmt.Sprintf("after SIGKILL %d of gridd%d", cycle, victim+1))
		t.Logf("SIGKILL %2d of gridd%d %3dms after: %d SubmitReport or Push on the wire to it; down %3dms; "+
			"integrity %s; acknowledged so far %d", cycle, victim+1, up.Milliseconds(), writes, down.Milliseconds(),
			c.integrity[len(c.integrity)-1], c.f.hist.acked())
		if ctx.Err() != nil {
			t.Fatalf("out of time after SIGKILL %d", cycle)
		}
	}

	// The phones make nothing new and get what they hold acknowledged by
	// the two, both up.
	time.Sleep(c.upTime())
	c.f.stopNew.Store(true)
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
	c.judge(sup, demo, servers, twoCycles, began, seed)
}
