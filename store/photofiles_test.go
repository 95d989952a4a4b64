package store

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gridinspect/gridinspect"
)

// traversal returns a 64-character "hash", as the sha256 column's CHECK
// allows, that joined into a photo's path as blobPath joins it
// (sha256/<first 2>/<hash>) reaches name in the folder above the data
// folder: ../././…/../name.
func traversal(tb testing.TB, name string) string {
	tb.Helper()
	pad := 64 - len("../") - len("../"+name)
	if pad < 0 || pad%2 != 0 {
		tb.Fatalf("no traversal of 64 characters reaches %q", name)
	}
	return "../" + strings.Repeat("./", pad/2) + "../" + name
}

// forgePhotoHash rewrites a complete photo's row as only a hand in the
// database (or a hostile backup restored before restores checked) can.
func forgePhotoHash(tb testing.TB, db *testDB, id, sum string, size int64) {
	tb.Helper()
	err := db.Write(context.Background(), func(tx *Tx) error {
		_, err := tx.Exec("UPDATE photos SET sha256 = ?, size = ?, committed = ? WHERE id = ?", sum, size, size, id)
		return err
	})
	if err != nil {
		tb.Fatalf("forge photo %s: %v", id, err)
	}
}

func TestOpenPhoto_AStoredHashThatIsNotAHashNeverOpensAFile(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	db := mustOpenAt(t, filepath.Join(data, DatabaseFile), &testClock{now: t0})
	mustStreet(t, db)
	ctx := as(worker(gridA))
	rep := mustSubmit(t, db, ctx, newReport(inA))
	secret := []byte("-----BEGIN PRIVATE KEY----- the TLS key")
	writeFile(t, filepath.Join(dir, "secret.txt"), secret)

	good := photoBytes(1, 2000)
	for _, tt := range []struct {
		name string
		sum  string
	}{
		{"a path out of the photo folder", traversal(t, "secret.txt")},
		{"the right hash in upper case", strings.ToUpper(sha(good))},
		{"64 characters that are not hex", strings.Repeat("z", 64)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := photoOf(rep.ID, good)
			mustUpload(t, db, ctx, h, good, 2000)
			size := int64(len(good))
			if strings.HasPrefix(tt.sum, "..") {
				size = int64(len(secret))
			}
			forgePhotoHash(t, db, h.ID, tt.sum, size)

			_, r, err := db.OpenPhoto(ctx, h.ID)
			if err == nil {
				b, _ := io.ReadAll(r)
				r.Close()
				t.Fatalf("a photo with sha256 %q was opened: %d bytes (%.20q…)", tt.sum, len(b), b)
			}
			// As for a photo whose file is missing: an internal error,
			// logged, and nothing said to the caller.
			if code := gridinspect.ErrorCode(err); code != gridinspect.EINTERNAL {
				t.Errorf("err = %v (%s), want an internal error as for a missing file", err, code)
			}
			if !strings.Contains(err.Error(), "damaged") {
				t.Errorf("err = %v, want it to say the photo is damaged", err)
			}
		})
	}
	if b, err := os.ReadFile(filepath.Join(dir, "secret.txt")); err != nil || string(b) != string(secret) {
		t.Fatalf("the secret file was touched: %v", err)
	}
}

// blobFile is where db keeps the complete file with hash sum.
func blobFile(tb testing.TB, db *testDB, sum string) string {
	tb.Helper()
	p, err := db.blobPath(sum)
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

// partialFile is where db keeps the upload of photo id.
func partialFile(tb testing.TB, db *testDB, id string) string {
	tb.Helper()
	p, err := db.partialPath(id)
	if err != nil {
		tb.Fatal(err)
	}
	return p
}
