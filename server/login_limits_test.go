package server_test

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/gridinspect/gridinspect"
	"github.com/gridinspect/gridinspect/internal/storetest"
	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
	"github.com/gridinspect/gridinspect/server"
	"github.com/gridinspect/gridinspect/store"
)

// Login's limits as a street office meets them: its phones share one
// address behind NAT, and a guesser may sit in the same office or
// anywhere else.

// The loopback addresses the login tests call from (Linux answers on all
// of 127.0.0.0/8).
const (
	office  = "127.0.0.2" // a street office's NAT: every phone there
	guesser = "127.0.0.3" // someone guessing passwords
	faraway = "127.0.0.4" // a third place
	fourth  = "127.0.0.5"
)

// loginServer is a real store and server on a loopback TCP port, with the
// accounts workera, workerb and super, reached from several addresses.
type loginServer struct {
	t     *testing.T
	addr  string
	clock *clock
	conns map[string]pb.AuthServiceClient // by source address
}

func newLoginServer(t *testing.T, limits server.LoginLimits) *loginServer {
	t.Helper()
	c := &clock{now: time.Date(2024, 3, 15, 9, 0, 0, 0, time.UTC)}
	db, err := storetest.Open(t, filepath.Join(t.TempDir(), "gridinspect.db"),
		store.Options{Now: c.Now, Logger: quiet, PasswordParams: cheapPasswords})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	cfg := server.Serve(db)
	cfg.Now, cfg.Logger, cfg.LoginLimits = c.Now, quiet, &limits
	addr := serveLoopback(t, db, cfg)
	sys := gridinspect.NewContext(context.Background(), gridinspect.SystemActor())
	for _, name := range []string{"workera", "workerb", "super"} {
		u := &gridinspect.User{Username: name, Role: gridinspect.RoleWorker, GridIDs: []string{gridA}}
		if name == "super" {
			u = &gridinspect.User{Username: name, Role: gridinspect.RoleSupervisor, AllGrids: true}
		}
		if _, err := db.CreateUser(sys, u, testPassword); err != nil {
			t.Fatalf("create user %s: %v", name, err)
		}
	}
	return &loginServer{t: t, addr: addr, clock: c, conns: map[string]pb.AuthServiceClient{}}
}

// from returns a client whose connections come from the loopback address
// ip; the test is skipped where that address cannot be used.
func (s *loginServer) from(ip string) pb.AuthServiceClient {
	s.t.Helper()
	if c, ok := s.conns[ip]; ok {
		return c
	}
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	probe, err := d.Dial("tcp", s.addr)
	if err != nil {
		// Linux routes all of 127.0.0.0/8 to loopback; CI runs there.
		if os.Getenv("CI") != "" {
			s.t.Fatalf("cannot call from %s: %v", ip, err)
		}
		s.t.Skipf("cannot call from %s: %v", ip, err)
	}
	_ = probe.Close()
	conn, err := grpc.NewClient("passthrough:///"+s.addr, grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithContextDialer(func(ctx context.Context, addr string) (net.Conn, error) { return d.DialContext(ctx, "tcp", addr) }))
	if err != nil {
		s.t.Fatal(err)
	}
	s.t.Cleanup(func() { _ = conn.Close() })
	s.conns[ip] = pb.NewAuthServiceClient(conn)
	return s.conns[ip]
}

// attempt is one Login: from an address, a username as typed, a password,
// a device, and the token of an earlier session on it ("" for none).
type attempt struct {
	from, username, password, device, token string
}

// try makes the attempt and returns its code and, on success, the token.
func (s *loginServer) try(a attempt) (codes.Code, string) {
	s.t.Helper()
	ctx := context.Background()
	if a.token != "" {
		ctx = bearer(ctx, a.token)
	}
	resp, err := s.from(a.from).Login(ctx, &pb.LoginRequest{Username: a.username, Password: a.password, DeviceId: a.device})
	code, _ := statusOf(err)
	return code, resp.GetToken()
}

