package main

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/gridinspect/gridinspect/internal/phonelink"
)

// linkStallFor is how long a stalled connection passes nothing before the
// link closes it.
const linkStallFor = 5 * time.Second

// linkConfig is the link the flags ask for; ok is false without --link.
func (c config) linkConfig() (phonelink.Config, bool) {
	if c.link == "" {
		return phonelink.Config{}, false
	}
	return phonelink.Config{
		Preset:     phonelink.Presets[c.link],
		ResetEvery: c.linkResetEvery,
		ResetAfter: c.linkResetAfter,
		StallShare: c.linkStalls,
		StallFor:   linkStallFor,
	}, true
}

// wire is one phone's use of the link over its evening sync.
type wire struct {
	sent, received int64
	took           time.Duration
	// photoBytes and mutationBytes (the outbox's protobuf bytes, gzipped)
	// are the least the sync must send.
	photoBytes, mutationBytes int64
}

// lowerBound is the least the phone must send.
func (w wire) lowerBound() int64 { return w.photoBytes + w.mutationBytes }

// wireLine reports a phone's bytes on the wire and time against the least
// bytes and the time the link's bandwidth allows for them.
func wireLine(p *phone, preset phonelink.Preset) string {
	w := p.wire
	bound := preset.BandwidthBound(w.lowerBound(), 0)
	return fmt.Sprintf("gridsim: link=%s device=%d sent=%d received=%d lower-bound=%d (photos=%d mutations-gzipped=%d) sent/bound=%.2f "+
		"sync=%.1fs bandwidth-bound=%.1fs time/bound=%.2f connections=%d photo-bytes-resent=%d photos-resumed=%d photos-restarted=%d",
		preset.Name, p.n, w.sent, w.received, w.lowerBound(), w.photoBytes, w.mutationBytes, ratio(float64(w.sent), float64(w.lowerBound())),
		w.took.Seconds(), bound.Seconds(), ratio(w.took.Seconds(), bound.Seconds()), p.linkCounter.Conns(),
		p.resentPhotoBytes, p.resumedPhotos, p.restartedPhotos)
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// dayBytes is the photos' own bytes and the outbox's protobuf bytes,
// gzipped as one stream.
func dayBytes(d *day) (photos, mutations int64) {
	for _, ph := range d.photos {
		photos += int64(len(ph.data))
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	for _, m := range d.outbox {
		b, err := proto.Marshal(m)
		if err == nil {
			_, _ = zw.Write(b)
		}
	}
	_ = zw.Close()
	return photos, int64(buf.Len())
}
