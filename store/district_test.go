package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/gridinspect/gridinspect"
)

// fixedID returns the same UUID for the same name, so that two databases
// can hold the very same rows.
func fixedID(name string) string { return uuid.NewSHA1(uuid.NameSpaceURL, []byte(name)).String() }

// Street 2 of the tests below: grid C, away from street 1's grids.
var (
	gridC   = fixedID("grid C")
	inC     = gridinspect.Location{Lat: 30.505, Lng: 107.505, AccuracyMeters: 8, Address: "南街 3 号"}
	squareC = square(30.50, 107.50, 30.51, 107.51)
)

// streetHalfYear does, as ctx's actor (its street's admin), the same
// half-year of work every time it is given the same name: cases closed on
// time, open and overdue, rejected, escalated, a patrol. Every id is
// fixedID of name and what it is, so two databases get the same rows.
func streetHalfYear(t *testing.T, db *testDB, ctx context.Context, name string, at gridinspect.Location) {
	t.Helper()
	id := func(what string) string { return fixedID(name + "/" + what) }
	act := func(a *gridinspect.Action, what string, when time.Time) {
		t.Helper()
		a.ID, a.OccurredAt = id(what), when
		if a.PhotoIDs != nil {
			a.PhotoIDs = []string{id(what + "/photo")}
		}
		if _, _, err := db.Act(ctx, a, gridinspect.Online); err != nil {
			t.Fatalf("%s %s: %v", name, what, err)
		}
	}
	submit := func(what string, observed time.Time) string {
		t.Helper()
		r := newReport(at)
		r.ID, r.ObservedAt = id(what), observed
		mustSubmit(t, db, ctx, r)
		return r.ID
	}
	closed := submit("closed", date(2, 1, 9))
	act(assignBy(closed, "", date(2, 20, 18)), "closed/assign", date(2, 2, 9))
	act(rectify(closed, 0, 0), "closed/rectify", date(2, 9, 9))
	act(verifyPass(closed), "closed/verify", date(2, 10, 9))
	overdue := submit("overdue", date(3, 1, 9))
	act(assignBy(overdue, "", date(3, 5, 18)), "overdue/assign", date(3, 2, 9))
	act(urge(overdue), "overdue/urge", date(3, 6, 9))
	rejected := submit("rejected", date(4, 1, 9))
	act(reject(rejected, ""), "rejected/reject", date(4, 2, 9))
	submit("new", date(6, 20, 9))
	p := newPatrol()
	p.ID, p.StartedAt, p.EndedAt = id("patrol"), date(5, 1, 9), date(5, 1, 11)
	p.Track = []gridinspect.TrackPoint{{Lat: at.Lat, Lng: at.Lng, RecordedAt: p.StartedAt}}
	if _, _, err := db.SubmitPatrol(ctx, p); err != nil {
		t.Fatalf("%s patrol: %v", name, err)
	}
}

// statisticsOf returns, as JSON, what ctx's caller is answered by each of
// the statistics: the summary and the appraisal of the first half of
// 2025, the dashboard, and the export of every report. The street of each
// grid row, the one thing that tells a street in a shared database from
// the same street alone, is kept apart under "streets".
func statisticsOf(t *testing.T, db *testDB, ctx context.Context) map[string]string {
	t.Helper()
	out := map[string]string{}
	keep := func(what string, v any, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		out[what] = string(b)
	}
	s, err := db.Summary(ctx, h1From, h1To, nil)
	ap, err2 := db.Appraisal(ctx, h1From, h1To, nil)
	d, err3 := db.Dashboard(ctx, nil)
	if err = cmp.Or(err, err2, err3); err != nil {
		t.Fatalf("statistics: %v", err)
	}
	var streets []int64
	for _, g := range s.GridIDs {
		streets = append(streets, s.GridStreets[g])
	}
	s.GridStreets = nil
	for i := range ap.Grids {
		streets = append(streets, ap.Grids[i].StreetID)
		ap.Grids[i].StreetID = 0
	}
	for i := range d.Grids {
		streets = append(streets, d.Grids[i].StreetID)
		d.Grids[i].StreetID = 0
	}
	keep("streets", streets, nil)
	keep("summary", s, nil)
	keep("appraisal", ap, nil)
	keep("dashboard", d, nil)
	var records []*gridinspect.ReportRecord
	err = db.EachReport(ctx, gridinspect.ReportFilter{}, func(r *gridinspect.ReportRecord) error {
		records = append(records, r)
		return nil
	})
	keep("export", records, err)
	n, err := db.CountReports(ctx, gridinspect.ReportFilter{})
	keep("count", n, err)
	return out
}

