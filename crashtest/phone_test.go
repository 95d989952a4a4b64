//go:build unix

package crashtest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

// How a phone behaves.
const (
	// demoPassword is the password of every demo account.
	demoPassword = "demo"
	// attemptTimeout bounds one call; a killed server breaks the
	// connection at once, so only a hung server would reach it.
	attemptTimeout = 10 * time.Second
	// Backoff between attempts while the server is away: short, since
	// it is back within a second.
	minBackoff = 20 * time.Millisecond
	maxBackoff = 300 * time.Millisecond
	// maxSlowLogins bounds logins in flight at once: each costs the
	// server an argon2id hash of tens of MiB.
	maxSlowLogins = 2

	// Batches: a pusher adds 5–20 new mutations per round, and pushes at
	// most maxPush of its outbox at once.
	minBatch, maxBatch = 5, 20
	maxPush            = 60

	// Shares of the deliberate re-sends.
	shareResend      = 0.10 // after an answer: send an acknowledged id again
	shareTwin        = 0.05 // a new report or batch goes out twice at once
	shareMixOld      = 0.20 // a push carries 1–3 acknowledged mutations too
	shareRepushBatch = 0.10 // after a push: push an acknowledged batch again whole
	sharePatrol      = 0.30 // of pushed mutations: patrols, the rest reports
	// shareHop: after an answer, a phone of several servers uses the next.
	shareHop = 0.25
)

// loginSlots holds a token for each login in flight.
var loginSlots = make(chan struct{}, maxSlowLogins)

// phone is one device with its own connection and login.
type phone struct {
	f        *fleet
	name     string // for messages: "worker01/submit"
	username string
	deviceID string
	rng      *rand.Rand // the phone's goroutine only

	// servers are the phone's connections, one per address of the fleet;
	// on is the one it uses now, and the clients below are its.
	servers []*clients
	on      int
	*clients

	mu    sync.Mutex
	token string

	user   *pb.User
	gridID string
	at     *pb.LatLng // a point of the grid where its reports are
	made   int        // ids made so far
	wait   time.Duration
}

// dial connects a phone for username; n numbers it for its random
// choices.
func dial(f *fleet, n int, name, username string) (*phone, error) {
	p := &phone{
		f: f, name: name, username: username, deviceID: newID(),
		rng: rand.New(rand.NewPCG(f.seed, uint64(n))),
	}
	for _, addr := range f.addrs {
		conn, err := grpc.NewClient(addr,
			grpc.WithTransportCredentials(insecure.NewCredentials()),
			grpc.WithConnectParams(grpc.ConnectParams{
				Backoff:           backoff.Config{BaseDelay: minBackoff, Multiplier: 1.6, Jitter: 0.2, MaxDelay: maxBackoff},
				MinConnectTimeout: 2 * time.Second,
			}),
			grpc.WithUnaryInterceptor(p.withToken),
			grpc.WithStreamInterceptor(p.withTokenStream),
			grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(16<<20)),
		)
		if err != nil {
			p.close()
			return nil, fmt.Errorf("%s: connect to %s: %w", name, addr, err)
		}
		p.servers = append(p.servers, &clients{
			conn: conn,
			auth: pb.NewAuthServiceClient(conn),
			dir:  pb.NewDirectoryServiceClient(conn),
			rep:  pb.NewReportServiceClient(conn),
			rect: pb.NewRectificationServiceClient(conn),
			sync: pb.NewSyncServiceClient(conn),
		})
	}
	// Phones are spread over the servers.
	p.use(n % len(p.servers))
	return p, nil
}

// clients are a phone's connection to one server and its services.
type clients struct {
	conn *grpc.ClientConn
	auth pb.AuthServiceClient
	dir  pb.DirectoryServiceClient
	rep  pb.ReportServiceClient
	rect pb.RectificationServiceClient
	sync pb.SyncServiceClient
}

func (p *phone) close() {
	for _, c := range p.servers {
		_ = c.conn.Close()
	}
}

// moveOn makes the phone use the next server, after a call failed on the
// side of the one it used (with one server, it stays). Only between
// attempts: an attempt's goroutines read the clients.
func (p *phone) moveOn() {
	if len(p.servers) < 2 {
		return
	}
	p.use((p.on + 1) % len(p.servers))
	p.f.moves.Add(1)
}

// use makes the phone use server i.
func (p *phone) use(i int) {
	p.on = i
	p.clients = p.servers[i]
}

