package store

import (
	"testing"
	"time"
	"unicode"

	"github.com/gridinspect/gridinspect"
)

// hasHan reports whether s has a Chinese character: text a person in the
// street office can read.
func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

func TestPush_ARefusedMutationSaysWhyInChineseAndSaysItAgainOnReplay(t *testing.T) {
	db, _ := loopStreet(t)
	phone := as(onDevice(worker(gridA), phone1))
	reported := mustCaseIn(t, db, gridinspect.StatusReported)
	closed := mustCaseIn(t, db, gridinspect.StatusClosed)
	rectifying := mustCaseIn(t, db, gridinspect.StatusRectifying) // version 3

	noDescription := newReport(inA)
	noDescription.Description = ""
	onClosed := progress(closed.ID)
	onClosed.OccurredAt = t0.Add(-30 * time.Minute)
	stale := progress(rectifying.ID)
	stale.ExpectedVersion = 2

	tests := []struct {
		name       string
		m          *gridinspect.Mutation
		want       gridinspect.MutationOutcome
		field      string // a field violation that must read in Chinese
		quarantine bool
	}{
		{"a report without a description", reportMutation(1, noDescription), gridinspect.OutcomeRejected, "report.description", true},
		{"a worker assigning", actionMutation(2, assign(reported.ID, "")), gridinspect.OutcomeRejected, "", true},
		{"progress on a case closed meanwhile", actionMutation(3, onClosed), gridinspect.OutcomeConflict, "", false},
		{"progress on a stale version", actionMutation(4, stale), gridinspect.OutcomeConflict, "", false},
	}
	ms := make([]*gridinspect.Mutation, len(tests))
	for i, tt := range tests {
		ms[i] = tt.m
	}
	first, _ := mustPush(t, db, phone, ms...)
	again, _ := mustPush(t, db, phone, ms...) // answered from the ledger
	quarantined := map[string]*gridinspect.Quarantined{}
	list, _, err := db.ListQuarantine(as(admin()), "", 0, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range list {
		quarantined[q.MutationID] = q
	}

	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := first[i]
			wantOutcome(t, res, tt.want)
			if !hasHan(res.ReasonChinese) {
				t.Errorf("reason in Chinese = %q (English %q), want Chinese", res.ReasonChinese, res.Reason)
			}
			if tt.field != "" {
				found := false
				for _, f := range res.Fields {
					if f.Field == tt.field {
						found = true
						if !hasHan(f.Chinese) {
							t.Errorf("%s in Chinese = %q (English %q), want Chinese", f.Field, f.Chinese, f.Description)
						}
					}
				}
				if !found {
					t.Errorf("fields = %+v, want %s", res.Fields, tt.field)
				}
			}
			if again[i].ReasonChinese != res.ReasonChinese {
				t.Errorf("replayed reason in Chinese = %q, first %q", again[i].ReasonChinese, res.ReasonChinese)
			}
			assertEqual(t, again[i].Fields, res.Fields)

			q := quarantined[tt.m.ID]
			switch {
			case !tt.quarantine && q != nil:
				t.Errorf("quarantined: %+v", q)
			case tt.quarantine && q == nil:
				t.Fatal("not quarantined")
			case tt.quarantine:
				if q.ReasonChinese != res.ReasonChinese {
					t.Errorf("quarantined reason in Chinese = %q, want %q", q.ReasonChinese, res.ReasonChinese)
				}
				assertEqual(t, q.Fields, res.Fields)
			}
		})
	}

	t.Run("a mutation id reused for other content", func(t *testing.T) {
		other := reportMutation(5, newReport(inA))
		other.ID = ms[0].ID
		res, _ := mustPush(t, db, phone, other)
		wantOutcome(t, res[0], gridinspect.OutcomeRejected)
		if !hasHan(res[0].ReasonChinese) || len(res[0].Fields) != 1 || !hasHan(res[0].Fields[0].Chinese) {
			t.Errorf("result %+v, want its reason and field in Chinese", res[0])
		}
	})
}
