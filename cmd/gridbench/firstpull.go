package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"path/filepath"
	"time"

	"google.golang.org/grpc"
	grpcgzip "google.golang.org/grpc/encoding/gzip"
	"google.golang.org/protobuf/proto"

	"github.com/gridinspect/gridinspect/internal/phonelink"
	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
	"github.com/gridinspect/gridinspect/store"
)

// The firstpull phase: a worker installs the app on an empty phone and
// pulls its grid over a phone's link (internal/phonelink, 3g by default),
// then, a day later, pulls what others did meanwhile.
//
// What the phone must hold to show its cases is what Pull sends: each
// report as it is now with its timeline, the grid's patrols and subjects,
// the grid itself and the patrols due. Photos travel as ids: the phone
// asks for a photo's thumbnail (GetThumbnail, a few KB) or the photo when
// a case is opened, so none is part of the first pull. (The bulk-loaded
// street has no photos anyway.)
//
// The bytes are counted on the phone's connections through the link; the
// lower bound is the protobuf bytes of everything the pull delivered,
// gzipped as one stream, and the bandwidth bound the time the link's
// downlink needs for the lower bound.

// firstPullConfig is what the phase's flags say.
type firstPullConfig struct {
	cases        int
	link         string
	pageSize     int
	gzip         bool
	omitHashes   bool
	deltaReports int
	deltaActions int
}

// firstPullGrids is the number of grids of the street: the worker's grid
// holds about a tenth of its reports.
const firstPullGrids = store.DefaultBulkGrids

func (c *firstPullConfig) register(fs *flag.FlagSet) {
	fs.IntVar(&c.cases, "firstpull-cases", 2000, "reports in the worker's grid of the firstpull phase (the street has ten grids)")
	fs.StringVar(&c.link, "firstpull-link", "3g", "the phone's link of the firstpull phase: "+phonelink.PresetNames())
	fs.IntVar(&c.pageSize, "firstpull-page-size", 1000, "page_size the phone asks for in the firstpull phase (0: the server's default)")
	fs.BoolVar(&c.omitHashes, "firstpull-omit-hashes", true, "the phone of the firstpull phase pulls without the events' hash chain (omit_event_hashes)")
	fs.BoolVar(&c.gzip, "firstpull-gzip", false, "the phone of the firstpull phase compresses its requests with gzip (and so asks for compressed answers)")
	fs.IntVar(&c.deltaReports, "firstpull-delta-reports", 60, "new reports in the worker's grid before the delta pull")
	fs.IntVar(&c.deltaActions, "firstpull-delta-actions", 100, "actions by others on the grid's cases before the delta pull")
}

func (c *firstPullConfig) check() error {
	switch {
	case c.cases < 1 || c.deltaReports < 0 || c.deltaActions < 0 || c.pageSize < 0:
		return errors.New("--firstpull-cases must be at least 1, the other --firstpull numbers not negative")
	case phonelink.Presets[c.link].Name == "":
		return fmt.Errorf("--firstpull-link: unknown link %q (known: %s)", c.link, phonelink.PresetNames())
	}
	return nil
}

// firstPullResult is the firstpull phase.
type firstPullResult struct {
	Link         phonelink.Preset
	PageSize     int
	Gzip         bool
	OmitHashes   bool
	GridReports  int // reports in the worker's grid, read from the database
	DeltaReports int
	DeltaActions int
	First, Delta pullRun
	Login        pullRun
}

// pullRun is one pull, from its first call (for the delta pull, from
// dialing a new connection) until the phone holds the last page.
type pullRun struct {
	Reports, Changes, Pages int
	Sent, Received          int64
	LowerBound              int64 // the delivered changes' protobuf bytes, gzipped
	Took, BandwidthBound    time.Duration
}

// firstPullPhase prepares a street in work, starts a server on it and
// measures the first pull and the delta pull. The street is made afresh,
// never taken from --cache: the day before the delta pull writes to it.
func (b *bench) firstPullPhase(ctx context.Context, work string) error {
	cfg := b.cfg.firstPull
	return b.withServer(ctx, func() (*dataset, error) {
		return prepareData(ctx, work, cfg.cases*firstPullGrids, b.cfg.seed, false, b.log)
	}, func(t *target, d *dataset) error {
		return b.firstPull(ctx, t, d)
	})
}

