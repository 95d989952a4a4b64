package store

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gridinspect/gridinspect"
	"github.com/gridinspect/gridinspect/internal/pgtest"
)

// Backup and restore on PostgreSQL, as its operators do them: pg_dump,
// a copy of the photo folder after it, pg_restore into a new database,
// then AfterRestore (gridd --after-restore).

// runTool runs a PostgreSQL client program of the test cluster's
// installation.
func runTool(tb testing.TB, name string, args ...string) {
	tb.Helper()
	path, err := pgtest.Tool(name)
	pgtest.Require(tb, err)
	out, err := exec.Command(path, args...).CombinedOutput()
	if err != nil {
		tb.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
}

// copyPhotos copies the photo folder's complete photos (not the partial
// uploads, which are not the database's) into a new folder, as
// `rsync -a --exclude partial` would.
func copyPhotos(tb testing.TB, from string) string {
	tb.Helper()
	to := filepath.Join(tb.TempDir(), "photos")
	err := filepath.WalkDir(filepath.Join(from, blobDirName), func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(from, path)
		if err != nil {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(to, rel)), 0o750); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), b, 0o640)
	})
	if err != nil {
		tb.Fatal(err)
	}
	return to
}

// pullEverything pulls as the admin from cur to the end and returns the
// keys of what the pages held, sorted, and the last cursor.
func pullEverything(tb testing.TB, db *testDB, cur string) ([]string, string) {
	tb.Helper()
	var keys []string
	for {
		page := mustPull(tb, db, as(admin()), cur, gridinspect.PullLimits{MaxChanges: MaxPullChanges})
		keys = append(keys, pageKeys(page.Changes)...)
		cur = page.NextCursor
		if !page.HasMore {
			slices.Sort(keys)
			return keys, cur
		}
	}
}

