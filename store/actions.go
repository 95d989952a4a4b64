package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gridinspect/gridinspect"
)

// Actions on cases. The closed loop itself — who may take which step in
// which status, and what each step does to a case — is the domain's
// (gridinspect.Rules.Apply); this file looks the case up, checks what the
// action refers to, numbers notices, and stores the outcome: the case's
// new row, its event, and a change row, in one write.

// actOutcome is what an action came to: the case after it and the event
// that records it, and for an action kept on the timeline as a conflict,
// the error it met. A conflict is written and committed like any event;
// its error is the answer, not a failure of the write. A refused action
// (refused) has no event: the case is as it stands, and nothing was
// written. A replayed action id (replay) is answered with its first
// outcome and writes nothing.
type actOutcome struct {
	report  *gridinspect.Report
	event   *gridinspect.Event
	err     error
	refused bool
	replay  bool
}

// Act takes an action on a case and stores its event. See
// gridinspect.RectificationService.
//
// A replayed action id is answered from the read pool without queueing for
// the writer, like a resubmitted report (submitOnce); the writer looks
// again before applying, since the same action may have been stored since.
func (db *DB) Act(ctx context.Context, in *gridinspect.Action, mode gridinspect.ActMode) (*gridinspect.Report, *gridinspect.Event, error) {
	actor, err := gridinspect.RequireActor(ctx)
	if err != nil {
		return nil, nil, err
	}
	if in == nil {
		return nil, nil, gridinspect.Errorf(gridinspect.EINVALID, "action is required")
	}
	if mode != gridinspect.Online && mode != gridinspect.Offline {
		return nil, nil, fmt.Errorf("store: act: unknown mode %d", mode)
	}
	a, hash, err := db.prepareAction(in)
	if err != nil {
		return nil, nil, err
	}

	var prior *priorAction
	err = db.Read(ctx, func(tx *sql.Tx) (err error) {
		prior, err = getPriorAction(tx, actor.Street(), a.ID)
		return err
	})
	if err != nil {
		return nil, nil, domainErr(err, "act %s on report %s", a.ID, a.ReportID)
	}
	if prior != nil {
		out, err := prior.answer(actor, hash)
		if err != nil {
			return nil, nil, err
		}
		return out.report, out.event, out.err
	}

	var out *actOutcome
	err = db.Write(ctx, func(tx *Tx) (err error) {
		out, err = db.actTx(tx, actor, a, hash, mode)
		return err
	})
	switch {
	case err != nil && out != nil && out.refused:
		// Refused by the closed loop: nothing was written, and the
		// answer says where the case stands.
		return out.report, nil, err
	case err != nil:
		return nil, nil, domainErr(err, "act %s on report %s", a.ID, a.ReportID)
	}
	return out.report, out.event, out.err
}

// prepareAction checks an action as given, before it queues for the
// writer, and returns a canonical copy of what the client may give in it
// and its content hash.
func (db *DB) prepareAction(in *gridinspect.Action) (*gridinspect.Action, string, error) {
	a := clientAction(in)
	if err := db.rules.ValidateAction(a); err != nil {
		return nil, "", err
	}
	var v gridinspect.Violations
	checkStorable(&v, "occurred_at", a.OccurredAt)
	if as := a.Data.Assignment; as != nil {
		checkStorable(&v, "deadline", as.Deadline)
	}
	if ex := a.Data.Extension; ex != nil {
		checkStorable(&v, "new_deadline", ex.New)
	}
	if err := v.Err("invalid action"); err != nil {
		return nil, "", err
	}
	canonicalAction(a)
	return a, a.ContentHash(), nil
}

