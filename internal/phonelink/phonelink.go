// Package phonelink puts a link that behaves like a phone's between a
// client and a server, in-process, with Shopify's toxiproxy: latency with
// jitter, a bandwidth cap per direction, connections cut after N bytes or
// after some time, and stalls. It counts the bytes each phone sends and
// receives on the wire.
//
// The presets are WebPageTest's mobile connectivity profiles
// (WPO-Foundation/webpagetest, www/settings/connectivity.ini.sample), the
// figures Lighthouse-era tools and speed-test sites quote for these links;
// WebPageTest gives no jitter, so the jitter is ours (about a sixth of
// the round trip):
//
//	preset  round trip        down kbit/s  up kbit/s  WebPageTest profile
//	edge    840 ms ± 150 ms   240          200        "Mobile Edge"
//	3g      300 ms ± 50 ms    1600         768        "Mobile 3G"
//	4g      170 ms ± 30 ms    9000         9000       "Mobile 4G"
//
// (Chrome DevTools' "Fast 3G" is close to 3g: 562.5 ms, 1440/675 kbit/s.)
// Half the round trip is added each way. toxiproxy caps bandwidth in whole
// KB/s (1000 bytes), so a cap is rounded to the nearest KB/s.
package phonelink

import (
	"context"
	"fmt"
	"net"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	toxiproxy "github.com/Shopify/toxiproxy/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
)

// Preset is a kind of mobile link.
type Preset struct {
	Name string
	// RTT is the round trip the link adds, Jitter its spread.
	RTT, Jitter time.Duration
	// DownKbps and UpKbps cap each direction, in kbit/s (1000 bits).
	DownKbps, UpKbps int
}

// Presets are the links gridsim --link offers; see the package doc for
// their source.
var Presets = map[string]Preset{
	"edge": {Name: "edge", RTT: 840 * time.Millisecond, Jitter: 150 * time.Millisecond, DownKbps: 240, UpKbps: 200},
	"3g":   {Name: "3g", RTT: 300 * time.Millisecond, Jitter: 50 * time.Millisecond, DownKbps: 1600, UpKbps: 768},
	"4g":   {Name: "4g", RTT: 170 * time.Millisecond, Jitter: 30 * time.Millisecond, DownKbps: 9000, UpKbps: 9000},
}

// PresetNames lists the presets, sorted, for flag help.
func PresetNames() string {
	names := make([]string, 0, len(Presets))
	for n := range Presets {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, "|")
}

// Config is a link: a preset and the faults on top of it.
type Config struct {
	Preset
	// ResetEvery, when positive, cuts each connection after that many
	// bytes in either direction (limit_data): the peer sees it closed.
	ResetEvery int64
	// ResetAfter, when positive, resets each connection (TCP RST) that long
	// after its first bytes (reset_peer).
	ResetAfter time.Duration
	// StallShare of connections (0–1) pass nothing from the phone and
	// are closed after StallFor (timeout toxic).
	StallShare float64
	StallFor   time.Duration
}

// Link is a running proxy in front of one upstream address.
type Link struct {
	cfg   Config
	proxy *toxiproxy.Proxy

	mu     sync.Mutex
	phones map[string]*Counter
}

// Counter holds one phone's bytes on the wire: sent (phone to server) and
// received, over all its connections.
type Counter struct {
	sent, received atomic.Int64
	conns          atomic.Int64
}

// Sent is the bytes the phone wrote to the link.
func (c *Counter) Sent() int64 { return c.sent.Load() }

// Received is the bytes the phone read from the link.
func (c *Counter) Received() int64 { return c.received.Load() }

// Conns is the number of connections the phone opened.
func (c *Counter) Conns() int64 { return c.conns.Load() }

// Start starts a proxy on 127.0.0.1:0 in front of upstream with cfg's
// toxics.
func Start(upstream string, cfg Config) (*Link, error) {
	srv := toxiproxy.NewServer(toxiproxy.NewMetricsContainer(prometheus.NewRegistry()), zerolog.Nop())
	p := toxiproxy.NewProxy(srv, "phone", "127.0.0.1:0", upstream)
	if err := p.Start(); err != nil {
		return nil, fmt.Errorf("phonelink: start proxy: %w", err)
	}
	l := &Link{cfg: cfg, proxy: p, phones: map[string]*Counter{}}
	if err := l.addToxics(); err != nil {
		p.Stop()
		return nil, err
	}
	return l, nil
}

