// Package server serves the gridinspect.v1 gRPC API. It owns the wire:
// authentication of callers, conversion between the proto messages and the
// domain's types, and the mapping of domain errors to gRPC status codes.
// Every rule about reports lives in the domain services it is given.
package server

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	_ "google.golang.org/grpc/encoding/gzip" // phones may compress requests and ask for compressed responses
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/reflection"

	"github.com/gridinspect/gridinspect"
	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

// Limits of the transport.
const (
	// MaxMessageBytes bounds one message: a sync batch of 8 MiB, or a
	// photo chunk of 1 MiB, with room for framing.
	MaxMessageBytes = 16 << 20
	// MaxConcurrentStreams bounds the calls one connection may have open.
	MaxConcurrentStreams = 256
	// DefaultShutdownTimeout is how long Shutdown lets in-flight calls
	// finish before cutting them off.
	DefaultShutdownTimeout = 15 * time.Second
)

// Authenticator tells who is calling. It returns the actor for a request's
// context (its metadata), or an EUNAUTHENTICATED error.
type Authenticator func(ctx context.Context) (*gridinspect.Actor, error)

// Config is what a Server is made of.
type Config struct {
	Reports       gridinspect.ReportService
	Directory     gridinspect.DirectoryService
	Users         gridinspect.UserService
	Auth          gridinspect.AuthService
	Rectification gridinspect.RectificationService
	Sync          gridinspect.SyncService
	Photos        gridinspect.PhotoService
	Stats         gridinspect.StatsService
	// Backups serves AdminService.Backup; nil answers UNIMPLEMENTED.
	Backups Backuper
	// Settings serves the grids' order and the notice prefixes; nil
	// answers UNIMPLEMENTED.
	Settings gridinspect.SettingsService
	// Routing serves RoutingService (事件分拨); nil answers UNIMPLEMENTED.
	Routing gridinspect.RoutingService
	// Schedules serves PatrolScheduleService and the due patrols of a
	// Pull; nil answers UNIMPLEMENTED (and pulls carry none).
	Schedules gridinspect.PatrolScheduleService
	// Calendar serves CalendarService, the working-day calendar; nil
	// answers UNIMPLEMENTED.
	Calendar gridinspect.CalendarService
	// Authenticate resolves the caller of every RPC but Login, health and
	// reflection (which only describes the public API); default
	// BearerToken(Auth).
	Authenticate Authenticator
	// LoginLimits bound login attempts; default DefaultLoginLimits.
	LoginLimits *LoginLimits
	// RequestLimit bounds each user's calls (every RPC but Login, health
	// and reflection); default DefaultRequestLimit, and NoRequestLimit
	// turns it off.
	RequestLimit *Limit
	Logger       *slog.Logger
	// Now is the clock used for derived fields such as "overdue";
	// default time.Now.
	Now func() time.Time
	// Reflection registers the gRPC reflection service, so grpcurl works
	// without the .proto files.
	Reflection bool
	// Metrics, if set, counts and times every call; nil counts nothing.
	Metrics *Metrics
	// TLS, if set, is what the gRPC server (and so the HTTP API beside it,
	// which the caller serves with the same configuration) speaks. The
	// gateway's in-process connection skips it: it never leaves the
	// process.
	TLS *tls.Config
	// CORSOrigins may call the HTTP API from their pages (origins such as
	// "https://h5.example.com"); none by default. See ParseOrigin.
	CORSOrigins []string
	// MapTiles is the web desk's map background, a tile URL template
	// ("https://…/{z}/{x}/{y}…"); "" draws the grids' boundaries on a
	// plain background, which needs no internet.
	MapTiles string
	// DeskRefresh is how often the web desk's lists fetch themselves again
	// in the browser (web.Config.RefreshEvery); 0 for its default.
	DeskRefresh time.Duration
}

// Backend is one value that implements every service, as the store does.
type Backend interface {
	gridinspect.ReportService
	gridinspect.DirectoryService
	gridinspect.UserService
	gridinspect.AuthService
	gridinspect.RectificationService
	gridinspect.SyncService
	gridinspect.PhotoService
	gridinspect.StatsService
	gridinspect.SettingsService
	gridinspect.RoutingService
	gridinspect.PatrolScheduleService
	gridinspect.CalendarService
	Backuper
}

// Serve returns a Config whose services are all b; set the rest of the
// fields on it.
func Serve(b Backend) Config {
	return Config{Reports: b, Directory: b, Users: b, Auth: b, Rectification: b, Sync: b, Photos: b, Stats: b, Backups: b, Settings: b,
		Routing: b, Schedules: b, Calendar: b}
}

// Server is the gRPC server with every gridinspect service registered.
type Server struct {
	cfg      Config
	log      *slog.Logger
	requests *requestLimiter // nil: no per-user request limit
	grpc     *grpc.Server
	health   *health.Server
	gatewayState
}

