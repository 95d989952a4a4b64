package main

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/encoding"
	grpcproto "google.golang.org/grpc/encoding/proto"
	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

// The burst: the server storing photos with no link in the way. On a
// phone's link the storm's photo rate is the links' (fifty phones at
// 768 kbit/s up send at most 4.8 MB/s), so the storm alone cannot say
// how the server's photo path compares with the disk. The burst uploads
// photos of the same sizes, as many, with fresh content, from as many
// uploaders as there were phones (each its worker's account, each photo
// one UploadPhoto stream in chunks of --storm-burst-chunk, one photo after
// another), over loopback, and times it from the first byte to the last
// answer.

// burst uploads photos of sizes from uploaders accounts over conns and
// returns the time it took; onStart is called when the logins are over
// and the clock starts.
func burst(ctx context.Context, conns []*grpc.ClientConn, accounts []string, password string, sizes []int64, chunk int, onStart func()) (time.Duration, error) {
	type uploader struct {
		ctx    context.Context
		conn   *grpc.ClientConn
		report string
	}
	// Log in (two at a time: each login hashes a password with argon2id)
	// and submit a report for the photos to belong to, before the clock
	// starts.
	ups := make([]uploader, len(accounts))
	slots := make(chan struct{}, 2)
	var wg sync.WaitGroup
	errs := make([]error, len(accounts))
	for i, name := range accounts {
		wg.Go(func() {
			slots <- struct{}{}
			defer func() { <-slots }()
			conn := conns[i%len(conns)]
			authed, err := login(ctx, conn, name, password, "gridbench-burst-"+newID())
			if err != nil {
				errs[i] = err
				return
			}
			where, _, err := gridArea(authed, conn)
			if err != nil {
				errs[i] = err
				return
			}
			r := newHazard(where, time.Hour)
			if _, err := pb.NewReportServiceClient(conn).SubmitReport(authed, &pb.SubmitReportRequest{Report: r}); err != nil {
				errs[i] = fmt.Errorf("burst: submit a report as %s: %w", name, err)
				return
			}
			ups[i] = uploader{authed, conn, r.GetId()}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return 0, err
		}
	}
	var largest int64
	for _, s := range sizes {
		largest = max(largest, s)
	}
	next := make(chan int64, len(sizes))
	for _, s := range sizes {
		next <- s
	}
	close(next)
	onStart()
	t0 := time.Now()
	for i, u := range ups {
		wg.Go(func() {
			// Fresh content for every photo: the server stores identical
			// content once, and would take none of these bytes again.
			var seed [32]byte
			seed[0], seed[1] = byte(i), byte(i>>8)
			binary.LittleEndian.PutUint64(seed[8:], uint64(t0.UnixNano()))
			content := rand.NewChaCha8(seed)
			buf := make([]byte, largest)
			photos := pb.NewSyncServiceClient(u.conn)
			for size := range next {
				data := buf[:size]
				_, _ = content.Read(data)
				if err := uploadOnce(u.ctx, photos, u.report, data, chunk); err != nil {
					errs[i] = err
					return
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(t0)
	for _, err := range errs {
		if err != nil {
			return elapsed, err
		}
	}
	return elapsed, nil
}

// uploadOnce uploads data as a new photo of report in one stream.
func uploadOnce(ctx context.Context, c pb.SyncServiceClient, report string, data []byte, chunk int) error {
	sum := sha256.Sum256(data)
	id := newID()
	stream, err := c.UploadPhoto(ctx, grpc.ForceCodecV2(chunkCodec{encoding.GetCodecV2(grpcproto.Name)}))
	if err != nil {
		return fmt.Errorf("burst: upload %s: %w", id, err)
	}
	hdr := &pb.PhotoHeader{PhotoId: id, Sha256: hex.EncodeToString(sum[:]), SizeBytes: int64(len(data)),
		ContentType: "image/jpeg", ReportId: report, TakenAt: timestamppb.New(time.Now().Add(-time.Hour))}
	if err := stream.Send(&pb.UploadPhotoRequest{Part: &pb.UploadPhotoRequest_Header{Header: hdr}}); err != nil {
		_, err = stream.CloseAndRecv()
		return fmt.Errorf("burst: upload %s: header: %w", id, err)
	}
	for off := 0; off < len(data); off += chunk {
		end := min(off+chunk, len(data))
		msg := &pb.UploadPhotoRequest{Part: &pb.UploadPhotoRequest_Chunk{Chunk: &pb.PhotoChunk{Offset: int64(off), Data: data[off:end]}}}
		if err := stream.Send(msg); err != nil {
			_, err = stream.CloseAndRecv()
			return fmt.Errorf("burst: upload %s: chunk at %d: %w", id, off, err)
		}
	}
	resp, err := stream.CloseAndRecv()
	if err != nil {
		return fmt.Errorf("burst: upload %s: %w", id, err)
	}
	if !resp.GetComplete() {
		return fmt.Errorf("burst: upload %s: %d of %d bytes committed, not complete", id, resp.GetCommittedBytes(), len(data))
	}
	return nil
}

// chunkCodec is grpc's proto codec but for the buffers it marshals into.
// grpc's default pool has no size between 32 KiB and 1 MiB and zeroes a
// buffer's whole capacity on every Get, so each 32 KiB chunk (a few bytes
// more on the wire) cleared a MiB: the uploaders spent a core doing it,
// on the two cores the server under test shares with them. A phone's
// client does not; with a size at every power of two, neither does this.
type chunkCodec struct {
	encoding.CodecV2
}

var chunkBuffers = func() mem.BufferPool {
	p, err := mem.NewBinaryTieredBufferPool(8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21)
	if err != nil {
		panic(err)
	}
	return p
}()

func (c chunkCodec) Marshal(v any) (mem.BufferSlice, error) {
	m, ok := v.(proto.Message)
	if !ok {
		return c.CodecV2.Marshal(v)
	}
	size := proto.Size(m)
	buf := chunkBuffers.Get(size)
	if _, err := (proto.MarshalOptions{UseCachedSize: true}).MarshalAppend((*buf)[:0], m); err != nil {
		chunkBuffers.Put(buf)
		return nil, err
	}
	return mem.BufferSlice{mem.NewBuffer(buf, chunkBuffers)}, nil
}
