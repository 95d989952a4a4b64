package store

import (
	"archive/tar"
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
	"net/url"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/gridinspect/gridinspect"
)

// Backups. A backup is a gzip-compressed tar archive of
//
//	BACKUP.json                    the manifest, first
//	gridinspect.db                 a consistent snapshot of the database
//	photos/sha256/<2 hex>/<hex>    every photo complete in that snapshot
//	BACKUP-END.json                which photo files were damaged, last
//
// laid out as a data folder is, so that restoring it is unpacking it
// (Restore), and `tar xzf` gives the same folder by hand (plus the two
// JSON files). Thumbnails (photos/thumbs) are left out: they are made
// again from the photos when asked for, and would only make the archive
// bigger and Restore's list of names longer. The manifest comes first so that Restore knows every
// size the archive holds before it writes a byte: a small archive
// claiming a huge database is refused before it fills the disk. So the
// snapshot is hashed and the photo files are looked at (stat) before
// anything is archived. Only whether a photo file still hashes to its
// name is known once it has been read, at the end: BACKUP-END.json says
// so. An archive cut short has no BACKUP-END.json, and Restore refuses it.
// (Format 1, written before, had the manifest last and no end; Restore
// still reads it, see unpack.)
//
// The snapshot is taken with VACUUM INTO on a connection of its own that
// opens the database read-only. VACUUM INTO reads the database in one
// read transaction, so the copy is exactly the database as of one commit;
// in WAL mode a reader never blocks the writer, so writes carry on while
// it runs (the WAL only grows until the next checkpoint after it). The
// sqlite3 online backup API was not used: stepped page by page it starts
// over whenever another connection writes between steps, which on a busy
// server may be forever; done in one step it holds a read transaction for
// the whole copy just as VACUUM INTO does, so it would gain nothing; it
// is reached only through the driver's raw connection; and it copies the
// file page for page, free pages and fragmentation included, where VACUUM
// INTO writes a compact copy. The price of VACUUM INTO is CPU: it rebuilds
// every table and index as it copies them. (The read pool's connections
// cannot run it: they are query_only, which refuses even the write to the
// new file.)

// Names in a data folder, as gridd lays it out and Restore makes it.
const (
	// DatabaseFile is the database's name in a data folder and in a
	// backup.
	DatabaseFile = "gridinspect.db"
	// PhotoFolder is the photo folder's name beside the database: the
	// default of Options.PhotoDir.
	PhotoFolder = "photos"
	// BackupManifestFile is the manifest's name in a backup.
	BackupManifestFile = "BACKUP.json"
)

// BackupEndFile is the last entry of a backup: what became known only
// while the archive was written.
const BackupEndFile = "BACKUP-END.json"

// BackupFormat is the version of the archive's layout and manifest that
// Backup writes. Restore reads it and format 1 (the manifest last, no
// BACKUP-END.json).
const BackupFormat = 2

// Bounds of what Restore unpacks, so that a damaged or hostile archive
// cannot fill the disk by claiming huge entries.
const (
	// MaxRestoreDatabaseBytes bounds the database file: far beyond a
	// street office's (a million reports take a few GB).
	MaxRestoreDatabaseBytes = 256 << 30
	// maxManifestBytes bounds BACKUP.json and BACKUP-END.json.
	maxManifestBytes = 1 << 20
	// restoreHeadroomBytes is the free space Restore wants beyond what
	// the archive declares: for the journal of its own changes to the
	// database, and so that it never takes the disk's last bytes.
	restoreHeadroomBytes = 64 << 20
)

// backupFilePerm is the mode of the manifests in an archive: the
// server's user and its group only. The database is archived and
// restored with dbFilePerm, the photos with photoFilePerm.
const backupFilePerm = 0o640

// Errors of Restore.
var (
	// ErrRestoreTarget says the folder to restore into is not empty.
	ErrRestoreTarget = errors.New("store: restore: the target folder is not empty")
	// ErrBadArchive says the archive is not a whole, unaltered backup
	// this program can restore.
	ErrBadArchive = errors.New("store: restore: not a valid backup")
)

