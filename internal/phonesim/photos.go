package phonesim

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

// Photos.
const (
	// DefaultPhotoMinBytes and DefaultPhotoMaxBytes bound a photo's size
	// unless Config says otherwise.
	DefaultPhotoMinBytes = 20 << 10
	DefaultPhotoMaxBytes = 200 << 10
	// DefaultChunkBytes is the size of the chunks a phone uploads
	// without a link to fit them to.
	DefaultChunkBytes = 64 << 10
	// MaxPhotosPerReport is the server's bound on a report's photo_ids.
	MaxPhotosPerReport = 30
	// maxUploadCutDelay bounds how long after the chosen chunk went out a
	// cut upload is cancelled.
	maxUploadCutDelay = 3 * time.Millisecond
	photoContentType  = "image/jpeg"
)

// minPhotoBytes is the smallest photo a size range may ask for: the
// smallest base image (8×8 pixels, about 650 bytes), the header and the
// tag, with room.
const minPhotoBytes = 1 << 10

// photo is one picture a phone took, kept until the server has it.
type photo struct {
	id       string
	reportID string
	jpeg     *jpegPhoto
	size     int64
	sha256   string // lower-case hex
	takenAt  time.Time
	location *pb.Location
	done     bool // the server said it holds it whole
	// sentTo is the end of the furthest chunk sent, to count what a
	// resumed upload sends again.
	sentTo int64
}

// photo returns a photo of the day's size range.
func (d *day) photo(rng *rand.Rand, id, reportID string, takenAt time.Time, loc *pb.Location) *photo {
	return makePhoto(rng, d.shape.photoMin, d.shape.photoMax, id, reportID, takenAt, loc)
}

// makePhoto returns a real JPEG of minBytes–maxBytes (see jpeg.go), a
// function of rng and id alone.
func makePhoto(rng *rand.Rand, minBytes, maxBytes int, id, reportID string, takenAt time.Time, loc *pb.Location) *photo {
	size := minBytes + rng.IntN(maxBytes-minBytes+1)
	jp := newJPEGPhoto(poolFor(minBytes, maxBytes), rng, id, size)
	return &photo{id: id, reportID: reportID, jpeg: jp, size: int64(jp.size()), sha256: hashOf(jp.bytes()), takenAt: takenAt, location: loc}
}

// data builds the photo's bytes.
func (ph *photo) data() []byte { return ph.jpeg.bytes() }

func (ph *photo) header() *pb.PhotoHeader {
	return &pb.PhotoHeader{
		PhotoId: ph.id, Sha256: ph.sha256, SizeBytes: ph.size, ContentType: photoContentType,
		ReportId: ph.reportID, TakenAt: timestamppb.New(ph.takenAt), Location: ph.location,
	}
}

// firstChunkBytes is the first chunk of a photo, sent in a stream of
// its own: gridd's least chunk (server.MinPhotoChunkBytes).
const firstChunkBytes = 16 << 10

// firstStreamEnd is where a photo's first stream ends: after its first
// chunk, or at its end when it is small.
func firstStreamEnd(size int64) int64 {
	if size > 2*firstChunkBytes {
		return firstChunkBytes
	}
	return size
}

