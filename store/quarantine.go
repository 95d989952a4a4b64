package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/gridinspect/gridinspect"
)

// The quarantine keeps every pushed mutation that was rejected, as it was
// pushed, so that nothing a worker recorded is silently lost: a
// supervisor can see what could not be applied and why.

const quarantineColumns = "mutation_id, device_id, device_seq, user_id, raw, reason, reason_zh, fields, received_at"

// insertQuarantine keeps a rejected mutation.
func insertQuarantine(tx *Tx, q *gridinspect.Quarantined) error {
	fields, err := fieldsJSON(q.Fields)
	if err != nil {
		return err
	}
	raw := q.Raw
	if raw == nil {
		raw = []byte{} // raw is NOT NULL; nil would bind as NULL
	}
	if _, err := tx.Exec("INSERT INTO quarantine (street_id, "+quarantineColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		tx.Street, q.MutationID, q.DeviceID, q.DeviceSeq, q.UserID, raw, q.Reason, q.ReasonChinese, fields, q.ReceivedAt.UnixNano()); err != nil {
		return fmt.Errorf("quarantine mutation %s: %w", q.MutationID, err)
	}
	return nil
}

// ListQuarantine returns one page of rejected mutations, newest first,
// of one device, or of every device for "". See gridinspect.SyncService.
func (db *DB) ListQuarantine(ctx context.Context, deviceID string, size int, token string) ([]*gridinspect.Quarantined, string, error) {
	a, err := gridinspect.RequireActor(ctx)
	if err != nil {
		return nil, "", err
	}
	// What a phone pushed may be about any grid, and its raw form cannot
	// be filtered by grid: only those who see the whole street may look.
	if !a.IsAdmin() && !(a.Role == gridinspect.RoleSupervisor && a.AllGrids) {
		return nil, "", gridinspect.Errorf(gridinspect.EFORBIDDEN,
			"only an admin or a supervisor of the whole street may list quarantined mutations").
			Zh("只有管理员或全街道的主管可以查看未能同步的记录")
	}
	n, err := pageSize(size, DefaultPageSize)
	if err != nil {
		return nil, "", err
	}
	filter := filterHash("quarantine", deviceID)
	after, err := decodeToken(token, filter)
	if err != nil {
		return nil, "", err
	}

	var w where
	if deviceID != "" {
		w.add("device_id = ?", deviceID)
	}
	if after != nil {
		w.add("(received_at, mutation_id) < (?, ?)", after.Key, after.ID)
	}
	q := "SELECT " + quarantineColumns + " FROM quarantine WHERE street_id = ?" + w.and() +
		" ORDER BY received_at DESC, mutation_id DESC LIMIT ?"
	var list []*gridinspect.Quarantined
	err = db.Read(ctx, func(tx *sql.Tx) (err error) {
		list, err = queryAll(tx, q, append(append([]any{a.Street()}, w.args...), n+1), scanQuarantined)
		return err
	})
	if err != nil {
		return nil, "", domainErr(err, "list quarantined mutations")
	}
	next := ""
	list, last := cutPage(list, n)
	if last != nil {
		next = pageToken{Filter: filter, Key: (*last).ReceivedAt.UnixNano(), ID: (*last).MutationID}.encode()
	}
	return list, next, nil
}

func scanQuarantined(s scanner) (*gridinspect.Quarantined, error) {
	var e gridinspect.Quarantined
	var fields sql.NullString
	var received int64
	if err := s.Scan(&e.MutationID, &e.DeviceID, &e.DeviceSeq, &e.UserID, &e.Raw, &e.Reason,
		&e.ReasonChinese, &fields, &received); err != nil {
		return nil, err
	}
	var err error
	if e.Fields, err = parseFields(fields); err != nil {
		return nil, fmt.Errorf("quarantined mutation %s: fields: %w", e.MutationID, err)
	}
	e.ReceivedAt = unixNanos(received)
	return &e, nil
}
