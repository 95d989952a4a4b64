package server

import (
	"context"
	"sort"

	"github.com/gridinspect/gridinspect"
	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

// statsService serves StatsService.
type statsService struct {
	pb.UnimplementedStatsServiceServer
	s *Server
}

func toLoop(l gridinspect.LoopSummary) *pb.LoopSummary {
	return &pb.LoopSummary{
		Reported: l.Reported, Closed: l.Closed, Open: l.Open, OverdueNow: l.OverdueNow, Due: l.Due,
		ClosedOfDue: l.ClosedOfDue, ClosedOnTime: l.ClosedOnTime, ClosureRate: l.ClosureRate,
		OnTimeRate: l.OnTimeRate, OpenOverdue: l.OpenOverdue, MedianDaysToClose: l.MedianDaysToClose,
		Rejected: l.Rejected, Reassigned: l.Reassigned, Urged: l.Urged, Supervised: l.Supervised,
		Returned: l.Returned, Supplemented: l.Supplemented,
	}
}

func toSummary(s *gridinspect.Summary) *pb.Summary {
	sf, pe, ic, ws, dh := s.Safety, s.Polluting, s.Construction, s.WaterSources, s.DangerousHouses
	out := &pb.Summary{
		From: toTimestamp(s.From), To: toTimestamp(s.To), GridIds: s.GridIDs,
		Safety: &pb.SafetySummary{
			HazardsFound: sf.HazardsFound, RectifiedOnSpot: sf.RectifiedOnSpot, GeneralHazards: sf.GeneralHazards,
			MajorHazards: sf.MajorHazards, HazardNotices: sf.HazardNotices, RectificationOrders: sf.RectificationOrders,
			EnforcementDocuments: sf.EnforcementDocuments, EnterpriseInterviews: sf.EnterpriseInterviews,
			Inspections: sf.Inspections, PersonTimes: sf.PersonTimes, HazardsRectified: sf.HazardsRectified,
		},
		PollutingEnterprises: &pb.PollutingEnterpriseSummary{
			Found: pe.Found, MovedInFromOutside: pe.MovedInFromOutside, ShutDown: pe.ShutDown, Relocated: pe.Relocated,
			Upgraded: pe.Upgraded, FollowUps: pe.FollowUps, Relapses: pe.Relapses, Patrols: pe.PatrolsCount,
		},
		IllegalConstruction: &pb.IllegalConstructionSummary{
			Found: ic.Found, OnFarmland: ic.OnFarmland, Demolished: ic.Demolished,
			DemolishedAreaSquareMeters: ic.DemolishedAreaSquareMeters, BillboardsRemoved: ic.BillboardsRemoved,
			ShedsAndStorageCleared: ic.ShedsAndStorageCleared,
		},
		WaterSources: &pb.WaterSourceSummary{Patrols: ws.Patrols, RisksFound: ws.RisksFound, RisksResolved: ws.RisksResolved},
		DangerousHouses: &pb.DangerousHouseSummary{
			Identified: dh.Identified, GradeC: dh.GradeC, GradeD: dh.GradeD, Renovated: dh.Renovated,
			Demolished: dh.Demolished, ResidentsRelocated: dh.ResidentsRelocated, OccupiedDangerousNow: dh.OccupiedDangerousNow,
		},
		Loop:              toLoop(s.Loop),
		Patrols:           s.Patrols,
		PatrolPersonTimes: s.PatrolPersonTimes,

		PatrolsScheduled:      s.PatrolsScheduled,
		PatrolsDoneOnSchedule: s.PatrolsDoneOnSchedule,
		PatrolsMissed:         s.PatrolsMissed,
		PatrolCompletionRate:  s.PatrolCompletionRate,
		PatrolPeriodsMissed:   s.PatrolPeriodsMissed,
	}
	// Maps become lists in a stable order, so the same data gives the same
	// response.
	for _, dept := range sortedKeys(sf.EnforcementByDepartment) {
		out.Safety.EnforcementDocumentsByDepartment = append(out.Safety.EnforcementDocumentsByDepartment,
			&pb.NamedCount{Name: dept, Count: sf.EnforcementByDepartment[dept]})
	}
	for _, a := range sortedKeys(pe.ByActivity) {
		out.PollutingEnterprises.ByActivity = append(out.PollutingEnterprises.ByActivity,
			&pb.ActivityCount{Activity: pb.PollutingActivity(a), Count: pe.ByActivity[a]})
	}
	for _, c := range sortedKeys(s.ByCategory) {
		out.ByCategory = append(out.ByCategory, &pb.CategoryLoop{Category: pb.Category(c), Loop: toLoop(s.ByCategory[c])})
	}
	// By grid in the office's order, as the store counted them (GridIDs)
	// and ListGrids lists them.
	for _, g := range s.GridIDs {
		if l, ok := s.ByGrid[g]; ok {
			out.ByGrid = append(out.ByGrid, &pb.GridLoop{GridId: g, GridName: s.GridNames[g], StreetId: s.GridStreets[g], Loop: toLoop(l)})
		}
	}
	return out
}

func sortedKeys[K interface{ ~int | ~string }, V any](m map[K]V) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	return keys
}

