package server

import (
	"context"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/gridinspect/gridinspect"
	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

// routingService serves RoutingService: the routing table (事件分拨).
type routingService struct {
	pb.UnimplementedRoutingServiceServer
	s *Server
}

func (h *routingService) routing() (gridinspect.RoutingService, error) {
	if h.s.cfg.Routing == nil {
		return nil, status.Error(codes.Unimplemented, "this server keeps no routing rules")
	}
	return h.s.cfg.Routing, nil
}

// SetRoutingRule stores a rule (admins only).
func (h *routingService) SetRoutingRule(ctx context.Context, req *pb.SetRoutingRuleRequest) (*pb.SetRoutingRuleResponse, error) {
	rs, err := h.routing()
	if err != nil {
		return nil, err
	}
	in, err := routingRuleFromProto(req.GetRule())
	if err != nil {
		return nil, h.s.status(ctx, err)
	}
	rr, err := rs.SetRoutingRule(ctx, in)
	if err != nil {
		return nil, h.s.status(ctx, err)
	}
	out := routingRuleToProto(rr)
	h.nameAssignees(ctx, out)
	return &pb.SetRoutingRuleResponse{Rule: out}, nil
}

// ListRoutingRules returns the table (admins only).
func (h *routingService) ListRoutingRules(ctx context.Context, _ *pb.ListRoutingRulesRequest) (*pb.ListRoutingRulesResponse, error) {
	rs, err := h.routing()
	if err != nil {
		return nil, err
	}
	rules, err := rs.ListRoutingRules(ctx)
	if err != nil {
		return nil, h.s.status(ctx, err)
	}
	out := &pb.ListRoutingRulesResponse{}
	for _, rr := range rules {
		out.Rules = append(out.Rules, routingRuleToProto(rr))
	}
	h.nameAssignees(ctx, out.Rules...)
	return out, nil
}

// DeleteRoutingRule removes a rule (admins only).
func (h *routingService) DeleteRoutingRule(ctx context.Context, req *pb.DeleteRoutingRuleRequest) (*pb.DeleteRoutingRuleResponse, error) {
	rs, err := h.routing()
	if err != nil {
		return nil, err
	}
	if err := rs.DeleteRoutingRule(ctx, req.GetRuleId()); err != nil {
		return nil, h.s.status(ctx, err)
	}
	return &pb.DeleteRoutingRuleResponse{}, nil
}

// SuggestDispatch says what the table says for a case (supervisors).
func (h *routingService) SuggestDispatch(ctx context.Context, req *pb.SuggestDispatchRequest) (*pb.SuggestDispatchResponse, error) {
	rs, err := h.routing()
	if err != nil {
		return nil, err
	}
	sug, err := rs.SuggestDispatch(ctx, req.GetReportId())
	if err != nil {
		return nil, h.s.status(ctx, err)
	}
	out := &pb.SuggestDispatchResponse{
		NotApplicableReason:          sug.NotApplicable,
		LocalizedNotApplicableReason: sug.NotApplicableChinese,
	}
	if sug.Rule != nil {
		out.Rule = routingRuleToProto(sug.Rule)
		h.nameAssignees(ctx, out.Rule)
	}
	if as := sug.Assignment; as != nil {
		out.Assignment = toAssignment(as)
		out.Assignment.AssigneeName = out.GetRule().GetAssigneeName()
	}
	return out, nil
}

// nameAssignees fills in the names of the rules' assignees; like
// namePeople, a courtesy that never fails the call.
func (h *routingService) nameAssignees(ctx context.Context, rules ...*pb.RoutingRule) {
	var ids []string
	for _, rr := range rules {
		if rr.GetAssigneeId() != "" {
			ids = append(ids, rr.GetAssigneeId())
		}
	}
	if len(ids) == 0 || h.s.cfg.Users == nil {
		return
	}
	names, err := h.s.cfg.Users.UserNames(ctx, ids)
	if err != nil {
		h.s.log.WarnContext(ctx, "server: read the names of the routing rules' assignees", "err", err)
		return
	}
	for _, rr := range rules {
		rr.AssigneeName = names[rr.GetAssigneeId()]
	}
}

// routingRuleFromProto converts a rule from the wire. The kind's field
// says its category: set alone, it implies it; set with another category,
// it is refused.
func routingRuleFromProto(p *pb.RoutingRule) (*gridinspect.RoutingRule, error) {
	if p == nil {
		return nil, invalid("rule", "不能为空", "is required")
	}
	rr := &gridinspect.RoutingRule{
		ID: p.GetId(), Name: p.GetName(), Category: gridinspect.Category(p.GetCategory()), GridID: p.GetGridId(),
		AssigneeID: p.GetAssigneeId(), ResponsibleUnit: p.GetResponsibleUnit(),
		DeadlineDays: int(p.GetDeadlineDays()), Automatic: p.GetAutomatic(),
	}
	var of gridinspect.Category
	switch k := p.GetKind().(type) {
	case *pb.RoutingRule_HazardKind:
		of, rr.Kind = gridinspect.CategorySafetyHazard, int(k.HazardKind)
	case *pb.RoutingRule_Activity:
		of, rr.Kind = gridinspect.CategoryPollutingEnterprise, int(k.Activity)
	case *pb.RoutingRule_ConstructionKind:
		of, rr.Kind = gridinspect.CategoryIllegalConstruction, int(k.ConstructionKind)
	case *pb.RoutingRule_RiskKind:
		of, rr.Kind = gridinspect.CategoryWaterSourceRisk, int(k.RiskKind)
	case *pb.RoutingRule_AppraisalGrade:
		of, rr.Kind = gridinspect.CategoryDangerousHouse, int(k.AppraisalGrade)
	}
	switch {
	case of == 0:
	case rr.Category == gridinspect.CategoryUnspecified:
		rr.Category = of
	case rr.Category != of:
		f := "rule." + gridinspect.KindField(of)
		return nil, invalid(f, "不是「"+rr.Category.Chinese()+"」的细类", "is a kind of %s, not of %s", of, rr.Category)
	}
	return rr, nil
}

// routingRuleToProto converts a rule to the wire.
func routingRuleToProto(rr *gridinspect.RoutingRule) *pb.RoutingRule {
	p := &pb.RoutingRule{
		Id: rr.ID, Name: rr.Name, Category: pb.Category(rr.Category), GridId: rr.GridID,
		AssigneeId: rr.AssigneeID, ResponsibleUnit: rr.ResponsibleUnit, DeadlineDays: int32(rr.DeadlineDays),
		Automatic: rr.Automatic, Rank: int32(rr.Rank()), UpdateTime: toTimestamp(rr.UpdatedAt), UpdatedBy: rr.UpdatedBy,
	}
	if rr.Kind != 0 {
		k := int32(rr.Kind)
		switch rr.Category {
		case gridinspect.CategorySafetyHazard:
			p.Kind = &pb.RoutingRule_HazardKind{HazardKind: pb.HazardKind(k)}
		case gridinspect.CategoryPollutingEnterprise:
			p.Kind = &pb.RoutingRule_Activity{Activity: pb.PollutingActivity(k)}
		case gridinspect.CategoryIllegalConstruction:
			p.Kind = &pb.RoutingRule_ConstructionKind{ConstructionKind: pb.ConstructionKind(k)}
		case gridinspect.CategoryWaterSourceRisk:
			p.Kind = &pb.RoutingRule_RiskKind{RiskKind: pb.WaterRiskKind(k)}
		case gridinspect.CategoryDangerousHouse:
			p.Kind = &pb.RoutingRule_AppraisalGrade{AppraisalGrade: pb.HouseGrade(k)}
		}
	}
	return p
}
