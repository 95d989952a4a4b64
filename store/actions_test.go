package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gridinspect/gridinspect"
)

// The steps of a case as the RPCs send them, and helpers that take them.

func newAction(reportID string, typ gridinspect.EventType, data gridinspect.EventData) *gridinspect.Action {
	return &gridinspect.Action{ID: newID(), ReportID: reportID, Type: typ, Data: data}
}

func assign(reportID, assigneeID string) *gridinspect.Action {
	return newAction(reportID, gridinspect.EventReportAssigned, gridinspect.EventData{
		Assignment: &gridinspect.Assignment{AssigneeID: assigneeID, ResponsibleUnit: "鑫达建材厂"}})
}

func assignBy(reportID, assigneeID string, deadline time.Time) *gridinspect.Action {
	a := assign(reportID, assigneeID)
	a.Data.Assignment.Deadline = deadline
	return a
}

func reject(reportID, duplicateOf string) *gridinspect.Action {
	rj := &gridinspect.Rejection{Reason: gridinspect.RejectionInvalid}
	if duplicateOf != "" {
		rj = &gridinspect.Rejection{Reason: gridinspect.RejectionDuplicate, DuplicateOf: duplicateOf}
	}
	return newAction(reportID, gridinspect.EventReportRejected, gridinspect.EventData{Rejection: rj})
}

func progress(reportID string) *gridinspect.Action {
	a := newAction(reportID, gridinspect.EventProgressRecorded, gridinspect.EventData{})
	a.Note = "已拆除一半"
	a.PhotoIDs = []string{newID()}
	return a
}

func notice(reportID string, kind gridinspect.NoticeKind) *gridinspect.Action {
	n := &gridinspect.Notice{Kind: kind}
	if kind == gridinspect.NoticeEnforcement {
		n.Department = "区生态环境局"
	}
	return newAction(reportID, gridinspect.EventNoticeIssued, gridinspect.EventData{Notice: n})
}

func interview(reportID string) *gridinspect.Action {
	return newAction(reportID, gridinspect.EventInterviewRecorded, gridinspect.EventData{Interview: &gridinspect.Interview{
		Interviewee: "法人 张三", Place: "街道办 3 楼", Outcome: "承诺月底前整改"}})
}

func rectify(reportID string, d gridinspect.Disposition, area float64) *gridinspect.Action {
	a := newAction(reportID, gridinspect.EventRectificationSubmitted, gridinspect.EventData{
		Rectification: &gridinspect.Rectification{Disposition: d, DemolishedAreaSquareMeters: area}})
	a.PhotoIDs = []string{newID(), newID()}
	return a
}

func verifyPass(reportID string) *gridinspect.Action {
	return newAction(reportID, gridinspect.EventRectificationVerified, gridinspect.EventData{
		Verification: &gridinspect.Verification{Passed: true}})
}

func verifyFail(reportID string) *gridinspect.Action {
	return newAction(reportID, gridinspect.EventRectificationVerified, gridinspect.EventData{
		Verification: &gridinspect.Verification{Reason: "灭火器过期"}})
}

func followUp(reportID string, relapsed bool) *gridinspect.Action {
	return newAction(reportID, gridinspect.EventFollowUpRecorded, gridinspect.EventData{
		FollowUp: &gridinspect.FollowUp{Relapsed: relapsed}})
}

func comment(reportID string) *gridinspect.Action {
	a := newAction(reportID, gridinspect.EventCommentAdded, gridinspect.EventData{})
	a.Note = "请加快进度"
	return a
}

func extend(reportID string, deadline time.Time) *gridinspect.Action {
	return newAction(reportID, gridinspect.EventDeadlineExtended, gridinspect.EventData{
		Extension: &gridinspect.DeadlineExtension{New: deadline, Reason: "雨季施工困难"}})
}

// actionFor returns a valid action taking step on a safety hazard.
func actionFor(step gridinspect.Step, reportID string, now time.Time) *gridinspect.Action {
	switch step {
	case gridinspect.StepAssign:
		return assign(reportID, "")
	case gridinspect.StepReject:
		return reject(reportID, "")
	case gridinspect.StepRecordProgress:
		return progress(reportID)
	case gridinspect.StepIssueNotice:
		return notice(reportID, gridinspect.NoticeHazard)
	case gridinspect.StepRecordInterview:
		return interview(reportID)
	case gridinspect.StepSubmitRectification:
		return rectify(reportID, gridinspect.DispositionRectified, 0)
	case gridinspect.StepVerifyPass:
		return verifyPass(reportID)
	case gridinspect.StepVerifyFail:
		return verifyFail(reportID)
	case gridinspect.StepFollowUpFine:
		return followUp(reportID, false)
	case gridinspect.StepFollowUpRelapse:
		return followUp(reportID, true)
	case gridinspect.StepComment:
		return comment(reportID)
	case gridinspect.StepExtendDeadline:
		return extend(reportID, now.AddDate(1, 0, 0))
	case gridinspect.StepReassign:
		return reassign(reportID, "", "街道城建办")
	case gridinspect.StepUrge:
		return urge(reportID)
	}
	panic(fmt.Sprintf("no action for step %d", step))
}

// allSteps are the steps of the closed loop.
var allSteps = []gridinspect.Step{
	gridinspect.StepAssign, gridinspect.StepReject, gridinspect.StepRecordProgress, gridinspect.StepIssueNotice,
	gridinspect.StepRecordInterview, gridinspect.StepSubmitRectification, gridinspect.StepVerifyPass,
	gridinspect.StepVerifyFail, gridinspect.StepFollowUpFine, gridinspect.StepFollowUpRelapse,
	gridinspect.StepComment, gridinspect.StepExtendDeadline, gridinspect.StepReassign, gridinspect.StepUrge,
}

