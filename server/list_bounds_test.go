package server_test

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"testing"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/encoding/gzip"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	"github.com/gridinspect/gridinspect"
	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
	"github.com/gridinspect/gridinspect/server"
)

func TestEveryRequestListIsBounded(t *testing.T) {
	bounds := server.ListBounds()
	lists := map[protoreflect.FullName]bool{} // every repeated field a request can reach
	visited := map[protoreflect.FullName]bool{}
	var walk func(md protoreflect.MessageDescriptor)
	walk = func(md protoreflect.MessageDescriptor) {
		if visited[md.FullName()] {
			return
		}
		visited[md.FullName()] = true
		for i := range md.Fields().Len() {
			fd := md.Fields().Get(i)
			if fd.IsList() || fd.IsMap() {
				lists[fd.FullName()] = true
			}
			if fd.Message() != nil {
				walk(fd.Message())
			}
		}
	}
	requests := 0
	protoregistry.GlobalFiles.RangeFilesByPackage("gridinspect.v1", func(f protoreflect.FileDescriptor) bool {
		for i := range f.Services().Len() {
			methods := f.Services().Get(i).Methods()
			for j := range methods.Len() {
				walk(methods.Get(j).Input())
				requests++
			}
		}
		return true
	})
	if requests < 30 || len(lists) < 20 {
		t.Fatalf("found only %d requests and %d repeated fields in the descriptors", requests, len(lists))
	}
	for name := range lists {
		if bound, ok := bounds[name]; !ok || bound <= 0 {
			t.Errorf("%s is a repeated field of a request without a bound: add it to listBounds", name)
		}
	}
	for name := range bounds {
		if !lists[name] {
			t.Errorf("listBounds bounds %s, which no request holds", name)
		}
	}
}

// rpcCase is one call of the API made through the generic client, so that
// a table can hold calls of every service.
type rpcCase struct {
	method string
	req    proto.Message
	resp   proto.Message
}

func filled[T any](n int, v T) []T {
	s := make([]T, n)
	for i := range s {
		s[i] = v
	}
	return s
}

func newIDs(n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = newID()
	}
	return ids
}

