package server_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/gridinspect/gridinspect"
	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
	"github.com/gridinspect/gridinspect/server"
)

// A worker may not list users, yet the cases it reads name their people:
// the reporter, the assignee and each event's actor come with their names
// (display name, else username) for the worker as for the supervisor.
func TestCasesNameTheirPeopleForWorkersAndSupervisors(t *testing.T) {
	l := newLoop(t)
	sys := gridinspect.NewContext(context.Background(), gridinspect.SystemActor())
	name := "陈静"
	if _, err := l.db.UpdateUser(sys, l.ids["workera"], gridinspect.UserUpdate{DisplayName: &name}); err != nil {
		t.Fatalf("name workera: %v", err)
	}
	r := l.mustSubmitAs("workera", l.hazard())
	if r.GetReporterName() != "陈静" {
		t.Errorf("submitted: reporter_name = %q, want 陈静", r.GetReporterName())
	}
	assigned, ev, err := l.assign("workera", l.clock.Now().Add(72*time.Hour))(l.as("super"), r.GetId())
	if err != nil {
		t.Fatalf("assign: %v", err)
	}
	if assigned.GetAssigneeName() != "陈静" || ev.GetActorName() != "super" || ev.GetAssignment().GetAssigneeName() != "陈静" {
		t.Errorf("assigned: assignee_name %q, actor_name %q, assignment's assignee_name %q; want 陈静, super, 陈静",
			assigned.GetAssigneeName(), ev.GetActorName(), ev.GetAssignment().GetAssigneeName())
	}

	rect := l.rect
	for _, user := range []string{"workera", "super"} {
		t.Run(user, func(t *testing.T) {
			ctx := l.as(user)
			got, err := l.reports.GetReport(ctx, &pb.GetReportRequest{Id: r.GetId()})
			if err != nil {
				t.Fatalf("get report: %v", err)
			}
			listed, err := l.reports.ListReports(ctx, &pb.ListReportsRequest{})
			if err != nil || len(listed.GetReports()) != 1 {
				t.Fatalf("list reports = %v, %v; want the one case", listed, err)
			}
			for how, rep := range map[string]*pb.Report{"get": got.GetReport(), "list": listed.GetReports()[0]} {
				if rep.GetReporterName() != "陈静" || rep.GetAssigneeName() != "陈静" {
					t.Errorf("%s: reporter_name %q, assignee_name %q; want 陈静, 陈静", how, rep.GetReporterName(), rep.GetAssigneeName())
				}
			}
			tl, err := rect.GetTimeline(ctx, &pb.GetTimelineRequest{ReportId: r.GetId()})
			if err != nil {
				t.Fatalf("get timeline: %v", err)
			}
			var actors []string
			for _, e := range tl.GetEvents() {
				actors = append(actors, e.GetActorName())
			}
			if want := []string{"陈静", "super"}; !slices.Equal(actors, want) {
				t.Errorf("timeline actor_name = %q, want %q", actors, want)
			}
			if n := tl.GetEvents()[1].GetAssignment().GetAssigneeName(); n != "陈静" {
				t.Errorf("timeline assignment's assignee_name = %q, want 陈静", n)
			}
		})
	}
	// The worker was named without being allowed the list of users.
	_, err = l.dirs.ListUsers(l.as("workera"), &pb.ListUsersRequest{})
	wantCode(t, err, codes.PermissionDenied)
}

// countedNames counts the store's lookups of names, to show how many a
// call makes.
type countedNames struct {
	gridinspect.UserService
	mu      sync.Mutex
	lookups [][]string
}

func (c *countedNames) UserNames(ctx context.Context, ids []string) (map[string]string, error) {
	c.mu.Lock()
	c.lookups = append(c.lookups, ids)
	c.mu.Unlock()
	return c.UserService.UserNames(ctx, ids)
}

func (c *countedNames) take() [][]string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.lookups
	c.lookups = nil
	return out
}

