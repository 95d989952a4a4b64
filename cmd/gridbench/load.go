package main

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
)

// The load generator: a closed loop of N callers, each making one call
// after another as fast as the server answers, spread over a small pool
// of connections as a fleet of phones behind a few gateways would be. A
// step runs for warm-up + duration; only calls that start after the
// warm-up and end before the duration is over count, so the figures are
// of the steady state.

// maxConns bounds the connections of a step: min(callers, maxConns).
const maxConns = 4

// loadStep is one measured step: calls/s and latencies.
type loadStep struct {
	Callers  int
	Calls    int // calls that started and ended inside the measured window
	Errors   int // calls that failed (anywhere in the step)
	FirstErr error
	Elapsed  time.Duration // the measured window
	P50, P99 time.Duration
}

// PerSecond is the throughput of the step.
func (s loadStep) PerSecond() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.Calls) / s.Elapsed.Seconds()
}

// runLoad runs call from callers goroutines over conns for warmup +
// duration. call gets the connection to use and the caller's number.
func runLoad(ctx context.Context, conns []*grpc.ClientConn, callers int, warmup, duration time.Duration,
	call func(ctx context.Context, conn *grpc.ClientConn, caller int) error) loadStep {
	start := time.Now()
	from, until := start.Add(warmup), start.Add(warmup+duration)
	var errors atomic.Int64
	var firstErr atomic.Value
	lat := make([][]time.Duration, callers)
	var wg sync.WaitGroup
	for c := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			conn := conns[c%len(conns)]
			mine := make([]time.Duration, 0, 4096)
			for {
				t0 := time.Now()
				if !t0.Before(until) || ctx.Err() != nil {
					break
				}
				err := call(ctx, conn, c)
				t1 := time.Now()
				if err != nil {
					if errors.Add(1) == 1 {
						firstErr.Store(err)
					}
					continue
				}
				if !t0.Before(from) && !t1.After(until) {
					mine = append(mine, t1.Sub(t0))
				}
			}
			lat[c] = mine
		}()
	}
	wg.Wait()
	step := loadStep{Callers: callers, Errors: int(errors.Load()), Elapsed: duration}
	if e, ok := firstErr.Load().(error); ok {
		step.FirstErr = e
	}
	all := slices.Concat(lat...)
	step.Calls = len(all)
	step.P50, step.P99, _ = percentiles(all)
	return step
}

// percentiles returns the median, 99th percentile and maximum of d,
// sorting it.
func percentiles(d []time.Duration) (p50, p99, maxd time.Duration) {
	if len(d) == 0 {
		return 0, 0, 0
	}
	slices.Sort(d)
	at := func(q float64) time.Duration {
		i := int(q*float64(len(d))+0.5) - 1
		return d[min(max(i, 0), len(d)-1)]
	}
	return at(0.50), at(0.99), d[len(d)-1]
}

// dialPool opens n connections to addr with the options given.
func dialPool(addr string, n int, opts ...grpc.DialOption) ([]*grpc.ClientConn, func(), error) {
	var conns []*grpc.ClientConn
	closeAll := func() {
		for _, c := range conns {
			_ = c.Close()
		}
	}
	for range n {
		c, err := grpc.NewClient(addr, opts...)
		if err != nil {
			closeAll()
			return nil, nil, fmt.Errorf("dial %s: %w", addr, err)
		}
		c.Connect()
		conns = append(conns, c)
	}
	return conns, closeAll, nil
}
