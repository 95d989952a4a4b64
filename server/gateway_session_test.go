package server_test

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/gridinspect/gridinspect/internal/storetest"
	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
	"github.com/gridinspect/gridinspect/server"
	"github.com/gridinspect/gridinspect/store"
)

// site is the HTTP API as a browser meets it: served by a real HTTP
// server (over TLS if asked), allowing corsOrigins, with one worker of
// grid A.
type site struct {
	url    string
	client *http.Client
}

const foreignOrigin = "https://evil.example"

func newSite(t *testing.T, overTLS bool, corsOrigins ...string) *site {
	t.Helper()
	st := newHTTPStreet(t, httpOptions{limit: roomy, cors: corsOrigins, overTLS: overTLS})
	// No redirects, no cookie jar: each test says which cookie it sends.
	return &site{url: st.ts.URL, client: st.ts.Client()}
}

// call sends a request with headers (name, value, …) and returns the
// answer, its body read.
func (s *site) call(t *testing.T, method, path, body string, headers ...string) (*http.Response, string) {
	t.Helper()
	return sendHTTP(t, s.client, method, s.url+path, body, headers...)
}

func loginBody() string {
	return `{"username":"workera","password":"` + testPassword + `","deviceId":"` + newID() + `"}`
}

// sessionCookieOf returns the answer's session cookie, or nil.
func sessionCookieOf(resp *http.Response) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == server.SessionCookie {
			return c
		}
	}
	return nil
}

// startSession logs in as a page of the site's own origin would, and
// returns the Cookie header that carries the session.
func (s *site) startSession(t *testing.T) string {
	t.Helper()
	resp, body := s.call(t, "POST", "/v1/session", loginBody(), "Origin", s.url)
	c := sessionCookieOf(resp)
	if resp.StatusCode != http.StatusOK || c == nil || c.Value == "" {
		t.Fatalf("session login: HTTP %d, cookie %v: %s", resp.StatusCode, c, body)
	}
	return server.SessionCookie + "=" + c.Value
}

// bearer logs in for a token, as a mini-program does.
func (s *site) bearer(t *testing.T) string {
	t.Helper()
	resp, body := s.call(t, "POST", "/v1/auth:login", loginBody())
	var r struct{ Token string }
	if err := json.Unmarshal([]byte(body), &r); resp.StatusCode != http.StatusOK || err != nil || r.Token == "" {
		t.Fatalf("login: HTTP %d %s", resp.StatusCode, body)
	}
	return r.Token
}

