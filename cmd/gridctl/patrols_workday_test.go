package main

import (
	"context"
	"testing"
	"time"

	"github.com/gridinspect/gridinspect"
	"github.com/gridinspect/gridinspect/internal/holidays"
)

// TestPatrolsDueOnWorkingDays: over the 2024 National Day holidays, on the
// official calendar, 金石社区 is patrolled every working day and 红星村
// every five. On the 调休 Sunday, 29 September, gridctl patrols --due
// lists Friday as missed and that Sunday as due today, and 红星村's five
// working days, which skip the holidays, as ending on 9 October; on a
// holiday nothing is due that day.
func TestPatrolsDueOnWorkingDays(t *testing.T) {
	s := startStreet(t, time.Date(2024, 9, 27, 9, 0, 0, 0, chinaTime)) // a Friday
	sys := gridinspect.NewContext(context.Background(), gridinspect.SystemActor())
	if _, err := holidays.Seed(sys, s.db); err != nil {
		t.Fatal(err)
	}
	wantLine(t, "patrols schedule", mustGridctl(t, "", "patrols", "schedule", "--grid", "金石社区", "--period", "工作日",
		"--kind", "general"),
		"已设置巡查计划：金石社区 全网格，日常巡查 每个工作日1次，自 2024-09-27 起")
	wantLine(t, "patrols schedule", mustGridctl(t, "", "patrols", "schedule", "--grid", "红星村", "--period", "workday",
		"--every", "5"),
		"已设置巡查计划：红星村 全网格 每5个工作日1次，自 2024-09-27 起")

	s.clock.Advance(2*24*time.Hour + time.Hour) // Sunday 29 September, worked
	out := mustGridctl(t, "", "patrols", "--due")
	want := "截至 2024-09-29 10:00（中国时间）\n" +
		"状态  网格      巡查对象          频次            周期          已巡/应巡  期限\n" +
		"漏巡  金石社区  全网格，日常巡查  每个工作日1次   09-27         0/1        已过2天\n" +
		"待巡  金石社区  全网格，日常巡查  每个工作日1次   09-29         0/1        今天截止\n" +
		"待巡  红星村    全网格            每5个工作日1次  09-27至10-09  0/1        还剩10天\n" +
		"漏巡 1 个周期（少巡 1 次），本周期待巡 2 项\n"
	if out != want {
		t.Errorf("patrols --due on the 调休 Sunday said:\n%s\nwant:\n%s", out, want)
	}

	s.clock.Advance(4 * 24 * time.Hour) // Thursday 3 October, 国庆节
	out = mustGridctl(t, "", "patrols", "--due", "--grid", "金石社区")
	want = "截至 2024-10-03 10:00（中国时间）\n" +
		"状态  网格      巡查对象          频次           周期   已巡/应巡  期限\n" +
		"漏巡  金石社区  全网格，日常巡查  每个工作日1次  09-27  0/1        已过6天\n" +
		"漏巡  金石社区  全网格，日常巡查  每个工作日1次  09-29  0/1        已过4天\n" +
		"漏巡  金石社区  全网格，日常巡查  每个工作日1次  09-30  0/1        已过3天\n" +
		"漏巡 3 个周期（少巡 3 次），本周期待巡 0 项\n"
	if out != want {
		t.Errorf("patrols --due on a holiday said:\n%s\nwant:\n%s", out, want)
	}
}
