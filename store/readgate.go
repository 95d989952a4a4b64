package store

import (
	"context"
	"sync"
)

// readGate admits readers to the read pool first come, first served, at
// most as many at a time as the pool has connections, so that no reader
// waits inside database/sql. Its pool hands a freed connection to a
// random waiter (connRequestSet.TakeRandom), so under load one reader can
// be passed over again and again: with 128 callers on 4 connections the
// p99 was 6× the median. Behind this gate every admitted reader finds a
// free connection, and the wait is the queue ahead of it, nothing more.
type readGate struct {
	mu      sync.Mutex
	free    int
	waiters []chan struct{} // in arrival order
}

func newReadGate(n int) *readGate { return &readGate{free: n} }

// acquire waits for a turn, or for ctx to end.
func (g *readGate) acquire(ctx context.Context) error {
	g.mu.Lock()
	if g.free > 0 && len(g.waiters) == 0 {
		g.free--
		g.mu.Unlock()
		return nil
	}
	turn := make(chan struct{})
	g.waiters = append(g.waiters, turn)
	g.mu.Unlock()

	select {
	case <-turn:
		return nil
	case <-ctx.Done():
		g.mu.Lock()
		for i, w := range g.waiters {
			if w == turn {
				g.waiters = append(g.waiters[:i], g.waiters[i+1:]...)
				g.mu.Unlock()
				return ctx.Err()
			}
		}
		g.mu.Unlock()
		// The turn was given just as ctx ended: pass it on.
		g.release()
		return ctx.Err()
	}
}

// release ends a turn, handing it to the longest waiter.
func (g *readGate) release() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.waiters) > 0 {
		turn := g.waiters[0]
		g.waiters[0] = nil
		g.waiters = g.waiters[1:]
		close(turn)
		return
	}
	g.free++
}

// queued is how many readers wait for a turn.
func (g *readGate) queued() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.waiters)
}
