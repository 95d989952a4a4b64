package gridinspect

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"
)

// EventType is what an event on a report's timeline records; the numbers
// are the API's.
type EventType int

// Event types.
const (
	EventUnspecified EventType = iota
	EventReportSubmitted
	EventReportAssigned
	EventReportRejected
	EventProgressRecorded
	EventNoticeIssued
	EventInterviewRecorded
	EventRectificationSubmitted
	EventRectificationVerified
	EventFollowUpRecorded
	EventCommentAdded
	EventDeadlineExtended
	EventReportReassigned                  // 12, 转派
	EventReportUrged                       // 13, 催办
	EventReportSupervised                  // 14, 督办
	EventReportReturned     EventType = 15 // 退回补充
	EventReportSupplemented EventType = 16 // 补充材料
)

// Event is one immutable entry on a report's timeline. A report's state is
// what its events made of it. Every event takes the next Seq; only events
// that applied raise the report's Version, so that an action recorded as a
// conflict does not make everyone else's view stale.
type Event struct {
	ID               string // the action's client-made id (the report id for the submission)
	ReportID         string
	Seq              int64 // 1, 2, … within the report: its place on the timeline
	Version          int64 // the report's version after the event
	Type             EventType
	ActorID          string
	OccurredAt       time.Time // device time
	ReceivedAt       time.Time // server time
	ClockSkewFlagged bool
	Note             string
	PhotoIDs         []string
	StatusBefore     Status
	StatusAfter      Status
	Conflict         bool
	ConflictCode     string // the error code the action met (ESTALE, EPRECONDITION, …)
	ConflictReason   string
	Data             EventData
	PrevHash         string
	Hash             string
}

// EffectiveAt is when the event happened for statistics and deadlines: the
// device's occurred_at, or received_at when the device clock was flagged.
func (e *Event) EffectiveAt() time.Time {
	if e.ClockSkewFlagged {
		return e.ReceivedAt
	}
	return e.OccurredAt
}

// ComputeHash returns the hex SHA-256 of the event's content chained to
// PrevHash. Any change to a stored event, or a removed or reordered one,
// changes the hashes from there on.
func (e *Event) ComputeHash() string {
	// A fixed struct encoded by encoding/json is deterministic: field order
	// is the declaration order and times are RFC 3339 in UTC.
	content := struct {
		ID, ReportID        string
		Seq, Version        int64
		Type                EventType
		ActorID             string
		OccurredAt          time.Time
		ReceivedAt          time.Time
		Skew                bool
		Note                string
		PhotoIDs            []string
		StatusBefore, After Status
		Conflict            bool
		ConflictCode        string
		ConflictReason      string
		Data                EventData
		PrevHash            string
	}{e.ID, e.ReportID, e.Seq, e.Version, e.Type, e.ActorID, e.OccurredAt.UTC(), e.ReceivedAt.UTC(), e.ClockSkewFlagged,
		e.Note, e.PhotoIDs, e.StatusBefore, e.StatusAfter, e.Conflict, e.ConflictCode, e.ConflictReason, e.Data, e.PrevHash}
	b, err := json.Marshal(content)
	if err != nil {
		panic("gridinspect: hashing an event: " + err.Error()) // cannot happen: plain data
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// VerifyChain reports whether events (one report's, in Seq order) form an
// unbroken hash chain from the first, and the Seq of the first bad one.
func VerifyChain(events []*Event) (ok bool, badSeq int64) {
	prev := ""
	for i, e := range events {
		if e.Seq != int64(i+1) || e.PrevHash != prev || e.ComputeHash() != e.Hash {
			return false, int64(i + 1)
		}
		prev = e.Hash
	}
	return true, 0
}