func (h *statsService) GetSummary(ctx context.Context, req *pb.GetSummaryRequest) (*pb.GetSummaryResponse, error) {
	if req.GetFrom() == nil || req.GetTo() == nil {
		return nil, h.s.status(ctx, invalid("from", "统计期须同时有开始日期和结束日期", "the period needs both from and to"))
	}
	ctx = gridinspect.WithStreetIDs(ctx, req.GetStreetIds())
	sum, err := h.s.cfg.Stats.Summary(ctx, req.GetFrom().AsTime(), req.GetTo().AsTime(), req.GetGridIds())
	if err != nil {
		return nil, h.s.status(ctx, err)
	}
	return &pb.GetSummaryResponse{Summary: toSummary(sum)}, nil
}

func (h *statsService) GetDashboard(ctx context.Context, req *pb.GetDashboardRequest) (*pb.GetDashboardResponse, error) {
	d, err := h.s.cfg.Stats.Dashboard(gridinspect.WithStreetIDs(ctx, req.GetStreetIds()), req.GetGridIds())
	if err != nil {
		return nil, h.s.status(ctx, err)
	}
	resp := &pb.GetDashboardResponse{Total: toDashboardCounts(d.Total), At: toTimestamp(d.At), NewSince: toTimestamp(d.NewSince)}
	for _, g := range d.Grids {
		resp.Grids = append(resp.Grids, &pb.GridDashboard{GridId: g.GridID, GridName: g.GridName, StreetId: g.StreetID, Counts: toDashboardCounts(g.Counts)})
	}
	return resp, nil
}

func toDashboardCounts(c gridinspect.DashboardCounts) *pb.DashboardCounts {
	return &pb.DashboardCounts{
		Open: c[gridinspect.CountOpen], Overdue: c[gridinspect.CountOverdue], DueSoon: c[gridinspect.CountDueSoon],
		PendingVerification: c[gridinspect.CountPendingVerification], FollowUpsDue: c[gridinspect.CountFollowUpsDue],
		NewSinceYesterday: c[gridinspect.CountNewSinceYesterday],
	}
}

func (h *statsService) GetAppraisal(ctx context.Context, req *pb.GetAppraisalRequest) (*pb.GetAppraisalResponse, error) {
	if req.GetFrom() == nil || req.GetTo() == nil {
		return nil, h.s.status(ctx, invalid("from", "统计期须同时有开始日期和结束日期", "the period needs both from and to"))
	}
	ctx = gridinspect.WithStreetIDs(ctx, req.GetStreetIds())
	ap, err := h.s.cfg.Stats.Appraisal(ctx, req.GetFrom().AsTime(), req.GetTo().AsTime(), req.GetGridIds())
	if err != nil {
		return nil, h.s.status(ctx, err)
	}
	out := &pb.Appraisal{From: toTimestamp(ap.From), To: toTimestamp(ap.To), GridIds: ap.GridIDs}
	for _, w := range ap.Workers {
		out.Workers = append(out.Workers, &pb.WorkerAppraisal{UserId: w.UserID, DisplayName: w.Name,
			Role: pb.Role(w.Role), GridIds: w.GridIDs, StreetId: w.StreetID, Figures: toAppraisalFigures(w.AppraisalFigures)})
	}
	for _, g := range ap.Grids {
		out.Grids = append(out.Grids, &pb.GridAppraisal{GridId: g.GridID, GridName: g.GridName, StreetId: g.StreetID,
			Figures: toAppraisalFigures(g.AppraisalFigures)})
	}
	return &pb.GetAppraisalResponse{Appraisal: out}, nil
}

func toAppraisalFigures(f gridinspect.AppraisalFigures) *pb.AppraisalFigures {
	return &pb.AppraisalFigures{
		ReportsMade: f.ReportsMade, CasesHandled: f.CasesHandled, Closed: f.Closed, Due: f.Due,
		ClosedOnTime: f.ClosedOnTime, OnTimeRate: f.OnTimeRate, FailedFirstVerification: f.FailedFirstVerification,
		Relapses: f.Relapses, PatrolsDone: f.PatrolsDone, PatrolsScheduled: f.PatrolsScheduled,
		MeanDaysToClose: f.MeanDaysToClose, PatrolsDoneOnSchedule: f.PatrolsDoneOnSchedule,
	}
}
