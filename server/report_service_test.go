package server_test

import (
	"bytes"
	"context"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/gridinspect/gridinspect"
	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

// everyCategory returns one valid report of each category, in grid A.
func (h *harness) everyCategory(subjects map[pb.SubjectKind]string) []*pb.Report {
	base := func(c pb.Category, desc string) *pb.Report {
		r := h.hazard()
		r.Category, r.Description, r.Details = c, desc, nil
		return r
	}
	pe := base(pb.Category_CATEGORY_POLLUTING_ENTERPRISE, "河滩非法洗沙场,夜间作业,泥浆直排")
	pe.Details = &pb.Report_PollutingEnterprise{PollutingEnterprise: &pb.PollutingEnterpriseDetails{
		Scattered: true, Polluting: true, Activity: pb.PollutingActivity_POLLUTING_ACTIVITY_ILLEGAL_SAND_WASHING,
		ProposedDisposal: pb.ProposedDisposal_PROPOSED_DISPOSAL_SHUT_DOWN, MovedInFromOutside: true, FromDistrict: "鸠江区",
	}}
	ic := base(pb.Category_CATEGORY_ILLEGAL_CONSTRUCTION, "占用耕地乱搭盖彩钢棚")
	ic.Details = &pb.Report_IllegalConstruction{IllegalConstruction: &pb.IllegalConstructionDetails{
		Kind: pb.ConstructionKind_CONSTRUCTION_KIND_SHED, Land: pb.LandKind_LAND_KIND_FARMLAND, AreaSquareMeters: 86.5,
	}}
	ws := base(pb.Category_CATEGORY_WATER_SOURCE_RISK, "备用水源地一级保护区内堆放生活垃圾")
	ws.SubjectId = subjects[pb.SubjectKind_SUBJECT_KIND_WATER_SOURCE]
	ws.Details = &pb.Report_WaterSourceRisk{WaterSourceRisk: &pb.WaterSourceRiskDetails{RiskKind: pb.WaterRiskKind_WATER_RISK_KIND_GARBAGE}}
	dh := base(pb.Category_CATEGORY_DANGEROUS_HOUSE, "土坯房墙体开裂,仍有老人居住")
	dh.SubjectId = subjects[pb.SubjectKind_SUBJECT_KIND_HOUSEHOLD]
	dh.Severity = pb.Severity_SEVERITY_MAJOR
	dh.Details = &pb.Report_DangerousHouse{DangerousHouse: &pb.DangerousHouseDetails{
		AppraisalGrade: pb.HouseGrade_HOUSE_GRADE_D, Occupied: true, Residents: 2,
	}}
	other := base(pb.Category_CATEGORY_OTHER, "路灯损坏")
	return []*pb.Report{h.hazard(), pe, ic, ws, dh, other}
}

func (h *harness) createSubjects() map[pb.SubjectKind]string {
	h.t.Helper()
	out := map[pb.SubjectKind]string{}
	for _, s := range []*pb.Subject{
		{Id: newID(), Kind: pb.SubjectKind_SUBJECT_KIND_WATER_SOURCE, Name: "袁塘备用水源地", Location: inA},
		{Id: newID(), Kind: pb.SubjectKind_SUBJECT_KIND_HOUSEHOLD, Name: "王某某户", Location: inA},
	} {
		resp, err := h.dirs.CreateSubject(as(context.Background(), "admin"), &pb.CreateSubjectRequest{Subject: s})
		if err != nil {
			h.t.Fatalf("create subject: %v", err)
		}
		out[s.Kind] = resp.GetSubject().GetId()
	}
	return out
}

func TestSubmittedReportOfEveryCategoryComesBack(t *testing.T) {
	h := newHarness(t)
	for _, r := range h.everyCategory(h.createSubjects()) {
		t.Run(r.GetCategory().String(), func(t *testing.T) {
			stored := h.mustSubmit("workerA", r)
			got, err := h.reports.GetReport(as(context.Background(), "workerA"), &pb.GetReportRequest{Id: r.GetId()})
			if err != nil {
				t.Fatalf("get: %v", err)
			}
			if !proto.Equal(got.GetReport(), stored) {
				t.Errorf("get returned\n%v\nsubmit returned\n%v", got.GetReport(), stored)
			}
			g := got.GetReport()
			if g.GetStatus() != pb.ReportStatus_REPORT_STATUS_REPORTED || g.GetVersion() != 1 {
				t.Errorf("status, version = %v, %d; want REPORTED, 1", g.GetStatus(), g.GetVersion())
			}
			if g.GetReporterId() != testActors["workerA"].UserID {
				t.Errorf("reporter = %q, want workerA", g.GetReporterId())
			}
			if !g.GetReceivedAt().AsTime().Equal(h.clock.Now()) {
				t.Errorf("received_at = %v, want the server clock %v", g.GetReceivedAt().AsTime(), h.clock.Now())
			}
			if !proto.Equal(g.GetObservedAt(), r.GetObservedAt()) || g.GetDescription() != r.GetDescription() ||
				g.GetSubjectId() != r.GetSubjectId() || g.GetCategory() != r.GetCategory() {
				t.Errorf("client fields changed: got %v, sent %v", g, r)
			}
			if !sameDetails(g, r) {
				t.Errorf("details = %v, sent %v", g.GetDetails(), r.GetDetails())
			}
		})
	}
}

func sameDetails(a, b *pb.Report) bool {
	return proto.Equal(&pb.Report{Details: a.GetDetails()}, &pb.Report{Details: b.GetDetails()})
}

func TestServerSetFieldsSentByAClientAreIgnored(t *testing.T) {
	h := newHarness(t)
	r := h.hazard()
	r.Status = pb.ReportStatus_REPORT_STATUS_CLOSED
	r.Version = 99
	r.ReporterId = testActors["admin"].UserID
	r.AssigneeId = testActors["workerB"].UserID
	r.Deadline = timestamppb.New(h.clock.Now().Add(time.Hour))
	r.ReceivedAt = timestamppb.New(time.Unix(0, 0))
	got := h.mustSubmit("workerA", r)
	if got.GetStatus() != pb.ReportStatus_REPORT_STATUS_REPORTED || got.GetVersion() != 1 ||
		got.GetReporterId() != testActors["workerA"].UserID || got.GetAssigneeId() != "" ||
		got.GetDeadline() != nil || !got.GetReceivedAt().AsTime().Equal(h.clock.Now()) {
		t.Errorf("server-set fields taken from the client: %v", got)
	}
}

func TestReportRectifiedOnTheSpotAwaitsVerification(t *testing.T) {
	h := newHarness(t)
	r := h.hazard()
	r.RectifiedOnSpot = true
	if got := h.mustSubmit("workerA", r); got.GetStatus() != pb.ReportStatus_REPORT_STATUS_PENDING_VERIFICATION {
		t.Errorf("status = %v, want PENDING_VERIFICATION", got.GetStatus())
	}
}

func TestResubmittingTheSameReportReturnsTheStoredOneAndWritesNothing(t *testing.T) {
	h := newHarness(t)
	r := h.hazard()
	first := h.mustSubmit("workerA", r)
	commits := h.db.Commits()
	h.clock.Advance(time.Hour)
	resp, err := h.reports.SubmitReport(as(context.Background(), "workerA"), &pb.SubmitReportRequest{Report: r})
	if err != nil {
		t.Fatalf("resubmit: %v", err)
	}
	if !resp.GetDuplicate() {
		t.Error("duplicate = false on a resubmission")
	}
	if !proto.Equal(resp.GetReport(), first) {
		t.Errorf("resubmission returned\n%v\nwant the first result\n%v", resp.GetReport(), first)
	}
	if got := h.db.Commits(); got != commits {
		t.Errorf("commits went from %d to %d on a resubmission", commits, got)
	}
}

func TestReusingAReportIDWithDifferentContentIsAlreadyExists(t *testing.T) {
	h := newHarness(t)
	r := h.hazard()
	h.mustSubmit("workerA", r)
	r.Description = "另一个问题"
	_, err := h.reports.SubmitReport(as(context.Background(), "workerA"), &pb.SubmitReportRequest{Report: r})
	wantCode(t, err, codes.AlreadyExists)
	got, _ := h.reports.GetReport(as(context.Background(), "workerA"), &pb.GetReportRequest{Id: r.GetId()})
	if got.GetReport().GetDescription() == "另一个问题" {
		t.Error("the stored report was changed")
	}
}

// violations returns the fields named by a BadRequest detail.
func violations(t *testing.T, err error) []string {
	t.Helper()
	st := wantCode(t, err, codes.InvalidArgument)
	var fields []string
	for _, d := range st.Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			for _, v := range br.GetFieldViolations() {
				fields = append(fields, v.GetField())
			}
		}
	}
	return fields
}

