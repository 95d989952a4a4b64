package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/gridinspect/gridinspect/internal/pgtest"
	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

func TestMain(m *testing.M) {
	code := m.Run()
	pgtest.StopShared()
	os.Exit(code)
}

// postgresDatabase returns a new empty database on this test binary's
// PostgreSQL cluster (started on first use), and a photo folder for the
// gridd that serve it.
func postgresDatabase(t *testing.T) (c *pgtest.Cluster, url, photos string) {
	t.Helper()
	c, err := pgtest.Shared()
	pgtest.Require(t, err)
	if url, err = c.CreateDatabase(""); err != nil {
		t.Fatal(err)
	}
	return c, url, filepath.Join(t.TempDir(), "photos")
}

// TestTwoGriddShareOnePostgreSQLDatabase starts two gridd at once on one
// new PostgreSQL database (--database, --photos): they migrate it once
// between them, one of them creates the admin, and the admin logs in
// through either.
func TestTwoGriddShareOnePostgreSQLDatabase(t *testing.T) {
	_, url, photos := postgresDatabase(t)
	type started struct {
		addr, printed string
		stop          func() error
	}
	var (
		wg   sync.WaitGroup
		runs [2]started
	)
	for i := range runs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			addr, printed, stop := startGridd(t, "--data", t.TempDir(), "--database", url, "--photos", photos)
			runs[i] = started{addr, printed, stop}
		}()
	}
	wg.Wait()
	var password string
	for _, r := range runs {
		if _, rest, ok := strings.Cut(r.printed, "with password "); ok {
			if password != "" {
				t.Fatal("both gridd created the admin")
			}
			password = strings.Fields(rest)[0]
		}
	}
	if password == "" {
		t.Fatalf("neither gridd printed the admin's password: %q, %q", runs[0].printed, runs[1].printed)
	}
	for _, r := range runs {
		ctx := loginAs(t, dial(t, r.addr), "admin", password)
		me, err := pb.NewAuthServiceClient(dial(t, r.addr)).WhoAmI(ctx, &pb.WhoAmIRequest{})
		if err != nil || me.GetUser().GetRole() != pb.Role_ROLE_ADMIN {
			t.Errorf("whoami through %s = %v, %v; want the admin", r.addr, me, err)
		}
	}
	for _, r := range runs {
		if err := r.stop(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestGriddOnPostgreSQLNeedsASharedPhotoFolder(t *testing.T) {
	err := run(context.Background(), []string{"--data", t.TempDir(), "--database", "postgres://localhost/x"}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "--photos") {
		t.Errorf("run = %v; want it to ask for --photos", err)
	}
	err = run(context.Background(), []string{"--data", t.TempDir(), "--database", "mysql://localhost/x"}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "not a database URL") {
		t.Errorf("run = %v; want it to refuse the URL", err)
	}
}
