package store

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gridinspect/gridinspect"
)

// Backup and restore: a backup taken while writers keep writing restores
// into a database that holds everything acknowledged before it, agrees
// with its own photos, and sends every phone back to the start.

// mustBackup takes a backup of db as the admin.
func mustBackup(tb testing.TB, db *testDB) ([]byte, *BackupManifest) {
	tb.Helper()
	var buf bytes.Buffer
	m, err := db.Backup(as(admin()), &buf)
	if err != nil {
		tb.Fatalf("backup: %v", err)
	}
	return buf.Bytes(), m
}

// mustRestore restores archive into a new folder and opens it.
func mustRestore(tb testing.TB, archive []byte, clock *testClock) (*testDB, *BackupManifest) {
	tb.Helper()
	dir := filepath.Join(tb.TempDir(), "restored")
	m, err := Restore(bytes.NewReader(archive), dir)
	if err != nil {
		tb.Fatalf("restore: %v", err)
	}
	// The folder as gridd --data expects it, and nothing else.
	var names []string
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if !slices.Equal(names, []string{DatabaseFile, PhotoFolder}) {
		tb.Errorf("restored folder holds %v, want %s and %s", names, DatabaseFile, PhotoFolder)
	}
	return mustOpenAt(tb, filepath.Join(dir, DatabaseFile), clock), m
}

// wantIntegrityOK fails unless PRAGMA integrity_check says ok.
func wantIntegrityOK(tb testing.TB, db *testDB) {
	tb.Helper()
	var got string
	err := db.Read(context.Background(), func(tx *sql.Tx) error {
		return tx.QueryRow("PRAGMA integrity_check").Scan(&got)
	})
	if err != nil || got != "ok" {
		tb.Fatalf("integrity check = %q, %v; want ok", got, err)
	}
}

// completePhotos returns the hash of every complete photo, and of every
// photo whose upload is in progress with its committed size.
func completePhotos(tb testing.TB, db *testDB) (complete []string, partial map[string]int64) {
	tb.Helper()
	partial = map[string]int64{}
	err := db.Read(context.Background(), func(tx *sql.Tx) error {
		rows, err := tx.Query("SELECT id, sha256, complete, committed FROM photos")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id, sum string
			var done bool
			var committed int64
			if err := rows.Scan(&id, &sum, &done, &committed); err != nil {
				return err
			}
			if done {
				complete = append(complete, sum)
			} else {
				partial[id] = committed
			}
		}
		return rows.Err()
	})
	if err != nil {
		tb.Fatal(err)
	}
	slices.Sort(complete)
	return slices.Compact(complete), partial
}

// uploadPhoto uploads b as a photo of a new report in grid A, without
// failing the test, for a goroutine.
func uploadPhoto(db *testDB, ctx context.Context, b []byte) error {
	rep, _, err := db.SubmitReport(ctx, newReport(inA))
	if err != nil {
		return err
	}
	h := photoOf(rep.ID, b)
	if _, err := db.BeginUpload(ctx, h); err != nil {
		return err
	}
	st, err := db.WriteChunk(ctx, h.ID, 0, b)
	if err != nil {
		return err
	}
	if !st.Complete {
		return errors.New("photo not complete after its last chunk")
	}
	return nil
}

