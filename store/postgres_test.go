package store

import (
	"context"
	"database/sql"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/gridinspect/gridinspect"
	"github.com/gridinspect/gridinspect/internal/pgtest"
)

// TestOpen_TwoServersStartingTogetherOnANewPostgreSQLDatabaseMigrateOnce:
// the migrations run under an advisory lock, so two servers opening an
// empty database at once both start, on one schema, with one instance id.
func TestOpen_TwoServersStartingTogetherOnANewPostgreSQLDatabaseMigrateOnce(t *testing.T) {
	onlyOn(t, "postgres")
	url, err := pgtest.MainCluster().CreateDatabase("")
	if err != nil {
		t.Fatal(err)
	}
	photos := filepath.Join(t.TempDir(), "photos")
	var (
		wg   sync.WaitGroup
		dbs  [2]*DB
		errs [2]error
	)
	for i := range dbs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dbs[i], errs[i] = OpenURL(url, Options{Logger: slog.New(slog.DiscardHandler), PhotoDir: photos})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("open %d: %v", i, err)
		}
		t.Cleanup(func() { dbs[i].Close(context.Background()) }) //nolint:errcheck // test cleanup
	}
	if dbs[0].InstanceID() != dbs[1].InstanceID() {
		t.Errorf("instance ids %s and %s, want one", dbs[0].InstanceID(), dbs[1].InstanceID())
	}
	ms, err := loadMigrationsFrom(pgMigrations, "migrations/postgres")
	if err != nil {
		t.Fatal(err)
	}
	var applied, distinct int
	err = dbs[1].Read(context.Background(), func(tx *sql.Tx) error {
		return tx.QueryRow("SELECT count(*), count(DISTINCT version) FROM schema_migrations").Scan(&applied, &distinct)
	})
	if err != nil {
		t.Fatal(err)
	}
	if applied != len(ms) || distinct != len(ms) {
		t.Errorf("schema_migrations holds %d rows (%d versions), want %d", applied, distinct, len(ms))
	}
}

// TestWrite_CarriesOnAfterItsPostgreSQLConnectionIsLost: the writer's
// connection ends (PostgreSQL restarted, a network cut, an operator's
// pg_terminate_backend) while it is idle; the writer takes a new one, and
// the next write succeeds.
func TestWrite_CarriesOnAfterItsPostgreSQLConnectionIsLost(t *testing.T) {
	onlyOn(t, "postgres")
	db := MustOpenDB(t)
	mustStreet(t, db)
	var pid int
	if err := db.Write(context.Background(), func(tx *Tx) error {
		return tx.QueryRow("SELECT pg_backend_pid()").Scan(&pid)
	}); err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("pgx", db.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec("SELECT pg_terminate_backend($1)", pid); err != nil {
		t.Fatal(err)
	}
	// Nothing was under way: the next write begins on a new connection.
	mustSubmit(t, db, as(admin()), newReport(inA))
	mustSubmit(t, db, as(admin()), newReport(inA))
}

// TestPlacement_AGridCreatedThroughAnotherServerPlacesTheNextReport:
// each server keeps the grids' boundaries in memory to place reports; a
// grid created through another server must place the next report.
func TestPlacement_AGridCreatedThroughAnotherServerPlacesTheNextReport(t *testing.T) {
	onlyOn(t, "postgres")
	a := MustOpenDB(t)
	mustStreet(t, a)
	opened, err := openTestStore(t, a.Path(), Options{Now: a.clock.Now, Logger: slog.New(slog.DiscardHandler),
		PasswordParams: testPasswordParams})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { opened.Close(context.Background()) }) //nolint:errcheck // test cleanup
	b := &testDB{DB: opened, clock: a.clock}
	mustSubmit(t, b, as(admin()), newReport(inA)) // b has the grids in memory
	hill := mustCreateGrid(t, a, &gridinspect.Grid{ID: newID(), Name: "山村", Kind: gridinspect.GridKindVillage,
		Boundary: square(29.60, 106.60, 29.61, 106.61)})
	got := mustSubmit(t, b, as(admin()), newReport(inNone))
	if got.GridID != hill.ID {
		t.Errorf("report placed in grid %q, want %s, created through the other server", got.GridID, hill.ID)
	}
}

// TestBackup_OnPostgreSQLSaysToUsePgDump: gridctl backup copies a SQLite
// database; on PostgreSQL the admin is told what backs it up instead.
func TestBackup_OnPostgreSQLSaysToUsePgDump(t *testing.T) {
	onlyOn(t, "postgres")
	db := MustOpenDB(t)
	_, err := db.Backup(as(admin()), io.Discard)
	if e := wantCode(t, err, gridinspect.EPRECONDITION); !strings.Contains(e.Message, "pg_dump") {
		t.Errorf("message %q, want it to name pg_dump", e.Message)
	}
	_, err = db.Backup(as(worker(gridA)), io.Discard)
	wantCode(t, err, gridinspect.EFORBIDDEN)
}

// secondServer opens another DB on a's database, as a second server would.
func secondServer(t *testing.T, a *testDB) *testDB {
	t.Helper()
	opened, err := openTestStore(t, a.Path(), Options{Now: a.clock.Now, Logger: slog.New(slog.DiscardHandler),
		PasswordParams: testPasswordParams})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { opened.Close(context.Background()) }) //nolint:errcheck // test cleanup
	return &testDB{DB: opened, clock: a.clock}
}
