package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Memory of the server process, from /proc/<pid>/status. Each measured
// step first resets the kernel's peak (writing 5 to /proc/<pid>/clear_refs
// resets VmHWM to the current RSS), so the peak read after it is the
// step's, not the start-up's (logins hash passwords with argon2id, 46 MiB
// each). A sampler reads VmRSS every 50 ms as well, in case the reset is
// not allowed; the peak reported is the higher of the two.

// memWatch watches one step's memory.
type memWatch struct {
	pid      int
	resetOK  bool
	mu       sync.Mutex
	sampled  int64 // highest VmRSS seen, bytes
	stop     chan struct{}
	finished chan struct{}
}

// watchMemory starts watching pid's memory; pid 0 watches nothing.
func watchMemory(pid int) *memWatch {
	w := &memWatch{pid: pid, stop: make(chan struct{}), finished: make(chan struct{})}
	if pid == 0 {
		close(w.finished)
		return w
	}
	w.resetOK = os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0) == nil
	go func() {
		defer close(w.finished)
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			if rss, _, err := readMemory(pid); err == nil {
				w.mu.Lock()
				w.sampled = max(w.sampled, rss)
				w.mu.Unlock()
			}
			select {
			case <-w.stop:
				return
			case <-t.C:
			}
		}
	}()
	return w
}

// peak stops watching and returns the step's peak RSS in bytes (0 if
// unknown).
func (w *memWatch) peak() int64 {
	if w.pid == 0 {
		return 0
	}
	close(w.stop)
	<-w.finished
	w.mu.Lock()
	defer w.mu.Unlock()
	peak := w.sampled
	if rss, hwm, err := readMemory(w.pid); err == nil {
		peak = max(peak, rss)
		if w.resetOK {
			peak = max(peak, hwm)
		}
	}
	return peak
}

// readMemory returns VmRSS and VmHWM of pid, in bytes.
func readMemory(pid int) (rss, hwm int64, err error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), ":")
		if !ok || (name != "VmRSS" && name != "VmHWM") {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("/proc/%d/status: %s: %w", pid, name, err)
		}
		if name == "VmRSS" {
			rss = kb << 10
		} else {
			hwm = kb << 10
		}
	}
	return rss, hwm, sc.Err()
}

// mib formats bytes as MiB for the table; "–" when unknown.
func mib(b int64) string {
	if b <= 0 {
		return "–"
	}
	return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20))
}
