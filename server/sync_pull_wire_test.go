package server_test

import (
	"context"
	"net"
	"sync/atomic"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/stats"
	"google.golang.org/grpc/test/bufconn"

	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

// payloadSizes records the size of the messages a client received:
// decoded, and as they came over the wire.
type payloadSizes struct{ decoded, wire atomic.Int64 }

func (s *payloadSizes) TagRPC(ctx context.Context, _ *stats.RPCTagInfo) context.Context { return ctx }
func (s *payloadSizes) TagConn(ctx context.Context, _ *stats.ConnTagInfo) context.Context {
	return ctx
}
func (s *payloadSizes) HandleConn(context.Context, stats.ConnStats) {}
func (s *payloadSizes) HandleRPC(_ context.Context, st stats.RPCStats) {
	if in, ok := st.(*stats.InPayload); ok {
		s.decoded.Add(int64(in.Length))
		s.wire.Add(int64(in.WireLength))
	}
}

// TestPullAnswersCompressedToAPhoneThatReadsGzip: a page of cases is text
// and ids that gzip to a fraction; a phone on a slow link whose client
// reads gzip (grpc-accept-encoding) gets its pages compressed, even when
// it does not compress its own requests (they are a cursor and a token).
func TestPullAnswersCompressedToAPhoneThatReadsGzip(t *testing.T) {
	l := newLoop(t)
	for range 20 {
		l.mustSubmitAs("workera", l.hazard())
	}
	lis := bufconn.Listen(1 << 20)
	go func() { _ = l.srv.Serve(lis) }()
	sizes := &payloadSizes{}
	conn, err := grpc.NewClient("passthrough:///bufnet",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()), grpc.WithStatsHandler(sizes))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	resp, err := pb.NewSyncServiceClient(conn).Pull(l.as("workera"), &pb.PullRequest{})
	if err != nil {
		t.Fatalf("pull: %v", err)
	}
	if n := len(resp.GetChanges()); n < 20 {
		t.Fatalf("%d changes, want the 20 reports and the grid", n)
	}
	if decoded, wire := sizes.decoded.Load(), sizes.wire.Load(); wire*2 > decoded {
		t.Errorf("the page took %d bytes on the wire for %d bytes of protobuf; want it gzipped to less than half", wire, decoded)
	}
}

// TestPullLeavesOutEventHashesForAPhoneThatAsks: a phone that does not
// check the timeline's hash chain asks Pull to leave the hashes out (they
// are most of what a first pull cannot compress); one that does not ask
// gets them as before.
func TestPullLeavesOutEventHashesForAPhoneThatAsks(t *testing.T) {
	l := newLoop(t)
	rep := l.mustSubmitAs("workera", l.hazard())
	if _, err := l.rect.CommentOnReport(l.as("workera"), &pb.CommentOnReportRequest{ActionId: newID(), ReportId: rep.GetId(), Note: "已电话联系业主"}); err != nil {
		t.Fatal(err)
	}
	p := l.phone("workera")
	for _, omit := range []bool{false, true} {
		resp, err := p.sync.Pull(p.ctx, &pb.PullRequest{OmitEventHashes: omit})
		if err != nil {
			t.Fatalf("pull (omit %v): %v", omit, err)
		}
		var events []*pb.Event
		for _, c := range resp.GetChanges() {
			events = append(events, c.GetReport().GetEvents()...)
		}
		if len(events) != 2 {
			t.Fatalf("pull (omit %v): %d events, want the submission and the comment", omit, len(events))
		}
		for i, e := range events {
			hashed := e.GetHash() != "" && (i == 0 || e.GetPreviousHash() == events[i-1].GetHash())
			if omit && (e.GetHash() != "" || e.GetPreviousHash() != "") {
				t.Errorf("event %d: hash %q, previous %q; want none when the phone asks to omit them", i, e.GetHash(), e.GetPreviousHash())
			}
			if !omit && !hashed {
				t.Errorf("event %d: hash %q, previous %q; want the chain when the phone does not ask to omit it", i, e.GetHash(), e.GetPreviousHash())
			}
		}
	}
}
