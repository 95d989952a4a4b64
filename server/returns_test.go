package server_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

// TestAReturnedReportGoesToThePhoneAndComesBackSupplemented walks 退回补充
// over the real server: the supervisor returns a new report asking for a
// photo and the address; the worker's phone pulls the request, answers it
// offline through Push (and sends it twice); the case is back in the
// supervisors' queue, is dispatched, and the summary and the dashboard
// count it once.
func TestAReturnedReportGoesToThePhoneAndComesBackSupplemented(t *testing.T) {
	l := newLoop(t)
	stats := pb.NewStatsServiceClient(l.conn)
	p := l.phone("workera")
	r := l.hazard()
	r.Description = "楼道堆放杂物"
	id := l.mustSubmitAs("workera", r).GetId()
	cursor := pullAll(t, p, "").cursor

	// A worker cannot return; nothing to supplement before a return.
	_, err := l.rect.ReturnReport(l.as("workera"), &pb.ReturnReportRequest{ActionId: newID(), ReportId: id,
		Wants: []pb.ReturnWant{pb.ReturnWant_RETURN_WANT_PHOTO}})
	wantCode(t, err, codes.PermissionDenied)
	_, err = l.rect.SupplementReport(l.as("workera"), &pb.SupplementReportRequest{ActionId: newID(), ReportId: id, Address: "长山村"})
	if zh := chineseOf(wantCode(t, err, codes.FailedPrecondition)); !strings.Contains(zh, "未被退回补充") {
		t.Errorf("supplement before a return: Chinese %q", zh)
	}

	ret, err := l.rect.ReturnReport(l.as("super"), &pb.ReturnReportRequest{ActionId: newID(), ReportId: id,
		Wants: []pb.ReturnWant{pb.ReturnWant_RETURN_WANT_ADDRESS, pb.ReturnWant_RETURN_WANT_PHOTO}, Note: "请补充现场照片和门牌号"})
	if err != nil {
		t.Fatal(err)
	}
	if rep := ret.GetReport(); rep.GetStatus() != pb.ReportStatus_REPORT_STATUS_REPORTED || rep.GetReturnCount() != 1 ||
		slices.Contains(rep.GetAllowedActions(), pb.ReportAction_REPORT_ACTION_RETURN_FOR_MORE) ||
		ret.GetEvent().GetType() != pb.EventType_EVENT_TYPE_REPORT_RETURNED {
		t.Fatalf("after the return: %v, event %v", rep, ret.GetEvent())
	}
	_, err = l.rect.ReturnReport(l.as("super"), &pb.ReturnReportRequest{ActionId: newID(), ReportId: id,
		Wants: []pb.ReturnWant{pb.ReturnWant_RETURN_WANT_PHOTO}})
	wantCode(t, err, codes.FailedPrecondition)

	// The supervisors' lists tell a case that waits from one to dispatch.
	listed := func(req *pb.ListReportsRequest) bool {
		t.Helper()
		resp, err := l.reports.ListReports(l.as("super"), req)
		if err != nil {
			t.Fatal(err)
		}
		return slices.ContainsFunc(resp.GetReports(), func(r *pb.Report) bool { return r.GetId() == id })
	}
	reported := []pb.ReportStatus{pb.ReportStatus_REPORT_STATUS_REPORTED}
	if !listed(&pb.ListReportsRequest{ReturnedOnly: true}) || listed(&pb.ListReportsRequest{Statuses: reported, HideReturned: true}) ||
		!listed(&pb.ListReportsRequest{OpenOnly: true}) {
		t.Error("a waiting case: want it in returned_only and open_only, not in the queue to dispatch")
	}

	// The phone pulls the request with its case.
	pulled := pullAll(t, p, cursor)
	got := pulled.reports[id]
	rq := got.GetReturnRequest()
	if rq == nil || !slices.Equal(rq.GetWants(), []pb.ReturnWant{pb.ReturnWant_RETURN_WANT_PHOTO, pb.ReturnWant_RETURN_WANT_ADDRESS}) ||
		rq.GetNote() != "请补充现场照片和门牌号" || rq.GetReturnedBy() != l.ids["super"] ||
		!slices.Contains(got.GetAllowedActions(), pb.ReportAction_REPORT_ACTION_SUPPLEMENT) {
		t.Fatalf("pulled %v", got)
	}

	// The worker answers offline: a photo, the address, a word more.
	photo := l.mustUploadPhoto("workera", id, []byte{0xFF, 0xD8, 0xFF, 0xE0, 9, 8, 7})
	supplement := p.mutation(func(m *pb.Mutation) {
		m.Kind = &pb.Mutation_SupplementReport{SupplementReport: &pb.SupplementReportRequest{ActionId: newID(), ReportId: id,
			PhotoIds: []string{photo}, Address: "长山村 3 组 12 号", Description: "一至三楼楼道均有堆放",
			OccurredAt: timestamppb.New(l.clock.Now().Add(-time.Minute))}}
	})
	for i, want := range []pb.MutationOutcome{pb.MutationOutcome_MUTATION_OUTCOME_APPLIED, pb.MutationOutcome_MUTATION_OUTCOME_DUPLICATE} {
		res := p.push(supplement).GetResults()[0]
		rep := res.GetReport()
		if res.GetOutcome() != want || rep.GetReturnRequest() != nil || rep.GetLocation().GetAddress() != "长山村 3 组 12 号" ||
			rep.GetDescription() != "楼道堆放杂物\n补充：一至三楼楼道均有堆放" || !slices.Contains(rep.GetPhotoIds(), photo) ||
			len(rep.GetMissingPhotoIds()) != 0 || rep.GetVersion() != 3 {
			t.Fatalf("push %d: %v (%s), report %v", i+1, res.GetOutcome(), res.GetReason(), rep)
		}
	}
	// A second answer finds nothing to answer: kept as a conflict, in Chinese.
	late := p.mutation(func(m *pb.Mutation) {
		m.Kind = &pb.Mutation_SupplementReport{SupplementReport: &pb.SupplementReportRequest{ActionId: newID(), ReportId: id,
			Description: "再补一句"}}
	})
	if res := p.push(late).GetResults()[0]; res.GetOutcome() != pb.MutationOutcome_MUTATION_OUTCOME_CONFLICT ||
		!strings.Contains(res.GetLocalizedReason(), "未被退回补充") {
		t.Errorf("a supplement of a case not returned: %v %q", res.GetOutcome(), res.GetLocalizedReason())
	}
	tl, err := l.rect.GetTimeline(l.as("super"), &pb.GetTimelineRequest{ReportId: id})
	if err != nil {
		t.Fatal(err)
	}
	var types []pb.EventType
	for _, e := range tl.GetEvents() {
		if !e.GetConflict() {
			types = append(types, e.GetType())
		}
	}
	if want := []pb.EventType{pb.EventType_EVENT_TYPE_REPORT_SUBMITTED, pb.EventType_EVENT_TYPE_REPORT_RETURNED,
		pb.EventType_EVENT_TYPE_REPORT_SUPPLEMENTED}; !tl.GetChainIntact() || !slices.Equal(types, want) {
		t.Errorf("timeline %v (chain intact %v), want %v", types, tl.GetChainIntact(), want)
	}
	if sp := tl.GetEvents()[2].GetSupplement(); sp.GetPreviousAddress() != r.GetLocation().GetAddress() {
		t.Errorf("the supplement's event keeps %q as the previous address, want %q", sp.GetPreviousAddress(), r.GetLocation().GetAddress())
	}

	// Back in the queue: the supervisor dispatches it.
	if !listed(&pb.ListReportsRequest{Statuses: reported, HideReturned: true}) || listed(&pb.ListReportsRequest{ReturnedOnly: true}) {
		t.Error("the supplemented case is not back in the queue to dispatch")
	}
	if _, _, err := l.assign("workera", l.clock.Now().Add(10*24*time.Hour))(l.as("super"), id); err != nil {
		t.Fatalf("dispatching the supplemented case: %v", err)
	}

	// Counted once, with its return and its supplement.
	sum, err := stats.GetSummary(l.as("super"), &pb.GetSummaryRequest{From: timestamppb.New(l.clock.Now().AddDate(0, -1, 0)),
		To: timestamppb.New(l.clock.Now().Add(time.Hour))})
	if err != nil {
		t.Fatal(err)
	}
	if lp := sum.GetSummary().GetLoop(); lp.GetReported() != 1 || lp.GetOpen() != 1 || lp.GetReturned() != 1 || lp.GetSupplemented() != 1 {
		t.Errorf("summary loop = %v; want reported 1, open 1, returned 1, supplemented 1", lp)
	}
	dash, err := stats.GetDashboard(l.as("super"), &pb.GetDashboardRequest{})
	if err != nil || dash.GetTotal().GetOpen() != 1 {
		t.Errorf("dashboard = %v, %v; want 1 open", dash.GetTotal(), err)
	}
}

// pulled is what a phone has after pulling: each report as last pulled.
type pulled struct {
	cursor  string
	reports map[string]*pb.Report
}

func pullAll(t *testing.T, p *phone, cursor string) pulled {
	t.Helper()
	out := pulled{cursor: cursor, reports: map[string]*pb.Report{}}
	for {
		resp, err := p.sync.Pull(p.ctx, &pb.PullRequest{Cursor: out.cursor, PageSize: 100})
		if err != nil {
			t.Fatalf("pull: %v", err)
		}
		for _, c := range resp.GetChanges() {
			if r := c.GetReport().GetReport(); r != nil {
				out.reports[r.GetId()] = r
			}
		}
		out.cursor = resp.GetNextCursor()
		if !resp.GetHasMore() {
			return out
		}
	}
}
