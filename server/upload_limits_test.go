package server_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
	"github.com/gridinspect/gridinspect/server"
)

// What one UploadPhoto stream may cost: each chunk is a durable write, so
// chunks have a minimum size and each draws on the per-user request limit.

// testPhoto returns size bytes that look like a JPEG, and their header
// for a photo of reportID.
func testPhoto(size int, reportID string) ([]byte, *pb.PhotoHeader) {
	data := make([]byte, size)
	rng := rand.New(rand.NewPCG(uint64(size), 7))
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	copy(data, []byte{0xFF, 0xD8, 0xFF, 0xE0})
	sum := sha256.Sum256(data)
	return data, &pb.PhotoHeader{PhotoId: newID(), Sha256: hex.EncodeToString(sum[:]), SizeBytes: int64(size),
		ContentType: "image/jpeg", ReportId: reportID}
}

// upload sends the header, then data cut at the given ends (each chunk
// from the previous end), and returns the answer.
func upload(ctx context.Context, c pb.SyncServiceClient, h *pb.PhotoHeader, data []byte, ends ...int) (*pb.UploadPhotoResponse, error) {
	s, err := c.UploadPhoto(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.Send(&pb.UploadPhotoRequest{Part: &pb.UploadPhotoRequest_Header{Header: h}}); err != nil {
		return s.CloseAndRecv()
	}
	from := 0
	for _, end := range ends {
		msg := &pb.UploadPhotoRequest{Part: &pb.UploadPhotoRequest_Chunk{Chunk: &pb.PhotoChunk{Offset: int64(from), Data: data[from:end]}}}
		if err := s.Send(msg); errors.Is(err, io.EOF) {
			break // the server has answered
		} else if err != nil {
			return nil, err
		}
		from = end
	}
	return s.CloseAndRecv()
}

// cuts returns the ends of chunks of n bytes over size bytes.
func cuts(size, n int) []int {
	var ends []int
	for end := n; ; end += n {
		if end >= size {
			return append(ends, size)
		}
		ends = append(ends, end)
	}
}

func TestUploadPhoto_ChunksBelowTheMinimumAreRefusedButTheLast(t *testing.T) {
	const min = server.MinPhotoChunkBytes
	for _, tc := range []struct {
		name string
		size int
		ends func(size int) []int
		ok   bool
	}{
		{"one-byte chunks", 100 << 10, func(size int) []int { return []int{1, 2, 3, size} }, false},
		{"a small chunk in the middle", 100 << 10, func(size int) []int { return []int{min, min + 100, size} }, false},
		{"an empty chunk", 100 << 10, func(size int) []int { return []int{0, size} }, false},
		{"chunks of the minimum and a small last one", 3*min + 10, func(size int) []int { return cuts(size, min) }, true},
		{"a photo smaller than the minimum in one chunk", 1000, func(size int) []int { return []int{size} }, true},
		{"1 MiB chunks", 3 << 20, func(size int) []int { return cuts(size, 1<<20) }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := newLoop(t)
			p := l.phone("workera")
			rep := l.mustSubmitAs("workera", l.hazard())
			data, h := testPhoto(tc.size, rep.GetId())
			resp, err := upload(p.ctx, p.sync, h, data, tc.ends(tc.size)...)
			if tc.ok {
				if err != nil || !resp.GetComplete() {
					t.Fatalf("upload = %v, %v; want complete", resp, err)
				}
				return
			}
			if fields := violations(t, err); !slices.Equal(fields, []string{"chunk.data"}) {
				t.Errorf("fields %v, want chunk.data", fields)
			}
			for _, d := range status.Convert(err).Details() {
				if br, ok := d.(*errdetails.BadRequest); ok && !strings.Contains(br.String(), strconv.Itoa(min)) {
					t.Errorf("%v does not say the minimum, %d", br, min)
				}
			}
			st, err := p.sync.GetUploadStatus(p.ctx, &pb.GetUploadStatusRequest{PhotoId: h.GetPhotoId()})
			if err != nil || st.GetComplete() || st.GetCommittedBytes() > min {
				t.Errorf("status after the refusal = %v, %v; want at most the first chunk committed", st, err)
			}
		})
	}
}

func TestUploadPhoto_EveryChunkDrawsOnTheCallersRequestLimit(t *testing.T) {
	const burst = 8
	s := newLoadServer(t, server.Limit{Burst: burst, Every: time.Hour}, "alice", "bob")
	conn := s.dial(t)
	alice, bob := bearer(context.Background(), s.tokens["alice"]), bearer(context.Background(), s.tokens["bob"])
	r := &pb.Report{
		Id: newID(), Category: pb.Category_CATEGORY_SAFETY_HAZARD, Severity: pb.Severity_SEVERITY_GENERAL,
		Description: "楼道堆物", Location: &pb.Location{Latitude: 31.25, Longitude: 118.35, AccuracyMeters: 8},
		GridId: gridA, ObservedAt: timestamppb.New(time.Now().Add(-time.Hour)),
		Details: &pb.Report_SafetyHazard{SafetyHazard: &pb.SafetyHazardDetails{
			HazardKind: pb.HazardKind_HAZARD_KIND_FIRE, PlaceKind: pb.PlaceKind_PLACE_KIND_ENTERPRISE}},
	}
	if _, err := pb.NewReportServiceClient(conn).SubmitReport(alice, &pb.SubmitReportRequest{Report: r}); err != nil {
		t.Fatalf("submit report: %v", err) // one of alice's calls
	}
	// The stream's opening takes one more (its first message, the header,
	// comes with it), and each chunk one.
	chunks := burst - 2
	const chunk = server.MinPhotoChunkBytes
	data, h := testPhoto(20*chunk, r.GetId())
	_, err := upload(alice, pb.NewSyncServiceClient(conn), h, data, cuts(len(data), chunk)...)
	if st := wantCode(t, err, codes.ResourceExhausted); st.Message() != "too many requests; slow down" {
		t.Errorf("message = %q", st.Message())
	}
	if d := retryDelay(err); d <= 0 || d > time.Hour {
		t.Errorf("RetryInfo delay = %v, want in (0, 1h]", d)
	}
	st, err := pb.NewSyncServiceClient(conn).GetUploadStatus(bob, &pb.GetUploadStatusRequest{PhotoId: h.GetPhotoId()})
	if err != nil || st.GetCommittedBytes() != int64(chunks*chunk) {
		t.Errorf("status = %v, %v; want the %d chunks within the limit committed (%d bytes)", st, err, chunks, chunks*chunk)
	}
}