// BackupManifest describes a backup. It is written into the archive as
// BACKUP.json, returned by Backup and by Restore.
type BackupManifest struct {
	// Format is BackupFormat.
	Format int `json:"format"`
	// CreatedAt is when the snapshot was taken (server clock, UTC): it
	// holds every write acknowledged before.
	CreatedAt time.Time `json:"created_at"`
	// InstanceID is the instance id of the database backed up. The
	// restored database gets a new one (see Restore).
	InstanceID string `json:"instance_id"`
	// SchemaVersion is the number of the database's last migration.
	SchemaVersion int `json:"schema_version"`
	// Reports, Events and Patrols count the rows of the snapshot.
	Reports int64 `json:"reports"`
	Events  int64 `json:"events"`
	Patrols int64 `json:"patrols"`
	// Photos counts the complete photos of the snapshot; PhotoFiles the
	// files that hold them (identical photos share one) in the archive,
	// and PhotoBytes their size.
	Photos     int64 `json:"photos"`
	PhotoFiles int64 `json:"photo_files"`
	PhotoBytes int64 `json:"photo_bytes"`
	// DatabaseBytes and DatabaseSHA256 (lower-case hex) are the size and
	// hash of gridinspect.db in the archive.
	DatabaseBytes  int64  `json:"database_bytes"`
	DatabaseSHA256 string `json:"database_sha256"`
	// MissingPhotos are the hashes of complete photos whose file was not
	// in the photo folder, so not in the archive; DamagedPhotos those
	// whose file no longer hashes to its name, archived as they were.
	// Both should be empty; the backup goes on without them rather than
	// failing, since the rest is worth keeping. DamagedPhotos is known
	// only at the end: in an archive of format 2 it is in
	// BACKUP-END.json, not in BACKUP.json.
	MissingPhotos []string `json:"missing_photos,omitempty"`
	DamagedPhotos []string `json:"damaged_photos,omitempty"`
}

// backupEnd is BACKUP-END.json.
type backupEnd struct {
	DamagedPhotos []string `json:"damaged_photos"`
}

// WriteBackup is Backup for callers that want only the archive (the
// server streams it; the manifest travels inside it).
func (db *DB) WriteBackup(ctx context.Context, w io.Writer) error {
	_, err := db.Backup(ctx, w)
	return err
}

// backupFolderPrefix begins the name of the folder a backup makes its
// snapshot in, beside the database; Open removes one a crash left.
const backupFolderPrefix = ".backup-"

// errBackupOnPostgres answers Backup on PostgreSQL, whose operators back
// up with their own tools (README: backups on PostgreSQL; restore_pg.go).
var errBackupOnPostgres = gridinspect.Errorf(gridinspect.EPRECONDITION,
	"this server's database is PostgreSQL: back it up with pg_dump or pg_basebackup, then copy the photo folder; after a restore run gridd --after-restore").
	Zh("本服务器的数据库是 PostgreSQL：请用 pg_dump 或 pg_basebackup 备份，之后再复制照片文件夹；恢复后请运行 gridd --after-restore")

// errBackupOfSeveralStreets answers a street's admin whose SQLite file
// holds other streets too: the backup is the whole file, so it is the
// operator's (gridctl backup as the admin of a one-street database, or a
// copy of the stopped server's folder).
var errBackupOfSeveralStreets = gridinspect.Errorf(gridinspect.EPRECONDITION,
	"this database holds several streets: a backup would hold every street's data, so its operator backs it up (stop gridd and copy its data folder)").
	Zh("本数据库存有多个街道的数据，备份会包含所有街道：请由运维人员备份（停止 gridd 后复制其数据文件夹）")

