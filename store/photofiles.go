package store

import (
	"context"
	"crypto/sha256"
	"database/sql/driver"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/gridinspect/gridinspect"
)

// Photo files. A photo's bytes live beside the database, in the folder
// Options.PhotoDir:
//
//	partial/<photo id>            an upload in progress
//	sha256/<first 2 hex>/<hex>    complete files, one per distinct content
//	thumbs/                       their thumbnails, see thumbnails.go
//
// The order of operations is what makes an upload durable and resumable:
// bytes are appended to the partial file and fsynced before the row's
// committed size rises, so the committed size is always on disk; a
// complete file is verified, fsynced, renamed into sha256/ and its folder
// fsynced before the row says complete, so a complete row always has its
// file. Bytes past the committed size (a crash between the write and the
// commit) are cut off before the next append. An upload stream's chunks
// (AppendChunk) are appended without an fsync each and made durable
// together — fsync, then the committed size — every MiB or second, at
// the stream's end or break, and at its last chunk by the completion.

// Folders inside the photo folder.
const (
	partialDirName = "partial"
	blobDirName    = "sha256"
)

// Permissions of what the store makes in the photo folder.
const (
	photoDirPerm  = 0o750
	photoFilePerm = 0o640
)

// errPartialLost says a partial file holds fewer bytes than its row says
// were committed: the disk lost acknowledged data, or someone removed it.
var errPartialLost = errors.New("partial file is shorter than its committed size")

// makePhotoDirs creates the photo folder and its subfolders.
func (db *DB) makePhotoDirs() error {
	for _, dir := range []string{db.photoDir, db.partialDir(), db.blobDir(), db.thumbDir()} {
		if err := os.MkdirAll(dir, photoDirPerm); err != nil {
			return fmt.Errorf("photo folder: %w", err)
		}
	}
	return nil
}

func (db *DB) partialDir() string { return filepath.Join(db.photoDir, partialDirName) }
func (db *DB) blobDir() string    { return filepath.Join(db.photoDir, blobDirName) }

// errDamagedPhoto says a photo's row holds an id or hash that cannot
// name a file: the store never writes one, so the row was altered (by
// hand, or by a hostile backup restored before restores checked rows).
// The photo is treated as damaged and no file is opened for it: a
// "hash" such as ../../server.key would otherwise reach any file.
var errDamagedPhoto = errors.New("damaged")

// photoIDError says why id, from a row, cannot name a file: it is not
// a photo id as the store writes them (a lower-case UUID, see
// checkPhotoID). Nil if it can.
func photoIDError(id string) error {
	if isUUID(id) && strings.ToLower(id) == id {
		return nil
	}
	return fmt.Errorf("%w: its id %q is not a lower-case UUID", errDamagedPhoto, id)
}

// photoHashError says why sum, from a row, cannot name a file: it is not
// 64 lower-case hex digits. Nil if it can.
func photoHashError(sum string) error {
	if isSHA256Hex(sum) {
		return nil
	}
	return fmt.Errorf("%w: its sha256 %q is not 64 lower-case hex digits", errDamagedPhoto, sum)
}

// partialPath is where the upload of photo id is kept until it completes.
// id comes from a row: it is checked here, where it becomes a path.
func (db *DB) partialPath(id string) (string, error) {
	if err := photoIDError(id); err != nil {
		return "", err
	}
	return filepath.Join(db.partialDir(), id), nil
}

// blobPath is where a complete file with the hex SHA-256 sum is kept.
// sum comes from a row: it is checked here, where it becomes a path.
func (db *DB) blobPath(sum string) (string, error) {
	if err := photoHashError(sum); err != nil {
		return "", err
	}
	return filepath.Join(db.blobDir(), sum[:2], sum), nil
}

// hasBlob reports whether a complete file with sum and size is stored.
func (db *DB) hasBlob(sum string, size int64) (bool, error) {
	path, err := db.blobPath(sum)
	if err != nil {
		return false, err
	}
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	case err != nil:
		return false, err
	}
	return fi.Mode().IsRegular() && fi.Size() == size, nil
}

