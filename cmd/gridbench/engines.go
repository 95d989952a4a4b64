package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"google.golang.org/grpc"

	"github.com/gridinspect/gridinspect/internal/pgtest"
	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
	"github.com/gridinspect/gridinspect/store"
)

// The engines phase (issue 17): the same server measured on each engine
// --database names, side by side, each against raw inserts of the same
// rows into the same schema measured in the same run:
//
//   - SubmitReport at the highest --concurrency, through one gridd and (on
//     PostgreSQL) through two gridd sharing the database, the callers split
//     half and half; against raw one-report transactions of the same three
//     rows (report, submission event, change) from as many callers, grouped
//     as the store groups them (one writer commits whatever is waiting, up
//     to store.MaxGroupSize) and, on PostgreSQL, also each in a transaction
//     of its own over a pool of connections;
//   - Push (one device, or one device per gridd) against the same four rows
//     per mutation in one transaction a batch (push.go's "raw, the server's
//     schema");
//   - ListReports and GetSummary on streets of each of --sizes reports,
//     and how long store.BulkLoad took to write them.
//
// "postgres" starts a throwaway cluster (internal/pgtest) in the work
// folder's temporary space; a postgres:// URL names a server on which
// gridbench may CREATE DATABASE. Every database gridbench makes is set to
// synchronous_commit=on, whatever the server's default: a commit then
// waits for its WAL flush, as SQLite's synchronous=FULL waits for its
// fsync, so the engines are compared at the same durability.

// engineRun is the engines phase on one engine.
type engineRun struct {
	Engine   string
	Callers  int
	Submit1  loadStep // one gridd
	Submit2  loadStep // two gridd, half the callers each (PostgreSQL)
	RawGroup loadStep // one writer, groups of what is waiting
	RawMany  loadStep // a transaction each, over a pool (PostgreSQL)
	Push1    batchRun
	Push2    batchRun // one device per gridd, both at once (PostgreSQL)
	RawPush  batchRun
	Loads    []streetLoad
	Queries  []queryRow
}

// streetLoad is one street bulk-loaded for the queries.
type streetLoad struct {
	Reports int
	Took    time.Duration
}

// enginesResult is the engines phase.
type enginesResult struct {
	Runs []*engineRun
}

// parseDatabases checks --database: sqlite, postgres or postgres:// URLs.
func parseDatabases(s string) ([]string, error) {
	var out []string
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		switch {
		case f == "sqlite", f == "postgres":
		case strings.HasPrefix(f, "postgres://"), strings.HasPrefix(f, "postgresql://"):
			if _, err := url.Parse(f); err != nil {
				return nil, fmt.Errorf("--database: %s: %w", store.RedactURL(f), err)
			}
		default:
			return nil, fmt.Errorf("--database: %q is not sqlite, postgres or a postgres:// URL", store.RedactURL(f))
		}
		out = append(out, f)
	}
	return out, nil
}

// pgServer is a PostgreSQL server gridbench makes databases on.
type pgServer struct {
	admin string // URL of a database to run CREATE DATABASE from
	n     int
	// kept is set for a server given by URL, which outlives the run: with
	// --cache its loaded streets are kept there, and used again.
	kept bool
}

// databaseURL is the URL of the database name on the server.
func (s *pgServer) databaseURL(name string) (string, error) {
	u, err := url.Parse(s.admin)
	if err != nil {
		return "", err
	}
	u.Path = "/" + name
	return u.String(), nil
}

// exists reports whether the server has a database of that name.
func (s *pgServer) exists(ctx context.Context, name string) (bool, error) {
	db, err := sql.Open("pgx", s.admin)
	if err != nil {
		return false, err
	}
	defer db.Close()
	var n int
	err = db.QueryRowContext(ctx, "SELECT count(*) FROM pg_database WHERE datname = $1", name).Scan(&n)
	return n > 0, err
}

// createDatabase makes a new database and returns its URL.
func (s *pgServer) createDatabase(ctx context.Context) (string, error) {
	s.n++
	suffix := make([]byte, 4)
	_, _ = rand.Read(suffix)
	name := fmt.Sprintf("gridbench_%d_%s", s.n, hex.EncodeToString(suffix))
	if err := createDatabase(ctx, s.admin, name); err != nil {
		return "", err
	}
	return s.databaseURL(name)
}

