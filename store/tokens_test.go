package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/base64"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gridinspect/gridinspect"
)

func mustLogin(tb testing.TB, db *testDB, username, password string) *gridinspect.Session {
	tb.Helper()
	s, err := db.Login(context.Background(), username, password, "phone-1")
	if err != nil {
		tb.Fatalf("login %s: %v", username, err)
	}
	return s
}

func mustAuthenticate(tb testing.TB, db *testDB, token string) *gridinspect.Actor {
	tb.Helper()
	a, err := db.Authenticate(context.Background(), token)
	if err != nil {
		tb.Fatalf("authenticate: %v", err)
	}
	return a
}

// wantRefusedToken fails unless err is the one answer to a bad token.
func wantRefusedToken(tb testing.TB, err error) {
	tb.Helper()
	if err != errInvalidToken {
		tb.Fatalf("err = %v, want %v", err, errInvalidToken)
	}
}

// mustOpenWith opens a test database with opts, filling in the test clock,
// logger and password costs.
func mustOpenWith(tb testing.TB, opts Options) *testDB {
	tb.Helper()
	clock := &testClock{now: t0}
	opts.Now, opts.Logger = clock.Now, slog.New(slog.DiscardHandler)
	if opts.PasswordParams == (gridinspect.PasswordParams{}) {
		opts.PasswordParams = testPasswordParams
	}
	db, err := openTestStore(tb, filepath.Join(tb.TempDir(), "gridinspect.db"), opts)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := db.Close(context.Background()); err != nil {
			tb.Errorf("close: %v", err)
		}
	})
	return &testDB{DB: db, clock: clock}
}

// lastUsed reads a token's last_used_at.
func lastUsed(tb testing.TB, db *testDB, token string) time.Time {
	tb.Helper()
	var n int64
	err := db.Read(context.Background(), func(tx *sql.Tx) error {
		return tx.QueryRow("SELECT last_used_at FROM tokens WHERE id = ?", tokenID(token)).Scan(&n)
	})
	if err != nil {
		tb.Fatal(err)
	}
	return unixNanos(n)
}

func TestLogin_IssuesA256BitTokenAndStoresOnlyItsHash(t *testing.T) {
	db := MustOpenDB(t)
	mustStreet(t, db)
	u := mustCreateUser(t, db, newUser("zhang.san", gridA))

	s, err := db.Login(context.Background(), "Zhang.San", testPassword, "华为 Mate 60 #1")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(s.Token, "gi_"))
	if !strings.HasPrefix(s.Token, "gi_") || err != nil || len(raw) != 32 {
		t.Errorf("token %q: want gi_ and base64url of 32 bytes", s.Token)
	}
	if !s.ExpiresAt.Equal(t0.Add(DefaultTokenTTL)) {
		t.Errorf("expires at %v, want %v", s.ExpiresAt, t0.Add(DefaultTokenTTL))
	}
	assertEqual(t, s.User, u)

	other := mustLogin(t, db, "zhang.san", testPassword)
	if other.Token == s.Token {
		t.Error("two logins got the same token")
	}

	// No column of the tokens table holds the token or its random part.
	err = db.Read(context.Background(), func(tx *sql.Tx) error {
		rows, err := tx.Query("SELECT * FROM tokens WHERE id = ?", tokenID(s.Token))
		if err != nil {
			return err
		}
		defer rows.Close()
		cols, err := rows.Columns()
		if err != nil {
			return err
		}
		found := false
		for rows.Next() {
			found = true
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				return err
			}
			for i, v := range vals {
				text := fmt.Sprint(v)
				if b, ok := v.([]byte); ok {
					text = string(b)
				}
				if strings.Contains(text, s.Token) || strings.Contains(text, s.Token[3:]) {
					t.Errorf("column %s holds the token", cols[i])
				}
			}
		}
		if !found {
			t.Error("no token row under the token's SHA-256")
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestLogin_FailuresAreIndistinguishable(t *testing.T) {
	db := MustOpenDB(t)
	mustStreet(t, db)
	mustCreateUser(t, db, newUser("zhang.san", gridA))
	off := mustCreateUser(t, db, newUser("li.si", gridA))
	if _, err := db.DisableUser(as(admin()), off.ID); err != nil {
		t.Fatal(err)
	}
	before, commits := dumpAuth(t, db), db.Commits()

	tests := []struct{ name, username, password string }{
		{"wrong password", "zhang.san", testPassword + "x"},
		{"unknown user", "wang.wu", testPassword},
		{"disabled user", "li.si", testPassword},
		{"empty username", "", testPassword},
		{"empty password", "zhang.san", ""},
		{"overlong password", "zhang.san", testPassword + strings.Repeat("x", gridinspect.MaxPasswordBytes)},
		{"overlong username", strings.Repeat("z", 1000), testPassword},
		{"invalid UTF-8 username", "zhang\xffsan", testPassword},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := db.Login(context.Background(), tt.username, tt.password, "phone-1")
			if err != errInvalidLogin || s != nil {
				t.Fatalf("Login = %v, %v; want nil, %v", s, err, errInvalidLogin)
			}
		})
	}
	if dumpAuth(t, db) != before || db.Commits() != commits {
		t.Error("a failed login wrote something")
	}
	if errInvalidLogin.Code != gridinspect.EUNAUTHENTICATED || errInvalidLogin.Message != "invalid username or password" {
		t.Errorf("errInvalidLogin = %#v", errInvalidLogin)
	}
}

