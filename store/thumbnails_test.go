package store

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gridinspect/gridinspect"
)

// Thumbnails as a list, a map or a phone on a slow link asks for them.

// waitThumbnails waits until the background goroutine has made every
// thumbnail queued so far.
func (db *DB) waitThumbnails() { db.thumbsQueued.Wait() }

// halves returns a w×h image whose left half is left and right half right.
func halves(w, h int, left, right color.RGBA) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := left
			if x >= w/2 {
				c = right
			}
			m.SetRGBA(x, y, c)
		}
	}
	return m
}

var (
	red  = color.RGBA{0xe0, 0x20, 0x20, 0xff}
	blue = color.RGBA{0x20, 0x20, 0xe0, 0xff}
)

func jpegOf(tb testing.TB, w, h int) []byte {
	tb.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, halves(w, h, red, blue), &jpeg.Options{Quality: 90}); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

func pngOf(tb testing.TB, w, h int) []byte {
	tb.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, halves(w, h, red, blue)); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

// webpGopher is golang.org/x/image's testdata/gopher-doc.1bpp.lossless.webp
// (BSD licence), a 75×100 lossless WebP: Go cannot write WebP.
var webpGopher, _ = base64.StdEncoding.DecodeString(`
UklGRrIBAABXRUJQVlA4TKUBAAAvSsAYAA8w//M///MfeJAkbXvaSG7m8Q3GfYSBJekwQztm/IcZ
lgwnmWImn2BK7aFmBtnVir6q//8VOkFE/xm4baTIu8c48ArEo6+B3zFKYln3pqClSCKX0begFTAX
FOLXHSyF8cCNcZEG4OywuA4KVVfJCiArU7GAgJI8+lJP/OKMT/fBAjevg1cYB7YVkFuWga2lyPi5
I0HFy5YTpWIHg0RZpkniRVW9odHAKOwosWuOGdxIyn2OvaCDvhg/we6TwadPBPbqBV58MsLmMJ8y
ZnOWk8SRz4N+QoyPL+MnamzMvcE1rHNEr91F9GKZPVUcS9w7PhhH36suB9qPeYb/oLk6cuTiJ0wO
K3m5h1cKjW6EVZCYMK7dxcKCBdgP9HkKr9gkAO2P8GKZGWVdIAatQa+1IDpt6qyorVwdy01xdW8J
kfk6xjEXmVQQ+HQdFr6OKhIN34dXWq0+0qr6EJSCeeVLH9+gvGTLyqM65PQ44ihzlTXxQKjKbAvs
hXgir7Lil9w4L2bvMycmjQcqXaMCO6BlY28i+FOLzbfI1vEqxAhotocAAA==`)

// withOrientation returns the JPEG b with an EXIF segment saying
// orientation o, as a phone held upright writes it.
func withOrientation(b []byte, o uint16) []byte {
	tiff := []byte("MM\x00\x2a\x00\x00\x00\x08" + // big-endian, the first IFD at 8
		"\x00\x01" + // one entry:
		"\x01\x12\x00\x03\x00\x00\x00\x01") // Orientation, one SHORT:
	tiff = binary.BigEndian.AppendUint16(tiff, o)
	tiff = append(tiff, 0, 0, 0, 0, 0, 0) // padding; no next IFD
	seg := append([]byte("Exif\x00\x00"), tiff...)
	app1 := binary.BigEndian.AppendUint16([]byte{0xff, 0xe1}, uint16(len(seg)+2))
	return slices.Concat(b[:2], app1, seg, b[2:])
}

// withJPEGSize returns the JPEG b with its frame header saying w×h pixels,
// and marked progressive if asked.
func withJPEGSize(tb testing.TB, b []byte, w, h uint16, progressive bool) []byte {
	tb.Helper()
	b = bytes.Clone(b)
	i := bytes.Index(b, []byte{0xff, 0xc0})
	if i < 0 {
		tb.Fatal("no SOF0 in the JPEG")
	}
	binary.BigEndian.PutUint16(b[i+5:], h)
	binary.BigEndian.PutUint16(b[i+7:], w)
	if progressive {
		b[i+1] = 0xc2
	}
	return b
}

// withPNGSize returns the PNG b with its header saying w×h pixels, its
// checksum made right so that a decoder believes it.
func withPNGSize(b []byte, w, h uint32) []byte {
	b = bytes.Clone(b)
	binary.BigEndian.PutUint32(b[16:], w)
	binary.BigEndian.PutUint32(b[20:], h)
	binary.BigEndian.PutUint32(b[29:], crc32.ChecksumIEEE(b[12:29]))
	return b
}