// A few kilobytes of gzip must not make the server allocate gigabytes: a
// list past its bound is refused with INVALID_ARGUMENT naming the field
// and the bound, before its entries are converted or checked one by one.
func TestHugeListsAreRefusedAtOnceAndCheaply(t *testing.T) {
	l := newLoop(t)
	device := l.phone("workera").deviceID
	tests := []struct {
		name  string
		who   string
		call  rpcCase
		field string
		bound int
	}{
		{"4,000,000 unknown statuses", "workera", rpcCase{"/gridinspect.v1.ReportService/ListReports",
			&pb.ListReportsRequest{Statuses: filled(4_000_000, pb.ReportStatus(99))}, &pb.ListReportsResponse{}},
			"statuses", len(pb.ReportStatus_name)},
		{"4,000,000 unknown categories", "workera", rpcCase{"/gridinspect.v1.ReportService/ListReports",
			&pb.ListReportsRequest{Categories: filled(4_000_000, pb.Category(99))}, &pb.ListReportsResponse{}},
			"categories", len(pb.Category_name)},
		{"4,000,000 unknown subject kinds", "workera", rpcCase{"/gridinspect.v1.DirectoryService/ListSubjects",
			&pb.ListSubjectsRequest{Kinds: filled(4_000_000, pb.SubjectKind(99))}, &pb.ListSubjectsResponse{}},
			"kinds", len(pb.SubjectKind_name)},
		{"4,000,000 unknown patrol kinds", "workera", rpcCase{"/gridinspect.v1.ReportService/ListPatrols",
			&pb.ListPatrolsRequest{Kinds: filled(4_000_000, pb.PatrolKind(99))}, &pb.ListPatrolsResponse{}},
			"kinds", len(pb.PatrolKind_name)},
		{"1,000,000 empty mutations", "workera", rpcCase{"/gridinspect.v1.SyncService/Push",
			withEntries(&pb.PushRequest{DeviceId: device}, 1_000_000, nil, "mutations"), &pb.PushResponse{}},
			"mutations", gridinspect.MaxPushMutations},
		{"over 8 MiB of descriptions in a thousand reports", "workera", rpcCase{"/gridinspect.v1.SyncService/Push",
			&pb.PushRequest{DeviceId: device, Mutations: filled(gridinspect.MaxPushMutations, &pb.Mutation{
				Kind: &pb.Mutation_SubmitReport{SubmitReport: &pb.SubmitReportRequest{Report: &pb.Report{
					Description: strings.Repeat("隐患", 1500)}}}})}, &pb.PushResponse{}},
			"mutations", gridinspect.MaxPushBytes},
		{"over 8 MiB of track points in a thousand patrols", "workera", rpcCase{"/gridinspect.v1.SyncService/Push",
			&pb.PushRequest{DeviceId: device, Mutations: filled(gridinspect.MaxPushMutations, &pb.Mutation{
				Kind: &pb.Mutation_SubmitPatrol{SubmitPatrol: &pb.SubmitPatrolRequest{Patrol: &pb.Patrol{
					Track: filled(800, &pb.TrackPoint{Latitude: 1})}}}})}, &pb.PushResponse{}},
			"mutations", gridinspect.MaxPushTrackPoints},
		{"8,000,000 empty mutations", "workera", rpcCase{"/gridinspect.v1.SyncService/Push",
			withEntries(&pb.PushRequest{DeviceId: device}, 8_000_000, nil, "mutations"), &pb.PushResponse{}},
			"mutations", gridinspect.MaxPushMutations},
		{"16 MB of empty track points in one patrol", "workera", rpcCase{"/gridinspect.v1.ReportService/SubmitPatrol",
			withEntries(&pb.SubmitPatrolRequest{Patrol: &pb.Patrol{Id: newID()}}, 8_000_000, nil, "patrol", "track"), &pb.SubmitPatrolResponse{}},
			"patrol.track", gridinspect.MaxTrackPoints},
		{"16 MB of empty track points in a thousand patrols", "workera", rpcCase{"/gridinspect.v1.SyncService/Push",
			withEntries(&pb.PushRequest{DeviceId: device}, gridinspect.MaxPushMutations,
				withEntries(&pb.Mutation{Kind: &pb.Mutation_SubmitPatrol{SubmitPatrol: &pb.SubmitPatrolRequest{Patrol: &pb.Patrol{}}}},
					8000, nil, "submit_patrol", "patrol", "track").wire, "mutations"), &pb.PushResponse{}},
			"mutations", gridinspect.MaxPushTrackPoints},
		{"40,000 grids in a list of reports", "super", rpcCase{"/gridinspect.v1.ReportService/ListReports",
			&pb.ListReportsRequest{GridIds: newIDs(40_000)}, &pb.ListReportsResponse{}},
			"grid_ids", gridinspect.MaxFilterGridIDs},
		{"40,000 grids in a summary", "super", rpcCase{"/gridinspect.v1.StatsService/GetSummary",
			&pb.GetSummaryRequest{GridIds: newIDs(40_000)}, &pb.GetSummaryResponse{}},
			"grid_ids", gridinspect.MaxFilterGridIDs},
		{"40,000 grids in an appraisal", "super", rpcCase{"/gridinspect.v1.StatsService/GetAppraisal",
			&pb.GetAppraisalRequest{GridIds: newIDs(40_000)}, &pb.GetAppraisalResponse{}},
			"grid_ids", gridinspect.MaxFilterGridIDs},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err2 error
			var size int
			call := allocated(func() {
				opts := []grpc.CallOption{grpc.UseCompressor(gzip.Name)}
				if w, ok := tt.call.req.(wireForm); ok {
					var out []byte
					err2 = l.conn.Invoke(l.as(tt.who), tt.call.method, w.wire, &out, append(opts, grpc.ForceCodec(rawCodec{}))...)
					size = len(w.wire)
				} else {
					err2 = l.conn.Invoke(l.as(tt.who), tt.call.method, tt.call.req, tt.call.resp, opts...)
					size = proto.Size(tt.call.req)
				}
			})
			t.Logf("%d bytes before gzip; the call allocated %.1f MB in all (client and server)", size, float64(call)/1e6)

			st := status.Convert(err2)
			if st.Code() != codes.InvalidArgument {
				t.Fatalf("code %v (%s), want InvalidArgument", st.Code(), st.Message())
			}
			var fields []*errdetails.BadRequest_FieldViolation
			for _, d := range st.Details() {
				if br, ok := d.(*errdetails.BadRequest); ok {
					fields = append(fields, br.GetFieldViolations()...)
				}
			}
			if len(fields) == 0 || len(fields) > gridinspect.MaxFieldViolations+1 {
				t.Errorf("%d field violations, want 1 to %d", len(fields), gridinspect.MaxFieldViolations+1)
			}
			want := fmt.Sprintf("at most %d", tt.bound)
			if !slices.ContainsFunc(fields, func(f *errdetails.BadRequest_FieldViolation) bool {
				return f.GetField() == tt.field && strings.Contains(f.GetDescription(), want)
			}) {
				t.Errorf("field violations %v, want one for %s saying %q", fields, tt.field, want)
			}
			// Marshalling, gzip both ways and reading the request cost a
			// few times its size, whatever it holds; decoding it must
			// not multiply it.
			if call > 64<<20 {
				t.Errorf("the call allocated %.1f MB; want under 64 MB", float64(call)/1e6)
			}
		})
	}
}

