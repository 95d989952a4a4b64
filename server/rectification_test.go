package server_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

// loop drives cases through RectificationService as the harness's users.
type loop struct {
	*authHarness
	rect pb.RectificationServiceClient
}

func newLoop(t *testing.T) *loop {
	a := newAuthHarness(t)
	return &loop{authHarness: a, rect: pb.NewRectificationServiceClient(a.conn)}
}

func (l *loop) as(user string) context.Context { return bearer(context.Background(), l.tokens[user]) }

// step is one action of a case's life: who takes it, the call, and the
// status it must leave the case in.
type step struct {
	who  string
	call func(ctx context.Context, id string) (*pb.Report, *pb.Event, error)
	want pb.ReportStatus
}

func (l *loop) assign(assignee string, deadline time.Time) func(context.Context, string) (*pb.Report, *pb.Event, error) {
	return func(ctx context.Context, id string) (*pb.Report, *pb.Event, error) {
		r, err := l.rect.AssignReport(ctx, &pb.AssignReportRequest{ActionId: newID(), ReportId: id, AssigneeId: l.ids[assignee],
			ResponsibleUnit: "责任企业", Deadline: timestamppb.New(deadline), Note: "请限期整改"})
		return r.GetReport(), r.GetEvent(), err
	}
}

func (l *loop) notice(kind pb.NoticeKind, dept string) func(context.Context, string) (*pb.Report, *pb.Event, error) {
	return func(ctx context.Context, id string) (*pb.Report, *pb.Event, error) {
		r, err := l.rect.IssueNotice(ctx, &pb.IssueNoticeRequest{ActionId: newID(), ReportId: id, Kind: kind, Department: dept})
		return r.GetReport(), r.GetEvent(), err
	}
}

func (l *loop) interview(ctx context.Context, id string) (*pb.Report, *pb.Event, error) {
	r, err := l.rect.RecordInterview(ctx, &pb.RecordInterviewRequest{ActionId: newID(), ReportId: id,
		Interviewee: "法定代表人 张某", Place: "街道安监办", Outcome: "承诺十日内整改到位"})
	return r.GetReport(), r.GetEvent(), err
}

func (l *loop) rectify(d pb.Disposition, area float64) func(context.Context, string) (*pb.Report, *pb.Event, error) {
	return func(ctx context.Context, id string) (*pb.Report, *pb.Event, error) {
		r, err := l.rect.SubmitRectification(ctx, &pb.SubmitRectificationRequest{ActionId: newID(), ReportId: id,
			Disposition: d, DemolishedAreaSquareMeters: area, PhotoIds: []string{newID()}, Note: "已整改,附整改后照片"})
		return r.GetReport(), r.GetEvent(), err
	}
}

func (l *loop) verify(passed bool) func(context.Context, string) (*pb.Report, *pb.Event, error) {
	return func(ctx context.Context, id string) (*pb.Report, *pb.Event, error) {
		req := &pb.VerifyRectificationRequest{ActionId: newID(), ReportId: id, Passed: passed}
		if !passed {
			req.Reason = "现场复核未整改到位"
		}
		r, err := l.rect.VerifyRectification(ctx, req)
		return r.GetReport(), r.GetEvent(), err
	}
}

func (l *loop) followUp(relapsed bool) func(context.Context, string) (*pb.Report, *pb.Event, error) {
	return func(ctx context.Context, id string) (*pb.Report, *pb.Event, error) {
		r, err := l.rect.RecordFollowUp(ctx, &pb.RecordFollowUpRequest{ActionId: newID(), ReportId: id, Relapsed: relapsed})
		return r.GetReport(), r.GetEvent(), err
	}
}

func (l *loop) subject(kind pb.SubjectKind, name string) string {
	l.t.Helper()
	resp, err := l.dirs.CreateSubject(l.as("super"), &pb.CreateSubjectRequest{Subject: &pb.Subject{
		Id: newID(), Kind: kind, Name: name, Location: inA}})
	if err != nil {
		l.t.Fatalf("create subject: %v", err)
	}
	return resp.GetSubject().GetId()
}

