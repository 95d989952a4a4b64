package server

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"
	"google.golang.org/protobuf/encoding/protojson"

	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
	"github.com/gridinspect/gridinspect/proto/openapi"
	"github.com/gridinspect/gridinspect/web"
)

// MaxHTTPBodyBytes bounds an HTTP request's body. JSON is wordier than
// the protobuf a gRPC message of MaxMessageBytes holds, but a real request
// (a push of 1,000 mutations under its 8 MiB cap) fits.
const MaxHTTPBodyBytes = 16 << 20

// inProcessBufferBytes is the in-process connection's buffer.
const inProcessBufferBytes = 1 << 20

// gateway serves the API as HTTP/JSON. Its handlers (grpc-gateway's,
// generated from the google.api.http rules) are clients of the gRPC server
// over an in-process connection, so an HTTP call passes through exactly
// what a gRPC call does: the codec's bounds, recovery, logging,
// authentication, the per-user limit and the handlers themselves. There is
// no second copy of any rule.
type gateway struct {
	lis       *bufconn.Listener
	conn      *grpc.ClientConn
	api       *runtime.ServeMux // grpc-gateway's handlers
	marshaler runtime.Marshaler
	mux       *http.ServeMux // everything served
	handler   http.Handler   // mux behind CORS and session cookies
}

// HTTPHandler returns the HTTP/JSON API: every unary RPC at the path of its
// google.api.http rule, the streaming ones as files (gateway_photos.go,
// gateway_export.go), GET /openapi.json, a page to read it (GET /api),
// and GET /healthz; the browser's session routes and cookie
// (gateway_session.go); the web desk (package web) at every other path;
// CORS for Config.CORSOrigins. It fails for a bad
// origin. The first call starts the in-process connection; Shutdown ends
// it.
func (s *Server) HTTPHandler() (http.Handler, error) {
	s.gatewayOnce.Do(func() { s.gw, s.gwErr = s.newGateway() })
	if s.gwErr != nil {
		return nil, s.gwErr
	}
	return s.gw.handler, nil
}

func (s *Server) newGateway() (*gateway, error) {
	cors, err := newCORS(s.cfg.CORSOrigins)
	if err != nil {
		return nil, err
	}
	g := &gateway{lis: bufconn.Listen(inProcessBufferBytes)}
	go func() { _ = s.grpc.Serve(gatewayListener{g.lis}) }()
	conn, err := grpc.NewClient("passthrough:///in-process",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return g.lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(MaxMessageBytes), grpc.MaxCallSendMsgSize(MaxMessageBytes)),
	)
	if err != nil {
		return nil, fmt.Errorf("server: in-process connection for HTTP: %w", err)
	}
	g.conn = conn

	g.marshaler = &runtime.JSONPb{
		MarshalOptions: protojson.MarshalOptions{EmitUnpopulated: true},
		// A misspelt field is an error, not silently nothing.
		UnmarshalOptions: protojson.UnmarshalOptions{DiscardUnknown: false},
	}
	api := runtime.NewServeMux(
		runtime.WithMarshalerOption(runtime.MIMEWildcard, g.marshaler),
		runtime.WithIncomingHeaderMatcher(incomingHeader),
		runtime.WithOutgoingHeaderMatcher(outgoingHeader),
		runtime.WithErrorHandler(httpError),
		runtime.WithDisableHTTPMethodOverride(),
	)
	ctx := context.Background()
	for _, register := range []func(context.Context, *runtime.ServeMux, *grpc.ClientConn) error{
		pb.RegisterReportServiceHandler,
		pb.RegisterRectificationServiceHandler,
		pb.RegisterDirectoryServiceHandler,
		pb.RegisterAuthServiceHandler,
		pb.RegisterSyncServiceHandler,
		pb.RegisterStatsServiceHandler,
		pb.RegisterAdminServiceHandler,
		pb.RegisterRoutingServiceHandler,
		pb.RegisterPatrolScheduleServiceHandler,
		pb.RegisterCalendarServiceHandler,
	} {
		if err := register(ctx, api, conn); err != nil {
			_ = conn.Close()
			return nil, fmt.Errorf("server: register HTTP handlers: %w", err)
		}
	}
	g.api = api
	health := healthpb.NewHealthClient(conn)

	g.mux = http.NewServeMux()
	g.mux.Handle("/v1/", g.limitBody(api))
	g.handleSessions(pb.NewAuthServiceClient(conn), s.now)
	if err := s.routeStreams(api, conn, g.mux); err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("server: register HTTP routes of streams: %w", err)
	}
	g.mux.HandleFunc("GET /openapi.json", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(openapi.JSON)
	})
	g.mux.HandleFunc("GET /api", serveAPIPage)
	g.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		resp, err := health.Check(r.Context(), &healthpb.HealthCheckRequest{})
		if err != nil || resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
			http.Error(w, "not serving", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	desk, err := web.New(web.Config{
		Conn: conn,
		Call: func(r *http.Request, method string) (context.Context, error) {
			return runtime.AnnotateContext(r.Context(), api, r, method, runtime.WithHTTPPathPattern(r.URL.Path))
		},
		SameOrigin: sameOrigin,
		SetSession: func(w http.ResponseWriter, r *http.Request, token string, expires time.Time) {
			setSession(w, r, token, expires, s.now())
		},
		ClearSession: clearSession,
		Chinese:      localize,
		MapTiles:     s.cfg.MapTiles,
		RefreshEvery: s.cfg.DeskRefresh,
		Now:          s.now,
	})
	if err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("server: web desk: %w", err)
	}
	// The desk has every path the API has not: its pages and /static/.
	g.mux.Handle("/", desk)
	g.handler = cors.wrap(sessionCookies(g.mux))
	return g, nil
}

