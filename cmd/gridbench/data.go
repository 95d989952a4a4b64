package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/gridinspect/gridinspect"
	"github.com/gridinspect/gridinspect/store"
)

// The data folders the server is started on, made by store.BulkLoad: an
// empty street (grids, subjects and accounts, no reports) for the submit
// and push phases, and streets of N reports for the queries and the
// export. A street of N reports is kept in --cache, if given, and used
// again by later runs with the same N and seed (a million reports take
// minutes to write); the empty street is made afresh in every run, since
// the phases write to it.

// datasetVersion changes when what BulkLoad writes changes, so that a
// cached street of an older gridbench is made again. A street whose schema
// is not the one this build's migrations make (a migration changed while
// it was being written) is made again too: see schemaFingerprint.
const datasetVersion = 1

// infoFile describes a prepared data folder: what it holds and how to log
// in to it. It holds the accounts' password: 0600.
const infoFile = "gridbench.json"

// dataset is a prepared data folder.
type dataset struct {
	Version    int               `json:"version"`
	Reports    int               `json:"reports"`
	Seed       uint64            `json:"seed"`
	End        time.Time         `json:"end"`
	GridIDs    []string          `json:"grid_ids"`
	Workers    map[string]string `json:"workers"` // grid id → username
	Supervisor string            `json:"supervisor"`
	Password   string            `json:"password"`
	BuildTime  time.Duration     `json:"build_time"`
	Schema     string            `json:"schema"` // schemaFingerprint of the database as made
	// Database is the name of a PostgreSQL street's database kept on a
	// server given by URL (engines.go, cachedPGStreet); "" on SQLite.
	Database string `json:"database,omitempty"`

	dir string
}

// worker returns the username of the worker of the first grid.
func (d *dataset) worker() string { return d.Workers[d.GridIDs[0]] }

// prepareData returns a data folder under root holding a street of n
// reports, reusing one made before if reuse is set.
func prepareData(ctx context.Context, root string, n int, seed uint64, reuse bool, log io.Writer) (*dataset, error) {
	dir := filepath.Join(root, fmt.Sprintf("street-%d-seed-%d", n, seed))
	if reuse {
		d, err := readDataset(dir)
		if err == nil && d.Version == datasetVersion && d.Reports == n && d.Seed == seed {
			current, ferr := currentSchema(root)
			if ferr != nil {
				return nil, ferr
			}
			if d.Schema == current {
				d.dir = dir
				fmt.Fprintf(log, "gridbench: using the street of %d reports in %s (made in %v)\n", n, dir, d.BuildTime.Round(time.Second))
				return d, nil
			}
			fmt.Fprintf(log, "gridbench: the street of %d reports in %s has an older schema: making it again\n", n, dir)
		}
	}
	if err := freshDir(dir); err != nil {
		return nil, err
	}
	pw, err := newPassword()
	if err != nil {
		return nil, err
	}
	d := &dataset{Version: datasetVersion, Reports: n, Seed: seed, Password: pw, dir: dir}
	db, err := store.Open(filepath.Join(dir, store.DatabaseFile), store.Options{
		Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		return nil, err
	}
	if err := loadStreet(ctx, db, d, log); err != nil {
		return nil, err
	}
	if d.Schema, err = schemaFingerprint(filepath.Join(dir, store.DatabaseFile)); err != nil {
		return nil, err
	}
	b, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, infoFile), b, 0o600); err != nil {
		return nil, err
	}
	return d, nil
}

// loadStreet bulk-loads a street of d.Reports reports into db (either
// engine), closes db, and fills in what d says of the street.
func loadStreet(ctx context.Context, db *store.DB, d *dataset, log io.Writer) error {
	n := d.Reports
	start := time.Now()
	if n > 0 {
		fmt.Fprintf(log, "gridbench: writing a street of %d reports\n", n)
	}
	last := time.Now()
	res, err := db.BulkLoad(ctx, store.BulkLoadOptions{Reports: n, Seed: d.Seed, Password: d.Password,
		Progress: func(done int) {
			if time.Since(last) >= 10*time.Second {
				last = time.Now()
				fmt.Fprintf(log, "gridbench:   %d of %d reports (%v)\n", done, n, time.Since(start).Round(time.Second))
			}
		}})
	closeCtx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err = errors.Join(err, db.Close(closeCtx))
	if err != nil {
		return fmt.Errorf("prepare a street of %d reports: %w", n, err)
	}
	d.End, d.GridIDs, d.Workers, d.Supervisor = res.End, res.GridIDs, res.Workers, res.Supervisor
	d.BuildTime = time.Since(start)
	if n > 0 {
		fmt.Fprintf(log, "gridbench: wrote %d reports, %d events, %d patrols in %v\n", res.Reports, res.Events,
			res.Patrols, d.BuildTime.Round(time.Second))
	}
	return nil
}

func readDataset(dir string) (*dataset, error) {
	b, err := os.ReadFile(filepath.Join(dir, infoFile))
	if err != nil {
		return nil, err
	}
	var d dataset
	if err := json.Unmarshal(b, &d); err != nil {
		return nil, err
	}
	if len(d.GridIDs) == 0 || d.Workers == nil {
		return nil, errors.New("incomplete " + infoFile)
	}
	return &d, nil
}