// TestLogin_UnknownUserCostsAPasswordCheck checks that a login for an
// unknown or disabled user does the work of checking a password, against
// a hash with the same costs as a real one, rather than answering at once.
// It counts the checks instead of timing them: timings on a shared machine
// prove nothing.
func TestLogin_UnknownUserCostsAPasswordCheck(t *testing.T) {
	params := gridinspect.PasswordParams{MemoryKiB: 8 * 1024, Time: 2, Threads: 1}
	db := mustOpenWith(t, Options{PasswordParams: params})
	mustStreet(t, db)
	off := mustCreateUser(t, db, newUser("li.si", gridA))
	if _, err := db.DisableUser(as(admin()), off.ID); err != nil {
		t.Fatal(err)
	}
	var hashes []string
	checkPassword = func(password, hash string) bool {
		hashes = append(hashes, hash)
		return gridinspect.CheckPassword(password, hash)
	}
	t.Cleanup(func() { checkPassword = gridinspect.CheckPassword })
	costs := fmt.Sprintf("$argon2id$v=19$m=%d,t=%d,p=%d$", params.MemoryKiB, params.Time, params.Threads)
	for _, username := range []string{"wang.wu", "li.si", ""} {
		hashes = nil
		if _, err := db.Login(context.Background(), username, testPassword, "phone-1"); err != errInvalidLogin {
			t.Fatalf("login %q: %v", username, err)
		}
		if len(hashes) != 1 || !strings.HasPrefix(hashes[0], costs) {
			t.Errorf("login of %q checked %q; want one check against a hash costing %s", username, hashes, costs)
		}
	}
}

