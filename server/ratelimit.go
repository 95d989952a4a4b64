package server

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/gridinspect/gridinspect"
)

// LoginLimits bound failed login attempts, so that passwords cannot be
// guessed at speed, without locking out the people who know theirs. Only
// failures count: a wrong password, and an unknown or disabled user alike
// (they get the same answer, so the limits say nothing about which
// usernames exist). An attempt holds a token of each bucket it is checked
// against while its password is checked, and a success gives them back.
// Usernames are counted folded, as accounts are kept (gridinspect.FoldUsername).
type LoginLimits struct {
	// PerUsername bounds the failures on one username from one address:
	// whoever guesses is locked out, not the user elsewhere. A device that
	// proves it logged in as the user before (a token Login gave it, see
	// gridinspect.AuthService.KnownDevice) has a bucket of this size of
	// its own instead, and meets no other limit: someone else's guesses,
	// from anywhere, do not lock it out.
	PerUsername Limit
	// PerAddress bounds the failures from one address, whatever the
	// usernames. A street office's phones share one address behind NAT;
	// their successful logins cost nothing.
	PerAddress Limit
	// PerUsernameAllAddresses bounds the failures on one username from
	// every address together: a guesser with many addresses. Past it,
	// only devices that logged in as the user before get in, until it
	// refills.
	PerUsernameAllAddresses Limit
}

// Limit is a token bucket: Burst attempts at once, then one every Every.
// An Every of zero means no limit.
type Limit struct {
	Burst int
	Every time.Duration
}

// DefaultLoginLimits allow, per username and address, five failures, then
// one a minute; per address (a whole office may share one) twenty, then
// one every three seconds; and per username from everywhere together
// twenty, then one a minute.
var DefaultLoginLimits = LoginLimits{
	PerUsername:             Limit{Burst: 5, Every: time.Minute},
	PerAddress:              Limit{Burst: 20, Every: 3 * time.Second},
	PerUsernameAllAddresses: Limit{Burst: 20, Every: time.Minute},
}

// Per-user request limits. Every authenticated call takes a token from its
// caller's bucket; past it, the call is refused before any work is done,
// so one user's flood costs the others no more than the refusals.
const (
	// DefaultRequestsPerSecond is the rate at which one user's calls
	// are served for as long as they keep coming: far above what a
	// phone, or a person at gridctl, needs.
	DefaultRequestsPerSecond = 50
	// DefaultRequestBurst is how many calls one user may make at once,
	// e.g. a phone catching up after a day offline.
	DefaultRequestBurst = 100
)

// DefaultRequestLimit is the per-user limit on calls a Server applies
// unless Config.RequestLimit says otherwise.
var DefaultRequestLimit = Limit{Burst: DefaultRequestBurst, Every: time.Second / DefaultRequestsPerSecond}

// NoRequestLimit turns the per-user request limit off (a benchmark's load
// generator, say, calls as one user far faster than any phone).
var NoRequestLimit = Limit{}

// off reports whether l limits nothing.
func (l Limit) off() bool { return l.Every <= 0 }

// requestLimitWarnEvery is how often, at most, the log says that callers
// are being refused: a flood of refusals must not become a flood of log
// lines.
const requestLimitWarnEvery = 10 * time.Second

// tooManyRequests is what a caller past its limit is told.
const tooManyRequests = "too many requests; slow down"

// requestLimiter applies the per-user request limit.
type requestLimiter struct {
	users   *keyedLimiter // by user id
	log     *slog.Logger
	refused atomic.Int64 // since the last warning
	warn    rate.Sometimes
}

func newRequestLimiter(l Limit, log *slog.Logger) *requestLimiter {
	return &requestLimiter{users: newKeyedLimiter(l), log: log, warn: rate.Sometimes{Interval: requestLimitWarnEvery}}
}

// admit takes a token from a's bucket, or refuses the call with
// RESOURCE_EXHAUSTED and a google.rpc.RetryInfo saying when the next token
// comes. It uses the wall clock, not the server's clock: the limit is
// about load, and tests stop the server's clock.
func (l *requestLimiter) admit(ctx context.Context, a *gridinspect.Actor) error {
	ok, retryAfter := l.users.reserve(a.UserID, time.Now())
	if ok {
		return nil
	}
	l.refused.Add(1)
	l.warn.Do(func() {
		l.log.WarnContext(ctx, "per-user request limit: refusing calls", "user_id", a.UserID, "username", a.Username,
			"refused_since_last_warning", l.refused.Swap(0))
	})
	st := status.New(codes.ResourceExhausted, tooManyRequests)
	if withRetry, err := st.WithDetails(&errdetails.RetryInfo{RetryDelay: durationpb.New(retryAfter)}); err == nil {
		st = withRetry
	}
	return &rateLimitedError{st: st}
}

// rateLimitedError is a call refused by the per-user request limit. It is
// a type of its own so that the log can tell these refusals, logged at
// DEBUG, from the RESOURCE_EXHAUSTED of a full disk.
type rateLimitedError struct{ st *status.Status }

func (e *rateLimitedError) Error() string { return e.st.Err().Error() }

// GRPCStatus is the status gRPC sends.
func (e *rateLimitedError) GRPCStatus() *status.Status { return e.st }

// maxLimiterKeys bounds the buckets one limiter keeps, so that a flood of
// made-up usernames, addresses or users cannot grow its map without end.
const maxLimiterKeys = 100_000

// keyedLimiter keeps one token bucket per key.
type keyedLimiter struct {
	limit   Limit
	mu      sync.Mutex
	buckets map[string]*rate.Limiter
}

func newKeyedLimiter(l Limit) *keyedLimiter {
	return &keyedLimiter{limit: l, buckets: make(map[string]*rate.Limiter)}
}

// reserve takes one token from key's bucket at now if there is one;
// otherwise it takes nothing and says how long until there will be.
func (k *keyedLimiter) reserve(key string, now time.Time) (ok bool, retryAfter time.Duration) {
	k.mu.Lock()
	defer k.mu.Unlock()
	b := k.bucket(key, now)
	if b == nil {
		return false, k.limit.Every
	}
	r := b.ReserveN(now, 1)
	if !r.OK() {
		return false, k.limit.Every // a burst of 0: nothing ever passes
	}
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now) // a refused call costs no token
		return false, d
	}
	return true, 0
}

// bucket returns key's bucket, made on first use; nil when there are
// maxLimiterKeys live buckets already (a flood of keys: refuse until some
// refill). k.mu must be held.
func (k *keyedLimiter) bucket(key string, now time.Time) *rate.Limiter {
	b, ok := k.buckets[key]
	if ok {
		return b
	}
	if len(k.buckets) >= maxLimiterKeys {
		k.forgetFull(now)
	}
	if len(k.buckets) >= maxLimiterKeys {
		return nil
	}
	b = rate.NewLimiter(rate.Every(k.limit.Every), k.limit.Burst)
	k.buckets[key] = b
	return b
}

// forgetFull drops buckets that have refilled: they behave exactly like
// new ones.
func (k *keyedLimiter) forgetFull(now time.Time) {
	for key, b := range k.buckets {
		if b.TokensAt(now) >= float64(k.limit.Burst) {
			delete(k.buckets, key)
		}
	}
}
