package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"google.golang.org/grpc"

	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

// Config is what the desk is made of. Every field but MapTiles is
// required; package server fills them.
type Config struct {
	// Conn is the in-process connection to the gRPC server, the one the
	// HTTP/JSON gateway uses.
	Conn grpc.ClientConnInterface
	// Call returns the context a call of method (its full name,
	// "/gridinspect.v1.ReportService/ListReports") made for r is made
	// with: r's Authorization (which the session cookie becomes for a
	// request of the desk's own origin), X-Request-Id and client address
	// as outgoing metadata, as the gateway's calls carry them.
	Call func(r *http.Request, method string) (context.Context, error)
	// SameOrigin reports whether r provably comes from a page of the
	// origin it was served on (the check the session cookie is honoured
	// by). A form the desk takes without a session (the login) needs it.
	SameOrigin func(r *http.Request) bool
	// SetSession sets the session cookie holding token until expires
	// (zero: the browser's session); ClearSession deletes it.
	SetSession   func(w http.ResponseWriter, r *http.Request, token string, expires time.Time)
	ClearSession func(w http.ResponseWriter, r *http.Request)
	// Chinese returns err with a zh-CN google.rpc.LocalizedMessage if it
	// is a status without one (as the gateway's errors get theirs); nil
	// leaves err as it is.
	Chinese func(err error) error
	// MapTiles is a tile URL template for the map's background ("" for
	// boundaries on a plain background).
	MapTiles string
	// RefreshEvery is how often a page that lists cases or counts them
	// (the home page, the case list) fetches itself again in the browser,
	// so a new report shows without reloading; default DefaultRefreshEvery.
	RefreshEvery time.Duration
	// Now is the clock of the pages (e.g. a deadline's days left);
	// default time.Now.
	Now func() time.Time
}

// DefaultRefreshEvery is Config.RefreshEvery's default: a new report shows
// within a minute.
const DefaultRefreshEvery = 30 * time.Second

// desk serves the pages.
type desk struct {
	cfg     Config
	pages   pages
	static  *assets
	auth    pb.AuthServiceClient
	reports pb.ReportServiceClient
	dir     pb.DirectoryServiceClient
	stats   pb.StatsServiceClient
	admins  pb.AdminServiceClient
	rect    pb.RectificationServiceClient
	routing pb.RoutingServiceClient
	sched   pb.PatrolScheduleServiceClient
}

// New returns the desk's handler: its pages and /static/. It fails when
// Config lacks a required field or a template does not parse.
func New(cfg Config) (http.Handler, error) {
	switch {
	case cfg.Conn == nil, cfg.Call == nil, cfg.SameOrigin == nil, cfg.SetSession == nil, cfg.ClearSession == nil:
		return nil, errors.New("web: Config needs Conn, Call, SameOrigin, SetSession and ClearSession")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.RefreshEvery <= 0 {
		cfg.RefreshEvery = DefaultRefreshEvery
	}
	csp := contentSecurityPolicy
	if cfg.MapTiles != "" {
		src, err := TileSource(cfg.MapTiles)
		if err != nil {
			return nil, fmt.Errorf("web: %w", err)
		}
		// The map's tiles are images of that origin, and of no other.
		csp = strings.Replace(csp, "img-src 'self' data: blob:", "img-src 'self' data: blob: "+src, 1)
	}
	static, err := newAssets()
	if err != nil {
		return nil, err
	}
	d := &desk{
		cfg:     cfg,
		static:  static,
		auth:    pb.NewAuthServiceClient(cfg.Conn),
		reports: pb.NewReportServiceClient(cfg.Conn),
		dir:     pb.NewDirectoryServiceClient(cfg.Conn),
		stats:   pb.NewStatsServiceClient(cfg.Conn),
		admins:  pb.NewAdminServiceClient(cfg.Conn),
		rect:    pb.NewRectificationServiceClient(cfg.Conn),
		routing: pb.NewRoutingServiceClient(cfg.Conn),
		sched:   pb.NewPatrolScheduleServiceClient(cfg.Conn),
	}
	if d.pages, err = parsePages(static); err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	d.routes(mux)
	return secure(mux, csp), nil
}

// routes are the desk's paths. Pages that need a user are wrapped in
// d.page, which finds who is calling (or sends the browser to the login).
func (d *desk) routes(mux *http.ServeMux) {
	mux.Handle("GET /static/", d.static)
	mux.Handle("GET /{$}", d.page(d.home))
	mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) {
		// Browsers ask for it whatever the page says: the desk's icon.
		u, _ := d.static.url("favicon.svg")
		http.Redirect(w, r, u, http.StatusFound)
	})
	mux.HandleFunc("GET /login", d.loginPage)
	mux.HandleFunc("POST /login", d.login)
	mux.HandleFunc("POST /logout", d.logout)
	mux.Handle("GET /cases", d.page(d.cases))
	mux.Handle("GET /summary", d.page(d.summary))
	mux.Handle("GET /map", d.page(d.mapPage))
	mux.HandleFunc("GET /map/cases.json", d.casesJSON)
	mux.HandleFunc("GET /map/grids.json", d.gridsJSON)
	mux.HandleFunc("GET /map/patrols.json", d.patrolsJSON)
	d.adminRoutes(mux)
	mux.Handle("GET /cases/{id}", d.page(d.casePage))
	mux.Handle("POST /cases/{id}/{action}", d.page(d.caseAction))
	mux.HandleFunc("GET /cases/{id}/{action}", func(w http.ResponseWriter, r *http.Request) {
		// An action's URL opened as a page (after a login that came back
		// to it): the case it belongs to.
		http.Redirect(w, r, "/cases/"+url.PathEscape(r.PathValue("id")), http.StatusSeeOther)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		d.render(w, r, http.StatusNotFound, "error", view{Title: "页面不存在", Data: errorView{Message: "页面不存在"}})
	})
}

// contentSecurityPolicy allows the page nothing but its own origin's
// scripts, styles and connections: no inline script, no inline style
// attribute, no framing by another site, no form posted elsewhere.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; " +
	"img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; " +
	"base-uri 'none'; object-src 'none'"

// secure adds the security headers to every answer of the desk, csp the
// Content-Security-Policy. A page is never cached (it holds a user's
// cases); /static/ sets its own.
func secure(h http.Handler, csp string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", csp)
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "same-origin")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Cache-Control", "no-store")
		h.ServeHTTP(w, r)
	})
}

// maxFormBytes bounds a form's body: the desk's forms are a few fields.
const maxFormBytes = 64 << 10

// call returns the context of a call of method for r.
func (d *desk) call(r *http.Request, method string) (context.Context, error) {
	return d.cfg.Call(r, method)
}
