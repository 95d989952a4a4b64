package server_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image"
	"image/jpeg"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"

	"github.com/gridinspect/gridinspect"
	"github.com/gridinspect/gridinspect/server"
	"github.com/gridinspect/gridinspect/store"
)

// fileServer is a real store and server over HTTP on 127.0.0.1 (and over
// gRPC in-process, to compare), with grids A and B, a worker of each
// (workera, workerb) and a supervisor of the whole street (super).
type fileServer struct {
	*httpServer
	db    *store.DB
	conn  *grpc.ClientConn
	users map[string]*gridinspect.User
}

func newFileServer(t *testing.T, limit server.Limit) *fileServer {
	t.Helper()
	st := newHTTPStreet(t, httpOptions{limit: limit})
	return &fileServer{httpServer: &httpServer{url: st.ts.URL}, db: st.db, conn: st.conn, users: st.users}
}

// loginAs logs in over HTTP, as a mini-program does, and returns the token.
func (s *fileServer) loginAs(t *testing.T, username string) string {
	t.Helper()
	code, _, body := s.do(t, "POST", "/v1/auth:login", "", `{"username":"`+username+`","password":"`+testPassword+`","deviceId":"`+newID()+`"}`)
	if code != http.StatusOK {
		t.Fatalf("login %s: HTTP %d %s", username, code, body)
	}
	var resp struct{ Token string }
	if err := json.Unmarshal([]byte(body), &resp); err != nil || resp.Token == "" {
		t.Fatalf("login answer %s: %v", body, err)
	}
	return resp.Token
}

// reportView is the part of a report's JSON the tests read.
type reportView struct {
	Report struct {
		ID              string
		MissingPhotoIDs []string `json:"missingPhotoIds"`
	}
}

