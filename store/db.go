// Package store keeps gridinspect's data in SQLite, or in PostgreSQL
// (engine.go). It owns the database: its schema and migrations, the
// single writer that groups concurrent writes into one transaction (group
// commit), the change sequence that sync reads, and the implementations of
// gridinspect.ReportService, gridinspect.RectificationService,
// gridinspect.DirectoryService, gridinspect.AuthService,
// gridinspect.UserService, gridinspect.SyncService,
// gridinspect.StatsService and gridinspect.PhotoService, whose files live
// in a folder beside the database (on PostgreSQL, in a folder every server
// shares).
//
// A DB is opened with Open (SQLite) or OpenURL (either) and closed with
// Close. Every write goes through DB.Write, served by one goroutine on
// one connection; reads go through DB.Read on a pool of read-only
// connections, which in WAL mode never wait for the writer.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gridinspect/gridinspect"
	_ "github.com/mattn/go-sqlite3" // registers the "sqlite3" driver
)

// DB implements the domain's services.
var (
	_ gridinspect.ReportService    = (*DB)(nil)
	_ gridinspect.DirectoryService = (*DB)(nil)
	_ gridinspect.AuthService      = (*DB)(nil)
	_ gridinspect.UserService      = (*DB)(nil)

	_ gridinspect.RectificationService = (*DB)(nil)
	_ gridinspect.PhotoService         = (*DB)(nil)
	_ gridinspect.SyncService          = (*DB)(nil)
	_ gridinspect.StatsService         = (*DB)(nil)
)

// Tunables.
const (
	// DefaultBusyTimeout is how long a connection waits for a lock held by
	// another process (e.g. a backup) before failing with SQLITE_BUSY.
	DefaultBusyTimeout = 5 * time.Second

	// MaxGroupSize bounds how many queued writes share one transaction, so
	// that one commit's latency stays bounded under a flood.
	MaxGroupSize = 256

	// stmtCacheSize is how many prepared statements each connection
	// keeps: the same few statements run for every submission, and
	// preparing them again each time cost a quarter of the writer's time.
	stmtCacheSize = 64

	// writeQueueSize is how many writes may wait for the writer before
	// Write blocks; more than a group, so a full group is always ready.
	writeQueueSize = 4 * MaxGroupSize
)

// DefaultMaxReaders is the size of the read pool.
var DefaultMaxReaders = max(4, runtime.NumCPU())

// Options tune a DB. The zero value is usable.
type Options struct {
	// Rules validate what is stored; zero means gridinspect.DefaultRules.
	Rules gridinspect.Rules
	// Now is the server clock; nil means time.Now. Tests set it.
	Now func() time.Time
	// Logger receives the causes of failures that reach callers only as
	// a code (e.g. a failed commit); nil means slog.Default().
	Logger *slog.Logger
	// MaxReaders is the size of the read pool; 0 means DefaultMaxReaders.
	MaxReaders int
	// PasswordParams are the argon2id costs of new password hashes; zero
	// means gridinspect.DefaultPasswordParams. Tests lower them.
	PasswordParams gridinspect.PasswordParams
	// TokenTTL is how long a token from Login is valid; 0 means
	// DefaultTokenTTL.
	TokenTTL time.Duration
	// PhotoDir is the folder photos are kept in; "" means a folder
	// "photos" beside the database file.
	PhotoDir string
	// DashboardMaxAge is how old the desk's counts (Dashboard) may be
	// when answered from the last count of the same grids; 0 counts
	// afresh every time. gridd uses DefaultDashboardMaxAge.
	DashboardMaxAge time.Duration
}

