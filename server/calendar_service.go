package server

import (
	"context"
	"strconv"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/gridinspect/gridinspect"
	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

// maxCountYears bounds CountWorkingDays' range, so a count is a few
// thousand days at most.
const maxCountYears = 10

// calendarService serves CalendarService: the working-day calendar and
// counts on it, so that phones and the desk compute nothing themselves.
type calendarService struct {
	pb.UnimplementedCalendarServiceServer
	s *Server
}

func (h *calendarService) store() (gridinspect.CalendarService, error) {
	if h.s.cfg.Calendar == nil {
		return nil, status.Error(codes.Unimplemented, "this server keeps no calendar")
	}
	return h.s.cfg.Calendar, nil
}

// ListCalendarExceptions returns a year's exceptions and what it counts.
func (h *calendarService) ListCalendarExceptions(ctx context.Context, req *pb.ListCalendarExceptionsRequest) (*pb.ListCalendarExceptionsResponse, error) {
	st, err := h.store()
	if err != nil {
		return nil, err
	}
	year := int(req.GetYear())
	if year == 0 {
		year = h.s.now().In(gridinspect.ChinaZone).Year()
	}
	es, err := st.CalendarExceptions(ctx, year)
	if err != nil {
		return nil, h.s.status(ctx, err)
	}
	return toCalendarYear(year, es), nil
}

// SetCalendarExceptions changes a year's exceptions (admins only).
func (h *calendarService) SetCalendarExceptions(ctx context.Context, req *pb.SetCalendarExceptionsRequest) (*pb.SetCalendarExceptionsResponse, error) {
	st, err := h.store()
	if err != nil {
		return nil, err
	}
	var v gridinspect.Violations
	set := make([]gridinspect.CalendarException, len(req.GetExceptions()))
	for i, e := range req.GetExceptions() {
		set[i] = gridinspect.CalendarException{Kind: gridinspect.DayKind(e.GetKind()), Name: e.GetName(), Source: e.GetSource()}
		set[i].Date = parseDate(&v, "exceptions["+strconv.Itoa(i)+"].date", e.GetDate(), true)
	}
	remove := make([]time.Time, len(req.GetRemoveDates()))
	for i, d := range req.GetRemoveDates() {
		remove[i] = parseDate(&v, "remove_dates["+strconv.Itoa(i)+"]", d, true)
	}
	if err := v.Err("invalid calendar"); err != nil {
		return nil, h.s.status(ctx, err)
	}
	es, err := st.SetCalendarExceptions(ctx, int(req.GetYear()), req.GetReplace(), set, remove)
	if err != nil {
		return nil, h.s.status(ctx, err)
	}
	year := int(req.GetYear())
	h.s.log.InfoContext(ctx, "calendar set", "year", year, "exceptions", len(es))
	return &pb.SetCalendarExceptionsResponse{Calendar: toCalendarYear(year, es)}, nil
}

// CountWorkingDays counts the working days between two dates.
func (h *calendarService) CountWorkingDays(ctx context.Context, req *pb.CountWorkingDaysRequest) (*pb.CountWorkingDaysResponse, error) {
	st, err := h.store()
	if err != nil {
		return nil, err
	}
	var v gridinspect.Violations
	from := parseDate(&v, "from", req.GetFrom(), true)
	to := parseDate(&v, "to", req.GetTo(), true)
	if !from.IsZero() && to.After(from.AddDate(maxCountYears, 0, 0)) {
		v.AddZh("to", "与起始日期最多相隔 "+strconv.Itoa(maxCountYears)+" 年", "must be at most %d years after from", maxCountYears)
	}
	if err := v.Err("invalid count"); err != nil {
		return nil, h.s.status(ctx, err)
	}
	cal, err := st.Calendar(ctx)
	if err != nil {
		return nil, h.s.status(ctx, err)
	}
	out := &pb.CountWorkingDaysResponse{WorkingDays: int32(cal.CountWorkingDays(from, to))}
	if to.After(from) {
		years := cal.Unannounced(from.AddDate(0, 0, 1), to)
		out.UnannouncedYears, out.Note = int32s(years), gridinspect.UnannouncedZh(years)
	}
	return out, nil
}

// AddWorkingDays returns the day some working days ahead, and the
// deadline a case counted that way gets.
func (h *calendarService) AddWorkingDays(ctx context.Context, req *pb.AddWorkingDaysRequest) (*pb.AddWorkingDaysResponse, error) {
	st, err := h.store()
	if err != nil {
		return nil, err
	}
	var v gridinspect.Violations
	from := parseDate(&v, "from", req.GetFrom(), false)
	if from.IsZero() {
		from = gridinspect.ChinaDay(h.s.now())
	}
	if n := req.GetWorkingDays(); n < 1 || n > gridinspect.MaxWorkingDays {
		v.AddZh("working_days", "须在 1 到 "+strconv.Itoa(gridinspect.MaxWorkingDays)+" 个工作日之间",
			"must be between 1 and %d", gridinspect.MaxWorkingDays)
	}
	if err := v.Err("invalid count"); err != nil {
		return nil, h.s.status(ctx, err)
	}
	cal, err := st.Calendar(ctx)
	if err != nil {
		return nil, h.s.status(ctx, err)
	}
	day := cal.AddWorkingDays(from, int(req.GetWorkingDays()))
	years := cal.Unannounced(from.AddDate(0, 0, 1), day)
	return &pb.AddWorkingDaysResponse{
		Date:             day.Format(time.DateOnly),
		Deadline:         gridinspect.EndOfChinaDay(day).Format(time.RFC3339),
		UnannouncedYears: int32s(years),
		Note:             gridinspect.UnannouncedZh(years),
	}, nil
}

// parseDate reads a China date written 2006-01-02, adding a violation
// of field when it is not one (or is missing and required).
func parseDate(v *gridinspect.Violations, field, s string, required bool) time.Time {
	if s == "" {
		if required {
			v.AddZh(field, "不能为空", "is required (a date like 2026-10-01)")
		}
		return time.Time{}
	}
	d, err := gridinspect.ParseChinaDate(s)
	if err != nil {
		v.AddZh(field, "日期格式不对，应如 2026-10-01", "must be a date like 2026-10-01")
		return time.Time{}
	}
	return d
}

// toCalendarYear is a year's calendar as the API gives it.
func toCalendarYear(year int, es []gridinspect.CalendarException) *pb.ListCalendarExceptionsResponse {
	cal := gridinspect.NewCalendar(es)
	newYearsEve := time.Date(year-1, 12, 31, 0, 0, 0, 0, gridinspect.ChinaZone)
	out := &pb.ListCalendarExceptionsResponse{
		Year:        int32(year),
		Announced:   len(es) > 0,
		WorkingDays: int32(cal.CountWorkingDays(newYearsEve, newYearsEve.AddDate(1, 0, 0))),
	}
	if !out.Announced {
		out.Note = gridinspect.UnannouncedZh([]int{year})
	}
	for _, e := range es {
		out.Exceptions = append(out.Exceptions, &pb.CalendarException{
			Date: e.Date.In(gridinspect.ChinaZone).Format(time.DateOnly), Kind: pb.DayKind(e.Kind), Name: e.Name, Source: e.Source,
		})
	}
	return out
}

func int32s(xs []int) []int32 {
	var out []int32
	for _, x := range xs {
		out = append(out, int32(x))
	}
	return out
}
