package store

import (
	"fmt"

	"github.com/gridinspect/gridinspect"
)

// recordChange appends one row to the change sequence for a change of an
// entity in gridID. It must be called in the same write as the change:
// the sequence number is assigned inside the writer's transaction, so
// sequence order is commit order and a sync cursor never skips a change
// that commits later with a smaller number.
func recordChange(tx *Tx, entityType, entityID, gridID string) error {
	return insertChange(tx, entityType, entityID, gridID, nil)
}

// recordEventChange records the change of a report that event e (just
// appended to its timeline) made, naming the event, so that Pull sends
// the report with exactly the events of the changes it sends. Every event
// append is followed by one, in the same write.
func recordEventChange(tx *Tx, e *gridinspect.Event, gridID string) error {
	return insertChange(tx, "report", e.ReportID, gridID, e.ID)
}

func insertChange(tx *Tx, entityType, entityID, gridID string, eventID any) error {
	if err := tx.execLater("INSERT INTO changes (street_id, entity_type, entity_id, grid_id, changed_at, event_id) VALUES (?, ?, ?, ?, ?, ?)",
		tx.Street, entityType, entityID, gridID, tx.Now.UnixNano(), eventID); err != nil {
		return fmt.Errorf("record change of %s %s: %w", entityType, entityID, err)
	}
	return nil
}
