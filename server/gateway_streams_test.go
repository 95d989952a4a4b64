package server_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/gridinspect/gridinspect"
	"github.com/gridinspect/gridinspect/server"
)

// The routes of the streaming RPCs and grpc-gateway's generated ones take
// each other's requests in neither direction: /v1/reports:export is no
// report id, /v1/reports/export no export; and the upload, routed ahead of
// "/v1/" for its larger body, leaves every other POST under the JSON limit.
// (A path of another method is answered as grpc-gateway answers one:
// UNIMPLEMENTED, 501.)
func TestHTTP_StreamRoutesAndGeneratedRoutesTakeOnlyTheirOwnRequests(t *testing.T) {
	s := newFileServer(t, roomy)
	worker, super := s.loginAs(t, "workera"), s.loginAs(t, "super")
	photoID := newID()
	rep := s.submitHazard(t, worker, gridA, photoID)
	// A photo past the JSON body limit, and its form past it too.
	data, sum := photoOf(server.MaxHTTPBodyBytes+1<<20, 6)
	if code, _, body := s.upload(t, worker, append(photoFields(photoID, rep.Report.ID, sum), filePart(data))...); code != http.StatusOK {
		t.Fatalf("a %d MiB photo: HTTP %d %s", len(data)>>20, code, body)
	}

	tests := []struct {
		name, method, path, token, body string
		wantHTTP                        int
		wantJSONKey                     string // a key of the JSON answer; "" for a file
		wantType                        string // the file's Content-Type
	}{
		{"the export", "GET", "/v1/reports:export?format=csv", super, "", http.StatusOK, "", "text/csv; charset=utf-8"},
		{"a report", "GET", "/v1/reports/" + rep.Report.ID, super, "", http.StatusOK, "report", ""},
		{"the reports", "GET", "/v1/reports?pageSize=5", super, "", http.StatusOK, "reports", ""},
		{"a report named export", "GET", "/v1/reports/export", super, "", http.StatusNotFound, "code", ""},
		{"another verb", "GET", "/v1/reports:exports", super, "", http.StatusNotFound, "code", ""},
		{"the export by POST", "POST", "/v1/reports:export", super, "{}", http.StatusNotImplemented, "code", ""},
		{"a report's timeline", "GET", "/v1/reports/" + rep.Report.ID + "/timeline", super, "", http.StatusOK, "events", ""},
		{"the download", "GET", "/v1/photos/" + photoID + ":download", worker, "", http.StatusOK, "", "image/jpeg"},
		{"the upload status", "GET", "/v1/photos/" + photoID + "/uploadStatus", worker, "", http.StatusOK, "complete", ""},
		{"a photo without a verb", "GET", "/v1/photos/" + photoID, worker, "", http.StatusNotFound, "code", ""},
		{"the upload by GET", "GET", "/v1/photos", worker, "", http.StatusNotImplemented, "code", ""},
		{"a report past the JSON body limit", "POST", "/v1/reports", worker,
			`{"id":"` + newID() + `","description":"` + strings.Repeat("x", server.MaxHTTPBodyBytes) + `"}`, http.StatusBadRequest, "code", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, h, body := s.do(t, tt.method, tt.path, tt.token, tt.body)
			if code != tt.wantHTTP {
				t.Errorf("HTTP %d, want %d: %.300s", code, tt.wantHTTP, body)
			}
			if tt.wantJSONKey == "" {
				if got := h.Get("Content-Type"); got != tt.wantType {
					t.Errorf("Content-Type %q, want %q", got, tt.wantType)
				}
				return
			}
			var answer map[string]json.RawMessage
			if err := json.Unmarshal([]byte(body), &answer); err != nil || answer[tt.wantJSONKey] == nil {
				t.Errorf("the answer is not JSON with %q: %.300s", tt.wantJSONKey, body)
			}
			if h.Get("Content-Disposition") != "" {
				t.Errorf("a JSON answer with Content-Disposition %q", h.Get("Content-Disposition"))
			}
		})
	}

	// An upload's body is bounded too, past the largest photo.
	big := bytes.Repeat([]byte{0xFF}, gridinspect.MaxPhotoBytes+1)
	code, _, body := s.upload(t, worker, append(photoFields(newID(), rep.Report.ID, sum), filePart(big))...)
	if code != http.StatusBadRequest || !strings.Contains(body, "size_bytes") {
		t.Errorf("a photo past %d bytes: HTTP %d %.300s; want 400 naming size_bytes", gridinspect.MaxPhotoBytes, code, body)
	}
}