// Backup writes a backup of the database and its photos to w while the
// server keeps serving, and returns its manifest. The snapshot holds
// every write acknowledged before Backup was called; the photos are those
// complete in the snapshot, so the archive agrees with itself. Photo
// files only ever appear in photos/sha256 whole (verified, fsynced, then
// renamed there) and never change, so they are copied while uploads go
// on. The snapshot is made in a temporary folder in the database's
// folder (it needs as much free space as the database) and removed
// before Backup returns. A photo row whose id or hash could not name a
// file (see blobPath) fails the backup, naming it: no restore would take
// the archive. Admins only. Errors: EUNAUTHENTICATED, EFORBIDDEN;
// anything else (a failed write to w, a full disk) is EINTERNAL. On
// PostgreSQL it is EPRECONDITION: pg_dump backs it up.
func (db *DB) Backup(ctx context.Context, w io.Writer) (*BackupManifest, error) {
	a, err := gridinspect.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	if !a.IsAdmin() {
		return nil, gridinspect.Errorf(gridinspect.EFORBIDDEN, "only an admin may take a backup").Zh("只有管理员可以备份")
	}
	if db.engine == postgres {
		return nil, errBackupOnPostgres
	}
	var streets int
	if err := db.Read(ctx, func(tx *sql.Tx) error {
		return tx.QueryRow("SELECT count(*) FROM streets").Scan(&streets)
	}); err != nil {
		return nil, fmt.Errorf("store: backup: count streets: %w", err)
	}
	if streets > 1 {
		return nil, errBackupOfSeveralStreets
	}
	tmp, err := os.MkdirTemp(filepath.Dir(db.path), backupFolderPrefix)
	if err != nil {
		return nil, fmt.Errorf("store: backup: %w", err)
	}
	defer func() {
		if err := os.RemoveAll(tmp); err != nil {
			db.logger.Warn("store: backup: remove the snapshot", "path", tmp, "err", err)
		}
	}()

	snap := filepath.Join(tmp, DatabaseFile)
	m := &BackupManifest{Format: BackupFormat, CreatedAt: db.now().UTC()}
	if err := db.snapshot(ctx, snap); err != nil {
		return nil, fmt.Errorf("store: backup: snapshot: %w", err)
	}
	photos, err := readSnapshot(ctx, snap, m)
	if err != nil {
		return nil, fmt.Errorf("store: backup: read snapshot: %w", err)
	}
	if photos, err = db.declare(snap, photos, m); err != nil {
		return nil, fmt.Errorf("store: backup: %w", err)
	}
	if err := db.writeArchive(ctx, w, snap, photos, m); err != nil {
		return nil, fmt.Errorf("store: backup: %w", err)
	}
	if len(m.MissingPhotos) > 0 || len(m.DamagedPhotos) > 0 {
		db.logger.Error("store: backup: photo files are missing or damaged; the backup holds the rest",
			"missing", m.MissingPhotos, "damaged", m.DamagedPhotos)
	}
	return m, nil
}

// snapshot copies the database into the new file path with VACUUM INTO,
// on a connection of its own that opens the database read-only.
func (db *DB) snapshot(ctx context.Context, path string) (err error) {
	// VACUUM INTO takes an empty file: made here, it is the server's
	// user's only, as the database is.
	if err := createDatabaseFile(path); err != nil {
		return err
	}
	src, err := fileURI(db.path)
	if err != nil {
		return err
	}
	conn, err := sql.Open("sqlite3", fmt.Sprintf("%s?mode=ro&_busy_timeout=%d", src, DefaultBusyTimeout.Milliseconds()))
	if err != nil {
		return err
	}
	defer func() {
		if cerr := conn.Close(); err == nil {
			err = cerr
		}
	}()
	conn.SetMaxOpenConns(1)
	if _, err := conn.ExecContext(ctx, "VACUUM INTO ?", path); err != nil {
		return err
	}
	return nil
}

// archivedPhoto is a photo file to archive: its hash and size.
type archivedPhoto struct {
	sum  string
	size int64
}

