package web_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/gridinspect/gridinspect/server"
)

func TestDesk_APageAsksAStrangerToLogInAndComesBackAfter(t *testing.T) {
	st := newStreet(t)
	b := st.browser(t)
	p := b.get("/cases?scope=all&q=%E6%B0%B4")
	if want := "/login?next=" + url.QueryEscape("/cases?scope=all&q=%E6%B0%B4"); p.StatusCode != http.StatusSeeOther || p.Header.Get("Location") != want {
		t.Fatalf("GET /cases unauthenticated: HTTP %d to %q, want 303 to %q", p.StatusCode, p.Header.Get("Location"), want)
	}
	login := b.get(p.Header.Get("Location"))
	if login.StatusCode != http.StatusOK || !strings.Contains(login.body, `name="next" value="/cases?scope=all&amp;q=%E6%B0%B4"`) {
		t.Fatalf("login page: HTTP %d, want the form carrying next: %s", login.StatusCode, login.body)
	}

	b.login("supervisor", "/cases?scope=all&q=%E6%B0%B4")
	var session *http.Cookie
	u, _ := url.Parse(st.url)
	for _, c := range b.client.Jar.Cookies(u) {
		if c.Name == server.SessionCookie {
			session = c
		}
	}
	if session == nil || session.Value == "" {
		t.Fatal("no session cookie after the login")
	}
	list := b.get("/cases")
	if list.StatusCode != http.StatusOK {
		t.Fatalf("GET /cases: HTTP %d: %s", list.StatusCode, list.body)
	}
	for _, want := range []string{"网格巡查工作台", "主管", `<a href="/cases" class="active"`, `action="/logout"`} {
		if !strings.Contains(list.body, want) {
			t.Errorf("case list lacks %q", want)
		}
	}
	if strings.Contains(list.body, session.Value) {
		t.Error("the page shows the session's token")
	}

	out := b.post("/logout", "", url.Values{})
	if out.StatusCode != http.StatusSeeOther || out.Header.Get("Location") != "/login" {
		t.Fatalf("logout: HTTP %d to %q", out.StatusCode, out.Header.Get("Location"))
	}
	if p := b.get("/cases"); p.StatusCode != http.StatusSeeOther {
		t.Errorf("after logout GET /cases: HTTP %d, want a redirect to the login", p.StatusCode)
	}
}

func TestDesk_LoginGoesOnlyToAPathOfThisSite(t *testing.T) {
	st := newStreet(t)
	for _, next := range []string{"//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:alert(1)", "cases"} {
		b := st.browser(t)
		p := b.post("/login", "", url.Values{"username": {"supervisor"}, "password": {"demo"}, "next": {next}})
		if p.StatusCode != http.StatusSeeOther || p.Header.Get("Location") != "/" {
			t.Errorf("login with next %q: HTTP %d to %q, want / (the home page)", next, p.StatusCode, p.Header.Get("Location"))
		}
	}
}

func TestDesk_AWrongPasswordIsSaidInChinese(t *testing.T) {
	st := newStreet(t)
	b := st.browser(t)
	p := b.post("/login", "", url.Values{"username": {"supervisor"}, "password": {"wrong"}})
	if p.StatusCode != http.StatusUnauthorized || !strings.Contains(p.body, "用户名或密码错误") {
		t.Fatalf("wrong password: HTTP %d, want 401 saying 用户名或密码错误: %s", p.StatusCode, p.body)
	}
	if !strings.Contains(p.body, `value="supervisor"`) {
		t.Error("the form forgot the username")
	}
}

