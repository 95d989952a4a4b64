package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gridinspect/gridinspect"
	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

// deviceCookie names the browser as a device for Login (which wants a
// device id): a random id kept for a year, no secret. The session's own
// cookie is package server's.
const deviceCookie = "gridinspect_desk_device"

// pageFunc serves a page to the logged-in user.
type pageFunc func(w http.ResponseWriter, r *http.Request, user *pb.User)

// page serves h to a logged-in user, and sends anyone else to the login
// page, to come back here after it.
func (d *desk) page(h pageFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, err := d.call(r, pb.AuthService_WhoAmI_FullMethodName)
		var resp *pb.WhoAmIResponse
		if err == nil {
			resp, err = d.auth.WhoAmI(ctx, &pb.WhoAmIRequest{})
		}
		switch {
		case unauthenticated(err) && isRefresh(r):
			// A script's fetch would follow the redirect to the login
			// form and take it for the page: say it plainly instead.
			http.Error(w, "请重新登录", http.StatusUnauthorized)
			return
		case unauthenticated(err):
			http.Redirect(w, r, loginURL(r), http.StatusSeeOther)
			return
		case err != nil:
			d.fail(w, r, view{}, err)
			return
		}
		if user := resp.GetUser(); gridinspect.Role(user.GetRole()) == gridinspect.RoleDistrict && r.URL.Path != "/summary" {
			d.districtOnly(w, r, user)
			return
		}
		h(w, r.WithContext(context.WithValue(r.Context(), streetsKey{}, resp.GetStreets())), resp.GetUser())
	})
}

type streetsKey struct{}

// callerStreets returns the streets the page's user reads, with their
// names, as WhoAmI gave them when page let the request in.
func callerStreets(r *http.Request) []*pb.Street {
	s, _ := r.Context().Value(streetsKey{}).([]*pb.Street)
	return s
}

// districtOnly answers a district account any page but the statistics,
// all the API lets it read: the home page is the statistics (where the
// login lands), any other page a plain refusal rather than the errors of
// the calls it would make.
func (d *desk) districtOnly(w http.ResponseWriter, r *http.Request, user *pb.User) {
	if r.URL.Path == "/" && r.Method == http.MethodGet {
		http.Redirect(w, r, "/summary", http.StatusSeeOther)
		return
	}
	d.render(w, r, http.StatusForbidden, "error", view{Title: "无权访问", User: user, Data: errorView{Message: districtOnlyMessage}})
}

// districtOnlyMessage is the desk's refusal of a district account.
const districtOnlyMessage = "区级账号只能查看统计"

// loginURL is the login page that comes back to r's page after it.
func loginURL(r *http.Request) string {
	return "/login?next=" + url.QueryEscape(r.URL.RequestURI())
}

// loginView is the login page's data.
type loginView struct {
	Username, Next string
	Error          *errorView
}

func (d *desk) loginPage(w http.ResponseWriter, r *http.Request) {
	d.render(w, r, http.StatusOK, "login", view{Title: "登录", Data: loginView{Next: safeNext(r.URL.Query().Get("next"))}})
}

// login logs in with the form's username and password, sets the session
// cookie and goes on to the page the user came for.
func (d *desk) login(w http.ResponseWriter, r *http.Request) {
	// Without a session there is no cookie to protect the form: another
	// site must not log a visitor into an account of its choosing.
	if !d.cfg.SameOrigin(r) {
		d.render(w, r, http.StatusForbidden, "error", view{Title: "出错了", Data: errorView{Message: "请从本系统的页面登录"}})
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "表单有误", http.StatusBadRequest)
		return
	}
	lv := loginView{Username: r.PostForm.Get("username"), Next: safeNext(r.PostForm.Get("next"))}
	ctx, err := d.call(r, pb.AuthService_Login_FullMethodName)
	var resp *pb.LoginResponse
	if err == nil {
		resp, err = d.auth.Login(ctx, &pb.LoginRequest{
			Username: lv.Username,
			Password: r.PostForm.Get("password"),
			DeviceId: d.deviceID(w, r),
		})
	}
	if err != nil {
		ev := d.chinese(err)
		lv.Error = &ev
		d.render(w, r, httpStatus(err), "login", view{Title: "登录", Data: lv})
		return
	}
	var expires time.Time // zero: for the browser's session
	if exp := resp.GetExpiresAt(); exp != nil {
		expires = exp.AsTime()
	}
	d.cfg.SetSession(w, r, resp.GetToken(), expires)
	next := lv.Next
	if next == "" {
		next = "/"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// logout ends the session and its cookie.
func (d *desk) logout(w http.ResponseWriter, r *http.Request) {
	if !d.cfg.SameOrigin(r) {
		d.render(w, r, http.StatusForbidden, "error", view{Title: "出错了", Data: errorView{Message: "请从本系统的页面退出"}})
		return
	}
	ctx, err := d.call(r, pb.AuthService_Logout_FullMethodName)
	if err == nil {
		_, err = d.auth.Logout(ctx, &pb.LogoutRequest{})
	}
	if err != nil && !unauthenticated(err) {
		d.fail(w, r, view{}, err) // the token lives on: the user may try again
		return
	}
	d.cfg.ClearSession(w, r)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// deviceID is the browser's device id, made and kept in deviceCookie on
// its first login.
func (d *desk) deviceID(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(deviceCookie); err == nil && len(c.Value) == 32 {
		if _, err := hex.DecodeString(c.Value); err == nil {
			return "web-" + c.Value
		}
	}
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	id := hex.EncodeToString(b)
	http.SetCookie(w, &http.Cookie{
		Name: deviceCookie, Value: id, Path: "/", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode,
	})
	return "web-" + id
}

// safeNext returns next if it is a path of this site ("/cases?…"), else
// "": after the login the browser goes nowhere another site chose.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n\t") {
		return ""
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.Opaque != "" {
		return ""
	}
	return next
}