func TestInvalidReportsAreRefusedNamingTheField(t *testing.T) {
	h := newHarness(t)
	tests := []struct {
		name   string
		change func(r *pb.Report)
		field  string
	}{
		{"missing id", func(r *pb.Report) { r.Id = "" }, "report.id"},
		{"malformed id", func(r *pb.Report) { r.Id = "report-1" }, "report.id"},
		{"unspecified category", func(r *pb.Report) { r.Category = pb.Category_CATEGORY_UNSPECIFIED }, "report.category"},
		{"unknown category", func(r *pb.Report) { r.Category = 42 }, "report.category"},
		{"details of another category", func(r *pb.Report) { r.Category = pb.Category_CATEGORY_ILLEGAL_CONSTRUCTION }, "report.safety_hazard"},
		{"unknown hazard kind", func(r *pb.Report) { r.GetSafetyHazard().HazardKind = 77 }, "report.safety_hazard.hazard_kind"},
		{"empty description", func(r *pb.Report) { r.Description = "  " }, "report.description"},
		{"over-long description", func(r *pb.Report) { r.Description = strings.Repeat("隐", gridinspect.MaxDescriptionRunes+1) }, "report.description"},
		{"missing location", func(r *pb.Report) { r.Location = nil }, "report.location"},
		{"NaN latitude", func(r *pb.Report) { r.Location = &pb.Location{Latitude: math.NaN(), Longitude: 118.35} }, "report.location.latitude"},
		{"infinite longitude", func(r *pb.Report) { r.Location = &pb.Location{Latitude: 31.25, Longitude: math.Inf(1)} }, "report.location.longitude"},
		{"latitude past the pole", func(r *pb.Report) { r.Location = &pb.Location{Latitude: 95, Longitude: 118.35} }, "report.location.latitude"},
		{"longitude past the antimeridian", func(r *pb.Report) { r.Location = &pb.Location{Latitude: 31.25, Longitude: -190} }, "report.location.longitude"},
		{"outside China", func(r *pb.Report) { r.Location = &pb.Location{Latitude: 48.85, Longitude: 2.35} }, "report.location.longitude"},
		{"north of China", func(r *pb.Report) { r.Location = &pb.Location{Latitude: 60, Longitude: 118.35} }, "report.location.latitude"},
		{"negative accuracy", func(r *pb.Report) { r.Location = &pb.Location{Latitude: 31.25, Longitude: 118.35, AccuracyMeters: -1} }, "report.location.accuracy_meters"},
		{"unknown coordinate system", func(r *pb.Report) { r.Location = &pb.Location{Latitude: 31.25, Longitude: 118.35, CoordinateSystem: 9} }, "report.location.coordinate_system"},
		{"missing observed_at", func(r *pb.Report) { r.ObservedAt = nil }, "report.observed_at"},
		{"malformed grid id", func(r *pb.Report) { r.GridId = "grid-a" }, "report.grid_id"},
		{"unknown grid", func(r *pb.Report) { r.GridId = newID() }, "report.grid_id"},
		{"unknown subject", func(r *pb.Report) { r.SubjectId = newID() }, "report.subject_id"},
		{"point in no grid", func(r *pb.Report) { r.GridId, r.Location = "", outside }, "report.location"},
		{"water-source risk without its water source", func(r *pb.Report) {
			r.Category = pb.Category_CATEGORY_WATER_SOURCE_RISK
			r.Details = &pb.Report_WaterSourceRisk{WaterSourceRisk: &pb.WaterSourceRiskDetails{}}
		}, "report.subject_id"},
		{"polluting enterprise that is none of the three", func(r *pb.Report) {
			r.Category = pb.Category_CATEGORY_POLLUTING_ENTERPRISE
			r.Details = &pb.Report_PollutingEnterprise{PollutingEnterprise: &pb.PollutingEnterpriseDetails{}}
		}, "report.polluting_enterprise"},
		{"negative construction area", func(r *pb.Report) {
			r.Category = pb.Category_CATEGORY_ILLEGAL_CONSTRUCTION
			r.Details = &pb.Report_IllegalConstruction{IllegalConstruction: &pb.IllegalConstructionDetails{AreaSquareMeters: -3}}
		}, "report.illegal_construction.area_square_meters"},
		{"repeated photo id", func(r *pb.Report) { id := newID(); r.PhotoIds = []string{id, id} }, "report.photo_ids[1]"},
		{"malformed photo id", func(r *pb.Report) { r.PhotoIds = []string{"IMG_0001.jpg"} }, "report.photo_ids[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := h.hazard()
			tt.change(r)
			_, err := h.reports.SubmitReport(as(context.Background(), "admin"), &pb.SubmitReportRequest{Report: r})
			if fields := violations(t, err); !slices.Contains(fields, tt.field) {
				t.Errorf("field violations = %v, want one for %s", fields, tt.field)
			}
			if _, err := h.reports.GetReport(as(context.Background(), "admin"), &pb.GetReportRequest{Id: r.GetId()}); err == nil && r.GetId() != "" {
				t.Error("a refused report was stored")
			}
		})
	}
	t.Run("missing report", func(t *testing.T) {
		_, err := h.reports.SubmitReport(as(context.Background(), "admin"), &pb.SubmitReportRequest{})
		if fields := violations(t, err); !slices.Contains(fields, "report") {
			t.Errorf("field violations = %v, want report", fields)
		}
	})
}