func TestBackup_WhileWritersKeepWritingRestoresEverythingAcknowledgedBefore(t *testing.T) {
	onlyOn(t, "sqlite") // SQLite's backup; PostgreSQL's is pg_dump (issue 17 item 8)
	db := MustOpenDB(t)
	mustStreet(t, db)
	ctx := as(worker(gridA))

	// Before the backup: photos of a report, one of them twice (stored
	// once), and an upload left half done.
	rep := mustSubmit(t, db, ctx, newReport(inA))
	var photos [][]byte
	for i := range 3 {
		b := photoBytes(uint64(i), 40_000+i)
		photos = append(photos, b)
		mustUpload(t, db, ctx, photoOf(rep.ID, b), b, 16_000)
	}
	mustUpload(t, db, ctx, photoOf(rep.ID, photos[0]), photos[0], 16_000)
	half := photoBytes(99, 30_000)
	halfPhoto := photoOf(rep.ID, half)
	mustBegin(t, db, ctx, halfPhoto)
	mustWrite(t, db, ctx, halfPhoto.ID, 0, half[:10_000])
	sys := gridinspect.NewContext(context.Background(), gridinspect.SystemActor())
	if _, err := db.CreateUser(sys, &gridinspect.User{Username: "worker01", Role: gridinspect.RoleWorker, GridIDs: []string{gridA}}, "worker-pass-1"); err != nil {
		t.Fatal(err)
	}
	session, err := db.Login(context.Background(), "worker01", "worker-pass-1", "phone-1")
	if err != nil {
		t.Fatal(err)
	}
	cursorBefore := mustPull(t, db, as(admin()), "", gridinspect.PullLimits{}).NextCursor

	// Writers submit reports and upload photos without pause, before,
	// during and after the backup.
	var (
		mu    sync.Mutex
		acked []string
		stop  = make(chan struct{})
		wg    sync.WaitGroup
	)
	halt := sync.OnceFunc(func() {
		close(stop)
		wg.Wait()
	})
	t.Cleanup(halt) // before the database closes, should the test fail early
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				r, _, err := db.SubmitReport(ctx, newReport(inA))
				if err != nil {
					t.Errorf("submit: %v", err)
					return
				}
				mu.Lock()
				acked = append(acked, r.ID)
				mu.Unlock()
			}
		})
	}
	wg.Go(func() {
		for i := uint64(1000); ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if err := uploadPhoto(db, ctx, photoBytes(i, 20_000)); err != nil {
				t.Errorf("upload: %v", err)
				return
			}
		}
	})
	waitFor := func(n int) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for {
			mu.Lock()
			got := len(acked)
			mu.Unlock()
			if got >= n {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d reports acknowledged in 30s, waiting for %d", got, n)
			}
			time.Sleep(time.Millisecond)
		}
	}
	waitFor(100)
	mu.Lock()
	before := slices.Clone(acked)
	mu.Unlock()
	archive, m := mustBackup(t, db)
	mu.Lock()
	during := len(acked) - len(before)
	mu.Unlock()
	waitFor(len(before) + during + 50)
	halt()
	t.Logf("%d reports acknowledged before the backup, %d while it ran; archive %d bytes", len(before), during, len(archive))

	cursorAfter := mustPull(t, db, as(admin()), "", gridinspect.PullLimits{MaxChanges: MaxPullChanges}).NextCursor
	if entries, _ := filepath.Glob(filepath.Join(filepath.Dir(db.Path()), ".backup-*")); len(entries) > 0 {
		t.Errorf("the backup left %v behind", entries)
	}

	restored, rm := mustRestore(t, archive, db.clock)
	if rm.DatabaseSHA256 != m.DatabaseSHA256 || rm.Reports != m.Reports {
		t.Errorf("Restore's manifest %+v differs from Backup's %+v", rm, m)
	}
	wantIntegrityOK(t, restored)

	t.Run("every report acknowledged before the backup is there, and the counts agree", func(t *testing.T) {
		for _, id := range before {
			if _, err := restored.GetReport(as(admin()), id); err != nil {
				t.Fatalf("report %s, acknowledged before the backup: %v", id, err)
			}
		}
		if got := count(t, restored, "reports"); int64(got) != m.Reports || got < len(before)+1 {
			t.Errorf("%d reports restored; the manifest says %d, and %d were acknowledged before", got, m.Reports, len(before)+1)
		}
		if got := count(t, restored, "events"); int64(got) != m.Events {
			t.Errorf("%d events restored; the manifest says %d", got, m.Events)
		}
		if m.InstanceID != db.InstanceID() || m.SchemaVersion == 0 || m.CreatedAt.IsZero() || m.Format != BackupFormat {
			t.Errorf("manifest %+v: want instance %s, a schema version, a time", m, db.InstanceID())
		}
	})

	t.Run("the photos complete in the snapshot are there, whole, and no others", func(t *testing.T) {
		for i, b := range photos {
			_, got := mustReadPhoto(t, restored, ctx, mustPhotoID(t, restored, sha(b)))
			if !bytes.Equal(got, b) {
				t.Errorf("photo %d: restored bytes differ", i)
			}
		}
		complete, partial := completePhotos(t, restored)
		if int64(len(complete)) != m.PhotoFiles || m.PhotoFiles < 3 || len(m.MissingPhotos)+len(m.DamagedPhotos) > 0 {
			t.Errorf("%d distinct complete photos, manifest %+v", len(complete), m)
		}
		var files []string
		for _, f := range photoFiles(t, restored, blobDirName) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if sha(b) != filepath.Base(f) {
				t.Errorf("photo file %s does not hash to its name", f)
			}
			files = append(files, filepath.Base(f))
		}
		slices.Sort(files)
		if !slices.Equal(files, complete) {
			t.Errorf("photo files %v, want exactly the complete photos %v", files, complete)
		}
		if len(photoFiles(t, restored, partialDirName)) != 0 {
			t.Error("partial uploads were restored")
		}
		if got := partial[halfPhoto.ID]; got != 0 {
			t.Errorf("the half-done upload's committed size = %d; its bytes were not in the backup, want 0", got)
		}
		if st := mustStatus(t, restored, ctx, halfPhoto.ID); st.Committed != 0 || st.Complete {
			t.Errorf("upload status %+v, want to start again from 0", st)
		}
	})

	t.Run("every phone starts its sync again", func(t *testing.T) {
		if restored.InstanceID() == db.InstanceID() {
			t.Fatal("the restored database kept the instance id of the one backed up")
		}
		for _, c := range []struct{ name, cursor string }{{"a cursor from after the backup", cursorAfter}, {"a cursor from before it", cursorBefore}} {
			page, err := restored.Pull(as(admin()), c.cursor, gridinspect.PullLimits{})
			if err != nil || !page.ResetRequired || len(page.Changes) != 0 {
				t.Errorf("%s: page %+v, %v; want reset required", c.name, page, err)
			}
		}
		if page := mustPull(t, restored, as(admin()), "", gridinspect.PullLimits{}); len(page.Changes) == 0 {
			t.Error("starting again gave nothing")
		}
	})

	t.Run("tokens issued before the backup no longer work", func(t *testing.T) {
		if _, err := db.Authenticate(context.Background(), session.Token); err != nil {
			t.Fatalf("the token on the original: %v", err)
		}
		_, err := restored.Authenticate(context.Background(), session.Token)
		wantCode(t, err, gridinspect.EUNAUTHENTICATED)
		if _, err := restored.Login(context.Background(), "worker01", "worker-pass-1", "phone-1"); err != nil {
			t.Errorf("logging in again: %v", err)
		}
	})

	t.Run("the restored server takes writes", func(t *testing.T) {
		mustSubmit(t, restored, ctx, newReport(inA))
		b := photoBytes(7, 5000)
		mustUpload(t, restored, ctx, photoOf(rep.ID, b), b, 5000)
		mustUpload(t, restored, ctx, halfPhoto, half, 10_000)
	})
}