// mustLogin makes an attempt that must succeed, and returns its token.
func (s *loginServer) mustLogin(a attempt) string {
	s.t.Helper()
	code, token := s.try(a)
	if code != codes.OK {
		s.t.Fatalf("login as %q on %q from %s: %v", a.username, a.device, a.from, code)
	}
	return token
}

// want makes each attempt in turn and fails the test at the first answered
// otherwise than wanted.
func (s *loginServer) want(what string, code codes.Code, attempts ...attempt) {
	s.t.Helper()
	for i, a := range attempts {
		if got, _ := s.try(a); got != code {
			s.t.Fatalf("%s: attempt %d (%s as %q on %q): %v, want %v", what, i+1, a.from, a.username, a.device, got, code)
		}
	}
}

// times returns n copies of a.
func times(n int, a attempt) []attempt {
	out := make([]attempt, n)
	for i := range out {
		out[i] = a
	}
	return out
}

func TestLogin_AnOfficesSuccessfulLoginsNeverLockItOut(t *testing.T) {
	// Limits far below a morning's logins for one office.
	s := newLoginServer(t, server.LoginLimits{
		PerUsername:             server.Limit{Burst: 3, Every: time.Hour},
		PerAddress:              server.Limit{Burst: 3, Every: time.Hour},
		PerUsernameAllAddresses: server.Limit{Burst: 3, Every: time.Hour},
	})
	for range 10 {
		for _, user := range []string{"workera", "workerb", "super"} {
			s.want("a correct password from the office", codes.OK, attempt{office, user, testPassword, newID(), ""})
		}
	}
	// Failures still count, from the first.
	s.want("a wrong password from the office", codes.Unauthenticated, times(2, attempt{office, "workera", "wrong", newID(), ""})...)
	s.want("the supervisor from the office", codes.OK, attempt{office, "super", testPassword, newID(), ""})
}

func TestLogin_TheOwnerGetsInWhileSomeoneElsewhereGuessesTheirName(t *testing.T) {
	s := newLoginServer(t, server.LoginLimits{
		PerUsername:             server.Limit{Burst: 3, Every: time.Minute},
		PerAddress:              server.Limit{Burst: 10, Every: time.Minute},
		PerUsernameAllAddresses: server.Limit{Burst: 10, Every: time.Minute},
	})
	guess := attempt{guesser, "super", "123456", "guessing-box", ""}
	s.want("guesses", codes.Unauthenticated, times(3, guess)...)
	s.want("the guesser past the limit", codes.ResourceExhausted, times(2, guess)...)

	// The owner, from an address that is not failing, on a new device.
	s.want("the owner's correct password", codes.OK, attempt{office, "super", testPassword, newID(), ""})
	s.want("the owner's typo", codes.Unauthenticated, attempt{office, "super", "typo", newID(), ""})
	s.want("the owner again", codes.OK, attempt{office, "super", testPassword, newID(), ""})

	// The guesser is locked out of that name only, until it refills.
	s.want("the guesser on another name", codes.Unauthenticated, attempt{guesser, "workerb", "123456", "guessing-box", ""})
	s.want("the guesser on the name", codes.ResourceExhausted, guess)
	s.clock.Advance(time.Minute)
	s.want("the guesser a minute later", codes.Unauthenticated, guess)
	s.want("the guesser at once again", codes.ResourceExhausted, guess)
}

