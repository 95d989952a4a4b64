package server_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"path/filepath"
	"regexp"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/gridinspect/gridinspect"
	"github.com/gridinspect/gridinspect/internal/storetest"
	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
	"github.com/gridinspect/gridinspect/store"
)

// receiveBackup calls Backup as user and returns the messages received
// and the call's error.
func (h *harness) receiveBackup(user string) ([]*pb.BackupResponse, error) {
	h.t.Helper()
	stream, err := pb.NewAdminServiceClient(h.conn).Backup(as(context.Background(), user), &pb.BackupRequest{})
	if err != nil {
		return nil, err
	}
	var msgs []*pb.BackupResponse
	for {
		msg, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return msgs, nil
		}
		if err != nil {
			return msgs, err
		}
		msgs = append(msgs, msg)
	}
}

func TestBackup_IsForAdminsOnly(t *testing.T) {
	h := newHarness(t)
	for _, user := range []string{"superAll", "workerA"} {
		msgs, err := h.receiveBackup(user)
		if code := status.Code(err); code != codes.PermissionDenied || len(msgs) != 0 {
			t.Errorf("as %s: %d messages, %v; want PermissionDenied and nothing else", user, len(msgs), err)
		}
	}
	if _, err := h.receiveBackup("nobody"); status.Code(err) != codes.Unauthenticated {
		t.Errorf("without a caller: %v, want Unauthenticated", err)
	}
}

func TestBackup_StreamsAnArchiveThatRestores(t *testing.T) {
	storetest.OnlyOnSQLite(t, "SQLite's backup; PostgreSQL's is pg_dump (issue 17 item 8)")
	h := newHarness(t)
	rep := h.mustSubmit("workerA", h.hazard())

	msgs, err := h.receiveBackup("admin")
	if err != nil {
		t.Fatalf("backup: %v", err)
	}
	if len(msgs) == 0 {
		t.Fatal("no messages")
	}
	if name := msgs[0].GetFilename(); !regexp.MustCompile(`^gridinspect-backup-20240315-170000\.tar\.gz$`).MatchString(name) {
		t.Errorf("filename %q, want gridinspect-backup-<China time of the server clock>.tar.gz", name)
	}
	var archive bytes.Buffer
	for i, m := range msgs {
		if i > 0 && m.GetFilename() != "" {
			t.Errorf("message %d names the file again", i)
		}
		if len(m.GetData()) == 0 || len(m.GetData()) > 256<<10 {
			t.Errorf("message %d holds %d bytes", i, len(m.GetData()))
		}
		archive.Write(m.GetData())
		if m.GetBytesWritten() != int64(archive.Len()) {
			t.Errorf("message %d: bytes_written %d, want %d", i, m.GetBytesWritten(), archive.Len())
		}
	}

	dir := filepath.Join(t.TempDir(), "restored")
	m, err := store.Restore(&archive, dir)
	if err != nil {
		t.Fatalf("restore: %v", err)
	}
	if m.Reports != 1 || m.InstanceID != h.db.InstanceID() {
		t.Errorf("manifest %+v, want 1 report of instance %s", m, h.db.InstanceID())
	}
	db, err := storetest.Open(t, filepath.Join(dir, store.DatabaseFile), store.Options{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(context.Background())
	got, err := db.GetReport(gridinspect.NewContext(context.Background(), gridinspect.SystemActor()), rep.GetId())
	if err != nil || got.Description != rep.GetDescription() {
		t.Errorf("restored report = %+v, %v", got, err)
	}
}
