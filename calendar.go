package gridinspect

import (
	"slices"
	"strconv"
	"time"
)

// Working days (工作日). China's working week is Monday to Friday, except
// where the State Council's yearly notice says otherwise: statutory
// holidays off, and weekend days worked in exchange (调休上班). The notice
// for a year appears in October–November of the year before, so the
// admin keeps the exceptions; a year with none is counted Monday to Friday
// until its exceptions are added.

// DayKind says how an exception changes a day; the numbers are the API's.
type DayKind int

// Day kinds.
const (
	DayKindUnspecified DayKind = iota
	DayHoliday                 // a day off (放假), usually a weekday
	DayWorkday                 // a weekend day worked (调休上班)
)

// MaxCalendarExceptionsPerYear bounds a year's exceptions: every day of
// it, at most.
const MaxCalendarExceptionsPerYear = 366

// MaxWorkingDays bounds a deadline given in working days: about a year.
const MaxWorkingDays = 250

// Calendar years the admin may keep: from the first year with an official
// notice kept here to well past any case's deadline.
const (
	MinCalendarYear = 2000
	MaxCalendarYear = 2100
)

// CalendarException is one day that is not as Monday–Friday would have it.
type CalendarException struct {
	Date   time.Time // the day: midnight China time (ChinaDay)
	Kind   DayKind
	Name   string // the holiday, e.g. 国庆节, or 国庆节调休上班
	Source string // the notice that announced it, e.g. 国办发明电〔2023〕7号
}

// Year is the calendar year of the exception's day.
func (e CalendarException) Year() int { return e.Date.In(ChinaZone).Year() }

// ChinaDay returns midnight, China time, of the day t falls on in China.
func ChinaDay(t time.Time) time.Time {
	y, m, d := t.In(ChinaZone).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, ChinaZone)
}

// EndOfChinaDay is the last second of the day t falls on in China: the
// deadline a count of days lands on, so that the whole day counts and a
// case closed that evening is on time.
func EndOfChinaDay(t time.Time) time.Time {
	y, m, d := t.In(ChinaZone).Date()
	return time.Date(y, m, d, 23, 59, 59, 0, ChinaZone)
}

// ParseChinaDate reads a day written 2006-01-02 as midnight China time.
func ParseChinaDate(s string) (time.Time, error) {
	return time.ParseInLocation(time.DateOnly, s, ChinaZone)
}

// Calendar says which days are working days. The zero value and nil
// count Monday to Friday.
type Calendar struct {
	days  map[time.Time]DayKind // keyed by ChinaDay
	years map[int]bool          // years with any exception: announced
}

// NewCalendar returns the calendar with the given exceptions.
func NewCalendar(exceptions []CalendarException) *Calendar {
	c := &Calendar{days: make(map[time.Time]DayKind, len(exceptions)), years: map[int]bool{}}
	for _, e := range exceptions {
		c.days[ChinaDay(e.Date)] = e.Kind
		c.years[e.Year()] = true
	}
	return c
}

// Announced reports whether the year's exceptions have been added; a year
// without them counts Monday to Friday.
func (c *Calendar) Announced(year int) bool { return c != nil && c.years[year] }