func TestEveryCategoryLivesThroughTheWholeLoop(t *testing.T) {
	l := newLoop(t)
	subjects := map[pb.SubjectKind]string{
		pb.SubjectKind_SUBJECT_KIND_WATER_SOURCE: l.subject(pb.SubjectKind_SUBJECT_KIND_WATER_SOURCE, "袁塘备用水源地"),
		pb.SubjectKind_SUBJECT_KIND_HOUSEHOLD:    l.subject(pb.SubjectKind_SUBJECT_KIND_HOUSEHOLD, "王某某户"),
	}
	fixes := map[pb.Category]struct {
		disposition pb.Disposition
		area        float64
	}{
		pb.Category_CATEGORY_SAFETY_HAZARD:        {pb.Disposition_DISPOSITION_RECTIFIED, 0},
		pb.Category_CATEGORY_POLLUTING_ENTERPRISE: {pb.Disposition_DISPOSITION_SHUT_DOWN, 0},
		pb.Category_CATEGORY_ILLEGAL_CONSTRUCTION: {pb.Disposition_DISPOSITION_DEMOLISHED, 86.5},
		pb.Category_CATEGORY_WATER_SOURCE_RISK:    {pb.Disposition_DISPOSITION_RESOLVED, 0},
		pb.Category_CATEGORY_DANGEROUS_HOUSE:      {pb.Disposition_DISPOSITION_RENOVATED, 0},
		pb.Category_CATEGORY_OTHER:                {pb.Disposition_DISPOSITION_RESOLVED, 0},
	}
	for i, r := range l.everyCategory(subjects) {
		t.Run(r.GetCategory().String(), func(t *testing.T) {
			fix := fixes[r.GetCategory()]
			id := l.mustSubmitAs("workera", r).GetId()
			life := []step{
				{"super", l.assign("workera", l.clock.Now().Add(10*24*time.Hour)), pb.ReportStatus_REPORT_STATUS_ASSIGNED},
				{"super", l.notice(pb.NoticeKind_NOTICE_KIND_HAZARD_NOTICE, ""), pb.ReportStatus_REPORT_STATUS_ASSIGNED},
				{"super", l.interview, pb.ReportStatus_REPORT_STATUS_ASSIGNED},
				{"workera", l.rectify(fix.disposition, fix.area), pb.ReportStatus_REPORT_STATUS_PENDING_VERIFICATION},
				{"super", l.verify(false), pb.ReportStatus_REPORT_STATUS_RECTIFYING},
				{"workera", l.rectify(fix.disposition, fix.area), pb.ReportStatus_REPORT_STATUS_PENDING_VERIFICATION},
				{"super", l.verify(true), pb.ReportStatus_REPORT_STATUS_CLOSED},
				{"super", l.followUp(true), pb.ReportStatus_REPORT_STATUS_RECTIFYING},
				{"workera", l.rectify(fix.disposition, fix.area), pb.ReportStatus_REPORT_STATUS_PENDING_VERIFICATION},
				{"super", l.verify(true), pb.ReportStatus_REPORT_STATUS_CLOSED},
				{"workera", l.followUp(false), pb.ReportStatus_REPORT_STATUS_CLOSED},
			}
			var last *pb.Report
			for n, s := range life {
				rep, ev, err := s.call(l.as(s.who), id)
				if err != nil {
					t.Fatalf("step %d as %s: %v", n+1, s.who, err)
				}
				if rep.GetStatus() != s.want || rep.GetVersion() != int64(n+2) || ev.GetVersion() != rep.GetVersion() {
					t.Fatalf("step %d: status %v version %d (event %d); want %v version %d", n+1, rep.GetStatus(),
						rep.GetVersion(), ev.GetVersion(), s.want, n+2)
				}
				if n == 1 && ev.GetNotice().GetNumber() != fmt.Sprintf("〔2024〕%d号", i+1) {
					t.Errorf("notice number %q, want the %dth of 2024", ev.GetNotice().GetNumber(), i+1)
				}
				last = rep
			}
			if last.GetDisposition() != fix.disposition || last.GetRelapseCount() != 1 || last.GetClosedAt() == nil {
				t.Errorf("closed as %v with %d relapses at %v; want %v, 1", last.GetDisposition(), last.GetRelapseCount(),
					last.GetClosedAt(), fix.disposition)
			}
			tl, err := l.rect.GetTimeline(l.as("workera"), &pb.GetTimelineRequest{ReportId: id})
			if err != nil {
				t.Fatalf("timeline: %v", err)
			}
			if !tl.GetChainIntact() || len(tl.GetEvents()) != len(life)+1 {
				t.Errorf("timeline of %d events, chain intact %v; want %d and intact", len(tl.GetEvents()), tl.GetChainIntact(), len(life)+1)
			}
			for n, e := range tl.GetEvents()[1:] {
				if e.GetStatusAfter() != life[n].want || e.GetActorId() != l.ids[life[n].who] {
					t.Errorf("event %d: %v by %s; want %v by %s", n+2, e.GetStatusAfter(), e.GetActorId(), life[n].want, life[n].who)
				}
			}
		})
	}
}