// mustUploadImage uploads b, of type contentType, as a photo of reportID.
func mustUploadImage(tb testing.TB, db *testDB, ctx context.Context, reportID string, b []byte, contentType string) *gridinspect.PhotoHeader {
	tb.Helper()
	h := photoOf(reportID, b)
	h.ContentType = contentType
	mustUpload(tb, db, ctx, h, b, 64<<10)
	return h
}

func mustThumbnail(tb testing.TB, db *testDB, ctx context.Context, photoID string) *gridinspect.Thumbnail {
	tb.Helper()
	th, err := db.OpenThumbnail(ctx, photoID)
	if err != nil {
		tb.Fatalf("thumbnail of photo %s: %v", photoID, err)
	}
	return th
}

// wantImage decodes a thumbnail's bytes and checks their format and size.
func wantImage(tb testing.TB, th *gridinspect.Thumbnail, format string, w, h int) image.Image {
	tb.Helper()
	m, got, err := image.Decode(bytes.NewReader(th.Data))
	if err != nil {
		tb.Fatalf("decode the thumbnail: %v", err)
	}
	if got != format || m.Bounds().Dx() != w || m.Bounds().Dy() != h {
		tb.Fatalf("thumbnail is a %s of %v, want a %s of %d×%d", got, m.Bounds().Size(), format, w, h)
	}
	return m
}

func wantPlaceholder(tb testing.TB, th *gridinspect.Thumbnail) {
	tb.Helper()
	if !th.Placeholder || th.ContentType != "image/png" || !strings.HasPrefix(th.ETag, placeholderETagPrefix) {
		tb.Fatalf("thumbnail %s %s placeholder=%v, want the placeholder", th.ContentType, th.ETag, th.Placeholder)
	}
	wantImage(tb, th, "png", 320, 240)
}

// thumbFiles lists the files in the thumbnail folder.
func thumbFiles(tb testing.TB, db *testDB) []string {
	tb.Helper()
	return photoFiles(tb, db, thumbDirName)
}

func TestThumbnail_JPEGPNGAndWebPShrinkToTheLongestSide320KeepingTheirShape(t *testing.T) {
	db, rep, ctx := photoStreet(t)
	for _, tt := range []struct {
		name        string
		data        []byte
		contentType string
		w, h        int // of the thumbnail
	}{
		{"a landscape JPEG", jpegOf(t, 1000, 600), "image/jpeg", 320, 192},
		{"a portrait JPEG", jpegOf(t, 900, 1600), "image/jpeg", 180, 320},
		{"a landscape PNG", pngOf(t, 1280, 400), "image/png", 320, 100},
		{"a portrait PNG", pngOf(t, 480, 1200), "image/png", 128, 320},
		{"a small JPEG is not enlarged", jpegOf(t, 200, 100), "image/jpeg", 200, 100},
		{"a small PNG is not enlarged", pngOf(t, 320, 50), "image/png", 320, 50},
		{"a WebP", webpGopher, "image/webp", 75, 100},
	} {
		t.Run(tt.name, func(t *testing.T) {
			made := db.thumbsMade.Load()
			h := mustUploadImage(t, db, ctx, rep.ID, tt.data, tt.contentType)
			// Made when the photo completed, before anyone asked.
			db.waitThumbnails()
			if got := db.thumbsMade.Load() - made; got != 1 {
				t.Fatalf("%d thumbnails made after the upload, want 1", got)
			}
			jpg, _, err := db.thumbPaths(h.SHA256)
			if err != nil {
				t.Fatal(err)
			}
			fi, err := os.Stat(jpg)
			if err != nil {
				t.Fatalf("no thumbnail file after the upload: %v", err)
			}
			if perm := fi.Mode().Perm(); perm != thumbFilePerm {
				t.Errorf("thumbnail file mode %v, want %v", perm, os.FileMode(thumbFilePerm))
			}

			th := mustThumbnail(t, db, ctx, h.ID)
			if th.Placeholder || th.ContentType != "image/jpeg" || th.ETag != "thumb-"+h.SHA256 {
				t.Fatalf("thumbnail %s %s placeholder=%v, want a JPEG named for the photo", th.ContentType, th.ETag, th.Placeholder)
			}
			wantImage(t, th, "jpeg", tt.w, tt.h)
			if db.thumbsMade.Load()-made != 1 {
				t.Fatal("the thumbnail was made again when asked for")
			}
		})
	}
}

