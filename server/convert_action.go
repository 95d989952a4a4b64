package server

import (
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/gridinspect/gridinspect"
	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

// actionRequest is what every RectificationService write request has.
type actionRequest interface {
	GetActionId() string
	GetReportId() string
	GetExpectedVersion() int64
	GetNote() string
	GetPhotoIds() []string
	GetOccurredAt() *timestamppb.Timestamp
}

// fromActionRequest converts any RectificationService write request into
// the domain's action: the one path that online calls and (later) synced
// mutations share. It returns nil for a message that is no action.
func fromActionRequest(req actionRequest) *gridinspect.Action {
	a := &gridinspect.Action{
		ID:              req.GetActionId(),
		ReportID:        req.GetReportId(),
		ExpectedVersion: req.GetExpectedVersion(),
		Note:            req.GetNote(),
		PhotoIDs:        append([]string(nil), req.GetPhotoIds()...),
		OccurredAt:      fromTimestamp(req.GetOccurredAt()),
	}
	switch r := req.(type) {
	case *pb.AssignReportRequest:
		a.Type = gridinspect.EventReportAssigned
		a.Data.Assignment = &gridinspect.Assignment{
			AssigneeID: r.GetAssigneeId(), ResponsibleUnit: r.GetResponsibleUnit(), Deadline: fromTimestamp(r.GetDeadline()),
			WorkingDays: int(r.GetDeadlineWorkingDays()),
		}
	case *pb.RejectReportRequest:
		a.Type = gridinspect.EventReportRejected
		a.Data.Rejection = &gridinspect.Rejection{
			Reason: gridinspect.RejectionReason(r.GetReason()), DuplicateOf: r.GetDuplicateOfReportId(),
		}
	case *pb.RecordProgressRequest:
		a.Type = gridinspect.EventProgressRecorded
	case *pb.IssueNoticeRequest:
		a.Type = gridinspect.EventNoticeIssued
		a.Data.Notice = &gridinspect.Notice{Kind: gridinspect.NoticeKind(r.GetKind()), Department: r.GetDepartment()}
	case *pb.RecordInterviewRequest:
		a.Type = gridinspect.EventInterviewRecorded
		a.Data.Interview = &gridinspect.Interview{Interviewee: r.GetInterviewee(), Place: r.GetPlace(), Outcome: r.GetOutcome()}
	case *pb.SubmitRectificationRequest:
		a.Type = gridinspect.EventRectificationSubmitted
		a.Data.Rectification = &gridinspect.Rectification{
			Disposition:                gridinspect.Disposition(r.GetDisposition()),
			DemolishedAreaSquareMeters: r.GetDemolishedAreaSquareMeters(),
		}
	case *pb.VerifyRectificationRequest:
		a.Type = gridinspect.EventRectificationVerified
		a.Data.Verification = &gridinspect.Verification{
			Passed: r.GetPassed(), Disposition: gridinspect.Disposition(r.GetDisposition()), Reason: r.GetReason(),
		}
	case *pb.RecordFollowUpRequest:
		a.Type = gridinspect.EventFollowUpRecorded
		a.Data.FollowUp = &gridinspect.FollowUp{Relapsed: r.GetRelapsed()}
	case *pb.CommentOnReportRequest:
		a.Type = gridinspect.EventCommentAdded
	case *pb.ExtendDeadlineRequest:
		a.Type = gridinspect.EventDeadlineExtended
		a.Data.Extension = &gridinspect.DeadlineExtension{New: fromTimestamp(r.GetNewDeadline()), Reason: r.GetReason(),
			WorkingDays: int(r.GetDeadlineWorkingDays())}
	case *pb.ReassignReportRequest:
		a.Type = gridinspect.EventReportReassigned
		a.Data.Reassignment = &gridinspect.Reassignment{
			AssigneeID: r.GetAssigneeId(), ResponsibleUnit: r.GetResponsibleUnit(), Reason: r.GetReason(),
		}
	case *pb.UrgeReportRequest:
		a.Type = gridinspect.EventReportUrged
	case *pb.ReturnReportRequest:
		a.Type = gridinspect.EventReportReturned
		a.Data.Return = &gridinspect.ReturnRequest{Wants: fromReturnWants(r.GetWants())}
	case *pb.SupplementReportRequest:
		a.Type = gridinspect.EventReportSupplemented
		a.Data.Supplement = &gridinspect.Supplement{Description: r.GetDescription(), Address: r.GetAddress()}
	default:
		return nil
	}
	return a
}

// conflictChinese is the zh-CN reason of a conflict event, "" for an
// event that is none.
func conflictChinese(e *gridinspect.Event) string {
	if !e.Conflict {
		return ""
	}
	if zh := gridinspect.ConflictChinese(e); zh != "" {
		return zh
	}
	return gridinspect.CodeChinese(e.ConflictCode)
}

func toEvent(e *gridinspect.Event) *pb.Event {
	out := &pb.Event{
		Id:             e.ID,
		ReportId:       e.ReportID,
		Type:           pb.EventType(e.Type),
		ActorId:        e.ActorID,
		OccurredAt:     toTimestamp(e.OccurredAt),
		ReceivedAt:     toTimestamp(e.ReceivedAt),
		Note:           e.Note,
		PhotoIds:       e.PhotoIDs,
		StatusBefore:   pb.ReportStatus(e.StatusBefore),
		StatusAfter:    pb.ReportStatus(e.StatusAfter),
		Version:        e.Version,
		Conflict:       e.Conflict,
		ConflictReason: e.ConflictReason,
		// Made from what the event keeps, so events stored before the
		// Chinese was written read in Chinese too.
		LocalizedConflictReason: conflictChinese(e),
		Hash:                    e.Hash,
		PreviousHash:            e.PrevHash,
		ClockSkewFlagged:        e.ClockSkewFlagged,
	}
	d := e.Data
	switch {
	case d.Assignment != nil:
		out.Payload = &pb.Event_Assignment{Assignment: toAssignment(d.Assignment)}
	case d.Rejection != nil:
		out.Payload = &pb.Event_Rejection{Rejection: &pb.Rejection{
			Reason: pb.RejectionReason(d.Rejection.Reason), DuplicateOfReportId: d.Rejection.DuplicateOf,
		}}
	case d.Notice != nil:
		out.Payload = &pb.Event_Notice{Notice: &pb.Notice{
			Kind: pb.NoticeKind(d.Notice.Kind), Department: d.Notice.Department, Number: d.Notice.Number,
			Year: int32(d.Notice.Year), Sequence: int32(d.Notice.Sequence),
		}}
	case d.Interview != nil:
		out.Payload = &pb.Event_Interview{Interview: &pb.Interview{
			Interviewee: d.Interview.Interviewee, Place: d.Interview.Place, Outcome: d.Interview.Outcome,
		}}
	case d.Rectification != nil:
		out.Payload = &pb.Event_Rectification{Rectification: &pb.Rectification{
			Disposition:                pb.Disposition(d.Rectification.Disposition),
			DemolishedAreaSquareMeters: d.Rectification.DemolishedAreaSquareMeters,
		}}
	case d.Verification != nil:
		out.Payload = &pb.Event_Verification{Verification: &pb.Verification{
			Passed: d.Verification.Passed, Disposition: pb.Disposition(d.Verification.Disposition),
			Reason: d.Verification.Reason, EvidenceFlags: d.Verification.EvidenceFlags,
		}}
	case d.FollowUp != nil:
		out.Payload = &pb.Event_FollowUp{FollowUp: &pb.FollowUp{
			Relapsed: d.FollowUp.Relapsed, RelapseCount: int32(d.FollowUp.RelapseCount),
		}}
	case d.Extension != nil:
		out.Payload = &pb.Event_DeadlineExtension{DeadlineExtension: &pb.DeadlineExtension{
			PreviousDeadline: toTimestamp(d.Extension.Previous), NewDeadline: toTimestamp(d.Extension.New),
			Reason: d.Extension.Reason, DeadlineWorkingDays: int32(d.Extension.WorkingDays),
		}}
	case d.Return != nil:
		out.Payload = &pb.Event_ReturnRequest{ReturnRequest: &pb.ReturnRequest{Wants: toReturnWants(d.Return.Wants)}}
	case d.Supplement != nil:
		out.Payload = &pb.Event_Supplement{Supplement: &pb.Supplement{
			Description: d.Supplement.Description, Address: d.Supplement.Address,
			PreviousAddress: d.Supplement.PreviousAddress,
		}}
	case d.Reassignment != nil:
		out.Payload = &pb.Event_Reassignment{Reassignment: &pb.Reassignment{
			PreviousAssigneeId: d.Reassignment.PreviousAssigneeID, PreviousResponsibleUnit: d.Reassignment.PreviousResponsibleUnit,
			AssigneeId: d.Reassignment.AssigneeID, ResponsibleUnit: d.Reassignment.ResponsibleUnit, Reason: d.Reassignment.Reason,
		}}
	case d.Urging != nil:
		out.Payload = &pb.Event_Urging{Urging: &pb.Urging{
			AssigneeId: d.Urging.AssigneeID, ResponsibleUnit: d.Urging.ResponsibleUnit, UrgeCount: int32(d.Urging.Count),
		}}
	case d.Supervision != nil:
		out.Payload = &pb.Event_Supervision{Supervision: &pb.Supervision{Deadline: toTimestamp(d.Supervision.Deadline)}}
	}
	return out
}

func fromReturnWants(ws []pb.ReturnWant) []gridinspect.ReturnWant {
	out := make([]gridinspect.ReturnWant, len(ws))
	for i, w := range ws {
		out[i] = gridinspect.ReturnWant(w)
	}
	return out
}

func toReturnWants(ws []gridinspect.ReturnWant) []pb.ReturnWant {
	out := make([]pb.ReturnWant, len(ws))
	for i, w := range ws {
		out[i] = pb.ReturnWant(w)
	}
	return out
}

// toReturnRequest converts a report's open request for more; nil for none.
func toReturnRequest(rq *gridinspect.ReturnRequest) *pb.ReturnRequest {
	if rq == nil {
		return nil
	}
	return &pb.ReturnRequest{Wants: toReturnWants(rq.Wants), Note: rq.Note, ActionId: rq.ActionID,
		ReturnedBy: rq.ReturnedBy, ReturnedAt: toTimestamp(rq.ReturnedAt)}
}

// toAssignment is a dispatch (an event's, or a routing rule's suggestion)
// in the API's words.
func toAssignment(a *gridinspect.Assignment) *pb.Assignment {
	return &pb.Assignment{
		AssigneeId: a.AssigneeID, ResponsibleUnit: a.ResponsibleUnit,
		Deadline: toTimestamp(a.Deadline), DeadlineWorkingDays: int32(a.WorkingDays),
	}
}