func TestLogin_ADeviceThatLoggedInBeforeGetsInThoughItsOfficeAndNameAreLocked(t *testing.T) {
	s := newLoginServer(t, server.LoginLimits{
		PerUsername:             server.Limit{Burst: 3, Every: time.Hour},
		PerAddress:              server.Limit{Burst: 5, Every: time.Hour},
		PerUsernameAllAddresses: server.Limit{Burst: 5, Every: time.Hour},
	})
	token := s.mustLogin(attempt{office, "super", testPassword, "super-phone", ""})
	// A month and more later the token has expired; meanwhile someone in
	// the same office has guessed the name and spent the office's limit.
	s.clock.Advance(store.DefaultTokenTTL + 24*time.Hour)
	s.want("guesses in the office", codes.Unauthenticated, times(3, attempt{office, "super", "123456", "office-pc", ""})...)
	s.want("guesses in the office", codes.Unauthenticated, times(2, attempt{office, "workera", "123456", "office-pc", ""})...)
	s.want("guesses on the name from elsewhere", codes.Unauthenticated, times(2, attempt{guesser, "super", "123456", "box", ""})...)

	s.want("a new device in the office", codes.ResourceExhausted, attempt{office, "super", testPassword, newID(), ""})
	s.want("a new device elsewhere", codes.ResourceExhausted, attempt{faraway, "super", testPassword, newID(), ""})
	s.want("the device id claimed without its token", codes.ResourceExhausted, attempt{office, "super", testPassword, "super-phone", ""})
	s.want("its token on another device id", codes.ResourceExhausted, attempt{office, "super", testPassword, "office-pc", token})
	s.want("its token for another name", codes.ResourceExhausted, attempt{office, "workera", testPassword, "super-phone", token})
	s.want("the owner's phone with its expired token", codes.OK, attempt{office, "Super", testPassword, "super-phone", token})

	// A known device's failures lock that device, and nobody else.
	wrong := attempt{faraway, "super", "typo", "super-phone", token}
	s.want("the phone's own typos", codes.Unauthenticated, times(3, wrong)...)
	s.want("the phone past its own limit", codes.ResourceExhausted, attempt{faraway, "super", testPassword, "super-phone", token})
	s.want("another name from where the phone failed", codes.OK, attempt{faraway, "workera", testPassword, newID(), ""})
}

func TestLogin_LimitsCountAUsernameInAnyCaseAsOne(t *testing.T) {
	spellings := []string{"workera", "WorkerA", "WORKERA", "wORKERa"}
	lots := server.Limit{Burst: 100, Every: time.Hour}
	three := server.Limit{Burst: 3, Every: time.Hour}
	for _, tc := range []struct {
		name   string
		limits server.LoginLimits
		from   []string // where each spelling is tried from
	}{
		{"per username from one address", server.LoginLimits{PerUsername: three, PerAddress: lots, PerUsernameAllAddresses: lots},
			[]string{guesser, guesser, guesser, guesser}},
		{"per username from every address", server.LoginLimits{PerUsername: lots, PerAddress: lots, PerUsernameAllAddresses: three},
			[]string{guesser, faraway, fourth, office}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newLoginServer(t, tc.limits)
			for i, name := range spellings[:3] {
				s.want("a guess at "+name, codes.Unauthenticated, attempt{tc.from[i], name, "123456", "box", ""})
			}
			s.want("a guess at "+spellings[3], codes.ResourceExhausted, attempt{tc.from[3], spellings[3], "123456", "box", ""})
			s.want("another name", codes.Unauthenticated, attempt{tc.from[3], "workerb", "123456", "box", ""})
		})
	}
}

func TestLogin_GuessesFromManyAddressesLockTheNameForNewDevicesOnly(t *testing.T) {
	s := newLoginServer(t, server.LoginLimits{
		PerUsername:             server.Limit{Burst: 2, Every: time.Hour},
		PerAddress:              server.Limit{Burst: 10, Every: time.Hour},
		PerUsernameAllAddresses: server.Limit{Burst: 4, Every: time.Hour},
	})
	token := s.mustLogin(attempt{office, "workera", testPassword, "phone-a", ""})
	for _, from := range []string{guesser, faraway} {
		s.want("guesses from "+from, codes.Unauthenticated, times(2, attempt{from, "workera", "123456", "box", ""})...)
	}
	s.want("a new device from an address that never failed", codes.ResourceExhausted, attempt{fourth, "workera", testPassword, newID(), ""})
	s.want("another name from there", codes.OK, attempt{fourth, "workerb", testPassword, newID(), ""})
	s.want("the phone that logged in before", codes.OK, attempt{fourth, "workera", testPassword, "phone-a", token})
}
