package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/gridinspect/gridinspect"
	"github.com/gridinspect/gridinspect/internal/demo"
	"github.com/gridinspect/gridinspect/internal/storetest"
	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
	"github.com/gridinspect/gridinspect/server"
	"github.com/gridinspect/gridinspect/store"
)

// demoStreet is the demo street (internal/demo) in a real store behind a
// real server, its cases moved along the loop to every status, with the
// demo's supervisor and first worker as callers.
type demoStreet struct {
	clock   *clock
	reports pb.ReportServiceClient
	rect    pb.RectificationServiceClient
	stats   pb.StatsServiceClient
	users   map[string]*gridinspect.Actor // username → the account as a caller
}

func (d *demoStreet) as(user string) context.Context {
	return metadata.AppendToOutgoingContext(context.Background(), "x-test-user", user)
}

func newDemoStreet(t *testing.T) *demoStreet {
	t.Helper()
	c := &clock{now: time.Date(2024, 7, 10, 1, 0, 0, 0, time.UTC)}
	db, err := storetest.Open(t, filepath.Join(t.TempDir(), "gridinspect.db"), store.Options{Now: c.Now, Logger: quiet,
		Rules: demo.Rules(gridinspect.DefaultRules), PasswordParams: cheapPasswords})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close(context.Background()) })
	sys := gridinspect.NewContext(context.Background(), gridinspect.SystemActor())
	if _, err := demo.Seed(sys, demo.Services{Directory: db, Reports: db, Users: db, Settings: db}, c.Now()); err != nil {
		t.Fatal(err)
	}
	accounts, _, err := db.ListUsers(sys, gridinspect.UserFilter{PageSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	d := &demoStreet{clock: c, users: map[string]*gridinspect.Actor{}}
	for _, u := range accounts {
		d.users[u.Username] = &gridinspect.Actor{UserID: u.ID, Username: u.Username, Role: u.Role, GridIDs: u.GridIDs, AllGrids: u.AllGrids}
	}
	cfg := server.Serve(db)
	cfg.Now, cfg.Logger, cfg.RequestLimit = c.Now, quiet, &server.NoRequestLimit
	cfg.Authenticate = func(ctx context.Context) (*gridinspect.Actor, error) {
		md, _ := metadata.FromIncomingContext(ctx)
		if v := md.Get("x-test-user"); len(v) == 1 && d.users[v[0]] != nil {
			return d.users[v[0]], nil
		}
		return nil, gridinspect.Errorf(gridinspect.EUNAUTHENTICATED, "not logged in")
	}
	srv := server.New(cfg)
	lis, conn := bufListen(t)
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(func() { srv.Shutdown(context.Background()) })
	d.reports, d.rect, d.stats = pb.NewReportServiceClient(conn), pb.NewRectificationServiceClient(conn), pb.NewStatsServiceClient(conn)
	d.moveAlong(t)
	return d
}

// moveAlong takes the demo's REPORTED cases to every status: some
// closed long enough ago that their follow-up is due, some overdue, some
// due within days, some awaiting verification, some rejected; and some
// arrive today, yesterday and the day before.
func (d *demoStreet) moveAlong(t *testing.T) {
	t.Helper()
	var ids []string
	category := map[string]pb.Category{}
	var places []*pb.Report // where the demo's cases are, for new ones
	for token := ""; ; {
		resp, err := d.reports.ListReports(d.as("supervisor"), &pb.ListReportsRequest{PageSize: 500, PageToken: token})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range resp.GetReports() {
			if r.GetStatus() == pb.ReportStatus_REPORT_STATUS_REPORTED { // not rectified on the spot
				ids = append(ids, r.GetId())
				category[r.GetId()] = r.GetCategory()
			}
			places = append(places, r)
		}
		if token = resp.GetNextPageToken(); token == "" {
			break
		}
	}
	if len(ids) < 30 {
		t.Fatalf("the demo street has %d reports", len(ids))
	}
	sup := d.as("supervisor")
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	assign := func(id string, days float64) {
		_, err := d.rect.AssignReport(sup, &pb.AssignReportRequest{ActionId: newID(), ReportId: id, ResponsibleUnit: "责任单位",
			Deadline: timestamppb.New(d.clock.Now().Add(time.Duration(days * 24 * float64(time.Hour))))})
		must("assign", err)
	}
	fixes := map[pb.Category]pb.Disposition{
		pb.Category_CATEGORY_SAFETY_HAZARD:        pb.Disposition_DISPOSITION_RECTIFIED,
		pb.Category_CATEGORY_POLLUTING_ENTERPRISE: pb.Disposition_DISPOSITION_SHUT_DOWN,
		pb.Category_CATEGORY_ILLEGAL_CONSTRUCTION: pb.Disposition_DISPOSITION_DEMOLISHED,
		pb.Category_CATEGORY_WATER_SOURCE_RISK:    pb.Disposition_DISPOSITION_RESOLVED,
		pb.Category_CATEGORY_DANGEROUS_HOUSE:      pb.Disposition_DISPOSITION_RENOVATED,
		pb.Category_CATEGORY_OTHER:                pb.Disposition_DISPOSITION_RESOLVED,
	}
	rectify := func(id string) {
		req := &pb.SubmitRectificationRequest{ActionId: newID(), ReportId: id, Disposition: fixes[category[id]],
			PhotoIds: []string{newID()}, Note: "已整改"}
		if category[id] == pb.Category_CATEGORY_ILLEGAL_CONSTRUCTION {
			req.DemolishedAreaSquareMeters = 50
		}
		_, err := d.rect.SubmitRectification(sup, req)
		must("rectify", err)
	}
	close := func(id string) {
		_, err := d.rect.VerifyRectification(sup, &pb.VerifyRectificationRequest{ActionId: newID(), ReportId: id, Passed: true})
		must("verify", err)
	}
	// First the cases closed long ago, whose follow-up has come by now.
	for i, id := range ids {
		if i%6 == 0 {
			assign(id, 10)
			rectify(id)
			close(id)
		}
	}
	d.clock.Advance(400 * 24 * time.Hour)
	for i, id := range ids {
		switch i % 6 {
		case 1: // due in a day: overdue once the clock moves on two days
			assign(id, 1)
		case 2: // due within three days after it moves
			assign(id, 4.5)
		case 3: // due in three weeks
			assign(id, 21)
		case 4:
			assign(id, 10)
			rectify(id)
		case 5:
			if i%12 == 5 {
				_, err := d.rect.RejectReport(sup, &pb.RejectReportRequest{ActionId: newID(), ReportId: id,
					Reason: pb.RejectionReason_REJECTION_REASON_INVALID})
				must("reject", err)
			}
		}
	}
	// New reports arrive over three days, the demo's first worker's among
	// them: the day before yesterday does not count as new, yesterday and
	// today do.
	for day := range 3 {
		for n := range 2 + day {
			r := &pb.Report{Id: newID(), Category: pb.Category_CATEGORY_OTHER, Severity: pb.Severity_SEVERITY_GENERAL,
				Description: fmt.Sprintf("第%d天新上报%d", day, n), ObservedAt: timestamppb.New(d.clock.Now().Add(-time.Hour)),
				Location: places[n*5].GetLocation(), GridId: places[n*5].GetGridId()}
			_, err := d.reports.SubmitReport(d.as("supervisor"), &pb.SubmitReportRequest{Report: r})
			must("submit", err)
		}
		d.clock.Advance(24 * time.Hour)
	}
}

// TestTheDashboardCountsWhatItsListsList: each of the desk's counts, for
// the street and for each grid, for the supervisor and for a worker, is
// the number of reports ListReports lists with the filter the count
// stands for, so that a count and the list it links to agree.
func TestTheDashboardCountsWhatItsListsList(t *testing.T) {
	d := newDemoStreet(t)
	count := func(t *testing.T, user string, req *pb.ListReportsRequest) int64 {
		t.Helper()
		var n int64
		req.PageSize = 500
		for {
			resp, err := d.reports.ListReports(d.as(user), req)
			if err != nil {
				t.Fatal(err)
			}
			n += int64(len(resp.GetReports()))
			if req.PageToken = resp.GetNextPageToken(); req.PageToken == "" {
				return n
			}
		}
	}
	for _, user := range []string{"supervisor", "worker01"} {
		t.Run(user, func(t *testing.T) {
			dash, err := d.stats.GetDashboard(d.as(user), &pb.GetDashboardRequest{})
			if err != nil {
				t.Fatal(err)
			}
			filters := func(grids []string) map[string]*pb.ListReportsRequest {
				return map[string]*pb.ListReportsRequest{
					"open":                 {OpenOnly: true, GridIds: grids},
					"overdue":              {OverdueOnly: true, GridIds: grids},
					"due_soon":             {DueWithinDays: 3, GridIds: grids},
					"pending_verification": {Statuses: []pb.ReportStatus{pb.ReportStatus_REPORT_STATUS_PENDING_VERIFICATION}, GridIds: grids},
					"follow_ups_due":       {FollowUpDue: true, GridIds: grids},
					"new_since_yesterday":  {ReceivedAfter: dash.GetNewSince(), GridIds: grids},
				}
			}
			counted := func(c *pb.DashboardCounts) map[string]int64 {
				return map[string]int64{"open": c.GetOpen(), "overdue": c.GetOverdue(), "due_soon": c.GetDueSoon(),
					"pending_verification": c.GetPendingVerification(), "follow_ups_due": c.GetFollowUpsDue(),
					"new_since_yesterday": c.GetNewSinceYesterday()}
			}
			check := func(where string, got *pb.DashboardCounts, grids []string) {
				for name, req := range filters(grids) {
					if want := count(t, user, req); counted(got)[name] != want {
						t.Errorf("%s: %s = %d, ListReports lists %d", where, name, counted(got)[name], want)
					}
				}
			}
			check("street", dash.GetTotal(), nil)
			var gridIDs []string
			for _, g := range dash.GetGrids() {
				check(g.GetGridName(), g.GetCounts(), []string{g.GetGridId()})
				gridIDs = append(gridIDs, g.GetGridId())
			}
			wantGrids := d.users[user].GridIDs
			if d.users[user].AllGrids {
				wantGrids = nil
				for _, g := range demo.Grids() {
					wantGrids = append(wantGrids, g.ID)
				}
			}
			if len(gridIDs) != len(wantGrids) {
				t.Errorf("%s's dashboard has grids %v, want %v", user, gridIDs, wantGrids)
			}
			// Every count is exercised, on the street's figures.
			if user == "supervisor" {
				for name, n := range counted(dash.GetTotal()) {
					if n == 0 {
						t.Errorf("the demo street counts no %s: the test proves nothing about it", name)
					}
				}
			}
		})
	}
	t.Run("a worker asking for another grid", func(t *testing.T) {
		other := demo.Grids()[1].ID
		_, err := d.stats.GetDashboard(d.as("worker01"), &pb.GetDashboardRequest{GridIds: []string{other}})
		wantCode(t, err, codes.PermissionDenied)
	})
}

// TestHTTP_TheDeskReadsItsCountsAndActions: GET /v1/dashboard through the
// gateway gives a worker its own grid's counts, and a report read over
// HTTP names the actions the worker may take, in the API's enum names.
func TestHTTP_TheDeskReadsItsCountsAndActions(t *testing.T) {
	s := newHTTPServer(t, roomy, server.LoginLimits{PerUsername: roomy, PerAddress: roomy, PerUsernameAllAddresses: roomy})
	token := s.login(t) // workera, of grid A
	code, _, body := s.do(t, "GET", "/v1/dashboard", token, "")
	if code != http.StatusOK {
		t.Fatalf("GET /v1/dashboard: HTTP %d %s", code, body)
	}
	var dash struct {
		Grids []struct {
			GridID, GridName string
			Counts           struct{ Open, NewSinceYesterday string }
		}
		Total    struct{ Open string }
		NewSince string
	}
	if err := json.Unmarshal([]byte(body), &dash); err != nil {
		t.Fatal(err)
	}
	if len(dash.Grids) != 1 || dash.Grids[0].GridID != gridA || dash.Grids[0].GridName != "红星村" || dash.NewSince == "" {
		t.Errorf("the worker's dashboard: %s", body)
	}
	if code, _, body := s.do(t, "GET", "/v1/dashboard?gridIds="+gridB, token, ""); code != http.StatusForbidden {
		t.Errorf("another grid's dashboard: HTTP %d %s", code, body)
	}

	id := newID()
	code, _, body = s.do(t, "POST", "/v1/reports", token, `{"id":"`+id+`","category":"CATEGORY_OTHER",
		"severity":"SEVERITY_GENERAL","description":"路灯损坏","gridId":"`+gridA+`","observedAt":"2024-03-15T08:00:00Z",
		"location":{"latitude":31.25,"longitude":118.35,"accuracyMeters":8}}`)
	if code != http.StatusOK {
		t.Fatalf("submit: HTTP %d %s", code, body)
	}
	code, _, body = s.do(t, "GET", "/v1/reports/"+id, token, "")
	if code != http.StatusOK || !strings.Contains(body, `"allowedActions":["REPORT_ACTION_COMMENT"]`) {
		t.Errorf("a worker's REPORTED case: HTTP %d %s; want allowedActions [REPORT_ACTION_COMMENT]", code, body)
	}
	code, _, body = s.do(t, "GET", "/v1/dashboard", token, "")
	if code != http.StatusOK || !strings.Contains(body, `"newSinceYesterday":"1"`) {
		t.Errorf("after a report: HTTP %d %s", code, body)
	}
}
