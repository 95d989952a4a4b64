package server_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/gridinspect/gridinspect"
	"github.com/gridinspect/gridinspect/internal/pgtest"
	"github.com/gridinspect/gridinspect/internal/storetest"
	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
	"github.com/gridinspect/gridinspect/server"
	"github.com/gridinspect/gridinspect/store"
)

// cheapPasswords keep argon2id's cost out of the tests' time.
var cheapPasswords = gridinspect.PasswordParams{MemoryKiB: 64, Time: 1, Threads: 1}

// authHarness is a real store and server with real accounts and tokens.
type authHarness struct {
	*harness
	tokens  map[string]string // username → live bearer token
	devices map[string]string // username → the device of its token
	ids     map[string]string // username → user id
	auth    pb.AuthServiceClient
}

// The accounts of the access tests: an admin, the street's supervisor, a
// supervisor of grid A only, and a worker of each grid.
var accessUsers = []struct {
	username string
	role     gridinspect.Role
	grids    []string
	all      bool
}{
	{"admin1", gridinspect.RoleAdmin, nil, true},
	{"super", gridinspect.RoleSupervisor, nil, true},
	{"supera", gridinspect.RoleSupervisor, []string{gridA}, false},
	{"workera", gridinspect.RoleWorker, []string{gridA}, false},
	{"workerb", gridinspect.RoleWorker, []string{gridB}, false},
}

const testPassword = "correct horse battery"

func newAuthHarness(t testing.TB, configure ...func(*server.Config)) *authHarness {
	t.Helper()
	h := &harness{t: t, dir: t.TempDir(), clock: &clock{now: time.Date(2024, 3, 15, 9, 0, 0, 0, time.UTC)}}
	db, err := storetest.Open(t, filepath.Join(h.dir, "gridinspect.db"), store.Options{Now: h.clock.Now, Logger: quiet, PasswordParams: cheapPasswords})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	h.db = db
	cfg := server.Serve(db)
	cfg.Now, cfg.Logger = h.clock.Now, quiet
	cfg.LoginLimits = &server.LoginLimits{PerUsername: server.Limit{Burst: 1000, Every: time.Millisecond}, PerAddress: server.Limit{Burst: 1000, Every: time.Millisecond}}
	for _, c := range configure {
		c(&cfg)
	}
	h.srv = server.New(cfg)
	lis, conn := bufListen(t)
	go func() { _ = h.srv.Serve(lis) }()
	h.conn, h.reports, h.dirs = conn, pb.NewReportServiceClient(conn), pb.NewDirectoryServiceClient(conn)
	t.Cleanup(h.stop)

	sys := gridinspect.NewContext(context.Background(), gridinspect.SystemActor())
	for _, g := range []*gridinspect.Grid{
		{ID: gridA, Name: "红星村", Boundary: boundaryOf(square(31.2, 118.3, 31.3, 118.37))},
		{ID: gridB, Name: "金石社区", Boundary: boundaryOf(square(31.2, 118.37, 31.3, 118.44))},
	} {
		if _, err := db.CreateGrid(sys, g); err != nil {
			t.Fatalf("create grid: %v", err)
		}
	}
	a := &authHarness{harness: h, tokens: map[string]string{}, devices: map[string]string{}, ids: map[string]string{}, auth: pb.NewAuthServiceClient(conn)}
	for _, u := range accessUsers {
		created, err := db.CreateUser(sys, &gridinspect.User{Username: u.username, Role: u.role, GridIDs: u.grids, AllGrids: u.all}, testPassword)
		if err != nil {
			t.Fatalf("create user %s: %v", u.username, err)
		}
		a.ids[u.username] = created.ID
		a.tokens[u.username] = a.login(u.username)
		me, err := a.auth.WhoAmI(bearer(context.Background(), a.tokens[u.username]), &pb.WhoAmIRequest{})
		if err != nil {
			t.Fatal(err)
		}
		a.devices[u.username] = me.GetDeviceId()
	}
	return a
}

func boundaryOf(polys []*pb.Polygon) gridinspect.Boundary {
	var b gridinspect.Boundary
	for _, p := range polys {
		var rings [][]gridinspect.LatLng
		for _, r := range p.GetRings() {
			var pts []gridinspect.LatLng
			for _, pt := range r.GetPoints() {
				pts = append(pts, gridinspect.LatLng{Lat: pt.GetLatitude(), Lng: pt.GetLongitude()})
			}
			rings = append(rings, pts)
		}
		b = append(b, rings)
	}
	return b
}

func (a *authHarness) login(username string) string {
	a.t.Helper()
	resp, err := a.auth.Login(context.Background(), &pb.LoginRequest{Username: username, Password: testPassword, DeviceId: newID()})
	if err != nil {
		a.t.Fatalf("login %s: %v", username, err)
	}
	return resp.GetToken()
}

// bearer returns ctx carrying token.
func bearer(ctx context.Context, token string) context.Context {
	return metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+token)
}

// pgSnapshots holds a connection per PostgreSQL database snapshot reads,
// kept for the test: a new one for each snapshot made the access table's
// test many times slower.
var pgSnapshots sync.Map

func pgSnapshotConn(t testing.TB, url string) *sql.DB {
	if db, ok := pgSnapshots.Load(url); ok {
		return db.(*sql.DB)
	}
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	pgSnapshots.Store(url, db)
	t.Cleanup(func() {
		pgSnapshots.Delete(url)
		db.Close()
	})
	return db
}

