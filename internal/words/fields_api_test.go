package words

import (
	"sort"
	"strings"
	"testing"

	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

// TestEveryRequestFieldHasAChineseLabel walks every request message of the
// API's services (gridinspect.v1), through their messages' fields, and
// fails for any field an error could name that Field would show as its
// API path.
func TestEveryRequestFieldHasAChineseLabel(t *testing.T) {
	file := pb.File_gridinspect_v1_report_proto // any file of the package; the walk is over the registry
	pkg := file.Package()
	missing := map[string][]string{} // field name → a path where it occurs
	seen := map[protoreflect.FullName]bool{}
	var walk func(m protoreflect.MessageDescriptor, path string)
	walk = func(m protoreflect.MessageDescriptor, path string) {
		if seen[m.FullName()] || m.ParentFile().Package() != pkg {
			return
		}
		seen[m.FullName()] = true
		fields := m.Fields()
		for i := 0; i < fields.Len(); i++ {
			f := fields.Get(i)
			p := strings.TrimPrefix(path+"."+string(f.Name()), ".")
			if Field(p) == p {
				missing[string(f.Name())] = append(missing[string(f.Name())], p)
			}
			if f.IsMap() {
				f = f.MapValue()
			}
			if f.Message() != nil {
				walk(f.Message(), p)
			}
		}
	}
	protoregistry.GlobalFiles.RangeFilesByPackage(pkg, func(fd protoreflect.FileDescriptor) bool {
		for i := 0; i < fd.Services().Len(); i++ {
			methods := fd.Services().Get(i).Methods()
			for j := 0; j < methods.Len(); j++ {
				walk(methods.Get(j).Input(), "")
			}
		}
		return true
	})
	if len(seen) == 0 {
		t.Fatal("no request message found")
	}
	names := make([]string, 0, len(missing))
	for n := range missing {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		t.Errorf("field %s (e.g. %s) has no Chinese label", n, missing[n][0])
	}
}
