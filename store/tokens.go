package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gridinspect/gridinspect"
)

// Tokens. Login hands out an opaque bearer token of 256 random bits; the
// database keeps only its SHA-256, which is also its id. Authenticate
// hashes what it is given and looks the hash up (through the cache of
// auth_cache.go).

// Token tunables.
const (
	// DefaultTokenTTL is how long a token is valid when Options.TokenTTL
	// is zero: a month, so that a phone in the field is not logged out in
	// the middle of a round.
	DefaultTokenTTL = 30 * 24 * time.Hour

	// LastUsedInterval is how often, at most, a token's last use is
	// written: often enough to tell a token in use from an abandoned one,
	// rarely enough that authentication does not become a write.
	LastUsedInterval = 10 * time.Minute

	// TokenPrefix begins every token, so that one found in a log or a
	// repository is recognizable as ours.
	TokenPrefix = "gi_"

	// MaxDeviceIDRunes bounds the device id given to Login.
	MaxDeviceIDRunes = 100

	tokenBytes = 32 // 256 bits
)

// tokenLen is the length of a token: the prefix and base64url of
// tokenBytes without padding.
var tokenLen = len(TokenPrefix) + base64.RawURLEncoding.EncodedLen(tokenBytes)

// The answers to a failed login and to a bad token: one each, word for
// word the same whatever the reason, so a caller learns nothing from them.
var (
	errInvalidLogin = gridinspect.Errorf(gridinspect.EUNAUTHENTICATED, "invalid username or password").Zh("用户名或密码错误")
	errInvalidToken = gridinspect.Errorf(gridinspect.EUNAUTHENTICATED, "invalid or expired token").Zh("登录已失效，请重新登录")
)

// newToken returns a new random token and its id.
func newToken() (token, id string, err error) {
	b := make([]byte, tokenBytes)
	if _, err := rand.Read(b); err != nil {
		return "", "", fmt.Errorf("make token: %w", err)
	}
	token = TokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	return token, tokenID(token), nil
}

