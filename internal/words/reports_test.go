package words

import (
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/gridinspect/gridinspect"
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

func TestReturnWantsJoinsWithChineseComma(t *testing.T) {
	ws := []pb.ReturnWant{pb.ReturnWant_RETURN_WANT_PHOTO, pb.ReturnWant_RETURN_WANT_ADDRESS}
	want := Label(ReturnWant, ws[0]) + "、" + Label(ReturnWant, ws[1])
	if got := ReturnWants(ws); got != want {
		t.Errorf("ReturnWants = %q, want %q", got, want)
	}
	if got := ReturnWants(nil); got != "" {
		t.Errorf("ReturnWants(nil) = %q, want empty", got)
	}
}

func TestInWorkingDaysOnlyForWorkingDayDeadlines(t *testing.T) {
	for _, tc := range []struct {
		n    int32
		want string
	}{{0, ""}, {-1, ""}, {5, "（" + WorkingDays(5) + "）"}} {
		if got := InWorkingDays(tc.n); got != tc.want {
			t.Errorf("InWorkingDays(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
}

func TestDuePeriodWritesFirstAndLastChinaDays(t *testing.T) {
	zone := gridinspect.ChinaZone
	day := func(y int, m time.Month, d int) *timestamppb.Timestamp {
		return timestamppb.New(time.Date(y, m, d, 0, 0, 0, 0, zone))
	}
	for _, tc := range []struct {
		name       string
		start, end *timestamppb.Timestamp
		want       string
	}{
		{"week", day(2026, 6, 10), day(2026, 6, 17), "06-10至06-16"},
		{"one day", day(2026, 6, 10), day(2026, 6, 11), "06-10"},
		{"across a year", day(2026, 12, 28), day(2027, 1, 4), "2026-12-28至2027-01-03"},
	} {
		p := &pb.DuePatrol{PeriodStart: tc.start, PeriodEnd: tc.end}
		if got := DuePeriod(p, zone); got != tc.want {
			t.Errorf("%s: DuePeriod = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestPatrolObjectNamesSubjectOrWholeGrid(t *testing.T) {
	whole := &pb.PatrolSchedule{}
	if got := PatrolObject(whole, "-"); got != "全网格" {
		t.Errorf("whole grid = %q, want 全网格", got)
	}
	named := &pb.PatrolSchedule{SubjectId: "s1", SubjectName: "长山备用水源地"}
	if got := PatrolObject(named, "-"); got != "长山备用水源地" {
		t.Errorf("named = %q", got)
	}
	unnamed := &pb.PatrolSchedule{SubjectId: "s1"}
	if got := PatrolObject(unnamed, "-"); got != "-" {
		t.Errorf("unnamed with noName - = %q, want -", got)
	}
	if got := PatrolObject(unnamed, ""); got != "" {
		t.Errorf("unnamed with noName empty = %q, want empty", got)
	}
}