// actTx applies a prepared action in the writer's transaction: the path
// of both Act and sync Push. An error
// rolls the action's writes back; an outcome with an error (a conflict)
// is committed. A step the case's status does not allow, online, is
// refused with the case as it stands and the same error, so that the
// answer can say where the case is without writing anything.
func (db *DB) actTx(tx *Tx, actor *gridinspect.Actor, a *gridinspect.Action, hash string, mode gridinspect.ActMode) (*actOutcome, error) {
	prior, err := getPriorAction(tx, tx.Street, a.ID)
	if err != nil {
		return nil, err
	}
	if prior != nil {
		return prior.answer(actor, hash)
	}

	rep, _, err := getReport(tx, tx.Street, a.ReportID)
	switch {
	case err != nil:
		return nil, err
	case rep == nil:
		return nil, gridinspect.NotFound(actor, "report %s not found", a.ReportID)
	case !actor.CanSeeGrid(rep.GridID):
		return nil, gridinspect.ErrOutOfScope
	}
	// Apply checks the role too; checking it before the references means
	// a worker trying a supervisor's step learns nothing about users or
	// other reports from the answer.
	if err := gridinspect.MayTake(actor, a.Step()); err != nil {
		return nil, err
	}
	if err := checkActionRefs(tx, tx.Street, actor, rep, a); err != nil {
		return nil, err
	}

	rules := db.rules
	if a.Type == gridinspect.EventReportAssigned || a.Type == gridinspect.EventDeadlineExtended {
		// Deadlines may count working days, on the admin's calendar as it
		// stands when the action is applied.
		if rules.Calendar, err = loadCalendar(tx); err != nil {
			return nil, err
		}
	}
	after, e, err := rules.Apply(rep, a, actor, tx.Now)
	code := gridinspect.ErrorCode(err)
	switch {
	case err == nil:
		return db.applied(tx, rep, after, e, hash)
	case code == gridinspect.ESTALE || (code == gridinspect.EPRECONDITION && mode == gridinspect.Offline):
		// Nothing a worker recorded is lost: the action takes its place
		// on the timeline, marked as a conflict, and the case stays as it
		// is (its version too, so nobody else's view goes stale).
		c := db.rules.Conflict(rep, a, actor, tx.Now, err)
		if err := appendEventWithHash(tx, c, hash); err != nil {
			return nil, err
		}
		if err := recordEventChange(tx, c, rep.GridID); err != nil {
			return nil, err
		}
		return &actOutcome{report: rep, event: c, err: err}, nil
	case code == gridinspect.EPRECONDITION:
		return &actOutcome{report: rep, err: err, refused: true}, err
	default:
		// EFORBIDDEN, EINVALID: refused, and nothing written.
		return nil, err
	}
}

// applied stores an action that applied: the notice's number, the case's
// new row, the event and a change row.
func (db *DB) applied(tx *Tx, before, after *gridinspect.Report, e *gridinspect.Event, hash string) (*actOutcome, error) {
	if n := e.Data.Notice; n != nil {
		if err := numberNotice(tx, n, e.EffectiveAt()); err != nil {
			return nil, err
		}
	}
	// A verification is told what is doubtful about the after-photos
	// (evidence.go): flagged, never refused. Before the event is
	// appended, since its hash covers them.
	if vf := e.Data.Verification; vf != nil {
		flags, err := evidenceFlags(tx, tx.Street, db.rules, before)
		if err != nil {
			return nil, err
		}
		vf.EvidenceFlags = flags
	}
	if e.Data.Supplement != nil {
		// Photos added may have arrived before their supplement.
		missing, err := missingPhotos(tx, tx.Street, after.ID, after.ReporterID, after.PhotoIDs)
		if err != nil {
			return nil, err
		}
		after.MissingPhotoIDs = missing
	}
	if err := updateReport(tx, after, before.Version); err != nil {
		return nil, err
	}
	if err := appendEventWithHash(tx, e, hash); err != nil {
		return nil, err
	}
	if err := recordEventChange(tx, e, after.GridID); err != nil {
		return nil, err
	}
	return &actOutcome{report: after, event: e}, nil
}

