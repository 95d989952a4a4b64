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
	if err := os.RemoveAll(dir); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, err
	}
	pw := make([]byte, 12)
	if _, err := rand.Read(pw); err != nil {
		return nil, err
	}
	d := &dataset{Version: datasetVersion, Reports: n, Seed: seed, Password: hex.EncodeToString(pw), dir: dir}
	db, err := store.Open(filepath.Join(dir, store.DatabaseFile), store.Options{
		Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		return nil, err
	}
	start := time.Now()
	if n > 0 {
		fmt.Fprintf(log, "gridbench: writing a street of %d reports into %s\n", n, dir)
	}
	last := time.Now()
	res, err := db.BulkLoad(ctx, store.BulkLoadOptions{Reports: n, Seed: seed, Password: d.Password,
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
		return nil, fmt.Errorf("prepare a street of %d reports: %w", n, err)
	}
	d.End, d.GridIDs, d.Workers, d.Supervisor = res.End, res.GridIDs, res.Workers, res.Supervisor
	d.BuildTime = time.Since(start)
	if d.Schema, err = schemaFingerprint(filepath.Join(dir, store.DatabaseFile)); err != nil {
		return nil, err
	}
	if n > 0 {
		fmt.Fprintf(log, "gridbench: wrote %d reports, %d events, %d patrols in %v\n", res.Reports, res.Events,
			res.Patrols, d.BuildTime.Round(time.Second))
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

// chinaTime is the zone the street's periods are counted in.
var chinaTime = time.FixedZone("UTC+8", 8*60*60)

// halfYear returns the last half-year (China time) that ended by end:
// the period a work summary written then is about.
func halfYear(end time.Time) (from, to time.Time) {
	e := end.In(chinaTime)
	if e.Month() >= time.July {
		return time.Date(e.Year(), time.January, 1, 0, 0, 0, 0, chinaTime), time.Date(e.Year(), time.July, 1, 0, 0, 0, 0, chinaTime)
	}
	return time.Date(e.Year()-1, time.July, 1, 0, 0, 0, 0, chinaTime), time.Date(e.Year(), time.January, 1, 0, 0, 0, 0, chinaTime)
}

// openHazards is the listing measured: the open safety hazards of one
// grid, newest first, a page of 50.
func openHazards(grid string) gridinspect.ReportFilter {
	return gridinspect.ReportFilter{OpenOnly: true, Categories: []gridinspect.Category{gridinspect.CategorySafetyHazard},
		GridIDs: []string{grid}, PageSize: 50, Order: gridinspect.OrderNewestFirst}
}

// queryPlans reads the plans of the measured listing and summary from the
// data folder, through the store's own SQL.
func queryPlans(ctx context.Context, d *dataset) (list, summary []store.QueryPlan, err error) {
	db, err := store.Open(filepath.Join(d.dir, store.DatabaseFile), store.Options{
		Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		return nil, nil, err
	}
	defer func() {
		closeCtx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		err = errors.Join(err, db.Close(closeCtx))
	}()
	sup := gridinspect.NewContext(ctx, &gridinspect.Actor{UserID: "gridbench", Username: d.Supervisor,
		Role: gridinspect.RoleSupervisor, AllGrids: true})
	if list, err = db.ExplainListReports(sup, openHazards(d.GridIDs[0])); err != nil {
		return nil, nil, err
	}
	from, to := halfYear(d.End)
	if summary, err = db.ExplainSummary(sup, from, to, nil); err != nil {
		return list, nil, err
	}
	return list, summary, nil
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
