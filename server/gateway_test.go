package server_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gridinspect/gridinspect"
	"github.com/gridinspect/gridinspect/internal/storetest"
	"github.com/gridinspect/gridinspect/server"
	"github.com/gridinspect/gridinspect/store"
	"google.golang.org/grpc"
)

// httpServer is a real store and server, served over HTTP on 127.0.0.1,
// with the street of httpStreet.
type httpServer struct {
	url    string
	device string // of the last login
}

// httpOptions say how httpStreet serves.
type httpOptions struct {
	limit   server.Limit        // the per-user request limit
	logins  *server.LoginLimits // default: roomy
	cors    []string            // Config.CORSOrigins
	overTLS bool
}

// httpStreet is a real store and server, with grids A and B, a worker of
// each (workera, workerb) and a supervisor of the whole street (super),
// served over HTTP by a real server on 127.0.0.1, and over gRPC
// in-process (conn), to compare.
type httpStreet struct {
	ts    *httptest.Server
	db    *store.DB
	conn  *grpc.ClientConn
	users map[string]*gridinspect.User
}

func newHTTPStreet(t *testing.T, o httpOptions) *httpStreet {
	t.Helper()
	db, err := storetest.Open(t, filepath.Join(t.TempDir(), "gridinspect.db"), store.Options{Logger: quiet, PasswordParams: cheapPasswords})
	if err != nil {
		t.Fatal(err)
	}
	cfg := server.Serve(db)
	cfg.Logger, cfg.RequestLimit, cfg.CORSOrigins = quiet, &o.limit, o.cors
	cfg.LoginLimits = o.logins
	if cfg.LoginLimits == nil {
		cfg.LoginLimits = &server.LoginLimits{PerUsername: roomy, PerAddress: roomy, PerUsernameAllAddresses: roomy}
	}
	srv := server.New(cfg)
	handler, err := srv.HTTPHandler()
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(handler)
	if o.overTLS {
		ts.StartTLS()
	} else {
		ts.Start()
	}
	lis, conn := bufListen(t)
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(func() {
		ts.Close()
		srv.Shutdown(t.Context())
		_ = db.Close(t.Context())
	})
	sys := gridinspect.NewContext(t.Context(), gridinspect.SystemActor())
	for _, g := range []*gridinspect.Grid{
		{ID: gridA, Name: "红星村", Boundary: boundaryOf(square(31.2, 118.3, 31.3, 118.37))},
		{ID: gridB, Name: "金石社区", Boundary: boundaryOf(square(31.2, 118.37, 31.3, 118.44))},
	} {
		if _, err := db.CreateGrid(sys, g); err != nil {
			t.Fatal(err)
		}
	}
	users := map[string]*gridinspect.User{}
	for _, u := range []*gridinspect.User{
		{Username: "workera", Role: gridinspect.RoleWorker, GridIDs: []string{gridA}},
		{Username: "workerb", Role: gridinspect.RoleWorker, GridIDs: []string{gridB}},
		{Username: "super", Role: gridinspect.RoleSupervisor, AllGrids: true},
	} {
		made, err := db.CreateUser(sys, u, testPassword)
		if err != nil {
			t.Fatal(err)
		}
		users[u.Username] = made
	}
	return &httpStreet{ts: ts, db: db, conn: conn, users: users}
}

func newHTTPServer(t *testing.T, limit server.Limit, logins server.LoginLimits) *httpServer {
	t.Helper()
	return &httpServer{url: newHTTPStreet(t, httpOptions{limit: limit, logins: &logins}).ts.URL}
}

// do sends a request and returns the answer's status, headers and body.
func (s *httpServer) do(t *testing.T, method, path, token, body string, headers ...string) (int, http.Header, string) {
	t.Helper()
	if token != "" {
		headers = append([]string{"Authorization", "Bearer " + token}, headers...)
	}
	resp, b := sendHTTP(t, http.DefaultClient, method, s.url+path, body, headers...)
	return resp.StatusCode, resp.Header, b
}