// updateReport writes what an action may change of a case, guarded by the
// version it was read at, and when its status or deadline last changed
// (changed_at, for the statistics: migrations/0008_reports_changed.sql). The guard cannot fail while the single writer
// reads and writes the case in one transaction; if it ever does, that is a
// bug, reported as an internal error, not a stale version.
func updateReport(tx *Tx, r *gridinspect.Report, wasVersion int64) error {
	// What a supplement (退回补充) may add to: the description, the
	// address and the photos; and the open request for more.
	photos, err := idList(r.PhotoIDs)
	if err != nil {
		return err
	}
	var returnRequest any
	if r.ReturnRequest != nil {
		if returnRequest, err = jsonText(r.ReturnRequest); err != nil {
			return err
		}
	}
	res, err := tx.Exec(`UPDATE reports SET status = ?, version = ?, deadline = ?, original_deadline = ?,
		assignee_id = ?, responsible_unit = ?, disposition = ?, closed_at = ?, claimed_disposition = ?,
		demolished_area = ?, relapse_count = ?, follow_up_due = ?, updated_at = ?, deadline_working_days = ?,
		supervised_at = ?, supervised_deadline = ?, urge_count = ?, reassign_count = ?,
		description = ?, address = ?, photo_ids = ?, return_request = ?, return_count = ?,
		changed_at = iif(status <> ? OR deadline IS NOT ?, ?, changed_at)
		WHERE street_id = ? AND id = ? AND version = ?`,
		r.Status, r.Version, nanos(r.Deadline), nanos(r.OriginalDeadline), nullString(r.AssigneeID),
		r.ResponsibleUnit, r.Disposition, nanos(r.ClosedAt), r.ClaimedDisposition, r.DemolishedAreaSquareMeters,
		r.RelapseCount, nanos(r.FollowUpDue), r.UpdatedAt.UnixNano(), r.DeadlineWorkingDays,
		nanos(r.SupervisedAt), nanos(r.SupervisedDeadline), r.UrgeCount, r.ReassignCount,
		r.Description, r.Location.Address, photos, returnRequest, r.ReturnCount,
		r.Status, nanos(r.Deadline), r.UpdatedAt.UnixNano(), // the SET's status and deadline are the old ones
		tx.Street, r.ID, wasVersion)
	if err != nil {
		return fmt.Errorf("update report %s: %w", r.ID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("update report %s: %w", r.ID, err)
	}
	if n != 1 {
		return fmt.Errorf("update report %s: %d rows at version %d, want 1", r.ID, n, wasVersion)
	}
	return nil
}

// numberNotice gives a notice the next number of its kind in the year
// (in China) it was served, after the kind's prefix as the admin has it
// now: X街安告〔2025〕3号. The number is kept in the notice's event, so a
// prefix changed later leaves it as issued.
func numberNotice(tx *Tx, n *gridinspect.Notice, at time.Time) error {
	// Notice years are the office's calendar: a notice served at 01:00 on
	// New Year's Day in China is numbered in the new year, although it is
	// still the old one in UTC.
	year := at.In(gridinspect.ChinaZone).Year()
	var seq int
	var prefix string
	err := tx.QueryRow(`INSERT INTO notice_numbers (street_id, kind, year, last) VALUES (?, ?, ?, 1)
		ON CONFLICT (street_id, kind, year) DO UPDATE SET last = notice_numbers.last + 1
		RETURNING last, coalesce((SELECT prefix FROM notice_prefixes WHERE street_id = ? AND kind = ?), '')`,
		tx.Street, n.Kind, year, tx.Street, n.Kind).Scan(&seq, &prefix)
	if err != nil {
		return fmt.Errorf("number notice of kind %d in %d: %w", n.Kind, year, err)
	}
	n.Year, n.Sequence = year, seq
	n.Number = gridinspect.NoticeNumber(prefix, year, seq)
	return nil
}

// checkActionRefs checks what an action refers to besides its case: an
// assignee (of a dispatch or a re-dispatch) must be an enabled user who
// works in the case's grid, and the
// report a case duplicates must exist and be visible to the actor.
func checkActionRefs(q queryer, street int64, actor *gridinspect.Actor, rep *gridinspect.Report, a *gridinspect.Action) error {
	switch d := a.Data; {
	case d.Assignment != nil && d.Assignment.AssigneeID != "":
		ok, err := canBeAssigned(q, street, d.Assignment.AssigneeID, rep.GridID)
		if err != nil {
			return err
		}
		if !ok {
			return violationZh("invalid action", "assignee_id",
				"must be an enabled user who works in the case's grid", "派遣对象须是负责该网格、未停用的人员")
		}
	case d.Reassignment != nil && d.Reassignment.AssigneeID != "":
		ok, err := canBeAssigned(q, street, d.Reassignment.AssigneeID, rep.GridID)
		if err != nil {
			return err
		}
		if !ok {
			return violationZh("invalid action", "assignee_id",
				"must be an enabled user who works in the case's grid", "转派对象须是负责该网格、未停用的人员")
		}
	case d.Rejection != nil && d.Rejection.Reason == gridinspect.RejectionDuplicate:
		var grid string
		err := q.QueryRow("SELECT grid_id FROM reports WHERE street_id = ? AND id = ?", street, d.Rejection.DuplicateOf).Scan(&grid)
		switch {
		case errors.Is(err, sql.ErrNoRows) || (err == nil && !actor.CanSeeGrid(grid)):
			return violationZh("invalid action", "duplicate_of_report_id", "no such report", "所指的重复案件不存在")
		case err != nil:
			return fmt.Errorf("read report %s: %w", d.Rejection.DuplicateOf, err)
		}
	}
	return nil
}

// canBeAssigned reports whether user may be given a case in grid: an
// enabled account of the street whose grids include it.
func canBeAssigned(q queryer, street int64, userID, gridID string) (bool, error) {
	var ok bool
	err := q.QueryRow(`SELECT EXISTS (SELECT 1 FROM users WHERE street_id = ? AND id = ? AND disabled = 0 AND (all_grids = 1
		OR EXISTS (SELECT 1 FROM user_grids WHERE street_id = users.street_id AND user_id = users.id AND grid_id = ?)))`, street, userID, gridID).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("read user %s: %w", userID, err)
	}
	return ok, nil
}

