package store

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/gridinspect/gridinspect"
)

// A device's sync state (its ledger, its highest applied device_seq, its
// pending retries) belongs to the user that wrote it: a device id is
// whatever the phone says at Login, so another account may claim it.

const worker2ID = "0195a0c0-0000-7000-8000-00000000a004"

// worker2 is a second worker of the street, who may log in on the same
// device id as worker.
func worker2(grids ...string) *gridinspect.Actor {
	return &gridinspect.Actor{UserID: worker2ID, Username: "worker02", Role: gridinspect.RoleWorker, GridIDs: grids}
}

// reportsAt returns mutations submitting a report in grid A at each seq.
func reportsAt(seqs ...int64) []*gridinspect.Mutation {
	var ms []*gridinspect.Mutation
	for _, seq := range seqs {
		ms = append(ms, reportMutation(seq, newReport(inA)))
	}
	return ms
}

// TestPush_AnotherUserOnTheSameDeviceCannotMoveItsHighestSeq plays issue
// 11's reproduction: worker02 logs in with worker01's device id and pushes
// device_seq 1,000,000,000; worker01's next answer must still be its own
// highest, or its phone deletes its unsent outbox.
func TestPush_AnotherUserOnTheSameDeviceCannotMoveItsHighestSeq(t *testing.T) {
	db, _ := loopStreet(t)
	worker01 := as(onDevice(worker(gridA), phone1))
	worker02 := as(onDevice(worker2(gridA), phone1))

	first := reportsAt(1, 2, 3)
	if _, highest := mustPush(t, db, worker01, first...); highest != 3 {
		t.Fatalf("worker01's highest device_seq = %d, want 3", highest)
	}
	res, highest := mustPush(t, db, worker02, reportsAt(1_000_000_000)...)
	wantOutcome(t, res[0], gridinspect.OutcomeApplied)
	if highest != 1_000_000_000 {
		t.Errorf("worker02's highest device_seq = %d, want its own 1000000000", highest)
	}
	// A rejected mutation is kept in the ledger too: it must not move
	// worker01's mark either.
	bad := reportMutation(2_000_000_000, newReport(inA))
	bad.Report.Description = ""
	res, _ = mustPush(t, db, worker02, bad)
	wantOutcome(t, res[0], gridinspect.OutcomeRejected)

	fourth := reportsAt(4)
	res, highest = mustPush(t, db, worker01, fourth...)
	wantOutcome(t, res[0], gridinspect.OutcomeApplied)
	if highest != 4 {
		t.Errorf("worker01's highest device_seq = %d after worker02 pushed on its device, want 4", highest)
	}
	// The whole outbox again (answered from the ledger, on the read
	// pool): every one a duplicate, the mark unchanged.
	all := append(first, fourth...)
	res, highest = mustPush(t, db, worker01, all...)
	for _, r := range res {
		wantOutcome(t, r, gridinspect.OutcomeDuplicate)
	}
	if highest != 4 {
		t.Errorf("worker01's highest device_seq = %d when its batch is answered from the ledger, want 4", highest)
	}
	for _, m := range all {
		rep := mustGetReport(t, db, m.Report.ID)
		if rep.ReporterID != workerID {
			t.Errorf("report %s: reporter %s, want worker01", rep.ID, rep.ReporterID)
		}
	}
}

// TestPush_ARetryPendingForOneUserHoldsBackOnlyThatUser: a mutation
// answered "retry" keeps its user's mark below it, and neither holds back
// nor can be cleared by another user on the same device.
func TestPush_ARetryPendingForOneUserHoldsBackOnlyThatUser(t *testing.T) {
	db, _ := loopStreet(t)
	worker01 := as(onDevice(worker(gridA), phone1))
	worker02 := as(onDevice(worker2(gridA), phone1))
	failing := newReport(inA)
	mustCreateFailingTrigger(t, db, failing.ID)
	ms := []*gridinspect.Mutation{reportMutation(1, newReport(inA)), reportMutation(2, failing)}
	res, highest := mustPush(t, db, worker01, ms...)
	wantOutcome(t, res[1], gridinspect.OutcomeUnspecified)
	if highest != 1 {
		t.Fatalf("worker01's highest device_seq = %d, want 1", highest)
	}

	if _, highest = mustPush(t, db, worker02, reportsAt(1, 2, 3)...); highest != 3 {
		t.Errorf("worker02's highest device_seq = %d, want 3: worker01's pending retry is not its", highest)
	}
	if _, highest = mustPush(t, db, worker01, reportsAt(3)...); highest != 1 {
		t.Errorf("worker01's highest device_seq = %d, want 1 while its mutation 2 waits", highest)
	}

	mustDropFailingTrigger(t, db)
	res, highest = mustPush(t, db, worker01, ms...)
	wantOutcome(t, res[1], gridinspect.OutcomeApplied)
	if highest != 3 {
		t.Errorf("worker01's highest device_seq = %d after the retry, want 3", highest)
	}
}

