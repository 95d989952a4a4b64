package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/gridinspect/gridinspect"
	"github.com/gridinspect/gridinspect/internal/pgtest"
)

// TestPostgreSQLAway_CallsAnswerUnavailableAndServeAgainOnceItIsBack:
// while PostgreSQL is stopped (-m immediate: every connection cut) a
// read, a write and a token's check answer EUNAVAILABLE, "retry later",
// not EINTERNAL; once it is back, the same calls succeed, on new
// connections, with no restart of the store.
func TestPostgreSQLAway_CallsAnswerUnavailableAndServeAgainOnceItIsBack(t *testing.T) {
	onlyOn(t, "postgres")
	// A cluster of its own, since it is the one stopped.
	pg, err := pgtest.Start("synchronous_commit=on")
	pgtest.Require(t, err)
	t.Cleanup(pg.Stop)
	url, err := pg.CreateDatabase("")
	if err != nil {
		t.Fatal(err)
	}
	testPhotos.Store(url, t.TempDir())
	db := mustOpenAt(t, url, &testClock{now: t0})
	mustStreet(t, db)
	mustCreateUser(t, db, newUser("wang", gridA))
	token := mustLogin(t, db, "wang", testPassword).Token
	before := mustSubmit(t, db, as(admin()), newReport(inA))

	calls := []struct {
		name string
		call func() error
	}{
		{"read a report", func() error {
			_, err := db.GetReport(as(admin()), before.ID)
			return err
		}},
		{"list reports", func() error {
			_, _, err := db.ListReports(as(admin()), gridinspect.ReportFilter{PageSize: 10})
			return err
		}},
		{"submit a report", func() error {
			_, _, err := db.SubmitReport(as(admin()), newReport(inA))
			return err
		}},
		{"write through the writer", func() error {
			return db.Write(context.Background(), func(tx *Tx) error {
				_, err := tx.Exec("INSERT INTO meta (key, value) VALUES (?, '') ON CONFLICT DO NOTHING", newID())
				return err
			})
		}},
		{"check a token", func() error {
			_, err := db.Authenticate(context.Background(), token)
			return err
		}},
	}

	pg.StopImmediate()
	for _, c := range calls {
		// Twice: the first finds the pooled connections cut, the second
		// finds no server to connect to.
		for attempt := 1; attempt <= 2; attempt++ {
			err := c.call()
			if code := gridinspect.ErrorCode(err); code != gridinspect.EUNAVAILABLE {
				t.Errorf("PostgreSQL stopped: %s (attempt %d): code %q (%v), want %q", c.name, attempt, code, err, gridinspect.EUNAVAILABLE)
			}
		}
	}

	if err := pg.Restart(); err != nil {
		t.Fatal(err)
	}
	for _, c := range calls {
		// A client retries what was unavailable; every answer until it
		// succeeds must say so.
		deadline := time.Now().Add(10 * time.Second)
		for {
			err := c.call()
			if err == nil {
				break
			}
			if code := gridinspect.ErrorCode(err); code != gridinspect.EUNAVAILABLE {
				t.Errorf("PostgreSQL back: %s: code %q (%v), want success or %q", c.name, code, err, gridinspect.EUNAVAILABLE)
				break
			}
			if time.Now().After(deadline) {
				t.Errorf("PostgreSQL back: %s still fails after 10 s: %v", c.name, err)
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}

// TestUnavailable_OnlyALostConnectionBeforeCommitIsRetryLater: the errors
// of a lost connection become EUNAVAILABLE; a statement's own failure
// stays what it was, and so does a commit whose outcome is unknown.
func TestUnavailable_OnlyALostConnectionBeforeCommitIsRetryLater(t *testing.T) {
	for _, tt := range []struct {
		name string
		err  error
		want error
	}{
		{"pgx found the connection closed", fmt.Errorf("store: begin read: %w", pgconn.ErrConnClosed), errDatabaseAway},
		{"the server is shutting down", &pgconn.PgError{Code: "57P01"}, errDatabaseAway},
		{"the server crashed", &pgconn.PgError{Code: "57P02"}, errDatabaseAway},
		{"the server is starting", &pgconn.PgError{Code: "57P03"}, errDatabaseAway},
		{"a connection exception", &pgconn.PgError{Code: "08006"}, errDatabaseAway},
		{"database/sql's bad connection", driver.ErrBadConn, errDatabaseAway},
		{"a connection reset", &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}, errDatabaseAway},
		{"a unique violation is the statement's", &pgconn.PgError{Code: "23505"}, nil},
		{"a commit of unknown outcome stays so", errStateUnknown, errStateUnknown},
		{"a domain error stays", errNotWritten, errNotWritten},
		{"a cancelled call stays", context.Canceled, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := unavailable(tt.err)
			var e *gridinspect.Error
			errors.As(got, &e)
			switch {
			case tt.want == nil && e != nil:
				t.Errorf("unavailable(%v) = %v, want it unchanged", tt.err, got)
			case tt.want != nil && e != tt.want:
				t.Errorf("unavailable(%v) = %v, want %v", tt.err, got, tt.want)
			case !errors.Is(got, tt.err):
				t.Errorf("unavailable(%v) = %v, which lost the cause", tt.err, got)
			}
		})
	}
}
