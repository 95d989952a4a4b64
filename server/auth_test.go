package server_test

import (
	"context"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/gridinspect/gridinspect"
	"github.com/gridinspect/gridinspect/internal/storetest"
	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
	"github.com/gridinspect/gridinspect/server"
	"github.com/gridinspect/gridinspect/store"
)

func TestLoginGivesATokenThatWorksUntilLogout(t *testing.T) {
	a := newAuthHarness(t)
	resp, err := a.auth.Login(context.Background(), &pb.LoginRequest{Username: "workera", Password: testPassword, DeviceId: "phone-1"})
	if err != nil {
		t.Fatalf("login: %v", err)
	}
	if resp.GetUser().GetUsername() != "workera" || resp.GetExpiresAt() == nil {
		t.Errorf("login = %v; want the user and an expiry", resp)
	}
	ctx := bearer(context.Background(), resp.GetToken())
	me, err := a.auth.WhoAmI(ctx, &pb.WhoAmIRequest{})
	if err != nil {
		t.Fatalf("whoami: %v", err)
	}
	if me.GetUser().GetRole() != pb.Role_ROLE_WORKER || len(me.GetUser().GetGridIds()) != 1 || me.GetUser().GetGridIds()[0] != gridA || me.GetDeviceId() != "phone-1" {
		t.Errorf("whoami = %v; want worker of grid A on phone-1", me)
	}
	if _, err := a.auth.Logout(ctx, &pb.LogoutRequest{}); err != nil {
		t.Fatalf("logout: %v", err)
	}
	_, err = a.auth.WhoAmI(ctx, &pb.WhoAmIRequest{})
	wantCode(t, err, codes.Unauthenticated)
	// The user's other sessions go on.
	if _, err := a.auth.WhoAmI(bearer(context.Background(), a.tokens["workera"]), &pb.WhoAmIRequest{}); err != nil {
		t.Errorf("the other session: %v", err)
	}
}

func TestAnUnknownUserAndAWrongPasswordGetTheSameAnswer(t *testing.T) {
	a := newAuthHarness(t)
	login := func(user, password string) error {
		_, err := a.auth.Login(context.Background(), &pb.LoginRequest{Username: user, Password: password, DeviceId: "phone"})
		return err
	}
	wrong := login("workera", "not the password")
	unknown := login("nobody", "not the password")
	wantCode(t, wrong, codes.Unauthenticated)
	if wrong.Error() != unknown.Error() {
		t.Errorf("wrong password: %v\nunknown user: %v\nwant identical answers", wrong, unknown)
	}
	sys := gridinspect.NewContext(context.Background(), gridinspect.SystemActor())
	if _, err := a.db.DisableUser(sys, a.ids["workerb"]); err != nil {
		t.Fatal(err)
	}
	if disabled := login("workerb", testPassword); disabled == nil || disabled.Error() != wrong.Error() {
		t.Errorf("disabled user: %v; want the same answer as a wrong password", disabled)
	}
}

func TestLoginAttemptsAreLimited(t *testing.T) {
	h := &harness{t: t, dir: t.TempDir(), clock: &clock{now: time.Date(2024, 3, 15, 9, 0, 0, 0, time.UTC)}}
	db, err := storetest.Open(t, h.dir+"/gridinspect.db", store.Options{Now: h.clock.Now, Logger: quiet, PasswordParams: cheapPasswords})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close(context.Background()) })
	cfg := server.Serve(db)
	cfg.Now, cfg.Logger = h.clock.Now, quiet
	cfg.LoginLimits = &server.LoginLimits{
		PerUsername: server.Limit{Burst: 3, Every: time.Minute},
		PerAddress:  server.Limit{Burst: 5, Every: time.Minute},
	}
	srv := server.New(cfg)
	lis, conn := bufListen(t)
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(func() { srv.Shutdown(context.Background()) })
	auth := pb.NewAuthServiceClient(conn)
	login := func(user string) codes.Code {
		_, err := auth.Login(context.Background(), &pb.LoginRequest{Username: user, Password: "guess", DeviceId: "phone"})
		return wantCodeOf(err)
	}
	for i := 0; i < 3; i++ {
		if code := login("workera"); code != codes.Unauthenticated {
			t.Fatalf("attempt %d: %v, want Unauthenticated", i+1, code)
		}
	}
	if code := login("workera"); code != codes.ResourceExhausted {
		t.Errorf("4th attempt on one username: %v, want ResourceExhausted", code)
	}
	// Another username from the same address: two more before the
	// address's limit of five is spent too (a refused attempt costs
	// nothing).
	if c1, c2, c3 := login("workerb"), login("workerc"), login("workerd"); c1 != codes.Unauthenticated || c2 != codes.Unauthenticated || c3 != codes.ResourceExhausted {
		t.Errorf("other usernames from the same address: %v %v %v; want Unauthenticated twice, then ResourceExhausted", c1, c2, c3)
	}
	h.clock.Advance(time.Minute)
	if code := login("workerb"); code != codes.Unauthenticated {
		t.Errorf("a minute later: %v, want a new attempt allowed", code)
	}
}

