package server

import (
	"maps"

	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
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

// UnmarshalRequest decodes b into m as the server decodes every request.
// For tests in package server_test.
func UnmarshalRequest(b []byte, m proto.Message) error {
	return newBoundedCodec().Unmarshal(mem.BufferSlice{mem.SliceBuffer(b)}, m)
}

// CheckLists is the check of a request's lists (or of a pushed
// mutation's) that follows decoding. For tests in package server_test.
func CheckLists(m proto.Message) error { return checkLists(m) }

// RealisticPush is a batch of n mutations of the kinds a phone sends.
// For tests in package server_test.
func RealisticPush(n int) *pb.PushRequest { return realisticPush(n) }
