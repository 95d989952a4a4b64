package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/google/uuid"
	"github.com/gridinspect/gridinspect"
)

// Accounts. Users are made by an admin (or by EnsureAdmin on the first
// run) with server-made ids; their password hashes never leave this file
// and tokens.go. Users and their grids are not in the change sequence:
// the changes table admits reports, patrols, grids and subjects only, one
// grid per row, and a user belongs to many grids or all of them.

// DefaultUserPageSize is the page size of ListUsers when none is asked.
const DefaultUserPageSize = 100

// The first-run account (EnsureAdmin).
const (
	// AdminUsername is the username of the account EnsureAdmin creates.
	AdminUsername = "admin"
	// AdminPasswordLength is the length of its random password.
	AdminPasswordLength = 24

	adminDisplayName = "管理员"
	// passwordAlphabet leaves out what is easily misread: 0 O o 1 l I i.
	passwordAlphabet = "23456789abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ"
)

// userColumns read a user with its grids, as a JSON array.
const userColumns = `id, username, display_name, role, all_grids, disabled, created_at,
	(SELECT json_group_array(grid_id) FROM user_grids
		WHERE user_grids.street_id = users.street_id AND user_grids.user_id = users.id), street_id`

// CreateUser adds an account. Admins only. See gridinspect.UserService.
func (db *DB) CreateUser(ctx context.Context, in *gridinspect.User, password string) (*gridinspect.User, error) {
	a, err := gridinspect.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	if !a.IsAdmin() {
		return nil, gridinspect.Errorf(gridinspect.EFORBIDDEN, "only an admin may create users").Zh("只有管理员可以添加用户")
	}
	if in == nil {
		return nil, gridinspect.Errorf(gridinspect.EINVALID, "user is required")
	}
	// Only what an admin may choose is taken from in; the id, times and
	// state are the server's.
	u := &gridinspect.User{Username: in.Username, DisplayName: in.DisplayName, Role: in.Role,
		GridIDs: slices.Clone(in.GridIDs), AllGrids: in.AllGrids}
	if err := db.validateUser(u, &password); err != nil {
		return nil, err
	}
	db.rules.NormalizeUser(u)
	hash, err := gridinspect.HashPassword(password, db.passwordParams)
	if err != nil {
		return nil, fmt.Errorf("store: create user %s: %w", u.Username, err)
	}
	id, err := uuid.NewV7()
	if err != nil {
		return nil, fmt.Errorf("store: create user %s: %w", u.Username, err)
	}
	u.ID, u.StreetID = id.String(), a.Street() // an admin makes accounts of its own street
	err = db.Write(ctx, func(tx *Tx) error {
		return insertUser(tx, u, hash)
	})
	if err != nil {
		return nil, domainErr(err, "create user %s", u.Username)
	}
	slices.Sort(u.GridIDs) // as they read back
	return u, nil
}

// validateUser checks u and, if given, a new password, answering every
// violation of both in one EINVALID error.
func (db *DB) validateUser(u *gridinspect.User, password *string) error {
	errs := []error{db.rules.ValidateUser(u)}
	if password != nil {
		errs = append(errs, db.rules.ValidatePassword(*password))
	}
	var v gridinspect.Violations
	for _, err := range errs {
		var e *gridinspect.Error
		switch {
		case err == nil:
		case errors.As(err, &e) && len(e.Fields) > 0:
			v = append(v, e.Fields...)
		default:
			return err
		}
	}
	return v.Err("invalid user")
}

// insertUser stores a new, validated and normalized user with its grids,
// in its street (usernames are one namespace per database, so that Login
// needs no street). It sets u.CreatedAt, and u.StreetID if unset.
func insertUser(tx *Tx, u *gridinspect.User, hash string) error {
	var one int
	err := tx.QueryRow("SELECT 1 FROM users WHERE username = ?", u.Username).Scan(&one)
	switch {
	case err == nil:
		return violationZh("invalid user", "user.username", "is taken", "用户名已被使用")
	case !errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("read user %s: %w", u.Username, err)
	}
	if u.StreetID == 0 {
		u.StreetID = gridinspect.DefaultStreet
	}
	if err := checkUserGrids(tx, u.StreetID, u.GridIDs); err != nil {
		return err
	}
	u.CreatedAt = tx.Now
	if _, err := tx.Exec(`INSERT INTO users (street_id, id, username, display_name, role, all_grids, disabled, password_hash,
		created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, ?)`,
		u.StreetID, u.ID, u.Username, u.DisplayName, u.Role, boolInt(u.AllGrids), hash,
		tx.Now.UnixNano(), tx.Now.UnixNano()); err != nil {
		return fmt.Errorf("insert user %s: %w", u.Username, err)
	}
	return setUserGrids(tx, u.StreetID, u.ID, u.GridIDs)
}

