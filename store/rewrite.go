package store

import (
	"database/sql/driver"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// The store's SQL is written once, in SQLite's dialect, and shared by both
// engines. On PostgreSQL each statement is rewritten once, when first
// seen, by pgRewrite (the results are cached), and its arguments bound to
// the rewritten statement's numbered parameters by pgQuery.bind:
//
//   - ? and :name parameters become $1, $2, …; a name used twice is one
//     parameter; SQLite's "x IS ?" and "x IS NOT ?" (null-safe equality)
//     become IS [NOT] DISTINCT FROM.
//   - "INDEXED BY index" (a hint to SQLite's planner) is dropped.
//   - the types INTEGER and REAL (in a CAST) are bigint and double
//     precision, as wide as SQLite's.
//   - SQLite's functions without a PostgreSQL namesake are translated:
//     iif(c, a, b) becomes CASE WHEN c THEN a ELSE b END, json_array
//     becomes json_build_array. Those PostgreSQL can define with the same
//     meaning (json_each of a JSON text, json_group_array, …) are defined
//     by the PostgreSQL schema instead (migrations/postgres).
//
// String literals, quoted identifiers, comments and PostgreSQL's ::
// casts are left as they are.

// pgQuery is a statement rewritten for PostgreSQL.
type pgQuery struct {
	sql string
	// params says, for each $n in order, which argument it takes.
	params []paramRef
}

// paramRef names an argument: the pos-th (from 0) argument without a
// name, or the argument named name.
type paramRef struct {
	pos  int
	name string
}

// pgQueries caches pgRewrite's results by statement text, up to
// maxPgQueries statements: the store's are a few hundred, and one built
// with values inside (none should be) must not grow it without end.
var (
	pgQueries  sync.Map // string → *pgQuery
	nPgQueries atomic.Int64
)

const maxPgQueries = 4096

// pgRewriteCached is pgRewrite with a cache.
func pgRewriteCached(query string) (*pgQuery, error) {
	if v, ok := pgQueries.Load(query); ok {
		return v.(*pgQuery), nil
	}
	q, err := pgRewrite(query)
	if err != nil {
		return nil, err
	}
	if nPgQueries.Load() < maxPgQueries {
		if _, loaded := pgQueries.LoadOrStore(query, q); !loaded {
			nPgQueries.Add(1)
		}
	}
	return q, nil
}

// pgRewrite rewrites a statement in SQLite's dialect for PostgreSQL.
func pgRewrite(query string) (*pgQuery, error) {
	r := &rewriter{in: query, names: map[string]int{}}
	if err := r.run(); err != nil {
		return nil, fmt.Errorf("store: rewrite for postgres: %w: %s", err, query)
	}
	return &pgQuery{sql: r.out.String(), params: r.params}, nil
}

type rewriter struct {
	in     string
	i      int
	out    strings.Builder
	params []paramRef
	names  map[string]int // name → $n
	npos   int            // positional parameters seen
}

func isIdent(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}

// word returns the identifier or keyword starting at j ("" if none).
func (r *rewriter) word(j int) string {
	k := j
	for k < len(r.in) && isIdent(r.in[k]) {
		k++
	}
	return r.in[j:k]
}

// skipSpace returns the index of the first character at or after j that
// is not white space.
func (r *rewriter) skipSpace(j int) int {
	for j < len(r.in) && strings.IndexByte(" \t\r\n", r.in[j]) >= 0 {
		j++
	}
	return j
}

// prevWordEnds reports whether the output so far ends with keyword w (as
// a whole word, case-insensitive) followed by white space.
func prevWordEnds(out, w string) bool {
	t := strings.TrimRight(out, " \t\r\n")
	if len(t) == len(out) || len(t) < len(w) || !strings.EqualFold(t[len(t)-len(w):], w) {
		return false
	}
	return len(t) == len(w) || !isIdent(t[len(t)-len(w)-1])
}

func (r *rewriter) run() error {
	for r.i < len(r.in) {
		c := r.in[r.i]
		switch {
		case c == '\'' || c == '"':
			r.quoted(c)
		case c == '-' && strings.HasPrefix(r.in[r.i:], "--"):
			end := strings.IndexByte(r.in[r.i:], '\n')
			if end < 0 {
				end = len(r.in) - r.i
			}
			r.out.WriteString(r.in[r.i : r.i+end])
			r.i += end
		case c == '/' && strings.HasPrefix(r.in[r.i:], "/*"):
			end := strings.Index(r.in[r.i+2:], "*/")
			if end < 0 {
				return fmt.Errorf("unterminated comment")
			}
			r.out.WriteString(r.in[r.i : r.i+2+end+2])
			r.i += 2 + end + 2
		case c == '$' && r.dollarTag() != "":
			tag := r.dollarTag()
			end := strings.Index(r.in[r.i+len(tag):], tag)
			if end < 0 {
				return fmt.Errorf("unterminated %s string", tag)
			}
			r.out.WriteString(r.in[r.i : r.i+len(tag)+end+len(tag)])
			r.i += len(tag) + end + len(tag)
		case c == ':' && strings.HasPrefix(r.in[r.i:], "::"):
			r.out.WriteString("::")
			r.i += 2
		case c == ':' && r.i+1 < len(r.in) && isIdent(r.in[r.i+1]) && !(r.in[r.i+1] >= '0' && r.in[r.i+1] <= '9'):
			name := r.word(r.i + 1)
			r.i += 1 + len(name)
			n, ok := r.names[name]
			if !ok {
				r.params = append(r.params, paramRef{name: name})
				n = len(r.params)
				r.names[name] = n
			}
			r.param(n)
		case c == '?':
			if r.i+1 < len(r.in) && r.in[r.i+1] >= '0' && r.in[r.i+1] <= '9' {
				return fmt.Errorf("numbered parameters (?NNN) are not supported")
			}
			r.i++
			r.params = append(r.params, paramRef{pos: r.npos})
			r.npos++
			r.param(len(r.params))
		case isIdent(c) && (r.i == 0 || !isIdent(r.in[r.i-1])):
			r.wordAt()
		default:
			r.out.WriteByte(c)
			r.i++
		}
	}
	return nil
}

// dollarTag returns the tag of a dollar-quoted string starting at r.i
// ($$ or $name$), or "" (e.g. for $1).
func (r *rewriter) dollarTag() string {
	j := r.i + 1
	if j < len(r.in) && r.in[j] >= '0' && r.in[j] <= '9' {
		return ""
	}
	for j < len(r.in) && isIdent(r.in[j]) {
		j++
	}
	if j < len(r.in) && r.in[j] == '$' {
		return r.in[r.i : j+1]
	}
	return ""
}

// param writes $n.
func (r *rewriter) param(n int) {
	r.out.WriteString("$" + strconv.Itoa(n))
}

// quoted copies a string literal or quoted identifier.
func (r *rewriter) quoted(q byte) {
	j := r.i + 1
	for j < len(r.in) {
		if r.in[j] == q {
			if j+1 < len(r.in) && r.in[j+1] == q { // '' inside a literal
				j += 2
				continue
			}
			j++
			break
		}
		j++
	}
	r.out.WriteString(r.in[r.i:j])
	r.i = j
}

// wordAt handles the identifier or keyword at r.i.
func (r *rewriter) wordAt() {
	w := r.word(r.i)
	switch lw := strings.ToLower(w); lw {
	case "indexed":
		// INDEXED BY name: a hint to SQLite's planner only.
		j := r.skipSpace(r.i + len(w))
		if strings.EqualFold(r.word(j), "by") {
			k := r.skipSpace(j + 2)
			if name := r.word(k); name != "" {
				r.i = k + len(name)
				return
			}
		}
	case "is":
		// SQLite's x IS y and x IS NOT y compare with NULL as a value.
		j := r.skipSpace(r.i + len(w))
		not := strings.EqualFold(r.word(j), "not")
		if not {
			j = r.skipSpace(j + len("not"))
		}
		switch next := strings.ToLower(r.word(j)); {
		case next == "null", next == "true", next == "false", next == "distinct", next == "unknown":
		case j < len(r.in) && (next != "" || r.in[j] == '?' || r.in[j] == ':'):
			if not {
				r.out.WriteString("IS DISTINCT FROM ")
			} else {
				r.out.WriteString("IS NOT DISTINCT FROM ")
			}
			r.i = j
			return
		}
	case "in":
		// SQLite's "x IN table": the rows of a table or a WITH's query.
		j := r.skipSpace(r.i + len(w))
		if name := r.word(j); name != "" && j > r.i+len(w) {
			r.out.WriteString("IN (SELECT * FROM " + name + ")")
			r.i = j + len(name)
			return
		}
	case "cross":
		// SQLite's "a CROSS JOIN b ON …" is an inner join in a fixed
		// order; PostgreSQL's CROSS JOIN takes no ON.
		j := r.skipSpace(r.i + len(w))
		if strings.EqualFold(r.word(j), "join") && r.joinHasOn(j+len("join")) {
			r.i = j
			return
		}
	case "max", "min":
		// With two or more arguments SQLite's max and min are scalar.
		if j := r.skipSpace(r.i + len(w)); j < len(r.in) && r.in[j] == '(' {
			if args, end, ok := splitArgs(r.in, j); ok && len(args) >= 2 {
				r.out.WriteString(map[string]string{"max": "greatest", "min": "least"}[lw] + "(")
				for k, a := range args {
					if k > 0 {
						r.out.WriteString(", ")
					}
					r.sub(a)
				}
				r.out.WriteString(")")
				r.i = end
				return
			}
		}
	case "explain":
		// SQLite's EXPLAIN QUERY PLAN is PostgreSQL's EXPLAIN.
		j := r.skipSpace(r.i + len(w))
		if strings.EqualFold(r.word(j), "query") {
			if k := r.skipSpace(j + len("query")); strings.EqualFold(r.word(k), "plan") {
				r.out.WriteString("EXPLAIN")
				r.i = k + len("plan")
				return
			}
		}
	case "integer", "real":
		// SQLite's INTEGER has 64 bits, its REAL is a double.
		r.out.WriteString(map[string]string{"integer": "bigint", "real": "double precision"}[lw])
		r.i += len(w)
		return
	case "char":
		if j := r.skipSpace(r.i + len(w)); j < len(r.in) && r.in[j] == '(' {
			r.out.WriteString("chr")
			r.i += len(w)
			return
		}
	case "json_array":
		if r.in[r.skipSpace(r.i+len(w))] == '(' {
			r.out.WriteString("json_build_array")
			r.i += len(w)
			return
		}
	case "iif":
		if j := r.skipSpace(r.i + len(w)); j < len(r.in) && r.in[j] == '(' {
			if args, end, ok := splitArgs(r.in, j); ok && len(args) == 3 {
				r.out.WriteString("CASE WHEN ")
				r.sub(args[0])
				r.out.WriteString(" THEN ")
				r.sub(args[1])
				r.out.WriteString(" ELSE ")
				r.sub(args[2])
				r.out.WriteString(" END")
				r.i = end
				return
			}
		}
	}
	r.out.WriteString(w)
	r.i += len(w)
}

// joinHasOn reports whether the table after a JOIN ending at j (a name,
// an optional alias, an optional INDEXED BY) is followed by ON.
func (r *rewriter) joinHasOn(j int) bool {
	words := 0
	for range 8 {
		j = r.skipSpace(j)
		w := r.word(j)
		switch lw := strings.ToLower(w); {
		case w == "":
			return false
		case lw == "on":
			return words > 0
		case lw == "as", lw == "indexed", lw == "by":
		default:
			words++
		}
		j += len(w)
	}
	return false
}

// sub rewrites a fragment of the statement in place, sharing the
// parameters.
func (r *rewriter) sub(frag string) {
	in, i := r.in, r.i
	r.in, r.i = strings.TrimSpace(frag), 0
	_ = r.run() // a fragment splitArgs accepted has balanced quotes
	r.in, r.i = in, i
}

// splitArgs splits the parenthesised argument list starting at s[open]
// at its top-level commas; end is just past the closing parenthesis.
func splitArgs(s string, open int) (args []string, end int, ok bool) {
	depth, start := 0, open+1
	for j := open; j < len(s); j++ {
		switch c := s[j]; c {
		case '\'', '"':
			k := j + 1
			for k < len(s) && !(s[k] == c && (k+1 >= len(s) || s[k+1] != c)) {
				if s[k] == c {
					k++
				}
				k++
			}
			j = k
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				args = append(args, s[start:j])
				return args, j + 1, true
			}
		case ',':
			if depth == 1 {
				args = append(args, s[start:j])
				start = j + 1
			}
		}
	}
	return nil, 0, false
}

