package main

import (
	"bytes"
	"context"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gridinspect/gridinspect/internal/phonesim"
)

// TestSimulatorAgainstGridd runs a small day of three phones against the
// real server over a faulty link, and expects the verdict OK.
func TestSimulatorAgainstGridd(t *testing.T) {
	line, _ := simulateOK(t, "--devices", "3", "--reports-per-device", "8", "--patrols-per-device", "2",
		"--photos-per-report", "1", "--batch", "4", "--fault-rate", "0.5", "--gzip", "--seed", "7", "--timeout", "90s")
	for _, fault := range []string{"cut-pushes=0 ", "cut-uploads=0 "} {
		if strings.Contains(line, fault) {
			t.Errorf("no fault of a kind injected at --fault-rate 0.5: %s", fault)
		}
	}
}

// TestSimulatorStaysUnderGriddsDefaultPerUserLimit runs the simulator as
// the README shows it, against gridd with its default flags, with no
// faults injected: enough calls as one account (the supervisor's checks)
// to pass gridd's per-user burst, and not one retry, because the phones
// pace their calls and upload chunks under the limit.
func TestSimulatorStaysUnderGriddsDefaultPerUserLimit(t *testing.T) {
	line, problems := simulateOK(t, "--devices", "3", "--reports-per-device", "30", "--patrols-per-device", "2",
		"--fault-rate", "0", "--seed", "5", "--timeout", "90s", "--verbose")
	if !strings.Contains(line, " retries=0 ") {
		t.Errorf("retries without faults injected: %s\n%s", line, problems)
	}
}

// simulateOK runs gridsim with args against a fresh gridd started with
// its default flags, fails the test unless the verdict is OK, and returns
// the verdict line and what gridsim wrote to stderr.
func simulateOK(t *testing.T, args ...string) (line, stderr string) {
	t.Helper()
	dir := t.TempDir()
	g := startGridd(t, filepath.Join(dir, "data"), "127.0.0.1:0")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out, errs bytes.Buffer
	code := run(ctx, append([]string{"--server", g.addr}, args...), &out, &errs)
	line = strings.TrimSpace(out.String())
	t.Log(line)
	if code != 0 || !strings.HasPrefix(line, "gridsim: OK ") {
		t.Fatalf("exit %d, verdict %q; problems:\n%s\ngridd's log:\n%s", code, line, errs.String(),
			tail(filepath.Join(dir, "gridd.log")))
	}
	return line, errs.String()
}

// TestSimulatorSurvivesSIGKILL is the crash test of the sync issue: phones
// sync a busy night while the server is killed with SIGKILL at random
// moments, at least three times, and restarted on the same data folder and
// port; once the phones have retried, nothing acknowledged is missing,
// nothing is duplicated, and the database passes its integrity check.
func TestSimulatorSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("kills and restarts the server several times")
	}
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	addr := freeLoopbackAddr(t)
	g := startGridd(t, data, addr)

	cfg, err := parseFlags([]string{
		"--server", addr, "--devices", "6", "--reports-per-device", "20", "--patrols-per-device", "3",
		"--photos-per-report", "1", "--batch", "5", "--fault-rate", "0.2", "--seed", "11", "--timeout", "3m",
	}, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	var problems bytes.Buffer
	cfg.stderr = &problems // written under the tally's lock, read once the run is over
	cfg.progress = &phonesim.Progress{}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	done := make(chan *phonesim.Result, 1)
	go func() {
		r, err := simulate(ctx, cfg)
		if err != nil {
			t.Error(err)
		}
		done <- r
	}()

	// Kill at random points of the sync: six cuts spread over it, each
	// somewhere in its own stretch of the work.
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 0))
	const kills = 6
	var at []float64
	for i := range kills {
		at = append(at, (float64(i)+0.15+0.7*rng.Float64())/(kills+0.5))
	}
	slices.Sort(at)
	killed, duringPush := 0, 0
	var verdict *phonesim.Result
wait:
	for _, frac := range at {
		for {
			select {
			case verdict = <-done:
				break wait
			case <-time.After(time.Millisecond):
			}
			total, doneN := cfg.progress.Total(), cfg.progress.Done()
			if total > 0 && float64(doneN) >= frac*float64(total) {
				break
			}
		}
		time.Sleep(time.Duration(rng.Int64N(int64(10 * time.Millisecond))))
		pushing, uploading := cfg.progress.Pushing(), cfg.progress.Uploading()
		g.kill()
		killed++
		duringPush += min(int(pushing), 1)
		t.Logf("SIGKILL %d at %d of %d acknowledged, %d phones pushing, %d uploading photos",
			killed, cfg.progress.Done(), cfg.progress.Total(), pushing, uploading)
		if got := integrityCheck(t, copyDatabase(t, data), false); got != "ok" {
			t.Errorf("integrity_check after SIGKILL %d = %q", killed, got)
		}
		time.Sleep(time.Duration(rng.Int64N(int64(300 * time.Millisecond)))) // phones meet a closed port
		g = startGridd(t, data, addr)
	}
	if verdict == nil {
		verdict = <-done
	}
	if verdict == nil {
		t.Fatal("no verdict")
	}
	line := verdict.Line()
	t.Logf("%s (SIGKILLs: %d, %d of them while phones pushed)", line, killed, duringPush)
	g.stop()
	if killed < 3 {
		t.Errorf("the server was killed %d times during the sync, want at least 3 (the sync ended too soon)", killed)
	}
	if !verdict.OK() {
		t.Errorf("verdict %s; problems:\n%s\ngridd's log:\n%s", line, problems.String(), tail(filepath.Join(dir, "gridd.log")))
	}
	if n := verdict.Missing; n != 0 {
		t.Errorf("%d acknowledged items missing after the crashes", n)
	}
	if n := verdict.Duplicated; n != 0 {
		t.Errorf("%d items duplicated after the crashes", n)
	}
	if got := integrityCheck(t, filepath.Join(data, "gridinspect.db"), true); got != "ok" {
		t.Errorf("integrity_check after the final stop = %q", got)
	}
}
