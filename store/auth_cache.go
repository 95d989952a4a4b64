package store

import (
	"sync"
	"time"

	"github.com/gridinspect/gridinspect"
)

// The authentication cache. Authenticate runs on every RPC, so the tokens
// it has accepted are kept in memory by token id. An entry holds what the
// database said when it was read; it is dropped
//   - by any committed write that changes what Authenticate would answer
//     (a revocation, a disabled user, a change of role or grids): the
//     whole cache is cleared in an AfterCommit hook, before the writer
//     answers, so the very next call reads the database again;
//   - on PostgreSQL, when its street's auth epoch is no longer the one
//     it was read with: another server made such a change (epochs.go);
//   - when it is older than authCacheMaxAge, so that even a change made
//     behind the store's back (by hand, with sqlite3) takes hold soon.
// Expiry is checked against the clock at every use, cached or not.

// Cache bounds.
const (
	// authCacheSize bounds the number of cached tokens. When it is full
	// an arbitrary entry makes room: a miss costs one indexed read.
	authCacheSize = 10_000

	// authCacheMaxAge is how long an entry is trusted without reading the
	// database again.
	authCacheMaxAge = time.Minute
)

// authEntry is a live token as last read, with its user.
type authEntry struct {
	user      *gridinspect.User
	deviceID  string
	expiresAt time.Time
	lastUsed  time.Time // as stored, or as last scheduled to be stored
	loadedAt  time.Time
	epoch     int64 // the auth epoch it was read with (epochs.go)
}

// authCache maps token ids to entries. gen counts clears, so that an
// entry read from a snapshot older than a clear is not put back after it.
type authCache struct {
	mu      sync.Mutex
	gen     uint64
	entries map[string]*authEntry
}

// generation returns the current generation; take it before reading the
// database, and give it to put.
func (c *authCache) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// street returns the street of token id's cached entry, if there is one:
// the street whose auth epoch the entry is checked against.
func (c *authCache) street(id string) (int64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.entries[id]
	if e == nil {
		return 0, false
	}
	return e.user.StreetID, true
}

// get returns the actor of token id at now if its entry is cached, still
// fresh, read at epoch and not expired, with whether the token's use is due to be
// recorded (see use).
func (c *authCache) get(id string, now time.Time, epoch int64) (a *gridinspect.Actor, recordUse, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.entries[id]
	if e == nil {
		return nil, false, false
	}
	if !now.Before(e.expiresAt) || now.Sub(e.loadedAt) >= authCacheMaxAge || now.Before(e.loadedAt) || e.epoch != epoch {
		delete(c.entries, id)
		return nil, false, false
	}
	a, recordUse = e.use(id, now)
	return a, recordUse, true
}

// put caches e under id, unless the cache was cleared since gen: then e
// may come from a snapshot older than the change that cleared it.
func (c *authCache) put(gen uint64, id string, e *authEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if c.entries == nil {
		c.entries = make(map[string]*authEntry)
	}
	if _, ok := c.entries[id]; !ok && len(c.entries) >= authCacheSize {
		for k := range c.entries {
			delete(c.entries, k)
			break
		}
	}
	c.entries[id] = e
}

// use returns the actor of e for token id at now, and whether the
// token's last use is due to be recorded; if it is, e takes now as its
// last use, so that of concurrent callers only one records it. The caller
// holds the cache's lock, or e is not in the cache.
func (e *authEntry) use(id string, now time.Time) (a *gridinspect.Actor, recordUse bool) {
	if now.Sub(e.lastUsed) >= LastUsedInterval {
		e.lastUsed = now
		recordUse = true
	}
	return e.user.Actor(e.deviceID, id), recordUse
}

// clear drops every entry.
func (c *authCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	clear(c.entries)
}

// len returns the number of cached entries.
func (c *authCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}
