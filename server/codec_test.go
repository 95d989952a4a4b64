package server_test

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/gridinspect/gridinspect"
	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
	"github.com/gridinspect/gridinspect/server"
)

// wire builds a message's encoding field by field, for what no encoder
// writes: lists past their bound, oneofs sent twice, malformed bytes.
type wire []byte

// num is the number of m's field name.
func num(m proto.Message, name string) protowire.Number {
	fd := m.ProtoReflect().Descriptor().Fields().ByName(protoreflect.Name(name))
	if fd == nil {
		panic(fmt.Sprintf("%T has no field %s", m, name))
	}
	return fd.Number()
}

func (w wire) bytes(n protowire.Number, v []byte) wire {
	return protowire.AppendBytes(protowire.AppendTag(w, n, protowire.BytesType), v)
}

func (w wire) str(n protowire.Number, s string) wire { return w.bytes(n, []byte(s)) }

func (w wire) varint(n protowire.Number, v uint64) wire {
	return protowire.AppendVarint(protowire.AppendTag(w, n, protowire.VarintType), v)
}

// times is w with the field f appended k times.
func (w wire) times(k int, f wire) wire {
	return append(w, bytes.Repeat(f, k)...)
}

func marshal(m proto.Message) wire {
	b, err := proto.Marshal(m)
	if err != nil {
		panic(err)
	}
	return b
}

// Field numbers of the messages these tests build by hand.
var (
	fStatuses    = num(&pb.ListReportsRequest{}, "statuses")
	fSubjectID   = num(&pb.ListReportsRequest{}, "subject_id")
	fAssigneeID  = num(&pb.ListReportsRequest{}, "assignee_id")
	fMutations   = num(&pb.PushRequest{}, "mutations")
	fDeviceID    = num(&pb.PushRequest{}, "device_id")
	fMutationID  = num(&pb.Mutation{}, "mutation_id")
	fSubmit      = num(&pb.Mutation{}, "submit_report")
	fPatrolMut   = num(&pb.Mutation{}, "submit_patrol")
	fComment     = num(&pb.Mutation{}, "comment_on_report")
	fReport      = num(&pb.SubmitReportRequest{}, "report")
	fPatrol      = num(&pb.SubmitPatrolRequest{}, "patrol")
	fPhotoIDs    = num(&pb.Report{}, "photo_ids")
	fDescription = num(&pb.Report{}, "description")
	fTrack       = num(&pb.Patrol{}, "track")
	fCommentIDs  = num(&pb.CommentOnReportRequest{}, "photo_ids")
	fGrid        = num(&pb.CreateGridRequest{}, "grid")
	fBoundary    = num(&pb.Grid{}, "boundary")
	fRings       = num(&pb.Polygon{}, "rings")
	fPoints      = num(&pb.LinearRing{}, "points")
)

// ids is the photo_ids field of a report (or a comment) k times.
func ids(f protowire.Number, k int, id string) wire { return wire{}.times(k, wire{}.str(f, id)) }

func packed(n protowire.Number, vs ...wire) wire {
	var v []byte
	for _, b := range vs {
		v = append(v, b...)
	}
	return wire{}.bytes(n, v)
}

// listViolations returns the fields CheckLists blames.
func listViolations(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	var e *gridinspect.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v, want a *gridinspect.Error", err)
	}
	var fields []string
	for _, f := range e.Fields {
		fields = append(fields, f.Field)
	}
	return fields
}

