//go:build unix

package crashtest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

// Photos: where the fleet uploads them (fleet.photos), a submitter gives
// a share of its reports one, and uploads it once the report is
// acknowledged, in chunks, resuming from what the server committed after
// a failure, on whichever server it has moved to.
const (
	sharePhoto = 0.3
	photoBytes = 40 << 10 // three chunks
	photoChunk = 16 << 10 // the least the server takes but for the last
)

// photoRecord is a photo a phone uploaded, for the check.
type photoRecord struct {
	id, reportID, sha256 string
	size                 int64
	complete             bool // the server said so
}

// photoBook is the photos the phones uploaded.
type photoBook struct {
	mu   sync.Mutex
	recs []*photoRecord
	// resumed counts attempts that resumed an upload part-committed.
	resumed atomic.Int64
}

func (b *photoBook) add(r *photoRecord) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.recs = append(b.recs, r)
}

func (b *photoBook) snapshot() []photoRecord {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]photoRecord, len(b.recs))
	for i, r := range b.recs {
		out[i] = *r
	}
	return out
}

// newPhoto makes a photo's bytes.
func (p *phone) newPhoto() []byte {
	b := make([]byte, photoBytes)
	for i := range b {
		b[i] = byte(p.rng.IntN(256))
	}
	return b
}

func (p *phone) withTokenStream(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
	p.mu.Lock()
	token := p.token
	p.mu.Unlock()
	return streamer(withBearer(ctx, token), desc, cc, method, opts...)
}

// upload uploads data as photo id of report until the server holds it
// whole: each attempt asks the server how much it has, and sends the rest.
func (p *phone) upload(ctx context.Context, id, reportID string, data []byte) error {
	sum := sha256.Sum256(data)
	rec := &photoRecord{id: id, reportID: reportID, sha256: hex.EncodeToString(sum[:]), size: int64(len(data))}
	p.f.photos.add(rec)
	var done *pb.UploadPhotoResponse
	err := p.retry(ctx, "upload photo "+id, &p.f.other, func(ctx context.Context) error {
		st, err := p.sync.GetUploadStatus(ctx, &pb.GetUploadStatusRequest{PhotoId: id})
		if err != nil {
			return err
		}
		if st.GetComplete() {
			done = &pb.UploadPhotoResponse{PhotoId: id, CommittedBytes: st.GetCommittedBytes(), Complete: true}
			return nil
		}
		if st.GetCommittedBytes() > 0 {
			p.f.photos.resumed.Add(1)
		}
		stream, err := p.sync.UploadPhoto(ctx)
		if err != nil {
			return err
		}
		send := func(req *pb.UploadPhotoRequest) error {
			// io.EOF: the server answered already (it holds the photo).
			if err := stream.Send(req); err != nil && !errors.Is(err, io.EOF) {
				return err
			}
			return nil
		}
		if err := send(&pb.UploadPhotoRequest{Part: &pb.UploadPhotoRequest_Header{Header: &pb.PhotoHeader{
			PhotoId: id, Sha256: rec.sha256, SizeBytes: rec.size, ContentType: "image/jpeg",
			ReportId: reportID, TakenAt: timestamppb.Now(),
		}}}); err != nil {
			return err
		}
		for off := st.GetCommittedBytes(); off < rec.size; off += photoChunk {
			end := min(off+photoChunk, rec.size)
			if err := send(&pb.UploadPhotoRequest{Part: &pb.UploadPhotoRequest_Chunk{Chunk: &pb.PhotoChunk{
				Offset: off, Data: data[off:end],
			}}}); err != nil {
				return err
			}
		}
		done, err = stream.CloseAndRecv()
		return err
	})
	if err != nil {
		return fmt.Errorf("%s: upload photo %s: %w", p.name, id, err)
	}
	if !done.GetComplete() || done.GetCommittedBytes() != rec.size {
		p.f.hist.anomaly("%s: photo %s: the server answered committed %d of %d, complete %v, after all its bytes were sent",
			p.name, id, done.GetCommittedBytes(), rec.size, done.GetComplete())
	}
	p.f.photos.mu.Lock()
	rec.complete = done.GetComplete()
	p.f.photos.mu.Unlock()
	return nil
}

// checkPhotos checks through the API that every photo the server called
// complete is stored whole, with its bytes: the status of each, and the
// bytes of each downloaded.
func checkPhotos(ctx context.Context, v *verdict, sup *phone, recs []photoRecord) (checked int, err error) {
	slices.SortFunc(recs, func(a, b photoRecord) int { return strings.Compare(a.id, b.id) })
	for _, r := range recs {
		if !r.complete {
			continue
		}
		checked++
		// Through retry, as every other check: the supervisor's calls are
		// paced by the per-user limit like anyone's.
		var st *pb.GetUploadStatusResponse
		var sum string
		err := sup.retry(ctx, "check photo "+r.id, &sup.f.other, func(ctx context.Context) error {
			var err error
			if st, err = sup.sync.GetUploadStatus(ctx, &pb.GetUploadStatusRequest{PhotoId: r.id}); err != nil {
				return err
			}
			if !st.GetComplete() || st.GetCommittedBytes() != r.size {
				return nil
			}
			sum, err = downloadSHA256(ctx, sup, r.id)
			return err
		})
		if err != nil {
			return checked, fmt.Errorf("photo %s: %w", r.id, err)
		}
		if !st.GetComplete() || st.GetCommittedBytes() != r.size {
			v.lost.add(r.id, "photo of report %s acknowledged complete; the server holds %d of %d bytes, complete %v",
				r.reportID, st.GetCommittedBytes(), r.size, st.GetComplete())
			continue
		}
		if sum != r.sha256 {
			v.problem("photo %s of report %s: downloaded sha256 %s, uploaded %s", r.id, r.reportID, sum, r.sha256)
		}
	}
	return checked, nil
}

// downloadSHA256 downloads photo id and returns its sha256, in hex.
func downloadSHA256(ctx context.Context, sup *phone, id string) (string, error) {
	stream, err := sup.sync.DownloadPhoto(ctx, &pb.DownloadPhotoRequest{PhotoId: id})
	if err != nil {
		return "", err
	}
	h := sha256.New()
	for {
		msg, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return hex.EncodeToString(h.Sum(nil)), nil
		}
		if err != nil {
			return "", err
		}
		h.Write(msg.GetChunk().GetData())
	}
}

// completedPhotos counts the photos the server called complete, by report.
func completedPhotos(recs []photoRecord) map[string]int {
	n := map[string]int{}
	for _, r := range recs {
		if r.complete {
			n[r.reportID]++
		}
	}
	return n
}
