package server

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	"github.com/gridinspect/gridinspect"
	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

// maxUpdateFields is how many names UpdateUserRequest.update_fields may
// hold: display_name, role, grid_ids, all_grids and password.
const maxUpdateFields = 5

// listBounds is how many entries each repeated field of a request may
// hold, counted over the whole request (so the boundary's points are
// bounded in all, not per ring). A request past a bound is refused with
// INVALID_ARGUMENT naming the field, before anything reads its entries:
// a few kilobytes of compressed request must not make the server build
// millions of anything. Every repeated field that a request can reach
// must be here (TestEveryRequestListIsBounded); one that is not accepts
// no entries.
var listBounds = map[protoreflect.FullName]int{
	// Filters: each value at most once, and a short list of grids.
	"gridinspect.v1.ListReportsRequest.statuses":         enumValues(pb.ReportStatus(0)),
	"gridinspect.v1.ListReportsRequest.categories":       enumValues(pb.Category(0)),
	"gridinspect.v1.ListReportsRequest.grid_ids":         gridinspect.MaxFilterGridIDs,
	"gridinspect.v1.ListPatrolsRequest.kinds":            enumValues(pb.PatrolKind(0)),
	"gridinspect.v1.ListPatrolsRequest.grid_ids":         gridinspect.MaxFilterGridIDs,
	"gridinspect.v1.ListSubjectsRequest.kinds":           enumValues(pb.SubjectKind(0)),
	"gridinspect.v1.ListSubjectsRequest.grid_ids":        gridinspect.MaxFilterGridIDs,
	"gridinspect.v1.GetSummaryRequest.grid_ids":          gridinspect.MaxFilterGridIDs,
	"gridinspect.v1.GetDashboardRequest.grid_ids":        gridinspect.MaxFilterGridIDs,
	"gridinspect.v1.ListPatrolSchedulesRequest.grid_ids": gridinspect.MaxFilterGridIDs,
	"gridinspect.v1.ListDuePatrolsRequest.grid_ids":      gridinspect.MaxFilterGridIDs,
	"gridinspect.v1.GetAppraisalRequest.grid_ids":        gridinspect.MaxFilterGridIDs,
	"gridinspect.v1.UpdateUserRequest.update_fields":     maxUpdateFields,
	// A district account's streets, each at most once.
	"gridinspect.v1.GetSummaryRequest.street_ids":    gridinspect.MaxDistrictStreets,
	"gridinspect.v1.GetAppraisalRequest.street_ids":  gridinspect.MaxDistrictStreets,
	"gridinspect.v1.GetDashboardRequest.street_ids":  gridinspect.MaxDistrictStreets,
	"gridinspect.v1.ExportReportsRequest.street_ids": gridinspect.MaxDistrictStreets,

	// Data: the domain's own limits.
	"gridinspect.v1.PushRequest.mutations":    gridinspect.MaxPushMutations,
	"gridinspect.v1.Report.photo_ids":         gridinspect.MaxPhotosPerItem,
	"gridinspect.v1.Report.missing_photo_ids": gridinspect.MaxPhotosPerItem,   // server-set; ignored on input
	"gridinspect.v1.Report.allowed_actions":   enumValues(pb.ReportAction(0)), // server-set; ignored on input
	"gridinspect.v1.Patrol.track":             gridinspect.MaxTrackPoints,
	"gridinspect.v1.Patrol.report_ids":        gridinspect.MaxPatrolReports,
	"gridinspect.v1.User.grid_ids":            gridinspect.MaxUserGrids,
	// A ring needs three points, so a boundary of MaxBoundaryPoints has
	// at most a third as many rings and polygons.
	"gridinspect.v1.Grid.boundary":     gridinspect.MaxBoundaryPoints / 3,
	"gridinspect.v1.Polygon.rings":     gridinspect.MaxBoundaryPoints / 3,
	"gridinspect.v1.LinearRing.points": gridinspect.MaxBoundaryPoints,

	"gridinspect.v1.AssignReportRequest.photo_ids":        gridinspect.MaxPhotosPerItem,
	"gridinspect.v1.RejectReportRequest.photo_ids":        gridinspect.MaxPhotosPerItem,
	"gridinspect.v1.RecordProgressRequest.photo_ids":      gridinspect.MaxPhotosPerItem,
	"gridinspect.v1.IssueNoticeRequest.photo_ids":         gridinspect.MaxPhotosPerItem,
	"gridinspect.v1.RecordInterviewRequest.photo_ids":     gridinspect.MaxPhotosPerItem,
	"gridinspect.v1.SubmitRectificationRequest.photo_ids": gridinspect.MaxPhotosPerItem,
	"gridinspect.v1.VerifyRectificationRequest.photo_ids": gridinspect.MaxPhotosPerItem,
	"gridinspect.v1.RecordFollowUpRequest.photo_ids":      gridinspect.MaxPhotosPerItem,
	"gridinspect.v1.CommentOnReportRequest.photo_ids":     gridinspect.MaxPhotosPerItem,
	"gridinspect.v1.ExtendDeadlineRequest.photo_ids":      gridinspect.MaxPhotosPerItem,
	"gridinspect.v1.ReassignReportRequest.photo_ids":      gridinspect.MaxPhotosPerItem,
	"gridinspect.v1.UrgeReportRequest.photo_ids":          gridinspect.MaxPhotosPerItem,
	"gridinspect.v1.ReturnReportRequest.photo_ids":        gridinspect.MaxPhotosPerItem,
	"gridinspect.v1.ReturnReportRequest.wants":            enumValues(pb.ReturnWant(0)),
	"gridinspect.v1.ReturnRequest.wants":                  enumValues(pb.ReturnWant(0)), // server-set; ignored on input
	"gridinspect.v1.SupplementReportRequest.photo_ids":    gridinspect.MaxPhotosPerItem,

	// A year's calendar: every day of it at most.
	"gridinspect.v1.SetCalendarExceptionsRequest.exceptions":   gridinspect.MaxCalendarExceptionsPerYear,
	"gridinspect.v1.SetCalendarExceptionsRequest.remove_dates": gridinspect.MaxCalendarExceptionsPerYear,
}

