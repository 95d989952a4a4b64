package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/encoding"
	grpcproto "google.golang.org/grpc/encoding/proto"
	"google.golang.org/grpc/status"

	"github.com/gridinspect/gridinspect"
	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

// The sinks: what gRPC itself carries on this machine, measured in the
// same run as bare and the burst. The burst's uploaders, photos and
// chunks go to a gRPC server inside gridbench that serves UploadPhoto and
// nothing else, of one of two kinds:
//   - receiving: it reads every chunk and keeps none: gRPC alone;
//   - storing: it writes each photo to a file of its own as its chunks
//     come, hashes it, checks the hash, fsyncs and closes the file, then
//     answers: bare's write+fsync behind gRPC, the least a server that
//     keeps a photo whole and durable does, with no database, no resume
//     and no access check.
// The first says how much of bare's rate gRPC on these shared cores can
// carry at all; the second how far the server's photo path is from the
// least it could do.

// photoSink is the sinks' UploadPhoto; dir is where a storing sink puts
// its files, "" for a receiving one.
type photoSink struct {
	pb.UnimplementedSyncServiceServer
	dir string
}

func (s *photoSink) UploadPhoto(stream grpc.ClientStreamingServer[pb.UploadPhotoRequest, pb.UploadPhotoResponse]) error {
	first, err := stream.Recv()
	if err != nil {
		return err
	}
	h := first.GetHeader()
	if h == nil {
		return status.Error(codes.InvalidArgument, "sink: the first message must be the header")
	}
	var f *os.File
	if s.dir != "" {
		if f, err = os.OpenFile(filepath.Join(s.dir, h.GetPhotoId()), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640); err != nil {
			return err
		}
		defer f.Close()
	}
	sum := sha256.New()
	var n int64
	for {
		msg, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		data := msg.GetChunk().GetData()
		n += int64(len(data))
		if f == nil {
			continue
		}
		sum.Write(data)
		if _, err := f.Write(data); err != nil {
			return err
		}
	}
	if f != nil {
		if hex.EncodeToString(sum.Sum(nil)) != h.GetSha256() {
			return status.Error(codes.InvalidArgument, "sink: the bytes do not match sha256")
		}
		if err := f.Sync(); err != nil {
			return err
		}
	}
	return stream.SendAndClose(&pb.UploadPhotoResponse{PhotoId: h.GetPhotoId(), CommittedBytes: n, Complete: n == h.GetSizeBytes()})
}

// sinkBurst uploads photos as the burst does, from uploaders uploaders,
// to a sink storing into dir ("": receiving only), and returns the time
// it took.
func sinkBurst(ctx context.Context, dir string, uploaders int, photos *burstPhotos, chunk int) (time.Duration, error) {
	if dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return 0, err
		}
	}
	// As the server's: the request buffers at every power of two, and
	// room for the largest chunk.
	srv := grpc.NewServer(grpc.ForceServerCodecV2(chunkCodec{encoding.GetCodecV2(grpcproto.Name)}),
		grpc.MaxRecvMsgSize(2*gridinspect.MaxPhotoChunkBytes))
	pb.RegisterSyncServiceServer(srv, &photoSink{dir: dir})
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	go func() { _ = srv.Serve(lis) }()
	defer srv.Stop()
	conns, closeConns, err := dialPool(lis.Addr().String(), min(uploaders, 64), dialOptions()...)
	if err != nil {
		return 0, err
	}
	defer closeConns()
	ups := make([]burstUploader, uploaders)
	for i := range ups {
		ups[i] = burstUploader{ctx, pb.NewSyncServiceClient(conns[i%len(conns)]), newID()}
	}
	return uploadAll(ups, photos, chunk)
}
