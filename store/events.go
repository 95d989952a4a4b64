package store

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/mattn/go-sqlite3"

	"github.com/gridinspect/gridinspect"
)

const eventColumns = `id, report_id, seq, version, type, actor_id, occurred_at, received_at, clock_skew_flagged,
	note, photo_ids, status_before, status_after, conflict, conflict_code, conflict_reason, payload, prev_hash, hash`

// appendEvent adds e to the end of its report's timeline: it numbers it
// after the latest event, chains it to that event's hash, computes its own
// hash and stores it. e.ReceivedAt defaults to the group's time and
// e.OccurredAt to e.ReceivedAt; callers check that a device's occurred_at
// is storable (checkStorable) before they get here. The
// caller sets e.Version and updates the report: only an event that
// applied raises the report's version, so Seq and Version part at the
// first conflict.
func appendEvent(tx *Tx, e *gridinspect.Event) error {
	return appendEventWithHash(tx, e, "")
}

// appendEventWithHash is appendEvent for an action, keeping the hash of
// the request it came with so that a replay can be told from a reuse.
func appendEventWithHash(tx *Tx, e *gridinspect.Event, contentHash string) error {
	var last int64
	var prev string
	err := tx.QueryRow("SELECT seq, hash FROM events WHERE street_id = ? AND report_id = ? ORDER BY seq DESC LIMIT 1",
		tx.Street, e.ReportID).Scan(&last, &prev)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("append event to report %s: %w", e.ReportID, err)
	}
	return insertEvent(tx, e, last+1, prev, contentHash)
}

// appendFirstEvent stores the submission event of a report inserted in
// the same write: it is the first of its timeline, so there is nothing
// before it to look up. An id already taken by an action on another
// report is refused with EEXISTS.
func appendFirstEvent(tx *Tx, e *gridinspect.Event) error {
	err := insertEvent(tx, e, 1, "", "")
	if isPrimaryKeyViolation(err) {
		return gridinspect.Errorf(gridinspect.EEXISTS, "id %s is already used by an action", e.ID)
	}
	return err
}

// insertEvent numbers e seq, chains it to prev, computes its hash and
// stores it.
func insertEvent(tx *Tx, e *gridinspect.Event, seq int64, prev, contentHash string) error {
	e.Seq = seq
	e.PrevHash = prev
	if e.ReceivedAt.IsZero() {
		e.ReceivedAt = tx.Now
	}
	if e.OccurredAt.IsZero() {
		e.OccurredAt = e.ReceivedAt // an action without a device time happened when it arrived
	}
	if !storable(e.OccurredAt) {
		return fmt.Errorf("append event %s: occurred_at %v cannot be stored", e.ID, e.OccurredAt)
	}
	e.Hash = e.ComputeHash()

	// The photo list is stored as JSON as it is (null for nil) so that the
	// event reads back exactly and its hash still verifies.
	photos, err := jsonText(e.PhotoIDs)
	if err != nil {
		return err
	}
	var payload any
	if e.Data != (gridinspect.EventData{}) {
		text, err := jsonText(e.Data)
		if err != nil {
			return err
		}
		payload = text
	}
	if err := tx.execLater("INSERT INTO events (street_id, "+eventColumns+", content_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		tx.Street, e.ID, e.ReportID, e.Seq, e.Version, e.Type, e.ActorID, e.OccurredAt.UnixNano(), e.ReceivedAt.UnixNano(),
		boolInt(e.ClockSkewFlagged), e.Note, photos, e.StatusBefore, e.StatusAfter, boolInt(e.Conflict),
		e.ConflictCode, e.ConflictReason, payload, e.PrevHash, e.Hash, contentHash); err != nil {
		return fmt.Errorf("append event %s to report %s: %w", e.ID, e.ReportID, err)
	}
	return nil
}

// listEvents returns the timeline of a street's report in order.
func listEvents(q queryer, street int64, reportID string) ([]*gridinspect.Event, error) {
	rows, err := q.Query("SELECT "+eventColumns+" FROM events WHERE street_id = ? AND report_id = ? ORDER BY seq", street, reportID)
	if err != nil {
		return nil, fmt.Errorf("list events of report %s: %w", reportID, err)
	}
	defer rows.Close()
	var events []*gridinspect.Event
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, fmt.Errorf("list events of report %s: %w", reportID, err)
		}
		events = append(events, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list events of report %s: %w", reportID, err)
	}
	if err := rows.Close(); err != nil {
		return nil, fmt.Errorf("list events of report %s: %w", reportID, err)
	}
	return events, nil
}

// getEvent returns the event with id in a street and the content hash of the request
// it came with ("" for a submission), or nil if there is none.
func getEvent(q queryer, street int64, id string) (*gridinspect.Event, string, error) {
	var hash string
	e, err := scanEvent(q.QueryRow("SELECT "+eventColumns+", content_hash FROM events WHERE street_id = ? AND id = ?", street, id), &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", nil
	}
	if err != nil {
		return nil, "", fmt.Errorf("read event %s: %w", id, err)
	}
	return e, hash, nil
}

// scanEvent reads one row of eventColumns, and into extra the columns
// selected after them.
func scanEvent(s scanner, extra ...any) (*gridinspect.Event, error) {
	var e gridinspect.Event
	var occurred, received int64
	var skew, conflict int
	var photos string
	var payload sql.NullString
	dest := []any{&e.ID, &e.ReportID, &e.Seq, &e.Version, &e.Type, &e.ActorID, &occurred, &received, &skew,
		&e.Note, &photos, &e.StatusBefore, &e.StatusAfter, &conflict, &e.ConflictCode, &e.ConflictReason, &payload,
		&e.PrevHash, &e.Hash}
	if err := s.Scan(append(dest, extra...)...); err != nil {
		return nil, err
	}
	e.OccurredAt, e.ReceivedAt = unixNanos(occurred), unixNanos(received)
	e.ClockSkewFlagged, e.Conflict = skew == 1, conflict == 1
	if err := fromJSON(photos, &e.PhotoIDs); err != nil {
		return nil, fmt.Errorf("event %s: photo_ids: %w", e.ID, err)
	}
	if payload.Valid {
		if err := fromJSON(payload.String, &e.Data); err != nil {
			return nil, fmt.Errorf("event %s: payload: %w", e.ID, err)
		}
	}
	return &e, nil
}

// isPrimaryKeyViolation reports whether err is the database refusing a
// row whose primary key is taken.
func isPrimaryKeyViolation(err error) bool {
	var se sqlite3.Error
	var pe *pgconn.PgError
	switch {
	case errors.As(err, &se):
		return se.ExtendedCode == sqlite3.ErrConstraintPrimaryKey
	case errors.As(err, &pe):
		// unique_violation, of the key PostgreSQL names table_pkey
		return pe.Code == "23505" && strings.HasSuffix(pe.ConstraintName, "_pkey")
	}
	return false
}
