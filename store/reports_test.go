package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gridinspect/gridinspect"
)

func assertEqual(tb testing.TB, got, want any) {
	tb.Helper()
	if !reflect.DeepEqual(got, want) {
		g, _ := json.MarshalIndent(got, "", "  ")
		w, _ := json.MarshalIndent(want, "", "  ")
		tb.Fatalf("got\n%s\nwant\n%s", g, w)
	}
}

// reportOfEveryCategory returns one valid report of each category; the
// water source and the household they need are made in db.
func reportOfEveryCategory(tb testing.TB, db *testDB) []*gridinspect.Report {
	tb.Helper()
	water := mustCreateSubject(tb, db, &gridinspect.Subject{ID: newID(), Kind: gridinspect.SubjectKindWaterSource,
		Name: "备用水源", Location: inA})
	house := mustCreateSubject(tb, db, newSubject("李四家"))
	var reports []*gridinspect.Report
	add := func(c gridinspect.Category, d gridinspect.Details, subject string) {
		r := newReport(inA)
		r.Category, r.Details, r.SubjectID = c, d, subject
		r.PhotoIDs = []string{newID(), newID()}
		reports = append(reports, r)
	}
	add(gridinspect.CategorySafetyHazard, gridinspect.Details{SafetyHazard: &gridinspect.SafetyHazardDetails{HazardKind: 2, PlaceKind: 3}}, "")
	add(gridinspect.CategoryPollutingEnterprise, gridinspect.Details{PollutingEnterprise: &gridinspect.PollutingEnterpriseDetails{
		Scattered: true, Polluting: true, Activity: 1, ProposedDisposal: 1, MovedInFromOutside: true, FromDistrict: "江北区"}}, "")
	add(gridinspect.CategoryIllegalConstruction, gridinspect.Details{IllegalConstruction: &gridinspect.IllegalConstructionDetails{
		Kind: 2, Land: 1, AreaSquareMeters: 35.5}}, "")
	add(gridinspect.CategoryWaterSourceRisk, gridinspect.Details{WaterSourceRisk: &gridinspect.WaterSourceRiskDetails{RiskKind: 2}}, water.ID)
	add(gridinspect.CategoryDangerousHouse, gridinspect.Details{DangerousHouse: &gridinspect.DangerousHouseDetails{
		AppraisalGrade: gridinspect.HouseGradeD, Occupied: true, Residents: 2}}, house.ID)
	add(gridinspect.CategoryOther, gridinspect.Details{}, "")
	return reports
}

func TestSubmitReport_EveryCategoryComesBack(t *testing.T) {
	db := MustOpenDB(t)
	mustStreet(t, db)
	for _, r := range reportOfEveryCategory(t, db) {
		t.Run(r.Category.String(), func(t *testing.T) {
			in := *r
			stored := mustSubmit(t, db, as(worker(gridA)), r)
			if !reflect.DeepEqual(*r, in) {
				t.Errorf("SubmitReport changed the caller's report")
			}
			switch {
			case stored.Status != gridinspect.StatusReported:
				t.Errorf("status = %v, want REPORTED", stored.Status)
			case stored.Version != 1:
				t.Errorf("version = %d, want 1", stored.Version)
			case stored.GridID != gridA:
				t.Errorf("grid = %s, want %s (placed)", stored.GridID, gridA)
			case stored.ReporterID != workerID:
				t.Errorf("reporter = %s, want %s", stored.ReporterID, workerID)
			case !stored.ReceivedAt.Equal(t0) || !stored.UpdatedAt.Equal(t0):
				t.Errorf("received_at, updated_at = %v, %v, want the server clock %v", stored.ReceivedAt, stored.UpdatedAt, t0)
			case !reflect.DeepEqual(stored.MissingPhotoIDs, r.PhotoIDs):
				t.Errorf("missing photos = %v, want all of %v", stored.MissingPhotoIDs, r.PhotoIDs)
			case stored.ClockSkewFlagged:
				t.Errorf("clock skew flagged for a plausible time")
			}
			got, err := db.GetReport(as(worker(gridA)), r.ID)
			if err != nil {
				t.Fatal(err)
			}
			assertEqual(t, got, stored)
		})
	}
}

