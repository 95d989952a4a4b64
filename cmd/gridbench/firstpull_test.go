package main

import (
	"context"
	"io"
	"maps"
	"slices"
	"testing"

	"github.com/gridinspect/gridinspect/internal/phonelink"
)

// TestAFirstPullOn3GHoldsEveryCaseOnceAndADeltaPullJustWhatChanged: a
// worker installs the app on an empty phone and pulls its grid (about 200
// cases) over the 3g link. The phone ends up holding every case of the
// grid, each with its whole timeline, each sent once, in about as many
// bytes as the cases gzip to; its cursor then has nothing new. After
// others report and act in the grid, the next pull brings just the cases
// they changed.
func TestAFirstPullOn3GHoldsEveryCaseOnceAndADeltaPullJustWhatChanged(t *testing.T) {
	if testing.Short() {
		t.Skip("bulk-loads a street and pulls over a slow link for a few seconds")
	}
	ctx := context.Background()
	d, err := prepareData(ctx, t.TempDir(), 200*firstPullGrids, 1, false, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := inProcessStarter{}.start(ctx, d.dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.stop() })
	want, err := gridReports(d)
	if err != nil {
		t.Fatal(err)
	}
	preset := phonelink.Presets["3g"]
	link, err := phonelink.Start(srv.addr, phonelink.Config{Preset: preset})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(link.Close)
	b := &bench{log: io.Discard, res: &results{}}

	ph := &pullPhone{link: link, preset: preset, name: "test", pageSize: 1000, omitHashes: true}
	t.Cleanup(ph.close)
	first, err := ph.install(ctx, d.worker(), d.Password)
	if err != nil {
		t.Fatalf("first pull: %v", err)
	}
	if err := ph.checkHolds(ctx, want); err != nil { // every case, its timeline, and nothing new after
		t.Fatalf("first pull: %v", err)
	}
	for id, n := range ph.sends {
		if n != 1 {
			t.Errorf("case %s came %d times in the first pull, want once", id, n)
		}
	}
	// The pages are gzipped: within 1.3× of the cases' own protobuf
	// bytes, gzipped as one stream (3.3× when they came plain).
	if got := first.Sent + first.Received; float64(got) > 1.3*float64(first.LowerBound) {
		t.Errorf("the first pull took %d bytes on the wire for %d bytes of gzipped cases: more than 1.3×", got, first.LowerBound)
	}

	changed, err := b.aDayInTheGrid(ctx, srv, d, ph.reportIDs(), 6, 10)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ph.reconnectAndPull(ctx); err != nil {
		t.Fatalf("delta pull: %v", err)
	}
	if err := ph.checkDelta(changed); err != nil {
		t.Errorf("the delta pull: %v (brought %q, changed %q)", err, slices.Sorted(maps.Keys(ph.lastSends)), slices.Sorted(maps.Keys(changed)))
	}
	if err := ph.checkHolds(ctx, want+6); err != nil {
		t.Fatalf("delta pull: %v", err)
	}
}
