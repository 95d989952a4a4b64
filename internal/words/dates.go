package words

import (
	"strings"
	"time"
)

// DateLayouts are the ways a date is written in an office: 2024-07-10,
// 2024/7/10, 20240710 and 2024年7月10日 (the last two forms with or
// without leading zeros). gridctl's flags and the desk's date fields
// accept the same.
var DateLayouts = []string{time.DateOnly, "2006/1/2", "20060102", "2006年1月2日"}

// DateExample is what a date field shows before anything is written.
const DateExample = "例如 2024-07-10"

// DatePattern is DateLayouts as an HTML pattern attribute, so a browser
// says a malformed date at once (the server reads it with ParseDate).
const DatePattern = `\s*(\d{4}-\d{2}-\d{2}|\d{4}/\d{1,2}/\d{1,2}|\d{8}|\d{4}年\d{1,2}月\d{1,2}日)\s*`

// ParseDate reads a date written in one of DateLayouts as midnight at its
// start in loc.
func ParseDate(s string, loc *time.Location) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, layout := range DateLayouts {
		if d, err := time.ParseInLocation(layout, s, loc); err == nil {
			return d, true
		}
	}
	return time.Time{}, false
}