// TestLogin_AChangeWhileThePasswordIsCheckedRefusesTheLogin checks the
// writer's re-checks: the password is checked outside the writer, so an
// admin may disable the user, or give it a new password, before the token
// is stored; then the login gets the one answer to a failed login and no
// token. The change is made from within the password check (the
// checkPassword hook), between the two phases.
func TestLogin_AChangeWhileThePasswordIsCheckedRefusesTheLogin(t *testing.T) {
	newPassword := "a brand new password"
	for _, tt := range []struct {
		name   string
		change func(db *testDB, id string) error
		ok     bool
	}{
		{"nothing changes", func(*testDB, string) error { return nil }, true},
		{"the user is disabled", func(db *testDB, id string) error {
			_, err := db.DisableUser(as(admin()), id)
			return err
		}, false},
		{"the password is changed", func(db *testDB, id string) error {
			_, err := db.UpdateUser(as(admin()), id, gridinspect.UserUpdate{Password: &newPassword})
			return err
		}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			db := MustOpenDB(t)
			mustStreet(t, db)
			u := mustCreateUser(t, db, newUser("zhang.san", gridA))
			checkPassword = func(password, hash string) bool {
				ok := gridinspect.CheckPassword(password, hash)
				if err := tt.change(db, u.ID); err != nil {
					t.Errorf("change during the password check: %v", err)
				}
				return ok
			}
			t.Cleanup(func() { checkPassword = gridinspect.CheckPassword })
			s, err := db.Login(context.Background(), "zhang.san", testPassword, "phone-1")
			if tt.ok {
				if err != nil || liveTokens(t, db, u.ID) != 1 {
					t.Fatalf("Login = %v, %v with %d live tokens; want a session", s, err, liveTokens(t, db, u.ID))
				}
				return
			}
			if err != errInvalidLogin || s != nil {
				t.Fatalf("Login = %v, %v; want nil, %v", s, err, errInvalidLogin)
			}
			if n := liveTokens(t, db, u.ID); n != 0 {
				t.Errorf("%d live tokens, want 0", n)
			}
		})
	}
}

func TestLogin_DeviceIDIsRequiredAndBounded(t *testing.T) {
	db := MustOpenDB(t)
	mustStreet(t, db)
	mustCreateUser(t, db, newUser("zhang.san", gridA))
	tests := []struct {
		name, deviceID string
		ok             bool
	}{
		{"empty", "", false},
		{"too long", strings.Repeat("a", MaxDeviceIDRunes+1), false},
		{"invalid UTF-8", "phone\xff", false},
		{"NUL", "phone\x00", false},
		{"newline", "phone\n1", false},
		{"longest", strings.Repeat("机", MaxDeviceIDRunes), true},
		{"with spaces", "Xiaomi 14 (张三)", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := db.Login(context.Background(), "zhang.san", testPassword, tt.deviceID)
			if tt.ok {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantField(t, err, "device_id")
		})
	}
}

func TestAuthenticate_ReturnsTheUsersActor(t *testing.T) {
	db := MustOpenDB(t)
	mustStreet(t, db)
	u := mustCreateUser(t, db, newUser("zhang.san", gridB, gridA))
	s := mustLogin(t, db, "zhang.san", testPassword)
	want := &gridinspect.Actor{UserID: u.ID, Username: "zhang.san", Name: "网格员 zhang.san", Role: gridinspect.RoleWorker,
		GridIDs: []string{gridA, gridB}, DeviceID: "phone-1", TokenID: tokenID(s.Token), StreetID: 1}
	for i := range 3 { // the first from the database, then from the cache
		a := mustAuthenticate(t, db, s.Token)
		assertEqual(t, a, want)
		a.GridIDs[0] = "changed by the caller" // must not reach the cache
		if i == 0 && db.auth.len() != 1 {
			t.Fatalf("cache holds %d entries, want 1", db.auth.len())
		}
	}
	// The name answers give the caller from the session is as fresh as
	// the role: a rename is seen on the next call, cached or not.
	sys := gridinspect.NewContext(context.Background(), gridinspect.SystemActor())
	for _, name := range []string{"张三", ""} {
		if _, err := db.UpdateUser(sys, u.ID, gridinspect.UserUpdate{DisplayName: &name}); err != nil {
			t.Fatal(err)
		}
		want := cmp.Or(name, "zhang.san")
		if a := mustAuthenticate(t, db, s.Token); a.Name != want {
			t.Errorf("after the rename to %q: Name = %q, want %q", name, a.Name, want)
		}
	}
}

