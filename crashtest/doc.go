// Package crashtest holds the crash test of the server: concurrent phones
// submit reports and push batches while the real gridd process is killed
// with SIGKILL again and again, and a Jepsen-style set check then proves
// that nothing acknowledged was lost, nothing appeared that was never sent,
// and every retried id was applied exactly once. The package has no code
// of its own outside its tests; run it with
//
//	go test -race -count=1 -v ./crashtest/
//
// It runs on SQLite, then again on PostgreSQL (gridd --database on a
// throwaway cluster, see internal/pgtest), where PostgreSQL itself is
// also stopped -m immediate under a running gridd (every answer meanwhile
// must be UNAVAILABLE, none INTERNAL), and where two gridd share one
// database and one photo folder, the phones (uploading photos too)
// spread over both, while one of them is killed again and again;
// GRIDINSPECT_TEST_ENGINE=sqlite (or postgres) runs one engine only.
// CRASHTEST_SEED repeats a run's random choices (the kill moments and the
// phones' work); CRASHTEST_GRIDD tests a gridd binary built elsewhere;
// CRASHTEST_GRIDD_RACE=0 builds gridd without the race detector;
// go test -artifacts keeps gridd's log and database.
package crashtest