// uploadPhoto uploads ph until the server says it holds it whole. The
// first chunk goes in a stream of its own and the rest in streams of
// Config.StreamBytes (or one), so
// that once the first answer is in, a broken link never sends the photo
// from its start again: the phone asks how much the server committed and
// resumes from there (the server's committed size must never go back).
// Without that, the link's buffers and the HTTP/2 window can hold a whole
// small photo when the link breaks, none of it committed.
func (p *phone) uploadPhoto(ctx context.Context, ph *photo) error {
	size := ph.size
	var known int64  // the most the server has said it holds
	next := int64(0) // where the next stream starts; -1: ask the server
	injected := 0
	for {
		done := false
		err := p.retry.do(ctx, "upload photo "+ph.id, func(ctx context.Context) error {
			offset := next
			next = -1 // until an answer says where to go on
			if offset < 0 {
				actx, cancel := context.WithTimeout(ctx, attemptTimeout)
				st, err := p.sync.GetUploadStatus(actx, &pb.GetUploadStatusRequest{PhotoId: ph.id})
				cancel()
				if err != nil {
					return err
				}
				if st.GetCommittedBytes() < known {
					p.t.problem(&p.t.regressions, "device %d: photo %s: the server held %d bytes, now says %d (committed data went back)",
						p.n, ph.id, known, st.GetCommittedBytes())
				}
				if st.GetComplete() {
					if st.GetCommittedBytes() != size || (st.GetSizeBytes() != 0 && st.GetSizeBytes() != size) {
						p.t.problem(&p.t.protocolErrors, "device %d: photo %s: complete with %d of %d bytes (declared %d)",
							p.n, ph.id, st.GetCommittedBytes(), size, st.GetSizeBytes())
					}
					done = true
					return nil
				}
				offset = st.GetCommittedBytes()
				known = max(known, offset)
			}
			wrong := injected < maxInjectedPerOp && p.faults.strike(shareWrongOffset)
			cut := injected < maxInjectedPerOp && p.faults.strike(shareCutUpload)
			if wrong {
				injected++
				held, err := p.sendWrongOffset(ctx, ph, offset)
				if err != nil {
					return err
				}
				if held < known {
					p.t.problem(&p.t.regressions, "device %d: photo %s: the server held %d bytes, now says %d (committed data went back)",
						p.n, ph.id, known, held)
				}
				offset, known = held, max(known, held)
			}
			if cut {
				injected++
			}
			if ph.sentTo > offset {
				// Bytes the phone sent that the server does not hold: lost
				// in flight when the link broke.
				p.noteResend(ph.sentTo-offset, offset == 0, ph.sentTo <= firstStreamEnd(size))
				p.t.logf("device %d: photo %s: upload resumed from byte %d (the server holds that many) after %d were sent", p.n, ph.id, offset, ph.sentTo)
			}
			to := size
			switch {
			case offset == 0:
				to = firstStreamEnd(size)
			case p.cfg.StreamBytes > 0:
				to = min(size, offset+int64(p.cfg.StreamBytes))
			}
			committed, complete, err := p.sendChunks(ctx, ph, offset, to, cut)
			if err != nil {
				return err
			}
			switch {
			case complete && committed != size:
				p.t.problem(&p.t.protocolErrors, "device %d: photo %s: upload answered complete with %d of %d bytes", p.n, ph.id, committed, size)
			case !complete && committed != to:
				p.t.problem(&p.t.protocolErrors, "device %d: photo %s: a stream of bytes %d–%d answered %d committed", p.n, ph.id, offset, to, committed)
				return nil // ask the server where to go on
			case !complete:
				known, next = max(known, committed), committed
				return nil
			}
			known, done = size, true
			return nil
		})
		if err != nil || done {
			return err
		}
	}
}

// sendChunks opens an upload and sends ph's bytes from offset to to in
// chunks; it returns what the server says it holds, and whether that is
// the whole photo. With cut it cancels the stream just after a random
// chunk went out, and returns errInjected.
func (p *phone) sendChunks(ctx context.Context, ph *photo, offset, to int64, cut bool) (int64, bool, error) {
	ctx, cancel := context.WithTimeout(ctx, attemptTimeout)
	defer cancel()
	stream, err := p.sync.UploadPhoto(ctx)
	if err != nil {
		return 0, false, err
	}
	if err := stream.Send(&pb.UploadPhotoRequest{Part: &pb.UploadPhotoRequest_Header{Header: ph.header()}}); err != nil {
		resp, err := closeErr(stream, err)
		return resp.GetCommittedBytes(), resp.GetComplete(), err
	}
	data := ph.data()
	size, chunk := ph.size, int64(p.cfg.ChunkBytes)
	chunks := int((to - offset + chunk - 1) / chunk)
	cutAt := -1
	if cut {
		cutAt = p.faults.intN(max(chunks, 1))
	}
	for i := range chunks {
		off := offset + int64(i)*chunk
		end := min(off+chunk, to)
		msg := &pb.UploadPhotoRequest{Part: &pb.UploadPhotoRequest_Chunk{Chunk: &pb.PhotoChunk{Offset: off, Data: data[off:end]}}}
		if err := stream.Send(msg); err != nil {
			resp, err := closeErr(stream, err)
			if err != nil {
				return 0, false, resumable(err)
			}
			return resp.GetCommittedBytes(), true, nil // the server holds it whole already
		}
		ph.sentTo = max(ph.sentTo, end)
		if i == cutAt {
			break
		}
	}
	if cut {
		time.Sleep(p.faults.delay(maxUploadCutDelay))
		cancel()
		p.t.cutUploads.Add(1)
		return 0, false, errInjected
	}
	resp, err := stream.CloseAndRecv()
	if err != nil {
		return 0, false, resumable(err)
	}
	if !resp.GetComplete() && to == size {
		return 0, false, status.Errorf(codes.Internal, "gridsim: upload of %s ended with %d of %d bytes committed and not complete",
			ph.id, resp.GetCommittedBytes(), size)
	}
	return resp.GetCommittedBytes(), resp.GetComplete(), nil
}

