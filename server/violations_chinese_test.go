package server_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

// A grid worker told a field is wrong must read what is wrong in Chinese:
// every field violation of every rule family carries its own zh-CN
// message, not only the error's generic one.
func TestEveryFieldViolationSaysInChineseWhatIsWrong(t *testing.T) {
	l := newLoop(t)
	dirs := pb.NewDirectoryServiceClient(l.conn)
	admin := pb.NewAdminServiceClient(l.conn)
	stats := pb.NewStatsServiceClient(l.conn)
	now := l.clock.Now()
	report := func(change func(r *pb.Report)) func() error {
		return func() error {
			r := l.hazard()
			change(r)
			_, err := l.reports.SubmitReport(l.as("workera"), &pb.SubmitReportRequest{Report: r})
			return err
		}
	}
	patrol := func(change func(p *pb.Patrol)) func() error {
		return func() error {
			p := &pb.Patrol{Id: newID(), Kind: pb.PatrolKind_PATROL_KIND_GENERAL, GridId: gridA,
				StartedAt: timestamppb.New(now.Add(-2 * time.Hour)), EndedAt: timestamppb.New(now.Add(-time.Hour)), Participants: 2}
			change(p)
			_, err := l.reports.SubmitPatrol(l.as("workera"), &pb.SubmitPatrolRequest{Patrol: p})
			return err
		}
	}
	user := func(u *pb.User, password string) func() error {
		return func() error {
			_, err := dirs.CreateUser(l.as("admin1"), &pb.CreateUserRequest{User: u, Password: password})
			return err
		}
	}
	grid := func(g *pb.Grid) func() error {
		return func() error {
			_, err := dirs.CreateGrid(l.as("admin1"), &pb.CreateGridRequest{Grid: g})
			return err
		}
	}
	tests := []struct {
		name string
		call func() error
	}{
		{"text: a description of one character", report(func(r *pb.Report) { r.Description = "脏" })},
		{"coordinates: a negative accuracy", report(func(r *pb.Report) {
			r.Location = &pb.Location{Latitude: inA.Latitude, Longitude: inA.Longitude, AccuracyMeters: -1}
		})},
		{"coordinates: a latitude past the pole", report(func(r *pb.Report) {
			r.Location = &pb.Location{Latitude: 91, Longitude: inA.Longitude}
		})},
		{"times: a patrol ending before it starts", patrol(func(p *pb.Patrol) {
			p.StartedAt, p.EndedAt = p.EndedAt, p.StartedAt
		})},
		{"times: a summary without its period", func() error {
			_, err := stats.GetSummary(l.as("super"), &pb.GetSummaryRequest{})
			return err
		}},
		{"numbers: a patrol of nobody", patrol(func(p *pb.Patrol) { p.Participants = 0 })},
		{"enums: an unknown status to list", func() error {
			_, err := l.reports.ListReports(l.as("super"), &pb.ListReportsRequest{Statuses: []pb.ReportStatus{99}})
			return err
		}},
		{"enums: a page size below zero", func() error {
			_, err := l.reports.ListReports(l.as("super"), &pb.ListReportsRequest{PageSize: -1})
			return err
		}},
		{"ids: a photo listed twice", report(func(r *pb.Report) {
			id := newID()
			r.PhotoIds = []string{id, id}
		})},
		{"ids: a page token not ours", func() error {
			_, err := l.reports.ListReports(l.as("super"), &pb.ListReportsRequest{PageToken: "bogus"})
			return err
		}},
		{"category details: a safety hazard without its kind", report(func(r *pb.Report) {
			r.Details = &pb.Report_SafetyHazard{SafetyHazard: &pb.SafetyHazardDetails{}}
		})},
		{"category details: a report without any", func() error {
			_, err := l.reports.SubmitReport(l.as("workera"), &pb.SubmitReportRequest{})
			return err
		}},
		{"users: a username with spaces", user(&pb.User{Username: "张 三", Role: pb.Role_ROLE_WORKER, GridIds: []string{gridA}}, "long enough password")},
		{"users: a worker of no grid", user(&pb.User{Username: "zhangsan", Role: pb.Role_ROLE_WORKER}, "long enough password")},
		{"passwords: one too short", user(&pb.User{Username: "lisi", Role: pb.Role_ROLE_WORKER, GridIds: []string{gridA}}, "12")},
		{"users: an update naming no field", func() error {
			_, err := dirs.UpdateUser(l.as("admin1"), &pb.UpdateUserRequest{User: &pb.User{Id: l.ids["workera"]}})
			return err
		}},
		{"grids: no boundary", grid(&pb.Grid{Id: newID(), Name: "新村"})},
		{"grids: a boundary of two points", grid(&pb.Grid{Id: newID(), Name: "新村", Boundary: []*pb.Polygon{{Rings: []*pb.LinearRing{{Points: []*pb.LatLng{
			{Latitude: 31.21, Longitude: 118.31}, {Latitude: 31.22, Longitude: 118.32}}}}}}})},
		{"grids: a name taken", grid(&pb.Grid{Id: newID(), Name: "红星村", Boundary: square(31.2, 118.3, 31.21, 118.31)})},
		{"subjects: a credit code that does not check", func() error {
			_, err := dirs.CreateSubject(l.as("admin1"), &pb.CreateSubjectRequest{Subject: &pb.Subject{Id: newID(),
				Kind: pb.SubjectKind_SUBJECT_KIND_ENTERPRISE, Name: "某某厂", GridId: gridA, CreditCode: "12345"}})
			return err
		}},
		{"notice prefixes: one with a space", func() error {
			_, err := admin.SetNoticePrefix(l.as("admin1"), &pb.SetNoticePrefixRequest{Kind: pb.NoticeKind_NOTICE_KIND_HAZARD_NOTICE, Prefix: "X街 安告"})
			return err
		}},
		{"actions: a rejection without its reason", func() error {
			id := l.mustSubmitAs("workera", l.hazard()).GetId()
			_, err := l.rect.RejectReport(l.as("super"), &pb.RejectReportRequest{ActionId: newID(), ReportId: id})
			return err
		}},
		{"logins: a device id with a control character", func() error {
			_, err := l.auth.Login(context.Background(), &pb.LoginRequest{Username: "workera", Password: "x", DeviceId: "phone\x01"})
			return err
		}},
	}
	// What one violation's Chinese says, where the words matter: times in
	// China time, limits as numbers, the category by its name.
	says := map[string]string{
		"text: a description of one character":               "至少需要 4 个字",
		"coordinates: a latitude past the pole":              "须在 -90 到 90 之间",
		"times: a patrol ending before it starts":            "不能早于开始时间 2024年3月15日 16:00",
		"category details: a safety hazard without its kind": "安全隐患须填写此项",
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := wantCode(t, tt.call(), codes.InvalidArgument)
			n, said := 0, says[tt.name] == ""
			for _, d := range st.Details() {
				br, ok := d.(*errdetails.BadRequest)
				if !ok {
					continue
				}
				for _, fv := range br.GetFieldViolations() {
					n++
					lm := fv.GetLocalizedMessage()
					if lm.GetLocale() != "zh-CN" || !hasHan(lm.GetMessage()) {
						t.Errorf("%s: %q has no Chinese (localized %v)", fv.GetField(), fv.GetDescription(), lm)
					}
					said = said || strings.Contains(lm.GetMessage(), says[tt.name])
				}
			}
			if n == 0 {
				t.Fatalf("%q names no field; details %v", st.Message(), st.Details())
			}
			if !said {
				t.Errorf("no violation says %q; details %v", says[tt.name], st.Details())
			}
		})
	}
}

// A phone's refused mutation shows each field's own Chinese, not the
// generic "填写有误" that stands in only where none was written.
func TestAMutationRefusedOnPushSaysInChineseWhatIsWrongWithEachField(t *testing.T) {
	l := newLoop(t)
	p := l.phone("workera")
	r := l.hazard()
	r.Description = "脏"
	r.Details = &pb.Report_SafetyHazard{SafetyHazard: &pb.SafetyHazardDetails{}}
	res := p.push(p.mutation(func(m *pb.Mutation) {
		m.Kind = &pb.Mutation_SubmitReport{SubmitReport: &pb.SubmitReportRequest{Report: r}}
	})).GetResults()
	if len(res) != 1 || len(res[0].GetFieldViolations()) < 3 {
		t.Fatalf("results %v, want one naming description, hazard_kind and place_kind", res)
	}
	wantChineseViolations(t, res[0].GetFieldViolations())
	for _, fv := range res[0].GetFieldViolations() {
		if fv.GetLocalizedDescription() == "填写有误，请按要求修改" {
			t.Errorf("%s: the generic %q, want what is wrong", fv.GetField(), fv.GetLocalizedDescription())
		}
	}
}
