package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/gridinspect/gridinspect"
	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
	"github.com/gridinspect/gridinspect/server"
	"github.com/gridinspect/gridinspect/store"
)

// backupGridd is the real server wired as gridd wires it (server.Serve,
// so backups too), with the first-run admin, a grid, a supervisor and a
// worker, on a loopback port.
type backupGridd struct {
	*testGridd
	worker string // token
}

func startBackupGridd(t *testing.T) *backupGridd {
	t.Helper()
	quiet := slog.New(slog.DiscardHandler)
	dbPath := filepath.Join(t.TempDir(), "data", store.DatabaseFile)
	db, err := store.Open(dbPath, store.Options{Logger: quiet, PasswordParams: cheapPasswords})
	if err != nil {
		t.Fatal(err)
	}
	adminPassword, _, err := db.EnsureAdmin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	sys := gridinspect.NewContext(context.Background(), gridinspect.SystemActor())
	if _, err := db.CreateGrid(sys, &gridinspect.Grid{ID: gridHong, Name: "红星村", Kind: gridinspect.GridKindVillage,
		Boundary: gridinspect.Boundary{{{{Lat: 31.2, Lng: 118.3}, {Lat: 31.2, Lng: 118.37}, {Lat: 31.3, Lng: 118.37}, {Lat: 31.3, Lng: 118.3}}}}}); err != nil {
		t.Fatal(err)
	}
	cfg := server.Serve(db)
	cfg.Logger = quiet
	cfg.LoginLimits = &server.LoginLimits{PerUsername: server.Limit{Burst: 1000, Every: time.Millisecond},
		PerAddress: server.Limit{Burst: 1000, Every: time.Millisecond}}
	rec := &callRecorder{}
	srv := server.New(cfg, grpc.StatsHandler(rec))
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(lis) }()
	g := &backupGridd{testGridd: &testGridd{addr: lis.Addr().String(), adminPassword: adminPassword, db: db, dbPath: dbPath,
		calls: rec}}
	g.clientCreds = insecure.NewCredentials()
	t.Cleanup(func() {
		if g.conn != nil {
			_ = g.conn.Close()
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		if err := db.Close(ctx); err != nil {
			t.Errorf("close store: %v", err)
		}
	})
	g.mustCreateUser(t, "supervisor", pb.Role_ROLE_SUPERVISOR, supervisorPassword)
	g.mustCreateUser(t, "worker01", pb.Role_ROLE_WORKER, workerPassword, gridHong)
	g.worker = g.login(t, "worker01", workerPassword)
	return g
}

// mustUploadPhoto uploads data as a photo of report, as the phone of
// token would, and returns the photo's id.
func (g *testGridd) mustUploadPhoto(t *testing.T, token, report string, data []byte) string {
	t.Helper()
	sum := sha256.Sum256(data)
	id := newV7()
	s, err := pb.NewSyncServiceClient(g.client(t)).UploadPhoto(as(token))
	if err != nil {
		t.Fatal(err)
	}
	for _, msg := range []*pb.UploadPhotoRequest{
		{Part: &pb.UploadPhotoRequest_Header{Header: &pb.PhotoHeader{PhotoId: id, ReportId: report,
			Sha256: hex.EncodeToString(sum[:]), SizeBytes: int64(len(data)), ContentType: "image/jpeg"}}},
		{Part: &pb.UploadPhotoRequest_Chunk{Chunk: &pb.PhotoChunk{Data: data}}},
	} {
		if err := s.Send(msg); err != nil {
			t.Fatalf("upload: %v", err)
		}
	}
	if resp, err := s.CloseAndRecv(); err != nil || !resp.GetComplete() {
		t.Fatalf("upload = %v, %v; want complete", resp, err)
	}
	return id
}

