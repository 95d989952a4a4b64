package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/google/uuid"
	"github.com/gridinspect/gridinspect"
)

// Sync Push. A phone pushes what it recorded offline as one batch of
// mutations, each standing for an online call (SubmitReport, SubmitPatrol,
// an action) and taking the same path as that call: the transaction-level
// functions submitReportTx, submitPatrolTx and actTx.
//
// The whole batch is one write (one commit, however many mutations), and
// one mutation's failure is rolled back alone and never undoes or blocks
// the others: the batch is first run with no savepoint per mutation (most
// batches apply whole, and a savepoint per mutation copies every page each
// one touches), and if one mutation must be undone alone, the batch is
// undone and run again with each mutation under its own savepoint (see
// pushAll). Each mutation's row in the ledger (the mutations table) is
// written under the same savepoint as its effect, so the two commit
// together: a mutation is either applied and recorded, or neither. A
// rejected mutation's effect is rolled back, then its ledger row and its
// quarantine row are written, so that sending it again is answered the
// same and a supervisor can see it. A mutation that failed on the
// server's side (a bug, a full disk) is rolled back and leaves no ledger
// row: it is answered OutcomeUnspecified, "retry", and a retry applies it.

// reasonReused is the answer to a mutation id sent again with other
// content, in English and in Chinese; the ledger keeps the first.
const (
	reasonReused   = "mutation id reused for different content"
	reasonReusedZh = "该记录的编号已用于另一条不同的内容，未能保存"
)

// reasonRetry is the answer to a mutation that failed on the server's
// side, in English and in Chinese.
const (
	reasonRetry   = "internal error; retry"
	reasonRetryZh = "服务器内部错误，将自动重试"
)

// pushItem is one mutation on its way through Push.
type pushItem struct {
	m    *gridinspect.Mutation
	id   string // the mutation id, lowercased
	hash string // m.ContentHash(), kept in the ledger

	// What the mutation asks for, checked before the write (one of
	// them), with its content hash; or why it cannot apply.
	report  *gridinspect.Report
	patrol  *gridinspect.Patrol
	action  *gridinspect.Action
	objHash string
	invalid error

	result *gridinspect.MutationResult
	// done: answered before the write (a mutation id that is no UUID);
	// failed: failed on the server's side, not in the ledger.
	done, failed bool
}

// Push applies a device's batch of mutations. See gridinspect.SyncService.
func (db *DB) Push(ctx context.Context, deviceID string, ms []*gridinspect.Mutation) ([]*gridinspect.MutationResult, int64, error) {
	a, err := gridinspect.RequireActor(ctx)
	if err != nil {
		return nil, 0, err
	}
	if deviceID == "" {
		return nil, 0, violationZh("invalid push", "device_id", "is required", "设备编号不能为空")
	}
	if deviceID != a.DeviceID {
		return nil, 0, gridinspect.Errorf(gridinspect.EFORBIDDEN,
			"device %s is not the device this session logged in on", deviceID).
			Zh("该设备不是本次登录所用的设备，请重新登录")
	}
	if len(ms) > gridinspect.MaxPushMutations {
		return nil, 0, violationZh("invalid push", "mutations",
			fmt.Sprintf("has %d mutations; at most %d", len(ms), gridinspect.MaxPushMutations),
			"一次最多同步 "+itoa(gridinspect.MaxPushMutations)+" 条，现有 "+itoa(len(ms))+" 条")
	}
	size := 0
	for i, m := range ms {
		if m == nil {
			return nil, 0, violationZh("invalid push", "mutations["+itoa(i)+"]", "is missing", "同步的内容缺了一条")
		}
		size += len(m.Raw)
	}
	if size > gridinspect.MaxPushBytes {
		return nil, 0, violationZh("invalid push", "mutations",
			fmt.Sprintf("are %d bytes; at most %d", size, gridinspect.MaxPushBytes), "一次同步的数据过多，请分批同步")
	}

	items := db.preparePush(ms)

	// A batch sent again whole (the link dropped before the answer came)
	// is answered from the ledger on the read pool, without queueing for
	// the writer or committing anything.
	answered, highest, err := db.pushFromLedger(ctx, a, deviceID, items)
	if err != nil {
		return nil, 0, domainErr(err, "push from device %s", deviceID)
	}
	if !answered {
		err = db.Write(ctx, func(tx *Tx) error {
			if err := db.pushAll(tx, a, deviceID, items); err != nil {
				return err
			}
			if err := notePendingRetries(tx, a.UserID, deviceID, items); err != nil {
				return err
			}
			var err error
			highest, err = highestSeq(tx, a.Street(), a.UserID, deviceID)
			return err
		})
		if err != nil {
			return nil, 0, domainErr(err, "push from device %s", deviceID)
		}
	}

	results := make([]*gridinspect.MutationResult, len(items))
	for i, it := range items {
		results[i] = it.result
		// The phone deletes from its outbox everything up to the highest
		// seq answered; a mutation that must be sent again stays below it.
		if it.failed {
			highest = min(highest, it.m.DeviceSeq-1)
		}
	}
	return results, max(highest, 0), nil
}

