package store

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/gridinspect/gridinspect"
)

// holdWriter occupies the writer with a write that waits until the
// returned release is called, so that a test can queue writes behind it
// and see how the writer groups them. It counts commits, not time.
func holdWriter(tb testing.TB, db *DB) (release func()) {
	tb.Helper()
	started, unblock, done := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		done <- db.Write(context.Background(), func(tx *Tx) error {
			close(started)
			<-unblock
			return nil
		})
	}()
	<-started
	return func() {
		close(unblock)
		if err := <-done; err != nil {
			tb.Errorf("holding write: %v", err)
		}
	}
}

func TestGroupCommit_100ConcurrentSubmitsCostAFewCommits(t *testing.T) {
	db := MustOpenDB(t)
	mustStreet(t, db)
	const n = 100
	release := holdWriter(t, db.DB)
	before := db.Commits()

	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, err := db.SubmitReport(as(worker(gridA)), newReport(inA))
			errs <- err
		}()
	}
	waitQueued(t, db.DB, n)
	release()
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	commits := db.Commits() - before
	t.Logf("%d concurrent submits: %d commits (including the holding write)", n, commits)
	if commits > 20 {
		t.Errorf("%d submits took %d commits, want at most 20", n, commits)
	}
	if got := count(t, db, "reports"); got != n {
		t.Errorf("%d reports stored, want %d", got, n)
	}
	if got := count(t, db, "changes"); got != n+2 { // and the two grids
		t.Errorf("%d change rows, want %d", got, n+2)
	}
}

// TestGroupCommit_FreeRunning measures without holding the writer: what
// queues during one commit's fsync forms the next group. It asserts only
// that nothing is lost; the log says how many commits it took.
func TestGroupCommit_FreeRunning(t *testing.T) {
	db := MustOpenDB(t)
	mustStreet(t, db)
	const n = 100
	before := db.Commits()
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, _, err := db.SubmitReport(as(worker(gridA)), newReport(inA)); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	t.Logf("%d concurrent submits, writer not held: %d commits", n, db.Commits()-before)
	if got := count(t, db, "reports"); got != n {
		t.Errorf("%d reports stored, want %d", got, n)
	}
}

func TestGroupCommit_FailingWritesDoNotFailTheirGroup(t *testing.T) {
	db := MustOpenDB(t)
	mustStreet(t, db)
	const n = 100
	if err := db.Write(context.Background(), func(tx *Tx) error {
		_, err := tx.Exec("INSERT INTO meta (key, value) VALUES ('counter', '0')")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	release := holdWriter(t, db.DB)
	before := db.Commits()

	type result struct {
		bad bool
		err error
	}
	results := make(chan result, n+3)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := newReport(inA)
			bad := i%10 == 0
			if bad {
				r.GridID = newID() // unknown: refused inside the transaction
			}
			_, _, err := db.SubmitReport(as(admin()), r)
			results <- result{bad, err}
		}()
	}
	// A write that fails after writing, and one that panics, in the same
	// group: their rows must go, the others' must stay. The group is run
	// again after a failure: a write that counts must count once.
	errBoom := errors.New("boom")
	wg.Add(3)
	go func() {
		defer wg.Done()
		err := db.Write(context.Background(), func(tx *Tx) error {
			_, err := tx.Exec("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'counter'")
			return err
		})
		if err != nil {
			t.Errorf("counting write: %v", err)
		}
	}()
	go func() {
		defer wg.Done()
		err := db.Write(context.Background(), func(tx *Tx) error {
			if _, err := tx.Exec("INSERT INTO meta (key, value) VALUES ('failed', 'x')"); err != nil {
				return err
			}
			return errBoom
		})
		if !errors.Is(err, errBoom) {
			t.Errorf("failing write: err = %v, want its own error", err)
		}
	}()
	go func() {
		defer wg.Done()
		err := db.Write(context.Background(), func(tx *Tx) error {
			if _, err := tx.Exec("INSERT INTO meta (key, value) VALUES ('panicked', 'x')"); err != nil {
				return err
			}
			panic("write gone wrong")
		})
		if err == nil || gridinspect.ErrorCode(err) != gridinspect.EINTERNAL {
			t.Errorf("panicking write: err = %v, want an internal error", err)
		}
	}()
	waitQueued(t, db.DB, n+3)
	release()
	wg.Wait()
	close(results)
	var counter string
	if err := db.reader.QueryRow("SELECT value FROM meta WHERE key = 'counter'").Scan(&counter); err != nil {
		t.Fatal(err)
	}
	if counter != "1" {
		t.Errorf("counter = %s after one counting write, want 1", counter)
	}

	for r := range results {
		switch {
		case r.bad:
			wantField(t, r.err, "report.grid_id")
		case r.err != nil:
			t.Errorf("a good submit failed with its group: %v", r.err)
		}
	}
	if got := count(t, db, "reports"); got != n-n/10 {
		t.Errorf("%d reports stored, want %d", got, n-n/10)
	}
	if got := count(t, db, "meta WHERE key IN ('failed', 'panicked')"); got != 0 {
		t.Errorf("%d meta rows of failed writes, want 0: a failed write's row survived", got)
	}
	if commits := db.Commits() - before; commits > 20 {
		t.Errorf("%d commits, want at most 20", commits)
	}
}

