package gridinspect

import (
	"testing"
	"time"
)

// TestPatrolSchedule_PeriodsAreCalendarPeriodsInChinaTime: a schedule's
// periods start at China midnights, weeks on Monday, months on the 1st,
// and periods of several units count from the one the schedule starts in.
func TestPatrolSchedule_PeriodsAreCalendarPeriodsInChinaTime(t *testing.T) {
	cn := func(y int, m time.Month, d, h int) time.Time { return time.Date(y, m, d, h, 0, 0, 0, ChinaZone) }
	tests := []struct {
		name       string
		period     PatrolPeriod
		every      int
		starts, at time.Time
		start, end time.Time
	}{
		{"a week from Monday", PatrolPeriodWeek, 1, cn(2024, 6, 5, 10), cn(2024, 6, 16, 23), cn(2024, 6, 10, 0), cn(2024, 6, 17, 0)},
		// 00:30 Monday China time is still Sunday in UTC.
		{"Monday in China, Sunday in UTC", PatrolPeriodWeek, 1, cn(2024, 6, 3, 0), cn(2024, 6, 17, 0).Add(30 * time.Minute),
			cn(2024, 6, 17, 0), cn(2024, 6, 24, 0)},
		{"every two weeks", PatrolPeriodWeek, 2, cn(2024, 6, 3, 9), cn(2024, 6, 18, 9), cn(2024, 6, 17, 0), cn(2024, 7, 1, 0)},
		{"every ten days across a month", PatrolPeriodDay, 10, cn(2024, 6, 1, 0), cn(2024, 7, 2, 8), cn(2024, 7, 1, 0), cn(2024, 7, 11, 0)},
		{"a day", PatrolPeriodDay, 1, cn(2024, 6, 1, 0), cn(2024, 6, 9, 23), cn(2024, 6, 9, 0), cn(2024, 6, 10, 0)},
		{"a month", PatrolPeriodMonth, 1, cn(2024, 1, 31, 12), cn(2024, 2, 29, 23), cn(2024, 2, 1, 0), cn(2024, 3, 1, 0)},
		{"a quarter across a year", PatrolPeriodMonth, 3, cn(2024, 11, 15, 0), cn(2025, 2, 3, 0), cn(2025, 2, 1, 0), cn(2025, 5, 1, 0)},
		{"before the start", PatrolPeriodDay, 10, cn(2024, 6, 1, 0), cn(2024, 5, 25, 0), cn(2024, 5, 22, 0), cn(2024, 6, 1, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &PatrolSchedule{Period: tt.period, Every: tt.every, StartsAt: tt.starts}
			NormalizePatrolSchedule(s, time.Time{}, nil)
			start, end := s.PeriodAt(nil, tt.at)
			if !start.Equal(tt.start) || !end.Equal(tt.end) {
				t.Errorf("PeriodAt(%v) = %v – %v, want %v – %v", tt.at, start, end, tt.start, tt.end)
			}
		})
	}
}

// TestPatrolSchedule_EndedPeriods: the periods that end inside (from, to],
// and by the version's end.
func TestPatrolSchedule_EndedPeriods(t *testing.T) {
	cn := func(m time.Month, d int) time.Time { return time.Date(2024, m, d, 0, 0, 0, 0, ChinaZone) }
	s := &PatrolSchedule{Period: PatrolPeriodWeek, StartsAt: cn(6, 3)}
	NormalizePatrolSchedule(s, time.Time{}, nil)
	if got := s.EndedPeriods(nil, cn(6, 1), cn(7, 1)); len(got) != 4 || !got[0].Start.Equal(cn(6, 3)) || !got[3].End.Equal(cn(7, 1)) {
		t.Errorf("June: %v, want the four weeks from 3 June", got)
	}
	s.EndsAt = cn(6, 20)
	if got := s.EndedPeriods(nil, cn(6, 1), cn(7, 1)); len(got) != 2 {
		t.Errorf("ended 20 June: %v, want the two weeks that ended by then", got)
	}
}
