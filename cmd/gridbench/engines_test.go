package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/gridinspect/gridinspect/internal/pgtest"
)

func TestDatabaseFlagTakesEnginesAndURLs(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    []string
		wantErr string
	}{
		{in: "sqlite", want: []string{"sqlite"}},
		{in: "sqlite, postgres", want: []string{"sqlite", "postgres"}},
		{in: "postgres://u:secret@db/x", want: []string{"postgres://u:secret@db/x"}},
		{in: "mysql", wantErr: `"mysql" is not sqlite, postgres`},
		{in: "sqlite,", wantErr: `"" is not`},
	} {
		got, err := parseDatabases(tc.in)
		switch {
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("parseDatabases(%q) = %v, %v; want an error containing %q", tc.in, got, err, tc.wantErr)
		case tc.wantErr == "" && (err != nil || strings.Join(got, "|") != strings.Join(tc.want, "|")):
			t.Errorf("parseDatabases(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

// TestEnginesPhaseInProcess runs the engines phase, small and short, on
// both engines, and checks that the side-by-side table has every figure.
func TestEnginesPhaseInProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a PostgreSQL cluster and loads a server for a few seconds")
	}
	if _, err := pgtest.FindBin(); err != nil {
		pgtest.Require(t, err)
	}
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"--phases", "engines", "--database", "sqlite,postgres", "--in-process",
		"--work", t.TempDir(), "--sizes", "20", "--duration", "1s", "--warmup", "100ms", "--concurrency", "4",
		"--push-batches", "2", "--push-batch-size", "10", "--list-calls", "3", "--summary-calls", "1"}, &stdout, &stderr)
	if err != nil && !errors.Is(err, context.Canceled) {
		t.Fatalf("run: %v\n%s", err, stderr.String())
	}
	md := stdout.String()
	for _, want := range []string{"### SQLite beside PostgreSQL", "| measure | sqlite | postgres |",
		// A loaded machine may finish no call inside a short window (a
		// "–"), so the SubmitReport rows are checked for being there.
		"| SubmitReport one gridd ÷ raw grouped |", "| SubmitReport two gridd ÷ raw, a transaction each | – |",
		"| Push one gridd ÷ raw | **", "| Push two gridd ÷ raw | – | **",
		"gRPC · postgres", "bulk load of the street of 20 reports", "- PostgreSQL "} {
		if !strings.Contains(md, want) {
			t.Errorf("output lacks %q:\n%s", want, md)
		}
	}
	if strings.Contains(md, "### Notes") {
		t.Errorf("the run noted trouble:\n%s", md)
	}
}