func (b *bench) firstPull(ctx context.Context, t *target, d *dataset) error {
	cfg := b.cfg.firstPull
	preset := phonelink.Presets[cfg.link]
	res := &firstPullResult{Link: preset, PageSize: cfg.pageSize, Gzip: cfg.gzip, OmitHashes: cfg.omitHashes,
		DeltaReports: cfg.deltaReports, DeltaActions: cfg.deltaActions}
	b.res.FirstPull = res
	var err error
	if res.GridReports, err = gridReports(d); err != nil {
		return err
	}
	link, err := phonelink.Start(t.addr, phonelink.Config{Preset: preset})
	if err != nil {
		return err
	}
	defer link.Close()

	ph := &pullPhone{link: link, preset: preset, name: "firstpull", pageSize: cfg.pageSize, gzip: cfg.gzip, omitHashes: cfg.omitHashes}
	defer ph.close()
	b.logf("firstpull: %s installs the app and pulls %d cases over %s", b.workerName(d), res.GridReports, preset.Name)
	if res.First, err = ph.install(ctx, b.workerName(d), b.password(d)); err != nil {
		return fmt.Errorf("first pull: %w", err)
	}
	res.Login = ph.login
	if err := ph.checkHolds(ctx, res.GridReports); err != nil {
		return fmt.Errorf("first pull: %w", err)
	}
	b.logf("firstpull: %d cases, %d bytes received in %v", res.First.Reports, res.First.Received, res.First.Took.Round(time.Millisecond))

	// A day passes: others report in the grid and act on its cases,
	// straight to the server.
	changed, err := b.aDayInTheGrid(ctx, t, d, ph.reportIDs(), cfg.deltaReports, cfg.deltaActions)
	if err != nil {
		return fmt.Errorf("delta pull: %w", err)
	}
	if res.Delta, err = ph.reconnectAndPull(ctx); err != nil {
		return fmt.Errorf("delta pull: %w", err)
	}
	if err := ph.checkDelta(changed); err != nil {
		return fmt.Errorf("delta pull: %w", err)
	}
	if err := ph.checkHolds(ctx, res.GridReports+cfg.deltaReports); err != nil {
		return fmt.Errorf("delta pull: %w", err)
	}
	b.logf("firstpull: delta of %d reports, %d bytes received in %v", res.Delta.Reports, res.Delta.Received, res.Delta.Took.Round(time.Millisecond))
	return nil
}

// gridReports counts the reports in the first grid of d, from its
// database.
func gridReports(d *dataset) (int, error) {
	db, err := sql.Open("sqlite3", "file:"+filepath.Join(d.dir, store.DatabaseFile)+"?mode=ro&_busy_timeout=5000")
	if err != nil {
		return 0, err
	}
	defer db.Close()
	var n int
	if err := db.QueryRow("SELECT count(*) FROM reports WHERE grid_id = ?", d.GridIDs[0]).Scan(&n); err != nil {
		return 0, fmt.Errorf("count the grid's reports: %w", err)
	}
	return n, nil
}

