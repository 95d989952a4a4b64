package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gridinspect/gridinspect"
	"github.com/gridinspect/gridinspect/internal/words"
	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

//go:embed templates
var templateFiles embed.FS

// pages are the desk's pages by name: each is layout.html with the page's
// own file (templates/<name>.html), which defines "content".
type pages map[string]*template.Template

// view is what the layout draws a page from.
type view struct {
	Title string
	// User is who is logged in; nil on the login page.
	User *pb.User
	// Nav is the header's entry of this page ("cases", …).
	Nav string
	// Data is the page's own.
	Data any
	// Refresh is how many seconds a live part of the page (data-refresh)
	// waits before it fetches itself again.
	Refresh int
}

// navItem is one entry of the header's navigation.
type navItem struct {
	Key, Label, Href string
	// AdminOnly entries are shown to admins only; SupervisorOnly ones to
	// supervisors and admins (the API answers a worker's call with a
	// refusal).
	AdminOnly, SupervisorOnly bool
	// District entries are the only ones a district account sees.
	District bool
}

// navItems are the header's entries, in order; a page that does not exist
// yet has none.
var navItems = []navItem{
	{Key: "home", Label: "工作台", Href: "/"},
	{Key: "map", Label: "一张图", Href: "/map"},
	{Key: "cases", Label: "案件", Href: "/cases"},
	{Key: "summary", Label: "统计", Href: "/summary", SupervisorOnly: true, District: true},
	{Key: "admin", Label: "管理", Href: "/admin", AdminOnly: true},
}

// NavItems returns the header's entries the user may see.
func (v view) NavItems() []navItem {
	var items []navItem
	for _, it := range navItems {
		if a := v.actor(); a.IsDistrict() {
			if it.District {
				items = append(items, it)
			}
			continue
		}
		if it.AdminOnly && !v.actor().IsAdmin() || it.SupervisorOnly && !v.actor().IsSupervisor() {
			continue
		}
		items = append(items, it)
	}
	return items
}

// actor is the user as the domain sees its role (the API keeps the
// domain's numbers), to ask the domain's own questions of it, e.g.
// IsSupervisor: the desk shows what a role may do by the domain's rule,
// not by a copy of it.
func (v view) actor() *gridinspect.Actor {
	if v.User == nil {
		return nil
	}
	return &gridinspect.Actor{UserID: v.User.GetId(), Role: gridinspect.Role(v.User.GetRole()),
		GridIDs: v.User.GetGridIds(), AllGrids: v.User.GetAllGrids()}
}

// UserName is how the header names the user: the display name, else the
// username.
func (v view) UserName() string {
	if n := v.User.GetDisplayName(); n != "" {
		return n
	}
	return v.User.GetUsername()
}

// RoleName is the user's role in Chinese.
func (v view) RoleName() string { return words.Label(words.Role, v.User.GetRole()) }

func parsePages(static *assets) (pages, error) {
	funcs := template.FuncMap{
		"static":   static.url,
		"category": func(c pb.Category) string { return words.Label(words.Category, c) },
		"status":   func(s pb.ReportStatus) string { return words.Label(words.Status, s) },
		"shortID":  shortID,
		"truncate": truncate,
		// A date field is text with the forms gridctl reads: Chromium draws
		// <input type=date> as mm/dd/yyyy whatever the page's language.
		"dateExample": func() string { return words.DateExample },
		"datePattern": func() string { return words.DatePattern },
	}
	layout, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFiles, "templates/layout.html", "templates/partials/*.html")
	if err != nil {
		return nil, fmt.Errorf("web: parse layout: %w", err)
	}
	names, err := fs.Glob(templateFiles, "templates/*.html")
	if err != nil {
		return nil, err
	}
	ps := pages{}
	for _, n := range names {
		name := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if name == "layout" {
			continue
		}
		t, err := template.Must(layout.Clone()).ParseFS(templateFiles, n)
		if err != nil {
			return nil, fmt.Errorf("web: parse page %s: %w", name, err)
		}
		ps[name] = t
	}
	return ps, nil
}

// render writes page name drawn from v with HTTP status code. The page is
// drawn in full before anything is sent, so a template's failure is an
// error page, never half a page. A refresh (desk.js fetching a live page
// again) gets the page's content only: the script takes its live part.
func (d *desk) render(w http.ResponseWriter, r *http.Request, code int, name string, v view) {
	t, ok := d.pages[name]
	v.Refresh = max(1, int(d.cfg.RefreshEvery/time.Second))
	var buf bytes.Buffer
	err := fmt.Errorf("web: no page %q", name)
	if ok {
		tmpl := "layout.html"
		if isRefresh(r) {
			tmpl = "content"
		}
		err = t.ExecuteTemplate(&buf, tmpl, v)
	}
	if err != nil {
		// A bug of the desk: say so plainly, without the template's text.
		http.Error(w, "服务器内部错误", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	_, _ = buf.WriteTo(w)
}

// refreshHeader marks desk.js's fetch of a live page (see render).
const refreshHeader = "X-Desk-Refresh"

// isRefresh reports whether r is desk.js fetching its page again.
func isRefresh(r *http.Request) bool { return r.Header.Get(refreshHeader) != "" }

// shortIDLen is how many hex digits of an id the desk shows, as gridctl
// does: the last ones (a UUIDv7 starts with the time it was made, so the
// reports of a day share their first digits).
const shortIDLen = 8

// shortID returns the last shortIDLen hex digits of an id.
func shortID(id string) string {
	hex := strings.ReplaceAll(id, "-", "")
	if len(hex) <= shortIDLen {
		return hex
	}
	return hex[len(hex)-shortIDLen:]
}

// truncate cuts s to n characters, marking the cut with "…".
func truncate(n int, s string) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}
