package store

import (
	"context"
	"database/sql"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gridinspect/gridinspect"
)

// explain returns the EXPLAIN QUERY PLAN lines of a query.
func explain(tb testing.TB, db *testDB, q *query) []string {
	tb.Helper()
	var plan []string
	err := db.Read(context.Background(), func(tx *sql.Tx) error {
		rows, err := tx.Query("EXPLAIN QUERY PLAN "+q.sql, q.args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				return err
			}
			plan = append(plan, detail)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		return rows.Close()
	})
	if err != nil {
		tb.Fatalf("explain %s: %v", q.sql, err)
	}
	return plan
}

func TestListReports_QueryPlansUseIndexesForFilterAndSort(t *testing.T) {
	onlyOn(t, "sqlite") // SQLite's query plans (EXPLAIN QUERY PLAN)
	db := MustOpenDB(t)
	mustStreet(t, db)
	for range 20 {
		mustSubmit(t, db, as(admin()), newReport(inA))
	}
	sh := []gridinspect.Category{gridinspect.CategorySafetyHazard}
	token := pageToken{Key: t0.UnixNano(), ID: newID()}
	for _, tt := range []struct {
		name   string
		actor  *gridinspect.Actor
		filter gridinspect.ReportFilter
		index  string
	}{
		{"open, one category, newest 50", admin(),
			gridinspect.ReportFilter{OpenOnly: true, Categories: sh}, "reports_open_category_time"},
		{"the open statuses, one category, newest 50", admin(),
			gridinspect.ReportFilter{Statuses: gridinspect.OpenStatuses, Categories: sh}, "reports_open_category_time"},
		{"open, one category, a later page", admin(),
			gridinspect.ReportFilter{OpenOnly: true, Categories: sh, PageToken: "page 2"}, "reports_open_category_time"},
		{"open, one grid, one category, newest 50", admin(),
			gridinspect.ReportFilter{OpenOnly: true, GridIDs: []string{gridA}, Categories: sh}, "reports_grid_open_category_time"},
		{"a worker of one grid: open, one category", worker(gridA),
			gridinspect.ReportFilter{OpenOnly: true, Categories: sh}, "reports_grid_open_category_time"},
		{"one status, one category, newest 50", admin(),
			gridinspect.ReportFilter{Statuses: []gridinspect.Status{gridinspect.StatusAssigned}, Categories: sh}, "reports_status_category_time"},
		{"open, every category, newest 50", admin(),
			gridinspect.ReportFilter{OpenOnly: true}, "reports_open_time"},
		{"everything, newest 50", admin(),
			gridinspect.ReportFilter{}, "reports_time"},
		{"open by deadline", admin(),
			gridinspect.ReportFilter{OpenOnly: true, Order: gridinspect.OrderDeadline}, "reports_open_deadline"},
		{"overdue by deadline", admin(),
			gridinspect.ReportFilter{OverdueOnly: true, Order: gridinspect.OrderDeadline}, "reports_open_deadline"},
		{"an assignee's open cases by deadline", admin(),
			gridinspect.ReportFilter{AssigneeID: workerID, OpenOnly: true, Order: gridinspect.OrderDeadline}, "reports_assignee_open_deadline"},
		{"follow-ups due", admin(),
			gridinspect.ReportFilter{FollowUpDue: true}, "reports_follow_up"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := tt.filter
			if f.PageToken != "" {
				f.PageToken = ""
				l, err := db.reportListing(tt.actor, f, t0)
				if err != nil {
					t.Fatal(err)
				}
				tok := token
				tok.Filter = l.filter
				f.PageToken = tok.encode()
			}
			l, err := db.reportListing(tt.actor, f, t0)
			if err != nil {
				t.Fatal(err)
			}
			withKey, noKey := l.queries()
			for _, q := range []*query{withKey, noKey} {
				if q == nil {
					continue
				}
				plan := strings.Join(explain(t, db, q), "\n")
				if !strings.Contains(plan+"\n", "INDEX "+tt.index+" ") && !strings.Contains(plan+"\n", "INDEX "+tt.index+"\n") {
					t.Errorf("plan does not use %s:\n%s\nfor %s", tt.index, plan, q.sql)
				}
				if tt.filter.PageToken != "" && !strings.Contains(plan, "(effective_at,id)<(?,?)") {
					t.Errorf("a later page does not seek to its position in the index:\n%s", plan)
				}
				// Follow-ups due are few (those due and not yet done), so
				// sorting them is cheap; every other listing reads in order.
				if strings.Contains(plan, "TEMP B-TREE") && !tt.filter.FollowUpDue {
					t.Errorf("plan sorts in a temporary b-tree:\n%s", plan)
				}
			}
		})
	}
}

