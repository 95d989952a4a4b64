package store

import (
	"context"
	"database/sql"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/gridinspect/gridinspect"
)

// testPassword is long enough for gridinspect.DefaultRules.
const testPassword = "correct horse battery"

// newUser returns a valid account: a worker of grids, or, without grids, a
// supervisor of the whole street.
func newUser(username string, grids ...string) *gridinspect.User {
	u := &gridinspect.User{Username: username, DisplayName: "网格员 " + username, Role: gridinspect.RoleWorker, GridIDs: grids}
	if len(grids) == 0 {
		u.Role, u.AllGrids = gridinspect.RoleSupervisor, true
	}
	return u
}

func mustCreateUser(tb testing.TB, db *testDB, u *gridinspect.User) *gridinspect.User {
	tb.Helper()
	got, err := db.CreateUser(as(admin()), u, testPassword)
	if err != nil {
		tb.Fatalf("create user %s: %v", u.Username, err)
	}
	return got
}

func mustGetUser(tb testing.TB, db *testDB, ctx context.Context, id string) *gridinspect.User {
	tb.Helper()
	got, err := db.GetUser(ctx, id)
	if err != nil {
		tb.Fatalf("get user %s: %v", id, err)
	}
	return got
}

// actorOf returns the actor of u, as Authenticate would make it.
func actorOf(u *gridinspect.User) *gridinspect.Actor { return u.Actor("test-device", "") }

