package server_test

import (
	"net/http"
	"strings"
	"testing"
)

// The web desk shares the HTTP listener with the API: it has every path
// the API has not, and the API's answers stay the API's.
func TestHTTP_DeskAndAPIShareTheListener(t *testing.T) {
	st := newHTTPStreet(t, httpOptions{limit: roomy})
	for _, tc := range []struct {
		path, wantType, wantLocation string
		wantCode                     int
		desk                         bool // answered by the desk, with its Content-Security-Policy
	}{
		{path: "/", wantCode: http.StatusSeeOther, wantLocation: "/login?next=%2F", desk: true},
		{path: "/cases", wantCode: http.StatusSeeOther, wantLocation: "/login?next=%2Fcases", desk: true},
		{path: "/login", wantCode: http.StatusOK, wantType: "text/html", desk: true},
		{path: "/healthz", wantCode: http.StatusOK, wantType: "text/plain"},
		{path: "/openapi.json", wantCode: http.StatusOK, wantType: "application/json"},
		{path: "/api", wantCode: http.StatusOK, wantType: "text/html"},
		{path: "/v1/reports", wantCode: http.StatusUnauthorized, wantType: "application/json"},
		{path: "/v1/no-such-thing", wantCode: http.StatusNotFound, wantType: "application/json"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			resp, body := sendHTTP(t, noRedirects, "GET", st.ts.URL+tc.path, "")
			if resp.StatusCode != tc.wantCode {
				t.Fatalf("HTTP %d, want %d: %s", resp.StatusCode, tc.wantCode, body)
			}
			if tc.wantType != "" && !strings.HasPrefix(resp.Header.Get("Content-Type"), tc.wantType) {
				t.Errorf("Content-Type %q, want %s", resp.Header.Get("Content-Type"), tc.wantType)
			}
			if got := resp.Header.Get("Location"); got != tc.wantLocation {
				t.Errorf("Location %q, want %q", got, tc.wantLocation)
			}
			if csp := resp.Header.Get("Content-Security-Policy"); (csp != "") != tc.desk {
				t.Errorf("Content-Security-Policy %q; want one only on the desk's answers", csp)
			}
		})
	}
}

// noRedirects is a client that shows a redirect instead of following it.
var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