func TestThumbnail_TurnsAPhoneJPEGUprightAsItsEXIFSays(t *testing.T) {
	db, rep, ctx := photoStreet(t)
	// The photo: 400×200, red on the left, blue on the right, as stored.
	stored := jpegOf(t, 400, 200)
	for _, tt := range []struct {
		orientation   uint16
		w, h          int
		first, second color.RGBA // the colours of the top and bottom halves, or of the left and right
		topAndBottom  bool
	}{
		{1, 320, 160, red, blue, false},
		{3, 320, 160, blue, red, false}, // upside down
		{6, 160, 320, red, blue, true},  // a quarter clockwise: the left comes on top
		{8, 160, 320, blue, red, true},  // a quarter anticlockwise
	} {
		t.Run(string(rune('0'+tt.orientation)), func(t *testing.T) {
			b := withOrientation(stored, tt.orientation)
			th := mustThumbnail(t, db, ctx, mustUploadImage(t, db, ctx, rep.ID, b, "image/jpeg").ID)
			m := wantImage(t, th, "jpeg", tt.w, tt.h)
			at1, at2 := image.Pt(tt.w/4, tt.h/2), image.Pt(tt.w*3/4, tt.h/2)
			if tt.topAndBottom {
				at1, at2 = image.Pt(tt.w/2, tt.h/4), image.Pt(tt.w/2, tt.h*3/4)
			}
			for _, p := range []struct {
				at   image.Point
				want color.RGBA
			}{{at1, tt.first}, {at2, tt.second}} {
				r, _, b, _ := m.At(p.at.X, p.at.Y).RGBA()
				if gotRed := r > b; gotRed != (p.want == red) {
					t.Errorf("at %v: red %d, blue %d; want %v", p.at, r>>8, b>>8, p.want)
				}
			}
		})
	}
}

func TestThumbnail_PhotosGoCannotPreviewGetThePlaceholder(t *testing.T) {
	db, rep, ctx := photoStreet(t)
	var gifBytes bytes.Buffer
	if err := gif.Encode(&gifBytes, halves(400, 300, red, blue), nil); err != nil {
		t.Fatal(err)
	}
	heic := append([]byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic"), photoBytes(1, 3000)...)
	good := jpegOf(t, 640, 480)
	truncated := good[:len(good)/2]
	for _, tt := range []struct {
		name        string
		data        []byte
		contentType string
		marked      bool // the failure cost a decode, and is remembered
	}{
		{"an iPhone's HEIC", heic, "image/heic", false},
		{"bytes that are no image", photoBytes(2, 3000), "image/jpeg", false},
		{"a GIF, which is not a photo format", gifBytes.Bytes(), "image/jpeg", false},
		{"a JPEG cut short", truncated, "image/jpeg", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := mustUploadImage(t, db, ctx, rep.ID, tt.data, tt.contentType)
			db.waitThumbnails()
			wantPlaceholder(t, mustThumbnail(t, db, ctx, h.ID))
			jpg, none, _ := db.thumbPaths(h.SHA256)
			if _, err := os.Stat(jpg); err == nil {
				t.Error("a thumbnail file was kept for a photo that has none")
			}
			if _, err := os.Stat(none); (err == nil) != tt.marked {
				t.Errorf("marked as undecodable = %v, want %v", err == nil, tt.marked)
			}
		})
	}
	t.Run("every placeholder is the same", func(t *testing.T) {
		a, b := placeholder(), placeholder()
		if !bytes.Equal(a.Data, b.Data) || a.ETag != b.ETag {
			t.Fatal("two placeholders differ")
		}
	})
}