func reassign(reportID, assigneeID, unit string) *gridinspect.Action {
	return newAction(reportID, gridinspect.EventReportReassigned, gridinspect.EventData{
		Reassignment: &gridinspect.Reassignment{AssigneeID: assigneeID, ResponsibleUnit: unit, Reason: "属城建办职责"}})
}

func urge(reportID string) *gridinspect.Action {
	a := newAction(reportID, gridinspect.EventReportUrged, gridinspect.EventData{})
	a.Note = "请于期限前整改到位"
	return a
}

// mustAct takes an action online and checks that what it returns is what
// the database now holds: the case as GetReport reads it, the event as
// the last of an intact timeline.
func mustAct(tb testing.TB, db *testDB, ctx context.Context, a *gridinspect.Action) (*gridinspect.Report, *gridinspect.Event) {
	tb.Helper()
	rep, e, err := db.Act(ctx, a, gridinspect.Online)
	if err != nil {
		tb.Fatalf("%s: %v", a.Step(), err)
	}
	got, err := db.GetReport(as(admin()), a.ReportID)
	if err != nil {
		tb.Fatal(err)
	}
	assertEqual(tb, got, rep)
	events := mustTimeline(tb, db, a.ReportID)
	assertEqual(tb, events[len(events)-1], e)
	return rep, e
}

// mustTimeline returns a case's timeline, failing unless its chain is intact.
func mustTimeline(tb testing.TB, db *testDB, reportID string) []*gridinspect.Event {
	tb.Helper()
	events, intact, err := db.GetTimeline(as(admin()), reportID)
	if err != nil {
		tb.Fatal(err)
	}
	if !intact {
		tb.Fatalf("timeline of %s: chain broken", reportID)
	}
	return events
}

// wantStatus fails unless the case is in status at version.
func wantStatus(tb testing.TB, r *gridinspect.Report, status gridinspect.Status, version int64) {
	tb.Helper()
	if r.Status != status || r.Version != version {
		tb.Fatalf("status, version = %v, %d; want %v, %d", r.Status, r.Version, status, version)
	}
}

