package words

import (
	"strings"
	"time"

	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

// StatusWord is a case's status in a list, with 退回补充 beside while it
// waits for its reporter: "已上报·退回补充". gridctl and the web desk
// both write it, so it is said once here.
func StatusWord(r *pb.Report) string {
	w := Label(Status, r.GetStatus())
	if r.GetReturnRequest() != nil {
		w += "·" + Label(Event, pb.EventType_EVENT_TYPE_REPORT_RETURNED)
	}
	return w
}

// ReturnWants names what a return asks for: 照片、地址.
func ReturnWants(ws []pb.ReturnWant) string {
	out := make([]string, len(ws))
	for i, w := range ws {
		out[i] = Label(ReturnWant, w)
	}
	return strings.Join(out, "、")
}

// InWorkingDays says a deadline was counted in working days:
// "（5 个工作日）"; "" for one given as a date or in calendar days.
func InWorkingDays(n int32) string {
	if n <= 0 {
		return ""
	}
	return "（" + WorkingDays(n) + "）"
}

// DuePeriod is a due patrol's period as its first and last days in
// zone: "06-10至06-16", the year too when the period crosses one, or one
// day alone. gridctl passes its --zone, the web desk China time.
func DuePeriod(d *pb.DuePatrol, zone *time.Location) string {
	first := d.GetPeriodStart().AsTime().In(zone)
	last := d.GetPeriodEnd().AsTime().Add(-time.Nanosecond).In(zone)
	layout := "01-02"
	if first.Year() != last.Year() {
		layout = time.DateOnly
	}
	if first.Format(time.DateOnly) == last.Format(time.DateOnly) {
		return first.Format(layout)
	}
	return first.Format(layout) + "至" + last.Format(layout)
}

// PatrolObject is what a schedule patrols: 全网格, or the subject with
// its kind, and the kind of patrol: "长山备用水源地（水源地），水质巡查".
// noName stands for a subject the caller may not name (the web desk
// writes "-", gridctl nothing).
func PatrolObject(s *pb.PatrolSchedule, noName string) string {
	what := "全网格"
	if s.GetSubjectId() != "" {
		what = s.GetSubjectName()
		if what == "" {
			what = noName
		}
		if k := Of(SubjectKind, s.GetSubjectKind()); k != "" {
			what += "（" + k + "）"
		}
	}
	if k := Of(PatrolKind, s.GetKind()); k != "" {
		what += "，" + k
	}
	return what
}
