package server_test

import (
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/gridinspect/gridinspect"
	"github.com/gridinspect/gridinspect/internal/holidays"
	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

// officialYear is a year's official exceptions as the API sends them.
func officialYear(year int) []*pb.CalendarException {
	var out []*pb.CalendarException
	for _, e := range holidays.OfficialYear(year) {
		out = append(out, &pb.CalendarException{Date: e.Date.Format(time.DateOnly), Kind: pb.DayKind(e.Kind), Name: e.Name, Source: e.Source})
	}
	return out
}

// mustSeedCalendar sets the official 2024–2026 calendar as the admin.
func (l *loop) mustSeedCalendar() pb.CalendarServiceClient {
	l.t.Helper()
	cal := pb.NewCalendarServiceClient(l.conn)
	for _, year := range []int32{2024, 2025, 2026} {
		if _, err := cal.SetCalendarExceptions(l.as("admin1"), &pb.SetCalendarExceptionsRequest{
			Year: year, Replace: true, Exceptions: officialYear(int(year))}); err != nil {
			l.t.Fatalf("set the calendar of %d: %v", year, err)
		}
	}
	return cal
}

// TestTheCalendarOverGRPC: the admin sets the official years; anyone
// lists a year and counts on it; a year not announced says it counts
// Monday to Friday; only an admin edits.
func TestTheCalendarOverGRPC(t *testing.T) {
	l := newLoop(t)
	cal := pb.NewCalendarServiceClient(l.conn)
	_, err := cal.SetCalendarExceptions(l.as("super"), &pb.SetCalendarExceptionsRequest{Year: 2024, Replace: true, Exceptions: officialYear(2024)})
	wantCode(t, err, codes.PermissionDenied)
	l.mustSeedCalendar()

	y, err := cal.ListCalendarExceptions(l.as("workera"), &pb.ListCalendarExceptionsRequest{Year: 2024})
	if err != nil {
		t.Fatal(err)
	}
	if !y.GetAnnounced() || len(y.GetExceptions()) != len(holidays.OfficialYear(2024)) || y.GetWorkingDays() != 251 || y.GetNote() != "" {
		t.Errorf("2024: announced %v, %d exceptions, %d working days, note %q; want true, %d, 251, none",
			y.GetAnnounced(), len(y.GetExceptions()), y.GetWorkingDays(), y.GetNote(), len(holidays.OfficialYear(2024)))
	}
	if e := y.GetExceptions()[len(y.GetExceptions())-1]; e.GetDate() != "2024-10-12" || e.GetKind() != pb.DayKind_DAY_KIND_WORKDAY ||
		e.GetName() != "国庆节调休上班" || e.GetSource() == "" {
		t.Errorf("last of 2024: %v", e)
	}
	y, err = cal.ListCalendarExceptions(l.as("workera"), &pb.ListCalendarExceptionsRequest{Year: 2027})
	if err != nil || y.GetAnnounced() || y.GetWorkingDays() != 261 || y.GetNote() != "2027 年尚未录入节假日安排，按周一至周五计" {
		t.Errorf("2027: %v, %v", y, err)
	}

	n, err := cal.CountWorkingDays(l.as("workera"), &pb.CountWorkingDaysRequest{From: "2024-09-30", To: "2024-10-12"})
	if err != nil || n.GetWorkingDays() != 5 || n.GetNote() != "" {
		t.Errorf("working days after 2024-09-30 to 2024-10-12: %v, %v; want 5", n, err)
	}
	add, err := cal.AddWorkingDays(l.as("workera"), &pb.AddWorkingDaysRequest{From: "2026-12-30", WorkingDays: 5})
	if err != nil || add.GetDate() != "2027-01-06" || add.GetDeadline() != "2027-01-06T23:59:59+08:00" ||
		len(add.GetUnannouncedYears()) != 1 || add.GetUnannouncedYears()[0] != 2027 || add.GetNote() == "" {
		t.Errorf("5 working days after 2026-12-30: %v, %v; want 2027-01-06, 2027 unannounced", add, err)
	}

	_, err = cal.CountWorkingDays(l.as("workera"), &pb.CountWorkingDaysRequest{From: "2024-9-30", To: "2024-10-12"})
	if st := wantCode(t, err, codes.InvalidArgument); !hasViolation(st.Details(), "from", "must be a date like 2026-10-01") {
		t.Errorf("a date without its zeros: %v", st.Details())
	}
	_, err = cal.SetCalendarExceptions(l.as("admin1"), &pb.SetCalendarExceptionsRequest{Year: 2027,
		Exceptions: []*pb.CalendarException{{Date: "2027-10-01", Kind: pb.DayKind_DAY_KIND_HOLIDAY}}})
	if st := wantCode(t, err, codes.InvalidArgument); !hasViolation(st.Details(), "exceptions[0].name", "is required") {
		t.Errorf("a holiday without a name: %v", st.Details())
	}
}

// TestADeadlineInWorkingDaysLandsOnTheCalendarOnlineAndOffline: assigned
// over gRPC on the Friday before 国庆 2024 with 5 working days, the case
// is due at the end of 10 October (the 调休 Sunday counts, the holiday
// week does not); a phone's pushed extension by 3 working days moves it
// to 14 October (over the 调休 Saturday); overdue follows.
func TestADeadlineInWorkingDaysLandsOnTheCalendarOnlineAndOffline(t *testing.T) {
	l := newLoop(t)
	l.mustSeedCalendar()
	at := time.Date(2024, 9, 27, 7, 0, 0, 0, time.UTC) // 15:00 in China
	l.clock.Advance(at.Sub(l.clock.Now()))
	for _, u := range []string{"super", "workera"} {
		l.tokens[u] = l.login(u)
	}
	id := l.mustSubmitAs("workera", l.hazard()).GetId()

	resp, err := l.rect.AssignReport(l.as("super"), &pb.AssignReportRequest{ActionId: newID(), ReportId: id,
		AssigneeId: l.ids["workera"], DeadlineWorkingDays: 5})
	if err != nil {
		t.Fatal(err)
	}
	want := time.Date(2024, 10, 10, 23, 59, 59, 0, gridinspect.ChinaZone)
	if r := resp.GetReport(); !r.GetDeadline().AsTime().Equal(want) || r.GetDeadlineWorkingDays() != 5 ||
		resp.GetEvent().GetAssignment().GetDeadlineWorkingDays() != 5 {
		t.Fatalf("deadline %s in %d working days (event %d), want %s in 5", gridinspect.ChinaTime(r.GetDeadline().AsTime()),
			r.GetDeadlineWorkingDays(), resp.GetEvent().GetAssignment().GetDeadlineWorkingDays(), gridinspect.ChinaTime(want))
	}

	_, err = l.rect.AssignReport(l.as("super"), &pb.AssignReportRequest{ActionId: newID(), ReportId: l.mustSubmitAs("workera", l.hazard()).GetId(),
		AssigneeId: l.ids["workera"], DeadlineWorkingDays: 5, Deadline: resp.GetReport().GetDeadline()})
	if st := wantCode(t, err, codes.InvalidArgument); !hasViolation(st.Details(), "deadline_working_days", "give either deadline_working_days or deadline, not both") {
		t.Errorf("both a deadline and working days: %v", st.Details())
	}

	p := l.phone("super")
	res := p.push(p.mutation(func(m *pb.Mutation) {
		m.Kind = &pb.Mutation_ExtendDeadline{ExtendDeadline: &pb.ExtendDeadlineRequest{ActionId: newID(), ReportId: id,
			DeadlineWorkingDays: 3, Reason: "节后才有施工队"}}
	})).GetResults()[0]
	want = time.Date(2024, 10, 14, 23, 59, 59, 0, gridinspect.ChinaZone)
	if res.GetOutcome() != pb.MutationOutcome_MUTATION_OUTCOME_APPLIED || !res.GetReport().GetDeadline().AsTime().Equal(want) ||
		res.GetEvent().GetDeadlineExtension().GetDeadlineWorkingDays() != 3 {
		t.Fatalf("pushed extension: %v %s, event %v; want applied, %s", res.GetOutcome(),
			gridinspect.ChinaTime(res.GetReport().GetDeadline().AsTime()), res.GetEvent().GetDeadlineExtension(), gridinspect.ChinaTime(want))
	}

	for _, c := range []struct {
		at      time.Time
		overdue bool
	}{{want.Add(-3 * time.Hour), false}, {want.Add(9 * time.Hour), true}} {
		l.clock.Advance(c.at.Sub(l.clock.Now()))
		got, err := l.reports.GetReport(l.as("super"), &pb.GetReportRequest{Id: id})
		if err != nil {
			t.Fatal(err)
		}
		if got.GetReport().GetOverdue() != c.overdue || got.GetReport().GetDeadlineWorkingDays() != 3 {
			t.Errorf("at %s: overdue %v (%d working days), want %v", gridinspect.ChinaTime(c.at),
				got.GetReport().GetOverdue(), got.GetReport().GetDeadlineWorkingDays(), c.overdue)
		}
	}
}
