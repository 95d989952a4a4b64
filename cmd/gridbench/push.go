package main

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	"github.com/gridinspect/gridinspect"
	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
	"github.com/gridinspect/gridinspect/store"
)

// The push phase: one device pushes batches of submit_report mutations,
// one batch after another as a phone back online does, against raw
// batched SQLite inserts of the same reports into a plain database with
// the server's durability settings.
//
// What "raw" includes, exactly: a database of its own beside the server's
// data folder, opened with mattn/go-sqlite3 and the store's pragmas (WAL,
// synchronous=FULL, BEGIN IMMEDIATE); one table shaped like the reports
// table (its 33 stored columns, a TEXT UUIDv7 primary key, no other index);
// one prepared INSERT per row, BEGIN … COMMIT around each batch, so one
// fsync per batch; run inside gridbench, so no gRPC, no protobuf, no
// authentication, no validation, no grid placement, no event, change or
// ledger rows, no savepoints. "raw ×4" writes, for each mutation, the four
// rows Push writes (the report, its submission event, a change row and a
// ledger row) into four such tables, primary keys only; it tells the cost
// of the row count apart from the cost of the work around the rows. "raw,
// the server's schema" writes the same four rows into a database the store
// made (every index, trigger, check and foreign key of the real schema,
// foreign keys on), still one prepared INSERT per row and one transaction
// a batch: the same rows into the same schema, and nothing else of Push.
// It starts from a copy of the server's database as it was when the push
// began, so that its indexes are as big as those Push writes into.

// pushResult is the push phase.
type pushResult struct {
	Batches, BatchSize int
	Push               batchRun
	Raw, Raw4          batchRun
	RawSchema          batchRun
	RSS                int64
	NotApplied         int
}

// batchRun is a series of batches, timed one by one.
type batchRun struct {
	Rows     int
	Elapsed  time.Duration // sum of the batches' times
	P50, P99 time.Duration // of one batch
	Err      error
}

// PerSecond is rows (mutations) per second.
func (r batchRun) PerSecond() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Rows) / r.Elapsed.Seconds()
}

// Ratio is PerSecond of r over base's.
func (r batchRun) Ratio(base batchRun) float64 {
	if base.PerSecond() == 0 {
		return 0
	}
	return r.PerSecond() / base.PerSecond()
}