func TestListReports_PaginationUnderConcurrentInserts(t *testing.T) {
	db := MustOpenDB(t)
	mustStreet(t, db)
	const existing = 230
	before := map[string]bool{}
	for i := range existing {
		r := newReport(inA)
		// Many share a time, so the id must break ties.
		r.ObservedAt = t0.Add(-time.Duration(i%7) * time.Minute)
		if i%5 == 0 {
			r.Category = gridinspect.CategoryOther
			r.Details = gridinspect.Details{}
		}
		before[mustSubmit(t, db, as(admin()), r).ID] = true
	}

	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	inserted := 0
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			r := newReport(inA)
			// Newer, older and equal to what is being paged through.
			r.ObservedAt = t0.Add(time.Duration(i%9-4) * time.Minute)
			if _, _, err := db.SubmitReport(as(admin()), r); err != nil {
				t.Error(err)
				return
			}
			inserted++
		}
	}()

	seen := map[string]int{}
	token, pages := "", 0
	for {
		reports, next, err := db.ListReports(as(admin()), gridinspect.ReportFilter{OpenOnly: true, PageSize: 17, PageToken: token})
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for i, r := range reports {
			seen[r.ID]++
			if i > 0 {
				prev := reports[i-1]
				if r.EffectiveAt().After(prev.EffectiveAt()) ||
					(r.EffectiveAt().Equal(prev.EffectiveAt()) && r.ID > prev.ID) {
					t.Fatalf("page %d out of order at %d", pages, i)
				}
			}
		}
		if next == "" {
			break
		}
		token = next
		time.Sleep(time.Millisecond) // let the inserter in between pages
	}
	close(stop)
	wg.Wait()

	for id := range before {
		if seen[id] != 1 {
			t.Errorf("report %s that existed before paging was returned %d times", id, seen[id])
		}
	}
	for id, n := range seen {
		if n > 1 {
			t.Errorf("report %s returned %d times", id, n)
		}
	}
	t.Logf("%d pages; %d reports inserted while paging", pages, inserted)
}

