package server_test

import (
	"os"
	"testing"

	"github.com/gridinspect/gridinspect/internal/storetest"
)

// TestMain runs the server's tests on SQLite, then again on PostgreSQL.
func TestMain(m *testing.M) {
	os.Exit(storetest.Main(m))
}
