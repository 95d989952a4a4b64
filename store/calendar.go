package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"time"

	"github.com/gridinspect/gridinspect"
)

// The working-day calendar (migrations/0017_calendar.sql): the admin's
// exceptions over Monday to Friday. See gridinspect.CalendarService.

// CalendarExceptions returns a year's exceptions, by day.
func (db *DB) CalendarExceptions(ctx context.Context, year int) ([]gridinspect.CalendarException, error) {
	if _, err := gridinspect.RequireActor(ctx); err != nil {
		return nil, err
	}
	if err := gridinspect.ValidateCalendarExceptions("exceptions", year, nil); err != nil {
		return nil, err
	}
	var out []gridinspect.CalendarException
	err := db.Read(ctx, func(tx *sql.Tx) (err error) {
		out, err = calendarExceptions(tx, year)
		return err
	})
	if err != nil {
		return nil, domainErr(err, "read the calendar of %d", year)
	}
	return out, nil
}

// SetCalendarExceptions replaces or changes a year's exceptions. Only an
// admin may.
func (db *DB) SetCalendarExceptions(ctx context.Context, year int, replace bool, set []gridinspect.CalendarException,
	remove []time.Time) ([]gridinspect.CalendarException, error) {
	if err := requireAdmin(ctx, "change the calendar"); err != nil {
		if e, ok := err.(*gridinspect.Error); ok && e.Code == gridinspect.EFORBIDDEN {
			e.Chinese = "只有管理员可以修改节假日安排"
		}
		return nil, err
	}
	if err := gridinspect.ValidateCalendarExceptions("exceptions", year, set); err != nil {
		return nil, err
	}
	var v gridinspect.Violations
	if replace && len(remove) > 0 {
		v.AddZh("remove_dates", "整年替换时不能同时删除日期", "must be empty with replace")
	}
	if len(remove) > gridinspect.MaxCalendarExceptionsPerYear {
		v.AddZh("remove_dates", "最多 "+strconv.Itoa(gridinspect.MaxCalendarExceptionsPerYear)+" 项",
			"has %d entries; at most %d", len(remove), gridinspect.MaxCalendarExceptionsPerYear)
	}
	for i, d := range remove {
		if d.In(gridinspect.ChinaZone).Year() != year {
			v.AddZh("remove_dates["+strconv.Itoa(i)+"]", "不在 "+strconv.Itoa(year)+" 年内", "is not in %d", year)
		}
	}
	if err := v.Err("invalid calendar"); err != nil {
		return nil, err
	}
	var out []gridinspect.CalendarException
	err := db.Write(ctx, func(tx *Tx) error {
		if replace {
			if _, err := tx.Exec("DELETE FROM calendar_exceptions WHERE day BETWEEN ? AND ?",
				strconv.Itoa(year)+"-01-01", strconv.Itoa(year)+"-12-31"); err != nil {
				return err
			}
		}
		for _, d := range remove {
			if _, err := tx.Exec("DELETE FROM calendar_exceptions WHERE day = ?", dayKey(d)); err != nil {
				return err
			}
		}
		for _, e := range set {
			if _, err := tx.Exec(`INSERT INTO calendar_exceptions (day, kind, name, source) VALUES (?, ?, ?, ?)
				ON CONFLICT (day) DO UPDATE SET kind = excluded.kind, name = excluded.name, source = excluded.source`,
				dayKey(e.Date), e.Kind, e.Name, e.Source); err != nil {
				return err
			}
		}
		var err error
		out, err = calendarExceptions(tx, year)
		return err
	})
	if err != nil {
		return nil, domainErr(err, "set the calendar of %d", year)
	}
	return out, nil
}

// Calendar returns the calendar of every year kept.
func (db *DB) Calendar(ctx context.Context) (*gridinspect.Calendar, error) {
	if _, err := gridinspect.RequireActor(ctx); err != nil {
		return nil, err
	}
	var cal *gridinspect.Calendar
	err := db.Read(ctx, func(tx *sql.Tx) (err error) {
		cal, err = loadCalendar(tx)
		return err
	})
	if err != nil {
		return nil, domainErr(err, "read the calendar")
	}
	return cal, nil
}

// loadCalendar reads every exception kept: a few dozen a year.
func loadCalendar(q queryer) (*gridinspect.Calendar, error) {
	es, err := readExceptions(q, query{"SELECT day, kind, name, source FROM calendar_exceptions", nil})
	if err != nil {
		return nil, fmt.Errorf("read the calendar: %w", err)
	}
	return gridinspect.NewCalendar(es), nil
}

// calendarExceptions reads one year's exceptions, by day.
func calendarExceptions(q queryer, year int) ([]gridinspect.CalendarException, error) {
	return readExceptions(q, query{`SELECT day, kind, name, source FROM calendar_exceptions
		WHERE day BETWEEN ? AND ? ORDER BY day`, []any{strconv.Itoa(year) + "-01-01", strconv.Itoa(year) + "-12-31"}})
}

func readExceptions(q queryer, qu query) ([]gridinspect.CalendarException, error) {
	var out []gridinspect.CalendarException
	err := forEachRow(q, qu, func(rows *sql.Rows) error {
		var e gridinspect.CalendarException
		var day string
		if err := rows.Scan(&day, &e.Kind, &e.Name, &e.Source); err != nil {
			return err
		}
		d, err := gridinspect.ParseChinaDate(day)
		if err != nil {
			return fmt.Errorf("calendar day %q: %w", day, err)
		}
		e.Date = d
		out = append(out, e)
		return nil
	})
	return out, err
}

// dayKey is how a day is kept: its China date.
func dayKey(t time.Time) string { return t.In(gridinspect.ChinaZone).Format(time.DateOnly) }
