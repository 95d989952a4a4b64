package demo

import (
	"context"
	"errors"
	"fmt"
	"unicode/utf8"

	gi "github.com/gridinspect/gridinspect"
)

// Password is the password of every demo account. It is short and printed
// in the README, so it is for trying the server out only: a real street's
// accounts are made with gridctl, each with its own password.
const Password = "demo"

// Rules returns r with MinPasswordRunes lowered to the length of Password,
// so that a store opened with them accepts the demo accounts. Demo only:
// gridd uses it under --demo, and the tests use it, so that both lower the
// rule the same way. A rule already shorter is left alone; a zero r, which
// store.Options reads as DefaultRules, starts from DefaultRules, since
// lowering one field of a zero Rules would leave an empty service area.
func Rules(r gi.Rules) gi.Rules {
	if r.IsZero() {
		r = gi.DefaultRules
	}
	r.MinPasswordRunes = min(r.MinPasswordRunes, utf8.RuneCountInString(Password))
	return r
}

// Usernames of the demo accounts.
const supervisorUsername = "supervisor"

// workerUsername returns the username of the worker of the i-th grid of
// Grids, counting from 0: worker01 … worker10.
func workerUsername(i int) string { return fmt.Sprintf("worker%02d", i+1) }

// workerNames are the display names of worker01 … worker10, one per grid in
// Grids' order; each display name also says the worker's grid, as a
// street's staff list does.
var workerNames = [2 * columns]string{"陈静", "刘洋", "杨帆", "黄伟", "周敏", "吴磊", "徐丽", "孙浩", "马超", "朱婷"}

// demoUsers returns the demo accounts, new values on every call: the
// street's supervisor, who sees every grid, then one worker per grid in
// Grids' order. Their ids are left to the server.
func demoUsers() []*gi.User {
	users := []*gi.User{{
		Username:    supervisorUsername,
		DisplayName: "王建国（街道督办）",
		Role:        gi.RoleSupervisor,
		AllGrids:    true,
	}}
	i := 0
	for _, row := range gridNames {
		for _, g := range row {
			users = append(users, &gi.User{
				Username:    workerUsername(i),
				DisplayName: workerNames[i] + "（" + g.name + "网格员）",
				Role:        gi.RoleWorker,
				GridIDs:     []string{gridID(g.key)},
			})
			i++
		}
	}
	return users
}

// listPageSize is how many users Seed asks for per page.
const listPageSize = 100

// seedUsers makes the demo accounts that do not exist yet and returns every
// demo account by username, as stored.
//
// The server makes users' ids, so unlike the other demo objects an account
// cannot be found again by its id: it is found by its username. An account
// that exists is left exactly as it is, even if its role, grids or display
// name differ from the demo's: an admin may have changed or disabled it on
// purpose, and a restart with --demo must not undo that. (Seed then submits
// that account's grid's cases as ctx's actor instead; see submitterFor.)
func seedUsers(ctx context.Context, svc gi.UserService) (map[string]*gi.User, error) {
	existing, err := listUsers(ctx, svc)
	if err != nil {
		return nil, err
	}
	users := map[string]*gi.User{}
	for _, u := range demoUsers() {
		if old, ok := existing[u.Username]; ok {
			users[u.Username] = old
			continue
		}
		created, err := svc.CreateUser(ctx, u, Password)
		if err != nil && fieldRefused(err, "user.username") {
			// Made meanwhile: by another server seeding the same database
			// (several gridd --demo on one PostgreSQL database).
			if existing, err = listUsers(ctx, svc); err != nil {
				return nil, err
			}
			if old, ok := existing[u.Username]; ok {
				users[u.Username] = old
				continue
			}
		}
		if err != nil {
			if fieldRefused(err, "password") {
				return nil, fmt.Errorf("demo: create user %s: the store refuses the demo password %q "+
					"(open it with demo.Rules, which allow it): %w", u.Username, Password, err)
			}
			return nil, fmt.Errorf("demo: create user %s: %w", u.Username, err)
		}
		users[u.Username] = created
	}
	return users, nil
}

// listUsers returns every account by username.
func listUsers(ctx context.Context, svc gi.UserService) (map[string]*gi.User, error) {
	existing := map[string]*gi.User{}
	for token := ""; ; {
		page, next, err := svc.ListUsers(ctx, gi.UserFilter{PageSize: listPageSize, PageToken: token})
		if err != nil {
			return nil, fmt.Errorf("demo: list users: %w", err)
		}
		for _, u := range page {
			existing[u.Username] = u
		}
		if next == "" {
			return existing, nil
		}
		token = next
	}
}

// fieldRefused reports whether err is an EINVALID naming field.
func fieldRefused(err error, field string) bool {
	var e *gi.Error
	if !errors.As(err, &e) || e.Code != gi.EINVALID {
		return false
	}
	for _, f := range e.Fields {
		if f.Field == field {
			return true
		}
	}
	return false
}

// submitterFor returns the context to submit the cases of the grid with
// the given key in: that of the grid's demo worker, so that each case's
// reporter is a real account, as if the worker had sent it from a phone.
// If an admin has since disabled the worker or moved it out of the grid,
// the worker could not (or should not) submit there, and the cases are
// submitted as ctx's actor, whose scope is the whole street; the store
// answers a case it already holds the same whoever resends it.
func submitterFor(ctx context.Context, users map[string]*gi.User, gridKey string) context.Context {
	if u := gridWorker(users, gridKey); u != nil {
		return gi.NewContext(ctx, u.Actor("demo", ""))
	}
	return ctx
}

// gridWorker returns the demo worker of the grid with the given key, or
// nil if an admin has since disabled the worker or moved it out of the
// grid.
func gridWorker(users map[string]*gi.User, gridKey string) *gi.User {
	for i, key := range gridKeys() {
		if key != gridKey {
			continue
		}
		u := users[workerUsername(i)]
		if u == nil || u.Disabled || !u.Actor("demo", "").CanSeeGrid(gridID(gridKey)) {
			return nil
		}
		return u
	}
	panic("demo: unknown grid " + gridKey) // a typo in this package's tables; the tests catch it
}
