package main

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

// addedStreet matches what --add-street prints: the street's id, then its
// admin's username and password.
var addedStreet = regexp.MustCompile(`街道编号 (\d+)\n\s*管理员账号 (\S+)，初始密码 (\S+)\n`)

// TestAddStreetGivesANewStreetWhoseAdminLogsInAndSeesNoneOfStreetOne adds
// a street to a database serving the demo street, on each engine: its
// admin logs in and finds no grid, user, case, patrol, subject or change
// of street 1.
func TestAddStreetGivesANewStreetWhoseAdminLogsInAndSeesNoneOfStreetOne(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			db := []string{"--data", filepath.Join(t.TempDir(), "data")}
			if engine == "postgres" {
				_, url, photos := postgresDatabase(t)
				db = append(db, "--database", url, "--photos", photos)
			}
			addr, _, stop := startGridd(t, append(db, "--demo")...)
			demo := loginAs(t, dial(t, addr), "supervisor", "demo")
			if len(reportIDs(t, dial(t, addr), demo)) == 0 {
				t.Fatal("the demo street has no cases")
			}
			add := append(db, "--add-street", "东城街道", "--street-admin", "Dong.Cheng")
			if engine == "sqlite" {
				// One process at a time on a SQLite file.
				if err := run(context.Background(), add, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "in use") {
					t.Errorf("--add-street beside a serving gridd on SQLite = %v; want it refused (in use)", err)
				}
				if err := stop(); err != nil {
					t.Fatal(err)
				}
			}
			var out bytes.Buffer
			if err := run(context.Background(), add, &out, io.Discard); err != nil {
				t.Fatalf("--add-street: %v", err)
			}
			m := addedStreet.FindStringSubmatch(out.String())
			if m == nil || m[1] != "2" || m[2] != "dong.cheng" || !strings.Contains(out.String(), "东城街道") {
				t.Fatalf("--add-street printed %q; want street 2, its name, admin dong.cheng and a password", out.String())
			}
			if engine == "sqlite" {
				addr, _, stop = startGridd(t, db...)
			}
			defer stop() //nolint:errcheck // the test is over
			conn := dial(t, addr)
			ctx := loginAs(t, conn, m[2], m[3])
			me, err := pb.NewAuthServiceClient(conn).WhoAmI(ctx, &pb.WhoAmIRequest{})
			if err != nil || me.GetUser().GetRole() != pb.Role_ROLE_ADMIN || !me.GetUser().GetAllGrids() {
				t.Fatalf("whoami as the new street's admin = %v, %v; want an admin of the whole street", me, err)
			}
			dirs, reports := pb.NewDirectoryServiceClient(conn), pb.NewReportServiceClient(conn)
			grids, err := dirs.ListGrids(ctx, &pb.ListGridsRequest{})
			if err != nil || len(grids.GetGrids()) != 0 {
				t.Errorf("the new street's admin lists grids %v, %v; want none", grids.GetGrids(), err)
			}
			users, err := dirs.ListUsers(ctx, &pb.ListUsersRequest{})
			if err != nil || len(users.GetUsers()) != 1 || users.GetUsers()[0].GetUsername() != m[2] {
				t.Errorf("the new street's admin lists users %v, %v; want itself only", users.GetUsers(), err)
			}
			if ids := reportIDs(t, conn, ctx); len(ids) != 0 {
				t.Errorf("the new street's admin lists %d cases of street 1", len(ids))
			}
			patrols, err := reports.ListPatrols(ctx, &pb.ListPatrolsRequest{})
			if err != nil || len(patrols.GetPatrols()) != 0 {
				t.Errorf("the new street's admin lists patrols %d, %v; want none", len(patrols.GetPatrols()), err)
			}
			subjects, err := dirs.ListSubjects(ctx, &pb.ListSubjectsRequest{})
			if err != nil || len(subjects.GetSubjects()) != 0 {
				t.Errorf("the new street's admin lists subjects %d, %v; want none", len(subjects.GetSubjects()), err)
			}
			pull, err := pb.NewSyncServiceClient(conn).Pull(ctx, &pb.PullRequest{})
			if err != nil || len(pull.GetChanges()) != 0 {
				t.Errorf("the new street's admin pulls %d changes, %v; want none", len(pull.GetChanges()), err)
			}
			// Street 1 is as it was: its supervisor still sees its cases.
			if len(reportIDs(t, conn, loginAs(t, conn, "supervisor", "demo"))) == 0 {
				t.Error("street 1's supervisor lists no cases after the street was added")
			}
		})
	}
}

