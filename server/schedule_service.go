package server

import (
	"context"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/gridinspect/gridinspect"

	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

// scheduleService serves PatrolScheduleService: patrol schedules (巡查计划)
// and what they want patrolled.
type scheduleService struct {
	pb.UnimplementedPatrolScheduleServiceServer
	s *Server
}

// schedules returns the configured service, or UNIMPLEMENTED.
func (h *scheduleService) schedules() (gridinspect.PatrolScheduleService, error) {
	if h.s.cfg.Schedules == nil {
		return nil, status.Error(codes.Unimplemented, "this server keeps no patrol schedules")
	}
	return h.s.cfg.Schedules, nil
}

func (h *scheduleService) SetPatrolSchedule(ctx context.Context, req *pb.SetPatrolScheduleRequest) (*pb.SetPatrolScheduleResponse, error) {
	svc, err := h.schedules()
	if err != nil {
		return nil, err
	}
	if req.GetSchedule() == nil {
		return nil, h.s.status(ctx, invalid("schedule", "不能为空", "is required"))
	}
	sc, err := svc.SetPatrolSchedule(ctx, fromSchedule(req.GetSchedule()))
	if err != nil {
		return nil, h.s.status(ctx, err)
	}
	return &pb.SetPatrolScheduleResponse{Schedule: toSchedule(sc)}, nil
}

func (h *scheduleService) ListPatrolSchedules(ctx context.Context, req *pb.ListPatrolSchedulesRequest) (*pb.ListPatrolSchedulesResponse, error) {
	svc, err := h.schedules()
	if err != nil {
		return nil, err
	}
	list, err := svc.ListPatrolSchedules(ctx, req.GetGridIds())
	if err != nil {
		return nil, h.s.status(ctx, err)
	}
	resp := &pb.ListPatrolSchedulesResponse{Schedules: make([]*pb.PatrolSchedule, len(list))}
	for i, sc := range list {
		resp.Schedules[i] = toSchedule(sc)
	}
	return resp, nil
}

func (h *scheduleService) DeletePatrolSchedule(ctx context.Context, req *pb.DeletePatrolScheduleRequest) (*pb.DeletePatrolScheduleResponse, error) {
	svc, err := h.schedules()
	if err != nil {
		return nil, err
	}
	if err := svc.DeletePatrolSchedule(ctx, req.GetSubjectId(), req.GetGridId()); err != nil {
		return nil, h.s.status(ctx, err)
	}
	return &pb.DeletePatrolScheduleResponse{}, nil
}

func (h *scheduleService) ListDuePatrols(ctx context.Context, req *pb.ListDuePatrolsRequest) (*pb.ListDuePatrolsResponse, error) {
	svc, err := h.schedules()
	if err != nil {
		return nil, err
	}
	due, at, err := svc.ListDuePatrols(ctx, req.GetGridIds(), fromTimestamp(req.GetMissedSince()))
	if err != nil {
		return nil, h.s.status(ctx, err)
	}
	return &pb.ListDuePatrolsResponse{Due: toDuePatrols(due), At: toTimestamp(at)}, nil
}

func fromSchedule(s *pb.PatrolSchedule) *gridinspect.PatrolSchedule {
	return &gridinspect.PatrolSchedule{
		SubjectID: s.GetSubjectId(),
		GridID:    s.GetGridId(),
		Kind:      gridinspect.PatrolKind(s.GetKind()),
		Period:    gridinspect.PatrolPeriod(s.GetPeriod()),
		Every:     int(s.GetEvery()),
		Times:     int(s.GetTimes()),
		StartsAt:  fromTimestamp(s.GetStartsAt()),
		Note:      s.GetNote(),
	}
}

func toSchedule(s *gridinspect.PatrolSchedule) *pb.PatrolSchedule {
	return &pb.PatrolSchedule{
		SubjectId:   s.SubjectID,
		GridId:      s.GridID,
		Kind:        pb.PatrolKind(s.Kind),
		Period:      pb.PatrolPeriod(s.Period),
		Every:       int32(s.Every),
		Times:       int32(s.Times),
		StartsAt:    toTimestamp(s.StartsAt),
		Note:        s.Note,
		SubjectName: s.SubjectName,
		SubjectKind: pb.SubjectKind(s.SubjectKind),
		GridName:    s.GridName,
		SetBy:       s.SetBy,
		SetAt:       toTimestamp(s.SetAt),
	}
}

func toDuePatrols(due []*gridinspect.DuePatrol) []*pb.DuePatrol {
	out := make([]*pb.DuePatrol, len(due))
	for i, d := range due {
		out[i] = &pb.DuePatrol{Schedule: toSchedule(d.Schedule), PeriodStart: toTimestamp(d.Start),
			PeriodEnd: toTimestamp(d.End), Wanted: int32(d.Wanted), Done: int32(d.Done), Missed: d.Missed}
	}
	return out
}
