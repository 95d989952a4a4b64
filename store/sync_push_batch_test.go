package store

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/gridinspect/gridinspect"
)

// On PostgreSQL every statement of the writer is a round trip, so what a
// write costs is counted in statements (WriterStats.Statements).

// A push of many new reports costs the three rows each report is (report,
// submission event, change) and a few statements for the whole batch: the
// ledger and the reports are looked for once for the batch, and the
// ledger rows written many a statement.
func TestPush_ABatchOfNewReportsCostsItsRowsAndAFewStatementsMore(t *testing.T) {
	db, _ := loopStreet(t)
	phone := as(onDevice(worker(gridA), phone1))
	const n = 200
	ms := make([]*gridinspect.Mutation, n)
	for i := range ms {
		ms[i] = reportMutation(int64(i+1), newReport(inA))
	}
	before := db.WriterStats().Statements
	results, highest := mustPush(t, db, phone, ms...)
	for _, res := range results {
		wantOutcome(t, res, gridinspect.OutcomeApplied)
	}
	if highest != n {
		t.Errorf("highest device_seq = %d, want %d", highest, n)
	}
	statements := db.WriterStats().Statements - before
	t.Logf("a push of %d new reports: %d statements in the writer", n, statements)
	if limit := uint64(3*n + 20); statements > limit {
		t.Errorf("a push of %d new reports ran %d statements in the writer, want at most %d (3 a report and a few for the batch)",
			n, statements, limit)
	}
	if got := count(t, db, "mutations"); got != n {
		t.Errorf("%d ledger rows, want %d", got, n)
	}
	if got := count(t, db, "reports"); got != n {
		t.Errorf("%d reports, want %d", got, n)
	}
}

// Concurrent SubmitReports served in one group look for their ids in one
// query, not one each.
func TestSubmitReport_AGroupOfNewReportsCostsItsRowsAndAFewStatementsMore(t *testing.T) {
	db := MustOpenDB(t)
	mustStreet(t, db)
	const n = 40
	release := holdWriter(t, db.DB)
	before := db.WriterStats().Statements
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Go(func() {
			_, _, err := db.SubmitReport(as(worker(gridA)), newReport(inA))
			errs <- err
		})
	}
	waitQueued(t, db.DB, n)
	release()
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	statements := db.WriterStats().Statements - before
	t.Logf("%d SubmitReports in one group: %d statements in the writer", n, statements)
	if limit := uint64(3*n + 10); statements > limit {
		t.Errorf("%d SubmitReports in one group ran %d statements in the writer, want at most %d (3 a report and a few for the group)",
			n, statements, limit)
	}
	if got := count(t, db, "reports"); got != n {
		t.Errorf("%d reports stored, want %d", got, n)
	}
}

// What is looked for once for a batch or a group must still be found when
// the batch or group itself stores it first: the same mutation twice in a
// batch, the same report under two mutation ids, the same report sent
// twice at once.
func TestPush_WhatABatchStoresIsFoundByItsLaterMutations(t *testing.T) {
	db, _ := loopStreet(t)
	phone := as(onDevice(worker(gridA), phone1))
	first := reportMutation(1, newReport(inA))
	again := *first
	again.DeviceSeq = 3
	sameReport := reportMutation(4, first.Report)
	var ms []*gridinspect.Mutation
	for i := range 10 {
		ms = append(ms, reportMutation(int64(10+i), newReport(inA)))
	}
	ms = append(ms, first, reportMutation(2, newReport(inA)), &again, sameReport)
	results, _ := mustPush(t, db, phone, ms...)
	want := map[string]gridinspect.MutationOutcome{}
	for _, m := range ms {
		want[m.ID] = gridinspect.OutcomeApplied
	}
	bySeq := map[int64]*gridinspect.MutationResult{}
	for _, res := range results {
		bySeq[res.DeviceSeq] = res
	}
	tests := []struct {
		name string
		seq  int64
		want gridinspect.MutationOutcome
	}{
		{"a mutation", 1, gridinspect.OutcomeApplied},
		{"the same mutation again in the batch", 3, gridinspect.OutcomeDuplicate},
		{"its report under another mutation id", 4, gridinspect.OutcomeDuplicate},
		{"another mutation", 2, gridinspect.OutcomeApplied},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := bySeq[tt.seq]
			wantOutcome(t, res, tt.want)
			if tt.seq != 2 && (res.Report == nil || !strings.EqualFold(res.Report.ID, first.Report.ID)) {
				t.Errorf("report %+v, want %s", res.Report, first.Report.ID)
			}
		})
	}
	// Ten, the first, the other, the report under a second id; the same
	// mutation again is one row.
	if got := count(t, db, "mutations"); got != 13 {
		t.Errorf("%d ledger rows, want 13", got)
	}
	if got := count(t, db, "reports"); got != 12 {
		t.Errorf("%d reports, want 12", got)
	}
	if got := count(t, db, "events"); got != 12 {
		t.Errorf("%d events, want 12", got)
	}
}

