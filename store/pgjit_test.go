package store

import (
	"context"
	"database/sql"
	"testing"
)

// TestOpenURL_PostgresCompilesNoQueryUnlessAsked checks that the store's
// connections to PostgreSQL run without JIT compilation, which cost the
// summary seconds (its queries compiled for longer than they ran), unless
// the database's URL asks for it.
func TestOpenURL_PostgresCompilesNoQueryUnlessAsked(t *testing.T) {
	onlyOn(t, "postgres") // a setting of PostgreSQL's
	db := MustOpenDB(t)
	jit := func(db *DB) string {
		t.Helper()
		var v string
		if err := db.Read(context.Background(), func(tx *sql.Tx) error {
			return tx.QueryRow("SHOW jit").Scan(&v)
		}); err != nil {
			t.Fatal(err)
		}
		return v
	}
	if v := jit(db.DB); v != "off" {
		t.Errorf("jit = %s, want off", v)
	}
	asked, err := OpenURL(db.url+"&jit=on", Options{PhotoDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer asked.Close(context.Background())
	if v := jit(asked); v != "on" {
		t.Errorf("with jit=on in the URL: jit = %s, want on", v)
	}
}
