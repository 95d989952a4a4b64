package web_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/gridinspect/gridinspect"
	"github.com/gridinspect/gridinspect/internal/demo"
	"github.com/gridinspect/gridinspect/server"
	"github.com/gridinspect/gridinspect/store"
)

// clock is the street's time, which a test may move on (to make a case
// overdue).
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// street is the demo street (internal/demo) in a real store, served by a
// real server over HTTP on 127.0.0.1: the API and the desk on one
// listener, as gridd serves them.
type street struct {
	url   string
	clock *clock
	// db is the street's store, for what the server does on its own
	// (supervision: db.SuperviseOverdue, as gridd's loop runs it).
	db *store.DB
}

var roomy = server.Limit{Burst: 10000, Every: time.Microsecond}

// newStreet serves the demo street; opts change the server's configuration
// (e.g. a test's faster refresh of the desk's lists).
func newStreet(t *testing.T, opts ...func(*server.Config)) *street {
	t.Helper()
	clk := &clock{now: time.Date(2024, 7, 10, 2, 0, 0, 0, time.UTC)} // 10:00 in China, after the demo's half-year
	quiet := slog.New(slog.DiscardHandler)
	db, err := store.Open(filepath.Join(t.TempDir(), "gridinspect.db"), store.Options{
		Logger: quiet, Now: clk.Now, Rules: demo.Rules(gridinspect.DefaultRules),
		PasswordParams: gridinspect.PasswordParams{MemoryKiB: 64, Time: 1, Threads: 1},
	})
	if err != nil {
		t.Fatal(err)
	}
	sys := gridinspect.NewContext(t.Context(), gridinspect.SystemActor())
	if _, err := demo.Seed(sys, demo.Services{Directory: db, Reports: db, Users: db, Settings: db, Routing: db, Schedules: db, Calendar: db}, clk.Now()); err != nil {
		t.Fatal(err)
	}
	// The admin gridd makes on its first run, here with the demo's password.
	if _, err := db.CreateUser(sys, &gridinspect.User{Username: store.AdminUsername, DisplayName: "管理员",
		Role: gridinspect.RoleAdmin, AllGrids: true}, demo.Password); err != nil {
		t.Fatal(err)
	}
	cfg := server.Serve(db)
	cfg.Logger, cfg.Now, cfg.RequestLimit = quiet, clk.Now, &server.NoRequestLimit
	cfg.LoginLimits = &server.LoginLimits{PerUsername: roomy, PerAddress: roomy, PerUsernameAllAddresses: roomy}
	for _, o := range opts {
		o(&cfg)
	}
	srv := server.New(cfg)
	handler, err := srv.HTTPHandler()
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(handler)
	t.Cleanup(func() {
		ts.Close()
		srv.Shutdown(t.Context())
		_ = db.Close(t.Context())
	})
	return &street{url: ts.URL, clock: clk, db: db}
}

// browser is a person's browser on the street's desk: it keeps cookies,
// does not follow redirects by itself (the tests look at them), and says
// where a form comes from as browsers do (Origin on a POST).
type browser struct {
	t      *testing.T
	st     *street
	client *http.Client
}

func (st *street) browser(t *testing.T) *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, st: st, client: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// page is an answer, its body read.
type page struct {
	*http.Response
	body string
}

// get fetches path as a navigation would.
func (b *browser) get(path string) page {
	b.t.Helper()
	return b.do("GET", path, nil)
}

// post submits a form to path from a page of origin ("" for the desk's
// own).
func (b *browser) post(path, origin string, form url.Values) page {
	b.t.Helper()
	if origin == "" {
		origin = b.st.url
	}
	return b.do("POST", path, form, "Origin", origin)
}

