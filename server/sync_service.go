package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/encoding/gzip"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/gridinspect/gridinspect"
	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

// Pull page bounds.
const (
	DefaultPullPageSize = 200
	MaxPullPageSize     = 1000
	// MaxPullPageBytes keeps one page small enough for a slow mobile link.
	MaxPullPageBytes = 1 << 20
	// downloadChunkBytes is the size of DownloadPhoto's messages.
	downloadChunkBytes = 256 << 10
)

// MinPhotoChunkBytes is the least an UploadPhoto chunk may carry, but for
// the last one (the one that ends at the declared size_bytes). Every chunk
// is a write to disk; a phone sends chunks of up to 1 MiB, and even a weak
// link carries 16 KiB in a few seconds. It is checked here, at the edge,
// with the per-message request limit: both bound the writes one stream
// can cause.
const MinPhotoChunkBytes = 16 << 10

// syncService serves SyncService.
type syncService struct {
	pb.UnimplementedSyncServiceServer
	s *Server
}

// fromMutation converts a pushed mutation into the domain's, keeping its
// wire form for the quarantine. Every kind goes through the same
// conversion as the online RPC it stands for.
func fromMutation(m *pb.Mutation) *gridinspect.Mutation {
	raw, _ := proto.MarshalOptions{Deterministic: true}.Marshal(m)
	out := &gridinspect.Mutation{ID: m.GetMutationId(), DeviceSeq: m.GetDeviceSeq(), Raw: raw}
	if err := checkLists(m); err != nil {
		out.Invalid = err // rejected alone, before any of its entries is read
		return out
	}
	switch k := m.GetKind().(type) {
	case *pb.Mutation_SubmitReport:
		if k.SubmitReport.GetReport() == nil {
			out.Invalid = invalid("submit_report.report", "不能为空", "is required")
			break
		}
		out.Report = fromReport(k.SubmitReport.GetReport())
	case *pb.Mutation_SubmitPatrol:
		if k.SubmitPatrol.GetPatrol() == nil {
			out.Invalid = invalid("submit_patrol.patrol", "不能为空", "is required")
			break
		}
		out.Patrol = fromPatrol(k.SubmitPatrol.GetPatrol())
	case nil:
		out.Invalid = invalid("kind", "须为上报、巡查或案件操作之一", "is required: the write this mutation stands for")
	default:
		req, ok := mutationAction(m)
		if !ok {
			out.Invalid = invalid("kind", "服务器不认识这种操作，请更新手机应用", "is not a write this server knows")
			break
		}
		out.Action = fromActionRequest(req)
	}
	return out
}

// mutationAction returns the RectificationService request a mutation
// carries.
func mutationAction(m *pb.Mutation) (actionRequest, bool) {
	var req actionRequest
	switch k := m.GetKind().(type) {
	case *pb.Mutation_AssignReport:
		req = k.AssignReport
	case *pb.Mutation_RejectReport:
		req = k.RejectReport
	case *pb.Mutation_RecordProgress:
		req = k.RecordProgress
	case *pb.Mutation_IssueNotice:
		req = k.IssueNotice
	case *pb.Mutation_RecordInterview:
		req = k.RecordInterview
	case *pb.Mutation_SubmitRectification:
		req = k.SubmitRectification
	case *pb.Mutation_VerifyRectification:
		req = k.VerifyRectification
	case *pb.Mutation_RecordFollowUp:
		req = k.RecordFollowUp
	case *pb.Mutation_CommentOnReport:
		req = k.CommentOnReport
	case *pb.Mutation_ExtendDeadline:
		req = k.ExtendDeadline
	case *pb.Mutation_ReassignReport:
		req = k.ReassignReport
	case *pb.Mutation_UrgeReport:
		req = k.UrgeReport
	case *pb.Mutation_ReturnReport:
		req = k.ReturnReport
	case *pb.Mutation_SupplementReport:
		req = k.SupplementReport
	}
	return req, req != nil
}

// fieldViolationChinese is the zh-CN description of a field violation
// whose maker wrote none: a phone shows it after the field's own name.
// Every violation made now has its own (Violations.AddZh requires one);
// this is a safety net, for ledger rows kept from before.
const fieldViolationChinese = "填写有误，请按要求修改"

func toFieldViolations(fs []gridinspect.FieldViolation) []*pb.FieldViolation {
	var out []*pb.FieldViolation
	for _, f := range gridinspect.CapViolations(fs) {
		zh := f.Chinese
		if zh == "" {
			zh = fieldViolationChinese
		}
		out = append(out, &pb.FieldViolation{Field: f.Field, Description: f.Description, LocalizedDescription: zh})
	}
	return out
}

