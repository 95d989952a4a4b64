package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"

	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

// TestDistrictAccount_SummaryAndExportCountTheStreetsItNames: a district
// account (区级账号) given streets 1 and 2 counts street 1's half-year
// with --street 1, nothing of the empty street 2 with --street 2, their
// sum without --street, and is refused a street it was not given.
func TestDistrictAccount_SummaryAndExportCountTheStreetsItNames(t *testing.T) {
	h := startHalfYear(t)
	ctx := context.Background()
	_, dongPassword, err := h.db.CreateStreet(ctx, "东城街道", "dong.admin")
	if err != nil {
		t.Fatal(err)
	}
	// Street 2's one grid has a name of street 1's: its rows say whose.
	if _, err := pb.NewDirectoryServiceClient(h.client(t)).CreateGrid(as(h.login(t, "dong.admin", dongPassword)),
		&pb.CreateGridRequest{Grid: &pb.Grid{Id: "01900000-0000-7000-8000-0000000000d2", Name: "红星村", Kind: pb.GridKind_GRID_KIND_VILLAGE,
			Boundary: []*pb.Polygon{{Rings: []*pb.LinearRing{{Points: []*pb.LatLng{
				{Latitude: 30.5, Longitude: 107.5}, {Latitude: 30.5, Longitude: 107.6}, {Latitude: 30.6, Longitude: 107.6},
				{Latitude: 30.6, Longitude: 107.5}}}}}}}}); err != nil {
		t.Fatal(err)
	}
	// Street 2's worker has the name of street 1's worker01: the rows say whose.
	if _, err := pb.NewDirectoryServiceClient(h.client(t)).CreateUser(as(h.login(t, "dong.admin", dongPassword)),
		&pb.CreateUserRequest{User: &pb.User{Username: "dong.worker01", DisplayName: "worker01", Role: pb.Role_ROLE_WORKER,
			GridIds: []string{"01900000-0000-7000-8000-0000000000d2"}}, Password: "dong-worker-password-1"}); err != nil {
		t.Fatal(err)
	}
	const password = "district-password-1"
	// A district account has no grids of its own (not "every grid").
	if _, err := pb.NewDirectoryServiceClient(h.client(t)).CreateUser(as(h.login(t, "admin", h.adminPassword)),
		&pb.CreateUserRequest{User: &pb.User{Username: "district", DisplayName: "区应急管理局", Role: pb.Role_ROLE_DISTRICT},
			Password: password}); err != nil {
		t.Fatal(err)
	}
	if err := h.db.SetDistrictStreets(ctx, "district", []int64{1, 2}); err != nil {
		t.Fatal(err)
	}
	mustGridctl(t, password+"\n", "login", "--username", "district", "--password-stdin")

	period := []string{"--from", "2024-01-01", "--to", "2024-06-30"}
	for _, tt := range []struct {
		streets  []string
		reported string
	}{
		{nil, "4"},
		{[]string{"--street", "1"}, "4"},
		{[]string{"--street", "2"}, "0"},
		{[]string{"--street", "1,2"}, "4"},
		{[]string{"--street", "1", "--street", "2"}, "4"},
	} {
		args := append(append([]string{"summary", "--json"}, period...), tt.streets...)
		var got struct{ Loop struct{ Reported string } }
		if err := json.Unmarshal([]byte(mustGridctl(t, "", args...)), &got); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		if got.Loop.Reported != tt.reported {
			t.Errorf("%v: reported %q, want %q", tt.streets, got.Loop.Reported, tt.reported)
		}
	}

	out := mustGridctl(t, "", append([]string{"summary", "--street", "1,2"}, period...)...)
	if first, _, _ := strings.Cut(out, "\n"); first != "2024-01-01 至 2024-06-30  街道: 街道 1、东城街道  全部网格" {
		t.Errorf("first line = %q", first)
	}
	out = mustGridctl(t, "", append([]string{"summary", "--by", "grid", "--street", "2"}, period...)...)
	if first, _, _ := strings.Cut(out, "\n"); !strings.HasSuffix(first, "街道: 东城街道  全部网格") {
		t.Errorf("appraisal's first line = %q", first)
	}
	// The rows of grids of both streets say each grid's street, in a 街道
	// column; one street's say none.
	for _, tt := range []struct {
		args []string
		want []string // the grid table's header and row beginnings, each a line's start
	}{
		{[]string{"summary"}, []string{"街道    网格", "街道 1  红星村", "街道 1  金石社区", "东城街道  红星村"}},
		{[]string{"summary", "--by", "grid"}, []string{"街道    网格", "街道 1  红星村", "东城街道  红星村"}},
		{[]string{"summary", "--by", "grid", "--street", "1"}, []string{"网格", "红星村"}},
		{[]string{"summary", "--street", "2"}, []string{"网格", "红星村"}},
		{[]string{"summary", "--by", "worker"}, []string{"街道    网格员", "街道 1  worker01  红星村", "东城街道  worker01  红星村"}},
		{[]string{"summary", "--by", "worker", "--street", "1"}, []string{"网格员", "worker01  红星村"}},
		{[]string{"summary", "--by", "worker", "--street", "2"}, []string{"网格员", "worker01  红星村"}},
	} {
		out := mustGridctl(t, "", append(tt.args, period...)...)
		lines := strings.Split(out, "\n")
		for _, w := range tt.want {
			found := false
			for _, l := range lines {
				if strings.HasPrefix(strings.Join(strings.Fields(l), " "), strings.Join(strings.Fields(w), " ")+" ") {
					found = true
				}
			}
			if !found {
				t.Errorf("%v: no line begins %q:\n%s", tt.args, w, out)
			}
		}
	}
	// whoami names its streets, with the numbers --street takes.
	if out := mustGridctl(t, "", "whoami"); !strings.Contains(out, "街道      街道 1、东城街道（2）\n") {
		t.Errorf("whoami does not name the streets:\n%s", out)
	}

	for _, tt := range []struct {
		street string
		rows   int
	}{{"1", 4}, {"2", 0}} {
		out := mustGridctl(t, "", "export", "--format", "csv", "--out", "-", "--street", tt.street)
		records, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(out, "\ufeff"))).ReadAll()
		if err != nil {
			t.Fatalf("export --street %s: %v\n%s", tt.street, err, out)
		}
		if len(records)-1 != tt.rows {
			t.Errorf("export --street %s: %d rows, want %d", tt.street, len(records)-1, tt.rows)
		}
	}

	for _, args := range [][]string{
		append(append([]string{"summary"}, period...), "--street", "3"),
		{"export", "--format", "csv", "--out", "-", "--street", "3"},
	} {
		if r := gridctl(t, "", args...); r.code == exitOK || !strings.Contains(r.stderr, "权限") {
			t.Errorf("%v: exit %d, stderr %q; want refused (无权限)", args, r.code, r.stderr)
		}
	}
	if r := gridctl(t, "", "summary", "--street", "x"); r.code != exitUsage || !strings.Contains(r.stderr, "--street") {
		t.Errorf("--street x: exit %d, stderr %q; want a usage error naming --street", r.code, r.stderr)
	}
}
