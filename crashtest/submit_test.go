//go:build unix

package crashtest

import (
	"cmp"
	"context"
	"fmt"
	"sync"

	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

// runSubmitter submits reports one by one with SubmitReport until told to
// stop, each until the server answers it; now and then it sends an
// acknowledged report again, or a new one twice at once.
func (p *phone) runSubmitter(ctx context.Context) error {
	var acked []*pb.Report
	for !p.f.stopNew.Load() {
		r := p.newReport()
		var photo []byte
		if p.f.photos != nil && p.chance(sharePhoto) {
			r.PhotoIds, photo = []string{newID()}, p.newPhoto()
		}
		p.f.hist.sent(&item{id: r.GetId(), kind: kindReport, device: p.name, deviceID: p.deviceID})
		ok, err := p.submit(ctx, r, false, p.chance(shareTwin))
		if err != nil {
			return err
		}
		if ok {
			acked = append(acked, r)
			if photo != nil {
				if err := p.upload(ctx, r.GetPhotoIds()[0], r.GetId(), photo); err != nil {
					return err
				}
			}
		}
		if len(acked) > 0 && p.chance(shareResend) {
			if _, err := p.submit(ctx, acked[p.rng.IntN(len(acked))], true, false); err != nil {
				return err
			}
		}
	}
	return nil
}

// submit sends r until the server answers, and reports whether it
// acknowledged it. resend says r was acknowledged before; twin sends each
// attempt twice at once.
func (p *phone) submit(ctx context.Context, r *pb.Report, resend, twin bool) (bool, error) {
	h := p.f.hist
	id := r.GetId()
	req := &pb.SubmitReportRequest{Report: r}
	err := p.retry(ctx, "submit report "+id, &p.f.submitting, func(ctx context.Context) error {
		copies := 1
		if twin {
			copies = 2
			p.f.twins.Add(1)
		}
		resps, errs := make([]*pb.SubmitReportResponse, copies), make([]error, copies)
		var wg sync.WaitGroup
		for i := range copies {
			h.attempt(id)
			wg.Go(func() { resps[i], errs[i] = p.copyOn(i).rep.SubmitReport(ctx, req) })
		}
		wg.Wait()
		// "Stored now" first: of two answers to the same id, that one
		// came first on the server.
		order := []int{0}
		if copies == 2 {
			order = []int{0, 1}
			if resps[1] != nil && !resps[1].GetDuplicate() {
				order = []int{1, 0}
			}
		}
		answered := false
		for _, i := range order {
			if errs[i] != nil {
				continue
			}
			if got := resps[i].GetReport().GetId(); got != id {
				h.anomaly("%s: SubmitReport %s answered with report %q", p.name, id, got)
			}
			h.answered(id, !resps[i].GetDuplicate(), resend)
			answered = true
		}
		if answered {
			return nil
		}
		return cmp.Or(errs...)
	})
	switch {
	case err == nil:
		return true, nil
	case ctx.Err() != nil:
		return false, ctx.Err()
	default:
		h.refuse(id, fmt.Sprintf("SubmitReport (re-send %v): %v", resend, err))
		return false, nil
	}
}
