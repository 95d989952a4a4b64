package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

// reportIDs lists the id of every report the caller of ctx sees.
func reportIDs(t *testing.T, conn *grpc.ClientConn, ctx context.Context) []string {
	t.Helper()
	var ids []string
	for token := ""; ; {
		r, err := pb.NewReportServiceClient(conn).ListReports(ctx, &pb.ListReportsRequest{PageSize: 500, PageToken: token})
		if err != nil {
			t.Fatalf("list reports: %v", err)
		}
		for _, rep := range r.GetReports() {
			ids = append(ids, rep.GetId())
		}
		if token = r.GetNextPageToken(); token == "" {
			break
		}
	}
	slices.Sort(ids)
	return ids
}

// takeBackup takes a backup over conn as the admin of ctx and returns
// the archive.
func takeBackup(t *testing.T, conn *grpc.ClientConn, ctx context.Context) []byte {
	t.Helper()
	stream, err := pb.NewAdminServiceClient(conn).Backup(ctx, &pb.BackupRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	for {
		msg, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return buf.Bytes()
		}
		if err != nil {
			t.Fatalf("backup: %v", err)
		}
		buf.Write(msg.GetData())
	}
}

// TestRestoreGivesAWorkingServer backs up a running demo street, restores
// the archive with gridd --restore into a new folder, and serves it.
func TestRestoreGivesAWorkingServer(t *testing.T) {
	dir := t.TempDir()
	data, restored, archive := filepath.Join(dir, "data"), filepath.Join(dir, "restored"), filepath.Join(dir, "backup.tar.gz")

	addr, printed, stop := startGridd(t, "--data", data, "--demo")
	_, rest, ok := strings.Cut(printed, "with password ")
	if !ok {
		t.Fatalf("first run printed %q; want the admin's password", printed)
	}
	password := strings.Fields(rest)[0]
	conn := dial(t, addr)
	admin := loginAs(t, conn, "admin", password)
	want := reportIDs(t, conn, admin)
	if err := os.WriteFile(archive, takeBackup(t, conn, admin), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}

	var out bytes.Buffer
	err := run(context.Background(), []string{"--restore", archive, "--data", data}, &out, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "holds a database") {
		t.Fatalf("restoring over the live folder: %v; want a refusal naming the database", err)
	}
	if err := run(context.Background(), []string{"--restore", archive, "--data", restored, "--demo"}, &out, io.Discard); err == nil {
		t.Error("--restore with --demo was taken")
	}
	out.Reset()
	if err := run(context.Background(), []string{"--restore", archive, "--data", restored}, &out, io.Discard); err != nil {
		t.Fatalf("restore: %v", err)
	}
	if !strings.Contains(out.String(), "案件 45 件") || !strings.Contains(out.String(), "gridd --data "+restored) ||
		!strings.Contains(out.String(), "（北京时间）") || strings.Contains(out.String(), "Z") {
		t.Errorf("restore printed %q; want the counts, the backup's time in China time, and how to start the server", out.String())
	}

	addr, printed, stop = startGridd(t, "--data", restored)
	defer stop()
	if strings.Contains(printed, "password") {
		t.Errorf("the restored server made a new admin: %q", printed)
	}
	conn2 := dial(t, addr)
	if _, err := pb.NewAuthServiceClient(conn2).WhoAmI(admin, &pb.WhoAmIRequest{}); status.Code(err) != codes.Unauthenticated {
		t.Errorf("a token from before the restore: %v, want Unauthenticated", err)
	}
	if got := reportIDs(t, conn2, loginAs(t, conn2, "admin", password)); !slices.Equal(got, want) {
		t.Errorf("restored server lists %d reports, want the %d backed up", len(got), len(want))
	}
	page, err := pb.NewSyncServiceClient(conn2).Pull(loginAs(t, conn2, "supervisor", "demo"), &pb.PullRequest{})
	if err != nil || len(page.GetChanges()) == 0 {
		t.Errorf("pull from the start: %d changes, %v", len(page.GetChanges()), err)
	}
}