func TestPgRestore_AfterRestoreSendsEveryPhoneBackToTheStartAndAFreshPullHoldsExactlyTheDump(t *testing.T) {
	onlyOn(t, "postgres")
	c := pgtest.MainCluster()
	db := MustOpenDB(t)
	mustStreet(t, db)
	ctx := as(worker(gridA))
	tooEarly := copyPhotos(t, db.photoDir) // a copy taken before the dump: wrong

	rep := mustSubmit(t, db, ctx, newReport(inA))
	photo := photoBytes(1, 30_000)
	h := photoOf(rep.ID, photo)
	mustUpload(t, db, ctx, h, photo, 16_000)
	sys := gridinspect.NewContext(context.Background(), gridinspect.SystemActor())
	if _, err := db.CreateUser(sys, &gridinspect.User{Username: "worker01", Role: gridinspect.RoleWorker, GridIDs: []string{gridA}}, "worker-pass-1"); err != nil {
		t.Fatal(err)
	}
	session, err := db.Login(context.Background(), "worker01", "worker-pass-1", "phone-1")
	if err != nil {
		t.Fatal(err)
	}
	// Phone B pulls everything, then the dump is taken.
	atDump, cursorB := pullEverything(t, db, "")
	dump := filepath.Join(t.TempDir(), "gridinspect.dump")
	runTool(t, "pg_dump", "--format=custom", "--file", dump, "--dbname", db.Path())
	photos := copyPhotos(t, db.photoDir) // after the dump: right

	// After the dump, and lost with the database: phone B pushes a report
	// (acknowledged, so its phone forgets it), phone A pulls past it, and
	// the worker's token is revoked (a lost phone).
	lost := mustSubmit(t, db, ctx, newReport(inA))
	_, cursorA := pullEverything(t, db, cursorB)
	actor, err := db.Authenticate(context.Background(), session.Token)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Logout(gridinspect.NewContext(context.Background(), actor)); err != nil {
		t.Fatal(err)
	}

	target, err := c.CreateDatabase("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Exec("DROP DATABASE " + pgtest.DatabaseName(target) + " WITH (FORCE)") })
	runTool(t, "pg_restore", "--exit-on-error", "--no-owner", "--dbname", target, dump)

	opts := func(photos string) Options {
		return Options{PhotoDir: photos, Logger: slog.New(slog.DiscardHandler), Now: db.clock.Now}
	}
	t.Run("a photo folder copied before the dump misses what the dump holds", func(t *testing.T) {
		r, err := AfterRestore(context.Background(), target, opts(tooEarly))
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(r.MissingPhotos, []string{h.ID}) {
			t.Errorf("missing photos %v, want [%s]", r.MissingPhotos, h.ID)
		}
	})
	if _, err := AfterRestore(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), DatabaseFile), opts(photos)); err == nil {
		t.Error("after restore of a SQLite database: no error")
	}
	r, err := AfterRestore(context.Background(), target, opts(photos))
	if err != nil {
		t.Fatal(err)
	}
	if len(r.MissingPhotos) != 0 || r.Reports != 1 || r.Photos != 1 || r.RevokedTokens != 0 || r.InstanceID == db.InstanceID() {
		t.Errorf("after restore: %+v; want no photo missing, 1 report, 1 photo, a new instance id", r)
	}
	testPhotos.Store(target, photos)
	restored := mustOpenAt(t, target, db.clock)

	t.Run("a gridd serving the database stops it", func(t *testing.T) {
		_, err := AfterRestore(context.Background(), target, opts(photos))
		if !errors.Is(err, ErrDatabaseInUse) {
			t.Errorf("after restore with a server on the database: %v; want %v", err, ErrDatabaseInUse)
		}
	})

	t.Run("every phone's cursor is answered start again", func(t *testing.T) {
		if restored.InstanceID() == db.InstanceID() {
			t.Error("the restored database kept the instance id of the one dumped")
		}
		for _, c := range []struct{ name, cursor string }{
			{"phone A, past the dump", cursorA},
			{"phone B, at the dump, holding a report the restore lost", cursorB},
		} {
			page, err := restored.Pull(as(admin()), c.cursor, gridinspect.PullLimits{})
			if err != nil || !page.ResetRequired || len(page.Changes) != 0 {
				t.Errorf("%s: page %+v, %v; want reset required", c.name, page, err)
			}
		}
	})

	t.Run("a fresh pull holds exactly what the dump held", func(t *testing.T) {
		got, _ := pullEverything(t, restored, "")
		if !slices.Equal(got, atDump) {
			t.Errorf("a fresh pull holds %v; the database held %v at the dump", got, atDump)
		}
		if _, err := restored.GetReport(as(admin()), lost.ID); err == nil {
			t.Errorf("report %s, written after the dump, is in the restored database", lost.ID)
		}
		if _, b := mustReadPhoto(t, restored, ctx, h.ID); !bytes.Equal(b, photo) {
			t.Error("the photo read back differs")
		}
	})

	t.Run("a token revoked after the dump stays revoked", func(t *testing.T) {
		_, err := restored.Authenticate(context.Background(), session.Token)
		wantCode(t, err, gridinspect.EUNAUTHENTICATED)
		if _, err := restored.Login(context.Background(), "worker01", "worker-pass-1", "phone-1"); err != nil {
			t.Errorf("logging in again: %v", err)
		}
	})
}

func TestBackupOnPostgreSQLNamesTheToolsAndTheStepAfterARestore(t *testing.T) {
	onlyOn(t, "postgres")
	db := MustOpenDB(t)
	var buf bytes.Buffer
	_, err := db.Backup(as(admin()), &buf)
	e := wantCode(t, err, gridinspect.EPRECONDITION)
	for _, want := range []string{"pg_dump", "pg_basebackup", "photo folder", "gridd --after-restore"} {
		if !strings.Contains(e.Message, want) {
			t.Errorf("message %q does not name %s", e.Message, want)
		}
	}
	if buf.Len() != 0 {
		t.Errorf("%d bytes written", buf.Len())
	}
}