// preparePush sorts a batch by DeviceSeq (stably: a repeated seq keeps
// the order it was sent in) and checks each mutation as given, before the
// write, as the online calls check their requests.
func (db *DB) preparePush(ms []*gridinspect.Mutation) []*pushItem {
	items := make([]*pushItem, len(ms))
	for i, m := range ms {
		items[i] = &pushItem{m: m}
	}
	slices.SortStableFunc(items, func(x, y *pushItem) int { return cmp.Compare(x.m.DeviceSeq, y.m.DeviceSeq) })

	seqOwner := make(map[int64]string, len(items))
	for _, it := range items {
		m := it.m
		if !isUUID(m.ID) {
			// Not kept: without a usable id the mutation cannot be told
			// from a retry of itself.
			it.result = rejection(m, violationZh("invalid mutation", "mutation_id", "must be a UUID", "操作编号格式不对"))
			it.done = true
			continue
		}
		it.id = strings.ToLower(m.ID)
		if owner, ok := seqOwner[m.DeviceSeq]; ok && owner != it.id {
			it.hash = m.ContentHash()
			it.invalid = &gridinspect.Error{Code: gridinspect.EINVALID, Message: "device_seq repeats",
				Fields: []gridinspect.FieldViolation{{Field: "device_seq",
					Description: fmt.Sprintf("%d is also the device_seq of mutation %s", m.DeviceSeq, owner),
					Chinese:     "与同批另一条操作的序号重复"}}}
			continue
		}
		seqOwner[m.DeviceSeq] = it.id
		it.invalid = db.prepareMutation(it)
		it.hash = mutationHash(it)
	}
	return items
}

// mutationHash is m.ContentHash() for the ledger. A valid report's is
// taken from the hash prepareReport already made of the same fields (a
// report as given and its clientReport copy hash alike), so that a pushed
// report is marshalled and hashed once, not twice; an action's prepared
// copy is canonical, not as given, so its hash is not the mutation's.
func mutationHash(it *pushItem) string {
	if it.invalid == nil && it.report != nil && it.objHash != "" {
		return "report:" + it.objHash
	}
	return it.m.ContentHash()
}

// prepareMutation checks what a mutation asks for, as the online call it
// stands for checks its request.
func (db *DB) prepareMutation(it *pushItem) (err error) {
	m := it.m
	kinds := 0
	for _, set := range []bool{m.Report != nil, m.Patrol != nil, m.Action != nil} {
		if set {
			kinds++
		}
	}
	switch {
	case m.Invalid != nil:
		return m.Invalid
	case kinds == 0:
		return violationZh("invalid mutation", "kind", "is required: a report, a patrol or an action", "须为上报、巡查或案件操作之一")
	case kinds > 1:
		return violationZh("invalid mutation", "kind", "must be one of a report, a patrol or an action", "须为上报、巡查或案件操作之一")
	case m.Report != nil:
		it.report, it.objHash, err = db.prepareReport(m.Report)
	case m.Patrol != nil:
		it.patrol, it.objHash, err = db.preparePatrol(m.Patrol)
	default:
		it.action, it.objHash, err = db.prepareAction(m.Action)
	}
	return err
}

