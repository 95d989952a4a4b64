package gridinspect

import (
	"errors"
	"fmt"
	"strings"
)

// Error codes. The server maps each to one gRPC status code, once, at the
// edge; nothing below it speaks gRPC.
const (
	EINVALID         = "invalid"             // bad input; Fields says which
	ENOTFOUND        = "not_found"           // no such object
	EEXISTS          = "already_exists"      // id reused with different content
	EPRECONDITION    = "failed_precondition" // not allowed in the current state
	ESTALE           = "stale"               // expected version is behind
	EFORBIDDEN       = "permission_denied"   // outside the caller's scope or role
	EUNAUTHENTICATED = "unauthenticated"     // no valid credentials
	ELIMIT           = "resource_exhausted"  // a limit was hit
	EUNAVAILABLE     = "unavailable"         // try again later
	EINTERNAL        = "internal"            // a bug or an unexpected failure
)

// Error is the domain's error: a code from the list above, a message safe
// to show to the client, and for EINVALID the fields at fault.
type Error struct {
	Code    string
	Message string
	// Chinese is Message as the street office's staff read it (zh-CN),
	// where the place that made the error wrote one; the edge falls back
	// to a default per code, so every error a person sees has one.
	Chinese string
	Fields  []FieldViolation
}

// FieldViolation names one bad field, by its path in the API
// (e.g. "report.location.latitude"). The entry that counts the violations
// past MaxFieldViolations has no Field.
type FieldViolation struct {
	Field       string
	Description string
	Chinese     string // the description in zh-CN, where one was written
	more        int    // on that counting entry: how many it stands for
}

func (e *Error) Error() string {
	if len(e.Fields) == 0 {
		return e.Message
	}
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = strings.TrimPrefix(f.Field+": "+f.Description, ": ")
	}
	return e.Message + ": " + strings.Join(parts, "; ")
}

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Zh sets the error's Chinese message, formatted, and returns the error,
// so that it reads beside its English where it is made:
// Errorf(EFORBIDDEN, "only an admin may …").Zh("只有管理员可以…").
func (e *Error) Zh(format string, args ...any) *Error {
	e.Chinese = fmt.Sprintf(format, args...)
	return e
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL
// for any other error, and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Code
	default:
		return EINTERNAL
	}
}

// ErrorMessage returns the client-safe message of the first *Error in err's
// chain, or "internal error" for anything else: causes of internal errors
// stay in the log.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}

// chineseOfCode is what an error of each code says in Chinese where the
// place that made it wrote nothing more particular.
var chineseOfCode = map[string]string{
	EINVALID:         "提交的内容有误，请按提示修改",
	ENOTFOUND:        "未找到该记录",
	EEXISTS:          "该编号已被使用，且内容不同",
	EPRECONDITION:    "当前状态下不能进行此操作",
	ESTALE:           "记录已被他人修改，请刷新后再试",
	EFORBIDDEN:       "没有权限，或该记录不存在",
	EUNAUTHENTICATED: "请先登录",
	ELIMIT:           "请求过于频繁，请稍后再试",
	EUNAVAILABLE:     "服务暂时不可用，请稍后再试",
	EINTERNAL:        "服务器内部错误",
}

// CodeChinese returns what an error of code says in Chinese by default
// ("" for a code not in the list above).
func CodeChinese(code string) string { return chineseOfCode[code] }

// ErrorChinese returns the Chinese of the first *Error in err's chain:
// the one written where it was made, else its code's default; for any
// other error, the default of EINTERNAL; "" for nil.
func ErrorChinese(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e) && e.Chinese != "":
		return e.Chinese
	}
	return CodeChinese(ErrorCode(err))
}

// MaxFieldViolations is how many field violations an error lists; one
// more entry counts the rest ("and 3999980 more"). A request with millions
// of bad entries must cost no more to refuse than one with twenty.
const MaxFieldViolations = 20

// Violations collects field violations while validating. Past
// MaxFieldViolations it only counts them.
type Violations []FieldViolation

// AddZh records a violation of field with its description in Chinese, zh
// (what is wrong, without the field's name, which clients put before it),
// beside the English one. There is no English-only form: a person who
// sees a violation must be able to read it.
func (v *Violations) AddZh(field, zh, format string, args ...any) {
	switch n := len(*v); {
	case n < MaxFieldViolations:
		*v = append(*v, FieldViolation{Field: field, Description: fmt.Sprintf(format, args...), Chinese: zh})
	case n == MaxFieldViolations:
		*v = append(*v, FieldViolation{more: 1})
	default:
		(*v)[n-1].more++
	}
}

// Err returns nil when nothing was added, else an EINVALID *Error listing
// the violations under message, at most MaxFieldViolations of them and
// then how many more there were.
func (v Violations) Err(message string) error {
	if len(v) == 0 {
		return nil
	}
	fields := []FieldViolation(v)
	if len(fields) > MaxFieldViolations {
		fields = capViolations(fields)
	}
	return &Error{Code: EINVALID, Message: message, Fields: fields}
}

// CapViolations returns fs if it has at most MaxFieldViolations+1
// entries (as an error made by Violations.Err has), else its first
// MaxFieldViolations and one entry counting the rest. The edges call it
// on errors they did not see made.
func CapViolations(fs []FieldViolation) []FieldViolation {
	if len(fs) <= MaxFieldViolations+1 {
		return fs
	}
	return capViolations(fs)
}

func capViolations(fs []FieldViolation) []FieldViolation {
	more := 0
	for _, f := range fs[MaxFieldViolations:] {
		more += max(f.more, 1)
	}
	out := make([]FieldViolation, MaxFieldViolations, MaxFieldViolations+1)
	copy(out, fs)
	return append(out, FieldViolation{Description: fmt.Sprintf("and %d more", more),
		Chinese: fmt.Sprintf("另有 %d 处问题", more), more: more})
}