func (h *syncService) Push(ctx context.Context, req *pb.PushRequest) (*pb.PushResponse, error) {
	// The batch's cap in bytes holds, like its cap in mutations, before
	// any mutation is converted (proto.Size reads without allocating).
	size := 0
	for _, m := range req.GetMutations() {
		size += proto.Size(m)
	}
	if size > gridinspect.MaxPushBytes {
		var v gridinspect.Violations
		v.AddZh("mutations", "一次同步的数据过多，请分批同步", "are %d bytes; at most %d", size, gridinspect.MaxPushBytes)
		return nil, h.s.status(ctx, v.Err("invalid push"))
	}
	ms := make([]*gridinspect.Mutation, len(req.GetMutations()))
	for i, m := range req.GetMutations() {
		ms[i] = fromMutation(m)
	}
	results, highest, err := h.s.cfg.Sync.Push(ctx, req.GetDeviceId(), ms)
	if err != nil {
		return nil, h.s.status(ctx, err)
	}
	now, caller := h.s.now(), gridinspect.ActorFrom(ctx)
	resp := &pb.PushResponse{HighestDeviceSeq: highest, Results: make([]*pb.MutationResult, len(results))}
	for i, r := range results {
		out := &pb.MutationResult{
			MutationId:      r.MutationID,
			DeviceSeq:       r.DeviceSeq,
			Outcome:         pb.MutationOutcome(r.Outcome),
			Reason:          r.Reason,
			LocalizedReason: r.ReasonChinese,
			FieldViolations: toFieldViolations(r.Fields),
		}
		if r.Report != nil {
			out.Report = toReport(r.Report, now, caller)
		}
		if r.Event != nil {
			out.Event = toEvent(r.Event)
		}
		if r.Patrol != nil {
			out.Patrol = toPatrol(r.Patrol)
		}
		resp.Results[i] = out
	}
	return resp, nil
}

func (h *syncService) toChange(c *gridinspect.Change, now time.Time, caller *gridinspect.Actor) *pb.Change {
	switch {
	case c.Report != nil:
		u := &pb.ReportUpsert{Report: toReport(c.Report, now, caller)}
		for _, e := range c.Events {
			u.Events = append(u.Events, toEvent(e))
		}
		return &pb.Change{Entity: &pb.Change_Report{Report: u}}
	case c.Patrol != nil:
		return &pb.Change{Entity: &pb.Change_Patrol{Patrol: toPatrol(c.Patrol)}}
	case c.Subject != nil:
		return &pb.Change{Entity: &pb.Change_Subject{Subject: toSubject(c.Subject)}}
	case c.Grid != nil:
		return &pb.Change{Entity: &pb.Change_Grid{Grid: toGrid(c.Grid)}}
	case c.Removal != nil:
		return &pb.Change{Entity: &pb.Change_Removal{Removal: &pb.Removal{
			EntityType: pb.EntityType(c.Removal.Type), Id: c.Removal.ID,
		}}}
	}
	return &pb.Change{}
}

func (h *syncService) Pull(ctx context.Context, req *pb.PullRequest) (*pb.PullResponse, error) {
	size := int(req.GetPageSize())
	switch {
	case size <= 0:
		size = DefaultPullPageSize
	case size > MaxPullPageSize:
		size = MaxPullPageSize
	}
	now, caller := h.s.now(), gridinspect.ActorFrom(ctx)
	change := func(c *gridinspect.Change) *pb.Change {
		out := h.toChange(c, now, caller)
		if req.GetOmitEventHashes() {
			for _, e := range out.GetReport().GetEvents() {
				e.Hash, e.PreviousHash = "", ""
			}
		}
		return out
	}
	page, err := h.s.cfg.Sync.Pull(ctx, req.GetCursor(), gridinspect.PullLimits{
		MaxChanges: size,
		MaxBytes:   MaxPullPageBytes,
		Size:       func(c *gridinspect.Change) int { return proto.Size(change(c)) },
	})
	if err != nil {
		return nil, h.s.status(ctx, err)
	}
	// A page is text, ids and timestamps that gzip to about a third: a
	// phone whose client reads gzip gets it compressed, whether or not it
	// compressed its request (a cursor and a token). A client that does
	// not read gzip refuses the compressor here, and gets the page plain.
	_ = grpc.SetSendCompressor(ctx, gzip.Name)
	resp := &pb.PullResponse{NextCursor: page.NextCursor, HasMore: page.HasMore, ResetRequired: page.ResetRequired}
	for _, c := range page.Changes {
		resp.Changes = append(resp.Changes, change(c))
	}
	// The last page carries what the caller's patrol schedules want now,
	// so a phone offline all week knows what to patrol.
	if !page.HasMore && !page.ResetRequired && h.s.cfg.Schedules != nil {
		due, _, err := h.s.cfg.Schedules.ListDuePatrols(ctx, nil, time.Time{})
		if err != nil {
			return nil, h.s.status(ctx, err)
		}
		resp.DuePatrols = toDuePatrols(due)
	}
	return resp, nil
}

