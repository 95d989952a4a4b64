package main

import (
	"context"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// What the storm measures on the server's side of the wire: the CPU time
// of the server process, the photo bytes it has stored as time goes on,
// and what the disk itself does with the same files.

// clockTicks is USER_HZ, the unit of /proc/<pid>/stat's times: 100 on
// every Linux architecture Go runs on.
const clockTicks = 100

// readCPU returns the user and system CPU time pid has used, from fields
// 14 and 15 of /proc/<pid>/stat.
func readCPU(pid int) (user, sys time.Duration, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, 0, err
	}
	// The command name (field 2) is in parentheses and may hold spaces:
	// count the fields after its closing one.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, 0, fmt.Errorf("/proc/%d/stat: no command name", pid)
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0, 0, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f)+2)
	}
	// f[0] is field 3 (state): utime is field 14, stime field 15.
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	s2, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, 0, fmt.Errorf("/proc/%d/stat: utime %q, stime %q", pid, f[11], f[12])
	}
	tick := time.Second / clockTicks
	return time.Duration(u) * tick, time.Duration(s2) * tick, nil
}

// storedSample is the photo bytes in the server's photo folder at a time.
type storedSample struct {
	at    time.Time
	bytes int64
}

// photoBytes sums the sizes of the files under the photo folder's
// partial/ (uploads under way, fsynced up to their committed size) and
// sha256/ (complete photos): the photo bytes the server has stored. It
// also returns the sizes of the complete files.
func photoBytes(photoDir string) (total int64, complete []int64, err error) {
	for _, sub := range []string{"partial", "sha256"} {
		err := filepath.WalkDir(filepath.Join(photoDir, sub), func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				if os.IsNotExist(err) {
					return nil // renamed into sha256/ meanwhile, or not made yet
				}
				return err
			}
			if d.IsDir() {
				return nil
			}
			info, err := d.Info()
			if err != nil {
				if os.IsNotExist(err) {
					return nil
				}
				return err
			}
			total += info.Size()
			if sub == "sha256" {
				complete = append(complete, info.Size())
			}
			return nil
		})
		if err != nil {
			return 0, nil, err
		}
	}
	return total, complete, nil
}

// watchPhotos samples photoBytes every interval until ctx ends, and
// returns the samples.
func watchPhotos(ctx context.Context, photoDir string, interval time.Duration) func() []storedSample {
	var (
		mu      sync.Mutex
		samples []storedSample
		done    = make(chan struct{})
	)
	go func() {
		defer close(done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			if n, _, err := photoBytes(photoDir); err == nil {
				mu.Lock()
				samples = append(samples, storedSample{time.Now(), n})
				mu.Unlock()
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return func() []storedSample {
		<-done
		mu.Lock()
		defer mu.Unlock()
		return samples
	}
}

// busiest returns the highest rate, in bytes per second, at which the
// stored bytes grew over any stretch of at least window between two
// samples, and that stretch's start and end.
func busiest(samples []storedSample, window time.Duration) (rate float64, from, to time.Time) {
	j := 0
	for i := range samples {
		for j < len(samples) && samples[j].at.Sub(samples[i].at) < window {
			j++
		}
		if j == len(samples) {
			break
		}
		d := samples[j].at.Sub(samples[i].at).Seconds()
		if r := float64(samples[j].bytes-samples[i].bytes) / d; r > rate {
			rate, from, to = r, samples[i].at, samples[j].at
		}
	}
	return rate, from, to
}

// bareWrite is the disk's own figure: writers goroutines write the files
// of sizes into dir — each file created, written whole, fsynced and
// closed, as the simplest durable store of a photo does — and it returns
// the time from the first byte to the last fsync. The content is random,
// so that no layer below can compress it. The files are left for the
// caller to remove once nothing else is timed: on ext4 without a journal
// (this machine's), an inode freed in the last minute or so is passed
// over by the next file created (recently_deleted), at the cost of a
// look at it, so a thousand files removed just before the burst made
// each of its new files cost a scan of them.
func bareWrite(ctx context.Context, dir string, sizes []int64, writers int) (time.Duration, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return 0, err
	}
	var largest int64
	for _, s := range sizes {
		largest = max(largest, s)
	}
	content := make([]byte, largest)
	_, _ = rand.NewChaCha8([32]byte{1}).Read(content)
	next := make(chan int, len(sizes))
	for i := range sizes {
		next <- i
	}
	close(next)
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	t0 := time.Now()
	for range max(writers, 1) {
		wg.Go(func() {
			for i := range next {
				if ctx.Err() != nil {
					return
				}
				err := writeSynced(filepath.Join(dir, strconv.Itoa(i)), content[:sizes[i]])
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					return
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(t0)
	if firstErr == nil {
		firstErr = ctx.Err()
	}
	return elapsed, firstErr
}

// writeSynced creates path, writes b, fsyncs and closes it.
func writeSynced(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// procSample is the server process's RSS and CPU time at a moment.
type procSample struct {
	at        time.Time
	rss       int64
	user, sys time.Duration
}

// watchProcess samples pid's RSS and CPU time every interval until ctx
// ends, and returns the samples; pid 0 samples nothing.
func watchProcess(ctx context.Context, pid int, interval time.Duration) func() []procSample {
	var (
		samples []procSample
		done    = make(chan struct{})
	)
	if pid == 0 {
		close(done)
	} else {
		go func() {
			defer close(done)
			t := time.NewTicker(interval)
			defer t.Stop()
			for {
				rss, _, err1 := readMemory(pid)
				u, s, err2 := readCPU(pid)
				if err1 == nil && err2 == nil {
					samples = append(samples, procSample{time.Now(), rss, u, s})
				}
				select {
				case <-ctx.Done():
					return
				case <-t.C:
				}
			}
		}()
	}
	return func() []procSample {
		<-done
		return samples
	}
}

// processUntil is the peak RSS over the samples up to end, and the CPU
// time used from the first sample to the last one up to end, and the time
// between those two.
func processUntil(samples []procSample, end time.Time) (peak int64, user, sys, wall time.Duration) {
	var first, last *procSample
	for i := range samples {
		x := &samples[i]
		if x.at.After(end) {
			break
		}
		if first == nil {
			first = x
		}
		last = x
		peak = max(peak, x.rss)
	}
	if first == nil {
		return 0, 0, 0, 0
	}
	return peak, last.user - first.user, last.sys - first.sys, last.at.Sub(first.at)
}
