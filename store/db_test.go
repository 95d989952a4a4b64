package store

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/gridinspect/gridinspect"
)

// Test helpers that read like the spec, and the tests of the DB's
// lifecycle.

// t0 is the server time tests start at.
var t0 = time.Date(2025, 3, 14, 9, 30, 0, 0, time.UTC)

// testClock is a server clock the test moves by hand.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// testPasswordParams make password hashes cheap, so that tests which
// create users and log in stay fast.
var testPasswordParams = gridinspect.PasswordParams{MemoryKiB: 64, Time: 1, Threads: 1}

// testDB is an open DB in a temporary folder, with its clock.
type testDB struct {
	*DB
	clock *testClock
}

// MustOpenDB opens a new database in a temporary folder, with a clock at
// t0; it is closed when the test ends.
func MustOpenDB(tb testing.TB) *testDB {
	tb.Helper()
	return mustOpenAt(tb, filepath.Join(tb.TempDir(), "gridinspect.db"), &testClock{now: t0})
}

func mustOpenAt(tb testing.TB, path string, clock *testClock) *testDB {
	tb.Helper()
	db, err := openTestStore(tb, path, Options{Now: clock.Now, Logger: slog.New(slog.DiscardHandler), PasswordParams: testPasswordParams})
	if err != nil {
		tb.Fatalf("open %s: %v", path, err)
	}
	tb.Cleanup(func() {
		if err := db.Close(context.Background()); err != nil {
			tb.Errorf("close: %v", err)
		}
	})
	return &testDB{DB: db, clock: clock}
}

// mustReopen closes db and opens the same file again.
func mustReopen(tb testing.TB, db *testDB) *testDB {
	tb.Helper()
	if err := db.Close(context.Background()); err != nil {
		tb.Fatalf("close: %v", err)
	}
	return mustOpenAt(tb, db.Path(), db.clock)
}

func newID() string { return uuid.Must(uuid.NewV7()).String() }

// Actors.
var (
	adminID      = "0195a0c0-0000-7000-8000-00000000a001"
	supervisorID = "0195a0c0-0000-7000-8000-00000000a002"
	workerID     = "0195a0c0-0000-7000-8000-00000000a003"
)

func admin() *gridinspect.Actor {
	return &gridinspect.Actor{UserID: adminID, Username: "admin", Role: gridinspect.RoleAdmin, AllGrids: true}
}

func supervisor(grids ...string) *gridinspect.Actor {
	return &gridinspect.Actor{UserID: supervisorID, Username: "sup", Role: gridinspect.RoleSupervisor,
		GridIDs: grids, AllGrids: len(grids) == 0}
}

func worker(grids ...string) *gridinspect.Actor {
	return &gridinspect.Actor{UserID: workerID, Username: "worker", Role: gridinspect.RoleWorker, GridIDs: grids}
}

func as(a *gridinspect.Actor) context.Context {
	return gridinspect.NewContext(context.Background(), a)
}

// The test street: two square grids side by side sharing the meridian
// 106.51, and a point in neither.
const (
	gridA = "0195a0c0-0000-7000-8000-0000000000aa"
	gridB = "0195a0c0-0000-7000-8000-0000000000bb"
)

var (
	inA    = gridinspect.Location{Lat: 29.505, Lng: 106.505, AccuracyMeters: 8, Address: "东街 1 号"}
	inB    = gridinspect.Location{Lat: 29.505, Lng: 106.515, AccuracyMeters: 8, Address: "西街 2 号"}
	inNone = gridinspect.Location{Lat: 29.605, Lng: 106.605, AccuracyMeters: 8, Address: "山上"}
)

func square(lat0, lng0, lat1, lng1 float64) gridinspect.Boundary {
	return gridinspect.Boundary{{{
		{Lat: lat0, Lng: lng0}, {Lat: lat0, Lng: lng1}, {Lat: lat1, Lng: lng1}, {Lat: lat1, Lng: lng0}, {Lat: lat0, Lng: lng0},
	}}}
}

// mustStreet creates grids A and B.
func mustStreet(tb testing.TB, db *testDB) {
	tb.Helper()
	mustCreateGrid(tb, db, &gridinspect.Grid{ID: gridA, Name: "东村", Kind: gridinspect.GridKindVillage,
		Boundary: square(29.50, 106.50, 29.51, 106.51)})
	mustCreateGrid(tb, db, &gridinspect.Grid{ID: gridB, Name: "西社区", Kind: gridinspect.GridKindCommunity,
		Boundary: square(29.50, 106.51, 29.51, 106.52)})
}

