package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"sync/atomic"
	"time"
)

// Figures for monitoring. The store keeps them as plain numbers, cheap to
// keep up on the writer's path (a few atomic adds per group) and read on
// demand; turning them into metrics is the job of whoever serves them
// (internal/metrics), so the store stays free of any metrics library.

// Bounds of the writer's histograms.
var (
	// groupSizeBounds are upper bounds of writes per group: powers of two
	// up to MaxGroupSize.
	groupSizeBounds = []int64{1, 2, 4, 8, 16, 32, 64, 128, MaxGroupSize}
	// commitTimeBounds are upper bounds of a COMMIT's time, fsync
	// included: from a fast SSD's half millisecond to a choking disk's
	// ten seconds.
	commitTimeBounds = []int64{
		int64(500 * time.Microsecond), int64(time.Millisecond), int64(2500 * time.Microsecond),
		int64(5 * time.Millisecond), int64(10 * time.Millisecond), int64(25 * time.Millisecond),
		int64(50 * time.Millisecond), int64(100 * time.Millisecond), int64(250 * time.Millisecond),
		int64(500 * time.Millisecond), int64(time.Second), int64(2500 * time.Millisecond),
		int64(5 * time.Second), int64(10 * time.Second),
	}
)

// WriterStats is what the writer has done since Open, and what waits for
// it now.
type WriterStats struct {
	Commits uint64        // transactions committed
	Writes  uint64        // writes served, committed or not
	Busy    time.Duration // time spent serving groups, commits included
	// Statements is how many statements the writer ran, BEGIN and COMMIT
	// among them: on PostgreSQL, each a round trip.
	Statements uint64
	// Queued is how many writes wait in the queue for the writer now.
	// The queue holds a few groups' worth; callers past that wait to
	// join it and are not counted.
	Queued int
	// GroupSizes is the distribution of writes per group served: its
	// Count is the groups, its Sum the writes.
	GroupSizes Histogram
	// CommitSeconds is the distribution of the time each COMMIT took,
	// fsync included, in seconds; failed commits too.
	CommitSeconds Histogram
}

// WriterStats returns what the writer has done since Open; benchmarks
// read it to tell how busy the one writer is and how writes share
// commits, and monitoring to tell how it copes.
func (db *DB) WriterStats() WriterStats {
	return WriterStats{
		Commits:       db.commits.Load(),
		Writes:        db.writes.Load(),
		Busy:          time.Duration(db.writerBusy.Load()),
		Statements:    db.writerStatements(),
		Queued:        len(db.queue),
		GroupSizes:    db.groupSizes.snapshot(1),
		CommitSeconds: db.commitTimes.snapshot(1 / float64(time.Second)),
	}
}

// Histogram is a snapshot of a distribution in Prometheus' shape:
// Buckets[i] counts the observations at most Bounds[i] (so it counts
// those of Buckets[i-1] too), and Count counts them all, including those
// above the last bound.
type Histogram struct {
	Bounds  []float64
	Buckets []uint64
	Count   uint64
	Sum     float64
}

// histogram counts whole-number observations (writes, nanoseconds) into
// buckets. One goroutine observes while others take snapshots: every
// figure is an atomic, and a snapshot may miss the observation under way.
type histogram struct {
	bounds []int64 // ascending
	// counts[i] counts observations in (bounds[i-1], bounds[i]]; the
	// last counts those above every bound.
	counts []atomic.Uint64
	sum    atomic.Int64
}

func newHistogram(bounds []int64) *histogram {
	return &histogram{bounds: bounds, counts: make([]atomic.Uint64, len(bounds)+1)}
}

func (h *histogram) observe(v int64) {
	i, _ := slices.BinarySearch(h.bounds, v) // the first bound ≥ v
	h.counts[i].Add(1)
	h.sum.Add(v)
}

// snapshot returns the distribution, its bounds and sum multiplied by
// scale (e.g. nanoseconds to seconds).
func (h *histogram) snapshot(scale float64) Histogram {
	s := Histogram{Bounds: make([]float64, len(h.bounds)), Buckets: make([]uint64, len(h.bounds))}
	var n uint64
	for i, b := range h.bounds {
		n += h.counts[i].Load()
		s.Bounds[i], s.Buckets[i] = float64(b)*scale, n
	}
	s.Count = n + h.counts[len(h.bounds)].Load()
	s.Sum = float64(h.sum.Load()) * scale
	return s
}

// FileSizes are the sizes of the database's files on disk, in bytes.
type FileSizes struct {
	Database int64 // the database file
	WAL      int64 // its write-ahead log, 0 if there is none
}

// FileSizes returns the sizes of the database's files; two stats, cheap
// enough for every scrape.
func (db *DB) FileSizes() (FileSizes, error) {
	var s FileSizes
	fi, err := os.Stat(db.path)
	if err != nil {
		return s, fmt.Errorf("store: size of database: %w", err)
	}
	s.Database = fi.Size()
	fi, err = os.Stat(db.path + "-wal")
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return s, fmt.Errorf("store: size of write-ahead log: %w", err)
	default:
		s.WAL = fi.Size()
	}
	return s, nil
}

// PhotoUsage is how many photos are complete and how many bytes they hold.
type PhotoUsage struct {
	Photos int64
	// Bytes adds up the complete photos' sizes. Identical content is
	// stored once, so the photo folder may hold less.
	Bytes int64
}

// PhotoUsage counts the complete photos and adds up their sizes. It reads
// every photo's row (0.3 s for three million, from the page cache), so a
// monitor should not ask on every scrape.
func (db *DB) PhotoUsage(ctx context.Context) (PhotoUsage, error) {
	var u PhotoUsage
	err := db.Read(ctx, func(tx *sql.Tx) error {
		return tx.QueryRow("SELECT count(*), coalesce(sum(size), 0) FROM photos WHERE complete = 1").Scan(&u.Photos, &u.Bytes)
	})
	if err != nil {
		return u, fmt.Errorf("store: photo usage: %w", err)
	}
	return u, nil
}
