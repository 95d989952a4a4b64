package demo

import (
	"context"
	"fmt"

	gi "github.com/gridinspect/gridinspect"
)

// scheduleSpec is one patrol schedule (巡查计划) of the demo street.
type scheduleSpec struct {
	subject string // subject key, or "" for a grid's own schedule
	grid    string // grid key, for a grid's own schedule
	kind    gi.PatrolKind
	period  gi.PatrolPeriod
	every   int
	times   int
	note    string
}

// schedulesFrom is when the demo office began keeping patrol schedules:
// June 2024, the last month of the half-year its cases fall in, so the
// half-year's summary counts a month of them, and every week since wants
// its patrols (the demo's patrols stop in June 2024, so today's list shows
// both what is due and what was missed).
var schedulesFrom = date(6, 1, 0, 0)

// scheduleSpecs: the backup water sources weekly, as the seed document's
// street patrols them (36 times a half-year); the polluting enterprises
// under watch against relapse (死灰复燃); the dangerous houses monthly; and
// 长山村's night patrols against illegal sand washing twice a month.
var scheduleSpecs = []scheduleSpec{
	{subject: "yuantang-water", period: gi.PatrolPeriodWeek, every: 1, times: 1,
		note: "城市备用水源地，每周巡查一次"},
	{subject: "shiqiao-water", period: gi.PatrolPeriodWeek, every: 1, times: 1,
		note: "备用水源地，每周巡查一次，垂钓高峰加密"},
	{subject: "changshan-sand", period: gi.PatrolPeriodWeek, every: 2, times: 1,
		note: "散乱污整治名单企业，防止夜间非法洗沙死灰复燃"},
	{subject: "shiqiao-stone", period: gi.PatrolPeriodMonth, every: 1, times: 1,
		note: "石材加工点整改后跟踪"},
	{subject: "zhao-yumei", period: gi.PatrolPeriodMonth, every: 1, times: 1,
		note: "C级危房，查看是否有人回住"},
	{subject: "wang-defu", period: gi.PatrolPeriodMonth, every: 1, times: 1,
		note: "C级危房仍有人居住，每月上门"},
	{subject: "liu-changgen", period: gi.PatrolPeriodMonth, every: 1, times: 1,
		note: "D级危房，确认无人居住"},
	{grid: "changshan", kind: gi.PatrolKindPollutionArea, period: gi.PatrolPeriodMonth, every: 1, times: 2,
		note: "205国道沿线及长山矿坑周边夜间巡查"},
}

// demoSchedules returns the schedules, new values on every call.
func demoSchedules() []*gi.PatrolSchedule {
	out := make([]*gi.PatrolSchedule, len(scheduleSpecs))
	for i, s := range scheduleSpecs {
		ps := &gi.PatrolSchedule{Kind: s.kind, Period: s.period, Every: s.every, Times: s.times,
			StartsAt: schedulesFrom, Note: s.note}
		if s.subject != "" {
			ps.SubjectID = subjectID(s.subject)
		} else {
			ps.GridID = gridID(s.grid)
		}
		out[i] = ps
	}
	return out
}

// seedSchedules sets each demo schedule whose subject or grid has none in
// force, leaving one the office has set (or ended and set again) alone, so
// that seeding again changes nothing.
func seedSchedules(ctx context.Context, svc gi.PatrolScheduleService) error {
	if svc == nil {
		return nil
	}
	have, err := svc.ListPatrolSchedules(ctx, nil)
	if err != nil {
		return fmt.Errorf("demo: list patrol schedules: %w", err)
	}
	target := func(s *gi.PatrolSchedule) string {
		if s.SubjectID != "" {
			return s.SubjectID
		}
		return "grid/" + s.GridID
	}
	set := map[string]bool{}
	for _, s := range have {
		set[target(s)] = true
	}
	for _, s := range demoSchedules() {
		if set[target(s)] {
			continue
		}
		if _, err := svc.SetPatrolSchedule(ctx, s); err != nil {
			return fmt.Errorf("demo: set patrol schedule: %w", err)
		}
	}
	return nil
}