// dump returns every row of the tables an action writes, so that a test
// can show that a refused action wrote nothing.
func dump(tb testing.TB, db *testDB) string {
	tb.Helper()
	var b strings.Builder
	err := db.Read(context.Background(), func(tx *sql.Tx) error {
		for _, table := range []string{"reports", "events", "changes", "notice_numbers"} {
			rows, err := tx.Query("SELECT * FROM " + table + " ORDER BY 1, 2")
			if err != nil {
				return err
			}
			cols, err := rows.Columns()
			if err != nil {
				return err
			}
			for rows.Next() {
				vals := make([]any, len(cols))
				ptrs := make([]any, len(cols))
				for i := range vals {
					ptrs[i] = &vals[i]
				}
				if err := rows.Scan(ptrs...); err != nil {
					return err
				}
				fmt.Fprintf(&b, "%s %v\n", table, vals)
			}
			if err := rows.Err(); err != nil {
				return err
			}
			if err := rows.Close(); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return b.String()
}

// unchanged runs f and fails if it wrote anything, or committed.
func unchanged(tb testing.TB, db *testDB, f func()) {
	tb.Helper()
	before, commits := dump(tb, db), db.Commits()
	f()
	if after := dump(tb, db); after != before {
		tb.Fatalf("the database changed:\nbefore\n%s\nafter\n%s", before, after)
	}
	if db.Commits() != commits {
		tb.Fatalf("commits = %d, want %d", db.Commits(), commits)
	}
}

// loopStreet is a database with grids A and B and an assignee who works
// in grid A.
func loopStreet(tb testing.TB) (*testDB, *gridinspect.User) {
	tb.Helper()
	db := MustOpenDB(tb)
	mustStreet(tb, db)
	return db, mustCreateUser(tb, db, newUser("zhang.san", gridA))
}

// mustCaseIn returns a safety hazard in grid A brought to status.
func mustCaseIn(tb testing.TB, db *testDB, status gridinspect.Status) *gridinspect.Report {
	tb.Helper()
	r := newReport(inA)
	r.RectifiedOnSpot = status == gridinspect.StatusPendingVerification || status == gridinspect.StatusClosed
	rep := mustSubmit(tb, db, as(worker(gridA)), r)
	switch status {
	case gridinspect.StatusAssigned, gridinspect.StatusRectifying:
		rep, _ = mustAct(tb, db, as(supervisor()), assign(rep.ID, ""))
		if status == gridinspect.StatusRectifying {
			rep, _ = mustAct(tb, db, as(worker(gridA)), progress(rep.ID))
		}
	case gridinspect.StatusClosed:
		rep, _ = mustAct(tb, db, as(supervisor()), verifyPass(rep.ID))
	case gridinspect.StatusRejected:
		rep, _ = mustAct(tb, db, as(supervisor()), reject(rep.ID, ""))
	}
	if rep.Status != status {
		tb.Fatalf("case is %v, want %v", rep.Status, status)
	}
	return rep
}

func TestAct_AWholeLifePerCategory(t *testing.T) {
	for _, tt := range []struct {
		name            string
		category        gridinspect.Category
		severity        gridinspect.Severity
		first, second   gridinspect.Rectification // what the two fixes claim
		wantDisposition gridinspect.Disposition
		wantArea        float64
	}{
		{"a major safety hazard is rectified", gridinspect.CategorySafetyHazard, gridinspect.SeverityMajor,
			gridinspect.Rectification{}, gridinspect.Rectification{}, gridinspect.DispositionRectified, 0},
		{"a polluting enterprise is shut down", gridinspect.CategoryPollutingEnterprise, gridinspect.SeverityGeneral,
			gridinspect.Rectification{Disposition: gridinspect.DispositionUpgraded},
			gridinspect.Rectification{Disposition: gridinspect.DispositionShutDown}, gridinspect.DispositionShutDown, 0},
		{"a polluting enterprise is relocated", gridinspect.CategoryPollutingEnterprise, gridinspect.SeverityGeneral,
			gridinspect.Rectification{Disposition: gridinspect.DispositionRelocated},
			gridinspect.Rectification{Disposition: gridinspect.DispositionRelocated}, gridinspect.DispositionRelocated, 0},
		{"a polluting enterprise is upgraded", gridinspect.CategoryPollutingEnterprise, gridinspect.SeverityMajor,
			gridinspect.Rectification{Disposition: gridinspect.DispositionUpgraded},
			gridinspect.Rectification{Disposition: gridinspect.DispositionUpgraded}, gridinspect.DispositionUpgraded, 0},
		{"illegal construction is demolished, with its area", gridinspect.CategoryIllegalConstruction, gridinspect.SeverityGeneral,
			gridinspect.Rectification{Disposition: gridinspect.DispositionDemolished, DemolishedAreaSquareMeters: 80},
			gridinspect.Rectification{Disposition: gridinspect.DispositionDemolished, DemolishedAreaSquareMeters: 120.5},
			gridinspect.DispositionDemolished, 120.5},
		{"a water source risk is resolved", gridinspect.CategoryWaterSourceRisk, gridinspect.SeverityMajor,
			gridinspect.Rectification{}, gridinspect.Rectification{}, gridinspect.DispositionResolved, 0},
		{"a dangerous house is renovated", gridinspect.CategoryDangerousHouse, gridinspect.SeverityGeneral,
			gridinspect.Rectification{Disposition: gridinspect.DispositionResidentsRelocated},
			gridinspect.Rectification{Disposition: gridinspect.DispositionRenovated}, gridinspect.DispositionRenovated, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			db, zhang := loopStreet(t)
			var r *gridinspect.Report
			for _, c := range reportOfEveryCategory(t, db) {
				if c.Category == tt.category {
					r = c
				}
			}
			r.Severity = tt.severity
			sup, wk := as(supervisor()), as(worker(gridA))
			rep := mustSubmit(t, db, wk, r)
			wantStatus(t, rep, gridinspect.StatusReported, 1)

			id := rep.ID
			rect := func(c gridinspect.Rectification) *gridinspect.Action {
				return rectify(id, c.Disposition, c.DemolishedAreaSquareMeters)
			}
			steps := []struct {
				ctx    context.Context
				action *gridinspect.Action
				want   gridinspect.Status
			}{
				{sup, assign(id, zhang.ID), gridinspect.StatusAssigned},
				{sup, notice(id, gridinspect.NoticeRectificationOrder), gridinspect.StatusAssigned},
				{sup, interview(id), gridinspect.StatusAssigned},
				{wk, rect(tt.first), gridinspect.StatusPendingVerification},
				{sup, verifyFail(id), gridinspect.StatusRectifying},
				{wk, rect(tt.second), gridinspect.StatusPendingVerification},
				{sup, verifyPass(id), gridinspect.StatusClosed},
				{wk, followUp(id, true), gridinspect.StatusRectifying},
				{wk, rect(tt.second), gridinspect.StatusPendingVerification},
				{sup, verifyPass(id), gridinspect.StatusClosed},
				{sup, followUp(id, false), gridinspect.StatusClosed},
			}
			after := []*gridinspect.Report{rep}
			for i, s := range steps {
				db.clock.Add(36 * time.Hour)
				got, e := mustAct(t, db, s.ctx, s.action)
				wantStatus(t, got, s.want, int64(i+2))
				if e.Seq != got.Version || e.Version != got.Version || e.Conflict {
					t.Fatalf("step %d: event seq %d, version %d, conflict %v; want %d, %d, false",
						i+1, e.Seq, e.Version, e.Conflict, got.Version, got.Version)
				}
				if e.StatusBefore != after[i].Status || e.StatusAfter != s.want || !e.ReceivedAt.Equal(db.clock.Now()) {
					t.Fatalf("step %d: event %v → %v at %v", i+1, e.StatusBefore, e.StatusAfter, e.ReceivedAt)
				}
				after = append(after, got)
			}

			assigned := after[1]
			wantDeadline, _ := gridinspect.DefaultRules.DefaultDeadlineAt(tt.category, tt.severity, assigned.UpdatedAt)
			if assigned.AssigneeID != zhang.ID || assigned.ResponsibleUnit != "鑫达建材厂" ||
				!assigned.Deadline.Equal(wantDeadline) || !assigned.OriginalDeadline.Equal(wantDeadline) {
				t.Errorf("assigned: assignee %q, unit %q, deadline %v, original %v; want %s, 鑫达建材厂, %v",
					assigned.AssigneeID, assigned.ResponsibleUnit, assigned.Deadline, assigned.OriginalDeadline, zhang.ID, wantDeadline)
			}
			if claimed := after[4].ClaimedDisposition; claimed == gridinspect.DispositionUnspecified {
				t.Errorf("a rectification claims no disposition")
			}
			if claimed := after[5].ClaimedDisposition; claimed != gridinspect.DispositionUnspecified {
				t.Errorf("after a failed verification the claim %v is kept", claimed)
			}
			for _, i := range []int{7, 10} { // the two closures
				closed := after[i]
				followUpAfter := gridinspect.DefaultRules.FollowUpAfter(tt.category, tt.severity, tt.wantDisposition)
				var wantFollowUp time.Time
				if followUpAfter > 0 {
					wantFollowUp = closed.ClosedAt.Add(followUpAfter)
				}
				if closed.Disposition != tt.wantDisposition || closed.DemolishedAreaSquareMeters != tt.wantArea ||
					!closed.ClosedAt.Equal(closed.UpdatedAt) || !closed.FollowUpDue.Equal(wantFollowUp) {
					t.Errorf("closed (step %d): disposition %v, area %v, closed %v, follow-up %v; want %v, %v, %v, %v",
						i, closed.Disposition, closed.DemolishedAreaSquareMeters, closed.ClosedAt, closed.FollowUpDue,
						tt.wantDisposition, tt.wantArea, closed.UpdatedAt, wantFollowUp)
				}
			}
			relapsed := after[8]
			if relapsed.RelapseCount != 1 || relapsed.Disposition != 0 || !relapsed.ClosedAt.IsZero() || !relapsed.FollowUpDue.IsZero() {
				t.Errorf("relapsed: count %d, disposition %v, closed %v, follow-up %v; want 1 and none",
					relapsed.RelapseCount, relapsed.Disposition, relapsed.ClosedAt, relapsed.FollowUpDue)
			}
			final := after[len(after)-1]
			if final.RelapseCount != 1 || final.Disposition != tt.wantDisposition || !final.FollowUpDue.IsZero() {
				t.Errorf("final: relapses %d, disposition %v, follow-up %v; want 1, %v, none (done)",
					final.RelapseCount, final.Disposition, final.FollowUpDue, tt.wantDisposition)
			}

			events := mustTimeline(t, db, id)
			wantTypes := []gridinspect.EventType{gridinspect.EventReportSubmitted}
			for _, s := range steps {
				wantTypes = append(wantTypes, s.action.Type)
			}
			var types []gridinspect.EventType
			for i, e := range events {
				types = append(types, e.Type)
				if e.Seq != int64(i+1) || (i > 0 && e.ID != steps[i-1].action.ID) {
					t.Errorf("event %d: seq %d, id %s", i, e.Seq, e.ID)
				}
			}
			assertEqual(t, types, wantTypes)
			if n := events[2].Data.Notice; n == nil || n.Number != "〔2025〕1号" || n.Kind != gridinspect.NoticeRectificationOrder {
				t.Errorf("notice = %+v, want 〔2025〕1号, a rectification order", n)
			}
			if vf := events[5].Data.Verification; vf == nil || vf.Passed || vf.Reason != "灭火器过期" {
				t.Errorf("failed verification = %+v", vf)
			}
			if f := events[8].Data.FollowUp; f == nil || !f.Relapsed || f.RelapseCount != 1 {
				t.Errorf("relapse = %+v, want relapsed, count 1", f)
			}
		})
	}
}

func TestAct_RectifiedOnTheSpotClosesWithTheCategorysFirstDisposition(t *testing.T) {
	db, _ := loopStreet(t)
	want := map[gridinspect.Category]gridinspect.Disposition{
		gridinspect.CategorySafetyHazard:        gridinspect.DispositionRectified,
		gridinspect.CategoryPollutingEnterprise: gridinspect.DispositionShutDown,
		gridinspect.CategoryIllegalConstruction: gridinspect.DispositionDemolished,
		gridinspect.CategoryWaterSourceRisk:     gridinspect.DispositionResolved,
		gridinspect.CategoryDangerousHouse:      gridinspect.DispositionRenovated,
		gridinspect.CategoryOther:               gridinspect.DispositionResolved,
	}
	for _, r := range reportOfEveryCategory(t, db) {
		t.Run(r.Category.String(), func(t *testing.T) {
			r.RectifiedOnSpot = true
			rep := mustSubmit(t, db, as(worker(gridA)), r)
			wantStatus(t, rep, gridinspect.StatusPendingVerification, 1)
			closed, e := mustAct(t, db, as(supervisor()), verifyPass(rep.ID))
			wantStatus(t, closed, gridinspect.StatusClosed, 2)
			if closed.Disposition != want[r.Category] || e.Data.Verification.Disposition != want[r.Category] {
				t.Errorf("disposition = %v (event %v), want %v", closed.Disposition, e.Data.Verification.Disposition, want[r.Category])
			}
			if !closed.RectifiedOnSpot {
				t.Error("rectified_on_spot lost")
			}
		})
	}
}

func TestAct_RejectAsDuplicate(t *testing.T) {
	db, _ := loopStreet(t)
	first := mustSubmit(t, db, as(worker(gridA)), newReport(inA))
	inOtherGrid := mustSubmit(t, db, as(admin()), newReport(inB))

	t.Run("of a report that exists", func(t *testing.T) {
		second := mustSubmit(t, db, as(worker(gridA)), newReport(inA))
		rep, e := mustAct(t, db, as(supervisor(gridA)), reject(second.ID, strings.ToUpper(first.ID)))
		wantStatus(t, rep, gridinspect.StatusRejected, 2)
		assertEqual(t, e.Data.Rejection, &gridinspect.Rejection{Reason: gridinspect.RejectionDuplicate, DuplicateOf: first.ID})
	})
	for _, tt := range []struct {
		name, duplicateOf string
	}{
		{"of a report that does not exist", newID()},
		{"of a report the supervisor cannot see", inOtherGrid.ID},
	} {
		t.Run(tt.name, func(t *testing.T) {
			second := mustSubmit(t, db, as(worker(gridA)), newReport(inA))
			unchanged(t, db, func() {
				_, _, err := db.Act(as(supervisor(gridA)), reject(second.ID, tt.duplicateOf), gridinspect.Online)
				wantField(t, err, "duplicate_of_report_id")
			})
		})
	}
	t.Run("as invalid", func(t *testing.T) {
		r := mustSubmit(t, db, as(worker(gridA)), newReport(inA))
		rep, _ := mustAct(t, db, as(supervisor()), reject(r.ID, ""))
		wantStatus(t, rep, gridinspect.StatusRejected, 2)
	})
}

func TestAct_EveryRefusedTransitionIsEPreconditionAndWritesNothing(t *testing.T) {
	db, _ := loopStreet(t)
	statuses := []gridinspect.Status{gridinspect.StatusReported, gridinspect.StatusAssigned, gridinspect.StatusRectifying,
		gridinspect.StatusPendingVerification, gridinspect.StatusClosed, gridinspect.StatusRejected}
	refused := 0
	for _, status := range statuses {
		rep := mustCaseIn(t, db, status)
		for _, step := range allSteps {
			if _, err := gridinspect.Next(status, step); err == nil {
				continue
			}
			refused++
			t.Run(fmt.Sprintf("%s/%s", status, step), func(t *testing.T) {
				unchanged(t, db, func() {
					got, e, err := db.Act(as(admin()), actionFor(step, rep.ID, db.clock.Now()), gridinspect.Online)
					ge := wantCode(t, err, gridinspect.EPRECONDITION)
					if !strings.Contains(ge.Message, status.String()) {
						t.Errorf("message %q does not name the status %s", ge.Message, status)
					}
					if e != nil {
						t.Errorf("a refused action returned an event %+v", e)
					}
					assertEqual(t, got, rep) // where the case stands
				})
			})
		}
	}
	if refused < 30 {
		t.Fatalf("only %d refused pairs tried", refused)
	}
}

func TestAct_StaleVersionOnlineIsKeptAsAConflict(t *testing.T) {
	db, _ := loopStreet(t)
	assigned := mustCaseIn(t, db, gridinspect.StatusAssigned) // version 2
	changes := count(t, db, "changes")

	stale := progress(assigned.ID)
	stale.ExpectedVersion = 1
	db.clock.Add(time.Minute)
	got, e, err := db.Act(as(worker(gridA)), stale, gridinspect.Online)
	ge := wantCode(t, err, gridinspect.ESTALE)
	if !strings.Contains(ge.Message, "version 2") {
		t.Errorf("message %q does not give the current version 2", ge.Message)
	}
	assertEqual(t, got, assigned)
	now, err2 := db.GetReport(as(admin()), assigned.ID)
	if err2 != nil {
		t.Fatal(err2)
	}
	assertEqual(t, now, assigned)
	if !e.Conflict || e.ConflictCode != gridinspect.ESTALE || e.ConflictReason != ge.Message || e.Seq != 3 || e.Version != 2 ||
		e.StatusBefore != gridinspect.StatusAssigned || e.StatusAfter != gridinspect.StatusAssigned || e.ID != stale.ID {
		t.Fatalf("conflict event %+v", e)
	}
	events := mustTimeline(t, db, assigned.ID)
	assertEqual(t, events[len(events)-1], e)
	if n := count(t, db, "changes"); n != changes+1 {
		t.Errorf("changes = %d, want %d: sync must pull the conflict", n, changes+1)
	}

	t.Run("replaying it answers the same and appends nothing", func(t *testing.T) {
		unchanged(t, db, func() {
			got2, e2, err2 := db.Act(as(worker(gridA)), stale, gridinspect.Online)
			assertEqual(t, err2, err)
			assertEqual(t, e2, e)
			assertEqual(t, got2, assigned)
		})
	})
	t.Run("the next action applies: seq and version part", func(t *testing.T) {
		next := progress(assigned.ID)
		next.ExpectedVersion = 2
		rep, e := mustAct(t, db, as(worker(gridA)), next)
		wantStatus(t, rep, gridinspect.StatusRectifying, 3)
		if e.Seq != 4 || e.Version != 3 {
			t.Errorf("seq, version = %d, %d; want 4, 3", e.Seq, e.Version)
		}
	})
}

func TestAct_OfflineActionOnACaseClosedMeanwhileIsKeptAsAConflict(t *testing.T) {
	db, _ := loopStreet(t)
	closed := mustCaseIn(t, db, gridinspect.StatusClosed)

	a := progress(closed.ID)
	a.OccurredAt = t0.Add(-30 * time.Minute) // recorded on the phone before the case was closed
	got, e, err := db.Act(as(worker(gridA)), a, gridinspect.Offline)
	ge := wantCode(t, err, gridinspect.EPRECONDITION)
	if !strings.Contains(ge.Message, "CLOSED") {
		t.Errorf("message %q does not name CLOSED", ge.Message)
	}
	assertEqual(t, got, closed)
	if !e.Conflict || e.ConflictCode != gridinspect.EPRECONDITION || e.Version != closed.Version ||
		e.StatusAfter != gridinspect.StatusClosed || !e.OccurredAt.Equal(a.OccurredAt) ||
		e.Note != a.Note || len(e.PhotoIDs) != 1 {
		t.Fatalf("conflict event %+v", e)
	}
	events := mustTimeline(t, db, closed.ID)
	assertEqual(t, events[len(events)-1], e)

	t.Run("a role the actor lacks is refused and writes nothing, offline too", func(t *testing.T) {
		unchanged(t, db, func() {
			_, _, err := db.Act(as(worker(gridA)), verifyFail(closed.ID), gridinspect.Offline)
			wantCode(t, err, gridinspect.EFORBIDDEN)
		})
	})
}

func TestAct_ReplayReturnsTheFirstResult(t *testing.T) {
	db, zhang := loopStreet(t)
	rep := mustCaseIn(t, db, gridinspect.StatusReported)
	a := assign(rep.ID, zhang.ID)
	first, e1 := mustAct(t, db, as(supervisor()), a)

	t.Run("the same id and content", func(t *testing.T) {
		unchanged(t, db, func() {
			got, e, err := db.Act(as(supervisor()), a, gridinspect.Online)
			if err != nil {
				t.Fatal(err)
			}
			assertEqual(t, e, e1)
			assertEqual(t, got, first)
		})
	})
	t.Run("the same id in upper case", func(t *testing.T) {
		upper := *a
		upper.ID, upper.ReportID = strings.ToUpper(a.ID), strings.ToUpper(a.ReportID)
		upper.Data.Assignment = &gridinspect.Assignment{AssigneeID: strings.ToUpper(zhang.ID), ResponsibleUnit: "鑫达建材厂"}
		unchanged(t, db, func() {
			_, e, err := db.Act(as(supervisor()), &upper, gridinspect.Online)
			if err != nil {
				t.Fatal(err)
			}
			assertEqual(t, e, e1)
		})
	})
	t.Run("after the case moved on: the first event, the case as it is now", func(t *testing.T) {
		moved, _ := mustAct(t, db, as(worker(gridA)), progress(rep.ID))
		got, e, err := db.Act(as(supervisor()), a, gridinspect.Online)
		if err != nil {
			t.Fatal(err)
		}
		assertEqual(t, e, e1)
		assertEqual(t, got, moved)
	})
	t.Run("found again by the writer", func(t *testing.T) {
		// The read pool's answer is the fast path; the writer looks
		// again, for a replay that raced the first.
		var out *actOutcome
		err := db.Write(context.Background(), func(tx *Tx) (err error) {
			b := clientAction(a)
			canonicalAction(b)
			out, err = db.actTx(tx, supervisor(), b, b.ContentHash(), gridinspect.Online)
			return err
		})
		if err != nil || out.err != nil {
			t.Fatal(err, out.err)
		}
		assertEqual(t, out.event, e1)
		if n := len(mustTimeline(t, db, rep.ID)); n != 3 {
			t.Errorf("%d events, want 3", n)
		}
	})
	t.Run("the same id with other content is EEXISTS", func(t *testing.T) {
		other := *a
		other.Note = "改派"
		unchanged(t, db, func() {
			_, _, err := db.Act(as(supervisor()), &other, gridinspect.Online)
			ge := wantCode(t, err, gridinspect.EEXISTS)
			if want := "action " + a.ID + " already exists with different content"; ge.Message != want {
				t.Errorf("message %q, want %q", ge.Message, want)
			}
		})
	})
	t.Run("the same id on another report is EEXISTS", func(t *testing.T) {
		other := *a
		other.ReportID = mustCaseIn(t, db, gridinspect.StatusReported).ID
		unchanged(t, db, func() {
			_, _, err := db.Act(as(supervisor()), &other, gridinspect.Online)
			wantCode(t, err, gridinspect.EEXISTS)
		})
	})
	t.Run("a report's id is not an action's", func(t *testing.T) {
		other := comment(rep.ID)
		other.ID = rep.ID
		_, _, err := db.Act(as(supervisor()), other, gridinspect.Online)
		wantCode(t, err, gridinspect.EEXISTS)
	})
	t.Run("an action's id is not a report's", func(t *testing.T) {
		r := newReport(inA)
		r.ID = a.ID
		unchanged(t, db, func() {
			_, _, err := db.SubmitReport(as(admin()), r)
			wantCode(t, err, gridinspect.EEXISTS)
		})
	})
	t.Run("replayed by a worker of another grid: as if the case did not exist", func(t *testing.T) {
		_, _, err := db.Act(as(worker(gridB)), a, gridinspect.Online)
		assertEqual(t, err, error(gridinspect.ErrOutOfScope))
	})
}

func TestAct_WorkersRecordProgressAndRectifyButTakeNoSupervisorsStep(t *testing.T) {
	db, _ := loopStreet(t)
	wk := as(worker(gridA))

	t.Run("progress, rectification and comments in their grid", func(t *testing.T) {
		rep := mustCaseIn(t, db, gridinspect.StatusAssigned)
		got, _ := mustAct(t, db, wk, progress(rep.ID))
		wantStatus(t, got, gridinspect.StatusRectifying, 3)
		got, _ = mustAct(t, db, wk, rectify(rep.ID, 0, 0))
		wantStatus(t, got, gridinspect.StatusPendingVerification, 4)
		got, _ = mustAct(t, db, wk, comment(rep.ID))
		wantStatus(t, got, gridinspect.StatusPendingVerification, 5)
	})

	reported := mustCaseIn(t, db, gridinspect.StatusReported)
	pending := mustCaseIn(t, db, gridinspect.StatusPendingVerification)
	for _, tt := range []struct {
		name   string
		action *gridinspect.Action
	}{
		{"assign", assign(reported.ID, "")},
		{"reject", reject(reported.ID, "")},
		{"issue a notice", notice(reported.ID, gridinspect.NoticeHazard)},
		{"record an interview", interview(reported.ID)},
		{"verify, passing", verifyPass(pending.ID)},
		{"verify, failing", verifyFail(pending.ID)},
		{"extend the deadline", extend(pending.ID, t0.AddDate(0, 1, 0))},
		{"assign to a user who does not exist", assign(reported.ID, newID())},
	} {
		t.Run("a worker may not "+tt.name, func(t *testing.T) {
			unchanged(t, db, func() {
				_, _, err := db.Act(wk, tt.action, gridinspect.Online)
				wantCode(t, err, gridinspect.EFORBIDDEN)
			})
		})
	}

	t.Run("a worker of another grid gets what a missing report gets", func(t *testing.T) {
		rep := mustCaseIn(t, db, gridinspect.StatusAssigned)
		unchanged(t, db, func() {
			_, _, errOther := db.Act(as(worker(gridB)), progress(rep.ID), gridinspect.Online)
			_, _, errMissing := db.Act(as(worker(gridB)), progress(newID()), gridinspect.Online)
			assertEqual(t, errOther, errMissing)
			assertEqual(t, errOther, error(gridinspect.ErrOutOfScope))
			_, _, errAssign := db.Act(as(worker(gridB)), assign(rep.ID, ""), gridinspect.Online)
			assertEqual(t, errAssign, errMissing)
		})
	})
	t.Run("the whole street is told a missing report is not found", func(t *testing.T) {
		_, _, err := db.Act(as(supervisor()), progress(newID()), gridinspect.Online)
		wantCode(t, err, gridinspect.ENOTFOUND)
	})
}

func TestAct_AssigneeMustWorkInTheCasesGrid(t *testing.T) {
	db, zhang := loopStreet(t)
	inB := mustCreateUser(t, db, newUser("li.si", gridB))
	off := mustCreateUser(t, db, newUser("wang.wu", gridA))
	if _, err := db.DisableUser(as(admin()), off.ID); err != nil {
		t.Fatal(err)
	}
	street := mustCreateUser(t, db, newUser("zhao.liu")) // a supervisor of the whole street

	for _, tt := range []struct {
		name     string
		assignee string
		ok       bool
	}{
		{"a worker of the grid", zhang.ID, true},
		{"a supervisor of the whole street", street.ID, true},
		{"a worker of another grid", inB.ID, false},
		{"a disabled user", off.ID, false},
		{"nobody", newID(), false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rep := mustCaseIn(t, db, gridinspect.StatusReported)
			if tt.ok {
				got, _ := mustAct(t, db, as(supervisor()), assign(rep.ID, tt.assignee))
				if got.AssigneeID != tt.assignee {
					t.Errorf("assignee = %s, want %s", got.AssigneeID, tt.assignee)
				}
				return
			}
			unchanged(t, db, func() {
				_, _, err := db.Act(as(supervisor()), assign(rep.ID, tt.assignee), gridinspect.Online)
				wantField(t, err, "assignee_id")
			})
		})
	}
}

func TestAct_NoticesAreNumberedPerKindAndYearInChina(t *testing.T) {
	db, _ := loopStreet(t)
	one := mustCaseIn(t, db, gridinspect.StatusAssigned)
	two := mustCaseIn(t, db, gridinspect.StatusReported)
	for i, tt := range []struct {
		name   string
		report string
		kind   gridinspect.NoticeKind
		at     time.Time // zero: now, in 2025
		want   string
	}{
		{"the first hazard notice of 2024", one.ID, gridinspect.NoticeHazard, time.Date(2024, 12, 31, 15, 0, 0, 0, time.UTC), "〔2024〕1号"},
		{"17:00 UTC on New Year's Eve is 2025 in China", two.ID, gridinspect.NoticeHazard, time.Date(2024, 12, 31, 17, 0, 0, 0, time.UTC), "〔2025〕1号"},
		{"the next of 2025, on another case", one.ID, gridinspect.NoticeHazard, time.Time{}, "〔2025〕2号"},
		{"rectification orders count apart", two.ID, gridinspect.NoticeRectificationOrder, time.Time{}, "〔2025〕1号"},
		{"and so do enforcement documents", one.ID, gridinspect.NoticeEnforcement, time.Time{}, "〔2025〕1号"},
		{"a paper record from 2024 entered late", two.ID, gridinspect.NoticeHazard, time.Date(2024, 6, 1, 2, 0, 0, 0, time.UTC), "〔2024〕2号"},
		{"the third of 2025", two.ID, gridinspect.NoticeHazard, time.Time{}, "〔2025〕3号"},
		{"the second order of 2025", one.ID, gridinspect.NoticeRectificationOrder, time.Time{}, "〔2025〕2号"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := notice(tt.report, tt.kind)
			a.OccurredAt = tt.at
			_, e := mustAct(t, db, as(supervisor()), a)
			n := e.Data.Notice
			var year, seq int
			if _, err := fmt.Sscanf(tt.want, "〔%d〕%d号", &year, &seq); err != nil {
				t.Fatal(err)
			}
			if n.Number != tt.want || n.Year != year || n.Sequence != seq || n.Kind != tt.kind {
				t.Fatalf("notice %d = %+v, want %s", i, n, tt.want)
			}
		})
	}
	t.Run("a notice kept as a conflict takes no number", func(t *testing.T) {
		stale := notice(one.ID, gridinspect.NoticeHazard)
		stale.ExpectedVersion = 1
		_, e, err := db.Act(as(supervisor()), stale, gridinspect.Online)
		wantCode(t, err, gridinspect.ESTALE)
		if e.Data.Notice.Number != "" {
			t.Errorf("conflict numbered %s", e.Data.Notice.Number)
		}
		_, e = mustAct(t, db, as(supervisor()), notice(one.ID, gridinspect.NoticeHazard))
		if e.Data.Notice.Number != "〔2025〕4号" {
			t.Errorf("next number %s, want 〔2025〕4号", e.Data.Notice.Number)
		}
	})
}