// wireForm is a request already in its wire form, sent through rawCodec.
// It embeds a proto.Message only to fit in an rpcCase.
type wireForm struct {
	proto.Message
	wire []byte
}

// withEntries returns the wire form of m with n more entries, each the wire
// form elem, in the list at the end of path (fields by name: singular
// message fields down to the list). The requests of millions of entries
// are written so because marshalling them under the race detector takes
// seconds each; a list's entries are simply concatenated on the wire.
func withEntries(m proto.Message, n int, elem []byte, path ...string) wireForm {
	var wire func(m protoreflect.Message, path []string) []byte
	wire = func(m protoreflect.Message, path []string) []byte {
		fd := m.Descriptor().Fields().ByName(protoreflect.Name(path[0]))
		if fd == nil || fd.Message() == nil {
			panic(fmt.Sprintf("withEntries: %s has no message field %s", m.Descriptor().FullName(), path[0]))
		}
		var inner []byte
		if len(path) > 1 {
			inner = wire(m.Get(fd).Message(), path[1:])
			m.Clear(fd)
		}
		b, err := proto.Marshal(m.Interface())
		if err != nil {
			panic(err)
		}
		if len(path) > 1 {
			b = protowire.AppendTag(b, fd.Number(), protowire.BytesType)
			return protowire.AppendBytes(b, inner)
		}
		for range n {
			b = protowire.AppendTag(b, fd.Number(), protowire.BytesType)
			b = protowire.AppendBytes(b, elem)
		}
		return b
	}
	return wireForm{Message: m, wire: wire(proto.Clone(m).ProtoReflect(), path)}
}

// allocated returns how many bytes f allocated on the heap (in this whole
// process, so the tests of this package must not run in parallel with it).
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

