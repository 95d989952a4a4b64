//go:build unix

package crashtest

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"

	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

// entityID returns the report or patrol id a mutation carries.
func entityID(m *pb.Mutation) string {
	if r := m.GetSubmitReport(); r != nil {
		return r.GetReport().GetId()
	}
	return m.GetSubmitPatrol().GetPatrol().GetId()
}

// runPusher pushes batches of new reports and patrols until told to stop,
// then until its outbox is empty. It deletes from the outbox what the
// server acknowledged (a result APPLIED or DUPLICATE, or a device_seq up
// to highest_device_seq) and pushes the rest again with what is new. Now
// and then a push carries acknowledged mutations too, an acknowledged
// batch is pushed again whole, or a push goes out twice at once.
func (p *phone) runPusher(ctx context.Context) error {
	var outbox, acked []*pb.Mutation
	var batches [][]*pb.Mutation
	var seq int64
	for {
		if !p.f.stopNew.Load() && len(outbox) < maxBatch {
			for range minBatch + p.rng.IntN(maxBatch-minBatch+1) {
				seq++
				m := &pb.Mutation{MutationId: newID(), DeviceSeq: seq}
				it := &item{device: p.name, deviceID: p.deviceID, mutationID: m.GetMutationId(), deviceSeq: seq}
				if p.chance(sharePatrol) {
					pt := p.newPatrol()
					m.Kind = &pb.Mutation_SubmitPatrol{SubmitPatrol: &pb.SubmitPatrolRequest{Patrol: pt}}
					it.id, it.kind = pt.GetId(), kindPatrol
				} else {
					r := p.newReport()
					m.Kind = &pb.Mutation_SubmitReport{SubmitReport: &pb.SubmitReportRequest{Report: r}}
					it.id, it.kind = r.GetId(), kindReport
				}
				p.f.hist.sent(it)
				outbox = append(outbox, m)
			}
		}
		if len(outbox) == 0 {
			return nil
		}
		batch := slices.Clone(outbox[:min(len(outbox), maxPush)])
		old := map[string]bool{}
		if len(acked) > 0 && p.chance(shareMixOld) {
			for range 1 + p.rng.IntN(3) {
				m := acked[p.rng.IntN(len(acked))]
				if !old[m.GetMutationId()] {
					old[m.GetMutationId()] = true
					batch = append(batch, m)
				}
			}
		}
		done, err := p.push(ctx, batch, old, p.chance(shareTwin))
		if err != nil {
			return err
		}
		var ackedNow []*pb.Mutation
		outbox = slices.DeleteFunc(outbox, func(m *pb.Mutation) bool {
			ok, answered := done[m.GetMutationId()]
			if ok {
				ackedNow = append(ackedNow, m)
			}
			return answered
		})
		acked = append(acked, ackedNow...)
		if len(ackedNow) > 0 {
			batches = append(batches, ackedNow)
		}
		if len(batches) > 0 && p.chance(shareRepushBatch) {
			b := batches[p.rng.IntN(len(batches))]
			all := map[string]bool{}
			for _, m := range b {
				all[m.GetMutationId()] = true
			}
			if _, err := p.push(ctx, b, all, false); err != nil {
				return err
			}
		}
	}
}