// close ends the in-process connection.
func (g *gateway) close() {
	_ = g.conn.Close()
	_ = g.lis.Close()
}

// incomingHeader passes on the HTTP headers the API reads and no others
// (Authorization is passed on by the gateway itself). In particular no
// "Grpc-Metadata-*" header: a client must not set metadata the server
// trusts from its in-process connection alone.
func incomingHeader(key string) (string, bool) {
	switch strings.ToLower(key) {
	case "x-request-id":
		return "x-request-id", true
	}
	return "", false
}

// outgoingHeader sends the call's request id back as X-Request-Id.
func outgoingHeader(key string) (string, bool) {
	if strings.EqualFold(key, "x-request-id") {
		return "X-Request-Id", true
	}
	return "", false
}

// httpError writes a call's error as JSON google.rpc.Status with its
// details, under the HTTP status of its code (grpc-gateway's table:
// INVALID_ARGUMENT 400, UNAUTHENTICATED 401, PERMISSION_DENIED 403,
// NOT_FOUND 404, ABORTED and ALREADY_EXISTS 409, FAILED_PRECONDITION 400,
// RESOURCE_EXHAUSTED 429, …); a RESOURCE_EXHAUSTED with RetryInfo also
// says Retry-After, in whole seconds rounded up. Every error carries its
// zh-CN google.rpc.LocalizedMessage among the details.
func httpError(ctx context.Context, mux *runtime.ServeMux, m runtime.Marshaler, w http.ResponseWriter, r *http.Request, err error) {
	// The gateway's own refusals get their Chinese here; an HTTP status
	// the router chose (404, 405) is kept.
	if hs := (*runtime.HTTPStatusError)(nil); errors.As(err, &hs) {
		err = &runtime.HTTPStatusError{HTTPStatus: hs.HTTPStatus, Err: localize(status.Convert(hs.Err).Err())}
	} else {
		err = localize(status.Convert(err).Err())
	}
	if st, ok := status.FromError(err); ok && st.Code() == codes.ResourceExhausted {
		for _, d := range st.Details() {
			if ri, ok := d.(*errdetails.RetryInfo); ok && ri.GetRetryDelay() != nil {
				secs := int64(math.Ceil(ri.GetRetryDelay().AsDuration().Seconds()))
				w.Header().Set("Retry-After", strconv.FormatInt(max(secs, 1), 10))
			}
		}
	}
	runtime.DefaultHTTPErrorHandler(ctx, mux, m, w, r, err)
}

// gatewayClientHost tells whether a call came over the in-process
// connection, and if so the address of the HTTP client the gateway served:
// the one it put last in x-forwarded-for (after any the client sent, which
// are not trusted).
func gatewayClientHost(ctx context.Context) (string, bool) {
	p, ok := peer.FromContext(ctx)
	if !ok {
		return "", false
	}
	if _, ok := p.Addr.(gatewayAddr); !ok {
		return "", false
	}
	md, _ := metadata.FromIncomingContext(ctx)
	xff := md.Get("x-forwarded-for")
	if len(xff) == 0 {
		return "", true
	}
	last := xff[len(xff)-1]
	if i := strings.LastIndexByte(last, ','); i >= 0 {
		last = last[i+1:]
	}
	return strings.TrimSpace(last), true
}

// gatewayListener is the gateway's in-process listener, whose connections
// say they come from gatewayAddr: nothing else can, so a call whose peer
// is one was made by the gateway.
type gatewayListener struct{ *bufconn.Listener }

func (l gatewayListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return gatewayConn{c}, nil
}

type gatewayConn struct{ net.Conn }

func (gatewayConn) RemoteAddr() net.Addr { return gatewayAddr{} }

// gatewayAddr is the address of the gateway's calls.
type gatewayAddr struct{}

func (gatewayAddr) Network() string { return "gateway" }
func (gatewayAddr) String() string  { return "gateway" }

// gatewayPassthrough is the server's TLS, but for the gateway's
// in-process connection, which never leaves the process and is not
// encrypted.
type gatewayPassthrough struct {
	credentials.TransportCredentials
}

func (c gatewayPassthrough) ServerHandshake(conn net.Conn) (net.Conn, credentials.AuthInfo, error) {
	if _, ok := conn.(gatewayConn); ok {
		return insecure.NewCredentials().ServerHandshake(conn)
	}
	return c.TransportCredentials.ServerHandshake(conn)
}

func (c gatewayPassthrough) Clone() credentials.TransportCredentials {
	return gatewayPassthrough{c.TransportCredentials.Clone()}
}

// gatewayState is the Server's share of the gateway.
type gatewayState struct {
	gatewayOnce sync.Once
	gw          *gateway
	gwErr       error
}