// snapshot returns every row of every table but tokens (whose last-used
// times may move on any call), to show that a refused call wrote nothing.
func snapshot(t testing.TB, path string) string {
	t.Helper()
	return dumpRows(t, path, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT IN ('tokens') ORDER BY name",
		"SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'tokens' ORDER BY 1",
		func(table string) string { return fmt.Sprintf("SELECT * FROM %q", table) })
}

// accessCase is how one RPC is called in the access matrix.
type accessCase struct {
	// pending names the issue that implements the RPC; until then only
	// authentication is checked, and the right caller gets UNIMPLEMENTED.
	pending string
	// public RPCs need no token.
	public bool
	// allowed may make the call.
	allowed string
	// denied are refused with PERMISSION_DENIED, writing nothing.
	denied []string
	// missing makes the same call about something that does not exist: a
	// caller outside the object's grid must get word for word the same
	// answer as for the object itself.
	missing func(ctx context.Context) error
	// call makes the call as whoever ctx says.
	call func(ctx context.Context) error
}

// fixtures are objects of grid A the calls act on.
type fixtures struct {
	report  *pb.Report
	photo   string // a complete photo of report
	subject string
	temp    string // a user the admin may disable
}

// unary wraps a unary call so its response is dropped.
func unary[Req, Resp any](f func(context.Context, Req, ...grpc.CallOption) (Resp, error), req Req) func(context.Context) error {
	return func(ctx context.Context) error {
		_, err := f(ctx, req)
		return err
	}
}

// uploadHeader declares a photo of reportID and sends no bytes.
func uploadHeader(c pb.SyncServiceClient, reportID string) func(context.Context) error {
	return func(ctx context.Context) error {
		s, err := c.UploadPhoto(ctx)
		if err != nil {
			return err
		}
		sum := sha256.Sum256([]byte("photo"))
		// A Send the server has already refused fails with io.EOF; the
		// refusal itself comes from CloseAndRecv.
		_ = s.Send(&pb.UploadPhotoRequest{Part: &pb.UploadPhotoRequest_Header{Header: &pb.PhotoHeader{
			PhotoId: newID(), ReportId: reportID, Sha256: hex.EncodeToString(sum[:]), SizeBytes: 5, ContentType: "image/jpeg",
		}}})
		_, err = s.CloseAndRecv()
		return err
	}
}

// clientStreamCall opens a client stream, sends nothing, and returns the
// server's answer.
func clientStreamCall[Req, Resp any](open func(context.Context, ...grpc.CallOption) (grpc.ClientStreamingClient[Req, Resp], error)) func(context.Context) error {
	return func(ctx context.Context) error {
		s, err := open(ctx)
		if err != nil {
			return err
		}
		_, err = s.CloseAndRecv()
		return err
	}
}

// serverStreamCall opens a server stream and returns the first answer.
func serverStreamCall[Req, Resp any](f func(context.Context, Req, ...grpc.CallOption) (grpc.ServerStreamingClient[Resp], error), req Req) func(context.Context) error {
	return func(ctx context.Context) error {
		s, err := f(ctx, req)
		if err != nil {
			return err
		}
		_, err = s.Recv()
		if err == io.EOF {
			return nil
		}
		return err
	}
}