// submitHazard submits a hazard in grid (A or B) naming photoIDs, over
// HTTP, and returns the answer.
func (s *fileServer) submitHazard(t *testing.T, token, grid string, photoIDs ...string) reportView {
	t.Helper()
	loc := map[string]any{"latitude": 31.25, "longitude": 118.35}
	if grid == gridB {
		loc = map[string]any{"latitude": 31.25, "longitude": 118.39}
	}
	body, err := json.Marshal(map[string]any{
		"id": newID(), "category": "CATEGORY_SAFETY_HAZARD", "severity": "SEVERITY_GENERAL",
		"description": "灭火器过期,安全出口堵塞", "location": loc, "gridId": grid,
		"observedAt":   time.Now().Add(-time.Hour).UTC().Format(time.RFC3339),
		"photoIds":     photoIDs,
		"safetyHazard": map[string]any{"hazardKind": "HAZARD_KIND_FIRE", "placeKind": "PLACE_KIND_ENTERPRISE"},
	})
	if err != nil {
		t.Fatal(err)
	}
	code, _, answer := s.do(t, "POST", "/v1/reports", token, string(body))
	if code != http.StatusOK {
		t.Fatalf("submit: HTTP %d %s", code, answer)
	}
	var v reportView
	if err := json.Unmarshal([]byte(answer), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// formPart is one part of a multipart/form-data body.
type formPart struct {
	name, filename, contentType string
	data                        []byte
}

func field(name, value string) formPart { return formPart{name: name, data: []byte(value)} }

func filePart(data []byte) formPart {
	return formPart{name: server.PhotoFilePart, filename: "tmp_0a1b2c.jpg", contentType: "image/jpeg", data: data}
}

// multipartBody returns a form's body and its Content-Type, the parts in
// the order given.
func multipartBody(t *testing.T, parts ...formPart) ([]byte, string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for _, p := range parts {
		h := textproto.MIMEHeader{}
		cd := fmt.Sprintf(`form-data; name=%q`, p.name)
		if p.filename != "" {
			cd += fmt.Sprintf(`; filename=%q`, p.filename)
		}
		h.Set("Content-Disposition", cd)
		if p.contentType != "" {
			h.Set("Content-Type", p.contentType)
		}
		w, err := mw.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(p.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes(), mw.FormDataContentType()
}

// upload posts a form to POST /v1/photos.
func (s *fileServer) upload(t *testing.T, token string, parts ...formPart) (int, http.Header, string) {
	t.Helper()
	return s.uploadWith(t, token, nil, parts...)
}

// uploadWith is upload with headers (name, value, …).
func (s *fileServer) uploadWith(t *testing.T, token string, headers []string, parts ...formPart) (int, http.Header, string) {
	t.Helper()
	body, contentType := multipartBody(t, parts...)
	return s.do(t, "POST", "/v1/photos", token, string(body), append([]string{"Content-Type", contentType}, headers...)...)
}

// photoOf returns n bytes that start as a JPEG does, and their SHA-256.
func photoOf(n int, seed uint64) ([]byte, string) {
	data := make([]byte, n)
	rng := rand.New(rand.NewPCG(seed, seed+1))
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	copy(data, []byte{0xFF, 0xD8, 0xFF, 0xE0})
	sum := sha256.Sum256(data)
	return data, hex.EncodeToString(sum[:])
}

// photoFields are the form fields of a photo of report, in JSON spelling.
func photoFields(photoID, reportID, sum string) []formPart {
	return []formPart{field("photoId", photoID), field("reportId", reportID), field("sha256", sum),
		field("takenAt", time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)),
		field("location.latitude", "31.25"), field("location.longitude", "118.35")}
}

// uploadAnswer is the JSON of an UploadPhotoResponse.
type uploadAnswer struct {
	PhotoID        string `json:"photoId"`
	CommittedBytes string `json:"committedBytes"`
	Complete       bool   `json:"complete"`
}

func decodeUpload(t *testing.T, body string) uploadAnswer {
	t.Helper()
	var a uploadAnswer
	if err := json.Unmarshal([]byte(body), &a); err != nil {
		t.Fatalf("upload answer %s: %v", body, err)
	}
	return a
}

// A mini-program's whole photo round: submit a report naming a photo,
// upload it by multipart form (as wx.uploadFile does), see the report no
// longer miss it, download it (with its ETag, and a 304 for a copy the
// client holds), and upload it again to the same answer. A worker of
// another grid is answered as for a photo that does not exist.
func TestHTTP_AMiniProgramUploadsAReportsPhotoAndDownloadsIt(t *testing.T) {
	s := newFileServer(t, roomy)
	token := s.loginAs(t, "workera")
	photoID := newID()
	rep := s.submitHazard(t, token, gridA, photoID)
	if got := rep.Report.MissingPhotoIDs; len(got) != 1 || got[0] != photoID {
		t.Fatalf("missing photos %v, want the one named", got)
	}

	// Three chunks: two of 1 MiB and a shorter last one.
	data, sum := photoOf(2<<20+300<<10, 1)
	code, h, body := s.uploadWith(t, token, []string{"X-Request-Id", "phone-41"}, append(photoFields(photoID, rep.Report.ID, sum), filePart(data))...)
	if code != http.StatusOK {
		t.Fatalf("upload: HTTP %d %s", code, body)
	}
	first := decodeUpload(t, body)
	if first != (uploadAnswer{PhotoID: photoID, CommittedBytes: fmt.Sprint(len(data)), Complete: true}) {
		t.Errorf("upload answer %+v, want the whole photo complete", first)
	}
	if !strings.HasPrefix(h.Get("Content-Type"), "application/json") || h.Get("X-Request-Id") != "phone-41" {
		t.Errorf("upload answered Content-Type %q, X-Request-Id %q; want JSON with the caller's request id", h.Get("Content-Type"), h.Get("X-Request-Id"))
	}

	code, _, body = s.do(t, "GET", "/v1/reports/"+rep.Report.ID, token, "")
	var got reportView
	if err := json.Unmarshal([]byte(body), &got); code != http.StatusOK || err != nil {
		t.Fatalf("get report: HTTP %d %s", code, body)
	}
	if len(got.Report.MissingPhotoIDs) != 0 {
		t.Errorf("missing photos %v after the upload, want none", got.Report.MissingPhotoIDs)
	}

	download := "/v1/photos/" + photoID + ":download"
	code, h, body = s.do(t, "GET", download, token, "", "X-Request-Id", "phone-42")
	if code != http.StatusOK || body != string(data) {
		t.Fatalf("download: HTTP %d, %d bytes that equal the upload: %v", code, len(body), body == string(data))
	}
	etag := `"` + sum + `"`
	for header, want := range map[string]string{
		"Content-Type": "image/jpeg", "Content-Length": fmt.Sprint(len(data)), "ETag": etag,
		"Cache-Control": "private, max-age=86400", "X-Request-Id": "phone-42",
	} {
		if h.Get(header) != want {
			t.Errorf("download %s: %q, want %q", header, h.Get(header), want)
		}
	}
	for _, tt := range []struct {
		ifNoneMatch string
		want        int
	}{
		{etag, http.StatusNotModified},
		{`"0000", W/` + etag, http.StatusNotModified},
		{"*", http.StatusNotModified},
		{`"` + strings.Repeat("0", 64) + `"`, http.StatusOK},
	} {
		code, h, body := s.do(t, "GET", download, token, "", "If-None-Match", tt.ifNoneMatch)
		if code != tt.want || (code == http.StatusNotModified && (body != "" || h.Get("ETag") != etag)) {
			t.Errorf("If-None-Match %s: HTTP %d, ETag %q, %d bytes; want %d", tt.ifNoneMatch, code, h.Get("ETag"), len(body), tt.want)
		}
	}

	// Another grid's worker: as for a photo that does not exist, even
	// with the ETag in hand.
	other := s.loginAs(t, "workerb")
	theirs, theirsH, theirsBody := s.do(t, "GET", download, other, "", "If-None-Match", etag)
	missing := newID()
	none, _, noneBody := s.do(t, "GET", "/v1/photos/"+missing+":download", other, "")
	if theirs != none || strings.ReplaceAll(noneBody, missing, photoID) != theirsBody || theirsH.Get("ETag") != "" {
		t.Errorf("another grid's photo: HTTP %d %s; a missing one: HTTP %d %s; want the same", theirs, theirsBody, none, noneBody)
	}
	if theirs != http.StatusForbidden {
		t.Errorf("another grid's photo: HTTP %d, want 403", theirs)
	}

	// The same photo again, its fields in the .proto's spelling and its
	// size declared: the same answer, as over gRPC.
	code, _, body = s.upload(t, token, field("photo_id", photoID), field("report_id", rep.Report.ID), field("sha256", sum),
		field("size_bytes", fmt.Sprint(len(data))), field("content_type", "image/jpeg"), filePart(data))
	if again := decodeUpload(t, body); code != http.StatusOK || again != first {
		t.Errorf("uploading it again: HTTP %d %+v, want %+v", code, again, first)
	}
}

// An upload is checked as its gRPC twin is, and its form as HTTP needs:
// each refusal is a 400 naming the field.
func TestHTTP_APhotoUploadRefusesABadFormNamingTheField(t *testing.T) {
	s := newFileServer(t, roomy)
	token := s.loginAs(t, "workera")
	rep := s.submitHazard(t, token, gridA)
	data, sum := photoOf(100<<10, 2)
	fields := func() []formPart { return photoFields(newID(), rep.Report.ID, sum) }
	tests := []struct {
		name      string
		parts     []formPart
		wantField string
	}{
		{"a sha256 the bytes do not have", append(photoFields(newID(), rep.Report.ID, strings.Repeat("ab", 32)), filePart(data)), "sha256"},
		{"a size shorter than the file", append(fields(), field("sizeBytes", "1000"), filePart(data)), "size_bytes"},
		{"a size longer than the file", append(fields(), field("sizeBytes", fmt.Sprint(len(data)+1)), filePart(data)), "size_bytes"},
		{"the file before the fields", append([]formPart{filePart(data)}, fields()...), "file"},
		{"a field after the file", append(fields()[:3], filePart(data), field("takenAt", "2024-03-15T08:00:00Z")), "file"},
		{"no file", fields(), "file"},
		{"a file under another name", append(fields(), formPart{name: "photo", filename: "a.jpg", data: data}), "photo"},
		{"a field no upload has", append(fields(), field("gridId", gridA), filePart(data)), "gridId"},
		{"a field given twice", append(fields(), field("photo_id", newID()), filePart(data)), "photo_id"},
		{"a time that is not one", append(fields()[:3], field("takenAt", "yesterday"), filePart(data)), "taken_at"},
		{"a field past its length", append(fields(), field("location.address", strings.Repeat("村", 2000)), filePart(data)), "location.address"},
		{"a type that is no photo's", append(fields(), field("contentType", "application/pdf"), filePart(data)), "content_type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, h, body := s.upload(t, token, tt.parts...)
			if code != http.StatusBadRequest {
				t.Errorf("HTTP %d, want 400: %s", code, body)
			}
			if !strings.Contains(body, `"field":"`+tt.wantField+`"`) && !strings.Contains(strings.ReplaceAll(body, " ", ""), `"field":"`+tt.wantField+`"`) {
				t.Errorf("the answer does not name %s: %s", tt.wantField, body)
			}
			if !strings.HasPrefix(h.Get("Content-Type"), "application/json") {
				t.Errorf("Content-Type %q, want JSON google.rpc.Status", h.Get("Content-Type"))
			}
		})
	}

	t.Run("not a form", func(t *testing.T) {
		code, _, body := s.do(t, "POST", "/v1/photos", token, `{"photoId":"`+newID()+`"}`)
		if code != http.StatusBadRequest || !strings.Contains(body, "Content-Type") {
			t.Errorf("a JSON body: HTTP %d %s, want 400 naming Content-Type", code, body)
		}
	})
	t.Run("no token", func(t *testing.T) {
		code, h, body := s.upload(t, "", append(fields(), filePart(data))...)
		if code != http.StatusUnauthorized || h.Get("X-Request-Id") == "" {
			t.Errorf("HTTP %d %s, X-Request-Id %q; want 401 with the call's request id", code, body, h.Get("X-Request-Id"))
		}
	})
	t.Run("a report of another grid", func(t *testing.T) {
		other := s.loginAs(t, "workerb")
		if code, _, body := s.upload(t, other, append(fields(), filePart(data))...); code != http.StatusForbidden {
			t.Errorf("HTTP %d %s, want 403", code, body)
		}
	})
}

// A form without contentType takes the file part's type, or else what
// its bytes look like.
func TestHTTP_AnUploadsTypeIsThePartsOrWhatItsBytesLookLike(t *testing.T) {
	s := newFileServer(t, roomy)
	token := s.loginAs(t, "workera")
	rep := s.submitHazard(t, token, gridA)
	png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{7}, 20<<10)...)
	pngSum := sha256.Sum256(png)
	webp, webpSum := photoOf(20<<10, 3)
	copy(webp, "RIFF\x00\x00\x00\x00WEBPVP")
	webpSum = fmt.Sprintf("%x", sha256.Sum256(webp))
	tests := []struct {
		name, partType, wantType string
		data                     []byte
		sum                      string
	}{
		{"the part's type", "image/webp", "image/webp", webp, webpSum},
		{"sniffed, for application/octet-stream", "application/octet-stream", "image/png", png, hex.EncodeToString(pngSum[:])},
		{"sniffed, for no type", "", "image/png", png, hex.EncodeToString(pngSum[:])},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			photoID := newID()
			file := formPart{name: server.PhotoFilePart, filename: "wx.tmp", contentType: tt.partType, data: tt.data}
			if code, _, body := s.upload(t, token, append(photoFields(photoID, rep.Report.ID, tt.sum), file)...); code != http.StatusOK {
				t.Fatalf("upload: HTTP %d %s", code, body)
			}
			code, h, _ := s.do(t, "GET", "/v1/photos/"+photoID+":download", token, "")
			if code != http.StatusOK || h.Get("Content-Type") != tt.wantType {
				t.Errorf("download: HTTP %d, Content-Type %q; want %s", code, h.Get("Content-Type"), tt.wantType)
			}
		})
	}
}