func (b *bench) pushPhase(ctx context.Context, t *target, d *dataset) error {
	conns, closeConns, err := dialPool(t.addr, 1, dialOptions()...)
	if err != nil {
		return err
	}
	defer closeConns()
	conn := conns[0]
	device := "gridbench-push-" + newID()
	authed, err := login(ctx, conn, b.workerName(d), b.password(d), device)
	if err != nil {
		return err
	}
	where, gridID, err := gridArea(authed, conn)
	if err != nil {
		return err
	}
	res := &pushResult{Batches: b.cfg.pushBatches, BatchSize: b.cfg.pushBatchSize}
	b.res.Push = res

	// Every batch is made before the clock starts; the first is a
	// warm-up and is not counted.
	batches := make([][]*pb.Mutation, b.cfg.pushBatches+1)
	seq := int64(0)
	for i := range batches {
		for range b.cfg.pushBatchSize {
			seq++
			batches[i] = append(batches[i], &pb.Mutation{MutationId: newID(), DeviceSeq: seq,
				Kind: &pb.Mutation_SubmitReport{SubmitReport: &pb.SubmitReportRequest{Report: newHazard(where, b.cfg.observedIn)}}})
		}
	}
	// The baseline in the server's schema starts from what the server
	// holds when the push starts (a snapshot of its database), or from an
	// empty database when the server is someone else's.
	dir, err := os.MkdirTemp(filepath.Dir(d.dir), "raw-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	schemaDB := filepath.Join(dir, store.DatabaseFile)
	if t.kind == "remote" {
		err = makeSchemaDB(ctx, schemaDB, gridID, where)
	} else {
		err = snapshotDB(filepath.Join(d.dir, store.DatabaseFile), schemaDB)
	}
	if err != nil {
		return fmt.Errorf("raw inserts: %w", err)
	}

	b.logf("push: %d batches of %d mutations from one device", b.cfg.pushBatches, b.cfg.pushBatchSize)
	client := pb.NewSyncServiceClient(conn)
	stopProfile, err := b.profile("push", true)
	if err != nil {
		return err
	}
	w := watchMemory(t.pid)
	var times []time.Duration
	for i, batch := range batches {
		t0 := time.Now()
		resp, err := client.Push(authed, &pb.PushRequest{DeviceId: device, Mutations: batch})
		took := time.Since(t0)
		if err != nil {
			stopProfile()
			w.peak()
			res.Push.Err = err
			return fmt.Errorf("push batch %d: %w", i, err)
		}
		for _, r := range resp.GetResults() {
			if r.GetOutcome() != pb.MutationOutcome_MUTATION_OUTCOME_APPLIED {
				res.NotApplied++
				if res.NotApplied == 1 {
					b.note(fmt.Sprintf("push: mutation %s was %v: %s", r.GetMutationId(), r.GetOutcome(), r.GetReason()))
				}
			}
		}
		if i > 0 {
			times = append(times, took)
		}
	}
	res.RSS = w.peak()
	stopProfile()
	res.Push = summarize(times, b.cfg.pushBatchSize)
	b.logf("push: %.0f mutations/s", res.Push.PerSecond())

	// The same reports, raw.
	reporter := uuid.NewString()
	res.Raw = rawInserts(filepath.Join(dir, "raw.db"), batches, gridID, reporter, device, rawOneRow)
	res.Raw4 = rawInserts(filepath.Join(dir, "raw4.db"), batches, gridID, reporter, device, rawFourRows)
	res.RawSchema = rawInserts(schemaDB, batches, gridID, reporter, device, rawServerSchema)
	for _, r := range []batchRun{res.Raw, res.Raw4, res.RawSchema} {
		if r.Err != nil {
			return fmt.Errorf("raw inserts: %w", r.Err)
		}
	}
	b.logf("push: raw %.0f rows/s (push %.2f of it); raw ×4 %.0f mutations/s; raw into the server's schema %.0f mutations/s (push %.2f of it)",
		res.Raw.PerSecond(), res.Push.Ratio(res.Raw), res.Raw4.PerSecond(), res.RawSchema.PerSecond(), res.Push.Ratio(res.RawSchema))
	return nil
}

// summarize turns the times of batches of size rows into a batchRun.
func summarize(times []time.Duration, size int) batchRun {
	r := batchRun{Rows: len(times) * size}
	for _, t := range times {
		r.Elapsed += t
	}
	sorted := append([]time.Duration(nil), times...)
	r.P50, r.P99, _ = percentiles(sorted)
	return r
}

// rawDSN is the store's connection settings for a writer (store/db.go):
// WAL, synchronous=FULL, BEGIN IMMEDIATE.
func rawDSN(path string) string {
	return path + "?_journal_mode=WAL&_synchronous=FULL&_busy_timeout=5000&_txlock=immediate"
}

// Tables of the raw baseline: the width of the server's rows, primary key
// only.
const (
	rawReports = `CREATE TABLE reports (id TEXT PRIMARY KEY, category INTEGER, severity INTEGER, description TEXT,
		lat REAL, lng REAL, accuracy REAL, address TEXT, grid_id TEXT, subject_id TEXT, observed_at INTEGER,
		photo_ids TEXT, rectified_on_spot INTEGER, patrol_id TEXT, details TEXT, status INTEGER, version INTEGER,
		reporter_id TEXT, received_at INTEGER, deadline INTEGER, original_deadline INTEGER, assignee_id TEXT,
		responsible_unit TEXT, disposition INTEGER, closed_at INTEGER, clock_skew_flagged INTEGER,
		relapse_count INTEGER, follow_up_due INTEGER, possible_relapse_of TEXT, updated_at INTEGER,
		claimed_disposition INTEGER, demolished_area REAL, content_hash TEXT)`
	rawEvents = `CREATE TABLE events (id TEXT PRIMARY KEY, report_id TEXT, seq INTEGER, version INTEGER, type INTEGER,
		actor_id TEXT, occurred_at INTEGER, received_at INTEGER, clock_skew_flagged INTEGER, note TEXT, photo_ids TEXT,
		status_before INTEGER, status_after INTEGER, conflict INTEGER, conflict_code TEXT, conflict_reason TEXT,
		payload TEXT, prev_hash TEXT, hash TEXT, content_hash TEXT)`
	rawChanges = `CREATE TABLE changes (seq INTEGER PRIMARY KEY AUTOINCREMENT, entity_type TEXT, entity_id TEXT,
		grid_id TEXT, changed_at INTEGER, event_id TEXT)`
	rawLedger = `CREATE TABLE mutations (mutation_id TEXT PRIMARY KEY, device_id TEXT, device_seq INTEGER,
		user_id TEXT, content_hash TEXT, outcome INTEGER, reason TEXT, fields TEXT, report_id TEXT, event_id TEXT,
		patrol_id TEXT, received_at INTEGER)`
)

// The columns of the rows of rawRow, by name, as the server's tables have
// them (store/migrations).
const (
	rawReportColumns = `id, category, severity, description, lat, lng, accuracy, address, grid_id, subject_id,
		observed_at, photo_ids, rectified_on_spot, patrol_id, details, status, version, reporter_id, received_at,
		deadline, original_deadline, assignee_id, responsible_unit, disposition, closed_at, clock_skew_flagged,
		relapse_count, follow_up_due, possible_relapse_of, updated_at, claimed_disposition, demolished_area,
		content_hash`
	rawEventColumns = `id, report_id, seq, version, type, actor_id, occurred_at, received_at, clock_skew_flagged,
		note, photo_ids, status_before, status_after, conflict, conflict_code, conflict_reason, payload, prev_hash,
		hash, content_hash`
	rawLedgerColumns = `mutation_id, device_id, device_seq, user_id, content_hash, outcome, reason, fields,
		report_id, event_id, patrol_id, received_at`
)

// rawKind is what a raw baseline writes.
type rawKind int

const (
	rawOneRow       rawKind = iota // the report row, into a table with its primary key only
	rawFourRows                    // the four rows of a mutation, into four such tables
	rawServerSchema                // the four rows, into the tables of a database the store made
)

// snapshotDB copies the live database at src to dst (VACUUM INTO, on a
// connection of its own: the server goes on meanwhile).
func snapshotDB(src, dst string) error {
	db, err := sql.Open("sqlite3", "file:"+src+"?mode=ro&_busy_timeout=5000")
	if err != nil {
		return err
	}
	_, err = db.Exec("VACUUM INTO ?", dst)
	return errors.Join(err, db.Close())
}

// makeSchemaDB makes an empty database of the server's schema at path,
// with the grid the pushed reports are in, so that their foreign keys hold.
func makeSchemaDB(ctx context.Context, path, gridID string, a area) error {
	db, err := store.Open(path, store.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return err
	}
	ring := []gridinspect.LatLng{{Lat: a.lat0, Lng: a.lng0}, {Lat: a.lat0, Lng: a.lng1}, {Lat: a.lat1, Lng: a.lng1},
		{Lat: a.lat1, Lng: a.lng0}, {Lat: a.lat0, Lng: a.lng0}}
	_, err = db.CreateGrid(gridinspect.NewContext(ctx, gridinspect.SystemActor()), &gridinspect.Grid{ID: gridID,
		Name: "raw", Kind: gridinspect.GridKindVillage, Boundary: gridinspect.Boundary{{ring}}})
	return errors.Join(err, db.Close(ctx))
}

// rawInserts writes the rows of batches of the given kind into the
// database at path (new, or made by makeSchemaDB), one transaction a
// batch, and times each batch but the first (a warm-up).
func rawInserts(path string, batches [][]*pb.Mutation, gridID, reporter, device string, kind rawKind) (run batchRun) {
	dsn := rawDSN(path)
	if kind == rawServerSchema {
		dsn += "&_foreign_keys=on"
	}
	db, err := sql.Open("sqlite3", dsn)
	if err != nil {
		return batchRun{Err: err}
	}
	defer func() {
		if err := db.Close(); err != nil && run.Err == nil {
			run.Err = err
		}
	}()
	db.SetMaxOpenConns(1)
	var mode string
	if err := db.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		return batchRun{Err: fmt.Errorf("raw database: journal_mode %q, %v", mode, err)}
	}
	var tables []string
	switch kind {
	case rawOneRow:
		tables = []string{rawReports}
	case rawFourRows:
		tables = []string{rawReports, rawEvents, rawChanges, rawLedger}
	}
	for _, t := range tables {
		if _, err := db.Exec(t); err != nil {
			return batchRun{Err: err}
		}
	}
	var times []time.Duration
	for i, batch := range batches {
		rows := make([]rawRow, len(batch))
		for j, m := range batch {
			if rows[j], err = newRawRow(m, gridID, reporter, device); err != nil {
				return batchRun{Err: err}
			}
		}
		t0 := time.Now()
		if err := insertRaw(db, rows, kind); err != nil {
			return batchRun{Err: err}
		}
		if i > 0 {
			times = append(times, time.Since(t0))
		}
	}
	return summarize(times, len(batches[0]))
}