// A page of ListReports names its people with one lookup (one query) for
// the whole page, not one a row, each person asked for once.
func TestListReportsNamesAPageInOneLookup(t *testing.T) {
	names := &countedNames{}
	h := newHarnessWith(t, func(cfg *server.Config) {
		names.UserService = cfg.Users
		cfg.Users = names
	})
	admin := as(context.Background(), "admin")
	var assignees []string
	for _, u := range []*pb.User{
		{Username: "chenjing", DisplayName: "陈静", Role: pb.Role_ROLE_WORKER, GridIds: []string{gridA}},
		{Username: "worker02", Role: pb.Role_ROLE_WORKER, GridIds: []string{gridA}},
	} {
		resp, err := h.dirs.CreateUser(admin, &pb.CreateUserRequest{User: u, Password: "correct horse battery"})
		if err != nil {
			t.Fatalf("create user %s: %v", u.GetUsername(), err)
		}
		assignees = append(assignees, resp.GetUser().GetId())
	}
	rect := pb.NewRectificationServiceClient(h.conn)
	const cases = 7
	for i := range cases {
		r := h.mustSubmit("workerA", h.hazard())
		if _, err := rect.AssignReport(admin, &pb.AssignReportRequest{ActionId: newID(), ReportId: r.GetId(),
			AssigneeId: assignees[i%2], ResponsibleUnit: "责任企业"}); err != nil {
			t.Fatalf("assign: %v", err)
		}
	}
	names.take()

	want := map[string]string{assignees[0]: "陈静", assignees[1]: "worker02"}
	req := &pb.ListReportsRequest{PageSize: 3}
	pages, seen := 0, 0
	for {
		resp, err := h.reports.ListReports(as(context.Background(), "superAll"), req)
		if err != nil {
			t.Fatalf("list reports: %v", err)
		}
		pages++
		seen += len(resp.GetReports())
		lookups := names.take()
		if len(lookups) != 1 {
			t.Fatalf("page %d: %d lookups of names, want 1", pages, len(lookups))
		}
		ids := lookups[0]
		if !slices.IsSorted(ids) || len(slices.Compact(slices.Clone(ids))) != len(ids) {
			t.Errorf("page %d: looked up %v, want each person once", pages, ids)
		}
		for _, r := range resp.GetReports() {
			if got := r.GetAssigneeName(); got != want[r.GetAssigneeId()] {
				t.Errorf("report %s: assignee_name = %q, want %q", r.GetId(), got, want[r.GetAssigneeId()])
			}
		}
		if req.PageToken = resp.GetNextPageToken(); req.PageToken == "" {
			break
		}
	}
	if pages != 3 || seen != cases {
		t.Errorf("listed %d cases in %d pages, want %d in 3", seen, pages, cases)
	}
}

// A new report's only person is its reporter, the caller: the answer
// names them from the session, without a lookup (SubmitReport at 128
// callers spent a read on it), and a rename shows on the next report.
func TestANewReportNamesItsReporterFromTheSession(t *testing.T) {
	names := &countedNames{}
	l := &loop{authHarness: newAuthHarness(t, func(cfg *server.Config) {
		names.UserService = cfg.Users
		cfg.Users = names
	})}
	l.rect = pb.NewRectificationServiceClient(l.conn)
	sys := gridinspect.NewContext(context.Background(), gridinspect.SystemActor())
	for _, name := range []string{"", "陈静", "陈静静"} {
		want := "workera"
		if name != "" {
			if _, err := l.db.UpdateUser(sys, l.ids["workera"], gridinspect.UserUpdate{DisplayName: &name}); err != nil {
				t.Fatalf("name workera: %v", err)
			}
			want = name
		}
		names.take()
		r := l.mustSubmitAs("workera", l.hazard())
		if r.GetReporterName() != want {
			t.Errorf("display name %q: reporter_name = %q, want %q", name, r.GetReporterName(), want)
		}
		if lookups := names.take(); len(lookups) != 0 {
			t.Errorf("display name %q: looked names up %v, want no lookup", name, lookups)
		}
	}
	// Someone else's report is still named by a lookup.
	r := l.mustSubmitAs("workera", l.hazard())
	got, err := l.reports.GetReport(l.as("super"), &pb.GetReportRequest{Id: r.GetId()})
	if err != nil {
		t.Fatalf("get report: %v", err)
	}
	if got.GetReport().GetReporterName() != "陈静静" {
		t.Errorf("read by the supervisor: reporter_name = %q, want 陈静静", got.GetReport().GetReporterName())
	}
	if lookups := names.take(); len(lookups) != 1 {
		t.Errorf("read by the supervisor: %d lookups, want 1", len(lookups))
	}
}
