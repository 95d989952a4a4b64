package main

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// TestStormEveryPhoneFinishesWithNothingLostOrDuplicated is a small
// storm, as CI runs it: ten phones with small days over the 4g link,
// starting within two seconds, against a server inside the test, while
// two desks refresh. Every phone must finish its sync, and its check of
// the server must find nothing lost and nothing stored twice.
func TestStormEveryPhoneFinishesWithNothingLostOrDuplicated(t *testing.T) {
	if testing.Short() {
		t.Skip("runs ten phones over a slowed link for about ten seconds")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var stderr bytes.Buffer
	cfg, err := parseFlags([]string{"--in-process", "--phases", "storm", "--storm-phones", "10", "--storm-spread", "2s",
		"--storm-link", "4g", "--storm-reports", "4", "--storm-photos", "8", "--storm-photo-size", "20KB-40KB",
		"--storm-patrols", "1", "--storm-actions", "2", "--storm-history", "300", "--storm-desks", "2", "--storm-desk-every", "500ms",
		"--storm-window", "1s", "--storm-timeout", "2m"}, &stderr)
	if err != nil {
		t.Fatal(err)
	}
	b := &bench{cfg: cfg, log: &stderr, res: &results{Date: time.Now()},
		server: inProcessStarter{log: slog.New(slog.NewTextHandler(&stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))}}
	if err := b.phases(ctx, t.TempDir()); err != nil {
		t.Fatalf("storm: %v\n%s", err, stderr.String())
	}
	s := b.res.Storm
	if s == nil {
		t.Fatalf("no storm result\n%s", stderr.String())
	}
	if s.Finished != 10 || len(s.Failures) > 0 {
		t.Errorf("%d of 10 phones finished; failures: %v", s.Finished, s.Failures)
	}
	if s.Lost != 0 || s.Duplicated != 0 || !s.OK {
		t.Errorf("lost %d, duplicated %d: %s", s.Lost, s.Duplicated, s.Verdict)
	}
	if s.Photos != 80 || s.PhotoFiles != 80 {
		t.Errorf("the phones sent %d photos and the server holds %d files, want 80 and 80", s.Photos, s.PhotoFiles)
	}
	if s.Push.N == 0 || s.Upload.N != 80 {
		t.Errorf("latencies of %d pushes and %d uploads, want some and 80", s.Push.N, s.Upload.N)
	}
	if s.DeskList.N == 0 || s.DeskErrors > 0 {
		t.Errorf("the desks listed %d times and failed %d times (%s)", s.DeskList.N, s.DeskErrors, s.DeskFirstErr)
	}
	if s.BareRate <= 0 || s.BurstRate <= 0 || s.PeakRSS <= 0 || s.CPUUser+s.CPUSys <= 0 {
		t.Errorf("bare %v B/s, burst %v B/s, peak RSS %d, CPU %v: want each measured", s.BareRate, s.BurstRate, s.PeakRSS, s.CPUUser+s.CPUSys)
	}
	if s.SinkReceiveElapsed <= 0 || s.SinkStoreElapsed <= 0 {
		t.Errorf("sinks: receiving %v, storing %v: want each measured", s.SinkReceiveElapsed, s.SinkStoreElapsed)
	}
	var md strings.Builder
	if err := b.res.writeMarkdown(&md, cfg); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"### The storm: 10 phones", "| phones done / started | 10 / 10 |", "**0 / 0**", "burst ÷ bare", "burst ÷ bare behind gRPC", "ListReports, the case list"} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("the table lacks %q:\n%s", want, md.String())
		}
	}
}
