package server_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/gridinspect/gridinspect"
	"github.com/gridinspect/gridinspect/internal/export"
	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

// Street 2 of the district tests: grid C, away from street 1's grids.
var (
	gridC = "01900000-0000-7000-8000-0000000000c2"
	inC   = &pb.Location{Latitude: 31.55, Longitude: 118.65, AccuracyMeters: 8, Address: "南村1组"}
)

// districtHarness is the access harness's street (street 1), a second
// street with cases of its own in grid C, and a district account "qu"
// (of street 1) given both streets.
type districtHarness struct {
	*authHarness
}

func newDistrictHarness(t *testing.T) *districtHarness {
	t.Helper()
	a := newAuthHarness(t)
	ctx := context.Background()
	if _, password, err := a.db.CreateStreet(ctx, "西街道", "admin2"); err != nil {
		t.Fatal(err)
	} else {
		resp, err := a.auth.Login(ctx, &pb.LoginRequest{Username: "admin2", Password: password, DeviceId: newID()})
		if err != nil {
			t.Fatal(err)
		}
		a.tokens["admin2"] = resp.GetToken()
	}
	admin2 := bearer(ctx, a.tokens["admin2"])
	if _, err := a.dirs.CreateGrid(admin2, &pb.CreateGridRequest{Grid: &pb.Grid{Id: gridC, Name: "南村",
		Kind: pb.GridKind_GRID_KIND_VILLAGE, Boundary: square(31.5, 118.6, 31.6, 118.7)}}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.dirs.CreateUser(bearer(ctx, a.tokens["admin1"]), &pb.CreateUserRequest{User: &pb.User{Username: "qu",
		DisplayName: "区应急管理局", Role: pb.Role_ROLE_DISTRICT}, Password: testPassword}); err != nil {
		t.Fatal(err)
	}
	if err := a.db.SetDistrictStreets(ctx, "qu", []int64{1, 2}); err != nil {
		t.Fatal(err)
	}
	a.tokens["qu"] = a.login("qu")
	// Two cases in street 1, three in street 2.
	for range 2 {
		a.mustSubmitAs("workera", a.hazard())
	}
	for range 3 {
		r := a.hazard()
		r.Location, r.GridId = inC, gridC
		a.mustSubmitAs("admin2", r)
	}
	return &districtHarness{authHarness: a}
}

// summary returns the loop of the half-year to now as user, of streets.
func (d *districtHarness) summary(user string, streets ...int64) (*pb.LoopSummary, error) {
	resp, err := pb.NewStatsServiceClient(d.conn).GetSummary(bearer(context.Background(), d.tokens[user]), &pb.GetSummaryRequest{
		From: timestamppb.New(d.clock.Now().AddDate(0, -6, 0)), To: timestamppb.New(d.clock.Now()), StreetIds: streets})
	return resp.GetSummary().GetLoop(), err
}

func TestDistrict_ADistrictAccountSeesTheSumOfItsStreetsSummaries(t *testing.T) {
	d := newDistrictHarness(t)
	one, err := d.summary("admin1")
	if err != nil {
		t.Fatal(err)
	}
	two, err := d.summary("admin2")
	if err != nil {
		t.Fatal(err)
	}
	if one.GetReported() != 2 || two.GetReported() != 3 {
		t.Fatalf("streets report %d and %d cases, want 2 and 3", one.GetReported(), two.GetReported())
	}
	for _, c := range []struct {
		name    string
		streets []int64
		want    int64
	}{
		{"all of its streets", nil, 5},
		{"both named", []int64{2, 1}, 5},
		{"street 2", []int64{2}, 3},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := d.summary("qu", c.streets...)
			if err != nil {
				t.Fatal(err)
			}
			if got.GetReported() != c.want || got.GetOpen() != c.want {
				t.Errorf("reported %d, open %d; want %d each", got.GetReported(), got.GetOpen(), c.want)
			}
		})
	}
	dash, err := pb.NewStatsServiceClient(d.conn).GetDashboard(bearer(context.Background(), d.tokens["qu"]), &pb.GetDashboardRequest{})
	if err != nil || dash.GetTotal().GetOpen() != 5 || len(dash.GetGrids()) != 3 {
		t.Errorf("dashboard: %d open in %d grids (%v), want 5 in 3", dash.GetTotal().GetOpen(), len(dash.GetGrids()), err)
	}
}

