package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/gridinspect/gridinspect"
)

// KnownDeviceWindow is how long after a token stopped working (it expired,
// or was revoked by a logout, a password change or an admin) it still
// proves, at Login, that its device is one its user logged in on: a phone
// left in a drawer for a season is still known when it comes back.
const KnownDeviceWindow = 90 * 24 * time.Hour

// KnownDevice reports whether token proves that deviceID is a device the
// user named username logged in on before. See gridinspect.AuthService.
//
// The token is the proof, not the device id: device ids are chosen by the
// client and seen by others (a supervisor lists them), while a token is
// 256 random bits shown once to the device that logged in, of which the
// database keeps only the hash. A revoked token still counts: Login's
// limits give a known device a budget of its own, no larger than a
// guesser's, so a stolen old token buys no more guesses than an address
// does; it only escapes other people's lockouts.
func (db *DB) KnownDevice(ctx context.Context, username, deviceID, token string) (bool, error) {
	if len(token) != tokenLen || !strings.HasPrefix(token, TokenPrefix) || deviceID == "" {
		return false, nil
	}
	since := db.now().Add(-KnownDeviceWindow).UnixNano()
	known := false
	err := db.Read(ctx, func(tx *sql.Tx) error {
		var one int
		err := tx.QueryRow(`SELECT 1 FROM tokens t JOIN users u ON u.street_id = t.street_id AND u.id = t.user_id
			WHERE t.id = ? AND t.device_id = ? AND u.username = ?
			AND min(t.expires_at, coalesce(t.revoked_at, t.expires_at)) > ?`,
			tokenID(token), deviceID, gridinspect.FoldUsername(username), since).Scan(&one)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return nil
		case err != nil:
			return err
		}
		known = true
		return nil
	})
	if err != nil {
		return false, domainErr(err, "known device")
	}
	return known, nil
}
