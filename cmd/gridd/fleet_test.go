package main

import (
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/gridinspect/gridinspect/internal/pgtest"
	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

// TestGriddALogoutOnOneGriddIsRefusedByAnotherOnTheNextCall: two gridd
// behind a load balancer, one PostgreSQL database. A token used (and
// cached) on B, then logged out through A, is refused by B on the very
// next call.
func TestGriddALogoutOnOneGriddIsRefusedByAnotherOnTheNextCall(t *testing.T) {
	c, err := pgtest.Start()
	pgtest.Require(t, err)
	t.Cleanup(c.Stop)
	url, err := c.CreateDatabase("")
	if err != nil {
		t.Fatal(err)
	}
	photos := filepath.Join(t.TempDir(), "photos")
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