// aDayInTheGrid has the supervisor push, from a phone of its own on a
// good link, nReports new reports in the worker's grid and nActions
// comments on the grid's cases (those given and the new ones). It returns
// the ids of the cases it changed.
func (b *bench) aDayInTheGrid(ctx context.Context, t *target, d *dataset, cases []string, nReports, nActions int) (map[string]bool, error) {
	conns, closeConns, err := dialPool(t.addr, 1, dialOptions()...)
	if err != nil {
		return nil, err
	}
	defer closeConns()
	device := "gridbench-day-" + newID()
	authed, err := login(ctx, conns[0], b.supervisorName(d), b.password(d), device)
	if err != nil {
		return nil, err
	}
	where, err := gridAreaOf(authed, conns[0], d.GridIDs[0])
	if err != nil {
		return nil, err
	}
	changed := map[string]bool{}
	var muts []*pb.Mutation
	seq := int64(0)
	add := func(m *pb.Mutation) {
		seq++
		m.MutationId, m.DeviceSeq = newID(), seq
		muts = append(muts, m)
	}
	for range nReports {
		r := newHazard(where, 12*time.Hour)
		r.GridId = d.GridIDs[0]
		cases = append(cases, r.GetId())
		changed[r.GetId()] = true
		add(&pb.Mutation{Kind: &pb.Mutation_SubmitReport{SubmitReport: &pb.SubmitReportRequest{Report: r}}})
	}
	for range nActions {
		id := cases[rand.IntN(len(cases))]
		changed[id] = true
		add(&pb.Mutation{Kind: &pb.Mutation_CommentOnReport{CommentOnReport: &pb.CommentOnReportRequest{
			ActionId: newID(), ReportId: id, Note: "请网格员今天上门复查,拍照上传整改情况"}}})
	}
	resp, err := pb.NewSyncServiceClient(conns[0]).Push(authed, &pb.PushRequest{DeviceId: device, Mutations: muts})
	if err != nil {
		return nil, fmt.Errorf("push the day: %w", err)
	}
	for _, r := range resp.GetResults() {
		if r.GetOutcome() != pb.MutationOutcome_MUTATION_OUTCOME_APPLIED {
			return nil, fmt.Errorf("push the day: mutation %d: %v %s", r.GetDeviceSeq(), r.GetOutcome(), r.GetReason())
		}
	}
	return changed, nil
}

// gridAreaOf is gridArea of the grid named id.
func gridAreaOf(ctx context.Context, conn *grpc.ClientConn, id string) (area, error) {
	resp, err := pb.NewDirectoryServiceClient(conn).GetGrid(ctx, &pb.GetGridRequest{Id: id})
	if err != nil {
		return area{}, fmt.Errorf("get grid %s: %w", id, err)
	}
	return middleOf(resp.GetGrid()), nil
}

// pullPhone is the phone: what it holds, and its cursor.
type pullPhone struct {
	link       *phonelink.Link
	preset     phonelink.Preset
	name       string
	pageSize   int
	gzip       bool
	omitHashes bool

	conn   *grpc.ClientConn
	authed context.Context
	cursor string
	// What it holds, by id.
	reports  map[string]*pb.ReportUpsert
	patrols  map[string]*pb.Patrol
	subjects map[string]*pb.Subject
	grids    map[string]*pb.Grid
	due      []*pb.DuePatrol
	// sends counts how often each report came, over all pulls; lastSends
	// in the last pull.
	sends, lastSends map[string]int
	// login is the install's log-in (connection and Login).
	login pullRun
}

// dial opens a new connection through the link. Like a phone's gRPC
// client (this package registers grpc's gzip), it tells the server it
// reads gzip; with gzip set it also compresses its requests.
func (p *pullPhone) dial() error {
	if p.conn != nil {
		_ = p.conn.Close()
	}
	opts := append(dialOptions(), grpc.WithContextDialer(p.link.Dialer(p.name)))
	if p.gzip {
		opts = append(opts, grpc.WithDefaultCallOptions(grpc.UseCompressor(grpcgzip.Name)))
	}
	conn, err := grpc.NewClient("passthrough:///phone", opts...)
	if err != nil {
		return err
	}
	p.conn = conn
	return nil
}

func (p *pullPhone) close() {
	if p.conn != nil {
		_ = p.conn.Close()
	}
}

// install is a new install: an empty phone logs in and pulls everything.
func (p *pullPhone) install(ctx context.Context, username, password string) (pullRun, error) {
	p.reports, p.patrols, p.subjects, p.grids = map[string]*pb.ReportUpsert{}, map[string]*pb.Patrol{}, map[string]*pb.Subject{}, map[string]*pb.Grid{}
	p.sends, p.cursor = map[string]int{}, ""
	c := p.link.Phone(p.name)
	sent, received, t0 := c.Sent(), c.Received(), time.Now()
	if err := p.dial(); err != nil {
		return pullRun{}, err
	}
	var err error
	if p.authed, err = login(ctx, p.conn, username, password, "gridbench-"+p.name); err != nil {
		return pullRun{}, err
	}
	// The log-in is measured apart: its time is mostly the server
	// checking the password, slow on purpose.
	p.login = pullRun{Sent: c.Sent() - sent, Received: c.Received() - received, Took: time.Since(t0)}
	return p.pull(ctx, c.Sent(), c.Received(), time.Now())
}