func TestSubmitReport_RectifiedOnSpotAwaitsVerification(t *testing.T) {
	db := MustOpenDB(t)
	mustStreet(t, db)
	r := newReport(inA)
	r.RectifiedOnSpot = true
	stored := mustSubmit(t, db, as(worker(gridA)), r)
	if stored.Status != gridinspect.StatusPendingVerification {
		t.Fatalf("status = %v, want PENDING_VERIFICATION", stored.Status)
	}
}

func TestSubmitReport_ConvertsCoordinatesToWGS84(t *testing.T) {
	db := MustOpenDB(t)
	mustStreet(t, db)
	r := newReport(inA)
	r.Location.System = gridinspect.CoordinateSystemGCJ02
	r.Location.Lat, r.Location.Lng = gridinspect.FromWGS84(gridinspect.CoordinateSystemGCJ02, inA.Lat, inA.Lng)
	stored := mustSubmit(t, db, as(admin()), r)
	if math.Abs(stored.Location.Lat-inA.Lat) > 1e-7 || math.Abs(stored.Location.Lng-inA.Lng) > 1e-7 ||
		stored.Location.System != gridinspect.CoordinateSystemWGS84 {
		t.Fatalf("stored location %+v, want WGS-84 %v,%v", stored.Location, inA.Lat, inA.Lng)
	}
}

// rowCounts counts what a submission writes.
func rowCounts(tb testing.TB, db *testDB) [3]int {
	return [3]int{count(tb, db, "reports"), count(tb, db, "events"), count(tb, db, "changes")}
}

func TestSubmitReport_IdempotentResubmitWritesNothing(t *testing.T) {
	db := MustOpenDB(t)
	mustStreet(t, db)
	r := newReport(inA)
	first := mustSubmit(t, db, as(worker(gridA)), r)
	rows, commits := rowCounts(t, db), db.Commits()

	db.clock.Add(time.Hour) // a retry, much later
	again, dup, err := db.SubmitReport(as(worker(gridA)), r)
	if err != nil {
		t.Fatal(err)
	}
	if !dup {
		t.Error("duplicate = false, want true")
	}
	assertEqual(t, again, first)
	if got := rowCounts(t, db); got != rows {
		t.Errorf("rows (reports, events, changes) = %v after resubmit, want %v", got, rows)
	}
	if db.Commits() != commits {
		t.Errorf("commits = %d after resubmit, want %d", db.Commits(), commits)
	}

	// Same content in another spelling of the same id.
	upper := *r
	upper.ID = strings.ToUpper(r.ID)
	if _, dup, err := db.SubmitReport(as(worker(gridA)), &upper); err != nil || !dup {
		t.Errorf("resubmit with an upper-case id: duplicate = %v, err = %v; want true, nil", dup, err)
	}

	// The race the fast path cannot see: the retry already queued for the
	// writer when the first commits. The writer's own check answers it.
	var stored *gridinspect.Report
	err = db.Write(context.Background(), func(tx *Tx) error {
		old, hash, err := getReport(tx, tx.Street, first.ID)
		if err != nil {
			return err
		}
		stored, dup, err = answerRetry(worker(gridA), "report", old.ID, old.GridID, old, hash, r.ContentHash())
		return err
	})
	if err != nil || !dup {
		t.Fatalf("retry answered in the writer: duplicate = %v, err = %v", dup, err)
	}
	assertEqual(t, stored, first)
}

func TestSubmitReport_SameIDDifferentContentIsEEXISTS(t *testing.T) {
	db := MustOpenDB(t)
	mustStreet(t, db)
	r := newReport(inA)
	mustSubmit(t, db, as(admin()), r)
	changed := *r
	changed.Description += "（补充）"
	_, _, err := db.SubmitReport(as(admin()), &changed)
	wantCode(t, err, gridinspect.EEXISTS)
}