// sameStatistics fails unless got and want are answered alike, byte for
// byte.
func sameStatistics(t *testing.T, what string, got, want map[string]string) {
	t.Helper()
	for k := range want {
		if got[k] != want[k] {
			t.Errorf("%s: %s\n got %s\nwant %s", what, k, got[k], want[k])
		}
	}
}

// newDistrict makes a district account, name, made by street 1's admin
// and given streets (as gridd --district-user does), and returns it
// logged in.
func newDistrict(t *testing.T, db *testDB, name string, streets ...int64) *gridinspect.Actor {
	t.Helper()
	if _, err := db.CreateUser(as(admin()), &gridinspect.User{Username: name, DisplayName: "区应急局",
		Role: gridinspect.RoleDistrict}, testPassword); err != nil {
		t.Fatal(err)
	}
	if err := db.SetDistrictStreets(context.Background(), name, streets); err != nil {
		t.Fatal(err)
	}
	return mustAuthenticate(t, db, mustLogin(t, db, name, testPassword).Token)
}

// newStreetTwo adds street 2 to db, with its admin and grid C.
func newStreetTwo(t *testing.T, db *testDB) *gridinspect.Actor {
	t.Helper()
	street, password, err := db.CreateStreet(context.Background(), "西街道", "admin2")
	if err != nil || street != 2 {
		t.Fatalf("create street: %d, %v", street, err)
	}
	admin2 := mustAuthenticate(t, db, mustLogin(t, db, "admin2", password).Token)
	if _, err := db.CreateGrid(as(admin2), &gridinspect.Grid{ID: gridC, Name: "南村", Kind: gridinspect.GridKindVillage,
		Boundary: squareC}); err != nil {
		t.Fatal(err)
	}
	return admin2
}

func TestStreets_AStreetsStatisticsCountItsOwnRowsOnlyAsAOneStreetDatabaseWould(t *testing.T) {
	// Street 1 alone, and street 2's work alone, each in a database of its
	// own; then both in one database.
	alone1 := MustOpenDB(t)
	mustStreet(t, alone1)
	streetHalfYear(t, alone1, as(admin()), "street 1", inA)
	alone2 := MustOpenDB(t)
	mustCreateGrid(t, alone2, &gridinspect.Grid{ID: gridC, Name: "南村", Kind: gridinspect.GridKindVillage, Boundary: squareC})
	streetHalfYear(t, alone2, as(admin()), "street 2", inC)

	shared := MustOpenDB(t)
	mustStreet(t, shared)
	admin2 := newStreetTwo(t, shared)
	streetHalfYear(t, shared, as(admin()), "street 1", inA)
	streetHalfYear(t, shared, as(admin2), "street 2", inC)

	for _, db := range []*testDB{alone1, alone2, shared} {
		setClock(db, date(8, 1, 0))
	}
	sameStatistics(t, "street 1", statisticsOf(t, shared, as(admin())), statisticsOf(t, alone1, as(admin())))
	// Street 2's own figures: those that name no account (street 2's
	// admin is another account than street 1's).
	two, alone := statisticsOf(t, shared, as(admin2)), statisticsOf(t, alone2, as(admin()))
	delete(alone, "appraisal")
	delete(alone, "export")
	delete(alone, "streets")
	sameStatistics(t, "street 2", two, alone)
	if two["streets"] != "[2,2,2]" { // grid C's in the summary, the appraisal and the dashboard
		t.Errorf("street 2's grid rows name streets %s, want 2 each", two["streets"])
	}
}

