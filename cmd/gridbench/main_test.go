package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestRunInProcess runs every phase, small and short, against a server
// inside the test, and checks that each table is printed with figures and
// that the run notes no failure.
func TestRunInProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("bulk-loads streets and loads a server for a few seconds")
	}
	out := filepath.Join(t.TempDir(), "bench.md")
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"--in-process", "--work", t.TempDir(), "--sizes", "400",
		"--export-reports", "300", "--duration", "300ms", "--warmup", "50ms", "--concurrency", "2,4",
		"--push-batches", "2", "--push-batch-size", "20", "--list-calls", "5", "--list-concurrency", "3", "--summary-calls", "2", "--firstpull-cases", "30", "--out", out},
		&stdout, &stderr)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, stderr.String())
	}
	md := stdout.String()
	for _, want := range []string{
		"### SubmitReport against Echo", "| 2 |", "| 4 |",
		"### Sync Push", "Push over gRPC", "raw ×4", "raw, the server's schema",
		"### Queries", "ListReports: open safety hazards", "3 callers at once", "GetSummary: half-year",
		"### Export", "| 300 | CSV |", "| 300 | XLSX |",
		"### Query plans, 400 reports", "USING INDEX",
		"### A phone's first pull on 3g", "| first pull |", "| delta pull |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("output lacks %q:\n%s", want, md)
		}
	}
	if strings.Contains(md, "calls failed") || strings.Contains(md, "not APPLIED") {
		t.Errorf("the run noted failures:\n%s", md)
	}
	written, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if string(written) != md {
		t.Error("--out holds something other than what was printed")
	}
}

func TestParseFlagsRefusesContradictions(t *testing.T) {
	for _, args := range [][]string{
		{"--phases", "submit,nap"},
		{"--sizes", "100,zero"},
		{"--concurrency", "0"},
		{"--push-batch-size", "1001"},
		{"--list-concurrency", "0"},
		{"--server", "127.0.0.1:1"}, // no accounts
		{"--server", "127.0.0.1:1", "--worker", "w", "--supervisor", "s", "--password", "p", "--in-process"},
		{"--cpuprofile", "x"}, // needs --in-process
	} {
		if _, err := parseFlags(args, &bytes.Buffer{}); err == nil {
			t.Errorf("parseFlags(%q) = nil error, want one", args)
		}
	}
}

func TestPercentiles(t *testing.T) {
	var d []time.Duration
	for i := 100; i >= 1; i-- {
		d = append(d, time.Duration(i)*time.Millisecond)
	}
	p50, p99, maxd := percentiles(d)
	if p50 != 50*time.Millisecond || p99 != 99*time.Millisecond || maxd != 100*time.Millisecond {
		t.Errorf("percentiles of 1…100 ms = %v, %v, %v; want 50ms, 99ms, 100ms", p50, p99, maxd)
	}
	if p50, p99, maxd := percentiles(nil); p50 != 0 || p99 != 0 || maxd != 0 {
		t.Errorf("percentiles of nothing = %v, %v, %v; want zeros", p50, p99, maxd)
	}
}

func TestHalfYearIsTheLastOneThatEnded(t *testing.T) {
	for _, c := range []struct {
		end      string
		from, to string
	}{
		{"2026-11-26T08:00:00Z", "2026-01-01", "2026-07-01"},
		{"2026-03-01T00:00:00Z", "2025-07-01", "2026-01-01"},
		{"2026-06-30T17:00:00Z", "2026-01-01", "2026-07-01"}, // 1 July already, China time
	} {
		end, _ := time.Parse(time.RFC3339, c.end)
		from, to := halfYear(end)
		if got := from.Format(time.DateOnly) + " " + to.Format(time.DateOnly); got != c.from+" "+c.to {
			t.Errorf("halfYear(%s) = %s, want %s %s", c.end, got, c.from, c.to)
		}
	}
}

func TestSummaryPeriods(t *testing.T) {
	end, _ := time.Parse(time.RFC3339, "2026-11-26T08:00:00Z")
	ps := summaryPeriods(end)
	if len(ps) != 2 {
		t.Fatalf("%d periods, want 2", len(ps))
	}
	for i, want := range []string{"2026-01-01 2026-07-01", "2026-05-12 2026-11-12"} {
		if got := ps[i].from.Format(time.DateOnly) + " " + ps[i].to.Format(time.DateOnly); got != want {
			t.Errorf("period %d (%s) = %s, want %s", i, ps[i].name, got, want)
		}
	}
}