func TestSubmitReport_TheSameReportTwiceInOneGroupIsStoredOnce(t *testing.T) {
	db := MustOpenDB(t)
	mustStreet(t, db)
	r := newReport(inA)
	release := holdWriter(t, db.DB)
	const n = 4
	var wg sync.WaitGroup
	dups := make(chan bool, n)
	for i := range n {
		wg.Go(func() {
			in := *r
			if i%2 == 1 {
				in.ID = strings.ToUpper(r.ID)
			}
			_, dup, err := db.SubmitReport(as(worker(gridA)), &in)
			if err != nil {
				t.Error(err)
			}
			dups <- dup
		})
	}
	// And others, so that the group looks for its ids together.
	for range 3 {
		wg.Go(func() {
			if _, _, err := db.SubmitReport(as(worker(gridA)), newReport(inA)); err != nil {
				t.Error(err)
			}
		})
	}
	waitQueued(t, db.DB, n+3)
	release()
	wg.Wait()
	close(dups)
	stored := 0
	for dup := range dups {
		if !dup {
			stored++
		}
	}
	if stored != 1 {
		t.Errorf("%d of %d SubmitReports of one report stored it, want 1 (the others duplicates)", stored, n)
	}
	if got := count(t, db, "reports"); got != 4 {
		t.Errorf("%d reports stored, want 4", got)
	}
	if got := count(t, db, "events"); got != 4 {
		t.Errorf("%d events stored, want 4", got)
	}
	_ = context.Background
}

// On PostgreSQL a SubmitReport looks for a retry of itself with one
// statement on the read pool, not in a read transaction (BEGIN, the
// look, ROLLBACK: three round trips for one).
func TestSubmitReport_LooksForARetryWithoutAReadTransactionOnPostgreSQL(t *testing.T) {
	onlyOn(t, "postgres")
	db := MustOpenDB(t)
	mustStreet(t, db)
	r := newReport(inA)
	before := readTransactions.Load()
	if _, dup, err := db.SubmitReport(as(worker(gridA)), r); err != nil || dup {
		t.Fatalf("submit: dup %v, %v", dup, err)
	}
	if _, dup, err := db.SubmitReport(as(worker(gridA)), r); err != nil || !dup {
		t.Fatalf("submit again: dup %v, %v; want a duplicate", dup, err)
	}
	if n := readTransactions.Load() - before; n != 0 {
		t.Errorf("two SubmitReports began %d read transactions, want 0", n)
	}
}