// Every per-grid row of the statistics says the street of its grid, a
// district account's of several streets street by street, so that two
// streets' grids of one name can be told apart.
func TestDistrict_EveryGridRowOfTheStatisticsSaysItsStreet(t *testing.T) {
	d := newDistrictHarness(t)
	stats := pb.NewStatsServiceClient(d.conn)
	for _, c := range []struct {
		user string
		want string // grid:street, …, in the rows' order
	}{
		{"qu", gridA + ":1, " + gridB + ":1, " + gridC + ":2"},
		{"admin1", gridA + ":1, " + gridB + ":1"},
		{"admin2", gridC + ":2"},
	} {
		t.Run(c.user, func(t *testing.T) {
			ctx := bearer(context.Background(), d.tokens[c.user])
			from, to := timestamppb.New(d.clock.Now().AddDate(0, -6, 0)), timestamppb.New(d.clock.Now())
			sum, err := stats.GetSummary(ctx, &pb.GetSummaryRequest{From: from, To: to})
			if err != nil {
				t.Fatal(err)
			}
			ap, err := stats.GetAppraisal(ctx, &pb.GetAppraisalRequest{From: from, To: to})
			if err != nil {
				t.Fatal(err)
			}
			dash, err := stats.GetDashboard(ctx, &pb.GetDashboardRequest{})
			if err != nil {
				t.Fatal(err)
			}
			rows := map[string][]string{}
			for _, g := range sum.GetSummary().GetByGrid() {
				rows["summary"] = append(rows["summary"], fmt.Sprintf("%s:%d", g.GetGridId(), g.GetStreetId()))
			}
			for _, g := range ap.GetAppraisal().GetGrids() {
				rows["appraisal"] = append(rows["appraisal"], fmt.Sprintf("%s:%d", g.GetGridId(), g.GetStreetId()))
			}
			for _, g := range dash.GetGrids() {
				rows["dashboard"] = append(rows["dashboard"], fmt.Sprintf("%s:%d", g.GetGridId(), g.GetStreetId()))
			}
			for _, what := range []string{"summary", "appraisal", "dashboard"} {
				if got := strings.Join(rows[what], ", "); got != c.want {
					t.Errorf("%s's grid rows %s, want %s", what, got, c.want)
				}
			}
		})
	}
}

// An export of several streets' cases has a 街道 column before 网格, so
// that two streets' grids of one name can be told apart; an export of one
// street's is as it always was.
func TestDistrict_AnExportOfSeveralStreetsSaysEachCasesStreet(t *testing.T) {
	d := newDistrictHarness(t)
	withStreet := append(slices.Clone(export.Columns[:slices.Index(export.Columns, "网格")]), "街道")
	withStreet = append(withStreet, export.Columns[slices.Index(export.Columns, "网格"):]...)
	for _, c := range []struct {
		user      string
		streets   []int64
		header    []string
		streetsOf string // the 街道 of the rows, counted ("西街道×3")
	}{
		{"qu", nil, withStreet, "街道 1×2 西街道×3"},
		{"qu", []int64{2, 1}, withStreet, "街道 1×2 西街道×3"},
		{"qu", []int64{2, 2}, export.Columns, ""},
		{"qu", []int64{1}, export.Columns, ""},
		{"admin2", nil, export.Columns, ""},
	} {
		t.Run(fmt.Sprint(c.user, c.streets), func(t *testing.T) {
			stream, err := pb.NewStatsServiceClient(d.conn).ExportReports(bearer(context.Background(), d.tokens[c.user]),
				&pb.ExportReportsRequest{Format: pb.ExportFormat_EXPORT_FORMAT_CSV, StreetIds: c.streets})
			if err != nil {
				t.Fatal(err)
			}
			var file bytes.Buffer
			for {
				msg, err := stream.Recv()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				file.Write(msg.GetData())
			}
			rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(file.String(), "\ufeff"))).ReadAll()
			if err != nil || len(rows) == 0 {
				t.Fatalf("not a CSV file (%v): %.300s", err, file.String())
			}
			if !slices.Equal(rows[0], c.header) {
				t.Errorf("header %v, want %v", rows[0], c.header)
			}
			col := slices.Index(rows[0], "街道")
			counts := map[string]int{}
			for _, r := range rows[1:] {
				if col >= 0 {
					counts[r[col]]++
				}
			}
			var got []string
			for _, name := range slices.Sorted(maps.Keys(counts)) {
				got = append(got, fmt.Sprintf("%s×%d", name, counts[name]))
			}
			if strings.Join(got, " ") != c.streetsOf {
				t.Errorf("the rows' streets %q, want %q", strings.Join(got, " "), c.streetsOf)
			}
		})
	}
}