// rawRow is one mutation's rows, as the server would write them.
type rawRow struct {
	report, event, change, ledger []any
}

// newRawRow makes the rows of a submit_report mutation.
func newRawRow(m *pb.Mutation, gridID, reporter, device string) (rawRow, error) {
	r := m.GetSubmitReport().GetReport()
	wire, err := proto.Marshal(r)
	if err != nil {
		return rawRow{}, err
	}
	sum := sha256.Sum256(wire)
	hash := hex.EncodeToString(sum[:])
	sh := r.GetSafetyHazard()
	details, err := json.Marshal(map[string]any{"SafetyHazard": map[string]any{
		"HazardKind": int(sh.GetHazardKind()), "PlaceKind": int(sh.GetPlaceKind())}})
	if err != nil {
		return rawRow{}, err
	}
	l := r.GetLocation()
	payload, err := json.Marshal(map[string]any{"Submission": map[string]any{"Category": int(r.GetCategory()),
		"Severity": int(r.GetSeverity()), "Description": r.GetDescription(), "Location": map[string]any{
			"Lat": l.GetLatitude(), "Lng": l.GetLongitude(), "AccuracyMeters": l.GetAccuracyMeters(),
			"Address": l.GetAddress(), "System": 1}, "GridID": gridID, "RectifiedOnSpot": false,
		"Details": json.RawMessage(details)}})
	if err != nil {
		return rawRow{}, err
	}
	now := time.Now().UnixNano()
	observed := r.GetObservedAt().AsTime().UnixNano()
	id := strings.ToLower(r.GetId())
	return rawRow{
		report: []any{id, int(r.GetCategory()), int(r.GetSeverity()), r.GetDescription(), l.GetLatitude(), l.GetLongitude(),
			l.GetAccuracyMeters(), l.GetAddress(), gridID, nil, observed, "[]", 0, nil, string(details), 1, 1, reporter,
			now, nil, nil, nil, "", 0, nil, 0, 0, nil, nil, now, 0, 0.0, hash},
		event:  []any{id, id, 1, 1, 1, reporter, observed, now, 0, "", "null", 0, 1, 0, "", "", string(payload), "", hash, ""},
		change: []any{"report", id, gridID, now, id},
		ledger: []any{strings.ToLower(m.GetMutationId()), device, m.GetDeviceSeq(), reporter, "report:" + hash, 1, "",
			nil, id, nil, nil, now},
	}, nil
}