// dumpAuth returns every row of the account tables, to show that a call
// changed nothing.
func dumpAuth(tb testing.TB, db *testDB) string {
	tb.Helper()
	var b strings.Builder
	err := db.Read(context.Background(), func(tx *sql.Tx) error {
		for _, q := range []string{
			"SELECT * FROM users ORDER BY id",
			"SELECT * FROM user_grids ORDER BY user_id, grid_id",
			"SELECT * FROM tokens ORDER BY id",
		} {
			rows, err := tx.Query(q)
			if err != nil {
				return err
			}
			cols, err := rows.Columns()
			if err != nil {
				rows.Close()
				return err
			}
			for rows.Next() {
				vals := make([]any, len(cols))
				ptrs := make([]any, len(cols))
				for i := range vals {
					ptrs[i] = &vals[i]
				}
				if err := rows.Scan(ptrs...); err != nil {
					rows.Close()
					return err
				}
				fmt.Fprintln(&b, vals...)
			}
			if err := rows.Err(); err != nil {
				rows.Close()
				return err
			}
			if err := rows.Close(); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatalf("dump: %v", err)
	}
	return b.String()
}

func usernames(users []*gridinspect.User) []string {
	var names []string
	for _, u := range users {
		names = append(names, u.Username)
	}
	return names
}

func TestCreateUser_ReturnsTheStoredUserWithoutThePassword(t *testing.T) {
	db := MustOpenDB(t)
	mustStreet(t, db)
	in := newUser("wang.wei", strings.ToUpper(gridB), gridA)
	in.ID = newID() // ignored: the server makes ids
	in.Disabled = true
	in.DisplayName = "  王伟  "
	got := mustCreateUser(t, db, in)

	id, err := uuid.Parse(got.ID)
	if err != nil || id.Version() != 7 || got.ID == in.ID {
		t.Errorf("id = %q, want a new UUIDv7", got.ID)
	}
	want := &gridinspect.User{ID: got.ID, Username: "wang.wei", DisplayName: "王伟", Role: gridinspect.RoleWorker,
		GridIDs: []string{gridA, gridB}, CreatedAt: t0, StreetID: 1}
	assertEqual(t, got, want)
	assertEqual(t, mustGetUser(t, db, as(admin()), got.ID), want)
	if in.GridIDs[0] != strings.ToUpper(gridB) {
		t.Errorf("the caller's user was changed: %v", in.GridIDs)
	}

	var hash string
	err = db.Read(context.Background(), func(tx *sql.Tx) error {
		return tx.QueryRow("SELECT password_hash FROM users WHERE id = ?", got.ID).Scan(&hash)
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(hash, "$argon2id$v=19$m=64,t=1,p=1$") || strings.Contains(hash, testPassword) {
		t.Errorf("password_hash = %q, want an argon2id PHC string with the DB's parameters", hash)
	}
	if !gridinspect.CheckPassword(testPassword, hash) {
		t.Error("the stored hash does not match the password")
	}
}

func TestCreateUser_Validation(t *testing.T) {
	tests := []struct {
		name     string
		user     func() *gridinspect.User
		password string
		fields   []string
	}{
		{"bad username", func() *gridinspect.User { return newUser("Wang Wei", gridA) }, testPassword,
			[]string{"user.username"}},
		{"short password", func() *gridinspect.User { return newUser("wangwei", gridA) }, "short",
			[]string{"password"}},
		{"long password", func() *gridinspect.User { return newUser("wangwei", gridA) },
			strings.Repeat("x", gridinspect.MaxPasswordBytes+1), []string{"password"}},
		{"bad username and short password", func() *gridinspect.User { return newUser("-x", gridA) }, "short",
			[]string{"user.username", "password"}},
		{"worker without grids", func() *gridinspect.User {
			return &gridinspect.User{Username: "wangwei", Role: gridinspect.RoleWorker}
		}, testPassword, []string{"user.grid_ids"}},
		{"worker of all grids", func() *gridinspect.User {
			u := newUser("wangwei", gridA)
			u.AllGrids = true
			return u
		}, testPassword, []string{"user.all_grids"}},
		{"no role", func() *gridinspect.User {
			u := newUser("wangwei", gridA)
			u.Role = gridinspect.RoleUnspecified
			return u
		}, testPassword, []string{"user.role"}},
		{"bad grid id", func() *gridinspect.User { return newUser("wangwei", "grid-a") }, testPassword,
			[]string{"user.grid_ids[0]"}},
		{"unknown grid", func() *gridinspect.User { return newUser("wangwei", gridA, newID()) }, testPassword,
			[]string{"user.grid_ids[1]"}},
		{"taken username", func() *gridinspect.User { return newUser("taken", gridB) }, testPassword,
			[]string{"user.username"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := MustOpenDB(t)
			mustStreet(t, db)
			mustCreateUser(t, db, newUser("taken", gridA))
			before, commits := dumpAuth(t, db), db.Commits()

			_, err := db.CreateUser(as(admin()), tt.user(), tt.password)
			e := wantCode(t, err, gridinspect.EINVALID)
			var fields []string
			for _, f := range e.Fields {
				fields = append(fields, f.Field)
			}
			assertEqual(t, fields, tt.fields)
			if dumpAuth(t, db) != before || db.Commits() != commits {
				t.Error("a refused CreateUser wrote something")
			}
		})
	}
}

func TestCreateUser_TakenUsernameSaysSo(t *testing.T) {
	db := MustOpenDB(t)
	mustStreet(t, db)
	mustCreateUser(t, db, newUser("taken", gridA))
	_, err := db.CreateUser(as(admin()), newUser("taken", gridB), testPassword)
	e := wantCode(t, err, gridinspect.EINVALID)
	assertEqual(t, e.Fields, []gridinspect.FieldViolation{{Field: "user.username", Description: "is taken", Chinese: "用户名已被使用"}})
}

// TestUserMethods_Permissions calls each method as each kind of caller on
// a fresh database, and checks the answer and, for every refusal, that
// nothing was written.
func TestUserMethods_Permissions(t *testing.T) {
	type env struct {
		db     *testDB
		target *gridinspect.User // a worker of grid B
	}
	methods := []struct {
		name string
		call func(ctx context.Context, e env) error
	}{
		{"CreateUser", func(ctx context.Context, e env) error {
			_, err := e.db.CreateUser(ctx, newUser("new.worker", gridA), testPassword)
			return err
		}},
		{"GetUser", func(ctx context.Context, e env) error {
			_, err := e.db.GetUser(ctx, e.target.ID)
			return err
		}},
		{"ListUsers", func(ctx context.Context, e env) error {
			_, _, err := e.db.ListUsers(ctx, gridinspect.UserFilter{})
			return err
		}},
		{"UpdateUser", func(ctx context.Context, e env) error {
			name := "改名"
			_, err := e.db.UpdateUser(ctx, e.target.ID, gridinspect.UserUpdate{DisplayName: &name})
			return err
		}},
		{"DisableUser", func(ctx context.Context, e env) error {
			_, err := e.db.DisableUser(ctx, e.target.ID)
			return err
		}},
		{"RevokeTokens", func(ctx context.Context, e env) error {
			_, err := e.db.RevokeTokens(ctx, e.target.ID)
			return err
		}},
	}
	callers := []struct {
		name  string
		actor *gridinspect.Actor
		want  map[string]string // method → code; missing means allowed
	}{
		{"no actor", nil, map[string]string{
			"CreateUser": gridinspect.EUNAUTHENTICATED, "GetUser": gridinspect.EUNAUTHENTICATED,
			"ListUsers": gridinspect.EUNAUTHENTICATED, "UpdateUser": gridinspect.EUNAUTHENTICATED,
			"DisableUser": gridinspect.EUNAUTHENTICATED, "RevokeTokens": gridinspect.EUNAUTHENTICATED}},
		{"worker of A", worker(gridA), map[string]string{
			"CreateUser": gridinspect.EFORBIDDEN, "GetUser": gridinspect.EFORBIDDEN,
			"ListUsers": gridinspect.EFORBIDDEN, "UpdateUser": gridinspect.EFORBIDDEN,
			"DisableUser": gridinspect.EFORBIDDEN, "RevokeTokens": gridinspect.EFORBIDDEN}},
		{"supervisor of A", supervisor(gridA), map[string]string{
			"CreateUser": gridinspect.EFORBIDDEN, "GetUser": gridinspect.EFORBIDDEN,
			"UpdateUser": gridinspect.EFORBIDDEN, "DisableUser": gridinspect.EFORBIDDEN,
			"RevokeTokens": gridinspect.EFORBIDDEN}},
		{"supervisor of all", supervisor(), map[string]string{
			"CreateUser": gridinspect.EFORBIDDEN, "UpdateUser": gridinspect.EFORBIDDEN,
			"DisableUser": gridinspect.EFORBIDDEN, "RevokeTokens": gridinspect.EFORBIDDEN}},
		{"admin", admin(), nil},
	}
	for _, c := range callers {
		for _, m := range methods {
			t.Run(c.name+"/"+m.name, func(t *testing.T) {
				db := MustOpenDB(t)
				mustStreet(t, db)
				target := mustCreateUser(t, db, newUser("target", gridB))
				mustLogin(t, db, "target", testPassword)
				before, commits := dumpAuth(t, db), db.Commits()

				ctx := context.Background()
				if c.actor != nil {
					ctx = as(c.actor)
				}
				err := m.call(ctx, env{db: db, target: target})
				want, refused := c.want[m.name]
				if !refused {
					if err != nil {
						t.Fatalf("err = %v, want nil", err)
					}
					return
				}
				wantCode(t, err, want)
				if dumpAuth(t, db) != before || db.Commits() != commits {
					t.Error("a refused call wrote something")
				}
			})
		}
	}
}

func TestGetUser_Scoping(t *testing.T) {
	db := MustOpenDB(t)
	mustStreet(t, db)
	wA := mustCreateUser(t, db, newUser("worker.a", gridA))
	wA2 := mustCreateUser(t, db, newUser("worker.a2", gridA))
	wB := mustCreateUser(t, db, newUser("worker.b", gridB))
	supA := mustCreateUser(t, db, &gridinspect.User{Username: "sup.a", Role: gridinspect.RoleSupervisor,
		GridIDs: []string{gridA}})
	supAll := mustCreateUser(t, db, newUser("sup.all"))
	adm := mustCreateUser(t, db, &gridinspect.User{Username: "root", Role: gridinspect.RoleAdmin})
	missing := newID()

	tests := []struct {
		name   string
		caller *gridinspect.User
		id     string
		want   error // nil: the user is returned
	}{
		{"worker: itself", wA, wA.ID, nil},
		{"worker: itself in upper case", wA, strings.ToUpper(wA.ID), nil},
		{"worker: another of its grid", wA, wA2.ID, gridinspect.ErrOutOfScope},
		{"worker: one of another grid", wA, wB.ID, gridinspect.ErrOutOfScope},
		{"worker: missing", wA, missing, gridinspect.ErrOutOfScope},
		{"supervisor of A: itself", supA, supA.ID, nil},
		{"supervisor of A: worker of A", supA, wA.ID, nil},
		{"supervisor of A: worker of B", supA, wB.ID, gridinspect.ErrOutOfScope},
		{"supervisor of A: supervisor of all", supA, supAll.ID, gridinspect.ErrOutOfScope},
		{"supervisor of A: missing", supA, missing, gridinspect.ErrOutOfScope},
		{"supervisor of all: worker of B", supAll, wB.ID, nil},
		{"supervisor of all: admin", supAll, adm.ID, nil},
		{"supervisor of all: missing", supAll, missing,
			gridinspect.Errorf(gridinspect.ENOTFOUND, "user %s not found", missing)},
		{"admin: supervisor of A", adm, supA.ID, nil},
		{"admin: missing", adm, missing, gridinspect.Errorf(gridinspect.ENOTFOUND, "user %s not found", missing).Zh("用户不存在")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := db.GetUser(as(actorOf(tt.caller)), tt.id)
			if tt.want != nil {
				if !reflect.DeepEqual(err, tt.want) {
					t.Fatalf("err = %#v, want %#v", err, tt.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.ID != strings.ToLower(tt.id) {
				t.Errorf("got user %s, want %s", got.ID, tt.id)
			}
		})
	}
}

func TestListUsers_Scoping(t *testing.T) {
	db := MustOpenDB(t)
	mustStreet(t, db)
	for _, u := range []*gridinspect.User{newUser("w.a1", gridA), newUser("w.a2", gridA), newUser("w.b1", gridB),
		newUser("w.ab", gridA, gridB), newUser("sup.all"),
		{Username: "sup.a", Role: gridinspect.RoleSupervisor, GridIDs: []string{gridA}},
		{Username: "sup.b", Role: gridinspect.RoleSupervisor, GridIDs: []string{gridB}},
	} {
		mustCreateUser(t, db, u)
	}
	supA := mustListAll(t, db, as(admin()), gridinspect.UserFilter{GridID: gridA})
	if len(supA) != 4 {
		t.Fatalf("grid A has users %v", usernames(supA))
	}
	var supAUser *gridinspect.User
	for _, u := range supA {
		if u.Username == "sup.a" {
			supAUser = u
		}
	}
	everyone := []string{"sup.a", "sup.all", "sup.b", "w.a1", "w.a2", "w.ab", "w.b1"}

	tests := []struct {
		name   string
		caller *gridinspect.Actor
		filter gridinspect.UserFilter
		want   []string
		code   string
	}{
		{"admin", admin(), gridinspect.UserFilter{}, everyone, ""},
		{"supervisor of all", supervisor(), gridinspect.UserFilter{}, everyone, ""},
		{"supervisor of all, grid B", supervisor(), gridinspect.UserFilter{GridID: strings.ToUpper(gridB)},
			[]string{"sup.b", "w.ab", "w.b1"}, ""},
		{"admin, unknown grid", admin(), gridinspect.UserFilter{GridID: newID()}, nil, ""},
		{"supervisor of A", actorOf(supAUser), gridinspect.UserFilter{}, []string{"sup.a", "w.a1", "w.a2", "w.ab"}, ""},
		{"supervisor of A, grid A", actorOf(supAUser), gridinspect.UserFilter{GridID: gridA},
			[]string{"sup.a", "w.a1", "w.a2", "w.ab"}, ""},
		{"supervisor of A, grid B", actorOf(supAUser), gridinspect.UserFilter{GridID: gridB}, nil, gridinspect.EFORBIDDEN},
		{"supervisor of no grid", supervisor(newID()), gridinspect.UserFilter{}, nil, ""},
		{"worker", worker(gridA), gridinspect.UserFilter{}, nil, gridinspect.EFORBIDDEN},
		{"negative page size", admin(), gridinspect.UserFilter{PageSize: -1}, nil, gridinspect.EINVALID},
		{"bad page token", admin(), gridinspect.UserFilter{PageToken: "x"}, nil, gridinspect.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.code != "" {
				_, _, err := db.ListUsers(as(tt.caller), tt.filter)
				e := wantCode(t, err, tt.code)
				if tt.code == gridinspect.EFORBIDDEN && tt.filter.GridID != "" && e != gridinspect.ErrOutOfScope {
					t.Errorf("err = %v, want ErrOutOfScope", e)
				}
				return
			}
			assertEqual(t, usernames(mustListAll(t, db, as(tt.caller), tt.filter)), tt.want)
		})
	}
}

// mustListAll lists every page.
func mustListAll(tb testing.TB, db *testDB, ctx context.Context, f gridinspect.UserFilter) []*gridinspect.User {
	tb.Helper()
	var all []*gridinspect.User
	for {
		users, next, err := db.ListUsers(ctx, f)
		if err != nil {
			tb.Fatalf("list users: %v", err)
		}
		all = append(all, users...)
		if next == "" {
			return all
		}
		f.PageToken = next
	}
}

func TestListUsers_Pages(t *testing.T) {
	db := MustOpenDB(t)
	mustStreet(t, db)
	const n = DefaultUserPageSize + 1
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := db.CreateUser(as(admin()), newUser(fmt.Sprintf("w%03d", i), gridA), testPassword)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}

	first, next, err := db.ListUsers(as(admin()), gridinspect.UserFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(first) != DefaultUserPageSize || next == "" {
		t.Fatalf("first page: %d users, next %q; want %d and a token", len(first), next, DefaultUserPageSize)
	}

	var got []string
	f := gridinspect.UserFilter{PageSize: 7, GridID: gridA}
	for page := 0; ; page++ {
		users, next, err := db.ListUsers(as(admin()), f)
		if err != nil {
			t.Fatal(err)
		}
		if len(users) > 7 {
			t.Fatalf("page %d has %d users", page, len(users))
		}
		got = append(got, usernames(users)...)
		if next == "" {
			break
		}
		f.PageToken = next
	}
	var want []string
	for i := range n {
		want = append(want, fmt.Sprintf("w%03d", i))
	}
	assertEqual(t, got, want)

	// A token belongs to its filter.
	_, next, err = db.ListUsers(as(admin()), gridinspect.UserFilter{PageSize: 1, GridID: gridA})
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = db.ListUsers(as(admin()), gridinspect.UserFilter{PageSize: 1, PageToken: next})
	wantField(t, err, "page_token")
}

func TestUpdateUser_AppliesTheGivenFields(t *testing.T) {
	db := MustOpenDB(t)
	mustStreet(t, db)
	u := mustCreateUser(t, db, newUser("li.na", gridA))

	name := " 李娜 "
	role := gridinspect.RoleSupervisor
	grids := []string{strings.ToUpper(gridB), gridA}
	got, err := db.UpdateUser(as(admin()), u.ID, gridinspect.UserUpdate{DisplayName: &name, Role: &role, GridIDs: &grids})
	if err != nil {
		t.Fatal(err)
	}
	want := &gridinspect.User{ID: u.ID, Username: "li.na", DisplayName: "李娜", Role: gridinspect.RoleSupervisor,
		GridIDs: []string{gridA, gridB}, CreatedAt: t0, StreetID: 1}
	assertEqual(t, got, want)
	assertEqual(t, mustGetUser(t, db, as(admin()), u.ID), want)

	all := true
	got, err = db.UpdateUser(as(admin()), u.ID, gridinspect.UserUpdate{AllGrids: &all})
	if err != nil {
		t.Fatal(err)
	}
	want.AllGrids, want.GridIDs = true, nil
	assertEqual(t, got, want)
	if n := count(t, db, "user_grids"); n != 0 {
		t.Errorf("%d user_grids rows for a user of all grids, want 0", n)
	}

	password := "a new password"
	if _, err := db.UpdateUser(as(admin()), u.ID, gridinspect.UserUpdate{Password: &password}); err != nil {
		t.Fatal(err)
	}
	_, err = db.Login(context.Background(), "li.na", testPassword, "phone")
	wantCode(t, err, gridinspect.EUNAUTHENTICATED)
	mustLogin(t, db, "li.na", password)
}

func TestUpdateUser_ANewPasswordLogsOutTheUsersOtherSessions(t *testing.T) {
	db := MustOpenDB(t)
	mustStreet(t, db)
	u := mustCreateUser(t, db, newUser("li.na", gridA))
	other := mustCreateUser(t, db, newUser("wang.wu", gridA))
	for range 2 {
		mustLogin(t, db, "li.na", testPassword)
	}
	mustLogin(t, db, "wang.wu", testPassword)

	t.Run("an admin resets a user's password: every session of the user ends", func(t *testing.T) {
		password := "a new password"
		if _, err := db.UpdateUser(as(admin()), u.ID, gridinspect.UserUpdate{Password: &password}); err != nil {
			t.Fatal(err)
		}
		if n := liveTokens(t, db, u.ID); n != 0 {
			t.Errorf("%d live tokens after the reset, want 0", n)
		}
		if n := liveTokens(t, db, other.ID); n != 1 {
			t.Errorf("%d live tokens of another user, want 1", n)
		}
	})
	t.Run("an admin changes its own: the session it used goes on", func(t *testing.T) {
		boss := newUser("boss")
		boss.Role = gridinspect.RoleAdmin
		boss = mustCreateUser(t, db, boss)
		used := mustLogin(t, db, "boss", testPassword)
		mustLogin(t, db, "boss", testPassword)
		me, err := db.Authenticate(context.Background(), used.Token)
		if err != nil {
			t.Fatal(err)
		}
		password := "another password"
		if _, err := db.UpdateUser(as(me), boss.ID, gridinspect.UserUpdate{Password: &password}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Authenticate(context.Background(), used.Token); err != nil {
			t.Errorf("the token the change was made with: %v", err)
		}
		if n := liveTokens(t, db, boss.ID); n != 1 {
			t.Errorf("%d live tokens, want only the one the change was made with", n)
		}
	})
	t.Run("other changes end no session", func(t *testing.T) {
		mustLogin(t, db, "wang.wu", testPassword)
		name := "王五"
		if _, err := db.UpdateUser(as(admin()), other.ID, gridinspect.UserUpdate{DisplayName: &name}); err != nil {
			t.Fatal(err)
		}
		if n := liveTokens(t, db, other.ID); n != 2 {
			t.Errorf("%d live tokens, want 2", n)
		}
	})
}

func TestUpdateUser_TheLastAdminCannotStopBeingOne(t *testing.T) {
	db := MustOpenDB(t)
	mustStreet(t, db)
	first := newUser("first.admin")
	first.Role = gridinspect.RoleAdmin
	first = mustCreateUser(t, db, first)
	supervisor := gridinspect.RoleSupervisor

	before := dumpAuth(t, db)
	_, err := db.UpdateUser(as(admin()), first.ID, gridinspect.UserUpdate{Role: &supervisor})
	wantCode(t, err, gridinspect.EPRECONDITION)
	if dumpAuth(t, db) != before {
		t.Error("the refused change wrote something")
	}

	second := newUser("second.admin")
	second.Role = gridinspect.RoleAdmin
	mustCreateUser(t, db, second)
	got, err := db.UpdateUser(as(admin()), first.ID, gridinspect.UserUpdate{Role: &supervisor})
	if err != nil {
		t.Fatalf("with another admin: %v", err)
	}
	if got.Role != gridinspect.RoleSupervisor {
		t.Errorf("role = %v, want supervisor", got.Role)
	}
}

func TestUpdateUser_Refusals(t *testing.T) {
	worker := gridinspect.RoleWorker
	all := true
	none := []string{}
	unknown := []string{gridA, newID()}
	short := "short"
	long := strings.Repeat("名", gridinspect.MaxShortTextRunes+1)
	tests := []struct {
		name   string
		id     func(u *gridinspect.User) string
		upd    gridinspect.UserUpdate
		code   string
		fields []string
	}{
		{"missing user", func(*gridinspect.User) string { return newID() }, gridinspect.UserUpdate{DisplayName: &short},
			gridinspect.ENOTFOUND, nil},
		{"worker of all grids", nil, gridinspect.UserUpdate{Role: &worker, AllGrids: &all}, gridinspect.EINVALID,
			[]string{"user.all_grids"}},
		{"worker without grids", nil, gridinspect.UserUpdate{GridIDs: &none}, gridinspect.EINVALID,
			[]string{"user.grid_ids"}},
		{"unknown grid", nil, gridinspect.UserUpdate{GridIDs: &unknown}, gridinspect.EINVALID,
			[]string{"user.grid_ids[1]"}},
		{"short password and long name", nil, gridinspect.UserUpdate{Password: &short, DisplayName: &long},
			gridinspect.EINVALID, []string{"user.display_name", "password"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := MustOpenDB(t)
			mustStreet(t, db)
			u := mustCreateUser(t, db, newUser("li.na", gridA))
			id := u.ID
			if tt.id != nil {
				id = tt.id(u)
			}
			before, commits := dumpAuth(t, db), db.Commits()
			_, err := db.UpdateUser(as(admin()), id, tt.upd)
			e := wantCode(t, err, tt.code)
			var fields []string
			for _, f := range e.Fields {
				fields = append(fields, f.Field)
			}
			assertEqual(t, fields, tt.fields)
			if dumpAuth(t, db) != before || db.Commits() != commits {
				t.Error("a refused UpdateUser wrote something")
			}
		})
	}
}

func TestDisableUser_DisablesAndRevokesItsTokens(t *testing.T) {
	db := MustOpenDB(t)
	mustStreet(t, db)
	u := mustCreateUser(t, db, newUser("zhao", gridA))
	other := mustCreateUser(t, db, newUser("qian", gridA))
	for range 2 {
		mustLogin(t, db, "zhao", testPassword)
	}
	mustLogin(t, db, "qian", testPassword)

	got, err := db.DisableUser(as(admin()), strings.ToUpper(u.ID))
	if err != nil {
		t.Fatal(err)
	}
	want := *u
	want.Disabled = true
	assertEqual(t, got, &want)
	assertEqual(t, mustGetUser(t, db, as(admin()), u.ID), &want)
	if n := liveTokens(t, db, u.ID); n != 0 {
		t.Errorf("%d live tokens after DisableUser, want 0", n)
	}
	if n := liveTokens(t, db, other.ID); n != 1 {
		t.Errorf("%d live tokens of another user, want 1", n)
	}
	_, err = db.Login(context.Background(), "zhao", testPassword, "phone")
	assertEqual(t, err, errInvalidLogin)

	// Again: the same answer, nothing more to do.
	db.clock.Add(time.Hour)
	again, err := db.DisableUser(as(admin()), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	assertEqual(t, again, &want)
}

func TestDisableUser_Refusals(t *testing.T) {
	db := MustOpenDB(t)
	mustStreet(t, db)
	root := mustCreateUser(t, db, &gridinspect.User{Username: "root", Role: gridinspect.RoleAdmin, AllGrids: true})
	before, commits := dumpAuth(t, db), db.Commits()

	_, err := db.DisableUser(as(actorOf(root)), root.ID)
	e := wantCode(t, err, gridinspect.EPRECONDITION)
	if e.Message != "you cannot disable your own account" {
		t.Errorf("message = %q", e.Message)
	}
	_, err = db.DisableUser(as(admin()), newID())
	wantCode(t, err, gridinspect.ENOTFOUND)
	if dumpAuth(t, db) != before || db.Commits() != commits {
		t.Error("a refused DisableUser wrote something")
	}
}

// liveTokens counts the unrevoked tokens of a user.
func liveTokens(tb testing.TB, db *testDB, userID string) int {
	tb.Helper()
	var n int
	err := db.Read(context.Background(), func(tx *sql.Tx) error {
		return tx.QueryRow("SELECT count(*) FROM tokens WHERE user_id = ? AND revoked_at IS NULL", userID).Scan(&n)
	})
	if err != nil {
		tb.Fatal(err)
	}
	return n
}

func TestEnsureAdmin_CreatesTheFirstAccountOnce(t *testing.T) {
	db := MustOpenDB(t)
	password, created, err := db.EnsureAdmin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !created {
		t.Fatal("created = false on an empty database")
	}
	if len(password) != AdminPasswordLength || strings.Trim(password, passwordAlphabet) != "" {
		t.Errorf("password %q: want %d characters of %q", password, AdminPasswordLength, passwordAlphabet)
	}
	s := mustLogin(t, db, AdminUsername, password)
	want := &gridinspect.User{ID: s.User.ID, Username: "admin", DisplayName: "管理员", Role: gridinspect.RoleAdmin,
		AllGrids: true, CreatedAt: t0, StreetID: 1}
	assertEqual(t, s.User, want)

	again, created, err := db.EnsureAdmin(context.Background())
	if err != nil || created || again != "" {
		t.Fatalf("second EnsureAdmin = %q, %v, %v; want \"\", false, nil", again, created, err)
	}
	if n := count(t, db, "users"); n != 1 {
		t.Errorf("%d users, want 1", n)
	}
}

func TestEnsureAdmin_LeavesADatabaseWithAccountsAlone(t *testing.T) {
	db := MustOpenDB(t)
	mustStreet(t, db)
	mustCreateUser(t, db, newUser("someone", gridA))
	before := dumpAuth(t, db)
	_, created, err := db.EnsureAdmin(context.Background())
	if err != nil || created {
		t.Fatalf("EnsureAdmin = %v, %v; want false, nil", created, err)
	}
	if dumpAuth(t, db) != before {
		t.Error("EnsureAdmin wrote to a database with accounts")
	}
}

func TestRandomPassword_IsUniformOverTheAlphabet(t *testing.T) {
	seen := make(map[rune]int)
	for range 200 {
		p, err := randomPassword(AdminPasswordLength)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range p {
			seen[r]++
		}
	}
	// 4800 draws over 55 letters: each expected about 87 times.
	for _, r := range passwordAlphabet {
		if seen[r] < 30 {
			t.Errorf("%q drawn %d times in 4800", r, seen[r])
		}
	}
	if len(seen) != len(passwordAlphabet) {
		t.Errorf("drew %d distinct characters, want %d", len(seen), len(passwordAlphabet))
	}
}

// A worker may not list users, but it may read the names of the people on
// its cases: UserNames names anyone asked for, by display name or, where
// there is none, by username, and leaves out ids that are no user.
func TestUserNames_DisplayNameElseUsernameForAnySignedInCaller(t *testing.T) {
	db := MustOpenDB(t)
	mustStreet(t, db)
	named := mustCreateUser(t, db, &gridinspect.User{Username: "chenjing", DisplayName: "陈静", Role: gridinspect.RoleWorker, GridIDs: []string{gridA}})
	bare := mustCreateUser(t, db, &gridinspect.User{Username: "worker02", Role: gridinspect.RoleWorker, GridIDs: []string{gridB}})
	unknown := newID()
	want := map[string]string{named.ID: "陈静", bare.ID: "worker02"}
	for _, a := range []*gridinspect.Actor{worker(gridA), supervisor(gridA), admin()} {
		t.Run(a.Username, func(t *testing.T) {
			got, err := db.UserNames(as(a), []string{strings.ToUpper(named.ID), bare.ID, unknown, bare.ID})
			if err != nil {
				t.Fatalf("user names: %v", err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("user names = %v, want %v", got, want)
			}
		})
	}
	if _, err := db.UserNames(context.Background(), []string{named.ID}); err == nil {
		t.Error("user names without a caller: no error")
	}
}
