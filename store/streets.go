package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/gridinspect/gridinspect"
)

// Streets are tenants (docs/tenants.md): every row is a street's, and an
// actor sees and writes only its own street's, as it sees only its own
// grids inside a street.

// maxStreetName bounds a street's name, in characters.
const maxStreetName = 64

// CreateStreet adds a street to the database, with its first account: an
// admin of the whole street, named adminUsername, with a random password,
// which it returns with the street's id (the next free one). It needs no
// actor: like EnsureAdmin it is the operator's (gridctl), not an API
// caller's — an admin of one street is nobody in another.
func (db *DB) CreateStreet(ctx context.Context, name, adminUsername string) (street int64, password string, err error) {
	name = strings.TrimSpace(name)
	v := streetNameViolations(name)
	u := &gridinspect.User{Username: gridinspect.FoldUsername(adminUsername), DisplayName: adminDisplayName,
		Role: gridinspect.RoleAdmin, AllGrids: true}
	if err := db.rules.ValidateUser(u); err != nil {
		return 0, "", err
	}
	if err := v.Err("invalid street"); err != nil {
		return 0, "", err
	}
	db.rules.NormalizeUser(u)
	if password, err = randomPassword(AdminPasswordLength); err != nil {
		return 0, "", fmt.Errorf("store: create street: %w", err)
	}
	hash, err := gridinspect.HashPassword(password, db.passwordParams)
	if err != nil {
		return 0, "", fmt.Errorf("store: create street: %w", err)
	}
	id, err := uuid.NewV7()
	if err != nil {
		return 0, "", fmt.Errorf("store: create street: %w", err)
	}
	u.ID = id.String()
	err = db.Write(ctx, func(tx *Tx) error {
		if err := tx.QueryRow("SELECT coalesce(max(id), 0) + 1 FROM streets").Scan(&street); err != nil {
			return err
		}
		if _, err := tx.Exec("INSERT INTO streets (id, name) VALUES (?, ?)", street, name); err != nil {
			return err
		}
		u.StreetID = street
		return insertUser(tx, u, hash)
	})
	if err != nil {
		return 0, "", domainErr(err, "create street %s", name)
	}
	return street, password, nil
}

// streetNameViolations checks a street's name, trimmed.
func streetNameViolations(name string) gridinspect.Violations {
	var v gridinspect.Violations
	if name == "" || !utf8.ValidString(name) || utf8.RuneCountInString(name) > maxStreetName {
		v.AddZh("street.name", fmt.Sprintf("街道名称须为 1 至 %d 个字", maxStreetName),
			"must be 1 to %d characters of valid UTF-8", maxStreetName)
	}
	return v
}

// NameStreet gives the street id its name (东城街道), replacing the one
// it had: street 1 of every database has none until its operator names
// it, and district accounts read their streets by name. Like CreateStreet
// it needs no actor: it is the operator's (gridd --name-street). Errors:
// EINVALID (a bad name), ENOTFOUND (no such street).
func (db *DB) NameStreet(ctx context.Context, id int64, name string) error {
	name = strings.TrimSpace(name)
	v := streetNameViolations(name)
	if err := v.Err("invalid street"); err != nil {
		return err
	}
	err := db.Write(ctx, func(tx *Tx) error {
		res, err := tx.Exec("UPDATE streets SET name = ? WHERE id = ?", name, id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return gridinspect.Errorf(gridinspect.ENOTFOUND, "street %d not found", id).Zh("街道 %d 不存在", id)
		}
		return nil
	})
	return domainErr(err, "name street %d", id)
}

// CallerStreets returns the streets the caller reads, by id, with their
// names: its own street, or a district account's given streets. See
// gridinspect.UserService.
func (db *DB) CallerStreets(ctx context.Context) ([]gridinspect.Street, error) {
	a, err := gridinspect.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	q := query{"SELECT id, name FROM streets WHERE id = ?", []any{a.Street()}}
	if a.IsDistrict() {
		q = query{`SELECT s.id, s.name FROM district_streets d JOIN streets s ON s.id = d.member_street_id
			WHERE d.street_id = ? AND d.user_id = ? ORDER BY s.id`, []any{a.Street(), a.UserID}}
	}
	var streets []gridinspect.Street
	err = db.Read(ctx, func(tx *sql.Tx) error {
		return forEachRow(tx, q, func(rows *sql.Rows) error {
			var s gridinspect.Street
			if err := rows.Scan(&s.ID, &s.Name); err != nil {
				return err
			}
			streets = append(streets, s)
			return nil
		})
	})
	return streets, domainErr(err, "read the caller's streets")
}
