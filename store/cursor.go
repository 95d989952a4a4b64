package store

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/gridinspect/gridinspect"
)

// Sync cursors. A cursor is where a phone's copy stands: the database it
// came from, the last change sequence number it has, and the scope (the
// grids) its user had then. It is opaque to the phone and signed with a
// key kept in the database (meta "cursor_key"), so that a phone cannot
// move its cursor past changes or widen the scope it was issued for.

// cursorKeyBytes is the size of the HMAC-SHA256 key that signs cursors.
const cursorKeyBytes = 32

// cursor is the content of a sync cursor.
type cursor struct {
	// Instance is the database's instance id: a cursor from another
	// database (a new install) means nothing here.
	Instance string `json:"i"`
	// Street is the street whose change sequence Seq is of (0 in the
	// cursors of a database before streets: street 1). A cursor of
	// another street means nothing to a caller of this one, as one of
	// another database.
	Street int64 `json:"t,omitempty"`
	// Seq is the last change sequence number the phone has.
	Seq int64 `json:"s"`
	// Mark is a fingerprint of change Seq (changeMark): if the change at
	// Seq is gone or another, this database is not the one the cursor was
	// issued by, but a backup restored over it, even one that has grown
	// past Seq again since.
	Mark string `json:"m,omitempty"`
	// AllGrids and Grids (sorted) are the scope the phone's copy covers.
	AllGrids bool     `json:"a,omitempty"`
	Grids    []string `json:"g,omitempty"`
}

// errBadCursor answers a cursor this database did not issue, or one that
// was changed.
var errBadCursor = &gridinspect.Error{
	Code:    gridinspect.EINVALID,
	Message: "invalid cursor",
	Fields: []gridinspect.FieldViolation{{Field: "cursor", Description: "is not a cursor this server issued",
		Chinese: "不是本服务器给出的同步位置，请重新同步"}},
}

// loadCursorKey reads the key that signs cursors, making it the first
// time. It runs in Open, on the writer's connection before the writer
// starts.
func (db *DB) loadCursorKey() error {
	key := make([]byte, cursorKeyBytes)
	if _, err := rand.Read(key); err != nil {
		return fmt.Errorf("cursor key: %w", err)
	}
	if _, err := db.writer.Exec("INSERT INTO meta (key, value) VALUES ('cursor_key', ?) ON CONFLICT DO NOTHING",
		hex.EncodeToString(key)); err != nil {
		return fmt.Errorf("cursor key: %w", err)
	}
	var stored string
	if err := db.writer.QueryRow("SELECT value FROM meta WHERE key = 'cursor_key'").Scan(&stored); err != nil {
		return fmt.Errorf("cursor key: %w", err)
	}
	key, err := hex.DecodeString(stored)
	if err != nil || len(key) != cursorKeyBytes {
		return errors.New("cursor key: meta holds a malformed key")
	}
	db.cursorKey = key
	return nil
}

// encodeCursor returns c signed and made opaque: base64url of its JSON
// followed by the HMAC-SHA256 of that JSON.
func (db *DB) encodeCursor(c cursor) string {
	payload, err := json.Marshal(c)
	if err != nil {
		panic("store: encoding a cursor: " + err.Error()) // cannot happen: strings, integers, booleans
	}
	return base64.RawURLEncoding.EncodeToString(append(payload, db.cursorMAC(payload)...))
}

// decodeCursor returns the cursor s holds, for a caller of street.
// foreign is true for a cursor from another database instance: its
// signature cannot be checked (it was made with that database's key), and
// it is answered with "start again", which a forged instance id can get
// too without learning anything; and for a cursor of another street
// (signed, so not forged), answered the same. Anything else that is not a
// cursor signed by this database is errBadCursor.
func (db *DB) decodeCursor(s string, street int64) (c *cursor, foreign bool, err error) {
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	if err != nil || len(b) <= sha256.Size {
		return nil, false, errBadCursor
	}
	payload, mac := b[:len(b)-sha256.Size], b[len(b)-sha256.Size:]
	c = &cursor{}
	if err := json.Unmarshal(payload, c); err != nil || c.Instance == "" {
		return nil, false, errBadCursor
	}
	if c.Instance != db.instanceID {
		return c, true, nil
	}
	if !hmac.Equal(mac, db.cursorMAC(payload)) || c.Seq < 0 || !slices.IsSorted(c.Grids) {
		return nil, false, errBadCursor
	}
	if c.street() != street {
		return c, true, nil
	}
	return c, false, nil
}

// street returns the street of c's sequence.
func (c *cursor) street() int64 {
	if c.Street == 0 {
		return gridinspect.DefaultStreet
	}
	return c.Street
}

func (db *DB) cursorMAC(payload []byte) []byte {
	m := hmac.New(sha256.New, db.cursorKey)
	m.Write(payload)
	return m.Sum(nil)
}

// sameHistory reports whether change c.Seq is still the change the cursor
// was issued after: false when the database holds fewer changes than the
// cursor has seen, or another change under that number (a restored
// backup that has grown since).
func sameHistory(q queryer, street int64, c *cursor) (bool, error) {
	if c.Seq == 0 {
		return true, nil
	}
	var r changeRow
	var event sql.NullString
	err := q.QueryRow("SELECT seq, entity_type, entity_id, event_id, changed_at FROM changes WHERE street_id = ? AND seq = ?",
		street, c.Seq).Scan(&r.seq, &r.entityType, &r.entityID, &event, &r.changedAt)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("read change %d: %w", c.Seq, err)
	}
	r.eventID = event.String
	return changeMark(r) == c.Mark, nil
}

// changeMark is a fingerprint of a change: what changed, by which event,
// and when. Another history that reached the same number cannot be told
// from ours by the number, but by this.
func changeMark(r changeRow) string {
	sum := sha256.Sum256(fmt.Appendf(nil, "%s\x00%s\x00%s\x00%d", r.entityType, r.entityID, r.eventID, r.changedAt))
	return base64.RawURLEncoding.EncodeToString(sum[:9])
}