// mustPhotoID returns the id of a complete photo with hash sum.
func mustPhotoID(tb testing.TB, db *testDB, sum string) string {
	tb.Helper()
	var id string
	err := db.Read(context.Background(), func(tx *sql.Tx) error {
		return tx.QueryRow("SELECT id FROM photos WHERE sha256 = ? AND complete = 1 LIMIT 1", sum).Scan(&id)
	})
	if err != nil {
		tb.Fatalf("photo %s: %v", sum, err)
	}
	return id
}

func TestBackup_IsForAdminsOnly(t *testing.T) {
	db := MustOpenDB(t)
	for _, c := range []struct {
		ctx  context.Context
		code string
	}{
		{context.Background(), gridinspect.EUNAUTHENTICATED},
		{as(supervisor()), gridinspect.EFORBIDDEN},
		{as(worker(gridA)), gridinspect.EFORBIDDEN},
	} {
		var buf bytes.Buffer
		_, err := db.Backup(c.ctx, &buf)
		wantCode(t, err, c.code)
		if buf.Len() != 0 {
			t.Errorf("%d bytes written before the refusal", buf.Len())
		}
	}
}

// failingWriter takes n bytes, then fails.
type failingWriter struct{ n int }

func (w *failingWriter) Write(p []byte) (int, error) {
	if len(p) > w.n {
		return 0, errors.New("the link went down")
	}
	w.n -= len(p)
	return len(p), nil
}

func TestBackup_AFailedWriteLeavesNothingBehind(t *testing.T) {
	db := MustOpenDB(t)
	mustStreet(t, db)
	mustSubmit(t, db, as(worker(gridA)), newReport(inA))
	if _, err := db.Backup(as(admin()), &failingWriter{n: 100}); err == nil {
		t.Fatal("backup to a failing writer succeeded")
	}
	if entries, _ := filepath.Glob(filepath.Join(filepath.Dir(db.Path()), ".backup-*")); len(entries) > 0 {
		t.Errorf("the failed backup left %v behind", entries)
	}
}

func TestBackup_SaysWhichPhotoFilesWereMissingOrDamaged(t *testing.T) {
	onlyOn(t, "sqlite") // SQLite's backup; PostgreSQL's is pg_dump (issue 17 item 8)
	db, rep, ctx := photoStreet(t)
	gone, bad, good := photoBytes(1, 3000), photoBytes(2, 3000), photoBytes(3, 3000)
	for _, b := range [][]byte{gone, bad, good} {
		mustUpload(t, db, ctx, photoOf(rep.ID, b), b, 3000)
	}
	if err := os.Remove(blobFile(t, db, sha(gone))); err != nil {
		t.Fatal(err)
	}
	flipped := slices.Clone(bad)
	flipped[0] ^= 0xff
	writeFile(t, blobFile(t, db, sha(bad)), flipped)

	archive, m := mustBackup(t, db)
	if !slices.Equal(m.MissingPhotos, []string{sha(gone)}) || !slices.Equal(m.DamagedPhotos, []string{sha(bad)}) || m.PhotoFiles != 2 {
		t.Fatalf("manifest %+v: want %s missing and %s damaged, 2 files", m, sha(gone), sha(bad))
	}
	// What the server had is what the restored one has: the damage was
	// the backup's to report, not the archive's.
	restored, _ := mustRestore(t, archive, db.clock)
	_, got := mustReadPhoto(t, restored, ctx, mustPhotoID(t, restored, sha(good)))
	if !bytes.Equal(got, good) {
		t.Error("the good photo differs")
	}
	if b, err := os.ReadFile(blobFile(t, restored, sha(bad))); err != nil || !bytes.Equal(b, flipped) {
		t.Errorf("the damaged photo was not kept as it was: %v", err)
	}
}