// IsWorkingDay reports whether the China day t falls on is worked.
func (c *Calendar) IsWorkingDay(t time.Time) bool {
	day := ChinaDay(t)
	if c != nil {
		switch c.days[day] {
		case DayHoliday:
			return false
		case DayWorkday:
			return true
		}
	}
	wd := day.Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// AddWorkingDays returns the n-th working day after the China day from
// falls on (that day itself not counted, as periods are counted in
// Chinese administrative practice), at midnight China time; n < 1 returns
// from's day.
func (c *Calendar) AddWorkingDays(from time.Time, n int) time.Time {
	day := ChinaDay(from)
	for n > 0 {
		day = nextDay(day)
		if c.IsWorkingDay(day) {
			n--
		}
	}
	return day
}

// CountWorkingDays counts the working days after from's China day up to
// and including to's: AddWorkingDays(from, n) counts n. 0 when to is not
// after from.
func (c *Calendar) CountWorkingDays(from, to time.Time) int {
	n := 0
	for day, end := nextDay(ChinaDay(from)), ChinaDay(to); !day.After(end); day = nextDay(day) {
		if c.IsWorkingDay(day) {
			n++
		}
	}
	return n
}

// Unannounced lists the years from from's to to's that have no
// exceptions, so that a client can say its count is Monday to Friday.
func (c *Calendar) Unannounced(from, to time.Time) []int {
	var out []int
	for y := from.In(ChinaZone).Year(); y <= to.In(ChinaZone).Year(); y++ {
		if !c.Announced(y) {
			out = append(out, y)
		}
	}
	return out
}

// UnannouncedZh says in Chinese that the years' holidays are not in yet:
// "2027 年尚未录入节假日安排，按周一至周五计"; "" for none.
func UnannouncedZh(years []int) string {
	if len(years) == 0 {
		return ""
	}
	s := ""
	for i, y := range years {
		if i > 0 {
			s += "、"
		}
		s += strconv.Itoa(y)
	}
	return s + " 年尚未录入节假日安排，按周一至周五计"
}

// nextDay is the China day after day (a midnight China time). China has
// kept no daylight saving time since 1991, so every day is 24 hours.
func nextDay(day time.Time) time.Time {
	return day.AddDate(0, 0, 1)
}

// ValidateCalendarExceptions checks one year's exceptions as given: each
// day in that year (a holiday may fall on a weekend: notices list every
// day of a holiday), no day twice, a name; field paths are the API's under
// field.
func ValidateCalendarExceptions(field string, year int, exceptions []CalendarException) error {
	var v Violations
	if year < MinCalendarYear || year > MaxCalendarYear {
		v.AddZh("year", "须在 "+itoa(MinCalendarYear)+" 到 "+itoa(MaxCalendarYear)+" 年之间",
			"must be between %d and %d", MinCalendarYear, MaxCalendarYear)
		return v.Err("invalid calendar")
	}
	if len(exceptions) > MaxCalendarExceptionsPerYear {
		v.AddZh(field, "最多 "+itoa(MaxCalendarExceptionsPerYear)+" 项，现有 "+itoa(len(exceptions))+" 项",
			"has %d entries; at most %d", len(exceptions), MaxCalendarExceptionsPerYear)
		return v.Err("invalid calendar")
	}
	seen := map[time.Time]bool{}
	for i, e := range exceptions {
		f := field + "[" + itoa(i) + "]"
		if e.Date.IsZero() {
			v.AddZh(f+".date", "不能为空", "is required")
			continue
		}
		if e.Year() != year {
			v.AddZh(f+".date", "不在 "+itoa(year)+" 年内", "is not in %d", year)
		}
		day := ChinaDay(e.Date)
		if seen[day] {
			v.AddZh(f+".date", "与前面的日期重复", "repeats %s", day.Format(time.DateOnly))
		}
		seen[day] = true
		checkEnum(&v, f+".kind", int(e.Kind), int(DayWorkday), true)
		checkText(&v, f+".name", e.Name, MaxShortTextRunes, true)
		checkText(&v, f+".source", e.Source, MaxShortTextRunes, false)
	}
	return v.Err("invalid calendar")
}

// Chinese is the kind as an office says it.
func (k DayKind) Chinese() string {
	switch k {
	case DayHoliday:
		return "放假"
	case DayWorkday:
		return "调休上班"
	}
	return "未知"
}

// SortCalendarExceptions orders exceptions by day.
func SortCalendarExceptions(es []CalendarException) {
	slices.SortFunc(es, func(a, b CalendarException) int { return a.Date.Compare(b.Date) })
}
