package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/gridinspect/gridinspect/internal/demo"
	"github.com/gridinspect/gridinspect/server"
)

// countLink is a count of the home page and the list it links to; a
// tile's has its key.
var countLink = regexp.MustCompile(`<a (?:class="[^"]*" id="tile-([a-z-]+)" )?href="([^"]+)" data-count="(\d+)">`)

// homeCount is one number of the home page: a tile (Tile is its key) or a
// grid's cell.
type homeCount struct {
	Tile, URL string
	N         int
}

func (p page) homeCounts() []homeCount {
	var out []homeCount
	for _, m := range countLink.FindAllStringSubmatch(p.body, -1) {
		n, _ := strconv.Atoi(m[3])
		out = append(out, homeCount{Tile: m[1], URL: strings.ReplaceAll(m[2], "&amp;", "&"), N: n})
	}
	return out
}

// homeTiles are the keys of the home page's tiles, in order.
var homeTiles = []string{"open", "overdue", "due-soon", "pending", "follow-up", "new"}

// moveSomeCasesAlong gives every count of the home page cases on the demo
// street, which has only new and pending ones at its clock: a case closed
// long enough ago that its follow-up (回头看) is due, one overdue, one due
// within three days, and a report received today. The clock moves on 400
// days, so the sessions made before it have ended.
func (st *street) moveSomeCasesAlong(t *testing.T) {
	t.Helper()
	sup := st.api(t, "supervisor")
	closed := false
	for _, r := range sup.listReports(url.Values{"statuses": {"REPORT_STATUS_PENDING_VERIFICATION"}})[1:] {
		var resp struct{ Report struct{ FollowUpDue string } }
		sup.call("POST", "/v1/reports/"+r.ID+":verifyRectification", map[string]any{
			"actionId": uuid.NewString(), "passed": true}, &resp)
		if closed = resp.Report.FollowUpDue != ""; closed {
			break
		}
	}
	if !closed {
		t.Fatal("no case pending verification closes with a follow-up")
	}
	st.clock.Advance(400 * 24 * time.Hour)
	sup = st.api(t, "supervisor")
	reported := sup.listReports(url.Values{"statuses": {"REPORT_STATUS_REPORTED"}})
	if len(reported) < 2 {
		t.Fatalf("%d reported cases on the demo street", len(reported))
	}
	for i, days := range []float64{1, 4.5} { // overdue and due soon after two days
		var resp struct{}
		sup.call("POST", "/v1/reports/"+reported[i].ID+":assign", map[string]any{
			"actionId": uuid.NewString(), "responsibleUnit": "责任单位",
			"deadline": st.clock.Now().Add(time.Duration(days * float64(24*time.Hour))).Format(time.RFC3339)}, &resp)
	}
	st.clock.Advance(48 * time.Hour)
	st.api(t, "worker01").submitCopy("今天新上报的问题")
}

// TestHome_EachCountIsTheNumberOfCasesItsListShows: a supervisor (the
// street) and a worker (its own grids) follow each number of the home
// page, tile or grid's cell, and find as many cases in the list as the
// number said.
func TestHome_EachCountIsTheNumberOfCasesItsListShows(t *testing.T) {
	st := newStreet(t)
	st.moveSomeCasesAlong(t)
	for _, user := range []string{"supervisor", "worker01"} {
		t.Run(user, func(t *testing.T) {
			b := st.browser(t)
			b.login(user, "/")
			home := b.get("/")
			if home.StatusCode != http.StatusOK {
				t.Fatalf("GET /: HTTP %d: %s", home.StatusCode, home.body)
			}
			counts := home.homeCounts()
			var tiles []string
			grids := map[string]bool{}
			for _, c := range counts {
				if c.Tile != "" {
					tiles = append(tiles, c.Tile)
					if user == "supervisor" && c.N == 0 {
						t.Errorf("the tile %s counts 0: the test proves nothing about it", c.Tile)
					}
				}
				u, err := url.Parse(c.URL)
				if err != nil || u.Path != "/cases" {
					t.Fatalf("a count links to %q, not to the case list", c.URL)
				}
				if g := u.Query()["grid"]; len(g) == 1 {
					grids[g[0]] = true
				}
				if got := len(b.allCaseIDs(c.URL)); got != c.N {
					t.Errorf("%s: the home page says %d, the list shows %d", c.URL, c.N, got)
				}
			}
			if strings.Join(tiles, ",") != strings.Join(homeTiles, ",") {
				t.Errorf("tiles %v, want %v", tiles, homeTiles)
			}
			if want := len(homeTiles) * (1 + len(grids)); len(counts) != want || len(grids) == 0 {
				t.Errorf("%d counts for %d grids, want %d", len(counts), len(grids), want)
			}
			if user == "worker01" && len(grids) != 1 {
				t.Errorf("worker01 sees counts of %d grids, want its own 1", len(grids))
			}
		})
	}
}

// TestHome_ARefreshIsTheContentAndAnEndedSessionIsSaidPlainly: desk.js's
// fetch of a live page gets the page's content without the layout, and
// when the session has ended a 401 rather than the login form.
func TestHome_ARefreshIsTheContentAndAnEndedSessionIsSaidPlainly(t *testing.T) {
	st := newStreet(t)
	b := st.browser(t)
	for _, path := range []string{"/", "/cases"} {
		if p := b.do("GET", path, nil, "X-Desk-Refresh", "1"); p.StatusCode != http.StatusUnauthorized {
			t.Errorf("refresh of %s without a session: HTTP %d, want 401", path, p.StatusCode)
		}
	}
	b.login("supervisor", "/")
	for path, live := range map[string]string{"/": `id="home-live"`, "/cases": `id="cases-live"`} {
		p := b.do("GET", path, nil, "X-Desk-Refresh", "1")
		if p.StatusCode != http.StatusOK || !strings.Contains(p.body, live) || strings.Contains(p.body, "<header") {
			t.Errorf("refresh of %s: HTTP %d, want the content with %s and no header: %s", path, p.StatusCode, live, p.body)
		}
	}
}

// TestDesk_TheSessionCookieLastsAsLongAsItsToken: the cookie's age counts
// from the server's clock, as the token's end does; counted from the wall
// clock, a server whose clock differs (the tests' street lives in 2024)
// set a cookie of one second, and a page that refreshes itself found its
// session gone.
func TestDesk_TheSessionCookieLastsAsLongAsItsToken(t *testing.T) {
	st := newStreet(t)
	b := st.browser(t)
	p := b.post("/login", "", url.Values{"username": {"supervisor"}, "password": {demo.Password}, "next": {"/"}})
	var session *http.Cookie
	for _, c := range p.Cookies() {
		if c.Name == server.SessionCookie {
			session = c
		}
	}
	if session == nil || session.MaxAge < 3600 {
		t.Fatalf("session cookie %v: want one that lasts hours, as its token", session)
	}
}