// filesIn lists the names in dir.
func filesIn(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestBackupToAFileRestoresIntoAWorkingDatabase(t *testing.T) {
	isolate(t)
	g := startBackupGridd(t)
	t.Setenv(EnvServer, g.addr)
	var reports []*pb.Report
	for _, desc := range []string{"仓库安全出口堵塞", "灭火器过期", "电动车楼道充电"} {
		reports = append(reports, g.mustSubmit(t, g.worker, g.hazard(desc)))
	}
	photo := bytes.Repeat([]byte("\xff\xd8\xff\xe0 not really a jpeg "), 5000)
	photoID := g.mustUploadPhoto(t, g.worker, reports[0].GetId(), photo)
	mustGridctl(t, g.adminPassword+"\n", "login", "--username", "admin", "--password-stdin")

	dir := t.TempDir()
	file := filepath.Join(dir, "nightly.tar.gz")
	out := mustGridctl(t, "", "backup", "--out", file)
	if got := filesIn(t, dir); len(got) != 1 || got[0] != "nightly.tar.gz" {
		t.Fatalf("folder holds %v, want only nightly.tar.gz", got)
	}
	fi, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("backup file mode %v, want 0600: it holds password hashes", fi.Mode().Perm())
	}
	// The README shows this output: a supervisor reads it.
	if words := englishWords(out); len(words) > 0 {
		t.Errorf("gridctl backup printed English %q:\n%s", words, out)
	}
	if m := notChinaTime.FindString(out); m != "" {
		t.Errorf("gridctl backup printed a time not in China time (%q):\n%s", m, out)
	}
	for _, want := range []string{"nightly.tar.gz (" + formatBytes(fi.Size()) + ")", "报告      3", "照片      1（1 个文件"} {
		if !strings.Contains(out, want) {
			t.Errorf("gridctl backup printed:\n%s\nwant a line with %q", out, want)
		}
	}

	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	restored := filepath.Join(t.TempDir(), "restored")
	m, err := store.Restore(f, restored)
	if err != nil {
		t.Fatalf("restore %s: %v", file, err)
	}
	if m.Reports != 3 || m.Photos != 1 || m.InstanceID != g.db.InstanceID() {
		t.Errorf("manifest %+v, want 3 reports and 1 photo of instance %s", m, g.db.InstanceID())
	}
	db, err := store.Open(filepath.Join(restored, store.DatabaseFile), store.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(context.Background())
	sys := gridinspect.NewContext(context.Background(), gridinspect.SystemActor())
	for _, r := range reports {
		got, err := db.GetReport(sys, r.GetId())
		if err != nil || got.Description != r.GetDescription() {
			t.Errorf("restored report %s = %+v, %v", r.GetId(), got, err)
		}
	}
	_, rd, err := db.OpenPhoto(sys, photoID)
	if err != nil {
		t.Fatalf("restored photo: %v", err)
	}
	defer rd.Close()
	if b, err := io.ReadAll(rd); err != nil || !bytes.Equal(b, photo) {
		t.Errorf("restored photo differs (%v)", err)
	}
	if db.InstanceID() == g.db.InstanceID() {
		t.Error("the restored database kept the instance id")
	}
}

func TestBackupIntoAFolderTakesTheSuggestedName(t *testing.T) {
	isolate(t)
	g := startBackupGridd(t)
	t.Setenv(EnvServer, g.addr)
	mustGridctl(t, g.adminPassword+"\n", "login", "--username", "admin", "--password-stdin")
	dir := t.TempDir()
	out := mustGridctl(t, "", "--json", "backup", "--out", dir)
	var got struct {
		File     string
		Bytes    int64
		Manifest struct {
			Reports int64  `json:"reports"`
			DBSum   string `json:"database_sha256"`
		}
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("--json printed %q: %v", out, err)
	}
	names := filesIn(t, dir)
	if len(names) != 1 || !strings.HasPrefix(names[0], "gridinspect-backup-") || !strings.HasSuffix(names[0], ".tar.gz") ||
		got.File != filepath.Join(dir, names[0]) || got.Manifest.DBSum == "" {
		t.Errorf("folder holds %v; --json said %+v", names, got)
	}
}

// TestBackupIntoAFolderThatCannotTakeItAsksTheServerNothing: a missing
// folder, a file given as the folder, or a folder without write
// permission fails with the folder's name before any call reaches the
// server, and leaves nothing behind.
func TestBackupIntoAFolderThatCannotTakeItAsksTheServerNothing(t *testing.T) {
	isolate(t)
	g := startBackupGridd(t)
	t.Setenv(EnvServer, g.addr)
	mustGridctl(t, g.adminPassword+"\n", "login", "--username", "admin", "--password-stdin")
	dir := t.TempDir()
	file := filepath.Join(dir, "a-file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	locked := filepath.Join(dir, "locked")
	if err := os.Mkdir(locked, 0o500); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 {
		// Root writes into any folder of its own; not into sysfs.
		if fi, err := os.Stat("/sys"); err == nil && fi.IsDir() {
			locked = "/sys"
		}
	}
	missing := filepath.Join(dir, "usb")
	tests := []struct {
		name, out, want string
		root            bool // whether the case holds for root, who may write anywhere
	}{
		{"missing folder", missing + "/", "文件夹 " + missing + " 不存在", true},
		{"file in a missing folder", filepath.Join(missing, "b.tar.gz"), "文件夹 " + missing + " 不存在", true},
		{"a file named as the folder", file + "/", file + " 不是文件夹", true},
		{"folder without write permission", locked, "没有写入文件夹 " + locked + " 的权限", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !tt.root && os.Geteuid() == 0 && locked != "/sys" {
				if os.Getenv("CI") != "" {
					t.Fatal("root writes into any folder, and there is no /sys to refuse it: CI must run this case")
				}
				t.Skip("root writes into any folder, and there is no /sys")
			}
			g.calls.reset()
			r := gridctl(t, "", "backup", "--out", tt.out)
			if r.code != exitError || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want 1 and %q", r.code, r.stderr, tt.want)
			}
			if calls := g.calls.all(); len(calls) != 0 {
				t.Errorf("the server was called: %v", calls)
			}
		})
	}
	if names := filesIn(t, dir); !slices.Equal(names, []string{"a-file", "locked"}) {
		t.Errorf("the folder holds %v", names)
	}
	// The recorder does see a backup that goes ahead.
	g.calls.reset()
	mustGridctl(t, "", "backup", "--out", filepath.Join(dir, "b.tar.gz"))
	if len(g.calls.of("Backup")) != 1 {
		t.Errorf("calls of a backup: %v", g.calls.all())
	}
}