func TestThumbnail_AHeaderClaimingHugeSizeIsNotDecoded(t *testing.T) {
	db, rep, ctx := photoStreet(t)
	small := jpegOf(t, 64, 48)
	var deep bytes.Buffer // a PNG of 16 bits a channel
	translucent := image.NewNRGBA64(image.Rect(0, 0, 64, 48))
	translucent.SetNRGBA64(1, 1, color.NRGBA64{R: 0x1234, A: 0x8000})
	if err := png.Encode(&deep, translucent); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		data []byte
	}{
		{"a PNG of 100,000×100,000 pixels", withPNGSize(pngOf(t, 64, 48), 100_000, 100_000)},
		{"a JPEG of 65,535×65,535 pixels", withJPEGSize(t, small, 65535, 65535, false)},
		// 49 megapixels, under the bound of pixels, but 8 bytes each: the
		// decoder would take 392 MB before it read a row.
		{"a 16-bit PNG of 7,000×7,000 pixels", withPNGSize(deep.Bytes(), 7000, 7000)},
		// As many, progressive: its coefficients alone would take a
		// quarter of a gigabyte.
		{"a progressive JPEG of 7,000×7,000 pixels", withJPEGSize(t, small, 7000, 7000, true)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			// Both the background goroutine, when the upload completes,
			// and OpenThumbnail, asked for it, look at the photo.
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			h := mustUploadImage(t, db, ctx, rep.ID, tt.data, "image/jpeg")
			db.waitThumbnails()
			th := mustThumbnail(t, db, ctx, h.ID)
			runtime.ReadMemStats(&after)
			wantPlaceholder(t, th)
			const most = 4 << 20
			if got := after.TotalAlloc - before.TotalAlloc; got > most {
				t.Fatalf("uploading the photo and asking for its thumbnail allocated %d bytes; at most %d", got, most)
			}
			t.Logf("allocated %d bytes", after.TotalAlloc-before.TotalAlloc)
		})
	}
}

func TestThumbnail_AnswersExactlyAsThePhotoDoes(t *testing.T) {
	db := MustOpenDB(t)
	mustStreet(t, db)
	repB := mustSubmit(t, db, as(admin()), newReport(inB))
	b := jpegOf(t, 400, 300)
	inB := mustUploadImage(t, db, as(admin()), repB.ID, b, "image/jpeg")
	partial := photoOf(repB.ID, jpegOf(t, 300, 300))
	mustBegin(t, db, as(admin()), partial)

	for _, tt := range []struct {
		name string
		ctx  context.Context
		id   string
		code string
	}{
		{"a worker of another grid, for a complete photo", as(worker(gridA)), inB.ID, gridinspect.EFORBIDDEN},
		{"a worker of another grid, for an upload in progress", as(worker(gridA)), partial.ID, gridinspect.EFORBIDDEN},
		{"a worker, for a photo that does not exist", as(worker(gridA)), newID(), gridinspect.EFORBIDDEN},
		{"the whole street, for an upload in progress", as(admin()), partial.ID, gridinspect.ENOTFOUND},
		{"the whole street, for a photo that does not exist", as(admin()), newID(), gridinspect.ENOTFOUND},
		{"a bad id", as(admin()), "../../etc/passwd", gridinspect.EINVALID},
		{"nobody", context.Background(), inB.ID, gridinspect.EUNAUTHENTICATED},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, _, photoErr := db.OpenPhoto(tt.ctx, tt.id)
			_, thumbErr := db.OpenThumbnail(tt.ctx, tt.id)
			wantCode(t, thumbErr, tt.code)
			assertEqual(t, thumbErr, photoErr)
		})
	}
	t.Run("whoever may see the photo gets its thumbnail", func(t *testing.T) {
		for _, ctx := range []context.Context{as(worker(gridB)), as(supervisor(gridB)), as(admin())} {
			wantImage(t, mustThumbnail(t, db, ctx, inB.ID), "jpeg", 320, 240)
		}
	})
}

func TestThumbnail_IsMadeOnceForIdenticalContent(t *testing.T) {
	db, rep, ctx := photoStreet(t)
	other := mustSubmit(t, db, ctx, newReport(inA))
	b := pngOf(t, 800, 600)
	var ids []string
	for _, reportID := range []string{rep.ID, rep.ID, other.ID} {
		ids = append(ids, mustUploadImage(t, db, ctx, reportID, b, "image/png").ID)
	}
	db.waitThumbnails()
	var first *gridinspect.Thumbnail
	for _, id := range ids {
		th := mustThumbnail(t, db, ctx, id)
		if first == nil {
			first = th
		}
		assertEqual(t, th, first)
	}
	if files := thumbFiles(t, db); len(files) != 1 {
		t.Fatalf("thumbnail files %v, want one", files)
	}
	if n := db.thumbsMade.Load(); n != 1 {
		t.Fatalf("%d thumbnails made, want 1", n)
	}
}

