package store

import (
	"database/sql"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/gridinspect/gridinspect"
)

// Where a sync Push's time goes. cmd/gridbench measures Push over gRPC
// against raw batched inserts of one row per mutation; these benchmarks
// take the store's part apart, one batch of 500 submit_report mutations
// per iteration:
//
//   - Push: db.Push, the whole path (validation, ledger, placement,
//     existence checks, report + event + change + ledger rows, a savepoint
//     per mutation inside the group's savepoint, one commit), for reports
//     all observed at the same time and for reports observed over ten
//     minutes, as a phone's backlog is;
//
//   - rows: the same four rows per mutation (reports all observed at the
//     same time) written straight into the real schema (every index), one
//     transaction, no savepoints, no reads;
//
//   - rows+savepoints: the same, with the two savepoints Push opens per
//     mutation (the group's "write" and the mutation's own).
//
//     go test -run '^$' -bench Push ./store/
const pushBenchBatch = 500

func BenchmarkPush(b *testing.B) {
	// A phone's backlog was observed over some time, and the indexes
	// that lead with the time (or with grid, status and category, then the
	// time) take each report where its time falls: the spread decides how
	// many distinct index pages a batch touches.
	for _, spread := range []time.Duration{0, 10 * time.Minute} {
		b.Run(fmt.Sprintf("observed-over=%v", spread), func(b *testing.B) {
			db := MustOpenDB(b)
			mustStreet(b, db)
			ctx := as(onDevice(worker(gridA), phone1))
			rng := rand.New(rand.NewPCG(1, 2))
			seq := int64(0)
			batch := func() []*gridinspect.Mutation {
				ms := make([]*gridinspect.Mutation, pushBenchBatch)
				for i := range ms {
					seq++
					r := newReport(inA)
					if spread > 0 {
						r.ObservedAt = r.ObservedAt.Add(-time.Duration(rng.Int64N(int64(spread))))
					}
					ms[i] = reportMutation(seq, r)
				}
				return ms
			}
			var elapsed time.Duration
			for b.Loop() {
				b.StopTimer()
				ms := batch()
				b.StartTimer()
				t0 := time.Now()
				results, _, err := db.Push(ctx, phone1, ms)
				elapsed += time.Since(t0)
				if err != nil {
					b.Fatal(err)
				}
				if last := results[len(results)-1]; last.Outcome != gridinspect.OutcomeApplied {
					b.Fatalf("outcome %v: %s", last.Outcome, last.Reason)
				}
			}
			b.ReportMetric(float64(b.N*pushBenchBatch)/elapsed.Seconds(), "mutations/s")
		})
	}
}

func BenchmarkPushRows(b *testing.B) {
	for _, v := range []struct {
		name       string
		savepoints bool
	}{{"rows", false}, {"rows+savepoints", true}} {
		b.Run(v.name, func(b *testing.B) {
			db := MustOpenDB(b)
			mustStreet(b, db)
			// A connection of its own, with the writer's settings: the
			// writer holds its connection, and is idle meanwhile.
			raw, err := sql.Open("sqlite3", db.dsn(true))
			if err != nil {
				b.Fatal(err)
			}
			defer raw.Close()
			seq := 0
			var elapsed time.Duration
			for b.Loop() {
				b.StopTimer()
				reports := make([]*gridinspect.Report, pushBenchBatch)
				for i := range reports {
					reports[i] = newReport(inA)
				}
				b.StartTimer()
				t0 := time.Now()
				if err := writeRows(raw, reports, &seq, v.savepoints); err != nil {
					b.Fatal(err)
				}
				elapsed += time.Since(t0)
			}
			b.ReportMetric(float64(b.N*pushBenchBatch)/elapsed.Seconds(), "mutations/s")
		})
	}
}

// writeRows writes, for each report, the rows Push writes for it (the
// report, its submission event, a change row and a ledger row) in one
// transaction on conn, under two savepoints each if asked.
func writeRows(conn *sql.DB, reports []*gridinspect.Report, seq *int, savepoints bool) error {
	tx, err := conn.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // after Commit, a no-op
	now := time.Now().UnixNano()
	const hash = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	details := `{"SafetyHazard":{"HazardKind":1,"PlaceKind":2}}`
	for i, r := range reports {
		*seq++
		if savepoints {
			if _, err := tx.Exec("SAVEPOINT write"); err != nil {
				return err
			}
			if _, err := tx.Exec(fmt.Sprintf("SAVEPOINT m%d", i)); err != nil {
				return err
			}
		}
		payload, err := jsonText(gridinspect.EventData{Submission: &gridinspect.Submission{Category: r.Category,
			Severity: r.Severity, Description: r.Description, Location: r.Location, GridID: gridA, Details: r.Details}})
		if err != nil {
			return err
		}
		for _, s := range []struct {
			sql  string
			args []any
		}{
			{"INSERT INTO reports (" + reportStoredColumns + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,
				?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, []any{r.ID, r.Category, r.Severity, r.Description,
				r.Location.Lat, r.Location.Lng, r.Location.AccuracyMeters, r.Location.Address, gridA, nil,
				r.ObservedAt.UnixNano(), "[]", 0, nil, details, gridinspect.StatusReported, 1, workerID, now, nil, nil,
				nil, "", 0, nil, 0, 0, nil, nil, now, 0, 0.0, hash}},
			{"INSERT INTO events (" + eventColumns + `, content_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,
				?, ?, ?, ?, ?, ?)`, []any{r.ID, r.ID, 1, 1, gridinspect.EventReportSubmitted, workerID,
				r.ObservedAt.UnixNano(), now, 0, "", "null", 0, gridinspect.StatusReported, 0, "", "", payload, "", hash, ""}},
			{"INSERT INTO changes (entity_type, entity_id, grid_id, changed_at, event_id) VALUES ('report', ?, ?, ?, ?)",
				[]any{r.ID, gridA, now, r.ID}},
			{`INSERT INTO mutations (mutation_id, device_id, device_seq, user_id, content_hash, outcome, reason,
				fields, report_id, event_id, patrol_id, received_at) VALUES (?, ?, ?, ?, ?, 1, '', NULL, ?, NULL, NULL, ?)`,
				[]any{newID(), phone1, *seq, workerID, "report:" + hash, r.ID, now}},
		} {
			if _, err := tx.Exec(s.sql, s.args...); err != nil {
				return err
			}
		}
		if savepoints {
			if _, err := tx.Exec(fmt.Sprintf("RELEASE m%d", i)); err != nil {
				return err
			}
			if _, err := tx.Exec("RELEASE write"); err != nil {
				return err
			}
		}
	}
	return tx.Commit()
}