func TestDesk_CaseListShowsWhatListReportsLists(t *testing.T) {
	st := newStreet(t)
	a := st.api(t, "supervisor")
	var grids struct{ Grids []struct{ ID, Name string } }
	a.call("GET", "/v1/grids", nil, &grids)
	if len(grids.Grids) == 0 {
		t.Fatal("no grids on the demo street")
	}
	b := st.browser(t)
	b.login("supervisor", "/cases")
	for _, tc := range []struct {
		name, desk string
		api        url.Values
	}{
		{"open", "", url.Values{"openOnly": {"true"}}},
		{"everything", "scope=all", url.Values{}},
		{"a category", "category=SAFETY_HAZARD", url.Values{"openOnly": {"true"}, "categories": {"CATEGORY_SAFETY_HAZARD"}}},
		{"a grid", "scope=all&grid=" + grids.Grids[0].ID, url.Values{"gridIds": {grids.Grids[0].ID}}},
		{"a status", "scope=all&status=PENDING_VERIFICATION", url.Values{"statuses": {"REPORT_STATUS_PENDING_VERIFICATION"}}},
		{"text", "scope=all&q=" + url.QueryEscape("电"), url.Values{"query": {"电"}}},
		{"a period", "scope=all&from=2024-03-01&to=2024-03-31", url.Values{
			"observedAfter": {"2024-02-29T16:00:00Z"}, "observedBefore": {"2024-03-31T16:00:00Z"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := a.listReports(tc.api)
			got := b.allCaseIDs("/cases?" + tc.desk)
			if len(got) != len(want) {
				t.Fatalf("desk lists %d cases, ListReports %d", len(got), len(want))
			}
			for _, r := range want {
				if !slices.Contains(got, r.ID) {
					t.Errorf("desk lacks case %s", r.ID)
				}
			}
		})
	}
}

func TestDesk_CaseListPagesThroughEveryCaseOnce(t *testing.T) {
	st := newStreet(t)
	a := st.api(t, "worker01")
	for range 10 {
		a.submitCopy("楼道内电动自行车飞线充电")
	}
	want := st.api(t, "supervisor").listReports(url.Values{})
	if len(want) <= 50 {
		t.Fatalf("the demo street has %d cases; the test needs more than a page (50)", len(want))
	}
	b := st.browser(t)
	b.login("supervisor", "/cases")
	got := b.allCaseIDs("/cases?scope=all")
	if len(got) != len(want) {
		t.Fatalf("desk lists %d cases over its pages, ListReports %d", len(got), len(want))
	}
	seen := map[string]bool{}
	for _, id := range got {
		if seen[id] {
			t.Errorf("case %s listed twice", id)
		}
		seen[id] = true
	}
}

func TestDesk_OverdueCasesComeFirst(t *testing.T) {
	st := newStreet(t)
	a := st.api(t, "supervisor")
	open := a.listReports(url.Values{"openOnly": {"true"}, "statuses": {"REPORT_STATUS_REPORTED"}})
	if len(open) < 4 {
		t.Fatalf("want 4 reported cases, have %d", len(open))
	}
	// Two cases due tomorrow and one in a month; and one due in twelve
	// hours whose rectification is in, waiting for verification. After
	// two days the first two are overdue; the one waiting is not, though
	// its deadline is the earliest, and comes after them.
	var overdue []string
	for i, hours := range []int{24, 24, 30 * 24, 12} {
		r := open[i]
		var resp struct{ Report apiReport }
		a.call("POST", "/v1/reports/"+r.ID+":assign", map[string]any{
			"actionId": uuid.NewString(), "expectedVersion": r.Version, "responsibleUnit": "街道安监办",
			"deadline": st.clock.Now().Add(time.Duration(hours) * time.Hour).Format(time.RFC3339),
		}, &resp)
		switch hours {
		case 24:
			overdue = append(overdue, r.ID)
		case 12:
			a.call("POST", "/v1/reports/"+r.ID+":submitRectification", map[string]any{
				"actionId": uuid.NewString(), "expectedVersion": resp.Report.Version, "disposition": "DISPOSITION_RECTIFIED",
				"note": "已整改",
			}, &resp)
			if resp.Report.Status != "REPORT_STATUS_PENDING_VERIFICATION" {
				t.Fatalf("rectified case is %s", resp.Report.Status)
			}
		}
	}
	st.clock.Advance(48 * time.Hour)
	b := st.browser(t)
	b.login("supervisor", "/cases")
	p := b.get("/cases")
	ids := p.caseIDs()
	if len(ids) < 2 || !slices.Contains(overdue, ids[0]) || !slices.Contains(overdue, ids[1]) {
		t.Fatalf("first cases %v, want the overdue %v first", ids[:min(len(ids), 3)], overdue)
	}
	if n := strings.Count(p.body, `class="badge late"`); n != 2 {
		t.Errorf("%d cases marked 逾期, want 2", n)
	}
	if !strings.Contains(p.body, "逾期1天") {
		t.Error("no 逾期1天 mark")
	}
	only := b.allCaseIDs("/cases?overdue=1")
	slices.Sort(only)
	slices.Sort(overdue)
	if !slices.Equal(only, overdue) {
		t.Errorf("overdue filter lists %v, want %v", only, overdue)
	}
}

func TestDesk_AWorkerSeesOnlyItsGrids(t *testing.T) {
	st := newStreet(t)
	a := st.api(t, "worker01")
	want := a.listReports(url.Values{})
	var who struct{ User struct{ GridIds []string } }
	a.call("GET", "/v1/auth:whoami", nil, &who)
	var all struct{ Grids []struct{ ID, Name string } }
	st.api(t, "supervisor").call("GET", "/v1/grids", nil, &all)

	b := st.browser(t)
	b.login("worker01", "/cases")
	got := b.allCaseIDs("/cases?scope=all")
	if len(got) == 0 || len(got) != len(want) {
		t.Fatalf("worker's desk lists %d cases, its ListReports %d", len(got), len(want))
	}
	for _, r := range want {
		if !slices.Contains(who.User.GridIds, r.GridID) {
			t.Fatalf("ListReports gave the worker a case of grid %s", r.GridID)
		}
	}
	p := b.get("/cases")
	if !strings.Contains(p.body, "网格员") {
		t.Error("the header does not say 网格员")
	}
	if strings.Contains(p.body, "reports:export") {
		t.Error("a worker, who may not export, is offered the export")
	}
	for _, g := range all.Grids {
		option := `<option value="` + g.ID + `"`
		if mine := slices.Contains(who.User.GridIds, g.ID); strings.Contains(p.body, option) != mine {
			t.Errorf("grid %s (%s) offered: %v, want %v", g.Name, g.ID, !mine, mine)
		}
	}
}

func TestDesk_ADescriptionIsShownAsText(t *testing.T) {
	st := newStreet(t)
	a := st.api(t, "worker01")
	a.submitCopy(`<script>alert(1)</script>"'&`)

	b := st.browser(t)
	b.login("worker01", "/cases")
	p := b.get("/cases?q=" + url.QueryEscape("<script>"))
	if ids := p.caseIDs(); len(ids) != 1 {
		t.Fatalf("search for <script> lists %d cases, want 1", len(ids))
	}
	if strings.Contains(p.body, "<script>alert") {
		t.Error("the description's <script> reached the page as markup")
	}
	if !strings.Contains(p.body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Error("the description is not on the page as text")
	}
}

func TestDesk_EveryAnswerCarriesTheSecurityHeaders(t *testing.T) {
	st := newStreet(t)
	b := st.browser(t)
	b.login("supervisor", "/cases")
	const csp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; " +
		"frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'"
	stranger := st.browser(t)
	for _, tc := range []struct {
		name string
		p    page
		code int
	}{
		{"the list", b.get("/cases"), http.StatusOK},
		{"a bad filter", b.get("/cases?due=x"), http.StatusBadRequest},
		{"a bad page", b.get("/cases?page=nonsense"), http.StatusBadRequest},
		{"the home", b.get("/"), http.StatusOK},
		{"no such page", b.get("/nowhere"), http.StatusNotFound},
		{"the login", stranger.get("/login"), http.StatusOK},
		{"a failed login", stranger.post("/login", "", url.Values{"username": {"x"}, "password": {"y"}}), http.StatusUnauthorized},
		{"a redirect to the login", stranger.get("/cases"), http.StatusSeeOther},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := tc.p.Header
			if tc.p.StatusCode != tc.code {
				t.Errorf("HTTP %d, want %d", tc.p.StatusCode, tc.code)
			}
			if got := h.Get("Content-Security-Policy"); got != csp {
				t.Errorf("Content-Security-Policy %q, want %q", got, csp)
			}
			if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") != "same-origin" || h.Get("Cache-Control") != "no-store" {
				t.Errorf("headers %v: want nosniff, Referrer-Policy same-origin, Cache-Control no-store", h)
			}
			if strings.Contains(tc.p.body, "<script>") || strings.Contains(tc.p.body, " style=") {
				t.Error("the page has inline script or style")
			}
		})
	}
}