// createDatabase makes the database name, from the admin database.
func createDatabase(ctx context.Context, admin, name string) error {
	db, err := sql.Open("pgx", admin)
	if err != nil {
		return err
	}
	defer db.Close()
	for _, q := range []string{"CREATE DATABASE " + name,
		// The same durability as SQLite's synchronous=FULL (see above).
		"ALTER DATABASE " + name + " SET synchronous_commit = on"} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	return nil
}

// benchDB is one database a server is started on.
type benchDB struct {
	dir    string // the data folder (SQLite's database is in it)
	url    string // PostgreSQL's; "" on SQLite
	photos string
}

// startOn starts the server under test on db.
func (b *bench) startOn(ctx context.Context, db benchDB) (*target, error) {
	switch s := b.server.(type) {
	case *processStarter:
		if db.url == "" {
			return s.start(ctx, db.dir)
		}
		return s.startWith(ctx, "--data", db.dir, "--database", db.url, "--photos", db.photos)
	case inProcessStarter:
		if db.url == "" {
			return s.start(ctx, db.dir)
		}
		sdb, err := store.OpenURL(db.url, store.Options{Logger: s.log, PhotoDir: db.photos})
		if err != nil {
			return nil, err
		}
		return s.serve(sdb)
	}
	return nil, errors.New("the engines phase starts servers of its own: not with --server")
}

// prepareStreet makes a street of n reports on engine: SQLite's through
// prepareData (and --cache), PostgreSQL's in a new database.
func (b *bench) prepareStreet(ctx context.Context, pg *pgServer, root string, n int) (*dataset, benchDB, error) {
	if pg == nil {
		reuse := b.cfg.cache != "" && n > 0
		if n > 0 && b.cfg.cache != "" {
			root = b.cfg.cache
		}
		d, err := prepareData(ctx, root, n, b.cfg.seed, reuse, b.log)
		if err != nil {
			return nil, benchDB{}, err
		}
		return d, benchDB{dir: d.dir}, nil
	}
	if pg.kept && b.cfg.cache != "" && n > 0 {
		return b.cachedPGStreet(ctx, pg, n)
	}
	u, err := pg.createDatabase(ctx)
	if err != nil {
		return nil, benchDB{}, err
	}
	dir, err := os.MkdirTemp(root, "pg-street-")
	if err != nil {
		return nil, benchDB{}, err
	}
	d, bdb, err := b.loadPGStreet(ctx, u, dir, n)
	return d, bdb, err
}

// loadPGStreet bulk-loads a street of n reports into the PostgreSQL
// database at u, its photo folder and description in dir.
func (b *bench) loadPGStreet(ctx context.Context, u, dir string, n int) (*dataset, benchDB, error) {
	bdb := benchDB{dir: dir, url: u, photos: filepath.Join(dir, "photos")}
	pw, err := newPassword()
	if err != nil {
		return nil, benchDB{}, err
	}
	d := &dataset{Version: datasetVersion, Reports: n, Seed: b.cfg.seed, Password: pw, dir: dir}
	sdb, err := store.OpenURL(u, store.Options{PhotoDir: bdb.photos,
		Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		return nil, benchDB{}, err
	}
	if err := loadStreet(ctx, sdb, d, b.log); err != nil {
		return nil, benchDB{}, err
	}
	return d, bdb, nil
}

// cachedPGStreet is the street of n reports kept on a server given by URL
// (--cache): its database, gridbench_street_<n>_seed_<seed>, is used again
// if the cache folder describes it and the server still has it, and made
// (anew) otherwise. It is not dropped after the run; gridd migrates it to
// the current schema when it starts on it.
func (b *bench) cachedPGStreet(ctx context.Context, pg *pgServer, n int) (*dataset, benchDB, error) {
	name := fmt.Sprintf("gridbench_street_%d_seed_%d", n, b.cfg.seed)
	dir := filepath.Join(b.cfg.cache, fmt.Sprintf("pg-street-%d-seed-%d", n, b.cfg.seed))
	u, err := pg.databaseURL(name)
	if err != nil {
		return nil, benchDB{}, err
	}
	d, err := readDataset(dir)
	if err == nil && d.Version == datasetVersion && d.Reports == n && d.Seed == b.cfg.seed && d.Database == name {
		if ok, err := pg.exists(ctx, name); err != nil {
			return nil, benchDB{}, err
		} else if ok {
			d.dir = dir
			b.logf("engines: using the PostgreSQL street of %d reports in database %s (made in %v)", n, name, d.BuildTime.Round(time.Second))
			return d, benchDB{dir: dir, url: u, photos: filepath.Join(dir, "photos")}, nil
		}
	}
	if err := dropDatabase(ctx, pg.admin, u); err != nil {
		return nil, benchDB{}, err
	}
	if err := freshDir(dir); err != nil {
		return nil, benchDB{}, err
	}
	if err := createDatabase(ctx, pg.admin, name); err != nil {
		return nil, benchDB{}, err
	}
	d, bdb, err := b.loadPGStreet(ctx, u, dir, n)
	if err != nil {
		return nil, benchDB{}, err
	}
	d.Database = name
	info, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return nil, benchDB{}, err
	}
	return d, bdb, os.WriteFile(filepath.Join(dir, infoFile), info, 0o600)
}

