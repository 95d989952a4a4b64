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

const patrolColumns = `id, kind, subject_id, grid_id, started_at, ended_at, participants, track, notes,
	report_ids, reporter_id, received_at, clock_skew_flagged, content_hash`

// SubmitPatrol stores a new patrol, or answers a retry of a stored one.
// See gridinspect.ReportService.
func (db *DB) SubmitPatrol(ctx context.Context, in *gridinspect.Patrol) (*gridinspect.Patrol, bool, error) {
	a, err := gridinspect.RequireActor(ctx)
	if err != nil {
		return nil, false, err
	}
	p, hash, err := db.preparePatrol(in)
	if err != nil {
		return nil, false, err
	}
	return submitOnceWith(ctx, db, a, "patrol", strings.ToLower(p.ID), hash, getPatrol, patrolGrid,
		func(tx *Tx) (*gridinspect.Patrol, bool, error) { return db.submitPatrolTx(tx, a, p, hash) })
}

// preparePatrol checks a patrol as given, before it queues for the
// writer, and returns a copy of what the client may give in it and its
// content hash.
func (db *DB) preparePatrol(in *gridinspect.Patrol) (*gridinspect.Patrol, string, error) {
	if in == nil {
		return nil, "", gridinspect.Errorf(gridinspect.EINVALID, "patrol is required")
	}
	p := clientPatrol(in)
	if err := db.rules.ValidatePatrol(p); err != nil {
		return nil, "", err
	}
	var v gridinspect.Violations
	checkStorable(&v, "patrol.started_at", p.StartedAt)
	checkStorable(&v, "patrol.ended_at", p.EndedAt)
	if err := v.Err("invalid patrol"); err != nil {
		return nil, "", err
	}
	return p, p.ContentHash(), nil
}

// submitPatrolTx stores a prepared patrol in the writer's transaction, or
// answers a retry of a stored one (duplicate = true): the path of both
// SubmitPatrol and sync Push.
func (db *DB) submitPatrolTx(tx *Tx, a *gridinspect.Actor, p *gridinspect.Patrol, hash string) (*gridinspect.Patrol, bool, error) {
	return submitOnceTx(tx, a, "patrol", strings.ToLower(p.ID), hash, getPatrol, patrolGrid,
		func(tx *Tx) (*gridinspect.Patrol, error) {
			np := clientPatrol(p)
			return np, db.insertPatrol(tx, a, np, hash)
		})
}

func patrolGrid(p *gridinspect.Patrol) string { return p.GridID }

// insertPatrol normalizes a new, validated patrol, places it by its first
// track point if it has no grid, checks references and scope, and stores
// it with a change row.
func (db *DB) insertPatrol(tx *Tx, a *gridinspect.Actor, p *gridinspect.Patrol, hash string) error {
	db.rules.NormalizePatrol(p, tx.Now)
	gridGiven := p.GridID != ""
	if !gridGiven {
		first := p.Track[0] // ValidatePatrol requires a track when there is no grid
		id, err := db.placePoint(tx, a, gridinspect.LatLng{Lat: first.Lat, Lng: first.Lng})
		if err != nil {
			return err
		}
		if id == "" {
			return violationZh("invalid patrol", "patrol.track[0]", "is not inside any grid", "巡查轨迹不在本街道的任何网格内")
		}
		p.GridID = id
	}
	if !a.CanSeeGrid(p.GridID) {
		return gridinspect.ErrOutOfScope
	}
	if gridGiven {
		ok, err := gridExists(tx, a.Street(), p.GridID)
		if err != nil {
			return err
		}
		if !ok {
			return violationZh("invalid patrol", "patrol.grid_id", "no such grid", "网格不存在")
		}
	}
	if p.SubjectID != "" {
		if err := checkSubjectRef(tx, a, "invalid patrol", "patrol.subject_id", p.SubjectID); err != nil {
			return err
		}
	}
	p.ReporterID = a.UserID
	p.ReceivedAt = tx.Now

	track, err := trackJSON(p.Track)
	if err != nil {
		return err
	}
	reports, err := idList(p.ReportIDs)
	if err != nil {
		return err
	}
	if _, err := tx.Exec("INSERT INTO patrols (street_id, "+patrolColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		tx.Street, p.ID, p.Kind, nullString(p.SubjectID), p.GridID, p.StartedAt.UnixNano(), p.EndedAt.UnixNano(),
		p.Participants, track, p.Notes, reports, p.ReporterID, p.ReceivedAt.UnixNano(),
		boolInt(p.ClockSkewFlagged), hash); err != nil {
		return err
	}
	return recordChange(tx, "patrol", p.ID, p.GridID)
}

