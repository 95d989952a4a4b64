package main

import (
	"context"
	"crypto/tls"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// metricsURL returns the address gridd said it serves metrics on, or "".
func metricsURL(printed string) string {
	m := regexp.MustCompile(`(?m)^metrics on (\S+)$`).FindStringSubmatch(printed)
	if m == nil {
		return ""
	}
	return m[1]
}

func get(t *testing.T, client *http.Client, url string) string {
	t.Helper()
	resp, err := client.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s, %v", url, resp.Status, err)
	}
	return string(b)
}

func TestGriddServesMetricsOnlyWhenAsked(t *testing.T) {
	addr, printed, stop := startGridd(t, "--data", t.TempDir())
	if url := metricsURL(printed); url != "" {
		t.Errorf("with no --metrics, gridd serves metrics on %s", url)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}

	addr, printed, stop = startGridd(t, "--data", t.TempDir(), "--metrics", "127.0.0.1:0")
	defer stop()
	url := metricsURL(printed)
	if !strings.HasPrefix(url, "http://127.0.0.1:") || !strings.HasSuffix(url, "/metrics") {
		t.Fatalf("gridd --metrics printed %q; want the metrics' address", printed)
	}
	if _, err := healthpb.NewHealthClient(dial(t, addr)).Check(context.Background(), &healthpb.HealthCheckRequest{}); err != nil {
		t.Fatal(err)
	}
	body := get(t, http.DefaultClient, url)
	for _, want := range []string{
		`grpc_server_handled_total{grpc_code="OK",grpc_method="Check",grpc_service="grpc.health.v1.Health",grpc_type="unary",protocol="grpc"} 1`,
		"gridinspect_store_commits_total ", // the first run's admin
		"gridinspect_store_database_bytes ",
		"gridinspect_store_photo_bytes 0",
		"go_goroutines ",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q:\n%s", want, body)
		}
	}
}

func TestGriddRefusesPlaintextMetricsOffLoopbackUnlessInsecure(t *testing.T) {
	err := run(context.Background(), []string{"--data", t.TempDir(), "--metrics", "0.0.0.0:0"}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "metrics") || !strings.Contains(err.Error(), "--insecure") {
		t.Fatalf("run = %v; want a refusal of the metrics that names --insecure", err)
	}
	var logs syncBuffer
	_, printed, stop := startGriddLogging(t, &logs, "--data", t.TempDir(), "--metrics", "0.0.0.0:0", "--insecure")
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(metricsURL(printed), "http://") || !strings.Contains(logs.String(), "INSECURE") {
		t.Errorf("printed %q, logged %q; want metrics served and a loud warning", printed, logs.String())
	}
}

func TestGriddServesMetricsOverTLSWhenGivenACertificate(t *testing.T) {
	certFile, keyFile, pool := selfSigned(t)
	_, printed, stop := startGridd(t, "--data", t.TempDir(), "--tls-cert", certFile, "--tls-key", keyFile, "--metrics", "127.0.0.1:0")
	defer stop()
	url := metricsURL(printed)
	if !strings.HasPrefix(url, "https://") {
		t.Fatalf("printed %q; want metrics over https", printed)
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
	if body := get(t, client, url); !strings.Contains(body, "gridinspect_store_database_bytes") {
		t.Errorf("metrics over TLS lack the store's figures:\n%s", body)
	}
	// (Go's server answers a plaintext request 400, not with the metrics.)
	if resp, err := http.Get("http" + strings.TrimPrefix(url, "https")); err == nil {
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Error("a plaintext scrape of the TLS metrics succeeded")
		}
	}
}
