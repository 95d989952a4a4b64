package server

import (
	"context"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/gridinspect/gridinspect"

	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

// directoryService serves DirectoryService: grids, subjects and users.
type directoryService struct {
	pb.UnimplementedDirectoryServiceServer
	s *Server
}

func (h *directoryService) CreateGrid(ctx context.Context, req *pb.CreateGridRequest) (*pb.CreateGridResponse, error) {
	if req.GetGrid() == nil {
		return nil, h.s.status(ctx, invalid("grid", "不能为空", "is required"))
	}
	g, err := h.s.cfg.Directory.CreateGrid(ctx, fromGrid(req.GetGrid()))
	if err != nil {
		return nil, h.s.status(ctx, err)
	}
	return &pb.CreateGridResponse{Grid: toGrid(g)}, nil
}

// SetGridOrder sets a grid's place in the official order (admins only).
func (h *directoryService) SetGridOrder(ctx context.Context, req *pb.SetGridOrderRequest) (*pb.SetGridOrderResponse, error) {
	if h.s.cfg.Settings == nil {
		return nil, status.Error(codes.Unimplemented, "this server keeps no settings")
	}
	g, err := h.s.cfg.Settings.SetGridOrder(ctx, req.GetId(), int(req.GetOrder()))
	if err != nil {
		return nil, h.s.status(ctx, err)
	}
	return &pb.SetGridOrderResponse{Grid: toGrid(g)}, nil
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
		return nil, h.s.status(ctx, invalid("subject", "不能为空", "is required"))
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
		resp.Reports = append(resp.Reports, toReport(r, now, gridinspect.ActorFrom(ctx)))
	}
	for _, p := range file.Patrols {
		resp.Patrols = append(resp.Patrols, toPatrol(p))
	}
	h.s.namePeople(ctx, resp.Reports, nil)
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

func (h *directoryService) CreateUser(ctx context.Context, req *pb.CreateUserRequest) (*pb.CreateUserResponse, error) {
	if req.GetUser() == nil {
		return nil, h.s.status(ctx, invalid("user", "不能为空", "is required"))
	}
	u, err := h.s.cfg.Users.CreateUser(ctx, fromUser(req.GetUser()), req.GetPassword())
	if err != nil {
		return nil, h.s.status(ctx, err)
	}
	return &pb.CreateUserResponse{User: toUser(u)}, nil
}

func (h *directoryService) GetUser(ctx context.Context, req *pb.GetUserRequest) (*pb.GetUserResponse, error) {
	u, err := h.s.cfg.Users.GetUser(ctx, req.GetId())
	if err != nil {
		return nil, h.s.status(ctx, err)
	}
	return &pb.GetUserResponse{User: toUser(u)}, nil
}

func (h *directoryService) ListUsers(ctx context.Context, req *pb.ListUsersRequest) (*pb.ListUsersResponse, error) {
	users, next, err := h.s.cfg.Users.ListUsers(ctx, gridinspect.UserFilter{
		GridID: req.GetGridId(), PageSize: int(req.GetPageSize()), PageToken: req.GetPageToken(),
	})
	if err != nil {
		return nil, h.s.status(ctx, err)
	}
	resp := &pb.ListUsersResponse{NextPageToken: next, Users: make([]*pb.User, len(users))}
	for i, u := range users {
		resp.Users[i] = toUser(u)
	}
	return resp, nil
}

func (h *directoryService) UpdateUser(ctx context.Context, req *pb.UpdateUserRequest) (*pb.UpdateUserResponse, error) {
	upd, err := fromUserUpdate(req)
	if err != nil {
		return nil, h.s.status(ctx, err)
	}
	u, err := h.s.cfg.Users.UpdateUser(ctx, req.GetUser().GetId(), upd)
	if err != nil {
		return nil, h.s.status(ctx, err)
	}
	return &pb.UpdateUserResponse{User: toUser(u)}, nil
}

func (h *directoryService) DisableUser(ctx context.Context, req *pb.DisableUserRequest) (*pb.DisableUserResponse, error) {
	u, err := h.s.cfg.Users.DisableUser(ctx, req.GetId())
	if err != nil {
		return nil, h.s.status(ctx, err)
	}
	return &pb.DisableUserResponse{User: toUser(u)}, nil
}
