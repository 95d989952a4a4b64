package store

import (
	"context"
	"database/sql"
	"os"
	"strings"
	"testing"
	"time"
)

func TestScratch(t *testing.T) {
	if os.Getenv("SCRATCH") == "" {
		t.Skip()
	}
	db := benchStreet(t, benchReports(t))
	b, _ := os.ReadFile(os.Getenv("SCRATCH"))
	for _, q := range strings.Split(string(b), ";;") {
		q = strings.TrimSpace(q)
		if q == "" {
			continue
		}
		err := db.Read(context.Background(), func(tx *sql.Tx) error {
			rows, err := tx.Query("EXPLAIN QUERY PLAN " + q)
			if err != nil {
				return err
			}
			for rows.Next() {
				var a, b, c int
				var d string
				rows.Scan(&a, &b, &c, &d)
				t.Logf("  plan: %s", d)
			}
			rows.Close()
			start := time.Now()
			rows, err = tx.Query(q)
			if err != nil {
				return err
			}
			cols, _ := rows.Columns()
			n := 0
			var first []any
			for rows.Next() {
				vals := make([]any, len(cols))
				ptrs := make([]any, len(cols))
				for i := range vals {
					ptrs[i] = &vals[i]
				}
				rows.Scan(ptrs...)
				if n < 3 {
					first = append(first, vals)
				}
				n++
			}
			if err := rows.Err(); err != nil {
				return err
			}
			t.Logf("%v rows=%d first=%v\n%s", time.Since(start), n, first, q)
			return nil
		})
		if err != nil {
			t.Errorf("%s: %v", q, err)
		}
	}
}