// reportJSON is a valid report of grid A, as POST /v1/reports takes it.
func reportJSON(t *testing.T, id string) string {
	t.Helper()
	b, err := protojson.Marshal(&pb.Report{
		Id: id, Category: pb.Category_CATEGORY_SAFETY_HAZARD, Severity: pb.Severity_SEVERITY_GENERAL,
		Description: "灭火器过期", Location: inA, GridId: gridA, ObservedAt: timestamppb.New(time.Now().Add(-time.Hour)),
		Details: &pb.Report_SafetyHazard{SafetyHazard: &pb.SafetyHazardDetails{
			HazardKind: pb.HazardKind_HAZARD_KIND_FIRE, PlaceKind: pb.PlaceKind_PLACE_KIND_ENTERPRISE,
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// reportExists asks, with a token, whether the report was stored.
func (s *site) reportExists(t *testing.T, token, id string) bool {
	t.Helper()
	resp, body := s.call(t, "GET", "/v1/reports/"+id, "", "Authorization", "Bearer "+token)
	switch resp.StatusCode {
	case http.StatusOK:
		return true
	case http.StatusForbidden, http.StatusNotFound: // a worker is told "not yours" for a missing report
		return false
	}
	t.Fatalf("GET report %s: HTTP %d %s", id, resp.StatusCode, body)
	return false
}

func TestHTTPSession_LoginSetsAnHttpOnlyStrictCookieSecureUnderTLS(t *testing.T) {
	for _, overTLS := range []bool{false, true} {
		t.Run(map[bool]string{false: "plain", true: "TLS"}[overTLS], func(t *testing.T) {
			s := newSite(t, overTLS)
			resp, body := s.call(t, "POST", "/v1/session", loginBody(), "Origin", s.url)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("HTTP %d %s", resp.StatusCode, body)
			}
			c := sessionCookieOf(resp)
			if c == nil {
				t.Fatalf("no %s cookie in %q", server.SessionCookie, resp.Header.Values("Set-Cookie"))
			}
			if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/" || c.Secure != overTLS || c.Domain != "" {
				t.Errorf("cookie %q: want HttpOnly, SameSite=Strict, Path=/, no Domain, Secure=%v", resp.Header.Get("Set-Cookie"), overTLS)
			}
			var answer struct {
				Token     string
				ExpiresAt time.Time
				User      struct{ Username string }
			}
			if err := json.Unmarshal([]byte(body), &answer); err != nil {
				t.Fatalf("answer %s: %v", body, err)
			}
			if answer.Token != "" || strings.Contains(body, c.Value) {
				t.Errorf("answer shows the token to the page's scripts: %s", body)
			}
			if answer.User.Username != "workera" {
				t.Errorf("answer's user %q, want workera", answer.User.Username)
			}
			if want := time.Until(answer.ExpiresAt).Seconds(); float64(c.MaxAge) < want-60 || float64(c.MaxAge) > want+60 {
				t.Errorf("cookie Max-Age %d s, want the token's %v s left", c.MaxAge, want)
			}
			if got := resp.Header.Get("Cache-Control"); got != "no-store" {
				t.Errorf("Cache-Control %q, want no-store", got)
			}
			resp, body = s.call(t, "GET", "/v1/auth:whoami", "", "Cookie", server.SessionCookie+"="+c.Value, "Sec-Fetch-Site", "same-origin")
			if resp.StatusCode != http.StatusOK || !strings.Contains(body, "workera") {
				t.Errorf("whoami with the cookie: HTTP %d %s", resp.StatusCode, body)
			}
		})
	}
}

// TestHTTPSession_TheCookieAuthenticatesOnlyRequestsOfItsOwnOrigin: the
// browser sends the cookie with whatever request a page makes to the API
// (SameSite stops only other sites, and older browsers not even them);
// the server uses it only when the request shows it comes from a page of
// the API's own origin, and a refused request changes nothing.
func TestHTTPSession_TheCookieAuthenticatesOnlyRequestsOfItsOwnOrigin(t *testing.T) {
	s := newSite(t, false)
	cookie := s.startSession(t)
	token := s.bearer(t)
	otherScheme := strings.Replace(s.url, "http://", "https://", 1)
	tests := []struct {
		name, method string
		headers      []string
		wantHTTP     int
	}{
		{"GET, no Origin (a link, an image)", "GET", nil, http.StatusOK},
		{"GET, Sec-Fetch-Site same-origin", "GET", []string{"Sec-Fetch-Site", "same-origin"}, http.StatusOK},
		{"GET, Sec-Fetch-Site none (typed in)", "GET", []string{"Sec-Fetch-Site", "none"}, http.StatusOK},
		{"GET, this Origin", "GET", []string{"Origin", s.url}, http.StatusOK},
		{"GET, another Origin", "GET", []string{"Origin", foreignOrigin}, http.StatusUnauthorized},
		{"GET, Sec-Fetch-Site cross-site", "GET", []string{"Sec-Fetch-Site", "cross-site"}, http.StatusUnauthorized},
		{"GET, Sec-Fetch-Site same-site (a sibling subdomain)", "GET", []string{"Sec-Fetch-Site", "same-site"}, http.StatusUnauthorized},
		{"POST, this Origin", "POST", []string{"Origin", s.url}, http.StatusOK},
		{"POST, this Origin in other case", "POST", []string{"Origin", strings.ToUpper(s.url)}, http.StatusOK},
		{"POST, no Origin but Sec-Fetch-Site same-origin", "POST", []string{"Sec-Fetch-Site", "same-origin"}, http.StatusOK},
		{"POST, another Origin", "POST", []string{"Origin", foreignOrigin}, http.StatusUnauthorized},
		{"POST, another Origin that says same-origin", "POST", []string{"Origin", foreignOrigin, "Sec-Fetch-Site", "same-origin"}, http.StatusUnauthorized},
		{"POST, this host over another scheme", "POST", []string{"Origin", otherScheme}, http.StatusUnauthorized},
		{"POST, Origin null (a sandboxed frame)", "POST", []string{"Origin", "null"}, http.StatusUnauthorized},
		{"POST, neither Origin nor Sec-Fetch-Site", "POST", nil, http.StatusUnauthorized},
		{"POST, Sec-Fetch-Site cross-site", "POST", []string{"Sec-Fetch-Site", "cross-site"}, http.StatusUnauthorized},
		{"POST, Sec-Fetch-Site none", "POST", []string{"Sec-Fetch-Site", "none"}, http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			headers := append([]string{"Cookie", cookie}, tt.headers...)
			if tt.method == "GET" {
				resp, body := s.call(t, "GET", "/v1/auth:whoami", "", headers...)
				if resp.StatusCode != tt.wantHTTP {
					t.Errorf("whoami: HTTP %d, want %d: %s", resp.StatusCode, tt.wantHTTP, body)
				}
				return
			}
			id := newID()
			resp, body := s.call(t, "POST", "/v1/reports", reportJSON(t, id), headers...)
			if resp.StatusCode != tt.wantHTTP {
				t.Errorf("submit: HTTP %d, want %d: %s", resp.StatusCode, tt.wantHTTP, body)
			}
			if stored := s.reportExists(t, token, id); stored != (tt.wantHTTP == http.StatusOK) {
				t.Errorf("report stored: %v, want %v", stored, tt.wantHTTP == http.StatusOK)
			}
		})
	}
	// A refused logout leaves the session alone.
	if resp, _ := s.call(t, "POST", "/v1/session:logout", "", "Cookie", cookie, "Origin", foreignOrigin); resp.StatusCode != http.StatusUnauthorized || sessionCookieOf(resp) != nil {
		t.Errorf("logout from another origin: HTTP %d, Set-Cookie %q; want 401 and the cookie kept", resp.StatusCode, resp.Header.Values("Set-Cookie"))
	}
	if resp, body := s.call(t, "GET", "/v1/auth:whoami", "", "Cookie", cookie); resp.StatusCode != http.StatusOK {
		t.Errorf("after the refused requests the session no longer works: HTTP %d %s", resp.StatusCode, body)
	}
}

func TestHTTPSession_LogoutEndsTheSessionAndClearsTheCookie(t *testing.T) {
	for _, overTLS := range []bool{false, true} {
		t.Run(map[bool]string{false: "plain", true: "TLS"}[overTLS], func(t *testing.T) {
			s := newSite(t, overTLS)
			cookie := s.startSession(t)
			resp, body := s.call(t, "POST", "/v1/session:logout", "", "Cookie", cookie, "Origin", s.url)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("logout: HTTP %d %s", resp.StatusCode, body)
			}
			if c := sessionCookieOf(resp); c == nil || c.Value != "" || c.MaxAge >= 0 || c.Path != "/" || c.Secure != overTLS {
				t.Errorf("logout's Set-Cookie %q: want the cookie deleted (empty, Max-Age=0, Path=/)", resp.Header.Values("Set-Cookie"))
			}
			token := strings.TrimPrefix(cookie, server.SessionCookie+"=")
			for name, headers := range map[string][]string{
				"the cookie":          {"Cookie", cookie},
				"its token as bearer": {"Authorization", "Bearer " + token},
			} {
				if resp, body := s.call(t, "GET", "/v1/auth:whoami", "", headers...); resp.StatusCode != http.StatusUnauthorized {
					t.Errorf("whoami with %s after logout: HTTP %d %s, want 401", name, resp.StatusCode, body)
				}
			}
			// A page that logs out again, with the dead cookie, is told so
			// and loses the cookie.
			resp, _ = s.call(t, "POST", "/v1/session:logout", "", "Cookie", cookie, "Origin", s.url)
			if c := sessionCookieOf(resp); resp.StatusCode != http.StatusUnauthorized || c == nil || c.MaxAge >= 0 {
				t.Errorf("second logout: HTTP %d, Set-Cookie %q; want 401 and the cookie deleted", resp.StatusCode, resp.Header.Values("Set-Cookie"))
			}
		})
	}
}

// TestHTTPSession_LoginFromAnotherSiteIsRefused: another site cannot log
// a visitor's browser into an account of its choosing (login CSRF).
func TestHTTPSession_LoginFromAnotherSiteIsRefused(t *testing.T) {
	s := newSite(t, false)
	tests := []struct {
		name     string
		body     string
		headers  []string
		wantHTTP int
	}{
		{"this Origin", loginBody(), []string{"Origin", s.url}, http.StatusOK},
		{"Sec-Fetch-Site same-origin", loginBody(), []string{"Sec-Fetch-Site", "same-origin"}, http.StatusOK},
		{"another Origin", loginBody(), []string{"Origin", foreignOrigin}, http.StatusForbidden},
		{"Sec-Fetch-Site cross-site", loginBody(), []string{"Sec-Fetch-Site", "cross-site"}, http.StatusForbidden},
		{"Sec-Fetch-Site same-site", loginBody(), []string{"Sec-Fetch-Site", "same-site"}, http.StatusForbidden},
		{"neither Origin nor Sec-Fetch-Site", loginBody(), nil, http.StatusForbidden},
		{"a wrong password", `{"username":"workera","password":"wrong","deviceId":"` + newID() + `"}`, []string{"Origin", s.url}, http.StatusUnauthorized},
		{"a misspelt field", `{"username":"workera","pasword":"x"}`, []string{"Origin", s.url}, http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := s.call(t, "POST", "/v1/session", tt.body, tt.headers...)
			if resp.StatusCode != tt.wantHTTP {
				t.Errorf("HTTP %d, want %d: %s", resp.StatusCode, tt.wantHTTP, body)
			}
			if c := sessionCookieOf(resp); (c != nil) != (tt.wantHTTP == http.StatusOK) {
				t.Errorf("Set-Cookie %q", resp.Header.Values("Set-Cookie"))
			}
			if resp.StatusCode != http.StatusOK && !strings.Contains(body, `"code"`) {
				t.Errorf("refusal is not a google.rpc.Status: %s", body)
			}
			if resp.StatusCode == http.StatusForbidden && !strings.Contains(body, "请从本系统的页面登录") {
				t.Errorf("the refusal does not say in Chinese where to log in: %s", body)
			}
		})
	}
}