func TestBackupIsForAdmins(t *testing.T) {
	isolate(t)
	g := startBackupGridd(t)
	t.Setenv(EnvServer, g.addr)
	mustGridctl(t, supervisorPassword+"\n", "login", "--username", "supervisor", "--password-stdin")
	dir := t.TempDir()
	r := gridctl(t, "", "backup", "--out", filepath.Join(dir, "b.tar.gz"))
	if r.code != exitError || !strings.Contains(r.stderr, "无权操作") {
		t.Errorf("as a supervisor: exit %d, stderr %q; want 1 and permission denied", r.code, r.stderr)
	}
	if names := filesIn(t, dir); len(names) != 0 {
		t.Errorf("a refused backup left %v", names)
	}
}

// fakeAdmin answers Backup with a fixed archive and then an error, if
// any.
type fakeAdmin struct {
	pb.UnimplementedAdminServiceServer
	archive []byte
	err     error
}

func (f *fakeAdmin) Backup(_ *pb.BackupRequest, s grpc.ServerStreamingServer[pb.BackupResponse]) error {
	for i := 0; i < len(f.archive); i += 1000 {
		msg := &pb.BackupResponse{Data: f.archive[i:min(i+1000, len(f.archive))], BytesWritten: int64(min(i+1000, len(f.archive)))}
		if i == 0 {
			msg.Filename = "gridinspect-backup-20240630-153000.tar.gz"
		}
		if err := s.Send(msg); err != nil {
			return err
		}
	}
	return f.err
}