// enginesPhase runs the engines phase on every engine of --database.
func (b *bench) enginesPhase(ctx context.Context, work string) error {
	res := &enginesResult{}
	b.res.Engines = res
	for _, name := range b.cfg.databases {
		var pg *pgServer
		label := name
		switch {
		case name == "postgres":
			b.logf("engines: starting a throwaway PostgreSQL cluster")
			// pgtest's test defaults (fsync and synchronous_commit off)
			// would not be the durability SQLite is measured at.
			c, err := pgtest.Start("fsync=on", "synchronous_commit=on")
			if err != nil {
				return err
			}
			defer c.Stop()
			pg = &pgServer{admin: c.URL("postgres")}
		case name != "sqlite":
			pg, label = &pgServer{admin: name, kept: true}, "postgres"
		}
		if pg != nil {
			b.res.Env.PostgreSQL = postgresVersion(ctx, pg.admin)
		}
		run := &engineRun{Engine: label}
		res.Runs = append(res.Runs, run)
		if b.cfg.engineWrites {
			if err := b.engineWrites(ctx, work, pg, run); err != nil {
				return fmt.Errorf("engines, %s: %w", label, err)
			}
		}
		if err := b.engineQueries(ctx, work, pg, run); err != nil {
			return fmt.Errorf("engines, %s: %w", label, err)
		}
	}
	return nil
}

// postgresVersion is the server's version string, or why not.
func postgresVersion(ctx context.Context, u string) string {
	db, err := sql.Open("pgx", u)
	if err != nil {
		return err.Error()
	}
	defer db.Close()
	var v string
	if err := db.QueryRowContext(ctx, "SHOW server_version").Scan(&v); err != nil {
		return err.Error()
	}
	return v
}