func TestRestore_RefusesAFolderThatIsNotEmpty(t *testing.T) {
	onlyOn(t, "sqlite") // SQLite's backup; PostgreSQL's is pg_dump (issue 17 item 8)
	db := MustOpenDB(t)
	mustStreet(t, db)
	archive, _ := mustBackup(t, db)

	for _, c := range []struct {
		name, file, want string
	}{
		{"a folder holding a database", DatabaseFile, "holds a database"},
		{"a folder holding anything", "notes.txt", "holds notes.txt"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFile(t, filepath.Join(dir, c.file), []byte("mine"))
			_, err := Restore(bytes.NewReader(archive), dir)
			if !errors.Is(err, ErrRestoreTarget) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want ErrRestoreTarget saying %q", err, c.want)
			}
			entries, _ := os.ReadDir(dir)
			if b, _ := os.ReadFile(filepath.Join(dir, c.file)); len(entries) != 1 || string(b) != "mine" {
				t.Errorf("the folder was touched: %v", entries)
			}
		})
	}
	t.Run("an empty folder is fine", func(t *testing.T) {
		dir := t.TempDir()
		if _, err := Restore(bytes.NewReader(archive), dir); err != nil {
			t.Fatal(err)
		}
		mustOpenAt(t, filepath.Join(dir, DatabaseFile), db.clock)
	})
}

// tarEntry is one entry of an archive, for tests that alter one.
type tarEntry struct {
	hdr  tar.Header
	data []byte
}

func readEntries(tb testing.TB, archive []byte) []tarEntry {
	tb.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(archive))
	if err != nil {
		tb.Fatal(err)
	}
	var out []tarEntry
	tr := tar.NewReader(zr)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			tb.Fatal(err)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, tarEntry{hdr: *hdr, data: data})
	}
}