// checkUserGrids requires every grid of a user to exist in its street.
func checkUserGrids(q queryer, street int64, ids []string) error {
	var v gridinspect.Violations
	for i, id := range ids {
		ok, err := gridExists(q, street, id)
		if err != nil {
			return fmt.Errorf("read grid %s: %w", id, err)
		}
		if !ok {
			v.AddZh("user.grid_ids["+itoa(i)+"]", "网格不存在", "no such grid")
		}
	}
	return v.Err("invalid user")
}

// setUserGrids makes grids the grids of user id.
func setUserGrids(tx *Tx, street int64, id string, grids []string) error {
	if _, err := tx.Exec("DELETE FROM user_grids WHERE street_id = ? AND user_id = ?", street, id); err != nil {
		return fmt.Errorf("clear grids of user %s: %w", id, err)
	}
	for _, g := range grids {
		if _, err := tx.Exec("INSERT INTO user_grids (street_id, user_id, grid_id) VALUES (?, ?, ?)", street, id, g); err != nil {
			return fmt.Errorf("add grid %s to user %s: %w", g, id, err)
		}
	}
	return nil
}

// GetUser returns an account the caller may see: its own; any, for an
// admin or a supervisor of the whole street; one sharing a grid with it,
// for a supervisor of some grids. Anything else is answered like a user
// that does not exist (gridinspect.NotFound).
func (db *DB) GetUser(ctx context.Context, id string) (*gridinspect.User, error) {
	a, err := gridinspect.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	id = strings.ToLower(id)
	var u *gridinspect.User
	if id == a.UserID || a.IsSupervisor() {
		err = db.Read(ctx, func(tx *sql.Tx) error {
			u, err = getUser(tx, a.Street(), id)
			return err
		})
		if err != nil {
			return nil, domainErr(err, "get user %s", id)
		}
	}
	switch {
	case u != nil && canSeeUser(a, u):
		return u, nil
	case u == nil && a.IsAdmin():
		return nil, errUserNotFound(id)
	case u == nil && a.IsSupervisor():
		return nil, gridinspect.NotFound(a, "user %s not found", id)
	default:
		return nil, gridinspect.ErrOutOfScope
	}
}

// canSeeUser reports whether a may see the account u.
func canSeeUser(a *gridinspect.Actor, u *gridinspect.User) bool {
	switch {
	case u.ID == a.UserID || a.IsAdmin():
		return true
	case !a.IsSupervisor():
		return false
	case a.AllGrids:
		return true
	}
	return slices.ContainsFunc(u.GridIDs, a.CanSeeGrid)
}

// userFilterKey identifies a ListUsers listing for its page tokens.
type userFilterKey struct {
	Grid string `json:"g,omitempty"`
}