// sendWrongOffset resumes an upload from a wrong offset on purpose: the
// server must refuse it with FAILED_PRECONDITION and say, in an ErrorInfo's
// committed_bytes, how much it holds, which it returns.
func (p *phone) sendWrongOffset(ctx context.Context, ph *photo, committed int64) (int64, error) {
	ctx, cancel := context.WithTimeout(ctx, attemptTimeout)
	defer cancel()
	size := ph.size
	chunkBytes := int64(p.cfg.ChunkBytes)
	bad := committed + 1 + int64(p.faults.intN(int(chunkBytes)))
	if committed > 0 && p.faults.intN(2) == 0 {
		bad = committed - 1 - int64(p.faults.intN(int(min(committed, chunkBytes)))) // back into what it holds
	}
	bad = min(bad, size-1)
	if bad == committed { // a one-byte photo has no wrong offset inside it
		bad = committed + 1
	}
	data := ph.data()[min(bad, size-1):min(bad+chunkBytes, size)]
	stream, err := p.sync.UploadPhoto(ctx)
	if err != nil {
		return 0, err
	}
	if err := stream.Send(&pb.UploadPhotoRequest{Part: &pb.UploadPhotoRequest_Header{Header: ph.header()}}); err != nil {
		resp, err := closeErr(stream, err)
		return resp.GetCommittedBytes(), err
	}
	var resp *pb.UploadPhotoResponse
	err = stream.Send(&pb.UploadPhotoRequest{Part: &pb.UploadPhotoRequest_Chunk{Chunk: &pb.PhotoChunk{Offset: bad, Data: data}}})
	if err == nil {
		resp, err = stream.CloseAndRecv()
	} else {
		resp, err = closeErr(stream, err)
	}
	if err == nil && resp.GetComplete() {
		// The photo became whole meanwhile (the rest of a cut upload was
		// still being taken in): a chunk for a whole photo changes nothing.
		return size, nil
	}
	if err == nil {
		p.t.problem(&p.t.protocolErrors, "device %d: photo %s: the server took a chunk at offset %d while holding %d", p.n, ph.id, bad, committed)
		return 0, errInjected // start again from what it now says it holds
	}
	st := status.Convert(err)
	if st.Code() != codes.FailedPrecondition {
		return 0, err // the link or the server broke meanwhile: retried as usual
	}
	p.t.wrongOffsets.Add(1)
	held, ok := committedBytes(st)
	if !ok {
		p.t.problem(&p.t.protocolErrors, "device %d: photo %s: a wrong offset got %v without committed_bytes", p.n, ph.id, err)
		return 0, errInjected
	}
	if held < 0 || held > size {
		p.t.problem(&p.t.protocolErrors, "device %d: photo %s: committed_bytes %d outside 0–%d", p.n, ph.id, held, size)
		return 0, errInjected
	}
	return held, nil
}

// errResume marks an upload the server refused because it holds more
// than the phone thought (the same bytes arrived before, or identical
// content is stored already): the phone asks how much and resumes.
var errResume = errors.New("the server holds more of the photo; resume")

// resumable turns a refused offset into errResume.
func resumable(err error) error {
	if st, ok := status.FromError(err); ok && st.Code() == codes.FailedPrecondition {
		if _, ok := committedBytes(st); ok {
			return fmt.Errorf("%w: %v", errResume, err)
		}
	}
	return err
}

// committedBytes reads the committed size from a refused chunk's
// ErrorInfo.
func committedBytes(st *status.Status) (int64, bool) {
	for _, d := range st.Details() {
		info, ok := d.(*errdetails.ErrorInfo)
		if !ok {
			continue
		}
		if s, ok := info.GetMetadata()["committed_bytes"]; ok {
			n, err := strconv.ParseInt(s, 10, 64)
			return n, err == nil
		}
	}
	return 0, false
}

// closeErr returns how a client stream ended when Send failed: the
// server's error, or — when the server answered early because it holds the
// whole photo already — its response.
func closeErr(stream interface {
	CloseAndRecv() (*pb.UploadPhotoResponse, error)
}, sendErr error) (*pb.UploadPhotoResponse, error) {
	if !errors.Is(sendErr, io.EOF) {
		return nil, sendErr
	}
	resp, err := stream.CloseAndRecv()
	if err != nil {
		return nil, err
	}
	if !resp.GetComplete() {
		return nil, fmt.Errorf("upload stream closed early without an error: %w", sendErr)
	}
	return resp, nil
}

// downloadPhoto fetches a photo whole and returns its bytes and header.
func downloadPhoto(ctx context.Context, c pb.SyncServiceClient, id string) ([]byte, *pb.PhotoHeader, error) {
	ctx, cancel := context.WithTimeout(ctx, attemptTimeout)
	defer cancel()
	stream, err := c.DownloadPhoto(ctx, &pb.DownloadPhotoRequest{PhotoId: id})
	if err != nil {
		return nil, nil, err
	}
	var data []byte
	var hdr *pb.PhotoHeader
	for {
		msg, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return data, hdr, nil
		}
		if err != nil {
			return nil, nil, err
		}
		if msg.GetHeader() != nil && hdr == nil {
			hdr = msg.GetHeader()
		}
		if c := msg.GetChunk(); c != nil {
			if c.GetOffset() != int64(len(data)) {
				return nil, nil, fmt.Errorf("download %s: chunk at offset %d after %d bytes", id, c.GetOffset(), len(data))
			}
			data = append(data, c.GetData()...)
		}
	}
}
