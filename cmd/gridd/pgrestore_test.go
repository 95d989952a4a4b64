package main

import (
	"bytes"
	"context"
	"io"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/gridinspect/gridinspect/internal/pgtest"
	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

// pgTool runs a PostgreSQL client program of the test cluster's
// installation.
func pgTool(t *testing.T, name string, args ...string) {
	t.Helper()
	path, err := pgtest.Tool(name)
	pgtest.Require(t, err)
	if out, err := exec.Command(path, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
}

// TestAPgRestoreThenAfterRestoreGivesAWorkingServerWhereEveryoneLogsInAgain
// follows the README's steps on PostgreSQL: pg_dump, the photo folder
// copied, pg_restore into a new database, gridd --after-restore (refused
// while a gridd serves it), then gridd on it.
func TestAPgRestoreThenAfterRestoreGivesAWorkingServerWhereEveryoneLogsInAgain(t *testing.T) {
	c, source, photos := postgresDatabase(t)
	addr, printed, stop := startGridd(t, "--data", t.TempDir(), "--database", source, "--photos", photos, "--demo")
	_, rest, ok := strings.Cut(printed, "with password ")
	if !ok {
		t.Fatalf("gridd did not print the admin's password: %q", printed)
	}
	password := strings.Fields(rest)[0]
	ctx := loginAs(t, dial(t, addr), "admin", password)
	reports := reportIDs(t, dial(t, addr), ctx)
	if len(reports) == 0 {
		t.Fatal("the demo street has no reports")
	}
	dump := filepath.Join(t.TempDir(), "gridinspect.dump")
	pgTool(t, "pg_dump", "--format=custom", "--file", dump, "--dbname", source)
	if err := stop(); err != nil {
		t.Fatal(err)
	}

	target, err := c.CreateDatabase("")
	if err != nil {
		t.Fatal(err)
	}
	pgTool(t, "pg_restore", "--exit-on-error", "--no-owner", "--dbname", target, dump)
	args := []string{"--after-restore", "--database", target, "--photos", photos}

	_, _, stopOther := startGridd(t, "--data", t.TempDir(), "--database", target, "--photos", photos)
	err = run(context.Background(), args, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "in use") {
		t.Errorf("--after-restore with a gridd on the database = %v; want it refused", err)
	}
	if err := stopOther(); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run(context.Background(), args, &out, io.Discard); err != nil {
		t.Fatalf("--after-restore: %v", err)
	}
	if !strings.Contains(out.String(), "新实例号") || strings.Contains(out.String(), "注意") {
		t.Errorf("--after-restore printed %q; want a new instance id and no missing photo", out.String())
	}

	addr, _, stop = startGridd(t, "--data", t.TempDir(), "--database", target, "--photos", photos)
	defer stop() //nolint:errcheck // the test is over
	_, err = pb.NewAuthServiceClient(dial(t, addr)).WhoAmI(ctx, &pb.WhoAmIRequest{})
	if status.Code(err) != codes.Unauthenticated {
		t.Errorf("a token from before the restore: %v; want Unauthenticated", err)
	}
	ctx = loginAs(t, dial(t, addr), "admin", password)
	if got := reportIDs(t, dial(t, addr), ctx); strings.Join(got, ",") != strings.Join(reports, ",") {
		t.Errorf("restored reports %v, want %v", got, reports)
	}
}

func TestAfterRestoreGoesWithAPostgreSQLDatabaseOnly(t *testing.T) {
	for _, args := range [][]string{
		{"--after-restore"},
		{"--after-restore", "--database", "sqlite:x.db"},
		{"--after-restore", "--database", "postgres://localhost/x", "--photos", "p", "--demo"},
	} {
		err := run(context.Background(), append([]string{"--data", t.TempDir()}, args...), io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "--after-restore goes with") {
			t.Errorf("gridd %v = %v; want it refused", args, err)
		}
	}
}
