package words

import pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"

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