// pushFromLedger answers the batch from the ledger on the read pool if
// every mutation in it is there (or was answered already), and reports
// whether it did, with the caller's highest seq on the device.
func (db *DB) pushFromLedger(ctx context.Context, a *gridinspect.Actor, deviceID string, items []*pushItem) (bool, int64, error) {
	all := true
	var highest int64
	err := db.Read(ctx, func(tx *sql.Tx) error {
		for _, it := range items {
			if it.done {
				continue
			}
			led, err := getLedger(tx, a.Street(), it.id)
			if err != nil {
				return err
			}
			if led == nil {
				all = false
				return nil
			}
			if it.result, err = answerFromLedger(tx, a, it, led); err != nil {
				return err
			}
		}
		var err error
		highest, err = highestSeq(tx, a.Street(), a.UserID, deviceID)
		return err
	})
	return all && err == nil, highest, err
}

// pushAll answers the mutations of a batch in the writer's transaction,
// leaving each result in its item. Run with the rest of its group, it
// answers them with no savepoint of their own (pushWhole), and if one of
// them would have to be undone alone it fails, so that the group is
// undone and run again with this write under its own savepoint; then it
// answers each mutation under a savepoint of its own (pushOne). An error
// is returned then only when a savepoint could not be rolled back or
// released, which dooms the whole batch.
func (db *DB) pushAll(tx *Tx, a *gridinspect.Actor, deviceID string, items []*pushItem) error {
	for _, it := range items {
		if !it.done {
			it.result, it.failed = nil, false // from a run that was undone
		}
	}
	if err := lookAheadPush(tx, items); err != nil {
		return err
	}
	if !tx.ownSavepoint {
		if db.pushWhole(tx, a, deviceID, items) {
			return nil
		}
		return errUndoAlone
	}
	for _, it := range items {
		if err := db.pushOne(tx, a, deviceID, it); err != nil {
			return err
		}
	}
	return nil
}

// errUndoAlone fails a push run with the rest of its group when one of
// its mutations has to be undone alone: the group is run again, the push
// under a savepoint of its own.
var errUndoAlone = errors.New("store: push: a mutation must be undone alone")

// pushWhole answers the mutations of a batch with no savepoint of their
// own, as pushOne would, and reports whether it could: it stops at the
// first mutation whose effect would have to be undone alone (one rejected
// after it may have written something, or one that failed), and what it
// did must then be undone.
func (db *DB) pushWhole(tx *Tx, a *gridinspect.Actor, deviceID string, items []*pushItem) bool {
	var ledger pushLedger // the applied mutations' rows, written at the end
	for _, it := range items {
		if it.done {
			continue
		}
		if err := ledger.flushFor(tx, it); err != nil {
			return false
		}
		answered, err := fromLedger(tx, a, it)
		if err != nil {
			return false
		}
		if answered {
			continue
		}
		res, err := db.applyMutation(tx, a, it)
		switch {
		case err != nil:
			return false
		case res.Outcome == gridinspect.OutcomeRejected && it.invalid == nil:
			return false // it may have written before it was refused
		case res.Outcome == gridinspect.OutcomeRejected:
			err = recordRejection(tx, deviceID, a.UserID, it, res) // refused before the write: nothing to undo
		default:
			err = ledger.add(tx, deviceID, a.UserID, it, res)
		}
		if err != nil {
			return false
		}
		it.result = res
	}
	return ledger.flush(tx) == nil
}

// fromLedger answers a mutation from the ledger if it is there (a
// mutation sent before, in an earlier push or earlier in this one) and
// reports whether it did.
func fromLedger(tx *Tx, a *gridinspect.Actor, it *pushItem) (bool, error) {
	if tx.knownAbsent("mutation", tx.Street, it.id) {
		return false, nil // looked for with the batch's others
	}
	led, err := getLedger(tx, tx.Street, it.id)
	if err != nil || led == nil {
		return false, err
	}
	it.result, err = answerFromLedger(tx, a, it, led)
	return err == nil, err
}

