package server_test

import (
	"strings"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/gridinspect/gridinspect"
	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

// TestRoutingRules_AutomaticDispatchIsTheSystemsOnTheTimeline: the admin
// sets an automatic rule over gRPC (the kind's field implies its
// category); a worker's report of that kind in that grid comes back
// dispatched, and the timeline shows the system (系统) as the actor, with
// a note naming the rule, on an intact chain.
func TestRoutingRules_AutomaticDispatchIsTheSystemsOnTheTimeline(t *testing.T) {
	l := newLoop(t)
	routing := pb.NewRoutingServiceClient(l.conn)
	set, err := routing.SetRoutingRule(l.as("admin1"), &pb.SetRoutingRuleRequest{Rule: &pb.RoutingRule{
		Name: "红星村消防隐患", Kind: &pb.RoutingRule_HazardKind{HazardKind: pb.HazardKind_HAZARD_KIND_FIRE},
		GridId: gridA, AssigneeId: l.ids["workera"], DeadlineDays: 3, Automatic: true}})
	if err != nil {
		t.Fatal(err)
	}
	rule := set.GetRule()
	if rule.GetCategory() != pb.Category_CATEGORY_SAFETY_HAZARD || rule.GetRank() != 1 || rule.GetId() == "" {
		t.Fatalf("rule = %v, want a safety hazard rule of rank 1 with an id", rule)
	}

	rep := l.mustSubmitAs("workera", l.hazard())
	if rep.GetStatus() != pb.ReportStatus_REPORT_STATUS_ASSIGNED || rep.GetAssigneeId() != l.ids["workera"] ||
		!rep.GetDeadline().AsTime().Equal(l.clock.Now().Add(72*time.Hour)) {
		t.Fatalf("report = %v %s %v, want assigned to workera for 3 days", rep.GetStatus(), rep.GetAssigneeId(), rep.GetDeadline().AsTime())
	}
	tl, err := l.rect.GetTimeline(l.as("supera"), &pb.GetTimelineRequest{ReportId: rep.GetId()})
	if err != nil {
		t.Fatal(err)
	}
	if len(tl.GetEvents()) != 2 || !tl.GetChainIntact() {
		t.Fatalf("%d events, chain intact %v; want 2, true", len(tl.GetEvents()), tl.GetChainIntact())
	}
	e := tl.GetEvents()[1]
	if e.GetType() != pb.EventType_EVENT_TYPE_REPORT_ASSIGNED || e.GetActorId() != gridinspect.SystemUserID ||
		e.GetActorName() != "系统" || !strings.Contains(e.GetNote(), "红星村消防隐患") {
		t.Fatalf("event %v by %s (%q), note %q; want REPORT_ASSIGNED by 系统 naming the rule",
			e.GetType(), e.GetActorId(), e.GetActorName(), e.GetNote())
	}

	// A kind of another category is refused, naming the field.
	_, err = routing.SetRoutingRule(l.as("admin1"), &pb.SetRoutingRuleRequest{Rule: &pb.RoutingRule{
		Name: "错配", Category: pb.Category_CATEGORY_SAFETY_HAZARD,
		Kind: &pb.RoutingRule_RiskKind{RiskKind: pb.WaterRiskKind_WATER_RISK_KIND_SEWAGE}, ResponsibleUnit: "环保所"}})
	if f := violatedFields(wantCode(t, err, codes.InvalidArgument)); len(f) != 1 || f[0] != "rule.risk_kind" {
		t.Fatalf("fields %v, want rule.risk_kind", f)
	}
	// The same key again is ALREADY_EXISTS.
	_, err = routing.SetRoutingRule(l.as("admin1"), &pb.SetRoutingRuleRequest{Rule: &pb.RoutingRule{
		Name: "重复", Kind: &pb.RoutingRule_HazardKind{HazardKind: pb.HazardKind_HAZARD_KIND_FIRE}, GridId: gridA,
		ResponsibleUnit: "街道安监办"}})
	wantCode(t, err, codes.AlreadyExists)
}

// TestRoutingRules_ASuggestionIsWhatOneClickDispatchSends: a rule that is
// not automatic leaves the case REPORTED, and SuggestDispatch gives what
// AssignReport then takes.
func TestRoutingRules_ASuggestionIsWhatOneClickDispatchSends(t *testing.T) {
	l := newLoop(t)
	routing := pb.NewRoutingServiceClient(l.conn)
	if _, err := routing.SetRoutingRule(l.as("admin1"), &pb.SetRoutingRuleRequest{Rule: &pb.RoutingRule{
		Name: "安全隐患", Category: pb.Category_CATEGORY_SAFETY_HAZARD, ResponsibleUnit: "街道安监办"}}); err != nil {
		t.Fatal(err)
	}
	rep := l.mustSubmitAs("workera", l.hazard())
	if rep.GetStatus() != pb.ReportStatus_REPORT_STATUS_REPORTED {
		t.Fatalf("status %v, want REPORTED", rep.GetStatus())
	}
	sug, err := routing.SuggestDispatch(l.as("supera"), &pb.SuggestDispatchRequest{ReportId: rep.GetId()})
	if err != nil {
		t.Fatal(err)
	}
	as := sug.GetAssignment()
	if sug.GetRule().GetName() != "安全隐患" || as.GetResponsibleUnit() != "街道安监办" || as.GetDeadline() == nil {
		t.Fatalf("suggestion = %v", sug)
	}
	got, err := l.rect.AssignReport(l.as("supera"), &pb.AssignReportRequest{ActionId: newID(), ReportId: rep.GetId(),
		AssigneeId: as.GetAssigneeId(), ResponsibleUnit: as.GetResponsibleUnit(), Deadline: as.GetDeadline()})
	if err != nil {
		t.Fatal(err)
	}
	if r := got.GetReport(); r.GetStatus() != pb.ReportStatus_REPORT_STATUS_ASSIGNED || r.GetResponsibleUnit() != "街道安监办" {
		t.Fatalf("after the one click: %v %q", r.GetStatus(), r.GetResponsibleUnit())
	}
}

// violatedFields returns the fields a status's BadRequest names.
func violatedFields(st *status.Status) []string {
	var fields []string
	for _, d := range st.Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			for _, fv := range br.GetFieldViolations() {
				fields = append(fields, fv.GetField())
			}
		}
	}
	return fields
}