// TestPush_AMutationIDAnotherUserUsedIsAnsweredFromTheLedger: mutation ids
// stay unique across users and devices (exactly once per id): another
// user's push of a used id is answered from the ledger, and moves nobody's
// mark.
func TestPush_AMutationIDAnotherUserUsedIsAnsweredFromTheLedger(t *testing.T) {
	db, _ := loopStreet(t)
	worker01 := as(onDevice(worker(gridA), phone1))
	worker02 := as(onDevice(worker2(gridA), phone1))
	stored := reportMutation(1, newReport(inA))
	mustPush(t, db, worker01, stored)
	before := tableCounts(t, db)

	same := *stored
	same.DeviceSeq = 50
	other := reportMutation(60, newReport(inA))
	other.ID = stored.ID
	res, highest := mustPush(t, db, worker02, &same, other)
	wantOutcome(t, res[0], gridinspect.OutcomeDuplicate)
	wantOutcome(t, res[1], gridinspect.OutcomeRejected)
	if res[1].Reason != reasonReused {
		t.Errorf("reason %q, want %q", res[1].Reason, reasonReused)
	}
	if highest != 0 {
		t.Errorf("worker02's highest device_seq = %d, want 0: it stored nothing", highest)
	}
	assertEqual(t, tableCounts(t, db), before)
	if _, highest = mustPush(t, db, worker01); highest != 1 {
		t.Errorf("worker01's highest device_seq = %d, want 1", highest)
	}
}

// TestMigration0009_ADevicesStateGoesToTheUserThatWroteIt opens a database
// written before 0009 (device ids shared by users) and wants each user's
// ledger and pending retries kept as that user's.
func TestMigration0009_ADevicesStateGoesToTheUserThatWroteIt(t *testing.T) {
	onlyOn(t, "sqlite") // a SQLite migration
	path := filepath.Join(t.TempDir(), "gridinspect.db")
	old := mustOpenRawAtVersion(t, path, 8)
	const (
		solo   = "phone-solo"   // only worker01 logged in on it
		shared = "phone-shared" // both workers did
		gone   = "phone-gone"   // nobody did: no one could have pushed
	)
	stmts := []string{
		`INSERT INTO users (id, username, display_name, role, all_grids, disabled, password_hash, created_at, updated_at)
		 VALUES ('` + workerID + `', 'worker01', 'w1', 3, 0, 0, 'x', 0, 0), ('` + worker2ID + `', 'worker02', 'w2', 3, 0, 0, 'x', 0, 0)`,
		`INSERT INTO tokens (id, user_id, device_id, created_at, last_used_at, expires_at)
		 VALUES ('t1', '` + workerID + `', '` + solo + `', 0, 0, 0),
		        ('t2', '` + workerID + `', '` + shared + `', 0, 0, 0),
		        ('t3', '` + worker2ID + `', '` + shared + `', 0, 0, 0),
		        ('t4', '` + workerID + `', '` + shared + `', 1, 1, 1)`,
		// The ledger already names who pushed each mutation.
		`INSERT INTO mutations (mutation_id, device_id, device_seq, user_id, content_hash, outcome, reason, received_at)
		 VALUES ('m1', '` + shared + `', 3, '` + workerID + `', 'h', 1, '', 0),
		        ('m2', '` + shared + `', 1000000000, '` + worker2ID + `', 'h', 1, '', 0),
		        ('m3', '` + solo + `', 7, '` + workerID + `', 'h', 1, '', 0)`,
		`INSERT INTO push_retries (device_id, mutation_id, device_seq)
		 VALUES ('` + solo + `', 'r1', 5), ('` + shared + `', 'r2', 2), ('` + gone + `', 'r3', 1)`,
	}
	for _, s := range stmts {
		if _, err := old.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}

	db := mustOpenAt(t, path, &testClock{now: t0})
	var retries []string
	err := db.Read(context.Background(), func(tx *sql.Tx) error {
		rows, err := tx.Query("SELECT user_id, device_id, mutation_id, device_seq FROM push_retries ORDER BY mutation_id, user_id")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var user, device, mid string
			var seq int64
			if err := rows.Scan(&user, &device, &mid, &seq); err != nil {
				return err
			}
			retries = append(retries, fmt.Sprintf("%s %s %s %d", user, device, mid, seq))
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	// A retry of a shared device goes to each user who could have pushed
	// it, so that no phone is told it may delete it.
	assertEqual(t, retries, []string{
		workerID + " " + solo + " r1 5",
		workerID + " " + shared + " r2 2",
		worker2ID + " " + shared + " r2 2",
	})

	tests := []struct {
		name   string
		a      *gridinspect.Actor
		device string
		want   int64
	}{
		{"worker01 on the shared phone: its own ledger, below its retry", worker(gridA), shared, 1},
		{"worker02 on the shared phone: held below the retry it may have sent", worker2(gridA), shared, 1},
		{"worker01 on its own phone: below its retry", worker(gridA), solo, 4},
		{"worker02 on worker01's phone: nothing of its own", worker2(gridA), solo, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, highest := mustPush(t, db, as(onDevice(tt.a, tt.device)))
			if highest != tt.want {
				t.Errorf("highest device_seq = %d, want %d", highest, tt.want)
			}
		})
	}
}

// mustOpenRawAtVersion makes a database at path with the migrations up to
// version only, as a program of that time left it, and returns a plain
// connection to it.
func mustOpenRawAtVersion(tb testing.TB, path string, version int) *sql.DB {
	tb.Helper()
	ms, err := loadMigrations()
	if err != nil {
		tb.Fatal(err)
	}
	conn, err := sql.Open("sqlite3", "file:"+path+"?_foreign_keys=on")
	if err != nil {
		tb.Fatal(err)
	}
	conn.SetMaxOpenConns(1)
	tb.Cleanup(func() { conn.Close() })
	if _, err := conn.Exec(`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL,
		applied_at INTEGER NOT NULL) STRICT`); err != nil {
		tb.Fatal(err)
	}
	for _, m := range ms {
		if m.version > version {
			break
		}
		if _, err := conn.Exec(m.sql); err != nil {
			tb.Fatalf("migration %s: %v", m.name, err)
		}
		if _, err := conn.Exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, 0)", m.version, m.name); err != nil {
			tb.Fatal(err)
		}
	}
	return conn
}
