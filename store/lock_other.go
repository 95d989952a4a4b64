//go:build !unix

package store

import "os"

// lockExclusive does nothing where flock(2) is missing: there, keeping
// one process to a database is left to whoever runs it.
func lockExclusive(*os.File) error { return nil }