func TestStreets_ADistrictAccountSumsItsStreetsAndReadsNoOther(t *testing.T) {
	db := MustOpenDB(t)
	mustStreet(t, db)
	admin2 := newStreetTwo(t, db)
	streetHalfYear(t, db, as(admin()), "street 1", inA)
	streetHalfYear(t, db, as(admin2), "street 2", inC)
	if _, _, err := db.CreateStreet(context.Background(), "北街道", "admin3"); err != nil {
		t.Fatal(err)
	}
	district := newDistrict(t, db, "qu", 2, 1, 2)
	if !district.IsDistrict() {
		t.Fatalf("district account acts as %+v", district)
	}
	setClock(db, date(8, 1, 0))
	one := mustSummary(t, db, as(admin()), h1From, h1To)
	two := mustSummary(t, db, as(admin2), h1From, h1To)
	inStreets := func(ids ...int64) context.Context { return gridinspect.WithStreetIDs(as(district), ids) }
	for _, c := range []struct {
		name string
		ctx  context.Context
		want []*gridinspect.Summary
	}{
		{"none named: all of its streets", as(district), []*gridinspect.Summary{one, two}},
		{"both named", inStreets(1, 2), []*gridinspect.Summary{one, two}},
		{"street 2", inStreets(2), []*gridinspect.Summary{two}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := mustSummary(t, db, c.ctx, h1From, h1To)
			var want gridinspect.LoopSummary
			var grids []string
			for _, s := range c.want {
				want.Reported += s.Loop.Reported
				want.Closed += s.Loop.Closed
				want.Rejected += s.Loop.Rejected
				want.Open += s.Loop.Open
				want.OverdueNow += s.Loop.OverdueNow
				want.Due += s.Loop.Due
				want.ClosedOfDue += s.Loop.ClosedOfDue
				want.ClosedOnTime += s.Loop.ClosedOnTime
				want.OpenOverdue += s.Loop.OpenOverdue
				want.Urged += s.Loop.Urged
				grids = append(grids, s.GridIDs...)
			}
			wantLoop(t, "district loop", got.Loop, want)
			if got.Patrols != int64(len(c.want)) {
				t.Errorf("%d patrols, want %d", got.Patrols, len(c.want))
			}
			if len(got.GridIDs) != len(grids) {
				t.Errorf("grids %v, want those of its streets %v", got.GridIDs, grids)
			}
			d, err := db.Dashboard(c.ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			var open int64
			for _, s := range c.want {
				open += s.Loop.Open
			}
			if d.Total[gridinspect.CountOpen] != open {
				t.Errorf("dashboard: %d open, want %d", d.Total[gridinspect.CountOpen], open)
			}
			n, err := db.CountReports(c.ctx, gridinspect.ReportFilter{})
			if err != nil || n != 4*int64(len(c.want)) {
				t.Errorf("export counts %d reports (%v), want %d", n, err, 4*len(c.want))
			}
		})
	}
	for _, c := range []struct {
		name string
		ctx  context.Context
	}{
		{"a street not its own", inStreets(3)},
		{"one of its own and one not", inStreets(1, 3)},
		{"a street that does not exist", inStreets(9)},
		{"street 2, as street 1's admin", gridinspect.WithStreetIDs(as(admin()), []int64{2})},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, err := db.Summary(c.ctx, h1From, h1To, nil); gridinspect.ErrorCode(err) != gridinspect.EFORBIDDEN {
				t.Errorf("summary: %v, want forbidden", err)
			}
			if _, err := db.Appraisal(c.ctx, h1From, h1To, nil); gridinspect.ErrorCode(err) != gridinspect.EFORBIDDEN {
				t.Errorf("appraisal: %v, want forbidden", err)
			}
			if _, err := db.Dashboard(c.ctx, nil); gridinspect.ErrorCode(err) != gridinspect.EFORBIDDEN {
				t.Errorf("dashboard: %v, want forbidden", err)
			}
			if _, err := db.CountReports(c.ctx, gridinspect.ReportFilter{}); gridinspect.ErrorCode(err) != gridinspect.EFORBIDDEN {
				t.Errorf("export: %v, want forbidden", err)
			}
		})
	}
	// Its own street (1) is not among those it was given: it reads none
	// of it, and lists no case anywhere.
	if err := db.SetDistrictStreets(context.Background(), "qu", []int64{2}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Summary(gridinspect.WithStreetIDs(as(district), []int64{1}), h1From, h1To, nil); gridinspect.ErrorCode(err) != gridinspect.EFORBIDDEN {
		t.Errorf("summary of its home street, not given: %v, want forbidden", err)
	}
	if list, _, err := db.ListReports(as(district), gridinspect.ReportFilter{}); err != nil || len(list) != 0 {
		t.Errorf("ListReports as a district account: %d reports (%v), want none", len(list), err)
	}
	if err := db.SetDistrictStreets(context.Background(), "qu", nil); err != nil {
		t.Fatal(err)
	}
	if s := mustSummary(t, db, as(district), h1From, h1To); s.Loop.Reported != 0 || len(s.GridIDs) != 0 {
		t.Errorf("a district account given no street reads %d reports in grids %v", s.Loop.Reported, s.GridIDs)
	}
}