// patrolFilterKey identifies a ListPatrols listing for its page tokens.
type patrolFilterKey struct {
	Kinds   []gridinspect.PatrolKind `json:"k,omitempty"`
	Grids   []string                 `json:"g,omitempty"`
	Subject string                   `json:"j,omitempty"`
	After   int64                    `json:"t0,omitempty"`
	Before  int64                    `json:"t1,omitempty"`
}

// ListPatrols returns one page of the patrols matching f in the caller's
// scope, newest first by when they started (the server's time where the
// device clock was flagged).
func (db *DB) ListPatrols(ctx context.Context, f gridinspect.PatrolFilter) ([]*gridinspect.Patrol, string, error) {
	a, err := gridinspect.RequireActor(ctx)
	if err != nil {
		return nil, "", err
	}
	var v gridinspect.Violations
	for i, k := range f.Kinds {
		if k < gridinspect.PatrolKindWaterSource || k > gridinspect.PatrolKindGeneral {
			v.AddZh("kinds["+itoa(i)+"]", "取值 "+itoa(int(k))+" 无法识别", "has unknown value %d", int(k))
		}
	}
	checkStorable(&v, "started_after", f.StartedAfter)
	checkStorable(&v, "started_before", f.StartedBefore)
	if err := v.Err("invalid filter"); err != nil {
		return nil, "", err
	}
	size, err := pageSize(f.PageSize, DefaultPageSize)
	if err != nil {
		return nil, "", err
	}
	grids, err := scopeGrids(a, f.GridIDs)
	if err != nil || (grids != nil && len(grids) == 0) {
		return nil, "", err
	}
	key := patrolFilterKey{Kinds: sortedUnique(f.Kinds), Grids: sortedUnique(lowerAll(f.GridIDs)),
		Subject: strings.ToLower(f.SubjectID)}
	if !f.StartedAfter.IsZero() {
		key.After = f.StartedAfter.UnixNano()
	}
	if !f.StartedBefore.IsZero() {
		key.Before = f.StartedBefore.UnixNano()
	}
	filter := filterHash("patrols", key)
	after, err := decodeToken(f.PageToken, filter)
	if err != nil {
		return nil, "", err
	}

	var w where
	in(&w, "kind", key.Kinds)
	in(&w, "grid_id", grids)
	if key.Subject != "" {
		w.add("subject_id = ?", key.Subject)
	}
	if !f.StartedAfter.IsZero() {
		w.add("effective_at >= ?", key.After)
	}
	if !f.StartedBefore.IsZero() {
		w.add("effective_at < ?", key.Before)
	}
	if after != nil {
		w.add("(effective_at, id) < (?, ?)", after.Key, after.ID)
	}
	q := &query{"SELECT " + patrolColumns + " FROM patrols WHERE street_id = ?" + w.and() +
		" ORDER BY effective_at DESC, id DESC LIMIT ?", append(append([]any{a.Street()}, w.args...), size+1)}
	var patrols []*gridinspect.Patrol
	err = db.Read(ctx, func(tx *sql.Tx) (err error) {
		patrols, err = queryPatrols(tx, q, nil)
		return err
	})
	if err != nil {
		return nil, "", domainErr(err, "list patrols")
	}
	next := ""
	if len(patrols) > size {
		patrols = patrols[:size]
		last := patrols[size-1]
		next = pageToken{Filter: filter, Key: last.EffectiveAt().UnixNano(), ID: last.ID}.encode()
	}
	return patrols, next, nil
}

