package server

import (
	"context"
	"slices"

	"github.com/gridinspect/gridinspect"
	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

// namePeople fills in the names of the people on reports and events (the
// reporter, the assignee, each event's actor) from one lookup for them
// all, so a page of reports costs one query for its people, not one a
// row. Only supervisors may list users; these names come with what the
// caller may already read, so a worker sees who is on its cases.
//
// The names are a courtesy beside the ids: when they cannot be read the
// answer goes out without them (and the cause is logged) rather than
// failing a read, or an action that is already committed.
func (s *Server) namePeople(ctx context.Context, reports []*pb.Report, events []*pb.Event) {
	var ids []string
	add := func(id string) {
		if id != "" {
			ids = append(ids, id)
		}
	}
	for _, r := range reports {
		add(r.GetReporterId())
		add(r.GetAssigneeId())
	}
	for _, e := range events {
		add(e.GetActorId())
		add(e.GetAssignment().GetAssigneeId())
		add(e.GetReassignment().GetAssigneeId())
		add(e.GetReassignment().GetPreviousAssigneeId())
		add(e.GetUrging().GetAssigneeId())
	}
	if len(ids) == 0 {
		return
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	var names map[string]string
	if caller := gridinspect.ActorFrom(ctx); len(ids) == 1 && caller != nil && caller.Name != "" && ids[0] == caller.UserID {
		// Only the caller (a new report's reporter, say): named from the
		// session, without a read.
		names = map[string]string{caller.UserID: caller.Name}
	} else {
		var err error
		if names, err = s.cfg.Users.UserNames(ctx, ids); err != nil {
			s.log.WarnContext(ctx, "server: read the names of the people on cases", "err", err)
			return
		}
	}
	for _, r := range reports {
		r.ReporterName = names[r.GetReporterId()]
		r.AssigneeName = names[r.GetAssigneeId()]
	}
	for _, e := range events {
		e.ActorName = names[e.GetActorId()]
		if as := e.GetAssignment(); as != nil {
			as.AssigneeName = names[as.GetAssigneeId()]
		}
		if ra := e.GetReassignment(); ra != nil {
			ra.AssigneeName, ra.PreviousAssigneeName = names[ra.GetAssigneeId()], names[ra.GetPreviousAssigneeId()]
		}
		if u := e.GetUrging(); u != nil {
			u.AssigneeName = names[u.GetAssigneeId()]
		}
	}
}
