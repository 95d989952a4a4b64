package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gridinspect/gridinspect"
)

// Photos as a phone uploads them, and helpers that read like the spec.

// photoBytes returns n bytes that look like nothing in particular, the
// same for the same seed.
func photoBytes(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func sha(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// photoOf declares b as a new JPEG of report reportID, taken an hour
// before t0 where the report was made.
func photoOf(reportID string, b []byte) *gridinspect.PhotoHeader {
	return &gridinspect.PhotoHeader{
		ID: newID(), ReportID: reportID, SHA256: sha(b), Size: int64(len(b)), ContentType: "image/jpeg",
		TakenAt: t0.Add(-time.Hour), Location: &gridinspect.Location{Lat: inA.Lat, Lng: inA.Lng, AccuracyMeters: 5},
	}
}

func mustBegin(tb testing.TB, db *testDB, ctx context.Context, h *gridinspect.PhotoHeader) *gridinspect.PhotoStatus {
	tb.Helper()
	st, err := db.BeginUpload(ctx, h)
	if err != nil {
		tb.Fatalf("begin upload of photo %s: %v", h.ID, err)
	}
	return st
}

func mustWrite(tb testing.TB, db *testDB, ctx context.Context, id string, offset int64, data []byte) *gridinspect.PhotoStatus {
	tb.Helper()
	st, err := db.WriteChunk(ctx, id, offset, data)
	if err != nil {
		tb.Fatalf("write %d bytes at %d of photo %s: %v", len(data), offset, id, err)
	}
	if want := offset + int64(len(data)); st.Committed != want {
		tb.Fatalf("committed = %d, want %d", st.Committed, want)
	}
	return st
}

// mustUpload declares h and sends b in chunks of chunk bytes.
func mustUpload(tb testing.TB, db *testDB, ctx context.Context, h *gridinspect.PhotoHeader, b []byte, chunk int) *gridinspect.PhotoStatus {
	tb.Helper()
	st := mustBegin(tb, db, ctx, h)
	for off := int(st.Committed); off < len(b); off += chunk {
		st = mustWrite(tb, db, ctx, h.ID, int64(off), b[off:min(off+chunk, len(b))])
	}
	wantComplete(tb, st, int64(len(b)))
	return st
}

func wantComplete(tb testing.TB, st *gridinspect.PhotoStatus, size int64) {
	tb.Helper()
	if !st.Complete || st.Committed != size || st.Size != size {
		tb.Fatalf("status = %+v, want complete with %d bytes", st, size)
	}
}

func mustReadPhoto(tb testing.TB, db *testDB, ctx context.Context, id string) (*gridinspect.PhotoHeader, []byte) {
	tb.Helper()
	h, r, err := db.OpenPhoto(ctx, id)
	if err != nil {
		tb.Fatalf("open photo %s: %v", id, err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		tb.Fatalf("read photo %s: %v", id, err)
	}
	return h, b
}

func mustStatus(tb testing.TB, db *testDB, ctx context.Context, id string) *gridinspect.PhotoStatus {
	tb.Helper()
	st, err := db.UploadStatus(ctx, id)
	if err != nil {
		tb.Fatalf("upload status of photo %s: %v", id, err)
	}
	return st
}

// photoFiles lists the files in a subfolder of the photo folder.
func photoFiles(tb testing.TB, db *testDB, sub string) []string {
	tb.Helper()
	var files []string
	err := filepath.WalkDir(filepath.Join(db.photoDir, sub), func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, path)
		}
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	return files
}

// photoStreet is a street with a case in grid A and its worker.
func photoStreet(tb testing.TB) (*testDB, *gridinspect.Report, context.Context) {
	tb.Helper()
	db := MustOpenDB(tb)
	mustStreet(tb, db)
	ctx := as(worker(gridA))
	return db, mustSubmit(tb, db, ctx, newReport(inA)), ctx
}

func TestUploadPhoto_InChunksReadsBackTheSameBytes(t *testing.T) {
	db, rep, ctx := photoStreet(t)
	for _, tt := range []struct {
		name        string
		size, chunk int
	}{
		{"one byte", 1, 1},
		{"one chunk", 1000, 1000},
		{"three chunks", 3000, 1000},
		{"a ragged last chunk", 2500, 1000},
		{"the largest chunk, and one byte", gridinspect.MaxPhotoChunkBytes + 1, gridinspect.MaxPhotoChunkBytes},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := photoBytes(uint64(tt.size), tt.size)
			h := photoOf(rep.ID, b)
			if st := mustBegin(t, db, ctx, h); st.Committed != 0 || st.Complete || st.Size != h.Size || st.ID != h.ID {
				t.Fatalf("declared: status = %+v", st)
			}
			mustUpload(t, db, ctx, h, b, tt.chunk)
			got, data := mustReadPhoto(t, db, ctx, h.ID)
			if !bytes.Equal(data, b) {
				t.Fatalf("read back %d bytes, not the %d uploaded", len(data), len(b))
			}
			want := *h
			want.UploaderID = workerID
			want.TakenAt = h.TakenAt.UTC()
			want.Location = &gridinspect.Location{Lat: inA.Lat, Lng: inA.Lng, AccuracyMeters: 5, System: gridinspect.CoordinateSystemWGS84}
			assertEqual(t, got, &want)
			wantComplete(t, mustStatus(t, db, as(admin()), h.ID), h.Size)
			if files := photoFiles(t, db, partialDirName); len(files) != 0 {
				t.Errorf("partial files left: %v", files)
			}
			if _, err := os.Stat(blobFile(t, db, h.SHA256)); err != nil {
				t.Errorf("the complete file is not where its hash says: %v", err)
			}
		})
	}
}

func TestUploadPhoto_CutAtRandomOffsetsAndResumedEndsWithTheRightHash(t *testing.T) {
	db, rep, ctx := photoStreet(t)
	r := rand.New(rand.NewPCG(2025, 3))
	for pattern := range 12 {
		b := photoBytes(uint64(100+pattern), 20_000+r.IntN(200_000))
		h := photoOf(rep.ID, b)
		cuts := 0
		for {
			// A phone that lost its connection (and its idea of how far
			// it got) asks the server, declares again and resumes.
			st := mustStatus(t, db, ctx, h.ID)
			if st.Complete {
				break
			}
			if cuts > 0 && st.Size != h.Size {
				t.Fatalf("pattern %d: status = %+v after a cut, want size %d", pattern, st, h.Size)
			}
			st = mustBegin(t, db, ctx, h)
			off := st.Committed
			for range r.IntN(4) { // the chunks that got through before the cut
				if off == h.Size {
					break
				}
				n := min(int64(1+r.IntN(40_000)), h.Size-off)
				st = mustWrite(t, db, ctx, h.ID, off, b[off:off+n])
				off += n
			}
			cuts++
			if cuts%5 == 0 {
				db = mustReopen(t, db) // the server went down too
			}
			if cuts > 1000 {
				t.Fatalf("pattern %d: no end after %d cuts", pattern, cuts)
			}
		}
		_, data := mustReadPhoto(t, db, ctx, h.ID)
		if sha(data) != h.SHA256 {
			t.Fatalf("pattern %d: read back a file hashing to %s, want %s", pattern, sha(data), h.SHA256)
		}
	}
	if files := photoFiles(t, db, partialDirName); len(files) != 0 {
		t.Errorf("partial files left: %v", files)
	}
}