// appendPartial writes data at offset committed of photo id's partial
// file, first cutting off whatever lies past committed, and fsyncs it.
// It returns errPartialLost if the file holds less than committed.
func (db *DB) appendPartial(id string, committed int64, data []byte) (err error) {
	path, err := db.partialPath(id)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE, photoFilePerm)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if fi.Size() < committed {
		return errPartialLost
	}
	if err := f.Truncate(committed); err != nil {
		return err
	}
	if _, err := writePartialAt(f, data, committed); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if committed == 0 {
		// The file may be new: its name must be as durable as its bytes.
		return syncDir(db.partialDir())
	}
	return nil
}

// openPartial opens photo id's partial file for appending at committed,
// cutting off whatever lies past it (bytes never committed). It returns
// errPartialLost if the file holds less than committed.
func (db *DB) openPartial(id string, committed int64) (*os.File, error) {
	path, err := db.partialPath(id)
	if err != nil {
		return nil, err
	}
	if committed == 0 {
		// Nothing of it is promised: whatever a file there holds goes,
		// in the one call (a new photo's usual case).
		return os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, photoFilePerm)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE, photoFilePerm)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	switch {
	case err != nil:
	case fi.Size() < committed:
		err = errPartialLost
	default:
		err = f.Truncate(committed)
	}
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	return f, nil
}

// writePartialAt writes a chunk into a partial file. It is a variable so
// that a test can make the disk fill up (ENOSPC) half-way through a chunk.
var writePartialAt = func(f *os.File, data []byte, off int64) (int, error) {
	return f.WriteAt(data, off)
}

// photoFileErr returns the answer to a failed operation on a photo file:
// a failure of the disk (no space: ELIMIT; an I/O error: EUNAVAILABLE)
// as such, with its cause in the log; anything else wrapped with what was
// being done. Nothing that failed here has raised a committed size.
func (db *DB) photoFileErr(err error, format string, args ...any) error {
	what := fmt.Sprintf(format, args...)
	if derr := diskError(err); derr != nil {
		db.logger.Warn("store: "+what+": disk trouble", "err", err)
		return derr
	}
	return fmt.Errorf("store: %s: %w", what, err)
}