// copyOn returns the clients the i-th copy of an attempt sent at once goes
// through: with several servers, a twin goes to another one than the
// first copy, as a phone whose first try seemed lost might.
func (p *phone) copyOn(i int) *clients {
	return p.servers[(p.on+i)%len(p.servers)]
}

func (p *phone) withToken(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	if method != pb.AuthService_Login_FullMethodName {
		p.mu.Lock()
		token := p.token
		p.mu.Unlock()
		ctx = withBearer(ctx, token)
	}
	return invoker(ctx, method, req, reply, cc, opts...)
}

// withBearer returns ctx carrying token, if there is one.
func withBearer(ctx context.Context, token string) context.Context {
	if token == "" {
		return ctx
	}
	return metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+token)
}

func newID() string { return uuid.Must(uuid.NewV7()).String() }

func (p *phone) chance(share float64) bool { return p.rng.Float64() < share }

// call makes one attempt of a call: it waits at the gate, and counts the
// call as on the wire while it is.
func (p *phone) call(ctx context.Context, counter *atomic.Int32, fn func(context.Context) error) error {
	if err := p.f.gate.wait(ctx); err != nil {
		return err
	}
	counter.Add(1)
	defer counter.Add(-1)
	if counter == &p.f.submitting || counter == &p.f.pushing {
		w := &p.f.writing[p.on]
		w.Add(1)
		defer w.Add(-1)
	}
	p.f.calls.Add(1)
	actx, cancel := context.WithTimeout(ctx, attemptTimeout)
	defer cancel()
	return fn(actx)
}