func TestACaseRectifiedOnTheSpotClosesOnVerification(t *testing.T) {
	l := newLoop(t)
	r := l.hazard()
	r.RectifiedOnSpot = true
	id := l.mustSubmitAs("workera", r).GetId()
	rep, _, err := l.verify(true)(l.as("super"), id)
	if err != nil {
		t.Fatal(err)
	}
	if rep.GetStatus() != pb.ReportStatus_REPORT_STATUS_CLOSED || rep.GetDisposition() != pb.Disposition_DISPOSITION_RECTIFIED {
		t.Errorf("after verification: %v %v; want CLOSED, RECTIFIED", rep.GetStatus(), rep.GetDisposition())
	}
}

func TestADuplicateIsRejectedNamingTheOriginal(t *testing.T) {
	l := newLoop(t)
	first := l.mustSubmitAs("workera", l.hazard()).GetId()
	dup := l.mustSubmitAs("workera", l.hazard()).GetId()
	resp, err := l.rect.RejectReport(l.as("super"), &pb.RejectReportRequest{ActionId: newID(), ReportId: dup,
		Reason: pb.RejectionReason_REJECTION_REASON_DUPLICATE, DuplicateOfReportId: first})
	if err != nil {
		t.Fatal(err)
	}
	if resp.GetReport().GetStatus() != pb.ReportStatus_REPORT_STATUS_REJECTED || resp.GetEvent().GetRejection().GetDuplicateOfReportId() != first {
		t.Errorf("rejected: %v", resp)
	}
	_, err = l.rect.RejectReport(l.as("super"), &pb.RejectReportRequest{ActionId: newID(), ReportId: first,
		Reason: pb.RejectionReason_REJECTION_REASON_DUPLICATE, DuplicateOfReportId: newID()})
	wantCode(t, err, codes.InvalidArgument)
}

func TestARefusedTransitionNamesTheStatusAndChangesNothing(t *testing.T) {
	l := newLoop(t)
	id := l.mustSubmitAs("workera", l.hazard()).GetId()
	before := snapshot(t, l.db.Path())
	_, _, err := l.verify(true)(l.as("super"), id)
	st := wantCode(t, err, codes.FailedPrecondition)
	var info *errdetails.ErrorInfo
	for _, d := range st.Details() {
		if i, ok := d.(*errdetails.ErrorInfo); ok {
			info = i
		}
	}
	if info.GetMetadata()["current_status"] != "REPORT_STATUS_REPORTED" || info.GetMetadata()["current_version"] != "1" {
		t.Errorf("error info %v; want the current status and version", info)
	}
	if after := snapshot(t, l.db.Path()); after != before {
		t.Error("a refused transition changed the database")
	}
}

func TestAStaleActionIsAbortedButKeptOnTheTimeline(t *testing.T) {
	l := newLoop(t)
	id := l.mustSubmitAs("workera", l.hazard()).GetId()
	if _, _, err := l.assign("workera", l.clock.Now().Add(48*time.Hour))(l.as("super"), id); err != nil {
		t.Fatal(err)
	}
	stale := &pb.RecordProgressRequest{ActionId: newID(), ReportId: id, ExpectedVersion: 1, Note: "已联系企业负责人"}
	_, err := l.rect.RecordProgress(l.as("workera"), stale)
	wantCode(t, err, codes.Aborted)
	tl, _ := l.rect.GetTimeline(l.as("workera"), &pb.GetTimelineRequest{ReportId: id})
	last := tl.GetEvents()[len(tl.GetEvents())-1]
	if !last.GetConflict() || last.GetNote() != stale.GetNote() || last.GetVersion() != 2 {
		t.Errorf("last event %v; want the stale action kept as a conflict at version 2", last)
	}
	got, _ := l.reports.GetReport(l.as("workera"), &pb.GetReportRequest{Id: id})
	if got.GetReport().GetVersion() != 2 || got.GetReport().GetStatus() != pb.ReportStatus_REPORT_STATUS_ASSIGNED {
		t.Errorf("report after a conflict: %v", got.GetReport())
	}
	// Replaying it answers the same, and keeps nothing twice.
	_, again := l.rect.RecordProgress(l.as("workera"), stale)
	if again == nil || again.Error() != err.Error() {
		t.Errorf("replay: %v; want %v", again, err)
	}
	tl2, _ := l.rect.GetTimeline(l.as("workera"), &pb.GetTimelineRequest{ReportId: id})
	if len(tl2.GetEvents()) != len(tl.GetEvents()) {
		t.Error("the replay added an event")
	}
}

