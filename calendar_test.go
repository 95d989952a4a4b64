package gridinspect_test

import (
	"errors"
	"testing"
	"time"

	"github.com/gridinspect/gridinspect"
	"github.com/gridinspect/gridinspect/internal/holidays"
)

// day is a China date written 2006-01-02.
func day(t *testing.T, s string) time.Time {
	t.Helper()
	d, err := gridinspect.ParseChinaDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestOfficialCalendarSaysWhichDaysAreWorked(t *testing.T) {
	cal := gridinspect.NewCalendar(holidays.Official())
	tests := []struct {
		date   string
		worked bool
	}{
		{"2024-09-27", true},  // Friday
		{"2024-09-28", false}, // Saturday
		{"2024-09-29", true},  // Sunday worked for 国庆 (调休)
		{"2024-10-01", false}, // 国庆
		{"2024-10-07", false}, // 国庆, a Monday
		{"2024-10-08", true},
		{"2024-10-12", true},  // Saturday worked for 国庆
		{"2024-10-13", false}, // Sunday
		{"2025-01-26", true},  // Sunday worked for 春节
		{"2025-01-28", false}, // 春节 eve
		{"2025-02-04", false}, // 春节, a Tuesday
		{"2025-02-08", true},  // Saturday worked for 春节
		{"2025-10-08", false}, // 国庆、中秋, a Wednesday
		{"2026-01-02", false}, // 元旦, a Friday
		{"2026-01-04", true},  // Sunday worked for 元旦
		{"2026-02-14", true},  // Saturday worked for 春节
		{"2026-02-23", false}, // 春节, a Monday
		{"2026-09-20", true},  // Sunday worked for 国庆
		{"2026-09-25", false}, // 中秋, a Friday
		{"2026-10-10", true},  // Saturday worked for 国庆
		{"2027-10-01", true},  // a Friday of a year not yet announced
		{"2027-10-02", false}, // a Saturday of it
	}
	for _, tt := range tests {
		if got := cal.IsWorkingDay(day(t, tt.date)); got != tt.worked {
			t.Errorf("IsWorkingDay(%s) = %v, want %v", tt.date, got, tt.worked)
		}
	}
}

func TestAddingWorkingDaysOnTheOfficialCalendar(t *testing.T) {
	cal := gridinspect.NewCalendar(holidays.Official())
	tests := []struct {
		name       string
		from       string
		n          int
		want       string
		unanounced []int
	}{
		{"the day itself is not counted", "2024-03-04", 1, "2024-03-05", nil},
		{"a week over a plain weekend", "2024-03-04", 5, "2024-03-11", nil},
		{"Friday before 国庆: the 调休 Sunday is the next working day", "2024-09-27", 1, "2024-09-29", nil},
		{"from the 调休 Sunday across 国庆", "2024-09-29", 2, "2024-10-08", nil},
		{"across 国庆 to the 调休 Saturday after it", "2024-09-30", 5, "2024-10-12", nil},
		{"across 春节 2025 with its 调休 Sunday", "2025-01-24", 5, "2025-02-07", nil},
		{"across 国庆、中秋 2025 with its 调休 Sunday", "2025-09-26", 4, "2025-10-09", nil},
		{"into 2026 over 元旦 to its 调休 Sunday", "2025-12-31", 1, "2026-01-04", nil},
		{"across 春节 2026 from its 调休 Saturday", "2026-02-13", 3, "2026-02-25", nil},
		{"across the year into 2027, not yet announced: Monday to Friday", "2026-12-30", 5, "2027-01-06", []int{2027}},
		{"zero days is the day itself", "2024-10-01", 0, "2024-10-01", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			from := day(t, tt.from).Add(15 * time.Hour) // 15:00 China time
			got := cal.AddWorkingDays(from, tt.n)
			if !got.Equal(day(t, tt.want)) {
				t.Errorf("AddWorkingDays(%s, %d) = %s, want %s", tt.from, tt.n, got.Format(time.DateOnly), tt.want)
			}
			if back := cal.CountWorkingDays(from, got); back != tt.n {
				t.Errorf("CountWorkingDays(%s, %s) = %d, want %d", tt.from, tt.want, back, tt.n)
			}
			un := cal.Unannounced(from, got)
			if len(un) != len(tt.unanounced) || (len(un) == 1 && un[0] != tt.unanounced[0]) {
				t.Errorf("Unannounced = %v, want %v", un, tt.unanounced)
			}
		})
	}
}

