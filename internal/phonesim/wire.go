package phonesim

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/gridinspect/gridinspect/internal/phonelink"
)

// wireLine reports a phone's bytes on the wire and time against the least
// bytes and the time the link's bandwidth allows for them.
func (p PhoneResult) wireLine(preset phonelink.Preset) string {
	w := p.Wire
	bound := preset.BandwidthBound(w.LowerBound(), 0)
	return fmt.Sprintf("gridsim: link=%s device=%d sent=%d received=%d lower-bound=%d (photos=%d mutations-gzipped=%d) sent/bound=%.2f "+
		"sync=%.1fs bandwidth-bound=%.1fs time/bound=%.2f connections=%d photo-bytes-resent=%d photos-resumed=%d photos-restarted=%d first-chunks-resent=%d",
		preset.Name, p.n, w.Sent, w.Received, w.LowerBound(), w.PhotoBytes, w.MutationBytes, ratio(float64(w.Sent), float64(w.LowerBound())),
		w.Took.Seconds(), bound.Seconds(), ratio(w.Took.Seconds(), bound.Seconds()), w.Conns,
		w.ResentPhotoBytes, w.PhotosResumed, w.PhotosRestarted, w.FirstChunksResent)
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// measureWire starts measuring the phone's evening sync on the link; the
// function it returns ends it. Without a link it measures nothing.
func (p *phone) measureWire() func() {
	if p.linkCounter == nil {
		return func() {}
	}
	began, sent, received := time.Now(), p.linkCounter.Sent(), p.linkCounter.Received()
	return func() {
		p.wire.Took = time.Since(began)
		p.wire.Sent, p.wire.Received = p.linkCounter.Sent()-sent, p.linkCounter.Received()-received
		p.wire.PhotoBytes, p.wire.MutationBytes = dayBytes(p.day)
	}
}

// dayBytes is the photos' own bytes and the outbox's protobuf bytes,
// gzipped as one stream.
func dayBytes(d *day) (photos, mutations int64) {
	for _, ph := range d.photos {
		photos += ph.size
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