// TestReportsShortOfTheirCategorysMinimumAreRefused: what each category
// must say to count in the official figures (README, "What a report must
// say"); less is INVALID_ARGUMENT naming the field, online and through
// Push, where it is REJECTED and quarantined.
func TestReportsShortOfTheirCategorysMinimumAreRefused(t *testing.T) {
	l := newLoop(t)
	withCategory := func(c pb.Category, d any) func(r *pb.Report) {
		return func(r *pb.Report) {
			r.Category, r.SubjectId = c, newID()
			switch d := d.(type) {
			case nil:
				r.Details = nil
			case *pb.PollutingEnterpriseDetails:
				r.Details = &pb.Report_PollutingEnterprise{PollutingEnterprise: d}
			case *pb.IllegalConstructionDetails:
				r.Details = &pb.Report_IllegalConstruction{IllegalConstruction: d}
			case *pb.WaterSourceRiskDetails:
				r.Details = &pb.Report_WaterSourceRisk{WaterSourceRisk: d}
			case *pb.DangerousHouseDetails:
				r.Details = &pb.Report_DangerousHouse{DangerousHouse: d}
			}
		}
	}
	tests := []struct {
		name        string
		change      func(r *pb.Report)
		field, desc string
	}{
		{"one-character description", func(r *pb.Report) { r.Description = "有" }, "report.description", "is 1 characters long; at least 4"},
		{"three characters padded with spaces", func(r *pb.Report) { r.Description = "  有隐患  " }, "report.description", "is 3 characters long; at least 4"},
		{"safety hazard without its kind", func(r *pb.Report) { r.GetSafetyHazard().HazardKind = 0 },
			"report.safety_hazard.hazard_kind", "is required for a safety hazard"},
		{"safety hazard without its place", func(r *pb.Report) { r.GetSafetyHazard().PlaceKind = 0 },
			"report.safety_hazard.place_kind", "is required for a safety hazard"},
		{"safety hazard without any details", func(r *pb.Report) { r.Details = nil },
			"report.safety_hazard.hazard_kind", "is required for a safety hazard"},
		{"polluting enterprise without its activity", withCategory(pb.Category_CATEGORY_POLLUTING_ENTERPRISE,
			&pb.PollutingEnterpriseDetails{Scattered: true}), "report.polluting_enterprise.activity", "is required for a polluting enterprise"},
		{"polluting enterprise without details", withCategory(pb.Category_CATEGORY_POLLUTING_ENTERPRISE, nil),
			"report.polluting_enterprise", "at least one of scattered, disorderly and polluting must be true"},
		{"illegal construction without its kind", withCategory(pb.Category_CATEGORY_ILLEGAL_CONSTRUCTION,
			&pb.IllegalConstructionDetails{Land: pb.LandKind_LAND_KIND_FARMLAND}), "report.illegal_construction.kind", "is required for an illegal construction"},
		{"illegal construction without its land", withCategory(pb.Category_CATEGORY_ILLEGAL_CONSTRUCTION,
			&pb.IllegalConstructionDetails{Kind: pb.ConstructionKind_CONSTRUCTION_KIND_SHED}), "report.illegal_construction.land", "is required for an illegal construction"},
		{"water source risk without its kind", withCategory(pb.Category_CATEGORY_WATER_SOURCE_RISK, &pb.WaterSourceRiskDetails{}),
			"report.water_source_risk.risk_kind", "is required for a water source risk"},
		{"water source risk without details", withCategory(pb.Category_CATEGORY_WATER_SOURCE_RISK, nil),
			"report.water_source_risk.risk_kind", "is required for a water source risk"},
		{"dangerous house without its grade", withCategory(pb.Category_CATEGORY_DANGEROUS_HOUSE, &pb.DangerousHouseDetails{Occupied: true}),
			"report.dangerous_house.appraisal_grade", "is required for a dangerous house"},
	}
	p := l.phone("workera")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := l.hazard()
			tt.change(r)
			_, err := l.reports.SubmitReport(l.as("workera"), &pb.SubmitReportRequest{Report: r})
			st := wantCode(t, err, codes.InvalidArgument)
			if !hasViolation(st.Details(), tt.field, tt.desc) {
				t.Errorf("SubmitReport: %v, want %s: %q", st.Details(), tt.field, tt.desc)
			}
			m := p.mutation(func(m *pb.Mutation) {
				m.Kind = &pb.Mutation_SubmitReport{SubmitReport: &pb.SubmitReportRequest{Report: r}}
			})
			res := p.push(m).GetResults()[0]
			var fv []any
			for _, v := range res.GetFieldViolations() {
				fv = append(fv, &errdetails.BadRequest{FieldViolations: []*errdetails.BadRequest_FieldViolation{
					{Field: v.GetField(), Description: v.GetDescription()}}})
			}
			if res.GetOutcome() != pb.MutationOutcome_MUTATION_OUTCOME_REJECTED || !hasViolation(fv, tt.field, tt.desc) {
				t.Errorf("Push: %v %q %v, want REJECTED naming %s", res.GetOutcome(), res.GetReason(), res.GetFieldViolations(), tt.field)
			}
			q, err := p.sync.ListQuarantinedMutations(l.as("super"), &pb.ListQuarantinedMutationsRequest{})
			if err != nil || !slices.ContainsFunc(q.GetMutations(), func(x *pb.QuarantinedMutation) bool {
				return x.GetMutation().GetMutationId() == m.GetMutationId()
			}) {
				t.Errorf("quarantine = %v, %v; want the rejected mutation in it", q, err)
			}
		})
	}
	t.Run("four characters and the details are enough", func(t *testing.T) {
		r := l.hazard()
		r.Description = "楼道堆物"
		l.mustSubmitAs("workera", r)
	})
}

