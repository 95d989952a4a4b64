package main

import (
	"context"
	"crypto/sha256"
	"os"
	"path/filepath"
	"testing"
)

// TestStoringSinkKeepsEveryBurstPhotoWhole: the storing sink, the
// yardstick the burst is held against, writes every photo of the burst,
// each with content of its own, whole.
func TestStoringSinkKeepsEveryBurstPhotoWhole(t *testing.T) {
	photos := newBurstPhotos([]int64{40 << 10, 100<<10 + 7, 16, 40 << 10, 70 << 10})
	dir := filepath.Join(t.TempDir(), "sink")
	if _, err := sinkBurst(context.Background(), dir, 2, photos, 32<<10); err != nil {
		t.Fatal(err)
	}
	want := map[[sha256.Size]byte]bool{}
	for _, sum := range photos.sums {
		want[sum] = true
	}
	if len(want) != len(photos.sums) {
		t.Errorf("%d photos have %d distinct contents, want each its own", len(photos.sums), len(want))
	}
	files, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(photos.sums) {
		t.Fatalf("the sink holds %d files, want %d", len(files), len(photos.sums))
	}
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(dir, f.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if !want[sha256.Sum256(b)] {
			t.Errorf("file %s (%d bytes) is none of the photos", f.Name(), len(b))
		}
	}
}
