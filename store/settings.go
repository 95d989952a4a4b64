package store

import (
	"context"
	"database/sql"
	"errors"

	"github.com/gridinspect/gridinspect"
)

// NoticePrefixes returns every notice kind's prefix ("" for none), in
// gridinspect.NoticeKinds' order. Only an admin may read them.
func (db *DB) NoticePrefixes(ctx context.Context) ([]gridinspect.NoticePrefix, error) {
	if err := requireAdmin(ctx, "read the notice settings"); err != nil {
		return nil, err
	}
	byKind := map[gridinspect.NoticeKind]string{}
	err := db.Read(ctx, func(tx *sql.Tx) error {
		return forEachRow(tx, query{"SELECT kind, prefix FROM notice_prefixes WHERE street_id = ?",
			[]any{gridinspect.ActorFrom(ctx).Street()}}, func(rows *sql.Rows) error {
			var k gridinspect.NoticeKind
			var p string
			if err := rows.Scan(&k, &p); err != nil {
				return err
			}
			byKind[k] = p
			return nil
		})
	})
	if err != nil {
		return nil, domainErr(err, "read notice prefixes")
	}
	out := make([]gridinspect.NoticePrefix, len(gridinspect.NoticeKinds))
	for i, k := range gridinspect.NoticeKinds {
		out[i] = gridinspect.NoticePrefix{Kind: k, Prefix: byKind[k]}
	}
	return out, nil
}

// SetNoticePrefix sets what a kind's numbers start with from its next
// notice on. A prefix another kind has is refused: two kinds' numbers
// must never read alike (their counts run apart). Only an admin may.
func (db *DB) SetNoticePrefix(ctx context.Context, p gridinspect.NoticePrefix) (gridinspect.NoticePrefix, error) {
	if err := requireAdmin(ctx, "set notice prefixes"); err != nil {
		return p, err
	}
	if err := gridinspect.ValidateNoticePrefix(p); err != nil {
		return p, err
	}
	err := db.Write(ctx, func(tx *Tx) error {
		var other gridinspect.NoticeKind
		err := tx.QueryRow("SELECT kind FROM notice_prefixes WHERE street_id = ? AND prefix = ? AND kind <> ? AND prefix <> ''",
			tx.Street, p.Prefix, p.Kind).Scan(&other)
		switch {
		case err == nil:
			var v gridinspect.Violations
			v.AddZh("prefix", "已是另一种文书的文号前缀", "is already the prefix of %s notices", noticeKindName(other))
			return v.Err("invalid notice prefix")
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
		_, err = tx.Exec(`INSERT INTO notice_prefixes (street_id, kind, prefix) VALUES (?, ?, ?)
			ON CONFLICT (street_id, kind) DO UPDATE SET prefix = excluded.prefix`, tx.Street, p.Kind, p.Prefix)
		return err
	})
	if err != nil {
		return p, domainErr(err, "set notice prefix of kind %d", p.Kind)
	}
	return p, nil
}

// noticeKindName is the API's name of a notice kind, for messages.
func noticeKindName(k gridinspect.NoticeKind) string {
	switch k {
	case gridinspect.NoticeHazard:
		return "NOTICE_KIND_HAZARD_NOTICE"
	case gridinspect.NoticeRectificationOrder:
		return "NOTICE_KIND_RECTIFICATION_ORDER"
	case gridinspect.NoticeEnforcement:
		return "NOTICE_KIND_ENFORCEMENT_DOCUMENT"
	}
	return "unknown"
}

// requireAdmin refuses anyone but an admin to do what.
func requireAdmin(ctx context.Context, what string) error {
	a, err := gridinspect.RequireActor(ctx)
	if err != nil {
		return err
	}
	if a.Role != gridinspect.RoleAdmin {
		return gridinspect.Errorf(gridinspect.EFORBIDDEN, "only an admin may %s", what)
	}
	return nil
}
