package phonelink

import (
	"context"
	"errors"
	"io"
	"net"
	"testing"
	"time"
)

// arrival is what a sink read from one connection, and when it saw its end.
type arrival struct {
	bytes int64
	at    time.Time
}

// sink accepts connections and reads each to its end, answering nothing.
func sink(t *testing.T) (string, <-chan arrival) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	got := make(chan arrival, 8)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				n, _ := io.Copy(io.Discard, c)
				c.Close()
				got <- arrival{n, time.Now()}
			}()
		}
	}()
	return ln.Addr().String(), got
}

func TestBandwidthCapLimitsAnUpload(t *testing.T) {
	const size = 200_000
	for _, upKbps := range []int{800, 3200} { // 2 s and 0.5 s at the cap
		upstream, got := sink(t)
		l, err := Start(upstream, Config{Preset: Preset{UpKbps: upKbps}})
		if err != nil {
			t.Fatal(err)
		}
		conn, err := l.Dialer("p1")(context.Background(), "")
		if err != nil {
			t.Fatal(err)
		}
		began := time.Now()
		if _, err := conn.Write(make([]byte, size)); err != nil {
			t.Fatal(err)
		}
		conn.Close()
		a := <-got
		took := a.at.Sub(began)
		bound := l.cfg.BandwidthBound(size, 0)
		l.Close()
		// Generous: unthrottled, loopback carries this in milliseconds.
		if a.bytes != size || took < bound/2 || took > 4*bound+time.Second {
			t.Errorf("%d kbit/s: %d bytes arrived after %v, want %d after about %v", upKbps, a.bytes, took, size, bound)
		}
		if sent := l.Phone("p1").Sent(); sent != size {
			t.Errorf("%d kbit/s: counted %d bytes sent, want %d", upKbps, sent, size)
		}
		t.Logf("%d kbit/s: %d bytes in %v (bound %v)", upKbps, size, took, bound)
	}
}

func TestParseBytes(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
	}{{"2MB", 2_000_000}, {"512KiB", 512 << 10}, {"4096", 4096}, {"1.5 mb", 1_500_000}} {
		if got, err := ParseBytes(tc.in); err != nil || got != tc.want {
			t.Errorf("ParseBytes(%q) = %d, %v, want %d", tc.in, got, err, tc.want)
		}
	}
	if _, err := ParseBytes("lots"); err == nil {
		t.Error(`ParseBytes("lots") succeeded`)
	}
}

func TestResetEveryCutsAConnectionAfterThatManyBytes(t *testing.T) {
	const limit = 100_000
	upstream, got := sink(t)
	l, err := Start(upstream, Config{ResetEvery: limit})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	conn, err := l.Dialer("p1")(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// Keep writing until the link breaks the connection.
	go func() {
		buf := make([]byte, 10_000)
		for range 100 {
			if _, err := conn.Write(buf); err != nil {
				return
			}
			time.Sleep(time.Millisecond)
		}
	}()
	select {
	case a := <-got:
		if a.bytes != limit {
			t.Errorf("upstream got %d bytes before the cut, want %d", a.bytes, limit)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the connection was not cut")
	}
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := conn.Read(make([]byte, 1)); err == nil {
		t.Error("the phone's side of a cut connection still reads")
	}
}

func TestResetAfterAndStallsEndAConnection(t *testing.T) {
	for name, cfg := range map[string]Config{
		"reset after": {ResetAfter: 200 * time.Millisecond},
		"stall":       {StallShare: 1, StallFor: 200 * time.Millisecond},
	} {
		upstream, got := sink(t)
		l, err := Start(upstream, cfg)
		if err != nil {
			t.Fatal(err)
		}
		conn, err := l.Dialer("p1")(context.Background(), "")
		if err != nil {
			t.Fatal(err)
		}
		began := time.Now()
		if _, err := conn.Write([]byte("hello")); err != nil {
			t.Fatal(err)
		}
		conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, err = conn.Read(make([]byte, 1))
		var ne net.Error
		if err == nil || (errors.As(err, &ne) && ne.Timeout()) {
			t.Errorf("%s: read on the phone's side = %v, want the connection ended", name, err)
		}
		if took := time.Since(began); took < 150*time.Millisecond {
			t.Errorf("%s: connection ended after %v, before 200 ms", name, took)
		}
		if a := <-got; name == "stall" && a.bytes != 0 {
			t.Errorf("stall: %d bytes passed a stalled connection", a.bytes)
		}
		conn.Close()
		l.Close()
	}
}
