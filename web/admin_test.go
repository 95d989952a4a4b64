package web_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/gridinspect/gridinspect/internal/browsertest"
	"github.com/gridinspect/gridinspect/internal/demo"
)

// apiUser and apiGrid are what the tests read of a user and a grid.
type apiUser struct {
	ID, Username string
	GridIDs      []string `json:"gridIds"`
	Disabled     bool
}

type apiGrid struct{ ID, Name string }

func (a *api) users() map[string]apiUser {
	a.t.Helper()
	var resp struct{ Users []apiUser }
	a.call("GET", "/v1/users?pageSize=500", nil, &resp)
	m := map[string]apiUser{}
	for _, u := range resp.Users {
		m[u.Username] = u
	}
	return m
}

func (a *api) grids() []apiGrid {
	a.t.Helper()
	var resp struct{ Grids []apiGrid }
	a.call("GET", "/v1/grids?pageSize=500", nil, &resp)
	return resp.Grids
}

// fieldError is the error a form shows beside its field name, "" for none.
func (p page) fieldError(name string) string {
	re := regexp.MustCompile(`<span class="field-error" data-field="` + regexp.QuoteMeta(name) + `" role="alert">([^<]*)</span>`)
	if m := re.FindStringSubmatch(p.body); m != nil {
		return html.UnescapeString(m[1])
	}
	return ""
}

// loginWith logs in with password and reports whether the desk let the
// user in.
func (b *browser) loginWith(username, password string) bool {
	b.t.Helper()
	p := b.post("/login", "", url.Values{"username": {username}, "password": {password}, "next": {"/cases"}})
	return p.StatusCode == http.StatusSeeOther && p.Header.Get("Location") == "/cases"
}

// newAccount is the add form of a worker of grid with password.
func newAccount(username, grid, password string) url.Values {
	return url.Values{"username": {username}, "display_name": {"新网格员"}, "role": {"WORKER"}, "grid": {grid},
		"password": {password}, "password_confirm": {password}}
}

func TestAdmin_OnlyAnAdminSeesTheNavEntryAndThePages(t *testing.T) {
	st := newStreet(t)
	for _, tt := range []struct {
		username string
		admin    bool
	}{{"admin", true}, {"supervisor", false}, {"worker01", false}} {
		t.Run(tt.username, func(t *testing.T) {
			b := st.browser(t)
			b.login(tt.username, "/cases")
			if got := strings.Contains(b.get("/cases").body, `href="/admin"`); got != tt.admin {
				t.Errorf("the header has 管理: %v, want %v", got, tt.admin)
			}
			for _, path := range []string{"/admin", "/admin/grids", "/admin/notices"} {
				p := b.get(path)
				refused := p.StatusCode == http.StatusForbidden && strings.Contains(p.body, "<title>无权访问")
				if tt.admin && p.StatusCode != http.StatusOK {
					t.Errorf("GET %s: HTTP %d, want 200: %s", path, p.StatusCode, p.body)
				}
				if !tt.admin && !refused {
					t.Errorf("GET %s: HTTP %d, want 403 titled 无权访问: %s", path, p.StatusCode, p.body)
				}
			}
			if tt.admin {
				return
			}
			// A form posted all the same changes nothing.
			p := b.post("/admin/users", "", newAccount("sneaky", "", "long-enough-1"))
			if p.StatusCode != http.StatusForbidden || !strings.Contains(p.body, "无权访问") {
				t.Errorf("POST /admin/users: HTTP %d, want 403: %s", p.StatusCode, p.body)
			}
			if _, ok := st.api(t, "admin").users()["sneaky"]; ok {
				t.Error("a non-admin added an account")
			}
		})
	}
}