func TestThumbnail_AMissingOneIsMadeAgainOnDemand(t *testing.T) {
	db, rep, ctx := photoStreet(t)
	h := mustUploadImage(t, db, ctx, rep.ID, jpegOf(t, 1200, 900), "image/jpeg")
	db.waitThumbnails()
	want := mustThumbnail(t, db, ctx, h.ID)
	jpg, _, _ := db.thumbPaths(h.SHA256)

	for _, tt := range []struct {
		name   string
		damage func(t *testing.T)
	}{
		{"the file was removed", func(t *testing.T) {
			if err := os.Remove(jpg); err != nil {
				t.Fatal(err)
			}
		}},
		{"the whole folder is gone, as after a restore", func(t *testing.T) {
			if err := os.RemoveAll(db.thumbDir()); err != nil {
				t.Fatal(err)
			}
		}},
		{"a crash left the file empty", func(t *testing.T) { writeFile(t, jpg, nil) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			made := db.thumbsMade.Load()
			tt.damage(t)
			assertEqual(t, mustThumbnail(t, db, ctx, h.ID), want)
			if got, err := os.ReadFile(jpg); err != nil || !bytes.Equal(got, want.Data) {
				t.Fatalf("the thumbnail file was not made again: %v", err)
			}
			if db.thumbsMade.Load() != made+1 {
				t.Fatalf("%d thumbnails made, want 1", db.thumbsMade.Load()-made)
			}
		})
	}

	t.Run("a restart removes what a crash left half-written", func(t *testing.T) {
		leftover := filepath.Join(db.thumbDir(), thumbTempPrefix+"123")
		writeFile(t, leftover, []byte("half a thumb"))
		old := time.Now().Add(-2 * thumbTempMaxAge) // a fresh one may be another server's (PostgreSQL)
		if err := os.Chtimes(leftover, old, old); err != nil {
			t.Fatal(err)
		}
		db = mustReopen(t, db)
		if _, err := os.Stat(leftover); err == nil {
			t.Fatal("the leftover is still there")
		}
		assertEqual(t, mustThumbnail(t, db, ctx, h.ID), want)
	})
}

func TestBackup_LeavesThumbnailsOutAndTheRestoredServerMakesThemAgain(t *testing.T) {
	onlyOn(t, "sqlite") // SQLite's backup
	db, rep, ctx := photoStreet(t)
	h := mustUploadImage(t, db, ctx, rep.ID, jpegOf(t, 1000, 750), "image/jpeg")
	heic := mustUploadImage(t, db, ctx, rep.ID, []byte("\x00\x00\x00\x18ftypheic-and-more"), "image/heic")
	db.waitThumbnails()
	want := mustThumbnail(t, db, ctx, h.ID)
	// A thumbnail half-written when the backup runs.
	writeFile(t, filepath.Join(db.thumbDir(), thumbTempPrefix+"1"), []byte("half"))

	archive, _ := mustBackup(t, db)
	for _, e := range readEntries(t, archive) {
		if strings.Contains(e.hdr.Name, thumbDirName) {
			t.Errorf("the backup holds %s: thumbnails are made again, not backed up", e.hdr.Name)
		}
	}

	restored, _ := mustRestore(t, archive, db.clock)
	assertEqual(t, mustThumbnail(t, restored, ctx, h.ID), want)
	wantPlaceholder(t, mustThumbnail(t, restored, ctx, heic.ID))
	if n := restored.thumbsMade.Load(); n != 1 {
		t.Fatalf("%d thumbnails made after the restore, want 1", n)
	}
}

func TestThumbnailSize_KeepsTheShape(t *testing.T) {
	for _, tt := range []struct{ w, h, tw, th int }{
		{4000, 3000, 320, 240},
		{3000, 4000, 240, 320},
		{320, 320, 320, 320},
		{321, 1, 320, 1},
		{1, 100_000, 1, 320},
		{100, 80, 100, 80},
	} {
		if tw, th := thumbSize(tt.w, tt.h); tw != tt.tw || th != tt.th {
			t.Errorf("thumbSize(%d, %d) = %d, %d; want %d, %d", tt.w, tt.h, tw, th, tt.tw, tt.th)
		}
	}
}

// BenchmarkRenderThumbnail makes the thumbnail of a phone camera's
// 12-megapixel JPEG (4000×3000, 4:2:0, quality 90): the CPU and memory a
// completed photo costs the background goroutine.
func BenchmarkRenderThumbnail(b *testing.B) {
	m := image.NewYCbCr(image.Rect(0, 0, 4000, 3000), image.YCbCrSubsampleRatio420)
	for i := range m.Y {
		m.Y[i] = byte(i*7 + i/4000*3) // a texture, so the JPEG has a phone photo's size
	}
	for i := range m.Cb {
		m.Cb[i], m.Cr[i] = byte(i/2000), byte(i%2000)
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, m, &jpeg.Options{Quality: 90}); err != nil {
		b.Fatal(err)
	}
	photo := bytes.NewReader(buf.Bytes())
	b.ReportAllocs()
	var thumb []byte
	for b.Loop() {
		var err error
		if thumb, err = renderThumbnail(photo); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(buf.Len()), "photo-bytes")
	b.ReportMetric(float64(len(thumb)), "thumb-bytes")
}

