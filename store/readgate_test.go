package store

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
)

// readersWaiting is how many readers wait for a read connection, whether
// at the gate or inside database/sql's pool (nothing is served while the
// tests below count, so the pool's cumulative count is its current one).
func readersWaiting(db *DB) int {
	return db.readGate.queued() + int(db.reader.Stats().WaitCount)
}

// openWithReaders opens a database whose read pool has n connections.
func openWithReaders(t *testing.T, n int) *DB {
	t.Helper()
	db, err := openTestStore(t, filepath.Join(t.TempDir(), "gridinspect.db"), Options{Now: (&testClock{now: t0}).Now,
		Logger: slog.New(slog.DiscardHandler), PasswordParams: testPasswordParams, MaxReaders: n})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close(context.Background()) }) //nolint:errcheck // test cleanup
	return db
}

// holdReader starts a read that keeps its connection until the returned
// func is called.
func holdReader(t *testing.T, db *DB) (release func()) {
	t.Helper()
	started, hold := make(chan struct{}), make(chan struct{})
	go db.Read(context.Background(), func(*sql.Tx) error { //nolint:errcheck // nothing to fail
		close(started)
		<-hold
		return nil
	})
	<-started
	return func() { close(hold) }
}

// waitForWaiting yields until n readers wait.
func waitForWaiting(db *DB, n int) {
	for readersWaiting(db) < n {
		runtime.Gosched()
	}
}

// Desks refreshing during a storm must not see a tail far from the
// median: a reader that waits for a connection is served before any
// reader that came after it. database/sql alone hands a freed connection
// to a random waiter.
func TestReadersWaitingForAConnectionAreServedInArrivalOrder(t *testing.T) {
	const waiters = 16
	db := openWithReaders(t, 1)
	release := holdReader(t, db)

	served := make(chan int, waiters)
	for i := range waiters {
		go func() {
			err := db.Read(context.Background(), func(*sql.Tx) error {
				served <- i
				return nil
			})
			if err != nil {
				t.Error(err)
			}
		}()
		waitForWaiting(db, i+1)
	}
	release()
	var order []int
	for range waiters {
		order = append(order, <-served)
	}
	want := make([]int, waiters)
	for i := range want {
		want[i] = i
	}
	if !slices.Equal(order, want) {
		t.Errorf("readers served in order %v, want arrival order %v", order, want)
	}
}

// A reader that gives up while it waits leaves the queue and is not
// given a connection; those behind it still are, in order.
func TestReaderGivingUpWhileWaitingLeavesTheQueue(t *testing.T) {
	db := openWithReaders(t, 1)
	release := holdReader(t, db)

	ctx, cancel := context.WithCancel(context.Background())
	gaveUp := make(chan error, 1)
	go func() {
		gaveUp <- db.Read(ctx, func(*sql.Tx) error {
			t.Error("a reader that gave up was served")
			return nil
		})
	}()
	waitForWaiting(db, 1)
	served := make(chan struct{})
	go func() {
		db.Read(context.Background(), func(*sql.Tx) error { close(served); return nil }) //nolint:errcheck // checked by served
	}()
	waitForWaiting(db, 2)
	cancel()
	if err := <-gaveUp; !errors.Is(err, context.Canceled) {
		t.Errorf("Read after giving up = %v, want context.Canceled", err)
	}
	release()
	<-served
	// Every turn came back: as many readers as the pool holds get in at once.
	release = holdReader(t, db)
	release()
}