func TestTheCodecCutsListsPastTheirBoundAndKeepsTheRest(t *testing.T) {
	statusBound := len(pb.ReportStatus_name)
	good := &pb.Mutation{MutationId: newID(), DeviceSeq: 1, Kind: &pb.Mutation_SubmitReport{SubmitReport: &pb.SubmitReportRequest{
		Report: &pb.Report{Id: newID(), Description: "消防通道堵塞", PhotoIds: newIDs(3), Location: inA,
			ObservedAt: timestamppb.Now(), Details: &pb.Report_SafetyHazard{SafetyHazard: &pb.SafetyHazardDetails{}}}}}}
	comment := &pb.Mutation{MutationId: newID(), DeviceSeq: 3, Kind: &pb.Mutation_CommentOnReport{CommentOnReport: &pb.CommentOnReportRequest{
		ActionId: newID(), ReportId: newID(), Note: "已复核", PhotoIds: newIDs(2)}}}
	million := wire{}.str(fMutationID, newID()).varint(num(&pb.Mutation{}, "device_seq"), 2).
		bytes(fSubmit, wire{}.bytes(fReport, ids(fPhotoIDs, 1_000_000, "")))
	emptyPatrol := func(points int) wire {
		return wire{}.bytes(fPatrolMut, wire{}.bytes(fPatrol, wire{}.times(points, wire{}.bytes(fTrack, nil))))
	}
	polygon := wire{}.bytes(fRings, wire{}.times(10_000, wire{}.bytes(fPoints, nil)))

	tests := []struct {
		name  string
		msg   proto.Message
		wire  wire
		check func(t *testing.T, got proto.Message)
	}{
		{"a million packed statuses", &pb.ListReportsRequest{},
			wire{}.str(fSubjectID, "s").append(packed(fStatuses, bytes.Repeat([]byte{1}, 1_000_000))).str(fAssigneeID, "a"),
			func(t *testing.T, got proto.Message) {
				r := got.(*pb.ListReportsRequest)
				if len(r.Statuses) != statusBound+1 || r.SubjectId != "s" || r.AssigneeId != "a" {
					t.Errorf("%d statuses, subject %q, assignee %q; want %d, s, a", len(r.Statuses), r.SubjectId, r.AssigneeId, statusBound+1)
				}
			}},
		{"a million statuses one by one", &pb.ListReportsRequest{},
			wire{}.times(1_000_000, wire{}.varint(fStatuses, 2)).str(fAssigneeID, "a"),
			func(t *testing.T, got proto.Message) {
				r := got.(*pb.ListReportsRequest)
				if len(r.Statuses) != statusBound+1 || r.AssigneeId != "a" {
					t.Errorf("%d statuses, assignee %q; want %d, a", len(r.Statuses), r.AssigneeId, statusBound+1)
				}
			}},
		{"statuses in two packed runs and one by one", &pb.ListReportsRequest{},
			packed(fStatuses, wire{3, 3, 3}).varint(fStatuses, 4).append(packed(fStatuses, bytes.Repeat([]byte{1}, 1000))),
			func(t *testing.T, got proto.Message) {
				r := got.(*pb.ListReportsRequest)
				want := append([]pb.ReportStatus{3, 3, 3, 4}, filled(statusBound+1-4, pb.ReportStatus(1))...)
				if fmt.Sprint(r.Statuses) != fmt.Sprint(want) {
					t.Errorf("statuses %v, want %v", r.Statuses, want)
				}
			}},
		{"a million photo ids in the second of three mutations", &pb.PushRequest{},
			wire{}.str(fDeviceID, "d").bytes(fMutations, marshal(good)).bytes(fMutations, million).bytes(fMutations, marshal(comment)),
			func(t *testing.T, got proto.Message) {
				ms := got.(*pb.PushRequest).GetMutations()
				if len(ms) != 3 {
					t.Fatalf("%d mutations, want 3", len(ms))
				}
				if !proto.Equal(ms[0], good) || !proto.Equal(ms[2], comment) {
					t.Errorf("the mutations within their bounds changed")
				}
				if n := len(ms[1].GetSubmitReport().GetReport().GetPhotoIds()); n != gridinspect.MaxPhotosPerItem+1 {
					t.Errorf("%d photo ids, want %d", n, gridinspect.MaxPhotosPerItem+1)
				}
				if v := listViolations(t, server.CheckLists(ms[1])); fmt.Sprint(v) != "[submit_report.report.photo_ids]" {
					t.Errorf("the mutation's violations %v, want one for submit_report.report.photo_ids", v)
				}
				if err := server.CheckLists(got); err != nil {
					t.Errorf("the push is refused whole: %v", err)
				}
			}},
		{"8,000,000 empty mutations", &pb.PushRequest{},
			wire{}.times(8_000_000, wire{}.bytes(fMutations, nil)),
			func(t *testing.T, got proto.Message) {
				if n := len(got.(*pb.PushRequest).GetMutations()); n != gridinspect.MaxPushMutations+1 {
					t.Errorf("%d mutations, want %d", n, gridinspect.MaxPushMutations+1)
				}
			}},
		{"a thousand patrols of 200 points", &pb.PushRequest{},
			wire{}.times(1000, wire{}.bytes(fMutations, emptyPatrol(200))),
			func(t *testing.T, got proto.Message) {
				ms := got.(*pb.PushRequest).GetMutations()
				if len(ms) != 1000 {
					t.Fatalf("%d mutations, want 1000", len(ms))
				}
				total := 0
				for _, m := range ms {
					total += len(m.GetSubmitPatrol().GetPatrol().GetTrack())
				}
				if total != gridinspect.MaxPushTrackPoints+1 || len(ms[499].GetSubmitPatrol().GetPatrol().GetTrack()) != 200 {
					t.Errorf("%d points in all, %d in patrol 500; want %d, 200", total, len(ms[499].GetSubmitPatrol().GetPatrol().GetTrack()), gridinspect.MaxPushTrackPoints+1)
				}
				if v := listViolations(t, server.CheckLists(got)); fmt.Sprint(v) != "[mutations]" {
					t.Errorf("violations %v, want one for mutations", v)
				}
			}},
		{"three polygons of 10,000 points", &pb.CreateGridRequest{},
			wire{}.bytes(fGrid, wire{}.str(num(&pb.Grid{}, "name"), "大村").times(3, wire{}.bytes(fBoundary, polygon))),
			func(t *testing.T, got proto.Message) {
				g := got.(*pb.CreateGridRequest).GetGrid()
				if g.GetName() != "大村" || len(g.GetBoundary()) != 3 || len(g.GetBoundary()[2].GetRings()[0].GetPoints()) != 1 {
					t.Errorf("grid %q of %d polygons", g.GetName(), len(g.GetBoundary()))
				}
				if v := listViolations(t, server.CheckLists(got)); fmt.Sprint(v) != "[grid.boundary[2].rings[0].points]" {
					t.Errorf("violations %v, want one for grid.boundary[2].rings[0].points", v)
				}
			}},
		{"a report sent twice merges into one past the bound", &pb.SubmitReportRequest{},
			wire{}.times(2, wire{}.bytes(fReport, ids(fPhotoIDs, 20, "p"))),
			func(t *testing.T, got proto.Message) {
				if n := len(got.(*pb.SubmitReportRequest).GetReport().GetPhotoIds()); n != gridinspect.MaxPhotosPerItem+1 {
					t.Errorf("%d photo ids, want %d", n, gridinspect.MaxPhotosPerItem+1)
				}
			}},
		{"a oneof member sent twice merges into one past the bound", &pb.PushRequest{},
			wire{}.bytes(fMutations, wire{}.times(2, wire{}.bytes(fSubmit, wire{}.bytes(fReport, ids(fPhotoIDs, 20, "p"))))),
			func(t *testing.T, got proto.Message) {
				if n := len(got.(*pb.PushRequest).GetMutations()[0].GetSubmitReport().GetReport().GetPhotoIds()); n != gridinspect.MaxPhotosPerItem+1 {
					t.Errorf("%d photo ids, want %d", n, gridinspect.MaxPhotosPerItem+1)
				}
			}},
		{"4,000,000 oneof members replacing each other", &pb.PushRequest{},
			wire{}.bytes(fMutations, wire{}.times(2_000_000, wire{}.bytes(fSubmit, nil).bytes(fComment, nil)).
				bytes(fSubmit, wire{}.bytes(fReport, ids(fPhotoIDs, 2, "last")))),
			func(t *testing.T, got proto.Message) {
				want := &pb.PushRequest{Mutations: []*pb.Mutation{{Kind: &pb.Mutation_SubmitReport{SubmitReport: &pb.SubmitReportRequest{
					Report: &pb.Report{PhotoIds: []string{"last", "last"}}}}}}}
				if !proto.Equal(got, want) {
					t.Errorf("got %v, want the last member only", got)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			cost := allocated(func() { err = server.UnmarshalRequest(tt.wire, tt.msg) })
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%d bytes decoded with %.1f MB", len(tt.wire), float64(cost)/1e6)
			if cost > server.MaxMessageBytes {
				t.Errorf("decoding %d bytes allocated %.1f MB; want no more than the largest message, %d bytes", len(tt.wire), float64(cost)/1e6, server.MaxMessageBytes)
			}
			tt.check(t, tt.msg)
		})
	}
}

func (w wire) append(b wire) wire { return append(w, b...) }

// Within the bounds, whatever the encoding, the codec decodes exactly
// what proto.Unmarshal does.
func TestTheCodecDecodesRequestsWithinTheirBoundsAsProtoUnmarshal(t *testing.T) {
	report := &pb.Report{Id: newID(), Description: "河道有排污口", PhotoIds: newIDs(gridinspect.MaxPhotosPerItem), Location: inA,
		ObservedAt: timestamppb.Now(), Details: &pb.Report_PollutingEnterprise{PollutingEnterprise: &pb.PollutingEnterpriseDetails{}}}
	tests := []struct {
		name string
		msg  proto.Message
		wire wire
	}{
		{"a realistic push", &pb.PushRequest{}, marshal(server.RealisticPush(200))},
		{"statuses packed, one by one, and as fixed32 (unknown)", &pb.ListReportsRequest{},
			packed(fStatuses, wire{1, 2}).varint(fStatuses, 3).
				append(protowire.AppendFixed32(protowire.AppendTag(nil, fStatuses, protowire.Fixed32Type), 7)).str(fSubjectID, "s")},
		{"unknown fields, a group among them, and a field sent twice", &pb.ListReportsRequest{},
			wire{}.varint(999, 5).str(fSubjectID, "a").
				append(protowire.AppendTag(protowire.AppendTag(nil, 77, protowire.StartGroupType), 77, protowire.EndGroupType)).
				str(fSubjectID, "b").bytes(998, []byte("x"))},
		{"a report's fields split over two reports", &pb.SubmitReportRequest{},
			wire{}.bytes(fReport, marshal(report)).bytes(fReport, ids(fPhotoIDs, 0, "")).bytes(fReport, wire{}.str(fDescription, "补充"))},
		{"oneof members replacing each other, each within bounds", &pb.PushRequest{},
			wire{}.bytes(fMutations, wire{}.
				bytes(fSubmit, wire{}.bytes(fReport, ids(fPhotoIDs, 20, "a"))).
				bytes(fComment, ids(fCommentIDs, 20, "b")).
				varint(fSubmit, 1). // wrong wire type: an unknown field, which replaces nothing
				bytes(fSubmit, wire{}.bytes(fReport, ids(fPhotoIDs, 20, "c"))).
				bytes(fSubmit, wire{}.bytes(fReport, ids(fPhotoIDs, 5, "d"))))},
		{"overlong varints", &pb.ListReportsRequest{},
			append(protowire.AppendTag(nil, fStatuses, protowire.VarintType), 0x81, 0x80, 0x80, 0x00)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := tt.msg.ProtoReflect().New().Interface()
			if err := proto.Unmarshal(tt.wire, want); err != nil {
				t.Fatal(err)
			}
			if err := server.UnmarshalRequest(tt.wire, tt.msg); err != nil {
				t.Fatal(err)
			}
			if !proto.Equal(tt.msg, want) {
				t.Errorf("got %v\nwant %v", tt.msg, want)
			}
		})
	}
}

