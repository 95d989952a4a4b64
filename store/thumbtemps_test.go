package store

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestOpen_RemovesTheThumbnailTempsACrashLeftButNotAnotherServersFreshOne:
// a thumbnail half-written when a server died is removed when a server
// opens the store, on both engines. On PostgreSQL several servers share
// the photo folder, so a fresh one may be another server's, being written
// now: only those older than thumbTempMaxAge go.
func TestOpen_RemovesTheThumbnailTempsACrashLeftButNotAnotherServersFreshOne(t *testing.T) {
	db := MustOpenDB(t)
	dir := db.thumbDir()
	for _, tt := range []struct {
		name string
		age  time.Duration
		kept bool
	}{
		{"left by a crash two hours ago", 2 * time.Hour, false},
		{"left by a crash just before", time.Second, testEngine == postgres},
	} {
		t.Run(tt.name, func(t *testing.T) {
			leftover := filepath.Join(dir, thumbTempPrefix+newID())
			writeFile(t, leftover, []byte("half a thumb"))
			at := time.Now().Add(-tt.age)
			if err := os.Chtimes(leftover, at, at); err != nil {
				t.Fatal(err)
			}
			db = mustReopen(t, db)
			_, err := os.Stat(leftover)
			switch {
			case tt.kept && err != nil:
				t.Errorf("%s was removed (%v): on %s it may be another server's, being written", leftover, err, testEngine)
			case !tt.kept && err == nil:
				t.Errorf("%s is still there", leftover)
			}
		})
	}
}