func TestWrite_CommitFailureIsStateUnknown(t *testing.T) {
	db := MustOpenDB(t)
	mustStreet(t, db)
	// A deferred foreign key violation passes its savepoint and fails the
	// COMMIT: every write of that group must hear "state unknown". On
	// PostgreSQL a deferred constraint trigger does the same.
	failAtCommit := []string{"PRAGMA defer_foreign_keys = ON", `INSERT INTO subjects (id, kind, name, grid_id, content_hash, created_at)
		VALUES ('s', 1, 'n', 'no such grid', 'h', 0)`}
	if testEngine == postgres {
		mustExec(t, db, `CREATE FUNCTION fail_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
			BEGIN RAISE EXCEPTION 'fails at commit'; END $$`,
			`CREATE CONSTRAINT TRIGGER fail_at_commit AFTER INSERT ON meta DEFERRABLE INITIALLY DEFERRED
			FOR EACH ROW WHEN (NEW.key = 'fail at commit') EXECUTE FUNCTION fail_at_commit()`)
		failAtCommit = []string{"INSERT INTO meta (key, value) VALUES ('fail at commit', '')"}
	}
	release := holdWriter(t, db.DB)

	var wg sync.WaitGroup
	errs := make(chan error, 2)
	wg.Add(2)
	go func() {
		defer wg.Done()
		_, _, err := db.SubmitReport(as(admin()), newReport(inA))
		errs <- err
	}()
	go func() {
		defer wg.Done()
		errs <- db.Write(context.Background(), func(tx *Tx) error {
			for _, stmt := range failAtCommit {
				if _, err := tx.Exec(stmt); err != nil {
					return err
				}
			}
			return nil
		})
	}()
	waitQueued(t, db.DB, 2)
	release()
	wg.Wait()
	close(errs)
	for err := range errs {
		e := wantCode(t, err, gridinspect.EUNAVAILABLE)
		if e != errStateUnknown {
			t.Errorf("err = %v, want %v", err, errStateUnknown)
		}
	}
	if got := count(t, db, "reports"); got != 0 {
		t.Errorf("%d reports after a failed commit, want 0", got)
	}
	// The writer carries on.
	mustSubmit(t, db, as(admin()), newReport(inA))
}

func TestWrite_SkipsWhenTheCallerHasGivenUp(t *testing.T) {
	db := MustOpenDB(t)
	release := holdWriter(t, db.DB)
	ctx, cancel := context.WithCancel(context.Background())
	ran := false
	done := make(chan error, 1)
	go func() {
		done <- db.Write(ctx, func(tx *Tx) error {
			ran = true
			return nil
		})
	}()
	waitQueued(t, db.DB, 1)
	cancel()
	release()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if ran {
		t.Fatal("the write ran although its caller had given up")
	}
}

func TestWrite_AfterCommitRunsOnlyForCommittedWrites(t *testing.T) {
	db := MustOpenDB(t)
	var committed, failed bool
	if err := db.Write(context.Background(), func(tx *Tx) error {
		tx.AfterCommit(func() { committed = true })
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	_ = db.Write(context.Background(), func(tx *Tx) error {
		tx.AfterCommit(func() { failed = true })
		return errors.New("no")
	})
	if !committed || failed {
		t.Fatalf("hooks ran: committed %v, failed %v; want true, false", committed, failed)
	}
}

func TestWrite_OneNowPerGroup(t *testing.T) {
	db := MustOpenDB(t)
	release := holdWriter(t, db.DB)
	const n = 10
	nows := make(chan int64, n)
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = db.Write(context.Background(), func(tx *Tx) error {
				db.clock.Add(1) // the clock moves; the group's time does not
				nows <- tx.Now.UnixNano()
				return nil
			})
		}()
	}
	waitQueued(t, db.DB, n)
	release()
	wg.Wait()
	close(nows)
	first := <-nows
	for now := range nows {
		if now != first {
			t.Fatalf("Now differs within a group: %d and %d", first, now)
		}
	}
}
