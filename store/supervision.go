package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/gridinspect/gridinspect"
)

// Supervision (督办): the server escalates a case whose deadline passed
// while it was ASSIGNED or RECTIFYING, on its own, whether or not anyone
// is looking. Each escalation is an event by the system
// (gridinspect.SystemActor) on the case's timeline, in its hash chain, and
// a change that Pull carries, like any action.
//
// Once per deadline: the case keeps the deadline it was escalated for
// (reports.supervised_deadline), so running again, after a restart or in
// a second process, escalates nothing twice; a deadline extended and then
// passed again is a new broken promise, and escalates the case again.
// The event's id is made from the case and the deadline, so that even two
// processes racing write one event.

// DefaultSuperviseEvery is how often gridd looks for cases to escalate.
const DefaultSuperviseEvery = time.Minute

// superviseBatch bounds the cases one write escalates, so that a backlog
// (a server that was down for a week) does not hold the writer long.
const superviseBatch = 200

// SuperviseOverdue escalates every overdue case not yet escalated for its
// deadline, and returns how many it escalated. Each street's cases are
// escalated in writes of that street (a write is one street's: nextGroup).
func (db *DB) SuperviseOverdue(ctx context.Context) (int, error) {
	streets, err := db.overdueStreets(ctx)
	if err != nil {
		return 0, fmt.Errorf("store: supervise overdue cases: %w", err)
	}
	total := 0
	for _, street := range streets {
		for {
			n := 0
			err := db.writeIn(ctx, street, func(tx *Tx) (err error) {
				n, err = db.superviseTx(tx)
				return err
			})
			total += n
			if err != nil {
				return total, fmt.Errorf("store: supervise overdue cases: %w", err)
			}
			if n < superviseBatch {
				break
			}
		}
	}
	return total, nil
}

// overdueStreets returns the streets that have cases to escalate.
func (db *DB) overdueStreets(ctx context.Context) ([]int64, error) {
	var streets []int64
	err := db.Read(ctx, func(tx *sql.Tx) error {
		streets = nil
		return forEachRow(tx, query{`SELECT DISTINCT street_id FROM reports INDEXED BY reports_supervision
			WHERE status IN (2, 3) AND deadline < ? AND supervised_deadline IS NOT deadline
			ORDER BY street_id`, []any{db.now().UnixNano()}}, func(rows *sql.Rows) error {
			var street int64
			if err := rows.Scan(&street); err != nil {
				return err
			}
			streets = append(streets, street)
			return nil
		})
	})
	return streets, err
}

// superviseTx escalates up to superviseBatch overdue cases of tx's street.
func (db *DB) superviseTx(tx *Tx) (int, error) {
	// The literals are StatusAssigned and StatusRectifying (see stats.go),
	// as the partial index reports_supervision names them.
	var ids []string
	err := forEachRow(tx, query{`SELECT id FROM reports INDEXED BY reports_supervision
		WHERE status IN (2, 3) AND deadline < ? AND supervised_deadline IS NOT deadline AND street_id = ?
		ORDER BY deadline, id LIMIT ?`, []any{tx.Now.UnixNano(), tx.Street, superviseBatch}}, func(rows *sql.Rows) error {
		var id string
		if err := rows.Scan(&id); err != nil {
			return err
		}
		ids = append(ids, id)
		return nil
	})
	if err != nil {
		return 0, err
	}
	system := gridinspect.SystemActor()
	for _, id := range ids {
		rep, _, err := getReport(tx, tx.Street, id)
		if err != nil {
			return 0, err
		}
		a := &gridinspect.Action{ID: supervisionID(rep), ReportID: rep.ID, Type: gridinspect.EventReportSupervised}
		after, e, err := db.rules.Apply(rep, a, system, tx.Now)
		if err != nil {
			return 0, fmt.Errorf("escalate report %s: %w", rep.ID, err)
		}
		if _, err := db.applied(tx, rep, after, e, a.ContentHash()); err != nil {
			return 0, err
		}
	}
	return len(ids), nil
}

// supervisionID is the id of the event escalating rep for its deadline:
// the same for the same case and deadline, in any process.
func supervisionID(rep *gridinspect.Report) string {
	name := "gridinspect supervision " + rep.ID + " " + strconv.FormatInt(rep.Deadline.UnixNano(), 10)
	return uuid.NewSHA1(uuid.NameSpaceOID, []byte(name)).String()
}

// RunSupervision escalates overdue cases at once and then every interval,
// until ctx is done. A failed round is logged and tried again at the next.
func (db *DB) RunSupervision(ctx context.Context, every time.Duration) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		n, err := db.SuperviseOverdue(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			db.logger.Warn("store: escalate overdue cases to supervision", "err", err)
		case n > 0:
			db.logger.Info("store: escalated overdue cases to supervision", "cases", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
