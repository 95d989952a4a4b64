//go:build unix

package crashtest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// gate holds the phones' calls while the test looks at the database
// after a restart: while it is shut, every new call waits at it.
type gate struct {
	mu sync.Mutex
	ch chan struct{} // closed = open
}

func newGate() *gate {
	ch := make(chan struct{})
	close(ch)
	return &gate{ch: ch}
}

func (g *gate) wait(ctx context.Context) error {
	g.mu.Lock()
	ch := g.ch
	g.mu.Unlock()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// shut makes new calls wait; calls already on the wire go on.
func (g *gate) shut() {
	g.mu.Lock()
	defer g.mu.Unlock()
	select {
	case <-g.ch:
		g.ch = make(chan struct{})
	default:
	}
}

func (g *gate) open() {
	g.mu.Lock()
	defer g.mu.Unlock()
	select {
	case <-g.ch:
	default:
		close(g.ch)
	}
}

// fleet is what the phones share: the server's address, the history,
// the gate, and counters the test reads while they run.
type fleet struct {
	// addrs are the servers' addresses: one gridd, or several on one
	// PostgreSQL database, each phone starting on one of them and moving
	// to the next when a call fails on its side.
	addrs []string
	seed  uint64
	hist  *history
	gate  *gate
	// photos, when set, has the submitters upload photos of reports and
	// records them.
	photos *photoBook

	// stopNew tells the phones to make no new ids, only to get what they
	// hold acknowledged, and then to return.
	stopNew atomic.Bool

	// Calls on the wire now, by kind; writes (SubmitReport, Push) by
	// server too.
	submitting, pushing, other atomic.Int32
	writing                    []atomic.Int32

	// Counted over the run; moves are phones gone to another server
	// after a failed call.
	calls, transient, relogins, retryResults, twins, moves atomic.Int64
	// serverErrors are INTERNAL and UNKNOWN answers; the first few are
	// kept.
	serverErrors atomic.Int64
	errMu        sync.Mutex
	errSamples   []string
}

func newFleet(seed uint64, addrs ...string) *fleet {
	return &fleet{addrs: addrs, seed: seed, hist: newHistory(), gate: newGate(), writing: make([]atomic.Int32, len(addrs))}
}

func (f *fleet) serverError(what string, err error) {
	f.serverErrors.Add(1)
	f.errMu.Lock()
	defer f.errMu.Unlock()
	if len(f.errSamples) < 10 {
		f.errSamples = append(f.errSamples, fmt.Sprintf("%s: %v", what, err))
	}
}

// serverErrorSamples returns the first few INTERNAL and UNKNOWN answers.
func (f *fleet) serverErrorSamples() []string {
	f.errMu.Lock()
	defer f.errMu.Unlock()
	return slices.Clone(f.errSamples)
}

// inFlight returns the calls on the wire now.
func (f *fleet) inFlight() (submits, pushes, others int32) {
	return f.submitting.Load(), f.pushing.Load(), f.other.Load()
}

// waitBusy waits until a phone's SubmitReport or Push is on the wire, or
// at most max, and returns how long it waited.
func (f *fleet) waitBusy(ctx context.Context, max time.Duration) time.Duration {
	began := time.Now()
	for time.Since(began) < max && ctx.Err() == nil {
		if submits, pushes, _ := f.inFlight(); submits+pushes > 0 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	return time.Since(began)
}

// writingOn returns how many SubmitReport and Push calls are on the wire
// to server i now.
func (f *fleet) writingOn(i int) int32 { return f.writing[i].Load() }
