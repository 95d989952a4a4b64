package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/uuid"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
	"github.com/gridinspect/gridinspect/store"
)

// The reproduction of issue 11, item 2: a photo row whose sha256 is a
// 64-character path (../././…/../secret.txt) made DownloadPhoto send
// whatever file it named, and a restore took such a row.

// secretBeside writes a secret file in the folder that holds the data
// folder, and returns it with the 64-character "hash" that reaches it
// from the photo folder's sha256/<first 2>/ as the store joins it.
func secretBeside(t *testing.T, data string) (secret []byte, path string) {
	t.Helper()
	secret = []byte("-----BEGIN PRIVATE KEY----- the server's TLS key")
	if err := os.WriteFile(filepath.Join(filepath.Dir(data), "secret.txt"), secret, 0o600); err != nil {
		t.Fatal(err)
	}
	path = "../" + strings.Repeat("./", (64-len("../")-len("../secret.txt"))/2) + "../secret.txt"
	if len(path) != 64 {
		t.Fatalf("traversal %q is %d characters", path, len(path))
	}
	return secret, path
}

// forgePhoto adds a complete photo of report with the given sha256 to
// the database file at dbPath, as only a hand in the database (or a
// restored archive) can, and returns its id.
func forgePhoto(t *testing.T, dbPath, report, sum string, size int) string {
	t.Helper()
	conn, err := sql.Open("sqlite3", dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	id := uuid.Must(uuid.NewV7()).String()
	if _, err := conn.Exec(`INSERT INTO photos (id, report_id, uploader_id, sha256, size, content_type, committed, complete, created_at, completed_at)
		VALUES (?, ?, ?, ?, ?, 'image/jpeg', ?, 1, 1, 1)`, id, report, uuid.NewString(), sum, size, size); err != nil {
		t.Fatalf("forge a photo: %v", err)
	}
	return id
}

// firstReport returns the id of a report the caller of ctx sees.
func firstReport(t *testing.T, conn *grpc.ClientConn, ctx context.Context) string {
	t.Helper()
	r, err := pb.NewReportServiceClient(conn).ListReports(ctx, &pb.ListReportsRequest{PageSize: 1})
	if err != nil || len(r.GetReports()) == 0 {
		t.Fatalf("list reports: %v, %v", r, err)
	}
	return r.GetReports()[0].GetId()
}

func TestDownloadPhotoOfAForgedPhotoRowNeverSendsAFile(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	secret, path := secretBeside(t, data)
	addr, _, stop := startGridd(t, "--data", data, "--demo")
	report := firstReport(t, dial(t, addr), loginAs(t, dial(t, addr), "worker01", "demo"))
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	id := forgePhoto(t, filepath.Join(data, store.DatabaseFile), report, path, len(secret))

	addr, _, stop = startGridd(t, "--data", data)
	defer stop()
	conn := dial(t, addr)
	dl, err := pb.NewSyncServiceClient(conn).DownloadPhoto(loginAs(t, conn, "worker01", "demo"), &pb.DownloadPhotoRequest{PhotoId: id})
	var got bytes.Buffer
	for err == nil {
		var msg *pb.DownloadPhotoResponse
		if msg, err = dl.Recv(); err == nil {
			got.Write(msg.GetChunk().GetData())
		}
	}
	if got.Len() > 0 || bytes.Contains(got.Bytes(), secret) {
		t.Errorf("DownloadPhoto of a photo with sha256 %q sent %q", path, got.Bytes())
	}
	// As for a photo whose file is missing: INTERNAL, the cause logged.
	if status.Code(err) != codes.Internal {
		t.Errorf("DownloadPhoto: %v, want Internal as for a missing file", err)
	}
}

// archiveEntries reads the files of a backup archive, in order.
func archiveEntries(t *testing.T, archive []byte) (names []string, files map[string][]byte) {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(archive))
	if err != nil {
		t.Fatal(err)
	}
	files = map[string][]byte{}
	tr := tar.NewReader(zr)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return names, files
		}
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		names, files[hdr.Name] = append(names, hdr.Name), b
	}
}

// writeArchive writes the files named, in that order, as a backup
// archive at path.
func writeArchive(t *testing.T, path string, names []string, files map[string][]byte) {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, name := range names {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Size: int64(len(files[name])), Mode: 0o600}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(files[name]); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

// setManifest sets fields of the archive's manifest.
func setManifest(t *testing.T, files map[string][]byte, set map[string]any) {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(files[store.BackupManifestFile], &m); err != nil {
		t.Fatal(err)
	}
	for k, v := range set {
		m[k] = v
	}
	files[store.BackupManifestFile], _ = json.Marshal(m)
}

func TestRestoreRefusesAnArchiveWhosePhotoRowIsAPathAndReadsFormat1(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	addr, printed, stop := startGridd(t, "--data", data, "--demo")
	_, rest, _ := strings.Cut(printed, "with password ")
	conn := dial(t, addr)
	admin := loginAs(t, conn, "admin", strings.Fields(rest)[0])
	report := firstReport(t, conn, loginAs(t, conn, "worker01", "demo"))
	archive := takeBackup(t, conn, admin)
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	names, files := archiveEntries(t, archive)

	t.Run("a photo row whose sha256 is a path", func(t *testing.T) {
		restored := filepath.Join(t.TempDir(), "restored")
		secret, path := secretBeside(t, restored)
		dbPath := filepath.Join(t.TempDir(), store.DatabaseFile)
		if err := os.WriteFile(dbPath, files[store.DatabaseFile], 0o600); err != nil {
			t.Fatal(err)
		}
		id := forgePhoto(t, dbPath+"?_journal_mode=DELETE", report, path, len(secret))
		crafted := map[string][]byte{}
		for k, v := range files {
			crafted[k] = v
		}
		var err error
		if crafted[store.DatabaseFile], err = os.ReadFile(dbPath); err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(crafted[store.DatabaseFile])
		setManifest(t, crafted, map[string]any{"database_bytes": len(crafted[store.DatabaseFile]), "database_sha256": hex.EncodeToString(sum[:])})
		file := filepath.Join(t.TempDir(), "crafted.tar.gz")
		writeArchive(t, file, names, crafted)

		err = run(context.Background(), []string{"--restore", file, "--data", restored}, io.Discard, io.Discard)
		want := fmt.Sprintf("not a valid backup: photo %q: damaged: its sha256 %q is not 64 lower-case hex digits", id, path)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("gridd --restore: %v; want a refusal saying %q", err, want)
		}
		t.Logf("gridd --restore says: %v", err)
		if _, err := os.Stat(restored); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("the refused restore left %s (%v)", restored, err)
		}
	})

	t.Run("an archive of format 1, manifest last", func(t *testing.T) {
		old := map[string][]byte{}
		var order []string
		for _, name := range names {
			if name != store.BackupManifestFile && name != store.BackupEndFile {
				order, old[name] = append(order, name), files[name]
			}
		}
		old[store.BackupManifestFile] = files[store.BackupManifestFile]
		setManifest(t, old, map[string]any{"format": 1})
		file := filepath.Join(t.TempDir(), "format1.tar.gz")
		writeArchive(t, file, append(order, store.BackupManifestFile), old)
		var out bytes.Buffer
		if err := run(context.Background(), []string{"--restore", file, "--data", filepath.Join(t.TempDir(), "restored")}, &out, io.Discard); err != nil {
			t.Fatalf("gridd --restore of format 1: %v", err)
		}
	})
}