// An upload that stopped part way (here: a file part shorter than the
// size declared) keeps what reached the server, and sending the request
// again resumes from there: the request is all a mini-program can retry.
func TestHTTP_AnUploadCutShortResumesWhenTheRequestIsSentAgain(t *testing.T) {
	s := newFileServer(t, roomy)
	token := s.loginAs(t, "workera")
	photoID := newID()
	rep := s.submitHazard(t, token, gridA, photoID)
	data, sum := photoOf(2<<20+100<<10, 4)
	size := field("sizeBytes", fmt.Sprint(len(data)))

	code, _, body := s.upload(t, token, append(photoFields(photoID, rep.Report.ID, sum), size, filePart(data[:1<<20+500<<10]))...)
	if code != http.StatusBadRequest || !strings.Contains(body, "size_bytes") {
		t.Fatalf("a file part short of its size: HTTP %d %s, want 400 naming size_bytes", code, body)
	}
	_, _, body = s.do(t, "GET", "/v1/photos/"+photoID+"/uploadStatus", token, "")
	if !strings.Contains(strings.ReplaceAll(body, " ", ""), `"committedBytes":"1048576"`) {
		t.Fatalf("status after the short upload: %s; want the first 1 MiB chunk committed", body)
	}

	for _, parts := range [][]formPart{
		append(photoFields(photoID, rep.Report.ID, sum), size, filePart(data)), // streamed
		append(photoFields(photoID, rep.Report.ID, sum), filePart(data)),       // spooled
	} {
		code, _, body = s.upload(t, token, parts...)
		if a := decodeUpload(t, body); code != http.StatusOK || !a.Complete || a.CommittedBytes != fmt.Sprint(len(data)) {
			t.Fatalf("sent again: HTTP %d %s, want complete", code, body)
		}
	}
	if code, _, body := s.do(t, "GET", "/v1/photos/"+photoID+":download", token, ""); code != http.StatusOK || body != string(data) {
		t.Errorf("download after the resumed upload: HTTP %d, %d bytes, equal %v", code, len(body), body == string(data))
	}
}