// checkedApart are lists whose entries checkLists does not enter: each
// entry is checked on its own, so that a pushed mutation past a bound is
// rejected alone (and kept in quarantine) without holding up the rest of
// its batch.
var checkedApart = map[protoreflect.FullName]bool{
	"gridinspect.v1.PushRequest.mutations": true,
}

// batchBounds bound lists inside the entries of a checkedApart list in
// all, over the whole request, besides each entry's own bound: every
// pushed patrol may hold MaxTrackPoints points, but a thousand of them
// would make a push of a few megabytes decode to gigabytes. An entry
// past its own bound counts as bound+1, however long (it is rejected
// alone, and the server's codec decodes no more of it). A request past
// one is refused whole, naming the checkedApart list.
var batchBounds = map[protoreflect.FullName]int{
	"gridinspect.v1.Patrol.track": gridinspect.MaxPushTrackPoints,
}

// enumValues is how many values enum e has, UNSPECIFIED included: a
// filter names each at most once.
func enumValues(e protoreflect.Enum) int { return e.Descriptor().Values().Len() }

// checkLists refuses m if a repeated field in it holds more entries than
// listBounds allows. It reads only lengths, so it costs next to nothing
// whatever m holds; the field paths it names are relative to m.
func checkLists(m proto.Message) error {
	var c listCheck
	c.message(m.ProtoReflect(), "")
	return c.v.Err("invalid request")
}

type listCheck struct {
	counted map[protoreflect.FullName]int // entries of each field so far
	batched map[protoreflect.FullName]int // entries of each field of batchBounds so far
	entry   []entryCount                  // of the checkedApart entry being counted
	v       gridinspect.Violations
}

type entryCount struct {
	fd protoreflect.FieldDescriptor
	n  int
}

func (c *listCheck) message(m protoreflect.Message, path string) {
	m.Range(func(fd protoreflect.FieldDescriptor, val protoreflect.Value) bool {
		p := string(fd.Name())
		if path != "" {
			p = path + "." + p
		}
		switch {
		case fd.IsList():
			l := val.List()
			if !c.count(fd, l.Len(), p) || fd.Message() == nil {
				break
			}
			if checkedApart[fd.FullName()] {
				if holdsBatchLists(fd.Message()) {
					for i := range l.Len() {
						c.batchEntry(l.Get(i).Message(), p)
					}
				}
				break
			}
			if !holdsLists(fd.Message()) {
				break
			}
			for i := range l.Len() {
				c.message(l.Get(i).Message(), p+"["+strconv.Itoa(i)+"]")
			}
		case fd.IsMap():
			c.count(fd, val.Map().Len(), p) // there are none; were one added, it is bounded like a list
		case fd.Message() != nil && holdsLists(fd.Message()):
			c.message(val.Message(), p)
		}
		return true
	})
}

// count adds n entries of fd, found at path, and reports whether the
// request is still within fd's bound. Each field is refused once. The
// server's codec decodes no more than bound+1 entries of a list (see
// codec.go), so the message says "more than" the bound, not how many.
func (c *listCheck) count(fd protoreflect.FieldDescriptor, n int, path string) bool {
	bound := listBounds[fd.FullName()]
	before := c.counted[fd.FullName()]
	if c.counted == nil {
		c.counted = make(map[protoreflect.FullName]int)
	}
	c.counted[fd.FullName()] = before + n
	switch {
	case before+n <= bound:
		return true
	case before > bound:
		// refused already
	case before == 0:
		c.v.AddZh(path, "最多 "+itoa64(int64(bound))+" 项", "has more than %d entries; at most %d", bound, bound)
	default:
		c.v.AddZh(path, "合计最多 "+itoa64(int64(bound))+" 项", "brings the %s to more than %d entries; at most %d in all", fd.Name(), bound, bound)
	}
	return false
}