func mustCreateGrid(tb testing.TB, db *testDB, g *gridinspect.Grid) *gridinspect.Grid {
	tb.Helper()
	got, err := db.CreateGrid(as(admin()), g)
	if err != nil {
		tb.Fatalf("create grid %s: %v", g.Name, err)
	}
	return got
}

func mustCreateSubject(tb testing.TB, db *testDB, s *gridinspect.Subject) *gridinspect.Subject {
	tb.Helper()
	got, err := db.CreateSubject(as(admin()), s)
	if err != nil {
		tb.Fatalf("create subject %s: %v", s.Name, err)
	}
	return got
}

// newSubject returns a valid household in grid A.
func newSubject(name string) *gridinspect.Subject {
	return &gridinspect.Subject{ID: newID(), Kind: gridinspect.SubjectKindHousehold, Name: name, Location: inA}
}

// newReport returns a valid safety hazard at loc, observed an hour ago.
func newReport(loc gridinspect.Location) *gridinspect.Report {
	return &gridinspect.Report{
		ID:          newID(),
		Category:    gridinspect.CategorySafetyHazard,
		Severity:    gridinspect.SeverityGeneral,
		Description: "电动车楼道充电",
		Location:    loc,
		ObservedAt:  t0.Add(-time.Hour),
		Details:     gridinspect.Details{SafetyHazard: &gridinspect.SafetyHazardDetails{HazardKind: 1, PlaceKind: 2}},
	}
}

func mustSubmit(tb testing.TB, db *testDB, ctx context.Context, r *gridinspect.Report) *gridinspect.Report {
	tb.Helper()
	got, dup, err := db.SubmitReport(ctx, r)
	if err != nil {
		tb.Fatalf("submit report: %v", err)
	}
	if dup {
		tb.Fatalf("submit report %s: duplicate = true, want false", r.ID)
	}
	return got
}

// count returns the number of rows of a table.
func count(tb testing.TB, db *testDB, table string) int {
	tb.Helper()
	var n int
	err := db.Read(context.Background(), func(tx *sql.Tx) error {
		return tx.QueryRow("SELECT count(*) FROM " + table).Scan(&n)
	})
	if err != nil {
		tb.Fatalf("count %s: %v", table, err)
	}
	return n
}

// wantCode fails unless err is a domain error with code.
func wantCode(tb testing.TB, err error, code string) *gridinspect.Error {
	tb.Helper()
	var e *gridinspect.Error
	if !errors.As(err, &e) {
		tb.Fatalf("err = %v, want a *gridinspect.Error with code %s", err, code)
	}
	if e.Code != code {
		tb.Fatalf("code = %s (%v), want %s", e.Code, err, code)
	}
	return e
}

// wantField fails unless err is EINVALID naming field.
func wantField(tb testing.TB, err error, field string) {
	tb.Helper()
	e := wantCode(tb, err, gridinspect.EINVALID)
	for _, f := range e.Fields {
		if f.Field == field {
			return
		}
	}
	tb.Fatalf("fields = %+v, want one for %s", e.Fields, field)
}