// TestAddStreetOnANewDatabaseGivesStreetOneItsAdminFirst: street 1 is
// never left without an admin, whose password is printed as on gridd's
// first run.
func TestAddStreetOnANewDatabaseGivesStreetOneItsAdminFirst(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	var out bytes.Buffer
	if err := run(context.Background(), []string{"--data", data, "--add-street", "东城街道", "--street-admin", "dong.cheng"}, &out, io.Discard); err != nil {
		t.Fatalf("--add-street: %v", err)
	}
	_, rest, ok := strings.Cut(out.String(), "with password ")
	if !ok || addedStreet.FindStringSubmatch(out.String()) == nil {
		t.Fatalf("--add-street on a new database printed %q; want street 1's admin's password, then the new street", out.String())
	}
	addr, printed, stop := startGridd(t, "--data", data)
	defer stop() //nolint:errcheck // the test is over
	if strings.Contains(printed, "password") {
		t.Errorf("gridd after --add-street printed %q; the first run was --add-street's", printed)
	}
	loginAs(t, dial(t, addr), "admin", strings.Fields(rest)[0])
}

func TestAddStreetRefusesFlagsThatDoNotGoWithIt(t *testing.T) {
	for _, args := range [][]string{
		{"--add-street", "东城街道"},
		{"--add-street", " ", "--street-admin", "dong.cheng"},
		{"--street-admin", "dong.cheng"},
		{"--add-street", "东城街道", "--street-admin", "dong.cheng", "--demo"},
		{"--add-street", "东城街道", "--street-admin", "dong.cheng", "--restore", "x.tar"},
	} {
		err := run(context.Background(), append([]string{"--data", t.TempDir()}, args...), io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "--add-street") && !strings.Contains(err.Error(), "--street-admin") {
			t.Errorf("gridd %v = %v; want it refused, naming the flag", args, err)
		}
	}
}

// TestNameStreetNamesAStreetForThoseWhoReadIt: street 1 has no name until
// its operator gives it one with --name-street; WhoAmI then names it.
func TestNameStreetNamesAStreetForThoseWhoReadIt(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	var out bytes.Buffer
	if err := run(context.Background(), []string{"--data", data, "--name-street", "1= 江南街道"}, &out, io.Discard); err != nil {
		t.Fatalf("--name-street: %v", err)
	}
	if !strings.Contains(out.String(), "街道 1 已命名为「江南街道」") {
		t.Errorf("--name-street printed %q", out.String())
	}
	addr, printed, stop := startGridd(t, "--data", data)
	defer stop() //nolint:errcheck // the test is over
	_, rest, ok := strings.Cut(printed, "with password ")
	if !ok {
		t.Fatalf("gridd's first run printed %q; want admin's password", printed)
	}
	conn := dial(t, addr)
	me, err := pb.NewAuthServiceClient(conn).WhoAmI(loginAs(t, conn, "admin", strings.Fields(rest)[0]), &pb.WhoAmIRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if s := me.GetStreets(); len(s) != 1 || s[0].GetId() != 1 || s[0].GetName() != "江南街道" {
		t.Errorf("WhoAmI's streets %v, want street 1 named 江南街道", s)
	}
}

func TestNameStreetRefusesWhatIsNotAStreetAndAName(t *testing.T) {
	for _, args := range [][]string{
		{"--name-street", "江南街道"},
		{"--name-street", "x=江南街道"},
		{"--name-street", "1= "},
		{"--name-street", "0=江南街道"},
		{"--name-street", "9=江南街道"}, // no street 9
		{"--name-street", "1=江南街道", "--demo"},
		{"--name-street", "1=江南街道", "--add-street", "东城街道", "--street-admin", "dong.cheng"},
	} {
		err := run(context.Background(), append([]string{"--data", t.TempDir()}, args...), io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "-name-street") {
			t.Errorf("gridd %v = %v; want it refused, naming the flag", args, err)
		}
	}
}
