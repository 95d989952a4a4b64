package server

import (
	"testing"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/gridinspect/gridinspect"
	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

// The codec knows every request, and what it assumes of them holds: no
// request type is recursive, checkedApart lists do not nest, and each
// list of batchBounds lies inside one.
func TestCodecPlansCoverEveryRequest(t *testing.T) {
	inApart := map[protoreflect.FullName]bool{}
	for _, md := range requestMessages() {
		if requestPlans[md.FullName()] == nil {
			t.Errorf("%s has no plan: the codec would decode it unchecked", md.FullName())
		}
		var walk func(md protoreflect.MessageDescriptor, path []protoreflect.FullName, apart bool)
		walk = func(md protoreflect.MessageDescriptor, path []protoreflect.FullName, apart bool) {
			for _, p := range path {
				if p == md.FullName() {
					t.Fatalf("%v: %s holds itself", path, md.FullName())
				}
			}
			path = append(path, md.FullName())
			for i := range md.Fields().Len() {
				fd := md.Fields().Get(i)
				if checkedApart[fd.FullName()] && apart {
					t.Errorf("%s is a checkedApart list inside another", fd.FullName())
				}
				if apart && fd.IsList() {
					inApart[fd.FullName()] = true
				}
				if fd.Message() != nil {
					walk(fd.Message(), path, apart || checkedApart[fd.FullName()])
				}
			}
		}
		walk(md, nil, false)
	}
	for name := range batchBounds {
		if !inApart[name] {
			t.Errorf("batchBounds bounds %s, which is no list inside a checkedApart list", name)
		}
	}
}

// Reading a request within its bounds allocates nothing.
func TestReadingARequestWithinItsBoundsAllocatesNothing(t *testing.T) {
	data, err := proto.Marshal(realisticPush(gridinspect.MaxPushMutations))
	if err != nil {
		t.Fatal(err)
	}
	plan := requestPlans["gridinspect.v1.PushRequest"]
	allocs := testing.AllocsPerRun(10, func() {
		var w walker
		var c counts
		if !w.message(data, plan, &c) {
			t.Fatal("a push within its bounds needs cutting")
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations, want 0", allocs)
	}
}

// BenchmarkUnmarshalPush compares decoding a push of 1,000 mutations as
// the server does (reading its wire form first) with proto.Unmarshal, and
// shows what the reading alone costs.
func BenchmarkUnmarshalPush(b *testing.B) {
	data, err := proto.Marshal(realisticPush(gridinspect.MaxPushMutations))
	if err != nil {
		b.Fatal(err)
	}
	plan := requestPlans["gridinspect.v1.PushRequest"]
	for _, bb := range []struct {
		name      string
		unmarshal func([]byte, proto.Message) error
	}{
		{"proto", proto.Unmarshal},
		{"codec", func(b []byte, m proto.Message) error { return unmarshalRequest(b, m, plan) }},
		{"scan alone", func(b []byte, _ proto.Message) error {
			var w walker
			var c counts
			w.message(b, plan, &c)
			return nil
		}},
	} {
		b.Run(bb.name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if err := bb.unmarshal(data, &pb.PushRequest{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// realisticPush is a batch a phone sends after a day offline: reports
// with photos, patrols with their tracks, comments on cases.
func realisticPush(n int) *pb.PushRequest {
	req := &pb.PushRequest{DeviceId: "phone-01"}
	now := timestamppb.Now()
	ids := func(k int) []string {
		out := make([]string, k)
		for i := range out {
			out[i] = uuid.NewString()
		}
		return out
	}
	for i := range n {
		m := &pb.Mutation{MutationId: uuid.NewString(), DeviceSeq: int64(i + 1)}
		switch i % 4 {
		case 0, 1:
			m.Kind = &pb.Mutation_SubmitReport{SubmitReport: &pb.SubmitReportRequest{Report: &pb.Report{
				Id: uuid.NewString(), Category: pb.Category_CATEGORY_SAFETY_HAZARD, Severity: pb.Severity_SEVERITY_GENERAL,
				Description: "灭火器过期,安全出口堵塞,疏散指示灯不亮", GridId: uuid.NewString(), ObservedAt: now, PhotoIds: ids(3),
				Location: &pb.Location{Latitude: 31.25, Longitude: 118.35, AccuracyMeters: 8, Address: "红星村三组12号"},
				Details: &pb.Report_SafetyHazard{SafetyHazard: &pb.SafetyHazardDetails{
					HazardKind: pb.HazardKind_HAZARD_KIND_FIRE, PlaceKind: pb.PlaceKind_PLACE_KIND_ENTERPRISE}},
			}}}
		case 2:
			p := &pb.Patrol{Id: uuid.NewString(), Kind: pb.PatrolKind(1), StartedAt: now, EndedAt: now, ReportIds: ids(2)}
			for j := range 60 {
				p.Track = append(p.Track, &pb.TrackPoint{Latitude: 31.25 + float64(j)/1e4, Longitude: 118.33, RecordedAt: now})
			}
			m.Kind = &pb.Mutation_SubmitPatrol{SubmitPatrol: &pb.SubmitPatrolRequest{Patrol: p}}
		case 3:
			m.Kind = &pb.Mutation_CommentOnReport{CommentOnReport: &pb.CommentOnReportRequest{
				ActionId: uuid.NewString(), ReportId: uuid.NewString(), Note: "已电话联系负责人,明日复查", PhotoIds: ids(1), OccurredAt: now}}
		}
		req.Mutations = append(req.Mutations, m)
	}
	return req
}

// TestRequestBuffers_AChunkIsDecodedInABufferNearItsSize: a request is
// decoded in a buffer at most twice its size. In grpc's default pool a
// photo chunk of 32 KiB (and a few bytes of framing) took, and zeroed, a
// MiB: a fifth of the server's CPU in the storm's photo burst.
func TestRequestBuffers_AChunkIsDecodedInABufferNearItsSize(t *testing.T) {
	for _, n := range []int{300, 16<<10 + 9, 32<<10 + 9, 64<<10 + 9, 1<<20 + 9, MaxMessageBytes} {
		b := requestBuffers.Get(n)
		if len(*b) != n || cap(*b) > 2*n {
			t.Errorf("a request of %d bytes is decoded in a buffer of %d (length %d), want at most %d", n, cap(*b), len(*b), 2*n)
		}
		requestBuffers.Put(b)
	}
}
