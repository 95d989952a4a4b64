package store

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/gridinspect/gridinspect"
)

// Restore unpacks the backup read from archive into dataDir, which must
// be empty or not exist, and returns its manifest. It is an offline
// operation: no server may be using dataDir. Afterwards dataDir holds
// gridinspect.db and photos/ as gridd --data dataDir expects them.
//
// Nothing is left in dataDir unless the whole archive checks out: every
// entry is a plain file or folder of the backup layout (no absolute
// paths, "..", links or other names; sizes bounded), the manifest is
// there and of a format this program reads, the database matches the
// manifest's size and SHA-256 and passes PRAGMA integrity_check and
// foreign_key_check, every photo hashes to its name, every photo row of
// the database can name its files and a complete one has its file in the
// archive, of the row's size (see checkRestoredPhotos), and the schema is
// not newer than this program's.
//
// Nothing large is written before the manifest has been read: it says
// how big the database and the photos are, which must be within bounds
// and fit in the free space of dataDir's disk, and every file must be of
// the size declared before a byte of it is written. An archive of format
// 1 has its manifest last: read from a file (anything that can seek) it
// is read through once, writing nothing, to find it; from a stream it is
// refused. The archive is read in large blocks: callers need not buffer.
//
// The restored database then gets a new instance id. Sync cursors carry
// the instance id and a fingerprint of the change they stand at; a phone
// whose cursor is newer than the backup would be told to start again by
// the fingerprint alone, and one whose cursor is older could in
// principle carry on. But such a phone may hold what the restored
// database lacks (reports it pushed after the backup and has not pulled
// back since, and deleted from its outbox once acknowledged), which no
// cursor shows; carrying on would leave its copy and the server's apart
// for good. With a new instance id every phone's next Pull is answered
// "start again" (ResetRequired): the safe, simple choice.
//
// For the same reason of time travel, every login token is revoked (a
// token revoked after the backup was taken, say of a lost phone, would
// otherwise work again), so everyone logs in again; and uploads in
// progress start again from zero, since partial files are not in a
// backup.
func Restore(archive io.Reader, dataDir string) (m *BackupManifest, err error) {
	created, err := checkRestoreTarget(dataDir)
	if err != nil {
		return nil, err
	}
	stage, err := os.MkdirTemp(dataDir, ".restore-")
	if err != nil {
		return nil, fmt.Errorf("store: restore: %w", err)
	}
	defer func() {
		_ = os.RemoveAll(stage)
		if err != nil && created {
			_ = os.Remove(dataDir)
		}
	}()

	u, err := unpack(archive, stage)
	if err != nil {
		return nil, err
	}
	if err := prepareRestored(filepath.Join(stage, DatabaseFile), u); err != nil {
		return nil, err
	}
	// The photos first, so that a folder with a database has its photos.
	if err := os.Rename(filepath.Join(stage, PhotoFolder), filepath.Join(dataDir, PhotoFolder)); err != nil {
		return nil, fmt.Errorf("store: restore: %w", err)
	}
	if err := os.Rename(filepath.Join(stage, DatabaseFile), filepath.Join(dataDir, DatabaseFile)); err != nil {
		return nil, fmt.Errorf("store: restore: %w", err)
	}
	if err := syncDir(dataDir); err != nil {
		return nil, fmt.Errorf("store: restore: %w", err)
	}
	return u.manifest, nil
}

// checkRestoreTarget makes sure dir is an empty folder, creating it if it
// does not exist; created says whether it did.
func checkRestoreTarget(dir string) (created bool, err error) {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return false, fmt.Errorf("store: restore: %w", err)
		}
		return true, nil
	case err != nil:
		return false, fmt.Errorf("store: restore: %w", err)
	}
	for _, e := range entries {
		if e.Name() == DatabaseFile {
			return false, fmt.Errorf("%w: %s holds a database (%s); restore into a new or empty folder",
				ErrRestoreTarget, dir, DatabaseFile)
		}
	}
	if len(entries) > 0 {
		return false, fmt.Errorf("%w: %s holds %s; restore into a new or empty folder", ErrRestoreTarget, dir, entries[0].Name())
	}
	return false, nil
}

// badArchive returns an ErrBadArchive error saying why.
func badArchive(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrBadArchive, fmt.Sprintf(format, args...))
}

