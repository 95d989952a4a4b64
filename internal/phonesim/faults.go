package phonesim

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/stats"
	"google.golang.org/grpc/status"
)

// The bad link at night: what is injected, and how a phone retries.
const (
	// maxCutDelay bounds how long after its request went out a cut call is
	// cancelled: long enough that the server has sometimes applied the
	// batch, short enough that it sometimes has not.
	maxCutDelay = 15 * time.Millisecond
	// maxInjectedPerOp bounds the faults injected into one push or upload,
	// so that a high --fault-rate still lets it through in the end.
	maxInjectedPerOp = 3

	// Backoff between attempts after a real failure (the server gone, say).
	minBackoff = 50 * time.Millisecond
	maxBackoff = 1 * time.Second
	// injectedBackoff is the pause after an injected fault: the phone
	// notices the broken link and tries again at once.
	injectedBackoff = 5 * time.Millisecond
	// maxAttempts bounds the attempts of one call; with maxBackoff that is
	// several minutes of the server being away.
	maxAttempts = 300
	// maxServerErrors bounds INTERNAL and UNKNOWN answers to one call: they
	// are retried (a server restarting may answer them), but not for ever.
	maxServerErrors = 5
	// attemptTimeout bounds one attempt of a call.
	attemptTimeout = 60 * time.Second
)

// errInjected marks an attempt the simulator broke on purpose.
var errInjected = errors.New("injected fault")

// sentKey is the context key of the function a call's request going out
// fires.
type sentKey struct{}

// sendWatch is a stats handler that tells a call, when it asked through
// its context, that its request has been written to the connection: the
// moment after which cutting the call leaves the phone not knowing whether
// the server applied it.
type sendWatch struct{}

func (sendWatch) TagRPC(ctx context.Context, _ *stats.RPCTagInfo) context.Context { return ctx }

func (sendWatch) HandleRPC(ctx context.Context, s stats.RPCStats) {
	if _, ok := s.(*stats.OutPayload); !ok || !s.IsClient() {
		return
	}
	if fire, ok := ctx.Value(sentKey{}).(func()); ok {
		fire()
	}
}

func (sendWatch) TagConn(ctx context.Context, _ *stats.ConnTagInfo) context.Context { return ctx }

func (sendWatch) HandleConn(context.Context, stats.ConnStats) {}

// cutAfterSend returns a context that is cancelled delay after the call
// made with it has sent its request.
func cutAfterSend(ctx context.Context, delay time.Duration) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(ctx)
	var once sync.Once
	fire := func() { once.Do(func() { time.AfterFunc(delay, cancel) }) }
	return context.WithValue(ctx, sentKey{}, fire), cancel
}

// faults decides, for one phone, where the link breaks. Its choices come
// from the seed; when they strike depends on timing.
type faults struct {
	rate float64
	mu   sync.Mutex
	rng  *rand.Rand
}

func newFaults(rate float64, seed uint64, device int) *faults {
	return &faults{rate: rate, rng: rand.New(rand.NewPCG(seed, uint64(device)<<32|0xfa))}
}

