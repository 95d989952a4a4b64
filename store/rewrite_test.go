package store

import (
	"database/sql/driver"
	"reflect"
	"testing"
)

// TestPgRewrite_TranslatesSQLitesDialect checks the rewriting of the
// store's SQL for PostgreSQL, statement by statement.
func TestPgRewrite_TranslatesSQLitesDialect(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
		params         []paramRef
	}{
		{"no parameters", "SELECT 1", "SELECT 1", nil},
		{"positional", "SELECT a FROM t WHERE b = ? AND c = ?", "SELECT a FROM t WHERE b = $1 AND c = $2",
			[]paramRef{{pos: 0}, {pos: 1}}},
		{"named, one used twice", "WHERE a >= :from AND b < :to AND c >= :from",
			"WHERE a >= $1 AND b < $2 AND c >= $1", []paramRef{{name: "from"}, {name: "to"}}},
		{"a ? or :name in a literal stays", "SELECT '?', 'a:b', 'it''s ?', \"q?\" FROM t WHERE x = ?",
			"SELECT '?', 'a:b', 'it''s ?', \"q?\" FROM t WHERE x = $1", []paramRef{{pos: 0}}},
		{"dollar-quoted strings stay", "SELECT $$a ? :b$$, $f$ ? $f$, ?", "SELECT $$a ? :b$$, $f$ ? $f$, $1", []paramRef{{pos: 0}}},
		{"casts stay", "SELECT ?::jsonb, x::text", "SELECT $1::jsonb, x::text", []paramRef{{pos: 0}}},
		{"comments stay", "SELECT 1 -- is it?\n/* :no */ + ?", "SELECT 1 -- is it?\n/* :no */ + $1", []paramRef{{pos: 0}}},
		{"IS ? is null-safe equality", "WHERE d IS ? AND e IS NOT ? AND f IS NOT NULL",
			"WHERE d IS NOT DISTINCT FROM $1 AND e IS DISTINCT FROM $2 AND f IS NOT NULL",
			[]paramRef{{pos: 0}, {pos: 1}}},
		{"IS between columns", "WHERE a IS NOT b AND c IS d AND e IS NOT TRUE",
			"WHERE a IS DISTINCT FROM b AND c IS NOT DISTINCT FROM d AND e IS NOT TRUE", nil},
		{"IN a table", "WITH c AS (SELECT 1) SELECT x FROM t WHERE id IN c AND y IN (1, 2)",
			"WITH c AS (SELECT 1) SELECT x FROM t WHERE id IN (SELECT * FROM c) AND y IN (1, 2)", nil},
		{"scalar max and min", "SELECT max(a), min(b), max(a - b, 0), min(?, f(c, d))",
			"SELECT max(a), min(b), greatest(a - b, 0), least($1, f(c, d))", []paramRef{{pos: 0}}},
		{"CROSS JOIN with ON", "FROM a CROSS JOIN events AS e INDEXED BY x ON e.id = a.id CROSS JOIN b",
			"FROM a JOIN events AS e  ON e.id = a.id CROSS JOIN b", nil},
		{"types as wide as SQLite's", "SELECT CAST(a AS INTEGER), CAST(b AS REAL), CAST(c AS TEXT)",
			"SELECT CAST(a AS bigint), CAST(b AS double precision), CAST(c AS TEXT)", nil},
		{"EXPLAIN QUERY PLAN", "EXPLAIN QUERY PLAN SELECT 1", "EXPLAIN SELECT 1", nil},
		{"char", "SELECT char(seq) || x", "SELECT chr(seq) || x", nil},
		{"INDEXED BY is dropped", "SELECT id FROM reports INDEXED BY reports_due WHERE x = 1",
			"SELECT id FROM reports  WHERE x = 1", nil},
		{"iif becomes CASE", "SELECT iif(a = ?, f(b, c), 'x,y') FROM t",
			"SELECT CASE WHEN a = $1 THEN f(b, c) ELSE 'x,y' END FROM t", []paramRef{{pos: 0}}},
		{"json_array", "SELECT json_array(count(*), 2)", "SELECT json_build_array(count(*), 2)", nil},
		{"a word containing a keyword stays", "SELECT is_open, my_iif, json_arrays FROM t", "SELECT is_open, my_iif, json_arrays FROM t", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q, err := pgRewrite(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if q.sql != tc.want {
				t.Errorf("sql =\n%q\nwant\n%q", q.sql, tc.want)
			}
			if !reflect.DeepEqual(q.params, tc.params) {
				t.Errorf("params = %v, want %v", q.params, tc.params)
			}
		})
	}
}

// TestPgQueryBind_OrdersArguments checks that positional and named
// arguments reach the numbered parameters that take them.
func TestPgQueryBind_OrdersArguments(t *testing.T) {
	q, err := pgRewrite("WHERE a = :to AND b = :from AND c = :to AND d = ?")
	if err != nil {
		t.Fatal(err)
	}
	got, err := q.bind([]driver.NamedValue{
		{Name: "from", Ordinal: 1, Value: int64(1)},
		{Name: "unused", Ordinal: 2, Value: "x"},
		{Name: "to", Ordinal: 3, Value: int64(2)},
		{Ordinal: 4, Value: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []driver.NamedValue{{Ordinal: 1, Value: int64(2)}, {Ordinal: 2, Value: int64(1)}, {Ordinal: 3, Value: int64(1)}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("bind = %v, want %v", got, want)
	}
	if _, err := q.bind([]driver.NamedValue{{Name: "to", Value: 1}}); err == nil {
		t.Error("bind without :from succeeded")
	}
}
