package server_test

import (
	"context"
	"slices"
	"testing"

	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	rpb "google.golang.org/grpc/reflection/grpc_reflection_v1"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/gridinspect/gridinspect"
	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
	"github.com/gridinspect/gridinspect/server"
)

func TestReflectionListsEveryServiceOfTheDesign(t *testing.T) {
	h := newHarness(t)
	stream, err := rpb.NewServerReflectionClient(h.conn).ServerReflectionInfo(context.Background())
	if err != nil {
		t.Fatalf("reflection: %v", err)
	}
	if err := stream.Send(&rpb.ServerReflectionRequest{MessageRequest: &rpb.ServerReflectionRequest_ListServices{}}); err != nil {
		t.Fatalf("send: %v", err)
	}
	resp, err := stream.Recv()
	if err != nil {
		t.Fatalf("recv: %v", err)
	}
	var names []string
	for _, s := range resp.GetListServicesResponse().GetService() {
		names = append(names, s.GetName())
	}
	for _, want := range []string{
		"gridinspect.v1.ReportService", "gridinspect.v1.RectificationService", "gridinspect.v1.SyncService",
		"gridinspect.v1.StatsService", "gridinspect.v1.DirectoryService", "gridinspect.v1.AuthService",
		"grpc.health.v1.Health",
	} {
		if !slices.Contains(names, want) {
			t.Errorf("services = %v, missing %s", names, want)
		}
	}
}

func TestHealthNeedsNoCaller(t *testing.T) {
	h := newHarness(t)
	resp, err := healthpb.NewHealthClient(h.conn).Check(context.Background(), &healthpb.HealthCheckRequest{})
	if err != nil || resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Errorf("health = %v, %v; want SERVING", resp, err)
	}
}

// panickingReports is the real store with one method that panics, to show
// that a bug in a handler reaches the client as INTERNAL, not as a crash.
type panickingReports struct{ gridinspect.ReportService }

func (panickingReports) GetReport(context.Context, string) (*gridinspect.Report, error) {
	panic("bug")
}

func TestAPanicInAHandlerIsAnInternalErrorAndTheServerGoesOn(t *testing.T) {
	h := newHarness(t)
	// A second server, whose GetReport panics, on the same store.
	cfg := server.Serve(h.db)
	cfg.Reports, cfg.Authenticate, cfg.Now, cfg.Logger = panickingReports{h.db}, testAuth, h.clock.Now, quiet
	srv := server.New(cfg)
	lis, conn := bufListen(t)
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(func() { srv.Shutdown(context.Background()) })
	reports := pb.NewReportServiceClient(conn)
	_, err := reports.GetReport(as(context.Background(), "admin"), &pb.GetReportRequest{Id: newID()})
	st := wantCode(t, err, codes.Internal)
	if st.Message() != "internal error" {
		t.Errorf("message = %q; the cause must stay in the log", st.Message())
	}
	if _, err := reports.ListReports(as(context.Background(), "admin"), &pb.ListReportsRequest{}); err != nil {
		t.Errorf("after the panic: %v", err)
	}
}

// TestEnumNumbersMatchTheAPI keeps the domain's enums, which the server
// converts by a cast, in step with the proto's.
func TestEnumNumbersMatchTheAPI(t *testing.T) {
	tests := []struct {
		enum   protoreflect.EnumDescriptor
		prefix string
		domain []string // the domain's names, by number
	}{
		{pb.Category(0).Descriptor(), "CATEGORY_", names(gridinspect.CategoryOther, func(i int) string { return gridinspect.Category(i).String() })},
		{pb.ReportStatus(0).Descriptor(), "REPORT_STATUS_", names(gridinspect.StatusRejected, func(i int) string { return gridinspect.Status(i).String() })},
	}
	for _, tt := range tests {
		t.Run(string(tt.enum.Name()), func(t *testing.T) {
			values := tt.enum.Values()
			if values.Len() != len(tt.domain) {
				t.Fatalf("the API has %d values, the domain %d", values.Len(), len(tt.domain))
			}
			for i, want := range tt.domain {
				if got := string(values.ByNumber(protoreflect.EnumNumber(i)).Name()); got != tt.prefix+want {
					t.Errorf("number %d: API %s, domain %s", i, got, want)
				}
			}
		})
	}
	// Enums without names in the domain: the last value must match.
	for _, tt := range []struct {
		enum protoreflect.EnumDescriptor
		last int
	}{
		{pb.Severity(0).Descriptor(), int(gridinspect.SeverityMajor)},
		{pb.Disposition(0).Descriptor(), int(gridinspect.DispositionResidentsRelocated)},
		{pb.CoordinateSystem(0).Descriptor(), int(gridinspect.CoordinateSystemBD09)},
		{pb.PatrolKind(0).Descriptor(), int(gridinspect.PatrolKindGeneral)},
		{pb.GridKind(0).Descriptor(), int(gridinspect.GridKindOther)},
		{pb.SubjectKind(0).Descriptor(), int(gridinspect.SubjectKindSite)},
		{pb.Role(0).Descriptor(), int(gridinspect.RoleDistrict)},
		{pb.EventType(0).Descriptor(), int(gridinspect.EventReportSupplemented)},
		{pb.ReportAction(0).Descriptor(), int(gridinspect.LastAction)},
		{pb.ReturnWant(0).Descriptor(), int(gridinspect.ReturnWantOther)},
	} {
		// The last value declared is the highest (values are added at
		// the end); numbers may skip those another branch added.
		values := tt.enum.Values()
		if got := int(values.Get(values.Len() - 1).Number()); got != tt.last {
			t.Errorf("%s: the API's last number is %d, the domain's %d", tt.enum.Name(), got, tt.last)
		}
	}
}

func names[E ~int](last E, name func(int) string) []string {
	var out []string
	for i := 0; i <= int(last); i++ {
		out = append(out, name(i))
	}
	return out
}