// insertRaw writes rows in one transaction.
func insertRaw(db *sql.DB, rows []rawRow, kind rawKind) (err error) {
	tx, err := db.Begin()
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	var stmts []string
	switch kind {
	case rawOneRow:
		stmts = []string{"INSERT INTO reports VALUES (" + marks(33) + ")"}
	case rawFourRows:
		stmts = []string{"INSERT INTO reports VALUES (" + marks(33) + ")", "INSERT INTO events VALUES (" + marks(20) + ")",
			"INSERT INTO changes (entity_type, entity_id, grid_id, changed_at, event_id) VALUES (" + marks(5) + ")",
			"INSERT INTO mutations VALUES (" + marks(12) + ")"}
	case rawServerSchema:
		// The server's tables have more columns than the rows give (some
		// computed), so each is named; changed_at is the received time,
		// the report row's 19th value (?19).
		stmts = []string{"INSERT INTO reports (" + rawReportColumns + ", changed_at) VALUES (" + marks(33) + ", ?19)",
			"INSERT INTO events (" + rawEventColumns + ") VALUES (" + marks(20) + ")",
			"INSERT INTO changes (entity_type, entity_id, grid_id, changed_at, event_id) VALUES (" + marks(5) + ")",
			"INSERT INTO mutations (" + rawLedgerColumns + ") VALUES (" + marks(12) + ")"}
	}
	prepared := make([]*sql.Stmt, len(stmts))
	for i, s := range stmts {
		if prepared[i], err = tx.Prepare(s); err != nil {
			return err
		}
		defer prepared[i].Close()
	}
	for _, r := range rows {
		for i, args := range [][]any{r.report, r.event, r.change, r.ledger}[:len(prepared)] {
			if _, err := prepared[i].Exec(args...); err != nil {
				return err
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return errors.Join(errors.New("commit"), err)
	}
	return nil
}

// marks returns n SQL placeholders.
func marks(n int) string { return strings.TrimSuffix(strings.Repeat("?, ", n), ", ") }