// priorAction is an action id already on a timeline: its event, the
// hash of the request that made it, and its case as it is now.
type priorAction struct {
	event  *gridinspect.Event
	hash   string
	report *gridinspect.Report
}

// getPriorAction returns the stored action with id, or nil.
func getPriorAction(q queryer, street int64, id string) (*priorAction, error) {
	e, hash, err := getEvent(q, street, id)
	if err != nil || e == nil {
		return nil, err
	}
	rep, _, err := getReport(q, street, e.ReportID)
	if err != nil {
		return nil, err
	}
	if rep == nil {
		return nil, fmt.Errorf("event %s: report %s is missing", e.ID, e.ReportID)
	}
	return &priorAction{event: e, hash: hash, report: rep}, nil
}

// answer answers a replayed action id as the first time: the stored event
// and the case as it is now, with the error a conflict met; EEXISTS for
// the id reused with other content; and for a case the actor cannot see,
// what a missing case gets.
func (p *priorAction) answer(actor *gridinspect.Actor, hash string) (*actOutcome, error) {
	if _, _, err := answerRetry(actor, "action", p.event.ID, p.report.GridID, p, p.hash, hash); err != nil {
		return nil, err
	}
	out := &actOutcome{report: p.report, event: p.event, replay: true}
	if p.event.Conflict {
		out.err = &gridinspect.Error{Code: p.event.ConflictCode, Message: p.event.ConflictReason,
			Chinese: gridinspect.ConflictChinese(p.event)}
	}
	return out, nil
}