// push pushes ms until the server answers, records the answers, and
// returns the mutation ids it is done with: true for those acknowledged,
// false for those refused for good. old names the mutations acknowledged
// before; twin sends each attempt twice at once.
func (p *phone) push(ctx context.Context, ms []*pb.Mutation, old map[string]bool, twin bool) (map[string]bool, error) {
	h := p.f.hist
	req := &pb.PushRequest{DeviceId: p.deviceID, Mutations: ms}
	// Results come in device_seq order.
	want := slices.Clone(ms)
	slices.SortStableFunc(want, func(a, b *pb.Mutation) int { return int(a.GetDeviceSeq() - b.GetDeviceSeq()) })
	var answers []*pb.PushResponse
	err := p.retry(ctx, fmt.Sprintf("push %d mutations", len(ms)), &p.f.pushing, func(ctx context.Context) error {
		copies := 1
		if twin {
			copies = 2
			p.f.twins.Add(1)
		}
		resps, errs := make([]*pb.PushResponse, copies), make([]error, copies)
		var wg sync.WaitGroup
		for i := range copies {
			for _, m := range ms {
				h.attempt(entityID(m))
			}
			wg.Go(func() { resps[i], errs[i] = p.copyOn(i).sync.Push(ctx, req) })
		}
		wg.Wait()
		answers = answers[:0]
		for i := range copies {
			if errs[i] == nil {
				answers = append(answers, resps[i])
			}
		}
		if len(answers) > 0 {
			return nil
		}
		return cmp.Or(errs...)
	})
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		// The whole push refused: nothing in it is expected to apply.
		h.anomaly("%s: a push of %d mutations (%d sent before) refused whole: %v", p.name, len(ms), len(old), err)
		for _, m := range ms {
			if !old[m.GetMutationId()] {
				h.refuse(entityID(m), fmt.Sprintf("Push: %v", err))
			}
		}
		return nil, fmt.Errorf("%s: push refused: %w", p.name, err)
	}
	// Of twin answers, the one with more "stored now" came first on the
	// server.
	applied := func(r *pb.PushResponse) int {
		n := 0
		for _, x := range r.GetResults() {
			if x.GetOutcome() == pb.MutationOutcome_MUTATION_OUTCOME_APPLIED {
				n++
			}
		}
		return n
	}
	slices.SortStableFunc(answers, func(a, b *pb.PushResponse) int { return applied(b) - applied(a) })

	done := map[string]bool{}
	for _, resp := range answers {
		if len(resp.GetResults()) != len(want) {
			h.anomaly("%s: a push of %d mutations got %d results", p.name, len(want), len(resp.GetResults()))
		}
		retry := false
		var highestAcked int64
		for i, r := range resp.GetResults() {
			if i >= len(want) {
				break
			}
			m := want[i]
			if r.GetMutationId() != m.GetMutationId() || r.GetDeviceSeq() != m.GetDeviceSeq() {
				h.anomaly("%s: push result %d is for %s seq %d, want %s seq %d",
					p.name, i, r.GetMutationId(), r.GetDeviceSeq(), m.GetMutationId(), m.GetDeviceSeq())
				continue
			}
			id := entityID(m)
			switch o := r.GetOutcome(); o {
			case pb.MutationOutcome_MUTATION_OUTCOME_APPLIED, pb.MutationOutcome_MUTATION_OUTCOME_DUPLICATE:
				h.answered(id, o == pb.MutationOutcome_MUTATION_OUTCOME_APPLIED, old[m.GetMutationId()])
				done[m.GetMutationId()] = true
				highestAcked = max(highestAcked, m.GetDeviceSeq())
			case pb.MutationOutcome_MUTATION_OUTCOME_UNSPECIFIED:
				// Failed on the server's side: sent again with the next push.
				p.f.retryResults.Add(1)
				retry = true
				if m.GetDeviceSeq() <= resp.GetHighestDeviceSeq() {
					h.anomaly("%s: mutation %s seq %d answered \"retry\" (%s), but highest_device_seq %d covers it",
						p.name, m.GetMutationId(), m.GetDeviceSeq(), r.GetReason(), resp.GetHighestDeviceSeq())
				}
			default:
				if old[m.GetMutationId()] {
					h.anomaly("%s: acknowledged mutation %s sent again answered %v: %s",
						p.name, m.GetMutationId(), o, r.GetReason())
				} else {
					h.refuse(id, fmt.Sprintf("Push: %v: %s %v", o, r.GetReason(), r.GetFieldViolations()))
				}
				done[m.GetMutationId()] = false
			}
		}
		if !retry && resp.GetHighestDeviceSeq() < highestAcked {
			h.anomaly("%s: a push acknowledged up to seq %d, but its highest_device_seq is %d",
				p.name, highestAcked, resp.GetHighestDeviceSeq())
		}
		for _, it := range h.watermark(p.name, resp.GetHighestDeviceSeq()) {
			done[it.mutationID] = true
		}
	}
	return done, nil
}