// DB is the database of one gridinspect server: a SQLite file, or a
// PostgreSQL database that several servers may share.
type DB struct {
	path   string // the SQLite file; "" on PostgreSQL
	engine engine
	url    string // the PostgreSQL database's URL; "" on SQLite
	rules  gridinspect.Rules
	now    func() time.Time
	logger *slog.Logger
	nread  int
	// readGate admits readers to reader in arrival order.
	readGate *readGate

	passwordParams gridinspect.PasswordParams
	tokenTTL       time.Duration
	dummyHash      func() (string, error) // see Login
	auth           authCache
	authEpochs     streetEpochReads // on PostgreSQL (epochs.go)
	// background counts the goroutines recording token use (see
	// Authenticate); Close waits for them. They are started only while
	// the DB is open, under closeMu.
	background sync.WaitGroup

	lockFile *os.File // held open, locked, from Open to Close (lock.go)

	writer *sql.DB     // exactly one connection; used only by the writer goroutine
	wconn  *writerConn // the writer's connection, held while it runs
	reader *sql.DB     // read-only pool

	instanceID string
	cursorKey  []byte // signs sync cursors; see cursor.go
	grids      gridCache

	photoDir   string
	photoLocks photoLocks // one per photo being written; see WriteChunk
	// photoLockPool holds the photo locks every server sees, on
	// PostgreSQL (lockPhoto).
	photoLockPool *sql.DB
	dashboards    dashboardCache

	// Thumbnails (thumbnails.go): a lock per content, the turns to
	// decode, and the background goroutine's queue.
	thumbLocks      photoLocks
	thumbTurns      chan struct{}
	thumbQueue      chan string
	thumbsQueued    sync.WaitGroup // queued and not yet made; tests wait for it
	thumbnailerDone chan struct{}
	thumbsMade      atomic.Int64 // thumbnails decoded and made since Open

	// The write queue. closeMu guards closed: Write holds it shared while
	// queueing, so that once Close has set closed no request can slip into
	// the queue after the writer has drained it and left.
	queue      chan *writeRequest
	closeMu    sync.RWMutex
	closed     bool
	closing    chan struct{}
	writerDone chan struct{}
	closeOnce  sync.Once
	commits    atomic.Uint64
	// summaryChangedWay is how Summary reads the timelines of the cases
	// changed since a period's end; tests set it to try each way.
	summaryChangedWay changedWay
	writes            atomic.Uint64 // requests served by the writer, committed or not
	writerBusy        atomic.Int64  // nanoseconds the writer spent serving groups
	groupSizes        *histogram    // writes per group (monitoring.go)
	commitTimes       *histogram    // nanoseconds per COMMIT
}

// Open opens the database file at path, creating it if it does not
// exist, checks that it is in WAL mode, applies pending migrations and
// starts the writer. Close it with Close.
func Open(path string, opts Options) (*DB, error) {
	db := newDB(path, opts)
	if err := db.open(); err != nil {
		return nil, err
	}
	return db, nil
}

// newDB returns a DB for the database file at path, not yet open.
func newDB(path string, opts Options) *DB {
	db := &DB{
		path:   path,
		rules:  opts.Rules,
		now:    opts.Now,
		logger: opts.Logger,
		nread:  opts.MaxReaders,

		passwordParams: opts.PasswordParams,
		tokenTTL:       opts.TokenTTL,
		photoDir:       opts.PhotoDir,
		dashboards:     dashboardCache{maxAge: opts.DashboardMaxAge},
		thumbTurns:     make(chan struct{}, maxThumbDecodes),
		groupSizes:     newHistogram(groupSizeBounds),
		commitTimes:    newHistogram(commitTimeBounds),
	}
	if db.rules.IsZero() {
		db.rules = gridinspect.DefaultRules
	}
	if db.now == nil {
		db.now = time.Now
	}
	if db.logger == nil {
		db.logger = slog.Default()
	}
	if db.nread <= 0 {
		db.nread = DefaultMaxReaders
	}
	if db.passwordParams == (gridinspect.PasswordParams{}) {
		db.passwordParams = gridinspect.DefaultPasswordParams
	}
	if db.tokenTTL <= 0 {
		db.tokenTTL = DefaultTokenTTL
	}
	if db.photoDir == "" && path != "" {
		db.photoDir = filepath.Join(filepath.Dir(path), "photos")
	}
	params := db.passwordParams
	db.dummyHash = sync.OnceValues(func() (string, error) {
		return gridinspect.HashPassword("not a password", params)
	})
	return db
}

// Path returns the path of the database file; on PostgreSQL, the
// database's URL.
func (db *DB) Path() string {
	if db.engine == postgres {
		return db.url
	}
	return db.path
}

// InstanceID returns the random UUID made when this database was created.
func (db *DB) InstanceID() string { return db.instanceID }

// Commits returns how many write transactions the writer has committed.
// With group commit it grows by one per group, not per write.
func (db *DB) Commits() uint64 { return db.commits.Load() }

// Rules returns the validation rules the DB applies.
func (db *DB) Rules() gridinspect.Rules { return db.rules }