// TestHTTP_ABearerTokenWorksFromAnyOrigin: a token is sent only by code
// that holds it, never by the browser on its own, so a page of another
// origin (an H5 app) may use one.
func TestHTTP_ABearerTokenWorksFromAnyOrigin(t *testing.T) {
	s := newSite(t, false)
	token := s.bearer(t)
	id := newID()
	resp, body := s.call(t, "POST", "/v1/reports", reportJSON(t, id), "Authorization", "Bearer "+token, "Origin", foreignOrigin, "Sec-Fetch-Site", "cross-site")
	if resp.StatusCode != http.StatusOK || !s.reportExists(t, token, id) {
		t.Errorf("submit with a token from another origin: HTTP %d %s", resp.StatusCode, body)
	}
}

func TestHTTPCORS_OnlyTheListedOriginsMayCallFromTheirPages(t *testing.T) {
	const h5 = "https://h5.example.com"
	s := newSite(t, false, "https://H5.example.com:443") // as written by hand
	off := newSite(t, false)
	token := s.bearer(t)
	tests := []struct {
		name        string
		site        *site
		method      string
		headers     []string
		wantHTTP    int
		wantAllowed bool
	}{
		{"preflight of a listed origin", s, "OPTIONS", []string{"Origin", h5, "Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "authorization,content-type"}, http.StatusNoContent, true},
		{"preflight of another origin", s, "OPTIONS", []string{"Origin", foreignOrigin, "Access-Control-Request-Method", "POST"}, http.StatusForbidden, false},
		{"preflight with CORS off", off, "OPTIONS", []string{"Origin", h5, "Access-Control-Request-Method", "POST"}, 0, false},
		{"a call of a listed origin", s, "GET", []string{"Origin", h5, "Authorization", "Bearer " + token}, http.StatusOK, true},
		{"a call of another origin", s, "GET", []string{"Origin", foreignOrigin, "Authorization", "Bearer " + token}, http.StatusOK, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := tt.site.call(t, tt.method, "/v1/auth:whoami", "", tt.headers...)
			if tt.wantHTTP != 0 && resp.StatusCode != tt.wantHTTP {
				t.Errorf("HTTP %d, want %d: %s", resp.StatusCode, tt.wantHTTP, body)
			}
			if got := resp.Header.Get("Access-Control-Allow-Credentials"); got != "" {
				t.Errorf("Access-Control-Allow-Credentials %q: the cookie is for the API's own origin only", got)
			}
			if !tt.wantAllowed {
				for name := range resp.Header {
					if strings.HasPrefix(name, "Access-Control-") {
						t.Errorf("an origin not allowed got %s: %q", name, resp.Header.Get(name))
					}
				}
				return
			}
			want := map[string]string{"Access-Control-Allow-Origin": h5}
			if tt.method == "OPTIONS" {
				want["Access-Control-Allow-Methods"] = "GET, POST, PATCH, DELETE, OPTIONS"
				want["Access-Control-Allow-Headers"] = "Authorization, Content-Type, X-Request-Id"
				want["Access-Control-Max-Age"] = "3600"
			} else {
				want["Access-Control-Expose-Headers"] = "X-Request-Id, Retry-After, Content-Disposition, ETag"
			}
			for name, v := range want {
				if got := resp.Header.Get(name); got != v {
					t.Errorf("%s %q, want %q", name, got, v)
				}
			}
			if got := resp.Header.Values("Vary"); !contains(got, "Origin") {
				t.Errorf("Vary %q, want Origin", got)
			}
		})
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func TestParseOrigin(t *testing.T) {
	tests := []struct{ in, want, wantErr string }{
		{"https://h5.example.com", "https://h5.example.com", ""},
		{"HTTPS://H5.Example.COM:443", "https://h5.example.com", ""},
		{"http://example.com:80", "http://example.com", ""},
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080", ""},
		{"https://[::1]:8443", "https://[::1]:8443", ""},
		{"https://[::1]:443", "https://[::1]", ""},
		{"*", "", "wildcard"},
		{"https://h5.example.com/", "", "no path"},
		{"https://h5.example.com/app", "", "no path"},
		{"https://h5.example.com?x=1", "", "no path"},
		{"https://user@h5.example.com", "", "no path"},
		{"h5.example.com", "", "want http"},
		{"ftp://h5.example.com", "", "want http"},
		{"null", "", "want http"},
		{"https://", "", "no path"},
		{"https://h5.example.com:", "", "empty port"},
		{"https://h5.example.com:99999", "", "bad port"},
		{"https://h5.example.com:0", "", "bad port"},
	}
	for _, tt := range tests {
		got, err := server.ParseOrigin(tt.in)
		if tt.wantErr == "" {
			if err != nil || got != tt.want {
				t.Errorf("ParseOrigin(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("ParseOrigin(%q) = %q, %v; want an error saying %q", tt.in, got, err, tt.wantErr)
		}
	}
}

func TestHTTPHandlerRefusesABadCORSOrigin(t *testing.T) {
	db, err := storetest.Open(t, filepath.Join(t.TempDir(), "gridinspect.db"), store.Options{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close(t.Context()) })
	cfg := server.Serve(db)
	cfg.Logger, cfg.CORSOrigins = quiet, []string{"https://ok.example", "https://h5.example.com/app"}
	srv := server.New(cfg)
	t.Cleanup(func() { srv.Shutdown(t.Context()) })
	if _, err := srv.HTTPHandler(); err == nil || !strings.Contains(err.Error(), "h5.example.com/app") {
		t.Errorf("HTTPHandler = %v; want an error naming the bad origin", err)
	}
}