func TestSetDistrictStreets_RefusesWhatIsNotADistrictAccountOrAStreet(t *testing.T) {
	db := MustOpenDB(t)
	mustStreet(t, db)
	mustCreateUser(t, db, newUser("zhang.san", gridA))
	if _, err := db.CreateUser(as(admin()), &gridinspect.User{Username: "qu", Role: gridinspect.RoleDistrict}, testPassword); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name     string
		username string
		streets  []int64
		want     string
	}{
		{"no such account", "nobody", []int64{1}, gridinspect.ENOTFOUND},
		{"a worker", "zhang.san", []int64{1}, gridinspect.EINVALID},
		{"a street that does not exist", "qu", []int64{1, 2}, gridinspect.ENOTFOUND},
	} {
		t.Run(c.name, func(t *testing.T) {
			if err := db.SetDistrictStreets(context.Background(), c.username, c.streets); gridinspect.ErrorCode(err) != c.want {
				t.Errorf("%v, want %v", err, c.want)
			}
		})
	}
	// A district account belongs to no grid.
	_, err := db.CreateUser(as(admin()), &gridinspect.User{Username: "qu2", Role: gridinspect.RoleDistrict, GridIDs: []string{gridA}}, testPassword)
	if gridinspect.ErrorCode(err) != gridinspect.EINVALID {
		t.Errorf("a district account of grid A: %v, want invalid", err)
	}
}

// A desk's count kept for the next desk (Options.DashboardMaxAge) is
// kept for its street: another street's desk of "every grid" counts its
// own.
func TestDashboard_ACountKeptForOneStreetIsNotAnothersAnswer(t *testing.T) {
	db := mustOpenWith(t, Options{DashboardMaxAge: time.Minute})
	mustStreet(t, db)
	admin2 := newStreetTwo(t, db)
	mustSubmit(t, db, as(admin()), newReport(inA))
	for _, c := range []struct {
		actor *gridinspect.Actor
		open  int64
		grids int
	}{{admin(), 1, 2}, {admin2, 0, 1}} {
		d, err := db.Dashboard(as(c.actor), nil)
		if err != nil {
			t.Fatal(err)
		}
		if d.Total[gridinspect.CountOpen] != c.open || len(d.Grids) != c.grids {
			t.Errorf("street %d: %d open in %d grids, want %d in %d", c.actor.Street(), d.Total[gridinspect.CountOpen],
				len(d.Grids), c.open, c.grids)
		}
	}
}

// districtMigration is the SQLite migration that rebuilds users for the
// district role.
const districtMigration = 24