// On PostgreSQL the inserts of a push run whole, and of a group of
// SubmitReports, are sent pipelined, many in one round trip, not one
// round trip each.
func TestWrite_NewReportsAreSentManyARoundTripOnPostgreSQL(t *testing.T) {
	onlyOn(t, "postgres")
	t.Run("a push of 200", func(t *testing.T) {
		db, _ := loopStreet(t)
		phone := as(onDevice(worker(gridA), phone1))
		ms := make([]*gridinspect.Mutation, 200)
		for i := range ms {
			ms[i] = reportMutation(int64(i+1), newReport(inA))
		}
		before := db.wconn.roundTrips.Load()
		results, _ := mustPush(t, db, phone, ms...)
		for _, res := range results {
			wantOutcome(t, res, gridinspect.OutcomeApplied)
		}
		trips := db.wconn.roundTrips.Load() - before
		t.Logf("a push of %d new reports: %d round trips in the writer", len(ms), trips)
		if trips > 20 {
			t.Errorf("a push of %d new reports took %d round trips in the writer, want at most 20", len(ms), trips)
		}
	})
	t.Run("a group of 40 SubmitReports", func(t *testing.T) {
		db := MustOpenDB(t)
		mustStreet(t, db)
		const n = 40
		release := holdWriter(t, db.DB)
		before := db.wconn.roundTrips.Load()
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() {
				if _, _, err := db.SubmitReport(as(worker(gridA)), newReport(inA)); err != nil {
					t.Error(err)
				}
			})
		}
		waitQueued(t, db.DB, n)
		release()
		wg.Wait()
		trips := db.wconn.roundTrips.Load() - before
		t.Logf("%d SubmitReports in one group: %d round trips in the writer", n, trips)
		if trips > 12 {
			t.Errorf("%d SubmitReports in one group took %d round trips in the writer, want at most 12", n, trips)
		}
		if got := count(t, db, "reports"); got != n {
			t.Errorf("%d reports stored, want %d", got, n)
		}
	})
}

// An insert sent with others that fails (a new report whose id an action
// on another case has taken: the events table refuses its submission
// event) fails its own write alone, with its own answer, in a group of
// SubmitReports and in a push run whole alike.
func TestWrite_AnInsertSentWithOthersThatFailsFailsItsOwnWriteAlone(t *testing.T) {
	db, _ := loopStreet(t)
	rep := mustCaseIn(t, db, gridinspect.StatusReported)
	taken := comment(rep.ID)
	if _, _, err := db.Act(as(supervisor()), taken, gridinspect.Online); err != nil {
		t.Fatal(err)
	}
	t.Run("a group of SubmitReports", func(t *testing.T) {
		before := count(t, db, "reports")
		release := holdWriter(t, db.DB)
		const n = 10
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() {
				r := newReport(inA)
				if i == n/2 {
					r.ID = taken.ID
				}
				_, _, errs[i] = db.SubmitReport(as(worker(gridA)), r)
			})
		}
		waitQueued(t, db.DB, n)
		release()
		wg.Wait()
		for i, err := range errs {
			if i == n/2 {
				wantCode(t, err, gridinspect.EEXISTS)
			} else if err != nil {
				t.Errorf("submit %d: %v", i, err)
			}
		}
		if got := count(t, db, "reports") - before; got != n-1 {
			t.Errorf("%d reports stored, want %d", got, n-1)
		}
	})
	t.Run("a push", func(t *testing.T) {
		before := count(t, db, "reports")
		phone := as(onDevice(worker(gridA), phone1))
		var ms []*gridinspect.Mutation
		for i := range 10 {
			r := newReport(inA)
			if i == 5 {
				r.ID = taken.ID
			}
			ms = append(ms, reportMutation(int64(i+1), r))
		}
		results, _ := mustPush(t, db, phone, ms...)
		for i, res := range results {
			if i == 5 {
				wantOutcome(t, res, gridinspect.OutcomeRejected)
				continue
			}
			wantOutcome(t, res, gridinspect.OutcomeApplied)
		}
		if got := count(t, db, "reports") - before; got != 9 {
			t.Errorf("%d reports stored, want 9", got)
		}
	})
}