// hashPartial cuts photo id's partial file to size (nothing past the
// committed size counts), fsyncs it and returns its hex SHA-256. It
// returns an error wrapping fs.ErrNotExist if there is no partial file,
// and errPartialLost if it is shorter than size.
func (db *DB) hashPartial(id string, size int64) (sum string, err error) {
	path, err := db.partialPath(id)
	if err != nil {
		return "", err
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return "", err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	fi, err := f.Stat()
	if err != nil {
		return "", err
	}
	if fi.Size() < size {
		return "", errPartialLost
	}
	if err := f.Truncate(size); err != nil {
		return "", err
	}
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	if err := f.Sync(); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// keepPartial moves photo id's verified partial file to its place among
// the complete files, or drops it if that content is stored already, and
// makes the complete file's name durable.
func (db *DB) keepPartial(id, sum string) error {
	partial, err := db.partialPath(id)
	if err != nil {
		return err
	}
	target, err := db.blobPath(sum)
	if err != nil {
		return err
	}
	dir := filepath.Dir(target)
	switch err := os.Mkdir(dir, photoDirPerm); {
	case err == nil:
		if err := syncDir(db.blobDir()); err != nil {
			return err
		}
	case !errors.Is(err, fs.ErrExist):
		return err
	}
	_, err = os.Stat(target)
	switch {
	case err == nil:
		// Identical content is stored once. (Two uploads of it finishing
		// at once may both rename; the second replaces the first file
		// with the same bytes, atomically.)
		if err := os.Remove(partial); err != nil {
			return err
		}
	case errors.Is(err, fs.ErrNotExist):
		if err := os.Rename(partial, target); err != nil {
			return err
		}
		if err := syncDir(dir); err != nil {
			return err
		}
	default:
		return err
	}
	// The partial name's removal is not made durable here: on a
	// journalling file system (ext4, XFS) the rename is one step, which
	// the fsync above made durable; elsewhere a crash might bring the
	// name back, as it could between the rename and an fsync of partial/,
	// and a complete row never reads its partial file. That fsync was one
	// more serial disk wait per photo (BENCHMARKS.md, the storm).
	return nil
}

// dropPartial removes photo id's partial file, if there is one.
func (db *DB) dropPartial(id string) error {
	path, err := db.partialPath(id)
	if err != nil {
		return err
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// syncDir fsyncs a folder, making the names in it durable.
func syncDir(dir string) (err error) {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := d.Close(); err == nil {
			err = cerr
		}
	}()
	return d.Sync()
}

// photoLocks serialise what is done to one photo's upload: two chunks of
// the same photo (a phone that retried while its first stream still ran)
// must not interleave their appends and commits. Locks are made on demand
// and dropped when nobody holds or waits for them.
type photoLocks struct {
	mu    sync.Mutex
	locks map[string]*photoLock
	// pending are the uploads with bytes appended past their committed
	// size (AppendChunk); an entry is read and changed only under its
	// photo's lock, the map under mu.
	pending map[string]*pendingAppend
	// decls are the photos declared in memory (declare), under mu, by
	// street and id: another street's declaration is no photo to a caller.
	decls map[declKey]*declaration
}

type declKey struct {
	street int64
	id     string
}

// A photo is declared in memory, not by a commit of its own: until some
// of its bytes are durable there is nothing of it to lose, and a phone
// that loses the declaration (a restart of the server) declares it again
// and starts from 0, where it was. Its row is written by the commit that
// makes its first bytes durable (flushPending), or, for a photo sent in
// one stream, by its completion: one commit a photo, not two (BENCHMARKS.md,
// the storm). A declaration is forgotten once its row is written, or
// after declarationIdle without a chunk; its stream's pending append
// keeps its row meanwhile.
type declaration struct {
	row  photo
	seen time.Time
}

// declarationIdle is how long a declaration in memory waits for its
// first chunk; maxDeclarations the count past which idle ones are swept.
const (
	declarationIdle = time.Hour
	maxDeclarations = 4096
)

// declare records photo p (p.unstored) as declared.
func (l *photoLocks) declare(p photo) {
	key := declKey{p.street, p.ID}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.decls == nil {
		l.decls = make(map[declKey]*declaration)
	}
	now := time.Now()
	if len(l.decls) >= maxDeclarations {
		for id, d := range l.decls {
			if now.Sub(d.seen) > declarationIdle {
				delete(l.decls, id)
			}
		}
	}
	l.decls[key] = &declaration{row: p, seen: now}
}

// declared returns a copy of photo id's row as declared in memory, or nil.
func (l *photoLocks) declared(street int64, id string) *photo {
	l.mu.Lock()
	defer l.mu.Unlock()
	d := l.decls[declKey{street, id}]
	if d == nil {
		return nil
	}
	d.seen = time.Now()
	p := d.row
	return &p
}

// forget drops photo id's declaration in memory, if it has one.
func (l *photoLocks) forget(street int64, id string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.decls, declKey{street, id})
}

// pendingAppend is a partial file being appended to by a stream of
// chunks: written bytes are in the file (not yet fsynced) up to written;
// the row's committed size, durable, is where the file was last fsynced.
type pendingAppend struct {
	// row is the photo's row as it was read at the first append: every
	// change to it is made under the photo's lock, and drops or updates
	// this, so the chunks after the first need not read it again.
	row      photo
	f        *os.File
	durable  int64     // the row's committed size
	written  int64     // bytes in the file, durable or not
	unsynced time.Time // when the oldest byte past durable was written
	// hash is the SHA-256 of the file's bytes up to written, when they
	// were all written by this append (from 0); nil otherwise.
	hash hash.Hash
}

// getPending returns photo id's pending append, or nil.
func (l *photoLocks) getPending(id string) *pendingAppend {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.pending[id]
}

// setPending records (or, with nil, forgets) photo id's pending append.
func (l *photoLocks) setPending(id string, p *pendingAppend) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if p == nil {
		delete(l.pending, id)
		return
	}
	if l.pending == nil {
		l.pending = make(map[string]*pendingAppend)
	}
	l.pending[id] = p
}

// takeAllPending forgets every pending append and returns them (Close).
func (l *photoLocks) takeAllPending() []*pendingAppend {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []*pendingAppend
	for id, p := range l.pending {
		out = append(out, p)
		delete(l.pending, id)
	}
	return out
}

type photoLock struct {
	mu   sync.Mutex
	refs int // holders and waiters; guarded by photoLocks.mu
}

// lock locks photo id and returns its unlock.
func (l *photoLocks) lock(id string) (unlock func()) {
	l.mu.Lock()
	if l.locks == nil {
		l.locks = make(map[string]*photoLock)
	}
	pl := l.locks[id]
	if pl == nil {
		pl = &photoLock{}
		l.locks[id] = pl
	}
	pl.refs++
	l.mu.Unlock()

	pl.mu.Lock()
	return func() {
		pl.mu.Unlock()
		l.mu.Lock()
		if pl.refs--; pl.refs == 0 {
			delete(l.locks, id)
		}
		l.mu.Unlock()
	}
}

// Several servers, one photo folder. On PostgreSQL a phone may retry a
// chunk on another server while its first call still runs there, and the
// lock above is this process's alone: the two would append to the same
// partial file at once (one cutting off what the other wrote) and race
// to commit. So on PostgreSQL a photo is also locked for every server, by
// an advisory lock held on a connection of a small pool for the call.

// photoLockConns bounds the connections that hold photo locks: the
// photos being written to at once by this server (a lock is held for one
// chunk's write and commit, never while a phone sends).
const photoLockConns = 32

// photoLockWait bounds the wait for another server's photo lock: a
// server cut off from the database holds it until PostgreSQL notices
// that its session is gone, and the phone had better retry than hang. A
// variable so that a test need not wait so long.
var photoLockWait = 30 * time.Second

// errPhotoBusy answers a chunk whose photo another server kept locked
// past photoLockWait.
var errPhotoBusy = gridinspect.Errorf(gridinspect.EUNAVAILABLE, "the photo is being written by another server; retry").
	Zh("照片正在由另一台服务器写入，请稍后重试")

// photoLockSpace is the first half of every photo lock's key ("phot"),
// apart from the migrations' lock.
const photoLockSpace = 0x70686f74

// lockPhoto locks photo id, in this process and, on PostgreSQL, for every
// server, and returns its unlock.
func (db *DB) lockPhoto(ctx context.Context, id string) (unlock func(), err error) {
	unlockHere := db.photoLocks.lock(id)
	if db.engine != postgres {
		return unlockHere, nil
	}
	defer func() {
		if err != nil {
			unlockHere()
		}
	}()
	conn, err := db.photoLockPool.Conn(ctx)
	if err != nil {
		return nil, unavailable(fmt.Errorf("store: lock photo %s: %w", id, err))
	}
	sum := sha256.Sum256([]byte(id))
	key := int32(binary.BigEndian.Uint32(sum[:4]))
	wctx, cancel := context.WithTimeout(ctx, photoLockWait)
	defer cancel()
	if _, err := conn.ExecContext(wctx, "SELECT pg_advisory_lock(?, ?)", photoLockSpace, key); err != nil {
		// A lock granted as the wait was cancelled must not stay with
		// the pooled connection: it is dropped.
		_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		_ = conn.Close()
		if ctx.Err() == nil && wctx.Err() != nil {
			return nil, errPhotoBusy
		}
		return nil, unavailable(fmt.Errorf("store: lock photo %s: %w", id, err))
	}
	return func() {
		if _, err := conn.ExecContext(context.Background(), "SELECT pg_advisory_unlock(?, ?)", photoLockSpace, key); err != nil {
			// The lock must not outlive the call: the connection is
			// dropped, and its session's locks with it.
			db.logger.Warn("store: unlock photo", "photo", id, "err", err)
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		}
		_ = conn.Close()
		unlockHere()
	}, nil
}
