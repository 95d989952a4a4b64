package store

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gridinspect/gridinspect"
)

// streetsMigration is the SQLite migration that makes every row a street's.
const streetsMigration = 23

// makeSQLiteAt makes a SQLite database at path with the migrations before
// version, as a server of that version left it, and runs fill in it.
func makeSQLiteAt(t *testing.T, path string, version int, fill string) {
	t.Helper()
	ms, err := loadMigrations()
	if err != nil {
		t.Fatal(err)
	}
	conn, err := sql.Open("sqlite3", path+"?_foreign_keys=1")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Exec(`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL,
		applied_at INTEGER NOT NULL) STRICT`); err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.version >= version {
			continue
		}
		if _, err := conn.Exec(m.sql); err != nil {
			t.Fatalf("migration %s: %v", m.name, err)
		}
		if _, err := conn.Exec("INSERT INTO schema_migrations VALUES (?, ?, 0)", m.version, m.name); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := conn.Exec(fill); err != nil {
		t.Fatalf("fill: %v", err)
	}
}

func TestStreets_ASQLiteDatabaseOfThePreviousVersionKeepsItsRowsAsStreetOne(t *testing.T) {
	onlyOn(t, "sqlite") // PostgreSQL's schema has the street from its first migration
	path := filepath.Join(t.TempDir(), "gridinspect.db")
	makeSQLiteAt(t, path, streetsMigration, `
		INSERT INTO grids (id, name, kind, boundary, min_lat, min_lng, max_lat, max_lng, content_hash, created_at)
			VALUES ('0195a0c0-0000-7000-8000-0000000000g1', '一村', 1, '[]', 0, 0, 1, 1, 'h', 1);
		INSERT INTO users (id, username, display_name, role, all_grids, disabled, password_hash, created_at, updated_at)
			VALUES ('0195a0c0-0000-7000-8000-0000000000u1', 'zhang.san', '张三', 1, 0, 0, 'x', 1, 1);
		INSERT INTO user_grids (user_id, grid_id)
			VALUES ('0195a0c0-0000-7000-8000-0000000000u1', '0195a0c0-0000-7000-8000-0000000000g1');
		INSERT INTO notice_numbers (kind, year, last) VALUES (1, 2025, 7);
		INSERT INTO notice_prefixes (kind, prefix) VALUES (1, 'X街安告');
		INSERT INTO routing_rules (id, name, category, kind, grid_id, assignee_id, responsible_unit, deadline_days,
			automatic, updated_at, updated_by)
			VALUES ('0195a0c0-0000-7000-8000-0000000000r1', '安全', 1, 0, '', NULL, '安监站', 7, 0, 1, 'a');`)

	db := mustOpenAt(t, path, &testClock{now: t0})
	err := db.Read(context.Background(), func(tx *sql.Tx) error {
		for _, c := range []struct {
			table string
			want  int
		}{{"grids", 1}, {"users", 1}, {"user_grids", 1}, {"notice_numbers", 1}, {"notice_prefixes", 1}, {"routing_rules", 1}, {"streets", 1}} {
			col := "street_id"
			if c.table == "streets" {
				col = "id"
			}
			var n int
			if err := tx.QueryRow("SELECT count(*) FROM " + c.table + " WHERE " + col + " = 1").Scan(&n); err != nil {
				return err
			}
			if n != c.want {
				t.Errorf("%s: %d rows of street 1, want %d", c.table, n, c.want)
			}
		}
		var broken int
		if err := tx.QueryRow("SELECT count(*) FROM pragma_foreign_key_check").Scan(&broken); err != nil || broken != 0 {
			t.Errorf("%d rows refer to no row (%v)", broken, err)
		}
		var last int
		var prefix string
		if err := tx.QueryRow("SELECT last FROM notice_numbers WHERE street_id = 1 AND kind = 1 AND year = 2025").Scan(&last); err != nil {
			return err
		}
		if err := tx.QueryRow("SELECT prefix FROM notice_prefixes WHERE street_id = 1 AND kind = 1").Scan(&prefix); err != nil {
			return err
		}
		if last != 7 || prefix != "X街安告" {
			t.Errorf("notice numbering kept as last %d, prefix %q; want 7, X街安告", last, prefix)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// The next notice of the kind and year follows the kept number.
	n := &gridinspect.Notice{Kind: 1}
	if err := db.Write(context.Background(), func(tx *Tx) error {
		return numberNotice(tx, n, time.Date(2025, 6, 1, 0, 0, 0, 0, gridinspect.ChinaZone))
	}); err != nil {
		t.Fatal(err)
	}
	if n.Sequence != 8 || n.Number != gridinspect.NoticeNumber("X街安告", 2025, 8) {
		t.Errorf("next notice %d %q, want 8 after the kept 7", n.Sequence, n.Number)
	}
}

// perStreetTables are the tables whose rows are a street's, on both
// engines.
var perStreetTables = []string{"grids", "subjects", "reports", "events", "patrols", "changes", "users",
	"user_grids", "tokens", "notice_numbers", "notice_prefixes", "photos", "mutations", "quarantine",
	"event_facts", "push_retries", "routing_rules", "patrol_schedules", "district_streets"}

func TestStreets_EveryPerStreetTableHasTheStreet(t *testing.T) {
	db := MustOpenDB(t)
	err := db.Read(context.Background(), func(tx *sql.Tx) error {
		for _, table := range perStreetTables {
			if _, err := tx.Exec("SELECT street_id FROM " + table + " LIMIT 1"); err != nil {
				t.Errorf("%s: %v", table, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// What create_distributed_table(table, 'street_id') needs of a table:
// the street in its primary key and in every unique constraint and
// foreign key. The schema puts it first, so that a street's rows are one
// range of each key.
func TestStreets_OnPostgreSQLTheStreetLeadsEveryKey(t *testing.T) {
	onlyOn(t, "postgres")
	db := MustOpenDB(t)
	err := db.Read(context.Background(), func(tx *sql.Tx) error {
		rows, err := tx.Query(`SELECT c.relname, i.relname, a.attname
			FROM pg_index AS x
			JOIN pg_class AS c ON c.oid = x.indrelid
			JOIN pg_class AS i ON i.oid = x.indexrelid
			JOIN pg_namespace AS n ON n.oid = c.relnamespace
			JOIN pg_attribute AS a ON a.attrelid = c.oid AND a.attnum = x.indkey[0]
			WHERE n.nspname = current_schema() AND (x.indisunique OR x.indisprimary)`)
		if err != nil {
			return err
		}
		defer rows.Close()
		perStreet := map[string]bool{}
		for _, table := range perStreetTables {
			perStreet[table] = true
		}
		for rows.Next() {
			var table, index, first string
			if err := rows.Scan(&table, &index, &first); err != nil {
				return err
			}
			if perStreet[table] && first != "street_id" {
				t.Errorf("%s: unique key %s starts with %s, not street_id", table, index, first)
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		frows, err := tx.Query(`SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)
			FROM pg_constraint WHERE contype = 'f' AND connamespace = current_schema()::regnamespace`)
		if err != nil {
			return err
		}
		defer frows.Close()
		for frows.Next() {
			var table, name, def string
			if err := frows.Scan(&table, &name, &def); err != nil {
				return err
			}
			if perStreet[table] && !strings.HasPrefix(def, "FOREIGN KEY (street_id") {
				t.Errorf("%s: foreign key %s is %s, without the street first", table, name, def)
			}
		}
		return frows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
}

// twoStreets makes street 1 (the test street: grids A and B, a worker of
// A) and street 2 (its admin, logged in, and a grid of its own), in one
// database.
func twoStreets(t *testing.T, db *testDB) (worker1 *gridinspect.User, admin2 *gridinspect.Actor, gridC string) {
	t.Helper()
	mustStreet(t, db)
	worker1 = mustCreateUser(t, db, newUser("zhang.san", gridA))
	street, password, err := db.CreateStreet(context.Background(), "西街道", "admin2")
	if err != nil {
		t.Fatal(err)
	}
	if street != 2 {
		t.Fatalf("new street %d, want 2", street)
	}
	admin2 = mustAuthenticate(t, db, mustLogin(t, db, "admin2", password).Token)
	if admin2.Street() != 2 || !admin2.IsAdmin() {
		t.Fatalf("admin of street 2 acts as %+v", admin2)
	}
	gridC = newID()
	// The same name as a grid of street 1: names are a street's.
	if _, err := db.CreateGrid(as(admin2), &gridinspect.Grid{ID: gridC, Name: "东村", Kind: gridinspect.GridKindVillage,
		Boundary: square(30.50, 107.50, 30.51, 107.51)}); err != nil {
		t.Fatal(err)
	}
	return worker1, admin2, gridC
}

func TestStreets_AnAdminOfAnotherStreetGetsForItsIDsTheAnswerForNoSuchID(t *testing.T) {
	db := MustOpenDB(t)
	worker1, admin2, _ := twoStreets(t, db)
	ctx := as(admin2)
	name, order := "改名", 3
	for _, c := range []struct {
		name string
		call func(id string) error
		id   string // of street 1
	}{
		{"GetUser", func(id string) error { _, err := db.GetUser(ctx, id); return err }, worker1.ID},
		{"UpdateUser", func(id string) error {
			_, err := db.UpdateUser(ctx, id, gridinspect.UserUpdate{DisplayName: &name})
			return err
		}, worker1.ID},
		{"DisableUser", func(id string) error { _, err := db.DisableUser(ctx, id); return err }, worker1.ID},
		{"GetGrid", func(id string) error { _, err := db.GetGrid(ctx, id); return err }, gridA},
		{"SetGridOrder", func(id string) error { _, err := db.SetGridOrder(ctx, id, order); return err }, gridA},
		{"CreateUser in the grid", func(id string) error {
			_, err := db.CreateUser(ctx, newUser("li.si", id), testPassword)
			return err
		}, gridB},
	} {
		t.Run(c.name, func(t *testing.T) {
			errOther, errNone := c.call(c.id), c.call(newID())
			if errOther == nil || gridinspect.ErrorCode(errOther) != gridinspect.ErrorCode(errNone) {
				t.Errorf("street 1's id: %v; want the answer for no such id: %v", errOther, errNone)
			}
		})
	}
	// Street 1 is as it was.
	if u := mustGetUser(t, db, as(admin()), worker1.ID); u.DisplayName != worker1.DisplayName || u.Disabled {
		t.Errorf("street 1's worker changed through street 2: %+v", u)
	}
}

func TestStreets_ListsShowOnlyTheCallersStreet(t *testing.T) {
	db := MustOpenDB(t)
	_, admin2, gridC := twoStreets(t, db)
	worker2, err := db.CreateUser(as(admin2), newUser("wang.wu", gridC), testPassword)
	if err != nil {
		t.Fatal(err)
	}
	if worker2.StreetID != 2 {
		t.Errorf("a user made by street 2's admin is of street %d", worker2.StreetID)
	}
	for _, c := range []struct {
		actor      *gridinspect.Actor
		users      []string
		grids      []string
		streetName string
	}{
		{admin(), []string{"zhang.san"}, []string{gridA, gridB}, "1"},
		{admin2, []string{"admin2", "wang.wu"}, []string{gridC}, "2"},
	} {
		users, _, err := db.ListUsers(as(c.actor), gridinspect.UserFilter{})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, u := range users {
			names = append(names, u.Username)
		}
		assertEqual(t, names, c.users)
		grids, _, err := db.ListGrids(as(c.actor), 0, "")
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, g := range grids {
			ids = append(ids, g.ID)
		}
		assertEqual(t, ids, c.grids)
	}
}

func TestStreets_AUsernameIsOneAccountInTheWholeDatabase(t *testing.T) {
	db := MustOpenDB(t)
	_, admin2, _ := twoStreets(t, db)
	_, err := db.CreateUser(as(admin2), newUser("zhang.san"), testPassword)
	if gridinspect.ErrorCode(err) != gridinspect.EINVALID {
		t.Errorf("street 2 takes street 1's username: %v; want invalid (taken)", err)
	}
	if _, _, err := db.CreateStreet(context.Background(), "北街道", "zhang.san"); gridinspect.ErrorCode(err) != gridinspect.EINVALID {
		t.Errorf("a new street's admin takes street 1's username: %v; want invalid (taken)", err)
	}
}

func TestStreets_AStreetsCaseIsWrittenInItsStreetAndPulledOnlyThere(t *testing.T) {
	db := MustOpenDB(t)
	_, admin2, gridC := twoStreets(t, db)
	if _, err := db.CreateUser(as(admin2), newUser("wang.wu", gridC), testPassword); err != nil {
		t.Fatal(err)
	}
	worker2 := mustAuthenticate(t, db, mustLogin(t, db, "wang.wu", testPassword).Token)
	inC := gridinspect.Location{Lat: 30.505, Lng: 107.505, AccuracyMeters: 8, Address: "南街 3 号"}
	r := mustSubmit(t, db, as(worker2), newReport(inC))
	if r.GridID != gridC {
		t.Fatalf("report placed in grid %s, want street 2's %s", r.GridID, gridC)
	}
	err := db.Read(context.Background(), func(tx *sql.Tx) error {
		for _, table := range []string{"reports", "events", "changes"} {
			var street int64
			q := "SELECT DISTINCT street_id FROM " + table + " WHERE " +
				map[string]string{"reports": "id", "events": "report_id", "changes": "entity_id"}[table] + " = ?"
			if err := tx.QueryRow(q, r.ID).Scan(&street); err != nil {
				return err
			}
			if street != 2 {
				t.Errorf("%s: the case's rows are street %d's, want 2", table, street)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Street 1's admin, asking for it or acting on it, gets the answer for
	// a case that does not exist.
	for _, c := range []struct {
		name string
		call func(id string) error
	}{
		{"GetReport", func(id string) error { _, err := db.GetReport(as(admin()), id); return err }},
		{"urge", func(id string) error { _, _, err := db.Act(as(admin()), urge(id), gridinspect.Online); return err }},
	} {
		errOther, errNone := c.call(r.ID), c.call(newID())
		if errOther == nil || gridinspect.ErrorCode(errOther) != gridinspect.ErrorCode(errNone) {
			t.Errorf("%s of street 2's case by street 1's admin: %v; want the answer for no such case: %v", c.name, errOther, errNone)
		}
	}
	for _, c := range []struct {
		name  string
		actor *gridinspect.Actor
		want  bool
	}{
		{"street 1's admin", admin(), false},
		{"street 2's admin", admin2, true},
		{"street 2's worker", worker2, true},
	} {
		listed, _, err := db.ListReports(as(c.actor), gridinspect.ReportFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if got := len(listed) == 1 && listed[0].ID == r.ID; got != c.want || len(listed) > 1 {
			t.Errorf("%s lists %d cases; street 2's case among them: %v, want %v", c.name, len(listed), got, c.want)
		}
		page := mustPull(t, db, as(c.actor), "", gridinspect.PullLimits{})
		got := false
		for _, ch := range page.Changes {
			got = got || (ch.Report != nil && ch.Report.ID == r.ID) || (ch.Grid != nil && ch.Grid.ID == gridC)
		}
		if got != c.want {
			t.Errorf("%s pulls street 2's case or grid: %v, want %v (%v)", c.name, got, c.want, pageKeys(page.Changes))
		}
	}
}
