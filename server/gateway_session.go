package server

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"math"
	"net/http"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

// SessionCookie is the cookie a browser's session travels in: the token
// of a Login, out of reach of the page's scripts.
const SessionCookie = "gridinspect_session"

// Methods whose HTTP twins the session routes call.
const (
	loginRPC  = "/gridinspect.v1.AuthService/Login"
	logoutRPC = "/gridinspect.v1.AuthService/Logout"
)

// errForeignLogin refuses a session login that a page of this origin did
// not make: another site could otherwise log a visitor's browser into the
// other site's account (login CSRF).
var errForeignLogin = withChinese(status.New(codes.PermissionDenied,
	"session: log in from a page of this server's origin (the request's Origin, or Sec-Fetch-Site: same-origin, says otherwise or is missing)"),
	"请从本系统的页面登录").Err()

// handleSessions serves the browser's session: POST /v1/session logs in
// and sets the cookie, POST /v1/session:logout ends it. Both call
// AuthService over the in-process connection, so a session login is
// limited and logged as any other Login.
func (g *gateway) handleSessions(auth pb.AuthServiceClient, now func() time.Time) {
	mux, api := g.mux, g.api
	mux.Handle("POST /v1/session", g.limitBody(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		inbound, outbound := runtime.MarshalerForRequest(api, r)
		if !sameOrigin(r) {
			runtime.HTTPError(r.Context(), api, outbound, w, r, errForeignLogin)
			return
		}
		req := &pb.LoginRequest{}
		if err := decodeBody(inbound, r, req); err != nil {
			runtime.HTTPError(r.Context(), api, outbound, w, r, err)
			return
		}
		ctx, resp, err := callGateway(r, api, loginRPC, func(ctx context.Context, opts ...grpc.CallOption) (*pb.LoginResponse, error) {
			return auth.Login(ctx, req, opts...)
		})
		if err != nil {
			runtime.HTTPError(ctx, api, outbound, w, r, err)
			return
		}
		var expires time.Time // none: for the browser's session
		if exp := resp.GetExpiresAt(); exp != nil {
			expires = exp.AsTime()
		}
		setSession(w, r, resp.GetToken(), expires, now())
		w.Header().Set("Cache-Control", "no-store")
		// The token stays in the HttpOnly cookie: a script the page runs
		// (an injected one too) never sees it.
		resp.Token = ""
		runtime.ForwardResponseMessage(ctx, api, outbound, w, r, resp)
	})))

	mux.Handle("POST /v1/session:logout", g.limitBody(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, outbound := runtime.MarshalerForRequest(api, r)
		ctx, resp, err := callGateway(r, api, logoutRPC, func(ctx context.Context, opts ...grpc.CallOption) (*pb.LogoutResponse, error) {
			return auth.Logout(ctx, &pb.LogoutRequest{}, opts...)
		})
		// The cookie goes when its token is ended, or was dead already;
		// not after a failure that leaves the token alive (the page may
		// try again), nor when the call was not made with the cookie.
		if sessionFromCookie(r.Context()) && (err == nil || status.Code(err) == codes.Unauthenticated) {
			clearSession(w, r)
		}
		if err != nil {
			runtime.HTTPError(ctx, api, outbound, w, r, err)
			return
		}
		runtime.ForwardResponseMessage(ctx, api, outbound, w, r, resp)
	})))
}

// callGateway makes a call as grpc-gateway's own handlers do: with the
// request's Authorization, X-Request-Id and client address as metadata,
// and the answer's metadata in the returned context for the HTTP answer.
func callGateway[T proto.Message](r *http.Request, api *runtime.ServeMux, method string,
	call func(context.Context, ...grpc.CallOption) (T, error)) (context.Context, T, error) {
	var zero T
	ctx, err := runtime.AnnotateContext(r.Context(), api, r, method, runtime.WithHTTPPathPattern(r.URL.Path))
	if err != nil {
		return r.Context(), zero, err
	}
	var md runtime.ServerMetadata
	resp, err := call(ctx, grpc.Header(&md.HeaderMD), grpc.Trailer(&md.TrailerMD))
	return runtime.NewServerMetadataContext(ctx, md), resp, err
}

