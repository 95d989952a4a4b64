package server_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

// uploadFixture is a worker's report with one declared photo of size
// bytes of random content.
func uploadFixture(t *testing.T, l *loop, size int) (*phone, *pb.PhotoHeader, []byte) {
	t.Helper()
	p := l.phone("workera")
	data := make([]byte, size)
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	sum := sha256.Sum256(data)
	r := l.hazard()
	photoID := newID()
	r.PhotoIds = []string{photoID}
	l.mustSubmitAs("workera", r)
	return p, &pb.PhotoHeader{PhotoId: photoID, Sha256: hex.EncodeToString(sum[:]), SizeBytes: int64(len(data)),
		ContentType: "image/jpeg", ReportId: r.GetId(), TakenAt: r.GetObservedAt()}, data
}

// sendChunks opens an upload stream of header and sends data[from:to] in
// chunks of chunk bytes.
func sendChunks(t *testing.T, ctx context.Context, c pb.SyncServiceClient, header *pb.PhotoHeader, data []byte, from, to, chunk int) pb.SyncService_UploadPhotoClient {
	t.Helper()
	s, err := c.UploadPhoto(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Send(&pb.UploadPhotoRequest{Part: &pb.UploadPhotoRequest_Header{Header: header}}); err != nil {
		t.Fatal(err)
	}
	for off := from; off < to; off += chunk {
		end := min(off+chunk, to)
		if err := s.Send(&pb.UploadPhotoRequest{Part: &pb.UploadPhotoRequest_Chunk{Chunk: &pb.PhotoChunk{Offset: int64(off), Data: data[off:end]}}}); err != nil {
			t.Fatalf("send the chunk at %d: %v", off, err)
		}
	}
	return s
}

// TestAPhotoStreamIsCommittedOnceNotChunkByChunk: every chunk fsynced and
// committed on its own held the server's photo path to a few percent of
// what the disk writes (BENCHMARKS.md, the storm). A stream's chunks are
// made durable together: a 512 KiB photo in 32 chunks costs the writer a
// couple of commits, not one per chunk.
func TestAPhotoStreamIsCommittedOnceNotChunkByChunk(t *testing.T) {
	l := newLoop(t)
	p, header, data := uploadFixture(t, l, 512<<10)
	// The declaration commits the photo's row: counted from after it.
	st, err := p.sync.UploadPhoto(p.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Send(&pb.UploadPhotoRequest{Part: &pb.UploadPhotoRequest_Header{Header: header}}); err != nil {
		t.Fatal(err)
	}
	if resp, err := st.CloseAndRecv(); err != nil || resp.GetCommittedBytes() != 0 {
		t.Fatalf("declare: %v, %v", resp, err)
	}
	before := l.db.Commits()
	resp, err := sendChunks(t, p.ctx, p.sync, header, data, 0, len(data), 16<<10).CloseAndRecv()
	if err != nil || !resp.GetComplete() {
		t.Fatalf("upload = %v, %v; want complete", resp, err)
	}
	if n := l.db.Commits() - before; n > 2 {
		t.Errorf("a stream of 32 chunks cost %d commits, want at most 2", n)
	}
}

// TestAChunkOnDiskWhenTheStreamIsCutIsCommittedDurably: chunks a stream
// appended are committed when it breaks, as when it ends, so the phone's
// resume starts after them, and the upload completes from there. (That
// the committed size is durable is the SIGKILL tests': crashtest and
// cmd/gridsim.)
func TestAChunkOnDiskWhenTheStreamIsCutIsCommittedDurably(t *testing.T) {
	l := newLoop(t)
	p, header, data := uploadFixture(t, l, 512<<10)
	const sent = 320 << 10
	ctx, cut := context.WithCancel(p.ctx)
	sendChunks(t, ctx, p.sync, header, data, 0, sent, 16<<10)
	// Wait until the server has every chunk in its file, then cut the
	// stream, as a link reset does.
	partial := filepath.Join(l.dir, "photos", "partial", header.GetPhotoId())
	waitFor(t, "the chunks in the partial file", func() bool {
		fi, err := os.Stat(partial)
		return err == nil && fi.Size() == sent
	})
	cut()
	waitFor(t, "the cut stream's chunks committed", func() bool {
		st, err := p.sync.GetUploadStatus(p.ctx, &pb.GetUploadStatusRequest{PhotoId: header.GetPhotoId()})
		return err == nil && st.GetCommittedBytes() == sent
	})

	// The resume starts after them; the phone hears complete.
	c := p.sync
	resp, err := sendChunks(t, p.ctx, c, header, data, sent, len(data), 16<<10).CloseAndRecv()
	if err != nil || !resp.GetComplete() {
		t.Fatalf("resume = %v, %v; want complete", resp, err)
	}
}

// waitFor polls cond for up to 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