// tokenID returns the id a token is stored under: its hex SHA-256.
func tokenID(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// checkDeviceID validates the device id given to Login.
func checkDeviceID(id string) error {
	var v gridinspect.Violations
	switch n := utf8.RuneCountInString(id); {
	case id == "":
		v.AddZh("device_id", "不能为空", "is required")
	case !utf8.ValidString(id):
		v.AddZh("device_id", "含有无法识别的字符", "is not valid UTF-8")
	case n > MaxDeviceIDRunes:
		v.AddZh("device_id", "过长，最多 "+itoa(MaxDeviceIDRunes)+" 个字符", "is %d characters long; at most %d", n, MaxDeviceIDRunes)
	case strings.IndexFunc(id, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0:
		v.AddZh("device_id", "只能含可显示的字符", "must be printable characters only")
	}
	return v.Err("invalid device_id")
}

// loginCandidate is what Login reads of a user before checking the
// password.
type loginCandidate struct {
	id, hash string
	disabled bool
	street   int64
}

// checkPassword is gridinspect.CheckPassword; a test counts its calls.
var checkPassword = gridinspect.CheckPassword

// Login checks a username and password and opens a session on a device.
// See gridinspect.AuthService. No actor is needed.
//
// The password is checked outside the writer (it costs tens of
// milliseconds by design), against the user's hash or, when there is no
// usable user, against a dummy hash with the same costs; so an unknown
// user, a disabled one and a wrong password cost the same work and get the
// same answer.
func (db *DB) Login(ctx context.Context, username, password, deviceID string) (*gridinspect.Session, error) {
	if err := checkDeviceID(deviceID); err != nil {
		return nil, err
	}
	dummy, err := db.dummyHash()
	if err != nil {
		return nil, fmt.Errorf("store: login: %w", err)
	}
	username = gridinspect.FoldUsername(username)
	var cand *loginCandidate
	if username != "" {
		err := db.Read(ctx, func(tx *sql.Tx) error {
			var c loginCandidate
			var disabled int
			err := tx.QueryRow("SELECT id, password_hash, disabled, street_id FROM users WHERE username = ?", username).
				Scan(&c.id, &c.hash, &disabled, &c.street)
			switch {
			case errors.Is(err, sql.ErrNoRows):
				return nil
			case err != nil:
				return err
			}
			c.disabled = disabled != 0
			cand = &c
			return nil
		})
		if err != nil {
			return nil, domainErr(err, "login")
		}
	}
	if len(password) > gridinspect.MaxPasswordBytes {
		password, cand = "", nil // still do the work, and fail
	}
	hash := dummy
	if cand != nil && !cand.disabled {
		hash = cand.hash
	}
	ok := checkPassword(password, hash)
	if !ok || cand == nil || cand.disabled || password == "" {
		return nil, errInvalidLogin
	}

	token, id, err := newToken()
	if err != nil {
		return nil, fmt.Errorf("store: login: %w", err)
	}
	var s *gridinspect.Session
	err = db.writeIn(ctx, cand.street, func(tx *Tx) error {
		// The user may have been disabled, or its password changed, since
		// the password was checked.
		u, hash, err := getUserForLogin(tx, cand.street, cand.id)
		if err != nil {
			return err
		}
		if u == nil || u.Disabled || hash != cand.hash {
			return errInvalidLogin
		}
		expires := tx.Now.Add(db.tokenTTL)
		if _, err := tx.Exec(`INSERT INTO tokens (street_id, id, user_id, device_id, created_at, last_used_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, u.StreetID, id, u.ID, deviceID, tx.Now.UnixNano(), tx.Now.UnixNano(),
			expires.UnixNano()); err != nil {
			return fmt.Errorf("insert token: %w", err)
		}
		s = &gridinspect.Session{Token: token, ExpiresAt: expires, User: u}
		return nil
	})
	if err != nil {
		return nil, domainErr(err, "login")
	}
	return s, nil
}

// getUserForLogin returns the user with id and its password hash, or nil.
func getUserForLogin(q queryer, street int64, id string) (*gridinspect.User, string, error) {
	u, err := getUser(q, street, id)
	if err != nil || u == nil {
		return nil, "", err
	}
	var hash string
	if err := q.QueryRow("SELECT password_hash FROM users WHERE street_id = ? AND id = ?", street, id).Scan(&hash); err != nil {
		return nil, "", fmt.Errorf("read user %s: %w", id, err)
	}
	return u, hash, nil
}

// Authenticate returns the actor of a bearer token, with its user's
// current role and grids. See gridinspect.AuthService.
func (db *DB) Authenticate(ctx context.Context, token string) (*gridinspect.Actor, error) {
	if len(token) != tokenLen || !strings.HasPrefix(token, TokenPrefix) {
		return nil, errInvalidToken
	}
	id := tokenID(token)
	now := db.now()
	epoch, err := db.authEpoch(ctx, id)
	if err != nil {
		return nil, domainErr(err, "authenticate")
	}
	a, recordUse, ok := db.auth.get(id, now, epoch)
	if !ok {
		gen := db.auth.generation()
		e, err := db.loadToken(ctx, id, now)
		if err != nil {
			return nil, err
		}
		// Use e before it is shared: put hands it to other callers.
		a, recordUse = e.use(id, now)
		db.auth.put(gen, id, e)
	}
	if recordUse {
		db.recordUse(id, a.Street(), now)
	}
	return a, nil
}

// loadToken reads a token and its user, and returns them if the token is
// live at now; errInvalidToken if not.
func (db *DB) loadToken(ctx context.Context, id string, now time.Time) (*authEntry, error) {
	var e *authEntry
	err := db.Read(ctx, func(tx *sql.Tx) error {
		var userID, deviceID string
		var street, lastUsed, expires int64
		var revoked sql.NullInt64
		err := tx.QueryRow(`SELECT street_id, user_id, device_id, last_used_at, expires_at, revoked_at
			FROM tokens WHERE id = ?`, id).Scan(&street, &userID, &deviceID, &lastUsed, &expires, &revoked)
		if errors.Is(err, sql.ErrNoRows) {
			return errInvalidToken
		}
		if err != nil {
			return err
		}
		if revoked.Valid || !now.Before(unixNanos(expires)) {
			return errInvalidToken
		}
		u, err := getUser(tx, street, userID)
		if err != nil {
			return err
		}
		if u == nil || u.Disabled {
			return errInvalidToken
		}
		epoch, err := db.authEpochIn(tx, street)
		if err != nil {
			return err
		}
		e = &authEntry{user: u, deviceID: deviceID, expiresAt: unixNanos(expires),
			lastUsed: unixNanos(lastUsed), loadedAt: now, epoch: epoch}
		return nil
	})
	if err != nil {
		return nil, domainErr(err, "authenticate")
	}
	return e, nil
}

// recordUse writes that token id, of street, was used at now, in the
// background: the caller is not kept waiting for the writer. The UPDATE's
// condition keeps it to once per LastUsedInterval even when two
// goroutines race (e.g. after the cache was cleared). Nothing is started once Close has begun.
func (db *DB) recordUse(id string, street int64, now time.Time) {
	db.closeMu.RLock()
	defer db.closeMu.RUnlock()
	if db.closed || db.queue == nil {
		return
	}
	db.background.Add(1)
	go func() {
		defer db.background.Done()
		err := db.writeIn(context.Background(), street, func(tx *Tx) error {
			_, err := tx.Exec("UPDATE tokens SET last_used_at = ? WHERE street_id = ? AND id = ? AND last_used_at <= ?",
				now.UnixNano(), tx.Street, id, now.Add(-LastUsedInterval).UnixNano())
			return err
		})
		if err != nil && !errors.Is(err, errClosed) {
			db.logger.Warn("store: record token use", "err", err)
		}
	}()
}

// authWritten registers the clearing of the authentication cache after
// tx commits; every write that changes what Authenticate answers calls it.
func (db *DB) authWritten(tx *Tx) {
	tx.AfterCommit(db.auth.clear)
}

// Logout revokes the token the caller came with.
func (db *DB) Logout(ctx context.Context) error {
	a, err := gridinspect.RequireActor(ctx)
	if err != nil {
		return err
	}
	if a.TokenID == "" {
		return gridinspect.Errorf(gridinspect.EUNAUTHENTICATED, "not logged in with a token").Zh("请先登录")
	}
	err = db.Write(ctx, func(tx *Tx) error {
		if _, err := tx.Exec("UPDATE tokens SET revoked_at = ? WHERE street_id = ? AND id = ? AND user_id = ? AND revoked_at IS NULL",
			tx.Now.UnixNano(), a.Street(), a.TokenID, a.UserID); err != nil {
			return err
		}
		db.authWritten(tx)
		return nil
	})
	return domainErr(err, "logout")
}

// RevokeTokens revokes every live token of a user and returns how many
// there were. Admins only.
func (db *DB) RevokeTokens(ctx context.Context, userID string) (int, error) {
	a, err := gridinspect.RequireActor(ctx)
	if err != nil {
		return 0, err
	}
	if !a.IsAdmin() {
		return 0, gridinspect.Errorf(gridinspect.EFORBIDDEN, "only an admin may revoke tokens").Zh("只有管理员可以注销登录")
	}
	userID = strings.ToLower(userID)
	var n int
	err = db.Write(ctx, func(tx *Tx) error {
		ok, err := userExists(tx, a.Street(), userID)
		if err != nil {
			return err
		}
		if !ok {
			return errUserNotFound(userID)
		}
		n, err = db.revokeTokens(tx, userID)
		return err
	})
	if err != nil {
		return 0, domainErr(err, "revoke tokens of user %s", userID)
	}
	return n, nil
}

// revokeTokens revokes the live tokens of a user and says how many.
func (db *DB) revokeTokens(tx *Tx, userID string) (int, error) {
	return db.revokeTokensBut(tx, userID, "")
}

// revokeTokensBut revokes a user's live tokens but the one with id keep
// ("" for none), and returns how many it revoked.
func (db *DB) revokeTokensBut(tx *Tx, userID, keep string) (int, error) {
	res, err := tx.Exec(`UPDATE tokens SET revoked_at = ?
		WHERE street_id = ? AND user_id = ? AND revoked_at IS NULL AND expires_at > ? AND id <> ?`,
		tx.Now.UnixNano(), tx.Street, userID, tx.Now.UnixNano(), keep)
	if err != nil {
		return 0, fmt.Errorf("revoke tokens of user %s: %w", userID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("revoke tokens of user %s: %w", userID, err)
	}
	db.authWritten(tx)
	return int(n), nil
}