func TestWriteChunk_WrongOffsetIsEPreconditionNamingTheCommittedSize(t *testing.T) {
	db, rep, ctx := photoStreet(t)
	b := photoBytes(1, 3000)
	h := photoOf(rep.ID, b)
	mustBegin(t, db, ctx, h)
	mustWrite(t, db, ctx, h.ID, 0, b[:1000])
	for _, offset := range []int64{0, 999, 1001, 2000} {
		_, err := db.WriteChunk(ctx, h.ID, offset, b[offset:offset+500])
		e := wantCode(t, err, gridinspect.EPRECONDITION)
		if !strings.Contains(e.Message, "the server holds 1000 bytes; resume from 1000") {
			t.Errorf("offset %d: message = %q, want it to name the committed size", offset, e.Message)
		}
	}
	if st := mustStatus(t, db, ctx, h.ID); st.Committed != 1000 {
		t.Fatalf("committed = %d after refused chunks, want 1000", st.Committed)
	}
	mustWrite(t, db, ctx, h.ID, 1000, b[1000:])
}

func TestWriteChunk_WrongHashIsEInvalidAndTheBytesAreDiscarded(t *testing.T) {
	db, rep, ctx := photoStreet(t)
	b := photoBytes(1, 3000)
	h := photoOf(rep.ID, b)
	mustBegin(t, db, ctx, h)
	other := photoBytes(2, 3000)
	mustWrite(t, db, ctx, h.ID, 0, other[:2000])
	_, err := db.WriteChunk(ctx, h.ID, 2000, other[2000:])
	wantField(t, err, "sha256")
	if !strings.Contains(err.Error(), "hash to "+sha(other)+", not the declared "+h.SHA256) {
		t.Errorf("err = %v, want it to give both hashes", err)
	}
	if st := mustStatus(t, db, ctx, h.ID); st.Committed != 0 || st.Complete {
		t.Fatalf("status = %+v, want nothing committed", st)
	}
	if files := slices.Concat(photoFiles(t, db, partialDirName), photoFiles(t, db, blobDirName)); len(files) != 0 {
		t.Fatalf("files kept: %v", files)
	}
	if _, _, err := db.OpenPhoto(ctx, h.ID); gridinspect.ErrorCode(err) != gridinspect.EFORBIDDEN {
		t.Fatalf("open a refused photo: %v, want what a missing one gets", err)
	}
	// The right bytes, sent again from 0, are taken.
	mustUpload(t, db, ctx, h, b, 1000)
}

func TestUploadPhoto_IdenticalContentIsStoredOnce(t *testing.T) {
	t.Run("declared after the first is complete", func(t *testing.T) {
		db, rep, ctx := photoStreet(t)
		b := photoBytes(1, 5000)
		first, second := photoOf(rep.ID, b), photoOf(rep.ID, b)
		mustUpload(t, db, ctx, first, b, 2000)
		// Complete at once: no byte needs sending.
		wantComplete(t, mustBegin(t, db, ctx, second), int64(len(b)))
		for _, id := range []string{first.ID, second.ID} {
			if _, data := mustReadPhoto(t, db, ctx, id); !bytes.Equal(data, b) {
				t.Fatalf("photo %s reads back other bytes", id)
			}
		}
		if files := photoFiles(t, db, blobDirName); len(files) != 1 {
			t.Fatalf("files = %v, want one", files)
		}
	})
	t.Run("both uploaded at once", func(t *testing.T) {
		db, rep, ctx := photoStreet(t)
		b := photoBytes(1, 5000)
		hs := []*gridinspect.PhotoHeader{photoOf(rep.ID, b), photoOf(rep.ID, b), photoOf(rep.ID, b)}
		var wg sync.WaitGroup
		for _, h := range hs {
			wg.Go(func() { mustUpload(t, db, ctx, h, b, 1000) })
		}
		wg.Wait()
		if files := photoFiles(t, db, blobDirName); len(files) != 1 {
			t.Fatalf("files = %v, want one", files)
		}
		for _, h := range hs {
			if _, data := mustReadPhoto(t, db, ctx, h.ID); !bytes.Equal(data, b) {
				t.Fatalf("photo %s reads back other bytes", h.ID)
			}
		}
	})
}

