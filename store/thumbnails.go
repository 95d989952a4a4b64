package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gridinspect/gridinspect"
)

// Thumbnails. A complete photo's thumbnail is a small JPEG (see
// renderThumbnail), kept in the photo folder beside the photo files and,
// like them, named for the photo's content:
//
//	thumbs/<first 2 hex>/<hex>.jpg    the thumbnail of the content with that SHA-256
//	thumbs/<first 2 hex>/<hex>.none   that content was decoded once, and failed
//
// so that identical photos share one thumbnail, made once. Thumbnails are
// derived data: written atomically (a temporary file in thumbs/, fsynced,
// renamed), but not in backups, and made again whenever one is missing.
//
// When. Decoding a 12-megapixel JPEG takes a fraction of a second of CPU
// and tens of megabytes: done in the writer it would hold up every other
// write, and done before answering the last chunk it would keep the phone
// waiting. So a photo that completes is queued, after its commit, to one
// goroutine that makes thumbnails in the background; and OpenThumbnail
// makes one that is missing on demand: the queue was full, the server
// stopped (or crashed) before it got there, the data folder was restored
// from a backup. Both take a lock per content, so one thumbnail is made
// once even when both want it at the same time, and one of
// maxThumbDecodes turns to decode, which bounds the memory all decodes
// take together (each is bounded by maxThumbDecodeBytes).
//
// A photo not decoded (not JPEG, PNG or WebP, such as an iPhone's HEIC; or
// too many pixels) gets the placeholder. Only a photo whose header was
// fine but whose decoding failed is marked .none, since finding that out
// cost a whole decode; the rest is found from the header alone, cheaply,
// every time, so a later version that can read them makes their
// thumbnails.

// Names and modes in the thumbnail folder.
const (
	thumbDirName    = "thumbs"
	thumbTempPrefix = ".tmp-"
	// thumbFilePerm: derived data, read by the server alone.
	thumbFilePerm = 0o600
	// maxThumbFileBytes bounds a thumbnail file read back: anything
	// bigger is not one the store wrote, and is made again.
	maxThumbFileBytes = 1 << 20
)

// Bounds of the thumbnailer.
const (
	// maxThumbDecodes is how many thumbnails are made at once: the
	// background goroutine's and those made on demand share the turns.
	// One: thumbnails never take more than one core, so requests always
	// find another.
	maxThumbDecodes = 1
	// thumbQueueSize is how many completed photos may wait for the
	// background goroutine; past that, their thumbnails are made on
	// demand.
	thumbQueueSize = 256
)

// thumbETagPrefix begins a thumbnail's ETag; the photo's SHA-256 follows.
const thumbETagPrefix = "thumb-"

func (db *DB) thumbDir() string { return filepath.Join(db.photoDir, thumbDirName) }

// thumbPaths return where the thumbnail of content sum is kept, and its
// mark if it cannot be made. sum comes from a row: it is checked here,
// where it becomes a path.
func (db *DB) thumbPaths(sum string) (jpg, none string, err error) {
	if err := photoHashError(sum); err != nil {
		return "", "", err
	}
	base := filepath.Join(db.thumbDir(), sum[:2], sum)
	return base + ".jpg", base + ".none", nil
}

// OpenThumbnail returns a complete photo's thumbnail, or the placeholder.
// See gridinspect.PhotoService.
func (db *DB) OpenThumbnail(ctx context.Context, photoID string) (*gridinspect.Thumbnail, error) {
	p, err := db.openablePhoto(ctx, photoID)
	if err != nil {
		return nil, err
	}
	data, err := db.thumbnail(ctx, p.SHA256)
	switch {
	case err != nil:
		return nil, domainErr(err, "thumbnail of photo %s", p.ID)
	case data == nil:
		return placeholder(), nil
	}
	return &gridinspect.Thumbnail{Data: data, ContentType: "image/jpeg", ETag: thumbETagPrefix + p.SHA256}, nil
}

// thumbnail returns the thumbnail of the content sum, making it if it is
// missing; nil if there can be none.
func (db *DB) thumbnail(ctx context.Context, sum string) ([]byte, error) {
	jpg, none, err := db.thumbPaths(sum)
	if err != nil {
		return nil, err
	}
	if data, found, err := findThumbnail(jpg, none); found || err != nil {
		return data, err
	}
	unlock := db.thumbLocks.lock(sum)
	defer unlock()
	// It may have been made while this waited for the lock.
	if data, found, err := findThumbnail(jpg, none); found || err != nil {
		return data, err
	}
	select {
	case db.thumbTurns <- struct{}{}:
		defer func() { <-db.thumbTurns }()
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return db.makeThumbnail(sum, jpg, none)
}

// findThumbnail reads the thumbnail at jpg. found says whether the
// question is settled: by the thumbnail, or by the mark none saying there
// can be none (then data is nil).
func findThumbnail(jpg, none string) (data []byte, found bool, err error) {
	data, err = readThumbFile(jpg)
	switch {
	case err == nil && len(data) > 0:
		return data, true, nil
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return nil, false, err
	}
	switch _, err := os.Stat(none); {
	case err == nil:
		return nil, true, nil
	case errors.Is(err, fs.ErrNotExist):
		return nil, false, nil
	default:
		return nil, false, err
	}
}

// readThumbFile reads the thumbnail file at path. A file that cannot be
// one the store wrote (empty, or too big) reads as nothing, so that it is
// made again.
func readThumbFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	switch {
	case err != nil:
		return nil, err
	case !fi.Mode().IsRegular() || fi.Size() > maxThumbFileBytes:
		return nil, nil
	}
	return io.ReadAll(io.LimitReader(f, maxThumbFileBytes))
}

