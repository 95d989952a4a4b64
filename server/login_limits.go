package server

import (
	"sync"
	"time"
)

// loginLimiter applies LoginLimits. It uses the server's clock, so tests
// can move it.
type loginLimiter struct {
	mu sync.Mutex
	// perUsername is keyed by username and address; perDevice by
	// username and the device id a token proved.
	perUsername, perAddress, perUsernameAll, perDevice *failureBuckets
}

func newLoginLimiter(l LoginLimits) *loginLimiter {
	return &loginLimiter{
		perUsername:    newFailureBuckets(l.PerUsername),
		perAddress:     newFailureBuckets(l.PerAddress),
		perUsernameAll: newFailureBuckets(l.PerUsernameAllAddresses),
		perDevice:      newFailureBuckets(l.PerUsername),
	}
}

// maxUsernameKeyBytes bounds the username in a limiter's key: no account
// has a longer one (32 ASCII characters at most), and a Login request may
// carry megabytes.
const maxUsernameKeyBytes = 64

// loginCharge is what one login attempt took from the buckets.
type loginCharge struct {
	l    *loginLimiter
	took []bucketKey
}

// bucketKey names one bucket.
type bucketKey struct {
	f   *failureBuckets
	key string
}

// admit takes, at now, a token of every bucket a login attempt is checked
// against — or none, and reports false, when one of them is empty.
// username is folded; knownDevice is the device id a token proved the user
// logged in on before, or "". A known device is checked against its own
// bucket alone; any other attempt against its address, its username from
// that address, and its username from everywhere.
func (l *loginLimiter) admit(now time.Time, username, address, knownDevice string) (*loginCharge, bool) {
	username = username[:min(len(username), maxUsernameKeyBytes)]
	var keys []bucketKey
	if knownDevice != "" {
		keys = []bucketKey{{l.perDevice, username + "\x00" + knownDevice}}
	} else {
		keys = []bucketKey{
			{l.perAddress, address},
			{l.perUsername, username + "\x00" + address},
			{l.perUsernameAll, username},
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	c := &loginCharge{l: l}
	for _, k := range keys {
		if !k.f.take(k.key, now) {
			c.giveBackLocked(now)
			return nil, false
		}
		c.took = append(c.took, k)
	}
	return c, true
}

// giveBack returns what the attempt took: it did not fail.
func (c *loginCharge) giveBack(now time.Time) {
	c.l.mu.Lock()
	defer c.l.mu.Unlock()
	c.giveBackLocked(now)
}

func (c *loginCharge) giveBackLocked(now time.Time) {
	for _, k := range c.took {
		k.f.giveBack(k.key, now)
	}
	c.took = nil
}

// failureBuckets keeps one token bucket per key for one Limit: a failure
// takes a token, and time gives them back. A key without a bucket has a
// full one, so memory goes only to keys with failures still counted: a
// bucket that fills up again is dropped, and at most maxLimiterKeys are
// kept (past that, new keys are refused until some fill up again).
// The loginLimiter's mutex guards it.
type failureBuckets struct {
	limit      Limit
	buckets    map[string]*failureBucket
	lastForgot time.Time
}

// failureBucket holds tokens as of at.
type failureBucket struct {
	tokens float64
	at     time.Time
}

func newFailureBuckets(l Limit) *failureBuckets {
	return &failureBuckets{limit: l, buckets: make(map[string]*failureBucket)}
}

// forgetEvery is how often, at most, a full map is searched for buckets
// that filled up, so that a flood of new keys costs a search a second, not
// one per attempt.
const forgetEvery = time.Second

// level is b's tokens at now.
func (f *failureBuckets) level(b *failureBucket, now time.Time) float64 {
	tokens := b.tokens
	if d := now.Sub(b.at); d > 0 {
		tokens += float64(d) / float64(f.limit.Every)
	}
	return min(tokens, float64(f.limit.Burst))
}

// take takes one token of key's bucket at now, reporting whether there was
// one.
func (f *failureBuckets) take(key string, now time.Time) bool {
	if f.limit.off() {
		return true
	}
	b, ok := f.buckets[key]
	if !ok {
		if len(f.buckets) >= maxLimiterKeys && now.Sub(f.lastForgot) >= forgetEvery {
			f.forgetFull(now)
		}
		if len(f.buckets) >= maxLimiterKeys {
			return false
		}
		b = &failureBucket{tokens: float64(f.limit.Burst), at: now}
	}
	tokens := f.level(b, now)
	if tokens < 1 {
		return false
	}
	b.tokens, b.at = tokens-1, now
	f.buckets[key] = b
	return true
}

// giveBack returns a token to key's bucket.
func (f *failureBuckets) giveBack(key string, now time.Time) {
	b, ok := f.buckets[key]
	if !ok {
		return
	}
	b.tokens, b.at = f.level(b, now)+1, now
	if b.tokens >= float64(f.limit.Burst) {
		delete(f.buckets, key)
	}
}

// forgetFull drops the buckets that have filled up again: they behave
// exactly like missing ones.
func (f *failureBuckets) forgetFull(now time.Time) {
	f.lastForgot = now
	for key, b := range f.buckets {
		if f.level(b, now) >= float64(f.limit.Burst) {
			delete(f.buckets, key)
		}
	}
}
