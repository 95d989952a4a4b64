package server_test

import (
	"testing"

	"google.golang.org/genproto/googleapis/api/annotations"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	_ "github.com/gridinspect/gridinspect/proto/gridinspect/v1" // registers the API's files
)

// TestEveryUnaryRPCHasAnHTTPRule: the whole API is served as HTTP/JSON too,
// so every unary RPC carries a google.api.http rule under /v1/. (Streaming
// RPCs have HTTP handlers of their own.) Reading the rules through
// genproto's types also shows that proto/google/api, our copy of Google's
// annotations, describes them as genproto does.
func TestEveryUnaryRPCHasAnHTTPRule(t *testing.T) {
	unary := 0
	protoregistry.GlobalFiles.RangeFilesByPackage("gridinspect.v1", func(f protoreflect.FileDescriptor) bool {
		for i := range f.Services().Len() {
			methods := f.Services().Get(i).Methods()
			for j := range methods.Len() {
				md := methods.Get(j)
				if md.IsStreamingClient() || md.IsStreamingServer() {
					continue
				}
				unary++
				rule, _ := proto.GetExtension(md.Options(), annotations.E_Http).(*annotations.HttpRule)
				if rule == nil || rule.GetPattern() == nil {
					t.Errorf("%s has no google.api.http rule", md.FullName())
					continue
				}
				path := rule.GetGet() + rule.GetPost() + rule.GetPatch() + rule.GetPut() + rule.GetDelete()
				if len(path) < 4 || path[:4] != "/v1/" {
					t.Errorf("%s: HTTP path %q, want one under /v1/", md.FullName(), path)
				}
			}
		}
		return true
	})
	if unary < 30 {
		t.Fatalf("found only %d unary RPCs", unary)
	}
}
