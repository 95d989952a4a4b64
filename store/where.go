package store

import (
	"slices"
	"strconv"
	"strings"
)

// where builds the WHERE clause of a listing from the filters given, with
// placeholders for every value.
type where struct {
	conds []string
	args  []any
}

// add adds a condition with its arguments.
func (w *where) add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

// in adds "col IN (…)" for vals, or "col = ?" for one value, which lets an
// index on col be read in the order of its later columns.
func in[T any](w *where, col string, vals []T) {
	switch len(vals) {
	case 0:
	case 1:
		w.add(col+" = ?", vals[0])
	default:
		marks := strings.Repeat("?, ", len(vals))
		args := make([]any, len(vals))
		for i, v := range vals {
			args[i] = v
		}
		w.add(col+" IN ("+marks[:len(marks)-2]+")", args...)
	}
}

// String returns " WHERE …", or "" without conditions.
func (w *where) String() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// clone returns a copy that can be added to without changing w.
func (w *where) clone() where {
	return where{conds: slices.Clone(w.conds), args: slices.Clone(w.args)}
}

func itoa(i int) string { return strconv.Itoa(i) }

// and returns " AND …" for the conditions, or "": for a statement whose
// own text names its first condition, the street's (docs/tenants.md),
// as in "… FROM reports WHERE street_id = ?" + w.and().
func (w *where) and() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " AND " + strings.Join(w.conds, " AND ")
}