func TestAct_ValidatesTheActionAsGiven(t *testing.T) {
	db, _ := loopStreet(t)
	rep := mustCaseIn(t, db, gridinspect.StatusReported)
	farFuture := time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		name   string
		action func() *gridinspect.Action
		field  string
	}{
		{"a bad action id", func() *gridinspect.Action { a := comment(rep.ID); a.ID = "x"; return a }, "action_id"},
		{"an occurred_at that cannot be stored", func() *gridinspect.Action { a := comment(rep.ID); a.OccurredAt = farFuture; return a }, "occurred_at"},
		{"a deadline that cannot be stored", func() *gridinspect.Action { return assignBy(rep.ID, "", farFuture) }, "deadline"},
		{"a deadline before the assignment", func() *gridinspect.Action { return assignBy(rep.ID, "", t0.Add(-time.Hour)) }, "deadline"},
		{"a disposition that does not fit", func() *gridinspect.Action {
			return rectify(mustCaseIn(t, db, gridinspect.StatusAssigned).ID, gridinspect.DispositionShutDown, 0)
		}, "disposition"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			a := tt.action()
			unchanged(t, db, func() {
				_, _, err := db.Act(as(supervisor()), a, gridinspect.Online)
				wantField(t, err, tt.field)
			})
		})
	}
	t.Run("without an actor", func(t *testing.T) {
		_, _, err := db.Act(context.Background(), comment(rep.ID), gridinspect.Online)
		wantCode(t, err, gridinspect.EUNAUTHENTICATED)
	})
	t.Run("the caller's action is not changed", func(t *testing.T) {
		a := extend(mustCaseIn(t, db, gridinspect.StatusAssigned).ID, t0.AddDate(0, 2, 0))
		a.ID = strings.ToUpper(a.ID)
		before := *a
		ext := *a.Data.Extension
		mustAct(t, db, as(supervisor()), a)
		if a.ID != before.ID || *a.Data.Extension != ext {
			t.Errorf("Act changed the caller's action")
		}
	})
}