// pushOne answers one mutation in the writer's transaction: from the
// ledger if it is there, else by applying it under its own savepoint. Its
// result is left in it.result. An error is returned only when a savepoint
// could not be rolled back or released, which dooms the whole batch.
func (db *DB) pushOne(tx *Tx, a *gridinspect.Actor, deviceID string, it *pushItem) error {
	if it.done {
		return nil
	}
	answered, err := fromLedger(tx, a, it)
	if err != nil {
		db.pushFailed(it, deviceID, err) // nothing written
		return nil
	}
	if answered {
		return nil
	}

	// Every mutation's savepoint has the same name, so that its
	// statements are prepared once: each is released before the next.
	const sp = "mutation"
	if _, err := tx.Exec("SAVEPOINT " + sp); err != nil {
		return fmt.Errorf("savepoint %s: %w", sp, err)
	}
	mark := len(tx.after)
	rollback := func() error {
		tx.after = tx.after[:mark]
		if _, err := tx.Exec("ROLLBACK TO " + sp); err != nil {
			return fmt.Errorf("roll back to savepoint %s: %w", sp, err)
		}
		return nil
	}

	res, err := db.applyMutation(tx, a, it)
	if err == nil && res.Outcome == gridinspect.OutcomeRejected {
		// Nothing of a rejected mutation stays but its ledger row and
		// the copy in quarantine.
		if rerr := rollback(); rerr != nil {
			return rerr
		}
		err = recordRejection(tx, deviceID, a.UserID, it, res)
	} else if err == nil {
		err = insertLedger(tx, deviceID, a.UserID, it, res)
	}
	if err != nil {
		if rerr := rollback(); rerr != nil {
			return rerr
		}
		db.pushFailed(it, deviceID, err)
	} else {
		it.result = res
	}
	if _, err := tx.Exec("RELEASE " + sp); err != nil {
		return fmt.Errorf("release savepoint %s: %w", sp, err)
	}
	return nil
}

// applyMutation applies one prepared mutation in the writer's transaction
// and returns its result. What the phone got wrong (invalid, not
// permitted, not found, an id taken) is a rejection; an action the case
// no longer allows, or on a stale version, is kept on the timeline as a
// conflict (actTx, offline). The error is what failed on the server's
// side, a panic included.
func (db *DB) applyMutation(tx *Tx, a *gridinspect.Actor, it *pushItem) (res *gridinspect.MutationResult, err error) {
	defer func() {
		if p := recover(); p != nil {
			res, err = nil, fmt.Errorf("mutation panicked: %v\n%s", p, debug.Stack())
		}
	}()
	m := it.m
	if it.invalid != nil {
		return rejection(m, it.invalid), nil
	}
	res = &gridinspect.MutationResult{MutationID: m.ID, DeviceSeq: m.DeviceSeq}
	switch {
	case it.report != nil:
		rep, e, dup, err := db.submitReportTx(tx, a, it.report, it.objHash)
		if err != nil {
			return rejectionOr(m, err)
		}
		if dup {
			// The submission event is the report's first, under its id.
			if e, _, err = getEvent(tx, tx.Street, rep.ID); err != nil {
				return nil, err
			}
		}
		res.Outcome, res.Report, res.Event = appliedOrDuplicate(dup), rep, e
	case it.patrol != nil:
		p, dup, err := db.submitPatrolTx(tx, a, it.patrol, it.objHash)
		if err != nil {
			return rejectionOr(m, err)
		}
		res.Outcome, res.Patrol = appliedOrDuplicate(dup), p
	case it.action != nil:
		out, err := db.actTx(tx, a, it.action, it.objHash, gridinspect.Offline)
		if err != nil {
			return rejectionOr(m, err)
		}
		res.Report, res.Event = out.report, out.event
		switch {
		case out.err != nil:
			// Kept on the timeline (now, or the first time this action
			// id came): the case as it stands and the conflict event.
			res.Outcome, res.Reason = gridinspect.OutcomeConflict, gridinspect.ErrorMessage(out.err)
			res.ReasonChinese = gridinspect.ErrorChinese(out.err)
		default:
			res.Outcome = appliedOrDuplicate(out.replay)
		}
	default:
		return nil, errors.New("mutation was not prepared")
	}
	return res, nil
}

func appliedOrDuplicate(dup bool) gridinspect.MutationOutcome {
	if dup {
		return gridinspect.OutcomeDuplicate
	}
	return gridinspect.OutcomeApplied
}

// rejectionOr returns the rejection of m for an error that is the phone's
// to fix, and any other error as it is: the server's failure.
func rejectionOr(m *gridinspect.Mutation, err error) (*gridinspect.MutationResult, error) {
	switch gridinspect.ErrorCode(err) {
	case gridinspect.EINVALID, gridinspect.EFORBIDDEN, gridinspect.ENOTFOUND, gridinspect.EEXISTS,
		gridinspect.ESTALE, gridinspect.EPRECONDITION:
		return rejection(m, err), nil
	}
	return nil, err
}