// dsn returns the data source name of a connection. Every pragma is in it
// because database/sql opens connections on its own, and a pragma set by
// one Exec would reach only the connection that ran it.
func (db *DB) dsn(write bool) string {
	params := []string{
		"_journal_mode=WAL",
		"_synchronous=FULL", // a write is acknowledged only once it is on disk
		"_foreign_keys=on",
		fmt.Sprintf("_busy_timeout=%d", DefaultBusyTimeout.Milliseconds()),
		fmt.Sprintf("_stmt_cache_size=%d", stmtCacheSize),
	}
	if write {
		// BEGIN IMMEDIATE takes the write lock at the start, so a
		// transaction never fails half-way on upgrading a read lock.
		params = append(params, "_txlock=immediate")
	} else {
		params = append(params, "_query_only=true")
	}
	return db.path + "?" + strings.Join(params, "&")
}

// open opens the connections, migrates and starts the writer; on failure
// it closes what it opened.
func (db *DB) open() (err error) {
	switch {
	case db.path == "":
		return errors.New("store: open: no database path")
	case db.path == ":memory:" || strings.HasPrefix(db.path, "file:") || strings.ContainsAny(db.path, "?#"):
		// ":memory:" would give every pooled connection its own empty
		// database, and URI syntax would bypass the parameters above.
		return fmt.Errorf("store: open: %q is not a plain file path", db.path)
	}
	if err := os.MkdirAll(filepath.Dir(db.path), 0o750); err != nil {
		return fmt.Errorf("store: open: %w", err)
	}
	if err := db.lock(); err != nil {
		return fmt.Errorf("store: open %s: %w", db.path, err)
	}
	defer func() {
		if err != nil {
			db.closeHandles()
		}
	}()
	db.removeLeftovers()
	if err := db.makeDatabasePrivate(); err != nil {
		return fmt.Errorf("store: open: %w", err)
	}
	if err := db.makePhotoDirs(); err != nil {
		return fmt.Errorf("store: open: %w", err)
	}
	db.removeThumbTemps()

	if db.writer, err = sql.Open("sqlite3", db.dsn(true)); err != nil {
		return fmt.Errorf("store: open: %w", err)
	}
	db.writer.SetMaxOpenConns(1)
	db.writer.SetMaxIdleConns(1)
	db.writer.SetConnMaxLifetime(0)
	db.writer.SetConnMaxIdleTime(0)
	if err := checkPragmas(db.writer); err != nil {
		return fmt.Errorf("store: open %s: %w", db.path, err)
	}
	if err := db.migrate(); err != nil {
		return fmt.Errorf("store: open %s: %w", db.path, err)
	}
	if err := db.loadCursorKey(); err != nil {
		return fmt.Errorf("store: open %s: %w", db.path, err)
	}

	if db.reader, err = sql.Open("sqlite3", db.dsn(false)); err != nil {
		return fmt.Errorf("store: open: %w", err)
	}
	db.reader.SetMaxOpenConns(db.nread)
	db.reader.SetMaxIdleConns(db.nread)
	db.readGate = newReadGate(db.nread)
	if err := checkPragmas(db.reader); err != nil {
		return fmt.Errorf("store: open %s (reader): %w", db.path, err)
	}

	if err := db.startWorkers(); err != nil {
		return fmt.Errorf("store: open %s: %w", db.path, err)
	}
	return nil
}

// startWorkers starts the writer, on its connection of db.writer, and
// the background thumbnailer; the last step of opening, on either engine.
func (db *DB) startWorkers() (err error) {
	if db.wconn, err = newWriterConn(db.writer); err != nil {
		return err
	}
	db.wconn.engine = db.engine
	db.queue = make(chan *writeRequest, writeQueueSize)
	db.closing = make(chan struct{})
	db.writerDone = make(chan struct{})
	go db.runWriter()
	db.thumbQueue = make(chan string, thumbQueueSize)
	db.thumbnailerDone = make(chan struct{})
	go db.runThumbnailer()
	return nil
}

// checkPragmas verifies that the DSN's pragmas took: a database that
// cannot be in WAL mode (e.g. on a network file system) must not be used
// as if it were.
func checkPragmas(d *sql.DB) error {
	var mode string
	if err := d.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil {
		return fmt.Errorf("read journal_mode: %w", err)
	}
	if mode != "wal" {
		return fmt.Errorf("journal_mode is %q, want \"wal\"", mode)
	}
	var fk int
	if err := d.QueryRow("PRAGMA foreign_keys").Scan(&fk); err != nil {
		return fmt.Errorf("read foreign_keys: %w", err)
	}
	if fk != 1 {
		return errors.New("foreign keys are off")
	}
	return nil
}