func TestBeginUpload_TheSameDeclarationResumesAnotherIsEEXISTS(t *testing.T) {
	db, rep, ctx := photoStreet(t)
	other := mustSubmit(t, db, ctx, newReport(inA))
	b := photoBytes(1, 3000)
	h := photoOf(rep.ID, b)
	mustBegin(t, db, ctx, h)
	mustWrite(t, db, ctx, h.ID, 0, b[:1200])
	for _, tt := range []struct {
		name   string
		change func(h *gridinspect.PhotoHeader)
		code   string
	}{
		{"the same", func(h *gridinspect.PhotoHeader) {}, ""},
		{"the same, ids in upper case", func(h *gridinspect.PhotoHeader) {
			h.ID, h.ReportID = strings.ToUpper(h.ID), strings.ToUpper(h.ReportID)
		}, ""},
		{"the same but when and where it was taken", func(h *gridinspect.PhotoHeader) {
			h.TakenAt, h.Location = time.Time{}, nil
		}, ""},
		{"another hash", func(h *gridinspect.PhotoHeader) { h.SHA256 = sha(photoBytes(2, 3000)) }, gridinspect.EEXISTS},
		{"another size", func(h *gridinspect.PhotoHeader) { h.Size++ }, gridinspect.EEXISTS},
		{"another content type", func(h *gridinspect.PhotoHeader) { h.ContentType = "image/png" }, gridinspect.EEXISTS},
		{"another report", func(h *gridinspect.PhotoHeader) { h.ReportID = other.ID }, gridinspect.EEXISTS},
	} {
		t.Run(tt.name, func(t *testing.T) {
			again := *h
			tt.change(&again)
			st, err := db.BeginUpload(ctx, &again)
			if tt.code != "" {
				wantCode(t, err, tt.code)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			assertEqual(t, st, &gridinspect.PhotoStatus{ID: h.ID, Committed: 1200, Size: 3000})
		})
	}
}

func TestPhotos_HeadersAndChunksAreValidated(t *testing.T) {
	db, rep, ctx := photoStreet(t)
	b := photoBytes(1, 100)
	for _, tt := range []struct {
		name   string
		change func(h *gridinspect.PhotoHeader)
		field  string // "" = accepted
	}{
		{"a valid header", func(h *gridinspect.PhotoHeader) {}, ""},
		{"every content type", func(h *gridinspect.PhotoHeader) { h.ContentType = "image/webp" }, ""},
		{"a content type in capitals", func(h *gridinspect.PhotoHeader) { h.ContentType = "Image/HEIC" }, ""},
		{"the largest size", func(h *gridinspect.PhotoHeader) { h.Size = gridinspect.MaxPhotoBytes }, ""},
		{"no time or place", func(h *gridinspect.PhotoHeader) { h.TakenAt, h.Location = time.Time{}, nil }, ""},
		{"an empty place", func(h *gridinspect.PhotoHeader) { h.Location = &gridinspect.Location{} }, ""},
		{"a place in GCJ-02", func(h *gridinspect.PhotoHeader) {
			h.Location.System = gridinspect.CoordinateSystemGCJ02
		}, ""},
		{"no photo id", func(h *gridinspect.PhotoHeader) { h.ID = "" }, "photo_id"},
		{"a photo id that is no UUID", func(h *gridinspect.PhotoHeader) { h.ID = "../../etc/passwd" }, "photo_id"},
		{"a report id that is no UUID", func(h *gridinspect.PhotoHeader) { h.ReportID = "r1" }, "report_id"},
		{"a hash in capitals", func(h *gridinspect.PhotoHeader) { h.SHA256 = strings.ToUpper(h.SHA256) }, "sha256"},
		{"a short hash", func(h *gridinspect.PhotoHeader) { h.SHA256 = h.SHA256[:63] }, "sha256"},
		{"no size", func(h *gridinspect.PhotoHeader) { h.Size = 0 }, "size_bytes"},
		{"a negative size", func(h *gridinspect.PhotoHeader) { h.Size = -1 }, "size_bytes"},
		{"a size past the limit", func(h *gridinspect.PhotoHeader) { h.Size = gridinspect.MaxPhotoBytes + 1 }, "size_bytes"},
		{"a GIF", func(h *gridinspect.PhotoHeader) { h.ContentType = "image/gif" }, "content_type"},
		{"no content type", func(h *gridinspect.PhotoHeader) { h.ContentType = "" }, "content_type"},
		{"a time that cannot be stored", func(h *gridinspect.PhotoHeader) {
			h.TakenAt = time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC)
		}, "taken_at"},
		{"a place that is not a number", func(h *gridinspect.PhotoHeader) { h.Location.Lat = math.NaN() }, "location.latitude"},
		{"a place outside the service area", func(h *gridinspect.PhotoHeader) {
			h.Location.Lat, h.Location.Lng = 48.85, 2.35
		}, "location.longitude"},
		{"a negative accuracy", func(h *gridinspect.PhotoHeader) { h.Location.AccuracyMeters = -1 }, "location.accuracy_meters"},
		{"an unknown coordinate system", func(h *gridinspect.PhotoHeader) { h.Location.System = 9 }, "location.coordinate_system"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := photoOf(rep.ID, b)
			tt.change(h)
			_, err := db.BeginUpload(ctx, h)
			if tt.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantField(t, err, tt.field)
		})
	}

	h := photoOf(rep.ID, b)
	mustBegin(t, db, ctx, h)
	for _, tt := range []struct {
		name   string
		offset int64
		data   []byte
		field  string
	}{
		{"a chunk past the limit", 0, make([]byte, gridinspect.MaxPhotoChunkBytes+1), "data"},
		{"a chunk past the declared size", 0, make([]byte, len(b)+1), "data"},
		{"a negative offset", -1, b[:1], "offset"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := db.WriteChunk(ctx, h.ID, tt.offset, tt.data)
			wantField(t, err, tt.field)
		})
	}
	if st := mustStatus(t, db, ctx, h.ID); st.Committed != 0 {
		t.Fatalf("committed = %d after refused chunks, want 0", st.Committed)
	}
	if files := photoFiles(t, db, partialDirName); len(files) != 0 {
		t.Fatalf("refused chunks left files: %v", files)
	}
}

func TestPhotos_OutOfScopeAnswersLikeMissing(t *testing.T) {
	db := MustOpenDB(t)
	mustStreet(t, db)
	repB := mustSubmit(t, db, as(admin()), newReport(inB))
	b := photoBytes(1, 2000)
	inScope := photoOf(repB.ID, b)
	mustUpload(t, db, as(admin()), inScope, b, 1000)
	partial := photoOf(repB.ID, photoBytes(2, 2000))
	mustBegin(t, db, as(admin()), partial)

	ctx := as(worker(gridA)) // sees grid A only
	for _, tt := range []struct {
		name        string
		out, absent string // a photo of grid B's report, and one that does not exist
	}{
		{"a complete photo", inScope.ID, newID()},
		{"an upload in progress", partial.ID, newID()},
	} {
		t.Run(tt.name, func(t *testing.T) {
			for _, id := range []string{tt.out, tt.absent} {
				assertEqual(t, mustStatus(t, db, ctx, id), &gridinspect.PhotoStatus{ID: id})
			}
			_, outErr := db.WriteChunk(ctx, tt.out, 0, b[:10])
			_, absentErr := db.WriteChunk(ctx, tt.absent, 0, b[:10])
			assertEqual(t, outErr, absentErr)
			assertEqual(t, outErr, error(gridinspect.ErrOutOfScope))
			_, _, outErr = db.OpenPhoto(ctx, tt.out)
			_, _, absentErr = db.OpenPhoto(ctx, tt.absent)
			assertEqual(t, outErr, absentErr)
			assertEqual(t, outErr, error(gridinspect.ErrOutOfScope))
		})
	}
	t.Run("declaring a photo", func(t *testing.T) {
		again := *inScope
		_, outErr := db.BeginUpload(ctx, &again)
		_, missingReportErr := db.BeginUpload(ctx, photoOf(newID(), b))
		_, otherGridErr := db.BeginUpload(ctx, photoOf(repB.ID, b))
		assertEqual(t, outErr, error(gridinspect.ErrOutOfScope))
		assertEqual(t, missingReportErr, error(gridinspect.ErrOutOfScope))
		assertEqual(t, otherGridErr, error(gridinspect.ErrOutOfScope))
	})
	t.Run("the whole street is told what is missing", func(t *testing.T) {
		_, err := db.BeginUpload(as(admin()), photoOf(newID(), b))
		wantCode(t, err, gridinspect.ENOTFOUND)
		_, _, err = db.OpenPhoto(as(admin()), partial.ID) // not complete yet
		wantCode(t, err, gridinspect.ENOTFOUND)
	})
}

