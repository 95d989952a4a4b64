package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// One process at a time. Each server keeps caches of what it wrote (who
// may call, the grids' boundaries) that another process writing the same
// database would leave stale: a token revoked through one would still be
// accepted by the other. So Open takes an exclusive lock on a file beside
// the database, held until Close; the operating system drops it when the
// process dies, however it dies. (On PostgreSQL several servers share one
// database, and the caches follow epochs the database counts instead:
// epochs.go.)

// errInUse refuses a database another process has open.
var errInUse = errors.New("the database is in use by another process (another gridd on the same --data?)")

// lockPath returns the path of the lock file of the database at path.
func lockPath(path string) string { return path + ".lock" }

// lock takes the database's lock, without waiting.
func (db *DB) lock() error {
	f, err := os.OpenFile(lockPath(db.path), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	if err := lockExclusive(f); err != nil {
		f.Close()
		if errors.Is(err, errInUse) {
			return err
		}
		return fmt.Errorf("lock %s: %w", lockPath(db.path), err)
	}
	db.lockFile = f
	return nil
}

// unlock drops the lock (closing the file drops it).
func (db *DB) unlock() error {
	if db.lockFile == nil {
		return nil
	}
	err := db.lockFile.Close()
	db.lockFile = nil
	return err
}

// removeLeftovers removes what a process that died in the middle of a
// backup left beside the database: its snapshot folder (see Backup).
// Only the process holding the lock takes backups, so with the lock held
// any such folder is a leftover.
func (db *DB) removeLeftovers() {
	entries, err := os.ReadDir(filepath.Dir(db.path))
	if err != nil {
		db.logger.Warn("store: look for leftovers of backups", "err", err)
		return
	}
	for _, e := range entries {
		if e.IsDir() && strings.HasPrefix(e.Name(), backupFolderPrefix) {
			path := filepath.Join(filepath.Dir(db.path), e.Name())
			if err := os.RemoveAll(path); err != nil {
				db.logger.Warn("store: remove the leftover of a backup", "path", path, "err", err)
				continue
			}
			db.logger.Info("store: removed the leftover of an interrupted backup", "path", path)
		}
	}
}