// An upload over HTTP pays the per-user request limit per chunk, as the
// same upload over gRPC does, and is refused with 429 and Retry-After.
func TestHTTP_AnUploadPaysTheRequestLimitPerChunk(t *testing.T) {
	// SubmitReport, GetUploadStatus, the stream and its first two chunks
	// take the five tokens; the third chunk finds none.
	s := newFileServer(t, server.Limit{Burst: 5, Every: time.Hour})
	token := s.loginAs(t, "workera")
	photoID := newID()
	rep := s.submitHazard(t, token, gridA, photoID)
	data, sum := photoOf(2<<20+100<<10, 5)
	code, h, body := s.upload(t, token, append(photoFields(photoID, rep.Report.ID, sum), filePart(data))...)
	if code != http.StatusTooManyRequests || h.Get("Retry-After") == "" {
		t.Errorf("HTTP %d, Retry-After %q: %s; want 429 with Retry-After", code, h.Get("Retry-After"), body)
	}
}

// A list or a map shows thumbnails: GET /v1/photos/{id}:thumbnail answers
// a small JPEG of a photo, with the same access check as the photo, and a
// placeholder (marked by its type and shorter life) for one the server
// cannot read.
func TestHTTP_AThumbnailIsASmallJPEGOrAPlaceholder(t *testing.T) {
	s := newFileServer(t, roomy)
	token := s.loginAs(t, "workera")
	var jpegBytes bytes.Buffer
	img := image.NewRGBA(image.Rect(0, 0, 1600, 1200))
	for i := range img.Pix {
		img.Pix[i] = byte(i * 7)
	}
	if err := jpeg.Encode(&jpegBytes, img, nil); err != nil {
		t.Fatal(err)
	}
	realSum := sha256.Sum256(jpegBytes.Bytes())
	unreadable, unreadableSum := photoOf(40_000, 9)
	readable, odd := newID(), newID()
	rep := s.submitHazard(t, token, gridA, readable, odd)
	for _, p := range []struct {
		id, sum string
		data    []byte
	}{{readable, hex.EncodeToString(realSum[:]), jpegBytes.Bytes()}, {odd, unreadableSum, unreadable}} {
		if code, _, body := s.upload(t, token, append(photoFields(p.id, rep.Report.ID, p.sum), filePart(p.data))...); code != http.StatusOK {
			t.Fatalf("upload: HTTP %d %s", code, body)
		}
	}

	code, h, body := s.do(t, "GET", "/v1/photos/"+readable+":thumbnail", token, "", "X-Request-Id", "phone-77")
	if code != http.StatusOK || h.Get("Content-Type") != "image/jpeg" || h.Get("X-Request-Id") != "phone-77" {
		t.Fatalf("thumbnail: HTTP %d %s, X-Request-Id %q", code, h.Get("Content-Type"), h.Get("X-Request-Id"))
	}
	thumb, err := jpeg.DecodeConfig(strings.NewReader(body))
	if err != nil || thumb.Width != 320 || thumb.Height != 240 {
		t.Errorf("thumbnail %dx%d (%v), want 320x240", thumb.Width, thumb.Height, err)
	}
	etag := h.Get("ETag")
	if code, _, _ := s.do(t, "GET", "/v1/photos/"+readable+":thumbnail", token, "", "If-None-Match", etag); code != http.StatusNotModified {
		t.Errorf("thumbnail again with its ETag: HTTP %d, want 304", code)
	}
	code, h, _ = s.do(t, "GET", "/v1/photos/"+odd+":thumbnail", token, "")
	if code != http.StatusOK || h.Get("Content-Type") != "image/png" || h.Get("Cache-Control") != "private, max-age=3600" {
		t.Errorf("unreadable photo's thumbnail: HTTP %d %s %s, want the PNG placeholder for an hour", code, h.Get("Content-Type"), h.Get("Cache-Control"))
	}

	other := s.loginAs(t, "workerb")
	theirs, _, theirsBody := s.do(t, "GET", "/v1/photos/"+readable+":thumbnail", other, "")
	missing := newID()
	none, _, noneBody := s.do(t, "GET", "/v1/photos/"+missing+":thumbnail", other, "")
	if theirs != http.StatusForbidden || theirs != none || strings.ReplaceAll(noneBody, missing, readable) != theirsBody {
		t.Errorf("another grid's thumbnail: HTTP %d %s; a missing one's: HTTP %d %s; want the same 403", theirs, theirsBody, none, noneBody)
	}
}
