package pgtest

import (
	"database/sql"
	"testing"
)

// TestCluster_StartsServesAndStops starts a cluster, makes two databases
// (one from the other as a template), and stops it, leaving no server.
func TestCluster_StartsServesAndStops(t *testing.T) {
	c, err := Start()
	Require(t, err)
	stopped := false
	defer func() {
		if !stopped {
			c.Stop()
		}
	}()
	url, err := c.CreateDatabase("")
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("CREATE TABLE x (n bigint); INSERT INTO x VALUES (42)"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	var name string
	db, _ = sql.Open("pgx", url)
	if err := db.QueryRow("SELECT current_database()").Scan(&name); err != nil {
		t.Fatal(err)
	}
	db.Close()
	copyURL, err := c.CreateDatabase(name)
	if err != nil {
		t.Fatal(err)
	}
	db, _ = sql.Open("pgx", copyURL)
	var n int
	if err := db.QueryRow("SELECT n FROM x").Scan(&n); err != nil || n != 42 {
		t.Fatalf("copy of the template: n = %d, %v; want 42", n, err)
	}
	db.Close()

	c.Stop()
	stopped = true
	db, _ = sql.Open("pgx", url)
	defer db.Close()
	if err := db.Ping(); err == nil {
		t.Fatal("the server still answers after Stop")
	}
}

// TestCluster_ACommitSurvivesAnImmediateStop: with synchronous_commit on,
// what was committed before StopImmediate is there after Restart (the
// server recovered from its WAL), on the same port.
func TestCluster_ACommitSurvivesAnImmediateStop(t *testing.T) {
	c, err := Start("synchronous_commit=on")
	Require(t, err)
	defer c.Stop()
	url, err := c.CreateDatabase("")
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("CREATE TABLE x (n bigint); INSERT INTO x VALUES (42)"); err != nil {
		t.Fatal(err)
	}
	c.StopImmediate()
	if err := db.Ping(); err == nil {
		t.Fatal("the server still answers after StopImmediate")
	}
	if err := c.Restart(); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.QueryRow("SELECT n FROM x").Scan(&n); err != nil || n != 42 {
		t.Fatalf("after the restart: n = %d, %v; want 42", n, err)
	}
}
