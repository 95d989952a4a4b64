package main

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestDayOverA3GLinkWithResets syncs a small day of two phones through
// the 3g preset with every connection cut after 150 KB: the verdict is OK
// (nothing lost, nothing duplicated, no committed photo bytes gone back),
// the bytes counted at the link are at least the photos' own, cut
// uploads resume from the bytes the server holds, and none goes back to
// its first byte after more than its first chunk went out.
func TestDayOverA3GLinkWithResets(t *testing.T) {
	line, errs := simulateOK(t, "--devices", "2", "--reports-per-device", "3", "--patrols-per-device", "1",
		"--photos-per-report", "1", "--batch", "10", "--fault-rate", "0", "--seed", "3", "--timeout", "90s",
		"--link", "3g", "--link-reset-every", "150KB", "--verbose")
	t.Log(errs) // each resumed upload, and from where
	wires := regexp.MustCompile(`(?m)^gridsim: link=3g device=\d+ .*$`).FindAllString(line, -1)
	if len(wires) != 2 {
		t.Fatalf("%d per-phone link lines, want 2:\n%s", len(wires), line)
	}
	field := func(l, name string) int64 {
		m := regexp.MustCompile(`[ (]` + name + `=(\d+)`).FindStringSubmatch(l)
		if m == nil {
			t.Fatalf("no %s= in %q", name, l)
		}
		n, _ := strconv.ParseInt(m[1], 10, 64)
		return n
	}
	resumed := int64(0)
	for _, l := range wires {
		if sent, photos := field(l, "sent"), field(l, "photos"); photos == 0 || sent < photos {
			t.Errorf("sent %d bytes on the wire for %d bytes of photos: %s", sent, photos, l)
		}
		if field(l, "connections") < 2 {
			t.Errorf("no connection was cut at 150 KB: %s", l)
		}
		resumed += field(l, "photos-resumed")
		// A photo never goes back to its first byte once more than its
		// first chunk has gone out: that chunk goes alone, and after its
		// answer every cut resumes from what the server holds.
		if n := field(l, "photos-restarted"); n != 0 {
			t.Errorf("%d photos sent again from their first byte after more than their first chunk: %s", n, l)
		}
	}
	// A cut that falls inside a photo the server holds part of must go on
	// from there (the verdict's regressions say it never went back).
	if resumed == 0 {
		t.Errorf("no photo upload resumed mid-photo after a cut:\n%s", line)
	}
	if !strings.Contains(line, " missing=0 duplicated=0 ") {
		t.Errorf("verdict %s", line)
	}
}