func TestAdmin_BadInputIsShownInChineseBesideTheField(t *testing.T) {
	st := newStreet(t)
	grid := st.api(t, "admin").grids()[0].ID
	b := st.browser(t)
	b.login("admin", "/cases")
	for _, tt := range []struct {
		name  string
		form  url.Values
		field string
		want  string
	}{
		{"taken username", newAccount("worker01", grid, "long-enough-1"), "username", "用户名已被使用"},
		{"short password", newAccount("worker31", grid, "q7z"), "password", "至少需要 4 个字符"},
		{"bad username", newAccount("Wang Wei", grid, "long-enough-1"), "username", "小写字母"},
		{"worker without grid", newAccount("worker32", "", "long-enough-1"), "grids", "网格员至少需要一个网格"},
		{"confirmation differs", func() url.Values {
			f := newAccount("worker33", grid, "long-enough-1")
			f.Set("password_confirm", "long-enough-2")
			return f
		}(), "password_confirm", "两次输入的密码不一致"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := b.post("/admin/users", "", tt.form)
			if p.StatusCode != http.StatusBadRequest && p.StatusCode != http.StatusConflict {
				t.Fatalf("HTTP %d, want 400 or 409: %s", p.StatusCode, p.body)
			}
			if got := p.fieldError(tt.field); !strings.Contains(got, tt.want) {
				t.Errorf("beside %s: %q, want %q", tt.field, got, tt.want)
			}
			if strings.Contains(p.body, tt.form.Get("password")) {
				t.Error("the page shows the password entered")
			}
			if got := p.fieldError("username"); tt.field != "username" && got != "" {
				t.Errorf("beside username: %q, want nothing", got)
			}
			// What was entered stays, but the password.
			if !strings.Contains(p.body, `value="`+tt.form.Get("username")+`"`) {
				t.Error("the form lost the username entered")
			}
		})
	}
	// A new password too short, on the account's page.
	id := st.api(t, "admin").users()["worker01"].ID
	p := b.post("/admin/users/"+id+"/password", "", url.Values{"password": {"q7z"}, "password_confirm": {"q7z"}})
	if got := p.fieldError("password"); p.StatusCode != http.StatusBadRequest || !strings.Contains(got, "至少需要 4 个字符") {
		t.Errorf("short new password: HTTP %d, beside the field %q", p.StatusCode, got)
	}
	// An order out of range beside the grid's order.
	p = b.post("/admin/grids/"+grid+"/order", "", url.Values{"order": {"20000"}})
	if got := p.fieldError("order"); p.StatusCode != http.StatusBadRequest || !strings.Contains(got, "10000") {
		t.Errorf("order 20000: HTTP %d, beside the field %q", p.StatusCode, got)
	}
	p = b.post("/admin/notices", "", url.Values{"kind": {"HAZARD_NOTICE"}, "prefix": {"江南街〔安〕"}})
	if got := p.fieldError("prefix"); p.StatusCode != http.StatusBadRequest || !strings.Contains(got, "括号") {
		t.Errorf("prefix with brackets: HTTP %d, beside the field %q", p.StatusCode, got)
	}
}

func TestAdmin_ResetPasswordEndsTheOldOne(t *testing.T) {
	st := newStreet(t)
	id := st.api(t, "admin").users()["worker01"].ID
	worker := st.browser(t)
	worker.login("worker01", "/cases")
	admin := st.browser(t)
	admin.login("admin", "/cases")

	const fresh = "a-new-pass-2024"
	p := admin.post("/admin/users/"+id+"/password", "", url.Values{"password": {fresh}, "password_confirm": {fresh}})
	if p.StatusCode != http.StatusSeeOther || !strings.HasPrefix(p.Header.Get("Location"), "/admin/users/"+id+"?") {
		t.Fatalf("set password: HTTP %d to %q: %s", p.StatusCode, p.Header.Get("Location"), p.body)
	}
	back := admin.get(p.Header.Get("Location"))
	if !strings.Contains(back.body, "已设置 worker01") || strings.Contains(back.body, fresh) {
		t.Errorf("after the change the page says no note, or shows the password:\n%s", back.body)
	}
	if p := worker.get("/cases"); p.StatusCode != http.StatusSeeOther || !strings.HasPrefix(p.Header.Get("Location"), "/login") {
		t.Errorf("the worker's session after the reset: HTTP %d to %q, want the login", p.StatusCode, p.Header.Get("Location"))
	}
	if st.browser(t).loginWith("worker01", demo.Password) {
		t.Error("the old password still works")
	}
	if !st.browser(t).loginWith("worker01", fresh) {
		t.Error("the new password does not work")
	}
}