// accessCases are the calls of the access matrix, made through conn.
func (a *authHarness) accessCases(fx fixtures, conn grpc.ClientConnInterface) map[string]accessCase {
	reports, dirs, auth := pb.NewReportServiceClient(conn), pb.NewDirectoryServiceClient(conn), pb.NewAuthServiceClient(conn)
	rect := pb.NewRectificationServiceClient(conn)
	syncc := pb.NewSyncServiceClient(conn)
	stats := pb.NewStatsServiceClient(conn)
	admin := pb.NewAdminServiceClient(conn)
	routing := pb.NewRoutingServiceClient(conn)
	sys := gridinspect.NewContext(context.Background(), gridinspect.SystemActor())
	doomed, err := a.db.SetRoutingRule(sys, &gridinspect.RoutingRule{Name: "其他问题", Category: gridinspect.CategoryOther,
		ResponsibleUnit: "街道综治办"})
	if err != nil {
		a.t.Fatal(err)
	}
	// The same id each time: setting it again replaces it.
	ruleID := newID()
	calendar := pb.NewCalendarServiceClient(conn)
	patrol := func(grid string) *pb.Patrol {
		start := a.clock.Now().Add(-time.Hour)
		return &pb.Patrol{Id: newID(), Kind: pb.PatrolKind_PATROL_KIND_SAFETY, GridId: grid, Participants: 2,
			StartedAt: timestamppb.New(start), EndedAt: timestamppb.New(start.Add(time.Hour))}
	}
	reportIn := func(grid string) *pb.Report {
		r := a.hazard()
		r.GridId = grid
		return r
	}
	subjectIn := func(grid string) *pb.Subject {
		return &pb.Subject{Id: newID(), Kind: pb.SubjectKind_SUBJECT_KIND_SITE, Name: "工地" + newID()[:8], GridId: grid}
	}
	workers := []string{"workera", "workerb"}
	schedules := pb.NewPatrolScheduleServiceClient(conn)
	// A schedule in force for DeletePatrolSchedule to end.
	// (sys, the system actor, from above.)
	if _, err := a.db.SetPatrolSchedule(sys, &gridinspect.PatrolSchedule{SubjectID: fx.subject, Period: gridinspect.PatrolPeriodWeek}); err != nil {
		a.t.Fatalf("set schedule: %v", err)
	}
	return map[string]accessCase{
		"/gridinspect.v1.ReportService/SubmitReport": {
			allowed: "workera", denied: []string{"workerb"},
			call: func(ctx context.Context) error {
				return unary(reports.SubmitReport, &pb.SubmitReportRequest{Report: reportIn(gridA)})(ctx)
			},
			missing: func(ctx context.Context) error {
				return unary(reports.SubmitReport, &pb.SubmitReportRequest{Report: reportIn(newID())})(ctx)
			},
		},
		"/gridinspect.v1.ReportService/GetReport": {
			allowed: "workera", denied: []string{"workerb"},
			call:    unary(reports.GetReport, &pb.GetReportRequest{Id: fx.report.GetId()}),
			missing: unary(reports.GetReport, &pb.GetReportRequest{Id: newID()}),
		},
		"/gridinspect.v1.ReportService/ListReports": {
			allowed: "workera", denied: []string{"workerb"},
			call:    unary(reports.ListReports, &pb.ListReportsRequest{GridIds: []string{gridA}}),
			missing: unary(reports.ListReports, &pb.ListReportsRequest{GridIds: []string{newID()}}),
		},
		"/gridinspect.v1.ReportService/SubmitPatrol": {
			allowed: "workera", denied: []string{"workerb"},
			call: func(ctx context.Context) error {
				return unary(reports.SubmitPatrol, &pb.SubmitPatrolRequest{Patrol: patrol(gridA)})(ctx)
			},
			missing: func(ctx context.Context) error {
				return unary(reports.SubmitPatrol, &pb.SubmitPatrolRequest{Patrol: patrol(newID())})(ctx)
			},
		},
		"/gridinspect.v1.ReportService/ListPatrols": {
			allowed: "workera", denied: []string{"workerb"},
			call:    unary(reports.ListPatrols, &pb.ListPatrolsRequest{GridIds: []string{gridA}}),
			missing: unary(reports.ListPatrols, &pb.ListPatrolsRequest{GridIds: []string{newID()}}),
		},
		"/gridinspect.v1.DirectoryService/CreateGrid": {
			allowed: "admin1", denied: []string{"super", "supera", "workera"},
			call: func(ctx context.Context) error {
				return unary(dirs.CreateGrid, &pb.CreateGridRequest{Grid: &pb.Grid{Id: newID(), Name: "新村" + newID()[:8],
					Boundary: square(31.3, 118.3, 31.35, 118.37)}})(ctx)
			},
		},
		"/gridinspect.v1.DirectoryService/GetGrid": {
			allowed: "workera", denied: []string{"workerb"},
			call:    unary(dirs.GetGrid, &pb.GetGridRequest{Id: gridA}),
			missing: unary(dirs.GetGrid, &pb.GetGridRequest{Id: newID()}),
		},
		"/gridinspect.v1.DirectoryService/ListGrids": {
			allowed: "workera",
			call:    unary(dirs.ListGrids, &pb.ListGridsRequest{}),
		},
		"/gridinspect.v1.DirectoryService/CreateUser": {
			allowed: "admin1", denied: []string{"super", "supera", "workera"},
			call: func(ctx context.Context) error {
				return unary(dirs.CreateUser, &pb.CreateUserRequest{Password: testPassword, User: &pb.User{
					Username: "u" + strings.ReplaceAll(newID()[24:], "-", ""), Role: pb.Role_ROLE_WORKER, GridIds: []string{gridA}}})(ctx)
			},
		},
		"/gridinspect.v1.DirectoryService/GetUser": {
			allowed: "supera", denied: workers[1:],
			call:    unary(dirs.GetUser, &pb.GetUserRequest{Id: a.ids["workera"]}),
			missing: unary(dirs.GetUser, &pb.GetUserRequest{Id: newID()}),
		},
		"/gridinspect.v1.DirectoryService/ListUsers": {
			allowed: "supera", denied: workers,
			call: unary(dirs.ListUsers, &pb.ListUsersRequest{GridId: gridA}),
		},
		"/gridinspect.v1.DirectoryService/UpdateUser": {
			allowed: "admin1", denied: []string{"super", "supera", "workera"},
			call: unary(dirs.UpdateUser, &pb.UpdateUserRequest{User: &pb.User{Id: fx.temp, DisplayName: "李四"}, UpdateFields: []string{"display_name"}}),
		},
		"/gridinspect.v1.DirectoryService/SetGridOrder": {
			allowed: "admin1", denied: []string{"super", "supera", "workera"},
			call: unary(dirs.SetGridOrder, &pb.SetGridOrderRequest{Id: gridA, Order: 1}),
		},
		"/gridinspect.v1.DirectoryService/DisableUser": {
			allowed: "admin1", denied: []string{"super", "supera", "workera"},
			call: unary(dirs.DisableUser, &pb.DisableUserRequest{Id: fx.temp}),
		},
		"/gridinspect.v1.DirectoryService/CreateSubject": {
			allowed: "supera", denied: []string{"workera", "workerb"},
			call: func(ctx context.Context) error {
				return unary(dirs.CreateSubject, &pb.CreateSubjectRequest{Subject: subjectIn(gridA)})(ctx)
			},
		},
		"/gridinspect.v1.DirectoryService/GetSubject": {
			allowed: "workera", denied: []string{"workerb"},
			call:    unary(dirs.GetSubject, &pb.GetSubjectRequest{Id: fx.subject}),
			missing: unary(dirs.GetSubject, &pb.GetSubjectRequest{Id: newID()}),
		},
		"/gridinspect.v1.DirectoryService/ListSubjects": {
			allowed: "workera", denied: []string{"workerb"},
			call:    unary(dirs.ListSubjects, &pb.ListSubjectsRequest{GridIds: []string{gridA}}),
			missing: unary(dirs.ListSubjects, &pb.ListSubjectsRequest{GridIds: []string{newID()}}),
		},
		"/gridinspect.v1.AuthService/Login": {
			public: true, allowed: "workera",
			call: unary(auth.Login, &pb.LoginRequest{Username: "workera", Password: testPassword, DeviceId: newID()}),
		},
		"/gridinspect.v1.AuthService/Logout": {
			allowed: "logout",
			call:    unary(auth.Logout, &pb.LogoutRequest{}),
		},
		"/gridinspect.v1.AuthService/WhoAmI": {
			allowed: "workera",
			call:    unary(auth.WhoAmI, &pb.WhoAmIRequest{}),
		},
		"/gridinspect.v1.AuthService/RevokeTokens": {
			allowed: "admin1", denied: []string{"super", "supera", "workera"},
			call: unary(auth.RevokeTokens, &pb.RevokeTokensRequest{UserId: fx.temp}),
		},
		"/gridinspect.v1.RectificationService/AssignReport": {
			allowed: "super", denied: []string{"workera", "workerb"},
			call:    unary(rect.AssignReport, &pb.AssignReportRequest{ActionId: newID(), ReportId: a.caseIn(gridinspect.StatusReported), AssigneeId: a.ids["workera"]}),
			missing: unary(rect.AssignReport, &pb.AssignReportRequest{ActionId: newID(), ReportId: newID(), AssigneeId: a.ids["workera"]}),
		},
		"/gridinspect.v1.RectificationService/RejectReport": {
			allowed: "super", denied: []string{"workera", "workerb"},
			call: unary(rect.RejectReport, &pb.RejectReportRequest{ActionId: newID(), ReportId: a.caseIn(gridinspect.StatusReported),
				Reason: pb.RejectionReason_REJECTION_REASON_INVALID}),
			missing: unary(rect.RejectReport, &pb.RejectReportRequest{ActionId: newID(), ReportId: newID(),
				Reason: pb.RejectionReason_REJECTION_REASON_INVALID}),
		},
		"/gridinspect.v1.RectificationService/RecordProgress": {
			allowed: "workera", denied: []string{"workerb"},
			call:    unary(rect.RecordProgress, &pb.RecordProgressRequest{ActionId: newID(), ReportId: a.caseIn(gridinspect.StatusAssigned)}),
			missing: unary(rect.RecordProgress, &pb.RecordProgressRequest{ActionId: newID(), ReportId: newID()}),
		},
		"/gridinspect.v1.RectificationService/IssueNotice": {
			allowed: "super", denied: []string{"workera", "workerb"},
			call: unary(rect.IssueNotice, &pb.IssueNoticeRequest{ActionId: newID(), ReportId: a.caseIn(gridinspect.StatusAssigned),
				Kind: pb.NoticeKind_NOTICE_KIND_HAZARD_NOTICE}),
			missing: unary(rect.IssueNotice, &pb.IssueNoticeRequest{ActionId: newID(), ReportId: newID(), Kind: pb.NoticeKind_NOTICE_KIND_HAZARD_NOTICE}),
		},
		"/gridinspect.v1.RectificationService/RecordInterview": {
			allowed: "super", denied: []string{"workera", "workerb"},
			call: unary(rect.RecordInterview, &pb.RecordInterviewRequest{ActionId: newID(), ReportId: a.caseIn(gridinspect.StatusAssigned),
				Interviewee: "张某"}),
			missing: unary(rect.RecordInterview, &pb.RecordInterviewRequest{ActionId: newID(), ReportId: newID(), Interviewee: "张某"}),
		},
		"/gridinspect.v1.RectificationService/SubmitRectification": {
			allowed: "workera", denied: []string{"workerb"},
			call:    unary(rect.SubmitRectification, &pb.SubmitRectificationRequest{ActionId: newID(), ReportId: a.caseIn(gridinspect.StatusAssigned)}),
			missing: unary(rect.SubmitRectification, &pb.SubmitRectificationRequest{ActionId: newID(), ReportId: newID()}),
		},
		"/gridinspect.v1.RectificationService/VerifyRectification": {
			allowed: "super", denied: []string{"workera", "workerb"},
			call: unary(rect.VerifyRectification, &pb.VerifyRectificationRequest{ActionId: newID(),
				ReportId: a.caseIn(gridinspect.StatusPendingVerification), Passed: true}),
			missing: unary(rect.VerifyRectification, &pb.VerifyRectificationRequest{ActionId: newID(), ReportId: newID(), Passed: true}),
		},
		"/gridinspect.v1.RectificationService/RecordFollowUp": {
			allowed: "workera", denied: []string{"workerb"},
			call:    unary(rect.RecordFollowUp, &pb.RecordFollowUpRequest{ActionId: newID(), ReportId: a.caseIn(gridinspect.StatusClosed)}),
			missing: unary(rect.RecordFollowUp, &pb.RecordFollowUpRequest{ActionId: newID(), ReportId: newID()}),
		},
		"/gridinspect.v1.RectificationService/CommentOnReport": {
			allowed: "workera", denied: []string{"workerb"},
			call:    unary(rect.CommentOnReport, &pb.CommentOnReportRequest{ActionId: newID(), ReportId: a.caseIn(gridinspect.StatusRejected), Note: "已核实"}),
			missing: unary(rect.CommentOnReport, &pb.CommentOnReportRequest{ActionId: newID(), ReportId: newID(), Note: "已核实"}),
		},
		"/gridinspect.v1.RectificationService/ExtendDeadline": {
			allowed: "super", denied: []string{"workera", "workerb"},
			call: unary(rect.ExtendDeadline, &pb.ExtendDeadlineRequest{ActionId: newID(), ReportId: a.caseIn(gridinspect.StatusRectifying),
				NewDeadline: timestamppb.New(a.clock.Now().Add(90 * 24 * time.Hour)), Reason: "等待设备到货"}),
			missing: unary(rect.ExtendDeadline, &pb.ExtendDeadlineRequest{ActionId: newID(), ReportId: newID(),
				NewDeadline: timestamppb.New(a.clock.Now().Add(90 * 24 * time.Hour)), Reason: "等待设备到货"}),
		},
		"/gridinspect.v1.RectificationService/ReassignReport": {
			allowed: "super", denied: []string{"workera", "workerb"},
			call: unary(rect.ReassignReport, &pb.ReassignReportRequest{ActionId: newID(), ReportId: a.caseIn(gridinspect.StatusRectifying),
				ResponsibleUnit: "街道城建办", Reason: "属城建办职责"}),
			missing: unary(rect.ReassignReport, &pb.ReassignReportRequest{ActionId: newID(), ReportId: newID(),
				ResponsibleUnit: "街道城建办", Reason: "属城建办职责"}),
		},
		"/gridinspect.v1.RectificationService/UrgeReport": {
			allowed: "super", denied: []string{"workera", "workerb"},
			call:    unary(rect.UrgeReport, &pb.UrgeReportRequest{ActionId: newID(), ReportId: a.caseIn(gridinspect.StatusAssigned), Note: "请尽快整改"}),
			missing: unary(rect.UrgeReport, &pb.UrgeReportRequest{ActionId: newID(), ReportId: newID(), Note: "请尽快整改"}),
		},
		"/gridinspect.v1.RectificationService/ReturnReport": {
			allowed: "super", denied: []string{"workera", "workerb"},
			call: unary(rect.ReturnReport, &pb.ReturnReportRequest{ActionId: newID(), ReportId: a.caseIn(gridinspect.StatusReported),
				Wants: []pb.ReturnWant{pb.ReturnWant_RETURN_WANT_PHOTO}, Note: "请补充照片"}),
			missing: unary(rect.ReturnReport, &pb.ReturnReportRequest{ActionId: newID(), ReportId: newID(),
				Wants: []pb.ReturnWant{pb.ReturnWant_RETURN_WANT_PHOTO}}),
		},
		"/gridinspect.v1.RectificationService/SupplementReport": {
			// workera reported the case (caseIn); a worker of another
			// grid is answered as for a missing case.
			allowed: "workera", denied: []string{"workerb"},
			call: unary(rect.SupplementReport, &pb.SupplementReportRequest{ActionId: newID(), ReportId: a.returnedCase(),
				Address: "长山村 3 组"}),
			missing: unary(rect.SupplementReport, &pb.SupplementReportRequest{ActionId: newID(), ReportId: newID(), Address: "长山村 3 组"}),
		},
		"/gridinspect.v1.RectificationService/GetTimeline": {
			allowed: "workera", denied: []string{"workerb"},
			call:    unary(rect.GetTimeline, &pb.GetTimelineRequest{ReportId: fx.report.GetId()}),
			missing: unary(rect.GetTimeline, &pb.GetTimelineRequest{ReportId: newID()}),
		},
		"/gridinspect.v1.SyncService/Push": {
			// workerb pushing on workera's device is refused: a device
			// belongs to the session that logged in on it.
			allowed: "workera", denied: []string{"workerb"},
			call: func(ctx context.Context) error {
				me, err := auth.WhoAmI(ctx, &pb.WhoAmIRequest{})
				if err != nil {
					return err
				}
				device := me.GetDeviceId()
				if me.GetUser().GetUsername() != "workera" {
					device = a.devices["workera"]
				}
				return unary(syncc.Push, &pb.PushRequest{DeviceId: device})(ctx)
			},
		},
		"/gridinspect.v1.SyncService/Pull": {allowed: "workera", call: unary(syncc.Pull, &pb.PullRequest{})},
		"/gridinspect.v1.SyncService/UploadPhoto": {
			allowed: "workera", denied: []string{"workerb"},
			call:    uploadHeader(syncc, fx.report.GetId()),
			missing: uploadHeader(syncc, newID()),
		},
		"/gridinspect.v1.SyncService/GetUploadStatus": {
			allowed: "workera",
			call:    unary(syncc.GetUploadStatus, &pb.GetUploadStatusRequest{PhotoId: fx.photo}),
		},
		"/gridinspect.v1.SyncService/GetThumbnail": {
			allowed: "workera", denied: []string{"workerb"},
			call:    unary(syncc.GetThumbnail, &pb.GetThumbnailRequest{PhotoId: fx.photo}),
			missing: unary(syncc.GetThumbnail, &pb.GetThumbnailRequest{PhotoId: newID()}),
		},
		"/gridinspect.v1.SyncService/DownloadPhoto": {
			allowed: "workera", denied: []string{"workerb"},
			call:    serverStreamCall(syncc.DownloadPhoto, &pb.DownloadPhotoRequest{PhotoId: fx.photo}),
			missing: serverStreamCall(syncc.DownloadPhoto, &pb.DownloadPhotoRequest{PhotoId: newID()}),
		},
		"/gridinspect.v1.SyncService/ListQuarantinedMutations": {
			allowed: "super", denied: []string{"supera", "workera"},
			call: unary(syncc.ListQuarantinedMutations, &pb.ListQuarantinedMutationsRequest{}),
		},
		"/gridinspect.v1.StatsService/GetSummary": {
			allowed: "supera", denied: []string{"workera", "workerb"},
			call: unary(stats.GetSummary, &pb.GetSummaryRequest{GridIds: []string{gridA},
				From: timestamppb.New(a.clock.Now().AddDate(0, -6, 0)), To: timestamppb.New(a.clock.Now())}),
			missing: unary(stats.GetSummary, &pb.GetSummaryRequest{GridIds: []string{newID()},
				From: timestamppb.New(a.clock.Now().AddDate(0, -6, 0)), To: timestamppb.New(a.clock.Now())}),
		},
		"/gridinspect.v1.StatsService/GetAppraisal": {
			allowed: "supera", denied: []string{"workera", "workerb"},
			call: unary(stats.GetAppraisal, &pb.GetAppraisalRequest{GridIds: []string{gridA},
				From: timestamppb.New(a.clock.Now().AddDate(0, -6, 0)), To: timestamppb.New(a.clock.Now())}),
			missing: unary(stats.GetAppraisal, &pb.GetAppraisalRequest{GridIds: []string{newID()},
				From: timestamppb.New(a.clock.Now().AddDate(0, -6, 0)), To: timestamppb.New(a.clock.Now())}),
		},
		"/gridinspect.v1.StatsService/GetDashboard": {
			allowed: "workera", denied: []string{"workerb"},
			call:    unary(stats.GetDashboard, &pb.GetDashboardRequest{GridIds: []string{gridA}}),
			missing: unary(stats.GetDashboard, &pb.GetDashboardRequest{GridIds: []string{newID()}}),
		},
		"/gridinspect.v1.StatsService/ExportReports": {
			allowed: "supera", denied: []string{"workera", "workerb"},
			call: serverStreamCall(stats.ExportReports, &pb.ExportReportsRequest{Filter: &pb.ListReportsRequest{GridIds: []string{gridA}},
				Format: pb.ExportFormat_EXPORT_FORMAT_CSV}),
		},
		"/gridinspect.v1.AdminService/Backup": {
			allowed: "admin1", denied: []string{"super", "supera", "workera"},
			call: serverStreamCall(admin.Backup, &pb.BackupRequest{}),
		},
		"/gridinspect.v1.AdminService/GetNoticeSettings": {
			allowed: "admin1", denied: []string{"super", "supera", "workera"},
			call: unary(admin.GetNoticeSettings, &pb.GetNoticeSettingsRequest{}),
		},
		"/gridinspect.v1.AdminService/SetNoticePrefix": {
			allowed: "admin1", denied: []string{"super", "supera", "workera"},
			call: unary(admin.SetNoticePrefix, &pb.SetNoticePrefixRequest{Kind: pb.NoticeKind_NOTICE_KIND_HAZARD_NOTICE,
				Prefix: "江南街安告"}),
		},
		"/gridinspect.v1.RoutingService/SetRoutingRule": {
			allowed: "admin1", denied: []string{"super", "supera", "workera"},
			call: unary(routing.SetRoutingRule, &pb.SetRoutingRuleRequest{Rule: &pb.RoutingRule{Id: ruleID, Name: "东村危房",
				Category: pb.Category_CATEGORY_DANGEROUS_HOUSE, GridId: gridA, ResponsibleUnit: "街道规建办"}}),
		},
		"/gridinspect.v1.RoutingService/ListRoutingRules": {
			allowed: "admin1", denied: []string{"super", "supera", "workera"},
			call: unary(routing.ListRoutingRules, &pb.ListRoutingRulesRequest{}),
		},
		"/gridinspect.v1.RoutingService/DeleteRoutingRule": {
			allowed: "admin1", denied: []string{"super", "supera", "workera"},
			call: unary(routing.DeleteRoutingRule, &pb.DeleteRoutingRuleRequest{RuleId: doomed.ID}),
		},
		"/gridinspect.v1.RoutingService/SuggestDispatch": {
			allowed: "supera", denied: []string{"workera", "workerb"},
			call:    unary(routing.SuggestDispatch, &pb.SuggestDispatchRequest{ReportId: fx.report.GetId()}),
			missing: unary(routing.SuggestDispatch, &pb.SuggestDispatchRequest{ReportId: newID()}),
		},
		"/gridinspect.v1.PatrolScheduleService/SetPatrolSchedule": {
			allowed: "supera", denied: workers,
			call: unary(schedules.SetPatrolSchedule, &pb.SetPatrolScheduleRequest{Schedule: &pb.PatrolSchedule{
				GridId: gridA, Period: pb.PatrolPeriod_PATROL_PERIOD_WEEK}}),
			missing: unary(schedules.SetPatrolSchedule, &pb.SetPatrolScheduleRequest{Schedule: &pb.PatrolSchedule{
				GridId: newID(), Period: pb.PatrolPeriod_PATROL_PERIOD_WEEK}}),
		},
		"/gridinspect.v1.PatrolScheduleService/ListPatrolSchedules": {
			allowed: "workera", denied: []string{"workerb"},
			call:    unary(schedules.ListPatrolSchedules, &pb.ListPatrolSchedulesRequest{GridIds: []string{gridA}}),
			missing: unary(schedules.ListPatrolSchedules, &pb.ListPatrolSchedulesRequest{GridIds: []string{newID()}}),
		},
		"/gridinspect.v1.PatrolScheduleService/DeletePatrolSchedule": {
			allowed: "supera", denied: workers,
			call:    unary(schedules.DeletePatrolSchedule, &pb.DeletePatrolScheduleRequest{SubjectId: fx.subject}),
			missing: unary(schedules.DeletePatrolSchedule, &pb.DeletePatrolScheduleRequest{SubjectId: newID()}),
		},
		"/gridinspect.v1.PatrolScheduleService/ListDuePatrols": {
			allowed: "workera", denied: []string{"workerb"},
			call:    unary(schedules.ListDuePatrols, &pb.ListDuePatrolsRequest{GridIds: []string{gridA}}),
			missing: unary(schedules.ListDuePatrols, &pb.ListDuePatrolsRequest{GridIds: []string{newID()}}),
		},
		"/gridinspect.v1.CalendarService/ListCalendarExceptions": {
			allowed: "workera",
			call:    unary(calendar.ListCalendarExceptions, &pb.ListCalendarExceptionsRequest{Year: 2026}),
		},
		"/gridinspect.v1.CalendarService/SetCalendarExceptions": {
			allowed: "admin1", denied: []string{"super", "supera", "workera"},
			call: unary(calendar.SetCalendarExceptions, &pb.SetCalendarExceptionsRequest{Year: 2026, Exceptions: []*pb.CalendarException{
				{Date: "2026-10-01", Kind: pb.DayKind_DAY_KIND_HOLIDAY, Name: "国庆节"}}}),
		},
		"/gridinspect.v1.CalendarService/CountWorkingDays": {
			allowed: "workera",
			call:    unary(calendar.CountWorkingDays, &pb.CountWorkingDaysRequest{From: "2026-09-30", To: "2026-10-09"}),
		},
		"/gridinspect.v1.CalendarService/AddWorkingDays": {
			allowed: "workera",
			call:    unary(calendar.AddWorkingDays, &pb.AddWorkingDaysRequest{From: "2026-09-30", WorkingDays: 5}),
		},
		"/gridinspect.v1.AdminService/Echo": {
			allowed: "workera",
			call:    unary(admin.Echo, &pb.EchoRequest{Payload: []byte("ping")}),
		},
	}
}