// sendHTTP sends body (JSON, if any) with headers (name, value, …) and
// returns the answer, its body read.
func sendHTTP(t *testing.T, client *http.Client, method, url, body string, headers ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

func (s *httpServer) login(t *testing.T) string {
	t.Helper()
	s.device = newID()
	code, _, body := s.do(t, "POST", "/v1/auth:login", "", `{"username":"workera","password":"`+testPassword+`","deviceId":"`+s.device+`"}`)
	if code != http.StatusOK {
		t.Fatalf("login: HTTP %d %s", code, body)
	}
	var resp struct{ Token string }
	if err := json.Unmarshal([]byte(body), &resp); err != nil || resp.Token == "" {
		t.Fatalf("login answer %s: %v", body, err)
	}
	return resp.Token
}

var roomy = server.Limit{Burst: 1000, Every: time.Millisecond}

func TestHTTP_ErrorsAreGoogleRPCStatusWithTheirDetails(t *testing.T) {
	s := newHTTPServer(t, roomy, server.LoginLimits{PerUsername: roomy, PerAddress: roomy, PerUsernameAllAddresses: roomy})
	token := s.login(t)
	tests := []struct {
		name, method, path, token, body string
		wantHTTP                        int
		wantInBody                      []string
	}{
		{"no token", "GET", "/v1/reports", "", "", http.StatusUnauthorized, []string{`"code":16`}},
		{"a field violation", "POST", "/v1/reports", token, `{"id":"` + newID() + `","category":"CATEGORY_SAFETY_HAZARD"}`,
			http.StatusBadRequest, []string{`"code":3`, `"@type":"type.googleapis.com/google.rpc.BadRequest"`, `"field":"report.`}},
		{"a misspelt field", "POST", "/v1/reports", token, `{"id":"` + newID() + `","categroy":"CATEGORY_SAFETY_HAZARD"}`,
			http.StatusBadRequest, []string{`"code":3`, `categroy`}},
		{"a list past its bound", "GET", "/v1/reports?" + strings.Repeat("statuses=REPORT_STATUS_CLOSED&", 50), token, "",
			http.StatusBadRequest, []string{`"field":"statuses"`, "at most"}},
		{"a report of another grid, as a missing one", "GET", "/v1/reports/" + newID(), token, "",
			http.StatusForbidden, []string{`"code":7`}},
		{"no such path", "GET", "/v1/nothing", token, "", http.StatusNotFound, []string{`"code":5`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, h, body := s.do(t, tt.method, tt.path, tt.token, tt.body)
			if code != tt.wantHTTP {
				t.Errorf("HTTP %d, want %d: %s", code, tt.wantHTTP, body)
			}
			if ct := h.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type %q, want JSON", ct)
			}
			for _, want := range tt.wantInBody {
				// protojson may space its output, as it chooses
				if !strings.Contains(body, want) && !strings.Contains(strings.ReplaceAll(body, " ", ""), want) {
					t.Errorf("body lacks %s: %s", want, body)
				}
			}
		})
	}
}

func TestHTTP_TooManyRequestsIs429WithRetryAfter(t *testing.T) {
	s := newHTTPServer(t, server.Limit{Burst: 1, Every: time.Hour}, server.LoginLimits{PerUsername: roomy, PerAddress: roomy, PerUsernameAllAddresses: roomy})
	token := s.login(t)
	if code, _, body := s.do(t, "GET", "/v1/auth:whoami", token, ""); code != http.StatusOK {
		t.Fatalf("first call: HTTP %d %s", code, body)
	}
	code, h, body := s.do(t, "GET", "/v1/auth:whoami", token, "")
	if code != http.StatusTooManyRequests {
		t.Fatalf("second call: HTTP %d %s, want 429", code, body)
	}
	if secs, err := strconv.Atoi(h.Get("Retry-After")); err != nil || secs < 3000 || secs > 3600 {
		t.Errorf("Retry-After %q, want about an hour in seconds", h.Get("Retry-After"))
	}
}

// A client behind the gateway cannot pass for another address by sending
// X-Forwarded-For: the login limits count the address the HTTP server saw.
func TestHTTP_LoginLimitsCountTheAddressTheServerSaw(t *testing.T) {
	s := newHTTPServer(t, roomy, server.LoginLimits{PerUsername: roomy, PerAddress: server.Limit{Burst: 2, Every: time.Hour}, PerUsernameAllAddresses: roomy})
	var codes []int
	for i := range 3 {
		code, _, _ := s.do(t, "POST", "/v1/auth:login", "", `{"username":"workera","password":"wrong","deviceId":"`+newID()+`"}`,
			"X-Forwarded-For", "10.0.0."+strconv.Itoa(i+1), "Grpc-Metadata-X-Forwarded-For", "10.1.0."+strconv.Itoa(i+1))
		codes = append(codes, code)
	}
	if codes[0] != http.StatusUnauthorized || codes[1] != http.StatusUnauthorized || codes[2] != http.StatusTooManyRequests {
		t.Errorf("three failed logins from one address under three forwarded ones: %v, want [401 401 429]", codes)
	}
}