// TestRoutingRules_APushedReportIsDispatchedOnceHoweverOftenItIsPushed:
// the phone pushes a report an automatic rule covers, the link drops, and
// it pushes the same batch twice more: the case has one dispatch, by 系统.
func TestRoutingRules_APushedReportIsDispatchedOnceHoweverOftenItIsPushed(t *testing.T) {
	l := newLoop(t)
	if _, err := pb.NewRoutingServiceClient(l.conn).SetRoutingRule(l.as("admin1"), &pb.SetRoutingRuleRequest{Rule: &pb.RoutingRule{
		Name: "红星村安全隐患", Category: pb.Category_CATEGORY_SAFETY_HAZARD, GridId: gridA,
		AssigneeId: l.ids["workera"], ResponsibleUnit: "红星村村委会", Automatic: true}}); err != nil {
		t.Fatal(err)
	}
	p := l.phone("workera")
	report := l.hazard()
	create := p.mutation(func(m *pb.Mutation) {
		m.Kind = &pb.Mutation_SubmitReport{SubmitReport: &pb.SubmitReportRequest{Report: report}}
	})
	for i := range 3 {
		res := p.push(create).GetResults()[0]
		want := pb.MutationOutcome_MUTATION_OUTCOME_APPLIED
		if i > 0 {
			want = pb.MutationOutcome_MUTATION_OUTCOME_DUPLICATE
		}
		if res.GetOutcome() != want || res.GetReport().GetStatus() != pb.ReportStatus_REPORT_STATUS_ASSIGNED {
			t.Fatalf("push %d: %v, case %v; want %v, ASSIGNED", i+1, res.GetOutcome(), res.GetReport().GetStatus(), want)
		}
	}
	tl, err := l.rect.GetTimeline(l.as("supera"), &pb.GetTimelineRequest{ReportId: report.GetId()})
	if err != nil {
		t.Fatal(err)
	}
	var dispatches int
	for _, e := range tl.GetEvents() {
		if e.GetType() == pb.EventType_EVENT_TYPE_REPORT_ASSIGNED {
			dispatches++
			if e.GetActorName() != "系统" {
				t.Errorf("dispatched by %q, want 系统", e.GetActorName())
			}
		}
	}
	if dispatches != 1 || !tl.GetChainIntact() {
		t.Fatalf("%d dispatches, chain intact %v; want 1, true", dispatches, tl.GetChainIntact())
	}
}