// Close stops taking writes, lets the writer finish what is queued, and
// closes the database. If ctx ends first, the database is closed anyway
// and the writes still queued fail.
func (db *DB) Close(ctx context.Context) error {
	var err error
	db.closeOnce.Do(func() {
		if db.closing != nil {
			db.closeMu.Lock()
			db.closed = true
			db.closeMu.Unlock()
			close(db.closing)
			select {
			case <-db.writerDone:
				// Every write is answered, and no new one is taken, so
				// the goroutines recording token use are finishing.
				db.background.Wait()
				// Recommended by SQLite before closing a long-lived
				// connection: refresh the planner's statistics if due.
				if db.engine == sqlite {
					if _, oerr := db.writer.Exec("PRAGMA optimize"); oerr != nil {
						db.logger.Warn("store: pragma optimize", "err", oerr)
					}
				}
			case <-ctx.Done():
				err = fmt.Errorf("store: close: writer did not finish: %w", ctx.Err())
			}
			// A thumbnail being made finishes; none is started.
			select {
			case <-db.thumbnailerDone:
			case <-ctx.Done():
				err = errors.Join(err, fmt.Errorf("store: close: thumbnails did not finish: %w", ctx.Err()))
			}
		}
		// A stream's bytes not yet committed were never promised: their
		// files are closed, the bytes cut off at the next append.
		for _, pa := range db.photoLocks.takeAllPending() {
			_ = pa.f.Close()
		}
		err = errors.Join(err, db.closeHandles())
	})
	return err
}

func (db *DB) closeHandles() error {
	var errs []error
	if db.photoLockPool != nil {
		if err := db.photoLockPool.Close(); err != nil {
			errs = append(errs, fmt.Errorf("store: close photo locks: %w", err))
		}
	}
	if db.reader != nil {
		if err := db.reader.Close(); err != nil {
			errs = append(errs, fmt.Errorf("store: close reader: %w", err))
		}
	}
	if db.writer != nil {
		if err := db.writer.Close(); err != nil {
			errs = append(errs, fmt.Errorf("store: close writer: %w", err))
		}
	}
	if err := db.unlock(); err != nil {
		errs = append(errs, fmt.Errorf("store: unlock: %w", err))
	}
	return errors.Join(errs...)
}

// Read runs fn in a read-only transaction on the read pool. The
// transaction sees one consistent snapshot of the database.
func (db *DB) Read(ctx context.Context, fn func(tx *sql.Tx) error) error {
	if db.reader == nil {
		return gridinspect.Errorf(gridinspect.EUNAVAILABLE, "database is not open")
	}
	if err := db.readGate.acquire(ctx); err != nil {
		return fmt.Errorf("store: begin read: %w", err)
	}
	// Released after Rollback has put the connection back, so the next
	// reader admitted finds it free.
	defer db.readGate.release()
	readTransactions.Add(1)
	tx, err := db.reader.BeginTx(ctx, db.engine.readTx())
	if err != nil {
		return unavailable(fmt.Errorf("store: begin read: %w", err))
	}
	defer tx.Rollback() //nolint:errcheck // read-only: nothing to lose
	return unavailable(fn(tx))
}

// queryer is what both a write Tx and a read *sql.Tx offer, so the
// helpers that read can run in either.
type queryer interface {
	Query(query string, args ...any) (*sql.Rows, error)
	QueryRow(query string, args ...any) *sql.Row
}

// domainErr returns err unchanged when it is (or wraps) a domain *Error,
// so that the code and message reach the caller as they were made, and
// otherwise wraps it with what was being done; the server then reports it
// as EINTERNAL and logs the cause. A row refused because its id is taken
// is EEXISTS: on SQLite, where ids are keyed alone, an id one street uses
// is taken for every street of the file (PostgreSQL keys them by street).
func domainErr(err error, format string, args ...any) error {
	var e *gridinspect.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &e):
		return e
	case isPrimaryKeyViolation(err):
		return gridinspect.Errorf(gridinspect.EEXISTS, format+": the id is already used", args...).
			Zh("该编号已被使用")
	default:
		return fmt.Errorf("store: "+format+": %w", append(args, err)...)
	}
}
