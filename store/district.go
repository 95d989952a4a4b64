package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"

	"github.com/gridinspect/gridinspect"
)

// District accounts (docs/tenants.md, "District accounts"): the streets
// each one reads are rows of district_streets, keyed by the account's own
// street. The statistics read them on every call, so a change applies on
// the next call on every gridd, with no cache to tell.

// SetDistrictStreets gives the district account username (ROLE_DISTRICT)
// the streets it reads the statistics of, replacing those it had; none
// takes them all away. Like CreateStreet it needs no actor: it is the
// operator's (gridd --district-user), not an API caller's. Errors:
// ENOTFOUND (no such account, or a street that does not exist), EINVALID
// (the account is not a district account).
func (db *DB) SetDistrictStreets(ctx context.Context, username string, streets []int64) error {
	var home int64
	var userID string
	var role gridinspect.Role
	err := db.Read(ctx, func(tx *sql.Tx) error {
		// Usernames are one namespace per database (logins), so the
		// account is found without its street.
		return tx.QueryRow("SELECT street_id, id, role FROM users WHERE username = ?",
			gridinspect.FoldUsername(username)).Scan(&home, &userID, &role)
	})
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return gridinspect.Errorf(gridinspect.ENOTFOUND, "user %q not found", username).Zh("账号 %s 不存在", username)
	case err != nil:
		return domainErr(err, "set district streets of %s", username)
	case role != gridinspect.RoleDistrict:
		return gridinspect.Errorf(gridinspect.EINVALID, "user %q is not a district account (ROLE_DISTRICT)", username).
			Zh("账号 %s 不是区级账号", username)
	}
	streets = slices.Compact(slices.Sorted(slices.Values(streets)))
	if len(streets) > gridinspect.MaxDistrictStreets {
		return gridinspect.Errorf(gridinspect.EINVALID, "%d streets, more than %d", len(streets), gridinspect.MaxDistrictStreets).
			Zh("街道过多，最多 %d 个", gridinspect.MaxDistrictStreets)
	}
	// The write is the account's street's, as any change of its rows.
	as := gridinspect.NewContext(ctx, &gridinspect.Actor{UserID: gridinspect.SystemUserID, Username: "system",
		Role: gridinspect.RoleAdmin, AllGrids: true, StreetID: home})
	err = db.Write(as, func(tx *Tx) error {
		ids, _ := json.Marshal(streets) // cannot fail: numbers
		var found int
		if err := tx.QueryRow("SELECT count(*) FROM streets WHERE id IN (SELECT CAST(value AS INTEGER) FROM json_each(?))",
			string(ids)).Scan(&found); err != nil {
			return err
		}
		if found != len(streets) {
			return gridinspect.Errorf(gridinspect.ENOTFOUND, "a street of %v does not exist", streets).Zh("所列街道有的不存在")
		}
		if _, err := tx.Exec("DELETE FROM district_streets WHERE street_id = ? AND user_id = ?", home, userID); err != nil {
			return err
		}
		for _, s := range streets {
			if _, err := tx.Exec("INSERT INTO district_streets (street_id, user_id, member_street_id) VALUES (?, ?, ?)",
				home, userID, s); err != nil {
				return err
			}
		}
		return nil
	})
	return domainErr(err, "set district streets of %s", username)
}

// districtStreets returns the streets the district account a was given,
// in increasing order.
func districtStreets(q queryer, a *gridinspect.Actor) ([]int64, error) {
	var streets []int64
	err := forEachRow(q, query{"SELECT member_street_id FROM district_streets WHERE street_id = ? AND user_id = ? ORDER BY 1",
		[]any{a.Street(), a.UserID}}, func(rows *sql.Rows) error {
		var s int64
		if err := rows.Scan(&s); err != nil {
			return err
		}
		streets = append(streets, s)
		return nil
	})
	return streets, err
}

// statsActor returns who a statistics request of ctx's actor counts as:
// for a district account, a copy that sees every grid of the streets the
// request counts (gridinspect.StatsStreets), with those streets; anyone
// else as they are, once their street_ids, if any, are checked to be
// their own street. Errors: EUNAUTHENTICATED, EFORBIDDEN (a street not the
// caller's).
func (db *DB) statsActor(ctx context.Context) (*gridinspect.Actor, error) {
	a, err := gridinspect.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	asked := gridinspect.StreetIDsAsked(ctx)
	if !a.IsDistrict() {
		if _, err := gridinspect.StatsStreets(a, asked, nil); err != nil {
			return nil, err
		}
		return a, nil
	}
	var given []int64
	if err := db.Read(ctx, func(tx *sql.Tx) error {
		given, err = districtStreets(tx, a)
		return err
	}); err != nil {
		return nil, domainErr(err, "read district streets")
	}
	streets, err := gridinspect.StatsStreets(a, asked, given)
	if err != nil {
		return nil, err
	}
	d := *a
	d.AllGrids, d.GridIDs, d.Streets = true, nil, streets
	return &d, nil
}

// streetsArg returns the streets a reads, as the JSON array the
// statements' json_each(:streets) takes.
func streetsArg(a *gridinspect.Actor) string {
	b, _ := json.Marshal(a.ReadStreets()) // cannot fail: numbers
	return string(b)
}