// getPatrol returns the patrol with id and its content hash, or nil.
func getPatrol(q queryer, street int64, id string) (*gridinspect.Patrol, string, error) {
	p, hash, err := scanPatrol(q.QueryRow("SELECT "+patrolColumns+" FROM patrols WHERE street_id = ? AND id = ?", street, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", nil
	}
	if err != nil {
		return nil, "", fmt.Errorf("read patrol %s: %w", id, err)
	}
	return p, hash, nil
}

func queryPatrols(q queryer, qu *query, patrols []*gridinspect.Patrol) ([]*gridinspect.Patrol, error) {
	more, err := queryAll(q, qu.sql, qu.args, dropHash(scanPatrol))
	return append(patrols, more...), err
}

func scanPatrol(s scanner) (*gridinspect.Patrol, string, error) {
	var p gridinspect.Patrol
	var subject sql.NullString
	var started, ended, received int64
	var track, reports, hash string
	var skew int
	if err := s.Scan(&p.ID, &p.Kind, &subject, &p.GridID, &started, &ended, &p.Participants, &track, &p.Notes,
		&reports, &p.ReporterID, &received, &skew, &hash); err != nil {
		return nil, "", err
	}
	p.SubjectID = subject.String
	p.StartedAt, p.EndedAt, p.ReceivedAt = unixNanos(started), unixNanos(ended), unixNanos(received)
	p.ClockSkewFlagged = skew == 1
	p.TrackSystem = gridinspect.CoordinateSystemWGS84
	var err error
	if p.Track, err = parseTrack(track); err != nil {
		return nil, "", fmt.Errorf("patrol %s: track: %w", p.ID, err)
	}
	if len(p.Track) == 0 {
		p.Track = nil
	}
	if p.ReportIDs, err = parseIDList(reports); err != nil {
		return nil, "", fmt.Errorf("patrol %s: report_ids: %w", p.ID, err)
	}
	return &p, hash, nil
}

// clientPatrol copies the fields a client may give, deeply.
func clientPatrol(in *gridinspect.Patrol) *gridinspect.Patrol {
	p := &gridinspect.Patrol{
		ID:           in.ID,
		Kind:         in.Kind,
		SubjectID:    in.SubjectID,
		GridID:       in.GridID,
		StartedAt:    in.StartedAt,
		EndedAt:      in.EndedAt,
		Participants: in.Participants,
		Track:        slices.Clone(in.Track),
		TrackSystem:  in.TrackSystem,
		Notes:        in.Notes,
		ReportIDs:    slices.Clone(in.ReportIDs),
	}
	if len(p.Track) == 0 {
		p.Track = nil
	}
	if len(p.ReportIDs) == 0 {
		p.ReportIDs = nil
	}
	return p
}

// checkPatrolRef checks the patrol a report names as the one it was found
// on, as checkSubjectRef checks a subject: a recorded patrol in a grid the
// actor cannot see is answered "no such patrol". A patrol not recorded
// yet is let be: a patrol is saved when it ends, with the reports it
// found, so a phone sends (or pushes, in the order it made them) those
// reports before it. (That tells one who already holds a patrol's id that
// it was recorded, as a report or patrol id already taken tells its
// sender; ids are the client's UUIDs.)
func checkPatrolRef(q queryer, a *gridinspect.Actor, message, field, id string) error {
	var grid string
	err := q.QueryRow("SELECT grid_id FROM patrols WHERE street_id = ? AND id = ?", a.Street(), id).Scan(&grid)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil
	case err != nil:
		return fmt.Errorf("read patrol %s: %w", id, err)
	case !a.CanSeeGrid(grid):
		return violationZh(message, field, "no such patrol", "巡查记录不存在")
	}
	return nil
}