func TestSubmitReport_LinksAPossibleRelapse(t *testing.T) {
	db, _ := loopStreet(t)
	workshop := mustCreateSubject(t, db, &gridinspect.Subject{ID: newID(), Kind: gridinspect.SubjectKindEnterprise,
		Name: "河边洗沙场", Location: inA})
	polluting := func() *gridinspect.Report {
		r := newReport(inA)
		r.Category, r.SubjectID = gridinspect.CategoryPollutingEnterprise, workshop.ID
		r.Details = gridinspect.Details{PollutingEnterprise: &gridinspect.PollutingEnterpriseDetails{Polluting: true, Activity: 1}}
		return r
	}
	closeAs := func(d gridinspect.Disposition) *gridinspect.Report {
		rep := mustSubmit(t, db, as(worker(gridA)), polluting())
		mustAct(t, db, as(supervisor()), assign(rep.ID, ""))
		mustAct(t, db, as(worker(gridA)), rectify(rep.ID, d, 0))
		closed, _ := mustAct(t, db, as(supervisor()), verifyPass(rep.ID))
		db.clock.Add(24 * time.Hour)
		return closed
	}

	first := mustSubmit(t, db, as(worker(gridA)), polluting())
	if first.PossibleRelapseOf != "" {
		t.Fatalf("a first report is linked to %s", first.PossibleRelapseOf)
	}
	shutDown := closeAs(gridinspect.DispositionShutDown)
	closeAs(gridinspect.DispositionUpgraded) // an upgraded workshop may run: not a relapse

	again := polluting()
	rep := mustSubmit(t, db, as(worker(gridA)), again)
	if rep.PossibleRelapseOf != shutDown.ID {
		t.Fatalf("possible relapse of %q, want %s", rep.PossibleRelapseOf, shutDown.ID)
	}
	got, err := db.GetReport(as(admin()), rep.ID)
	if err != nil {
		t.Fatal(err)
	}
	assertEqual(t, got, rep)
	retried, dup, err := db.SubmitReport(as(worker(gridA)), again)
	if err != nil || !dup || retried.PossibleRelapseOf != shutDown.ID {
		t.Fatalf("resubmitted: %v, duplicate %v, relapse of %q", err, dup, retried.PossibleRelapseOf)
	}

	later := closeAs(gridinspect.DispositionShutDown)
	if rep := mustSubmit(t, db, as(worker(gridA)), polluting()); rep.PossibleRelapseOf != later.ID {
		t.Errorf("possible relapse of %q, want the latest closed case %s", rep.PossibleRelapseOf, later.ID)
	}
	other := mustCreateSubject(t, db, newSubject("另一家"))
	r := polluting()
	r.SubjectID = other.ID
	if rep := mustSubmit(t, db, as(worker(gridA)), r); rep.PossibleRelapseOf != "" {
		t.Errorf("a report about another subject is linked to %s", rep.PossibleRelapseOf)
	}
}