// ListUsers returns one page of the accounts the caller may see, by
// username: every account for an admin or a supervisor of the whole
// street, the accounts of its grids for a supervisor of some.
func (db *DB) ListUsers(ctx context.Context, f gridinspect.UserFilter) ([]*gridinspect.User, string, error) {
	a, err := gridinspect.RequireActor(ctx)
	if err != nil {
		return nil, "", err
	}
	if !a.IsSupervisor() {
		// A worker meets this when it looks for someone to hand a case
		// to: say that dispatching is not its job, not only that a list
		// is closed to it.
		return nil, "", gridinspect.Errorf(gridinspect.EFORBIDDEN,
			"only supervisors and admins may list users (dispatching a case is a supervisor's job)").
			Zh("只有主管可以派遣；人员名单仅主管和管理员可以查看")
	}
	size, err := pageSize(f.PageSize, DefaultUserPageSize)
	if err != nil {
		return nil, "", err
	}
	grid := strings.ToLower(f.GridID)
	var grids []string // nil: every user
	switch {
	case grid != "" && !a.IsAdmin() && !a.CanSeeGrid(grid):
		return nil, "", gridinspect.ErrOutOfScope
	case grid != "":
		grids = []string{grid}
	case !a.IsAdmin() && !a.AllGrids:
		if len(a.GridIDs) == 0 {
			return nil, "", nil
		}
		grids = a.GridIDs
	}
	filter := filterHash("users", userFilterKey{Grid: grid})
	after, err := decodeToken(f.PageToken, filter)
	if err != nil {
		return nil, "", err
	}

	var w where
	if grids != nil {
		var sub where
		in(&sub, "grid_id", grids)
		w.add("id IN (SELECT user_id FROM user_grids WHERE street_id = users.street_id"+sub.and()+")", sub.args...)
	}
	if after != nil {
		w.add("username > ?", after.Name)
	}
	q := "SELECT " + userColumns + " FROM users WHERE street_id = ?" + w.and() + " ORDER BY username LIMIT ?"
	var users []*gridinspect.User
	err = db.Read(ctx, func(tx *sql.Tx) (err error) {
		users, err = queryAll(tx, q, append(append([]any{a.Street()}, w.args...), size+1), scanUser)
		return err
	})
	if err != nil {
		return nil, "", domainErr(err, "list users")
	}
	next := ""
	users, last := cutPage(users, size)
	if last != nil {
		next = pageToken{Filter: filter, Name: (*last).Username, ID: (*last).ID}.encode()
	}
	return users, next, nil
}

// UpdateUser changes what upd names. Admins only. The change takes effect
// on the user's next call: the authentication cache is cleared when it
// commits.
func (db *DB) UpdateUser(ctx context.Context, id string, upd gridinspect.UserUpdate) (*gridinspect.User, error) {
	a, err := gridinspect.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	if !a.IsAdmin() {
		return nil, gridinspect.Errorf(gridinspect.EFORBIDDEN, "only an admin may update users").Zh("只有管理员可以修改用户")
	}
	id = strings.ToLower(id)
	// A new password is hashed here, not on the writer, which every other
	// write waits for. A bad one is not hashed, and is refused below with
	// whatever else is wrong with the result.
	var hash string
	if upd.Password != nil && db.rules.ValidatePassword(*upd.Password) == nil {
		if hash, err = gridinspect.HashPassword(*upd.Password, db.passwordParams); err != nil {
			return nil, fmt.Errorf("store: update user %s: %w", id, err)
		}
	}
	var updated *gridinspect.User
	err = db.Write(ctx, func(tx *Tx) error {
		u, err := getUser(tx, a.Street(), id)
		if err != nil {
			return err
		}
		if u == nil {
			return errUserNotFound(id)
		}
		if upd.DisplayName != nil {
			u.DisplayName = *upd.DisplayName
		}
		if upd.Role != nil {
			if u.Role == gridinspect.RoleAdmin && *upd.Role != gridinspect.RoleAdmin && !u.Disabled {
				if err := checkAnotherAdmin(tx, u.StreetID, u.ID); err != nil {
					return err
				}
			}
			u.Role = *upd.Role
		}
		if upd.GridIDs != nil {
			u.GridIDs = slices.Clone(*upd.GridIDs)
		}
		if upd.AllGrids != nil {
			u.AllGrids = *upd.AllGrids
		}
		if err := db.validateUser(u, upd.Password); err != nil {
			return err
		}
		db.rules.NormalizeUser(u)
		if err := checkUserGrids(tx, u.StreetID, u.GridIDs); err != nil {
			return err
		}
		if _, err := tx.Exec("UPDATE users SET display_name = ?, role = ?, all_grids = ?, updated_at = ? WHERE street_id = ? AND id = ?",
			u.DisplayName, u.Role, boolInt(u.AllGrids), tx.Now.UnixNano(), u.StreetID, u.ID); err != nil {
			return fmt.Errorf("update user %s: %w", u.ID, err)
		}
		if hash != "" {
			if _, err := tx.Exec("UPDATE users SET password_hash = ? WHERE street_id = ? AND id = ?", hash, u.StreetID, u.ID); err != nil {
				return fmt.Errorf("update password of user %s: %w", u.ID, err)
			}
			// A password is reset when it was forgotten or may be known
			// to someone else: whoever logged in with the old one is
			// logged out, but for the admin making the change.
			keep := ""
			if u.ID == a.UserID {
				keep = a.TokenID
			}
			if _, err := db.revokeTokensBut(tx, u.ID, keep); err != nil {
				return err
			}
		}
		if err := setUserGrids(tx, u.StreetID, u.ID, u.GridIDs); err != nil {
			return err
		}
		slices.Sort(u.GridIDs)
		db.authWritten(tx)
		updated = u
		return nil
	})
	if err != nil {
		return nil, domainErr(err, "update user %s", id)
	}
	return updated, nil
}