func TestMissingPhotoIDs_ShrinkAsPhotosComplete(t *testing.T) {
	db, _, ctx := photoStreet(t)
	data := [][]byte{photoBytes(1, 1500), photoBytes(2, 1500), photoBytes(3, 1500)}
	r := newReport(inA)
	r.PhotoIDs = []string{newID(), newID(), newID()}
	rep := mustSubmit(t, db, ctx, r)
	photo := func(i int) *gridinspect.PhotoHeader {
		h := photoOf(rep.ID, data[i])
		h.ID = r.PhotoIDs[i]
		return h
	}
	wantMissing := func(want ...string) {
		t.Helper()
		got, err := db.GetReport(ctx, rep.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got.MissingPhotoIDs, want) {
			t.Fatalf("GetReport: missing photos = %v, want %v", got.MissingPhotoIDs, want)
		}
		list, _, err := db.ListReports(ctx, gridinspect.ReportFilter{})
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range list {
			if l.ID == rep.ID && !reflect.DeepEqual(l.MissingPhotoIDs, want) {
				t.Fatalf("ListReports: missing photos = %v, want %v", l.MissingPhotoIDs, want)
			}
		}
	}
	if !reflect.DeepEqual(rep.MissingPhotoIDs, r.PhotoIDs) {
		t.Fatalf("submitted: missing photos = %v, want all of %v", rep.MissingPhotoIDs, r.PhotoIDs)
	}
	wantMissing(r.PhotoIDs...)

	mustUpload(t, db, ctx, photo(1), data[1], 1000)
	wantMissing(r.PhotoIDs[0], r.PhotoIDs[2])
	mustBegin(t, db, ctx, photo(0)) // declared, and half sent: still missing
	mustWrite(t, db, ctx, r.PhotoIDs[0], 0, data[0][:700])
	wantMissing(r.PhotoIDs[0], r.PhotoIDs[2])
	mustUpload(t, db, ctx, photo(0), data[0], 1000)
	wantMissing(r.PhotoIDs[2])
	mustUpload(t, db, ctx, photo(2), data[2], 1000)
	wantMissing()

	t.Run("a report whose photos arrived first", func(t *testing.T) {
		late := newReport(inA)
		late.PhotoIDs = []string{r.PhotoIDs[1], newID()}
		got := mustSubmit(t, db, ctx, late)
		assertEqual(t, got.MissingPhotoIDs, []string{late.PhotoIDs[1]})
		again, err := db.GetReport(ctx, late.ID)
		if err != nil {
			t.Fatal(err)
		}
		assertEqual(t, again, got)
	})
}

// otherWorker returns a worker of grid who is not worker(), with a
// context to act as it.
func otherWorker(grid string) (*gridinspect.Actor, context.Context) {
	w := worker(grid)
	w.UserID = newID()
	return w, as(w)
}

// TestPhotoIDs_APhotoNeitherOfTheCaseNorTheAuthorsIsMissing checks that a
// report may count only a photo of its own case or one its reporter
// uploaded: any other photo, even a complete one the reporter may see, is
// listed as missing, word for word as an id that names nothing, when the
// report is submitted and whenever it is read.
func TestPhotoIDs_APhotoNeitherOfTheCaseNorTheAuthorsIsMissing(t *testing.T) {
	db, mineOf, ctx := photoStreet(t) // a case of worker() in grid A
	upload := func(ctx context.Context, reportID string, seed uint64) string {
		b := photoBytes(seed, 1000)
		h := photoOf(reportID, b)
		mustUpload(t, db, ctx, h, b, 1000)
		return h.ID
	}
	_, ctxB := otherWorker(gridB)
	otherGrid := upload(ctxB, mustSubmit(t, db, ctxB, newReport(inB)).ID, 1)
	_, ctxA := otherWorker(gridA)
	otherCase := upload(ctxA, mustSubmit(t, db, ctxA, newReport(inA)).ID, 2)
	mine := upload(ctx, mineOf.ID, 3) // worker()'s, of its earlier case
	sup := as(supervisor())           // sees the whole street
	supervisors := upload(sup, mineOf.ID, 4)
	unknown := newID()
	all := []string{otherGrid, otherCase, mine, supervisors, unknown}

	for _, tt := range []struct {
		name        string
		ctx         context.Context
		wantMissing []string
	}{
		{"a worker", ctx, []string{otherGrid, otherCase, supervisors, unknown}},
		{"a supervisor who may see every one of them", sup, []string{otherGrid, otherCase, mine, unknown}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := newReport(inA)
			r.PhotoIDs = all
			rep := mustSubmit(t, db, tt.ctx, r)
			assertEqual(t, rep.MissingPhotoIDs, tt.wantMissing)
			for _, reader := range []context.Context{tt.ctx, as(admin())} {
				got, err := db.GetReport(reader, rep.ID)
				if err != nil {
					t.Fatal(err)
				}
				assertEqual(t, got.MissingPhotoIDs, tt.wantMissing)
			}
		})
	}
}

// TestMissingPhotoIDs_ClearOnlyForAPhotoTheReporterMayName checks a
// report that arrives before its photos: what someone else uploads for a
// case of their own clears none of its missing ids, whether identical
// content under an id of their own or the very id it lists; the
// reporter's own upload does, and for identical content only once its
// bytes are sent, the stored content being another grid's; and so does a
// photo of the case itself, whoever uploads it.
func TestMissingPhotoIDs_ClearOnlyForAPhotoTheReporterMayName(t *testing.T) {
	db, _, ctx := photoStreet(t)
	b := photoBytes(9, 3000)
	r := newReport(inA)
	r.PhotoIDs = []string{newID(), newID(), newID()}
	rep := mustSubmit(t, db, ctx, r)
	wantMissing := func(want ...string) {
		t.Helper()
		got, err := db.GetReport(ctx, rep.ID)
		if err != nil {
			t.Fatal(err)
		}
		assertEqual(t, got.MissingPhotoIDs, want)
	}
	wantMissing(r.PhotoIDs...)

	_, ctxB := otherWorker(gridB)
	repB := mustSubmit(t, db, ctxB, newReport(inB))
	mustUpload(t, db, ctxB, photoOf(repB.ID, b), b, 3000)
	wantMissing(r.PhotoIDs...) // identical content, under another id

	taken := photoOf(repB.ID, photoBytes(10, 1000))
	taken.ID = r.PhotoIDs[1]
	mustUpload(t, db, ctxB, taken, photoBytes(10, 1000), 1000)
	wantMissing(r.PhotoIDs...) // the listed id, declared for grid B's case

	own := photoOf(rep.ID, b)
	own.ID = r.PhotoIDs[0]
	if st := mustBegin(t, db, ctx, own); st.Complete {
		t.Fatalf("declaring another grid's content: %+v, want its bytes to be asked for", st)
	}
	wantMissing(r.PhotoIDs...)
	mustUpload(t, db, ctx, own, b, 1000)
	wantMissing(r.PhotoIDs[1], r.PhotoIDs[2])

	_, colleague := otherWorker(gridA)
	ofTheCase := photoOf(rep.ID, photoBytes(11, 1000))
	ofTheCase.ID = r.PhotoIDs[2]
	mustUpload(t, db, colleague, ofTheCase, photoBytes(11, 1000), 1000)
	wantMissing(r.PhotoIDs[1])
}