func (b *browser) do(method, path string, form url.Values, headers ...string) page {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(b.t.Context(), method, b.st.url+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return page{resp, string(raw)}
}

// login logs in through the login form and checks that it lands on next.
func (b *browser) login(username, next string) {
	b.t.Helper()
	p := b.post("/login", "", url.Values{"username": {username}, "password": {demo.Password}, "next": {next}})
	if p.StatusCode != http.StatusSeeOther || p.Header.Get("Location") != next {
		b.t.Fatalf("login as %s: HTTP %d to %q, want 303 to %q: %s", username, p.StatusCode, p.Header.Get("Location"), next, p.body)
	}
}

// caseIDs are the ids of the cases a list page shows, in its order.
func (p page) caseIDs() []string {
	var ids []string
	for _, m := range caseLink.FindAllStringSubmatch(p.body, -1) {
		ids = append(ids, m[1])
	}
	return ids
}

var (
	caseLink = regexp.MustCompile(`<a class="id" href="/cases/([0-9a-f-]{36})">`)
	nextLink = regexp.MustCompile(`<a class="button" href="([^"]+)" rel="next">`)
)

// allCaseIDs reads every page of the list at path.
func (b *browser) allCaseIDs(path string) []string {
	b.t.Helper()
	var ids []string
	for pages := 0; path != ""; pages++ {
		if pages > 50 {
			b.t.Fatal("more than 50 pages")
		}
		p := b.get(path)
		if p.StatusCode != http.StatusOK {
			b.t.Fatalf("GET %s: HTTP %d: %s", path, p.StatusCode, p.body)
		}
		ids = append(ids, p.caseIDs()...)
		path = ""
		if m := nextLink.FindStringSubmatch(p.body); m != nil {
			path = strings.ReplaceAll(m[1], "&amp;", "&")
		}
	}
	return ids
}

// api is the street's HTTP/JSON API called with a bearer token, as
// another client calls it: what the desk shows is compared with it.
type api struct {
	t     *testing.T
	st    *street
	token string
}

func (st *street) api(t *testing.T, username string) *api {
	t.Helper()
	a := &api{t: t, st: st}
	var resp struct{ Token string }
	a.call("POST", "/v1/auth:login", map[string]string{"username": username, "password": demo.Password, "deviceId": "test-" + username}, &resp)
	a.token = resp.Token
	return a
}

func (a *api) call(method, path string, body, out any) {
	a.t.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			a.t.Fatal(err)
		}
		r = strings.NewReader(string(b))
	}
	req, err := http.NewRequestWithContext(a.t.Context(), method, a.st.url+path, r)
	if err != nil {
		a.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if a.token != "" {
		req.Header.Set("Authorization", "Bearer "+a.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		a.t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		a.t.Fatalf("%s %s: HTTP %d: %s", method, path, resp.StatusCode, raw)
	}
	if err := json.Unmarshal(raw, out); err != nil {
		a.t.Fatalf("%s %s: %v: %s", method, path, err, raw)
	}
}

// apiReport is what the tests read of a report.
type apiReport struct {
	ID, GridID, Status string
	Version            string // int64 travels as a string
	Overdue            bool
}

// listReports reads every page of GET /v1/reports with query.
func (a *api) listReports(query url.Values) []apiReport {
	a.t.Helper()
	var all []apiReport
	token := ""
	for {
		q := url.Values{}
		for k, v := range query {
			q[k] = v
		}
		q.Set("pageSize", "500")
		if token != "" {
			q.Set("pageToken", token)
		}
		var resp struct {
			Reports       []apiReport
			NextPageToken string
		}
		a.call("GET", "/v1/reports?"+q.Encode(), nil, &resp)
		all = append(all, resp.Reports...)
		if token = resp.NextPageToken; token == "" {
			return all
		}
	}
}

func regexpMust(pattern string) *regexp.Regexp { return regexp.MustCompile(pattern) }

// submitCopy submits, as the api's user, a copy of one of its cases with
// another description, and returns its id.
func (a *api) submitCopy(description string) string {
	a.t.Helper()
	mine := a.listReports(url.Values{})
	if len(mine) == 0 {
		a.t.Fatal("no case to copy")
	}
	var full struct{ Report map[string]any }
	a.call("GET", "/v1/reports/"+mine[0].ID, nil, &full)
	r := map[string]any{}
	for _, k := range []string{"category", "severity", "location", "gridId", "subjectId", "safetyHazard",
		"pollutingEnterprise", "illegalConstruction", "waterSourceRisk", "dangerousHouse"} {
		if v, ok := full.Report[k]; ok {
			r[k] = v
		}
	}
	r["id"] = uuid.Must(uuid.NewV7()).String()
	r["description"] = description
	r["observedAt"] = a.st.clock.Now().Add(-time.Hour).Format(time.RFC3339)
	var made struct{}
	a.call("POST", "/v1/reports", r, &made)
	return r["id"].(string)
}