func TestAuthenticate_RefusesWhatIsNotALiveToken(t *testing.T) {
	db := MustOpenDB(t)
	mustStreet(t, db)
	mustCreateUser(t, db, newUser("zhang.san", gridA))
	s := mustLogin(t, db, "zhang.san", testPassword)
	last := s.Token[len(s.Token)-1]
	flipped := s.Token[:len(s.Token)-1] + map[bool]string{true: "B", false: "A"}[last == 'A']
	for name, token := range map[string]string{
		"empty":          "",
		"bearer":         "Bearer " + s.Token,
		"prefix only":    "gi_",
		"no prefix":      s.Token[3:],
		"one char off":   flipped,
		"one char more":  s.Token + "A",
		"the token's id": tokenID(s.Token),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := db.Authenticate(context.Background(), token)
			wantRefusedToken(t, err)
		})
	}
	if errInvalidToken.Code != gridinspect.EUNAUTHENTICATED || errInvalidToken.Message != "invalid or expired token" {
		t.Errorf("errInvalidToken = %#v", errInvalidToken)
	}
}

func TestAuthenticate_ChangesOfTheUserApplyOnTheNextCall(t *testing.T) {
	supervisor := gridinspect.RoleSupervisor
	onlyB := []string{gridB}
	all := true
	tests := []struct {
		name      string
		upd       gridinspect.UserUpdate
		wantRole  gridinspect.Role
		wantGrids []string
		wantAll   bool
	}{
		{"grids", gridinspect.UserUpdate{GridIDs: &onlyB}, gridinspect.RoleWorker, []string{gridB}, false},
		{"role", gridinspect.UserUpdate{Role: &supervisor}, gridinspect.RoleSupervisor, []string{gridA}, false},
		{"role and all grids", gridinspect.UserUpdate{Role: &supervisor, AllGrids: &all},
			gridinspect.RoleSupervisor, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := MustOpenDB(t)
			mustStreet(t, db)
			u := mustCreateUser(t, db, newUser("zhang.san", gridA))
			s := mustLogin(t, db, "zhang.san", testPassword)
			mustAuthenticate(t, db, s.Token)
			mustAuthenticate(t, db, s.Token) // cached

			if _, err := db.UpdateUser(as(admin()), u.ID, tt.upd); err != nil {
				t.Fatal(err)
			}
			a := mustAuthenticate(t, db, s.Token)
			if a.Role != tt.wantRole || a.AllGrids != tt.wantAll {
				t.Errorf("role %v, all grids %v; want %v, %v", a.Role, a.AllGrids, tt.wantRole, tt.wantAll)
			}
			assertEqual(t, a.GridIDs, tt.wantGrids)
		})
	}
}

func TestAuthenticate_RevokedTokenFailsOnTheNextCall(t *testing.T) {
	tests := []struct {
		name       string
		revoke     func(t *testing.T, db *testDB, u *gridinspect.User, first *gridinspect.Actor)
		secondLive bool // the same user's other token
	}{
		{"Logout", func(t *testing.T, db *testDB, _ *gridinspect.User, first *gridinspect.Actor) {
			if err := db.Logout(gridinspect.NewContext(context.Background(), first)); err != nil {
				t.Fatal(err)
			}
		}, true},
		{"RevokeTokens", func(t *testing.T, db *testDB, u *gridinspect.User, _ *gridinspect.Actor) {
			n, err := db.RevokeTokens(as(admin()), u.ID)
			if err != nil {
				t.Fatal(err)
			}
			if n != 2 {
				t.Errorf("revoked %d tokens, want 2", n)
			}
		}, false},
		{"DisableUser", func(t *testing.T, db *testDB, u *gridinspect.User, _ *gridinspect.Actor) {
			if _, err := db.DisableUser(as(admin()), u.ID); err != nil {
				t.Fatal(err)
			}
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := MustOpenDB(t)
			mustStreet(t, db)
			u := mustCreateUser(t, db, newUser("zhang.san", gridA))
			bystander := mustCreateUser(t, db, newUser("li.si", gridA))
			first := mustLogin(t, db, "zhang.san", testPassword)
			second := mustLogin(t, db, "zhang.san", testPassword)
			third := mustLogin(t, db, "li.si", testPassword)
			a := mustAuthenticate(t, db, first.Token)
			mustAuthenticate(t, db, second.Token)
			mustAuthenticate(t, db, third.Token)
			if db.auth.len() != 3 {
				t.Fatalf("cache holds %d entries, want 3", db.auth.len())
			}

			tt.revoke(t, db, u, a)
			_, err := db.Authenticate(context.Background(), first.Token)
			wantRefusedToken(t, err)
			_, err = db.Authenticate(context.Background(), second.Token)
			if tt.secondLive {
				if err != nil {
					t.Errorf("the user's other token: %v", err)
				}
			} else {
				wantRefusedToken(t, err)
			}
			if got := mustAuthenticate(t, db, third.Token); got.UserID != bystander.ID {
				t.Errorf("another user's token gives %s", got.UserID)
			}
		})
	}
}