func TestAdmin_DisablingAUserEndsItsSessionOnItsNextPage(t *testing.T) {
	st := newStreet(t)
	id := st.api(t, "admin").users()["worker02"].ID
	worker := st.browser(t)
	worker.login("worker02", "/cases")
	if p := worker.get("/cases"); p.StatusCode != http.StatusOK {
		t.Fatalf("worker02's cases: HTTP %d", p.StatusCode)
	}
	admin := st.browser(t)
	admin.login("admin", "/cases")
	// The account's page asks first, on a page of its own.
	ask := admin.get("/admin/users/" + id + "/disable")
	if ask.StatusCode != http.StatusOK || !strings.Contains(ask.body, "确认停用") {
		t.Fatalf("the confirmation: HTTP %d: %s", ask.StatusCode, ask.body)
	}
	if admin.st.api(t, "admin").users()["worker02"].Disabled {
		t.Fatal("asking disabled the account")
	}
	p := admin.post("/admin/users/"+id+"/disable", "", url.Values{"confirm": {"1"}})
	if p.StatusCode != http.StatusSeeOther || !strings.HasPrefix(p.Header.Get("Location"), "/admin?") {
		t.Fatalf("disable: HTTP %d to %q: %s", p.StatusCode, p.Header.Get("Location"), p.body)
	}
	list := admin.get(p.Header.Get("Location"))
	if !strings.Contains(list.body, "已停用 worker02") {
		t.Errorf("the list says no note of it:\n%s", list.body)
	}
	if p := worker.get("/cases"); p.StatusCode != http.StatusSeeOther || !strings.HasPrefix(p.Header.Get("Location"), "/login") {
		t.Errorf("worker02's next page: HTTP %d to %q, want the login", p.StatusCode, p.Header.Get("Location"))
	}
	if st.browser(t).loginWith("worker02", demo.Password) {
		t.Error("a disabled user logged in")
	}
	// An admin cannot disable itself: said in Chinese, nothing done.
	self := st.api(t, "admin").users()["admin"].ID
	p = admin.post("/admin/users/"+self+"/disable", "", url.Values{"confirm": {"1"}})
	if p.StatusCode != http.StatusBadRequest || !strings.Contains(p.body, "不能停用自己的账号") {
		t.Errorf("disable oneself: HTTP %d: %s", p.StatusCode, p.body)
	}
}

func TestAdmin_GridOrderAndNoticePrefix(t *testing.T) {
	st := newStreet(t)
	grids := st.api(t, "admin").grids()
	last := grids[len(grids)-1]
	b := st.browser(t)
	b.login("admin", "/cases")
	p := b.post("/admin/grids/"+last.ID+"/order", "", url.Values{"order": {"1"}})
	if p.StatusCode != http.StatusSeeOther {
		t.Fatalf("set order: HTTP %d: %s", p.StatusCode, p.body)
	}
	if got := st.api(t, "admin").grids()[0].Name; got != last.Name {
		t.Errorf("first grid after ordering %s first: %s", last.Name, got)
	}
	page := b.get(p.Header.Get("Location"))
	if !strings.Contains(page.body, "已设置 "+last.Name+" 的顺序") {
		t.Errorf("no note:\n%s", page.body)
	}
	p = b.post("/admin/notices", "", url.Values{"kind": {"HAZARD_NOTICE"}, "prefix": {"江南街告知"}})
	if p.StatusCode != http.StatusSeeOther {
		t.Fatalf("set prefix: HTTP %d: %s", p.StatusCode, p.body)
	}
	if page := b.get(p.Header.Get("Location")); !strings.Contains(page.body, `value="江南街告知"`) {
		t.Errorf("the prefix is not shown:\n%s", page.body)
	}
}

// looksRightBut is looksRight for a tab whose browser was expected to
// report errors containing expected.
func looksRightBut(t *testing.T, tab *browsertest.Tab, name, expected string) {
	t.Helper()
	browsertest.Screenshot(t, tab, name)
	if err := browsertest.NoHorizontalScroll(tab); err != nil {
		t.Errorf("%s on a %s: %v", name, tab.Viewport.Name, err)
	}
	for _, e := range tab.Errors() {
		if !strings.Contains(e, expected) {
			t.Errorf("%s on a %s: the browser reported: %s", name, tab.Viewport.Name, e)
		}
	}
}

// cellTexts are the texts of the cells sel finds.
func cellTexts(t *testing.T, tab *browsertest.Tab, sel string) []string {
	t.Helper()
	texts, err := chromedp.Run(tab, chromedp.Evaluate[[]string](
		`Array.from(document.querySelectorAll(`+"`"+sel+"`"+`), e => e.textContent.trim())`))
	if err != nil {
		t.Fatal(err)
	}
	return texts
}

