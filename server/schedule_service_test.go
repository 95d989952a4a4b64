package server_test

import (
	"context"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/gridinspect/gridinspect"
	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

// pullAll pulls from cursor to the last page as user, and returns the
// last page's due patrols and cursor, checking that no other page had any.
func (a *authHarness) pullAll(user, cursor string) ([]*pb.DuePatrol, string) {
	a.t.Helper()
	c := pb.NewSyncServiceClient(a.conn)
	for {
		resp, err := c.Pull(bearer(context.Background(), a.tokens[user]), &pb.PullRequest{Cursor: cursor, PageSize: 1})
		if err != nil {
			a.t.Fatalf("pull as %s: %v", user, err)
		}
		cursor = resp.GetNextCursor()
		if !resp.GetHasMore() {
			return resp.GetDuePatrols(), cursor
		}
		if len(resp.GetDuePatrols()) != 0 {
			a.t.Fatalf("a page with more to come carries due patrols")
		}
	}
}

// TestPatrolSchedule_ThePhonePullsWhatToPatrolThisWeek: a supervisor
// sets grid A's patrol twice a week; grid A's worker pulls this week's
// due patrols to its phone, and its patrols count down against them; the
// week ended short is missed, counted in the summary as 应巡 2, 已巡 1.
func TestPatrolSchedule_ThePhonePullsWhatToPatrolThisWeek(t *testing.T) {
	a := newAuthHarness(t) // Friday 15 March 2024, 17:00 China time
	ctx := func(user string) context.Context { return bearer(context.Background(), a.tokens[user]) }
	schedules := pb.NewPatrolScheduleServiceClient(a.conn)
	set, err := schedules.SetPatrolSchedule(ctx("supera"), &pb.SetPatrolScheduleRequest{Schedule: &pb.PatrolSchedule{
		GridId: gridA, Period: pb.PatrolPeriod_PATROL_PERIOD_WEEK, Times: 2, Note: "每周巡查两次"}})
	if err != nil {
		t.Fatal(err)
	}
	monday := time.Date(2024, 3, 11, 0, 0, 0, 0, gridinspect.ChinaZone)
	if got := set.GetSchedule(); !got.GetStartsAt().AsTime().Equal(monday) || got.GetGridName() != "红星村" || got.GetSetBy() != a.ids["supera"] {
		t.Fatalf("stored %v; want it from Monday %v, in 红星村, set by supera", got, monday)
	}

	due, cursor := a.pullAll("workera", "")
	check := func(due []*pb.DuePatrol, want ...[4]any) {
		t.Helper()
		if len(due) != len(want) {
			t.Fatalf("due %v, want %d", due, len(want))
		}
		for i, w := range want {
			d := due[i]
			if !d.GetPeriodStart().AsTime().Equal(w[0].(time.Time)) || d.GetWanted() != 2 || d.GetDone() != w[1].(int32) ||
				d.GetMissed() != w[2].(bool) || d.GetSchedule().GetGridId() != gridA {
				t.Errorf("due[%d] = %v, want from %v, done %d, missed %v", i, d, w[0], w[1], w[2])
			}
		}
	}
	check(due, [4]any{monday, int32(0), false})
	if due, _ := a.pullAll("workerb", ""); len(due) != 0 {
		t.Errorf("grid B's worker pulled grid A's due patrols: %v", due)
	}

	start := a.clock.Now().Add(-time.Hour)
	if _, err := a.reports.SubmitPatrol(ctx("workera"), &pb.SubmitPatrolRequest{Patrol: &pb.Patrol{Id: newID(),
		Kind: pb.PatrolKind_PATROL_KIND_GENERAL, GridId: gridA, Participants: 1,
		StartedAt: timestamppb.New(start), EndedAt: timestamppb.New(start.Add(30 * time.Minute))}}); err != nil {
		t.Fatal(err)
	}
	due, cursor = a.pullAll("workera", cursor)
	check(due, [4]any{monday, int32(1), false})

	a.clock.Advance(4 * 24 * time.Hour) // Tuesday of the next week
	due, _ = a.pullAll("workera", cursor)
	check(due, [4]any{monday, int32(1), true}, [4]any{monday.AddDate(0, 0, 7), int32(0), false})

	listed, err := schedules.ListDuePatrols(ctx("workera"), &pb.ListDuePatrolsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	check(listed.GetDue(), [4]any{monday, int32(1), true}, [4]any{monday.AddDate(0, 0, 7), int32(0), false})

	sum, err := pb.NewStatsServiceClient(a.conn).GetSummary(ctx("supera"), &pb.GetSummaryRequest{
		From: timestamppb.New(time.Date(2024, 3, 1, 0, 0, 0, 0, gridinspect.ChinaZone)),
		To:   timestamppb.New(time.Date(2024, 4, 1, 0, 0, 0, 0, gridinspect.ChinaZone))})
	if err != nil {
		t.Fatal(err)
	}
	s := sum.GetSummary()
	if s.GetPatrolsScheduled() != 2 || s.GetPatrolsDoneOnSchedule() != 1 || s.GetPatrolsMissed() != 1 ||
		s.GetPatrolCompletionRate() != 0.5 || s.GetPatrolPeriodsMissed() != 1 {
		t.Errorf("应巡 %d 已巡 %d 漏巡 %d 完成率 %v 漏巡周期 %d, want 2 1 1 0.5 1", s.GetPatrolsScheduled(),
			s.GetPatrolsDoneOnSchedule(), s.GetPatrolsMissed(), s.GetPatrolCompletionRate(), s.GetPatrolPeriodsMissed())
	}
}