// restoreReadBytes is the size of the blocks Restore reads the archive in.
const restoreReadBytes = 1 << 20

// errManifestNotFirst says the archive's first file is not its manifest,
// as in format 1. Nothing was written.
var errManifestNotFirst = errors.New("the manifest is not the first file")

// unpacked is what unpack has found so far.
type unpacked struct {
	dir        string
	seen       map[string]bool
	manifest   *BackupManifest
	raw        []byte     // the manifest as it is in the archive
	end        *backupEnd // BACKUP-END.json, once read
	dbSum      string
	dbSize     int64
	photos     int64
	photoBytes int64
	files      map[string]int64 // the size of each photo file, by hash
	mismatch   []string         // photos that do not hash to their name
	dirs       []string         // folders made, to fsync at the end
}

func newUnpacked(dir string) *unpacked {
	return &unpacked{dir: dir, seen: map[string]bool{}, files: map[string]int64{}}
}

// unpack extracts the archive into dir and checks it against its
// manifest.
func unpack(archive io.Reader, dir string) (*unpacked, error) {
	rs, seekable := archive.(io.ReadSeeker)
	var start int64
	if seekable {
		var err error
		start, err = rs.Seek(0, io.SeekCurrent)
		seekable = err == nil
	}
	u := newUnpacked(dir)
	err := u.read(archive)
	switch {
	case err == nil:
		return u, u.check()
	case !errors.Is(err, errManifestNotFirst):
		return nil, err
	case !seekable:
		return nil, badArchive("%s is not the first file (an archive of format 1, from an older gridd?): restore it from a file", BackupManifestFile)
	}
	// Format 1: find the manifest, writing nothing, then unpack the
	// archive knowing what it declares.
	if _, err := rs.Seek(start, io.SeekStart); err != nil {
		return nil, fmt.Errorf("store: restore: %w", err)
	}
	raw, err := findManifest(rs)
	if err != nil {
		return nil, err
	}
	u = newUnpacked(dir)
	if err := u.declare(raw, false); err != nil {
		return nil, err
	}
	if _, err := rs.Seek(start, io.SeekStart); err != nil {
		return nil, fmt.Errorf("store: restore: %w", err)
	}
	if err := u.read(rs); err != nil {
		return nil, err
	}
	return u, u.check()
}

// read extracts the archive read from r.
func (u *unpacked) read(r io.Reader) error {
	zr, err := gzip.NewReader(bufio.NewReaderSize(r, restoreReadBytes))
	if err != nil {
		return badArchive("not a gzip file: %v", err)
	}
	tr := tar.NewReader(zr)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return badArchive("%v", err)
		}
		if err := u.entry(hdr, tr); err != nil {
			return err
		}
	}
	// Read to the end of the gzip stream, which checks its CRC and
	// length: an archive cut short or altered fails here.
	if _, err := io.Copy(io.Discard, zr); err != nil {
		return badArchive("%v", err)
	}
	if err := zr.Close(); err != nil {
		return badArchive("%v", err)
	}
	return nil
}

// findManifest reads the archive from r through, writing nothing, and
// returns its manifest as it is there.
func findManifest(r io.Reader) ([]byte, error) {
	zr, err := gzip.NewReader(bufio.NewReaderSize(r, restoreReadBytes))
	if err != nil {
		return nil, badArchive("not a gzip file: %v", err)
	}
	tr := tar.NewReader(zr)
	var raw []byte
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, badArchive("%v", err)
		}
		if hdr.Name != BackupManifestFile {
			continue
		}
		if raw != nil {
			return nil, badArchive("entry %q appears twice", hdr.Name)
		}
		if hdr.Size > maxManifestBytes {
			return nil, badArchive("%s is %d bytes; at most %d", hdr.Name, hdr.Size, maxManifestBytes)
		}
		if raw, err = io.ReadAll(io.LimitReader(tr, maxManifestBytes)); err != nil {
			return nil, badArchive("%s: %v", hdr.Name, err)
		}
	}
	if raw == nil {
		return nil, badArchive("no %s: the archive is incomplete", BackupManifestFile)
	}
	return raw, nil
}

