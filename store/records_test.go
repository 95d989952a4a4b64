package store

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/gridinspect/gridinspect"
)

// exportStreet is grids A and B with a reporter in A, an assignee with a
// display name and one without, a household, and 23 reports: some with
// the household, some assigned, one with two notices and a notice that
// arrived after the case was closed (a conflict, not the case's).
type exportStreet struct {
	*statsStreet
	reporter, named, unnamed *gridinspect.User
	noticed, closed          string
	numbers                  []string // the notices' numbers, in order
}

func newExportStreet(tb testing.TB) *exportStreet {
	tb.Helper()
	st := &exportStreet{statsStreet: newStatsStreet(tb)}
	db := st.testDB
	st.reporter = mustCreateUser(tb, db, newUser("wang.wu", gridA))
	st.named = mustCreateUser(tb, db, newUser("zhang.san", gridA, gridB))
	unnamed := newUser("li.si", gridA, gridB)
	unnamed.DisplayName = ""
	st.unnamed = mustCreateUser(tb, db, unnamed)
	reporter := as(&gridinspect.Actor{UserID: st.reporter.ID, Username: "wang.wu", Role: gridinspect.RoleWorker,
		GridIDs: []string{gridA}})
	for i := range 23 {
		loc := []gridinspect.Location{inA, inB}[i%2]
		r := st.report(gridinspect.CategorySafetyHazard, loc, date(3, 1, 9).Add(time.Duration(i)*time.Hour))
		if i%3 == 0 {
			r.Category, r.Details = gridinspect.CategoryDangerousHouse, gridinspect.Details{
				DangerousHouse: &gridinspect.DangerousHouseDetails{AppraisalGrade: 4}}
			r.SubjectID = map[bool]string{true: st.houseA, false: st.houseB}[loc == inA]
		}
		var stored *gridinspect.Report
		if loc == inA {
			stored = mustSubmit(tb, db, reporter, r)
		} else {
			stored = st.submit(tb, r)
		}
		switch i % 4 {
		case 1:
			st.do(tb, assignBy(stored.ID, st.named.ID, date(3, 20, 0)), date(3, 2, 9))
		case 2:
			st.do(tb, assignBy(stored.ID, st.unnamed.ID, date(3, 10, 0).Add(time.Duration(i)*time.Hour)), date(3, 2, 9))
		}
		if i == 5 {
			st.noticed = stored.ID
			for _, k := range []gridinspect.NoticeKind{gridinspect.NoticeRectificationOrder, gridinspect.NoticeEnforcement} {
				a := notice(stored.ID, k)
				a.OccurredAt = date(3, 3, 9)
				_, e, err := st.Act(as(admin()), a, gridinspect.Online)
				if err != nil {
					tb.Fatal(err)
				}
				st.numbers = append(st.numbers, e.Data.Notice.Number)
			}
		}
		if i == 10 {
			st.closed = stored.ID
			st.fix(tb, stored.ID, 0, 0, date(3, 5, 9))
			late := notice(stored.ID, gridinspect.NoticeHazard)
			late.OccurredAt = date(3, 6, 9)
			if _, e, _ := st.Act(as(admin()), late, gridinspect.Offline); e == nil || !e.Conflict {
				tb.Fatalf("a late notice on a closed case: %+v, want a conflict", e)
			}
		}
	}
	return st
}

// withPageSize runs f with EachReport reading n reports at a time.
func withPageSize(tb testing.TB, n int) {
	tb.Helper()
	old := eachReportPageSize
	eachReportPageSize = n
	tb.Cleanup(func() { eachReportPageSize = old })
}

// mustEach returns the records EachReport gives for f.
func mustEach(tb testing.TB, st *exportStreet, a *gridinspect.Actor, f gridinspect.ReportFilter) []*gridinspect.ReportRecord {
	tb.Helper()
	var records []*gridinspect.ReportRecord
	if err := st.EachReport(as(a), f, func(r *gridinspect.ReportRecord) error {
		records = append(records, r)
		return nil
	}); err != nil {
		tb.Fatalf("each report: %v", err)
	}
	return records
}

// listAll returns the ids ListReports gives for f, page by page.
func listAll(tb testing.TB, st *exportStreet, a *gridinspect.Actor, f gridinspect.ReportFilter) []string {
	tb.Helper()
	var ids []string
	f.PageSize = 4
	for {
		page, next, err := st.ListReports(as(a), f)
		if err != nil {
			tb.Fatal(err)
		}
		for _, r := range page {
			ids = append(ids, r.ID)
		}
		if next == "" {
			return ids
		}
		f.PageToken = next
	}
}