// batchEntry counts the lists of batchBounds in m, an entry of the
// checkedApart list at path; a total past its bound is blamed on that
// list.
func (c *listCheck) batchEntry(m protoreflect.Message, path string) {
	c.entry = c.entry[:0]
	c.batch(m)
	for _, e := range c.entry {
		name := e.fd.FullName()
		bound := batchBounds[name]
		before := c.batched[name]
		if c.batched == nil {
			c.batched = make(map[protoreflect.FullName]int)
		}
		c.batched[name] = before + min(e.n, listBounds[name]+1)
		if before <= bound && c.batched[name] > bound {
			c.v.AddZh(path, "同一批合计最多 "+itoa64(int64(bound))+" 项", "hold more than %d entries of %s.%s in all; at most %d", bound, e.fd.ContainingMessage().Name(), e.fd.Name(), bound)
		}
	}
}

func (c *listCheck) batch(m protoreflect.Message) {
	m.Range(func(fd protoreflect.FieldDescriptor, val protoreflect.Value) bool {
		switch {
		case fd.IsList() && batchBounds[fd.FullName()] > 0:
			i := slices.IndexFunc(c.entry, func(e entryCount) bool { return e.fd == fd })
			if i < 0 {
				i = len(c.entry)
				c.entry = append(c.entry, entryCount{fd: fd})
			}
			c.entry[i].n += val.List().Len()
		case fd.IsList() && fd.Message() != nil && holdsBatchLists(fd.Message()):
			for i := range val.List().Len() {
				c.batch(val.List().Get(i).Message())
			}
		case !fd.IsList() && !fd.IsMap() && fd.Message() != nil && holdsBatchLists(fd.Message()):
			c.batch(val.Message())
		}
		return true
	})
}

// listHolders says, for every message a request of the API can reach,
// whether a repeated field lies in it or below it; checkLists enters no
// other message.
var listHolders = markHolders(func(fd protoreflect.FieldDescriptor) bool { return fd.IsList() || fd.IsMap() })

// batchHolders is listHolders for the lists of batchBounds.
var batchHolders = markHolders(func(fd protoreflect.FieldDescriptor) bool { return batchBounds[fd.FullName()] > 0 })

func holdsLists(md protoreflect.MessageDescriptor) bool {
	holds, known := listHolders[md.FullName()]
	return holds || !known // a message not seen at start is entered, to be safe
}

func holdsBatchLists(md protoreflect.MessageDescriptor) bool {
	holds, known := batchHolders[md.FullName()]
	return holds || !known
}

// markHolders says, for every message a request can reach, whether a
// field for which is returns true lies in it or below it.
func markHolders(is func(protoreflect.FieldDescriptor) bool) map[protoreflect.FullName]bool {
	holders := make(map[protoreflect.FullName]bool)
	for _, md := range requestMessages() {
		markHolder(md, is, holders, make(map[protoreflect.FullName]bool))
	}
	return holders
}

func markHolder(md protoreflect.MessageDescriptor, is func(protoreflect.FieldDescriptor) bool, holders, visiting map[protoreflect.FullName]bool) bool {
	if holds, ok := holders[md.FullName()]; ok {
		return holds
	}
	if visiting[md.FullName()] {
		return true // a cycle: enter it, to be safe
	}
	visiting[md.FullName()] = true
	holds := false
	for i := range md.Fields().Len() {
		fd := md.Fields().Get(i)
		if is(fd) || (fd.Message() != nil && markHolder(fd.Message(), is, holders, visiting)) {
			holds = true
		}
	}
	holders[md.FullName()] = holds
	return holds
}

// apiPrefix begins the full method name of every RPC of the API.
const apiPrefix = "/gridinspect.v1."

// requestMessages returns the request message of every RPC of the API.
func requestMessages() []protoreflect.MessageDescriptor {
	var out []protoreflect.MessageDescriptor
	protoregistry.GlobalFiles.RangeFilesByPackage("gridinspect.v1", func(f protoreflect.FileDescriptor) bool {
		for i := range f.Services().Len() {
			methods := f.Services().Get(i).Methods()
			for j := range methods.Len() {
				out = append(out, methods.Get(j).Input())
			}
		}
		return true
	})
	return out
}

// boundUnary refuses a request of the API with a list past its bound,
// before the handler converts or validates any entry of it.
func (s *Server) boundUnary(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	if m, ok := req.(proto.Message); ok && strings.HasPrefix(info.FullMethod, apiPrefix) {
		if err := checkLists(m); err != nil {
			return nil, s.status(ctx, err)
		}
	}
	return handler(ctx, req)
}

// boundStream is boundUnary for every message a client streams.
func (s *Server) boundStream(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	if !strings.HasPrefix(info.FullMethod, apiPrefix) {
		return handler(srv, ss)
	}
	return handler(srv, &boundedStream{ServerStream: ss, s: s})
}

type boundedStream struct {
	grpc.ServerStream
	s *Server
}

func (b *boundedStream) RecvMsg(m any) error {
	if err := b.ServerStream.RecvMsg(m); err != nil {
		return err
	}
	if pm, ok := m.(proto.Message); ok {
		if err := checkLists(pm); err != nil {
			return b.s.status(b.Context(), err)
		}
	}
	return nil
}
