package gridinspect

import (
	"context"
	"time"
)

// PatrolPeriod is the unit of a patrol schedule's period; the numbers are
// the API's.
type PatrolPeriod int

// Patrol periods.
const (
	PatrolPeriodUnspecified PatrolPeriod = iota
	PatrolPeriodDay
	PatrolPeriodWeek
	PatrolPeriodMonth
	// PatrolPeriodWorkingDay counts the working days (工作日) of the
	// admin's calendar: holidays skipped, weekend days worked in exchange
	// (调休上班) counted.
	PatrolPeriodWorkingDay
)

// Bounds of a patrol schedule.
const (
	MaxScheduleEvery     = 366
	MaxScheduleTimes     = 100
	MaxScheduleNoteRunes = 500
	// MaxMissedLookback is how far back ListDuePatrols looks for missed
	// periods, at most; DefaultMissedLookback when not told.
	MaxMissedLookback     = 366 * 24 * time.Hour
	DefaultMissedLookback = 30 * 24 * time.Hour
	// MaxDuePatrols is how many periods ListDuePatrols lists at most; past
	// it the oldest missed ones are left out.
	MaxDuePatrols = 10000
)

// PatrolSchedule is how often one subject or one grid must be patrolled
// (巡查计划): Times patrols in every period of Every days, weeks, months
// or working days, periods in China time counted from StartsAt. It is kept in
// versions: setting a target's schedule again ends the old version where
// the new one starts, so the periods that ended under the old one keep
// counting in summaries.
type PatrolSchedule struct {
	// Given by the client: SubjectID or GridID, not both.
	SubjectID string
	GridID    string // the target grid; for a subject's schedule, its grid once read
	Kind      PatrolKind
	Period    PatrolPeriod
	Every     int
	Times     int
	// StartsAt: the schedule counts from the start of its period holding
	// this time; once stored, that start.
	StartsAt time.Time
	Note     string

	// Set by the server.
	SubjectName string
	SubjectKind SubjectKind
	GridName    string
	SetBy       string
	SetAt       time.Time
	// EndsAt is when the version ended (zero: in force); only periods
	// that ended by then count.
	EndsAt time.Time
}

// ValidatePatrolSchedule checks what a client gave in a schedule. Field
// paths are the API's, under "schedule.".
func ValidatePatrolSchedule(s *PatrolSchedule) error {
	var v Violations
	checkScheduleTarget(&v, "schedule.", s.SubjectID, s.GridID)
	checkEnum(&v, "schedule.kind", int(s.Kind), int(PatrolKindGeneral), false)
	checkEnum(&v, "schedule.period", int(s.Period), int(PatrolPeriodWorkingDay), true)
	if s.Every < 0 || s.Every > MaxScheduleEvery {
		v.AddZh("schedule.every", "须在 1 到 "+itoa(MaxScheduleEvery)+" 之间", "must be 1 to %d (0 = 1)", MaxScheduleEvery)
	}
	if s.Times < 0 || s.Times > MaxScheduleTimes {
		v.AddZh("schedule.times", "须在 1 到 "+itoa(MaxScheduleTimes)+" 之间", "must be 1 to %d (0 = 1)", MaxScheduleTimes)
	}
	checkText(&v, "schedule.note", s.Note, MaxScheduleNoteRunes, false)
	// Working-day periods are walked day by day from the start: from the
	// calendar's first year, the walk stays a few thousand days.
	if s.Period == PatrolPeriodWorkingDay && !s.StartsAt.IsZero() && s.StartsAt.In(ChinaZone).Year() < MinCalendarYear {
		v.AddZh("schedule.starts_at", "按工作日的计划须从 "+itoa(MinCalendarYear)+" 年以后起算",
			"must be in %d or later for working days", MinCalendarYear)
	}
	return v.Err("invalid patrol schedule")
}

// ValidateScheduleTarget checks the subject or grid a request names
// (DeletePatrolScheduleRequest's top-level fields).
func ValidateScheduleTarget(subjectID, gridID string) error {
	var v Violations
	checkScheduleTarget(&v, "", subjectID, gridID)
	return v.Err("invalid patrol schedule")
}

