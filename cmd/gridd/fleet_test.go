package main

import (
	"context"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

// TestGriddALogoutOnOneGriddIsRefusedByAnotherOnTheNextCall: two gridd
// behind a load balancer, one PostgreSQL database. A token used (and
// cached) on B, then logged out through A, is refused by B on the very
// next call.
func TestGriddALogoutOnOneGriddIsRefusedByAnotherOnTheNextCall(t *testing.T) {
	_, url, photos := postgresDatabase(t)
	addrA, printed, stopA := startGridd(t, "--data", t.TempDir(), "--database", url, "--photos", photos, "--supervise-every", "0")
	addrB, _, stopB := startGridd(t, "--data", t.TempDir(), "--database", url, "--photos", photos, "--supervise-every", "0")
	_, rest, ok := strings.Cut(printed, "with password ")
	if !ok {
		t.Fatalf("the first gridd did not print the admin's password: %q", printed)
	}
	password := strings.Fields(rest)[0]

	ctx := loginAs(t, dial(t, addrA), "admin", password)
	onB := pb.NewAuthServiceClient(dial(t, addrB))
	for range 3 { // cached on B
		if _, err := onB.WhoAmI(ctx, &pb.WhoAmIRequest{}); err != nil {
			t.Fatalf("whoami on B: %v", err)
		}
	}
	if _, err := pb.NewAuthServiceClient(dial(t, addrA)).Logout(ctx, &pb.LogoutRequest{}); err != nil {
		t.Fatalf("logout on A: %v", err)
	}
	if _, err := onB.WhoAmI(ctx, &pb.WhoAmIRequest{}); status.Code(err) != codes.Unauthenticated {
		t.Errorf("whoami on B after logging out on A: %v, want Unauthenticated", err)
	}
	for _, stop := range []func() error{stopA, stopB} {
		if err := stop(); err != nil {
			t.Fatal(err)
		}
	}
}

// TestGriddTwoGriddSeedingTheDemoAtOnceBothStart: --demo is idempotent
// across processes too, e.g. two replicas of a demo deployment started
// together on one new PostgreSQL database.
func TestGriddTwoGriddSeedingTheDemoAtOnceBothStart(t *testing.T) {
	_, url, photos := postgresDatabase(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	errs := make([]error, 2)
	started := make(chan int, 2)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out := &lineWatch{want: "listening on", seen: func() { started <- i }}
			errs[i] = run(ctx, []string{"--listen", "127.0.0.1:0", "--http", "127.0.0.1:0", "--data", t.TempDir(),
				"--database", url, "--photos", photos, "--demo", "--supervise-every", "0"}, out, io.Discard)
			out.Write([]byte(out.want)) //nolint:errcheck // a gridd that stopped early is done starting too
		}()
	}
	for range errs {
		select {
		case <-started:
		case <-time.After(2 * time.Minute):
			t.Error("a gridd did not start in 2 minutes")
		}
		if t.Failed() {
			break
		}
	}
	cancel()
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("gridd %d: %v", i, err)
		}
	}
}

// lineWatch is a gridd's stdout that calls seen once it has printed want.
type lineWatch struct {
	mu   sync.Mutex
	buf  strings.Builder
	want string
	seen func()
	done bool
}

func (w *lineWatch) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if !w.done && strings.Contains(w.buf.String(), w.want) {
		w.done = true
		w.seen()
	}
	return len(p), nil
}