func TestWriteChunk_GarbageAfterTheCommittedOffsetIsCutOffOnResume(t *testing.T) {
	db, rep, ctx := photoStreet(t)
	b := photoBytes(1, 3000)
	h := photoOf(rep.ID, b)
	mustBegin(t, db, ctx, h)
	mustWrite(t, db, ctx, h.ID, 0, b[:1000])
	// A crash after bytes were written but before they were committed.
	f, err := os.OpenFile(partialFile(t, db, h.ID), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(bytes.Repeat([]byte("junk"), 1000)); err != nil { // past the end of the photo
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	db = mustReopen(t, db)
	st := mustBegin(t, db, ctx, h)
	if st.Committed != 1000 {
		t.Fatalf("committed = %d after the crash, want 1000", st.Committed)
	}
	mustWrite(t, db, ctx, h.ID, 1000, b[1000:2000])
	if fi, err := os.Stat(partialFile(t, db, h.ID)); err != nil || fi.Size() != 2000 {
		t.Fatalf("partial file: %v, %v; want the 2000 committed bytes and nothing after them", fi.Size(), err)
	}
	wantComplete(t, mustWrite(t, db, ctx, h.ID, 2000, b[2000:]), 3000)
	if _, data := mustReadPhoto(t, db, ctx, h.ID); !bytes.Equal(data, b) {
		t.Fatal("the photo reads back other bytes")
	}
}

func TestBeginUpload_FinishesAnUploadCutShortAtItsEnd(t *testing.T) {
	for _, tt := range []struct {
		name  string
		crash func(t *testing.T, db *testDB, h *gridinspect.PhotoHeader, b []byte)
		want  *gridinspect.PhotoStatus // nil = complete
	}{
		{"before the file was kept", func(t *testing.T, db *testDB, h *gridinspect.PhotoHeader, b []byte) {
			writeFile(t, partialFile(t, db, h.ID), b)
		}, nil},
		{"after the file was kept", func(t *testing.T, db *testDB, h *gridinspect.PhotoHeader, b []byte) {
			if err := os.MkdirAll(filepath.Dir(blobFile(t, db, h.SHA256)), 0o750); err != nil {
				t.Fatal(err)
			}
			writeFile(t, blobFile(t, db, h.SHA256), b)
		}, nil},
		{"with bytes that do not match", func(t *testing.T, db *testDB, h *gridinspect.PhotoHeader, b []byte) {
			writeFile(t, partialFile(t, db, h.ID), photoBytes(9, len(b)))
		}, &gridinspect.PhotoStatus{Size: 3000}},
		{"with its file lost", func(t *testing.T, db *testDB, h *gridinspect.PhotoHeader, b []byte) {
		}, &gridinspect.PhotoStatus{Size: 3000}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			db, rep, ctx := photoStreet(t)
			b := photoBytes(1, 3000)
			h := photoOf(rep.ID, b)
			mustBegin(t, db, ctx, h)
			// Every byte committed, and then the server died. (The
			// declaration is in memory: the row is written with the
			// first durable bytes.)
			a, err := gridinspect.RequireActor(ctx)
			if err != nil {
				t.Fatal(err)
			}
			err = db.Write(context.Background(), func(tx *Tx) error {
				row := *h
				row.UploaderID = a.UserID
				return insertPhotoRow(tx, &row, 3000, false)
			})
			if err != nil {
				t.Fatal(err)
			}
			tt.crash(t, db, h, b)
			db = mustReopen(t, db)
			st := mustBegin(t, db, ctx, h)
			if tt.want == nil {
				wantComplete(t, st, 3000)
				if _, data := mustReadPhoto(t, db, ctx, h.ID); !bytes.Equal(data, b) {
					t.Fatal("the photo reads back other bytes")
				}
				return
			}
			tt.want.ID = h.ID
			assertEqual(t, st, tt.want)
			mustUpload(t, db, ctx, h, b, 1000)
		})
	}
}

func writeFile(tb testing.TB, path string, b []byte) {
	tb.Helper()
	if err := os.WriteFile(path, b, 0o640); err != nil {
		tb.Fatal(err)
	}
}

func TestWriteChunk_ConcurrentChunksOfOnePhotoTakeTurns(t *testing.T) {
	db, rep, ctx := photoStreet(t)
	b := photoBytes(1, 4000)
	h := photoOf(rep.ID, b)
	mustBegin(t, db, ctx, h)
	// A phone that retried while its first stream still ran: the same
	// chunk, many times at once. One is taken; the others are told where
	// the server is.
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Go(func() { _, errs[i] = db.WriteChunk(ctx, h.ID, 0, b[:1000]) })
	}
	wg.Wait()
	taken := 0
	for _, err := range errs {
		switch gridinspect.ErrorCode(err) {
		case "":
			taken++
		case gridinspect.EPRECONDITION:
		default:
			t.Fatalf("err = %v", err)
		}
	}
	if taken != 1 {
		t.Fatalf("%d of the same chunk were taken, want 1", taken)
	}
	mustUpload(t, db, ctx, h, b, 1000)
	if _, data := mustReadPhoto(t, db, ctx, h.ID); !bytes.Equal(data, b) {
		t.Fatal("the photo reads back other bytes")
	}
}

func TestPhotos_NeedAnActor(t *testing.T) {
	db, rep, _ := photoStreet(t)
	ctx := context.Background()
	h := photoOf(rep.ID, photoBytes(1, 10))
	_, err := db.BeginUpload(ctx, h)
	wantCode(t, err, gridinspect.EUNAUTHENTICATED)
	_, err = db.WriteChunk(ctx, h.ID, 0, nil)
	wantCode(t, err, gridinspect.EUNAUTHENTICATED)
	_, err = db.UploadStatus(ctx, h.ID)
	wantCode(t, err, gridinspect.EUNAUTHENTICATED)
	_, _, err = db.OpenPhoto(ctx, h.ID)
	wantCode(t, err, gridinspect.EUNAUTHENTICATED)
}