// hasViolation reports whether status details carry a BadRequest
// violation of field with description desc.
func hasViolation(details []any, field, desc string) bool {
	for _, d := range details {
		if br, ok := d.(*errdetails.BadRequest); ok {
			for _, v := range br.GetFieldViolations() {
				if v.GetField() == field && v.GetDescription() == desc {
					return true
				}
			}
		}
	}
	return false
}

// rawCodec sends bytes as they are, to put on the wire what no protobuf
// library would encode.
type rawCodec struct{}

func (rawCodec) Marshal(v any) ([]byte, error)      { return v.([]byte), nil }
func (rawCodec) Unmarshal(data []byte, v any) error { *(v.(*[]byte)) = data; return nil }
func (rawCodec) Name() string                       { return "proto" }

// TestTextThatIsNotUTF8IsRefusedBeforeItIsRead: protobuf refuses a string
// field that is not UTF-8 while decoding, before any handler or
// interceptor runs, so gRPC answers INTERNAL "error unmarshalling
// request"; the point is that it is refused with a message saying why and
// nothing is stored. (The domain validators check UTF-8 as well, for the
// paths that do not come through protobuf.)
func TestTextThatIsNotUTF8IsRefusedBeforeItIsRead(t *testing.T) {
	h := newHarness(t)
	r := h.hazard()
	r.Description = "bad X byte"
	wire, err := proto.Marshal(&pb.SubmitReportRequest{Report: r})
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(wire, []byte("bad X byte"))
	wire[i+4] = 0xff
	var out []byte
	err = h.conn.Invoke(as(context.Background(), "admin"), "/gridinspect.v1.ReportService/SubmitReport", wire, &out,
		grpc.ForceCodec(rawCodec{}))
	if err == nil || !strings.Contains(err.Error(), "UTF-8") {
		t.Fatalf("err = %v, want a refusal that names UTF-8", err)
	}
	if _, err := h.reports.GetReport(as(context.Background(), "admin"), &pb.GetReportRequest{Id: r.GetId()}); status.Code(err) != codes.NotFound {
		t.Errorf("get after the refusal: %v, want NotFound", err)
	}
}