func TestAReplayedActionReturnsTheFirstResult(t *testing.T) {
	l := newLoop(t)
	id := l.mustSubmitAs("workera", l.hazard()).GetId()
	req := &pb.AssignReportRequest{ActionId: newID(), ReportId: id, AssigneeId: l.ids["workera"]}
	first, err := l.rect.AssignReport(l.as("super"), req)
	if err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, l.db.Path())
	again, err := l.rect.AssignReport(l.as("super"), req)
	if err != nil || !proto.Equal(again.GetEvent(), first.GetEvent()) {
		t.Errorf("replay = %v, %v; want the first event", again.GetEvent(), err)
	}
	if snapshot(t, l.db.Path()) != before {
		t.Error("the replay wrote something")
	}
	req.AssigneeId = l.ids["supera"]
	_, err = l.rect.AssignReport(l.as("super"), req)
	wantCode(t, err, codes.AlreadyExists)
}

func TestOverdueCasesAppearAndDisappearAsDeadlinesPass(t *testing.T) {
	l := newLoop(t)
	id := l.mustSubmitAs("workera", l.hazard()).GetId()
	if _, _, err := l.assign("workera", l.clock.Now().Add(48*time.Hour))(l.as("super"), id); err != nil {
		t.Fatal(err)
	}
	overdue := func() []string {
		resp, err := l.reports.ListReports(l.as("super"), &pb.ListReportsRequest{OverdueOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, r := range resp.GetReports() {
			if !r.GetOverdue() {
				t.Errorf("listed as overdue but overdue = false: %v", r)
			}
			ids = append(ids, r.GetId())
		}
		return ids
	}
	if got := overdue(); len(got) != 0 {
		t.Errorf("before the deadline: %v overdue", got)
	}
	l.clock.Advance(49 * time.Hour)
	if got := overdue(); len(got) != 1 || got[0] != id {
		t.Errorf("after the deadline: %v overdue, want %s", got, id)
	}
	if _, _, err := l.rectify(pb.Disposition_DISPOSITION_RECTIFIED, 0)(l.as("workera"), id); err != nil {
		t.Fatal(err)
	}
	if got := overdue(); len(got) != 0 {
		t.Errorf("once rectified: %v overdue", got)
	}
}

func TestWorkersCannotTakeSupervisorsSteps(t *testing.T) {
	l := newLoop(t)
	id := l.mustSubmitAs("workera", l.hazard()).GetId()
	before := snapshot(t, l.db.Path())
	_, _, err := l.assign("workera", l.clock.Now().Add(48*time.Hour))(l.as("workera"), id)
	wantCode(t, err, codes.PermissionDenied)
	_, err = l.rect.RejectReport(l.as("workera"), &pb.RejectReportRequest{ActionId: newID(), ReportId: id,
		Reason: pb.RejectionReason_REJECTION_REASON_INVALID})
	wantCode(t, err, codes.PermissionDenied)
	if snapshot(t, l.db.Path()) != before {
		t.Error("a refused action wrote something")
	}
}

func TestASubjectsFileHoldsItsWholeHistory(t *testing.T) {
	l := newLoop(t)
	sub := l.subject(pb.SubjectKind_SUBJECT_KIND_ENTERPRISE, "某某洗沙场")
	r := l.hazard()
	r.SubjectId = sub
	id := l.mustSubmitAs("workera", r).GetId()
	for _, s := range []func(context.Context, string) (*pb.Report, *pb.Event, error){
		l.assign("workera", l.clock.Now().Add(48*time.Hour)), l.rectify(pb.Disposition_DISPOSITION_RECTIFIED, 0),
		l.verify(true), l.followUp(true),
	} {
		who := "super"
		if _, _, err := s(l.as(who), id); err != nil {
			t.Fatal(err)
		}
	}
	file, err := l.dirs.GetSubject(l.as("workera"), &pb.GetSubjectRequest{Id: sub})
	if err != nil {
		t.Fatal(err)
	}
	if len(file.GetReports()) != 1 || file.GetRelapseCount() != 1 {
		t.Errorf("file has %d reports and %d relapses; want 1 and 1", len(file.GetReports()), file.GetRelapseCount())
	}
}