// checkAnotherAdmin refuses to let the admin id stop being one unless
// another enabled admin of its street remains: without one, nobody could
// manage the street's accounts any more.
func checkAnotherAdmin(tx *Tx, street int64, id string) error {
	var other bool
	if err := tx.QueryRow("SELECT EXISTS (SELECT 1 FROM users WHERE street_id = ? AND role = ? AND disabled = 0 AND id <> ?)",
		street, gridinspect.RoleAdmin, id).Scan(&other); err != nil {
		return fmt.Errorf("read admins: %w", err)
	}
	if !other {
		return gridinspect.Errorf(gridinspect.EPRECONDITION, "user %s is the only admin left; make another admin first", id).
			Zh("该用户是仅剩的管理员，请先设置另一位管理员")
	}
	return nil
}

// DisableUser disables an account and revokes its tokens, in one
// transaction. Admins only; an admin cannot disable itself. Disabling a
// disabled account returns it.
func (db *DB) DisableUser(ctx context.Context, id string) (*gridinspect.User, error) {
	a, err := gridinspect.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	if !a.IsAdmin() {
		return nil, gridinspect.Errorf(gridinspect.EFORBIDDEN, "only an admin may disable users").Zh("只有管理员可以停用用户")
	}
	id = strings.ToLower(id)
	if id == a.UserID {
		return nil, gridinspect.Errorf(gridinspect.EPRECONDITION, "you cannot disable your own account").Zh("不能停用自己的账号")
	}
	var disabled *gridinspect.User
	err = db.Write(ctx, func(tx *Tx) error {
		u, err := getUser(tx, a.Street(), id)
		if err != nil {
			return err
		}
		if u == nil {
			return errUserNotFound(id)
		}
		if !u.Disabled {
			if _, err := tx.Exec("UPDATE users SET disabled = 1, updated_at = ? WHERE street_id = ? AND id = ?",
				tx.Now.UnixNano(), u.StreetID, id); err != nil {
				return fmt.Errorf("disable user %s: %w", id, err)
			}
			u.Disabled = true
		}
		if _, err := db.revokeTokens(tx, id); err != nil {
			return err
		}
		db.authWritten(tx)
		disabled = u
		return nil
	})
	if err != nil {
		return nil, domainErr(err, "disable user %s", id)
	}
	return disabled, nil
}

// EnsureAdmin creates the account "admin" (an admin of the whole street)
// with a random password if there is no account at all, and returns the
// password with created = true; otherwise it does nothing and returns
// created = false. It needs no actor: it is how the first run begins.
// "No account" is in any street: a database whose streets were made with
// CreateStreet is not new.
func (db *DB) EnsureAdmin(ctx context.Context) (password string, created bool, err error) {
	var exists bool
	err = db.Read(ctx, func(tx *sql.Tx) error {
		return tx.QueryRow("SELECT EXISTS (SELECT 1 FROM users)").Scan(&exists)
	})
	if err != nil || exists {
		return "", false, domainErr(err, "ensure admin")
	}
	// Hash outside the writer; the write looks again, in case an account
	// was made in between.
	if password, err = randomPassword(AdminPasswordLength); err != nil {
		return "", false, fmt.Errorf("store: ensure admin: %w", err)
	}
	hash, err := gridinspect.HashPassword(password, db.passwordParams)
	if err != nil {
		return "", false, fmt.Errorf("store: ensure admin: %w", err)
	}
	id, err := uuid.NewV7()
	if err != nil {
		return "", false, fmt.Errorf("store: ensure admin: %w", err)
	}
	u := &gridinspect.User{ID: id.String(), Username: AdminUsername, DisplayName: adminDisplayName,
		Role: gridinspect.RoleAdmin, AllGrids: true, StreetID: gridinspect.DefaultStreet}
	err = db.Write(ctx, func(tx *Tx) error {
		var exists bool
		if err := tx.QueryRow("SELECT EXISTS (SELECT 1 FROM users)").Scan(&exists); err != nil || exists {
			return err
		}
		created = true
		return insertUser(tx, u, hash)
	})
	if err != nil || !created {
		return "", false, domainErr(err, "ensure admin")
	}
	return password, true, nil
}

