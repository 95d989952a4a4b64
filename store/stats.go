package store

import (
	"context"
	"time"

	"github.com/gridinspect/gridinspect"
)

func (db *DB) Summary(ctx context.Context, from, to time.Time, gridIDs []string) (*gridinspect.Summary, error) {
	return &gridinspect.Summary{}, nil
}