// bind orders args for the rewritten statement: the arguments without a
// name in order for ?, the named ones by name; an argument the statement
// does not use is dropped (SQLite ignores it too). Values PostgreSQL's
// columns do not take as SQLite does are converted: a bool is 0 or 1, as
// in SQLite's integer columns.
func (q *pgQuery) bind(args []driver.NamedValue) ([]driver.NamedValue, error) {
	if len(q.params) == 0 {
		if len(args) > 0 {
			return nil, fmt.Errorf("store: %d arguments for a statement without parameters", len(args))
		}
		return nil, nil
	}
	var positional []driver.NamedValue
	for _, a := range args {
		if a.Name == "" {
			positional = append(positional, a)
		}
	}
	out := make([]driver.NamedValue, len(q.params))
	for n, p := range q.params {
		var v driver.NamedValue
		found := false
		if p.name == "" {
			if p.pos < len(positional) {
				v, found = positional[p.pos], true
			}
		} else {
			for _, a := range args {
				if a.Name == p.name {
					v, found = a, true
					break
				}
			}
		}
		if !found {
			if p.name != "" {
				return nil, fmt.Errorf("store: no argument named %q", p.name)
			}
			return nil, fmt.Errorf("store: %d arguments, the statement has more ?", len(positional))
		}
		out[n] = driver.NamedValue{Ordinal: n + 1, Value: pgValue(v.Value)}
	}
	return out, nil
}

// pgValue converts what SQLite's driver takes and pgx does not the same way.
func pgValue(v any) any {
	switch v := v.(type) {
	case bool:
		if v {
			return int64(1)
		}
		return int64(0)
	}
	return v
}