// halfYear returns the last half-year (China time) that ended by end:
// the period a work summary written then is about.
func halfYear(end time.Time) (from, to time.Time) {
	e := end.In(gridinspect.ChinaZone)
	if e.Month() >= time.July {
		return time.Date(e.Year(), time.January, 1, 0, 0, 0, 0, gridinspect.ChinaZone), time.Date(e.Year(), time.July, 1, 0, 0, 0, 0, gridinspect.ChinaZone)
	}
	return time.Date(e.Year()-1, time.July, 1, 0, 0, 0, 0, gridinspect.ChinaZone), time.Date(e.Year(), time.January, 1, 0, 0, 0, 0, gridinspect.ChinaZone)
}

// period is a summary's period.
type period struct {
	name     string
	from, to time.Time
}

// summaryPeriods are the periods the summary is measured for, on a
// street whose history ends at end. A summary's cost grows with what
// happened in its period and with the cases that changed after it (their
// state at the period's end is read back from their timelines), so two:
// the last calendar half-year that ended (on a street that ends today,
// months ago, as when a summary is looked up later), and the six months
// up to a fortnight before the end (as when the office writes its summary
// just after the half-year closes).
func summaryPeriods(end time.Time) []period {
	from, to := halfYear(end)
	e := end.In(gridinspect.ChinaZone)
	recentTo := time.Date(e.Year(), e.Month(), e.Day(), 0, 0, 0, 0, gridinspect.ChinaZone).AddDate(0, 0, -14)
	recentFrom := recentTo.AddDate(0, -6, 0)
	return []period{
		{fmt.Sprintf("half-year %s … %s", from.Format("2006-01"), to.AddDate(0, 0, -1).Format("2006-01")), from, to},
		{fmt.Sprintf("six months to a fortnight ago, %s … %s", recentFrom.Format(time.DateOnly),
			recentTo.AddDate(0, 0, -1).Format(time.DateOnly)), recentFrom, recentTo},
	}
}

// openHazards is the listing measured: the open safety hazards of one
// grid, newest first, a page of 50.
func openHazards(grid string) gridinspect.ReportFilter {
	return gridinspect.ReportFilter{OpenOnly: true, Categories: []gridinspect.Category{gridinspect.CategorySafetyHazard},
		GridIDs: []string{grid}, PageSize: 50, Order: gridinspect.OrderNewestFirst}
}

// queryPlans reads the plans of the measured listing and summaries from
// the data folder, through the store's own SQL, with the time each of the
// summary's queries takes (its second run, so on a warm cache).
func queryPlans(ctx context.Context, d *dataset) (ps planSet, err error) {
	ps.Reports = d.Reports
	db, err := store.Open(filepath.Join(d.dir, store.DatabaseFile), store.Options{
		Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		return ps, err
	}
	defer func() {
		closeCtx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		err = errors.Join(err, db.Close(closeCtx))
	}()
	sup := gridinspect.NewContext(ctx, &gridinspect.Actor{UserID: "gridbench", Username: d.Supervisor,
		Role: gridinspect.RoleSupervisor, AllGrids: true})
	if ps.List, err = db.ExplainListReports(sup, openHazards(d.GridIDs[0])); err != nil {
		return ps, err
	}
	for _, p := range summaryPeriods(d.End) {
		var plans []store.QueryPlan
		for range 2 {
			if plans, err = db.ExplainSummary(sup, p.from, p.to, nil); err != nil {
				return ps, err
			}
		}
		ps.Summaries = append(ps.Summaries, summaryPlans{Period: p.name, Plans: plans})
	}
	return ps, nil
}

// schemaFingerprint is a hash of the schema of the database at path: the
// SQL of its tables, indexes and triggers (SQLite's own aside).
func schemaFingerprint(path string) (string, error) {
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		return "", err
	}
	defer db.Close()
	rows, err := db.Query(`SELECT type, name, sql FROM sqlite_master
		WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite\_%' ESCAPE '\' ORDER BY type, name`)
	if err != nil {
		return "", fmt.Errorf("read the schema of %s: %w", path, err)
	}
	defer rows.Close()
	h := sha256.New()
	for rows.Next() {
		var typ, name, text string
		if err := rows.Scan(&typ, &name, &text); err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s %s %s\n", typ, name, text)
	}
	if err := rows.Err(); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), rows.Close()
}

// currentSchema is the schemaFingerprint of a new database, as this
// build's migrations make it.
func currentSchema(root string) (string, error) {
	dir, err := os.MkdirTemp(root, "schema-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, store.DatabaseFile)
	db, err := store.Open(path, store.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return "", err
	}
	if err := db.Close(context.Background()); err != nil {
		return "", err
	}
	return schemaFingerprint(path)
}

// freshDir empties dir, making it if need be: a street made afresh.
func freshDir(dir string) error {
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	return os.MkdirAll(dir, 0o750)
}

// newPassword returns a random password for a street's accounts.
func newPassword() (string, error) {
	pw := make([]byte, 12)
	if _, err := rand.Read(pw); err != nil {
		return "", err
	}
	return hex.EncodeToString(pw), nil
}
