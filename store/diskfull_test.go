package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/mattn/go-sqlite3"

	"github.com/gridinspect/gridinspect"
)

// Disk trouble: a full disk, or one that cannot be written, refuses what
// it cannot store, acknowledges nothing it did not store, and the writer
// carries on once space returns.
//
// A full disk is played by SQLite's max_page_count, set on the writer's
// connection (the only one that writes, and one that lives as long as the
// DB): past it, SQLite fails a write with SQLITE_FULL, as on a full disk.
// A photo folder out of space is played by a file writer that fails with
// ENOSPC half-way through a chunk.

// maxPageCount returns the cap on the database's size, in pages.
func maxPageCount(tb testing.TB, db *testDB) int64 {
	tb.Helper()
	var n int64
	err := db.Write(context.Background(), func(tx *Tx) error {
		return tx.QueryRow("PRAGMA max_page_count").Scan(&n)
	})
	if err != nil {
		tb.Fatalf("read max_page_count: %v", err)
	}
	return n
}

// setMaxPageCount caps the database at n pages on the writer's
// connection, without reopening anything. SQLite never takes a cap below
// the pages in use.
func setMaxPageCount(tb testing.TB, db *testDB, n int64) {
	tb.Helper()
	var got int64
	err := db.Write(context.Background(), func(tx *Tx) error {
		return tx.QueryRow(fmt.Sprintf("PRAGMA max_page_count = %d", n)).Scan(&got)
	})
	if err != nil {
		tb.Fatalf("set max_page_count: %v", err)
	}
	if got != n {
		tb.Fatalf("max_page_count = %d, want %d", got, n)
	}
}

// pageCount returns the pages the database uses.
func pageCount(tb testing.TB, db *testDB) int64 {
	tb.Helper()
	var n int64
	err := db.Read(context.Background(), func(tx *sql.Tx) error {
		return tx.QueryRow("PRAGMA page_count").Scan(&n)
	})
	if err != nil {
		tb.Fatalf("read page_count: %v", err)
	}
	return n
}

// wantIntegrity fails unless SQLite's integrity check passes.
func wantIntegrity(tb testing.TB, db *testDB) {
	tb.Helper()
	var ok string
	err := db.Read(context.Background(), func(tx *sql.Tx) error {
		return tx.QueryRow("PRAGMA integrity_check").Scan(&ok)
	})
	if err != nil || ok != "ok" {
		tb.Fatalf("integrity_check = %q, %v; want ok", ok, err)
	}
}