func TestAdminInBrowser_AddsAWorkerWhoThenSeesOnlyItsGrid(t *testing.T) {
	st := newStreet(t)
	grid := st.api(t, "admin").grids()[1]
	tab := st.chrome(t, browsertest.Desktop, "admin")
	open(t, tab, st.url+"/cases", "header .nav")
	if err := chromedp.Do(tab, chromedp.Click(`header .nav a[href="/admin"]`), chromedp.WaitVisible(`#add-user`)); err != nil {
		t.Fatalf("open 管理 from the header: %v", err)
	}
	fill := func(username string) {
		t.Helper()
		// Typed as a person types: the fields cleared, then keys.
		clear := `document.querySelectorAll('#add-user input[type=text], #add-user input:not([type]), #add-user input[type=password]').forEach(e => e.value = ''); true`
		if _, err := chromedp.Run(tab, chromedp.Evaluate[bool](clear)); err != nil {
			t.Fatal(err)
		}
		err := chromedp.Do(tab,
			chromedp.SendKeys(`#add-user input[name="username"]`, username),
			chromedp.SendKeys(`#add-user input[name="display_name"]`, "赵六"),
			chromedp.SendKeys(`#add-user input[name="password"]`, demo.Password),
			chromedp.SendKeys(`#add-user input[name="password_confirm"]`, demo.Password),
		)
		if err != nil {
			t.Fatal(err)
		}
		checked, err := chromedp.Run(tab, chromedp.Evaluate[bool](
			`document.querySelector('#add-user input[name="grid"][value="`+grid.ID+`"]').checked`))
		if err != nil {
			t.Fatal(err)
		}
		if !checked {
			if err := chromedp.Do(tab, chromedp.Click(`#add-user input[name="grid"][value="`+grid.ID+`"]`)); err != nil {
				t.Fatal(err)
			}
		}
		if err := chromedp.Do(tab, chromedp.Click(`#add-user button[type="submit"]`), chromedp.WaitVisible(`main h1`)); err != nil {
			t.Fatal(err)
		}
	}
	// A taken username first: the error beside the field.
	fill("worker01")
	if err := chromedp.Do(tab, chromedp.WaitVisible(`#add-user .field-error`)); err != nil {
		t.Fatal(err)
	}
	msg, err := chromedp.Run(tab, chromedp.Text(`#add-user .field-error`))
	if err != nil || !strings.Contains(msg, "用户名已被使用") {
		t.Errorf("beside the username: %q, %v", msg, err)
	}
	// The refusal is answered 400, which the browser logs as a failed
	// load: expected here, and nothing else is.
	looksRightBut(t, tab, "管理-用户名已被使用", "status of 400 (Bad Request) ("+st.url+"/admin/users)")

	fill("worker21")
	if err := chromedp.Do(tab, chromedp.WaitVisible(`.note`)); err != nil {
		t.Fatal(err)
	}
	note, _ := chromedp.Run(tab, chromedp.Text(`.note`))
	if !strings.Contains(note, "已添加账号 worker21") {
		t.Errorf("the note says %q", note)
	}
	rows := cellTexts(t, tab, `table.users tr:has(a[href*="/admin/users/"]) td:first-child`)
	if !slices.Contains(rows, "worker21") {
		t.Errorf("the list lacks worker21: %v", rows)
	}
	looksRightBut(t, tab, "管理", "status of 400 (Bad Request) ("+st.url+"/admin/users)")

	// The new worker logs in and sees its grid's cases, and no other's.
	wtab := st.chrome(t, browsertest.Desktop, "worker21")
	open(t, wtab, st.url+"/cases?scope=all", "main")
	cells := cellTexts(t, wtab, `table.cases td[data-label="网格"]`)
	if len(cells) == 0 {
		t.Fatalf("worker21 sees no case of %s", grid.Name)
	}
	for _, c := range cells {
		if c != grid.Name {
			t.Errorf("worker21 of %s sees a case of %s", grid.Name, c)
		}
	}
	if nav := cellTexts(t, wtab, `header .nav a`); slices.Contains(nav, "管理") {
		t.Errorf("a worker's header has 管理: %v", nav)
	}
	open(t, wtab, st.url+"/admin", "main h1")
	if title, _ := chromedp.Run(wtab, chromedp.Text(`main h1`)); title != "无权访问" {
		t.Errorf("a worker opening /admin sees %q, want 无权访问", title)
	}
}

