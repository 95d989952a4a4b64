package store

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// unscopedStatementsLeft is how many of the store's SQL statements on a
// per-street table do not name street_id yet (docs/tenants.md, "Every
// statement names the street"). It may only go down: a new statement
// names the street, and each statement scoped lowers it. At 0 the
// interim id indexes at the end of migrations/postgres/0001 go.
const unscopedStatementsLeft = 10

// wholeDatabase are the files whose statements are about every street at
// once: the operator's backup and restore (a restored database revokes
// every token, in every street), and monitoring's figures of the disk
// (photos stored, whoever's they are).
var wholeDatabase = map[string]bool{"backup.go": true, "restore.go": true, "restore_pg.go": true, "monitoring.go": true}

// perStreetTable matches a statement that reads or writes a per-street
// table.
var perStreetTable = regexp.MustCompile(`(?i)\b(FROM|JOIN|INTO|UPDATE)\s+(` +
	strings.Join(perStreetTables, "|") + `)\b`)

// unscopedStatements returns where the store's SQL names a per-street
// table without street_id: the string literals (and constant
// concatenations) of its non-test files.
func unscopedStatements(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var out []string
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") || wholeDatabase[name] {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil || !perStreetTable.MatchString(s) || strings.Contains(s, "street_id") {
				return true
			}
			p := fset.Position(lit.Pos())
			out = append(out, p.Filename+":"+strconv.Itoa(p.Line))
			return true
		})
	}
	sort.Strings(out)
	return out
}

func TestStreets_NoNewStatementLeavesOutTheStreet(t *testing.T) {
	onlyOn(t, "sqlite") // reads the source; once is enough
	left := unscopedStatements(t)
	if len(left) > unscopedStatementsLeft {
		t.Errorf("%d statements on a per-street table without street_id, more than the %d left to scope: "+
			"a new statement must name the street (docs/tenants.md)\n%s",
			len(left), unscopedStatementsLeft, strings.Join(left, "\n"))
	}
	if len(left) < unscopedStatementsLeft {
		t.Errorf("%d statements left without street_id, fewer than %d: lower unscopedStatementsLeft", len(left), unscopedStatementsLeft)
	}
}