func TestSubmitReport_ValidationNamesTheField(t *testing.T) {
	db := MustOpenDB(t)
	mustStreet(t, db)
	for _, tt := range []struct {
		name  string
		edit  func(r *gridinspect.Report)
		field string
	}{
		{"missing id", func(r *gridinspect.Report) { r.ID = "" }, "report.id"},
		{"malformed id", func(r *gridinspect.Report) { r.ID = "not-a-uuid" }, "report.id"},
		{"unspecified category", func(r *gridinspect.Report) { r.Category = 0; r.Details = gridinspect.Details{} }, "report.category"},
		{"details of another category", func(r *gridinspect.Report) { r.Category = gridinspect.CategoryIllegalConstruction }, "report.safety_hazard"},
		{"empty description", func(r *gridinspect.Report) { r.Description = "  " }, "report.description"},
		{"over-long description", func(r *gridinspect.Report) { r.Description = strings.Repeat("隐", gridinspect.MaxDescriptionRunes+1) }, "report.description"},
		{"invalid UTF-8", func(r *gridinspect.Report) { r.Description = "bad \xff" }, "report.description"},
		{"NaN latitude", func(r *gridinspect.Report) { r.Location.Lat = math.NaN() }, "report.location.latitude"},
		{"infinite longitude", func(r *gridinspect.Report) { r.Location.Lng = math.Inf(1) }, "report.location.longitude"},
		{"latitude past the pole", func(r *gridinspect.Report) { r.Location.Lat = 95 }, "report.location.latitude"},
		{"outside the service area", func(r *gridinspect.Report) { r.Location.Lat, r.Location.Lng = 48.85, 2.35 }, "report.location.longitude"},
		{"missing location", func(r *gridinspect.Report) { r.Location.Lat, r.Location.Lng = 0, 0 }, "report.location"},
		{"unknown coordinate system", func(r *gridinspect.Report) { r.Location.System = 9 }, "report.location.coordinate_system"},
		{"missing observed_at", func(r *gridinspect.Report) { r.ObservedAt = time.Time{} }, "report.observed_at"},
		{"unstorable observed_at", func(r *gridinspect.Report) { r.ObservedAt = time.Date(1066, 10, 14, 0, 0, 0, 0, time.UTC) }, "report.observed_at"},
		{"repeated photo", func(r *gridinspect.Report) { p := newID(); r.PhotoIDs = []string{p, p} }, "report.photo_ids[1]"},
		{"malformed grid id", func(r *gridinspect.Report) { r.GridID = "A" }, "report.grid_id"},
		{"unknown grid", func(r *gridinspect.Report) { r.GridID = newID() }, "report.grid_id"},
		{"unknown subject", func(r *gridinspect.Report) { r.SubjectID = newID() }, "report.subject_id"},
		{"water source risk without its subject", func(r *gridinspect.Report) {
			r.Category = gridinspect.CategoryWaterSourceRisk
			r.Details = gridinspect.Details{WaterSourceRisk: &gridinspect.WaterSourceRiskDetails{RiskKind: 1}}
		}, "report.subject_id"},
		{"point in no grid", func(r *gridinspect.Report) { r.Location = inNone }, "report.location"},
		{"unknown hazard kind", func(r *gridinspect.Report) { r.Details.SafetyHazard.HazardKind = 99 }, "report.safety_hazard.hazard_kind"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := newReport(inA)
			tt.edit(r)
			_, _, err := db.SubmitReport(as(admin()), r)
			wantField(t, err, tt.field)
		})
	}
	if n := count(t, db, "reports"); n != 0 {
		t.Errorf("%d reports stored from invalid submissions", n)
	}
}

