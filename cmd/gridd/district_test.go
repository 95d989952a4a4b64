package main

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gridinspect/gridinspect"
	"github.com/gridinspect/gridinspect/store"
)

func TestDistrictUser_GivesADistrictAccountItsStreetsAndExits(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, DatabaseFile)
	cheap := gridinspect.PasswordParams{MemoryKiB: 64, Time: 1, Threads: 1}
	db, err := store.Open(path, store.Options{PasswordParams: cheap})
	if err != nil {
		t.Fatal(err)
	}
	sys := gridinspect.NewContext(context.Background(), gridinspect.SystemActor())
	const password = "correct horse battery"
	if _, err := db.CreateUser(sys, &gridinspect.User{Username: "qu", Role: gridinspect.RoleDistrict}, password); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(context.Background()); err != nil {
		t.Fatal(err)
	}

	for _, args := range [][]string{
		{"--district-user", "qu"},                                      // no streets given
		{"--district-streets", "1"},                                    // no account
		{"--district-user", "qu", "--district-streets", "1,x"},         // not a street id
		{"--district-user", "qu", "--district-streets", "1", "--demo"}, // serves nothing
		{"--district-user", "nobody", "--district-streets", "1"},       // no such account
		{"--district-user", "qu", "--district-streets", "1,2"},         // no street 2
	} {
		if err := run(context.Background(), append([]string{"--data", dir}, args...), io.Discard, io.Discard); err == nil {
			t.Errorf("gridd %s: accepted", strings.Join(args, " "))
		}
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"--data", dir, "--district-user", "qu", "--district-streets", "1"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "区级账号 qu 可查看街道 1 的统计") {
		t.Errorf("printed %q", out.String())
	}

	db, err = store.Open(path, store.Options{PasswordParams: cheap})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(context.Background())
	s, err := db.Login(context.Background(), "qu", password, "desk")
	if err != nil {
		t.Fatal(err)
	}
	a, err := db.Authenticate(context.Background(), s.Token)
	if err != nil {
		t.Fatal(err)
	}
	ctx := gridinspect.WithStreetIDs(gridinspect.NewContext(context.Background(), a), []int64{1})
	to := time.Now()
	if _, err := db.Summary(ctx, to.AddDate(0, -6, 0), to, nil); err != nil {
		t.Errorf("summary of street 1, given: %v", err)
	}
}
