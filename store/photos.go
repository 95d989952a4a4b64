package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/gridinspect/gridinspect"
)

// Photos: resumable, verified, content-addressed uploads. See
// gridinspect.PhotoService, and photofiles.go for the files.
//
// What is done to one photo's upload is serialised by a per-photo lock
// (db.photoLocks), so that a phone that retried while its first stream
// still ran cannot interleave two appends. A photo is visible to whoever
// may see its report; to anyone else it answers exactly as a photo that
// does not exist.

// photoColumns are what a photo is read from (scanPhoto), with the grid of
// its report, which decides who may see it.
const photoColumns = `p.id, p.report_id, r.grid_id, p.uploader_id, p.sha256, p.size, p.content_type, p.taken_at,
	p.lat, p.lng, p.accuracy, p.committed, p.complete`

// citableSQL is true for a photo p that a list of photo ids on a case
// (a report's, an action's) may name: a photo of that case, which whoever
// may see the case may see, or one the list's author uploaded. Any other
// photo is taken for one that does not exist, as a listing is told of an
// unknown id: naming another grid's photo must not tell that it exists,
// and another case's photo is no evidence about this one. caseID and
// authorID are SQL for the case's id and the author's user id. (It holds
// by ids, not content: a photo's row says who declared it, for which
// case, and is complete only once that uploader sent its bytes or may
// see the same content already stored; see seesSameContent.)
func citableSQL(caseID, authorID string) string {
	return "(p.report_id = " + caseID + " OR p.uploader_id = " + authorID + ")"
}

// missingPhotoIDsColumn is a report's missing_photo_ids, worked out when
// it is read: the JSON list of its photo_ids that have no complete photo
// it may name (citableSQL, its reporter being the author). It is a
// correlated subquery on the report's row (the table must be named
// reports), so that a list of reports costs one query, not one more per
// report. The list keeps the order of photo_ids because json_each yields
// an array in order and the aggregate takes the rows as they come; an
// ORDER BY in the aggregate would say so outright, but costs every report
// a sort (a temporary b-tree), which the listings' plans are kept free of.
var missingPhotoIDsColumn = `(SELECT json_group_array(j.value) FROM json_each(reports.photo_ids) AS j
		WHERE NOT EXISTS (SELECT 1 FROM photos AS p WHERE p.street_id = reports.street_id AND p.id = j.value AND p.complete = 1
			AND ` + citableSQL("reports.id", "reports.reporter_id") + `))`

// photo is a photo's row.
type photo struct {
	gridinspect.PhotoHeader
	gridID    string // of its report
	committed int64
	complete  bool
	// unstored says the photo is declared but its row is not written
	// yet: it is written with its first durable bytes (see declare).
	unstored bool
	street   int64 // of a declaration in memory
}

func (p *photo) status() *gridinspect.PhotoStatus {
	return &gridinspect.PhotoStatus{ID: p.ID, Committed: p.committed, Size: p.Size, Complete: p.complete}
}

// getPhoto returns the photo with id in a street, or nil if there is none.
func getPhoto(q queryer, street int64, id string) (*photo, error) {
	var p photo
	var taken sql.NullInt64
	var lat, lng, accuracy sql.NullFloat64
	var complete int
	err := q.QueryRow("SELECT "+photoColumns+" FROM photos AS p JOIN reports AS r ON r.street_id = p.street_id AND r.id = p.report_id WHERE p.street_id = ? AND p.id = ?", street, id).Scan(
		&p.ID, &p.ReportID, &p.gridID, &p.UploaderID, &p.SHA256, &p.Size, &p.ContentType, &taken,
		&lat, &lng, &accuracy, &p.committed, &complete)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("read photo %s: %w", id, err)
	}
	p.TakenAt = fromNanos(taken)
	if lat.Valid && lng.Valid {
		p.Location = &gridinspect.Location{Lat: lat.Float64, Lng: lng.Float64, AccuracyMeters: accuracy.Float64,
			System: gridinspect.CoordinateSystemWGS84}
	}
	p.complete = complete == 1
	return &p, nil
}

// missingPhotos returns those of ids, listed on report reportID by its
// reporter, that have no complete photo it may name, in their order; nil
// when none is missing. It is missingPhotoIDsColumn of a report not yet
// stored.
func missingPhotos(q queryer, street int64, reportID, reporterID string, ids []string) ([]string, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	list, err := idList(ids)
	if err != nil {
		return nil, err
	}
	var missing string
	if err := q.QueryRow("SELECT "+missingPhotoIDsColumn+" FROM (SELECT CAST(? AS BIGINT) AS street_id, ? AS id, ? AS reporter_id, ? AS photo_ids) AS reports",
		street, reportID, reporterID, list).Scan(&missing); err != nil {
		return nil, fmt.Errorf("read missing photos: %w", err)
	}
	return parseIDList(missing)
}