func TestHTTP_HealthOpenAPIAndRequestID(t *testing.T) {
	s := newHTTPServer(t, roomy, server.LoginLimits{PerUsername: roomy, PerAddress: roomy, PerUsernameAllAddresses: roomy})
	if code, _, body := s.do(t, "GET", "/healthz", "", ""); code != http.StatusOK || body != "ok\n" {
		t.Errorf("/healthz: HTTP %d %q", code, body)
	}
	code, _, body := s.do(t, "GET", "/openapi.json", "", "")
	var doc struct {
		Swagger string
		Paths   map[string]any
	}
	if err := json.Unmarshal([]byte(body), &doc); code != http.StatusOK || err != nil {
		t.Fatalf("/openapi.json: HTTP %d, %v", code, err)
	}
	for _, p := range []string{"/v1/reports", "/v1/reports/{id}", "/v1/reports/{reportId}:assign", "/v1/summary", "/v1/sync:push",
		"/v1/photos", "/v1/photos/{photoId}:download", "/v1/reports:export", "/v1/session", "/v1/dashboard", "/v1/appraisal"} {
		if _, ok := doc.Paths[p]; !ok {
			t.Errorf("/openapi.json lacks %s", p)
		}
	}
	code, h, body := s.do(t, "GET", "/api", "", "")
	if code != http.StatusOK || !strings.HasPrefix(h.Get("Content-Type"), "text/html") {
		t.Errorf("/api: HTTP %d %s", code, h.Get("Content-Type"))
	}
	for _, want := range []string{"HTTP/JSON 接口", "/v1/reports/{reportId}:assign", "RectificationService_AssignReport", "/openapi.json"} {
		if !strings.Contains(body, want) {
			t.Errorf("/api lacks %q", want)
		}
	}
	token := s.login(t)
	_, h, _ = s.do(t, "GET", "/v1/auth:whoami", token, "", "X-Request-Id", "phone-123")
	if got := h.Get("X-Request-Id"); got != "phone-123" {
		t.Errorf("X-Request-Id %q, want the caller's", got)
	}
}

// A JSON body is counted before the gateway decodes it: a few megabytes
// of "{}," must not decode into millions of messages.
func TestHTTP_HugeJSONBodiesAreRefusedBeforeTheyAreDecoded(t *testing.T) {
	s := newHTTPServer(t, roomy, server.LoginLimits{PerUsername: roomy, PerAddress: roomy, PerUsernameAllAddresses: roomy})
	token := s.login(t)
	repeat := func(prefix, item, suffix string, n int) string {
		var b strings.Builder
		b.Grow(len(prefix) + n*(len(item)+1) + len(suffix))
		b.WriteString(prefix)
		for i := range n {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(item)
		}
		b.WriteString(suffix)
		return b.String()
	}
	point := `{"latitude":31.25,"longitude":118.35}`
	tests := []struct {
		name     string
		path     string
		body     string
		wantHTTP int
		want     string
	}{
		{"5,000,000 empty mutations", "/v1/sync:push", repeat(`{"mutations":[`, "{}", "]}", 5_000_000),
			http.StatusBadRequest, "JSON objects"},
		{"4,000,000 photo ids", "/v1/reports", repeat(`{"photoIds":[`, `"a"`, "]}", 4_000_000),
			http.StatusBadRequest, "JSON values"},
		{"past 16 MiB", "/v1/reports", `{"description":"` + strings.Repeat("a", server.MaxHTTPBodyBytes) + `"}`,
			http.StatusBadRequest, "request body"},
		{"a real push of 1,000 patrols of 100 points", "/v1/sync:push",
			repeat(`{"deviceId":"`+s.device+`","mutations":[`, `{"submitPatrol":{"patrol":{"track":[`+repeat("", point, "", 100)+`]}}}`, "]}", 1000),
			http.StatusOK, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var code int
			var body string
			alloc := allocated(func() { code, _, body = s.do(t, "POST", tt.path, token, tt.body) })
			t.Logf("%d bytes of JSON; the call allocated %.1f MB (client and server)", len(tt.body), float64(alloc)/1e6)
			if code != tt.wantHTTP || !strings.Contains(body, tt.want) {
				t.Errorf("HTTP %d %.300s, want %d saying %q", code, body, tt.wantHTTP, tt.want)
			}
			if tt.wantHTTP != http.StatusOK && alloc > 80<<20 {
				t.Errorf("refusing it allocated %.1f MB; want under 80 MB", float64(alloc)/1e6)
			}
		})
	}
}