// engineWrites measures SubmitReport and Push on an empty street of one
// engine, one gridd and (PostgreSQL) two, and their raw baselines.
func (b *bench) engineWrites(ctx context.Context, work string, pg *pgServer, run *engineRun) error {
	d, bdb, err := b.prepareStreet(ctx, pg, work, 0)
	if err != nil {
		return err
	}
	callers := 0
	for _, n := range b.cfg.concurrency {
		callers = max(callers, n)
	}
	run.Callers = callers
	t1, err := b.startOn(ctx, bdb)
	if err != nil {
		return err
	}
	stopAll := func(ts ...*target) error {
		var errs []error
		for _, t := range ts {
			errs = append(errs, t.stop())
		}
		return errors.Join(errs...)
	}
	conns, closeConns, err := dialPool(t1.addr, 1, dialOptions()...)
	if err != nil {
		return errors.Join(err, stopAll(t1))
	}
	defer closeConns()
	authed, err := login(ctx, conns[0], b.workerName(d), b.password(d), "gridbench-engines-"+newID())
	if err != nil {
		return errors.Join(err, stopAll(t1))
	}
	where, gridID, err := gridArea(authed, conns[0])
	if err != nil {
		return errors.Join(err, stopAll(t1))
	}

	// SubmitReport, one gridd.
	b.logf("engines, %s: SubmitReport, %d callers, one gridd", run.Engine, callers)
	stopProfile, err := b.profile("engines-submit-"+run.Engine, true)
	if err != nil {
		return errors.Join(err, stopAll(t1))
	}
	before := writerStats(t1)
	started := time.Now()
	run.Submit1, err = b.submitOver(authed, []*target{t1}, where, callers)
	stopProfile()
	if t1.writer != nil {
		w := writerStats(t1)
		busy := w.Busy - before.Busy
		b.logf("engines, %s: the writer was busy %.0f%% of the step, %.1f writes a commit, %.2f statements a write", run.Engine,
			100*busy.Seconds()/time.Since(started).Seconds(), float64(w.Writes-before.Writes)/float64(max(w.Commits-before.Commits, 1)),
			float64(w.Statements-before.Statements)/float64(max(w.Writes-before.Writes, 1)))
	}
	if err != nil {
		return errors.Join(err, stopAll(t1))
	}

	// Push, one gridd.
	b.logf("engines, %s: Push, one device, one gridd", run.Engine)
	batches := b.pushBatchesFor(where, b.cfg.pushBatches+1)
	if stopProfile, err = b.profile("engines-push-"+run.Engine, true); err != nil {
		return errors.Join(err, stopAll(t1))
	}
	before = writerStats(t1)
	run.Push1, err = b.pushOver(ctx, []*target{t1}, d, [][][]*pb.Mutation{batches})
	stopProfile()
	if t1.writer != nil && err == nil {
		w := writerStats(t1)
		b.logf("engines, %s: the writer ran %.2f statements a pushed mutation", run.Engine,
			float64(w.Statements-before.Statements)/float64(len(batches)*b.cfg.pushBatchSize))
	}
	if err != nil {
		return errors.Join(err, stopAll(t1))
	}

	// Two gridd on the same database.
	if pg != nil {
		t2, err := b.startOn(ctx, bdb)
		if err != nil {
			return errors.Join(err, stopAll(t1))
		}
		b.logf("engines, %s: SubmitReport, %d callers, two gridd", run.Engine, callers)
		run.Submit2, err = b.submitOver(authed, []*target{t1, t2}, where, callers)
		if err == nil {
			b.logf("engines, %s: Push, one device on each of two gridd", run.Engine)
			run.Push2, err = b.pushOver(ctx, []*target{t1, t2}, d, [][][]*pb.Mutation{
				b.pushBatchesFor(where, b.cfg.pushBatches+1), b.pushBatchesFor(where, b.cfg.pushBatches+1)})
		}
		if err := errors.Join(err, t2.stop()); err != nil {
			return errors.Join(err, stopAll(t1))
		}
	}

	// The raw baselines, into the server's schema as the server left it:
	// PostgreSQL's own database (the server idle), a snapshot of SQLite's.
	raw, err := openRaw(ctx, bdb, callers)
	if err != nil {
		return errors.Join(err, stopAll(t1))
	}
	defer raw.close()
	reporter := newID()
	b.logf("engines, %s: raw one-report transactions, %d callers, grouped", run.Engine, callers)
	run.RawGroup = rawGroupedLoad(ctx, raw, callers, b.cfg.warmup, b.cfg.duration, func() (rawRow, error) {
		return newRawRow(&pb.Mutation{MutationId: newID(), Kind: &pb.Mutation_SubmitReport{SubmitReport: &pb.SubmitReportRequest{
			Report: newHazard(where, b.cfg.observedIn)}}}, gridID, reporter, "gridbench-raw")
	})
	if pg != nil {
		b.logf("engines, %s: raw one-report transactions, %d callers, one each over a pool", run.Engine, callers)
		run.RawMany = rawManyLoad(ctx, raw, callers, b.cfg.warmup, b.cfg.duration, func() (rawRow, error) {
			return newRawRow(&pb.Mutation{MutationId: newID(), Kind: &pb.Mutation_SubmitReport{SubmitReport: &pb.SubmitReportRequest{
				Report: newHazard(where, b.cfg.observedIn)}}}, gridID, reporter, "gridbench-raw")
		})
	}
	b.logf("engines, %s: raw batches of the push", run.Engine)
	run.RawPush = raw.batches(ctx, b.pushBatchesFor(where, b.cfg.pushBatches+1), gridID, reporter)
	for _, s := range []loadStep{run.Submit1, run.Submit2, run.RawGroup, run.RawMany} {
		if s.Errors > 0 {
			b.note(fmt.Sprintf("engines, %s: %d calls failed; the first: %v", run.Engine, s.Errors, s.FirstErr))
		}
	}
	if run.RawPush.Err != nil {
		b.note(fmt.Sprintf("engines, %s: raw push batches: %v", run.Engine, run.RawPush.Err))
	}
	b.logf("engines, %s: submit %.0f/s, raw grouped %.0f/s, raw many %.0f/s; push %.0f/s, raw %.0f/s", run.Engine,
		run.Submit1.PerSecond(), run.RawGroup.PerSecond(), run.RawMany.PerSecond(), run.Push1.PerSecond(), run.RawPush.PerSecond())
	return stopAll(t1)
}

