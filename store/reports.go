package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/gridinspect/gridinspect"
)

// reportStoredColumns are the columns a report is stored in, in the
// order insertReport writes them.
const reportStoredColumns = `id, category, severity, description, lat, lng, accuracy, address, grid_id, subject_id,
	observed_at, photo_ids, rectified_on_spot, patrol_id, details, status, version, reporter_id, received_at,
	deadline, original_deadline, assignee_id, responsible_unit, disposition, closed_at, clock_skew_flagged,
	relapse_count, follow_up_due, possible_relapse_of, updated_at, claimed_disposition,
	demolished_area, content_hash, deadline_working_days`

// reportColumns are what a report is read from (scanReport): its stored
// columns, then its missing_photo_ids, worked out from the photos table
// as it is read (see missingPhotoIDsColumn).
var reportColumns = reportStoredColumns + `,
	` + reportActionColumns + `,
	` + missingPhotoIDsColumn + `, return_request, return_count`

// reportActionColumns are what actions alone set on a report, after its
// submission (migrations/0013_supervision.sql): read with it, written by
// updateReport, never inserted.
const reportActionColumns = `supervised_at, supervised_deadline, urge_count, reassign_count`

// SubmitReport stores a new report with its submission event, or answers
// a retry of a stored one. See gridinspect.ReportService.
func (db *DB) SubmitReport(ctx context.Context, in *gridinspect.Report) (*gridinspect.Report, bool, error) {
	a, err := gridinspect.RequireActor(ctx)
	if err != nil {
		return nil, false, err
	}
	r, hash, err := db.prepareReport(in)
	if err != nil {
		return nil, false, err
	}
	return submitOnceWith(ctx, db, a, "report", strings.ToLower(r.ID), hash, getReport, reportGrid,
		func(tx *Tx) (*gridinspect.Report, bool, error) {
			rep, _, dup, err := db.submitReportTx(tx, a, r, hash)
			return rep, dup, err
		})
}

// prepareReport checks a report as given, before it queues for the
// writer, and returns a copy of what the client may give in it and its
// content hash.
func (db *DB) prepareReport(in *gridinspect.Report) (*gridinspect.Report, string, error) {
	if in == nil {
		return nil, "", gridinspect.Errorf(gridinspect.EINVALID, "report is required")
	}
	r := clientReport(in)
	if err := db.rules.ValidateReport(r); err != nil {
		return nil, "", err
	}
	var v gridinspect.Violations
	checkStorable(&v, "report.observed_at", r.ObservedAt)
	if err := v.Err("invalid report"); err != nil {
		return nil, "", err
	}
	return r, r.ContentHash(), nil
}

// submitReportTx stores a prepared report in the writer's transaction,
// with its submission event, or answers a retry of a stored one
// (duplicate = true, and no event): the path of both SubmitReport and
// sync Push. A new case an automatic routing rule decides is dispatched
// here too (routeNewReport), so a retry, which stores nothing, never
// dispatches it again.
func (db *DB) submitReportTx(tx *Tx, a *gridinspect.Actor, r *gridinspect.Report, hash string) (
	rep *gridinspect.Report, first *gridinspect.Event, dup bool, err error) {
	rep, dup, err = submitOnceTx(tx, a, "report", strings.ToLower(r.ID), hash, getReport, reportGrid,
		func(tx *Tx) (*gridinspect.Report, error) {
			rep := clientReport(r)
			var err error
			if first, err = db.insertReport(tx, a, rep, hash); err != nil {
				return nil, err
			}
			return db.routeNewReport(tx, rep)
		})
	if err != nil || dup {
		return rep, nil, dup, err
	}
	return rep, first, false, nil
}

func reportGrid(r *gridinspect.Report) string { return r.GridID }