// TestSubmitReport_PatrolIDIsCheckedLikeSubjectID checks the patrol a
// report names: a patrol of a grid the reporter cannot see gets the
// answer a subject of such a grid gets, and nothing is stored; a patrol
// the reporter may see is kept, as is one not recorded yet (a patrol is
// saved when it ends, after the reports it found).
func TestSubmitReport_PatrolIDIsCheckedLikeSubjectID(t *testing.T) {
	db := MustOpenDB(t)
	mustStreet(t, db)
	patrolIn := func(grid string) string {
		p := newPatrol()
		p.GridID = grid
		return mustSubmitPatrol(t, db, as(admin()), p).ID
	}
	inGridA, inGridB := patrolIn(gridA), patrolIn(gridB)
	subjectB := mustCreateSubject(t, db, &gridinspect.Subject{ID: newID(), Kind: gridinspect.SubjectKindHousehold,
		Name: "李家", Location: inB})

	t.Run("another grid's patrol is refused as another grid's subject is", func(t *testing.T) {
		before := count(t, db, "reports")
		r := newReport(inA)
		r.PatrolID = strings.ToUpper(inGridB)
		_, _, err := db.SubmitReport(as(worker(gridA)), r)
		got := wantCode(t, err, gridinspect.EINVALID)
		r = newReport(inA)
		r.SubjectID = subjectB.ID
		_, _, err = db.SubmitReport(as(worker(gridA)), r)
		subject := wantCode(t, err, gridinspect.EINVALID)
		assertEqual(t, got, &gridinspect.Error{Code: subject.Code, Message: subject.Message, Chinese: "巡查记录不存在",
			Fields: []gridinspect.FieldViolation{{Field: "report.patrol_id", Description: "no such patrol", Chinese: "巡查记录不存在"}}})
		assertEqual(t, subject.Fields, []gridinspect.FieldViolation{{Field: "report.subject_id", Description: "no such subject", Chinese: "对象不存在"}})
		if n := count(t, db, "reports"); n != before {
			t.Errorf("%d reports stored by refused submissions", n-before)
		}
	})
	for _, tt := range []struct {
		name   string
		actor  *gridinspect.Actor
		patrol string
	}{
		{"a patrol of the worker's grid", worker(gridA), inGridA},
		{"another grid's patrol, named by a supervisor of both", supervisor(), inGridB},
		{"a patrol not recorded yet", worker(gridA), newID()},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := newReport(inA)
			r.PatrolID = strings.ToUpper(tt.patrol)
			if got := mustSubmit(t, db, as(tt.actor), r); got.PatrolID != tt.patrol {
				t.Errorf("patrol_id = %q, want %q", got.PatrolID, tt.patrol)
			}
		})
	}
}

func TestSubmitReport_RequiresAnActor(t *testing.T) {
	db := MustOpenDB(t)
	_, _, err := db.SubmitReport(context.Background(), newReport(inA))
	wantCode(t, err, gridinspect.EUNAUTHENTICATED)
}

