package pgtest

import (
	"fmt"
	"os"
	"path/filepath"
)

// Tool returns the path of a PostgreSQL client program (pg_dump,
// pg_restore, pg_basebackup, …) of the same installation as the cluster's
// server, so that its version matches: beside initdb, or beside what
// initdb links to (Debian's /usr/lib/postgresql/N/bin when only initdb,
// pg_ctl and postgres are linked onto PATH).
func Tool(name string) (string, error) {
	bin, err := FindBin()
	if err != nil {
		return "", err
	}
	dirs := []string{bin}
	if real, err := filepath.EvalSymlinks(filepath.Join(bin, "initdb")); err == nil {
		dirs = append(dirs, filepath.Dir(real))
	}
	for _, d := range dirs {
		p := filepath.Join(d, name)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
			return p, nil
		}
	}
	return "", fmt.Errorf("pgtest: %s is not installed beside initdb (%v)", name, dirs)
}