// checkScheduleTarget requires exactly one of a subject and a grid, each a
// UUID; prefix leads the fields' paths.
func checkScheduleTarget(v *Violations, prefix, subjectID, gridID string) {
	switch {
	case subjectID == "" && gridID == "":
		v.AddZh(prefix+"subject_id", "对象和网格须填一项", "one of subject_id and grid_id is required")
	case subjectID != "" && gridID != "":
		v.AddZh(prefix+"grid_id", "对象和网格只能填一项", "give subject_id or grid_id, not both")
	}
	checkID(v, prefix+"subject_id", subjectID, false)
	checkID(v, prefix+"grid_id", gridID, false)
}

// NormalizePatrolSchedule fills the defaults of a valid schedule: every
// and times 1, and StartsAt the start of its period holding StartsAt (or
// now when unset); for working days, the start of the first working day
// of cal on or after it.
func NormalizePatrolSchedule(s *PatrolSchedule, now time.Time, cal *Calendar) {
	if s.Every == 0 {
		s.Every = 1
	}
	if s.Times == 0 {
		s.Times = 1
	}
	if s.StartsAt.IsZero() {
		s.StartsAt = now
	}
	s.StartsAt = s.Period.unitStart(s.StartsAt)
	if s.Period == PatrolPeriodWorkingDay {
		for !cal.IsWorkingDay(s.StartsAt) {
			s.StartsAt = nextDay(s.StartsAt)
		}
	}
}

// unitStart returns the start, in China time, of the day, week (Monday)
// or month holding t.
func (p PatrolPeriod) unitStart(t time.Time) time.Time {
	y, m, d := t.In(ChinaZone).Date()
	switch p {
	case PatrolPeriodWeek:
		day := time.Date(y, m, d, 0, 0, 0, 0, ChinaZone)
		back := (int(day.Weekday()) + 6) % 7 // days since Monday
		return day.AddDate(0, 0, -back)
	case PatrolPeriodMonth:
		return time.Date(y, m, 1, 0, 0, 0, 0, ChinaZone)
	default:
		return time.Date(y, m, d, 0, 0, 0, 0, ChinaZone)
	}
}

// nth returns the start of the schedule's n-th period (0 the first; n may
// be negative). Periods are counted in calendar days and months of China
// time, so they need no clock arithmetic across a month's length.
func (s *PatrolSchedule) nth(n int) time.Time {
	base := s.StartsAt.In(ChinaZone)
	switch s.Period {
	case PatrolPeriodWeek:
		return base.AddDate(0, 0, 7*s.Every*n)
	case PatrolPeriodMonth:
		return base.AddDate(0, s.Every*n, 0)
	default:
		return base.AddDate(0, 0, s.Every*n)
	}
}

// indexAt returns the number of the schedule's period holding t (negative
// before StartsAt).
func (s *PatrolSchedule) indexAt(t time.Time) int {
	base := s.StartsAt.In(ChinaZone)
	u := s.Period.unitStart(t)
	var units int
	if s.Period == PatrolPeriodMonth {
		units = (u.Year()-base.Year())*12 + int(u.Month()-base.Month())
	} else {
		// Calendar days between two China midnights: China keeps no
		// daylight saving, and rounding absorbs any historical offset.
		units = int((u.Sub(base) + 12*time.Hour) / (24 * time.Hour))
		if s.Period == PatrolPeriodWeek {
			units /= 7 // u and base are both Mondays
		}
	}
	n := units / s.Every
	if units%s.Every != 0 && units < 0 {
		n-- // floor
	}
	return n
}

// PeriodAt returns the schedule's period holding t: [start, end). For
// working days, cal says which days are worked (nil: Monday to Friday);
// on a day off between two periods (and before the first), the next
// period, which starts after t.
func (s *PatrolSchedule) PeriodAt(cal *Calendar, t time.Time) (start, end time.Time) {
	if s.Period == PatrolPeriodWorkingDay {
		var p SchedulePeriod
		s.workdayPeriods(cal, func(q SchedulePeriod) bool {
			p = q
			return !q.End.After(t)
		})
		return p.Start, p.End
	}
	n := s.indexAt(t)
	return s.nth(n), s.nth(n + 1)
}

// SchedulePeriod is one period of a schedule.
type SchedulePeriod struct {
	Start, End time.Time
}

