package main

import (
	"context"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
)

func TestCORSOriginFlagTakesRepeatsAndListsAndRefusesWhatIsNoOrigin(t *testing.T) {
	tests := []struct {
		args    []string
		want    []string
		wantErr string
	}{
		{nil, nil, ""},
		{[]string{"--cors-origin", "https://h5.example.com"}, []string{"https://h5.example.com"}, ""},
		{[]string{"--cors-origin", "https://a.example, HTTPS://B.example:443", "--cors-origin", "http://127.0.0.1:5173"},
			[]string{"https://a.example", "https://b.example", "http://127.0.0.1:5173"}, ""},
		{[]string{"--cors-origin", "*"}, nil, "wildcard"},
		{[]string{"--cors-origin", "https://h5.example.com/app"}, nil, "no path"},
		{[]string{"--cors-origin", "h5.example.com"}, nil, "https://host"},
		{[]string{"--cors-origin", "https://h5.example.com", "--http", ""}, nil, "--http"},
	}
	for _, tt := range tests {
		c, err := parseFlags(tt.args, io.Discard)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%q: err %v, want one saying %q", tt.args, err, tt.wantErr)
			}
			continue
		}
		if err != nil || !slices.Equal(c.cors, tt.want) {
			t.Errorf("%q: %q, %v; want %q", tt.args, c.cors, err, tt.want)
		}
	}
}

// TestGriddAnswersCORSPreflightsOfTheListedOriginsOnly: --cors-origin
// reaches the HTTP server.
func TestGriddAnswersCORSPreflightsOfTheListedOriginsOnly(t *testing.T) {
	_, printed, stop := startGridd(t, "--data", t.TempDir(), "--cors-origin", "https://h5.example.com")
	defer func() {
		if err := stop(); err != nil {
			t.Fatal(err)
		}
	}()
	base, ok := strings.CutPrefix(strings.TrimSpace(lastLine(printed)), "HTTP/JSON API on ")
	if !ok {
		t.Fatalf("gridd did not announce its HTTP address: %q", printed)
	}
	for origin, want := range map[string]string{"https://h5.example.com": "https://h5.example.com", "https://evil.example": ""} {
		req, err := http.NewRequestWithContext(context.Background(), "OPTIONS", base+"/v1/reports", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.Header.Get("Access-Control-Allow-Origin"); got != want {
			t.Errorf("preflight from %s: Access-Control-Allow-Origin %q, want %q", origin, got, want)
		}
	}
}