// strike reports whether a fault of a kind that strikes with probability
// rate*share happens now.
func (f *faults) strike(share float64) bool {
	if f.rate <= 0 {
		return false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.rng.Float64() < f.rate*share
}

// intN returns a number in [0, n).
func (f *faults) intN(n int) int {
	if n <= 1 {
		return 0
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.rng.IntN(n)
}

// delay returns a random duration in [0, max].
func (f *faults) delay(max time.Duration) time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return time.Duration(f.rng.Int64N(int64(max) + 1))
}

// How the injected faults share --fault-rate.
const (
	shareCutPush       = 1.0 // of pushes: the answer is lost
	shareDuplicateSend = 0.5 // of acknowledged batches: sent again
	shareTwinSend      = 0.5 // of duplicate sends: both copies at once
	shareCutUpload     = 1.0 // of upload attempts: the stream is cut
	shareWrongOffset   = 0.5 // of upload attempts: resumed from a wrong offset first
)

// errorKind is what a phone does about a failed call.
type errorKind int

const (
	errRetry   errorKind = iota // the link or the server went away: try again
	errServer                   // INTERNAL or UNKNOWN: try again, a few times
	errRelogin                  // the token is not (or no longer) known: log in again
	errFatal                    // anything else: the phone gives up
)

func classify(err error) errorKind {
	if errors.Is(err, errInjected) || errors.Is(err, errResume) {
		return errRetry
	}
	switch status.Code(err) {
	case codes.Unavailable, codes.DeadlineExceeded, codes.Canceled, codes.ResourceExhausted, codes.Aborted:
		return errRetry
	case codes.Internal, codes.Unknown:
		return errServer
	case codes.Unauthenticated:
		return errRelogin
	}
	return errFatal
}

// retrier runs a call until it succeeds, with backoff, within bounds.
type retrier struct {
	t       *tally
	jitter  *faults
	relogin func(context.Context) error // nil: an UNAUTHENTICATED answer is fatal
	// login marks the retrier of logins: its waits for the server's login
	// rate limit are long and not counted as retries of the sync.
	login bool
}

// loginBackoff is the pause after a login refused as too many: the
// server lets an address log in once every few seconds past a burst.
const loginBackoff = 3 * time.Second

// do calls fn until it returns nil, a fatal error, or the bounds run out.
// Every attempt after the first counts as a retry.
func (r *retrier) do(ctx context.Context, what string, fn func(ctx context.Context) error) error {
	backoff := minBackoff
	serverErrors, relogins := 0, 0
	for attempt := 1; ; attempt++ {
		err := fn(ctx)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("%s: %w (last error: %v)", what, ctx.Err(), err)
		}
		pause := backoff
		switch classify(err) {
		case errFatal:
			return fmt.Errorf("%s: %w", what, err)
		case errServer:
			r.t.serverErrors.Add(1)
			if serverErrors++; serverErrors > maxServerErrors {
				return fmt.Errorf("%s: %d server errors in a row: %w", what, serverErrors, err)
			}
			backoff = min(2*backoff, maxBackoff)
		case errRelogin:
			if r.relogin == nil || relogins >= 2 {
				return fmt.Errorf("%s: %w", what, err)
			}
			relogins++
			r.t.relogins.Add(1)
			if lerr := r.relogin(ctx); lerr != nil {
				return fmt.Errorf("%s: log in again: %w", what, lerr)
			}
			pause = 0
		case errRetry:
			switch {
			case errors.Is(err, errInjected) || errors.Is(err, errResume):
				pause = injectedBackoff
			case r.login && status.Code(err) == codes.ResourceExhausted:
				pause = loginBackoff
			case retryAfter(err) > 0:
				// Past the per-user limit: the server says when the next
				// call is served. The jitter below waits half to all of
				// pause, so this waits between that and twice it.
				pause = 2 * retryAfter(err)
			default:
				backoff = min(2*backoff, maxBackoff)
			}
		}
		if attempt >= maxAttempts {
			return fmt.Errorf("%s: gave up after %d attempts: %w", what, attempt, err)
		}
		if !r.login {
			r.t.retries.Add(1)
		}
		r.t.logRetry(what, attempt, err)
		if pause > 0 {
			// Full jitter, so phones that lost the server together do not
			// all come back in the same millisecond.
			pause = pause/2 + r.jitter.delay(pause/2)
			select {
			case <-ctx.Done():
				return fmt.Errorf("%s: %w (last error: %v)", what, ctx.Err(), err)
			case <-time.After(pause):
			}
		}
	}
}

// retryAfter returns the delay a refusal's google.rpc.RetryInfo asks for,
// or 0.
func retryAfter(err error) time.Duration {
	st, ok := status.FromError(err)
	if !ok || st.Code() != codes.ResourceExhausted {
		return 0
	}
	for _, d := range st.Details() {
		if ri, ok := d.(*errdetails.RetryInfo); ok {
			return ri.GetRetryDelay().AsDuration()
		}
	}
	return 0
}