func TestListsPastTheirBoundAreRefusedNamingTheField(t *testing.T) {
	h := newHarness(t)
	ring := func(n int) *pb.LinearRing {
		r := &pb.LinearRing{}
		for i := range n {
			r.Points = append(r.Points, &pb.LatLng{Latitude: 31.5 + float64(i%100)/10000, Longitude: 118.5 + float64(i/100)/10000})
		}
		return r
	}
	tests := []struct {
		name  string
		who   string
		call  rpcCase
		field string
	}{
		{"a report with one photo too many", "workerA", rpcCase{"/gridinspect.v1.ReportService/SubmitReport",
			&pb.SubmitReportRequest{Report: func() *pb.Report {
				r := h.hazard()
				r.PhotoIds = newIDs(gridinspect.MaxPhotosPerItem + 1)
				return r
			}()}, &pb.SubmitReportResponse{}},
			"report.photo_ids"},
		{"a comment with one photo too many", "workerA", rpcCase{"/gridinspect.v1.RectificationService/CommentOnReport",
			&pb.CommentOnReportRequest{ActionId: newID(), ReportId: newID(), PhotoIds: newIDs(gridinspect.MaxPhotosPerItem + 1)},
			&pb.CommentOnReportResponse{}},
			"photo_ids"},
		{"a patrol with one track point too many", "workerA", rpcCase{"/gridinspect.v1.ReportService/SubmitPatrol",
			&pb.SubmitPatrolRequest{Patrol: &pb.Patrol{Id: newID(), Track: filled(gridinspect.MaxTrackPoints+1, &pb.TrackPoint{})}},
			&pb.SubmitPatrolResponse{}},
			"patrol.track"},
		{"a boundary whose rings hold too many points in all", "admin", rpcCase{"/gridinspect.v1.DirectoryService/CreateGrid",
			&pb.CreateGridRequest{Grid: &pb.Grid{Id: newID(), Name: "大村", Boundary: []*pb.Polygon{
				{Rings: []*pb.LinearRing{ring(gridinspect.MaxBoundaryPoints / 2)}},
				{Rings: []*pb.LinearRing{ring(gridinspect.MaxBoundaryPoints/2 + 1)}},
			}}}, &pb.CreateGridResponse{}},
			"grid.boundary[1].rings[0].points"},
		{"an update naming more fields than there are", "admin", rpcCase{"/gridinspect.v1.DirectoryService/UpdateUser",
			&pb.UpdateUserRequest{User: &pb.User{Id: newID()}, UpdateFields: filled(6, "display_name")}, &pb.UpdateUserResponse{}},
			"update_fields"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := h.conn.Invoke(as(context.Background(), tt.who), tt.call.method, tt.call.req, tt.call.resp)
			if fields := violations(t, err); !slices.Contains(fields, tt.field) {
				t.Errorf("field violations = %v, want one for %s", fields, tt.field)
			}
		})
	}
}

// A mutation past a bound is rejected alone, naming the field inside it,
// and kept in quarantine; the rest of its batch applies. So it is
// however long the list: the codec decodes no more than bound+1 of it.
func TestAPushedMutationPastABoundIsRejectedAlone(t *testing.T) {
	for _, photos := range []int{gridinspect.MaxPhotosPerItem + 1, 1_000_000} {
		t.Run(fmt.Sprintf("%d photos", photos), func(t *testing.T) {
			l := newLoop(t)
			p := l.phone("workera")
			good := p.mutation(func(m *pb.Mutation) {
				m.Kind = &pb.Mutation_SubmitReport{SubmitReport: &pb.SubmitReportRequest{Report: l.hazard()}}
			})
			tooManyPhotos := p.mutation(func(m *pb.Mutation) {
				r := l.hazard()
				r.PhotoIds = filled(photos, "p") // 3 bytes each on the wire
				m.Kind = &pb.Mutation_SubmitReport{SubmitReport: &pb.SubmitReportRequest{Report: r}}
			})
			after := p.mutation(func(m *pb.Mutation) {
				m.Kind = &pb.Mutation_CommentOnReport{CommentOnReport: &pb.CommentOnReportRequest{
					ActionId: newID(), ReportId: good.GetSubmitReport().GetReport().GetId(), Note: "已复核"}}
			})
			resp := p.push(good, tooManyPhotos, after)
			want := []pb.MutationOutcome{pb.MutationOutcome_MUTATION_OUTCOME_APPLIED, pb.MutationOutcome_MUTATION_OUTCOME_REJECTED, pb.MutationOutcome_MUTATION_OUTCOME_APPLIED}
			for i, r := range resp.GetResults() {
				if r.GetOutcome() != want[i] {
					t.Errorf("mutation %d: %v (%s), want %v", i+1, r.GetOutcome(), r.GetReason(), want[i])
				}
			}
			if len(resp.GetResults()) != 3 {
				t.Fatalf("%d results, want 3", len(resp.GetResults()))
			}
			fields := resp.GetResults()[1].GetFieldViolations()
			wantDesc := fmt.Sprintf("at most %d", gridinspect.MaxPhotosPerItem)
			if len(fields) != 1 || fields[0].GetField() != "submit_report.report.photo_ids" || !strings.Contains(fields[0].GetDescription(), wantDesc) {
				t.Errorf("field violations %v, want one for submit_report.report.photo_ids saying %q", fields, wantDesc)
			}
			if resp.GetHighestDeviceSeq() != 3 {
				t.Errorf("highest device seq %d, want 3", resp.GetHighestDeviceSeq())
			}
		})
	}
}
