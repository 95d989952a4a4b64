//go:build unix

package crashtest

import (
	"fmt"
	"sync"
)

// kind is what an id names.
type kind string

const (
	kindReport kind = "report"
	kindPatrol kind = "patrol"
)

// item is the history of one id a phone made: a report or a patrol, sent
// through SubmitReport or inside a pushed mutation.
type item struct {
	id         string
	kind       kind
	device     string // the phone that made it
	deviceID   string // that phone's device id
	mutationID string // set when it went by Push
	deviceSeq  int64  // the mutation's device_seq

	attempts int  // requests that carried it, deliberate re-sends included
	acked    bool // the server said it holds it
	// applied counts answers that said "stored now" (SubmitReport with
	// duplicate = false, Push APPLIED); already counts answers that said
	// "stored before" (duplicate = true, DUPLICATE). An id answered
	// "stored now" twice was stored twice, or forgotten and stored again.
	applied, already int
	// reapplied counts "stored now" answers that came after it was
	// acknowledged: each is a lost write or a write applied twice.
	reapplied int
	// resent counts deliberate re-sends after it was acknowledged.
	resent int
	// byWatermark: acknowledged by a push's highest_device_seq before (or
	// without) a result of its own.
	byWatermark bool
	// refused is the answer of a request that refused it (not expected).
	refused string
}

// history is what every phone sent and what the server answered, kept
// under one lock: the record the set check judges the server by.
type history struct {
	mu    sync.Mutex
	items map[string]*item // by report or patrol id
	// events are anomalies the phones saw, in the order seen.
	events []string
}

func newHistory() *history {
	return &history{items: map[string]*item{}}
}

// sent records an id before its first request goes out: from then on, the
// server holding it is not unexpected.
func (h *history) sent(it *item) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.items[it.id] != nil {
		panic("crashtest: id made twice: " + it.id)
	}
	h.items[it.id] = it
}

// attempt counts a request carrying id.
func (h *history) attempt(id string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.items[id].attempts++
}

// answered records an answer that acknowledged id: applied says whether
// the server said it stored it now, resend whether the request was a
// deliberate re-send of an acknowledged id.
func (h *history) answered(id string, applied, resend bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	it := h.items[id]
	if applied {
		it.applied++
		if it.acked {
			// The server had said it holds the id (an answer, or a push's
			// highest_device_seq): storing it now means it was lost, or
			// is stored twice.
			it.reapplied++
			h.events = append(h.events, fmt.Sprintf("%s %s (%s) answered \"stored now\" after it had been acknowledged "+
				"(answers so far: %d stored now, %d stored before, watermark %v): lost after acknowledgement, or stored twice",
				it.kind, it.id, it.device, it.applied, it.already, it.byWatermark))
		}
	} else {
		it.already++
	}
	if resend {
		it.resent++
	}
	it.acked = true
}

// watermark acknowledges the ids of a device's mutations up to seq, as a
// phone deletes its outbox up to a push's highest_device_seq, and returns
// them.
func (h *history) watermark(device string, seq int64) []*item {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []*item
	for _, it := range h.items {
		if it.device == device && it.mutationID != "" && it.deviceSeq <= seq && !it.acked && it.refused == "" {
			it.acked, it.byWatermark = true, true
			out = append(out, it)
		}
	}
	return out
}

// refuse records that the server refused id for good.
func (h *history) refuse(id, why string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	it := h.items[id]
	it.refused = why
	h.events = append(h.events, fmt.Sprintf("%s %s (%s) refused: %s", it.kind, it.id, it.device, why))
}

// anomaly records something a phone saw that the protocol rules out.
func (h *history) anomaly(format string, args ...any) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.events = append(h.events, fmt.Sprintf(format, args...))
}

// acked returns how many ids the server acknowledged.
func (h *history) acked() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, it := range h.items {
		if it.acked {
			n++
		}
	}
	return n
}

// snapshot returns every item, by id, and the anomalies; the phones must
// be done.
func (h *history) snapshot() (map[string]*item, []string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	items := make(map[string]*item, len(h.items))
	for id, it := range h.items {
		c := *it
		items[id] = &c
	}
	return items, append([]string(nil), h.events...)
}