// Every per-worker row of the appraisal says the worker's street, and a
// district account's rows are its streets' rows one street after the
// other, so two streets' namesakes can be told apart.
func TestDistrict_EveryWorkerRowOfTheAppraisalSaysItsStreet(t *testing.T) {
	d := newDistrictHarness(t)
	stats := pb.NewStatsServiceClient(d.conn)
	rows := func(user string) string {
		t.Helper()
		ctx := bearer(context.Background(), d.tokens[user])
		from, to := timestamppb.New(d.clock.Now().AddDate(0, -6, 0)), timestamppb.New(d.clock.Now())
		ap, err := stats.GetAppraisal(ctx, &pb.GetAppraisalRequest{From: from, To: to})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, w := range ap.GetAppraisal().GetWorkers() {
			out = append(out, fmt.Sprintf("%s:%d", w.GetUserId(), w.GetStreetId()))
		}
		return strings.Join(out, ", ")
	}
	one, two := rows("admin1"), rows("admin2")
	if one == "" || two == "" || strings.Contains(one, ":0") || strings.Contains(two, ":0") ||
		strings.Contains(one, ":2") || strings.Contains(two, ":1") {
		t.Fatalf("street 1's workers %s, street 2's %s: want each row with its own street", one, two)
	}
	if got, want := rows("qu"), one+", "+two; got != want {
		t.Errorf("the district's workers %s, want %s", got, want)
	}
}

func TestDistrict_AStreetNotItsOwnIsPermissionDenied(t *testing.T) {
	d := newDistrictHarness(t)
	if _, _, err := d.db.CreateStreet(context.Background(), "北街道", "admin3"); err != nil {
		t.Fatal(err)
	}
	stats := pb.NewStatsServiceClient(d.conn)
	from, to := timestamppb.New(d.clock.Now().AddDate(0, -6, 0)), timestamppb.New(d.clock.Now())
	for _, c := range []struct {
		user    string
		streets []int64
	}{
		{"qu", []int64{3}},
		{"qu", []int64{1, 3}},
		{"qu", []int64{99}},
		{"admin1", []int64{2}}, // anyone else: only its own street
		{"super", []int64{2}},
	} {
		ctx := bearer(context.Background(), d.tokens[c.user])
		for name, call := range map[string]func() error{
			"GetSummary": func() error {
				_, err := stats.GetSummary(ctx, &pb.GetSummaryRequest{From: from, To: to, StreetIds: c.streets})
				return err
			},
			"GetAppraisal": func() error {
				_, err := stats.GetAppraisal(ctx, &pb.GetAppraisalRequest{From: from, To: to, StreetIds: c.streets})
				return err
			},
			"GetDashboard": func() error {
				_, err := stats.GetDashboard(ctx, &pb.GetDashboardRequest{StreetIds: c.streets})
				return err
			},
			"ExportReports": func() error {
				return serverStreamCall(stats.ExportReports, &pb.ExportReportsRequest{StreetIds: c.streets,
					Format: pb.ExportFormat_EXPORT_FORMAT_CSV})(ctx)
			},
		} {
			if code := status.Code(call()); code != codes.PermissionDenied {
				t.Errorf("%s as %s of streets %v: %v, want PermissionDenied", name, c.user, c.streets, code)
			}
		}
	}
}