func TestDiskFull_RefusedWritesAreAbsentAndWritesResumeWhenSpaceReturns(t *testing.T) {
	onlyOn(t, "sqlite") // a full disk under the SQLite file
	db, _ := loopStreet(t)
	ctx := as(worker(gridA))
	phone := as(onDevice(worker(gridA), phone1))
	uncapped := maxPageCount(t, db)
	setMaxPageCount(t, db, pageCount(t, db)+30) // room for a few dozen reports

	// Eight phones submit until each has been refused three times, so that
	// groups hold writes that fit and writes that do not.
	var (
		mu               sync.Mutex
		acked, refused   []*gridinspect.Report
		unexpected       []error
		wg               sync.WaitGroup
		maxTriesPerPhone = 500
	)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for tries, refusals := 0, 0; refusals < 3 && tries < maxTriesPerPhone; tries++ {
				r := newReport(inA)
				_, _, err := db.SubmitReport(ctx, r)
				mu.Lock()
				switch {
				case err == nil:
					acked = append(acked, r)
				case errors.Is(err, errDiskFull):
					refused = append(refused, r)
					refusals++
				default:
					unexpected = append(unexpected, err)
					refusals++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	for _, err := range unexpected {
		t.Errorf("a submit on a full disk failed with %v (%s), want %v (ELIMIT)", err, gridinspect.ErrorCode(err), errDiskFull)
	}
	if len(acked) == 0 || len(refused) < 8*3 {
		t.Fatalf("%d acknowledged, %d refused: the disk did not fill as planned", len(acked), len(refused))
	}
	t.Logf("disk full after %d reports; %d refused", len(acked), len(refused))

	// Every acknowledged report is stored, and nothing refused is.
	wantStored := func(db *testDB, reports []*gridinspect.Report) {
		t.Helper()
		for _, r := range reports {
			got, err := db.GetReport(as(admin()), r.ID)
			if err != nil {
				t.Fatalf("acknowledged report %s: %v", r.ID, err)
			}
			if got.Description != r.Description || got.GridID != gridA {
				t.Fatalf("acknowledged report %s reads back as %+v", r.ID, got)
			}
		}
	}
	wantStored(db, acked)
	for _, r := range refused {
		_, err := db.GetReport(as(admin()), r.ID)
		wantCode(t, err, gridinspect.ENOTFOUND)
	}
	if got := count(t, db, "reports"); got != len(acked) {
		t.Fatalf("%d reports stored, want the %d acknowledged", got, len(acked))
	}

	// A sync push on the full disk is refused whole: no mutation is
	// answered as applied, nor as "retry" in an answer that looks like
	// success, and the ledger keeps none of them.
	ms := make([]*gridinspect.Mutation, 20)
	for i := range ms {
		ms[i] = reportMutation(int64(i+1), newReport(inA))
	}
	before := tableCounts(t, db)
	results, highest, err := db.Push(phone, phone1, ms)
	if !errors.Is(err, errDiskFull) {
		t.Fatalf("push on a full disk: results %v, highest %d, err %v; want %v", results, highest, err, errDiskFull)
	}
	if after := tableCounts(t, db); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Fatalf("a refused push changed the tables: %v, then %v", before, after)
	}

	// Space returns: the same writer, with no reopening, stores what was
	// refused, under the same ids, as new.
	setMaxPageCount(t, db, uncapped)
	for _, r := range refused {
		if _, dup, err := db.SubmitReport(ctx, r); err != nil || dup {
			t.Fatalf("submit report %s again once space returned: duplicate %v, %v", r.ID, dup, err)
		}
	}
	results, highest = mustPush(t, db, phone, ms...)
	for _, res := range results {
		wantOutcome(t, res, gridinspect.OutcomeApplied)
	}
	if highest != int64(len(ms)) {
		t.Errorf("highest device_seq = %d, want %d", highest, len(ms))
	}
	all := slices.Concat(acked, refused)
	if got, want := count(t, db, "reports"), len(all)+len(ms); got != want {
		t.Errorf("%d reports, want %d", got, want)
	}
	wantIntegrity(t, db)

	// And all of it is on disk.
	db = mustReopen(t, db)
	wantStored(db, all)
	wantIntegrity(t, db)
}

func TestWrite_DiskErrorsAreAnsweredAsSuchAndTheGroupCarriesOn(t *testing.T) {
	onlyOn(t, "sqlite") // a full disk under the SQLite file
	db := MustOpenDB(t)
	mustStreet(t, db)
	release := holdWriter(t, db.DB)

	// One group: two good submits around writes that SQLite failed for
	// want of space, for an I/O error, a read-only file, a file it could
	// not open.
	writes := []struct {
		name string
		err  error // what the write's statement failed with
		want error
	}{
		{"full", sqlite3.Error{Code: sqlite3.ErrFull}, errDiskFull},
		{"fsync failed", sqlite3.Error{Code: sqlite3.ErrIoErr, ExtendedCode: sqlite3.ErrIoErrFsync}, errDiskIO},
		{"write failed with ENOSPC", sqlite3.Error{Code: sqlite3.ErrIoErr, ExtendedCode: sqlite3.ErrIoErrWrite, SystemErrno: syscall.ENOSPC}, errDiskFull},
		{"read-only", sqlite3.Error{Code: sqlite3.ErrReadonly, ExtendedCode: sqlite3.ErrReadonlyDbMoved}, errDiskIO},
		{"cannot open", sqlite3.Error{Code: sqlite3.ErrCantOpen}, errDiskIO},
	}
	var wg sync.WaitGroup
	good := make(chan error, 2)
	submit := func() {
		defer wg.Done()
		_, _, err := db.SubmitReport(as(admin()), newReport(inA))
		good <- err
	}
	wg.Add(1)
	go submit()
	waitQueued(t, db.DB, 1)
	for i, w := range writes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := db.Write(context.Background(), func(tx *Tx) error {
				if _, err := tx.Exec("INSERT INTO meta (key, value) VALUES (?, 'x')", "disk "+w.name); err != nil {
					return err
				}
				return fmt.Errorf("store: insert: %w", w.err)
			})
			if err != w.want {
				t.Errorf("%s: err = %v, want %v", w.name, err, w.want)
			}
		}()
		waitQueued(t, db.DB, i+2)
	}
	wg.Add(1)
	go submit()
	waitQueued(t, db.DB, len(writes)+2)
	release()
	wg.Wait()
	close(good)
	for err := range good {
		if err != nil {
			t.Errorf("a good submit failed with its group: %v", err)
		}
	}
	if got := count(t, db, "reports"); got != 2 {
		t.Errorf("%d reports, want 2", got)
	}
	if got := count(t, db, "meta WHERE key LIKE 'disk %'"); got != 0 {
		t.Errorf("%d rows of refused writes survived, want 0", got)
	}
	// The writer carries on.
	mustSubmit(t, db, as(admin()), newReport(inA))
}