// BeginUpload declares a photo, or resumes its upload. See
// gridinspect.PhotoService.
func (db *DB) BeginUpload(ctx context.Context, in *gridinspect.PhotoHeader) (*gridinspect.PhotoStatus, error) {
	a, err := gridinspect.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	if in == nil {
		return nil, gridinspect.Errorf(gridinspect.EINVALID, "photo header is required")
	}
	h, err := db.photoHeader(in)
	if err != nil {
		return nil, err
	}
	h.UploaderID = a.UserID

	unlock, err := db.lockPhoto(ctx, h.ID)
	if err != nil {
		return nil, err
	}
	defer unlock()
	var old *photo
	var grid string
	err = db.Read(ctx, func(tx *sql.Tx) (err error) {
		if old, err = getPhoto(tx, a.Street(), h.ID); err != nil || old != nil {
			return err
		}
		return tx.QueryRow("SELECT grid_id FROM reports WHERE street_id = ? AND id = ?", a.Street(), h.ReportID).Scan(&grid)
	})
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, gridinspect.NotFound(a, "report %s not found", h.ReportID)
	case err != nil:
		return nil, domainErr(err, "begin upload of photo %s", h.ID)
	}
	if old == nil {
		old = db.photoLocks.declared(a.Street(), h.ID)
	}
	if old != nil {
		return db.resumeUpload(ctx, a, old, h)
	}
	if !a.CanSeeGrid(grid) {
		return nil, gridinspect.ErrOutOfScope
	}

	// Identical content is stored once: a photo whose file is stored
	// already needs none of its bytes. The file is looked for here, not
	// in the writer; files are never removed, so it is still there when
	// the writer finds its complete row.
	haveFile, err := db.hasBlob(h.SHA256, h.Size)
	if err != nil {
		return nil, fmt.Errorf("store: begin upload of photo %s: %w", h.ID, err)
	}
	if !haveFile {
		// Nothing of it is stored yet, so there is nothing to make
		// durable: it is declared in memory, and its row written with its
		// first durable bytes, by the same commit (see declare).
		db.photoLocks.declare(photo{PhotoHeader: *h, gridID: grid, unstored: true, street: a.Street()})
		return &gridinspect.PhotoStatus{ID: h.ID, Size: h.Size}, nil
	}
	var st *gridinspect.PhotoStatus
	err = db.Write(ctx, func(tx *Tx) error {
		old, err := getPhoto(tx, tx.Street, h.ID)
		if err != nil {
			return err
		}
		if old != nil {
			if err := old.redeclared(a, h); err != nil {
				return err
			}
			st = old.status()
			return nil
		}
		st, err = insertPhoto(tx, a, h, haveFile)
		return err
	})
	if err != nil {
		return nil, domainErr(err, "begin upload of photo %s", h.ID)
	}
	if st.Complete {
		// Complete with none of its bytes: its content's thumbnail is
		// made, or queued, already; unless a crash came in between.
		db.queueThumbnail(h.SHA256)
	}
	return st, nil
}

// insertPhoto stores a new photo's row: complete at once when a complete
// photo with the same content is stored (haveFile says its file is there)
// that the uploader may see (seesSameContent).
func insertPhoto(tx *Tx, a *gridinspect.Actor, h *gridinspect.PhotoHeader, haveFile bool) (*gridinspect.PhotoStatus, error) {
	var grid string
	err := tx.QueryRow("SELECT grid_id FROM reports WHERE street_id = ? AND id = ?", tx.Street, h.ReportID).Scan(&grid)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, gridinspect.NotFound(a, "report %s not found", h.ReportID)
	case err != nil:
		return nil, fmt.Errorf("read report %s: %w", h.ReportID, err)
	case !a.CanSeeGrid(grid):
		return nil, gridinspect.ErrOutOfScope
	}
	complete := false
	if haveFile {
		var err error
		if complete, err = seesSameContent(tx, a, h); err != nil {
			return nil, err
		}
	}
	st := &gridinspect.PhotoStatus{ID: h.ID, Size: h.Size, Complete: complete}
	if complete {
		st.Committed = h.Size
	}
	if err := insertPhotoRow(tx, h, st.Committed, complete); err != nil {
		return nil, err
	}
	if complete {
		// The report's missing_photo_ids changed: phones pull it again.
		if err := recordChange(tx, "report", h.ReportID, grid); err != nil {
			return nil, err
		}
	}
	return st, nil
}

// errDeclaredElsewhere answers a photo declared in memory whose row was
// written meanwhile by another server (PostgreSQL, one photo folder): the
// phone declares it again, and resumes from that row.
var errDeclaredElsewhere = gridinspect.Errorf(gridinspect.EUNAVAILABLE,
	"the photo's upload was declared again elsewhere; upload it again to resume").
	Zh("照片正在另一处上传，请重新上传以继续")