func TestWorkingDaysInAYearMatchTheNotices(t *testing.T) {
	cal := gridinspect.NewCalendar(holidays.Official())
	// Counted by hand for 2025: 261 weekdays, less 18 weekday holidays
	// (元旦 1, 春节 6, 清明 1, 劳动节 3, 端午 1, 国庆、中秋 6), plus 5 调休
	// weekend days: 248. 2025 and 2026 have 13 statutory days, 2024 11.
	for year, want := range map[int]int{2024: 251, 2025: 248, 2026: 248} {
		from := day(t, "2000-01-01").AddDate(year-2000, 0, -1) // 31 December of the year before
		to := from.AddDate(1, 0, 0)
		if got := cal.CountWorkingDays(from, to); got != want {
			t.Errorf("%d has %d working days, want %d", year, got, want)
		}
	}
	if got := cal.CountWorkingDays(day(t, "2026-12-31"), day(t, "2027-12-31")); got != 261 {
		t.Errorf("2027, not announced, has %d working days, want 261 (Monday to Friday)", got)
	}
}

func TestNoCalendarCountsMondayToFriday(t *testing.T) {
	var cal *gridinspect.Calendar
	if got := cal.AddWorkingDays(day(t, "2024-09-30"), 5); !got.Equal(day(t, "2024-10-07")) {
		t.Errorf("without a calendar, 5 working days after 2024-09-30 = %s, want 2024-10-07", got.Format(time.DateOnly))
	}
	if cal.Announced(2024) {
		t.Error("no calendar announces 2024")
	}
	if got := gridinspect.UnannouncedZh([]int{2027}); got != "2027 年尚未录入节假日安排，按周一至周五计" {
		t.Errorf("UnannouncedZh = %q", got)
	}
}

func TestTheOfficialYearsAreValidCalendars(t *testing.T) {
	for _, year := range []int{2024, 2025, 2026} {
		es := holidays.OfficialYear(year)
		if len(es) < 25 {
			t.Errorf("%d has %d exceptions", year, len(es))
		}
		if err := gridinspect.ValidateCalendarExceptions("exceptions", year, es); err != nil {
			t.Errorf("%d: %v", year, err)
		}
		for _, e := range es {
			if e.Name == "" || e.Source == "" {
				t.Errorf("%s has no name or source", e.Date.Format(time.DateOnly))
			}
		}
	}
	bad := []gridinspect.CalendarException{
		{Date: day(t, "2027-10-01"), Kind: gridinspect.DayHoliday, Name: "国庆节"},
		{Date: day(t, "2026-10-01"), Kind: gridinspect.DayHoliday, Name: "国庆节"},
		{Date: day(t, "2026-10-01"), Kind: gridinspect.DayHoliday, Name: "国庆节"},
		{Date: day(t, "2026-10-02"), Name: "国庆节"},
		{Date: day(t, "2026-10-03"), Kind: gridinspect.DayHoliday},
	}
	err := gridinspect.ValidateCalendarExceptions("exceptions", 2026, bad)
	want := []string{"exceptions[0].date", "exceptions[2].date", "exceptions[3].kind", "exceptions[4].name"}
	var v *gridinspect.Error
	if !asError(err, &v) || len(v.Fields) != len(want) {
		t.Fatalf("err = %v, want violations of %v", err, want)
	}
	for i, f := range want {
		if v.Fields[i].Field != f {
			t.Errorf("violation %d is of %s, want %s", i, v.Fields[i].Field, f)
		}
	}
}

