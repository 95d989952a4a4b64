package main

import (
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"
)

func TestDeadlinesAreTheEndOfAChinaDay(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
	}{
		{"2024-07-01", time.Date(2024, 7, 1, 15, 59, 59, 0, time.UTC)},
		{" 2024-12-31 ", time.Date(2024, 12, 31, 15, 59, 59, 0, time.UTC)},
		{"2024-07-01T12:00:00+08:00", time.Date(2024, 7, 1, 4, 0, 0, 0, time.UTC)},
		// As an office writes a date.
		{"2024/7/1", time.Date(2024, 7, 1, 15, 59, 59, 0, time.UTC)},
		{"2024/07/01", time.Date(2024, 7, 1, 15, 59, 59, 0, time.UTC)},
		{"20240701", time.Date(2024, 7, 1, 15, 59, 59, 0, time.UTC)},
		{"2024年7月1日", time.Date(2024, 7, 1, 15, 59, 59, 0, time.UTC)},
		{"2024年07月01日", time.Date(2024, 7, 1, 15, 59, 59, 0, time.UTC)},
	}
	for _, tt := range tests {
		got, err := parseDeadline("deadline", tt.in)
		if err != nil || !got.Equal(tt.want) {
			t.Errorf("parseDeadline(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "2024-7-1", "7月1日", "2024-02-30", "tomorrow"} {
		if _, err := parseDeadline("deadline", bad); err == nil || !strings.Contains(err.Error(), "不是日期") {
			t.Errorf("parseDeadline(%q) error = %v", bad, err)
		}
	}
}

func TestDaysOverdueCountsChinaCalendarDays(t *testing.T) {
	deadline := time.Date(2024, 6, 5, 23, 59, 59, 0, chinaTime)
	tests := []struct {
		at   time.Time
		want int
	}{
		{time.Date(2024, 6, 5, 12, 0, 0, 0, chinaTime), 0},
		{deadline, 0},
		{time.Date(2024, 6, 6, 0, 0, 1, 0, chinaTime), 1},
		{time.Date(2024, 6, 8, 9, 0, 0, 0, chinaTime), 3},
		// 2024-06-08 01:00 UTC is 09:00 in China: the China date counts.
		{time.Date(2024, 6, 8, 1, 0, 0, 0, time.UTC), 3},
		{time.Date(2024, 6, 7, 23, 0, 0, 0, time.UTC), 3},
	}
	for _, tt := range tests {
		if got := daysOverdue(deadline, tt.at); got != tt.want {
			t.Errorf("daysOverdue at %v = %d, want %d", tt.at, got, tt.want)
		}
	}
	// A deadline in the middle of a day, passed the same day: one day.
	if got := daysOverdue(time.Date(2024, 6, 5, 10, 0, 0, 0, chinaTime), time.Date(2024, 6, 5, 11, 0, 0, 0, chinaTime)); got != 1 {
		t.Errorf("daysOverdue the same day = %d, want 1", got)
	}
}

func TestDatesAreShownInChinaTime(t *testing.T) {
	ts := timestamppb.New(time.Date(2024, 6, 30, 16, 30, 0, 0, time.UTC)) // 00:30 on July 1 in China
	if got := formatDate(ts); got != "2024-07-01" {
		t.Errorf("formatDate = %q", got)
	}
	if got := formatMinute(ts); got != "2024-07-01 00:30" {
		t.Errorf("formatMinute = %q", got)
	}
	if got := formatDeadline(ts); got != "2024-07-01 00:30" {
		t.Errorf("formatDeadline of a time of day = %q", got)
	}
	end, _ := parseDeadline("d", "2024-07-01")
	if got := formatDeadline(timestamppb.New(end)); got != "2024-07-01" {
		t.Errorf("formatDeadline of the end of a day = %q", got)
	}
	if formatDate(nil) != "-" || formatMinute(nil) != "-" || formatDeadline(nil) != "-" {
		t.Error("an unset time is not shown as -")
	}
}

// TestTheZoneIsChinaUnlessToldOtherwise: Asia/Shanghai by default, even
// where $TZ is empty; --tz before $TZ; a zone that does not exist is a
// usage error naming it.
func TestTheZoneIsChinaUnlessToldOtherwise(t *testing.T) {
	at := time.Date(2024, 6, 30, 16, 30, 0, 0, time.UTC)
	tests := []struct {
		flag, env string
		want      string // at, in the zone picked
	}{
		{"", "", "2024-07-01 00:30"},
		{"", "Asia/Shanghai", "2024-07-01 00:30"},
		{"", "UTC", "2024-06-30 16:30"},
		{"", ":Europe/Berlin", "2024-06-30 18:30"},
		{"Asia/Urumqi", "UTC", "2024-06-30 22:30"},
	}
	for _, tt := range tests {
		loc, err := pickZone(tt.flag, tt.env)
		if err != nil {
			t.Errorf("pickZone(%q, %q): %v", tt.flag, tt.env, err)
			continue
		}
		if got := at.In(loc).Format(minuteLayout); got != tt.want {
			t.Errorf("pickZone(%q, %q) shows %s, want %s", tt.flag, tt.env, got, tt.want)
		}
	}
	if _, err := pickZone("Mars/Olympus", ""); err == nil || !strings.Contains(err.Error(), "Mars/Olympus") {
		t.Errorf("an unknown zone: %v", err)
	}
}

// TestLoginExpiryIsInChinaTime: the expiry login prints follows the zone,
// China time by default, and never UTC's.
func TestLoginExpiryIsInChinaTime(t *testing.T) {
	isolate(t)
	t.Setenv("TZ", "UTC")
	g := startGridd(t, griddOptions{clock: newFakeClock(time.Date(2024, 6, 3, 23, 30, 0, 0, time.UTC))})
	t.Setenv(EnvServer, g.addr)
	for _, tt := range []struct {
		args []string
		want string
	}{
		// The test server's tokens live two years from 07:30 on June 4, China time.
		{[]string{"--tz", "Asia/Shanghai"}, "令牌有效期至 2026-06-04 07:30\n"},
		{nil, "令牌有效期至 2026-06-03 23:30\n"}, // $TZ=UTC asked for it
	} {
		out := mustGridctl(t, g.adminPassword+"\n", append(tt.args, "login", "--username", "admin", "--password-stdin")...)
		if !strings.HasSuffix(out, tt.want) {
			t.Errorf("gridctl %v login said %q, want it to end %q", tt.args, out, tt.want)
		}
	}
	t.Setenv("TZ", "")
	out := mustGridctl(t, g.adminPassword+"\n", "login", "--username", "admin", "--password-stdin")
	if !strings.HasSuffix(out, "令牌有效期至 2026-06-04 07:30\n") {
		t.Errorf("login without a zone said %q, want China time", out)
	}
}
