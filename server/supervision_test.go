package server_test

import (
	"context"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/gridinspect/gridinspect"
	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
	"github.com/gridinspect/gridinspect/server"
)

// superviseInBackground runs the server's supervision loop on l's store,
// as gridd does, every few milliseconds of real time (the store's clock is
// the test's), until the test ends.
func (l *loop) superviseInBackground(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		l.db.RunSupervision(ctx, 2*time.Millisecond)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
}

// timelineOf returns a case's events, failing on a broken chain.
func (l *loop) timelineOf(t *testing.T, id string) []*pb.Event {
	t.Helper()
	tl, err := l.rect.GetTimeline(l.as("super"), &pb.GetTimelineRequest{ReportId: id})
	if err != nil {
		t.Fatalf("timeline: %v", err)
	}
	if !tl.GetChainIntact() {
		t.Fatalf("the timeline's hash chain is broken")
	}
	return tl.GetEvents()
}

func eventsOfType(events []*pb.Event, typ pb.EventType) []*pb.Event {
	var out []*pb.Event
	for _, e := range events {
		if e.GetType() == typ && !e.GetConflict() {
			out = append(out, e)
		}
	}
	return out
}

// TestACaseIsReassignedUrgedSupervisedAtItsDeadlineAndClosed is issue
// 15's walk: one case re-dispatched (转派), urged (催办), escalated to
// supervision (督办) by the server on its own once its deadline passed —
// once, by the system, with nobody looking — listed as supervised, and
// closed; the summary counts what the timelines hold.
func TestACaseIsReassignedUrgedSupervisedAtItsDeadlineAndClosed(t *testing.T) {
	// The test asks for the timeline as often as it likes while it waits;
	// the request limit has tests of its own.
	a := newAuthHarness(t, func(c *server.Config) { c.RequestLimit = &server.NoRequestLimit })
	l := &loop{authHarness: a, rect: pb.NewRectificationServiceClient(a.conn)}
	l.superviseInBackground(t)
	start := l.clock.Now()
	deadline := start.Add(7 * 24 * time.Hour)

	id := l.mustSubmitAs("workera", l.hazard()).GetId()
	if _, _, err := l.assign("workera", deadline)(l.as("super"), id); err != nil {
		t.Fatal(err)
	}
	if _, err := l.rect.RecordProgress(l.as("workera"), &pb.RecordProgressRequest{ActionId: newID(), ReportId: id, Note: "已开始整改"}); err != nil {
		t.Fatal(err)
	}
	// A second case, urged but never late: it is counted, never escalated.
	other := l.mustSubmitAs("workera", l.hazard()).GetId()
	if _, _, err := l.assign("workera", start.Add(60*24*time.Hour))(l.as("super"), other); err != nil {
		t.Fatal(err)
	}

	// Re-dispatch: only a supervisor, with a reason; the old and new
	// person and unit on the timeline.
	reassign := &pb.ReassignReportRequest{ActionId: newID(), ReportId: id, AssigneeId: l.ids["supera"],
		ResponsibleUnit: "街道城建办", Reason: "属城建办职责，转城建办处理"}
	_, err := l.rect.ReassignReport(l.as("workera"), reassign)
	wantCode(t, err, codes.PermissionDenied)
	_, err = l.rect.ReassignReport(l.as("super"), &pb.ReassignReportRequest{ActionId: newID(), ReportId: id, AssigneeId: l.ids["supera"]})
	wantCode(t, err, codes.InvalidArgument) // no reason
	re, err := l.rect.ReassignReport(l.as("super"), reassign)
	if err != nil {
		t.Fatal(err)
	}
	ra := re.GetEvent().GetReassignment()
	if re.GetReport().GetStatus() != pb.ReportStatus_REPORT_STATUS_RECTIFYING || re.GetReport().GetAssigneeId() != l.ids["supera"] ||
		re.GetReport().GetResponsibleUnit() != "街道城建办" || re.GetReport().GetReassignCount() != 1 ||
		!re.GetReport().GetDeadline().AsTime().Equal(deadline) {
		t.Errorf("after re-dispatch: %v", re.GetReport())
	}
	if ra.GetPreviousAssigneeId() != l.ids["workera"] || ra.GetPreviousResponsibleUnit() != "责任企业" ||
		ra.GetPreviousAssigneeName() != "workera" || ra.GetAssigneeName() != "supera" || ra.GetReason() != reassign.GetReason() {
		t.Errorf("reassignment on the timeline: %v", ra)
	}

	// Urging: a supervisor's note to the assignee.
	_, err = l.rect.UrgeReport(l.as("workera"), &pb.UrgeReportRequest{ActionId: newID(), ReportId: id, Note: "快"})
	wantCode(t, err, codes.PermissionDenied)
	for _, c := range []string{id, id, other} {
		u, err := l.rect.UrgeReport(l.as("super"), &pb.UrgeReportRequest{ActionId: newID(), ReportId: c, Note: "请于期限前整改到位"})
		if err != nil {
			t.Fatal(err)
		}
		if c == id && u.GetEvent().GetUrging().GetAssigneeId() != l.ids["supera"] {
			t.Errorf("the urging went to %q, want the new assignee", u.GetEvent().GetUrging().GetAssigneeId())
		}
	}

	// Before the deadline the loop escalates nothing.
	time.Sleep(30 * time.Millisecond)
	if n := len(eventsOfType(l.timelineOf(t, id), pb.EventType_EVENT_TYPE_REPORT_SUPERVISED)); n != 0 {
		t.Fatalf("%d escalations before the deadline", n)
	}

	// The deadline passes; nobody calls anything; the loop escalates.
	l.clock.Advance(8 * 24 * time.Hour)
	escalatedAt := l.clock.Now()
	var supervised []*pb.Event
	for wait := time.Now().Add(10 * time.Second); len(supervised) == 0; {
		if time.Now().After(wait) {
			t.Fatal("the case was not escalated to supervision 10 s after its deadline passed")
		}
		time.Sleep(5 * time.Millisecond)
		supervised = eventsOfType(l.timelineOf(t, id), pb.EventType_EVENT_TYPE_REPORT_SUPERVISED)
	}
	time.Sleep(30 * time.Millisecond) // many more rounds of the loop
	events := l.timelineOf(t, id)
	supervised = eventsOfType(events, pb.EventType_EVENT_TYPE_REPORT_SUPERVISED)
	if len(supervised) != 1 {
		t.Fatalf("%d escalations, want exactly one", len(supervised))
	}
	s := supervised[0]
	if s.GetActorId() != gridinspect.SystemUserID || s.GetActorName() != "系统" ||
		!s.GetSupervision().GetDeadline().AsTime().Equal(deadline) || s.GetStatusAfter() != pb.ReportStatus_REPORT_STATUS_RECTIFYING {
		t.Errorf("the escalation: %v", s)
	}

	// Listed as supervised; the other case is not.
	list, err := l.reports.ListReports(l.as("super"), &pb.ListReportsRequest{SupervisedOnly: true, OpenOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.GetReports()) != 1 || list.GetReports()[0].GetId() != id ||
		!list.GetReports()[0].GetSupervisedAt().AsTime().Equal(escalatedAt) || !list.GetReports()[0].GetOverdue() {
		t.Fatalf("supervised cases: %v; want only %s, escalated at %v", list.GetReports(), id, escalatedAt)
	}

	// Closure: the fix, and a supervisor's check.
	if _, _, err := l.rectify(pb.Disposition_DISPOSITION_RECTIFIED, 0)(l.as("workera"), id); err != nil {
		t.Fatal(err)
	}
	closed, _, err := l.verify(true)(l.as("super"), id)
	if err != nil {
		t.Fatal(err)
	}
	if closed.GetStatus() != pb.ReportStatus_REPORT_STATUS_CLOSED || closed.GetSupervisedAt() == nil || closed.GetUrgeCount() != 2 {
		t.Errorf("closed: %v", closed)
	}

	// The summary counts what the timelines hold.
	var reassigned, urged int64
	escalatedCases := map[string]bool{}
	for _, c := range []string{id, other} {
		events := l.timelineOf(t, c)
		reassigned += int64(len(eventsOfType(events, pb.EventType_EVENT_TYPE_REPORT_REASSIGNED)))
		urged += int64(len(eventsOfType(events, pb.EventType_EVENT_TYPE_REPORT_URGED)))
		if len(eventsOfType(events, pb.EventType_EVENT_TYPE_REPORT_SUPERVISED)) > 0 {
			escalatedCases[c] = true
		}
	}
	if reassigned != 1 || urged != 3 || len(escalatedCases) != 1 {
		t.Fatalf("the timelines hold %d re-dispatches, %d urgings, %d supervised cases; want 1, 3, 1", reassigned, urged, len(escalatedCases))
	}
	sum, err := pb.NewStatsServiceClient(l.conn).GetSummary(l.as("super"), &pb.GetSummaryRequest{
		From: timestamppb.New(start.Add(-time.Hour)), To: timestamppb.New(l.clock.Now().Add(time.Hour))})
	if err != nil {
		t.Fatal(err)
	}
	lp := sum.GetSummary().GetLoop()
	if lp.GetReassigned() != reassigned || lp.GetUrged() != urged || lp.GetSupervised() != int64(len(escalatedCases)) || lp.GetClosed() != 1 {
		t.Errorf("summary loop: reassigned %d, urged %d, supervised %d, closed %d; want %d, %d, %d, 1",
			lp.GetReassigned(), lp.GetUrged(), lp.GetSupervised(), lp.GetClosed(), reassigned, urged, len(escalatedCases))
	}
	for _, g := range sum.GetSummary().GetByGrid() {
		want := int64(0)
		if g.GetGridId() == gridA {
			want = urged
		}
		if g.GetLoop().GetUrged() != want {
			t.Errorf("grid %s: %d urgings, want %d", g.GetGridName(), g.GetLoop().GetUrged(), want)
		}
	}
	// A period before the escalation counts none.
	early, err := pb.NewStatsServiceClient(l.conn).GetSummary(l.as("super"), &pb.GetSummaryRequest{
		From: timestamppb.New(start.Add(-time.Hour)), To: timestamppb.New(escalatedAt)})
	if err != nil || early.GetSummary().GetLoop().GetSupervised() != 0 || early.GetSummary().GetLoop().GetUrged() != urged {
		t.Errorf("before the escalation: %v, %v; want none supervised, %d urged", early.GetSummary().GetLoop(), err, urged)
	}
}

// TestReassignAndUrgeArePushedExactlyOnce: the two actions pushed from a
// phone apply once, answer a re-send as the first time, are refused to a
// worker with a reason in Chinese, and reach the phones of the grid by
// Pull.
func TestReassignAndUrgeArePushedExactlyOnce(t *testing.T) {
	l := newLoop(t)
	id := l.caseIn(gridinspect.StatusRectifying)
	watcher := l.phone("workera")
	first := pullAll(t, watcher, "")

	p := l.phone("super")
	reassign := p.mutation(func(m *pb.Mutation) {
		m.Kind = &pb.Mutation_ReassignReport{ReassignReport: &pb.ReassignReportRequest{ActionId: newID(), ReportId: id,
			ResponsibleUnit: "街道城建办", Reason: "属城建办职责"}}
	})
	urge := p.mutation(func(m *pb.Mutation) {
		m.Kind = &pb.Mutation_UrgeReport{UrgeReport: &pb.UrgeReportRequest{ActionId: newID(), ReportId: id, Note: "请尽快整改"}}
	})
	for round, want := range []pb.MutationOutcome{pb.MutationOutcome_MUTATION_OUTCOME_APPLIED, pb.MutationOutcome_MUTATION_OUTCOME_DUPLICATE} {
		resp := p.push(reassign, urge)
		for i, r := range resp.GetResults() {
			if r.GetOutcome() != want {
				t.Errorf("round %d, mutation %d: %v (%s), want %v", round+1, i+1, r.GetOutcome(), r.GetReason(), want)
			}
		}
		if got := resp.GetResults()[1].GetReport(); got.GetUrgeCount() != 1 || got.GetReassignCount() != 1 || got.GetResponsibleUnit() != "街道城建办" {
			t.Errorf("round %d: the case %v; want one urging, one re-dispatch", round+1, got)
		}
	}
	if n := len(eventsOfType(l.timelineOf(t, id), pb.EventType_EVENT_TYPE_REPORT_URGED)); n != 1 {
		t.Errorf("%d urgings on the timeline, want 1", n)
	}

	w := l.phone("workera")
	refused := w.push(w.mutation(func(m *pb.Mutation) {
		m.Kind = &pb.Mutation_UrgeReport{UrgeReport: &pb.UrgeReportRequest{ActionId: newID(), ReportId: id, Note: "催一下"}}
	}), w.mutation(func(m *pb.Mutation) {
		m.Kind = &pb.Mutation_ReassignReport{ReassignReport: &pb.ReassignReportRequest{ActionId: newID(), ReportId: id,
			ResponsibleUnit: "别的单位", Reason: "不归我管"}}
	}))
	for i, r := range refused.GetResults() {
		if r.GetOutcome() != pb.MutationOutcome_MUTATION_OUTCOME_REJECTED || r.GetLocalizedReason() == "" || !hasHan(r.GetLocalizedReason()) {
			t.Errorf("a worker's mutation %d: %v, reason %q / %q; want REJECTED with a Chinese reason",
				i+1, r.GetOutcome(), r.GetReason(), r.GetLocalizedReason())
		}
	}

	// The phone of the grid pulls the case as it is now.
	changed := pullAll(t, watcher, first.cursor)
	got := changed.reports[id]
	if got == nil || got.GetUrgeCount() != 1 || got.GetResponsibleUnit() != "街道城建办" {
		t.Errorf("pulled %v; want the case urged and re-dispatched", got)
	}
}