// reconnectAndPull is the phone back in range: a new connection, the
// same token and cursor.
func (p *pullPhone) reconnectAndPull(ctx context.Context) (pullRun, error) {
	c := p.link.Phone(p.name)
	sent, received, t0 := c.Sent(), c.Received(), time.Now()
	if err := p.dial(); err != nil {
		return pullRun{}, err
	}
	return p.pull(ctx, sent, received, t0)
}

// pull pulls pages until there is no more, keeping what they hold, and
// measures it from t0 and the link's counts then.
func (p *pullPhone) pull(ctx context.Context, sent0, received0 int64, t0 time.Time) (pullRun, error) {
	var run pullRun
	p.lastSends = map[string]int{}
	var delivered bytes.Buffer
	zw := gzip.NewWriter(&delivered)
	client := pb.NewSyncServiceClient(p.conn)
	for {
		resp, err := client.Pull(p.authed, &pb.PullRequest{Cursor: p.cursor, PageSize: int32(p.pageSize), OmitEventHashes: p.omitHashes})
		if err != nil {
			return run, fmt.Errorf("pull page %d: %w", run.Pages+1, err)
		}
		run.Pages++
		if resp.GetResetRequired() {
			return run, errors.New("pull: reset required")
		}
		for _, c := range resp.GetChanges() {
			b, err := proto.Marshal(c)
			if err != nil {
				return run, err
			}
			_, _ = zw.Write(b)
			run.Changes++
			if c.GetReport() != nil {
				run.Reports++
			}
			p.apply(c)
		}
		if !resp.GetHasMore() {
			for _, d := range resp.GetDuePatrols() {
				b, _ := proto.Marshal(d)
				_, _ = zw.Write(b)
			}
			p.due = resp.GetDuePatrols()
			p.cursor = resp.GetNextCursor()
			break
		}
		if resp.GetNextCursor() == p.cursor || len(resp.GetChanges()) == 0 {
			return run, errors.New("pull: has_more with an empty page or the same cursor")
		}
		p.cursor = resp.GetNextCursor()
	}
	run.Took = time.Since(t0)
	c := p.link.Phone(p.name)
	run.Sent, run.Received = c.Sent()-sent0, c.Received()-received0
	if err := zw.Close(); err != nil {
		return run, err
	}
	run.LowerBound = int64(delivered.Len())
	run.BandwidthBound = p.preset.BandwidthBound(0, run.LowerBound)
	return run, nil
}

// apply stores or deletes what a change says. A report's events are the
// ones since the cursor: they go after those the phone holds.
func (p *pullPhone) apply(c *pb.Change) {
	switch e := c.GetEntity().(type) {
	case *pb.Change_Report:
		id := e.Report.GetReport().GetId()
		p.sends[id]++
		p.lastSends[id]++
		if old := p.reports[id]; old != nil {
			e.Report.Events = append(old.GetEvents(), e.Report.GetEvents()...)
		}
		p.reports[id] = e.Report
	case *pb.Change_Patrol:
		p.patrols[e.Patrol.GetId()] = e.Patrol
	case *pb.Change_Subject:
		p.subjects[e.Subject.GetId()] = e.Subject
	case *pb.Change_Grid:
		p.grids[e.Grid.GetId()] = e.Grid
	case *pb.Change_Removal:
		id := e.Removal.GetId()
		switch e.Removal.GetEntityType() {
		case pb.EntityType_ENTITY_TYPE_REPORT:
			delete(p.reports, id)
		case pb.EntityType_ENTITY_TYPE_PATROL:
			delete(p.patrols, id)
		case pb.EntityType_ENTITY_TYPE_SUBJECT:
			delete(p.subjects, id)
		case pb.EntityType_ENTITY_TYPE_GRID:
			p.removeGrid(id)
		}
	}
}

func (p *pullPhone) removeGrid(id string) {
	delete(p.grids, id)
	for k, r := range p.reports {
		if r.GetReport().GetGridId() == id {
			delete(p.reports, k)
		}
	}
	for k, r := range p.patrols {
		if r.GetGridId() == id {
			delete(p.patrols, k)
		}
	}
	for k, s := range p.subjects {
		if s.GetGridId() == id {
			delete(p.subjects, k)
		}
	}
}