// addToxics puts cfg's toxics on both directions.
func (l *Link) addToxics() error {
	c := l.cfg
	type toxic struct {
		name, typ, stream string
		toxicity          float64
		attrs             string
	}
	var ts []toxic
	if c.RTT > 0 || c.Jitter > 0 {
		half, jit := (c.RTT / 2).Milliseconds(), (c.Jitter / 2).Milliseconds()
		for _, s := range []string{"upstream", "downstream"} {
			ts = append(ts, toxic{"latency_" + s, "latency", s, 1, fmt.Sprintf(`{"latency":%d,"jitter":%d}`, half, jit)})
		}
	}
	if c.UpKbps > 0 {
		ts = append(ts, toxic{"bandwidth_upstream", "bandwidth", "upstream", 1, fmt.Sprintf(`{"rate":%d}`, kBps(c.UpKbps))})
	}
	if c.DownKbps > 0 {
		ts = append(ts, toxic{"bandwidth_downstream", "bandwidth", "downstream", 1, fmt.Sprintf(`{"rate":%d}`, kBps(c.DownKbps))})
	}
	if c.ResetEvery > 0 {
		for _, s := range []string{"upstream", "downstream"} {
			ts = append(ts, toxic{"limit_data_" + s, "limit_data", s, 1, fmt.Sprintf(`{"bytes":%d}`, c.ResetEvery)})
		}
	}
	if c.ResetAfter > 0 {
		ts = append(ts, toxic{"reset_peer", "reset_peer", "upstream", 1, fmt.Sprintf(`{"timeout":%d}`, c.ResetAfter.Milliseconds())})
	}
	if c.StallShare > 0 {
		ts = append(ts, toxic{"timeout", "timeout", "upstream", c.StallShare, fmt.Sprintf(`{"timeout":%d}`, c.StallFor.Milliseconds())})
	}
	for _, t := range ts {
		body := fmt.Sprintf(`{"name":%q,"type":%q,"stream":%q,"toxicity":%g,"attributes":%s}`, t.name, t.typ, t.stream, t.toxicity, t.attrs)
		if _, err := l.proxy.Toxics.AddToxicJson(strings.NewReader(body)); err != nil {
			return fmt.Errorf("phonelink: add toxic %s: %w", t.name, err)
		}
	}
	return nil
}

// kBps converts kbit/s to toxiproxy's whole KB/s, at least 1.
func kBps(kbps int) int64 { return max(1, int64((kbps+4)/8)) }

// Config is the link's preset and faults.
func (l *Link) Config() Config { return l.cfg }

// Addr is the address phones dial instead of the upstream's.
func (l *Link) Addr() string { return l.proxy.Listen }

// Phone returns the counter of the named phone, made on first use.
func (l *Link) Phone(name string) *Counter {
	l.mu.Lock()
	defer l.mu.Unlock()
	c := l.phones[name]
	if c == nil {
		c = &Counter{}
		l.phones[name] = c
	}
	return c
}

// Dialer dials the proxy whatever address it is given, for
// grpc.WithContextDialer, counting the named phone's bytes on each
// connection as the proxy's listener sees them.
func (l *Link) Dialer(name string) func(ctx context.Context, _ string) (net.Conn, error) {
	c := l.Phone(name)
	return func(ctx context.Context, _ string) (net.Conn, error) {
		var d net.Dialer
		conn, err := d.DialContext(ctx, "tcp", l.Addr())
		if err != nil {
			return nil, err
		}
		c.conns.Add(1)
		return &countingConn{Conn: conn, c: c}, nil
	}
}

// Close stops the proxy and cuts its connections.
func (l *Link) Close() { l.proxy.Stop() }

// countingConn counts what goes through a connection.
type countingConn struct {
	net.Conn
	c *Counter
}

func (cc *countingConn) Read(b []byte) (int, error) {
	n, err := cc.Conn.Read(b)
	cc.c.received.Add(int64(n))
	return n, err
}

func (cc *countingConn) Write(b []byte) (int, error) {
	n, err := cc.Conn.Write(b)
	cc.c.sent.Add(int64(n))
	return n, err
}

// ParseBytes reads a size such as 2MB, 512KB, 1MiB or 4096 (bytes). KB and
// MB are decimal; KiB and MiB binary.
func ParseBytes(s string) (int64, error) {
	t := strings.TrimSpace(strings.ToUpper(s))
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"KIB", 1 << 10}, {"MIB", 1 << 20}, {"GIB", 1 << 30}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"B", 1}} {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mult
			break
		}
	}
	var n float64
	if _, err := fmt.Sscanf(t, "%g", &n); err != nil || n < 0 {
		return 0, fmt.Errorf("phonelink: size %q: want a number of bytes such as 2MB", s)
	}
	return int64(n * float64(mult)), nil
}

// BandwidthBound is the least time sending up bytes up and down bytes
// down can take on the preset's caps.
func (p Preset) BandwidthBound(up, down int64) time.Duration {
	var d time.Duration
	if p.UpKbps > 0 {
		d = max(d, time.Duration(float64(up)*8/float64(p.UpKbps*1000)*float64(time.Second)))
	}
	if p.DownKbps > 0 {
		d = max(d, time.Duration(float64(down)*8/float64(p.DownKbps*1000)*float64(time.Second)))
	}
	return d
}