func TestOpen_WALAndPragmasOnEveryConnection(t *testing.T) {
	onlyOn(t, "sqlite")
	db := MustOpenDB(t)
	// Hold several read connections at once so that the pool must open
	// more than one, and check each.
	const n = 3
	var wg sync.WaitGroup
	hold := make(chan struct{})
	errs := make(chan error, n)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- db.Read(context.Background(), func(tx *sql.Tx) error {
				var mode string
				var fk, busy int
				if err := tx.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil {
					return err
				}
				if err := tx.QueryRow("PRAGMA foreign_keys").Scan(&fk); err != nil {
					return err
				}
				if err := tx.QueryRow("PRAGMA busy_timeout").Scan(&busy); err != nil {
					return err
				}
				<-hold
				if mode != "wal" || fk != 1 || busy != 5000 {
					return errors.New("pragmas: journal_mode=" + mode)
				}
				return nil
			})
		}()
	}
	close(hold)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	err := db.Write(context.Background(), func(tx *Tx) error {
		var sync int
		if err := tx.QueryRow("PRAGMA synchronous").Scan(&sync); err != nil {
			return err
		}
		if sync != 2 { // FULL
			return errors.New("synchronous is not FULL")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestOpen_RefusesMemoryAndURIs(t *testing.T) {
	onlyOn(t, "sqlite")
	for _, path := range []string{"", ":memory:", "file:x.db", filepath.Join(t.TempDir(), "a.db?mode=memory")} {
		if db, err := Open(path, Options{}); err == nil {
			db.Close(context.Background())
			t.Errorf("Open(%q) succeeded, want an error", path)
		}
	}
}

func TestOpen_OneProcessAtATime(t *testing.T) {
	onlyOn(t, "sqlite") // on PostgreSQL several servers share a database
	db := MustOpenDB(t)
	// A second DB on the same file stands for a second process: flock
	// locks are per open file, so it is refused just the same.
	second, err := Open(db.Path(), Options{Logger: slog.New(slog.DiscardHandler)})
	if err == nil {
		second.Close(context.Background())
		t.Fatal("a second Open of an open database succeeded")
	}
	if !strings.Contains(err.Error(), "in use by another process") {
		t.Errorf("err = %v, want it to say the database is in use", err)
	}
	// Once closed, the database opens again.
	mustReopen(t, db)
}

func TestOpen_RemovesWhatAnInterruptedBackupLeft(t *testing.T) {
	onlyOn(t, "sqlite")
	db := MustOpenDB(t)
	dir := filepath.Dir(db.Path())
	left := filepath.Join(dir, backupFolderPrefix+"123456")
	if err := os.MkdirAll(left, 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(left, DatabaseFile), []byte("half a snapshot"), 0o600); err != nil {
		t.Fatal(err)
	}
	mustReopen(t, db)
	if _, err := os.Stat(left); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the leftover %s is still there (%v)", left, err)
	}
}

func TestRead_CannotWrite(t *testing.T) {
	db := MustOpenDB(t)
	err := db.Read(context.Background(), func(tx *sql.Tx) error {
		_, err := tx.Exec("INSERT INTO meta (key, value) VALUES ('x', 'y')")
		return err
	})
	if err == nil {
		t.Fatal("insert through Read succeeded, want an error (query_only)")
	}
}

func TestRestartDurability(t *testing.T) {
	db := MustOpenDB(t)
	mustStreet(t, db)
	subj := mustCreateSubject(t, db, newSubject("张三家"))
	var reports []*gridinspect.Report
	for range 5 {
		r := newReport(inA)
		r.SubjectID = subj.ID
		reports = append(reports, mustSubmit(t, db, as(admin()), r))
	}
	patrol := mustSubmitPatrol(t, db, as(admin()), newPatrol())
	instance := db.InstanceID()

	db = mustReopen(t, db)
	if db.InstanceID() != instance {
		t.Errorf("instance id = %s after reopen, want %s", db.InstanceID(), instance)
	}
	for _, want := range reports {
		got, err := db.GetReport(as(admin()), want.ID)
		if err != nil {
			t.Fatalf("get report after reopen: %v", err)
		}
		assertEqual(t, got, want)
	}
	file, err := db.GetSubject(as(admin()), subj.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(file.Reports) != 5 || len(file.Patrols) != 0 {
		t.Errorf("subject file has %d reports and %d patrols, want 5 and 0", len(file.Reports), len(file.Patrols))
	}
	patrols, _, err := db.ListPatrols(as(admin()), gridinspect.PatrolFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(patrols) != 1 {
		t.Fatalf("got %d patrols after reopen, want 1", len(patrols))
	}
	assertEqual(t, patrols[0], patrol)
	grids, _, err := db.ListGrids(as(admin()), 0, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(grids) != 2 {
		t.Fatalf("got %d grids after reopen, want 2", len(grids))
	}
	// The cache of grids is rebuilt: placement works after a restart.
	mustSubmit(t, db, as(admin()), newReport(inB))
}

func TestClose_FinishesQueuedWritesThenRefuses(t *testing.T) {
	db := MustOpenDB(t)
	mustStreet(t, db)
	release := make(chan struct{})
	started := make(chan struct{})
	blocked := make(chan error, 1)
	go func() {
		blocked <- db.Write(context.Background(), func(tx *Tx) error {
			close(started)
			<-release
			return nil
		})
	}()
	<-started
	const n = 5
	results := make(chan error, n)
	for range n {
		go func() {
			_, _, err := db.SubmitReport(as(admin()), newReport(inA))
			results <- err
		}()
	}
	waitQueued(t, db.DB, n)
	closed := make(chan error, 1)
	go func() { closed <- db.Close(context.Background()) }()
	close(release)
	if err := <-blocked; err != nil {
		t.Fatal(err)
	}
	for range n {
		if err := <-results; err != nil {
			t.Errorf("queued submit: %v", err)
		}
	}
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	err := db.Write(context.Background(), func(*Tx) error { return nil })
	wantCode(t, err, gridinspect.EUNAVAILABLE)
}

// waitQueued waits until n writes are queued for the writer.
func waitQueued(tb testing.TB, db *DB, n int) {
	tb.Helper()
	for len(db.queue) < n {
		time.Sleep(time.Millisecond)
	}
}