func TestDeadlinesInWorkingDays(t *testing.T) {
	rules := gridinspect.DefaultRules
	rules.Calendar = gridinspect.NewCalendar(holidays.Official())
	// Assigned on Friday 2024-09-27 at 15:00 China time, before 国庆.
	at := day(t, "2024-09-27").Add(15 * time.Hour)
	endOf := func(s string) time.Time { return day(t, s).Add(24*time.Hour - time.Second) }
	tests := []struct {
		name     string
		category gridinspect.Category
		severity gridinspect.Severity
		as       gridinspect.Assignment
		want     time.Time
		wantDays int
	}{
		{"a general hazard's default counts 5 working days, across 国庆", gridinspect.CategorySafetyHazard,
			gridinspect.SeverityGeneral, gridinspect.Assignment{}, endOf("2024-10-10"), 5},
		{"a major hazard's default counts 30 calendar days", gridinspect.CategorySafetyHazard,
			gridinspect.SeverityMajor, gridinspect.Assignment{}, at.Add(30 * 24 * time.Hour), 0},
		{"a water source's default counts 7 calendar days", gridinspect.CategoryWaterSourceRisk,
			gridinspect.SeverityGeneral, gridinspect.Assignment{}, at.Add(7 * 24 * time.Hour), 0},
		{"10 working days given", gridinspect.CategoryIllegalConstruction,
			gridinspect.SeverityGeneral, gridinspect.Assignment{WorkingDays: 10}, endOf("2024-10-16"), 10},
		{"a time given wins, and counts no working days", gridinspect.CategorySafetyHazard,
			gridinspect.SeverityGeneral, gridinspect.Assignment{Deadline: endOf("2024-10-31")}, endOf("2024-10-31"), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := &gridinspect.Report{ID: "0190b7e4-8c2a-7d3e-9f10-2b3c4d5e6f70", Category: tt.category, Severity: tt.severity,
				Status: gridinspect.StatusReported, Version: 1, ObservedAt: at.Add(-time.Hour)}
			as := tt.as
			as.ResponsibleUnit = "某某企业"
			a := &gridinspect.Action{ID: "0190b7e4-8c2a-7d3e-9f10-2b3c4d5e6f72", ReportID: rep.ID,
				Type: gridinspect.EventReportAssigned, OccurredAt: at, Data: gridinspect.EventData{Assignment: &as}}
			if err := rules.ValidateAction(a); err != nil {
				t.Fatal(err)
			}
			r, e, err := rules.Apply(rep, a, &gridinspect.Actor{UserID: "s", Role: gridinspect.RoleSupervisor, AllGrids: true}, at)
			if err != nil {
				t.Fatal(err)
			}
			if !r.Deadline.Equal(tt.want) || r.DeadlineWorkingDays != tt.wantDays || e.Data.Assignment.WorkingDays != tt.wantDays {
				t.Errorf("deadline %s in %d working days (event: %d), want %s in %d", gridinspect.ChinaTime(r.Deadline),
					r.DeadlineWorkingDays, e.Data.Assignment.WorkingDays, gridinspect.ChinaTime(tt.want), tt.wantDays)
			}
			// Overdue follows the stored deadline: not that evening, but the next morning.
			if r.Overdue(tt.want.Add(-time.Minute)) || !r.Overdue(tt.want.Add(9*time.Hour)) {
				t.Errorf("overdue a minute before or 9 hours after the deadline: %v, %v",
					r.Overdue(tt.want.Add(-time.Minute)), r.Overdue(tt.want.Add(9*time.Hour)))
			}
		})
	}

	t.Run("an extension by working days counts from the current deadline's day", func(t *testing.T) {
		rep := &gridinspect.Report{ID: "0190b7e4-8c2a-7d3e-9f10-2b3c4d5e6f70", Category: gridinspect.CategorySafetyHazard,
			Status: gridinspect.StatusAssigned, Version: 2, ObservedAt: at, Deadline: endOf("2024-09-30")}
		a := &gridinspect.Action{ID: "0190b7e4-8c2a-7d3e-9f10-2b3c4d5e6f72", ReportID: rep.ID, Type: gridinspect.EventDeadlineExtended,
			OccurredAt: at, Data: gridinspect.EventData{Extension: &gridinspect.DeadlineExtension{WorkingDays: 3, Reason: "节后施工"}}}
		if err := rules.ValidateAction(a); err != nil {
			t.Fatal(err)
		}
		r, e, err := rules.Apply(rep, a, &gridinspect.Actor{UserID: "s", Role: gridinspect.RoleSupervisor, AllGrids: true}, at)
		if err != nil {
			t.Fatal(err)
		}
		if !r.Deadline.Equal(endOf("2024-10-10")) || r.DeadlineWorkingDays != 3 || !e.Data.Extension.Previous.Equal(endOf("2024-09-30")) {
			t.Errorf("extended to %s (%d working days) from %s", gridinspect.ChinaTime(r.Deadline), r.DeadlineWorkingDays,
				gridinspect.ChinaTime(e.Data.Extension.Previous))
		}
	})

	for _, tt := range []struct {
		name string
		data gridinspect.EventData
		typ  gridinspect.EventType
	}{
		{"both a deadline and working days", gridinspect.EventData{Assignment: &gridinspect.Assignment{
			ResponsibleUnit: "x", Deadline: at.Add(time.Hour), WorkingDays: 3}}, gridinspect.EventReportAssigned},
		{"too many working days", gridinspect.EventData{Assignment: &gridinspect.Assignment{
			ResponsibleUnit: "x", WorkingDays: gridinspect.MaxWorkingDays + 1}}, gridinspect.EventReportAssigned},
		{"negative working days", gridinspect.EventData{Extension: &gridinspect.DeadlineExtension{
			Reason: "x", WorkingDays: -1}}, gridinspect.EventDeadlineExtended},
	} {
		t.Run(tt.name+" is refused naming the field", func(t *testing.T) {
			a := &gridinspect.Action{ID: "0190b7e4-8c2a-7d3e-9f10-2b3c4d5e6f72", ReportID: "0190b7e4-8c2a-7d3e-9f10-2b3c4d5e6f70",
				Type: tt.typ, Data: tt.data}
			var v *gridinspect.Error
			if err := rules.ValidateAction(a); !asError(err, &v) || len(v.Fields) == 0 || v.Fields[0].Field != "deadline_working_days" {
				t.Errorf("err = %v, want a violation of deadline_working_days", err)
			}
		})
	}
}

func asError(err error, target **gridinspect.Error) bool { return errors.As(err, target) }