func writeEntries(tb testing.TB, entries []tarEntry) []byte {
	tb.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, e := range entries {
		hdr := e.hdr
		if hdr.Typeflag == tar.TypeReg {
			hdr.Size = int64(len(e.data))
		}
		if err := tw.WriteHeader(&hdr); err != nil {
			tb.Fatal(err)
		}
		if _, err := tw.Write(e.data); err != nil {
			tb.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		tb.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// file is a regular file entry.
func file(name string, data []byte) tarEntry {
	return tarEntry{hdr: tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: 0o640}, data: data}
}

// alter returns the entries with f applied to the one named name.
func alter(entries []tarEntry, name string, f func(e *tarEntry)) []tarEntry {
	out := slices.Clone(entries)
	for i := range out {
		if out[i].hdr.Name == name {
			out[i].data = slices.Clone(out[i].data)
			f(&out[i])
		}
	}
	return out
}

// afterManifest returns the entries with extra inserted after the first,
// the manifest.
func afterManifest(entries []tarEntry, extra ...tarEntry) []tarEntry {
	return slices.Insert(slices.Clone(entries), 1, extra...)
}

func TestRestore_RefusesAnArchiveThatIsNotAWholeUnalteredBackup(t *testing.T) {
	onlyOn(t, "sqlite") // SQLite's backup; PostgreSQL's is pg_dump (issue 17 item 8)
	db, rep, ctx := photoStreet(t)
	b := photoBytes(5, 4000)
	mustUpload(t, db, ctx, photoOf(rep.ID, b), b, 4000)
	archive, m := mustBackup(t, db)
	entries := readEntries(t, archive)
	photo := photoEntry(sha(b))
	manifestWith := func(f func(m *BackupManifest)) []tarEntry {
		return alter(entries, BackupManifestFile, func(e *tarEntry) {
			mm := *m
			f(&mm)
			e.data, _ = json.Marshal(mm)
		})
	}
	outside := filepath.Join(t.TempDir(), "evil")

	for _, c := range []struct {
		name    string
		archive []byte
		want    string
	}{
		{"a database altered", writeEntries(t, alter(entries, DatabaseFile, func(e *tarEntry) { e.data[len(e.data)-1] ^= 1 })),
			"is not the one the manifest names"},
		{"a manifest with another hash", writeEntries(t, manifestWith(func(m *BackupManifest) { m.DatabaseSHA256 = sha([]byte("x")) })),
			"is not the one the manifest names"},
		{"a photo altered", writeEntries(t, alter(entries, photo, func(e *tarEntry) { e.data[0] ^= 1 })),
			"does not hash to its name"},
		{"a path out of the folder", writeEntries(t, afterManifest(entries, file("../evil", []byte("x")))), `".."`},
		{"a path deeper out of the folder", writeEntries(t, afterManifest(entries, file("photos/../../evil", []byte("x")))), `".."`},
		{"an absolute path", writeEntries(t, afterManifest(entries, file(outside, []byte("x")))), "not a relative path"},
		{"a symbolic link", writeEntries(t, afterManifest(entries, tarEntry{hdr: tar.Header{Typeflag: tar.TypeSymlink,
			Name: "photos/sha256/ab/" + strings.Repeat("ab", 32), Linkname: "/etc/passwd"}})), "symbolic link"},
		{"a hard link", writeEntries(t, afterManifest(entries, tarEntry{hdr: tar.Header{Typeflag: tar.TypeLink,
			Name: "gridinspect.db", Linkname: "/etc/passwd"}})), "hard link"},
		{"a file a backup does not have", writeEntries(t, afterManifest(entries, file("run.sh", []byte("x")))), "a file a backup does not have"},
		{"a photo in the wrong folder", writeEntries(t, afterManifest(entries, file("photos/sha256/00/"+sha([]byte("x")), []byte("x")))),
			"a file a backup does not have"},
		{"an entry twice", writeEntries(t, append(slices.Clone(entries), entries[0])), "appears twice"},
		{"a photo too big", writeEntries(t, afterManifest(entries, file("photos/sha256/00/00"+strings.Repeat("0", 62), make([]byte, gridinspect.MaxPhotoBytes+1)))),
			"a photo has 1 to"},
		{"no manifest", writeEntries(t, entries[1:]), "no BACKUP.json: the archive is incomplete"},
		{"no end", writeEntries(t, entries[:len(entries)-1]), "no BACKUP-END.json: the archive is incomplete"},
		{"a file before the manifest", writeEntries(t, append([]tarEntry{entries[1], entries[0]}, entries[2:]...)),
			"BACKUP.json is not the first file"},
		{"a file after the end", writeEntries(t, append(slices.Clone(entries), file("photos/sha256/00/"+sha([]byte("x")), []byte("x")))),
			"comes after BACKUP-END.json"},
		{"a photo dropped", writeEntries(t, slices.DeleteFunc(slices.Clone(entries), func(e tarEntry) bool { return e.hdr.Name == photo })),
			"0 photo files of 0 bytes, but the manifest says 1 of 4000"},
		{"a photo more than the manifest says", writeEntries(t, afterManifest(entries, file(photoEntry(sha([]byte("x"))), []byte("x")))),
			"one more than the 1 photo files the manifest says"},
		{"photos larger than the manifest says", writeEntries(t, manifestWith(func(m *BackupManifest) { m.PhotoFiles, m.PhotoBytes = 2, 3999 })),
			"goes past the 3999 bytes of photo files the manifest says"},
		{"another format", writeEntries(t, manifestWith(func(m *BackupManifest) { m.Format = 3 })), "format 3"},
		{"cut short", archive[:len(archive)/2], "unexpected EOF"},
		{"the gzip checksum wrong", append(slices.Clone(archive[:len(archive)-8]), 0, 0, 0, 0, 0, 0, 0, 0), "checksum"},
		{"not gzip", []byte("PK\x03\x04 a zip file"), "not a gzip file"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "restored")
			_, err := Restore(bytes.NewReader(c.archive), dir)
			if !errors.Is(err, ErrBadArchive) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want ErrBadArchive saying %q", err, c.want)
			}
			if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("the refused restore left %s behind (%v)", dir, err)
			}
			for _, p := range []string{outside, filepath.Join(filepath.Dir(dir), "evil")} {
				if _, err := os.Lstat(p); !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("%s was written", p)
				}
			}
		})
	}
	t.Run("the archive unaltered", func(t *testing.T) {
		// The same entries written again restore: the tests above fail
		// for what they changed, not for how they were written.
		dir := filepath.Join(t.TempDir(), "restored")
		if _, err := Restore(bytes.NewReader(writeEntries(t, entries)), dir); err != nil {
			t.Fatal(err)
		}
	})
}

// withDatabase returns the entries with the archive's database changed
// by the SQL stmts, and its manifest naming the changed one, as someone
// who crafts an archive would.
func withDatabase(tb testing.TB, entries []tarEntry, stmts ...string) []tarEntry {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "crafted.db")
	for _, e := range entries {
		if e.hdr.Name == DatabaseFile {
			writeFile(tb, path, e.data)
		}
	}
	conn, err := sql.Open("sqlite3", path+"?_journal_mode=DELETE")
	if err != nil {
		tb.Fatal(err)
	}
	for _, stmt := range stmts {
		if _, err := conn.Exec(stmt); err != nil {
			tb.Fatalf("%s: %v", stmt, err)
		}
	}
	if err := conn.Close(); err != nil {
		tb.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	out := alter(entries, DatabaseFile, func(e *tarEntry) { e.data = b })
	return withManifest(tb, out, func(m *BackupManifest) { m.DatabaseBytes, m.DatabaseSHA256 = int64(len(b)), sha(b) })
}

