package main

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/gridinspect/gridinspect/internal/phonesim"
)

// TestPhonesimRunsPhonesInProcess uses the library as gridbench's storm
// does (it lives here for the gridd harness): phones start their evening
// after their own delay, and the result holds each phone's times, the
// latency of every Push and every photo upload, and the set check.
func TestPhonesimRunsPhonesInProcess(t *testing.T) {
	dir := t.TempDir()
	g := startGridd(t, filepath.Join(dir, "data"), "127.0.0.1:0")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const delay = 700 * time.Millisecond
	var problems bytes.Buffer
	r, err := phonesim.Run(ctx, phonesim.Config{
		Server:   g.addr,
		Accounts: phonesim.DemoAccounts(2, DefaultPassword), Supervisor: phonesim.DemoSupervisor(DefaultPassword),
		Reports: 4, Patrols: 1, PhotosPerReport: 2, PhotoMinBytes: 2 << 10, PhotoMaxBytes: 8 << 10,
		Batch: 3, Seed: 9, RateLimit: DefaultRateLimit, Stderr: &problems,
		StartDelay: func(i int) time.Duration { return time.Duration(i) * delay },
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Log(r.Line())
	if !r.OK() || r.Missing != 0 || r.Duplicated != 0 || r.HashMismatches != 0 {
		t.Fatalf("verdict %s\n%s", r.Line(), problems.String())
	}
	if len(r.Phones) != 2 {
		t.Fatalf("%d phone results, want 2", len(r.Phones))
	}
	photos := 0
	for _, p := range r.Phones {
		if p.Err != nil || p.Began.IsZero() || !p.Done.After(p.Began) {
			t.Errorf("%s: began %v, done %v, err %v", p.Username, p.Began, p.Done, p.Err)
		}
		if len(p.Pushes) < 2 { // at least 4 reports and a patrol in batches of 3
			t.Errorf("%s: %d push latencies", p.Username, len(p.Pushes))
		}
		for _, d := range append(p.Pushes, p.Uploads...) {
			if d <= 0 {
				t.Errorf("%s: latency %v", p.Username, d)
			}
		}
		photos += len(p.Uploads)
	}
	if int64(photos) != r.Photos {
		t.Errorf("%d upload latencies for %d photos", photos, r.Photos)
	}
	if got := r.Phones[1].Began.Sub(r.Phones[0].Began); got < delay-50*time.Millisecond {
		t.Errorf("phone 2 began its sync %v after phone 1, want its start delay %v", got, delay)
	}
	if n := len(r.PushLatencies()); n != len(r.Phones[0].Pushes)+len(r.Phones[1].Pushes) {
		t.Errorf("PushLatencies has %d samples", n)
	}
}