func (h *syncService) ListQuarantinedMutations(ctx context.Context, req *pb.ListQuarantinedMutationsRequest) (*pb.ListQuarantinedMutationsResponse, error) {
	qs, next, err := h.s.cfg.Sync.ListQuarantine(ctx, req.GetDeviceId(), int(req.GetPageSize()), req.GetPageToken())
	if err != nil {
		return nil, h.s.status(ctx, err)
	}
	resp := &pb.ListQuarantinedMutationsResponse{NextPageToken: next}
	for _, q := range qs {
		m := &pb.Mutation{}
		if err := proto.Unmarshal(q.Raw, m); err != nil {
			m = &pb.Mutation{MutationId: q.MutationID, DeviceSeq: q.DeviceSeq} // kept as pushed, but unreadable now
		}
		resp.Mutations = append(resp.Mutations, &pb.QuarantinedMutation{
			Mutation: m, DeviceId: q.DeviceID, UserId: q.UserID, Reason: q.Reason,
			LocalizedReason: q.ReasonChinese, FieldViolations: toFieldViolations(q.Fields), ReceivedAt: toTimestamp(q.ReceivedAt),
		})
	}
	return resp, nil
}

func fromPhotoHeader(h *pb.PhotoHeader) *gridinspect.PhotoHeader {
	out := &gridinspect.PhotoHeader{
		ID: h.GetPhotoId(), ReportID: h.GetReportId(), SHA256: h.GetSha256(), Size: h.GetSizeBytes(),
		ContentType: h.GetContentType(), TakenAt: fromTimestamp(h.GetTakenAt()),
	}
	if h.GetLocation() != nil {
		l := fromLocation(h.GetLocation())
		out.Location = &l
	}
	return out
}

func toPhotoHeader(h *gridinspect.PhotoHeader) *pb.PhotoHeader {
	out := &pb.PhotoHeader{
		PhotoId: h.ID, ReportId: h.ReportID, Sha256: h.SHA256, SizeBytes: h.Size,
		ContentType: h.ContentType, TakenAt: toTimestamp(h.TakenAt),
	}
	if h.Location != nil {
		out.Location = toLocation(*h.Location)
	}
	return out
}

// photoError converts a photo error; a refused offset tells the phone, in
// ErrorInfo, how much the server holds so it can resume from there.
func (h *syncService) photoError(ctx context.Context, photoID string, err error) error {
	st, _ := status.FromError(h.s.status(ctx, err))
	if st.Code() != codes.FailedPrecondition {
		return st.Err()
	}
	ps, serr := h.s.cfg.Photos.UploadStatus(ctx, photoID)
	if serr != nil {
		return st.Err()
	}
	withInfo, derr := st.WithDetails(&errdetails.ErrorInfo{
		Reason: "WRONG_OFFSET", Domain: "gridinspect.v1",
		Metadata: map[string]string{"photo_id": photoID, "committed_bytes": itoa64(ps.Committed)},
	})
	if derr != nil {
		return st.Err()
	}
	return withInfo.Err()
}

