package main

import (
	"bytes"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image"
	"image/jpeg"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

// webClient calls gridd's HTTP/JSON API as a mini-program does: JSON
// bodies and a bearer token.
type webClient struct {
	t     *testing.T
	base  string
	http  *http.Client
	token string
}

// call sends body (JSON, or nil) and decodes a JSON answer into out (if
// not nil); it returns the HTTP status and the raw answer.
func (c *webClient) call(method, path string, body any, out any, headers ...string) (int, string) {
	c.t.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			c.t.Fatal(err)
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.base+path, r)
	if err != nil {
		c.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(raw, out); err != nil {
			c.t.Fatalf("%s %s: %v: %s", method, path, err, raw)
		}
	}
	return resp.StatusCode, string(raw)
}

func (c *webClient) must(method, path string, body any, out any) {
	c.t.Helper()
	if code, raw := c.call(method, path, body, out); code != http.StatusOK {
		c.t.Fatalf("%s %s: HTTP %d %s", method, path, code, raw)
	}
}

func (c *webClient) login(username string) *webClient {
	c.t.Helper()
	var resp struct{ Token string }
	c.must("POST", "/v1/auth:login", map[string]string{"username": username, "password": "demo", "deviceId": uuid.NewString()}, &resp)
	return &webClient{t: c.t, base: c.base, http: c.http, token: resp.Token}
}