// EndedPeriods returns the schedule's periods that ended after from and
// by to (from < End <= to), and by EndsAt when the version has ended, in
// order. For working days, cal says which days are worked (nil: Monday to
// Friday).
func (s *PatrolSchedule) EndedPeriods(cal *Calendar, from, to time.Time) []SchedulePeriod {
	if !s.EndsAt.IsZero() && s.EndsAt.Before(to) {
		to = s.EndsAt
	}
	var out []SchedulePeriod
	if s.Period == PatrolPeriodWorkingDay {
		s.workdayPeriods(cal, func(p SchedulePeriod) bool {
			if p.End.After(to) {
				return false
			}
			if p.End.After(from) {
				out = append(out, p)
			}
			return true
		})
		return out
	}
	n := max(0, s.indexAt(from))
	for {
		start, end := s.nth(n), s.nth(n+1)
		if end.After(to) {
			return out
		}
		if end.After(from) {
			out = append(out, SchedulePeriod{Start: start, End: end})
		}
		n++
	}
}

// workdayPeriods calls f with the periods of a working-day schedule in
// order, from its first, until f returns false. A period runs from the
// midnight that starts its first working day to the one that ends its
// last: the days off after it belong to no period (a patrol on a holiday
// is not one of the day before's), those inside a period of several
// working days to it. The walk starts at StartsAt each time, as the
// calendar may have changed since the schedule was set; a few thousand
// days at most for a schedule years old.
func (s *PatrolSchedule) workdayPeriods(cal *Calendar, f func(SchedulePeriod) bool) {
	every := max(s.Every, 1)
	var p SchedulePeriod
	worked := 0
	// A year has working days whatever the admin keeps (a year past
	// MaxCalendarYear counts Monday to Friday), so the walk goes on until
	// f stops it.
	for day := ChinaDay(s.StartsAt); ; day = nextDay(day) {
		if !cal.IsWorkingDay(day) {
			continue
		}
		if worked%every == 0 {
			p.Start = day
		}
		worked++
		if worked%every == 0 {
			p.End = nextDay(day)
			if !f(p) {
				return
			}
		}
	}
}

// Counts reports whether a patrol counts against the schedule, its period
// aside: about the subject, or in the grid, and of the schedule's kind
// when it names one.
func (s *PatrolSchedule) Counts(p *Patrol) bool {
	if s.Kind != PatrolKindUnspecified && p.Kind != s.Kind {
		return false
	}
	if s.SubjectID != "" {
		return p.SubjectID == s.SubjectID
	}
	return p.GridID == s.GridID
}

// DuePatrol is one period of a schedule that wants, or wanted, patrols.
type DuePatrol struct {
	Schedule   *PatrolSchedule
	Start, End time.Time
	Wanted     int
	Done       int // at most Wanted
	Missed     bool
}

// PatrolScheduleService keeps patrol schedules and says what is due.
type PatrolScheduleService interface {
	// SetPatrolSchedule sets the schedule of its subject or grid,
	// replacing the one in force. Supervisors of the target's grid and
	// admins. Errors: EINVALID (bad field, unknown subject or grid),
	// EFORBIDDEN.
	SetPatrolSchedule(ctx context.Context, s *PatrolSchedule) (*PatrolSchedule, error)

	// ListPatrolSchedules returns the schedules in force in gridIDs (empty
	// = the caller's scope), by grid and name. Errors: EINVALID,
	// EFORBIDDEN (a grid outside the caller's scope).
	ListPatrolSchedules(ctx context.Context, gridIDs []string) ([]*PatrolSchedule, error)

	// DeletePatrolSchedule ends the schedule in force of a subject or a
	// grid now. Errors: EINVALID, ENOTFOUND (none in force), EFORBIDDEN.
	DeletePatrolSchedule(ctx context.Context, subjectID, gridID string) error

	// ListDuePatrols returns the periods missed that ended after
	// missedSince (oldest first), then the periods under way that still
	// want patrols (soonest to end first), in gridIDs (empty = the
	// caller's scope), and the time they are for. Errors: EINVALID,
	// EFORBIDDEN.
	ListDuePatrols(ctx context.Context, gridIDs []string, missedSince time.Time) ([]*DuePatrol, time.Time, error)
}