func (p *pullPhone) reportIDs() []string {
	ids := make([]string, 0, len(p.reports))
	for id := range p.reports {
		ids = append(ids, id)
	}
	return ids
}

// checkHolds checks that the phone holds want reports, each with its
// whole timeline (as many events as its version), that none came more
// often than it changed, and that its cursor then has nothing new.
func (p *pullPhone) checkHolds(ctx context.Context, want int) error {
	if len(p.reports) != want {
		return fmt.Errorf("the phone holds %d reports, want %d", len(p.reports), want)
	}
	for id, r := range p.reports {
		if got, v := len(r.GetEvents()), r.GetReport().GetVersion(); int64(got) != v {
			return fmt.Errorf("report %s: the phone holds %d events of version %d", id, got, v)
		}
	}
	resp, err := pb.NewSyncServiceClient(p.conn).Pull(p.authed, &pb.PullRequest{Cursor: p.cursor, OmitEventHashes: p.omitHashes})
	if err != nil {
		return fmt.Errorf("pull after the last page: %w", err)
	}
	if len(resp.GetChanges()) > 0 || resp.GetHasMore() || resp.GetResetRequired() {
		return fmt.Errorf("pull after the last page: %d changes, has_more %v, reset %v", len(resp.GetChanges()), resp.GetHasMore(), resp.GetResetRequired())
	}
	return nil
}

// checkDelta checks that the last pull brought the cases in changed, each
// once, and no other.
func (p *pullPhone) checkDelta(changed map[string]bool) error {
	for id, n := range p.lastSends {
		if !changed[id] || n != 1 {
			return fmt.Errorf("case %s came %d times; want the cases changed, once each", id, n)
		}
	}
	if len(p.lastSends) != len(changed) {
		return fmt.Errorf("%d cases came, want the %d changed", len(p.lastSends), len(changed))
	}
	return nil
}

// write prints the firstpull phase's table.
func (r *firstPullResult) write(w io.Writer) {
	fmt.Fprintf(w, "### A phone's first pull on %s\n\n", r.Link.Name)
	page := "the server's default"
	if r.PageSize > 0 {
		page = fmt.Sprint(r.PageSize)
	}
	fmt.Fprintf(w, "A worker with %s cases in its grid installs the app and pulls; then, after %d new reports and %d actions by others in the grid, "+
		"pulls again on a new connection. Link %s (%v round trip, %d kbit/s down, %d up). The phone asks for page_size %s, omit_event_hashes %v, "+
		"and compresses its requests: %v. Lower bound: the delivered changes' protobuf bytes, gzipped; bandwidth bound: the lower bound at the downlink's rate.\n\n",
		count(float64(r.GridReports)), r.DeltaReports, r.DeltaActions, r.Link.Name, r.Link.RTT, r.Link.DownKbps, r.Link.UpKbps, page, r.OmitHashes, r.Gzip)
	fmt.Fprintln(w, "| pull | cases sent | changes | pages | bytes | of which sent | lower bound | ratio | time | bandwidth bound | ratio |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, row := range []struct {
		name string
		run  pullRun
	}{{"first pull", r.First}, {"delta pull", r.Delta}} {
		x := row.run
		fmt.Fprintf(w, "| %s | %s | %s | %d | %s | %s | %s | %.2f× | %s | %s | %.2f× |\n", row.name,
			count(float64(x.Reports)), count(float64(x.Changes)), x.Pages, count(float64(x.Received+x.Sent)), count(float64(x.Sent)),
			count(float64(x.LowerBound)), ratioOf(float64(x.Received+x.Sent), float64(x.LowerBound)),
			ms(x.Took), ms(x.BandwidthBound), ratioOf(x.Took.Seconds(), x.BandwidthBound.Seconds()))
	}
	fmt.Fprintf(w, "\n\"bytes\" counts both directions on the phone's connections. Before the first pull, the install's connection and log-in took %s and %s bytes "+
		"(not in the table: mostly the server checking the password). A case sent more than once came again because it changed between pages "+
		"(its later events fell on a later page).\n", ms(r.Login.Took), count(float64(r.Login.Sent+r.Login.Received)))
}

func ratioOf(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}
