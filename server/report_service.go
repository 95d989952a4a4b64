package server

import (
	"context"

	"github.com/gridinspect/gridinspect"

	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

// reportService serves ReportService: it converts the wire form to the
// domain's and back, and leaves every rule to the domain service.
type reportService struct {
	pb.UnimplementedReportServiceServer
	s *Server
}

func (h *reportService) SubmitReport(ctx context.Context, req *pb.SubmitReportRequest) (*pb.SubmitReportResponse, error) {
	if req.GetReport() == nil {
		return nil, h.s.status(ctx, invalid("report", "不能为空", "is required"))
	}
	stored, dup, err := h.s.cfg.Reports.SubmitReport(ctx, fromReport(req.GetReport()))
	if err != nil {
		return nil, h.s.status(ctx, err)
	}
	out := toReport(stored, h.s.now(), gridinspect.ActorFrom(ctx))
	h.s.namePeople(ctx, []*pb.Report{out}, nil)
	return &pb.SubmitReportResponse{Report: out, Duplicate: dup}, nil
}

func (h *reportService) GetReport(ctx context.Context, req *pb.GetReportRequest) (*pb.GetReportResponse, error) {
	r, err := h.s.cfg.Reports.GetReport(ctx, req.GetId())
	if err != nil {
		return nil, h.s.status(ctx, err)
	}
	out := toReport(r, h.s.now(), gridinspect.ActorFrom(ctx))
	h.s.namePeople(ctx, []*pb.Report{out}, nil)
	return &pb.GetReportResponse{Report: out}, nil
}

func (h *reportService) ListReports(ctx context.Context, req *pb.ListReportsRequest) (*pb.ListReportsResponse, error) {
	reports, next, err := h.s.cfg.Reports.ListReports(ctx, fromReportFilter(req))
	if err != nil {
		return nil, h.s.status(ctx, err)
	}
	now, caller := h.s.now(), gridinspect.ActorFrom(ctx)
	resp := &pb.ListReportsResponse{NextPageToken: next, Reports: make([]*pb.Report, len(reports))}
	for i, r := range reports {
		resp.Reports[i] = toReport(r, now, caller)
	}
	h.s.namePeople(ctx, resp.Reports, nil)
	return resp, nil
}

func (h *reportService) SubmitPatrol(ctx context.Context, req *pb.SubmitPatrolRequest) (*pb.SubmitPatrolResponse, error) {
	if req.GetPatrol() == nil {
		return nil, h.s.status(ctx, invalid("patrol", "不能为空", "is required"))
	}
	stored, dup, err := h.s.cfg.Reports.SubmitPatrol(ctx, fromPatrol(req.GetPatrol()))
	if err != nil {
		return nil, h.s.status(ctx, err)
	}
	return &pb.SubmitPatrolResponse{Patrol: toPatrol(stored), Duplicate: dup}, nil
}

func (h *reportService) ListPatrols(ctx context.Context, req *pb.ListPatrolsRequest) (*pb.ListPatrolsResponse, error) {
	patrols, next, err := h.s.cfg.Reports.ListPatrols(ctx, fromPatrolFilter(req))
	if err != nil {
		return nil, h.s.status(ctx, err)
	}
	resp := &pb.ListPatrolsResponse{NextPageToken: next, Patrols: make([]*pb.Patrol, len(patrols))}
	for i, p := range patrols {
		resp.Patrols[i] = toPatrol(p)
	}
	return resp, nil
}