func TestDeviceClockFarInTheFutureIsFlaggedNotRefused(t *testing.T) {
	h := newHarness(t)
	tests := []struct {
		name       string
		observedAt time.Time
		flagged    bool
	}{
		{"an hour ago", h.clock.Now().Add(-time.Hour), false},
		{"five minutes ahead (small drift)", h.clock.Now().Add(5 * time.Minute), false},
		{"two days ahead", h.clock.Now().Add(48 * time.Hour), true},
		{"1970 after a dead battery", time.Unix(0, 0), true},
		{"an old paper record from 2019", time.Date(2019, 5, 1, 8, 0, 0, 0, time.UTC), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := h.hazard()
			r.ObservedAt = timestamppb.New(tt.observedAt)
			got := h.mustSubmit("workerA", r)
			if got.GetClockSkewFlagged() != tt.flagged {
				t.Errorf("clock_skew_flagged = %v, want %v", got.GetClockSkewFlagged(), tt.flagged)
			}
			if !got.GetObservedAt().AsTime().Equal(tt.observedAt) {
				t.Errorf("observed_at = %v, want the device's %v kept", got.GetObservedAt().AsTime(), tt.observedAt)
			}
		})
	}
}

func TestReportWithoutGridIsPlacedInTheGridContainingIt(t *testing.T) {
	h := newHarness(t)
	for _, tt := range []struct {
		name string
		loc  *pb.Location
		want string
	}{
		{"west of the line", inA, gridA},
		{"east of the line", inB, gridB},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := h.hazard()
			r.GridId, r.Location = "", tt.loc
			if got := h.mustSubmit("admin", r).GetGridId(); got != tt.want {
				t.Errorf("grid = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestCoordinatesFromChineseMapSDKsAreStoredAsWGS84(t *testing.T) {
	h := newHarness(t)
	const lat, lng = 31.25, 118.35 // WGS-84, inside grid A
	for _, sys := range []struct {
		name string
		pb   pb.CoordinateSystem
		sys  gridinspect.CoordinateSystem
	}{
		{"GCJ-02 (AMap, Tencent)", pb.CoordinateSystem_COORDINATE_SYSTEM_GCJ02, gridinspect.CoordinateSystemGCJ02},
		{"BD-09 (Baidu)", pb.CoordinateSystem_COORDINATE_SYSTEM_BD09, gridinspect.CoordinateSystemBD09},
		{"WGS-84 (GPS)", pb.CoordinateSystem_COORDINATE_SYSTEM_WGS84, gridinspect.CoordinateSystemWGS84},
	} {
		t.Run(sys.name, func(t *testing.T) {
			mlat, mlng := gridinspect.FromWGS84(sys.sys, lat, lng)
			r := h.hazard()
			r.GridId = ""
			r.Location = &pb.Location{Latitude: mlat, Longitude: mlng, CoordinateSystem: sys.pb}
			got := h.mustSubmit("admin", r).GetLocation()
			if math.Abs(got.GetLatitude()-lat) > 1e-6 || math.Abs(got.GetLongitude()-lng) > 1e-6 {
				t.Errorf("stored (%.7f, %.7f), want (%.7f, %.7f)", got.GetLatitude(), got.GetLongitude(), lat, lng)
			}
			if got.GetCoordinateSystem() != pb.CoordinateSystem_COORDINATE_SYSTEM_WGS84 {
				t.Errorf("coordinate_system = %v, want WGS84", got.GetCoordinateSystem())
			}
		})
	}
}

func TestAWorkerCannotTellAnotherGridsReportFromAMissingOne(t *testing.T) {
	h := newHarness(t)
	inOtherGrid := h.hazard()
	inOtherGrid.GridId, inOtherGrid.Location = gridB, inB
	h.mustSubmit("workerB", inOtherGrid)

	ctx := as(context.Background(), "workerA")
	_, errOther := h.reports.GetReport(ctx, &pb.GetReportRequest{Id: inOtherGrid.GetId()})
	_, errMissing := h.reports.GetReport(ctx, &pb.GetReportRequest{Id: newID()})
	wantCode(t, errOther, codes.PermissionDenied)
	if errOther.Error() != errMissing.Error() {
		t.Errorf("another grid's report: %v\nmissing report: %v\nwant identical answers", errOther, errMissing)
	}

	resp, err := h.reports.ListReports(ctx, &pb.ListReportsRequest{})
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	for _, r := range resp.GetReports() {
		if r.GetGridId() != gridA {
			t.Errorf("worker of grid A listed report %s of grid %s", r.GetId(), r.GetGridId())
		}
	}
	_, err = h.reports.ListReports(ctx, &pb.ListReportsRequest{GridIds: []string{gridB}})
	wantCode(t, err, codes.PermissionDenied)

	// Submitting into another grid is refused and writes nothing.
	r := h.hazard()
	r.GridId, r.Location = gridB, inB
	_, err = h.reports.SubmitReport(ctx, &pb.SubmitReportRequest{Report: r})
	wantCode(t, err, codes.PermissionDenied)
	if _, err := h.reports.GetReport(as(context.Background(), "admin"), &pb.GetReportRequest{Id: r.GetId()}); err == nil {
		t.Error("a refused report was stored")
	}
}

func TestAMissingReportIsNotFoundForTheWholeStreetsSupervisor(t *testing.T) {
	h := newHarness(t)
	_, err := h.reports.GetReport(as(context.Background(), "superAll"), &pb.GetReportRequest{Id: newID()})
	wantCode(t, err, codes.NotFound)
}

func TestCallsWithoutACallerAreUnauthenticated(t *testing.T) {
	h := newHarness(t)
	_, err := h.reports.ListReports(context.Background(), &pb.ListReportsRequest{})
	wantCode(t, err, codes.Unauthenticated)
}

func TestListReportsFiltersByStatusCategoryGridAndText(t *testing.T) {
	h := newHarness(t)
	subjects := h.createSubjects()
	all := h.everyCategory(subjects)
	for _, r := range all {
		h.mustSubmit("admin", r)
	}
	inGridB := h.hazard()
	inGridB.GridId, inGridB.Location, inGridB.Description = gridB, inB, "燃气管道老化"
	h.mustSubmit("admin", inGridB)
	onSpot := h.hazard()
	onSpot.RectifiedOnSpot = true
	h.mustSubmit("admin", onSpot)

	ids := func(req *pb.ListReportsRequest) []string {
		t.Helper()
		resp, err := h.reports.ListReports(as(context.Background(), "admin"), req)
		if err != nil {
			t.Fatalf("list %v: %v", req, err)
		}
		var out []string
		for _, r := range resp.GetReports() {
			out = append(out, r.GetId())
		}
		slices.Sort(out)
		return out
	}
	sorted := func(s ...string) []string { slices.Sort(s); return s }
	tests := []struct {
		name string
		req  *pb.ListReportsRequest
		want []string
	}{
		{"safety hazards", &pb.ListReportsRequest{Categories: []pb.Category{pb.Category_CATEGORY_SAFETY_HAZARD}},
			sorted(all[0].GetId(), inGridB.GetId(), onSpot.GetId())},
		{"grid B", &pb.ListReportsRequest{GridIds: []string{gridB}}, sorted(inGridB.GetId())},
		{"pending verification", &pb.ListReportsRequest{Statuses: []pb.ReportStatus{pb.ReportStatus_REPORT_STATUS_PENDING_VERIFICATION}},
			sorted(onSpot.GetId())},
		{"text in the description", &pb.ListReportsRequest{Query: "燃气"}, sorted(inGridB.GetId())},
		{"text with a LIKE wildcard matches literally", &pb.ListReportsRequest{Query: "%"}, nil},
		{"subject", &pb.ListReportsRequest{SubjectId: subjects[pb.SubjectKind_SUBJECT_KIND_WATER_SOURCE]}, sorted(all[3].GetId())},
		{"dangerous houses and illegal construction", &pb.ListReportsRequest{Categories: []pb.Category{
			pb.Category_CATEGORY_DANGEROUS_HOUSE, pb.Category_CATEGORY_ILLEGAL_CONSTRUCTION}}, sorted(all[2].GetId(), all[4].GetId())},
		{"observed after now", &pb.ListReportsRequest{ObservedAfter: timestamppb.New(h.clock.Now())}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ids(tt.req); !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestListReportsPagesAreStableUnderConcurrentInserts(t *testing.T) {
	h := newHarness(t)
	existing := map[string]bool{}
	for i := 0; i < 120; i++ {
		r := h.hazard()
		r.ObservedAt = timestamppb.New(h.clock.Now().Add(-time.Duration(i) * time.Minute))
		existing[h.mustSubmit("admin", r).GetId()] = true
	}
	// Writers keep inserting reports, some newer and some older than every
	// existing one, while a reader pages through.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				r := h.hazard()
				shift := time.Duration(i%240-120) * time.Minute
				r.ObservedAt = timestamppb.New(h.clock.Now().Add(shift))
				if _, err := h.reports.SubmitReport(as(context.Background(), "admin"), &pb.SubmitReportRequest{Report: r}); err != nil {
					t.Errorf("concurrent submit: %v", err)
					return
				}
			}
		}(w)
	}
	seen := map[string]int{}
	token := ""
	var lastTime time.Time
	for pages := 0; ; pages++ {
		resp, err := h.reports.ListReports(as(context.Background(), "admin"), &pb.ListReportsRequest{PageSize: 7, PageToken: token})
		if err != nil {
			t.Fatalf("page %d: %v", pages, err)
		}
		for _, r := range resp.GetReports() {
			seen[r.GetId()]++
			at := r.GetObservedAt().AsTime()
			if !lastTime.IsZero() && at.After(lastTime) {
				t.Errorf("report %s at %v comes after one at %v: not newest first", r.GetId(), at, lastTime)
			}
			lastTime = at
		}
		if token = resp.GetNextPageToken(); token == "" {
			break
		}
	}
	close(stop)
	wg.Wait()
	for id := range existing {
		if seen[id] != 1 {
			t.Errorf("report %s that existed before paging was returned %d times", id, seen[id])
		}
	}
	for id, n := range seen {
		if n > 1 {
			t.Errorf("report %s returned %d times", id, n)
		}
	}
}

func TestAPageTokenIsCheckedAgainstItsFilter(t *testing.T) {
	h := newHarness(t)
	for i := 0; i < 3; i++ {
		h.mustSubmit("admin", h.hazard())
	}
	resp, err := h.reports.ListReports(as(context.Background(), "admin"), &pb.ListReportsRequest{PageSize: 1})
	if err != nil || resp.GetNextPageToken() == "" {
		t.Fatalf("first page: %v, token %q", err, resp.GetNextPageToken())
	}
	for _, tt := range []struct {
		name string
		req  *pb.ListReportsRequest
	}{
		{"garbled token", &pb.ListReportsRequest{PageToken: "not-a-token"}},
		{"token of another filter", &pb.ListReportsRequest{PageToken: resp.GetNextPageToken(), GridIds: []string{gridB}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := h.reports.ListReports(as(context.Background(), "admin"), tt.req)
			wantCode(t, err, codes.InvalidArgument)
		})
	}
}

func TestReportsSurviveARestart(t *testing.T) {
	h := newHarness(t)
	r := h.mustSubmit("workerA", h.hazard())
	h.restart()
	got, err := h.reports.GetReport(as(context.Background(), "workerA"), &pb.GetReportRequest{Id: r.GetId()})
	if err != nil {
		t.Fatalf("get after restart: %v", err)
	}
	if !proto.Equal(got.GetReport(), r) {
		t.Errorf("after restart\n%v\nwant\n%v", got.GetReport(), r)
	}
}

func TestPatrolsAreStoredIdempotentlyAndListed(t *testing.T) {
	h := newHarness(t)
	subjects := h.createSubjects()
	start := h.clock.Now().Add(-2 * time.Hour)
	p := &pb.Patrol{
		Id: newID(), Kind: pb.PatrolKind_PATROL_KIND_WATER_SOURCE, SubjectId: subjects[pb.SubjectKind_SUBJECT_KIND_WATER_SOURCE],
		StartedAt: timestamppb.New(start), EndedAt: timestamppb.New(start.Add(40 * time.Minute)), Participants: 3,
		Track: []*pb.TrackPoint{
			{Latitude: 31.25, Longitude: 118.35, RecordedAt: timestamppb.New(start)},
			{Latitude: 31.251, Longitude: 118.352, RecordedAt: timestamppb.New(start.Add(10 * time.Minute))},
		},
		Notes: "巡查备用水源地一级保护区,未发现异常",
	}
	ctx := as(context.Background(), "workerA")
	first, err := h.reports.SubmitPatrol(ctx, &pb.SubmitPatrolRequest{Patrol: p})
	if err != nil {
		t.Fatalf("submit patrol: %v", err)
	}
	if first.GetPatrol().GetGridId() != gridA {
		t.Errorf("patrol placed in %s, want grid A by its track", first.GetPatrol().GetGridId())
	}
	again, err := h.reports.SubmitPatrol(ctx, &pb.SubmitPatrolRequest{Patrol: p})
	if err != nil || !again.GetDuplicate() || !proto.Equal(again.GetPatrol(), first.GetPatrol()) {
		t.Errorf("resubmit = %v, %v; want the first result, duplicate", again, err)
	}
	p.Participants = 4
	_, err = h.reports.SubmitPatrol(ctx, &pb.SubmitPatrolRequest{Patrol: p})
	wantCode(t, err, codes.AlreadyExists)

	list, err := h.reports.ListPatrols(ctx, &pb.ListPatrolsRequest{Kinds: []pb.PatrolKind{pb.PatrolKind_PATROL_KIND_WATER_SOURCE}})
	if err != nil || len(list.GetPatrols()) != 1 || !proto.Equal(list.GetPatrols()[0], first.GetPatrol()) {
		t.Errorf("list = %v, %v; want the one patrol", list, err)
	}
}

func TestInvalidPatrolsAreRefusedNamingTheField(t *testing.T) {
	h := newHarness(t)
	start := h.clock.Now().Add(-time.Hour)
	valid := func() *pb.Patrol {
		return &pb.Patrol{Id: newID(), Kind: pb.PatrolKind_PATROL_KIND_SAFETY, GridId: gridA,
			StartedAt: timestamppb.New(start), EndedAt: timestamppb.New(start.Add(time.Hour)), Participants: 2}
	}
	tests := []struct {
		name   string
		change func(p *pb.Patrol)
		field  string
	}{
		{"unspecified kind", func(p *pb.Patrol) { p.Kind = 0 }, "patrol.kind"},
		{"ends before it starts", func(p *pb.Patrol) { p.EndedAt = timestamppb.New(start.Add(-time.Minute)) }, "patrol.ended_at"},
		{"nobody took part", func(p *pb.Patrol) { p.Participants = 0 }, "patrol.participants"},
		{"water-source patrol without its water source", func(p *pb.Patrol) { p.Kind = pb.PatrolKind_PATROL_KIND_WATER_SOURCE }, "patrol.subject_id"},
		{"track point outside China", func(p *pb.Patrol) { p.Track = []*pb.TrackPoint{{Latitude: 0, Longitude: 1}} }, "patrol.track[0].latitude"},
		{"track point whose latitude is not a number", func(p *pb.Patrol) {
			p.Track = []*pb.TrackPoint{{Latitude: 31.25, Longitude: 118.35}, {Latitude: math.NaN(), Longitude: 118.35}}
		}, "patrol.track[1].latitude"},
		{"track point with an infinite longitude", func(p *pb.Patrol) { p.Track = []*pb.TrackPoint{{Latitude: 31.25, Longitude: math.Inf(-1)}} }, "patrol.track[0].longitude"},
		{"neither grid nor track", func(p *pb.Patrol) { p.GridId = "" }, "patrol.grid_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := valid()
			tt.change(p)
			_, err := h.reports.SubmitPatrol(as(context.Background(), "admin"), &pb.SubmitPatrolRequest{Patrol: p})
			if fields := violations(t, err); !slices.Contains(fields, tt.field) {
				t.Errorf("field violations = %v, want one for %s", fields, tt.field)
			}
		})
	}
}