func TestOpen_PhotoFoldersBesideTheDatabaseOrWhereTold(t *testing.T) {
	onlyOn(t, "sqlite") // photos beside the SQLite file; PostgreSQL is always told
	db := MustOpenDB(t)
	if want := filepath.Join(filepath.Dir(db.Path()), "photos"); db.photoDir != want {
		t.Fatalf("photo folder = %s, want %s", db.photoDir, want)
	}
	dir := filepath.Join(t.TempDir(), "elsewhere")
	other := mustOpenWith(t, Options{PhotoDir: dir})
	for _, sub := range []string{partialDirName, blobDirName, thumbDirName} {
		fi, err := os.Stat(filepath.Join(dir, sub))
		if err != nil || !fi.IsDir() {
			t.Fatalf("%s: %v", sub, err)
		}
		if perm := fi.Mode().Perm(); perm&0o007 != 0 {
			t.Errorf("%s is open to everyone: %v", sub, perm)
		}
	}
	if other.photoDir != dir {
		t.Fatalf("photo folder = %s, want %s", other.photoDir, dir)
	}
}

// Verification evidence (issue 4, item 7).

func TestVerify_FlagsDoubtfulAfterPhotos(t *testing.T) {
	far := gridinspect.Location{Lat: inA.Lat + 0.01, Lng: inA.Lng} // 1.1 km north
	near := gridinspect.Location{Lat: inA.Lat + 0.001, Lng: inA.Lng}
	for _, tt := range []struct {
		name     string
		taken    time.Duration // after the assignment
		loc      *gridinspect.Location
		uploaded bool
		verify   func(string) *gridinspect.Action
		want     string // the flag, "" for none
	}{
		{"a good photo", time.Hour, &near, true, verifyPass, ""},
		{"a good photo, failed", time.Hour, &near, true, verifyFail, ""},
		{"a photo with no time or place", 0, nil, true, verifyPass, ""},
		{"a photo taken far away", time.Hour, &far, true, verifyPass, "was taken 1.1 km from the reported place"},
		{"a photo taken before the case was assigned", -time.Hour, &near, true, verifyPass,
			"was taken before the case was assigned"},
		{"a photo that has not arrived", time.Hour, &near, false, verifyFail, "has not arrived yet"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			db, _ := loopStreet(t)
			rep := mustCaseIn(t, db, gridinspect.StatusAssigned) // at t0
			db.clock.Add(2 * time.Hour)
			ctx := as(worker(gridA))
			b := photoBytes(1, 1000)
			h := photoOf(rep.ID, b)
			h.Location = tt.loc
			h.TakenAt = time.Time{}
			if tt.taken != 0 {
				h.TakenAt = t0.Add(tt.taken)
			}
			if tt.uploaded {
				mustUpload(t, db, ctx, h, b, 1000)
			}
			fix := rectify(rep.ID, gridinspect.DispositionRectified, 0)
			fix.PhotoIDs = []string{h.ID}
			mustAct(t, db, ctx, fix)
			_, e := mustAct(t, db, as(supervisor()), tt.verify(rep.ID))
			var want []string
			if tt.want != "" {
				want = []string{"photo " + h.ID + " " + tt.want}
			}
			assertEqual(t, e.Data.Verification.EvidenceFlags, want)
		})
	}
	t.Run("every doubt about every photo of the latest rectification", func(t *testing.T) {
		db, _ := loopStreet(t)
		rep := mustCaseIn(t, db, gridinspect.StatusAssigned)
		db.clock.Add(2 * time.Hour)
		ctx := as(worker(gridA))
		fix := rectify(rep.ID, gridinspect.DispositionRectified, 0)
		mustAct(t, db, ctx, fix) // its photos never arrive
		mustAct(t, db, as(supervisor()), verifyFail(rep.ID))

		b := photoBytes(1, 1000)
		early := photoOf(rep.ID, b) // an hour before t0, far away
		early.Location = &far
		good := photoOf(rep.ID, photoBytes(2, 1000))
		good.TakenAt, good.Location = t0.Add(time.Hour), &near
		mustUpload(t, db, ctx, early, b, 1000)
		mustUpload(t, db, ctx, good, photoBytes(2, 1000), 1000)
		missing := newID()
		again := rectify(rep.ID, gridinspect.DispositionRectified, 0)
		again.PhotoIDs = []string{good.ID, early.ID, missing}
		mustAct(t, db, ctx, again)
		_, e := mustAct(t, db, as(supervisor()), verifyPass(rep.ID))
		assertEqual(t, e.Data.Verification.EvidenceFlags, []string{
			"photo " + early.ID + " was taken 1.1 km from the reported place",
			"photo " + early.ID + " was taken before the case was assigned",
			"photo " + missing + " has not arrived yet",
		})
	})
	// Another case's photo, uploaded by someone else, is flagged exactly
	// as an id that names nothing: not arrived, with nothing read of its
	// time or place. The rectifier's own photo of another case counts, as
	// does a photo of the case whoever uploaded it.
	t.Run("a photo of another case that is not the rectifier's", func(t *testing.T) {
		db, _ := loopStreet(t)
		rep := mustCaseIn(t, db, gridinspect.StatusAssigned)
		db.clock.Add(2 * time.Hour)
		ctx := as(worker(gridA))
		_, colleague := otherWorker(gridA)
		b := photoBytes(1, 1000)
		theirs := photoOf(mustSubmit(t, db, colleague, newReport(inA)).ID, b) // an hour before t0
		theirs.Location = &far
		mustUpload(t, db, colleague, theirs, b, 1000)
		mine := photoOf(mustSubmit(t, db, ctx, newReport(inA)).ID, photoBytes(2, 1000))
		mine.TakenAt, mine.Location = t0.Add(time.Hour), &near
		mustUpload(t, db, ctx, mine, photoBytes(2, 1000), 1000)
		ofTheCase := photoOf(rep.ID, photoBytes(3, 1000))
		ofTheCase.Location = &far
		mustUpload(t, db, colleague, ofTheCase, photoBytes(3, 1000), 1000)
		unknown := newID()
		fix := rectify(rep.ID, gridinspect.DispositionRectified, 0)
		fix.PhotoIDs = []string{theirs.ID, mine.ID, ofTheCase.ID, unknown}
		mustAct(t, db, ctx, fix)
		_, e := mustAct(t, db, as(supervisor()), verifyPass(rep.ID))
		assertEqual(t, e.Data.Verification.EvidenceFlags, []string{
			"photo " + theirs.ID + " has not arrived yet",
			"photo " + ofTheCase.ID + " was taken 1.1 km from the reported place",
			"photo " + ofTheCase.ID + " was taken before the case was assigned",
			"photo " + unknown + " has not arrived yet",
		})
	})
	t.Run("a flag a client sends is not kept", func(t *testing.T) {
		db, _ := loopStreet(t)
		rep := mustCaseIn(t, db, gridinspect.StatusPendingVerification) // on the spot: no rectification
		v := verifyPass(rep.ID)
		v.Data.Verification.EvidenceFlags = []string{"all good"}
		_, e := mustAct(t, db, as(supervisor()), v)
		if flags := e.Data.Verification.EvidenceFlags; flags != nil {
			t.Fatalf("flags = %q, want none", flags)
		}
	})
}

