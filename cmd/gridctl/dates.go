package main

import (
	"fmt"
	"strings"
	"time"
	_ "time/tzdata" // China time on a machine without zone data

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/gridinspect/gridinspect/internal/words"
)

// chinaTime is the zone gridctl reads and writes times in: Asia/Shanghai
// unless --tz or $TZ names another (see setZone). The zone data is
// embedded (time/tzdata), so a machine without it still shows China time.
var chinaTime = mustZone(DefaultZone)

// DefaultZone is the zone of a street office.
const DefaultZone = "Asia/Shanghai"

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// pickZone returns the zone named by the --tz flag, else by $TZ, else
// Asia/Shanghai.
func pickZone(flagValue, env string) (*time.Location, error) {
	name := flagValue
	if name == "" {
		name = env
	}
	name = strings.TrimPrefix(strings.TrimSpace(name), ":")
	if name == "" {
		return mustZone(DefaultZone), nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, usagef("时区 %q 无法识别（例如 --tz Asia/Shanghai）", name)
	}
	return loc, nil
}

// now is gridctl's clock, for "days overdue" and "due soon"; tests that
// drive the server's clock set it to the same one.
var now = time.Now

// Formats of dates and times as gridctl shows them, in China time.
const (
	dateLayout   = time.DateOnly
	minuteLayout = "2006-01-02 15:04"
)

// parseDeadline reads a date the way a supervisor writes one: a China
// local date ("2024-07-01") means the end of that day, 23:59:59 +08:00;
// a full RFC 3339 time is taken as it is.
func parseDeadline(flagName, s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if d, ok := parseChinaDate(s); ok {
		return endOfDay(d), nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Time{}, usagef("--%s %q 不是日期：请写作 2024-07-01（当天结束时，北京时间）", flagName, s)
}

// parseChinaDate reads a date as an office writes it (words.DateLayouts)
// as midnight in the display zone.
func parseChinaDate(s string) (time.Time, bool) { return words.ParseDate(s, chinaTime) }

// endOfDay returns the last second of t's day in China time.
func endOfDay(t time.Time) time.Time {
	y, m, d := t.In(chinaTime).Date()
	return time.Date(y, m, d, 23, 59, 59, 0, chinaTime)
}

// chinaDate returns the China-time calendar day of t, as midnight UTC of
// that date, so that days between two of them are whole.
func chinaDate(t time.Time) time.Time {
	y, m, d := t.In(chinaTime).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// daysOverdue is how many calendar days (China time) past its deadline a
// case is at now: one on the day after the deadline's day, and at least
// one once the deadline has passed.
func daysOverdue(deadline, at time.Time) int {
	if !at.After(deadline) {
		return 0
	}
	return max(1, int(chinaDate(at).Sub(chinaDate(deadline)).Hours()/24))
}

// formatDate writes a timestamp's China date; "-" when it is unset.
func formatDate(ts *timestamppb.Timestamp) string {
	if ts == nil {
		return "-"
	}
	return ts.AsTime().In(chinaTime).Format(dateLayout)
}

// formatMinute writes a timestamp in China time to the minute; "-" when
// it is unset.
func formatMinute(ts *timestamppb.Timestamp) string {
	if ts == nil {
		return "-"
	}
	return ts.AsTime().In(chinaTime).Format(minuteLayout)
}

// formatDeadline writes a deadline: its date, with the time of day only
// when it is not the end of the day.
func formatDeadline(ts *timestamppb.Timestamp) string {
	if ts == nil {
		return "-"
	}
	t := ts.AsTime().In(chinaTime)
	if t.Hour() == 23 && t.Minute() == 59 {
		return t.Format(dateLayout)
	}
	return t.Format(minuteLayout)
}

// formatTime writes t in the display zone to the minute.
func formatTime(t time.Time) string { return t.In(chinaTime).Format(minuteLayout) }

// formatDays writes a number of days: "3天".
func formatDays(n int) string { return fmt.Sprintf("%d天", n) }
