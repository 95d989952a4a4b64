package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Restoring PostgreSQL. Its operators back up with their own tools:
// pg_dump (logical, one database) or pg_basebackup with WAL archiving
// (physical, the whole cluster, to any point in time), and the shared
// photo folder copied after the dump (see the README). What those tools
// cannot do is what Restore does to a SQLite backup after unpacking it:
// give the restored database an identity of its own. A database put back
// by pg_restore still carries the instance id of the one dumped, so a
// phone whose cursor is older than the dump would carry on from it,
// though it may hold what the restored database lacks (see Restore); and
// a login token revoked after the dump would work again. AfterRestore is
// that step, run once (gridd --after-restore) after pg_restore, after a
// point-in-time recovery, or after failing over to a standby that may
// have lost commits, before any gridd serves the database.

// ErrDatabaseInUse says a database cannot be made a restored one while
// other sessions (a gridd) use it.
var ErrDatabaseInUse = errors.New("store: after restore: the database is in use")

// RestoredDatabase is what AfterRestore did and found.
type RestoredDatabase struct {
	// OldInstanceID was the database's instance id, as dumped;
	// InstanceID is its new one.
	OldInstanceID, InstanceID string
	// SchemaVersion is the number of its last migration, after the
	// migrations this program has that the dump had not.
	SchemaVersion int
	// Reports, Events, Patrols and Photos count its rows (Photos: the
	// complete ones).
	Reports, Events, Patrols, Photos int64
	// RevokedTokens counts the login tokens revoked.
	RevokedTokens int64
	// MissingPhotos are the ids of complete photos whose file is not in
	// the photo folder, or not of the row's size: the folder was copied
	// before the dump, or not whole. Their reports stay; the photos
	// cannot be downloaded.
	MissingPhotos []string
}

// AfterRestore makes the PostgreSQL database at url, just restored, a
// database of its own, as Restore does a SQLite backup: it migrates it,
// gives it a new instance id (every phone's next Pull is answered "start
// again"), revokes every login token and sends uploads in progress back
// to zero (their partial files are not the database's). It then checks
// that every complete photo has its file in opts.PhotoDir. No other
// session may use the database: a gridd would go on with the old
// instance id it read at start; ErrDatabaseInUse says so. Running it
// again is harmless (another new instance id: phones pull afresh again).
func AfterRestore(ctx context.Context, url string, opts Options) (*RestoredDatabase, error) {
	if !strings.HasPrefix(url, "postgres://") && !strings.HasPrefix(url, "postgresql://") {
		return nil, errors.New("store: after restore: only for a PostgreSQL database (postgres://…); a SQLite backup is restored with Restore")
	}
	if err := checkNoOtherSessions(ctx, url); err != nil {
		return nil, err
	}
	db, err := OpenURL(url, opts)
	if err != nil {
		return nil, err
	}
	r := &RestoredDatabase{OldInstanceID: db.InstanceID(), InstanceID: uuid.NewString()}
	err = db.Write(ctx, func(tx *Tx) error {
		if err := resetRestored(tx, r.InstanceID, db.now().UnixNano(), &r.RevokedTokens); err != nil {
			return err
		}
		for _, q := range []struct {
			query string
			dst   any
		}{
			{"SELECT coalesce(max(version), 0) FROM schema_migrations", &r.SchemaVersion},
			{"SELECT count(*) FROM reports", &r.Reports},
			{"SELECT count(*) FROM events", &r.Events},
			{"SELECT count(*) FROM patrols", &r.Patrols},
			{"SELECT count(*) FROM photos WHERE complete = 1", &r.Photos},
		} {
			if err := tx.QueryRow(q.query).Scan(q.dst); err != nil {
				return fmt.Errorf("%s: %w", q.query, err)
			}
		}
		return nil
	})
	if err == nil {
		r.MissingPhotos, err = db.missingPhotoFiles(ctx)
	}
	if cerr := db.Close(ctx); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("store: after restore: %w", err)
	}
	return r, nil
}

// execer is a transaction of either kind: Restore's, on the unpacked
// SQLite file, and the writer's (Tx).
type execer interface {
	Exec(query string, args ...any) (sql.Result, error)
}

// resetRestored gives a restored database the instance id id, revokes
// every login token at now (Unix ns), counting them into revoked, and
// sends every upload in progress back to zero. See Restore.
func resetRestored(tx execer, id string, now int64, revoked *int64) error {
	res, err := tx.Exec("UPDATE meta SET value = ? WHERE key = 'instance_id'", id)
	if err != nil {
		return fmt.Errorf("new instance id: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return errNoInstanceID
	}
	if res, err = tx.Exec("UPDATE tokens SET revoked_at = ? WHERE revoked_at IS NULL", now); err != nil {
		return fmt.Errorf("revoke tokens: %w", err)
	}
	if revoked != nil {
		*revoked, _ = res.RowsAffected()
	}
	if _, err := tx.Exec("UPDATE photos SET committed = 0 WHERE complete = 0"); err != nil {
		return fmt.Errorf("reset uploads: %w", err)
	}
	return nil
}

// errNoInstanceID says a restored database has no instance id.
var errNoInstanceID = errors.New("the database has no instance id")

// checkNoOtherSessions fails with ErrDatabaseInUse when another session
// is connected to the database at url.
func checkNoOtherSessions(ctx context.Context, url string) (err error) {
	// Plain pgx: pg_stat_activity is PostgreSQL's own, nothing to rewrite.
	conn, err := sql.Open("pgx", url)
	if err != nil {
		return fmt.Errorf("store: after restore: %w", err)
	}
	defer func() {
		if cerr := conn.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("store: after restore: %w", cerr)
		}
	}()
	// A session whose client has just gone (a gridd just stopped) stays
	// listed until its server process has ended: a moment.
	deadline := time.Now().Add(sessionsGoneWait)
	for {
		var n int
		var apps sql.NullString
		err = conn.QueryRowContext(ctx, `SELECT count(*), string_agg(DISTINCT coalesce(nullif(application_name, ''), client_addr::text, 'local'), ', ')
			FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'`).Scan(&n, &apps)
		switch {
		case err != nil:
			return fmt.Errorf("store: after restore: %w", err)
		case n == 0:
			return nil
		case time.Now().After(deadline):
			return fmt.Errorf("%w: %d other sessions (%s); stop every gridd of it first", ErrDatabaseInUse, n, apps.String)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// sessionsGoneWait is how long AfterRestore waits for other sessions to
// end before it says the database is in use.
const sessionsGoneWait = 3 * time.Second

// missingPhotoFiles returns the ids of the complete photos whose file is
// not in the photo folder, or not of the row's size.
func (db *DB) missingPhotoFiles(ctx context.Context) ([]string, error) {
	var missing []string
	err := eachPhotoRow(ctx, db.reader, func(r photoRow) error {
		if !r.complete {
			return nil
		}
		if err := r.check(); err != nil {
			return err
		}
		path, err := db.blobPath(r.sum)
		if err != nil {
			return err
		}
		fi, err := os.Lstat(path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			missing = append(missing, r.id)
		case err != nil:
			return fmt.Errorf("photo %s: %w", r.id, err)
		case !fi.Mode().IsRegular() || fi.Size() != r.size:
			missing = append(missing, r.id)
		}
		return nil
	})
	return missing, err
}