// TestAMiniProgramsCaseOverHTTPS plays a case's whole life over gridd's
// HTTP/JSON API, served with TLS beside gRPC, as a mini-program and a
// supervisor's browser would: a worker submits a hazard with a photo
// uploaded as a multipart form, the supervisor dispatches it, the worker
// reports it fixed, the supervisor closes it; the timeline and the summary
// read it back; a bad request is 400 naming the field; a cross-site
// request with the session cookie is refused; and the metrics count the
// calls made over HTTP.
func TestAMiniProgramsCaseOverHTTPS(t *testing.T) {
	certFile, keyFile, pool := selfSigned(t)
	_, printed, stop := startGridd(t, "--data", t.TempDir(), "--demo", "--tls-cert", certFile, "--tls-key", keyFile, "--metrics", "127.0.0.1:0")
	defer stop()
	base, ok := strings.CutPrefix(strings.TrimSpace(lastLine(printed)), "HTTP/JSON API on ")
	if !ok || !strings.HasPrefix(base, "https://") {
		t.Fatalf("gridd did not announce an HTTPS address: %q", printed)
	}
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, Timeout: 30 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
	anon := &webClient{t: t, base: base, http: hc}
	worker, super := anon.login("worker01"), anon.login("supervisor")

	// The worker reports a hazard with one photo, then uploads it.
	var img bytes.Buffer
	if err := jpeg.Encode(&img, image.NewRGBA(image.Rect(0, 0, 640, 480)), nil); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(img.Bytes())
	reportID, photoID := uuid.Must(uuid.NewV7()).String(), uuid.Must(uuid.NewV7()).String()
	var submitted struct {
		Report struct {
			Status          string
			MissingPhotoIds []string
		}
	}
	worker.must("POST", "/v1/reports", map[string]any{
		"id": reportID, "category": "CATEGORY_SAFETY_HAZARD", "severity": "SEVERITY_GENERAL",
		"description":  "仓库内灭火器过期,安全出口被货物堵塞",
		"location":     map[string]any{"latitude": 31.241, "longitude": 118.347, "accuracyMeters": 8, "address": "红星村3组"},
		"observedAt":   time.Now().Add(-time.Hour).Format(time.RFC3339),
		"photoIds":     []string{photoID},
		"safetyHazard": map[string]string{"hazardKind": "HAZARD_KIND_FIRE", "placeKind": "PLACE_KIND_ENTERPRISE"},
	}, &submitted)
	if submitted.Report.Status != "REPORT_STATUS_REPORTED" || len(submitted.Report.MissingPhotoIds) != 1 {
		t.Fatalf("submitted: %+v", submitted)
	}
	var form bytes.Buffer
	mw := multipart.NewWriter(&form)
	for k, v := range map[string]string{"photoId": photoID, "reportId": reportID, "sha256": hex.EncodeToString(sum[:]),
		"sizeBytes": fmt.Sprint(img.Len()), "takenAt": time.Now().Add(-time.Hour).Format(time.RFC3339)} {
		_ = mw.WriteField(k, v)
	}
	part, _ := mw.CreateFormFile("file", "photo.jpg")
	_, _ = part.Write(img.Bytes())
	_ = mw.Close()
	req, _ := http.NewRequest("POST", base+"/v1/photos", &form)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+worker.token)
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	uploaded, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(uploaded), `"complete":true`) {
		t.Fatalf("upload: HTTP %d %s", resp.StatusCode, uploaded)
	}

	// The supervisor dispatches it to worker01, who fixes it; the
	// supervisor checks and closes it.
	var users struct {
		Users []struct{ ID, Username string }
	}
	super.must("GET", "/v1/users?pageSize=50", nil, &users)
	var assignee string
	for _, u := range users.Users {
		if u.Username == "worker01" {
			assignee = u.ID
		}
	}
	var acted struct{ Report struct{ Status string } }
	super.must("POST", "/v1/reports/"+reportID+":assign", map[string]any{"actionId": uuid.NewString(), "assigneeId": assignee,
		"deadline": time.Now().Add(7 * 24 * time.Hour).Format(time.RFC3339), "note": "请于一周内整改"}, &acted)
	worker.must("POST", "/v1/reports/"+reportID+":submitRectification", map[string]any{"actionId": uuid.NewString(),
		"note": "已更换灭火器,清理安全出口", "disposition": "DISPOSITION_RECTIFIED"}, &acted)
	super.must("POST", "/v1/reports/"+reportID+":verifyRectification", map[string]any{"actionId": uuid.NewString(),
		"passed": true, "disposition": "DISPOSITION_RECTIFIED"}, &acted)
	if acted.Report.Status != "REPORT_STATUS_CLOSED" {
		t.Errorf("after verification: %s, want closed", acted.Report.Status)
	}

	var timeline struct {
		Events []struct{ Type, StatusAfter string }
	}
	super.must("GET", "/v1/reports/"+reportID+"/timeline", nil, &timeline)
	var types []string
	for _, e := range timeline.Events {
		types = append(types, e.Type)
	}
	if want := "EVENT_TYPE_REPORT_SUBMITTED EVENT_TYPE_REPORT_ASSIGNED EVENT_TYPE_RECTIFICATION_SUBMITTED EVENT_TYPE_RECTIFICATION_VERIFIED"; strings.Join(types, " ") != want {
		t.Errorf("timeline %v, want %s", types, want)
	}
	var summary struct {
		Summary struct {
			Safety struct{ HazardsFound string }
		}
	}
	from, to := time.Now().Add(-48*time.Hour).UTC().Format(time.RFC3339), time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	super.must("GET", "/v1/summary?from="+from+"&to="+to, nil, &summary)
	if summary.Summary.Safety.HazardsFound == "" || summary.Summary.Safety.HazardsFound == "0" {
		t.Errorf("summary counts %q hazards found, want the one reported", summary.Summary.Safety.HazardsFound)
	}

	// A bad request names the field.
	if code, raw := worker.call("POST", "/v1/reports", map[string]any{"id": "not-a-uuid", "category": "CATEGORY_SAFETY_HAZARD"}, nil); code != http.StatusBadRequest ||
		!strings.Contains(raw, `"field":"report.id"`) {
		t.Errorf("bad report: HTTP %d %s, want 400 naming report.id", code, raw)
	}

	// The browser's session: the cookie works from the page's own origin,
	// and not from another site's.
	browser := &webClient{t: t, base: base, http: hc}
	if code, raw := browser.call("POST", "/v1/session", map[string]string{"username": "supervisor", "password": "demo", "deviceId": uuid.NewString()}, nil,
		"Origin", base); code != http.StatusOK {
		t.Fatalf("session login from the page's origin: HTTP %d %s", code, raw)
	}
	if code, raw := browser.call("GET", "/v1/auth:whoami", nil, nil, "Origin", base); code != http.StatusOK {
		t.Errorf("whoami with the cookie from the page's origin: HTTP %d %s", code, raw)
	}
	if code, _ := browser.call("POST", "/v1/reports/"+reportID+":comment", map[string]any{"actionId": uuid.NewString(), "note": "跨站"}, nil,
		"Origin", "https://evil.example"); code != http.StatusUnauthorized {
		t.Errorf("a cross-site POST with the cookie: HTTP %d, want 401", code)
	}

	// The metrics count what was called over HTTP.
	metrics := get(t, &http.Client{Transport: hc.Transport}, metricsURL(printed))
	for _, want := range []string{
		`grpc_server_handled_total{grpc_code="OK",grpc_method="SubmitReport",grpc_service="gridinspect.v1.ReportService",grpc_type="unary",protocol="http"} 1`,
		`grpc_server_handled_total{grpc_code="OK",grpc_method="UploadPhoto",grpc_service="gridinspect.v1.SyncService",grpc_type="client_stream",protocol="http"} 1`,
		`grpc_server_handled_total{grpc_code="InvalidArgument",grpc_method="SubmitReport",grpc_service="gridinspect.v1.ReportService",grpc_type="unary",protocol="http"} 1`,
		`grpc_server_handled_total{grpc_code="Unauthenticated",grpc_method="CommentOnReport",grpc_service="gridinspect.v1.RectificationService",grpc_type="unary",protocol="http"} 1`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}
