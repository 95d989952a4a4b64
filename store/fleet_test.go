package store

import (
	"context"
	"testing"

	"github.com/gridinspect/gridinspect"
)

// Several servers, one database: what one server does applies on the
// next call to any other. Each test opens two DBs on one PostgreSQL
// database, as two gridd would (SQLite has one process per file).

// mustOpenTwo opens a test database and a second server on it, sharing
// its clock and photo folder.
func mustOpenTwo(t *testing.T) (a, b *testDB) {
	t.Helper()
	onlyOn(t, "postgres")
	a = MustOpenDB(t)
	b = mustOpenAt(t, a.Path(), a.clock)
	return a, b
}

func TestAuthenticate_ARevocationOnOneServerIsRefusedOnAnotherOnTheNextCall(t *testing.T) {
	tests := []struct {
		name   string
		revoke func(t *testing.T, on *testDB, u *gridinspect.User, s *gridinspect.Session)
	}{
		{"Logout", func(t *testing.T, on *testDB, u *gridinspect.User, s *gridinspect.Session) {
			a := mustAuthenticate(t, on, s.Token)
			if err := on.Logout(gridinspect.NewContext(context.Background(), a)); err != nil {
				t.Fatal(err)
			}
		}},
		{"RevokeTokens", func(t *testing.T, on *testDB, u *gridinspect.User, _ *gridinspect.Session) {
			if _, err := on.RevokeTokens(as(admin()), u.ID); err != nil {
				t.Fatal(err)
			}
		}},
		{"DisableUser", func(t *testing.T, on *testDB, u *gridinspect.User, _ *gridinspect.Session) {
			if _, err := on.DisableUser(as(admin()), u.ID); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := mustOpenTwo(t)
			mustStreet(t, a)
			u := mustCreateUser(t, a, newUser("zhang.san", gridA))
			s := mustLogin(t, a, "zhang.san", testPassword)
			mustAuthenticate(t, b, s.Token)
			mustAuthenticate(t, b, s.Token)
			if b.auth.len() != 1 {
				t.Fatalf("server B caches %d tokens, want 1", b.auth.len())
			}

			tt.revoke(t, a, u, s)
			_, err := b.Authenticate(context.Background(), s.Token)
			wantRefusedToken(t, err)
		})
	}
}

func TestAuthenticate_ARoleOrGridChangeOnOneServerAppliesOnAnotherOnTheNextCall(t *testing.T) {
	supervisor := gridinspect.RoleSupervisor
	onlyB := []string{gridB}
	tests := []struct {
		name      string
		upd       gridinspect.UserUpdate
		wantRole  gridinspect.Role
		wantGrids []string
	}{
		{"grids", gridinspect.UserUpdate{GridIDs: &onlyB}, gridinspect.RoleWorker, []string{gridB}},
		{"role", gridinspect.UserUpdate{Role: &supervisor}, gridinspect.RoleSupervisor, []string{gridA}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := mustOpenTwo(t)
			mustStreet(t, a)
			u := mustCreateUser(t, a, newUser("zhang.san", gridA))
			s := mustLogin(t, a, "zhang.san", testPassword)
			mustAuthenticate(t, b, s.Token)
			mustAuthenticate(t, b, s.Token) // cached on B

			if _, err := a.UpdateUser(as(admin()), u.ID, tt.upd); err != nil {
				t.Fatal(err)
			}
			got := mustAuthenticate(t, b, s.Token)
			if got.Role != tt.wantRole {
				t.Errorf("role %v, want %v", got.Role, tt.wantRole)
			}
			assertEqual(t, got.GridIDs, tt.wantGrids)
		})
	}
}

// TestAuthenticate_ARevocationWrittenBehindTheStoresBackIsRefusedOnTheNextCall:
// a token revoked by SQL alone (an operator in psql), not through the
// store's own calls, is refused on the next call on every server.
func TestAuthenticate_ARevocationWrittenBehindTheStoresBackIsRefusedOnTheNextCall(t *testing.T) {
	a, b := mustOpenTwo(t)
	mustStreet(t, a)
	mustCreateUser(t, a, newUser("zhang.san", gridA))
	s := mustLogin(t, a, "zhang.san", testPassword)
	for _, db := range []*testDB{a, b} {
		mustAuthenticate(t, db, s.Token)
		mustAuthenticate(t, db, s.Token)
	}
	if err := a.Write(context.Background(), func(tx *Tx) error {
		_, err := tx.Exec("UPDATE tokens SET revoked_at = ? WHERE id = ?", tx.Now.UnixNano(), tokenID(s.Token))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	for name, db := range map[string]*testDB{"A": a, "B": b} {
		_, err := db.Authenticate(context.Background(), s.Token)
		if err != errInvalidToken {
			t.Errorf("server %s: err = %v, want %v", name, err, errInvalidToken)
		}
	}
}

// TestSubmitReport_AGridMadeOnOneServerPlacesReportsOnAnother: the
// grids' boundaries each server caches follow a grid made on another.
func TestSubmitReport_AGridMadeOnOneServerPlacesReportsOnAnother(t *testing.T) {
	a, b := mustOpenTwo(t)
	mustStreet(t, a)
	if got := mustSubmit(t, b, as(admin()), newReport(inA)); got.GridID != gridA {
		t.Fatalf("placed in %q, want grid A", got.GridID)
	}
	hill := mustCreateGrid(t, a, &gridinspect.Grid{ID: newID(), Name: "山上", Kind: gridinspect.GridKindVillage,
		Boundary: square(29.60, 106.60, 29.61, 106.61)})
	if got := mustSubmit(t, b, as(admin()), newReport(inNone)); got.GridID != hill.ID {
		t.Errorf("placed in %q, want the grid just made on the other server, %s", got.GridID, hill.ID)
	}
}