func TestReadJPEGFrame_FindsTheOrientationInEitherByteOrder(t *testing.T) {
	base := jpegOf(t, 40, 30)
	littleEndian := func(o byte) []byte {
		tiff := []byte{'I', 'I', 42, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, o, 0, 0, 0, 0, 0, 0, 0}
		seg := append([]byte("Exif\x00\x00"), tiff...)
		app1 := binary.BigEndian.AppendUint16([]byte{0xff, 0xe1}, uint16(len(seg)+2))
		return slices.Concat(base[:2], app1, seg, base[2:])
	}
	for _, tt := range []struct {
		name string
		b    []byte
		want int
	}{
		{"no EXIF", base, 1},
		{"big-endian 6", withOrientation(base, 6), 6},
		{"little-endian 8", littleEndian(8), 8},
		{"an orientation out of range", withOrientation(base, 9), 1},
		{"garbage between segments", slices.Concat(base[:2], []byte{0, 1, 2}, withOrientation(base, 3)[2:]), 3},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := readJPEGFrame(bufio.NewReader(bytes.NewReader(tt.b)))
			if f.orientation != tt.want || !f.found || f.progressive || len(f.samples) != 3 {
				t.Fatalf("frame %+v, want orientation %d of a baseline frame of 3 components", f, tt.want)
			}
		})
	}
}

// FuzzReadJPEGFrame feeds the marker reader what a phone may send: it
// must neither panic nor read past what it is given.
func FuzzReadJPEGFrame(f *testing.F) {
	f.Add(withOrientation(jpegOf(f, 16, 16), 6))
	f.Add([]byte{0xff, 0xd8, 0xff, 0xe1, 0x00, 0x02})
	f.Fuzz(func(t *testing.T, b []byte) {
		fr := readJPEGFrame(bufio.NewReader(bytes.NewReader(b)))
		if fr.orientation < 1 || fr.orientation > 8 {
			t.Fatalf("orientation %d", fr.orientation)
		}
		_ = fr.decodeBytes(1e6)
	})
}

// TestThumbnailer_RestsThreeTimesAsLongAsEachThumbnailTook: the background
// thumbnailer yields to people. During the evening sync a photo completes
// every few tens of milliseconds; thumbnails made back to back took a
// core of two from the desks' reads. After each it rests thumbRestFactor
// times as long as it worked, so it takes at most a quarter of one core.
func TestThumbnailer_RestsThreeTimesAsLongAsEachThumbnailTook(t *testing.T) {
	db, rep, ctx := photoStreet(t)
	type rest struct {
		d          time.Duration
		start, end time.Time
	}
	var mu sync.Mutex
	var rests []rest
	was := thumbnailerRest
	thumbnailerRest = func(ctx context.Context, d time.Duration) {
		r := rest{d: d, start: time.Now()}
		was(ctx, d)
		r.end = time.Now()
		mu.Lock()
		rests = append(rests, r)
		mu.Unlock()
	}
	t.Cleanup(func() {
		// Cleanups run last first: the database (and its thumbnailer,
		// which calls thumbnailerRest) must stop before the rest is put
		// back, or the race detector sees the swap.
		_ = db.Close(context.Background())
		thumbnailerRest = was
	})

	// Hold the one turn to decode until every photo is queued, so that
	// from the second on the thumbnailer never waits for work.
	db.thumbTurns <- struct{}{}
	const photos = 4
	for i := range photos {
		b := jpegOf(t, 900+i, 700)
		mustUploadImage(t, db, ctx, rep.ID, b, "image/jpeg")
	}
	<-db.thumbTurns
	db.waitThumbnails()
	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		n := len(rests)
		mu.Unlock()
		if n >= photos || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(rests) != photos {
		t.Fatalf("the thumbnailer rested %d times after %d thumbnails, want once after each", len(rests), photos)
	}
	for i := 1; i < len(rests); i++ {
		worked := rests[i].start.Sub(rests[i-1].end)
		if rests[i].d < thumbRestFactor*worked*9/10 {
			t.Errorf("thumbnail %d: worked %v, rested %v; want at least %d times as long", i+1, worked, rests[i].d, thumbRestFactor)
		}
	}
}