// clientAction copies what a client may give in an action, deeply: the
// typed data that goes with its type and none of the fields the server
// fills (notice numbers, evidence flags, relapse counts, the previous
// deadline), so that they neither reach the case nor the content hash,
// and the caller's action is not changed.
func clientAction(in *gridinspect.Action) *gridinspect.Action {
	a := &gridinspect.Action{
		ID: in.ID, ReportID: in.ReportID, Type: in.Type, ExpectedVersion: in.ExpectedVersion,
		Note: in.Note, PhotoIDs: slices.Clone(in.PhotoIDs), OccurredAt: in.OccurredAt,
	}
	if len(a.PhotoIDs) == 0 {
		a.PhotoIDs = nil
	}
	d := in.Data
	switch in.Type {
	case gridinspect.EventReportAssigned:
		a.Data.Assignment = clonePtr(d.Assignment)
	case gridinspect.EventReportRejected:
		a.Data.Rejection = clonePtr(d.Rejection)
	case gridinspect.EventNoticeIssued:
		if n := clonePtr(d.Notice); n != nil {
			n.Number, n.Year, n.Sequence = "", 0, 0
			a.Data.Notice = n
		}
	case gridinspect.EventInterviewRecorded:
		a.Data.Interview = clonePtr(d.Interview)
	case gridinspect.EventRectificationSubmitted:
		a.Data.Rectification = clonePtr(d.Rectification)
	case gridinspect.EventRectificationVerified:
		if vf := clonePtr(d.Verification); vf != nil {
			vf.EvidenceFlags = nil
			a.Data.Verification = vf
		}
	case gridinspect.EventFollowUpRecorded:
		if f := clonePtr(d.FollowUp); f != nil {
			f.RelapseCount = 0
			a.Data.FollowUp = f
		}
	case gridinspect.EventDeadlineExtended:
		if ex := clonePtr(d.Extension); ex != nil {
			ex.Previous = time.Time{}
			a.Data.Extension = ex
		}
	case gridinspect.EventReportReassigned:
		if ra := clonePtr(d.Reassignment); ra != nil {
			ra.PreviousAssigneeID, ra.PreviousResponsibleUnit = "", ""
			a.Data.Reassignment = ra
		}
	case gridinspect.EventReportReturned:
		if rq := d.Return; rq != nil {
			a.Data.Return = &gridinspect.ReturnRequest{Wants: slices.Clone(rq.Wants)}
		}
	case gridinspect.EventReportSupplemented:
		if sp := clonePtr(d.Supplement); sp != nil {
			sp.PreviousAddress = ""
			a.Data.Supplement = sp
		}
	}
	return a
}

// canonicalAction writes a validated action's ids in lower case and its
// times in UTC: neither a UUID's case nor the zone an instant was given in
// carries meaning, so a replay that differs only in them is the same
// action, and a conflict event keeps the action's data as stored data
// reads back.
func canonicalAction(a *gridinspect.Action) {
	a.ID, a.ReportID = strings.ToLower(a.ID), strings.ToLower(a.ReportID)
	for i, id := range a.PhotoIDs {
		a.PhotoIDs[i] = strings.ToLower(id)
	}
	a.OccurredAt = utc(a.OccurredAt)
	if as := a.Data.Assignment; as != nil {
		as.AssigneeID = strings.ToLower(as.AssigneeID)
		as.Deadline = utc(as.Deadline)
	}
	if rj := a.Data.Rejection; rj != nil {
		rj.DuplicateOf = strings.ToLower(rj.DuplicateOf)
	}
	if ex := a.Data.Extension; ex != nil {
		ex.New = utc(ex.New)
	}
	if ra := a.Data.Reassignment; ra != nil {
		ra.AssigneeID = strings.ToLower(ra.AssigneeID)
	}
}

// utc returns t in UTC, leaving the zero time as it is (its UTC form is
// the same instant but not IsZero in every zone).
func utc(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC()
}
