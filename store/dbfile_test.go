package store

import (
	"database/sql"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// wantMode fails unless every file at paths has mode perm.
func wantMode(tb testing.TB, perm fs.FileMode, paths ...string) {
	tb.Helper()
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			tb.Errorf("%s: %v", p, err)
			continue
		}
		if got := fi.Mode().Perm(); got != perm {
			tb.Errorf("%s is %v, want %v: it holds password hashes and the cursor key", filepath.Base(p), got, perm)
		}
	}
}

// The umask is the process's: this test must not run beside others
// (no t.Parallel here or in the tests it could overlap).
func TestDatabaseFiles_AreTheServersUsersOnlyWhateverTheUmask(t *testing.T) {
	onlyOn(t, "sqlite") // the SQLite file
	defer syscall.Umask(syscall.Umask(0))
	dir := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(dir, 0o755); err != nil { // an existing folder anyone may enter
		t.Fatal(err)
	}
	db := mustOpenAt(t, filepath.Join(dir, DatabaseFile), &testClock{now: t0})
	mustStreet(t, db)
	wantMode(t, 0o600, db.Path(), db.Path()+"-wal", db.Path()+"-shm")

	t.Run("a backup's database and a restored one", func(t *testing.T) {
		archive, _ := mustBackup(t, db)
		for _, e := range readEntries(t, archive) {
			if e.hdr.Name == DatabaseFile && e.hdr.Mode != 0o600 {
				t.Errorf("the archive's %s has mode %o, want 0600 (tar xzf by hand makes it so)", DatabaseFile, e.hdr.Mode)
			}
		}
		restored, _ := mustRestore(t, archive, db.clock)
		mustSubmit(t, restored, as(worker(gridA)), newReport(inA))
		wantMode(t, 0o600, restored.Path(), restored.Path()+"-wal", restored.Path()+"-shm")
	})

	t.Run("a database an older gridd made 0644 is the server's user's only at the next start", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), DatabaseFile)
		conn, err := sql.Open("sqlite3", path+"?_journal_mode=WAL")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := conn.Exec("CREATE TABLE t (x)"); err != nil {
			t.Fatal(err)
		}
		if err := conn.Close(); err != nil {
			t.Fatal(err)
		}
		if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o644 {
			t.Fatalf("SQLite made %s %v (%v); the test expects 0644 under umask 0", path, fi.Mode().Perm(), err)
		}
		old := mustOpenAt(t, path, &testClock{now: t0})
		wantMode(t, 0o600, old.Path(), old.Path()+"-wal", old.Path()+"-shm")
	})

}
