package server

import (
	"maps"

	"google.golang.org/protobuf/reflect/protoreflect"
)

// SetExportProgressRows sets how many rows an export may write without a
// message saying so, and returns the function that puts it back. For
// tests in package server_test.
func SetExportProgressRows(n int64) (restore func()) {
	old := exportProgressRows
	exportProgressRows = n
	return func() { exportProgressRows = old }
}

// ListBounds returns the bounds of the requests' repeated fields, by the
// fields' full names. For tests in package server_test.
func ListBounds() map[protoreflect.FullName]int { return maps.Clone(listBounds) }