// TestEveryRPCChecksWhoIsCalling walks every RPC of every service in the
// API, found from the proto descriptors, so a new RPC cannot be added
// without saying here who may call it.
// TestEveryRPCChecksWhoIsCalling runs the access matrix over gRPC, and
// over HTTP/JSON, which must give the same verdicts: an HTTP call goes
// through the very same server. (Streaming RPCs have HTTP handlers of
// their own, checked apart.)
func TestEveryRPCChecksWhoIsCalling(t *testing.T) {
	t.Run("gRPC", func(t *testing.T) {
		a := newAuthHarness(t)
		checkWhoIsCalling(t, a, a.conn, false)
	})
	t.Run("HTTP", func(t *testing.T) {
		a := newAuthHarness(t)
		checkWhoIsCalling(t, a, a.httpConn(), true)
	})
}

func checkWhoIsCalling(t *testing.T, a *authHarness, conn grpc.ClientConnInterface, unaryOnly bool) {
	sys := gridinspect.NewContext(context.Background(), gridinspect.SystemActor())
	fx := fixtures{report: a.mustSubmitAs("workera", a.hazard())}
	fx.photo = a.mustUploadPhoto("workera", fx.report.GetId(), []byte{0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3})
	sub, err := a.db.CreateSubject(sys, &gridinspect.Subject{ID: newID(), Kind: gridinspect.SubjectKindSite, Name: "长山矿坑", GridID: gridA})
	if err != nil {
		t.Fatal(err)
	}
	fx.subject = sub.ID
	temp, err := a.db.CreateUser(sys, &gridinspect.User{Username: "temp", Role: gridinspect.RoleWorker, GridIDs: []string{gridA}}, testPassword)
	if err != nil {
		t.Fatal(err)
	}
	fx.temp = temp.ID

	// A token that was revoked: logged in on a second device, then out.
	revoked := a.login("workera")
	if _, err := a.auth.Logout(bearer(context.Background(), revoked), &pb.LogoutRequest{}); err != nil {
		t.Fatalf("logout: %v", err)
	}
	cases := a.accessCases(fx, conn)

	var methods []string
	protoregistry.GlobalFiles.RangeFilesByPackage("gridinspect.v1", func(f protoreflect.FileDescriptor) bool {
		for i := 0; i < f.Services().Len(); i++ {
			s := f.Services().Get(i)
			for j := 0; j < s.Methods().Len(); j++ {
				if md := s.Methods().Get(j); unaryOnly && (md.IsStreamingClient() || md.IsStreamingServer()) {
					continue
				}
				methods = append(methods, fmt.Sprintf("/%s/%s", s.FullName(), s.Methods().Get(j).Name()))
			}
		}
		return true
	})
	if len(methods) < 30 {
		t.Fatalf("found only %d RPCs in the descriptors", len(methods))
	}
	for _, m := range methods {
		c, ok := cases[m]
		if !ok {
			t.Errorf("%s is missing from the access table: say who may call it", m)
			continue
		}
		t.Run(strings.TrimPrefix(m, "/gridinspect.v1."), func(t *testing.T) {
			ctx := context.Background()
			if !c.public {
				for _, who := range []struct{ name, token string }{{"no token", ""}, {"a revoked token", revoked}, {"a made-up token", "gi_made-up"}} {
					before := snapshot(t, a.db.Path())
					callCtx := ctx
					if who.token != "" {
						callCtx = bearer(ctx, who.token)
					}
					if code := status.Code(c.call(callCtx)); code != codes.Unauthenticated {
						t.Errorf("with %s: code %v, want Unauthenticated", who.name, code)
					}
					if after := snapshot(t, a.db.Path()); after != before {
						t.Errorf("with %s: the database changed", who.name)
					}
				}
			}
			for _, user := range c.denied {
				before := snapshot(t, a.db.Path())
				err := c.call(bearer(ctx, a.tokens[user]))
				if code := status.Code(err); code != codes.PermissionDenied {
					t.Errorf("as %s: code %v (%v), want PermissionDenied", user, code, err)
				}
				if after := snapshot(t, a.db.Path()); after != before {
					t.Errorf("as %s: the database changed", user)
				}
				// Only a caller outside grid A must not tell its cases from
				// missing ones; workera sees them anyway, and is told why
				// its role may not act.
				// A denied call that succeeded is reported above; comparing
				// its nil error would panic and abort the package.
				if c.missing != nil && user == "workerb" && err != nil {
					if errMissing := c.missing(bearer(ctx, a.tokens[user])); errMissing == nil || errMissing.Error() != err.Error() {
						t.Errorf("as %s: refusal %v differs from the answer about nothing %v", user, err, errMissing)
					}
				}
			}
			token := a.tokens[c.allowed]
			if c.allowed == "logout" {
				token = a.login("workera")
			}
			err := c.call(bearer(ctx, token))
			switch code := status.Code(err); {
			case pgtest.Postgres() && m == "/gridinspect.v1.AdminService/Backup" && code == codes.FailedPrecondition:
				// Allowed; a PostgreSQL database is backed up with pg_dump.
			case c.pending != "" && code == codes.Unimplemented:
				t.Logf("not implemented yet (issue %s)", c.pending)
			case c.pending != "":
				t.Errorf("as %s: %v; the table says this RPC is pending issue %s: update the table", c.allowed, err, c.pending)
			case err != nil:
				t.Errorf("as %s: %v, want it allowed", c.allowed, err)
			}
		})
	}
}