// readSnapshot fills in the manifest from the snapshot at path and
// returns the photo files it needs, by hash.
func readSnapshot(ctx context.Context, path string, m *BackupManifest) (photos []archivedPhoto, err error) {
	uri, err := fileURI(path)
	if err != nil {
		return nil, err
	}
	// immutable: nothing else has the file, so no locks and no journal.
	conn, err := sql.Open("sqlite3", uri+"?mode=ro&immutable=1")
	if err != nil {
		return nil, err
	}
	defer func() {
		if cerr := conn.Close(); err == nil {
			err = cerr
		}
	}()
	for _, q := range []struct {
		query string
		dst   any
	}{
		{"SELECT value FROM meta WHERE key = 'instance_id'", &m.InstanceID},
		{"SELECT coalesce(max(version), 0) FROM schema_migrations", &m.SchemaVersion},
		{"SELECT count(*) FROM reports", &m.Reports},
		{"SELECT count(*) FROM events", &m.Events},
		{"SELECT count(*) FROM patrols", &m.Patrols},
		{"SELECT count(*) FROM photos WHERE complete = 1", &m.Photos},
	} {
		if err := conn.QueryRowContext(ctx, q.query).Scan(q.dst); err != nil {
			return nil, fmt.Errorf("%s: %w", q.query, err)
		}
	}
	sizes := map[string]int64{} // of the complete photos, by hash
	err = eachPhotoRow(ctx, conn, func(r photoRow) error {
		if err := r.check(); err != nil {
			return err
		}
		if r.complete {
			sizes[r.sum] = max(sizes[r.sum], r.size)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for sum, size := range sizes {
		photos = append(photos, archivedPhoto{sum: sum, size: size})
	}
	slices.SortFunc(photos, func(a, b archivedPhoto) int { return strings.Compare(a.sum, b.sum) })
	return photos, nil
}

// photoRow is a photo's row, as Backup and Restore check it.
type photoRow struct {
	id, sum  string
	size     int64
	complete bool
}

// check says whether the row's id and hash can name files; an error
// names the photo otherwise.
func (r photoRow) check() error {
	err := photoIDError(r.id)
	if err == nil {
		err = photoHashError(r.sum)
	}
	if err != nil {
		return fmt.Errorf("photo %q: %w", r.id, err)
	}
	return nil
}

// eachPhotoRow calls f with every row of the photos table of conn, until
// f returns an error.
func eachPhotoRow(ctx context.Context, conn *sql.DB, f func(photoRow) error) error {
	rows, err := conn.QueryContext(ctx, "SELECT id, sha256, size, complete FROM photos ORDER BY id")
	if err != nil {
		return fmt.Errorf("read photos: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r photoRow
		if err := rows.Scan(&r.id, &r.sum, &r.size, &r.complete); err != nil {
			return fmt.Errorf("read photos: %w", err)
		}
		if err := f(r); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read photos: %w", err)
	}
	return rows.Close()
}

// declare fills in what the manifest says before anything is archived:
// the snapshot's size and SHA-256, and the photo files there are, with
// their sizes (a file not in the photo folder is missing). It returns the
// photos to archive, with the sizes of their files.
func (db *DB) declare(snap string, photos []archivedPhoto, m *BackupManifest) ([]archivedPhoto, error) {
	sum, size, err := hashFile(snap)
	if err != nil {
		return nil, fmt.Errorf("hash the snapshot: %w", err)
	}
	m.DatabaseSHA256, m.DatabaseBytes = sum, size
	present := photos[:0]
	for _, p := range photos {
		path, err := db.blobPath(p.sum)
		if err != nil {
			return nil, err // readSnapshot checked every hash
		}
		fi, err := os.Lstat(path) // a link is not a photo file: nothing outside is packed
		switch {
		case errors.Is(err, fs.ErrNotExist):
			m.MissingPhotos = append(m.MissingPhotos, p.sum)
			continue
		case err != nil:
			return nil, fmt.Errorf("photo %s: %w", p.sum, err)
		case !fi.Mode().IsRegular():
			return nil, fmt.Errorf("photo %s: %s is not a regular file", p.sum, path)
		}
		p.size = fi.Size()
		m.PhotoFiles++
		m.PhotoBytes += p.size
		present = append(present, p)
	}
	return present, nil
}

// hashFile returns the hex SHA-256 and size of the file at path.
func hashFile(path string) (sum string, size int64, err error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	if size, err = io.Copy(h, f); err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), size, nil
}

// writeArchive writes the archive: the manifest, the snapshot, the
// photos declared, the end. Any file that is not as declared fails it.
func (db *DB) writeArchive(ctx context.Context, w io.Writer, snap string, photos []archivedPhoto, m *BackupManifest) error {
	// Photos are JPEGs, which do not compress: the fastest level saves
	// nearly as much on the database at a fraction of the CPU.
	zw, err := gzip.NewWriterLevel(w, gzip.BestSpeed)
	if err != nil {
		return err
	}
	tw := tar.NewWriter(zw)

	if err := archiveJSON(tw, BackupManifestFile, m, m.CreatedAt); err != nil {
		return fmt.Errorf("archive the manifest: %w", err)
	}
	sum, err := archiveFile(tw, DatabaseFile, snap, m.DatabaseBytes, dbFilePerm, m.CreatedAt)
	if err != nil {
		return fmt.Errorf("archive the database: %w", err)
	}
	if sum != m.DatabaseSHA256 {
		return fmt.Errorf("archive the database: the snapshot changed while it was archived")
	}
	for _, p := range photos {
		if err := ctx.Err(); err != nil {
			return err
		}
		path, err := db.blobPath(p.sum)
		if err != nil {
			return err
		}
		got, err := archiveFile(tw, photoEntry(p.sum), path, p.size, photoFilePerm, m.CreatedAt)
		if err != nil {
			// Declared already: it cannot be left out now. (Photo files
			// are never removed or changed, so this is a hand at work.)
			return fmt.Errorf("archive photo %s: %w", p.sum, err)
		}
		if got != p.sum {
			m.DamagedPhotos = append(m.DamagedPhotos, p.sum)
		}
	}
	if err := archiveJSON(tw, BackupEndFile, backupEnd{DamagedPhotos: m.DamagedPhotos}, m.CreatedAt); err != nil {
		return fmt.Errorf("archive the end: %w", err)
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return zw.Close()
}

// archiveJSON adds v to tw as the JSON file name.
func archiveJSON(tw *tar.Writer, name string, v any, modTime time.Time) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Size: int64(len(b)),
		Mode: backupFilePerm, ModTime: modTime}); err != nil {
		return err
	}
	_, err = tw.Write(b)
	return err
}

// archiveFile adds the regular file at path, of size bytes as declared,
// to tw as name, and returns the hex SHA-256 of what it archived. A file
// of another size is an error, with nothing written.
func archiveFile(tw *tar.Writer, name, path string, size int64, perm fs.FileMode, modTime time.Time) (sum string, err error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return "", err
	}
	switch {
	case !fi.Mode().IsRegular():
		return "", fmt.Errorf("%s is not a regular file", path)
	case fi.Size() != size:
		return "", fmt.Errorf("%s is %d bytes, but %d were declared: it changed during the backup", path, fi.Size(), size)
	}
	if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Size: size,
		Mode: int64(perm), ModTime: modTime}); err != nil {
		return "", err
	}
	h := sha256.New()
	if _, err := io.CopyN(io.MultiWriter(tw, h), f, size); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// photoEntry is the archive's name of the photo file with hash sum
// (checked: see blobPath).
func photoEntry(sum string) string {
	return path.Join(PhotoFolder, blobDirName, sum[:2], sum)
}

// fileURI returns path as a "file:" URI for SQLite, so that query
// parameters such as mode=ro apply and no character of the path is taken
// for one.
func fileURI(p string) (string, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", err
	}
	abs = filepath.ToSlash(abs)
	if !strings.HasPrefix(abs, "/") {
		abs = "/" + abs // a Windows drive letter
	}
	return (&url.URL{Scheme: "file", Path: abs}).String(), nil
}
