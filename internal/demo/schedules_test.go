package demo

import (
	"testing"
	"time"
)

// TestSeed_PatrolSchedulesHaveDueAndMissed: the demo's schedules are all
// set; June 2024 counts 18 scheduled patrols, 15 done and 3 missed (the
// week of 17 June at both water sources, and 刘长根户); and today's list
// has both missed and due patrols.
func TestSeed_PatrolSchedulesHaveDueAndMissed(t *testing.T) {
	s := mustOpen(t)
	mustSeed(t, s)
	ctx := adminContext()
	list, err := s.ListPatrolSchedules(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != len(scheduleSpecs) {
		t.Errorf("%d schedules in force, want %d", len(list), len(scheduleSpecs))
	}
	sum, err := s.Summary(ctx, periodStart, periodEnd, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Weeks from Monday 27 May: five end by 1 July, each once, at two
	// water sources (10); the enterprise under watch fortnightly (2); the
	// stone works and three houses monthly (4); 长山村 twice (2).
	if sum.PatrolsScheduled != 18 || sum.PatrolsDoneOnSchedule != 15 || sum.PatrolsMissed != 3 || sum.PatrolPeriodsMissed != 3 {
		t.Errorf("应巡 %d 已巡 %d 漏巡 %d (periods %d), want 18 15 3 (3)", sum.PatrolsScheduled, sum.PatrolsDoneOnSchedule,
			sum.PatrolsMissed, sum.PatrolPeriodsMissed)
	}
	due, _, err := s.ListDuePatrols(ctx, nil, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	var missed, open int
	for _, d := range due {
		if d.Missed {
			missed++
		} else {
			open++
		}
	}
	if missed == 0 || open == 0 {
		t.Errorf("today: %d missed and %d due; want some of each", missed, open)
	}
}