func TestDesk_StaticFilesAreKeptForAYearUnderTheirVersion(t *testing.T) {
	st := newStreet(t)
	b := st.browser(t)
	login := b.get("/login")
	m := regexpFind(login.body, `href="(/static/desk\.css\?v=[0-9a-f]+)"`)
	if m == "" {
		t.Fatalf("the login page names no versioned desk.css: %s", login.body)
	}
	css := b.get(m)
	if css.StatusCode != http.StatusOK || !strings.HasPrefix(css.Header.Get("Content-Type"), "text/css") ||
		!strings.Contains(css.Header.Get("Cache-Control"), "immutable") {
		t.Errorf("GET %s: HTTP %d, %q, %q; want 200 text/css, immutable", m, css.StatusCode, css.Header.Get("Content-Type"), css.Header.Get("Cache-Control"))
	}
	old := b.get("/static/desk.css?v=0000")
	if old.StatusCode != http.StatusOK || strings.Contains(old.Header.Get("Cache-Control"), "immutable") {
		t.Errorf("an old version: HTTP %d, Cache-Control %q; want 200 without the year's promise", old.StatusCode, old.Header.Get("Cache-Control"))
	}
	if p := b.get("/static/../web.go"); strings.Contains(p.body, "package web") {
		t.Errorf("GET /static/../web.go: HTTP %d, the source", p.StatusCode)
	}
}

