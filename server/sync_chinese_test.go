package server_test

import (
	"testing"
	"unicode"

	"github.com/gridinspect/gridinspect"
	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
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

// wantChineseViolations fails unless every violation has a Chinese
// description.
func wantChineseViolations(t *testing.T, fvs []*pb.FieldViolation) {
	t.Helper()
	for _, fv := range fvs {
		if !hasHan(fv.GetLocalizedDescription()) {
			t.Errorf("%s: localized_description = %q (description %q), want Chinese", fv.GetField(), fv.GetLocalizedDescription(), fv.GetDescription())
		}
	}
}

func TestAMutationRefusedOnPushSaysWhyInChineseAgainOnReplayAndInQuarantine(t *testing.T) {
	l := newLoop(t)
	p := l.phone("workera")
	closed := l.caseIn(gridinspect.StatusClosed)
	rectifying := l.caseIn(gridinspect.StatusRectifying)
	reported := l.mustSubmitAs("workera", l.hazard()).GetId()

	submit := func(r *pb.Report) func(m *pb.Mutation) {
		return func(m *pb.Mutation) {
			m.Kind = &pb.Mutation_SubmitReport{SubmitReport: &pb.SubmitReportRequest{Report: r}}
		}
	}
	noDescription, shortDescription := l.hazard(), l.hazard()
	noDescription.Description, shortDescription.Description = "", "脏"
	const (
		rejected = pb.MutationOutcome_MUTATION_OUTCOME_REJECTED
		conflict = pb.MutationOutcome_MUTATION_OUTCOME_CONFLICT
	)
	tests := []struct {
		name      string
		m         *pb.Mutation
		want      pb.MutationOutcome
		violation bool // names a field
	}{
		{"a field left empty", p.mutation(submit(noDescription)), rejected, true},
		{"a description of one character", p.mutation(submit(shortDescription)), rejected, true},
		{"a worker assigning", p.mutation(func(m *pb.Mutation) {
			m.Kind = &pb.Mutation_AssignReport{AssignReport: &pb.AssignReportRequest{ActionId: newID(), ReportId: reported, AssigneeId: l.ids["workera"]}}
		}), rejected, false},
		{"progress on a case closed meanwhile", p.mutation(func(m *pb.Mutation) {
			m.Kind = &pb.Mutation_RecordProgress{RecordProgress: &pb.RecordProgressRequest{ActionId: newID(), ReportId: closed}}
		}), conflict, false},
		{"progress on a case that moved on", p.mutation(func(m *pb.Mutation) {
			m.Kind = &pb.Mutation_RecordProgress{RecordProgress: &pb.RecordProgressRequest{ActionId: newID(), ReportId: rectifying, ExpectedVersion: 1}}
		}), conflict, false},
	}
	ms := make([]*pb.Mutation, len(tests))
	for i, tt := range tests {
		ms[i] = tt.m
	}
	first := p.push(ms...).GetResults()
	again := p.push(ms...).GetResults()
	q, err := p.sync.ListQuarantinedMutations(l.as("super"), &pb.ListQuarantinedMutationsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	quarantined := map[string]*pb.QuarantinedMutation{}
	for _, qm := range q.GetMutations() {
		quarantined[qm.GetMutation().GetMutationId()] = qm
	}

	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := first[i]
			if res.GetOutcome() != tt.want {
				t.Fatalf("outcome %v (%s), want %v", res.GetOutcome(), res.GetReason(), tt.want)
			}
			if !hasHan(res.GetLocalizedReason()) {
				t.Errorf("localized_reason = %q (reason %q), want Chinese", res.GetLocalizedReason(), res.GetReason())
			}
			if tt.violation && len(res.GetFieldViolations()) == 0 {
				t.Error("names no field")
			}
			wantChineseViolations(t, res.GetFieldViolations())
			if got := again[i].GetLocalizedReason(); got != res.GetLocalizedReason() {
				t.Errorf("pushed again: localized_reason = %q, first %q", got, res.GetLocalizedReason())
			}
			wantSameMessages(t, again[i].GetFieldViolations(), res.GetFieldViolations())

			qm := quarantined[tt.m.GetMutationId()]
			if tt.want != rejected {
				if reason := res.GetEvent().GetLocalizedConflictReason(); !hasHan(reason) {
					t.Errorf("conflict event: localized_conflict_reason = %q (%q), want Chinese", reason, res.GetEvent().GetConflictReason())
				}
				if qm != nil {
					t.Errorf("quarantined: %v", qm)
				}
				return
			}
			if qm == nil {
				t.Fatal("not quarantined")
			}
			if qm.GetLocalizedReason() != res.GetLocalizedReason() {
				t.Errorf("quarantined: localized_reason = %q, want %q", qm.GetLocalizedReason(), res.GetLocalizedReason())
			}
			wantSameMessages(t, qm.GetFieldViolations(), res.GetFieldViolations())
		})
	}

	t.Run("the conflict on the timeline", func(t *testing.T) {
		tl, err := l.rect.GetTimeline(l.as("super"), &pb.GetTimelineRequest{ReportId: closed})
		if err != nil {
			t.Fatal(err)
		}
		if n := chineseConflicts(t, tl.GetEvents()); n != 1 {
			t.Errorf("%d conflicts on the timeline, want 1", n)
		}
	})

	t.Run("the conflicts pulled", func(t *testing.T) {
		resp, err := p.sync.Pull(p.ctx, &pb.PullRequest{PageSize: 1000})
		if err != nil {
			t.Fatal(err)
		}
		var events []*pb.Event
		for _, c := range resp.GetChanges() {
			events = append(events, c.GetReport().GetEvents()...)
		}
		if n := chineseConflicts(t, events); n != 2 {
			t.Errorf("%d conflicts pulled, want 2", n)
		}
	})
}

// chineseConflicts returns how many of events are conflicts, and fails
// for each that does not say in Chinese why it did not apply.
func chineseConflicts(t *testing.T, events []*pb.Event) int {
	t.Helper()
	n := 0
	for _, e := range events {
		if !e.GetConflict() {
			continue
		}
		n++
		if !hasHan(e.GetLocalizedConflictReason()) {
			t.Errorf("localized_conflict_reason = %q (%q), want Chinese", e.GetLocalizedConflictReason(), e.GetConflictReason())
		}
	}
	return n
}

// wantSameMessages fails unless got says what want says, field by field.
func wantSameMessages(t *testing.T, got, want []*pb.FieldViolation) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d field violations, want %d", len(got), len(want))
	}
	for i := range got {
		if got[i].GetField() != want[i].GetField() || got[i].GetLocalizedDescription() != want[i].GetLocalizedDescription() {
			t.Errorf("violation %d: %v, want %v", i, got[i], want[i])
		}
	}
}