// randomPassword returns n characters of passwordAlphabet from
// crypto/rand, uniformly: bytes that would favour the first characters
// are drawn again.
func randomPassword(n int) (string, error) {
	const k = len(passwordAlphabet)
	limit := byte(256 - 256%k)
	out := make([]byte, 0, n)
	buf := make([]byte, 2*n)
	for len(out) < n {
		if _, err := rand.Read(buf); err != nil {
			return "", fmt.Errorf("random password: %w", err)
		}
		for _, b := range buf {
			if b < limit && len(out) < n {
				out = append(out, passwordAlphabet[int(b)%k])
			}
		}
	}
	return string(out), nil
}

// errUserNotFound answers a user id that does not exist, to an admin.
// UserNames returns the names users are shown by, in one query whatever
// the number of ids: a page of reports or a timeline names its people at
// once. See gridinspect.UserService.
func (db *DB) UserNames(ctx context.Context, ids []string) (map[string]string, error) {
	a, err := gridinspect.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return map[string]string{}, nil
	}
	list, err := idList(sortedUnique(lowerAll(ids)))
	if err != nil {
		return nil, err
	}
	names, err := db.namesByID(ctx, query{`SELECT id, coalesce(nullif(display_name, ''), username) FROM users
		WHERE street_id = ? AND id IN (SELECT value FROM json_each(?))`, []any{a.Street(), list}}, "user")
	if err == nil && slices.Contains(ids, gridinspect.SystemUserID) {
		// The server acting on its own (a routing rule's dispatch, an
		// escalation to supervision) is no account, but is named on the
		// timeline like one.
		names[gridinspect.SystemUserID] = gridinspect.SystemName
	}
	return names, err
}

func errUserNotFound(id string) error {
	return gridinspect.Errorf(gridinspect.ENOTFOUND, "user %s not found", id).Zh("用户不存在")
}

// getUser returns the user with id and its grids, or nil if there is none.
func getUser(q queryer, street int64, id string) (*gridinspect.User, error) {
	u, err := scanUser(q.QueryRow("SELECT "+userColumns+" FROM users WHERE street_id = ? AND id = ?", street, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read user %s: %w", id, err)
	}
	return u, nil
}

// userExists reports whether a user with id exists in a street.
func userExists(q queryer, street int64, id string) (bool, error) {
	var one int
	err := q.QueryRow("SELECT 1 FROM users WHERE street_id = ? AND id = ?", street, id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// scanUser reads a row of userColumns. Grid ids come sorted.
func scanUser(s scanner) (*gridinspect.User, error) {
	var u gridinspect.User
	var allGrids, disabled int
	var created int64
	var grids string
	if err := s.Scan(&u.ID, &u.Username, &u.DisplayName, &u.Role, &allGrids, &disabled, &created, &grids,
		&u.StreetID); err != nil {
		return nil, err
	}
	u.AllGrids, u.Disabled = allGrids != 0, disabled != 0
	u.CreatedAt = unixNanos(created)
	if err := fromJSON(grids, &u.GridIDs); err != nil {
		return nil, fmt.Errorf("user %s: grids: %w", u.ID, err)
	}
	if len(u.GridIDs) == 0 {
		u.GridIDs = nil
	}
	slices.Sort(u.GridIDs)
	return &u, nil
}