// rejection returns m's result for a rejection with err's reason, in
// English and in Chinese, and field violations.
func rejection(m *gridinspect.Mutation, err error) *gridinspect.MutationResult {
	res := &gridinspect.MutationResult{MutationID: m.ID, DeviceSeq: m.DeviceSeq, Outcome: gridinspect.OutcomeRejected,
		ReasonChinese: gridinspect.ErrorChinese(err)}
	var e *gridinspect.Error
	if errors.As(err, &e) {
		res.Reason, res.Fields = e.Message, e.Fields
	} else {
		// m.Invalid, made by the server from the wire form.
		res.Reason = err.Error()
	}
	return res
}

// pushFailed answers a mutation that failed on the server's side: it left
// nothing behind, no ledger row either, so the phone's retry applies it.
// The cause goes to the log, not to the phone.
func (db *DB) pushFailed(it *pushItem, deviceID string, err error) {
	db.logger.Error("store: push: a mutation failed; it is answered \"retry\"",
		"device", deviceID, "mutation", it.id, "device_seq", it.m.DeviceSeq, "err", err)
	it.result = &gridinspect.MutationResult{MutationID: it.m.ID, DeviceSeq: it.m.DeviceSeq,
		Outcome: gridinspect.OutcomeUnspecified, Reason: reasonRetry, ReasonChinese: reasonRetryZh}
	it.failed = true
}

// isUUID reports whether s is a UUID in its 36-character form.
func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	_, err := uuid.Parse(s)
	return err == nil
}

// The ledger.

// ledgerEntry is a mutation's row in the ledger: its first result.
type ledgerEntry struct {
	hash     string
	outcome  gridinspect.MutationOutcome
	reason   string
	reasonZh string
	fields   []gridinspect.FieldViolation
	reportID string
	eventID  string
	patrolID string
}

// getLedger returns the ledger row of mutation id in a street, or nil.
func getLedger(q queryer, street int64, id string) (*ledgerEntry, error) {
	var e ledgerEntry
	var fields, report, event, patrol sql.NullString
	err := q.QueryRow(`SELECT content_hash, outcome, reason, reason_zh, fields, report_id, event_id, patrol_id
		FROM mutations WHERE street_id = ? AND mutation_id = ?`, street, id).Scan(&e.hash, &e.outcome, &e.reason, &e.reasonZh, &fields, &report, &event, &patrol)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("read mutation %s: %w", id, err)
	}
	if e.fields, err = parseFields(fields); err != nil {
		return nil, fmt.Errorf("mutation %s: fields: %w", id, err)
	}
	e.reportID, e.eventID, e.patrolID = report.String, event.String, patrol.String
	return &e, nil
}

// insertLedger records a mutation's result in the ledger.
func insertLedger(tx *Tx, deviceID, userID string, it *pushItem, res *gridinspect.MutationResult) error {
	args, err := ledgerArgs(tx, deviceID, userID, it, res)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ledgerInsert+ledgerValues, args...); err != nil {
		return fmt.Errorf("record mutation %s: %w", it.id, err)
	}
	return nil
}

// recordRejection records a rejected mutation: its ledger row, and its
// copy in quarantine.
func recordRejection(tx *Tx, deviceID, userID string, it *pushItem, res *gridinspect.MutationResult) error {
	if err := insertLedger(tx, deviceID, userID, it, res); err != nil {
		return err
	}
	return insertQuarantine(tx, &gridinspect.Quarantined{
		MutationID: it.id, DeviceID: deviceID, DeviceSeq: it.m.DeviceSeq, UserID: userID,
		Raw: it.m.Raw, Reason: res.Reason, ReasonChinese: res.ReasonChinese, Fields: res.Fields, ReceivedAt: tx.Now,
	})
}

