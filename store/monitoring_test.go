package store

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"
)

func TestHistogram_CountsEachObservationInTheFirstBucketThatHoldsIt(t *testing.T) {
	for _, c := range []struct {
		observe []int64
		buckets []uint64 // cumulative, for bounds 1, 2, 4
		count   uint64
		sum     float64
	}{
		{nil, []uint64{0, 0, 0}, 0, 0},
		{[]int64{1}, []uint64{1, 1, 1}, 1, 1},
		{[]int64{2}, []uint64{0, 1, 1}, 1, 2}, // a bound holds its own value
		{[]int64{3}, []uint64{0, 0, 1}, 1, 3},
		{[]int64{5}, []uint64{0, 0, 0}, 1, 5}, // above every bound: counted, in no bucket
		{[]int64{0, 1, 2, 3, 4, 5, 100}, []uint64{2, 3, 5}, 7, 115},
	} {
		h := newHistogram([]int64{1, 2, 4})
		for _, v := range c.observe {
			h.observe(v)
		}
		s := h.snapshot(1)
		if !slices.Equal(s.Bounds, []float64{1, 2, 4}) || !slices.Equal(s.Buckets, c.buckets) || s.Count != c.count || s.Sum != c.sum {
			t.Errorf("observe %v: %+v, want buckets %v, count %d, sum %v", c.observe, s, c.buckets, c.count, c.sum)
		}
	}
}

func TestHistogram_ScalesBoundsAndSum(t *testing.T) {
	h := newHistogram([]int64{int64(time.Millisecond), int64(time.Second)})
	h.observe(int64(3 * time.Millisecond))
	s := h.snapshot(1 / float64(time.Second))
	if !slices.Equal(s.Bounds, []float64{0.001, 1}) || !slices.Equal(s.Buckets, []uint64{0, 1}) || s.Sum != 0.003 {
		t.Errorf("snapshot = %+v, want bounds [0.001 1] s, buckets [0 1], sum 0.003 s", s)
	}
}

// A monitor reads how the one writer copes: how many writes share each
// commit, how long each COMMIT takes, and what waits for it.
func TestWriterStats_TellGroupSizesCommitTimesAndTheQueue(t *testing.T) {
	db := MustOpenDB(t)
	mustStreet(t, db)
	before := db.WriterStats()

	const n = 20
	release := holdWriter(t, db.DB)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			if err := db.Write(context.Background(), func(*Tx) error { return nil }); err != nil {
				t.Error(err)
			}
		})
	}
	waitQueued(t, db.DB, n)
	if q := db.WriterStats().Queued; q != n {
		t.Errorf("with %d writes behind a held one: Queued = %d, want %d", n, q, n)
	}
	release()
	wg.Wait()

	s := db.WriterStats()
	groups := s.GroupSizes.Count - before.GroupSizes.Count
	if writes := s.GroupSizes.Sum - before.GroupSizes.Sum; writes != n+1 || uint64(writes) != s.Writes-before.Writes {
		t.Errorf("group sizes add up to %v writes, Writes grew by %d; want %d each (the held write and those queued)",
			writes, s.Writes-before.Writes, n+1)
	}
	if groups < 2 || groups > 1+n/MaxGroupSize+1 {
		t.Errorf("%d groups; want the held write's, then the %d queued behind it in one", groups, n)
	}
	if last := s.GroupSizes.Buckets[len(s.GroupSizes.Buckets)-1]; last != s.GroupSizes.Count {
		t.Errorf("%d groups within the largest bound %v, of %d; want all", last, s.GroupSizes.Bounds[len(s.GroupSizes.Bounds)-1], s.GroupSizes.Count)
	}
	// The writes did nothing: with no change to make durable, SQLite's
	// COMMIT still ends the transaction, and is timed.
	commits := s.CommitSeconds.Count - before.CommitSeconds.Count
	if commits != s.Commits-before.Commits || commits != groups {
		t.Errorf("%d COMMITs timed, %d commits, %d groups; want them equal", commits, s.Commits-before.Commits, groups)
	}
	if s.CommitSeconds.Sum <= before.CommitSeconds.Sum || s.CommitSeconds.Sum > 60 {
		t.Errorf("commit seconds went from %v to %v; want a little more", before.CommitSeconds.Sum, s.CommitSeconds.Sum)
	}
	if s.Queued != 0 {
		t.Errorf("with every write answered: Queued = %d, want 0", s.Queued)
	}
}

func TestFileSizes_AreTheDatabaseAndItsLog(t *testing.T) {
	onlyOn(t, "sqlite") // the SQLite file and its WAL
	db := MustOpenDB(t)
	mustStreet(t, db)
	s, err := db.FileSizes()
	if err != nil {
		t.Fatal(err)
	}
	// Nothing has been checkpointed: what was written is in the log, and
	// the database file holds at least its header page.
	if s.Database < 512 || s.WAL <= 0 {
		t.Errorf("file sizes = %+v, want a database file and a write-ahead log", s)
	}
}

func TestPhotoUsage_CountsCompletePhotosOnly(t *testing.T) {
	db := MustOpenDB(t)
	mustStreet(t, db)
	ctx := as(worker(gridA))
	r := mustSubmit(t, db, ctx, newReport(inA))
	want := func(photos, bytes int64) {
		t.Helper()
		u, err := db.PhotoUsage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if u.Photos != photos || u.Bytes != bytes {
			t.Errorf("photo usage = %+v, want %d photos of %d bytes", u, photos, bytes)
		}
	}
	want(0, 0)
	a, b := photoBytes(1, 3000), photoBytes(2, 5000)
	mustUpload(t, db, ctx, photoOf(r.ID, a), a, 1000)
	half := photoOf(r.ID, b)
	mustBegin(t, db, ctx, half)
	mustWrite(t, db, ctx, half.ID, 0, b[:2500])
	want(1, 3000) // the half-sent photo is not counted
	mustWrite(t, db, ctx, half.ID, 2500, b[2500:])
	want(2, 8000)
}
