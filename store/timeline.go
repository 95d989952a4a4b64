package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/gridinspect/gridinspect"
)

// GetTimeline returns every event of a case in order, and whether their
// hash chain is intact. See gridinspect.RectificationService.
//
// A broken chain is answered, not refused: the events are what the
// database holds, and whoever reads them must be told they were altered.
// It is also logged, since nothing but tampering with the file can break
// it (the events table refuses updates and deletes).
func (db *DB) GetTimeline(ctx context.Context, reportID string) ([]*gridinspect.Event, bool, error) {
	a, err := gridinspect.RequireActor(ctx)
	if err != nil {
		return nil, false, err
	}
	id := strings.ToLower(reportID)
	var grid string
	found := false
	var events []*gridinspect.Event
	err = db.Read(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRow("SELECT grid_id FROM reports WHERE street_id = ? AND id = ?", a.Street(), id).Scan(&grid)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return nil
		case err != nil:
			return fmt.Errorf("read report %s: %w", id, err)
		}
		found = true
		if !a.CanSeeGrid(grid) {
			return nil
		}
		events, err = listEvents(tx, a.Street(), id)
		return err
	})
	switch {
	case err != nil:
		return nil, false, domainErr(err, "get timeline of report %s", id)
	case !found:
		return nil, false, gridinspect.NotFound(a, "report %s not found", id)
	case !a.CanSeeGrid(grid):
		return nil, false, gridinspect.ErrOutOfScope
	}
	ok, bad := gridinspect.VerifyChain(events)
	if !ok {
		db.logger.Error("store: the hash chain of a timeline is broken", "report", id, "seq", bad)
	}
	return events, ok, nil
}
