package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gridinspect/gridinspect/internal/demo"
)

// The street's clock is in 2024: a session cookie whose life were counted
// by the machine's clock would end a second after the login, and a page
// that fetches again (the map's refresh) would find itself logged out.
func TestDesk_SessionCookieLastsTheTokensLifeByTheServersClock(t *testing.T) {
	st := newStreet(t)
	tests := []struct {
		name string
		do   func(b *browser) page
	}{
		{"the desk's login form", func(b *browser) page {
			return b.post("/login", "", url.Values{"username": {"supervisor"}, "password": {demo.Password}, "next": {"/map"}})
		}},
		{"POST /v1/session", func(b *browser) page {
			req, err := http.NewRequestWithContext(t.Context(), "POST", st.url+"/v1/session",
				strings.NewReader(`{"username":"supervisor","password":"`+demo.Password+`","deviceId":"test-cookie"}`))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Origin", st.url)
			req.Header.Set("Content-Type", "application/json")
			resp, err := b.client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return page{Response: resp}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.do(st.browser(t))
			var c *http.Cookie
			for _, k := range p.Cookies() {
				if k.Value != "" && k.MaxAge != 0 {
					c = k
				}
			}
			if c == nil {
				t.Fatalf("HTTP %d: no session cookie with a Max-Age in %q", p.StatusCode, p.Header.Values("Set-Cookie"))
			}
			if c.MaxAge < int(time.Hour.Seconds()) {
				t.Errorf("session cookie lives %d s; want the token's life (hours), counted by the server's clock", c.MaxAge)
			}
		})
	}
}