// Malformed bytes fail with proto.Unmarshal's own error, without the
// codec first decoding the lists before the fault.
func TestTheCodecFailsAsProtoUnmarshalDoes(t *testing.T) {
	const many = 200_000
	mutations := wire{}.times(many, wire{}.bytes(fMutations, nil))
	statuses := bytes.Repeat([]byte{1}, many)
	tests := []struct {
		name string
		msg  proto.Message
		wire wire
	}{
		{"a tag cut short after many mutations", &pb.PushRequest{}, mutations.append(wire{0x80})},
		{"field number 0 after many statuses", &pb.ListReportsRequest{}, packed(fStatuses, statuses).append(wire{0x00})},
		{"an end of group never opened", &pb.PushRequest{}, mutations.append(protowire.AppendTag(nil, 5, protowire.EndGroupType))},
		{"a group never closed", &pb.PushRequest{}, mutations.append(protowire.AppendTag(nil, 99, protowire.StartGroupType))},
		{"wire type 6", &pb.PushRequest{}, mutations.append(wire{9<<3 | 6})},
		{"a length past the end of a report", &pb.SubmitReportRequest{},
			wire{}.bytes(fReport, ids(fPhotoIDs, many, "").append(protowire.AppendVarint(protowire.AppendTag(nil, fPhotoIDs, protowire.BytesType), 100)))},
		{"a packed status cut short", &pb.ListReportsRequest{}, packed(fStatuses, statuses, wire{0x80})},
		{"a varint of eleven bytes in packed statuses", &pb.ListReportsRequest{}, packed(fStatuses, statuses, bytes.Repeat([]byte{0xff}, 10), wire{1})},
		{"invalid UTF-8 in the last of many mutations", &pb.PushRequest{}, mutations.bytes(fMutations, wire{}.str(fMutationID, "\xff"))},
		{"invalid UTF-8 in a oneof member another replaces", &pb.PushRequest{},
			wire{}.bytes(fMutations, wire{}.bytes(fSubmit, wire{}.bytes(fReport, wire{}.str(fDescription, "\xfe"))).
				bytes(fComment, ids(fCommentIDs, many, "")))},
		{"invalid UTF-8 within the bounds", &pb.ListReportsRequest{}, wire{}.str(fSubjectID, "\xc3\x28")},
		{"invalid UTF-8 after a fault", &pb.ListReportsRequest{},
			packed(fStatuses, statuses).str(fSubjectID, "\xff").append(wire{0x80})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := proto.Unmarshal(tt.wire, tt.msg.ProtoReflect().New().Interface())
			if want == nil {
				t.Fatal("proto.Unmarshal decodes it")
			}
			var err error
			cost := allocated(func() { err = server.UnmarshalRequest(tt.wire, tt.msg) })
			if err == nil || err.Error() != want.Error() {
				t.Errorf("error %v, want %v", err, want)
			}
			if cost > 2<<20 {
				t.Errorf("failing on %d bytes allocated %.1f MB; want under 2 MB", len(tt.wire), float64(cost)/1e6)
			}
		})
	}
}