func TestEachReport_EveryMatchingReportOnceInTheFiltersOrder(t *testing.T) {
	st := newExportStreet(t)
	withPageSize(t, 5) // 23 reports: five pages
	for _, tt := range []struct {
		name   string
		actor  *gridinspect.Actor
		filter gridinspect.ReportFilter
		want   int
	}{
		{"everything, newest first", admin(), gridinspect.ReportFilter{}, 23},
		{"by deadline, those without one last", admin(), gridinspect.ReportFilter{Order: gridinspect.OrderDeadline}, 23},
		{"open dangerous houses", admin(), gridinspect.ReportFilter{OpenOnly: true,
			Categories: []gridinspect.Category{gridinspect.CategoryDangerousHouse}}, 8},
		{"a supervisor of grid A: only A's", supervisor(gridA), gridinspect.ReportFilter{}, 12},
		{"page fields are ignored", admin(), gridinspect.ReportFilter{PageSize: 2, PageToken: "not a token"}, 23},
	} {
		t.Run(tt.name, func(t *testing.T) {
			records := mustEach(t, st, tt.actor, tt.filter)
			var ids []string
			for _, r := range records {
				ids = append(ids, r.Report.ID)
			}
			f := tt.filter
			f.PageToken = ""
			if want := listAll(t, st, tt.actor, f); !slices.Equal(ids, want) {
				t.Fatalf("ids\n%v\nwant ListReports' order\n%v", ids, want)
			}
			if len(ids) != tt.want {
				t.Fatalf("%d records, want %d", len(ids), tt.want)
			}
			n, err := st.CountReports(as(tt.actor), tt.filter)
			if err != nil || n != int64(tt.want) {
				t.Fatalf("count = %d, %v; want %d", n, err, tt.want)
			}
		})
	}
}

func TestEachReport_NamesAndNoticeNumbersInsteadOfIds(t *testing.T) {
	st := newExportStreet(t)
	withPageSize(t, 4)
	records := mustEach(t, st, admin(), gridinspect.ReportFilter{})
	byID := map[string]*gridinspect.ReportRecord{}
	for _, r := range records {
		byID[r.Report.ID] = r
		rep := r.Report
		wantGrid := map[string]string{gridA: "东村", gridB: "西社区"}[rep.GridID]
		wantReporter := map[string]string{st.reporter.ID: "网格员 wang.wu"}[rep.ReporterID]
		wantAssignee := map[string]string{st.named.ID: "网格员 zhang.san", st.unnamed.ID: "li.si"}[rep.AssigneeID]
		wantSubject := map[string]string{st.houseA: "王家", st.houseB: "李家"}[rep.SubjectID]
		if r.GridName != wantGrid || r.ReporterName != wantReporter || r.AssigneeName != wantAssignee || r.SubjectName != wantSubject {
			t.Errorf("report %s: grid %q, reporter %q, assignee %q, subject %q; want %q, %q, %q, %q", rep.ID,
				r.GridName, r.ReporterName, r.AssigneeName, r.SubjectName, wantGrid, wantReporter, wantAssignee, wantSubject)
		}
	}
	if got := byID[st.noticed].NoticeNumbers; !slices.Equal(got, st.numbers) || len(got) != 2 {
		t.Fatalf("notice numbers %v, want %v", got, st.numbers)
	}
	if got := byID[st.closed].NoticeNumbers; len(got) != 0 {
		t.Fatalf("a conflict's notice is listed: %v", got)
	}
	got, err := st.GetReport(as(admin()), st.closed)
	if err != nil {
		t.Fatal(err)
	}
	assertEqual(t, byID[st.closed].Report, got)
}

func TestEachReport_SupervisorsAndAdminsOnly(t *testing.T) {
	st := newExportStreet(t)
	called := func(*gridinspect.ReportRecord) error { t.Fatal("fn called"); return nil }
	wantCode(t, st.EachReport(as(worker(gridA)), gridinspect.ReportFilter{}, called), gridinspect.EFORBIDDEN)
	if _, err := st.CountReports(as(worker(gridA)), gridinspect.ReportFilter{}); gridinspect.ErrorCode(err) != gridinspect.EFORBIDDEN {
		t.Fatalf("count as a worker: %v", err)
	}
	err := st.EachReport(as(supervisor(gridA)), gridinspect.ReportFilter{GridIDs: []string{gridB}}, called)
	if e := wantCode(t, err, gridinspect.EFORBIDDEN); e != gridinspect.ErrOutOfScope {
		t.Fatalf("a grid outside the caller's: %v, want ErrOutOfScope", err)
	}
	wantField(t, st.EachReport(as(admin()), gridinspect.ReportFilter{Statuses: []gridinspect.Status{42}}, called), "statuses[0]")
}

func TestEachReport_StopsAtTheFirstError(t *testing.T) {
	st := newExportStreet(t)
	withPageSize(t, 5)
	stop := errors.New("disk full")
	n := 0
	err := st.EachReport(as(admin()), gridinspect.ReportFilter{}, func(*gridinspect.ReportRecord) error {
		n++
		if n == 7 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 7 {
		t.Fatalf("err %v after %d records, want %v after 7", err, n, stop)
	}
}
