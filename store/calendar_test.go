package store

import (
	"testing"
	"time"

	"github.com/gridinspect/gridinspect"
	"github.com/gridinspect/gridinspect/internal/holidays"
)

// chinaDay is a China date written 2006-01-02.
func chinaDay(tb testing.TB, s string) time.Time {
	tb.Helper()
	d, err := gridinspect.ParseChinaDate(s)
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

func mustSetCalendar(tb testing.TB, db *testDB, year int) {
	tb.Helper()
	if _, err := db.SetCalendarExceptions(as(admin()), year, true, holidays.OfficialYear(year), nil); err != nil {
		tb.Fatalf("set the calendar of %d: %v", year, err)
	}
}

func TestOnlyAdminsEditTheCalendar(t *testing.T) {
	db := MustOpenDB(t)
	official := holidays.OfficialYear(2024)
	for _, who := range []*gridinspect.Actor{supervisor(), worker(gridA)} {
		_, err := db.SetCalendarExceptions(as(who), 2024, true, official, nil)
		wantCode(t, err, gridinspect.EFORBIDDEN)
	}
	if got, err := db.CalendarExceptions(as(worker(gridA)), 2024); err != nil || len(got) != 0 {
		t.Fatalf("after refused edits, 2024 has %d exceptions, %v; want none", len(got), err)
	}

	got, err := db.SetCalendarExceptions(as(admin()), 2024, true, official, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(official) || !got[0].Date.Equal(chinaDay(t, "2024-01-01")) || got[0].Source == "" {
		t.Fatalf("2024 has %d exceptions from %v, want %d from 2024-01-01 with sources", len(got), got[0].Date, len(official))
	}

	// Add a day and take one off; the rest stays.
	extra := gridinspect.CalendarException{Date: chinaDay(t, "2024-12-31"), Kind: gridinspect.DayHoliday, Name: "街道调休"}
	got, err = db.SetCalendarExceptions(as(admin()), 2024, false, []gridinspect.CalendarException{extra},
		[]time.Time{chinaDay(t, "2024-01-01")})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(official) || !got[0].Date.Equal(chinaDay(t, "2024-02-04")) || got[len(got)-1].Name != "街道调休" {
		t.Fatalf("after adding one and removing one: %d exceptions, first %v, last %q", len(got), got[0].Date, got[len(got)-1].Name)
	}

	// What the worker reads after a reopen is what the admin set.
	db = mustReopen(t, db)
	read, err := db.CalendarExceptions(as(worker(gridA)), 2024)
	if err != nil || len(read) != len(got) {
		t.Fatalf("read back %d exceptions, %v; want %d", len(read), err, len(got))
	}
	cal, err := db.Calendar(as(worker(gridA)))
	if err != nil || !cal.Announced(2024) || cal.Announced(2025) || cal.IsWorkingDay(chinaDay(t, "2024-12-31")) {
		t.Fatalf("calendar: %v; announced 2024 %v, 2025 %v", err, cal.Announced(2024), cal.Announced(2025))
	}

	// A day of another year, or a removal with a replacement, is refused
	// naming the field.
	_, err = db.SetCalendarExceptions(as(admin()), 2025, false, []gridinspect.CalendarException{extra}, nil)
	if e := wantCode(t, err, gridinspect.EINVALID); len(e.Fields) == 0 || e.Fields[0].Field != "exceptions[0].date" {
		t.Errorf("a 2024 day in 2025's list: %v", err)
	}
	_, err = db.SetCalendarExceptions(as(admin()), 2024, true, nil, []time.Time{chinaDay(t, "2024-10-01")})
	if e := wantCode(t, err, gridinspect.EINVALID); len(e.Fields) == 0 || e.Fields[0].Field != "remove_dates" {
		t.Errorf("remove with replace: %v", err)
	}
}

func TestADeadlineInWorkingDaysFollowsTheCalendar(t *testing.T) {
	// Assigned on Friday 2024-09-27 at 15:00 China time, before 国庆.
	at := chinaDay(t, "2024-09-27").Add(15 * time.Hour)
	endOf := func(s string) time.Time { return chinaDay(t, s).Add(24*time.Hour - time.Second) }
	tests := []struct {
		name     string
		calendar bool // the official 2024 exceptions kept
		days     int  // 0: the default of a general hazard
		want     time.Time
	}{
		{"5 working days over 国庆 with its 调休 Sunday", true, 5, endOf("2024-10-10")},
		{"a general hazard's default: 5 working days", true, 0, endOf("2024-10-10")},
		{"before the admin adds 2024: Monday to Friday", false, 5, endOf("2024-10-04")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := MustOpenDB(t)
			db.clock.Add(at.Sub(db.clock.Now()))
			mustStreet(t, db)
			if tt.calendar {
				mustSetCalendar(t, db, 2024)
			}
			sup := as(supervisor())
			r := newReport(inA)
			r.ObservedAt = at.Add(-time.Hour)
			rep := mustSubmit(t, db, as(worker(gridA)), r)
			a := assign(rep.ID, "")
			a.Data.Assignment.WorkingDays = tt.days
			got, e := mustAct(t, db, sup, a)
			if !got.Deadline.Equal(tt.want) || got.DeadlineWorkingDays != 5 || e.Data.Assignment.WorkingDays != 5 {
				t.Fatalf("deadline %s in %d working days (event %d); want %s in 5", gridinspect.ChinaTime(got.Deadline),
					got.DeadlineWorkingDays, e.Data.Assignment.WorkingDays, gridinspect.ChinaTime(tt.want))
			}

			// Overdue, as listed, follows the stored deadline: not on its
			// evening, but the next morning.
			for _, c := range []struct {
				now     time.Time
				overdue bool
			}{{tt.want.Add(-4 * time.Hour), false}, {tt.want.Add(10 * time.Hour), true}} {
				db.clock.Add(c.now.Sub(db.clock.Now()))
				list, _, err := db.ListReports(sup, gridinspect.ReportFilter{OverdueOnly: true})
				if err != nil {
					t.Fatal(err)
				}
				if (len(list) == 1) != c.overdue {
					t.Errorf("at %s: %d overdue, want overdue %v", gridinspect.ChinaTime(c.now), len(list), c.overdue)
				}
			}

			// Extended by 3 working days from its deadline's day.
			ext := newAction(rep.ID, gridinspect.EventDeadlineExtended, gridinspect.EventData{
				Extension: &gridinspect.DeadlineExtension{WorkingDays: 3, Reason: "等待配件"}})
			got, _ = mustAct(t, db, sup, ext)
			want := gridinspect.EndOfChinaDay(gridinspect.NewCalendar(nil).AddWorkingDays(tt.want, 3))
			if tt.calendar {
				want = gridinspect.EndOfChinaDay(gridinspect.NewCalendar(holidays.OfficialYear(2024)).AddWorkingDays(tt.want, 3))
			}
			if !got.Deadline.Equal(want) || got.DeadlineWorkingDays != 3 || !got.OriginalDeadline.Equal(tt.want) {
				t.Errorf("extended to %s (%d working days), original %s; want %s (3)", gridinspect.ChinaTime(got.Deadline),
					got.DeadlineWorkingDays, gridinspect.ChinaTime(got.OriginalDeadline), gridinspect.ChinaTime(want))
			}
		})
	}
}
