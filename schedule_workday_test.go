package gridinspect_test

import (
	"testing"
	"time"

	"github.com/gridinspect/gridinspect"
	"github.com/gridinspect/gridinspect/internal/holidays"
)

// TestPatrolSchedule_WorkingDaysAreTheCalendars: a working-day schedule's
// periods are the working days of the admin's calendar — a 调休 weekend
// day one, a holiday none — from 00:00 of the first to 24:00 of the last,
// counted from the first working day on or after its start; a year not
// announced counts Monday to Friday.
func TestPatrolSchedule_WorkingDaysAreTheCalendars(t *testing.T) {
	cn := func(y int, m time.Month, d, h int) time.Time {
		return time.Date(y, m, d, h, 0, 0, 0, gridinspect.ChinaZone)
	}
	official := gridinspect.NewCalendar(holidays.Official())
	tests := []struct {
		name       string
		cal        *gridinspect.Calendar
		every      int
		starts, at time.Time
		start, end time.Time
	}{
		{"a working day", official, 1, cn(2024, 9, 23, 9), cn(2024, 9, 26, 15), cn(2024, 9, 26, 0), cn(2024, 9, 27, 0)},
		{"the 调休 Sunday", official, 1, cn(2024, 9, 23, 0), cn(2024, 9, 29, 8), cn(2024, 9, 29, 0), cn(2024, 9, 30, 0)},
		{"a holiday: the next working day", official, 1, cn(2024, 9, 23, 0), cn(2024, 10, 3, 10), cn(2024, 10, 8, 0), cn(2024, 10, 9, 0)},
		{"the 调休 Saturday", official, 1, cn(2024, 9, 23, 0), cn(2024, 10, 12, 23), cn(2024, 10, 12, 0), cn(2024, 10, 13, 0)},
		{"five working days over 国庆", official, 5, cn(2024, 9, 23, 0), cn(2024, 10, 4, 12), cn(2024, 9, 29, 0), cn(2024, 10, 11, 0)},
		{"started on a holiday: from the next working day", official, 1, cn(2024, 10, 1, 9), cn(2024, 10, 1, 9),
			cn(2024, 10, 8, 0), cn(2024, 10, 9, 0)},
		// Spring Festival 2025: 26 January (Sunday) worked, 28 January to
		// 4 February off, 8 February (Saturday) worked.
		{"three working days over 春节", official, 3, cn(2025, 1, 22, 0), cn(2025, 1, 30, 0), cn(2025, 1, 26, 0), cn(2025, 2, 6, 0)},
		{"no calendar: Monday to Friday", nil, 1, cn(2024, 9, 23, 0), cn(2024, 9, 29, 8), cn(2024, 9, 30, 0), cn(2024, 10, 1, 0)},
		{"a year not announced: Monday to Friday", official, 2, cn(2030, 1, 1, 0), cn(2030, 1, 5, 12), cn(2030, 1, 7, 0), cn(2030, 1, 9, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &gridinspect.PatrolSchedule{Period: gridinspect.PatrolPeriodWorkingDay, Every: tt.every, StartsAt: tt.starts}
			gridinspect.NormalizePatrolSchedule(s, time.Time{}, tt.cal)
			start, end := s.PeriodAt(tt.cal, tt.at)
			if !start.Equal(tt.start) || !end.Equal(tt.end) {
				t.Errorf("PeriodAt(%v) = %v – %v, want %v – %v", tt.at, start, end, tt.start, tt.end)
			}
		})
	}
}

// TestPatrolSchedule_WorkingDaysEndedInAMonth: October 2024 has 19
// working days on the official calendar (23 weekdays, less 5 of 国庆, and
// Saturday 12 October), 23 on Monday to Friday; a version that ended on
// the 10th keeps the 4 of them that ended by then (8 and 9 October are
// ended; the 10th is cut short).
func TestPatrolSchedule_WorkingDaysEndedInAMonth(t *testing.T) {
	cn := func(m time.Month, d int) time.Time { return time.Date(2024, m, d, 0, 0, 0, 0, gridinspect.ChinaZone) }
	official := gridinspect.NewCalendar(holidays.Official())
	s := &gridinspect.PatrolSchedule{Period: gridinspect.PatrolPeriodWorkingDay, StartsAt: cn(9, 1)}
	gridinspect.NormalizePatrolSchedule(s, time.Time{}, official)
	if got := s.EndedPeriods(official, cn(10, 1), cn(11, 1)); len(got) != 19 {
		t.Errorf("October on the calendar: %d periods, want 19: %v", len(got), got)
	}
	if got := s.EndedPeriods(nil, cn(10, 1), cn(11, 1)); len(got) != 23 {
		t.Errorf("October Monday to Friday: %d periods, want 23", len(got))
	}
	s.EndsAt = cn(10, 10).Add(9 * time.Hour)
	if got := s.EndedPeriods(official, cn(9, 28), cn(11, 1)); len(got) != 4 || !got[0].Start.Equal(cn(9, 29)) ||
		!got[3].Start.Equal(cn(10, 9)) {
		t.Errorf("ended on 10 October: %v, want 29 and 30 September, 8 and 9 October", got)
	}
}

func TestValidatePatrolSchedule_WorkingDaysFrom2000(t *testing.T) {
	s := &gridinspect.PatrolSchedule{GridID: "0195a0c0-0000-7000-8000-0000000000aa", Period: gridinspect.PatrolPeriodWorkingDay,
		StartsAt: time.Date(1999, 12, 31, 0, 0, 0, 0, gridinspect.ChinaZone)}
	if err := gridinspect.ValidatePatrolSchedule(s); gridinspect.ErrorCode(err) != gridinspect.EINVALID {
		t.Errorf("working days from 1999: %v, want EINVALID on schedule.starts_at", err)
	}
	s.StartsAt = s.StartsAt.AddDate(0, 0, 1)
	if err := gridinspect.ValidatePatrolSchedule(s); err != nil {
		t.Errorf("working days from 2000: %v", err)
	}
	s.Period, s.StartsAt = gridinspect.PatrolPeriodWorkingDay+1, time.Time{}
	if err := gridinspect.ValidatePatrolSchedule(s); gridinspect.ErrorCode(err) != gridinspect.EINVALID {
		t.Errorf("period 5: %v, want EINVALID", err)
	}
}