func TestDistanceText(t *testing.T) {
	for _, tt := range []struct {
		meters float64
		want   string
	}{{0, "0 m"}, {299.6, "300 m"}, {1000, "1.0 km"}, {1234, "1.2 km"}, {15_049, "15.0 km"}} {
		if got := distanceText(tt.meters); got != tt.want {
			t.Errorf("distanceText(%v) = %q, want %q", tt.meters, got, tt.want)
		}
	}
}

func TestUploadPhoto_KnowingAPhotosHashIsNotEnoughToGetIt(t *testing.T) {
	db, rep, ctx := photoStreet(t)
	b := photoBytes(7, 5000)
	mustUpload(t, db, ctx, photoOf(rep.ID, b), b, 2000)

	// Another worker, of grid B, declares the same content for a case of
	// their own: they must send every byte.
	workerB := worker(gridB)
	workerB.UserID = newID()
	ctxB := as(workerB)
	repB := mustSubmit(t, db, ctxB, newReport(inB))
	h := photoOf(repB.ID, b)
	st := mustBegin(t, db, ctxB, h)
	if st.Complete || st.Committed != 0 {
		t.Fatalf("status %+v, want nothing committed", st)
	}
	if _, r, err := db.OpenPhoto(ctxB, h.ID); err == nil {
		r.Close()
		t.Fatal("the photo opens before its bytes were sent")
	}
	// Sent whole, it completes, and is still stored once.
	mustUpload(t, db, ctxB, h, b, 2000)
	if _, data := mustReadPhoto(t, db, ctxB, h.ID); !bytes.Equal(data, b) {
		t.Fatal("the photo reads back other bytes")
	}
	if files := photoFiles(t, db, blobDirName); len(files) != 1 {
		t.Fatalf("files = %v, want one", files)
	}
}

// TestWriteChunk_AChunkOnDiskIsCommittedThoughThePhoneHungUp: a link that
// breaks while the server writes a chunk that arrived whole must not cost
// the phone that chunk — its resume starts after it, so on a link reset
// every couple of MB no photo is sent again from its start.
func TestWriteChunk_AChunkOnDiskIsCommittedThoughThePhoneHungUp(t *testing.T) {
	db, rep, ctx := photoStreet(t)
	b := photoBytes(5, 3000)
	h := photoOf(rep.ID, b)
	mustBegin(t, db, ctx, h)

	callCtx, hangUp := context.WithCancel(ctx)
	was := writePartialAt
	writePartialAt = func(f *os.File, data []byte, off int64) (int, error) {
		hangUp() // the stream's context ends while the bytes go to disk
		return f.WriteAt(data, off)
	}
	t.Cleanup(func() { writePartialAt = was })
	_, _ = db.WriteChunk(callCtx, h.ID, 0, b[:1000])
	writePartialAt = was

	if st := mustStatus(t, db, ctx, h.ID); st.Committed != 1000 {
		t.Fatalf("committed = %d after a whole chunk reached the disk, want 1000", st.Committed)
	}
	wantComplete(t, mustWrite(t, db, ctx, h.ID, 1000, b[1000:]), 3000)
}

// TestAppendChunk_AnswersOnlyWhatIsDurable: a stream's chunks are written
// at once but committed together, and the status never names bytes not
// yet fsynced and committed; another stream resuming from the committed
// size cuts off what the first appended past it, and the photo completes
// with the right bytes.
func TestAppendChunk_AnswersOnlyWhatIsDurable(t *testing.T) {
	db, rep, ctx := photoStreet(t)
	b := photoBytes(7, 3<<16)
	h := photoOf(rep.ID, b)
	mustBegin(t, db, ctx, h)
	const chunk = 1 << 16

	st, err := db.AppendChunk(ctx, h.ID, 0, b[:chunk])
	if err != nil || st.Committed != 0 {
		t.Fatalf("first append = %+v, %v; want 0 committed until the stream's end", st, err)
	}
	if st := mustStatus(t, db, ctx, h.ID); st.Committed != 0 {
		t.Fatalf("status says %d committed before any fsync", st.Committed)
	}
	if st, err := db.FlushUpload(ctx, h.ID); err != nil || st.Committed != chunk {
		t.Fatalf("flush = %+v, %v; want %d committed", st, err, chunk)
	}
	// A second stream appends a chunk, not flushed; a third resumes from
	// the committed size (the second's phone gave up): the pending chunk
	// goes, and what the third sends counts.
	if _, err := db.AppendChunk(ctx, h.ID, chunk, make([]byte, chunk)); err != nil {
		t.Fatal(err)
	}
	if _, err := db.AppendChunk(ctx, h.ID, chunk, b[chunk:2*chunk]); err != nil {
		t.Fatalf("resume from the committed size: %v", err)
	}
	// A chunk at neither place is refused with the durable size.
	if _, err := db.AppendChunk(ctx, h.ID, 5, b[5:chunk+5]); gridinspect.ErrorCode(err) != gridinspect.EPRECONDITION {
		t.Fatalf("chunk at 5: %v, want EPRECONDITION", err)
	}
	if st := mustStatus(t, db, ctx, h.ID); st.Committed != 2*chunk {
		t.Fatalf("after a refused chunk: %d committed, want %d (what was appended, made durable)", st.Committed, 2*chunk)
	}
	st, err = db.AppendChunk(ctx, h.ID, 2*chunk, b[2*chunk:])
	if err != nil {
		t.Fatal(err)
	}
	wantComplete(t, st, int64(len(b)))
}