// answerFromLedger answers a mutation the ledger holds: its first
// outcome (an applied one is now a duplicate), with the report, event and
// patrol it was about as they are now, unless the caller can no longer
// see them. The same id with other content is refused and the ledger
// left as it is.
func answerFromLedger(q queryer, a *gridinspect.Actor, it *pushItem, led *ledgerEntry) (*gridinspect.MutationResult, error) {
	m := it.m
	res := &gridinspect.MutationResult{MutationID: m.ID, DeviceSeq: m.DeviceSeq}
	if led.hash != it.hash {
		res.Outcome, res.Reason, res.ReasonChinese = gridinspect.OutcomeRejected, reasonReused, reasonReusedZh
		res.Fields = []gridinspect.FieldViolation{{Field: "mutation_id", Description: "was sent before with other content",
			Chinese: "此前已用于不同的内容"}}
		return res, nil
	}
	// A row written before reason_zh was kept answers without it.
	res.Outcome, res.Reason, res.ReasonChinese, res.Fields = led.outcome, led.reason, led.reasonZh, led.fields
	if res.Outcome == gridinspect.OutcomeApplied {
		res.Outcome = gridinspect.OutcomeDuplicate
	}
	if led.reportID != "" {
		rep, _, err := getReport(q, a.Street(), led.reportID)
		if err != nil {
			return nil, err
		}
		if rep != nil && a.CanSeeGrid(rep.GridID) {
			res.Report = rep
			if led.eventID != "" {
				if res.Event, _, err = getEvent(q, a.Street(), led.eventID); err != nil {
					return nil, err
				}
			}
		}
	}
	if led.patrolID != "" {
		p, _, err := getPatrol(q, a.Street(), led.patrolID)
		if err != nil {
			return nil, err
		}
		if p != nil && a.CanSeeGrid(p.GridID) {
			res.Patrol = p
		}
	}
	return res, nil
}

// highestSeq returns the highest device_seq the phone may delete up to:
// the highest the ledger holds of what the user pushed from the device,
// but below any mutation of theirs still waiting to be sent again
// (push_retries), whatever later pushes carried. It is the user's on that
// device, never the device's alone: a device id is whatever the phone said
// at Login, and another account's pushes on the same id must not make this
// user's phone delete its outbox (DESIGN.md, "Devices belong to users").
func highestSeq(q queryer, street int64, userID, deviceID string) (int64, error) {
	var seq int64
	var pending sql.NullInt64
	if err := q.QueryRow(`SELECT coalesce((SELECT max(device_seq) FROM mutations WHERE street_id = ? AND user_id = ? AND device_id = ?), 0),
		(SELECT min(device_seq) FROM push_retries WHERE street_id = ? AND user_id = ? AND device_id = ?)`,
		street, userID, deviceID, street, userID, deviceID).Scan(&seq, &pending); err != nil {
		return 0, fmt.Errorf("read highest device_seq of user %s on device %s: %w", userID, deviceID, err)
	}
	if pending.Valid {
		seq = min(seq, pending.Int64-1)
	}
	return max(seq, 0), nil
}

// notePendingRetries records the mutations of a user's batch answered
// "retry", and forgets those of the user's earlier batches on the device
// that are now stored, in the batch's transaction.
func notePendingRetries(tx *Tx, userID, deviceID string, items []*pushItem) error {
	var any int
	if err := tx.QueryRow("SELECT EXISTS (SELECT 1 FROM push_retries WHERE street_id = ? AND user_id = ? AND device_id = ?)",
		tx.Street, userID, deviceID).Scan(&any); err != nil {
		return fmt.Errorf("read pending retries of user %s on device %s: %w", userID, deviceID, err)
	}
	for _, it := range items {
		switch {
		case it.failed && it.id != "":
			if _, err := tx.Exec(`INSERT INTO push_retries (street_id, user_id, device_id, mutation_id, device_seq) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
				tx.Street, userID, deviceID, it.id, it.m.DeviceSeq); err != nil {
				return fmt.Errorf("note retry of mutation %s: %w", it.id, err)
			}
		case !it.failed && any == 1:
			if _, err := tx.Exec("DELETE FROM push_retries WHERE street_id = ? AND user_id = ? AND device_id = ? AND mutation_id = ?",
				tx.Street, userID, deviceID, it.id); err != nil {
				return fmt.Errorf("forget retry of mutation %s: %w", it.id, err)
			}
		}
	}
	return nil
}

// fieldsJSON returns field violations as JSON, or NULL for none.
func fieldsJSON(fields []gridinspect.FieldViolation) (any, error) {
	if len(fields) == 0 {
		return nil, nil
	}
	return jsonText(fields)
}

// parseFields reads what fieldsJSON wrote.
func parseFields(s sql.NullString) ([]gridinspect.FieldViolation, error) {
	if !s.Valid {
		return nil, nil
	}
	var fields []gridinspect.FieldViolation
	err := fromJSON(s.String, &fields)
	return fields, err
}
