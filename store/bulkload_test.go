package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gridinspect/gridinspect"
)

// TestBulkLoad checks that what BulkLoad writes is what the server itself
// would have written: timelines whose hash chains verify, reports the
// listings and the summary read, accounts that can log in, and a second
// call refused rather than half-applied over the first.
func TestBulkLoad(t *testing.T) {
	db := MustOpenDB(t)
	end := time.Date(2025, 7, 15, 0, 0, 0, 0, time.UTC)
	const n = 3000
	res, err := db.BulkLoad(context.Background(), BulkLoadOptions{Reports: n, Seed: 7, End: end, Batch: 700,
		Password: "bulk-password"})
	if err != nil {
		t.Fatalf("BulkLoad: %v", err)
	}
	if res.Reports != n || res.Patrols != n/4 || len(res.GridIDs) != DefaultBulkGrids || res.Subjects == 0 {
		t.Fatalf("result = %+v, want %d reports, %d patrols, %d grids, some subjects", res, n, n/4, DefaultBulkGrids)
	}
	var reports, events, changes, orphanEvents int
	err = db.Read(context.Background(), func(tx *sql.Tx) error {
		for _, c := range []struct {
			q   string
			dst *int
		}{
			{"SELECT count(*) FROM reports", &reports},
			{"SELECT count(*) FROM events", &events},
			{"SELECT count(*) FROM changes WHERE entity_type = 'report'", &changes},
			{"SELECT count(*) FROM events WHERE report_id NOT IN (SELECT id FROM reports)", &orphanEvents},
		} {
			if err := tx.QueryRow(c.q).Scan(c.dst); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if reports != n || events != res.Events || changes != res.Events || orphanEvents != 0 {
		t.Fatalf("reports %d, events %d, report changes %d, orphan events %d; want %d, %d, %d, 0",
			reports, events, changes, orphanEvents, n, res.Events, res.Events)
	}
	if perReport := float64(events) / n; perReport < 2 || perReport > 6 {
		t.Errorf("%.1f events per report, want a plausible life of 2 to 6", perReport)
	}

	// Every category is there, open and closed, and each timeline verifies.
	sup := as(&gridinspect.Actor{UserID: "sup", Role: gridinspect.RoleSupervisor, AllGrids: true})
	for c := gridinspect.CategorySafetyHazard; c <= gridinspect.CategoryOther; c++ {
		for _, open := range []bool{true, false} {
			f := gridinspect.ReportFilter{Categories: []gridinspect.Category{c}, PageSize: 5, OpenOnly: open}
			if !open {
				f.Statuses = []gridinspect.Status{gridinspect.StatusClosed}
			}
			page, _, err := db.ListReports(sup, f)
			if err != nil {
				t.Fatal(err)
			}
			if len(page) == 0 {
				t.Errorf("no %v reports with open=%v", c, open)
			}
			for _, r := range page {
				evs, intact, err := db.GetTimeline(sup, r.ID)
				if err != nil {
					t.Fatal(err)
				}
				if !intact || int64(len(evs)) < r.Version {
					t.Errorf("report %s: %d events, chain intact %v, version %d", r.ID, len(evs), intact, r.Version)
				}
			}
		}
	}

	// The accounts log in with the password given.
	if _, err := db.Login(context.Background(), res.Workers[res.GridIDs[0]], "bulk-password", "dev"); err != nil {
		t.Errorf("worker login: %v", err)
	}
	if _, err := db.Login(context.Background(), res.Supervisor, "bulk-password", "dev"); err != nil {
		t.Errorf("supervisor login: %v", err)
	}

	// The summary of the half-year before the end counts them, and its
	// plans and the listing's can be read.
	from, to := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)
	s, err := db.Summary(sup, from, to, nil)
	if err != nil {
		t.Fatalf("Summary: %v", err)
	}
	if s.Loop.Reported < n/4 || s.Loop.Closed == 0 {
		t.Errorf("summary: reported %d, closed %d; want about a third of %d reported, some closed",
			s.Loop.Reported, s.Loop.Closed, n)
	}
	plans, err := db.ExplainSummary(sup, from, to, nil)
	if err != nil || len(plans) == 0 {
		t.Fatalf("ExplainSummary: %d plans, %v", len(plans), err)
	}
	plans, err = db.ExplainListReports(sup, gridinspect.ReportFilter{OpenOnly: true, PageSize: 50,
		Categories: []gridinspect.Category{gridinspect.CategorySafetyHazard}, GridIDs: res.GridIDs[:1]})
	if err != nil || len(plans) != 1 {
		t.Fatalf("ExplainListReports: %d plans, %v", len(plans), err)
	}
	if plan := strings.Join(plans[0].Plan, "\n"); testEngine == sqlite && (!strings.Contains(plan, "USING INDEX") || strings.Contains(plan, "TEMP B-TREE")) {
		t.Errorf("open hazards of one grid, newest first:\n%s\nwant one index read in order", plan)
	}

	// Again on the same database: refused (the grid names are taken).
	if _, err := db.BulkLoad(context.Background(), BulkLoadOptions{Reports: 10, Seed: 8, End: end,
		Password: "bulk-password"}); err == nil {
		t.Error("second BulkLoad on the same database succeeded")
	}
}

// TestBulkLoad_APostgreSQLStreetAnswersTheSummaryOfTheSameSQLiteStreet
// loads the same street (seed, size, end) into PostgreSQL, where
// BulkLoad copies its rows in (COPY, change rows numbered in one step),
// and into SQLite, where it inserts them one by one: every figure of the
// summary must be the same, and PostgreSQL's change sequence must be the
// street's counter, without gap or repeat, as if each change had been
// numbered by the trigger.
func TestBulkLoad_APostgreSQLStreetAnswersTheSummaryOfTheSameSQLiteStreet(t *testing.T) {
	onlyOn(t, "postgres") // opens a SQLite street beside it
	pg := MustOpenDB(t)
	lite, err := Open(filepath.Join(t.TempDir(), "lite.db"), Options{Now: pg.clock.Now,
		Logger: slog.New(slog.DiscardHandler), PasswordParams: testPasswordParams})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = lite.Close(context.Background()) })
	end := time.Date(2025, 7, 15, 0, 0, 0, 0, time.UTC)
	opts := BulkLoadOptions{Reports: 2000, Seed: 11, End: end, Batch: 600, Password: "bulk-password"}
	var results [2]*BulkLoadResult
	for i, db := range []*DB{lite, pg.DB} {
		if results[i], err = db.BulkLoad(context.Background(), opts); err != nil {
			t.Fatalf("BulkLoad on %s: %v", db.engine, err)
		}
	}
	if results[0].Events != results[1].Events || results[0].Patrols != results[1].Patrols {
		t.Fatalf("events, patrols: SQLite %d, %d; PostgreSQL %d, %d", results[0].Events, results[0].Patrols,
			results[1].Events, results[1].Patrols)
	}
	sup := as(&gridinspect.Actor{UserID: "sup", Role: gridinspect.RoleSupervisor, AllGrids: true, StreetID: 1})
	for _, p := range [][2]time.Time{
		{time.Date(2025, 1, 1, 0, 0, 0, 0, gridinspect.ChinaZone), time.Date(2025, 7, 1, 0, 0, 0, 0, gridinspect.ChinaZone)},
		{time.Date(2024, 7, 1, 0, 0, 0, 0, gridinspect.ChinaZone), time.Date(2025, 1, 1, 0, 0, 0, 0, gridinspect.ChinaZone)},
	} {
		want, err := lite.Summary(sup, p[0], p[1], nil)
		if err != nil {
			t.Fatal(err)
		}
		got, err := pg.Summary(sup, p[0], p[1], nil)
		if err != nil {
			t.Fatal(err)
		}
		if want.Loop.Reported == 0 {
			t.Fatalf("%v…%v: nothing reported on SQLite", p[0], p[1])
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%v…%v: PostgreSQL's summary differs from SQLite's:\n%s", p[0], p[1], lineDiff(t, want, got))
		}
	}

	var changes, first, last, counter int64
	err = pg.Read(context.Background(), func(tx *sql.Tx) error {
		if err := tx.QueryRow("SELECT count(*), min(seq), max(seq) FROM changes").Scan(&changes, &first, &last); err != nil {
			return err
		}
		return tx.QueryRow("SELECT change_seq FROM streets WHERE id = 1").Scan(&counter)
	})
	if err != nil {
		t.Fatal(err)
	}
	if first != 1 || last != changes || counter != last {
		t.Errorf("changes numbered %d…%d (%d rows), the street's counter at %d: want 1…n, the counter at n", first, last, changes, counter)
	}
}

// lineDiff shows the lines of a's and b's JSON that differ.
func lineDiff(t *testing.T, a, b any) string {
	t.Helper()
	ja, err := json.MarshalIndent(a, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	jb, err := json.MarshalIndent(b, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	la, lb := strings.Split(string(ja), "\n"), strings.Split(string(jb), "\n")
	var out []string
	for i := range max(len(la), len(lb)) {
		var x, y string
		if i < len(la) {
			x = la[i]
		}
		if i < len(lb) {
			y = lb[i]
		}
		if x != y {
			out = append(out, fmt.Sprintf("line %d: want %s, got %s", i+1, strings.TrimSpace(x), strings.TrimSpace(y)))
		}
	}
	if len(out) == 0 {
		return "(their JSON is the same)"
	}
	return strings.Join(out, "\n")
}