// fuzzRequests are the requests the fuzz target decodes, by its first
// argument.
var fuzzRequests = []proto.Message{
	&pb.PushRequest{}, &pb.ListReportsRequest{}, &pb.CreateGridRequest{}, &pb.SubmitReportRequest{},
	&pb.SubmitPatrolRequest{}, &pb.UpdateUserRequest{}, &pb.UploadPhotoRequest{},
}

// For any bytes, the codec fails exactly when proto.Unmarshal does, with
// the same error; and what it decodes is refused exactly when what
// proto.Unmarshal decodes is, and is the same when it is not (a pushed
// mutation is refused alone, so the same is asked of each).
func FuzzTheCodecDecodesAsProtoUnmarshal(f *testing.F) {
	f.Add(uint8(0), []byte(marshal(server.RealisticPush(8))))
	f.Add(uint8(0), []byte(wire{}.bytes(fMutations, wire{}.bytes(fSubmit, nil).bytes(fComment, ids(fCommentIDs, 40, "x")).bytes(fSubmit, nil))))
	f.Add(uint8(1), []byte(marshal(&pb.ListReportsRequest{Statuses: []pb.ReportStatus{1, 2, 3, 4, 5, 6, 7, 8, 9, 1, 1}, GridIds: []string{"g"}})))
	f.Add(uint8(1), []byte(wire{}.varint(fStatuses, 1).varint(fStatuses, 2).append(packed(fStatuses, wire{3, 4, 5, 6, 7, 8, 9, 10, 11}))))
	f.Add(uint8(2), []byte(marshal(&pb.CreateGridRequest{Grid: &pb.Grid{Name: "村", Boundary: []*pb.Polygon{{Rings: []*pb.LinearRing{{Points: filled(3, &pb.LatLng{Latitude: 31.25, Longitude: 118.35})}}}}}})))
	f.Add(uint8(3), []byte(marshal(&pb.SubmitReportRequest{Report: &pb.Report{PhotoIds: newIDs(31), Description: strings.Repeat("污", 10)}})))
	f.Add(uint8(4), []byte(marshal(&pb.SubmitPatrolRequest{Patrol: &pb.Patrol{Track: filled(5, &pb.TrackPoint{Latitude: 1}), ReportIds: []string{"r"}}})))
	f.Add(uint8(5), []byte(marshal(&pb.UpdateUserRequest{User: &pb.User{GridIds: []string{"a", "b"}}, UpdateFields: filled(6, "x")})))
	f.Add(uint8(6), []byte(marshal(&pb.UploadPhotoRequest{Part: &pb.UploadPhotoRequest_Chunk{Chunk: &pb.PhotoChunk{Data: []byte("jpeg")}}})))
	f.Fuzz(func(t *testing.T, kind uint8, data []byte) {
		typ := fuzzRequests[int(kind)%len(fuzzRequests)]
		want := typ.ProtoReflect().New().Interface()
		wantErr := proto.Unmarshal(data, want)
		got := typ.ProtoReflect().New().Interface()
		err := server.UnmarshalRequest(data, got)
		switch {
		case wantErr != nil:
			if err == nil || err.Error() != wantErr.Error() {
				t.Fatalf("error %v, want %v", err, wantErr)
			}
			return
		case err != nil:
			t.Fatalf("error %v; proto.Unmarshal decodes it", err)
		}
		refused, wantRefused := server.CheckLists(got) != nil, server.CheckLists(want) != nil
		if refused != wantRefused {
			t.Fatalf("refused %v, want %v: %v", refused, wantRefused, server.CheckLists(got))
		}
		if refused {
			return
		}
		gotPush, ok := got.(*pb.PushRequest)
		if !ok {
			if !proto.Equal(got, want) {
				t.Fatalf("got %v\nwant %v", got, want)
			}
			return
		}
		wantPush := want.(*pb.PushRequest)
		if len(gotPush.Mutations) != len(wantPush.Mutations) {
			t.Fatalf("%d mutations, want %d", len(gotPush.Mutations), len(wantPush.Mutations))
		}
		for i, m := range gotPush.Mutations {
			rejected, wantRejected := server.CheckLists(m) != nil, server.CheckLists(wantPush.Mutations[i]) != nil
			if rejected != wantRejected || (!rejected && !proto.Equal(m, wantPush.Mutations[i])) {
				t.Fatalf("mutation %d: %v (rejected %v), want %v (rejected %v)", i, m, rejected, wantPush.Mutations[i], wantRejected)
			}
		}
		gotPush.Mutations, wantPush.Mutations = nil, nil
		if !proto.Equal(gotPush, wantPush) {
			t.Fatalf("got %v\nwant %v", gotPush, wantPush)
		}
	})
}