func TestDesk_AFormFromAnotherSiteIsRefused(t *testing.T) {
	st := newStreet(t)
	t.Run("login", func(t *testing.T) {
		b := st.browser(t)
		p := b.post("/login", "https://evil.example", url.Values{"username": {"supervisor"}, "password": {"demo"}})
		if p.StatusCode != http.StatusForbidden || len(p.Cookies()) != 0 {
			t.Fatalf("cross-site login: HTTP %d, cookies %v; want 403 and none", p.StatusCode, p.Cookies())
		}
		// Without Origin a form POST must say Sec-Fetch-Site: same-origin.
		p = b.do("POST", "/login", url.Values{"username": {"supervisor"}, "password": {"demo"}}, "Sec-Fetch-Site", "cross-site")
		if p.StatusCode != http.StatusForbidden {
			t.Fatalf("login from a cross-site page: HTTP %d, want 403", p.StatusCode)
		}
	})
	t.Run("logout", func(t *testing.T) {
		b := st.browser(t)
		b.login("supervisor", "/cases")
		p := b.post("/logout", "https://evil.example", url.Values{})
		if p.StatusCode != http.StatusForbidden {
			t.Fatalf("cross-site logout: HTTP %d, want 403", p.StatusCode)
		}
		if p := b.get("/cases"); p.StatusCode != http.StatusOK {
			t.Fatalf("after a cross-site logout the session is gone: HTTP %d", p.StatusCode)
		}
	})
	t.Run("a page asked for by another site", func(t *testing.T) {
		b := st.browser(t)
		b.login("supervisor", "/cases")
		// Another site's page loading the list (a frame, a fetch) gets
		// no session: the cookie is honoured for this origin only.
		p := b.do("GET", "/cases", nil, "Sec-Fetch-Site", "cross-site")
		if p.StatusCode != http.StatusSeeOther {
			t.Fatalf("cross-site GET /cases: HTTP %d, want the login's redirect", p.StatusCode)
		}
	})
}

func TestDesk_ExportButtonsExportTheListsFilter(t *testing.T) {
	st := newStreet(t)
	b := st.browser(t)
	b.login("supervisor", "/cases")
	p := b.get("/cases?category=SAFETY_HAZARD&q=" + url.QueryEscape("电"))
	href := strings.ReplaceAll(regexpFind(p.body, `<a class="button" href="(/v1/reports:export\?[^"]*format=csv[^"]*)"`), "&amp;", "&")
	if href == "" {
		t.Fatalf("no CSV export link: %s", p.body)
	}
	u, err := url.Parse(href)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if q.Get("categories") != "CATEGORY_SAFETY_HAZARD" || q.Get("query") != "电" || q.Get("open_only") != "true" {
		t.Errorf("export link %s: want the list's filter", href)
	}
	csv := b.get(href)
	if csv.StatusCode != http.StatusOK || !strings.HasPrefix(csv.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("export: HTTP %d %q: %s", csv.StatusCode, csv.Header.Get("Content-Type"), csv.body)
	}
	rows := strings.Count(strings.TrimSpace(csv.body), "\n") // a header line and a line per case
	if want := len(b.allCaseIDs("/cases?category=SAFETY_HAZARD&q=" + url.QueryEscape("电"))); rows != want {
		t.Errorf("export has %d cases, the list %d", rows, want)
	}
	if !strings.Contains(p.body, "format=xlsx") {
		t.Error("no XLSX export link")
	}
}

func regexpFind(s, pattern string) string {
	m := regexpMust(pattern).FindStringSubmatch(s)
	if m == nil {
		return ""
	}
	return m[1]
}