func TestAct_AConflictKeepsTheActionsDataAsGiven(t *testing.T) {
	db, zhang := loopStreet(t)
	rep := mustCaseIn(t, db, gridinspect.StatusReported)
	mustAct(t, db, as(supervisor()), comment(rep.ID)) // version 2

	china := time.FixedZone("CST", 8*60*60)
	deadline := time.Date(2025, 3, 21, 18, 0, 0, 0, china)
	stale := assignBy(rep.ID, strings.ToUpper(zhang.ID), deadline)
	stale.ExpectedVersion = 1
	stale.OccurredAt = time.Date(2025, 3, 14, 17, 0, 0, 0, china)
	_, e, err := db.Act(as(supervisor()), stale, gridinspect.Online)
	wantCode(t, err, gridinspect.ESTALE)
	want := &gridinspect.Assignment{AssigneeID: zhang.ID, ResponsibleUnit: "鑫达建材厂", Deadline: deadline.UTC()}
	assertEqual(t, e.Data.Assignment, want)
	events := mustTimeline(t, db, rep.ID)
	assertEqual(t, events[len(events)-1], e)

	t.Run("replayed in another zone, it is the same action", func(t *testing.T) {
		again := *stale
		again.OccurredAt = stale.OccurredAt.UTC()
		again.Data.Assignment = &gridinspect.Assignment{AssigneeID: zhang.ID, ResponsibleUnit: "鑫达建材厂", Deadline: deadline.UTC()}
		unchanged(t, db, func() {
			_, e2, err2 := db.Act(as(supervisor()), &again, gridinspect.Online)
			assertEqual(t, err2, err)
			assertEqual(t, e2, e)
		})
	})
}

func TestAct_ConcurrentRetriesOfOneActionApplyItOnce(t *testing.T) {
	db, _ := loopStreet(t)
	rep := mustCaseIn(t, db, gridinspect.StatusAssigned)
	a := progress(rep.ID)
	const n = 8
	events := make([]*gridinspect.Event, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, events[i], errs[i] = db.Act(as(worker(gridA)), a, gridinspect.Online)
		}()
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("retry %d: %v", i, errs[i])
		}
		assertEqual(t, events[i], events[0])
	}
	timeline := mustTimeline(t, db, rep.ID)
	if len(timeline) != 3 {
		t.Fatalf("%d events, want 3: the action applied more than once", len(timeline))
	}
	got, err := db.GetReport(as(admin()), rep.ID)
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, got, gridinspect.StatusRectifying, 3)
}