// withManifest returns the entries with the manifest changed by f.
func withManifest(tb testing.TB, entries []tarEntry, f func(m *BackupManifest)) []tarEntry {
	tb.Helper()
	return alter(entries, BackupManifestFile, func(e *tarEntry) {
		var m BackupManifest
		if err := json.Unmarshal(e.data, &m); err != nil {
			tb.Fatal(err)
		}
		f(&m)
		e.data, _ = json.Marshal(m)
	})
}

func TestRestore_RefusesAPhotoRowThatIsNotItsFile(t *testing.T) {
	onlyOn(t, "sqlite") // SQLite's backup; PostgreSQL's is pg_dump (issue 17 item 8)
	db, rep, ctx := photoStreet(t)
	b := photoBytes(5, 4000)
	mustUpload(t, db, ctx, photoOf(rep.ID, b), b, 4000)
	id := mustPhotoID(t, db, sha(b))
	archive, _ := mustBackup(t, db)
	entries := readEntries(t, archive)
	secret := []byte("-----BEGIN PRIVATE KEY----- the server's TLS key")
	path := traversal(t, "secret.txt") // from <restored>/photos/sha256 to <restored>/../secret.txt
	forge := func(set string) string { return "UPDATE photos SET " + set + " WHERE id = '" + id + "'" }

	for _, tt := range []struct {
		name    string
		entries []tarEntry
		want    string
	}{
		{"a hash that is a path to a file outside",
			withDatabase(t, entries, forge(fmt.Sprintf("sha256 = '%s', size = %d, committed = %d", path, len(secret), len(secret)))),
			fmt.Sprintf("photo %q: damaged: its sha256 %q is not 64 lower-case hex digits", id, path)},
		{"the same, with the manifest saying its file was missing",
			withManifest(t, withDatabase(t, entries, forge(fmt.Sprintf("sha256 = '%s', size = %d, committed = %d", path, len(secret), len(secret)))),
				func(m *BackupManifest) { m.MissingPhotos = []string{path} }),
			"is not 64 lower-case hex digits"},
		{"the same, of an upload in progress",
			withDatabase(t, entries, forge(fmt.Sprintf("sha256 = '%s', size = %d, committed = 0, complete = 0, completed_at = NULL", path, len(secret)))),
			"is not 64 lower-case hex digits"},
		{"an id that is a path", withDatabase(t, entries, forge("id = '../../../secret.txt'")),
			`photo "../../../secret.txt": damaged: its id "../../../secret.txt" is not a lower-case UUID`},
		{"a hash whose file is not in the archive", withDatabase(t, entries, forge("sha256 = '"+sha([]byte("x"))+"'")),
			"photo " + id + " is complete in the database, but its file (sha256 " + sha([]byte("x")) + ") is not in the archive"},
		{"a size other than its file's", withDatabase(t, entries, forge("size = 4001, committed = 4001")),
			"photo " + id + " is 4001 bytes in the database, but its file in the archive has 4000"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "restored")
			writeFile(t, filepath.Join(filepath.Dir(dir), "secret.txt"), secret)
			_, err := Restore(bytes.NewReader(writeEntries(t, tt.entries)), dir)
			if err == nil {
				restored := mustOpenAt(t, filepath.Join(dir, DatabaseFile), db.clock)
				if _, r, err := restored.OpenPhoto(ctx, id); err == nil {
					got, _ := io.ReadAll(r)
					r.Close()
					t.Errorf("the restored photo %s reads %q", id, got)
				}
				t.Fatalf("the archive was restored; want it refused saying %q", tt.want)
			}
			if !errors.Is(err, ErrBadArchive) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want ErrBadArchive saying %q", err, tt.want)
			}
			if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("the refused restore left %s behind (%v)", dir, err)
			}
		})
	}
	t.Run("the archive as crafted, unaltered", func(t *testing.T) {
		// The crafting changes what the cases change and nothing else.
		dir := filepath.Join(t.TempDir(), "restored")
		if _, err := Restore(bytes.NewReader(writeEntries(t, withDatabase(t, entries, forge("size = 4000")))), dir); err != nil {
			t.Fatal(err)
		}
	})
}

