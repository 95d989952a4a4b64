package store

import (
	"errors"
	"io/fs"
	"os"
)

// dbFilePerm is the mode of the database file: it holds every password
// hash and the cursor signing key, so the server's user only. SQLite
// makes the -wal and -shm files with the database file's mode, and a
// backup's database and a restored one get it too.
const dbFilePerm = 0o600

// createDatabaseFile makes the database file at path, empty and
// dbFilePerm whatever the umask, unless it exists. Left to SQLite, a new
// database is 0644 less the umask: readable by everyone in an existing
// folder.
func createDatabaseFile(path string) (err error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, dbFilePerm)
	switch {
	case errors.Is(err, fs.ErrExist):
		return nil
	case err != nil:
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	return f.Chmod(dbFilePerm)
}

// makeDatabasePrivate creates the database file as createDatabaseFile
// does, and takes from an existing one, and from the -wal and -shm a
// previous process left, what group and others may do with them (an
// older gridd made them 0644). Failing that is logged, not fatal.
func (db *DB) makeDatabasePrivate() error {
	if err := createDatabaseFile(db.path); err != nil {
		return err
	}
	for _, p := range []string{db.path, db.path + "-wal", db.path + "-shm"} {
		fi, err := os.Stat(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err == nil && fi.Mode().Perm()&0o077 == 0 {
			continue
		}
		if err == nil {
			err = os.Chmod(p, fi.Mode().Perm()&^0o077)
		}
		if err != nil {
			db.logger.Warn("store: could not make a database file readable by the server's user only", "path", p, "err", err)
			continue
		}
		db.logger.Warn("store: a database file was readable by others; it is now the server's user's only",
			"path", p, "was", fi.Mode().Perm().String())
	}
	return nil
}