// submitOver runs SubmitReport from callers over maxConns connections
// spread over the targets, so that each serves an equal share.
func (b *bench) submitOver(authed context.Context, ts []*target, where area, callers int) (loadStep, error) {
	var addrs []string
	for _, t := range ts {
		addrs = append(addrs, t.addr)
	}
	var conns []*grpc.ClientConn
	for i := range max(min(callers, maxConns), len(ts)) {
		c, closeC, err := dialPool(addrs[i%len(addrs)], 1, dialOptions()...)
		if err != nil {
			return loadStep{}, err
		}
		defer closeC()
		conns = append(conns, c...)
	}
	submit := func(ctx context.Context, c *grpc.ClientConn, _ int) error {
		_, err := pb.NewReportServiceClient(c).SubmitReport(ctx, &pb.SubmitReportRequest{Report: newHazard(where, b.cfg.observedIn)})
		return err
	}
	return runLoad(authed, conns, callers, b.cfg.warmup, b.cfg.duration, submit), nil
}

// pushBatchesFor makes n batches of --push-batch-size submit_report
// mutations in a.
func (b *bench) pushBatchesFor(a area, n int) [][]*pb.Mutation {
	batches := make([][]*pb.Mutation, n)
	seq := int64(0)
	for i := range batches {
		for range b.cfg.pushBatchSize {
			seq++
			batches[i] = append(batches[i], &pb.Mutation{MutationId: newID(), DeviceSeq: seq,
				Kind: &pb.Mutation_SubmitReport{SubmitReport: &pb.SubmitReportRequest{Report: newHazard(a, b.cfg.observedIn)}}})
		}
	}
	return batches
}

// pushOver pushes, from one device per target, that device's batches one
// after another, the devices at once; the first batch of each warms up,
// and the rest are timed from when every device has pushed its first.
func (b *bench) pushOver(ctx context.Context, ts []*target, d *dataset, perDevice [][][]*pb.Mutation) (batchRun, error) {
	var warm, measured sync.WaitGroup
	start := make(chan struct{})
	errs := make([]error, len(ts))
	times := make([][]time.Duration, len(ts))
	rows := 0
	for i, t := range ts {
		rows += (len(perDevice[i]) - 1) * b.cfg.pushBatchSize
		warm.Add(1)
		measured.Add(1)
		go func() {
			defer measured.Done()
			warmed := false
			defer func() {
				if !warmed {
					warm.Done()
				}
			}()
			conns, closeConns, err := dialPool(t.addr, 1, dialOptions()...)
			if err != nil {
				errs[i] = err
				return
			}
			defer closeConns()
			device := "gridbench-push-" + newID()
			authed, err := login(ctx, conns[0], b.workerName(d), b.password(d), device)
			if err != nil {
				errs[i] = err
				return
			}
			client := pb.NewSyncServiceClient(conns[0])
			for j, batch := range perDevice[i] {
				if j == 1 {
					warmed = true
					warm.Done()
					<-start
				}
				t0 := time.Now()
				resp, err := client.Push(authed, &pb.PushRequest{DeviceId: device, Mutations: batch})
				took := time.Since(t0)
				if err != nil {
					errs[i] = fmt.Errorf("push batch %d: %w", j, err)
					return
				}
				for _, r := range resp.GetResults() {
					if r.GetOutcome() != pb.MutationOutcome_MUTATION_OUTCOME_APPLIED {
						errs[i] = fmt.Errorf("push: mutation %s was %v: %s", r.GetMutationId(), r.GetOutcome(), r.GetReason())
						return
					}
				}
				if j > 0 {
					times[i] = append(times[i], took)
				}
			}
		}()
	}
	warm.Wait()
	t0 := time.Now()
	close(start)
	measured.Wait()
	wall := time.Since(t0)
	if err := errors.Join(errs...); err != nil {
		return batchRun{Err: err}, err
	}
	var all []time.Duration
	for _, t := range times {
		all = append(all, t...)
	}
	r := summarize(all, b.cfg.pushBatchSize)
	// Rows per second of wall time: with several devices at once, the
	// sum of the batches' times would count the overlap twice.
	r.Rows, r.Elapsed = rows, wall
	return r, nil
}