func TestBackup_RefusesAPhotoRowThatCouldNameAnyFile(t *testing.T) {
	onlyOn(t, "sqlite") // SQLite's backup; PostgreSQL's is pg_dump (issue 17 item 8)
	db, rep, ctx := photoStreet(t)
	b := photoBytes(5, 4000)
	h := photoOf(rep.ID, b)
	mustUpload(t, db, ctx, h, b, 4000)
	secret := []byte("-----BEGIN PRIVATE KEY----- the server's TLS key")
	writeFile(t, filepath.Join(filepath.Dir(filepath.Dir(db.Path())), "secret.txt"), secret)
	forgePhotoHash(t, db, h.ID, traversal(t, "secret.txt"), int64(len(secret)))

	var buf bytes.Buffer
	_, err := db.Backup(as(admin()), &buf)
	if want := fmt.Sprintf("photo %q: damaged: its sha256", h.ID); err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("backup: %v; want it refused saying %q", err, want)
	}
	if bytes.Contains(buf.Bytes(), secret) || buf.Len() > 0 {
		t.Errorf("the refused backup wrote %d bytes", buf.Len())
	}
}

// asFormat1 returns the entries of an archive as a gridd of format 1
// wrote them: the manifest last, holding the damaged photos; no end.
func asFormat1(tb testing.TB, entries []tarEntry) []tarEntry {
	tb.Helper()
	var out []tarEntry
	var manifest tarEntry
	var end backupEnd
	for _, e := range entries {
		switch e.hdr.Name {
		case BackupManifestFile:
			manifest = e
		case BackupEndFile:
			if err := json.Unmarshal(e.data, &end); err != nil {
				tb.Fatal(err)
			}
		default:
			out = append(out, e)
		}
	}
	return append(out, withManifest(tb, []tarEntry{manifest}, func(m *BackupManifest) {
		m.Format, m.DamagedPhotos = 1, end.DamagedPhotos
	})...)
}

// streamOnly hides every method of a reader but Read, as a pipe has.
type streamOnly struct{ io.Reader }

func TestRestore_ReadsAnArchiveOfFormat1FromAFile(t *testing.T) {
	onlyOn(t, "sqlite") // SQLite's backup; PostgreSQL's is pg_dump (issue 17 item 8)
	db, rep, ctx := photoStreet(t)
	good, bad := photoBytes(1, 3000), photoBytes(2, 3000)
	for _, b := range [][]byte{good, bad} {
		mustUpload(t, db, ctx, photoOf(rep.ID, b), b, 3000)
	}
	flipped := slices.Clone(bad)
	flipped[0] ^= 0xff
	writeFile(t, blobFile(t, db, sha(bad)), flipped)
	archive, _ := mustBackup(t, db)
	old := writeEntries(t, asFormat1(t, readEntries(t, archive)))

	restored, m := mustRestore(t, old, db.clock)
	if m.Format != 1 || !slices.Equal(m.DamagedPhotos, []string{sha(bad)}) {
		t.Errorf("manifest %+v: want format 1 with %s damaged", m, sha(bad))
	}
	if _, got := mustReadPhoto(t, restored, ctx, mustPhotoID(t, restored, sha(good))); !bytes.Equal(got, good) {
		t.Error("the good photo differs")
	}

	t.Run("from a stream it is refused, having written nothing", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "restored")
		_, err := Restore(streamOnly{bytes.NewReader(old)}, dir)
		if !errors.Is(err, ErrBadArchive) || !strings.Contains(err.Error(), "restore it from a file") {
			t.Fatalf("err = %v, want ErrBadArchive saying to restore it from a file", err)
		}
		if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("the refused restore left %s behind (%v)", dir, err)
		}
	})
	t.Run("format 2 from a stream is restored", func(t *testing.T) {
		if _, err := Restore(streamOnly{bytes.NewReader(archive)}, filepath.Join(t.TempDir(), "restored")); err != nil {
			t.Fatal(err)
		}
	})
}

// processBytesWritten returns how many bytes this process has passed to
// write(2) and its kin so far (wchar in /proc/self/io), or skips the test
// where that is not known (not Linux); under CI, which runs on Linux, it
// fails instead.
func processBytesWritten(tb testing.TB) int64 {
	tb.Helper()
	skip := tb.Skipf
	if os.Getenv("CI") != "" {
		skip = tb.Fatalf
	}
	b, err := os.ReadFile("/proc/self/io")
	if err != nil {
		skip("bytes written are not known here: %v", err)
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "wchar: "); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				tb.Fatal(err)
			}
			return n
		}
	}
	skip("no wchar in /proc/self/io")
	return 0
}