// TestDistrict_EveryOtherRPCAndEveryWriteIsPermissionDenied walks the
// access table's calls (every RPC of the API) as the district account:
// the statistics answer, Logout and WhoAmI are its own session, and
// everything else is refused before it is done, the database unchanged.
func TestDistrict_EveryOtherRPCAndEveryWriteIsPermissionDenied(t *testing.T) {
	d := newDistrictHarness(t)
	sys := gridinspect.NewContext(context.Background(), gridinspect.SystemActor())
	fx := fixtures{report: d.mustSubmitAs("workera", d.hazard())}
	fx.photo = d.mustUploadPhoto("workera", fx.report.GetId(), []byte{0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3})
	sub, err := d.db.CreateSubject(sys, &gridinspect.Subject{ID: newID(), Kind: gridinspect.SubjectKindSite, Name: "长山矿坑", GridID: gridA})
	if err != nil {
		t.Fatal(err)
	}
	fx.subject = sub.ID
	temp, err := d.db.CreateUser(sys, &gridinspect.User{Username: "temp", Role: gridinspect.RoleWorker, GridIDs: []string{gridA}}, testPassword)
	if err != nil {
		t.Fatal(err)
	}
	fx.temp = temp.ID
	allowed := map[string]bool{
		"/gridinspect.v1.StatsService/GetSummary": true, "/gridinspect.v1.StatsService/GetAppraisal": true,
		"/gridinspect.v1.StatsService/GetDashboard": true, "/gridinspect.v1.StatsService/ExportReports": true,
		"/gridinspect.v1.AuthService/WhoAmI": true, "/gridinspect.v1.AuthService/Login": true,
		"/gridinspect.v1.AuthService/Logout": true,
	}
	cases := d.accessCases(fx, d.conn)
	if len(cases) < 30 {
		t.Fatalf("only %d RPCs in the access table", len(cases))
	}
	for m, c := range cases {
		if m == "/gridinspect.v1.AuthService/Logout" {
			continue // ends the session the others use; checked last
		}
		t.Run(strings.TrimPrefix(m, "/gridinspect.v1."), func(t *testing.T) {
			before := snapshot(t, d.db.Path())
			err := c.call(bearer(context.Background(), d.tokens["qu"]))
			switch code := status.Code(err); {
			case allowed[m] && err != nil:
				t.Errorf("%v, want it allowed", err)
			case !allowed[m] && code != codes.PermissionDenied:
				t.Errorf("code %v (%v), want PermissionDenied", code, err)
			}
			if after := snapshot(t, d.db.Path()); !allowed[m] && after != before {
				t.Errorf("the database changed")
			}
		})
	}
	if _, err := d.auth.Logout(bearer(context.Background(), d.tokens["qu"]), &pb.LogoutRequest{}); err != nil {
		t.Errorf("Logout: %v", err)
	}
}

// The HTTP export takes street_ids as the gRPC request does, beside the
// filter's parameters.
func TestHTTP_AnExportNamesItsStreets(t *testing.T) {
	s := newFileServer(t, roomy)
	super := s.loginAs(t, "super")
	for _, c := range []struct {
		query string
		want  int
	}{
		{"format=csv&street_ids=1", http.StatusOK},
		{"format=csv&street_ids=1&grid_ids=" + gridA, http.StatusOK},
		{"format=csv&street_ids=2", http.StatusForbidden},
		{"format=csv&street_ids=x", http.StatusBadRequest},
	} {
		if code, _, body := s.do(t, "GET", "/v1/reports:export?"+c.query, super, ""); code != c.want {
			t.Errorf("%s: HTTP %d %.200s, want %d", c.query, code, body, c.want)
		}
	}
}

// WhoAmI names the streets the caller reads, so that a desk or gridctl
// can show them by name: a street's own accounts their street, a district
// account every street it was given — never one it was not.
func TestWhoAmI_NamesTheStreetsTheCallerReads(t *testing.T) {
	d := newDistrictHarness(t)
	ctx := context.Background()
	if _, _, err := d.db.CreateStreet(ctx, "北街道", "admin3"); err != nil {
		t.Fatal(err)
	}
	if _, err := d.dirs.CreateUser(bearer(ctx, d.tokens["admin1"]), &pb.CreateUserRequest{User: &pb.User{Username: "qu2",
		DisplayName: "区统计局", Role: pb.Role_ROLE_DISTRICT}, Password: testPassword}); err != nil {
		t.Fatal(err)
	}
	d.tokens["qu2"] = d.login("qu2")
	for _, c := range []struct {
		user string
		want string // id:name, …
	}{
		{"admin2", "2:西街道"},
		{"admin1", "1:"},
		{"workera", "1:"},
		{"qu", "1:, 2:西街道"},
		{"qu2", ""}, // given no street yet
	} {
		t.Run(c.user, func(t *testing.T) {
			resp, err := d.auth.WhoAmI(bearer(ctx, d.tokens[c.user]), &pb.WhoAmIRequest{})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, s := range resp.GetStreets() {
				got = append(got, fmt.Sprintf("%d:%s", s.GetId(), s.GetName()))
			}
			if strings.Join(got, ", ") != c.want {
				t.Errorf("streets %q, want %q", strings.Join(got, ", "), c.want)
			}
		})
	}
}