// TestAuthenticate_RevocationRacingACacheFill revokes while other
// goroutines authenticate the same token: an entry read before the
// revocation must not be cached after it.
func TestAuthenticate_RevocationRacingACacheFill(t *testing.T) {
	db := MustOpenDB(t)
	mustStreet(t, db)
	u := mustCreateUser(t, db, newUser("zhang.san", gridA))
	for range 20 {
		s := mustLogin(t, db, "zhang.san", testPassword)
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					select {
					case <-stop:
						return
					default:
						db.Authenticate(context.Background(), s.Token) //nolint:errcheck // racing on purpose
					}
				}
			}()
		}
		if _, err := db.RevokeTokens(as(admin()), u.ID); err != nil {
			t.Fatal(err)
		}
		for range 100 {
			_, err := db.Authenticate(context.Background(), s.Token)
			wantRefusedToken(t, err)
		}
		close(stop)
		wg.Wait()
	}
}

func TestAuthenticate_ExpiredTokenFails(t *testing.T) {
	t.Run("cached", func(t *testing.T) {
		const ttl = 30 * time.Second // shorter than authCacheMaxAge: the entry stays cached
		db := mustOpenWith(t, Options{TokenTTL: ttl})
		mustStreet(t, db)
		mustCreateUser(t, db, newUser("zhang.san", gridA))
		s := mustLogin(t, db, "zhang.san", testPassword)
		if !s.ExpiresAt.Equal(t0.Add(ttl)) {
			t.Errorf("expires at %v, want %v", s.ExpiresAt, t0.Add(ttl))
		}
		mustAuthenticate(t, db, s.Token)
		db.clock.Add(ttl - time.Nanosecond)
		mustAuthenticate(t, db, s.Token)
		if db.auth.len() != 1 {
			t.Fatalf("cache holds %d entries, want 1", db.auth.len())
		}
		db.clock.Add(time.Nanosecond)
		_, err := db.Authenticate(context.Background(), s.Token)
		wantRefusedToken(t, err)
	})
	t.Run("default TTL", func(t *testing.T) {
		db := MustOpenDB(t)
		mustStreet(t, db)
		mustCreateUser(t, db, newUser("zhang.san", gridA))
		s := mustLogin(t, db, "zhang.san", testPassword)
		mustAuthenticate(t, db, s.Token)
		db.clock.Add(DefaultTokenTTL - time.Second)
		mustAuthenticate(t, db, s.Token)
		db.clock.Add(time.Second)
		_, err := db.Authenticate(context.Background(), s.Token)
		wantRefusedToken(t, err)
	})
}

