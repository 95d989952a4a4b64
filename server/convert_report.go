package server

import (
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/gridinspect/gridinspect"
	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

// The domain's enums carry the API's numbers, so converting them is a
// cast; TestEnumNumbersMatchTheAPI keeps the two in step.

// fromTimestamp returns the zero time for a missing timestamp, so "not
// given" stays distinguishable from 1970.
func fromTimestamp(ts *timestamppb.Timestamp) time.Time {
	if ts == nil {
		return time.Time{}
	}
	return ts.AsTime()
}

func toTimestamp(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return timestamppb.New(t)
}

func fromLocation(l *pb.Location) gridinspect.Location {
	return gridinspect.Location{
		Lat:            l.GetLatitude(),
		Lng:            l.GetLongitude(),
		AccuracyMeters: l.GetAccuracyMeters(),
		Address:        l.GetAddress(),
		System:         gridinspect.CoordinateSystem(l.GetCoordinateSystem()),
	}
}

func toLocation(l gridinspect.Location) *pb.Location {
	return &pb.Location{
		Latitude:         l.Lat,
		Longitude:        l.Lng,
		AccuracyMeters:   l.AccuracyMeters,
		Address:          l.Address,
		CoordinateSystem: pb.CoordinateSystem(l.System),
	}
}

// fromReport takes only the fields a client may give; server-set fields in
// the message are ignored, never trusted.
func fromReport(r *pb.Report) *gridinspect.Report {
	out := &gridinspect.Report{
		ID:              r.GetId(),
		Category:        gridinspect.Category(r.GetCategory()),
		Severity:        gridinspect.Severity(r.GetSeverity()),
		Description:     r.GetDescription(),
		Location:        fromLocation(r.GetLocation()),
		GridID:          r.GetGridId(),
		SubjectID:       r.GetSubjectId(),
		ObservedAt:      fromTimestamp(r.GetObservedAt()),
		PhotoIDs:        append([]string(nil), r.GetPhotoIds()...),
		RectifiedOnSpot: r.GetRectifiedOnSpot(),
		PatrolID:        r.GetPatrolId(),
	}
	switch d := r.GetDetails().(type) {
	case *pb.Report_SafetyHazard:
		out.Details.SafetyHazard = &gridinspect.SafetyHazardDetails{
			HazardKind: int(d.SafetyHazard.GetHazardKind()),
			PlaceKind:  int(d.SafetyHazard.GetPlaceKind()),
		}
	case *pb.Report_PollutingEnterprise:
		p := d.PollutingEnterprise
		out.Details.PollutingEnterprise = &gridinspect.PollutingEnterpriseDetails{
			Scattered:           p.GetScattered(),
			Disorderly:          p.GetDisorderly(),
			Polluting:           p.GetPolluting(),
			Activity:            int(p.GetActivity()),
			ActivityDescription: p.GetActivityDescription(),
			ProposedDisposal:    int(p.GetProposedDisposal()),
			MovedInFromOutside:  p.GetMovedInFromOutside(),
			FromDistrict:        p.GetFromDistrict(),
		}
	case *pb.Report_IllegalConstruction:
		out.Details.IllegalConstruction = &gridinspect.IllegalConstructionDetails{
			Kind:             int(d.IllegalConstruction.GetKind()),
			Land:             int(d.IllegalConstruction.GetLand()),
			AreaSquareMeters: d.IllegalConstruction.GetAreaSquareMeters(),
		}
	case *pb.Report_WaterSourceRisk:
		out.Details.WaterSourceRisk = &gridinspect.WaterSourceRiskDetails{
			RiskKind: int(d.WaterSourceRisk.GetRiskKind()),
		}
	case *pb.Report_DangerousHouse:
		out.Details.DangerousHouse = &gridinspect.DangerousHouseDetails{
			AppraisalGrade: int(d.DangerousHouse.GetAppraisalGrade()),
			Occupied:       d.DangerousHouse.GetOccupied(),
			Residents:      int(d.DangerousHouse.GetResidents()),
		}
	}
	return out
}

// toReport converts a case for its caller: overdue as of now, and the
// actions the caller may take on it as it stands.
func toReport(r *gridinspect.Report, now time.Time, caller *gridinspect.Actor) *pb.Report {
	out := &pb.Report{
		Id:                r.ID,
		Category:          pb.Category(r.Category),
		Severity:          pb.Severity(r.Severity),
		Description:       r.Description,
		Location:          toLocation(r.Location),
		GridId:            r.GridID,
		SubjectId:         r.SubjectID,
		ObservedAt:        toTimestamp(r.ObservedAt),
		PhotoIds:          r.PhotoIDs,
		RectifiedOnSpot:   r.RectifiedOnSpot,
		PatrolId:          r.PatrolID,
		Status:            pb.ReportStatus(r.Status),
		Version:           r.Version,
		ReporterId:        r.ReporterID,
		ReceivedAt:        toTimestamp(r.ReceivedAt),
		Deadline:          toTimestamp(r.Deadline),
		AssigneeId:        r.AssigneeID,
		Disposition:       pb.Disposition(r.Disposition),
		ClosedAt:          toTimestamp(r.ClosedAt),
		ClockSkewFlagged:  r.ClockSkewFlagged,
		MissingPhotoIds:   r.MissingPhotoIDs,
		ResponsibleUnit:   r.ResponsibleUnit,
		OriginalDeadline:  toTimestamp(r.OriginalDeadline),
		RelapseCount:      int32(r.RelapseCount),
		FollowUpDue:       toTimestamp(r.FollowUpDue),
		PossibleRelapseOf: r.PossibleRelapseOf,
		UpdatedAt:         toTimestamp(r.UpdatedAt),
		Overdue:           r.Overdue(now),
		SupervisedAt:      toTimestamp(r.SupervisedAt),
		UrgeCount:         int32(r.UrgeCount),
		ReassignCount:     int32(r.ReassignCount),
		ReturnRequest:     toReturnRequest(r.ReturnRequest),
		ReturnCount:       int32(r.ReturnCount),
	}
	out.DeadlineWorkingDays = int32(r.DeadlineWorkingDays)
	for _, x := range gridinspect.AllowedActions(r, caller) {
		out.AllowedActions = append(out.AllowedActions, pb.ReportAction(x))
	}
	d := r.Details
	switch {
	case d.SafetyHazard != nil:
		out.Details = &pb.Report_SafetyHazard{SafetyHazard: &pb.SafetyHazardDetails{
			HazardKind: pb.HazardKind(d.SafetyHazard.HazardKind),
			PlaceKind:  pb.PlaceKind(d.SafetyHazard.PlaceKind),
		}}
	case d.PollutingEnterprise != nil:
		p := d.PollutingEnterprise
		out.Details = &pb.Report_PollutingEnterprise{PollutingEnterprise: &pb.PollutingEnterpriseDetails{
			Scattered:           p.Scattered,
			Disorderly:          p.Disorderly,
			Polluting:           p.Polluting,
			Activity:            pb.PollutingActivity(p.Activity),
			ActivityDescription: p.ActivityDescription,
			ProposedDisposal:    pb.ProposedDisposal(p.ProposedDisposal),
			MovedInFromOutside:  p.MovedInFromOutside,
			FromDistrict:        p.FromDistrict,
		}}
	case d.IllegalConstruction != nil:
		out.Details = &pb.Report_IllegalConstruction{IllegalConstruction: &pb.IllegalConstructionDetails{
			Kind:             pb.ConstructionKind(d.IllegalConstruction.Kind),
			Land:             pb.LandKind(d.IllegalConstruction.Land),
			AreaSquareMeters: d.IllegalConstruction.AreaSquareMeters,
		}}
	case d.WaterSourceRisk != nil:
		out.Details = &pb.Report_WaterSourceRisk{WaterSourceRisk: &pb.WaterSourceRiskDetails{
			RiskKind: pb.WaterRiskKind(d.WaterSourceRisk.RiskKind),
		}}
	case d.DangerousHouse != nil:
		out.Details = &pb.Report_DangerousHouse{DangerousHouse: &pb.DangerousHouseDetails{
			AppraisalGrade: pb.HouseGrade(d.DangerousHouse.AppraisalGrade),
			Occupied:       d.DangerousHouse.Occupied,
			Residents:      int32(d.DangerousHouse.Residents),
		}}
	}
	return out
}

func fromReportFilter(r *pb.ListReportsRequest) gridinspect.ReportFilter {
	f := gridinspect.ReportFilter{
		GridIDs:        r.GetGridIds(),
		SubjectID:      r.GetSubjectId(),
		AssigneeID:     r.GetAssigneeId(),
		OverdueOnly:    r.GetOverdueOnly(),
		ObservedAfter:  fromTimestamp(r.GetObservedAfter()),
		ObservedBefore: fromTimestamp(r.GetObservedBefore()),
		Query:          r.GetQuery(),
		OpenOnly:       r.GetOpenOnly(),
		DueWithinDays:  int(r.GetDueWithinDays()),
		FollowUpDue:    r.GetFollowUpDue(),
		ReceivedAfter:  fromTimestamp(r.GetReceivedAfter()),
		SupervisedOnly: r.GetSupervisedOnly(),
		ReturnedOnly:   r.GetReturnedOnly(),
		HideReturned:   r.GetHideReturned(),
		PageSize:       int(r.GetPageSize()),
		PageToken:      r.GetPageToken(),
	}
	for _, s := range r.GetStatuses() {
		f.Statuses = append(f.Statuses, gridinspect.Status(s))
	}
	for _, c := range r.GetCategories() {
		f.Categories = append(f.Categories, gridinspect.Category(c))
	}
	if r.GetOrderBy() == pb.ReportOrder_REPORT_ORDER_DEADLINE {
		f.Order = gridinspect.OrderDeadline
	}
	return f
}

func fromPatrol(p *pb.Patrol) *gridinspect.Patrol {
	out := &gridinspect.Patrol{
		ID:           p.GetId(),
		Kind:         gridinspect.PatrolKind(p.GetKind()),
		SubjectID:    p.GetSubjectId(),
		GridID:       p.GetGridId(),
		StartedAt:    fromTimestamp(p.GetStartedAt()),
		EndedAt:      fromTimestamp(p.GetEndedAt()),
		Participants: int(p.GetParticipants()),
		TrackSystem:  gridinspect.CoordinateSystem(p.GetTrackCoordinateSystem()),
		Notes:        p.GetNotes(),
		ReportIDs:    append([]string(nil), p.GetReportIds()...),
	}
	for _, pt := range p.GetTrack() {
		out.Track = append(out.Track, gridinspect.TrackPoint{
			Lat: pt.GetLatitude(), Lng: pt.GetLongitude(), RecordedAt: fromTimestamp(pt.GetRecordedAt()),
		})
	}
	return out
}

func toPatrol(p *gridinspect.Patrol) *pb.Patrol {
	out := &pb.Patrol{
		Id:                    p.ID,
		Kind:                  pb.PatrolKind(p.Kind),
		SubjectId:             p.SubjectID,
		GridId:                p.GridID,
		StartedAt:             toTimestamp(p.StartedAt),
		EndedAt:               toTimestamp(p.EndedAt),
		Participants:          int32(p.Participants),
		Notes:                 p.Notes,
		ReportIds:             p.ReportIDs,
		TrackCoordinateSystem: pb.CoordinateSystem(p.TrackSystem),
		ReporterId:            p.ReporterID,
		ReceivedAt:            toTimestamp(p.ReceivedAt),
		ClockSkewFlagged:      p.ClockSkewFlagged,
	}
	for _, pt := range p.Track {
		out.Track = append(out.Track, &pb.TrackPoint{
			Latitude: pt.Lat, Longitude: pt.Lng, RecordedAt: toTimestamp(pt.RecordedAt),
		})
	}
	return out
}

func fromPatrolFilter(r *pb.ListPatrolsRequest) gridinspect.PatrolFilter {
	f := gridinspect.PatrolFilter{
		GridIDs:       r.GetGridIds(),
		SubjectID:     r.GetSubjectId(),
		StartedAfter:  fromTimestamp(r.GetStartedAfter()),
		StartedBefore: fromTimestamp(r.GetStartedBefore()),
		PageSize:      int(r.GetPageSize()),
		PageToken:     r.GetPageToken(),
	}
	for _, k := range r.GetKinds() {
		f.Kinds = append(f.Kinds, gridinspect.PatrolKind(k))
	}
	return f
}