func TestATokenStopsWorkingWhenItExpires(t *testing.T) {
	a := newAuthHarness(t)
	ctx := bearer(context.Background(), a.tokens["workera"])
	if _, err := a.auth.WhoAmI(ctx, &pb.WhoAmIRequest{}); err != nil {
		t.Fatalf("fresh token: %v", err)
	}
	a.clock.Advance(store.DefaultTokenTTL + time.Second)
	_, err := a.auth.WhoAmI(ctx, &pb.WhoAmIRequest{})
	wantCode(t, err, codes.Unauthenticated)
}

func TestRevocationAndDisablingTakeEffectOnTheNextCall(t *testing.T) {
	a := newAuthHarness(t)
	admin := bearer(context.Background(), a.tokens["admin1"])
	workerA := bearer(context.Background(), a.tokens["workera"])
	workerB := bearer(context.Background(), a.tokens["workerb"])
	for _, ctx := range []context.Context{workerA, workerB} { // warm any cache
		if _, err := a.auth.WhoAmI(ctx, &pb.WhoAmIRequest{}); err != nil {
			t.Fatal(err)
		}
	}
	if resp, err := a.auth.RevokeTokens(admin, &pb.RevokeTokensRequest{UserId: a.ids["workera"]}); err != nil || resp.GetRevoked() != 1 {
		t.Fatalf("revoke = %v, %v; want 1 revoked", resp, err)
	}
	_, err := a.auth.WhoAmI(workerA, &pb.WhoAmIRequest{})
	wantCode(t, err, codes.Unauthenticated)

	if _, err := a.dirs.DisableUser(admin, &pb.DisableUserRequest{Id: a.ids["workerb"]}); err != nil {
		t.Fatalf("disable: %v", err)
	}
	_, err = a.reports.ListReports(workerB, &pb.ListReportsRequest{})
	wantCode(t, err, codes.Unauthenticated)
}

func TestAMoveToAnotherGridAppliesOnTheNextCall(t *testing.T) {
	a := newAuthHarness(t)
	a.mustSubmitAs("workera", a.hazard())
	admin := bearer(context.Background(), a.tokens["admin1"])
	worker := bearer(context.Background(), a.tokens["workera"])
	if _, err := a.reports.ListReports(worker, &pb.ListReportsRequest{GridIds: []string{gridA}}); err != nil {
		t.Fatal(err)
	}
	_, err := a.dirs.UpdateUser(admin, &pb.UpdateUserRequest{User: &pb.User{Id: a.ids["workera"], GridIds: []string{gridB}}, UpdateFields: []string{"grid_ids"}})
	if err != nil {
		t.Fatalf("move worker: %v", err)
	}
	_, err = a.reports.ListReports(worker, &pb.ListReportsRequest{GridIds: []string{gridA}})
	wantCode(t, err, codes.PermissionDenied)
	r := a.hazard()
	r.GridId, r.Location = gridB, inB
	if _, err := a.reports.SubmitReport(worker, &pb.SubmitReportRequest{Report: r}); err != nil {
		t.Errorf("submit in the new grid: %v", err)
	}
}

func TestServerSetFieldsCannotWidenAWorkersScope(t *testing.T) {
	a := newAuthHarness(t)
	r := a.hazard()
	r.ReporterId = a.ids["admin1"]
	r.Status = pb.ReportStatus_REPORT_STATUS_CLOSED
	r.Deadline = timestamppb.New(a.clock.Now())
	got := a.mustSubmitAs("workera", r)
	if got.GetReporterId() != a.ids["workera"] || got.GetStatus() != pb.ReportStatus_REPORT_STATUS_REPORTED || got.GetDeadline() != nil {
		t.Errorf("stored %v; server-set fields must come from the server", got)
	}
}

func wantCodeOf(err error) codes.Code {
	st, _ := statusOf(err)
	return st
}
