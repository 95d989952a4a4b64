package server

// SetExportProgressRows sets how many rows an export may write without a
// message saying so, and returns the function that puts it back. For
// tests in package server_test.
func SetExportProgressRows(n int64) (restore func()) {
	old := exportProgressRows
	exportProgressRows = n
	return func() { exportProgressRows = old }
}
