package store

import (
	"context"
	"database/sql"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/gridinspect/gridinspect"
)

// naiveSeqEnv set makes TestChanges_ACursorNeverSkipsAChangeCommittedLate
// run on a PostgreSQL sequence with no lock, to show it failing: what the
// street's counter row is for.
const naiveSeqEnv = "GRIDINSPECT_NAIVE_SEQ"

// TestChanges_ACursorNeverSkipsAChangeCommittedLate forces the race of
// several servers on one PostgreSQL database: server A takes the next
// change number and has not committed; server B takes the one after and
// commits; a phone pulls in between; then A commits. The phone's next pull
// must still bring A's change. With the street's counter row, B waits for
// A (its number comes after A's commit), so nothing is skipped; with a
// plain sequence (the subtest "a sequence", or every subtest when
// GRIDINSPECT_NAIVE_SEQ is set) the pull in between moves the cursor past
// A's number before A commits, and A's change is never pulled.
func TestChanges_ACursorNeverSkipsAChangeCommittedLate(t *testing.T) {
	onlyOn(t, "postgres") // SQLite has one writer: numbers are handed out in commit order
	naive := os.Getenv(naiveSeqEnv) != ""
	t.Run("the street's counter row", func(t *testing.T) {
		if skipped := raceTwoServers(t, naive); len(skipped) > 0 {
			t.Errorf("the phone never pulled %v: its cursor skipped a change committed late", skipped)
		}
	})
	t.Run("a sequence, without it, skips", func(t *testing.T) {
		if skipped := raceTwoServers(t, true); len(skipped) == 0 {
			t.Error("with a plain sequence nothing was skipped: the test does not force the race")
		}
	})
}

// raceTwoServers runs the race on a new database and returns the changes
// the phone never pulled. naive replaces the street's counter with a
// sequence and drops the writers' lock of the street.
func raceTwoServers(t *testing.T, naive bool) (skipped []string) {
	a := MustOpenDB(t)
	mustStreet(t, a)
	s1 := mustCreateSubject(t, a, newSubject("张三家"))
	s2 := newSubject("李四家")
	s2.Location = inB
	s2 = mustCreateSubject(t, a, s2)
	// Server B: a second DB on the same database, as another process.
	opened, err := openTestStore(t, a.Path(), Options{Now: a.clock.Now, Logger: slog.New(slog.DiscardHandler),
		PasswordParams: testPasswordParams})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { opened.Close(context.Background()) }) //nolint:errcheck // test cleanup
	b := &testDB{DB: opened, clock: a.clock}
	if naive {
		raw, err := sql.Open("pgx", a.Path())
		if err != nil {
			t.Fatal(err)
		}
		defer raw.Close()
		for _, stmt := range []string{
			"CREATE SEQUENCE changes_naive_seq",
			"SELECT setval('changes_naive_seq', (SELECT max(seq) FROM changes))",
			"ALTER TABLE changes ALTER COLUMN seq SET DEFAULT nextval('changes_naive_seq')",
			"ALTER TABLE changes DISABLE TRIGGER changes_seq",
		} {
			if _, err := raw.Exec(stmt); err != nil {
				t.Fatalf("%s: %v", stmt, err)
			}
		}
		// Set between writes: the writers are idle.
		a.wconn.naiveSeq, b.wconn.naiveSeq = true, true
	}

	phone := as(admin())
	cur := ""
	pulled := map[string]bool{}
	pull := func() {
		for _, p := range pullToEnd(t, a, phone, cur, gridinspect.PullLimits{}) {
			for _, k := range p.keys {
				pulled[k] = true
			}
			cur = p.cursor
		}
	}
	pull() // the phone is up to date
	clear(pulled)

	// Server A numbers a change of s1, and waits.
	aNumbered, releaseA, aDone := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		aDone <- a.Write(context.Background(), func(tx *Tx) error {
			if err := recordChange(tx, "subject", s1.ID, gridA); err != nil {
				return err
			}
			// Numbered now: not held to be sent with the COMMIT (pipeline.go).
			if err := tx.sendHeld(); err != nil {
				return err
			}
			close(aNumbered)
			<-releaseA
			return nil
		})
	}()
	select {
	case <-aNumbered:
	case err := <-aDone:
		t.Fatalf("server A's write: %v", err)
	}
	// Server B numbers a change of s2 and commits, unless it has to wait
	// for A.
	bDone := make(chan error, 1)
	go func() {
		bDone <- b.Write(context.Background(), func(tx *Tx) error {
			return recordChange(tx, "subject", s2.ID, gridB)
		})
	}()
	bCommitted := false
	select {
	case err := <-bDone:
		if err != nil {
			t.Fatalf("server B's write: %v", err)
		}
		bCommitted = true
	case <-time.After(500 * time.Millisecond): // B waits for A
	}
	pull() // the phone pulls in between
	close(releaseA)
	if err := <-aDone; err != nil {
		t.Fatalf("server A's write: %v", err)
	}
	if !bCommitted {
		if err := <-bDone; err != nil {
			t.Fatalf("server B's write: %v", err)
		}
	}
	pull()
	for _, want := range []string{"subject " + s1.ID, "subject " + s2.ID} {
		if !pulled[want] {
			skipped = append(skipped, want)
		}
	}
	return skipped
}