// retry makes attempts of a call until the server answers it, as a phone
// does: while the server is away (UNAVAILABLE, a broken connection, a
// timeout) or failing on its side (INTERNAL, UNKNOWN), it backs off and
// tries again; when its token is not known, it logs in again. Any other
// error is the answer, and is returned; so is ctx's end.
func (p *phone) retry(ctx context.Context, what string, counter *atomic.Int32, fn func(context.Context) error) error {
	for {
		err := p.call(ctx, counter, fn)
		if err == nil {
			p.wait = 0
			// With several servers a phone goes back and forth, so that
			// each has calls on the wire when it is killed.
			if len(p.servers) > 1 && p.chance(shareHop) {
				p.use((p.on + 1) % len(p.servers))
			}
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		switch status.Code(err) {
		case codes.Unauthenticated:
			p.f.relogins.Add(1)
			// The server issued the token; a restart must not forget it.
			p.f.hist.anomaly("%s: %s: the server no longer knows the token it issued (%v); logging in again", p.name, what, err)
			if err := p.login(ctx); err != nil {
				return err
			}
			continue
		case codes.Unavailable, codes.DeadlineExceeded, codes.Canceled, codes.Aborted, codes.ResourceExhausted:
			p.f.transient.Add(1)
		case codes.Internal, codes.Unknown:
			p.f.serverError(p.name+": "+what, err)
		default:
			return err
		}
		p.moveOn()
		if err := p.backoff(ctx); err != nil {
			return err
		}
	}
}

// backoff sleeps before the next attempt, longer each time up to
// maxBackoff, with jitter.
func (p *phone) backoff(ctx context.Context) error {
	p.wait = min(max(2*p.wait, minBackoff), maxBackoff)
	d := p.wait/2 + time.Duration(p.rng.Int64N(int64(p.wait/2)+1))
	select {
	case <-time.After(d):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// login logs in, retrying while the server is away or busy.
func (p *phone) login(ctx context.Context) error {
	for {
		var resp *pb.LoginResponse
		err := p.call(ctx, &p.f.other, func(ctx context.Context) error {
			select {
			case loginSlots <- struct{}{}:
			case <-ctx.Done():
				return ctx.Err()
			}
			defer func() { <-loginSlots }()
			var err error
			resp, err = p.auth.Login(ctx, &pb.LoginRequest{Username: p.username, Password: demoPassword, DeviceId: p.deviceID})
			return err
		})
		if err == nil {
			p.mu.Lock()
			p.token = resp.GetToken()
			p.mu.Unlock()
			p.user = resp.GetUser()
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		switch status.Code(err) {
		case codes.Unavailable, codes.DeadlineExceeded, codes.Canceled, codes.Aborted, codes.ResourceExhausted,
			codes.Internal, codes.Unknown:
			p.moveOn()
			if err := p.backoff(ctx); err != nil {
				return err
			}
		default:
			return fmt.Errorf("%s: log in as %s: %w", p.name, p.username, err)
		}
	}
}

// prepare logs a worker's phone in and finds the worker's grid.
func (p *phone) prepare(ctx context.Context) error {
	if err := p.login(ctx); err != nil {
		return err
	}
	if p.user.GetRole() != pb.Role_ROLE_WORKER || len(p.user.GetGridIds()) == 0 {
		return fmt.Errorf("%s: %s is not a worker with a grid (role %v): is gridd running with --demo?",
			p.name, p.username, p.user.GetRole())
	}
	p.gridID = p.user.GetGridIds()[0]
	var grids *pb.ListGridsResponse
	err := p.retry(ctx, "list grids", &p.f.other, func(ctx context.Context) error {
		var err error
		grids, err = p.dir.ListGrids(ctx, &pb.ListGridsRequest{PageSize: 500})
		return err
	})
	if err != nil {
		return fmt.Errorf("%s: list grids: %w", p.name, err)
	}
	for _, g := range grids.GetGrids() {
		if g.GetId() != p.gridID || len(g.GetBoundary()) == 0 || len(g.GetBoundary()[0].GetRings()) == 0 {
			continue
		}
		// The mean of the outer ring's corners: the demo's grids are
		// near-rectangles, so it lies well inside.
		pts := g.GetBoundary()[0].GetRings()[0].GetPoints()
		var lat, lng float64
		for _, pt := range pts {
			lat += pt.GetLatitude()
			lng += pt.GetLongitude()
		}
		p.at = &pb.LatLng{Latitude: lat / float64(len(pts)), Longitude: lng / float64(len(pts))}
	}
	if p.at == nil {
		return fmt.Errorf("%s: grid %s not listed with a boundary", p.name, p.gridID)
	}
	return nil
}

// near returns a location within about 50 m of the grid's middle.
func (p *phone) near() (lat, lng float64) {
	return p.at.GetLatitude() + (p.rng.Float64()-0.5)*0.001, p.at.GetLongitude() + (p.rng.Float64()-0.5)*0.001
}

// newReport makes a report seen a few minutes ago.
func (p *phone) newReport() *pb.Report {
	p.made++
	lat, lng := p.near()
	r := &pb.Report{
		Id:          newID(),
		Category:    pb.Category_CATEGORY_OTHER,
		Severity:    pb.Severity_SEVERITY_GENERAL,
		Description: fmt.Sprintf("crash test: %s, report %d", p.name, p.made),
		Location: &pb.Location{
			Latitude: lat, Longitude: lng, AccuracyMeters: 5,
			Address: fmt.Sprintf("crash test %d号", p.made), CoordinateSystem: pb.CoordinateSystem_COORDINATE_SYSTEM_WGS84,
		},
		GridId:     p.gridID,
		ObservedAt: timestamppb.New(time.Now().Add(-time.Duration(1+p.rng.IntN(600)) * time.Second)),
	}
	if p.chance(0.5) {
		r.Category = pb.Category_CATEGORY_SAFETY_HAZARD
		r.Details = &pb.Report_SafetyHazard{SafetyHazard: &pb.SafetyHazardDetails{
			HazardKind: pb.HazardKind(1 + p.rng.IntN(6)), PlaceKind: pb.PlaceKind(1 + p.rng.IntN(5)),
		}}
	}
	r.RectifiedOnSpot = p.chance(0.2)
	return r
}

// newPatrol makes a patrol that ended a few minutes ago.
func (p *phone) newPatrol() *pb.Patrol {
	p.made++
	end := time.Now().Add(-time.Duration(1+p.rng.IntN(600)) * time.Second)
	start := end.Add(-time.Duration(10+p.rng.IntN(50)) * time.Minute)
	pt := &pb.Patrol{
		Id:           newID(),
		Kind:         pb.PatrolKind_PATROL_KIND_GENERAL,
		GridId:       p.gridID,
		StartedAt:    timestamppb.New(start),
		EndedAt:      timestamppb.New(end),
		Participants: int32(1 + p.rng.IntN(3)),
		Notes:        fmt.Sprintf("crash test: %s, patrol %d", p.name, p.made),
	}
	for i := range 2 + p.rng.IntN(4) {
		lat, lng := p.near()
		at := start.Add(time.Duration(i) * time.Minute)
		pt.Track = append(pt.Track, &pb.TrackPoint{Latitude: lat, Longitude: lng, RecordedAt: timestamppb.New(at)})
	}
	return pt
}
