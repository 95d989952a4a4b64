package demo

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"math"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	gi "github.com/gridinspect/gridinspect"
	"github.com/gridinspect/gridinspect/internal/holidays"
	"github.com/gridinspect/gridinspect/store"
)

// The tests of Seed run it against the real store, in a database in a
// temporary folder, and read what it made back through the services.

// testNow is well after the demo's half-year, as a real clock is.
var testNow = time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)

// testPageSize is small, so that every listing the tests make spans
// several pages.
const testPageSize = 7

// testClock is the store's clock, moved by hand.
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

// testStore is an open store with its clock.
type testStore struct {
	*store.DB
	clock *testClock
}

// Services returns the store as Seed takes it.
func (s *testStore) Services() Services {
	return Services{Directory: s.DB, Reports: s.DB, Users: s.DB, Settings: s.DB, Routing: s.DB, Schedules: s.DB, Calendar: s.DB,
		Rectification: s.DB}
}

// mustOpen opens a new store in a temporary folder with the demo's rules
// and cheap password hashing; it is closed when the test ends.
func mustOpen(t *testing.T) *testStore {
	t.Helper()
	return mustOpenWith(t, Rules(gi.DefaultRules))
}

func mustOpenWith(t *testing.T, rules gi.Rules) *testStore {
	t.Helper()
	clock := &testClock{now: testNow}
	db, err := store.Open(filepath.Join(t.TempDir(), "demo.db"), store.Options{
		Rules:          rules,
		Now:            clock.Now,
		PasswordParams: gi.PasswordParams{MemoryKiB: 64, Time: 1, Threads: 1},
		Logger:         slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() {
		if err := db.Close(context.Background()); err != nil {
			t.Errorf("close store: %v", err)
		}
	})
	return &testStore{DB: db, clock: clock}
}

// adminContext carries an admin whose scope is the whole street, as gridd
// passes its system actor.
func adminContext() context.Context {
	return gi.NewContext(context.Background(), gi.SystemActor())
}

// mustSeed seeds s at its clock's time and fails the test on error.
func mustSeed(t *testing.T, s *testStore) Stats {
	t.Helper()
	st, err := Seed(adminContext(), s.Services(), s.clock.Now())
	if err != nil {
		t.Fatalf("Seed: %v", err)
	}
	return st
}

// street is what a store holds, read back through the services as an
// admin.
type street struct {
	grids     []*gi.Grid // in the office's order, as ListGrids gives them
	gridByID  map[string]*gi.Grid
	subjects  map[string]*gi.Subject
	reports   map[string]*gi.Report
	patrols   map[string]*gi.Patrol
	users     map[string]*gi.User // by username
	userByID  map[string]*gi.User
	nUsers    int
	nSubjects int
	nReports  int
	nPatrols  int
}

// stats counts what st holds.
func (st *street) stats() Stats {
	return Stats{Grids: len(st.grids), Users: st.nUsers, Subjects: st.nSubjects, Reports: st.nReports, Patrols: st.nPatrols}
}

// listAll pages through a listing, failing the test on error or on a
// listing that does not end.
func listAll[T any](t *testing.T, what string, list func(token string) ([]T, string, error)) []T {
	t.Helper()
	var all []T
	token := ""
	for range 1000 {
		page, next, err := list(token)
		if err != nil {
			t.Fatalf("list %s: %v", what, err)
		}
		all = append(all, page...)
		if next == "" {
			return all
		}
		token = next
	}
	t.Fatalf("list %s: more than 1000 pages", what)
	return nil
}

// read reads everything s holds back through the services.
func read(t *testing.T, s *testStore) *street {
	t.Helper()
	ctx := adminContext()
	st := &street{
		gridByID: map[string]*gi.Grid{}, subjects: map[string]*gi.Subject{},
		reports: map[string]*gi.Report{}, patrols: map[string]*gi.Patrol{},
		users: map[string]*gi.User{}, userByID: map[string]*gi.User{},
	}
	st.grids = listAll(t, "grids", func(tok string) ([]*gi.Grid, string, error) {
		return s.ListGrids(ctx, testPageSize, tok)
	})
	for _, g := range st.grids {
		st.gridByID[g.ID] = g
	}
	subjects := listAll(t, "subjects", func(tok string) ([]*gi.Subject, string, error) {
		return s.ListSubjects(ctx, gi.SubjectFilter{PageSize: testPageSize, PageToken: tok})
	})
	for _, x := range subjects {
		st.subjects[x.ID] = x
	}
	reports := listAll(t, "reports", func(tok string) ([]*gi.Report, string, error) {
		return s.ListReports(ctx, gi.ReportFilter{PageSize: testPageSize, PageToken: tok})
	})
	for _, x := range reports {
		st.reports[x.ID] = x
	}
	patrols := listAll(t, "patrols", func(tok string) ([]*gi.Patrol, string, error) {
		return s.ListPatrols(ctx, gi.PatrolFilter{PageSize: testPageSize, PageToken: tok})
	})
	for _, x := range patrols {
		st.patrols[x.ID] = x
	}
	users := listAll(t, "users", func(tok string) ([]*gi.User, string, error) {
		return s.ListUsers(ctx, gi.UserFilter{PageSize: testPageSize, PageToken: tok})
	})
	for _, u := range users {
		st.users[u.Username] = u
		st.userByID[u.ID] = u
	}
	// A listing that gave an object twice would hide behind the maps.
	st.nSubjects, st.nReports, st.nPatrols, st.nUsers = len(subjects), len(reports), len(patrols), len(users)
	for what, n := range map[string][2]int{
		"subjects": {len(subjects), len(st.subjects)}, "reports": {len(reports), len(st.reports)},
		"patrols": {len(patrols), len(st.patrols)}, "users": {len(users), len(st.users)},
	} {
		if n[0] != n[1] {
			t.Errorf("listing %s gave %d rows for %d objects", what, n[0], n[1])
		}
	}
	return st
}

// rowCounts counts the rows of every table Seed writes to, so a test can
// tell that a run wrote nothing at all (not even an event or a change).
func rowCounts(t *testing.T, s *testStore) map[string]int {
	t.Helper()
	counts := map[string]int{}
	err := s.Read(context.Background(), func(tx *sql.Tx) error {
		for _, table := range []string{"grids", "subjects", "reports", "events", "patrols", "changes", "users", "user_grids", "tokens", "routing_rules", "patrol_schedules"} {
			var n int
			if err := tx.QueryRow("SELECT count(*) FROM " + table).Scan(&n); err != nil {
				return fmt.Errorf("count %s: %w", table, err)
			}
			counts[table] = n
		}
		return nil
	})
	if err != nil {
		t.Fatalf("count rows: %v", err)
	}
	return counts
}

// wantStats is what a seeded street holds.
var wantStats = Stats{Grids: 10, Users: 11, Subjects: len(subjectSpecs), Reports: len(reportSpecs), Patrols: len(patrolSpecs)}

func TestSeed_CreatesTheStreet(t *testing.T) {
	s := mustOpen(t)
	st := mustSeed(t, s)
	if st != wantStats {
		t.Fatalf("Stats = %+v, want %+v", st, wantStats)
	}
	if got := read(t, s).stats(); got != wantStats {
		t.Errorf("stored %+v, want %+v", got, wantStats)
	}
	// The brief's sizes: about 30 subjects, 40 reports, 15 patrols.
	if st.Subjects < 25 || st.Reports < 35 || st.Patrols < 12 {
		t.Errorf("Stats = %+v; the demo street is thinner than intended", st)
	}
}

func TestSeed_IsIdempotent(t *testing.T) {
	s := mustOpen(t)
	first := mustSeed(t, s)
	rows := rowCounts(t, s)
	before := read(t, s)

	// A day later the server restarts with --demo.
	s.clock.Add(24 * time.Hour)
	second := mustSeed(t, s)
	if second != first {
		t.Errorf("second Stats = %+v, want %+v", second, first)
	}
	if after := rowCounts(t, s); !reflect.DeepEqual(after, rows) {
		t.Errorf("second run changed row counts from %v to %v", rows, after)
	}
	if after := read(t, s); !reflect.DeepEqual(after, before) {
		t.Error("second run changed stored objects")
	}
}

func TestSeed_LeavesEditedAccountsAlone(t *testing.T) {
	s := mustOpen(t)
	first := mustSeed(t, s)
	ctx := adminContext()
	st := read(t, s)
	grids := Grids()

	// An admin moves worker03 to the fourth grid, makes the supervisor a
	// supervisor of one grid only, and disables worker05.
	w3 := st.users["worker03"]
	moved := []string{grids[3].ID}
	if _, err := s.UpdateUser(ctx, w3.ID, gi.UserUpdate{GridIDs: &moved}); err != nil {
		t.Fatalf("move worker03: %v", err)
	}
	sup := st.users["supervisor"]
	one, no := []string{grids[0].ID}, false
	if _, err := s.UpdateUser(ctx, sup.ID, gi.UserUpdate{GridIDs: &one, AllGrids: &no}); err != nil {
		t.Fatalf("narrow supervisor: %v", err)
	}
	if _, err := s.DisableUser(ctx, st.users["worker05"].ID); err != nil {
		t.Fatalf("disable worker05: %v", err)
	}
	rows := rowCounts(t, s)
	before := read(t, s)

	// The server restarts with --demo: nothing is changed back, and the
	// cases of worker03's and worker05's grids are found again.
	s.clock.Add(time.Hour)
	if second := mustSeed(t, s); second != first {
		t.Errorf("second Stats = %+v, want %+v", second, first)
	}
	if after := rowCounts(t, s); !reflect.DeepEqual(after, rows) {
		t.Errorf("second run changed row counts from %v to %v", rows, after)
	}
	after := read(t, s)
	if !reflect.DeepEqual(after, before) {
		t.Error("second run changed stored objects")
	}
	if got := after.users["worker03"].GridIDs; !slices.Equal(got, moved) {
		t.Errorf("worker03 grids = %v, want %v (the admin's edit)", got, moved)
	}
	if u := after.users["supervisor"]; u.AllGrids || !slices.Equal(u.GridIDs, one) {
		t.Errorf("supervisor: all grids %v, grids %v; want the admin's edit, grids %v", u.AllGrids, u.GridIDs, one)
	}
	if !after.users["worker05"].Disabled {
		t.Error("worker05 was enabled again")
	}
}

func TestSeed_AfterAnAdminMadeADemoUsername(t *testing.T) {
	s := mustOpen(t)
	ctx := adminContext()
	grids := Grids()
	for _, g := range grids {
		if _, err := s.CreateGrid(ctx, g); err != nil {
			t.Fatal(err)
		}
	}
	// Before the first --demo run, an admin made worker02 for someone
	// working in the first grid, with a password of their own.
	own, err := s.CreateUser(ctx, &gi.User{
		Username: "worker02", DisplayName: "另一位网格员", Role: gi.RoleWorker, GridIDs: []string{grids[0].ID},
	}, "a password of their own")
	if err != nil {
		t.Fatalf("create worker02: %v", err)
	}

	if st := mustSeed(t, s); st != wantStats {
		t.Errorf("Stats = %+v, want %+v", st, wantStats)
	}
	st := read(t, s)
	if got := st.users["worker02"]; !reflect.DeepEqual(got, own) {
		t.Errorf("worker02 = %+v, want the admin's %+v", got, own)
	}
	// worker02 cannot submit in the second grid, so its cases are the
	// admin's; the other grids' are their workers'.
	n := 0
	for _, r := range st.reports {
		switch {
		case r.GridID != grids[1].ID:
		case r.ReporterID != gi.SystemUserID:
			t.Errorf("report %s in %s: reporter %s, want the seeding admin", r.Description, grids[1].Name, r.ReporterID)
		default:
			n++
		}
	}
	if n == 0 {
		t.Errorf("no report in %s; the test tests nothing", grids[1].Name)
	}
}

func TestSeed_PassesErrorsOn(t *testing.T) {
	s := mustOpen(t)
	_, err := Seed(context.Background(), s.Services(), testNow) // no actor
	if got := gi.ErrorCode(err); got != gi.EUNAUTHENTICATED {
		t.Fatalf("ErrorCode = %q (%v), want %q", got, err, gi.EUNAUTHENTICATED)
	}
}

func TestSeed_RefusesAClockBeforeTheHalfYear(t *testing.T) {
	s := mustOpen(t)
	empty := rowCounts(t, s)
	early := time.Date(2024, 6, 30, 12, 0, 0, 0, time.UTC)
	if _, err := Seed(adminContext(), s.Services(), early); err == nil {
		t.Fatal("Seed at 2024-06-30 succeeded; its cases would lie in the future")
	}
	if got := rowCounts(t, s); !reflect.DeepEqual(got, empty) {
		t.Errorf("rows %v before refusing, want %v", got, empty)
	}
}

func TestSeed_SaysSoWhenTheStoreRefusesThePassword(t *testing.T) {
	s := mustOpenWith(t, gi.DefaultRules) // 8 characters at least
	_, err := Seed(adminContext(), s.Services(), testNow)
	if got := gi.ErrorCode(err); got != gi.EINVALID {
		t.Fatalf("ErrorCode = %q (%v), want %q", got, err, gi.EINVALID)
	}
	if !strings.Contains(err.Error(), "demo password") || !strings.Contains(err.Error(), "demo.Rules") {
		t.Errorf("error %q does not say that the demo password was refused and what to do", err)
	}
	if n := rowCounts(t, s)["users"]; n != 0 {
		t.Errorf("%d users made", n)
	}
}

func TestSeed_Users(t *testing.T) {
	s := mustOpen(t)
	mustSeed(t, s)
	st := read(t, s)
	if len(st.users) != 11 {
		t.Errorf("%d users, want 11", len(st.users))
	}
	sup := st.users["supervisor"]
	switch {
	case sup == nil:
		t.Fatal("no supervisor")
	case sup.Role != gi.RoleSupervisor || !sup.AllGrids || len(sup.GridIDs) != 0:
		t.Errorf("supervisor: role %v, all grids %v, grids %v; want a supervisor of all grids", sup.Role, sup.AllGrids, sup.GridIDs)
	}
	names := map[string]bool{}
	for _, u := range st.users {
		if u.DisplayName == "" || names[u.DisplayName] {
			t.Errorf("user %s: display name %q is empty or repeats", u.Username, u.DisplayName)
		}
		names[u.DisplayName] = true
		if u.Disabled {
			t.Errorf("user %s is disabled", u.Username)
		}
	}
	for i, g := range Grids() {
		name := fmt.Sprintf("worker%02d", i+1)
		u := st.users[name]
		switch {
		case u == nil:
			t.Errorf("no %s", name)
		case u.Role != gi.RoleWorker || u.AllGrids || !slices.Equal(u.GridIDs, []string{g.ID}):
			t.Errorf("%s: role %v, all grids %v, grids %v; want a worker of %s only", name, u.Role, u.AllGrids, u.GridIDs, g.Name)
		case !strings.Contains(u.DisplayName, g.Name):
			t.Errorf("%s: display name %q does not name its grid %s", name, u.DisplayName, g.Name)
		}
	}

	// Every account logs in with the demo password, as the README says.
	ctx := context.Background()
	sess, err := s.Login(ctx, "worker03", Password, "test-phone")
	if err != nil {
		t.Fatalf("Login worker03: %v", err)
	}
	if sess.User.Username != "worker03" || !slices.Equal(sess.User.GridIDs, []string{Grids()[2].ID}) {
		t.Errorf("Login worker03: user %s of grids %v", sess.User.Username, sess.User.GridIDs)
	}
	a, err := s.Authenticate(ctx, sess.Token)
	if err != nil {
		t.Fatalf("Authenticate worker03's token: %v", err)
	}
	if a.UserID != st.users["worker03"].ID || !a.CanSeeGrid(Grids()[2].ID) || a.CanSeeGrid(Grids()[3].ID) {
		t.Errorf("worker03's token acts as %+v", a)
	}
	if _, err := s.Login(ctx, "supervisor", Password, "test-laptop"); err != nil {
		t.Errorf("Login supervisor: %v", err)
	}
	if _, err := s.Login(ctx, "worker03", Password+"x", "test-phone"); gi.ErrorCode(err) != gi.EUNAUTHENTICATED {
		t.Errorf("Login with a wrong password: %v, want %s", err, gi.EUNAUTHENTICATED)
	}
}

func TestSeed_WorkersReportInTheirGrids(t *testing.T) {
	s := mustOpen(t)
	mustSeed(t, s)
	st := read(t, s)
	workerOf := map[string]string{} // grid id → user id
	for i, g := range Grids() {
		workerOf[g.ID] = st.users[fmt.Sprintf("worker%02d", i+1)].ID
	}
	for _, rs := range reportSpecs {
		r := st.reports[reportID(rs)]
		if r == nil {
			t.Errorf("report %s not stored", rs.key)
			continue
		}
		if want := workerOf[gridID(rs.grid)]; r.ReporterID != want {
			t.Errorf("report %s: reporter %s (%s), want %s of its grid", rs.key, r.ReporterID, st.userByID[r.ReporterID].Username, want)
		}
	}
	for _, ps := range patrolSpecs {
		p := st.patrols[patrolID(ps.key)]
		if p == nil {
			t.Errorf("patrol %s not stored", ps.key)
			continue
		}
		if want := workerOf[gridID(ps.grid)]; p.ReporterID != want {
			t.Errorf("patrol %s: reporter %s, want %s of its grid", ps.key, p.ReporterID, want)
		}
	}
}

func TestSeed_StoredObjectsAreValid(t *testing.T) {
	s := mustOpen(t)
	mustSeed(t, s)
	st := read(t, s)
	r := gi.DefaultRules
	for _, g := range st.grids {
		if err := r.ValidateGrid(g); err != nil {
			t.Errorf("grid %s: %v", g.Name, err)
		}
	}
	for _, u := range st.users {
		if err := r.ValidateUser(u); err != nil {
			t.Errorf("user %s: %v", u.Username, err)
		}
	}
	for _, x := range st.subjects {
		if err := r.ValidateSubject(x); err != nil {
			t.Errorf("subject %s: %v", x.Name, err)
		}
	}
	for _, rep := range st.reports {
		if err := r.ValidateReport(rep); err != nil {
			t.Errorf("report %s: %v", rep.Description, err)
		}
		if rep.ClockSkewFlagged {
			t.Errorf("report %s: clock flagged", rep.Description)
		}
	}
	for _, p := range st.patrols {
		if err := r.ValidatePatrol(p); err != nil {
			t.Errorf("patrol %s: %v", p.Notes, err)
		}
		if p.ClockSkewFlagged {
			t.Errorf("patrol %s: clock flagged", p.Notes)
		}
	}
}

// gridsContaining returns the ids of the grids that contain p.
func gridsContaining(grids []*gi.Grid, p gi.LatLng) []string {
	var ids []string
	for _, g := range grids {
		if g.Boundary.Contains(p) {
			ids = append(ids, g.ID)
		}
	}
	return ids
}

// checkInGrid fails unless exactly one stored grid, gridID, contains p.
func checkInGrid(t *testing.T, st *street, what string, p gi.LatLng, gridID string) {
	t.Helper()
	got := gridsContaining(st.grids, p)
	if len(got) != 1 || got[0] != gridID {
		name := "an unknown grid"
		if g := st.gridByID[gridID]; g != nil {
			name = g.Name
		}
		t.Errorf("%s at (%.6f, %.6f): in grids %v, want only %s (%s)", what, p.Lat, p.Lng, got, gridID, name)
	}
}

func TestSeed_EverythingLiesInItsGrid(t *testing.T) {
	s := mustOpen(t)
	mustSeed(t, s)
	st := read(t, s)
	for _, x := range st.subjects {
		checkInGrid(t, st, "subject "+x.Name, x.Location.Point(), x.GridID)
	}
	specs := layout()
	for _, rs := range reportSpecs {
		rep := st.reports[reportID(rs)]
		if rep == nil {
			t.Errorf("report %s not stored", rs.key)
			continue
		}
		// This includes the reports sent without a grid: the store placed
		// them by their location, in the grid meant.
		if want := gridID(rs.grid); rep.GridID != want {
			t.Errorf("report %s (no grid given: %v): grid %s, want %s", rs.key, rs.noGrid, rep.GridID, want)
		}
		checkInGrid(t, st, "report "+rs.key, rep.Location.Point(), rep.GridID)
		// A point given in GCJ-02 or BD-09 must be stored where it was meant.
		want := reportPoint(specs, rs)
		if d := math.Max(math.Abs(rep.Location.Lat-want.Lat), math.Abs(rep.Location.Lng-want.Lng)); d > 1e-8 {
			t.Errorf("report %s (%v): stored %.1e° from where it was made", rs.key, rs.sys, d)
		}
		if rep.SubjectID != "" && st.subjects[rep.SubjectID].GridID != rep.GridID {
			t.Errorf("report %s: subject %s is in another grid", rs.key, st.subjects[rep.SubjectID].Name)
		}
	}
	for _, p := range st.patrols {
		if len(p.Track) < 2 {
			t.Errorf("patrol %s: %d track points", p.Notes, len(p.Track))
		}
		for i, pt := range p.Track {
			checkInGrid(t, st, fmt.Sprintf("patrol %s track[%d]", p.Notes, i), gi.LatLng{Lat: pt.Lat, Lng: pt.Lng}, p.GridID)
		}
		if p.SubjectID != "" && st.subjects[p.SubjectID].GridID != p.GridID {
			t.Errorf("patrol %s: subject %s is in another grid", p.Notes, st.subjects[p.SubjectID].Name)
		}
	}
}

func TestSeed_PatrolsAndReportsAgree(t *testing.T) {
	s := mustOpen(t)
	mustSeed(t, s)
	st := read(t, s)
	linked := 0
	for _, p := range st.patrols {
		if p.EndedAt.Sub(p.StartedAt) < 30*time.Minute {
			t.Errorf("patrol %s lasted %v", p.Notes, p.EndedAt.Sub(p.StartedAt))
		}
		for _, id := range p.ReportIDs {
			r := st.reports[id]
			switch {
			case r == nil:
				t.Errorf("patrol %s lists unknown report %s", p.Notes, id)
				continue
			case r.PatrolID != p.ID:
				t.Errorf("patrol %s lists report %s, which names patrol %s", p.Notes, r.Description, r.PatrolID)
			case r.GridID != p.GridID:
				t.Errorf("patrol %s lists report %s of another grid", p.Notes, r.Description)
			case r.ObservedAt.Before(p.StartedAt) || r.ObservedAt.After(p.EndedAt):
				t.Errorf("patrol %s (%v–%v) lists report %s observed at %v", p.Notes, p.StartedAt, p.EndedAt, r.Description, r.ObservedAt)
			}
			linked++
		}
	}
	for _, r := range st.reports {
		if r.PatrolID != "" && st.patrols[r.PatrolID] == nil {
			t.Errorf("report %s names unknown patrol %s", r.Description, r.PatrolID)
		}
	}
	if linked == 0 {
		t.Error("no patrol lists a report")
	}
}

func TestGrids_TileTheStreet(t *testing.T) {
	s := mustOpen(t)
	mustSeed(t, s)
	grids := read(t, s).grids // as stored, not as made

	// Every point of a fine lattice over the street lies in exactly one
	// grid. The lattice is offset by odd fractions so that no point falls
	// on a shared edge, where it would rightly count for both.
	const nLng, nLat = 150, 100
	for i := range nLng {
		for j := range nLat {
			p := gi.LatLng{
				Lat: streetSouth + (float64(j)+0.37)/nLat*(streetNorth-streetSouth),
				Lng: streetWest + (float64(i)+0.61)/nLng*(streetEast-streetWest),
			}
			if got := gridsContaining(grids, p); len(got) != 1 {
				t.Fatalf("(%.6f, %.6f) lies in %d grids, want 1", p.Lat, p.Lng, len(got))
			}
		}
	}
	// Just outside the rectangle (about 30 m) lies in none.
	const eps = 0.0003
	for k := range 200 {
		x := float64(k) / 199
		for _, p := range []gi.LatLng{
			{Lat: streetSouth - eps, Lng: streetWest + x*(streetEast-streetWest)},
			{Lat: streetNorth + eps, Lng: streetWest + x*(streetEast-streetWest)},
			{Lat: streetSouth + x*(streetNorth-streetSouth), Lng: streetWest - eps},
			{Lat: streetSouth + x*(streetNorth-streetSouth), Lng: streetEast + eps},
		} {
			if got := gridsContaining(grids, p); len(got) != 0 {
				t.Fatalf("(%.6f, %.6f), outside the street, lies in %d grids", p.Lat, p.Lng, len(got))
			}
		}
	}
	// And the areas add up: no slivers of overlap or gap hide between
	// lattice points.
	var sum float64
	for _, g := range grids {
		sum += ringArea(g.Boundary[0][0])
	}
	if want := (streetNorth - streetSouth) * (streetEast - streetWest); math.Abs(sum-want) > 1e-12 {
		t.Errorf("grids cover %.12f square degrees, the street %.12f", sum, want)
	}
}

func TestSeed_EveryKindOfCase(t *testing.T) {
	s := mustOpen(t)
	mustSeed(t, s)
	st := read(t, s)
	byCategory := map[gi.Category]int{}
	var major, onSpot, sandWashing, movedIn, farmland, occupiedDangerous, gridless, converted int
	places := map[int]bool{}
	for _, rs := range reportSpecs {
		r := st.reports[reportID(rs)]
		if r == nil {
			t.Errorf("report %s not stored", rs.key)
			continue
		}
		byCategory[r.Category]++
		if r.Severity == gi.SeverityMajor && r.Category == gi.CategorySafetyHazard {
			major++
		}
		if r.RectifiedOnSpot {
			onSpot++
			if r.Status != gi.StatusPendingVerification {
				t.Errorf("report %s rectified on the spot is %v", rs.key, r.Status)
			}
		}
		if d := r.Details.SafetyHazard; d != nil {
			places[d.PlaceKind] = true
		}
		if d := r.Details.PollutingEnterprise; d != nil {
			if d.Activity == activitySandWashing {
				sandWashing++
			}
			if d.MovedInFromOutside {
				movedIn++
			}
		}
		if d := r.Details.IllegalConstruction; d != nil && d.Land == landFarmland {
			farmland++
		}
		if d := r.Details.DangerousHouse; d != nil {
			if d.AppraisalGrade != houseGradeC && d.AppraisalGrade != houseGradeD {
				t.Errorf("dangerous house %s has grade %d", rs.key, d.AppraisalGrade)
			}
			if d.Occupied {
				occupiedDangerous++
			}
			if st.subjects[r.SubjectID].Kind != gi.SubjectKindHousehold {
				t.Errorf("dangerous house %s is not about a household", rs.key)
			}
		}
		if r.Category == gi.CategoryWaterSourceRisk && st.subjects[r.SubjectID].Kind != gi.SubjectKindWaterSource {
			t.Errorf("water-source risk %s is not about a water source", rs.key)
		}
		if rs.noGrid {
			gridless++
		}
		if orWGS84(rs.sys) != gi.CoordinateSystemWGS84 {
			converted++
		}
	}
	for c := gi.CategorySafetyHazard; c <= gi.CategoryOther; c++ {
		if byCategory[c] == 0 {
			t.Errorf("no %v report", c)
		}
	}
	for k := placeEnterprise; k <= placeOther; k++ {
		if !places[k] {
			t.Errorf("no safety hazard with place kind %d", k)
		}
	}
	for name, n := range map[string]int{
		"major safety hazards": major, "rectified on the spot": onSpot, "illegal sand washing": sandWashing,
		"moved in from outside": movedIn, "on farmland": farmland, "occupied dangerous houses": occupiedDangerous,
		"without a grid": gridless, "in GCJ-02 or BD-09": converted,
	} {
		if n < 2 {
			t.Errorf("%d reports %s, want a few", n, name)
		}
	}

	kinds := map[gi.PatrolKind]int{}
	waterSources := map[string]bool{}
	for _, p := range st.patrols {
		kinds[p.Kind]++
		if p.Kind == gi.PatrolKindWaterSource {
			waterSources[p.SubjectID] = true
		}
		if p.Kind == gi.PatrolKindSafety && (p.Participants < 2 || p.Participants > 6) {
			t.Errorf("safety inspection %s: %d participants, want 2–6", p.Notes, p.Participants)
		}
	}
	for k := gi.PatrolKindWaterSource; k <= gi.PatrolKindGeneral; k++ {
		if kinds[k] == 0 {
			t.Errorf("no patrol of kind %d", k)
		}
	}
	if len(waterSources) != 2 {
		t.Errorf("water-source patrols cover %d water sources, want both", len(waterSources))
	}
	t.Logf("reports by category: %v; patrols by kind: %v", byCategory, kinds)
}

// TestSeed_GridsInTheOfficesOrderAndNoticePrefixes: the street lists its
// villages, then its communities, west to east, as the office does; its
// notice kinds get the office's prefixes, and a prefix the admin changed
// is not put back by a second seeding.
func TestSeed_GridsInTheOfficesOrderAndNoticePrefixes(t *testing.T) {
	s := mustOpen(t)
	mustSeed(t, s)
	var got []string
	for _, g := range read(t, s).grids {
		got = append(got, g.Name)
	}
	want := []string{"红星村", "长山村", "袁塘村", "石桥村", "新圩村", "金石社区", "华苑社区", "江南社区", "纬十三社区", "长江南社区"}
	if !slices.Equal(got, want) {
		t.Errorf("grids listed %q, want %q", got, want)
	}

	changed := gi.NoticePrefix{Kind: gi.NoticeHazard, Prefix: "江南街安字"}
	if _, err := s.SetNoticePrefix(adminContext(), changed); err != nil {
		t.Fatal(err)
	}
	mustSeed(t, s)
	prefixes, err := s.NoticePrefixes(adminContext())
	if err != nil {
		t.Fatal(err)
	}
	wantPrefixes := NoticePrefixes()
	wantPrefixes[0] = changed
	if !slices.Equal(prefixes, wantPrefixes) {
		t.Errorf("notice prefixes %v, want %v", prefixes, wantPrefixes)
	}
}

// TestSeed_SetsTheOfficialCalendarLeavingTheAdminsYears: the demo street
// counts working days on China's official 2024–2026 calendar; a year the
// admin has set already is left as it is.
func TestSeed_SetsTheOfficialCalendarLeavingTheAdminsYears(t *testing.T) {
	s := mustOpen(t)
	ctx := adminContext()
	mine := []gi.CalendarException{{Date: time.Date(2025, 10, 10, 0, 0, 0, 0, gi.ChinaZone), Kind: gi.DayHoliday, Name: "街道补休"}}
	if _, err := s.SetCalendarExceptions(ctx, 2025, true, mine, nil); err != nil {
		t.Fatal(err)
	}
	mustSeed(t, s)
	for year, want := range map[int]int{2024: len(holidays.OfficialYear(2024)), 2025: 1, 2026: len(holidays.OfficialYear(2026))} {
		got, err := s.CalendarExceptions(ctx, year)
		if err != nil || len(got) != want {
			t.Errorf("%d has %d exceptions, %v; want %d", year, len(got), err, want)
		}
	}
	cal, err := s.Calendar(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !cal.IsWorkingDay(time.Date(2024, 9, 29, 12, 0, 0, 0, gi.ChinaZone)) || cal.IsWorkingDay(time.Date(2026, 10, 1, 12, 0, 0, 0, gi.ChinaZone)) {
		t.Error("the demo's calendar does not have 2024's 调休 Sunday worked and 2026's 国庆 off")
	}
}
