package store

import (
	"context"
	"database/sql"
	"os"
	"strings"
	"testing"

	"github.com/gridinspect/gridinspect"
)

func TestListQuarantine_OnlyAdminsAndSupervisorsOfTheWholeStreet(t *testing.T) {
	db, _ := loopStreet(t)
	for _, tt := range []struct {
		name string
		ctx  context.Context
		code string
	}{
		{"an admin", as(admin()), ""},
		{"a supervisor of the whole street", as(supervisor()), ""},
		{"a supervisor of some grids", as(supervisor(gridA, gridB)), gridinspect.EFORBIDDEN},
		{"a worker", as(worker(gridA)), gridinspect.EFORBIDDEN},
		{"nobody", context.Background(), gridinspect.EUNAUTHENTICATED},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := db.ListQuarantine(tt.ctx, "", 0, "")
			if tt.code == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantCode(t, err, tt.code)
		})
	}
}

func TestListQuarantine_NewestFirstAsPushedPageByPage(t *testing.T) {
	db, _ := loopStreet(t)
	rep := mustCaseIn(t, db, gridinspect.StatusReported)
	phones := map[string]context.Context{
		phone1: as(onDevice(worker(gridA), phone1)),
		phone2: as(onDevice(worker(gridA), phone2)),
	}
	// Rejected mutations, pushed a minute apart, with raw bytes that are
	// not text.
	type pushed struct {
		device string
		m      *gridinspect.Mutation
	}
	var all []pushed
	for i := range 5 {
		device := phone1
		if i%2 == 1 {
			device = phone2
		}
		m := actionMutation(int64(i+1), assign(rep.ID, "")) // a worker may not assign
		m.Raw = []byte{0x0a, 0xff, 0x00, byte(i), 0xfe}
		results, _ := mustPush(t, db, phones[device], m)
		wantOutcome(t, results[0], gridinspect.OutcomeRejected)
		all = append(all, pushed{device, m})
		db.clock.Add(60e9)
	}
	// An invalid one, with its fields.
	bad := newReport(inA)
	bad.Description = ""
	invalid := reportMutation(9, bad)
	mustPush(t, db, phones[phone1], invalid)
	all = append(all, pushed{phone1, invalid})

	for _, tt := range []struct {
		name   string
		device string
	}{
		{"every device", ""},
		{"one device", phone1},
		{"a device with none", "phone-9"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var want []pushed
			for i := len(all) - 1; i >= 0; i-- {
				if tt.device == "" || all[i].device == tt.device {
					want = append(want, all[i])
				}
			}
			var got []*gridinspect.Quarantined
			token := ""
			for {
				page, next, err := db.ListQuarantine(as(supervisor()), tt.device, 2, token)
				if err != nil {
					t.Fatal(err)
				}
				if len(page) > 2 {
					t.Fatalf("a page of %d, want at most 2", len(page))
				}
				got = append(got, page...)
				if next == "" {
					break
				}
				token = next
			}
			if len(got) != len(want) {
				t.Fatalf("%d quarantined, want %d", len(got), len(want))
			}
			for i, q := range got {
				w := want[i]
				if q.MutationID != w.m.ID || q.DeviceID != w.device || q.DeviceSeq != w.m.DeviceSeq ||
					q.UserID != workerID || string(q.Raw) != string(w.m.Raw) || q.Reason == "" {
					t.Errorf("quarantined %d: %+v, want mutation %s of %s", i, q, w.m.ID, w.device)
				}
			}
		})
	}
	t.Run("the reason and fields are kept", func(t *testing.T) {
		page, _, err := db.ListQuarantine(as(admin()), phone1, 1, "")
		if err != nil {
			t.Fatal(err)
		}
		q := page[0]
		if q.MutationID != invalid.ID || q.Reason != "invalid report" || len(q.Fields) != 1 ||
			q.Fields[0].Field != "report.description" || !q.ReceivedAt.Equal(db.clock.Now()) {
			t.Errorf("%+v", q)
		}
	})
	t.Run("a token of another listing is refused", func(t *testing.T) {
		_, next, err := db.ListQuarantine(as(admin()), "", 1, "")
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = db.ListQuarantine(as(admin()), phone1, 1, next)
		wantField(t, err, "page_token")
	})
}

