package main

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
)

const tiandituVec = "https://t{s}.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=vec&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=KEY"

func TestMapTilesFlagRefusesATemplateThatIsNotHTTPAtStart(t *testing.T) {
	tests := []struct {
		args    []string
		wantErr string
	}{
		{[]string{"--map-tiles", tiandituVec}, ""},
		{[]string{"--map-tiles", "http://10.0.0.8:8081/{z}/{x}/{y}.png"}, ""},
		{[]string{"--map-tiles", "file:///srv/tiles/{z}/{x}/{y}.png"}, "--map-tiles"},
		{[]string{"--map-tiles", "tiles/{z}/{x}/{y}.png"}, "http:// or https://"},
		{[]string{"--map-tiles", "https://example.org/tiles.png"}, "lacks {z}"},
		{[]string{"--map-tiles", tiandituVec, "--http", ""}, "--http"},
	}
	for _, tt := range tests {
		c, err := parseFlags(tt.args, io.Discard)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%q: err %v, want one saying %q", tt.args, err, tt.wantErr)
			}
			continue
		}
		if err != nil || c.mapTiles != tt.args[1] {
			t.Errorf("%q: %q, %v", tt.args, c.mapTiles, err)
		}
	}
	if err := run(context.Background(), []string{"--data", t.TempDir(), "--map-tiles", "ftp://tiles/{z}/{x}/{y}"}, io.Discard, io.Discard); err == nil ||
		!strings.Contains(err.Error(), "--map-tiles") {
		t.Errorf("gridd started with an ftp tile template: %v", err)
	}
}

// TestGriddMapTilesReachTheDesksCSP: --map-tiles reaches the desk, whose
// pages may load images of that host.
func TestGriddMapTilesReachTheDesksCSP(t *testing.T) {
	_, printed, stop := startGridd(t, "--data", t.TempDir(), "--map-tiles", tiandituVec)
	defer func() {
		if err := stop(); err != nil {
			t.Fatal(err)
		}
	}()
	base, ok := strings.CutPrefix(strings.TrimSpace(lastLine(printed)), "HTTP/JSON API on ")
	if !ok {
		t.Fatalf("gridd did not announce its HTTP address: %q", printed)
	}
	req, err := http.NewRequestWithContext(context.Background(), "GET", base+"/login", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "img-src 'self' data: blob: https://*.tianditu.gov.cn;") {
		t.Errorf("CSP %q does not allow the tiles of 天地图", csp)
	}
}