// TestBeginUpload_CompletesAStreamKeptJustBeforeACrash: a stream's last
// chunk is committed by the completion alone, so a crash after its file
// was kept among the complete ones, before the row said so, leaves a row
// short of the size and no partial file. The phone's resume must find the
// photo complete, not its committed bytes missing and its upload back at 0.
func TestBeginUpload_CompletesAStreamKeptJustBeforeACrash(t *testing.T) {
	db, rep, ctx := photoStreet(t)
	b := photoBytes(9, 3<<14)
	h := photoOf(rep.ID, b)
	mustBegin(t, db, ctx, h)
	if _, err := db.AppendChunk(ctx, h.ID, 0, b[:1<<14]); err != nil {
		t.Fatal(err)
	}
	if _, err := db.FlushUpload(ctx, h.ID); err != nil {
		t.Fatal(err)
	}
	st, err := db.AppendChunk(ctx, h.ID, 1<<14, b[1<<14:])
	if err != nil {
		t.Fatal(err)
	}
	wantComplete(t, st, int64(len(b)))
	// The crash: the row as it was before the completion's commit.
	err = db.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec("UPDATE photos SET complete = 0, committed = ?, completed_at = NULL WHERE id = ?", 1<<14, h.ID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	db = mustReopen(t, db)
	st = mustBegin(t, db, ctx, h)
	if !st.Complete || st.Committed != int64(len(b)) {
		t.Fatalf("resumed after the crash: %+v, want complete", st)
	}
	if _, data := mustReadPhoto(t, db, ctx, h.ID); !bytes.Equal(data, b) {
		t.Fatal("read back other bytes")
	}
}

// TestUploadPhoto_OneStreamIsOneWrite: a photo declared and sent whole in
// one stream costs the writer one write — its row is written with its
// bytes, complete — where its declaration used to be a commit of its own
// (half the writer's work in the storm's photo burst).
func TestUploadPhoto_OneStreamIsOneWrite(t *testing.T) {
	db, rep, ctx := photoStreet(t)
	b := photoBytes(11, 3<<15)
	h := photoOf(rep.ID, b)
	before := db.WriterStats().Writes
	if st := mustBegin(t, db, ctx, h); st.Committed != 0 || st.Size != h.Size || st.Complete {
		t.Fatalf("declared: %+v, want 0 of %d bytes", st, h.Size)
	}
	var st *gridinspect.PhotoStatus
	for off := 0; off < len(b); off += 1 << 15 {
		var err error
		if st, err = db.AppendChunk(ctx, h.ID, int64(off), b[off:off+1<<15]); err != nil {
			t.Fatal(err)
		}
	}
	wantComplete(t, st, int64(len(b)))
	if n := db.WriterStats().Writes - before; n != 1 {
		t.Fatalf("the writer served %d writes for one photo in one stream, want 1", n)
	}
	if _, data := mustReadPhoto(t, db, ctx, h.ID); !bytes.Equal(data, b) {
		t.Fatal("read back other bytes")
	}
}

// TestBeginUpload_ADeclaredPhotoResumesFromWhatIsDurable: a declaration
// alone stores nothing that a crash could lose, and a phone relies only
// on what it was told is committed: declared and restarted, declared and
// cut, or with one durable batch, the phone's resume starts where the
// status says, and completes with the right bytes.
func TestBeginUpload_ADeclaredPhotoResumesFromWhatIsDurable(t *testing.T) {
	const chunk = 1 << 14
	for _, tt := range []struct {
		name string
		sent int  // bytes appended, then the stream's end (FlushUpload)
		cut  bool // the server restarts after that
		want int64
	}{
		{"declared, the server restarted", 0, true, 0},
		{"declared, the stream ended at once", 0, false, 0},
		{"a chunk flushed, the server restarted", chunk, true, chunk},
		{"a chunk flushed", chunk, false, chunk},
	} {
		t.Run(tt.name, func(t *testing.T) {
			db, rep, ctx := photoStreet(t)
			b := photoBytes(12, 3*chunk)
			h := photoOf(rep.ID, b)
			mustBegin(t, db, ctx, h)
			if tt.sent > 0 {
				if _, err := db.AppendChunk(ctx, h.ID, 0, b[:tt.sent]); err != nil {
					t.Fatal(err)
				}
			}
			if st, err := db.FlushUpload(ctx, h.ID); err != nil || st.Committed != tt.want {
				t.Fatalf("stream's end: %+v, %v; want %d committed", st, err, tt.want)
			}
			if tt.cut {
				db = mustReopen(t, db)
			}
			want := &gridinspect.PhotoStatus{ID: h.ID, Size: h.Size, Committed: tt.want}
			if tt.cut && tt.sent == 0 {
				// Nothing of it was stored: the restarted server answers
				// as for a photo it does not know, which is declared again.
				assertEqual(t, mustStatus(t, db, ctx, h.ID), &gridinspect.PhotoStatus{ID: h.ID})
			} else {
				assertEqual(t, mustStatus(t, db, ctx, h.ID), want)
			}
			st := mustBegin(t, db, ctx, h)
			assertEqual(t, st, want)
			for off := int(st.Committed); off < len(b); off += chunk {
				var err error
				if st, err = db.AppendChunk(ctx, h.ID, int64(off), b[off:off+chunk]); err != nil {
					t.Fatal(err)
				}
			}
			wantComplete(t, st, int64(len(b)))
			if _, data := mustReadPhoto(t, db, ctx, h.ID); !bytes.Equal(data, b) {
				t.Fatal("read back other bytes")
			}
		})
	}
}

// TestAppendChunk_AStreamOfOtherBytesIsRefusedAndStartsAgain: a stream's
// bytes are hashed as they arrive; bytes that do not match the declared
// hash are refused at the last chunk, discarded, and the upload starts
// again from 0.
func TestAppendChunk_AStreamOfOtherBytesIsRefusedAndStartsAgain(t *testing.T) {
	const chunk = 1 << 14
	db, rep, ctx := photoStreet(t)
	b := photoBytes(13, 3*chunk)
	h := photoOf(rep.ID, b)
	mustBegin(t, db, ctx, h)
	other := photoBytes(14, len(b))
	var err error
	for off := 0; off < len(b) && err == nil; off += chunk {
		_, err = db.AppendChunk(ctx, h.ID, int64(off), other[off:off+chunk])
	}
	if gridinspect.ErrorCode(err) != gridinspect.EINVALID {
		t.Fatalf("a stream of other bytes: %v, want EINVALID", err)
	}
	if st := mustBegin(t, db, ctx, h); st.Committed != 0 || st.Complete {
		t.Fatalf("after the refused bytes: %+v, want to start again from 0", st)
	}
	var st *gridinspect.PhotoStatus
	for off := 0; off < len(b); off += chunk {
		if st, err = db.AppendChunk(ctx, h.ID, int64(off), b[off:off+chunk]); err != nil {
			t.Fatal(err)
		}
	}
	wantComplete(t, st, int64(len(b)))
	if files := photoFiles(t, db, partialDirName); len(files) != 0 {
		t.Fatalf("partial files left: %v", files)
	}
}
