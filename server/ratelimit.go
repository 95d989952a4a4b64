package server

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// LoginLimits bound login attempts, per username and per remote address,
// so that passwords cannot be guessed at speed. Every attempt counts,
// whether the user exists or not, so the limit says nothing about which
// usernames exist.
type LoginLimits struct {
	PerUsername Limit
	PerAddress  Limit
}

// Limit is a token bucket: Burst attempts at once, then one every Every.
type Limit struct {
	Burst int
	Every time.Duration
}

// DefaultLoginLimits allow a user five tries, then one a minute; and an
// address (many phones may share one behind a carrier's NAT) twenty, then
// one every three seconds.
var DefaultLoginLimits = LoginLimits{
	PerUsername: Limit{Burst: 5, Every: time.Minute},
	PerAddress:  Limit{Burst: 20, Every: 3 * time.Second},
}

// maxLimiterKeys bounds the memory a flood of made-up usernames can take.
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

// allow takes one token from key's bucket at now, reporting whether there
// was one.
func (k *keyedLimiter) allow(key string, now time.Time) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	b, ok := k.buckets[key]
	if !ok {
		if len(k.buckets) >= maxLimiterKeys {
			k.forgetFull(now)
		}
		if len(k.buckets) >= maxLimiterKeys {
			return false // still full of live buckets: a flood; refuse until some refill
		}
		b = rate.NewLimiter(rate.Every(k.limit.Every), k.limit.Burst)
		k.buckets[key] = b
	}
	return b.AllowN(now, 1)
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
