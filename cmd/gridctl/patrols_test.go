package main

import (
	"context"
	"testing"
	"time"

	"github.com/gridinspect/gridinspect"
)

// TestPatrolsDueListsMissedThenDue: the supervisor sets a water source's
// weekly patrol and 金石社区's general patrol every ten days; a week and a
// half later gridctl patrols --due lists 金石社区's first ten days as
// missed, then what this week and these ten days still want; the worker
// of 红星村 sees only its own.
func TestPatrolsDueListsMissedThenDue(t *testing.T) {
	s := startStreet(t, june3)
	sys := gridinspect.NewContext(context.Background(), gridinspect.SystemActor())
	water, err := s.db.CreateSubject(sys, &gridinspect.Subject{ID: newV7(), Kind: gridinspect.SubjectKindWaterSource,
		Name: "长山备用水源地", GridID: gridHong})
	if err != nil {
		t.Fatal(err)
	}
	wantLine(t, "patrols schedule", mustGridctl(t, "", "patrols", "schedule", "--subject", "长山备用水源地", "--period", "week"),
		"已设置巡查计划：红星村 长山备用水源地（水源地） 每周1次，自 2024-06-03 起")
	wantLine(t, "patrols schedule", mustGridctl(t, "", "patrols", "schedule", "--grid", "金石社区", "--period", "day",
		"--every", "10", "--kind", "general", "--from", "2024-06-01"),
		"已设置巡查计划：金石社区 全网格，日常巡查 每10天1次，自 2024-06-01 起")

	// The water source is patrolled the first week, 金石社区 not at all.
	at := june3.Add(26 * time.Hour)
	if _, _, err := s.db.SubmitPatrol(sys, &gridinspect.Patrol{ID: newV7(), Kind: gridinspect.PatrolKindWaterSource,
		SubjectID: water.ID, GridID: gridHong, StartedAt: at, EndedAt: at.Add(time.Hour), Participants: 2}); err != nil {
		t.Fatal(err)
	}
	s.clock.Advance(9 * 24 * time.Hour) // Wednesday 12 June

	out := mustGridctl(t, "", "patrols", "--due")
	want := "截至 2024-06-12 09:00（中国时间）\n" +
		"状态  网格      巡查对象                  频次       周期          已巡/应巡  期限\n" +
		"漏巡  金石社区  全网格，日常巡查          每10天1次  06-01至06-10  0/1        已过2天\n" +
		"待巡  红星村    长山备用水源地（水源地）  每周1次    06-10至06-16  0/1        还剩4天\n" +
		"待巡  金石社区  全网格，日常巡查          每10天1次  06-11至06-20  0/1        还剩8天\n" +
		"漏巡 1 个周期（少巡 1 次），本周期待巡 2 项\n"
	if out != want {
		t.Errorf("patrols --due said:\n%s\nwant:\n%s", out, want)
	}
	mine := asWorker(t, s.worker01, "patrols", "--due")
	want = "截至 2024-06-12 09:00（中国时间）\n" +
		"状态  网格    巡查对象                  频次     周期          已巡/应巡  期限\n" +
		"待巡  红星村  长山备用水源地（水源地）  每周1次  06-10至06-16  0/1        还剩4天\n" +
		"本周期待巡 1 项\n"
	if mine != want {
		t.Errorf("worker01's patrols --due said:\n%s\nwant:\n%s", mine, want)
	}

	if r := gridctl(t, "", "patrols"); r.code != exitUsage {
		t.Errorf("patrols alone: exit %d, want %d (usage)", r.code, exitUsage)
	}
	wantLine(t, "patrols unschedule", mustGridctl(t, "", "patrols", "unschedule", "--grid", "金石社区"),
		"已停止巡查计划；此前已结束的周期仍计入统计")
	list := mustGridctl(t, "", "patrols", "schedules")
	want = "网格    巡查对象                  频次     起算        备注\n" +
		"红星村  长山备用水源地（水源地）  每周1次  2024-06-03\n"
	if list != want {
		t.Errorf("patrols schedules said:\n%s\nwant:\n%s", list, want)
	}
}
