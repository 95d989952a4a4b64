package store

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"
)

func TestMigrations_AppliedOnce(t *testing.T) {
	db := MustOpenDB(t)
	ms, err := loadMigrations()
	if testEngine == postgres {
		ms, err = loadMigrationsFrom(pgMigrations, "migrations/postgres")
	}
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		version int
		applied int64
	}
	applied := func(db *testDB) []row {
		t.Helper()
		var rows []row
		err := db.Read(context.Background(), func(tx *sql.Tx) error {
			rs, err := tx.Query("SELECT version, applied_at FROM schema_migrations ORDER BY version")
			if err != nil {
				return err
			}
			defer rs.Close()
			for rs.Next() {
				var r row
				if err := rs.Scan(&r.version, &r.applied); err != nil {
					return err
				}
				rows = append(rows, r)
			}
			return rs.Err()
		})
		if err != nil {
			t.Fatal(err)
		}
		return rows
	}
	first := applied(db)
	if len(first) != len(ms) || first[len(first)-1].version != ms[len(ms)-1].version {
		t.Fatalf("applied %v, want all %d migrations", first, len(ms))
	}
	db.clock.Add(time.Hour)
	db = mustReopen(t, db)
	assertEqual(t, applied(db), first)
}

func TestOpen_RefusesANewerSchema(t *testing.T) {
	db := MustOpenDB(t)
	err := db.Write(context.Background(), func(tx *Tx) error {
		_, err := tx.Exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, '9999_future.sql', 0)")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	db2, err := openTestStore(t, db.Path(), Options{})
	if err == nil {
		db2.Close(context.Background())
		t.Fatal("opened a database with a newer schema")
	}
	if !strings.Contains(err.Error(), "newer") {
		t.Errorf("err = %v", err)
	}
}

func TestSchema_TablesAreStrict(t *testing.T) {
	onlyOn(t, "sqlite") // SQLite's STRICT tables
	db := MustOpenDB(t)
	err := db.Read(context.Background(), func(tx *sql.Tx) error {
		rows, err := tx.Query("SELECT name, strict FROM pragma_table_list WHERE schema = 'main' AND name NOT LIKE 'sqlite_%'")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var name string
			var strict int
			if err := rows.Scan(&name, &strict); err != nil {
				return err
			}
			if strict != 1 {
				t.Errorf("table %s is not STRICT", name)
			}
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
}