// insertPhotoRow writes the row of photo h with committed bytes, complete
// or not. A row there already (declared on another server) is left as it
// is: errDeclaredElsewhere.
func insertPhotoRow(tx *Tx, h *gridinspect.PhotoHeader, committed int64, complete bool) error {
	var lat, lng, accuracy, completedAt any
	if l := h.Location; l != nil {
		lat, lng, accuracy = l.Lat, l.Lng, l.AccuracyMeters
	}
	if complete {
		completedAt = tx.Now.UnixNano()
	}
	res, err := tx.Exec(`INSERT INTO photos (street_id, id, report_id, uploader_id, sha256, size, content_type, taken_at,
		lat, lng, accuracy, committed, complete, created_at, completed_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		tx.Street, h.ID, h.ReportID, h.UploaderID, h.SHA256, h.Size, h.ContentType, nanos(h.TakenAt),
		lat, lng, accuracy, committed, boolInt(complete), tx.Now.UnixNano(), completedAt)
	if err != nil {
		return fmt.Errorf("insert photo %s: %w", h.ID, err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		if err != nil {
			return fmt.Errorf("insert photo %s: %w", h.ID, err)
		}
		// Another server's row of this street, or (SQLite, whose photos
		// are keyed by id alone) another street's photo: that one is no
		// upload to resume, and retrying would meet it again.
		var mine int
		if err := tx.QueryRow("SELECT count(*) FROM photos WHERE street_id = ? AND id = ?", tx.Street, h.ID).Scan(&mine); err != nil {
			return fmt.Errorf("insert photo %s: %w", h.ID, err)
		}
		if mine == 0 {
			return gridinspect.Errorf(gridinspect.EEXISTS, "photo %s: the id is already used", h.ID).Zh("该照片编号已被使用")
		}
		return errDeclaredElsewhere
	}
	return nil
}

// commitTo raises photo p's committed size to n in tx: the update of its
// row, or, for a photo declared in memory, the row's insertion with it.
func (p *photo) commitTo(tx *Tx, n int64) error {
	if p.unstored {
		return insertPhotoRow(tx, &p.PhotoHeader, n, false)
	}
	return setCommitted(tx, p.ID, p.committed, n)
}

// stored records that photo p's row is written now.
func (db *DB) stored(p *photo) {
	if p.unstored {
		p.unstored = false
		db.photoLocks.forget(p.street, p.ID)
	}
}

// forgetIfElsewhere forgets photo p's declaration in memory if err says
// its row was written by another server: the row is what counts now.
func (db *DB) forgetIfElsewhere(p *photo, err error) {
	if errors.Is(err, errDeclaredElsewhere) {
		db.photoLocks.forget(p.street, p.ID)
	}
}

// seesSameContent reports whether a complete photo with h's content is
// stored that a may see: one a uploaded, or one of a case in a's scope.
// Only then is a new photo complete with none of its bytes sent; anyone
// else sends them all, so that knowing a photo's hash is not enough to
// get its content under a photo id of one's own.
func seesSameContent(tx *Tx, a *gridinspect.Actor, h *gridinspect.PhotoHeader) (bool, error) {
	rows, err := tx.Query(`SELECT p.uploader_id, r.grid_id FROM photos AS p JOIN reports AS r ON r.street_id = p.street_id AND r.id = p.report_id
		WHERE p.street_id = ? AND p.sha256 = ? AND p.size = ? AND p.complete = 1`, tx.Street, h.SHA256, h.Size)
	if err != nil {
		return false, fmt.Errorf("read photos with sha256 %s: %w", h.SHA256, err)
	}
	defer rows.Close()
	for rows.Next() {
		var uploader, grid string
		if err := rows.Scan(&uploader, &grid); err != nil {
			return false, fmt.Errorf("read photos with sha256 %s: %w", h.SHA256, err)
		}
		if uploader == a.UserID || a.CanSeeGrid(grid) {
			return true, nil
		}
	}
	if err := rows.Err(); err != nil {
		return false, fmt.Errorf("read photos with sha256 %s: %w", h.SHA256, err)
	}
	return false, nil
}

// redeclared checks a photo declared again: the same content for the same
// report resumes its upload; anything else reuses its id. A photo of a
// report the actor cannot see answers as one that does not exist.
func (p *photo) redeclared(a *gridinspect.Actor, h *gridinspect.PhotoHeader) error {
	switch {
	case !a.CanSeeGrid(p.gridID):
		return gridinspect.ErrOutOfScope
	case p.SHA256 != h.SHA256 || p.Size != h.Size || p.ContentType != h.ContentType || p.ReportID != h.ReportID:
		return gridinspect.Errorf(gridinspect.EEXISTS,
			"photo %s was declared with a different sha256, size, content type or report", p.ID)
	}
	return nil
}

// resumeUpload answers a photo declared again, with the upload's status.
// An upload whose every byte was committed before a crash cut its
// completion short is completed now; if its bytes turn out not to match,
// they are discarded and the status says to start again from 0.
func (db *DB) resumeUpload(ctx context.Context, a *gridinspect.Actor, p *photo, h *gridinspect.PhotoHeader) (*gridinspect.PhotoStatus, error) {
	if err := p.redeclared(a, h); err != nil {
		return nil, err
	}
	if p.complete {
		return p.status(), nil
	}
	if p.committed < p.Size {
		// A stream's last bytes are committed by the completion alone
		// (AppendChunk): a crash after the file was kept, before its row
		// said so, leaves the row short of the size, no partial file, and
		// the file among the complete ones. Then it is completed now.
		kept, err := db.keptBeforeCrash(p)
		if err != nil || !kept {
			return p.status(), err
		}
	}
	st, err := db.finishUpload(ctx, p)
	switch gridinspect.ErrorCode(err) {
	case gridinspect.EINVALID, gridinspect.EPRECONDITION:
		// The bytes did not match, or were lost: they are discarded, and
		// the declaration is answered with where to start again.
		return &gridinspect.PhotoStatus{ID: p.ID, Size: p.Size}, nil
	}
	return st, err
}

// keptBeforeCrash reports whether photo p, not complete and with some
// bytes committed, has no partial file but a complete file of its content:
// its upload was completing when the server stopped.
func (db *DB) keptBeforeCrash(p *photo) (bool, error) {
	if p.committed == 0 {
		return false, nil // nothing was sent; the same content of another's counts only by seesSameContent
	}
	path, err := db.partialPath(p.ID)
	if err != nil {
		return false, fmt.Errorf("store: resume photo %s: %w", p.ID, err)
	}
	switch _, err := os.Stat(path); {
	case err == nil:
		return false, nil
	case !errors.Is(err, fs.ErrNotExist):
		return false, db.photoFileErr(err, "resume photo %s", p.ID)
	}
	ok, err := db.hasBlob(p.SHA256, p.Size)
	if err != nil {
		return false, fmt.Errorf("store: resume photo %s: %w", p.ID, err)
	}
	return ok, nil
}

// WriteChunk appends a chunk to a photo's upload. See
// gridinspect.PhotoService.
func (db *DB) WriteChunk(ctx context.Context, photoID string, offset int64, data []byte) (*gridinspect.PhotoStatus, error) {
	a, id, err := checkChunk(ctx, photoID, offset, data)
	if err != nil {
		return nil, err
	}

	unlock, err := db.lockPhoto(ctx, id)
	if err != nil {
		return nil, err
	}
	defer unlock()
	p, err := db.uploadInScope(ctx, a, id)
	if err != nil {
		return nil, err
	}
	// A stream's appends (AppendChunk) still pending become durable
	// first: this chunk then goes where they end.
	if err := db.settlePending(ctx, p); err != nil {
		return nil, err
	}
	end := offset + int64(len(data))
	switch {
	case p.complete:
		// The photo is whole already (an earlier upload of it, or the same
		// content under another id): whatever is re-sent changes nothing,
		// so a phone that resends its chunks is told it is done, not that
		// its offset is wrong.
		return p.status(), nil
	case offset != p.committed:
		return nil, offsetError(offset, p.committed)
	case end > p.Size:
		return nil, violationZh("invalid photo chunk", "data",
			fmt.Sprintf("ends at byte %d, past the declared size_bytes %d", end, p.Size), "照片数据超出了声明的文件大小")
	}
	if len(data) > 0 {
		err := db.appendPartial(id, p.committed, data)
		if errors.Is(err, errPartialLost) {
			return nil, db.lostPartial(ctx, p, offset)
		}
		if err != nil {
			return nil, db.photoFileErr(err, "write photo %s", id)
		}
		// The bytes are on disk: only now may the committed size rise —
		// even if the phone hung up meanwhile (a link reset), so that its
		// resume does not send them again.
		err = db.Write(context.WithoutCancel(ctx), func(tx *Tx) error {
			return p.commitTo(tx, end)
		})
		if err != nil {
			db.forgetIfElsewhere(p, err)
			return nil, domainErr(err, "commit photo %s", id)
		}
		db.stored(p)
		p.committed = end
	}
	if p.committed < p.Size {
		return p.status(), nil
	}
	return db.finishUpload(ctx, p)
}

// A stream's chunks (AppendChunk) are made durable together: once this
// many bytes are pending, or the oldest of them has waited this long,
// whichever comes first; at the chunk that completes the photo; and when
// the stream ends (FlushUpload). A chunk fsynced and committed on its
// own cost a WAL commit in the one writer per 16–64 KiB, which held the
// server to a few percent of what the disk writes (BENCHMARKS.md, the
// storm).
const (
	appendBatchBytes = 1 << 20
	appendBatchDelay = time.Second
)

// AppendChunk appends a chunk of one upload stream, making it durable
// with the stream's later chunks. See gridinspect.PhotoService.
func (db *DB) AppendChunk(ctx context.Context, photoID string, offset int64, data []byte) (*gridinspect.PhotoStatus, error) {
	a, id, err := checkChunk(ctx, photoID, offset, data)
	if err != nil {
		return nil, err
	}
	// On PostgreSQL the lock is every server's: another may be resuming
	// the same photo in the shared folder.
	unlock, err := db.lockPhoto(ctx, id)
	if err != nil {
		return nil, err
	}
	defer unlock()
	p, pa, err := db.uploadRow(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if pa != nil && (p.complete || pa.durable != p.committed) {
		// The row moved without it (it cannot while the lock is held).
		db.dropPending(id, pa)
		pa = nil
	}
	written := p.committed
	if pa != nil {
		written = pa.written
	}
	if pa != nil && offset == p.committed && offset != written {
		// Another stream resumes from the committed size: what was
		// appended past it was never promised, and is cut off.
		db.dropPending(id, pa)
		pa, written = nil, p.committed
	}
	end := offset + int64(len(data))
	switch {
	case p.complete:
		return p.status(), nil // as WriteChunk
	case offset != written:
		// The answer names the bytes held, so they are made durable.
		if pa != nil {
			if err := db.flushPending(ctx, p, pa); err != nil {
				return nil, err
			}
		}
		return nil, offsetError(offset, p.committed)
	case end > p.Size:
		return nil, violationZh("invalid photo chunk", "data",
			fmt.Sprintf("ends at byte %d, past the declared size_bytes %d", end, p.Size), "照片数据超出了声明的文件大小")
	}
	if len(data) > 0 {
		if pa == nil {
			f, err := db.openPartial(id, p.committed)
			if errors.Is(err, errPartialLost) {
				return nil, db.lostPartial(ctx, p, offset)
			}
			if err != nil {
				return nil, db.photoFileErr(err, "write photo %s", id)
			}
			pa = &pendingAppend{row: *p, f: f, durable: p.committed, written: p.committed}
			if p.committed == 0 {
				// Hashed as it is written, so that the completion need
				// not read the file back (a resumed upload is read).
				pa.hash = sha256.New()
			}
			db.photoLocks.setPending(id, pa)
		}
		if pa.written == pa.durable {
			pa.unsynced = time.Now()
		}
		if _, err := writePartialAt(pa.f, data, pa.written); err != nil {
			db.dropPending(id, pa)
			return nil, db.photoFileErr(err, "write photo %s", id)
		}
		if pa.hash != nil {
			pa.hash.Write(data)
		}
		pa.written = end
	}
	switch {
	case written == p.Size || (pa != nil && pa.written == p.Size):
		// The last chunk: finishUpload fsyncs the file, checks its hash,
		// and one commit marks the photo complete.
		return db.finishUpload(ctx, p)
	case pa != nil && (pa.written-pa.durable >= appendBatchBytes || time.Since(pa.unsynced) >= appendBatchDelay):
		if err := db.flushPending(ctx, p, pa); err != nil {
			return nil, err
		}
	}
	return p.status(), nil
}

// uploadRow returns photo id's row for actor a to upload to, with its
// pending append if a stream has one. A chunk after the first of a stream
// finds the row in the pending append: a read transaction per chunk, each
// waiting for a turn at the read gate, is what fifty uploaders queued for.
// The photo's lock is held.
func (db *DB) uploadRow(ctx context.Context, a *gridinspect.Actor, id string) (*photo, *pendingAppend, error) {
	if pa := db.photoLocks.getPending(id); pa != nil {
		row := pa.row
		if !a.CanSeeGrid(row.gridID) {
			return nil, nil, gridinspect.ErrOutOfScope
		}
		return &row, pa, nil
	}
	p, err := db.uploadInScope(ctx, a, id)
	return p, nil, err
}

// FlushUpload makes what a stream appended durable, at the stream's end
// however it ended. See gridinspect.PhotoService.
func (db *DB) FlushUpload(ctx context.Context, photoID string) (*gridinspect.PhotoStatus, error) {
	a, id, err := checkChunk(ctx, photoID, 0, nil)
	if err != nil {
		return nil, err
	}
	unlock, err := db.lockPhoto(ctx, id)
	if err != nil {
		return nil, err
	}
	defer unlock()
	p, _, err := db.uploadRow(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if err := db.settlePending(ctx, p); err != nil {
		return nil, err
	}
	return p.status(), nil
}

// settlePending makes photo p's pending append durable, if it has one,
// and closes its file. The photo's lock is held.
func (db *DB) settlePending(ctx context.Context, p *photo) error {
	pa := db.photoLocks.getPending(p.ID)
	if pa == nil {
		return nil
	}
	defer db.dropPending(p.ID, pa)
	if p.complete || pa.durable != p.committed {
		return nil
	}
	return db.flushPending(ctx, p, pa)
}

// flushPending fsyncs a pending append and only then raises the
// committed size to what it wrote — even if the phone hung up meanwhile
// (a link reset), so that its resume does not send those bytes again.
// On failure the append is dropped: its bytes were never promised.
func (db *DB) flushPending(ctx context.Context, p *photo, pa *pendingAppend) error {
	if pa.written == pa.durable {
		return nil
	}
	err := pa.f.Sync()
	if err == nil && pa.durable == 0 {
		// The file may be new: its name must be as durable as its bytes.
		err = syncDir(db.partialDir())
	}
	if err != nil {
		db.dropPending(p.ID, pa)
		return db.photoFileErr(err, "write photo %s", p.ID)
	}
	err = db.Write(context.WithoutCancel(ctx), func(tx *Tx) error {
		return p.commitTo(tx, pa.written)
	})
	if err != nil {
		db.dropPending(p.ID, pa)
		db.forgetIfElsewhere(p, err)
		return domainErr(err, "commit photo %s", p.ID)
	}
	db.stored(p)
	pa.durable, p.committed, pa.row.committed, pa.row.unstored = pa.written, pa.written, pa.written, false
	return nil
}

// dropPending closes a pending append's file and forgets it; whatever it
// wrote past the committed size is cut off at the next append.
func (db *DB) dropPending(id string, pa *pendingAppend) {
	_ = pa.f.Close()
	db.photoLocks.setPending(id, nil)
}

// checkChunk checks a chunk's caller and fields, returning the actor and
// the photo id normalized.
func checkChunk(ctx context.Context, photoID string, offset int64, data []byte) (*gridinspect.Actor, string, error) {
	a, err := gridinspect.RequireActor(ctx)
	if err != nil {
		return nil, "", err
	}
	var v gridinspect.Violations
	id := checkPhotoID(&v, "photo_id", photoID)
	if offset < 0 {
		v.AddZh("offset", "不能为负数", "must not be negative")
	}
	if len(data) > gridinspect.MaxPhotoChunkBytes {
		v.AddZh("data", "每块最多 "+itoa(gridinspect.MaxPhotoChunkBytes)+" 字节", "is %d bytes; at most %d in one chunk", len(data), gridinspect.MaxPhotoChunkBytes)
	}
	if err := v.Err("invalid photo chunk"); err != nil {
		return nil, "", err
	}
	return a, id, nil
}

// offsetError refuses a chunk that does not start where the committed
// bytes end; the server layer attaches the committed size for the phone.
func offsetError(offset, committed int64) error {
	return gridinspect.Errorf(gridinspect.EPRECONDITION,
		"offset %d: the server holds %d bytes; resume from %d", offset, committed, committed).
		Zh("照片上传进度不一致，请从服务器已收到的位置继续上传")
}

// setCommitted raises a photo's committed size from was to n. The guard
// cannot fail while the photo's lock is held; if it does, that is a bug.
func setCommitted(tx *Tx, id string, was, n int64) error {
	res, err := tx.Exec("UPDATE photos SET committed = ? WHERE street_id = ? AND id = ? AND committed = ? AND complete = 0", n, tx.Street, id, was)
	if err != nil {
		return fmt.Errorf("update committed size: %w", err)
	}
	if k, err := res.RowsAffected(); err != nil || k != 1 {
		return fmt.Errorf("update committed size: %d rows at committed %d, want 1 (%v)", k, was, err)
	}
	return nil
}

// finishUpload completes an upload whose every byte is committed: it
// checks the file's hash, keeps the file among the complete ones (durably)
// and only then marks the photo complete. A hash that does not match
// discards the bytes: EINVALID, and the upload starts again from 0.
func (db *DB) finishUpload(ctx context.Context, p *photo) (*gridinspect.PhotoStatus, error) {
	var sum string
	var err error
	if pa := db.photoLocks.getPending(p.ID); pa != nil {
		// Its file is about to be kept or dropped. A stream that wrote
		// it whole from 0 hashed it on the way: it needs only its fsync.
		if pa.hash != nil && pa.written == p.Size && pa.durable == p.committed {
			if err = pa.f.Sync(); err == nil {
				sum = hex.EncodeToString(pa.hash.Sum(nil))
			}
		}
		db.dropPending(p.ID, pa)
	}
	if sum == "" && err == nil {
		sum, err = db.hashPartial(p.ID, p.Size)
	}
	switch {
	case errors.Is(err, fs.ErrNotExist):
		// A crash after the file was kept, before its row said so: the
		// file is in place under its verified hash. (Or it was lost.)
		ok, herr := db.hasBlob(p.SHA256, p.Size)
		if herr != nil {
			return nil, fmt.Errorf("store: finish photo %s: %w", p.ID, herr)
		}
		if !ok {
			return nil, db.lostPartial(ctx, p, p.Size)
		}
		sum = p.SHA256
	case errors.Is(err, errPartialLost):
		return nil, db.lostPartial(ctx, p, p.Size)
	case err != nil:
		return nil, db.photoFileErr(err, "hash photo %s", p.ID)
	default:
		if sum != p.SHA256 {
			if err := db.restartUpload(ctx, p); err != nil {
				return nil, err
			}
			return nil, violationZh("invalid photo", "sha256", fmt.Sprintf(
				"the uploaded bytes hash to %s, not the declared %s; upload again from 0", sum, p.SHA256),
				"照片数据与校验值不符，请重新上传")
		}
		if err := db.keepPartial(p.ID, sum); err != nil {
			return nil, db.photoFileErr(err, "keep photo %s", p.ID)
		}
	}

	// The file is durable: now its row may say so. The work is done
	// whether or not the phone is still listening, so a phone that hung
	// up on the last chunk does not leave the row behind its file.
	// A photo declared in memory gets its row now, complete: the
	// declaration and the completion are one write.
	err = db.Write(context.WithoutCancel(ctx), func(tx *Tx) error {
		if p.unstored {
			if err := insertPhotoRow(tx, &p.PhotoHeader, p.Size, true); err != nil {
				return err
			}
		} else {
			res, err := tx.Exec("UPDATE photos SET committed = size, complete = 1, completed_at = ? WHERE street_id = ? AND id = ? AND complete = 0",
				tx.Now.UnixNano(), tx.Street, p.ID)
			if err != nil {
				return fmt.Errorf("mark complete: %w", err)
			}
			if n, err := res.RowsAffected(); err != nil || n != 1 {
				return fmt.Errorf("mark complete: %d rows, want 1 (%v)", n, err)
			}
		}
		// The report's missing_photo_ids changed: phones pull it again.
		return recordChange(tx, "report", p.ReportID, p.gridID)
	})
	if err != nil {
		db.forgetIfElsewhere(p, err)
		return nil, domainErr(err, "complete photo %s", p.ID)
	}
	db.stored(p)
	p.committed, p.complete = p.Size, true
	// Its thumbnail is made in the background, not in the writer's
	// transaction nor before the phone hears that its photo is whole.
	db.queueThumbnail(p.SHA256)
	return p.status(), nil
}

// restartUpload discards a photo's bytes: its partial file goes, and its
// committed size goes back to 0. (Should the reset fail after the file
// went, the row still says every byte is committed, with no file:
// finishUpload then finds none and resets again.)
func (db *DB) restartUpload(ctx context.Context, p *photo) error {
	if pa := db.photoLocks.getPending(p.ID); pa != nil {
		db.dropPending(p.ID, pa)
	}
	if err := db.dropPartial(p.ID); err != nil {
		return db.photoFileErr(err, "discard photo %s", p.ID)
	}
	if p.unstored {
		p.committed = 0 // no row says otherwise
		return nil
	}
	err := db.Write(context.WithoutCancel(ctx), func(tx *Tx) error {
		_, err := tx.Exec("UPDATE photos SET committed = 0 WHERE street_id = ? AND id = ? AND complete = 0", tx.Street, p.ID)
		return err
	})
	if err != nil {
		return domainErr(err, "discard photo %s", p.ID)
	}
	p.committed = 0
	return nil
}

// lostPartial answers an upload whose committed bytes are no longer on
// disk, which only a failing disk or a hand in the photo folder can
// cause: the committed size must go back to 0, the one time it does, and
// the phone is told to resume from there.
func (db *DB) lostPartial(ctx context.Context, p *photo, offset int64) error {
	db.logger.Error("store: a photo's committed bytes are missing from disk; its upload starts again",
		"photo", p.ID, "committed", p.committed, "folder", db.partialDir())
	if err := db.restartUpload(ctx, p); err != nil {
		return err
	}
	return offsetError(offset, 0)
}

// UploadStatus says how much of a photo is committed. See
// gridinspect.PhotoService.
func (db *DB) UploadStatus(ctx context.Context, photoID string) (*gridinspect.PhotoStatus, error) {
	a, err := gridinspect.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	var v gridinspect.Violations
	id := checkPhotoID(&v, "photo_id", photoID)
	if err := v.Err("invalid photo id"); err != nil {
		return nil, err
	}
	var p *photo
	err = db.Read(ctx, func(tx *sql.Tx) (err error) {
		p, err = getPhoto(tx, a.Street(), id)
		return err
	})
	if err == nil && p == nil {
		p = db.photoLocks.declared(a.Street(), id)
	}
	switch {
	case err != nil:
		return nil, domainErr(err, "read upload status of photo %s", id)
	case p == nil || !a.CanSeeGrid(p.gridID):
		return &gridinspect.PhotoStatus{ID: id}, nil
	}
	return p.status(), nil
}

// OpenPhoto returns a complete photo's header and its bytes. See
// gridinspect.PhotoService.
func (db *DB) OpenPhoto(ctx context.Context, photoID string) (*gridinspect.PhotoHeader, io.ReadCloser, error) {
	p, err := db.openablePhoto(ctx, photoID)
	if err != nil {
		return nil, nil, err
	}
	// A damaged row is answered as a missing file is: an internal error,
	// its cause in the log.
	path, err := db.blobPath(p.SHA256)
	if err != nil {
		return nil, nil, fmt.Errorf("store: open photo %s: %w", p.ID, err)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("store: open photo %s: %w", p.ID, err)
	}
	h := p.PhotoHeader
	return &h, f, nil
}

// openablePhoto reads photo photoID for the caller to open it (OpenPhoto,
// OpenThumbnail): a complete photo it may see. Anything else answers as
// a photo that does not exist.
func (db *DB) openablePhoto(ctx context.Context, photoID string) (*photo, error) {
	a, err := gridinspect.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	var v gridinspect.Violations
	id := checkPhotoID(&v, "photo_id", photoID)
	if err := v.Err("invalid photo id"); err != nil {
		return nil, err
	}
	p, err := db.photoInScope(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if !p.complete {
		return nil, gridinspect.NotFound(a, "photo %s not found", id)
	}
	return p, nil
}

// photoInScope reads photo id for actor a: a photo of a report outside a's
// scope answers as one that does not exist.
func (db *DB) photoInScope(ctx context.Context, a *gridinspect.Actor, id string) (*photo, error) {
	var p *photo
	err := db.Read(ctx, func(tx *sql.Tx) (err error) {
		p, err = getPhoto(tx, a.Street(), id)
		return err
	})
	switch {
	case err != nil:
		return nil, domainErr(err, "read photo %s", id)
	case p == nil:
		return nil, gridinspect.NotFound(a, "photo %s not found", id)
	case !a.CanSeeGrid(p.gridID):
		return nil, gridinspect.ErrOutOfScope
	}
	return p, nil
}

// uploadInScope reads photo id for actor a to upload to it: as
// photoInScope, but a photo declared in memory (declare) is found too.
func (db *DB) uploadInScope(ctx context.Context, a *gridinspect.Actor, id string) (*photo, error) {
	if p := db.photoLocks.declared(a.Street(), id); p != nil {
		if !a.CanSeeGrid(p.gridID) {
			return nil, gridinspect.ErrOutOfScope
		}
		return p, nil
	}
	return db.photoInScope(ctx, a, id)
}

// photoHeader validates a declared header and returns it normalized: ids
// and content type in lower case, the time in UTC, the location in WGS-84.
// Field paths are the API's PhotoHeader fields.
func (db *DB) photoHeader(in *gridinspect.PhotoHeader) (*gridinspect.PhotoHeader, error) {
	var v gridinspect.Violations
	h := &gridinspect.PhotoHeader{
		ID:          checkPhotoID(&v, "photo_id", in.ID),
		ReportID:    checkPhotoID(&v, "report_id", in.ReportID),
		SHA256:      in.SHA256,
		Size:        in.Size,
		ContentType: strings.ToLower(strings.TrimSpace(in.ContentType)),
		TakenAt:     utc(in.TakenAt),
	}
	if !isSHA256Hex(h.SHA256) {
		v.AddZh("sha256", "须为整个文件的 SHA-256 校验值（64 位小写十六进制）", "must be the SHA-256 of the whole file in 64 lower-case hex digits")
	}
	switch {
	case h.Size <= 0:
		v.AddZh("size_bytes", "须大于 0", "must be positive")
	case h.Size > gridinspect.MaxPhotoBytes:
		v.AddZh("size_bytes", "照片过大，最多 "+itoa(gridinspect.MaxPhotoBytes/(1<<20))+" MB", "is %d bytes; at most %d", h.Size, gridinspect.MaxPhotoBytes)
	}
	if !slices.Contains(gridinspect.PhotoContentTypes, h.ContentType) {
		v.AddZh("content_type", "照片格式须为 "+strings.Join(gridinspect.PhotoContentTypes, "、")+" 之一", "must be one of %s", strings.Join(gridinspect.PhotoContentTypes, ", "))
	}
	checkStorable(&v, "taken_at", h.TakenAt)
	// A phone without a fix sends an empty location: the photo has none.
	if l := in.Location; l != nil && (l.Lat != 0 || l.Lng != 0) {
		if loc, ok := db.photoLocation(&v, *l); ok {
			h.Location = &loc
		}
	}
	if err := v.Err("invalid photo header"); err != nil {
		return nil, err
	}
	return h, nil
}

// photoLocation checks where a photo was taken and returns it in WGS-84.
func (db *DB) photoLocation(v *gridinspect.Violations, l gridinspect.Location) (gridinspect.Location, bool) {
	before := len(*v)
	if l.System < 0 || l.System > gridinspect.CoordinateSystemBD09 {
		v.AddZh("location.coordinate_system", "取值 "+itoa(int(l.System))+" 无法识别", "has unknown value %d", l.System)
	}
	if math.IsNaN(l.AccuracyMeters) || l.AccuracyMeters < 0 || l.AccuracyMeters > gridinspect.MaxAccuracyMeters {
		v.AddZh("location.accuracy_meters", "须在 0 到 "+itoa(gridinspect.MaxAccuracyMeters)+" 米之间", "must be between 0 and %d", gridinspect.MaxAccuracyMeters)
	}
	db.rules.CheckPoint(v, "location", l.Lat, l.Lng, l.System)
	if len(*v) > before {
		return gridinspect.Location{}, false
	}
	lat, lng := gridinspect.ToWGS84(l.System, l.Lat, l.Lng)
	return gridinspect.Location{Lat: lat, Lng: lng, AccuracyMeters: l.AccuracyMeters,
		System: gridinspect.CoordinateSystemWGS84}, true
}

// checkPhotoID requires s to be a UUID in canonical form and returns it in
// lower case, the form ids are stored in (and safe as a file name).
func checkPhotoID(v *gridinspect.Violations, field, s string) string {
	if s == "" {
		v.AddZh(field, "不能为空", "is required (a UUID)")
		return ""
	}
	if _, err := uuid.Parse(s); err != nil || len(s) != 36 {
		v.AddZh(field, "编号格式不对", "must be a UUID like 0190b7e4-8c2a-7d3e-9f10-2b3c4d5e6f70")
		return ""
	}
	return strings.ToLower(s)
}

// isSHA256Hex reports whether s is a SHA-256 sum in lower-case hex.
func isSHA256Hex(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range []byte(s) {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
