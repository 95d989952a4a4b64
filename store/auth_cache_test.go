package store

import (
	"testing"
	"time"

	"github.com/gridinspect/gridinspect"
)

func testEntry() *authEntry {
	return &authEntry{user: &gridinspect.User{ID: newID()}, expiresAt: t0.Add(time.Hour), lastUsed: t0, loadedAt: t0}
}

func TestAuthCache_IsBounded(t *testing.T) {
	var c authCache
	for i := range authCacheSize + 10 {
		c.put(c.generation(), itoa(i), testEntry())
	}
	if n := c.len(); n != authCacheSize {
		t.Errorf("cache holds %d entries, want %d", n, authCacheSize)
	}
	// Replacing an entry of a full cache evicts nothing.
	c.put(c.generation(), itoa(authCacheSize+9), testEntry())
	if n := c.len(); n != authCacheSize {
		t.Errorf("cache holds %d entries, want %d", n, authCacheSize)
	}
}

func TestAuthCache_EntryReadBeforeAClearIsNotKept(t *testing.T) {
	var c authCache
	gen := c.generation()
	c.clear() // a write committed while the entry was being read
	c.put(gen, "t", testEntry())
	if _, _, ok := c.get("t", t0, 0); ok {
		t.Error("an entry read before a clear was cached after it")
	}
	c.put(c.generation(), "t", testEntry())
	if _, _, ok := c.get("t", t0, 0); !ok {
		t.Error("an entry read after the clear was not cached")
	}
}

func TestAuthCache_EntriesAgeOutAndExpire(t *testing.T) {
	tests := []struct {
		name string
		at   time.Time
		hit  bool
	}{
		{"fresh", t0.Add(authCacheMaxAge - time.Nanosecond), true},
		{"too old", t0.Add(authCacheMaxAge), false},
		{"clock went back", t0.Add(-time.Nanosecond), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c authCache
			c.put(c.generation(), "t", testEntry())
			if _, _, got := c.get("t", tt.at, 0); got != tt.hit {
				t.Errorf("hit = %v, want %v", got, tt.hit)
			}
		})
	}
	var c authCache
	e := testEntry()
	e.expiresAt = t0.Add(time.Second)
	c.put(c.generation(), "t", e)
	if _, _, ok := c.get("t", t0.Add(time.Second), 0); ok {
		t.Error("an expired entry was served")
	}
}
