package store

import (
	"database/sql"

	"github.com/mattn/go-sqlite3"
)

// driverName is the database/sql driver the store opens its connections
// with: mattn/go-sqlite3 with connectPragmas run on every new connection.
const driverName = "sqlite3_gridinspect"

// connectPragmas are the settings mattn/go-sqlite3 has no DSN parameter
// for. database/sql opens connections on its own, so they must be set by
// the driver as each connection is made.
//
// temp_store=MEMORY keeps the statement journals of savepoints in memory:
// every write runs under a savepoint (group commit), and with the default
// temp_store SQLite copies each page a write touches into a temporary
// file first, which cost about a third of the writer's time.
var connectPragmas = []string{
	"PRAGMA temp_store = MEMORY",
}

func init() {
	sql.Register(driverName, &sqlite3.SQLiteDriver{
		ConnectHook: func(conn *sqlite3.SQLiteConn) error {
			for _, p := range connectPragmas {
				if _, err := conn.Exec(p, nil); err != nil {
					return err
				}
			}
			return nil
		},
	})
}
