package store

import "fmt"

// recordChange appends one row to the change sequence for a change of an
// entity in gridID. It must be called in the same write as the change:
// the sequence number is assigned inside the writer's transaction, so
// sequence order is commit order and a sync cursor never skips a change
// that commits later with a smaller number.
func recordChange(tx *Tx, entityType, entityID, gridID string) error {
	if _, err := tx.Exec("INSERT INTO changes (entity_type, entity_id, grid_id, changed_at) VALUES (?, ?, ?, ?)",
		entityType, entityID, gridID, tx.Now.UnixNano()); err != nil {
		return fmt.Errorf("record change of %s %s: %w", entityType, entityID, err)
	}
	return nil
}