// testArchive is a real backup of a small database.
func testArchive(t *testing.T) []byte {
	t.Helper()
	db, err := store.Open(filepath.Join(t.TempDir(), store.DatabaseFile), store.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(context.Background())
	admin := gridinspect.NewContext(context.Background(), &gridinspect.Actor{UserID: newV7(), Role: gridinspect.RoleAdmin, AllGrids: true})
	var buf bytes.Buffer
	if _, err := db.Backup(admin, &buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestBackupThatDoesNotArriveWholeLeavesNoFile(t *testing.T) {
	archive := testArchive(t)
	altered := bytes.Clone(archive)
	altered[len(altered)/2] ^= 0xff
	for _, c := range []struct {
		name string
		fake *fakeAdmin
		want string
	}{
		{"cut short", &fakeAdmin{archive: archive[:len(archive)/2]}, "not valid"},
		{"altered on the way", &fakeAdmin{archive: altered}, "not valid"},
		{"failed at the end", &fakeAdmin{archive: archive, err: status.Error(codes.Internal, "internal error")}, "internal"},
	} {
		t.Run(c.name, func(t *testing.T) {
			isolate(t)
			srv := grpc.NewServer()
			pb.RegisterAdminServiceServer(srv, c.fake)
			lis, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			go func() { _ = srv.Serve(lis) }()
			t.Cleanup(srv.Stop)
			dir := t.TempDir()
			r := gridctl(t, "", "--server", lis.Addr().String(), "--token", "gi_test", "backup", "--out", filepath.Join(dir, "b.tar.gz"))
			if r.code != exitError || !strings.Contains(r.stderr, c.want) {
				t.Errorf("exit %d, stderr %q; want 1 and %q", r.code, r.stderr, c.want)
			}
			if names := filesIn(t, dir); len(names) != 0 {
				t.Errorf("the failed backup left %v", names)
			}
		})
	}
}

// TestBackupManifestReadsWhatTheStoreWrites keeps gridctl's copy of the
// manifest's fields in step with the store's.
func TestBackupManifestReadsWhatTheStoreWrites(t *testing.T) {
	want := store.BackupManifest{Format: 1, CreatedAt: time.Date(2024, 6, 30, 7, 30, 0, 0, time.UTC), InstanceID: newV7(),
		SchemaVersion: 6, Reports: 1, Events: 2, Patrols: 3, Photos: 4, PhotoFiles: 5, PhotoBytes: 6, DatabaseBytes: 7,
		DatabaseSHA256: strings.Repeat("ab", 32), MissingPhotos: []string{"m"}, DamagedPhotos: []string{"d"}}
	b, err := json.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	var got backupManifest
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	again, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	var w, g map[string]any
	_ = json.Unmarshal(b, &w)
	_ = json.Unmarshal(again, &g)
	if !reflect.DeepEqual(w, g) {
		t.Errorf("gridctl reads the manifest\n%s\nas\n%s", b, again)
	}
}

func TestFormatBytes(t *testing.T) {
	for n, want := range map[int64]string{0: "0 字节", 1023: "1023 字节", 1024: "1.0 KB", 12_900_000: "12.3 MB", 3 << 30: "3.0 GB"} {
		if got := formatBytes(n); got != want {
			t.Errorf("formatBytes(%d) = %q, want %q", n, got, want)
		}
	}
}

// archiveEntry is one file of an archive, for tests that rearrange one.
type archiveEntry struct {
	name string
	data []byte
}

// rewriteArchive returns archive with its files passed through f.
func rewriteArchive(t *testing.T, archive []byte, f func([]archiveEntry) []archiveEntry) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(archive))
	if err != nil {
		t.Fatal(err)
	}
	var entries []archiveEntry
	tr := tar.NewReader(zr)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		entries = append(entries, archiveEntry{hdr.Name, data})
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, e := range f(entries) {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: e.name, Size: int64(len(e.data)), Mode: 0o600}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(e.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// setManifest returns the entries with the manifest's JSON field key set
// to value.
func setManifest(t *testing.T, entries []archiveEntry, key string, value any) []archiveEntry {
	t.Helper()
	out := slices.Clone(entries)
	for i, e := range out {
		if e.name != backupManifestEntry {
			continue
		}
		var fields map[string]any
		if err := json.Unmarshal(e.data, &fields); err != nil {
			t.Fatal(err)
		}
		fields[key] = value
		out[i].data, _ = json.Marshal(fields)
	}
	return out
}

func TestReadArchiveTakesTheManifestFirstOrInFormat1LastAndNoOtherOrder(t *testing.T) {
	archive := testArchive(t)
	damaged := strings.Repeat("d", 64)
	// The store writes BACKUP.json, gridinspect.db, photos, BACKUP-END.json.
	asFormat1 := func(es []archiveEntry) []archiveEntry {
		es = setManifest(t, es, "format", 1)
		return append(slices.Clone(es[1:len(es)-1]), es[0])
	}
	for _, c := range []struct {
		name        string
		archive     []byte
		format      int
		damaged     []string
		want        string // in the error; "" for none
		rawAsStored bool
	}{
		{"as the store writes it", archive, 2, nil, "", true},
		{"with damaged photos at the end", rewriteArchive(t, archive, func(es []archiveEntry) []archiveEntry {
			es[len(es)-1].data = []byte(`{"damaged_photos":["` + damaged + `"]}`)
			return es
		}), 2, []string{damaged}, "", false},
		{"format 1: the manifest last, no end", rewriteArchive(t, archive, asFormat1), 1, nil, "", false},
		{"the manifest after the database", rewriteArchive(t, archive, func(es []archiveEntry) []archiveEntry {
			return append([]archiveEntry{es[1], es[0]}, es[2:]...)
		}), 0, nil, "BACKUP.json is not the first entry", false},
		{"no end", rewriteArchive(t, archive, func(es []archiveEntry) []archiveEntry { return es[:len(es)-1] }),
			0, nil, "no BACKUP-END.json: the archive is incomplete", false},
		{"an entry after the end", rewriteArchive(t, archive, func(es []archiveEntry) []archiveEntry {
			return append(es, archiveEntry{"photos/sha256/ab/" + strings.Repeat("ab", 32), []byte("x")})
		}), 0, nil, "BACKUP-END.json is not the last entry", false},
		{"a format to come", rewriteArchive(t, archive, func(es []archiveEntry) []archiveEntry { return setManifest(t, es, "format", 3) }),
			0, nil, "says format 3; this gridctl knows formats 1 to 2", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			m, raw, err := readArchive(bytes.NewReader(c.archive))
			if c.want != "" {
				if err == nil || !strings.Contains(err.Error(), c.want) {
					t.Fatalf("err = %v, want one saying %q", err, c.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if m.Format != c.format || !slices.Equal(m.DamagedPhotos, c.damaged) {
				t.Errorf("manifest %+v: want format %d, damaged %v", m, c.format, c.damaged)
			}
			var fields map[string]any
			if err := json.Unmarshal(raw, &fields); err != nil || fields["database_sha256"] != m.DatabaseSHA256 {
				t.Errorf("raw manifest %s (%v): want the archive's, with its database_sha256", raw, err)
			}
			if got, _ := fields["damaged_photos"].([]any); len(got) != len(c.damaged) {
				t.Errorf("raw manifest %s: want damaged_photos %v", raw, c.damaged)
			}
		})
	}
}

// The umask is the process's: no test here runs in parallel.
func TestBackupFileIsTheUsersOnlyWhateverTheUmaskAndAnEarlierTmp(t *testing.T) {
	isolate(t)
	defer syscall.Umask(syscall.Umask(0))
	srv := grpc.NewServer()
	pb.RegisterAdminServiceServer(srv, &fakeAdmin{archive: testArchive(t)})
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	file := filepath.Join(t.TempDir(), "b.tar.gz")
	if err := os.WriteFile(file+".tmp", []byte("an interrupted run"), 0o644); err != nil {
		t.Fatal(err)
	}
	mustGridctl(t, "", "--server", lis.Addr().String(), "--token", "gi_test", "backup", "--out", file)
	fi, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("backup file mode %v, want 0600: it holds password hashes", fi.Mode().Perm())
	}
}