func TestSubmitReport_GridPlacement(t *testing.T) {
	db := MustOpenDB(t)
	mustStreet(t, db)
	border := gridinspect.Location{Lat: 29.505, Lng: 106.51, Address: "on the shared edge"}
	for _, tt := range []struct {
		name  string
		actor *gridinspect.Actor
		loc   gridinspect.Location
		grid  string // "" = refused
		code  string
	}{
		{"point in grid A", admin(), inA, gridA, ""},
		{"point in grid B", admin(), inB, gridB, ""},
		{"point in no grid", admin(), inNone, "", gridinspect.EINVALID},
		{"on the border, a worker of B gets B", worker(gridB), border, gridB, ""},
		{"on the border, a worker of A gets A", worker(gridA), border, gridA, ""},
		{"a worker of A in grid B", worker(gridA), inB, "", gridinspect.EFORBIDDEN},
	} {
		t.Run(tt.name, func(t *testing.T) {
			stored, _, err := db.SubmitReport(as(tt.actor), newReport(tt.loc))
			if tt.code != "" {
				wantCode(t, err, tt.code)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if stored.GridID != tt.grid {
				t.Fatalf("placed in %s, want %s", stored.GridID, tt.grid)
			}
		})
	}
}

func TestSubmitReport_GridCacheSeesNewGrids(t *testing.T) {
	db := MustOpenDB(t)
	mustStreet(t, db)
	_, _, err := db.SubmitReport(as(admin()), newReport(inNone)) // loads the cache
	wantCode(t, err, gridinspect.EINVALID)
	c := mustCreateGrid(t, db, &gridinspect.Grid{ID: newID(), Name: "山村", Boundary: square(29.60, 106.60, 29.61, 106.61)})
	stored := mustSubmit(t, db, as(admin()), newReport(inNone))
	if stored.GridID != c.ID {
		t.Fatalf("placed in %s, want the new grid %s", stored.GridID, c.ID)
	}
}

func TestOutOfScopeAnswersEqualNotFound(t *testing.T) {
	db := MustOpenDB(t)
	mustStreet(t, db)
	inGridB := mustSubmit(t, db, as(admin()), newReport(inB))
	w := as(worker(gridA))

	_, errOther := db.GetReport(w, inGridB.ID)
	_, errMissing := db.GetReport(w, newID())
	if errOther == nil || errMissing == nil {
		t.Fatalf("get: errors %v and %v, want both to fail", errOther, errMissing)
	}
	if gridinspect.ErrorCode(errOther) != gridinspect.ErrorCode(errMissing) || errOther.Error() != errMissing.Error() {
		t.Errorf("another grid's report: %q (%s); a missing one: %q (%s); want the same",
			errOther, gridinspect.ErrorCode(errOther), errMissing, gridinspect.ErrorCode(errMissing))
	}

	_, _, errOther = db.ListReports(w, gridinspect.ReportFilter{GridIDs: []string{gridB}})
	_, _, errMissing = db.ListReports(w, gridinspect.ReportFilter{GridIDs: []string{newID()}})
	if errOther == nil || errOther.Error() != errMissing.Error() {
		t.Errorf("list another grid: %v; list a missing grid: %v; want the same error", errOther, errMissing)
	}

	_, errOther = db.GetGrid(w, gridB)
	_, errMissing = db.GetGrid(w, newID())
	if errOther == nil || errOther.Error() != errMissing.Error() {
		t.Errorf("get another grid: %v; get a missing grid: %v; want the same error", errOther, errMissing)
	}

	subjB := mustCreateSubject(t, db, &gridinspect.Subject{ID: newID(), Kind: gridinspect.SubjectKindSite, Name: "工地", Location: inB})
	_, errOther = db.GetSubject(w, subjB.ID)
	_, errMissing = db.GetSubject(w, newID())
	if errOther == nil || errOther.Error() != errMissing.Error() {
		t.Errorf("get another grid's subject: %v; a missing one: %v; want the same error", errOther, errMissing)
	}

	// A report of grid B resubmitted by the worker of A: not its to see.
	_, _, err := db.SubmitReport(w, newReportWithID(inGridB.ID, inB))
	if err == nil || err.Error() != errMissing.Error() {
		t.Errorf("resubmit another grid's report: %v, want %v", err, errMissing)
	}

	// The worker's own listing shows nothing of grid B.
	reports, _, err := db.ListReports(w, gridinspect.ReportFilter{})
	if err != nil || len(reports) != 0 {
		t.Errorf("worker of A lists %d reports (err %v), want 0", len(reports), err)
	}

	// An admin is told plainly.
	_, err = db.GetReport(as(admin()), newID())
	wantCode(t, err, gridinspect.ENOTFOUND)
}

func newReportWithID(id string, loc gridinspect.Location) *gridinspect.Report {
	r := newReport(loc)
	r.ID = id
	return r
}

func TestSubmitReport_ClockSkewIsFlaggedAndStored(t *testing.T) {
	db := MustOpenDB(t)
	mustStreet(t, db)
	for _, tt := range []struct {
		name     string
		observed time.Time
		flagged  bool
	}{
		{"an hour ago", t0.Add(-time.Hour), false},
		{"five minutes ahead", t0.Add(5 * time.Minute), false},
		{"a day in the future", t0.Add(24 * time.Hour), true},
		{"1970", time.Unix(0, 0).UTC(), true},
		{"an old paper record from 2003", time.Date(2003, 5, 1, 0, 0, 0, 0, time.UTC), false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := newReport(inA)
			r.ObservedAt = tt.observed
			stored := mustSubmit(t, db, as(admin()), r)
			if stored.ClockSkewFlagged != tt.flagged {
				t.Fatalf("flagged = %v, want %v", stored.ClockSkewFlagged, tt.flagged)
			}
			if !stored.ObservedAt.Equal(tt.observed) {
				t.Errorf("observed_at = %v, want the device's %v", stored.ObservedAt, tt.observed)
			}
			want := tt.observed
			if tt.flagged {
				want = t0 // the server's receipt stands in
			}
			var observed, effective int64
			err := db.Read(context.Background(), func(tx *sql.Tx) error {
				return tx.QueryRow("SELECT observed_at, effective_at FROM reports WHERE id = ?", r.ID).Scan(&observed, &effective)
			})
			if err != nil {
				t.Fatal(err)
			}
			if observed != tt.observed.UnixNano() || effective != want.UnixNano() {
				t.Errorf("observed_at, effective_at = %v, %v; want %v, %v",
					unixNanos(observed), unixNanos(effective), tt.observed, want)
			}
			events := mustEvents(t, db, r.ID)
			if events[0].ClockSkewFlagged != tt.flagged {
				t.Errorf("submission event flagged = %v, want %v", events[0].ClockSkewFlagged, tt.flagged)
			}
		})
	}
}

