package words

import (
	"testing"

	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

func TestStatusWordAddsReturnedWhileWaitingForReporter(t *testing.T) {
	plain := &pb.Report{Status: pb.ReportStatus_REPORT_STATUS_REPORTED}
	returned := &pb.Report{Status: pb.ReportStatus_REPORT_STATUS_REPORTED, ReturnRequest: &pb.ReturnRequest{}}
	base := Label(Status, pb.ReportStatus_REPORT_STATUS_REPORTED)
	if got := StatusWord(plain); got != base {
		t.Errorf("StatusWord(plain) = %q, want %q", got, base)
	}
	want := base + "·" + Label(Event, pb.EventType_EVENT_TYPE_REPORT_RETURNED)
	if got := StatusWord(returned); got != want {
		t.Errorf("StatusWord(returned) = %q, want %q", got, want)
	}
}
