package server

import (
	"context"
	"errors"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/gridinspect/gridinspect"
	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

// rectificationService serves RectificationService: every write becomes a
// domain Action and goes through the one Act, online.
type rectificationService struct {
	pb.UnimplementedRectificationServiceServer
	s *Server
}

// act takes the action a request stands for and returns the case after it
// and its event. A stale action is ABORTED with the current version in
// the error's details, after it was kept on the timeline.
func (h *rectificationService) act(ctx context.Context, req actionRequest) (*pb.Report, *pb.Event, error) {
	a := fromActionRequest(req)
	r, e, err := h.s.cfg.Rectification.Act(ctx, a, gridinspect.Online)
	if err != nil {
		return nil, nil, h.actError(ctx, r, err)
	}
	report, event := toReport(r, h.s.now(), gridinspect.ActorFrom(ctx)), toEvent(e)
	h.s.namePeople(ctx, []*pb.Report{report}, []*pb.Event{event})
	return report, event, nil
}

// actError converts an action's error. A stale or illegal action tells the
// client where the case stands now, as ErrorInfo metadata, so a phone can
// refresh without another call.
func (h *rectificationService) actError(ctx context.Context, r *gridinspect.Report, err error) error {
	st, _ := status.FromError(h.s.status(ctx, err))
	var e *gridinspect.Error
	if r == nil || !errors.As(err, &e) || (st.Code() != codes.Aborted && st.Code() != codes.FailedPrecondition) {
		return st.Err()
	}
	withInfo, derr := st.WithDetails(&errdetails.ErrorInfo{
		Reason: map[codes.Code]string{codes.Aborted: "STALE_VERSION", codes.FailedPrecondition: "TRANSITION_NOT_ALLOWED"}[st.Code()],
		Domain: "gridinspect.v1",
		Metadata: map[string]string{
			"report_id":       r.ID,
			"current_status":  pb.ReportStatus(r.Status).String(),
			"current_version": itoa64(r.Version),
		},
	})
	if derr != nil {
		return st.Err()
	}
	return withInfo.Err()
}

func (h *rectificationService) AssignReport(ctx context.Context, req *pb.AssignReportRequest) (*pb.AssignReportResponse, error) {
	r, e, err := h.act(ctx, req)
	if err != nil {
		return nil, err
	}
	return &pb.AssignReportResponse{Report: r, Event: e}, nil
}

func (h *rectificationService) RejectReport(ctx context.Context, req *pb.RejectReportRequest) (*pb.RejectReportResponse, error) {
	r, e, err := h.act(ctx, req)
	if err != nil {
		return nil, err
	}
	return &pb.RejectReportResponse{Report: r, Event: e}, nil
}

func (h *rectificationService) RecordProgress(ctx context.Context, req *pb.RecordProgressRequest) (*pb.RecordProgressResponse, error) {
	r, e, err := h.act(ctx, req)
	if err != nil {
		return nil, err
	}
	return &pb.RecordProgressResponse{Report: r, Event: e}, nil
}

func (h *rectificationService) IssueNotice(ctx context.Context, req *pb.IssueNoticeRequest) (*pb.IssueNoticeResponse, error) {
	r, e, err := h.act(ctx, req)
	if err != nil {
		return nil, err
	}
	return &pb.IssueNoticeResponse{Report: r, Event: e}, nil
}

func (h *rectificationService) RecordInterview(ctx context.Context, req *pb.RecordInterviewRequest) (*pb.RecordInterviewResponse, error) {
	r, e, err := h.act(ctx, req)
	if err != nil {
		return nil, err
	}
	return &pb.RecordInterviewResponse{Report: r, Event: e}, nil
}

func (h *rectificationService) SubmitRectification(ctx context.Context, req *pb.SubmitRectificationRequest) (*pb.SubmitRectificationResponse, error) {
	r, e, err := h.act(ctx, req)
	if err != nil {
		return nil, err
	}
	return &pb.SubmitRectificationResponse{Report: r, Event: e}, nil
}

func (h *rectificationService) VerifyRectification(ctx context.Context, req *pb.VerifyRectificationRequest) (*pb.VerifyRectificationResponse, error) {
	r, e, err := h.act(ctx, req)
	if err != nil {
		return nil, err
	}
	return &pb.VerifyRectificationResponse{Report: r, Event: e}, nil
}

func (h *rectificationService) RecordFollowUp(ctx context.Context, req *pb.RecordFollowUpRequest) (*pb.RecordFollowUpResponse, error) {
	r, e, err := h.act(ctx, req)
	if err != nil {
		return nil, err
	}
	return &pb.RecordFollowUpResponse{Report: r, Event: e}, nil
}

func (h *rectificationService) CommentOnReport(ctx context.Context, req *pb.CommentOnReportRequest) (*pb.CommentOnReportResponse, error) {
	r, e, err := h.act(ctx, req)
	if err != nil {
		return nil, err
	}
	return &pb.CommentOnReportResponse{Report: r, Event: e}, nil
}

func (h *rectificationService) ExtendDeadline(ctx context.Context, req *pb.ExtendDeadlineRequest) (*pb.ExtendDeadlineResponse, error) {
	r, e, err := h.act(ctx, req)
	if err != nil {
		return nil, err
	}
	return &pb.ExtendDeadlineResponse{Report: r, Event: e}, nil
}

func (h *rectificationService) ReassignReport(ctx context.Context, req *pb.ReassignReportRequest) (*pb.ReassignReportResponse, error) {
	r, e, err := h.act(ctx, req)
	if err != nil {
		return nil, err
	}
	return &pb.ReassignReportResponse{Report: r, Event: e}, nil
}

func (h *rectificationService) UrgeReport(ctx context.Context, req *pb.UrgeReportRequest) (*pb.UrgeReportResponse, error) {
	r, e, err := h.act(ctx, req)
	if err != nil {
		return nil, err
	}
	return &pb.UrgeReportResponse{Report: r, Event: e}, nil
}

func (h *rectificationService) ReturnReport(ctx context.Context, req *pb.ReturnReportRequest) (*pb.ReturnReportResponse, error) {
	r, e, err := h.act(ctx, req)
	if err != nil {
		return nil, err
	}
	return &pb.ReturnReportResponse{Report: r, Event: e}, nil
}

func (h *rectificationService) SupplementReport(ctx context.Context, req *pb.SupplementReportRequest) (*pb.SupplementReportResponse, error) {
	r, e, err := h.act(ctx, req)
	if err != nil {
		return nil, err
	}
	return &pb.SupplementReportResponse{Report: r, Event: e}, nil
}

func (h *rectificationService) GetTimeline(ctx context.Context, req *pb.GetTimelineRequest) (*pb.GetTimelineResponse, error) {
	events, intact, err := h.s.cfg.Rectification.GetTimeline(ctx, req.GetReportId())
	if err != nil {
		return nil, h.s.status(ctx, err)
	}
	resp := &pb.GetTimelineResponse{ChainIntact: intact, Events: make([]*pb.Event, len(events))}
	for i, e := range events {
		resp.Events[i] = toEvent(e)
	}
	h.s.namePeople(ctx, nil, resp.Events)
	return resp, nil
}