func TestAuthenticate_RecordsLastUseAtMostOncePerInterval(t *testing.T) {
	db := MustOpenDB(t)
	mustStreet(t, db)
	mustCreateUser(t, db, newUser("zhang.san", gridA))
	s := mustLogin(t, db, "zhang.san", testPassword)
	steps := []struct {
		advance time.Duration
		want    time.Duration // last_used_at - t0
	}{
		{0, 0},
		{5 * time.Minute, 0},
		{5*time.Minute - time.Nanosecond, 0},
		{time.Nanosecond, 10 * time.Minute},
		{9 * time.Minute, 10 * time.Minute},
		{time.Minute, 20 * time.Minute},
	}
	for i, st := range steps {
		db.clock.Add(st.advance)
		mustAuthenticate(t, db, s.Token)
		db.background.Wait()
		if got := lastUsed(t, db, s.Token); !got.Equal(t0.Add(st.want)) {
			t.Fatalf("step %d: last used %v, want t0+%v", i, got.Sub(t0), st.want)
		}
	}

	// Many calls at once, once it is due, record it once.
	db.clock.Add(LastUsedInterval - time.Second)
	mustAuthenticate(t, db, s.Token) // cached afresh, not due
	db.clock.Add(time.Second)
	commits := db.Commits()
	var wg sync.WaitGroup
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := db.Authenticate(context.Background(), s.Token); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	db.background.Wait()
	if n := db.Commits() - commits; n != 1 {
		t.Errorf("50 concurrent calls made %d commits, want 1", n)
	}
	if got := lastUsed(t, db, s.Token); !got.Equal(t0.Add(30 * time.Minute)) {
		t.Errorf("last used t0+%v, want t0+30m", got.Sub(t0))
	}
}

func TestAuthenticate_RecordingUseDuringCloseIsSafe(t *testing.T) {
	db := MustOpenDB(t)
	mustStreet(t, db)
	mustCreateUser(t, db, newUser("zhang.san", gridA))
	s := mustLogin(t, db, "zhang.san", testPassword)
	db.clock.Add(LastUsedInterval)
	mustAuthenticate(t, db, s.Token) // starts a background write
	if err := db.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	db.background.Wait() // Close waited already: returns at once
	db.recordUse(tokenID(s.Token), gridinspect.DefaultStreet, db.clock.Now().Add(time.Hour))
	db.background.Wait() // nothing was started after Close
	if _, err := db.Authenticate(context.Background(), s.Token); err == nil {
		// Served from the cache; what matters is that nothing panicked
		// and nothing was started.
		t.Log("authenticated from the cache after Close")
	}
}

func TestLogout_NeedsATokenActor(t *testing.T) {
	db := MustOpenDB(t)
	wantCode(t, db.Logout(context.Background()), gridinspect.EUNAUTHENTICATED)
	wantCode(t, db.Logout(as(worker(gridA))), gridinspect.EUNAUTHENTICATED)
}

func TestRevokeTokens_CountsLiveTokens(t *testing.T) {
	db := MustOpenDB(t)
	mustStreet(t, db)
	u := mustCreateUser(t, db, newUser("zhang.san", gridA))
	mustLogin(t, db, "zhang.san", testPassword) // will expire
	db.clock.Add(DefaultTokenTTL - time.Hour)
	out := mustLogin(t, db, "zhang.san", testPassword)
	mustLogin(t, db, "zhang.san", testPassword)
	mustLogin(t, db, "zhang.san", testPassword)
	if err := db.Logout(gridinspect.NewContext(context.Background(), mustAuthenticate(t, db, out.Token))); err != nil {
		t.Fatal(err)
	}
	db.clock.Add(time.Hour)

	n, err := db.RevokeTokens(as(admin()), strings.ToUpper(u.ID))
	if err != nil || n != 2 {
		t.Fatalf("RevokeTokens = %d, %v; want 2, nil", n, err)
	}
	n, err = db.RevokeTokens(as(admin()), u.ID)
	if err != nil || n != 0 {
		t.Fatalf("RevokeTokens again = %d, %v; want 0, nil", n, err)
	}
	_, err = db.RevokeTokens(as(admin()), newID())
	wantCode(t, err, gridinspect.ENOTFOUND)
}

// BenchmarkAuthenticate measures Authenticate of a cached token, which
// every RPC pays: a SHA-256, a map lookup and a copy of the actor.
func BenchmarkAuthenticate(b *testing.B) {
	db := MustOpenDB(b)
	mustStreet(b, db)
	mustCreateUser(b, db, newUser("zhang.san", gridA, gridB))
	s := mustLogin(b, db, "zhang.san", testPassword)
	mustAuthenticate(b, db, s.Token)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := db.Authenticate(ctx, s.Token); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