// rawDB writes the raw baselines' rows into a database of the server's
// schema: SQLite through mattn/go-sqlite3 as push.go does, PostgreSQL
// through pgx directly (no database/sql, no rewriting).
type rawDB struct {
	lite      *sql.DB // SQLite: one connection
	liteStmts []*sql.Stmt
	dir       string      // SQLite: the snapshot's folder, removed by close
	pg        []*pgx.Conn // PostgreSQL: a pool, handed out by pgFree
	free      chan *pgx.Conn
}

// openRaw opens the raw baselines' database: a snapshot of SQLite's, or
// the PostgreSQL database itself with conns connections.
func openRaw(ctx context.Context, db benchDB, conns int) (*rawDB, error) {
	if db.url == "" {
		dir, err := os.MkdirTemp(filepath.Dir(db.dir), "raw-")
		if err != nil {
			return nil, err
		}
		path := filepath.Join(dir, store.DatabaseFile)
		if err := snapshotDB(filepath.Join(db.dir, store.DatabaseFile), path); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		lite, err := sql.Open("sqlite3", rawDSN(path)+"&_foreign_keys=on")
		if err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		lite.SetMaxOpenConns(1)
		r := &rawDB{lite: lite, dir: dir}
		// Prepared once, as the store's statements are (pgx caches
		// PostgreSQL's by their text).
		for _, q := range rawStatements(false) {
			st, err := lite.PrepareContext(ctx, q)
			if err != nil {
				r.close()
				return nil, err
			}
			r.liteStmts = append(r.liteStmts, st)
		}
		return r, nil
	}
	r := &rawDB{free: make(chan *pgx.Conn, conns)}
	for range conns {
		c, err := pgx.Connect(ctx, db.url)
		if err != nil {
			r.close()
			return nil, err
		}
		r.pg = append(r.pg, c)
		r.free <- c
	}
	return r, nil
}

func (r *rawDB) close() {
	if r.lite != nil {
		_ = r.lite.Close()
		os.RemoveAll(r.dir)
	}
	for _, c := range r.pg {
		_ = c.Close(context.Background())
	}
}

// The statements of the raw rows, in each engine's dialect: the report
// (changed_at is its received time), its submission event, its change
// row, and the ledger row of a pushed mutation.
func rawStatements(postgres bool) []string {
	m := marks
	if postgres {
		m = dollars
	}
	at19 := "?19"
	if postgres {
		at19 = "$19"
	}
	return []string{"INSERT INTO reports (" + rawReportColumns + ", changed_at) VALUES (" + m(33) + ", " + at19 + ")",
		"INSERT INTO events (" + rawEventColumns + ") VALUES (" + m(20) + ")",
		"INSERT INTO changes (entity_type, entity_id, grid_id, changed_at, event_id) VALUES (" + m(5) + ")",
		"INSERT INTO mutations (" + rawLedgerColumns + ") VALUES (" + m(12) + ")"}
}

// dollars returns PostgreSQL's placeholders $1 … $n.
func dollars(n int) string {
	s := make([]string, n)
	for i := range s {
		s[i] = fmt.Sprintf("$%d", i+1)
	}
	return strings.Join(s, ", ")
}

// write writes rows in one transaction: their report, event and change
// rows, and their ledger rows if ledger is set.
func (r *rawDB) write(ctx context.Context, rows []rawRow, ledger bool) error {
	n := 3
	if ledger {
		n = 4
	}
	if r.lite != nil {
		tx, err := r.lite.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		for _, row := range rows {
			for i, args := range [][]any{row.report, row.event, row.change, row.ledger}[:n] {
				if _, err := tx.StmtContext(ctx, r.liteStmts[i]).ExecContext(ctx, args...); err != nil {
					_ = tx.Rollback()
					return err
				}
			}
		}
		return tx.Commit()
	}
	c := <-r.free
	defer func() { r.free <- c }()
	tx, err := c.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx) //nolint:errcheck // after Commit, a no-op
	for _, row := range rows {
		for i, args := range [][]any{row.report, row.event, row.change, row.ledger}[:n] {
			if _, err := tx.Exec(ctx, rawStatements(true)[i], args...); err != nil {
				return err
			}
		}
	}
	return tx.Commit(ctx)
}

