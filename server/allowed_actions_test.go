package server_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
	"github.com/gridinspect/gridinspect/server"
)

// TestAllowedActionsAreExactlyTheCallsThatSucceed holds allowed_actions
// to what the server does: for every status and every kind of caller, the
// list GetReport gives is exactly the set of RectificationService calls
// that then succeed on a case in that status. The expectation is found by
// calling, so the list cannot be a copy of the rules that drifts.
func TestAllowedActionsAreExactlyTheCallsThatSucceed(t *testing.T) {
	// Some three hundred calls in a burst: the request limit has tests of
	// its own (overload_test.go).
	a := newAuthHarness(t, func(c *server.Config) { c.RequestLimit = &server.NoRequestLimit })
	l := &loop{authHarness: a, rect: pb.NewRectificationServiceClient(a.conn)}
	later := func(days int) *timestamppb.Timestamp {
		return timestamppb.New(l.clock.Now().Add(time.Duration(days) * 24 * time.Hour))
	}
	type call func(ctx context.Context, id string) (*pb.Report, *pb.Event, error)
	calls := map[pb.ReportAction]call{
		pb.ReportAction_REPORT_ACTION_ASSIGN: l.assign("workera", l.clock.Now().Add(10*24*time.Hour)),
		pb.ReportAction_REPORT_ACTION_REJECT: func(ctx context.Context, id string) (*pb.Report, *pb.Event, error) {
			r, err := l.rect.RejectReport(ctx, &pb.RejectReportRequest{ActionId: newID(), ReportId: id,
				Reason: pb.RejectionReason_REJECTION_REASON_INVALID, Note: "不属于网格事项"})
			return r.GetReport(), r.GetEvent(), err
		},
		pb.ReportAction_REPORT_ACTION_RECORD_PROGRESS: func(ctx context.Context, id string) (*pb.Report, *pb.Event, error) {
			r, err := l.rect.RecordProgress(ctx, &pb.RecordProgressRequest{ActionId: newID(), ReportId: id, Note: "已开始整改"})
			return r.GetReport(), r.GetEvent(), err
		},
		pb.ReportAction_REPORT_ACTION_ISSUE_NOTICE:         l.notice(pb.NoticeKind_NOTICE_KIND_HAZARD_NOTICE, ""),
		pb.ReportAction_REPORT_ACTION_RECORD_INTERVIEW:     l.interview,
		pb.ReportAction_REPORT_ACTION_SUBMIT_RECTIFICATION: l.rectify(pb.Disposition_DISPOSITION_RECTIFIED, 0),
		pb.ReportAction_REPORT_ACTION_VERIFY_RECTIFICATION: l.verify(true),
		pb.ReportAction_REPORT_ACTION_RECORD_FOLLOW_UP:     l.followUp(false),
		pb.ReportAction_REPORT_ACTION_COMMENT: func(ctx context.Context, id string) (*pb.Report, *pb.Event, error) {
			r, err := l.rect.CommentOnReport(ctx, &pb.CommentOnReportRequest{ActionId: newID(), ReportId: id, Note: "请尽快处理"})
			return r.GetReport(), r.GetEvent(), err
		},
		pb.ReportAction_REPORT_ACTION_EXTEND_DEADLINE: func(ctx context.Context, id string) (*pb.Report, *pb.Event, error) {
			r, err := l.rect.ExtendDeadline(ctx, &pb.ExtendDeadlineRequest{ActionId: newID(), ReportId: id,
				NewDeadline: later(60), Reason: "企业申请延期"})
			return r.GetReport(), r.GetEvent(), err
		},
		pb.ReportAction_REPORT_ACTION_REASSIGN: func(ctx context.Context, id string) (*pb.Report, *pb.Event, error) {
			r, err := l.rect.ReassignReport(ctx, &pb.ReassignReportRequest{ActionId: newID(), ReportId: id,
				ResponsibleUnit: "街道城建办", Reason: "属城建办职责"})
			return r.GetReport(), r.GetEvent(), err
		},
		pb.ReportAction_REPORT_ACTION_URGE: func(ctx context.Context, id string) (*pb.Report, *pb.Event, error) {
			r, err := l.rect.UrgeReport(ctx, &pb.UrgeReportRequest{ActionId: newID(), ReportId: id, Note: "请本周内整改到位"})
			return r.GetReport(), r.GetEvent(), err
		},
		pb.ReportAction_REPORT_ACTION_RETURN_FOR_MORE: func(ctx context.Context, id string) (*pb.Report, *pb.Event, error) {
			r, err := l.rect.ReturnReport(ctx, &pb.ReturnReportRequest{ActionId: newID(), ReportId: id,
				Wants: []pb.ReturnWant{pb.ReturnWant_RETURN_WANT_PHOTO}, Note: "请补充现场照片"})
			return r.GetReport(), r.GetEvent(), err
		},
		pb.ReportAction_REPORT_ACTION_SUPPLEMENT: func(ctx context.Context, id string) (*pb.Report, *pb.Event, error) {
			r, err := l.rect.SupplementReport(ctx, &pb.SupplementReportRequest{ActionId: newID(), ReportId: id,
				Description: "杂物堆放在一至三楼楼道"})
			return r.GetReport(), r.GetEvent(), err
		},
	}
	if got, want := len(calls), len(pb.ReportAction_name)-1; got != want {
		t.Fatalf("the test calls %d actions of %d", got, want)
	}
	// The way to each status from REPORTED, as the street's supervisor
	// and grid A's worker take it; and to a REPORTED case returned to its
	// reporter for more (退回补充), which is no status of its own.
	const returned = pb.ReportStatus(-1)
	ways := map[pb.ReportStatus][]step{
		pb.ReportStatus_REPORT_STATUS_REPORTED: nil,
		returned:                               {{"super", calls[pb.ReportAction_REPORT_ACTION_RETURN_FOR_MORE], 0}},
		pb.ReportStatus_REPORT_STATUS_ASSIGNED: {{"super", calls[pb.ReportAction_REPORT_ACTION_ASSIGN], 0}},
		pb.ReportStatus_REPORT_STATUS_RECTIFYING: {{"super", calls[pb.ReportAction_REPORT_ACTION_ASSIGN], 0},
			{"workera", calls[pb.ReportAction_REPORT_ACTION_RECORD_PROGRESS], 0}},
		pb.ReportStatus_REPORT_STATUS_PENDING_VERIFICATION: {{"super", calls[pb.ReportAction_REPORT_ACTION_ASSIGN], 0},
			{"workera", calls[pb.ReportAction_REPORT_ACTION_SUBMIT_RECTIFICATION], 0}},
		pb.ReportStatus_REPORT_STATUS_CLOSED: {{"super", calls[pb.ReportAction_REPORT_ACTION_ASSIGN], 0},
			{"workera", calls[pb.ReportAction_REPORT_ACTION_SUBMIT_RECTIFICATION], 0},
			{"super", calls[pb.ReportAction_REPORT_ACTION_VERIFY_RECTIFICATION], 0}},
		pb.ReportStatus_REPORT_STATUS_REJECTED: {{"super", calls[pb.ReportAction_REPORT_ACTION_REJECT], 0}},
	}
	caseIn := func(t *testing.T, st pb.ReportStatus) string {
		t.Helper()
		id := l.mustSubmitAs("workera", l.hazard()).GetId()
		for _, s := range ways[st] {
			if _, _, err := s.call(l.as(s.who), id); err != nil {
				t.Fatalf("bringing a case to %v as %s: %v", st, s.who, err)
			}
		}
		return id
	}
	for st := range ways {
		for _, who := range []string{"workera", "super", "admin1"} {
			t.Run(st.String()+" as "+who, func(t *testing.T) {
				got, err := l.reports.GetReport(l.as(who), &pb.GetReportRequest{Id: caseIn(t, st)})
				if err != nil {
					t.Fatal(err)
				}
				if want := max(st, pb.ReportStatus_REPORT_STATUS_REPORTED); got.GetReport().GetStatus() != want ||
					(got.GetReport().GetReturnRequest() != nil) != (st == returned) {
					t.Fatalf("the case is %v (return request %v), want %v", got.GetReport().GetStatus(),
						got.GetReport().GetReturnRequest(), st)
				}
				var succeeded []pb.ReportAction
				for x, c := range calls {
					_, _, err := c(l.as(who), caseIn(t, st))
					switch code := status.Code(err); code {
					case codes.OK:
						succeeded = append(succeeded, x)
					case codes.FailedPrecondition, codes.PermissionDenied:
					default:
						t.Errorf("%v: %v (neither done nor refused by the rules)", x, err)
					}
				}
				slices.Sort(succeeded)
				if allowed := got.GetReport().GetAllowedActions(); !slices.Equal(allowed, succeeded) {
					t.Errorf("allowed_actions %v; the calls that succeed %v", allowed, succeeded)
				}
			})
		}
	}
}

