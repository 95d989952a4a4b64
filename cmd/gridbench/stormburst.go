package main

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
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
// photos of the same sizes, as many, with content of their own, from as
// many uploaders as there were phones (each its worker's account, each
// photo one UploadPhoto stream in chunks of --storm-burst-chunk, one
// photo after another), over loopback, and times it from the first byte
// to the last answer.
//
// A photo's content and its SHA-256 are made before the clock starts, as
// a phone has its photo and its hash from when it was taken: the
// uploaders share the server's two cores, and making random bytes and
// hashing them had been 13-14 % of the burst's samples.

// burstPhotos are the burst's photos: one random buffer, photo i its
// first sizes[i] bytes with i and the run's nonce written over the first
// 16, so that no two photos (nor two runs' photos) have the same content
// (the server stores identical content once, and would take none of the
// bytes again).
type burstPhotos struct {
	base  []byte
	nonce uint64
	sizes []int64
	sums  [][sha256.Size]byte
}

// newBurstPhotos makes the photos of sizes and their hashes.
func newBurstPhotos(sizes []int64) *burstPhotos {
	var largest int64
	for _, s := range sizes {
		largest = max(largest, s)
	}
	p := &burstPhotos{base: make([]byte, largest), nonce: uint64(time.Now().UnixNano()), sizes: sizes,
		sums: make([][sha256.Size]byte, len(sizes))}
	var seed [32]byte
	binary.LittleEndian.PutUint64(seed[:], p.nonce)
	_, _ = rand.NewChaCha8(seed).Read(p.base)
	buf := make([]byte, largest)
	for i := range sizes {
		p.sums[i] = sha256.Sum256(p.content(buf, i))
	}
	return p
}

// content writes photo i into buf (as large as the largest) and returns it.
func (p *burstPhotos) content(buf []byte, i int) []byte {
	data := buf[:p.sizes[i]]
	copy(data, p.base)
	var stamp [16]byte
	binary.LittleEndian.PutUint64(stamp[:], uint64(i))
	binary.LittleEndian.PutUint64(stamp[8:], p.nonce)
	copy(data, stamp[:])
	return data
}

// burstUploader is one uploader: its client, and the context (with its
// login) and report its photos are uploaded with.
type burstUploader struct {
	ctx    context.Context
	client pb.SyncServiceClient
	report string
}

// burst uploads photos from uploaders accounts over conns and returns the
// time it took; onStart is called when the logins are over and the clock
// starts.
func burst(ctx context.Context, conns []*grpc.ClientConn, accounts []string, password string, photos *burstPhotos, chunk int, onStart func()) (time.Duration, error) {
	// Log in (two at a time: each login hashes a password with argon2id)
	// and submit a report for the photos to belong to, before the clock
	// starts.
	ups := make([]burstUploader, len(accounts))
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
			ups[i] = burstUploader{authed, pb.NewSyncServiceClient(conn), r.GetId()}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return 0, err
	}
	onStart()
	return uploadAll(ups, photos, chunk)
}

// uploadAll has ups upload photos, each taking the next photo not taken
// yet, and returns the time from the first byte to the last answer.
func uploadAll(ups []burstUploader, photos *burstPhotos, chunk int) (time.Duration, error) {
	next := make(chan int, len(photos.sizes))
	for i := range photos.sizes {
		next <- i
	}
	close(next)
	errs := make([]error, len(ups))
	var wg sync.WaitGroup
	t0 := time.Now()
	for i, u := range ups {
		wg.Go(func() {
			buf := make([]byte, len(photos.base))
			for p := range next {
				if err := uploadOnce(u.ctx, u.client, u.report, photos.content(buf, p), photos.sums[p], chunk); err != nil {
					errs[i] = err
					return
				}
			}
		})
	}
	wg.Wait()
	return time.Since(t0), errors.Join(errs...)
}

// uploadOnce uploads data, whose SHA-256 is sum, as a new photo of report
// in one stream.
func uploadOnce(ctx context.Context, c pb.SyncServiceClient, report string, data []byte, sum [sha256.Size]byte, chunk int) error {
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

// Unmarshal decodes as grpc's proto codec does, from a buffer of the
// pool above: the sinks' requests are decoded as the server's are.
func (c chunkCodec) Unmarshal(data mem.BufferSlice, v any) error {
	m, ok := v.(proto.Message)
	if !ok {
		return c.CodecV2.Unmarshal(data, v)
	}
	buf := data.MaterializeToBuffer(chunkBuffers)
	defer buf.Free()
	return proto.Unmarshal(buf.ReadOnlyData(), m)
}