// batches writes the rows of each batch of mutations in one transaction
// (with their ledger rows), and times each but the first.
func (r *rawDB) batches(ctx context.Context, batches [][]*pb.Mutation, gridID, reporter string) batchRun {
	var times []time.Duration
	for i, batch := range batches {
		rows := make([]rawRow, len(batch))
		for j, m := range batch {
			var err error
			if rows[j], err = newRawRow(m, gridID, reporter, "gridbench-raw"); err != nil {
				return batchRun{Err: err}
			}
		}
		t0 := time.Now()
		if err := r.write(ctx, rows, true); err != nil {
			return batchRun{Err: err}
		}
		if i > 0 {
			times = append(times, time.Since(t0))
		}
	}
	return summarize(times, len(batches[0]))
}

// rawGroupedLoad runs callers that each hand one report's rows to a single
// writer and wait for its commit; the writer takes whatever is waiting, up
// to store.MaxGroupSize, into one transaction, as the store's writer does.
func rawGroupedLoad(ctx context.Context, r *rawDB, callers int, warmup, duration time.Duration, mk func() (rawRow, error)) loadStep {
	type req struct {
		row  rawRow
		done chan error
	}
	queue := make(chan req, 4*store.MaxGroupSize)
	go func() {
		for first := range queue {
			group := []req{first}
		more:
			for len(group) < store.MaxGroupSize {
				select {
				case q, ok := <-queue:
					if !ok {
						break more
					}
					group = append(group, q)
				default:
					break more
				}
			}
			rows := make([]rawRow, len(group))
			for i, q := range group {
				rows[i] = q.row
			}
			err := r.write(ctx, rows, false)
			for _, q := range group {
				q.done <- err
			}
		}
	}()
	defer close(queue)
	return runLoad(ctx, []*grpc.ClientConn{nil}, callers, warmup, duration, func(context.Context, *grpc.ClientConn, int) error {
		row, err := mk()
		if err != nil {
			return err
		}
		done := make(chan error, 1)
		queue <- req{row, done}
		return <-done
	})
}

// rawManyLoad runs callers that each write one report's rows in a
// transaction of their own, over the pool's connections.
func rawManyLoad(ctx context.Context, r *rawDB, callers int, warmup, duration time.Duration, mk func() (rawRow, error)) loadStep {
	return runLoad(ctx, []*grpc.ClientConn{nil}, callers, warmup, duration, func(context.Context, *grpc.ClientConn, int) error {
		row, err := mk()
		if err != nil {
			return err
		}
		return r.write(ctx, []rawRow{row}, false)
	})
}

// engineQueries measures ListReports and GetSummary on streets of each
// of --sizes reports on one engine.
func (b *bench) engineQueries(ctx context.Context, work string, pg *pgServer, run *engineRun) error {
	for _, n := range b.cfg.sizes {
		t0 := time.Now()
		d, bdb, err := b.prepareStreet(ctx, pg, work, n)
		if err != nil {
			return err
		}
		took := d.BuildTime
		if took == 0 {
			took = time.Since(t0)
		}
		run.Loads = append(run.Loads, streetLoad{Reports: n, Took: took})
		t, err := b.startOn(ctx, bdb)
		if err != nil {
			return err
		}
		from := len(b.res.Queries)
		err = b.queryPhases(ctx, t, d, true, true)
		for i := from; i < len(b.res.Queries); i++ {
			b.res.Queries[i].Via += " · " + run.Engine
			run.Queries = append(run.Queries, b.res.Queries[i])
		}
		if err := errors.Join(err, t.stop()); err != nil {
			return err
		}
		if pg != nil && !(pg.kept && b.cfg.cache != "") {
			// A million reports take gigabytes: drop the street once measured.
			if err := dropDatabase(ctx, pg.admin, bdb.url); err != nil {
				b.note("engines: drop " + store.RedactURL(bdb.url) + ": " + err.Error())
			}
		}
	}
	return nil
}

// dropDatabase drops the database u names, from the admin database.
func dropDatabase(ctx context.Context, admin, u string) error {
	p, err := url.Parse(u)
	if err != nil {
		return err
	}
	db, err := sql.Open("pgx", admin)
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.ExecContext(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{strings.TrimPrefix(p.Path, "/")}.Sanitize()+" WITH (FORCE)")
	return err
}

