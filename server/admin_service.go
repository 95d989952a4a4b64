package server

import (
	"bufio"
	"context"
	"io"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/gridinspect/gridinspect"
	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

// backupChunkBytes is the size of Backup's messages.
const backupChunkBytes = 256 << 10

// backupNameZone is the time zone of the backup's suggested file name:
// China's, where the office reading it is.
var backupNameZone = gridinspect.ChinaZone

// Backuper writes backups; *store.DB is one. The domain declares no
// interface for it: a backup is of the store, not of the domain.
type Backuper interface {
	// WriteBackup writes a gzip-compressed tar archive of everything the
	// server holds to w, writing nothing before the caller is known to be
	// allowed. Admins only. Errors: EUNAUTHENTICATED, EFORBIDDEN.
	WriteBackup(ctx context.Context, w io.Writer) error
}

// adminService serves AdminService.
type adminService struct {
	pb.UnimplementedAdminServiceServer
	s *Server
}

// Backup streams the archive Backups writes, in messages of
// backupChunkBytes. Nothing is sent before the store has accepted the
// caller, so a refusal is the call's only answer.
func (h *adminService) Backup(_ *pb.BackupRequest, stream grpc.ServerStreamingServer[pb.BackupResponse]) error {
	ctx := stream.Context()
	if h.s.cfg.Backups == nil {
		return status.Error(codes.Unimplemented, "this server is not configured to make backups")
	}
	out := &backupStream{stream: stream, filename: backupFilename(h.s.now())}
	w := bufio.NewWriterSize(out, backupChunkBytes)
	if err := h.s.cfg.Backups.WriteBackup(ctx, w); err != nil {
		return h.s.status(ctx, err)
	}
	if err := w.Flush(); err != nil {
		return h.s.status(ctx, err)
	}
	h.s.log.InfoContext(ctx, "backup sent", "bytes", out.written, "filename", out.filename)
	return nil
}

// Echo sends the payload back. It does no work of its own, so what it
// costs is what the authentication, the interceptors and the transport
// cost: the baseline cmd/gridbench measures the real calls against.
func (h *adminService) Echo(_ context.Context, req *pb.EchoRequest) (*pb.EchoResponse, error) {
	return &pb.EchoResponse{Payload: req.GetPayload()}, nil
}

// GetNoticeSettings returns every notice kind's number prefix (admins
// only).
func (h *adminService) GetNoticeSettings(ctx context.Context, _ *pb.GetNoticeSettingsRequest) (*pb.GetNoticeSettingsResponse, error) {
	if h.s.cfg.Settings == nil {
		return nil, status.Error(codes.Unimplemented, "this server keeps no settings")
	}
	ps, err := h.s.cfg.Settings.NoticePrefixes(ctx)
	if err != nil {
		return nil, h.s.status(ctx, err)
	}
	out := &pb.GetNoticeSettingsResponse{}
	for _, p := range ps {
		out.Prefixes = append(out.Prefixes, &pb.NoticePrefix{Kind: pb.NoticeKind(p.Kind), Prefix: p.Prefix})
	}
	return out, nil
}

// SetNoticePrefix sets one notice kind's number prefix (admins only).
func (h *adminService) SetNoticePrefix(ctx context.Context, req *pb.SetNoticePrefixRequest) (*pb.SetNoticePrefixResponse, error) {
	if h.s.cfg.Settings == nil {
		return nil, status.Error(codes.Unimplemented, "this server keeps no settings")
	}
	p, err := h.s.cfg.Settings.SetNoticePrefix(ctx, gridinspect.NoticePrefix{
		Kind: gridinspect.NoticeKind(req.GetKind()), Prefix: req.GetPrefix()})
	if err != nil {
		return nil, h.s.status(ctx, err)
	}
	return &pb.SetNoticePrefixResponse{Prefix: &pb.NoticePrefix{Kind: pb.NoticeKind(p.Kind), Prefix: p.Prefix}}, nil
}

// backupFilename is the suggested name of a backup taken at t.
func backupFilename(t time.Time) string {
	return "gridinspect-backup-" + t.In(backupNameZone).Format("20060102-150405") + ".tar.gz"
}

// backupStream sends what is written to it as BackupResponse messages,
// the first naming the file.
type backupStream struct {
	stream   grpc.ServerStreamingServer[pb.BackupResponse]
	filename string
	written  int64
}

func (s *backupStream) Write(p []byte) (int, error) {
	msg := &pb.BackupResponse{Data: p, BytesWritten: s.written + int64(len(p))}
	if s.written == 0 {
		msg.Filename = s.filename
	}
	if err := s.stream.Send(msg); err != nil {
		return 0, err
	}
	s.written += int64(len(p))
	return len(p), nil
}
