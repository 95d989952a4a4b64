package demo

import (
	"crypto/sha256"
	"encoding/binary"
	"time"

	"github.com/google/uuid"
)

// demoID returns a UUIDv7 that is the same every time it is asked for with
// the same name and time. The API asks clients for v7 ids, and the store
// answers a repeated id with what it stored, so fixed ids are what make
// seeding idempotent. The 48-bit timestamp is at (what a phone making the
// id at that moment would have put there, so the ids sort roughly in the
// order things happened); the 74 bits a real v7 fills at random come from
// SHA-256 of name, which must be unique within the demo.
func demoID(name string, at time.Time) string {
	sum := sha256.Sum256([]byte("gridinspect/demo/" + name))
	var u uuid.UUID
	var ms [8]byte
	binary.BigEndian.PutUint64(ms[:], uint64(at.UnixMilli()))
	copy(u[0:6], ms[2:8])
	copy(u[6:16], sum[:10])
	u[6] = 0x70 | u[6]&0x0f // version 7
	u[8] = 0x80 | u[8]&0x3f // RFC 4122 (RFC 9562) variant 10xx
	return u.String()
}