// declare takes the manifest raw as what the archive holds, once it has
// checked that the sizes it declares are within bounds and fit on the
// disk. first says it is the archive's first file, as format 2 has it.
func (u *unpacked) declare(raw []byte, first bool) error {
	m := &BackupManifest{}
	if err := json.Unmarshal(raw, m); err != nil {
		return badArchive("%s: %v", BackupManifestFile, err)
	}
	switch {
	case m.Format < 1 || m.Format > BackupFormat:
		return badArchive("%s says format %d; this program restores formats 1 to %d", BackupManifestFile, m.Format, BackupFormat)
	case m.Format >= 2 && !first:
		return badArchive("%s is not the first file, as it is in every backup of format %d", BackupManifestFile, m.Format)
	case m.DatabaseBytes <= 0 || m.DatabaseBytes > MaxRestoreDatabaseBytes:
		return badArchive("%s says the database is %d bytes; it is 1 to %d", BackupManifestFile, m.DatabaseBytes, int64(MaxRestoreDatabaseBytes))
	case m.PhotoFiles < 0 || m.PhotoBytes < m.PhotoFiles ||
		m.PhotoBytes > 0 && (m.PhotoBytes-1)/gridinspect.MaxPhotoBytes >= m.PhotoFiles:
		return badArchive("%s says %d photo files of %d bytes in all; a photo has 1 to %d bytes",
			BackupManifestFile, m.PhotoFiles, m.PhotoBytes, gridinspect.MaxPhotoBytes)
	case !isSHA256Hex(m.DatabaseSHA256):
		return badArchive("%s gives no SHA-256 of the database", BackupManifestFile)
	}
	need := uint64(m.DatabaseBytes) + uint64(m.PhotoBytes) + restoreHeadroomBytes
	if free, ok := diskFree(u.dir); ok && need > free {
		return fmt.Errorf("store: restore: not enough free space: the backup holds %d bytes (database %d, photos %d), and %s has %d bytes free",
			m.DatabaseBytes+m.PhotoBytes, m.DatabaseBytes, m.PhotoBytes, filepath.Dir(u.dir), free)
	}
	u.manifest, u.raw = m, raw
	return nil
}

