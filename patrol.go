package gridinspect

import "time"

// PatrolKind is what a patrol was for; the numbers are the API's.
type PatrolKind int

// Patrol kinds.
const (
	PatrolKindUnspecified PatrolKind = iota
	PatrolKindWaterSource
	PatrolKindPollutionArea
	PatrolKindSafety
	PatrolKindGeneral
)

// TrackPoint is one GPS fix of a patrol.
type TrackPoint struct {
	Lat, Lng   float64
	RecordedAt time.Time
}

// Patrol is one round walked by grid workers, kept even when nothing was
// found.
type Patrol struct {
	// Given by the client.
	ID           string
	Kind         PatrolKind
	SubjectID    string
	GridID       string
	StartedAt    time.Time
	EndedAt      time.Time
	Participants int
	Track        []TrackPoint
	TrackSystem  CoordinateSystem
	Notes        string
	ReportIDs    []string

	// Set by the server.
	ReporterID       string
	ReceivedAt       time.Time
	ClockSkewFlagged bool
}

// EffectiveAt is when the patrol started for statistics: the device's
// started_at, or received_at when the device clock was flagged.
func (p *Patrol) EffectiveAt() time.Time {
	if p.ClockSkewFlagged {
		return p.ReceivedAt
	}
	return p.StartedAt
}

// PatrolFilter selects patrols for ListPatrols; zero fields do not filter.
type PatrolFilter struct {
	Kinds         []PatrolKind
	GridIDs       []string
	SubjectID     string
	StartedAfter  time.Time // inclusive
	StartedBefore time.Time // exclusive
	PageSize      int
	PageToken     string
}
