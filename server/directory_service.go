package server

import (
	"context"

	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

// directoryService serves DirectoryService's grids and subjects. Users
// arrive with accounts (issue 3); until then those RPCs answer
// UNIMPLEMENTED.
type directoryService struct {
	pb.UnimplementedDirectoryServiceServer
	s *Server
}

func (h *directoryService) CreateGrid(ctx context.Context, req *pb.CreateGridRequest) (*pb.CreateGridResponse, error) {
	if req.GetGrid() == nil {
		return nil, h.s.status(ctx, invalid("grid", "is required"))
	}
	g, err := h.s.cfg.Directory.CreateGrid(ctx, fromGrid(req.GetGrid()))
	if err != nil {
		return nil, h.s.status(ctx, err)
	}
	return &pb.CreateGridResponse{Grid: toGrid(g)}, nil
}

func (h *directoryService) GetGrid(ctx context.Context, req *pb.GetGridRequest) (*pb.GetGridResponse, error) {
	g, err := h.s.cfg.Directory.GetGrid(ctx, req.GetId())
	if err != nil {
		return nil, h.s.status(ctx, err)
	}
	return &pb.GetGridResponse{Grid: toGrid(g)}, nil
}

func (h *directoryService) ListGrids(ctx context.Context, req *pb.ListGridsRequest) (*pb.ListGridsResponse, error) {
	grids, next, err := h.s.cfg.Directory.ListGrids(ctx, int(req.GetPageSize()), req.GetPageToken())
	if err != nil {
		return nil, h.s.status(ctx, err)
	}
	resp := &pb.ListGridsResponse{NextPageToken: next, Grids: make([]*pb.Grid, len(grids))}
	for i, g := range grids {
		resp.Grids[i] = toGrid(g)
	}
	return resp, nil
}

func (h *directoryService) CreateSubject(ctx context.Context, req *pb.CreateSubjectRequest) (*pb.CreateSubjectResponse, error) {
	if req.GetSubject() == nil {
		return nil, h.s.status(ctx, invalid("subject", "is required"))
	}
	sub, err := h.s.cfg.Directory.CreateSubject(ctx, fromSubject(req.GetSubject()))
	if err != nil {
		return nil, h.s.status(ctx, err)
	}
	return &pb.CreateSubjectResponse{Subject: toSubject(sub)}, nil
}

func (h *directoryService) GetSubject(ctx context.Context, req *pb.GetSubjectRequest) (*pb.GetSubjectResponse, error) {
	file, err := h.s.cfg.Directory.GetSubject(ctx, req.GetId())
	if err != nil {
		return nil, h.s.status(ctx, err)
	}
	now := h.s.now()
	resp := &pb.GetSubjectResponse{Subject: toSubject(file.Subject), RelapseCount: int32(file.RelapseCount)}
	for _, r := range file.Reports {
		resp.Reports = append(resp.Reports, toReport(r, now))
	}
	for _, p := range file.Patrols {
		resp.Patrols = append(resp.Patrols, toPatrol(p))
	}
	return resp, nil
}

func (h *directoryService) ListSubjects(ctx context.Context, req *pb.ListSubjectsRequest) (*pb.ListSubjectsResponse, error) {
	subjects, next, err := h.s.cfg.Directory.ListSubjects(ctx, fromSubjectFilter(req))
	if err != nil {
		return nil, h.s.status(ctx, err)
	}
	resp := &pb.ListSubjectsResponse{NextPageToken: next, Subjects: make([]*pb.Subject, len(subjects))}
	for i, s := range subjects {
		resp.Subjects[i] = toSubject(s)
	}
	return resp, nil
}