func TestChanges_EveryEventIsInTheChangeSequenceOnce(t *testing.T) {
	db, zhang := loopStreet(t)
	phone := as(onDevice(worker(gridA), phone1))
	rep := mustCaseIn(t, db, gridinspect.StatusReported)
	mustAct(t, db, as(supervisor()), assign(rep.ID, zhang.ID))
	mustAct(t, db, as(worker(gridA)), rectify(rep.ID, gridinspect.DispositionRectified, 0))
	stale := progress(rep.ID)
	stale.ExpectedVersion = 1
	if _, _, err := db.Act(as(worker(gridA)), stale, gridinspect.Online); gridinspect.ErrorCode(err) != gridinspect.ESTALE {
		t.Fatalf("err = %v, want a stale conflict", err)
	}
	mustAct(t, db, as(supervisor()), verifyPass(rep.ID))
	mustAct(t, db, as(supervisor()), followUp(rep.ID, true))
	fresh := newReport(inA)
	staleOffline := progress(rep.ID)
	staleOffline.ExpectedVersion = 2
	results, _ := mustPush(t, db, phone, reportMutation(1, fresh), actionMutation(2, comment(fresh.ID)),
		actionMutation(3, staleOffline))
	wantOutcome(t, results[2], gridinspect.OutcomeConflict)

	var unmatched, othersWithEvents int
	err := db.Read(context.Background(), func(tx *sql.Tx) error {
		if err := tx.QueryRow(`SELECT count(*) FROM events e
			WHERE (SELECT count(*) FROM changes c WHERE c.event_id = e.id AND c.entity_id = e.report_id) != 1`).Scan(&unmatched); err != nil {
			return err
		}
		return tx.QueryRow("SELECT count(*) FROM changes WHERE event_id IS NOT NULL AND entity_type <> 'report'").Scan(&othersWithEvents)
	})
	if err != nil {
		t.Fatal(err)
	}
	if unmatched != 0 {
		t.Errorf("%d events are not in the change sequence exactly once", unmatched)
	}
	if othersWithEvents != 0 {
		t.Errorf("%d changes of something else than a report name an event", othersWithEvents)
	}
}

// TestMigration0005_BackfillsTheEventOfEveryEarlierChange runs the
// migration's backfill over changes written before changes named their
// event, and wants what recording them live gives.
func TestMigration0005_BackfillsTheEventOfEveryEarlierChange(t *testing.T) {
	db, zhang := loopStreet(t)
	for range 3 {
		rep := mustCaseIn(t, db, gridinspect.StatusReported)
		mustAct(t, db, as(supervisor()), assign(rep.ID, zhang.ID))
		stale := comment(rep.ID)
		stale.ExpectedVersion = 1
		if _, _, err := db.Act(as(worker(gridA)), stale, gridinspect.Online); gridinspect.ErrorCode(err) != gridinspect.ESTALE {
			t.Fatalf("err = %v, want a stale conflict", err) // kept on the timeline
		}
		mustAct(t, db, as(worker(gridA)), progress(rep.ID))
	}
	mustSubmitPatrol(t, db, as(worker(gridA)), newPatrol())
	live := dump(t, db)

	b, err := os.ReadFile("migrations/0005_sync.sql")
	if err != nil {
		t.Fatal(err)
	}
	i := strings.Index(string(b), "WITH c AS (")
	if i < 0 {
		t.Fatal("no backfill in migrations/0005_sync.sql")
	}
	backfill := string(b[i:])
	err = db.Write(context.Background(), func(tx *Tx) error {
		if _, err := tx.Exec("UPDATE changes SET event_id = NULL"); err != nil {
			return err
		}
		_, err := tx.Exec(backfill)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := dump(t, db); got != live {
		t.Errorf("after the backfill:\n%s\nrecorded live:\n%s", got, live)
	}
}
