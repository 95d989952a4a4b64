package store

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"strings"
	"unicode/utf8"

	"github.com/gridinspect/gridinspect"
)

// Keyset pagination. A page token holds the sort key of the last row
// returned, and the next page is the rows after it in the sort order, read
// from an index that is in that order. Unlike OFFSET, rows inserted or
// removed while a client pages neither shift a row onto two pages nor off
// all of them, and a late page costs what the first does.
//
// Tokens are opaque to clients (base64url of JSON) but not secret or
// signed: a forged token can only start a listing somewhere else, and the
// caller's scope is applied to every page.

// Page sizes.
const (
	DefaultPageSize     = 50
	DefaultGridPageSize = 100
	MaxPageSize         = 500
)

// pageToken is the position after the last row of a page.
type pageToken struct {
	Filter string `json:"f"`           // filterHash of the listing it belongs to
	Key    int64  `json:"k,omitempty"` // last time or deadline, Unix nanoseconds
	Name   string `json:"n,omitempty"` // last name, for lists by name
	NoKey  bool   `json:"z,omitempty"` // deadline order: past the rows that have one
	ID     string `json:"i"`           // last id, the tie-breaker
}

func (t pageToken) encode() string {
	b, _ := json.Marshal(t) // cannot fail: strings, an integer and a boolean
	return base64.RawURLEncoding.EncodeToString(b)
}

// errBadToken answers a token that is not one of ours.
var errBadToken = &gridinspect.Error{
	Code:    gridinspect.EINVALID,
	Message: "invalid page_token",
	Fields: []gridinspect.FieldViolation{{Field: "page_token", Description: "is not a page token this server issued",
		Chinese: "不是本服务器给出的翻页标记，请从第一页重新查询"}},
}

// errTokenFilter answers a token used with another filter than the one it
// was issued for: its position means nothing in a different listing.
var errTokenFilter = &gridinspect.Error{
	Code:    gridinspect.EINVALID,
	Message: "page_token does not match the filter",
	Fields: []gridinspect.FieldViolation{{Field: "page_token", Description: "was issued for a different filter",
		Chinese: "翻页标记与当前筛选条件不符，请从第一页重新查询"}},
}

// decodeToken returns the position s holds, or nil for the first page.
func decodeToken(s, filter string) (*pageToken, error) {
	if s == "" {
		return nil, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	if err != nil {
		return nil, errBadToken
	}
	var t pageToken
	if err := json.Unmarshal(b, &t); err != nil || t.Filter == "" || t.ID == "" {
		return nil, errBadToken
	}
	if t.Filter != filter {
		return nil, errTokenFilter
	}
	return &t, nil
}

// filterHash identifies a listing: what is listed and the filter, without
// the page size and token. filter is one of the *FilterKey structs, whose
// fields are strings, integers and booleans (times as Unix nanoseconds),
// which JSON always encodes.
func filterHash(kind string, filter any) string {
	b, _ := json.Marshal(filter)
	sum := sha256.Sum256(append([]byte(kind+"\x00"), b...))
	return hex.EncodeToString(sum[:8])
}

// pageSize returns the page size to use for a requested one: def for 0,
// at most MaxPageSize.
func pageSize(n, def int) (int, error) {
	switch {
	case n < 0:
		return 0, &gridinspect.Error{
			Code:    gridinspect.EINVALID,
			Message: "invalid page_size",
			Fields:  []gridinspect.FieldViolation{{Field: "page_size", Description: "must not be negative", Chinese: "不能为负数"}},
		}
	case n == 0:
		return def, nil
	default:
		return min(n, MaxPageSize), nil
	}
}

// likePattern returns a LIKE pattern (with ESCAPE '\') matching text that
// contains s, with s's own % and _ matching only themselves.
func likePattern(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(s) + "%"
}

// checkQuery validates a free-text filter.
func checkQuery(v *gridinspect.Violations, field, q string) {
	switch {
	case !validText(q):
		v.AddZh(field, "含有无法识别的字符", "is not valid UTF-8 text")
	case len([]rune(q)) > gridinspect.MaxShortTextRunes:
		v.AddZh(field, "过长，最多 "+itoa(gridinspect.MaxShortTextRunes)+" 个字", "is longer than %d characters", gridinspect.MaxShortTextRunes)
	}
}

// validText reports whether s is valid UTF-8 without NUL characters.
func validText(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}
