package server_test

import (
	"context"
	"testing"

	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

// phoneOn logs user in on device (any id a phone may claim) and returns
// that session's phone, numbering its mutations from 1.
func (l *loop) phoneOn(user, device string) *phone {
	l.t.Helper()
	resp, err := l.auth.Login(context.Background(), &pb.LoginRequest{Username: user, Password: testPassword, DeviceId: device})
	if err != nil {
		l.t.Fatalf("login %s on %s: %v", user, device, err)
	}
	return &phone{l: l, user: user, deviceID: device, ctx: bearer(context.Background(), resp.GetToken()),
		sync: pb.NewSyncServiceClient(l.conn)}
}

// submit returns a mutation of p submitting a new hazard in grid.
func (p *phone) submit(grid string) *pb.Mutation {
	r := p.l.hazard()
	if grid == gridB {
		r.GridId, r.Location = gridB, inB
	}
	return p.mutation(func(m *pb.Mutation) {
		m.Kind = &pb.Mutation_SubmitReport{SubmitReport: &pb.SubmitReportRequest{Report: r}}
	})
}

// wantApplied fails unless every result of resp is APPLIED.
func wantApplied(t *testing.T, who string, resp *pb.PushResponse) {
	t.Helper()
	for _, r := range resp.GetResults() {
		if r.GetOutcome() != pb.MutationOutcome_MUTATION_OUTCOME_APPLIED {
			t.Errorf("%s: mutation %d: %v (%s), want APPLIED", who, r.GetDeviceSeq(), r.GetOutcome(), r.GetReason())
		}
	}
}

// TestAnotherUserOnTheSameDeviceCannotMakeAPhoneDeleteItsOutbox plays issue
// 11's reproduction over gRPC: workerb logs in with workera's device id
// and pushes device_seq 1,000,000,000; workera's next answer must be its
// own highest, 4, and every mutation of workera's stored.
func TestAnotherUserOnTheSameDeviceCannotMakeAPhoneDeleteItsOutbox(t *testing.T) {
	l := newLoop(t)
	a := l.phone("workera")
	var outbox []*pb.Mutation
	for range 3 {
		outbox = append(outbox, a.submit(gridA))
	}
	resp := a.push(outbox...)
	wantApplied(t, "workera", resp)
	if resp.GetHighestDeviceSeq() != 3 {
		t.Fatalf("workera: highest_device_seq %d, want 3", resp.GetHighestDeviceSeq())
	}

	b := l.phoneOn("workerb", a.deviceID)
	b.seq = 999_999_999
	resp = b.push(b.submit(gridB))
	wantApplied(t, "workerb", resp)
	if resp.GetHighestDeviceSeq() != 1_000_000_000 {
		t.Errorf("workerb: highest_device_seq %d, want its own 1000000000", resp.GetHighestDeviceSeq())
	}

	fourth := a.submit(gridA)
	outbox = append(outbox, fourth)
	resp = a.push(fourth)
	wantApplied(t, "workera", resp)
	if resp.GetHighestDeviceSeq() != 4 {
		t.Errorf("workera: highest_device_seq %d after workerb pushed on its device, want 4", resp.GetHighestDeviceSeq())
	}
	for _, m := range outbox {
		id := m.GetSubmitReport().GetReport().GetId()
		got, err := l.reports.GetReport(a.ctx, &pb.GetReportRequest{Id: id})
		if err != nil {
			t.Errorf("workera's report %s (seq %d): %v", id, m.GetDeviceSeq(), err)
		} else if got.GetReport().GetReporterId() != l.ids["workera"] {
			t.Errorf("report %s: reporter %s, want workera", id, got.GetReport().GetReporterId())
		}
	}
}

// TestASharedPhoneKeepsOneOutboxPerUser: two workers on one phone number
// their mutations each from 1 and are each answered their own highest.
func TestASharedPhoneKeepsOneOutboxPerUser(t *testing.T) {
	l := newLoop(t)
	const device = "shared-phone-1"
	a := l.phoneOn("workera", device)
	b := l.phoneOn("workerb", device)

	steps := []struct {
		p    *phone
		grid string
		n    int
		want int64
	}{
		{a, gridA, 2, 2},
		{b, gridB, 3, 3},
		{a, gridA, 1, 3},
		{b, gridB, 2, 5},
		{a, gridA, 0, 3},
	}
	for i, s := range steps {
		var ms []*pb.Mutation
		for range s.n {
			ms = append(ms, s.p.submit(s.grid))
		}
		resp := s.p.push(ms...)
		wantApplied(t, s.p.user, resp)
		if got := resp.GetHighestDeviceSeq(); got != s.want {
			t.Errorf("step %d, %s: highest_device_seq %d, want %d", i+1, s.p.user, got, s.want)
		}
	}
}