// decodeBody reads a request's JSON body into m, as the gateway's handlers
// do: an empty body is an empty message, and anything after it an error.
func decodeBody(inbound runtime.Marshaler, r *http.Request, m proto.Message) error {
	dec := inbound.NewDecoder(r.Body)
	if err := dec.Decode(m); err != nil && !errors.Is(err, io.EOF) {
		return status.Errorf(codes.InvalidArgument, "%v", err)
	}
	if td, ok := dec.(interface{ Token() (json.Token, error) }); ok {
		if _, err := td.Token(); !errors.Is(err, io.EOF) {
			return status.Error(codes.InvalidArgument, "unexpected data after request body")
		}
	}
	return nil
}

// sessionCookie is the session cookie holding token for maxAge seconds
// (http.Cookie's MaxAge: 0 none, negative deletes it). HttpOnly keeps it from scripts; SameSite=Strict keeps
// browsers from sending it with requests another site starts (the origin
// check in sessionCookies is what the server relies on: SameSite lets a
// sibling subdomain through); Secure when it was set over TLS.
func sessionCookie(r *http.Request, token string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name:     SessionCookie,
		Value:    token,
		Path:     "/",
		MaxAge:   maxAge,
		HttpOnly: true,
		Secure:   r.TLS != nil,
		SameSite: http.SameSiteStrictMode,
	}
}

// setSession sets the session cookie holding token until expires (the
// token's own end), or for the browser's session when expires is zero.
// The cookie's life is counted from now on the server's clock, the one
// the token's end was set by.
func setSession(w http.ResponseWriter, r *http.Request, token string, expires, now time.Time) {
	maxAge := 0
	if !expires.IsZero() {
		maxAge = max(int(math.Ceil(expires.Sub(now).Seconds())), 1)
	}
	http.SetCookie(w, sessionCookie(r, token, maxAge))
}

// clearSession deletes the session cookie.
func clearSession(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, sessionCookie(r, "", -1))
}

// sessionKey marks a request authenticated by its session cookie.
type sessionKey struct{}

func sessionFromCookie(ctx context.Context) bool {
	used, _ := ctx.Value(sessionKey{}).(bool)
	return used
}

// sessionCookies authenticates a request that has no Authorization header
// by its session cookie, as "Authorization: Bearer <token>", but only when
// the request provably comes from a page of this origin (sameOrigin);
// otherwise the cookie is ignored and the call is unauthenticated. A
// request with Authorization is left alone: a browser never adds that
// header by itself, so another site cannot make use of it.
func sessionCookies(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(SessionCookie)
		if err != nil || c.Value == "" || len(r.Header.Values("Authorization")) > 0 || !sameOrigin(r) {
			h.ServeHTTP(w, r)
			return
		}
		r = r.WithContext(context.WithValue(r.Context(), sessionKey{}, true))
		r.Header = r.Header.Clone()
		r.Header.Set("Authorization", "Bearer "+c.Value)
		h.ServeHTTP(w, r)
	})
}

// sameOrigin reports whether a browser says that r comes from a page of
// the origin r was served on. An Origin header, whatever the method, must
// be that origin. Without one, a GET or HEAD passes unless Sec-Fetch-Site
// names another site (a browser sends no Origin when it follows a link or
// loads an image); any other method needs Sec-Fetch-Site: same-origin.
//
// It is stricter than http.CrossOriginProtection, which lets a request
// with neither header through as "not from a browser", and compares the
// Origin's host but not its scheme: here a cookie must be shown to come
// from this origin, never assumed to.
func sameOrigin(r *http.Request) bool {
	if origin := r.Header.Get("Origin"); origin != "" {
		o, err := ParseOrigin(origin)
		return err == nil && o == servedOrigin(r)
	}
	site := r.Header.Get("Sec-Fetch-Site")
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		// "none": the user opened the address (typed, bookmarked).
		return site == "" || site == "same-origin" || site == "none"
	}
	return site == "same-origin"
}

// servedOrigin is the origin r was served on, in ParseOrigin's form.
func servedOrigin(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	o, err := ParseOrigin(scheme + "://" + r.Host)
	if err != nil {
		return "" // equal to no parsed origin
	}
	return o
}
