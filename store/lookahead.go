package store

import (
	"errors"
	"fmt"
	"slices"
)

// Looking ahead. Every new report is looked for before it is inserted
// (submitOnceTx: a retry must be answered, not stored twice), and every
// pushed mutation in the ledger. On SQLite each look is microseconds; on
// PostgreSQL each is a round trip, and a group of 60 SubmitReports or a
// push of 500 mutations made as many. So the ids a group's writes will
// look for are looked for together, one query a table, in the group's
// transaction (after its lock: no other writer of the street can store
// one meanwhile), and those not stored are remembered as absent. A write
// that then looks for one of them takes it out of the set (knownAbsent),
// so that a second look for the same id (the same report twice in one
// push, or in two writes of the group) reads the table again and sees
// what the first stored. A write undone under its savepoint only makes
// the set miss an id it could have held; a group undone whole starts a
// new group, which looks again.

// idKey names an object a write looks for before inserting it: what
// (submitOnceTx's word, "report"), its street and its id.
type idKey struct {
	what   string
	street int64
	id     string
}

// lookAheadTables are the tables of the objects looked for ahead, by
// submitOnceTx's word for them.
var lookAheadTables = map[string]string{"report": "reports", "patrol": "patrols", "mutation": "mutations"}

// lookAheadQueries are their statements, each naming its street.
var lookAheadQueries = map[string]string{
	"report": "SELECT id FROM reports WHERE street_id = ? AND id IN (SELECT value FROM json_each(?))",
	"patrol": "SELECT id FROM patrols WHERE street_id = ? AND id IN (SELECT value FROM json_each(?))",
	// The ledger of pushed mutations (sync_push.go).
	"mutation": "SELECT mutation_id FROM mutations WHERE street_id = ? AND mutation_id IN (SELECT value FROM json_each(?))",
}

// knownAbsent reports whether the group found the object not stored and
// no write of the group has looked for it since; it takes it out of the
// set, so that it is true once.
func (tx *Tx) knownAbsent(what string, street int64, id string) bool {
	if tx.group == nil || tx.group.absent == nil {
		return false
	}
	k := idKey{what, street, id}
	if _, ok := tx.group.absent[k]; !ok {
		return false
	}
	delete(tx.group.absent, k)
	return true
}

// lookAhead looks for keys in the group's transaction, one query for each
// kind and street, and adds those not stored to the group's absent set.
// A lone id of its kind is left to its write's own look, which costs the
// same.
func (tx *Tx) lookAhead(keys []idKey) error {
	if tx.group == nil || len(keys) < 2 {
		return nil
	}
	type table struct {
		what   string
		street int64
	}
	byTable := map[table][]string{}
	for _, k := range keys {
		if _, ok := lookAheadTables[k.what]; ok && k.id != "" {
			t := table{k.what, k.street}
			byTable[t] = append(byTable[t], k.id)
		}
	}
	for t, ids := range byTable {
		slices.Sort(ids)
		if ids = slices.Compact(ids); len(ids) < 2 {
			continue // its write's own look costs the same
		}
		list, err := idList(ids)
		if err != nil {
			return err
		}
		stored := map[string]bool{}
		rows, err := tx.Query(lookAheadQueries[t.what], t.street, list)
		if err != nil {
			return fmt.Errorf("look for %ss: %w", t.what, err)
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return fmt.Errorf("look for %ss: %w", t.what, err)
			}
			stored[id] = true
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return fmt.Errorf("look for %ss: %w", t.what, err)
		}
		if tx.group.absent == nil {
			tx.group.absent = map[idKey]struct{}{}
		}
		for _, id := range ids {
			if !stored[id] {
				tx.group.absent[idKey{t.what, t.street, id}] = struct{}{}
			}
		}
	}
	return nil
}