// TestEveryResponseCarriesTheCallersActions: the list, the action's
// answer and Pull give the same allowed_actions as GetReport, for the
// caller who asks.
func TestEveryResponseCarriesTheCallersActions(t *testing.T) {
	l := newLoop(t)
	id := l.mustSubmitAs("workera", l.hazard()).GetId()
	rep, _, err := l.assign("workera", l.clock.Now().Add(10*24*time.Hour))(l.as("super"), id)
	if err != nil {
		t.Fatal(err)
	}
	superWants := []pb.ReportAction{pb.ReportAction_REPORT_ACTION_RECORD_PROGRESS, pb.ReportAction_REPORT_ACTION_ISSUE_NOTICE,
		pb.ReportAction_REPORT_ACTION_RECORD_INTERVIEW, pb.ReportAction_REPORT_ACTION_SUBMIT_RECTIFICATION,
		pb.ReportAction_REPORT_ACTION_COMMENT, pb.ReportAction_REPORT_ACTION_EXTEND_DEADLINE,
		pb.ReportAction_REPORT_ACTION_REASSIGN, pb.ReportAction_REPORT_ACTION_URGE}
	workerWants := []pb.ReportAction{pb.ReportAction_REPORT_ACTION_RECORD_PROGRESS,
		pb.ReportAction_REPORT_ACTION_SUBMIT_RECTIFICATION, pb.ReportAction_REPORT_ACTION_COMMENT}
	if got := rep.GetAllowedActions(); !slices.Equal(got, superWants) {
		t.Errorf("the assignment's answer to the supervisor: %v, want %v", got, superWants)
	}
	list, err := l.reports.ListReports(l.as("workera"), &pb.ListReportsRequest{})
	if err != nil || len(list.GetReports()) != 1 {
		t.Fatalf("list: %v, %v", list, err)
	}
	if got := list.GetReports()[0].GetAllowedActions(); !slices.Equal(got, workerWants) {
		t.Errorf("the worker's list: %v, want %v", got, workerWants)
	}
	pull, err := pb.NewSyncServiceClient(l.conn).Pull(l.as("workera"), &pb.PullRequest{})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, c := range pull.GetChanges() {
		if r := c.GetReport().GetReport(); r.GetId() == id {
			found = true
			if got := r.GetAllowedActions(); !slices.Equal(got, workerWants) {
				t.Errorf("the worker's pull: %v, want %v", got, workerWants)
			}
		}
	}
	if !found {
		t.Errorf("pull has no change of the case")
	}
}