// New builds a server from cfg; extra options (TLS credentials, say) are
// added to the defaults.
func New(cfg Config, opts ...grpc.ServerOption) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Authenticate == nil {
		cfg.Authenticate = BearerToken(cfg.Auth)
	}
	limits := DefaultLoginLimits
	if cfg.LoginLimits != nil {
		limits = *cfg.LoginLimits
	}
	requestLimit := DefaultRequestLimit
	if cfg.RequestLimit != nil {
		requestLimit = *cfg.RequestLimit
	}
	s := &Server{cfg: cfg, log: cfg.Logger, health: health.NewServer()}
	unary := []grpc.UnaryServerInterceptor{s.recoverUnary, s.localizeUnary}
	stream := []grpc.StreamServerInterceptor{s.recoverStream, s.localizeStream}
	if m := cfg.Metrics; m != nil {
		// The metrics sit under the first recovery, which guards them
		// too, and over everything that may refuse a call, so that every
		// refusal is counted with its code. A panic below would skip
		// their count: a second recovery turns it into INTERNAL first.
		unary = append(unary, m.unary(), s.recoverUnary)
		stream = append(stream, m.stream(), s.recoverStream)
	}
	unary = append(unary, s.logUnary, s.authUnary)
	stream = append(stream, s.logStream, s.authStream)
	if !requestLimit.off() {
		s.requests = newRequestLimiter(requestLimit, s.log)
		unary = append(unary, s.limitUnary)
		stream = append(stream, s.limitStream)
	}
	unary = append(unary, s.boundUnary)
	stream = append(stream, s.boundStream)
	base := []grpc.ServerOption{
		// Requests are decoded without letting a list grow past its
		// bound; see codec.go.
		grpc.ForceServerCodecV2(newBoundedCodec()),
		grpc.MaxRecvMsgSize(MaxMessageBytes),
		grpc.MaxSendMsgSize(MaxMessageBytes),
		grpc.MaxConcurrentStreams(MaxConcurrentStreams),
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{
			MinTime:             10 * time.Second, // phones ping at most this often
			PermitWithoutStream: true,
		}),
		grpc.KeepaliveParams(keepalive.ServerParameters{
			MaxConnectionIdle: 15 * time.Minute,
			Time:              2 * time.Minute,
			Timeout:           20 * time.Second,
		}),
		// Recovery first, so that nothing below it can crash the process;
		// then the Chinese message of any error that lacks one; then the
		// metrics, if any; then logging; then authentication;
		// then the per-user request limit, which needs to know the
		// caller; then the bounds of the request's lists, before any
		// handler reads them.
		grpc.ChainUnaryInterceptor(unary...),
		grpc.ChainStreamInterceptor(stream...),
	}
	if cfg.TLS != nil {
		base = append(base, grpc.Creds(gatewayPassthrough{credentials.NewTLS(cfg.TLS)}))
	}
	s.grpc = grpc.NewServer(append(base, opts...)...)

	pb.RegisterReportServiceServer(s.grpc, &reportService{s: s})
	pb.RegisterDirectoryServiceServer(s.grpc, &directoryService{s: s})
	pb.RegisterRectificationServiceServer(s.grpc, &rectificationService{s: s})
	pb.RegisterAuthServiceServer(s.grpc, &authService{s: s, limits: newLoginLimiter(limits)})
	// Services whose handlers arrive with later work answer UNIMPLEMENTED,
	// but are registered so clients and grpcurl see the whole API.
	pb.RegisterSyncServiceServer(s.grpc, &syncService{s: s})
	pb.RegisterAdminServiceServer(s.grpc, &adminService{s: s})
	pb.RegisterStatsServiceServer(s.grpc, &statsService{s: s})
	pb.RegisterRoutingServiceServer(s.grpc, &routingService{s: s})
	pb.RegisterPatrolScheduleServiceServer(s.grpc, &scheduleService{s: s})
	pb.RegisterCalendarServiceServer(s.grpc, &calendarService{s: s})
	healthpb.RegisterHealthServer(s.grpc, s.health)
	if cfg.Reflection {
		reflection.Register(s.grpc)
	}
	for name := range s.grpc.GetServiceInfo() {
		s.health.SetServingStatus(name, healthpb.HealthCheckResponse_SERVING)
	}
	s.health.SetServingStatus("", healthpb.HealthCheckResponse_SERVING)
	return s
}

// GRPC returns the underlying gRPC server.
func (s *Server) GRPC() *grpc.Server { return s.grpc }

// Serve accepts connections on lis until Shutdown.
func (s *Server) Serve(lis net.Listener) error {
	err := s.grpc.Serve(lis)
	if errors.Is(err, grpc.ErrServerStopped) {
		return nil
	}
	return err
}

// Shutdown tells health checkers the server is going away, lets in-flight
// calls finish until ctx is done, then cuts off whatever is left.
func (s *Server) Shutdown(ctx context.Context) {
	s.health.Shutdown()
	done := make(chan struct{})
	go func() {
		s.grpc.GracefulStop()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
		s.log.Warn("graceful stop timed out; stopping now")
		s.grpc.Stop()
		<-done
	}
	if s.gw != nil {
		s.gw.close()
	}
}

func (s *Server) now() time.Time { return s.cfg.Now() }

// status converts err for the client, logging internal causes.
func (s *Server) status(ctx context.Context, err error) error {
	return toStatus(ctx, s.log, err)
}