// caseIn returns a new case of grid A brought to status by the server's
// own actor, for an access test to act on.
// returnedCase returns a new case of workera's returned to it for more
// (退回补充), waiting for its supplement.
func (a *authHarness) returnedCase() string {
	a.t.Helper()
	id := a.caseIn(gridinspect.StatusReported)
	sys := gridinspect.NewContext(context.Background(), gridinspect.SystemActor())
	if _, _, err := a.db.Act(sys, &gridinspect.Action{ID: newID(), ReportID: id, Type: gridinspect.EventReportReturned,
		Data: gridinspect.EventData{Return: &gridinspect.ReturnRequest{Wants: []gridinspect.ReturnWant{gridinspect.ReturnWantAddress}}}},
		gridinspect.Online); err != nil {
		a.t.Fatalf("return case for more: %v", err)
	}
	return id
}

func (a *authHarness) caseIn(status gridinspect.Status) string {
	a.t.Helper()
	r := a.hazard()
	if status == gridinspect.StatusPendingVerification {
		r.RectifiedOnSpot = true
	}
	id := a.mustSubmitAs("workera", r).GetId()
	sys := gridinspect.NewContext(context.Background(), gridinspect.SystemActor())
	do := func(typ gridinspect.EventType, data gridinspect.EventData) {
		a.t.Helper()
		if _, _, err := a.db.Act(sys, &gridinspect.Action{ID: newID(), ReportID: id, Type: typ, Data: data}, gridinspect.Online); err != nil {
			a.t.Fatalf("bring case to %s: %v", status, err)
		}
	}
	assign := gridinspect.EventData{Assignment: &gridinspect.Assignment{AssigneeID: a.ids["workera"]}}
	switch status {
	case gridinspect.StatusAssigned:
		do(gridinspect.EventReportAssigned, assign)
	case gridinspect.StatusRectifying:
		do(gridinspect.EventReportAssigned, assign)
		do(gridinspect.EventProgressRecorded, gridinspect.EventData{})
	case gridinspect.StatusClosed:
		do(gridinspect.EventReportAssigned, assign)
		do(gridinspect.EventRectificationSubmitted, gridinspect.EventData{})
		do(gridinspect.EventRectificationVerified, gridinspect.EventData{Verification: &gridinspect.Verification{Passed: true}})
	case gridinspect.StatusRejected:
		do(gridinspect.EventReportRejected, gridinspect.EventData{Rejection: &gridinspect.Rejection{Reason: gridinspect.RejectionInvalid}})
	}
	return id
}

