package server

import (
	"fmt"
	"testing"
	"time"
)

func TestLoginLimiter_KeepsBucketsOnlyForFailuresAndAtMostMaxKeys(t *testing.T) {
	l := newLoginLimiter(DefaultLoginLimits)
	sizes := func() [4]int {
		return [4]int{len(l.perUsername.buckets), len(l.perAddress.buckets), len(l.perUsernameAll.buckets), len(l.perDevice.buckets)}
	}
	now := time.Date(2024, 3, 15, 9, 0, 0, 0, time.UTC)

	// Successes leave nothing behind.
	for i := range 1000 {
		c, ok := l.admit(now, fmt.Sprintf("worker%d", i), "10.0.0.1", "")
		if !ok {
			t.Fatalf("success %d refused", i)
		}
		c.giveBack(now)
	}
	if got := sizes(); got != [4]int{} {
		t.Fatalf("buckets after successes only: %v, want none", got)
	}

	// A flood of failures under made-up names from made-up addresses: no
	// map grows past maxLimiterKeys; past it, new keys are refused.
	admitted := 0
	for i := range maxLimiterKeys + 100 {
		if _, ok := l.admit(now, fmt.Sprintf("nobody%d", i), fmt.Sprintf("10.%d.%d.%d", i>>16, i>>8&255, i&255), ""); ok {
			admitted++
		}
	}
	if admitted != maxLimiterKeys {
		t.Errorf("admitted %d failures under new keys, want %d", admitted, maxLimiterKeys)
	}
	for i, n := range sizes() {
		if n > maxLimiterKeys {
			t.Errorf("map %d holds %d buckets, more than %d", i, n, maxLimiterKeys)
		}
	}

	// Once they have refilled, the old buckets give way to new keys.
	now = now.Add(time.Hour)
	if _, ok := l.admit(now, "someone", "10.200.0.1", ""); !ok {
		t.Error("a new key refused after every bucket refilled")
	}
	if got := sizes(); got != [4]int{1, 1, 1, 0} {
		t.Errorf("buckets after the refill: %v, want the new attempt's only", got)
	}
}