func TestListReports_Filters(t *testing.T) {
	db := MustOpenDB(t)
	mustStreet(t, db)
	subj := mustCreateSubject(t, db, newSubject("王五家"))

	a1 := newReport(inA)
	a1.Description = "油烟 100% 超标"
	a1.SubjectID = subj.ID
	a1.ObservedAt = t0.Add(-3 * time.Hour)
	a2 := newReport(inA)
	a2.Category, a2.Details = gridinspect.CategoryOther, gridinspect.Details{}
	a2.Description = "路灯不亮 a_b"
	a2.ObservedAt = t0.Add(-2 * time.Hour)
	b1 := newReport(inB)
	b1.RectifiedOnSpot = true
	b1.ObservedAt = t0.Add(-1 * time.Hour)
	for _, r := range []*gridinspect.Report{a1, a2, b1} {
		mustSubmit(t, db, as(admin()), r)
	}
	// Dispatch a1 with a deadline already passed: an assignment cannot
	// set a deadline in the past, so set it directly.
	setDeadline(t, db, a1.ID, gridinspect.StatusAssigned, t0.Add(-time.Hour))

	ids := func(rs []*gridinspect.Report) []string {
		var out []string
		for _, r := range rs {
			out = append(out, r.ID)
		}
		return out
	}
	for _, tt := range []struct {
		name  string
		actor *gridinspect.Actor
		f     gridinspect.ReportFilter
		want  []string
	}{
		{"everything, newest first", admin(), gridinspect.ReportFilter{}, []string{b1.ID, a2.ID, a1.ID}},
		{"one status", admin(), gridinspect.ReportFilter{Statuses: []gridinspect.Status{gridinspect.StatusPendingVerification}}, []string{b1.ID}},
		{"two statuses", admin(), gridinspect.ReportFilter{Statuses: []gridinspect.Status{gridinspect.StatusAssigned, gridinspect.StatusReported}}, []string{a2.ID, a1.ID}},
		{"closed", admin(), gridinspect.ReportFilter{Statuses: []gridinspect.Status{gridinspect.StatusClosed}}, nil},
		{"category", admin(), gridinspect.ReportFilter{Categories: []gridinspect.Category{gridinspect.CategoryOther}}, []string{a2.ID}},
		{"grid", admin(), gridinspect.ReportFilter{GridIDs: []string{gridB}}, []string{b1.ID}},
		{"grid in upper case", admin(), gridinspect.ReportFilter{GridIDs: []string{strings.ToUpper(gridB)}}, []string{b1.ID}},
		{"subject", admin(), gridinspect.ReportFilter{SubjectID: subj.ID}, []string{a1.ID}},
		{"assignee", admin(), gridinspect.ReportFilter{AssigneeID: workerID}, []string{a1.ID}},
		{"overdue", admin(), gridinspect.ReportFilter{OverdueOnly: true}, []string{a1.ID}},
		{"due within a day", admin(), gridinspect.ReportFilter{DueWithinDays: 1}, []string{a1.ID}},
		{"observed range", admin(), gridinspect.ReportFilter{ObservedAfter: t0.Add(-150 * time.Minute), ObservedBefore: t0.Add(-time.Hour)}, []string{a2.ID}},
		{"text", admin(), gridinspect.ReportFilter{Query: "路灯"}, []string{a2.ID}},
		{"text in the address", admin(), gridinspect.ReportFilter{Query: "西街"}, []string{b1.ID}},
		{"a literal %", admin(), gridinspect.ReportFilter{Query: "100%"}, []string{a1.ID}},
		{"% matches only itself", admin(), gridinspect.ReportFilter{Query: "%"}, []string{a1.ID}},
		{"_ matches only itself", admin(), gridinspect.ReportFilter{Query: "_"}, []string{a2.ID}},
		{"deadline order: with deadlines first", admin(), gridinspect.ReportFilter{Order: gridinspect.OrderDeadline}, sortedAfter(a1.ID, a2.ID, b1.ID)},
		{"a worker sees its grid", worker(gridA), gridinspect.ReportFilter{}, []string{a2.ID, a1.ID}},
		{"a worker of no grid sees nothing", worker(), gridinspect.ReportFilter{}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, next, err := db.ListReports(as(tt.actor), tt.f)
			if err != nil {
				t.Fatal(err)
			}
			if next != "" {
				t.Errorf("next page token %q, want none", next)
			}
			assertEqual(t, ids(got), tt.want)
		})
	}
}

// sortedAfter returns first followed by the others in id order: deadline
// order puts the reports without a deadline last, by id.
func sortedAfter(first string, others ...string) []string {
	s := sortedUnique(others)
	return append([]string{first}, s...)
}