func mustEvents(tb testing.TB, db *testDB, reportID string) []*gridinspect.Event {
	tb.Helper()
	var events []*gridinspect.Event
	err := db.Read(context.Background(), func(tx *sql.Tx) (err error) {
		events, err = listEvents(tx, gridinspect.DefaultStreet, reportID)
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	return events
}

func TestEvents_SubmissionEventChainsAndIsImmutable(t *testing.T) {
	db := MustOpenDB(t)
	mustStreet(t, db)
	r := newReport(inA)
	r.PhotoIDs = []string{newID()}
	stored := mustSubmit(t, db, as(worker(gridA)), r)

	events := mustEvents(t, db, r.ID)
	if len(events) != 1 {
		t.Fatalf("%d events, want 1", len(events))
	}
	e := events[0]
	if e.ID != r.ID || e.Seq != 1 || e.Type != gridinspect.EventReportSubmitted || e.ActorID != workerID ||
		e.StatusBefore != gridinspect.StatusUnspecified || e.StatusAfter != gridinspect.StatusReported ||
		e.PrevHash != "" || !e.OccurredAt.Equal(r.ObservedAt) || !e.ReceivedAt.Equal(t0) {
		t.Errorf("submission event %+v", e)
	}
	if e.Seq != stored.Version {
		t.Errorf("event seq %d, report version %d; want equal", e.Seq, stored.Version)
	}

	// Later actions append through the same helper; the chain holds.
	err := db.Write(context.Background(), func(tx *Tx) error {
		for i := range 3 {
			if err := appendEvent(tx, &gridinspect.Event{ID: newID(), ReportID: r.ID, Type: gridinspect.EventCommentAdded,
				ActorID: supervisorID, Note: "看过了 " + itoa(i), StatusBefore: gridinspect.StatusReported,
				StatusAfter: gridinspect.StatusReported, Version: 1,
				Data: gridinspect.EventData{Interview: &gridinspect.Interview{Interviewee: "张三"}}}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	events = mustEvents(t, db, r.ID)
	if ok, bad := gridinspect.VerifyChain(events); !ok || len(events) != 4 {
		t.Fatalf("chain of %d events broken at seq %d", len(events), bad)
	}

	for _, stmt := range []string{
		"UPDATE events SET note = 'forged' WHERE report_id = ?",
		"DELETE FROM events WHERE report_id = ?",
	} {
		err := db.Write(context.Background(), func(tx *Tx) error {
			_, err := tx.Exec(stmt, r.ID)
			return err
		})
		if err == nil || !strings.Contains(err.Error(), "events are immutable") {
			t.Errorf("%s: err = %v, want events are immutable", stmt, err)
		}
	}
	if ok, _ := gridinspect.VerifyChain(mustEvents(t, db, r.ID)); !ok {
		t.Error("chain broken after refused tampering")
	}
}

func TestSubmitReport_WritesAChangeRow(t *testing.T) {
	db := MustOpenDB(t)
	mustStreet(t, db)
	r := mustSubmit(t, db, as(admin()), newReport(inB))
	var typ, id, grid string
	var at int64
	err := db.Read(context.Background(), func(tx *sql.Tx) error {
		return tx.QueryRow("SELECT entity_type, entity_id, grid_id, changed_at FROM changes ORDER BY seq DESC LIMIT 1").
			Scan(&typ, &id, &grid, &at)
	})
	if err != nil {
		t.Fatal(err)
	}
	if typ != "report" || id != r.ID || grid != gridB || at != t0.UnixNano() {
		t.Fatalf("change row = %s %s %s %v", typ, id, grid, unixNanos(at))
	}
}
