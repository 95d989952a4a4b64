package main

import (
	"context"
	"fmt"
	"os"
	"runtime/pprof"
	"time"

	"google.golang.org/grpc"

	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
	"github.com/gridinspect/gridinspect/store"
)

// The submit phase: SubmitReport against Echo on the same server, the
// same connections and the same token, at each concurrency. SubmitReport
// takes the whole path of a phone's report: the bearer token checked, the
// report validated and placed in its grid by its point, stored with its
// submission event and change row, and acknowledged only once the group
// commit it joined is on disk. Echo takes the same interceptors,
// authentication and transport, and does nothing.

// submitRow is one concurrency of the submit phase.
type submitRow struct {
	Callers            int
	Echo, Submit       loadStep
	EchoRSS, SubmitRSS int64
}

// Ratio is SubmitReport's calls/s over Echo's.
func (r submitRow) Ratio() float64 {
	if r.Echo.PerSecond() == 0 {
		return 0
	}
	return r.Submit.PerSecond() / r.Echo.PerSecond()
}

// submitPhase measures SubmitReport and Echo on t, logged in as the
// worker of d's first grid, at every --concurrency.
func (b *bench) submitPhase(ctx context.Context, t *target, d *dataset) error {
	conn, closeConn, err := dialPool(t.addr, 1, dialOptions()...)
	if err != nil {
		return err
	}
	defer closeConn()
	authed, err := login(ctx, conn[0], b.workerName(d), b.password(d), "gridbench-submit-"+newID())
	if err != nil {
		return err
	}
	where, _, err := gridArea(authed, conn[0])
	if err != nil {
		return err
	}
	payload := make([]byte, b.cfg.payload)
	for i := range payload {
		payload[i] = byte('a' + i%26)
	}
	echo := func(ctx context.Context, c *grpc.ClientConn, _ int) error {
		_, err := pb.NewAdminServiceClient(c).Echo(ctx, &pb.EchoRequest{Payload: payload})
		return err
	}
	submit := func(ctx context.Context, c *grpc.ClientConn, _ int) error {
		_, err := pb.NewReportServiceClient(c).SubmitReport(ctx, &pb.SubmitReportRequest{Report: newHazard(where, b.cfg.observedIn)})
		return err
	}
	highest := 0
	for _, n := range b.cfg.concurrency {
		highest = max(highest, n)
	}
	for _, n := range b.cfg.concurrency {
		conns, closeConns, err := dialPool(t.addr, min(n, maxConns), dialOptions()...)
		if err != nil {
			return err
		}
		row := submitRow{Callers: n}
		b.logf("submit: %d callers over %d connections: echo", n, len(conns))
		w := watchMemory(t.pid)
		row.Echo = runLoad(authed, conns, n, b.cfg.warmup, b.cfg.duration, echo)
		row.EchoRSS = w.peak()
		b.logf("submit: %d callers: SubmitReport", n)
		stopProfile, err := b.profile(fmt.Sprintf("submit-%d", n), n == highest)
		if err != nil {
			closeConns()
			return err
		}
		w = watchMemory(t.pid)
		before := writerStats(t)
		started := time.Now()
		row.Submit = runLoad(authed, conns, n, b.cfg.warmup, b.cfg.duration, submit)
		row.SubmitRSS = w.peak()
		if t.writer != nil {
			d := writerStats(t)
			elapsed := time.Since(started)
			writes, commits, busy := d.Writes-before.Writes, d.Commits-before.Commits, d.Busy-before.Busy
			b.logf("submit: %d callers: the writer was busy %.0f%% of the step, %.1f µs a write, %.1f writes a commit",
				n, 100*busy.Seconds()/elapsed.Seconds(), float64(busy.Microseconds())/float64(max(writes, 1)),
				float64(writes)/float64(max(commits, 1)))
		}
		stopProfile()
		closeConns()
		for _, s := range []loadStep{row.Echo, row.Submit} {
			if s.Errors > 0 {
				b.note(fmt.Sprintf("submit phase, %d callers: %d calls failed; the first: %v", n, s.Errors, s.FirstErr))
			}
		}
		b.logf("submit: %d callers: echo %.0f/s, submit %.0f/s (%.2f), p99 %v", n, row.Echo.PerSecond(),
			row.Submit.PerSecond(), row.Ratio(), row.Submit.P99)
		b.res.Submit = append(b.res.Submit, row)
	}
	return nil
}

// writerStats returns the in-process store's writer statistics, or zero.
func writerStats(t *target) store.WriterStats {
	if t.writer == nil {
		return store.WriterStats{}
	}
	return t.writer()
}

// profile starts a CPU profile of gridbench named for step if --cpuprofile
// asked for one and want is set, and returns the function that stops it.
// With --in-process the profile holds the server's work (and the load
// generator's, which pprof's -focus or -ignore sets apart).
func (b *bench) profile(step string, want bool) (stop func(), err error) {
	if b.cfg.cpuprofile == "" || !want {
		return func() {}, nil
	}
	path := fmt.Sprintf("%s-%s.pprof", b.cfg.cpuprofile, step)
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			b.note("cpu profile " + path + ": " + err.Error())
			return
		}
		b.logf("wrote the CPU profile %s", path)
	}, nil
}