// setDeadline dispatches a case by writing its row directly, which can
// set any deadline, past ones included; the assignment action cannot.
func setDeadline(tb testing.TB, db *testDB, id string, status gridinspect.Status, deadline time.Time) {
	tb.Helper()
	err := db.Write(context.Background(), func(tx *Tx) error {
		_, err := tx.Exec("UPDATE reports SET status = ?, deadline = ?, assignee_id = ? WHERE id = ?",
			status, deadline.UnixNano(), workerID, id)
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
}

func TestListReports_DeadlineOrderPagesAcrossReportsWithout(t *testing.T) {
	db := MustOpenDB(t)
	mustStreet(t, db)
	var with, without []string
	for i := range 12 {
		r := mustSubmit(t, db, as(admin()), newReport(inA))
		if i%2 == 0 {
			setDeadline(t, db, r.ID, gridinspect.StatusAssigned, t0.Add(time.Duration(12-i)*time.Hour))
			with = append([]string{r.ID}, with...) // later i, sooner deadline
		} else {
			without = append(without, r.ID)
		}
	}
	want := append(with, sortedUnique(without)...)
	var got []string
	token := ""
	for {
		page, next, err := db.ListReports(as(admin()), gridinspect.ReportFilter{OpenOnly: true, Order: gridinspect.OrderDeadline, PageSize: 5, PageToken: token})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range page {
			got = append(got, r.ID)
		}
		if next == "" {
			break
		}
		token = next
	}
	assertEqual(t, got, want)
}

func TestListReports_PageTokens(t *testing.T) {
	db := MustOpenDB(t)
	mustStreet(t, db)
	for range 3 {
		mustSubmit(t, db, as(admin()), newReport(inA))
	}
	f := gridinspect.ReportFilter{OpenOnly: true, PageSize: 2}
	_, next, err := db.ListReports(as(admin()), f)
	if err != nil || next == "" {
		t.Fatalf("first page: next %q, err %v", next, err)
	}

	other := f
	other.OpenOnly, other.PageToken = false, next
	_, _, err = db.ListReports(as(admin()), other)
	e := wantCode(t, err, gridinspect.EINVALID)
	if e.Message != "page_token does not match the filter" {
		t.Errorf("message %q", e.Message)
	}

	for _, garbled := range []string{"%%%", "bm90IGpzb24", next[:len(next)-3]} {
		g := f
		g.PageToken = garbled
		_, _, err := db.ListReports(as(admin()), g)
		wantField(t, err, "page_token")
	}

	// A patrol's token is not a report's.
	_, _, err = db.ListReports(as(admin()), gridinspect.ReportFilter{PageToken: pageToken{Filter: filterHash("patrols", patrolFilterKey{}), ID: newID()}.encode()})
	wantField(t, err, "page_token")

	// The same filter with another page size goes on.
	more := f
	more.PageSize, more.PageToken = 10, next
	page, last, err := db.ListReports(as(admin()), more)
	if err != nil || len(page) != 1 || last != "" {
		t.Fatalf("second page: %d reports, next %q, err %v; want 1, none, nil", len(page), last, err)
	}
}

func TestListReports_BadFiltersAreEINVALID(t *testing.T) {
	db := MustOpenDB(t)
	for _, tt := range []struct {
		name  string
		f     gridinspect.ReportFilter
		field string
	}{
		{"unknown status", gridinspect.ReportFilter{Statuses: []gridinspect.Status{42}}, "statuses[0]"},
		{"unknown category", gridinspect.ReportFilter{Categories: []gridinspect.Category{1, 0}}, "categories[1]"},
		{"negative page size", gridinspect.ReportFilter{PageSize: -1}, "page_size"},
		{"negative due days", gridinspect.ReportFilter{DueWithinDays: -1}, "due_within_days"},
		{"unknown order", gridinspect.ReportFilter{Order: 7}, "order_by"},
		{"over-long query", gridinspect.ReportFilter{Query: strings.Repeat("字", 101)}, "query"},
		{"query not UTF-8", gridinspect.ReportFilter{Query: "\xff"}, "query"},
		{"observed_after out of range", gridinspect.ReportFilter{ObservedAfter: time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)}, "observed_after"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := db.ListReports(as(admin()), tt.f)
			wantField(t, err, tt.field)
		})
	}
}

func TestListReports_PageSizeDefaultsAndClamps(t *testing.T) {
	db := MustOpenDB(t)
	mustStreet(t, db)
	const n = MaxPageSize + 5
	err := db.Write(context.Background(), func(tx *Tx) error {
		for range n {
			if _, err := db.insertReport(tx, admin(), newReport(inA), "h"); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ size, want int }{{0, DefaultPageSize}, {7, 7}, {100000, MaxPageSize}} {
		page, next, err := db.ListReports(as(admin()), gridinspect.ReportFilter{PageSize: tt.size})
		if err != nil {
			t.Fatal(err)
		}
		if len(page) != tt.want || next == "" {
			t.Errorf("page_size %d: %d reports, next %q; want %d and a next page", tt.size, len(page), next, tt.want)
		}
	}
}

// reportIDs returns the ids of reports, in order.
func reportIDs(rs []*gridinspect.Report) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.ID)
	}
	return out
}

// mustList lists every report matching f, as an admin, in one page.
func mustList(tb testing.TB, db *testDB, f gridinspect.ReportFilter) []string {
	tb.Helper()
	got, next, err := db.ListReports(as(admin()), f)
	if err != nil {
		tb.Fatal(err)
	}
	if next != "" {
		tb.Fatalf("next page token %q, want one page", next)
	}
	return reportIDs(got)
}