// mustUploadPhoto uploads data, in one chunk, as a photo of reportID.
func (a *authHarness) mustUploadPhoto(user, reportID string, data []byte) string {
	a.t.Helper()
	sum := sha256.Sum256(data)
	id := newID()
	s, err := pb.NewSyncServiceClient(a.conn).UploadPhoto(bearer(context.Background(), a.tokens[user]))
	if err != nil {
		a.t.Fatal(err)
	}
	for _, msg := range []*pb.UploadPhotoRequest{
		{Part: &pb.UploadPhotoRequest_Header{Header: &pb.PhotoHeader{PhotoId: id, ReportId: reportID,
			Sha256: hex.EncodeToString(sum[:]), SizeBytes: int64(len(data)), ContentType: "image/jpeg"}}},
		{Part: &pb.UploadPhotoRequest_Chunk{Chunk: &pb.PhotoChunk{Data: data}}},
	} {
		if err := s.Send(msg); err != nil {
			a.t.Fatalf("upload: %v", err)
		}
	}
	resp, err := s.CloseAndRecv()
	if err != nil || !resp.GetComplete() {
		a.t.Fatalf("upload = %v, %v; want complete", resp, err)
	}
	return id
}

func (a *authHarness) mustSubmitAs(user string, r *pb.Report) *pb.Report {
	a.t.Helper()
	resp, err := a.reports.SubmitReport(bearer(context.Background(), a.tokens[user]), &pb.SubmitReportRequest{Report: r})
	if err != nil {
		a.t.Fatalf("submit as %s: %v", user, err)
	}
	return resp.GetReport()
}