// withHugeDatabase writes the entries as an archive whose database is
// size bytes of zeros (a multiple of 1 MiB), in little space: the zeros
// are one small gzip member repeated (a gzip file may hold several).
func withHugeDatabase(tb testing.TB, entries []tarEntry, size int64) []byte {
	tb.Helper()
	var out bytes.Buffer
	member := func(b []byte) {
		zw := gzip.NewWriter(&out)
		if _, err := zw.Write(b); err != nil {
			tb.Fatal(err)
		}
		if err := zw.Close(); err != nil {
			tb.Fatal(err)
		}
	}
	var zeros bytes.Buffer
	zw := gzip.NewWriter(&zeros)
	if _, err := zw.Write(make([]byte, 1<<20)); err != nil {
		tb.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}

	var tarBytes bytes.Buffer
	tw := tar.NewWriter(&tarBytes)
	for _, e := range entries {
		hdr := e.hdr
		if hdr.Name != DatabaseFile {
			hdr.Size = int64(len(e.data))
			if err := tw.WriteHeader(&hdr); err != nil {
				tb.Fatal(err)
			}
			if _, err := tw.Write(e.data); err != nil {
				tb.Fatal(err)
			}
			continue
		}
		hdr.Size = size
		if err := tw.WriteHeader(&hdr); err != nil {
			tb.Fatal(err)
		}
		// The header is out; the zeros follow it, then a new tar writer
		// for the rest (a tar file is blocks one after another).
		member(tarBytes.Bytes())
		tarBytes.Reset()
		for range size >> 20 {
			out.Write(zeros.Bytes())
		}
		tw = tar.NewWriter(&tarBytes)
	}
	if err := tw.Close(); err != nil {
		tb.Fatal(err)
	}
	member(tarBytes.Bytes())
	return out.Bytes()
}

func TestRestore_WritesNothingLargeBeforeTheManifestSaysItFits(t *testing.T) {
	onlyOn(t, "sqlite") // SQLite's backup; PostgreSQL's is pg_dump (issue 17 item 8)
	db, rep, ctx := photoStreet(t)
	b := photoBytes(5, 4000)
	mustUpload(t, db, ctx, photoOf(rep.ID, b), b, 4000)
	archive, m := mustBackup(t, db)
	entries := readEntries(t, archive)
	const huge = 1 << 30
	free, ok := diskFree(t.TempDir())
	if !ok {
		t.Skip("the free space is not known here")
	}

	for _, tt := range []struct {
		name    string
		archive []byte
		stream  bool // read through a reader that cannot seek
		want    string
	}{
		{"a database larger than the manifest says", withHugeDatabase(t, entries, huge), false,
			fmt.Sprintf("not a valid backup: gridinspect.db is %d bytes, but the manifest says %d", huge, m.DatabaseBytes)},
		{"a manifest saying so, and a database of zeros",
			withHugeDatabase(t, withManifest(t, entries, func(m *BackupManifest) { m.DatabaseBytes = huge }), huge), false,
			"not a valid backup: gridinspect.db is not an SQLite database"},
		{"the manifest last, as in format 1", withHugeDatabase(t, asFormat1(t, entries), huge), false,
			fmt.Sprintf("not a valid backup: gridinspect.db is %d bytes, but the manifest says %d", huge, m.DatabaseBytes)},
		{"the manifest last, from a stream", withHugeDatabase(t, asFormat1(t, entries), huge), true,
			"not a valid backup: BACKUP.json is not the first file (an archive of format 1, from an older gridd?): restore it from a file"},
		{"a manifest saying a database larger than any restore takes",
			writeEntries(t, withManifest(t, entries, func(m *BackupManifest) { m.DatabaseBytes = MaxRestoreDatabaseBytes + 1 })), false,
			"not a valid backup: BACKUP.json says the database is 274877906945 bytes; it is 1 to 274877906944"},
		{"a manifest saying photos of more than one photo's size each",
			writeEntries(t, withManifest(t, entries, func(m *BackupManifest) { m.PhotoBytes = gridinspect.MaxPhotoBytes + 1 })), false,
			"not a valid backup: BACKUP.json says 1 photo files of 20971521 bytes in all; a photo has 1 to 20971520 bytes"},
		{"a manifest saying more than the disk has free",
			writeEntries(t, withManifest(t, entries, func(m *BackupManifest) {
				m.PhotoBytes = int64(free) + 1<<40 // far beyond, as others write and delete on the disk
				m.PhotoFiles = m.PhotoBytes/gridinspect.MaxPhotoBytes + 1
			})), false,
			"store: restore: not enough free space: the backup holds"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "restored")
			var r io.Reader = bytes.NewReader(tt.archive)
			if tt.stream {
				r = streamOnly{r}
			}
			before := processBytesWritten(t)
			_, err := Restore(r, dir)
			written := processBytesWritten(t) - before
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want one saying %q", err, tt.want)
			}
			t.Logf("archive %d bytes; %d bytes written before the refusal", len(tt.archive), written)
			if written > 1<<20 {
				t.Errorf("%d bytes were written before the refusal; want next to none", written)
			}
			if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("the refused restore left %s behind (%v)", dir, err)
			}
		})
	}
}