func TestStreets_ASQLiteDatabaseOfThePreviousVersionKeepsItsAccountsAndTakesDistrictOnes(t *testing.T) {
	onlyOn(t, "sqlite") // PostgreSQL's users allowed the role from its first migration
	path := filepath.Join(t.TempDir(), "gridinspect.db")
	makeSQLiteAt(t, path, districtMigration, `
		INSERT INTO grids (id, name, kind, boundary, min_lat, min_lng, max_lat, max_lng, content_hash, created_at)
			VALUES ('0195a0c0-0000-7000-8000-0000000000aa', '一村', 1, '[]', 0, 0, 1, 1, 'h', 1);
		INSERT INTO users (id, username, display_name, role, all_grids, disabled, password_hash, created_at, updated_at)
			VALUES ('0195a0c0-0000-7000-8000-0000000000u1', 'zhang.san', '张三', 1, 0, 0, 'x', 1, 2);
		INSERT INTO user_grids (user_id, grid_id)
			VALUES ('0195a0c0-0000-7000-8000-0000000000u1', '0195a0c0-0000-7000-8000-0000000000aa');
		INSERT INTO tokens (id, user_id, device_id, created_at, last_used_at, expires_at)
			VALUES ('t1', '0195a0c0-0000-7000-8000-0000000000u1', 'phone', 1, 1, 9);`)
	db := mustOpenAt(t, path, &testClock{now: t0})
	u := mustGetUser(t, db, as(admin()), "0195a0c0-0000-7000-8000-0000000000u1")
	if u.Username != "zhang.san" || u.DisplayName != "张三" || u.Role != gridinspect.RoleWorker || len(u.GridIDs) != 1 ||
		u.StreetID != 1 {
		t.Errorf("account after the migration: %+v", u)
	}
	err := db.Read(context.Background(), func(tx *sql.Tx) error {
		var broken int
		if err := tx.QueryRow("SELECT count(*) FROM pragma_foreign_key_check").Scan(&broken); err != nil || broken != 0 {
			t.Errorf("%d rows refer to no row (%v)", broken, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateUser(as(admin()), &gridinspect.User{Username: "qu", Role: gridinspect.RoleDistrict}, testPassword); err != nil {
		t.Errorf("a district account: %v", err)
	}
}

// CallerStreets names what a caller reads: a street's account its own
// street, a district account the streets it was given, by id, and never
// one it was not given.
func TestStreets_CallerStreetsAreItsOwnOrThoseItWasGiven(t *testing.T) {
	db := MustOpenDB(t)
	mustStreet(t, db)
	admin2 := newStreetTwo(t, db)
	if _, _, err := db.CreateStreet(context.Background(), "北街道", "admin3"); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		actor *gridinspect.Actor
		want  []gridinspect.Street
	}{
		{"street 1's admin", admin(), []gridinspect.Street{{ID: 1}}},
		{"street 2's admin", admin2, []gridinspect.Street{{ID: 2, Name: "西街道"}}},
		{"a district account of streets 3 and 2", newDistrict(t, db, "qu", 3, 2), []gridinspect.Street{{ID: 2, Name: "西街道"}, {ID: 3, Name: "北街道"}}},
		{"a district account of street 2", newDistrict(t, db, "qu2", 2), []gridinspect.Street{{ID: 2, Name: "西街道"}}},
		{"a district account given none", newDistrict(t, db, "qu3"), nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := db.CallerStreets(as(c.actor))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("streets %+v, want %+v", got, c.want)
			}
		})
	}
}

// NameStreet names a street for those who read it (street 1 has no name
// until its operator gives it one), and refuses a bad name or a street
// that does not exist.
func TestStreets_NameStreetNamesItForItsReaders(t *testing.T) {
	db := MustOpenDB(t)
	mustStreet(t, db)
	ctx := context.Background()
	for _, c := range []struct {
		id         int64
		name, code string
	}{
		{1, " 江南街道 ", ""},
		{1, "", gridinspect.EINVALID},
		{1, strings.Repeat("街", maxStreetName+1), gridinspect.EINVALID},
		{9, "北街道", gridinspect.ENOTFOUND},
	} {
		if err := db.NameStreet(ctx, c.id, c.name); gridinspect.ErrorCode(err) != c.code {
			t.Errorf("NameStreet(%d, %q) = %v, want code %q", c.id, c.name, err, c.code)
		}
	}
	got, err := db.CallerStreets(as(admin()))
	if want := []gridinspect.Street{{ID: 1, Name: "江南街道"}}; err != nil || !slices.Equal(got, want) {
		t.Errorf("streets %+v (%v), want %+v", got, err, want)
	}
}

// A district account's rows per grid say each grid's street, and list the
// streets one after the other (by id), each in its own office's order:
// two streets may each have a grid of one name, and one street's order
// says nothing of the other's.
func TestStreets_ADistrictAccountsGridRowsNameTheirStreetStreetByStreet(t *testing.T) {
	db := MustOpenDB(t)
	mustStreet(t, db) // street 1: 东村 (A), 西社区 (B), no order set
	admin2 := newStreetTwo(t, db)
	// Street 2: 南村 (C) first in its office's order, and a 东村 of its own.
	east2 := fixedID("grid 东村 of street 2")
	if _, err := db.CreateGrid(as(admin2), &gridinspect.Grid{ID: east2, Name: "东村", Kind: gridinspect.GridKindVillage,
		Boundary: square(30.51, 107.50, 30.52, 107.51)}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SetGridOrder(as(admin2), gridC, 1); err != nil {
		t.Fatal(err)
	}
	streetHalfYear(t, db, as(admin()), "street 1", inA)
	streetHalfYear(t, db, as(admin2), "street 2", inC)
	district := newDistrict(t, db, "qu", 2, 1)
	setClock(db, date(8, 1, 0))

	type row struct {
		grid   string
		street int64
	}
	for _, c := range []struct {
		name string
		ctx  context.Context
		want []row
	}{
		{"a district account, both streets", as(district), []row{{gridA, 1}, {gridB, 1}, {gridC, 2}, {east2, 2}}},
		{"a district account, street 2", gridinspect.WithStreetIDs(as(district), []int64{2}), []row{{gridC, 2}, {east2, 2}}},
		{"street 1's admin", as(admin()), []row{{gridA, 1}, {gridB, 1}}},
		{"street 2's admin", as(admin2), []row{{gridC, 2}, {east2, 2}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := mustSummary(t, db, c.ctx, h1From, h1To)
			var summary []row
			for _, g := range s.GridIDs {
				summary = append(summary, row{g, s.GridStreets[g]})
			}
			ap, err := db.Appraisal(c.ctx, h1From, h1To, nil)
			if err != nil {
				t.Fatal(err)
			}
			var appraisal []row
			for _, g := range ap.Grids {
				appraisal = append(appraisal, row{g.GridID, g.StreetID})
			}
			d, err := db.Dashboard(c.ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			var dashboard []row
			for _, g := range d.Grids {
				dashboard = append(dashboard, row{g.GridID, g.StreetID})
			}
			for what, got := range map[string][]row{"summary": summary, "appraisal": appraisal, "dashboard": dashboard} {
				if !slices.Equal(got, c.want) {
					t.Errorf("%s's grids %v, want %v", what, got, c.want)
				}
			}
			if !slices.Equal(ap.GridIDs, s.GridIDs) {
				t.Errorf("appraisal's grid ids %v, summary's %v", ap.GridIDs, s.GridIDs)
			}
		})
	}
}

// A district account's rows per worker say each worker's street, and list
// the streets one after the other (by id), each in its own order (the
// people of no grid last within their street): two streets may each have
// a 张伟, told apart only by their street.
func TestStreets_ADistrictAccountsWorkerRowsNameTheirStreetStreetByStreet(t *testing.T) {
	db := MustOpenDB(t)
	mustStreet(t, db) // street 1: 东村 (A), 西社区 (B)
	admin2 := newStreetTwo(t, db)
	zhang1, err := db.CreateUser(as(admin()), &gridinspect.User{Username: "zhang.wei", DisplayName: "张伟",
		Role: gridinspect.RoleWorker, GridIDs: []string{gridB}}, testPassword)
	if err != nil {
		t.Fatal(err)
	}
	zhang2, err := db.CreateUser(as(admin2), &gridinspect.User{Username: "zhang.wei2", DisplayName: "张伟",
		Role: gridinspect.RoleWorker, GridIDs: []string{gridC}}, testPassword)
	if err != nil {
		t.Fatal(err)
	}
	// Each street's admin reports, so has a row and no grid.
	streetHalfYear(t, db, as(admin()), "street 1", inA)
	streetHalfYear(t, db, as(admin2), "street 2", inC)
	district := newDistrict(t, db, "qu", 2, 1)
	setClock(db, date(8, 1, 0))

	type row struct {
		user   string
		street int64
	}
	for _, c := range []struct {
		name string
		ctx  context.Context
		want []row
	}{
		{"a district account, both streets", as(district),
			[]row{{zhang1.ID, 1}, {admin().UserID, 1}, {zhang2.ID, 2}, {admin2.UserID, 2}}},
		{"a district account, street 2", gridinspect.WithStreetIDs(as(district), []int64{2}),
			[]row{{zhang2.ID, 2}, {admin2.UserID, 2}}},
		{"street 1's admin", as(admin()), []row{{zhang1.ID, 1}, {admin().UserID, 1}}},
		{"street 2's admin", as(admin2), []row{{zhang2.ID, 2}, {admin2.UserID, 2}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			ap, err := db.Appraisal(c.ctx, h1From, h1To, nil)
			if err != nil {
				t.Fatal(err)
			}
			var got []row
			for _, w := range ap.Workers {
				got = append(got, row{w.UserID, w.StreetID})
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("workers %v, want %v", got, c.want)
			}
		})
	}
}