// writeMarkdown prints the engines side by side, one column each.
func (e *enginesResult) writeMarkdown(p func(string, ...any), cfg config) {
	if len(e.Runs) == 0 {
		return
	}
	p("### SQLite beside PostgreSQL: each against raw inserts of the same rows, same run\n\n")
	head, rule := "| measure |", "|---|"
	for _, r := range e.Runs {
		head += " " + r.Engine + " |"
		rule += "---:|"
	}
	p("%s\n%s\n", head, rule)
	line := func(what string, cell func(r *engineRun) string) {
		s := "| " + what + " |"
		for _, r := range e.Runs {
			s += " " + cell(r) + " |"
		}
		p("%s\n", s)
	}
	callers := e.Runs[0].Callers
	calls := func(s loadStep) string {
		if s.Calls == 0 {
			return "–"
		}
		return fmt.Sprintf("%s/s (p50 %s, p99 %s)", count(s.PerSecond()), ms(s.P50), ms(s.P99))
	}
	ratio := func(a, base float64) string {
		if a == 0 || base == 0 {
			return "–"
		}
		return fmt.Sprintf("**%.2f**", a/base)
	}
	rows := func(r batchRun) string {
		if r.Rows == 0 || r.Err != nil {
			return "–"
		}
		return fmt.Sprintf("%s/s (batch p50 %s)", count(r.PerSecond()), ms(r.P50))
	}
	// Without the write steps (--engine-writes=false), only the queries.
	writes := false
	for _, r := range e.Runs {
		writes = writes || r.Submit1.Calls > 0 || r.Push1.Rows > 0
	}
	if writes {
		line(fmt.Sprintf("SubmitReport, %d callers, one gridd", callers), func(r *engineRun) string { return calls(r.Submit1) })
		line(fmt.Sprintf("SubmitReport, %d callers, two gridd (half each)", callers), func(r *engineRun) string { return calls(r.Submit2) })
		line(fmt.Sprintf("raw: %d callers, one-report transactions (report, event, change rows) grouped by one writer as the store groups them", callers),
			func(r *engineRun) string { return calls(r.RawGroup) })
		line(fmt.Sprintf("raw: %d callers, each one-report transaction on its own connection (pgx, %d connections)", callers, callers),
			func(r *engineRun) string { return calls(r.RawMany) })
		line("SubmitReport one gridd ÷ raw grouped", func(r *engineRun) string { return ratio(r.Submit1.PerSecond(), r.RawGroup.PerSecond()) })
		line("SubmitReport one gridd ÷ raw, a transaction each", func(r *engineRun) string { return ratio(r.Submit1.PerSecond(), r.RawMany.PerSecond()) })
		line("SubmitReport two gridd ÷ raw grouped", func(r *engineRun) string { return ratio(r.Submit2.PerSecond(), r.RawGroup.PerSecond()) })
		line("SubmitReport two gridd ÷ raw, a transaction each", func(r *engineRun) string { return ratio(r.Submit2.PerSecond(), r.RawMany.PerSecond()) })
		line(fmt.Sprintf("Push, batches of %d, one device, one gridd (mutations/s)", cfg.pushBatchSize), func(r *engineRun) string { return rows(r.Push1) })
		line("Push, one device on each of two gridd at once (mutations/s, wall time)", func(r *engineRun) string { return rows(r.Push2) })
		line("raw: the same four rows a mutation, one transaction a batch", func(r *engineRun) string { return rows(r.RawPush) })
		line("Push one gridd ÷ raw", func(r *engineRun) string { return ratio(r.Push1.PerSecond(), r.RawPush.PerSecond()) })
		line("Push two gridd ÷ raw", func(r *engineRun) string { return ratio(r.Push2.PerSecond(), r.RawPush.PerSecond()) })
	}
	for i, q := range e.Runs[0].Queries {
		line(fmt.Sprintf("%s reports: %s (p50 / p99)", size(q.Reports), q.Query), func(r *engineRun) string {
			if i >= len(r.Queries) {
				return "–"
			}
			return ms(r.Queries[i].P50) + " / " + ms(r.Queries[i].P99)
		})
	}
	for i, l := range e.Runs[0].Loads {
		line(fmt.Sprintf("bulk load of the street of %s reports (store.BulkLoad)", size(l.Reports)), func(r *engineRun) string {
			if i >= len(r.Loads) {
				return "–"
			}
			return ms(r.Loads[i].Took)
		})
	}
	p("\n")
}
