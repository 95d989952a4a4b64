package store

import (
	"fmt"
	"strings"

	"github.com/gridinspect/gridinspect"
)

// A push's ledger rows, written together. When a batch runs whole (no
// savepoint each, pushWhole), the ledger rows of its applied mutations
// are held back and inserted at the end, many rows a statement: on
// PostgreSQL each statement is a round trip. Nothing in the batch reads
// them meanwhile but a mutation id sent twice in it, which has them
// written first (pushLedger.flushFor). If the insert fails, pushWhole
// fails and the batch runs again with a savepoint each, each row
// inserted on its own (insertLedger): a mutation is still recorded in the
// same transaction as its effect, or neither.

// ledgerInsert is the start of the statement that inserts ledger rows;
// ledgerValues is one row's placeholders.
const (
	ledgerInsert = `INSERT INTO mutations (street_id, mutation_id, device_id, device_seq, user_id, content_hash,
		outcome, reason, reason_zh, fields, report_id, event_id, patrol_id, received_at) VALUES `
	ledgerValues   = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
	ledgerRowsEach = 64 // rows a statement: 896 parameters
)

// ledgerArgs returns the values of a mutation's ledger row.
func ledgerArgs(tx *Tx, deviceID, userID string, it *pushItem, res *gridinspect.MutationResult) ([]any, error) {
	fields, err := fieldsJSON(res.Fields)
	if err != nil {
		return nil, err
	}
	var report, event, patrol string
	if res.Report != nil {
		report = res.Report.ID
	}
	if res.Event != nil {
		event = res.Event.ID
	}
	if res.Patrol != nil {
		patrol = res.Patrol.ID
	}
	return []any{tx.Street, it.id, deviceID, it.m.DeviceSeq, userID, it.hash, res.Outcome, res.Reason, res.ReasonChinese, fields,
		nullString(report), nullString(event), nullString(patrol), tx.Now.UnixNano()}, nil
}

// pushLedger holds the ledger rows of a batch run whole until flush.
type pushLedger struct {
	args [][]any
	ids  map[string]bool // the mutation ids held
}

// add holds a mutation's ledger row.
func (l *pushLedger) add(tx *Tx, deviceID, userID string, it *pushItem, res *gridinspect.MutationResult) error {
	args, err := ledgerArgs(tx, deviceID, userID, it, res)
	if err != nil {
		return err
	}
	if l.ids == nil {
		l.ids = map[string]bool{}
	}
	l.args = append(l.args, args)
	l.ids[it.id] = true
	return nil
}

// flushFor writes the rows held before the ledger is read for it: a
// mutation id sent twice in one batch must find its first row.
func (l *pushLedger) flushFor(tx *Tx, it *pushItem) error {
	if !l.ids[it.id] {
		return nil
	}
	return l.flush(tx)
}

// flush inserts the rows held, ledgerRowsEach a statement.
func (l *pushLedger) flush(tx *Tx) error {
	for len(l.args) > 0 {
		n := min(len(l.args), ledgerRowsEach)
		var q strings.Builder
		q.WriteString(ledgerInsert)
		args := make([]any, 0, n*len(l.args[0]))
		for i, row := range l.args[:n] {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString(ledgerValues)
			args = append(args, row...)
		}
		if err := tx.execLater(q.String(), args...); err != nil {
			return fmt.Errorf("record %d mutations: %w", n, err)
		}
		l.args = l.args[n:]
	}
	clear(l.ids)
	return nil
}

// lookAheadPush looks for the batch's mutations in the ledger and for the
// reports and patrols they submit, one query each (see lookahead.go).
func lookAheadPush(tx *Tx, items []*pushItem) error {
	keys := make([]idKey, 0, 2*len(items))
	for _, it := range items {
		if it.done {
			continue
		}
		keys = append(keys, idKey{"mutation", tx.Street, it.id})
		switch {
		case it.report != nil:
			keys = append(keys, idKey{"report", tx.Street, strings.ToLower(it.report.ID)})
		case it.patrol != nil:
			keys = append(keys, idKey{"patrol", tx.Street, strings.ToLower(it.patrol.ID)})
		}
	}
	return tx.lookAhead(keys)
}