// insertReport normalizes a new, validated report, places it in its grid,
// checks its references and the actor's scope, and stores it with its
// submission event, which it returns, and a change row.
func (db *DB) insertReport(tx *Tx, a *gridinspect.Actor, r *gridinspect.Report, hash string) (*gridinspect.Event, error) {
	db.rules.NormalizeReport(r, tx.Now)
	gridGiven := r.GridID != ""
	if !gridGiven {
		id, err := db.placePoint(tx, a, r.Location.Point())
		if err != nil {
			return nil, err
		}
		if id == "" {
			return nil, violationZh("invalid report", "report.location", "is not inside any grid", "位置不在本街道的任何网格内")
		}
		r.GridID = id
	}
	// Scope before existence, so that a grid outside the caller's scope
	// gets the same answer whether or not it exists.
	if !a.CanSeeGrid(r.GridID) {
		return nil, gridinspect.ErrOutOfScope
	}
	if gridGiven {
		ok, err := gridExists(tx, a.Street(), r.GridID)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, violationZh("invalid report", "report.grid_id", "no such grid", "网格不存在")
		}
	}
	if r.SubjectID != "" {
		if err := checkSubjectRef(tx, a, "invalid report", "report.subject_id", r.SubjectID); err != nil {
			return nil, err
		}
		relapseOf, err := possibleRelapseOf(tx, tx.Street, r.SubjectID)
		if err != nil {
			return nil, err
		}
		r.PossibleRelapseOf = relapseOf
	}
	if r.PatrolID != "" {
		if err := checkPatrolRef(tx, a, "invalid report", "report.patrol_id", r.PatrolID); err != nil {
			return nil, err
		}
	}
	r.Status = gridinspect.StatusReported
	if r.RectifiedOnSpot {
		r.Status = gridinspect.StatusPendingVerification
	}
	r.Version = 1
	r.ReporterID = a.UserID
	r.ReceivedAt, r.UpdatedAt = tx.Now, tx.Now
	// Photos may have arrived before their report.
	missing, err := missingPhotos(tx, tx.Street, r.ID, r.ReporterID, r.PhotoIDs)
	if err != nil {
		return nil, err
	}
	r.MissingPhotoIDs = missing

	photos, err := idList(r.PhotoIDs)
	if err != nil {
		return nil, err
	}
	details, err := jsonText(r.Details)
	if err != nil {
		return nil, err
	}
	// changed_at: the submission is the case's first change.
	if err := tx.execLater("INSERT INTO reports (street_id, "+reportStoredColumns+`, changed_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		tx.Street, r.ID, r.Category, r.Severity, r.Description, r.Location.Lat, r.Location.Lng, r.Location.AccuracyMeters,
		r.Location.Address, r.GridID, nullString(r.SubjectID), r.ObservedAt.UnixNano(), photos,
		boolInt(r.RectifiedOnSpot), nullString(r.PatrolID), details, r.Status, r.Version, r.ReporterID,
		r.ReceivedAt.UnixNano(), nanos(r.Deadline), nanos(r.OriginalDeadline), nullString(r.AssigneeID),
		r.ResponsibleUnit, r.Disposition, nanos(r.ClosedAt), boolInt(r.ClockSkewFlagged),
		r.RelapseCount, nanos(r.FollowUpDue), nullString(r.PossibleRelapseOf), r.UpdatedAt.UnixNano(),
		r.ClaimedDisposition, r.DemolishedAreaSquareMeters, hash, r.DeadlineWorkingDays, r.ReceivedAt.UnixNano(),
	); err != nil {
		return nil, err
	}

	// The submission event carries what was submitted, normalized, so the
	// timeline alone tells the whole story of the report.
	e := &gridinspect.Event{
		ID:               r.ID,
		ReportID:         r.ID,
		Type:             gridinspect.EventReportSubmitted,
		ActorID:          a.UserID,
		OccurredAt:       r.ObservedAt,
		ReceivedAt:       tx.Now,
		ClockSkewFlagged: r.ClockSkewFlagged,
		PhotoIDs:         r.PhotoIDs,
		StatusBefore:     gridinspect.StatusUnspecified,
		StatusAfter:      r.Status,
		Version:          r.Version,
		Data: gridinspect.EventData{Submission: &gridinspect.Submission{
			Category: r.Category, Severity: r.Severity, Description: r.Description, Location: r.Location,
			GridID: r.GridID, SubjectID: r.SubjectID, PatrolID: r.PatrolID,
			RectifiedOnSpot: r.RectifiedOnSpot, Details: r.Details,
		}},
	}
	// The submission event takes the report's id, which an action on
	// another report may have taken already: then the events table's key
	// refuses it, and the whole write is rolled back.
	if err := appendFirstEvent(tx, e); err != nil {
		return nil, err
	}
	return e, recordEventChange(tx, e, r.GridID)
}

// possibleRelapseOf returns the case a new report about a subject may be
// a relapse of (死灰复燃): the most recently closed case about the subject
// that was closed as shut down or demolished, which should not be back;
// "" when there is none. The link is a fact about the subject, made
// whoever reports; following it is scoped like any report id.
func possibleRelapseOf(q queryer, street int64, subjectID string) (string, error) {
	var id string
	err := q.QueryRow(`SELECT id FROM reports WHERE street_id = ? AND subject_id = ? AND status = ? AND disposition IN (?, ?)
		ORDER BY closed_at DESC, id DESC LIMIT 1`, street, subjectID, gridinspect.StatusClosed,
		gridinspect.DispositionShutDown, gridinspect.DispositionDemolished).Scan(&id)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return "", nil
	case err != nil:
		return "", fmt.Errorf("read closed cases of subject %s: %w", subjectID, err)
	}
	return id, nil
}

// GetReport returns one report in the caller's scope.
func (db *DB) GetReport(ctx context.Context, id string) (*gridinspect.Report, error) {
	a, err := gridinspect.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	id = strings.ToLower(id)
	var r *gridinspect.Report
	err = db.Read(ctx, func(tx *sql.Tx) (err error) {
		r, _, err = getReport(tx, a.Street(), id)
		return err
	})
	switch {
	case err != nil:
		return nil, domainErr(err, "get report %s", id)
	case r == nil:
		return nil, gridinspect.NotFound(a, "report %s not found", id)
	case !a.CanSeeGrid(r.GridID):
		return nil, gridinspect.ErrOutOfScope
	}
	return r, nil
}

// getReport returns the report of a street with id and its content hash,
// or nil if there is none.
func getReport(q queryer, street int64, id string) (*gridinspect.Report, string, error) {
	r, hash, err := scanReport(q.QueryRow("SELECT "+reportColumns+" FROM reports WHERE street_id = ? AND id = ?", street, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", nil
	}
	if err != nil {
		return nil, "", fmt.Errorf("read report %s: %w", id, err)
	}
	return r, hash, nil
}

// scanReport reads one row of reportColumns.
func scanReport(s scanner) (*gridinspect.Report, string, error) {
	var r gridinspect.Report
	var subject, patrol, assignee, relapseOf sql.NullString
	var observed, received, updated int64
	var deadline, origDeadline, closed, followUp, supervised, supervisedDeadline sql.NullInt64
	var photos, missing, details, hash string
	var returnRequest sql.NullString
	var onSpot, skew int
	if err := s.Scan(&r.ID, &r.Category, &r.Severity, &r.Description, &r.Location.Lat, &r.Location.Lng,
		&r.Location.AccuracyMeters, &r.Location.Address, &r.GridID, &subject, &observed, &photos, &onSpot,
		&patrol, &details, &r.Status, &r.Version, &r.ReporterID, &received, &deadline, &origDeadline,
		&assignee, &r.ResponsibleUnit, &r.Disposition, &closed, &skew, &r.RelapseCount, &followUp,
		&relapseOf, &updated, &r.ClaimedDisposition, &r.DemolishedAreaSquareMeters, &hash, &r.DeadlineWorkingDays,
		&supervised, &supervisedDeadline, &r.UrgeCount, &r.ReassignCount, &missing,
		&returnRequest, &r.ReturnCount); err != nil {
		return nil, "", err
	}
	r.Location.System = gridinspect.CoordinateSystemWGS84
	r.SubjectID, r.PatrolID, r.AssigneeID, r.PossibleRelapseOf = subject.String, patrol.String, assignee.String, relapseOf.String
	r.ObservedAt, r.ReceivedAt, r.UpdatedAt = unixNanos(observed), unixNanos(received), unixNanos(updated)
	r.Deadline, r.OriginalDeadline = fromNanos(deadline), fromNanos(origDeadline)
	r.ClosedAt, r.FollowUpDue = fromNanos(closed), fromNanos(followUp)
	r.SupervisedAt, r.SupervisedDeadline = fromNanos(supervised), fromNanos(supervisedDeadline)
	r.RectifiedOnSpot, r.ClockSkewFlagged = onSpot == 1, skew == 1
	var err error
	if r.PhotoIDs, err = parseIDList(photos); err != nil {
		return nil, "", fmt.Errorf("report %s: photo_ids: %w", r.ID, err)
	}
	if r.MissingPhotoIDs, err = parseIDList(missing); err != nil {
		return nil, "", fmt.Errorf("report %s: missing_photo_ids: %w", r.ID, err)
	}
	if err := fromJSON(details, &r.Details); err != nil {
		return nil, "", fmt.Errorf("report %s: details: %w", r.ID, err)
	}
	if returnRequest.Valid {
		r.ReturnRequest = new(gridinspect.ReturnRequest)
		if err := fromJSON(returnRequest.String, r.ReturnRequest); err != nil {
			return nil, "", fmt.Errorf("report %s: return_request: %w", r.ID, err)
		}
	}
	return &r, hash, nil
}

// parseIDList decodes a JSON list of ids; an empty list is nil, as it is
// in a report as submitted.
func parseIDList(s string) ([]string, error) {
	var ids []string
	if err := fromJSON(s, &ids); err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return nil, nil
	}
	return ids, nil
}

// clientReport copies the fields a client may give, deeply, and none of
// the server's: those a client sends are ignored, and normalizing must not
// change the caller's report.
func clientReport(in *gridinspect.Report) *gridinspect.Report {
	r := &gridinspect.Report{
		ID:              in.ID,
		Category:        in.Category,
		Severity:        in.Severity,
		Description:     in.Description,
		Location:        in.Location,
		GridID:          in.GridID,
		SubjectID:       in.SubjectID,
		ObservedAt:      in.ObservedAt,
		PhotoIDs:        slices.Clone(in.PhotoIDs),
		RectifiedOnSpot: in.RectifiedOnSpot,
		PatrolID:        in.PatrolID,
		Details:         cloneDetails(in.Details),
	}
	if len(r.PhotoIDs) == 0 {
		r.PhotoIDs = nil
	}
	return r
}

func cloneDetails(d gridinspect.Details) gridinspect.Details {
	return gridinspect.Details{
		SafetyHazard:        clonePtr(d.SafetyHazard),
		PollutingEnterprise: clonePtr(d.PollutingEnterprise),
		IllegalConstruction: clonePtr(d.IllegalConstruction),
		WaterSourceRisk:     clonePtr(d.WaterSourceRisk),
		DangerousHouse:      clonePtr(d.DangerousHouse),
	}
}

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	c := *p
	return &c
}

// violationZh returns an EINVALID error naming one field, with the
// description in Chinese too, which is then also the error's Chinese: the
// one problem is the whole message.
func violationZh(message, field, description, zh string) error {
	var v gridinspect.Violations
	v.AddZh(field, zh, "%s", description)
	err := v.Err(message)
	if zh != "" {
		err.(*gridinspect.Error).Chinese = zh
	}
	return err
}