// makeThumbnail makes the thumbnail of the content sum and keeps it at
// jpg; or, if it cannot be made, returns nil, marking none if that took
// a whole decode. A thumbnail that cannot be kept (a full disk) is still
// returned: it is made again next time.
func (db *DB) makeThumbnail(sum, jpg, none string) ([]byte, error) {
	path, err := db.blobPath(sum)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open the photo: %w", err)
	}
	defer f.Close()
	data, err := renderThumbnail(f)
	var np *noPreviewError
	switch {
	case errors.As(err, &np):
		db.logger.Debug("store: a photo gets the placeholder", "sha256", sum, "reason", np.reason)
		if np.mark {
			if err := db.writeThumbFile(none, nil); err != nil {
				db.logger.Warn("store: mark a photo that cannot be decoded", "sha256", sum, "err", err)
			}
		}
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("read the photo: %w", err)
	}
	db.thumbsMade.Add(1)
	if err := db.writeThumbFile(jpg, data); err != nil {
		db.logger.Warn("store: keep a thumbnail", "sha256", sum, "err", err)
	}
	return data, nil
}

// writeThumbFile writes data to path atomically: to a temporary file,
// fsynced so that a crash cannot leave the name with missing bytes, then
// renamed. The name itself is not made durable (no fsync of its folder):
// a thumbnail lost in a crash is made again.
func (db *DB) writeThumbFile(path string, data []byte) (err error) {
	if err := os.MkdirAll(filepath.Dir(path), photoDirPerm); err != nil {
		return err
	}
	f, err := os.CreateTemp(db.thumbDir(), thumbTempPrefix+"*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(tmp)
		}
	}()
	if err := f.Chmod(thumbFilePerm); err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// thumbTempMaxAge is how old a temporary thumbnail file must be for a
// server opening a PostgreSQL store to remove it: the servers share the
// photo folder, so a younger one may be another's, being written now
// (one takes milliseconds).
const thumbTempMaxAge = time.Hour

// removeThumbTemps removes the temporary files a crash left in the
// thumbnail folder. On SQLite only one process has the data folder (see
// lock), so none is being written; on PostgreSQL, those older than
// thumbTempMaxAge.
func (db *DB) removeThumbTemps() {
	entries, err := os.ReadDir(db.thumbDir())
	if err != nil {
		db.logger.Warn("store: look for leftover thumbnails", "err", err)
		return
	}
	for _, e := range entries {
		if e.Type().IsRegular() && strings.HasPrefix(e.Name(), thumbTempPrefix) {
			if db.engine == postgres {
				// Another server's, being written, if it is young (or gone already).
				if info, err := e.Info(); err != nil || time.Since(info.ModTime()) < thumbTempMaxAge {
					continue
				}
			}
			if err := os.Remove(filepath.Join(db.thumbDir(), e.Name())); err != nil {
				db.logger.Warn("store: remove a leftover thumbnail", "name", e.Name(), "err", err)
			}
		}
	}
}

// queueThumbnail asks the background goroutine to make the thumbnail of
// the content sum, a photo of which has just completed. If it is busy
// with many already, the thumbnail is made on demand instead.
func (db *DB) queueThumbnail(sum string) {
	db.closeMu.RLock()
	defer db.closeMu.RUnlock()
	if db.closed || db.thumbQueue == nil {
		return
	}
	db.thumbsQueued.Add(1)
	select {
	case db.thumbQueue <- sum:
	default:
		db.thumbsQueued.Done()
	}
}

// The background thumbnailer yields to people. Decoding a photo takes
// tens of milliseconds of one core; during the evening sync a photo
// completes every few tens of milliseconds, and on two cores a thumbnail
// always being made left the desks' reads one core to share with the
// uploads (BENCHMARKS.md, the storm). So after each thumbnail it rests
// thumbRestFactor times as long as the thumbnail took (it takes at most
// a quarter of one core), and it does not start one while readers wait
// for a turn to read, for up to thumbMaxDefer. Thumbnails the queue has
// no room for are made on demand.
const (
	thumbRestFactor = 3
	thumbMaxDefer   = 2 * time.Second
)

// thumbnailerRest waits d, or until ctx ends. A test replaces it to see
// the rests.
var thumbnailerRest = func(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// waitForPeople waits while readers queue for a turn to read, for up to
// thumbMaxDefer.
func (db *DB) waitForPeople(ctx context.Context) {
	deadline := time.Now().Add(thumbMaxDefer)
	for db.readGate != nil && db.readGate.queued() > 0 && time.Now().Before(deadline) && ctx.Err() == nil {
		thumbnailerRest(ctx, 20*time.Millisecond)
	}
}

// runThumbnailer makes the thumbnails queued, until the DB closes.
func (db *DB) runThumbnailer() {
	defer close(db.thumbnailerDone)
	// A thumbnail waiting for its turn gives up when the DB closes.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-db.closing:
			cancel()
		case <-ctx.Done():
		}
	}()
	for {
		select {
		case sum := <-db.thumbQueue:
			db.waitForPeople(ctx)
			t0 := time.Now()
			if _, err := db.thumbnail(ctx, sum); err != nil && ctx.Err() == nil {
				db.logger.Warn("store: make a thumbnail", "sha256", sum, "err", err)
			}
			db.thumbsQueued.Done()
			thumbnailerRest(ctx, thumbRestFactor*time.Since(t0))
		case <-db.closing:
			// Nothing more is queued (see queueThumbnail); what is left
			// is made on demand after the next start.
			for {
				select {
				case <-db.thumbQueue:
					db.thumbsQueued.Done()
				default:
					return
				}
			}
		}
	}
}
