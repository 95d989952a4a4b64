package phonesim

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

// returnForMore plays the street's supervisor before the day: one new
// report of each simulated worker is sent back for more (退回补充), so that
// each phone finds a request to answer when it prepares, and answers it
// offline during the day (supplement).
func returnForMore(ctx context.Context, cfg Config, t *tally) error {
	c, err := dial(cfg, t, newFaults(0, cfg.Seed, 0), cfg.Supervisor)
	if err != nil {
		return err
	}
	defer c.close()
	if err := c.login(ctx); err != nil {
		return err
	}
	waiting := map[string]bool{} // reporters with a case already waiting
	req := &pb.ListReportsRequest{ReturnedOnly: true, PageSize: 500}
	page, err := call(ctx, c, "list returned reports", c.rep.ListReports, req)
	if err != nil {
		return err
	}
	for _, r := range page.GetReports() {
		waiting[r.GetReporterId()] = true
	}
	req = &pb.ListReportsRequest{Statuses: []pb.ReportStatus{pb.ReportStatus_REPORT_STATUS_REPORTED}, HideReturned: true, PageSize: 500}
	if page, err = call(ctx, c, "list new reports", c.rep.ListReports, req); err != nil {
		return err
	}
	for _, r := range page.GetReports() {
		if waiting[r.GetReporterId()] {
			continue
		}
		waiting[r.GetReporterId()] = true
		ret := &pb.ReturnReportRequest{ActionId: newID(), ReportId: r.GetId(), ExpectedVersion: r.GetVersion(),
			Wants: []pb.ReturnWant{pb.ReturnWant_RETURN_WANT_PHOTO, pb.ReturnWant_RETURN_WANT_ADDRESS}, Note: "请补充现场照片和门牌号"}
		if _, err := call(ctx, c, "return a report for more", c.rect.ReturnReport, ret); err != nil {
			return fmt.Errorf("return report %s for more: %w", r.GetId(), err)
		}
	}
	return nil
}

// supplement answers a case returned for more: a photo and the address,
// at a random time of the day.
func (d *day) supplement(rng *rand.Rand, c *pb.Report, start, end time.Time) item {
	at := start.Add(time.Duration(rng.Int64N(int64(end.Sub(start)))))
	ph := d.photo(rng, newID(), c.GetId(), at, c.GetLocation())
	d.photos = append(d.photos, ph)
	id := newID()
	d.actions = append(d.actions, &action{id: id, reportID: c.GetId(), typ: pb.EventType_EVENT_TYPE_REPORT_SUPPLEMENTED})
	return item{at: at, m: &pb.Mutation{Kind: &pb.Mutation_SupplementReport{SupplementReport: &pb.SupplementReportRequest{
		ActionId: id, ReportId: c.GetId(), OccurredAt: timestamppb.New(at), PhotoIds: []string{ph.id},
		Address: c.GetLocation().GetAddress() + "（已核实门牌）",
	}}}}
}
