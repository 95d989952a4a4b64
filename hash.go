package gridinspect

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"time"
)

// Content hashes decide idempotency: an id submitted again is a duplicate
// when the hash of what the client gave is the same as the stored one, and
// a conflict (EEXISTS) when it differs. They cover the client-given fields
// only, as given, before normalization: the stored record is normalized
// (converted to WGS-84, trimmed, flagged against the server clock), so the
// raw content is what a retry can be compared with. Ids are lowercased
// because a UUID's case carries no meaning, and an empty list hashes like
// a missing one because the wire cannot tell them apart.
//
// Each hash must be taken of a value that passed its Validate method: a
// NaN cannot be encoded, and such a value hashes to "".

// ContentHash returns the hex SHA-256 of the client-given fields of r.
func (r *Report) ContentHash() string {
	return hashJSON(struct {
		ID              string
		Category        Category
		Severity        Severity
		Description     string
		Location        Location
		GridID          string
		SubjectID       string
		ObservedAt      string
		PhotoIDs        []string
		RectifiedOnSpot bool
		PatrolID        string
		Details         Details
	}{
		strings.ToLower(r.ID), r.Category, r.Severity, r.Description, r.Location,
		strings.ToLower(r.GridID), strings.ToLower(r.SubjectID), hashTime(r.ObservedAt),
		lowerIDs(r.PhotoIDs), r.RectifiedOnSpot, strings.ToLower(r.PatrolID), r.Details,
	})
}

// ContentHash returns the hex SHA-256 of the client-given fields of p.
func (p *Patrol) ContentHash() string {
	track := make([]any, len(p.Track))
	for i, pt := range p.Track {
		track[i] = []any{pt.Lat, pt.Lng, hashTime(pt.RecordedAt)}
	}
	return hashJSON(struct {
		ID           string
		Kind         PatrolKind
		SubjectID    string
		GridID       string
		StartedAt    string
		EndedAt      string
		Participants int
		Track        []any
		TrackSystem  CoordinateSystem
		Notes        string
		ReportIDs    []string
	}{
		strings.ToLower(p.ID), p.Kind, strings.ToLower(p.SubjectID), strings.ToLower(p.GridID),
		hashTime(p.StartedAt), hashTime(p.EndedAt), p.Participants, track, p.TrackSystem,
		p.Notes, lowerIDs(p.ReportIDs),
	})
}

// ContentHash returns the hex SHA-256 of the client-given fields of g.
func (g *Grid) ContentHash() string {
	return hashJSON(struct {
		ID             string
		Name           string
		Kind           GridKind
		Boundary       Boundary
		BoundarySystem CoordinateSystem
	}{strings.ToLower(g.ID), g.Name, g.Kind, g.Boundary, g.BoundarySystem})
}

// ContentHash returns the hex SHA-256 of the client-given fields of s.
func (s *Subject) ContentHash() string {
	return hashJSON(struct {
		ID           string
		Kind         SubjectKind
		Name         string
		GridID       string
		Location     Location
		CreditCode   string
		ContactName  string
		ContactPhone string
		Notes        string
	}{
		strings.ToLower(s.ID), s.Kind, s.Name, strings.ToLower(s.GridID), s.Location,
		s.CreditCode, s.ContactName, s.ContactPhone, s.Notes,
	})
}

// hashTime formats t for hashing. Unlike json.Marshal of a time.Time it
// cannot fail (years outside 0–9999), and it names the same instant the
// same way whatever the zone it was given in.
func hashTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func lowerIDs(ids []string) []string {
	if len(ids) == 0 {
		return nil
	}
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = strings.ToLower(id)
	}
	return out
}

// hashJSON hashes the JSON encoding of v, a struct of plain data whose
// encoding is deterministic (fields in declaration order, floats in their
// shortest exact form).
func hashJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "" // a NaN or ±Inf: the value was not validated
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// ContentHash returns a hash of what the client gave in an action, so that
// a replayed action id can be told from one reused for something else.
func (a *Action) ContentHash() string {
	return hashJSON(struct {
		ID, ReportID    string
		Type            EventType
		ExpectedVersion int64
		Note            string
		PhotoIDs        []string
		OccurredAt      string
		Data            EventData
	}{strings.ToLower(a.ID), strings.ToLower(a.ReportID), a.Type, a.ExpectedVersion, a.Note,
		lowerIDs(a.PhotoIDs), hashTime(a.OccurredAt), a.Data})
}