func TestListReports_OverdueComesAndGoesWithTheClockAndTheCase(t *testing.T) {
	db, zhang := loopStreet(t)
	sup, wk := as(supervisor()), as(worker(gridA))
	submit := func() string { return mustSubmit(t, db, wk, newReport(inA)).ID }
	late, soon, unassigned := submit(), submit(), submit()
	mustAct(t, db, sup, assignBy(late, zhang.ID, t0.Add(48*time.Hour)))
	mustAct(t, db, sup, assignBy(soon, "", t0.Add(24*time.Hour)))
	pending := mustCaseIn(t, db, gridinspect.StatusPendingVerification).ID

	overdue := gridinspect.ReportFilter{OverdueOnly: true, Order: gridinspect.OrderDeadline}
	byDeadline := gridinspect.ReportFilter{OpenOnly: true, Order: gridinspect.OrderDeadline}
	for _, tt := range []struct {
		name string
		f    gridinspect.ReportFilter
		want []string
	}{
		{"nothing is overdue yet", overdue, nil},
		{"due within a day", gridinspect.ReportFilter{DueWithinDays: 1, Order: gridinspect.OrderDeadline}, []string{soon}},
		{"due within two days, soonest first", gridinspect.ReportFilter{DueWithinDays: 2, Order: gridinspect.OrderDeadline}, []string{soon, late}},
		{"open by deadline: those without one last", byDeadline, append([]string{soon, late}, sortedUnique([]string{unassigned, pending})...)},
		{"an assignee's cases", gridinspect.ReportFilter{AssigneeID: strings.ToUpper(zhang.ID)}, []string{late}},
		{"awaiting verification", gridinspect.ReportFilter{Statuses: []gridinspect.Status{gridinspect.StatusPendingVerification}}, []string{pending}},
	} {
		t.Run("at the start: "+tt.name, func(t *testing.T) {
			assertEqual(t, mustList(t, db, tt.f), tt.want)
		})
	}

	db.clock.Add(25 * time.Hour)
	assertEqual(t, mustList(t, db, overdue), []string{soon})
	if got, _ := db.GetReport(as(admin()), soon); !got.Overdue(db.clock.Now()) {
		t.Errorf("Report.Overdue disagrees with the listing")
	}
	mustAct(t, db, wk, progress(soon)) // being rectified: still overdue
	assertEqual(t, mustList(t, db, overdue), []string{soon})

	db.clock.Add(24 * time.Hour)
	assertEqual(t, mustList(t, db, overdue), []string{soon, late})

	mustAct(t, db, wk, rectify(soon, 0, 0)) // awaiting verification: no longer overdue
	assertEqual(t, mustList(t, db, overdue), []string{late})
	assertEqual(t, mustList(t, db, gridinspect.ReportFilter{Statuses: []gridinspect.Status{gridinspect.StatusPendingVerification},
		Order: gridinspect.OrderDeadline}), []string{soon, pending})

	mustAct(t, db, sup, extend(late, db.clock.Now().Add(7*24*time.Hour+time.Hour))) // more time: not overdue
	assertEqual(t, mustList(t, db, overdue), []string(nil))
	assertEqual(t, mustList(t, db, gridinspect.ReportFilter{DueWithinDays: 7}), []string(nil))
	assertEqual(t, mustList(t, db, gridinspect.ReportFilter{DueWithinDays: 8}), []string{late})
}

func TestListReports_FollowUpDueOnceItsDatePasses(t *testing.T) {
	db, _ := loopStreet(t)
	sup, wk := as(supervisor()), as(worker(gridA))
	closePolluting := func() string {
		r := newReport(inA)
		r.Category = gridinspect.CategoryPollutingEnterprise
		r.Details = gridinspect.Details{PollutingEnterprise: &gridinspect.PollutingEnterpriseDetails{Scattered: true, Activity: 1}}
		r.RectifiedOnSpot = true
		id := mustSubmit(t, db, wk, r).ID
		mustAct(t, db, sup, verifyPass(id))
		return id
	}
	first := closePolluting()
	db.clock.Add(24 * time.Hour)
	second := closePolluting()
	mustCaseIn(t, db, gridinspect.StatusClosed) // a general safety hazard: no follow-up

	due := gridinspect.ReportFilter{FollowUpDue: true}
	assertEqual(t, mustList(t, db, due), []string(nil))
	db.clock.Add(89 * 24 * time.Hour) // 90 days after the first closed
	assertEqual(t, mustList(t, db, due), []string{first})
	db.clock.Add(24 * time.Hour)
	assertEqual(t, mustList(t, db, due), []string{second, first})

	mustAct(t, db, wk, followUp(first, false)) // checked, fine: done
	assertEqual(t, mustList(t, db, due), []string{second})
	mustAct(t, db, wk, followUp(second, true)) // back: rectifying again
	assertEqual(t, mustList(t, db, due), []string(nil))
}
