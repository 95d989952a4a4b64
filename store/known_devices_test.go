package store

import (
	"context"
	"testing"
	"time"

	"github.com/gridinspect/gridinspect"
)

func TestKnownDevice_IsProvedByATokenOfThatUserOnThatDeviceForAWhileAfterItStopsWorking(t *testing.T) {
	db := MustOpenDB(t)
	mustStreet(t, db)
	mustCreateUser(t, db, newUser("zhang.san", gridA))
	mustCreateUser(t, db, newUser("li.si", gridA))
	phone := mustLogin(t, db, "zhang.san", testPassword) // on "phone-1"
	loggedOut := mustLogin(t, db, "zhang.san", testPassword)
	if err := db.Logout(gridinspect.NewContext(context.Background(), mustAuthenticate(t, db, loggedOut.Token))); err != nil {
		t.Fatal(err)
	}
	other := mustLogin(t, db, "li.si", testPassword)

	type check struct {
		name                    string
		username, device, token string
		want                    bool
	}
	known := func(when string, checks []check) {
		t.Helper()
		for _, c := range checks {
			got, err := db.KnownDevice(context.Background(), c.username, c.device, c.token)
			if err != nil || got != c.want {
				t.Errorf("%s: %s: KnownDevice = %v, %v; want %v", when, c.name, got, err, c.want)
			}
		}
	}
	known("at once", []check{
		{"its token", "zhang.san", "phone-1", phone.Token, true},
		{"the name in another case", "Zhang.San", "phone-1", phone.Token, true},
		{"a token revoked by logging out", "zhang.san", "phone-1", loggedOut.Token, true},
		{"another device id", "zhang.san", "phone-2", phone.Token, false},
		{"another user's token", "zhang.san", "phone-1", other.Token, false},
		{"its token for another user", "li.si", "phone-1", phone.Token, false},
		{"no token", "zhang.san", "phone-1", "", false},
		{"a made-up token", "zhang.san", "phone-1", TokenPrefix + "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", false},
		{"a token of the wrong shape", "zhang.san", "phone-1", "not a token", false},
	})

	// Expired a while ago: still known. Logged out longer ago than the
	// window: not any more.
	db.clock.Add(KnownDeviceWindow)
	known("a window after logging out", []check{
		{"its expired token", "zhang.san", "phone-1", phone.Token, true},
		{"the logged-out token", "zhang.san", "phone-1", loggedOut.Token, false},
	})
	db.clock.Add(DefaultTokenTTL + time.Second)
	known("a window after expiry", []check{
		{"its expired token", "zhang.san", "phone-1", phone.Token, false},
	})
}