func (h *syncService) UploadPhoto(stream grpc.ClientStreamingServer[pb.UploadPhotoRequest, pb.UploadPhotoResponse]) error {
	ctx := stream.Context()
	first, err := stream.Recv()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return h.s.status(ctx, invalid("header", "须先说明要上传的照片", "the first message must declare the photo"))
		}
		return err
	}
	if first.GetHeader() == nil {
		return h.s.status(ctx, invalid("header", "须先说明要上传的照片", "the first message must declare the photo"))
	}
	st, err := h.s.cfg.Photos.BeginUpload(ctx, fromPhotoHeader(first.GetHeader()))
	if err != nil {
		return h.s.status(ctx, err)
	}
	id := st.ID
	if st.Complete {
		// The server has the photo already (the same content under another
		// id, or an earlier upload): answer at once, so the phone sends no
		// bytes it need not.
		return stream.SendAndClose(&pb.UploadPhotoResponse{PhotoId: id, CommittedBytes: st.Committed, Complete: true})
	}
	// The stream's chunks are made durable together (AppendChunk), and
	// what is left at its end, however it ends: a chunk on disk is
	// committed though the phone hung up, so its resume starts after it.
	flushed := false
	flush := func() (*gridinspect.PhotoStatus, error) {
		flushed = true
		return h.s.cfg.Photos.FlushUpload(context.WithoutCancel(ctx), id)
	}
	defer func() {
		if !flushed {
			_, _ = flush()
		}
	}()
	for {
		msg, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			if !flushed {
				if st, err = flush(); err != nil {
					return h.photoError(ctx, id, err)
				}
			}
			return stream.SendAndClose(&pb.UploadPhotoResponse{PhotoId: id, CommittedBytes: st.Committed, Complete: st.Complete})
		}
		if err != nil {
			return err // the link broke: what reached the disk is committed (the deferred flush)
		}
		chunk := msg.GetChunk()
		if chunk == nil {
			return h.s.status(ctx, invalid("chunk", "只有第一条可以说明照片", "only the first message may be a header"))
		}
		n := int64(len(chunk.GetData()))
		if n < MinPhotoChunkBytes && chunk.GetOffset()+n != st.Size && !st.Complete {
			return h.s.status(ctx, invalid("chunk.data", "照片数据分块过小，除最后一块外每块至少 "+itoa64(MinPhotoChunkBytes)+" 字节", "is %d bytes; every chunk but the last (the one ending at size_bytes %d) must carry at least %d",
				n, st.Size, MinPhotoChunkBytes))
		}
		st, err = h.s.cfg.Photos.AppendChunk(ctx, id, chunk.GetOffset(), chunk.GetData())
		if err != nil {
			return h.photoError(ctx, id, err)
		}
		// A complete photo has nothing left to make durable, and its
		// status is this one: the stream's end need not read its row
		// again (a read transaction per photo in the burst).
		flushed = st.Complete
	}
}

func (h *syncService) GetUploadStatus(ctx context.Context, req *pb.GetUploadStatusRequest) (*pb.GetUploadStatusResponse, error) {
	st, err := h.s.cfg.Photos.UploadStatus(ctx, req.GetPhotoId())
	if err != nil {
		return nil, h.s.status(ctx, err)
	}
	return &pb.GetUploadStatusResponse{PhotoId: req.GetPhotoId(), CommittedBytes: st.Committed, SizeBytes: st.Size, Complete: st.Complete}, nil
}

func (h *syncService) GetThumbnail(ctx context.Context, req *pb.GetThumbnailRequest) (*pb.GetThumbnailResponse, error) {
	th, err := h.s.cfg.Photos.OpenThumbnail(ctx, req.GetPhotoId())
	if err != nil {
		return nil, h.s.status(ctx, err)
	}
	return &pb.GetThumbnailResponse{Data: th.Data, ContentType: th.ContentType, Etag: th.ETag, Placeholder: th.Placeholder}, nil
}

func (h *syncService) DownloadPhoto(req *pb.DownloadPhotoRequest, stream grpc.ServerStreamingServer[pb.DownloadPhotoResponse]) error {
	ctx := stream.Context()
	hdr, r, err := h.s.cfg.Photos.OpenPhoto(ctx, req.GetPhotoId())
	if err != nil {
		return h.s.status(ctx, err)
	}
	defer r.Close()
	buf := make([]byte, downloadChunkBytes)
	var offset int64
	for first := true; ; first = false {
		n, rerr := io.ReadFull(r, buf)
		if n > 0 || first {
			msg := &pb.DownloadPhotoResponse{Chunk: &pb.PhotoChunk{Offset: offset, Data: buf[:n]}}
			if first {
				msg.Header = toPhotoHeader(hdr)
			}
			if err := stream.Send(msg); err != nil {
				return err
			}
			offset += int64(n)
		}
		if errors.Is(rerr, io.EOF) || errors.Is(rerr, io.ErrUnexpectedEOF) {
			return nil
		}
		if rerr != nil {
			return h.s.status(ctx, fmt.Errorf("read photo %s: %w", req.GetPhotoId(), rerr))
		}
	}
}