func TestDiskError_MapsTheDisksFailuresAndNothingElse(t *testing.T) {
	pathErr := func(errno syscall.Errno) error {
		return fmt.Errorf("store: write photo x: %w", &fs.PathError{Op: "write", Path: "/photos/partial/x", Err: errno})
	}
	for _, tt := range []struct {
		err  error
		want error
	}{
		{sqlite3.Error{Code: sqlite3.ErrFull}, errDiskFull},
		{fmt.Errorf("append event: %w", sqlite3.Error{Code: sqlite3.ErrFull}), errDiskFull},
		{sqlite3.Error{Code: sqlite3.ErrIoErr, ExtendedCode: sqlite3.ErrIoErrWrite, SystemErrno: syscall.ENOSPC}, errDiskFull},
		{sqlite3.Error{Code: sqlite3.ErrIoErr, ExtendedCode: sqlite3.ErrIoErrWrite, SystemErrno: syscall.EDQUOT}, errDiskFull},
		{sqlite3.Error{Code: sqlite3.ErrIoErr, ExtendedCode: sqlite3.ErrIoErrFsync}, errDiskIO},
		{sqlite3.Error{Code: sqlite3.ErrReadonly}, errDiskIO},
		{sqlite3.Error{Code: sqlite3.ErrCantOpen}, errDiskIO},
		{&pgconn.PgError{Code: "53100"}, errDiskFull},                         // PostgreSQL's disk_full
		{fmt.Errorf("commit: %w", &pgconn.PgError{Code: "58030"}), errDiskIO}, // io_error
		{pathErr(syscall.ENOSPC), errDiskFull},
		{pathErr(syscall.EDQUOT), errDiskFull},
		{pathErr(syscall.EIO), errDiskIO},
		{pathErr(syscall.EROFS), errDiskIO},
		// Not the disk's trouble: left to the caller's own handling.
		{nil, nil},
		{sqlite3.Error{Code: sqlite3.ErrConstraint, ExtendedCode: sqlite3.ErrConstraintForeignKey}, nil},
		{sqlite3.Error{Code: sqlite3.ErrBusy}, nil},
		{&pgconn.PgError{Code: "23505"}, nil}, // unique_violation
		{sqlite3.Error{Code: sqlite3.ErrError}, nil},
		{pathErr(syscall.EACCES), nil},
		{fs.ErrNotExist, nil},
		{errPartialLost, nil},
		{gridinspect.Errorf(gridinspect.EINVALID, "bad"), nil},
		{context.Canceled, nil},
	} {
		if got := diskError(tt.err); got != tt.want {
			t.Errorf("diskError(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}

func TestCommitFailed_IsStateUnknownAndSaysWhenTheDiskIsFull(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want error
	}{
		{sqlite3.Error{Code: sqlite3.ErrFull}, errStateUnknownDiskFull},
		{sqlite3.Error{Code: sqlite3.ErrIoErr, ExtendedCode: sqlite3.ErrIoErrWrite, SystemErrno: syscall.ENOSPC}, errStateUnknownDiskFull},
		{sqlite3.Error{Code: sqlite3.ErrIoErr, ExtendedCode: sqlite3.ErrIoErrFsync}, errStateUnknown},
		{sqlite3.Error{Code: sqlite3.ErrConstraint, ExtendedCode: sqlite3.ErrConstraintForeignKey}, errStateUnknown},
	} {
		if got := commitFailed(tt.err); got != tt.want {
			t.Errorf("commitFailed(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}

// failWritesWith makes photo chunks fail with errno after half their
// bytes are written, as a disk that fills up mid-chunk, until the test
// ends or the returned restore is called.
func failWritesWith(tb testing.TB, errno syscall.Errno) (restore func()) {
	tb.Helper()
	was := writePartialAt
	writePartialAt = func(f *os.File, data []byte, off int64) (int, error) {
		n, err := f.WriteAt(data[:len(data)/2], off)
		if err != nil {
			return n, err
		}
		return n, &fs.PathError{Op: "write", Path: f.Name(), Err: errno}
	}
	restore = func() { writePartialAt = was }
	tb.Cleanup(restore)
	return restore
}

func TestDiskFull_APhotoChunkIsRefusedAndItsOffsetStays(t *testing.T) {
	onlyOn(t, "sqlite") // a full disk under the SQLite file
	for _, tt := range []struct {
		errno syscall.Errno
		want  error
	}{
		{syscall.ENOSPC, errDiskFull},
		{syscall.EDQUOT, errDiskFull},
		{syscall.EIO, errDiskIO},
	} {
		t.Run(tt.errno.Error(), func(t *testing.T) {
			db, rep, ctx := photoStreet(t)
			b := photoBytes(7, 3000)
			h := photoOf(rep.ID, b)
			mustBegin(t, db, ctx, h)
			mustWrite(t, db, ctx, h.ID, 0, b[:1000])

			restore := failWritesWith(t, tt.errno)
			st, err := db.WriteChunk(ctx, h.ID, 1000, b[1000:2000])
			if err != tt.want {
				t.Fatalf("chunk on a full disk: status %+v, err %v; want %v", st, err, tt.want)
			}
			if st := mustStatus(t, db, ctx, h.ID); st.Committed != 1000 || st.Complete {
				t.Fatalf("status after the refused chunk = %+v, want 1000 bytes committed", st)
			}

			// Space returns: the phone resumes from the committed offset,
			// and the half-chunk left past it is cut off.
			restore()
			mustWrite(t, db, ctx, h.ID, 1000, b[1000:2000])
			wantComplete(t, mustWrite(t, db, ctx, h.ID, 2000, b[2000:]), 3000)
			if _, data := mustReadPhoto(t, db, ctx, h.ID); !bytes.Equal(data, b) {
				t.Fatal("the photo reads back other bytes")
			}
		})
	}
}

// smallDiskEnv names a folder on a small file system (a few MiB free) for
// TestDiskFull_OnARealFileSystem, which fills it. As root, e.g.:
//
//	mount -t tmpfs -o size=4m tmpfs /mnt/small
//	GRIDINSPECT_SMALL_DISK=/mnt/small go test -run OnARealFileSystem ./store/
const smallDiskEnv = "GRIDINSPECT_SMALL_DISK"

// TestDiskFull_OnARealFileSystem fills a real file system: SQLite and the
// photo files meet ENOSPC itself, most often at the COMMIT (in WAL mode a
// commit appends the pages to the WAL), which is answered "state unknown"
// with ELIMIT. Mounting one needs root, so the test runs only when told
// where one is; .ci/run mounts one, and under CI the test must run.
func TestDiskFull_OnARealFileSystem(t *testing.T) {
	onlyOn(t, "sqlite") // a full disk under the SQLite file
	root := os.Getenv(smallDiskEnv)
	if root == "" && os.Getenv("CI") != "" {
		t.Fatalf("CI is set but %s is not: .ci/run mounts a small tmpfs for this test", smallDiskEnv)
	}
	if root == "" {
		t.Skipf("set %s to a folder on a small file system to run this test", smallDiskEnv)
	}
	dir, err := os.MkdirTemp(root, "diskfull-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	db := mustOpenAt(t, filepath.Join(dir, "gridinspect.db"), &testClock{now: t0})
	mustStreet(t, db)
	ctx := as(worker(gridA))
	rep := mustSubmit(t, db, ctx, newReport(inA))
	b := photoBytes(3, 256<<10)
	h := photoOf(rep.ID, b)
	mustBegin(t, db, ctx, h)

	// Leave about 1 MiB free, then fill that with reports.
	var stat syscall.Statfs_t
	if err := syscall.Statfs(dir, &stat); err != nil {
		t.Fatal(err)
	}
	free := int64(stat.Bavail) * stat.Bsize
	if free > 64<<20 {
		t.Fatalf("%s has %d MiB free; give a file system with a few MiB", root, free>>20)
	}
	filler := filepath.Join(dir, "filler")
	if err := os.WriteFile(filler, make([]byte, max(free-1<<20, 0)), 0o600); err != nil && !errors.Is(err, syscall.ENOSPC) {
		t.Fatal(err)
	}
	// A refused write is absent; one whose commit failed may or may not
	// be there.
	var acked, refused, unknown []*gridinspect.Report
	for i := 0; len(refused)+len(unknown) < 10; i++ {
		if i == 100_000 {
			t.Fatal("the disk did not fill")
		}
		r := newReport(inA)
		_, _, err := db.SubmitReport(ctx, r)
		switch {
		case err == nil:
			acked = append(acked, r)
		case err == errDiskFull:
			refused = append(refused, r)
		case err == errStateUnknownDiskFull:
			unknown = append(unknown, r)
		default:
			t.Fatalf("submit on a full disk: %v (%s), want %v or %v", err, gridinspect.ErrorCode(err), errDiskFull, errStateUnknownDiskFull)
		}
	}
	for _, r := range acked {
		if _, err := db.GetReport(as(admin()), r.ID); err != nil {
			t.Fatalf("acknowledged report %s: %v", r.ID, err)
		}
	}
	for _, r := range refused {
		_, err := db.GetReport(as(admin()), r.ID)
		wantCode(t, err, gridinspect.ENOTFOUND)
	}
	if got := count(t, db, "reports") - 1; got < len(acked) || got > len(acked)+len(unknown) {
		t.Fatalf("%d reports stored; %d acknowledged, %d of unknown state", got, len(acked), len(unknown))
	}
	_, err = db.WriteChunk(ctx, h.ID, 0, b)
	if err != errDiskFull {
		t.Fatalf("photo chunk on a full disk: %v, want %v", err, errDiskFull)
	}
	if st := mustStatus(t, db, ctx, h.ID); st.Committed != 0 {
		t.Fatalf("committed = %d after a refused chunk, want 0", st.Committed)
	}
	t.Logf("full after %d reports; then %d refused, %d of unknown state", len(acked), len(refused), len(unknown))

	// Space returns: the same DB takes the refused writes.
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	for _, r := range slices.Concat(refused, unknown) {
		if _, _, err := db.SubmitReport(ctx, r); err != nil {
			t.Fatalf("submit report %s again once space returned: %v", r.ID, err)
		}
	}
	wantComplete(t, mustWrite(t, db, ctx, h.ID, 0, b), int64(len(b)))
	wantIntegrity(t, db)
	db = mustReopen(t, db)
	if got, want := count(t, db, "reports"), len(acked)+len(refused)+len(unknown)+1; got != want {
		t.Fatalf("%d reports after reopening, want %d", got, want)
	}
}