// entry extracts one entry of the archive.
func (u *unpacked) entry(hdr *tar.Header, r io.Reader) error {
	name := hdr.Name
	clean := strings.TrimSuffix(name, "/")
	switch {
	case name == "" || strings.HasPrefix(name, "/") || filepath.IsAbs(name) || strings.Contains(name, `\`):
		return badArchive("entry %q: not a relative path", name)
	case clean == ".." || strings.HasPrefix(clean, "../") || strings.Contains(clean, "/../") || strings.HasSuffix(clean, "/.."):
		return badArchive("entry %q: a path with \"..\"", name)
	case path.Clean(clean) != clean:
		return badArchive("entry %q: not a clean path", name)
	case u.seen[clean]:
		return badArchive("entry %q appears twice", name)
	}
	u.seen[clean] = true

	switch hdr.Typeflag {
	case tar.TypeDir:
		if !isBackupFolder(clean) {
			return badArchive("entry %q: a folder a backup does not have", name)
		}
		return nil // folders are made as their files need them
	case tar.TypeReg:
	default:
		return badArchive("entry %q: a %s; a backup holds only files and folders", name, typeName(hdr.Typeflag))
	}
	switch {
	case u.end != nil:
		return badArchive("entry %q comes after %s, which ends a backup", name, BackupEndFile)
	case clean == BackupManifestFile:
		return u.readManifest(hdr, r)
	case u.manifest == nil:
		// Nothing is written before the manifest has been read.
		return errManifestNotFirst
	}

	m := u.manifest
	switch {
	case clean == BackupEndFile && m.Format >= 2:
		if hdr.Size > maxManifestBytes {
			return badArchive("%s is %d bytes; at most %d", name, hdr.Size, maxManifestBytes)
		}
		end := &backupEnd{}
		if err := json.NewDecoder(io.LimitReader(r, maxManifestBytes)).Decode(end); err != nil {
			return badArchive("%s: %v", name, err)
		}
		u.end = end
		return nil
	case clean == DatabaseFile:
		if hdr.Size != m.DatabaseBytes {
			return badArchive("%s is %d bytes, but the manifest says %d", name, hdr.Size, m.DatabaseBytes)
		}
		r, err := checkSQLiteHeader(name, r, hdr.Size)
		if err != nil {
			return err
		}
		sum, err := u.write(clean, r, hdr.Size, dbFilePerm)
		u.dbSum, u.dbSize = sum, hdr.Size
		return err
	case isPhotoEntry(clean):
		switch {
		case hdr.Size <= 0 || hdr.Size > gridinspect.MaxPhotoBytes:
			return badArchive("photo %s is %d bytes; a photo has 1 to %d", name, hdr.Size, gridinspect.MaxPhotoBytes)
		case u.photos >= m.PhotoFiles:
			return badArchive("photo %s is one more than the %d photo files the manifest says", name, m.PhotoFiles)
		case hdr.Size > m.PhotoBytes-u.photoBytes:
			return badArchive("photo %s goes past the %d bytes of photo files the manifest says", name, m.PhotoBytes)
		}
		sum, err := u.write(clean, r, hdr.Size, photoFilePerm)
		if err != nil {
			return err
		}
		name := path.Base(clean)
		if sum != name {
			u.mismatch = append(u.mismatch, name)
		}
		u.photos++
		u.photoBytes += hdr.Size
		u.files[name] = hdr.Size
		return nil
	}
	return badArchive("entry %q: a file a backup does not have", name)
}

// readManifest reads the manifest entry: the first file of the archive,
// or, in an archive of format 1 read a second time, the manifest
// findManifest found.
func (u *unpacked) readManifest(hdr *tar.Header, r io.Reader) error {
	if hdr.Size > maxManifestBytes {
		return badArchive("%s is %d bytes; at most %d", hdr.Name, hdr.Size, maxManifestBytes)
	}
	raw, err := io.ReadAll(io.LimitReader(r, maxManifestBytes))
	if err != nil {
		return badArchive("%s: %v", hdr.Name, err)
	}
	if u.manifest == nil {
		return u.declare(raw, true)
	}
	if !bytes.Equal(raw, u.raw) {
		return badArchive("%s changed between two readings of the archive", hdr.Name)
	}
	return nil
}

// sqliteHeaderBytes is the size of an SQLite database file's header.
const sqliteHeaderBytes = 100

// checkSQLiteHeader reads the header of the database file name, of size
// bytes, from r and checks that it is one of an SQLite database of that
// size, so that an archive whose "database" is a gigabyte of zeros is
// refused before any of it is written. It returns r with the header put
// back.
func checkSQLiteHeader(name string, r io.Reader, size int64) (io.Reader, error) {
	if size < sqliteHeaderBytes {
		return nil, badArchive("%s is %d bytes: not an SQLite database", name, size)
	}
	head := make([]byte, sqliteHeaderBytes)
	if _, err := io.ReadFull(r, head); err != nil {
		return nil, badArchive("%s: %v", name, err)
	}
	if !bytes.HasPrefix(head, []byte("SQLite format 3\x00")) {
		return nil, badArchive("%s is not an SQLite database", name)
	}
	// The page size (1 stands for 65536) and the page count, which is
	// valid when the change counter equals the version-valid-for number
	// (https://sqlite.org/fileformat.html, 1.3).
	pageSize := int64(binary.BigEndian.Uint16(head[16:18]))
	if pageSize == 1 {
		pageSize = 1 << 16
	}
	pages := int64(binary.BigEndian.Uint32(head[28:32]))
	if pages > 0 && bytes.Equal(head[24:28], head[92:96]) && pages*pageSize != size {
		return nil, badArchive("%s is %d bytes, but its header says %d pages of %d bytes", name, size, pages, pageSize)
	}
	return io.MultiReader(bytes.NewReader(head), r), nil
}

// write copies size bytes of r into the new file name (slash-separated,
// under u.dir) of mode perm, fsynced, and returns their hex SHA-256.
func (u *unpacked) write(name string, r io.Reader, size int64, perm fs.FileMode) (sum string, err error) {
	p := filepath.Join(u.dir, filepath.FromSlash(name))
	if err := u.mkdirs(filepath.Dir(p)); err != nil {
		return "", fmt.Errorf("store: restore: %w", err)
	}
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return "", fmt.Errorf("store: restore: %w", err)
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("store: restore: %w", cerr)
		}
	}()
	if err := f.Chmod(perm); err != nil { // whatever the umask
		return "", fmt.Errorf("store: restore: %w", err)
	}
	h := sha256.New()
	n, err := io.CopyN(io.MultiWriter(f, h), r, size)
	var pe *fs.PathError
	switch {
	case errors.As(err, &pe):
		return "", fmt.Errorf("store: restore: %w", err) // the disk, not the archive
	case err != nil:
		return "", badArchive("%s: %v", name, err)
	case n != size:
		return "", badArchive("%s: %d bytes, want %d", name, n, size)
	}
	if err := f.Sync(); err != nil {
		return "", fmt.Errorf("store: restore: %w", err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// mkdirs makes dir and its parents up to u.dir, remembering them.
func (u *unpacked) mkdirs(dir string) error {
	if dir == u.dir || dir == "." || dir == string(filepath.Separator) {
		return nil
	}
	if _, err := os.Stat(dir); err == nil {
		return nil
	}
	if err := u.mkdirs(filepath.Dir(dir)); err != nil {
		return err
	}
	if err := os.Mkdir(dir, photoDirPerm); err != nil {
		return err
	}
	u.dirs = append(u.dirs, dir)
	return nil
}

// check compares what was unpacked with the manifest, and makes the
// folders durable.
func (u *unpacked) check() error {
	m := u.manifest
	switch {
	case m == nil:
		return badArchive("no %s: the archive is incomplete", BackupManifestFile)
	case m.Format >= 2 && u.end == nil:
		return badArchive("no %s: the archive is incomplete", BackupEndFile)
	case !u.seen[DatabaseFile]:
		return badArchive("no %s in the archive", DatabaseFile)
	case u.dbSize != m.DatabaseBytes || u.dbSum != m.DatabaseSHA256:
		return badArchive("%s (%d bytes, sha256 %s) is not the one the manifest names (%d bytes, sha256 %s)",
			DatabaseFile, u.dbSize, u.dbSum, m.DatabaseBytes, m.DatabaseSHA256)
	case u.photos != m.PhotoFiles || u.photoBytes != m.PhotoBytes:
		return badArchive("%d photo files of %d bytes, but the manifest says %d of %d", u.photos, u.photoBytes, m.PhotoFiles, m.PhotoBytes)
	}
	if u.end != nil {
		m.DamagedPhotos = u.end.DamagedPhotos
	}
	damaged := map[string]bool{}
	for _, sum := range m.DamagedPhotos {
		damaged[sum] = true
	}
	for _, sum := range u.mismatch {
		// A photo that does not hash to its name is refused, unless the
		// backup found it so already and said so.
		if !damaged[sum] {
			return badArchive("photo %s does not hash to its name", sum)
		}
	}
	// Make the photo folders exist even when there are no photos, as
	// gridd expects them, and durable, deepest first.
	if err := u.mkdirs(filepath.Join(u.dir, PhotoFolder, blobDirName)); err != nil {
		return fmt.Errorf("store: restore: %w", err)
	}
	for i := len(u.dirs) - 1; i >= 0; i-- {
		if err := syncDir(u.dirs[i]); err != nil {
			return fmt.Errorf("store: restore: %w", err)
		}
	}
	if err := syncDir(u.dir); err != nil {
		return fmt.Errorf("store: restore: %w", err)
	}
	return nil
}

// isBackupFolder reports whether name (clean, slash-separated) is a
// folder of the backup layout.
func isBackupFolder(name string) bool {
	switch {
	case name == PhotoFolder, name == PhotoFolder+"/"+blobDirName:
		return true
	}
	rest, ok := strings.CutPrefix(name, PhotoFolder+"/"+blobDirName+"/")
	return ok && len(rest) == 2 && isLowerHex(rest)
}

// isPhotoEntry reports whether name is photos/sha256/<2 hex>/<64 hex>
// with the folder named for the file's first two characters.
func isPhotoEntry(name string) bool {
	rest, ok := strings.CutPrefix(name, PhotoFolder+"/"+blobDirName+"/")
	if !ok {
		return false
	}
	sub, sum, ok := strings.Cut(rest, "/")
	return ok && len(sum) == 2*sha256.Size && isLowerHex(sum) && sub == sum[:2]
}

func isLowerHex(s string) bool {
	for _, c := range []byte(s) {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// typeName names a tar entry type for an error message.
func typeName(t byte) string {
	switch t {
	case tar.TypeSymlink:
		return "symbolic link"
	case tar.TypeLink:
		return "hard link"
	case tar.TypeChar, tar.TypeBlock:
		return "device"
	case tar.TypeFifo:
		return "named pipe"
	}
	return fmt.Sprintf("entry of type %q", t)
}

// prepareRestored checks the unpacked database at path and makes it a
// database of its own: a new instance id, no live tokens, no uploads in
// progress. See Restore.
func prepareRestored(path string, u *unpacked) (err error) {
	uri, err := fileURI(path)
	if err != nil {
		return fmt.Errorf("store: restore: %w", err)
	}
	conn, err := sql.Open("sqlite3", fmt.Sprintf("%s?mode=rw&_busy_timeout=%d", uri, DefaultBusyTimeout.Milliseconds()))
	if err != nil {
		return fmt.Errorf("store: restore: %w", err)
	}
	defer func() {
		if cerr := conn.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("store: restore: %w", cerr)
		}
	}()
	conn.SetMaxOpenConns(1)

	if err := checkIntegrity(conn); err != nil {
		return err
	}
	ms, err := loadMigrations()
	if err != nil {
		return fmt.Errorf("store: restore: %w", err)
	}
	var version int
	if err := conn.QueryRow("SELECT coalesce(max(version), 0) FROM schema_migrations").Scan(&version); err != nil {
		return badArchive("read the schema version: %v", err)
	}
	if known := ms[len(ms)-1].version; version > known {
		return fmt.Errorf("store: restore: the backup's schema version %d is newer than this program knows (%d); use a newer program", version, known)
	}
	if err := checkRestoredPhotos(conn, u); err != nil {
		return err
	}

	tx, err := conn.Begin()
	if err != nil {
		return fmt.Errorf("store: restore: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit, a no-op
	switch err := resetRestored(tx, uuid.NewString(), time.Now().UnixNano(), nil); {
	case errors.Is(err, errNoInstanceID):
		return badArchive("%v", err)
	case err != nil:
		return fmt.Errorf("store: restore: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: restore: %w", err)
	}
	return nil
}

// checkRestoredPhotos checks every photo row of the restored database
// against the archive: its id and hash can name files (a "hash" that is a
// path would let DownloadPhoto read any file the server can), and a
// complete photo has its file in the archive, of the row's size, unless
// the backup found the file missing (or damaged: then its size may
// differ too). The first row that fails is named.
func checkRestoredPhotos(conn *sql.DB, u *unpacked) error {
	missing, damaged := map[string]bool{}, map[string]bool{}
	for _, sum := range u.manifest.MissingPhotos {
		missing[sum] = true
	}
	for _, sum := range u.manifest.DamagedPhotos {
		damaged[sum] = true
	}
	err := eachPhotoRow(context.Background(), conn, func(r photoRow) error {
		if err := r.check(); err != nil {
			return badArchive("%v", err)
		}
		if !r.complete || missing[r.sum] {
			return nil
		}
		size, ok := u.files[r.sum]
		switch {
		case !ok:
			return badArchive("photo %s is complete in the database, but its file (sha256 %s) is not in the archive", r.id, r.sum)
		case size != r.size && !damaged[r.sum]:
			return badArchive("photo %s is %d bytes in the database, but its file in the archive has %d", r.id, r.size, size)
		}
		return nil
	})
	if err != nil && !errors.Is(err, ErrBadArchive) {
		return badArchive("%v", err)
	}
	return err
}

// checkIntegrity runs PRAGMA integrity_check and foreign_key_check.
func checkIntegrity(conn *sql.DB) error {
	rows, err := conn.Query("PRAGMA integrity_check")
	if err != nil {
		return badArchive("integrity check: %v", err)
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return badArchive("integrity check: %v", err)
		}
		problems = append(problems, s)
	}
	if err := rows.Err(); err != nil {
		return badArchive("integrity check: %v", err)
	}
	if len(problems) != 1 || problems[0] != "ok" {
		return badArchive("the database fails its integrity check: %s", strings.Join(problems, "; "))
	}
	var table string
	err = conn.QueryRow("PRAGMA foreign_key_check").Scan(&table)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil
	case err != nil:
		return badArchive("foreign key check: %v", err)
	}
	return badArchive("the database fails its foreign key check (table %s)", table)
}