func TestAdminInBrowser_FitsAnOfficePCAndAPhone(t *testing.T) {
	st := newStreet(t)
	id := st.api(t, "admin").users()["worker01"].ID
	for _, vp := range []browsertest.Viewport{browsertest.Desktop, browsertest.Phone} {
		t.Run(vp.Name, func(t *testing.T) {
			tab := st.chrome(t, vp, "admin")
			for _, pg := range []struct{ path, sel, name string }{
				{"/admin", "#add-user", "管理"},
				{"/admin/users/" + id, "#reset-password", "管理-用户"},
				{"/admin/users/" + id + "/disable", "button.danger", "管理-停用"},
				{"/admin/grids", "table.grid-list", "管理-网格"},
				{"/admin/notices", "table.notice-list", "管理-文号"},
			} {
				open(t, tab, st.url+pg.path, pg.sel)
				looksRight(t, tab, pg.name)
			}
		})
	}
}

// The administration pages are the first to be used for minutes on end in
// one session; the cookie must last as long as its token on the server's
// clock, not end a second after the login when that clock is not the
// browser's (as the street's, set to 2024, is not).
func TestDeskSession_CookieLastsAsLongAsItsToken(t *testing.T) {
	st := newStreet(t)
	p := st.browser(t).post("/login", "", url.Values{"username": {"admin"}, "password": {demo.Password}, "next": {"/admin"}})
	var maxAge int
	for _, c := range p.Cookies() {
		if c.Name == "gridinspect_session" {
			maxAge = c.MaxAge
		}
	}
	if maxAge < 24*3600 {
		t.Errorf("the session cookie's Max-Age is %d s, want the token's life (days)", maxAge)
	}
}

func TestAdmin_EditChangesNameRoleAndGrids(t *testing.T) {
	st := newStreet(t)
	a := st.api(t, "admin")
	grids := a.grids()
	id := a.users()["worker03"].ID
	b := st.browser(t)
	b.login("admin", "/cases")
	p := b.post("/admin/users/"+id, "", url.Values{"display_name": {"杨帆"}, "role": {"WORKER"}, "grid": {grids[3].ID, grids[4].ID}})
	if p.StatusCode != http.StatusSeeOther {
		t.Fatalf("edit: HTTP %d: %s", p.StatusCode, p.body)
	}
	if got := a.users()["worker03"].GridIDs; !slices.Equal(got, []string{grids[3].ID, grids[4].ID}) &&
		!slices.Equal(got, []string{grids[4].ID, grids[3].ID}) {
		t.Errorf("worker03's grids = %v, want %s and %s", got, grids[3].Name, grids[4].Name)
	}
	if page := b.get(p.Header.Get("Location")); !strings.Contains(page.body, "已保存 worker03（杨帆） 的资料") ||
		!strings.Contains(page.body, grids[3].Name+"、"+grids[4].Name) {
		t.Errorf("the account's page after the edit:\n%s", page.body)
	}
	// A supervisor of the whole street: every grid, none named.
	p = b.post("/admin/users/"+id, "", url.Values{"display_name": {"杨帆"}, "role": {"SUPERVISOR"}, "all_grids": {"1"}})
	if p.StatusCode != http.StatusSeeOther {
		t.Fatalf("make supervisor: HTTP %d: %s", p.StatusCode, p.body)
	}
	if got := b.get("/admin").body; !regexp.MustCompile(`worker03</a></td>\s*<td[^>]*>杨帆</td>\s*<td[^>]*>主管</td>\s*<td[^>]*>全部</td>`).MatchString(got) {
		t.Errorf("the list does not show worker03 as a supervisor of every grid:\n%s", got)
	}
	// The last admin keeps its role: refused in Chinese, on the page.
	self := a.users()["admin"].ID
	p = b.post("/admin/users/"+self, "", url.Values{"display_name": {"管理员"}, "role": {"WORKER"}, "grid": {grids[0].ID}})
	if p.StatusCode == http.StatusSeeOther || !strings.Contains(p.body, `class="error"`) {
		t.Errorf("the last admin made a worker: HTTP %d: %s", p.StatusCode, p.body)
	}
}
