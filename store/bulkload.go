package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gridinspect/gridinspect"
)

// Bulk loading, for benchmarks and load tests only: it fills a database
// with a street's worth of plausible history far faster than the API
// could (a million reports in minutes), so that queries can be measured
// at the sizes a street reaches after years. Never run it on a database
// that holds real data: it makes accounts with a password its caller
// chooses, and reports nobody made.
//
// Every report is made the way the server makes one: the domain's
// Rules.Apply takes it through its life (submitted, assigned, notices,
// rectified, verified, closed, followed up, a few rejected or relapsed), so
// each report row is what its events made of it; rows are written with
// the column lists of the real write path (reportStoredColumns,
// eventColumns, the changes table), each event chained by hash to the one
// before it, notices numbered by numberNotice, and a change row per event,
// as Pull expects. What it leaves out: photos, and the sync ledger (no
// report came through Push). Reports are written in time order in
// transactions of BulkLoadOptions.Batch reports through DB.Write, so the
// writer's group commit, every index, trigger, check and foreign key are
// exercised as in production, only with bigger groups. Each transaction
// writes its rows table by table (writeBulk): on PostgreSQL with COPY,
// the change rows numbered from the street's counter in one step
// (numberChanges), since one round trip a row made a million reports
// take hours.

// Defaults of BulkLoadOptions.
const (
	DefaultBulkGrids = 10
	DefaultBulkBatch = 5000
	// DefaultBulkSpan is how far back the history reaches: eighteen
	// months, so the last complete half-year and the one a year before it
	// are both inside it.
	DefaultBulkSpan = 548 * 24 * time.Hour
)

// BulkLoadOptions say what BulkLoad writes.
type BulkLoadOptions struct {
	// Reports is how many reports to write (0: only the grids, subjects
	// and accounts).
	Reports int
	// Seed makes the content repeatable: the same seed, options and End
	// give the same rows.
	Seed uint64
	// Grids is the number of grids; 0 means DefaultBulkGrids.
	Grids int
	// End is the end of the history (reports are observed in the Span
	// before it); zero means the DB's clock now.
	End time.Time
	// Span is how far back the history reaches; 0 means DefaultBulkSpan.
	Span time.Duration
	// Batch is how many reports each transaction holds; 0 means
	// DefaultBulkBatch.
	Batch int
	// Password is the password of the accounts BulkLoad makes: one
	// worker per grid (bulk-w01, bulk-w02, …) and a supervisor of the
	// whole street (bulk-supervisor). Required.
	Password string
	// Progress, if not nil, is called after each transaction with the
	// reports written so far.
	Progress func(reports int)
}

// BulkLoadResult is what BulkLoad made.
type BulkLoadResult struct {
	GridIDs    []string          // in the order of their names (压测网格01, …)
	Workers    map[string]string // grid id → username of its worker
	Supervisor string            // username of the supervisor of the whole street
	End        time.Time         // the end of the history
	Reports    int
	Events     int
	Patrols    int
	Subjects   int
}

// BulkSupervisor is the username of the supervisor BulkLoad makes.
const BulkSupervisor = "bulk-supervisor"

// bulkGridName is the name of grid i (0-based) of a bulk load.
func bulkGridName(i int) string { return fmt.Sprintf("压测网格%02d", i+1) }

// bulkWorkerName is the username of the worker of grid i (0-based).
func bulkWorkerName(i int) string { return fmt.Sprintf("bulk-w%02d", i+1) }

// BulkLoad writes a street's history into db: grids, subjects, accounts,
// reports with their timelines, and patrols. It is for benchmarks and
// load tests only (see above) and expects a database no earlier BulkLoad
// wrote to: its grid names and account names must be free.
func (db *DB) BulkLoad(ctx context.Context, opts BulkLoadOptions) (*BulkLoadResult, error) {
	if opts.Reports < 0 {
		return nil, errors.New("store: bulk load: negative number of reports")
	}
	if opts.Grids <= 0 {
		opts.Grids = DefaultBulkGrids
	}
	if opts.Span <= 0 {
		opts.Span = DefaultBulkSpan
	}
	if opts.Batch <= 0 {
		opts.Batch = DefaultBulkBatch
	}
	if opts.End.IsZero() {
		opts.End = db.now()
	}
	end := opts.End.UTC().Truncate(time.Second)
	g := &bulkGen{
		rng:   rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x9e3779b97f4a7c15)),
		rules: db.rules,
		start: end.Add(-opts.Span),
		end:   end,
	}
	res := &BulkLoadResult{Workers: map[string]string{}, Supervisor: BulkSupervisor, End: end}
	sys := gridinspect.NewContext(ctx, gridinspect.SystemActor())

	if err := g.directory(sys, db, opts, res); err != nil {
		return nil, fmt.Errorf("store: bulk load: %w", err)
	}
	// Default deadlines in working days count on the calendar kept, as
	// the real write path does.
	cal, err := db.Calendar(sys)
	if err != nil {
		return nil, fmt.Errorf("store: bulk load: %w", err)
	}
	g.rules.Calendar = cal
	for done := 0; done < opts.Reports; {
		n := min(opts.Batch, opts.Reports-done)
		var events int
		err := db.Write(ctx, func(tx *Tx) error {
			var err error
			events, err = g.writeReports(tx, done, n, opts.Reports)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("store: bulk load: reports %d…%d: %w", done, done+n, err)
		}
		done += n
		res.Reports, res.Events = done, res.Events+events
		if opts.Progress != nil {
			opts.Progress(done)
		}
	}
	// Patrols: one for every four reports, in transactions of their own.
	patrols := opts.Reports / 4
	for done := 0; done < patrols; {
		n := min(4*opts.Batch, patrols-done)
		if err := db.Write(ctx, func(tx *Tx) error { return g.writePatrols(tx, n) }); err != nil {
			return nil, fmt.Errorf("store: bulk load: patrols: %w", err)
		}
		done += n
		res.Patrols = done
	}
	if db.engine == postgres {
		if err := vacuumBulk(ctx, db.url); err != nil {
			return nil, fmt.Errorf("store: bulk load: %w", err)
		}
	}
	return res, nil
}

// vacuumBulk vacuums and analyzes the tables a bulk load filled, as
// autovacuum would have after the years of use the load stands for: the
// planner then knows the tables' sizes and spreads, and an index-only
// read finds its pages all-visible instead of visiting the table for
// every row. (SQLite needs neither: the store runs its optimize at open.)
func vacuumBulk(ctx context.Context, url string) error {
	c, err := openPostgres(url)
	if err != nil {
		return err
	}
	defer c.Close()
	// VACUUM cannot run in a transaction: on a connection of its own.
	if _, err := c.ExecContext(ctx, "VACUUM (ANALYZE) reports, events, event_facts, changes, patrols, notice_numbers"); err != nil {
		return fmt.Errorf("vacuum: %w", err)
	}
	return nil
}

// bulkGen makes the street's content, deterministically from its rng.
type bulkGen struct {
	rng        *rand.Rand
	rules      gridinspect.Rules
	start, end time.Time

	grids      []bulkGrid
	supervisor *gridinspect.Actor
}

// bulkGrid is one grid of the street, with its worker and subjects.
type bulkGrid struct {
	id                              string
	lat, lng                        float64 // south-west corner; the grid is 0.01° square
	worker                          *gridinspect.Actor
	enterprises, households, waters []string
}

// directory makes the grids, their subjects and the accounts, through
// the services, as an admin would.
func (g *bulkGen) directory(ctx context.Context, db *DB, opts BulkLoadOptions, res *BulkLoadResult) error {
	for i := range opts.Grids {
		lat, lng := 29.50+float64(i/10)*0.01, 106.50+float64(i%10)*0.01
		grid, err := db.CreateGrid(ctx, &gridinspect.Grid{ID: g.id(g.start), Name: bulkGridName(i),
			Kind: gridinspect.GridKind(1 + i%2), Boundary: gridSquare(lat, lng, lat+0.01, lng+0.01)})
		if err != nil {
			return fmt.Errorf("create grid: %w", err)
		}
		g.grids = append(g.grids, bulkGrid{id: grid.ID, lat: lat, lng: lng})
		res.GridIDs = append(res.GridIDs, grid.ID)
	}
	for i := range g.grids {
		gr := &g.grids[i]
		u, err := db.CreateUser(ctx, &gridinspect.User{Username: bulkWorkerName(i),
			DisplayName: fmt.Sprintf("网格员%02d", i+1), Role: gridinspect.RoleWorker, GridIDs: []string{gr.id}},
			opts.Password)
		if err != nil {
			return fmt.Errorf("create worker: %w", err)
		}
		gr.worker = u.Actor("bulk", "")
		res.Workers[gr.id] = u.Username
	}
	sup, err := db.CreateUser(ctx, &gridinspect.User{Username: BulkSupervisor, DisplayName: "压测督办",
		Role: gridinspect.RoleSupervisor, AllGrids: true}, opts.Password)
	if err != nil {
		return fmt.Errorf("create supervisor: %w", err)
	}
	g.supervisor = sup.Actor("bulk", "")

	// Subjects: enterprises, households and a backup water source in
	// every grid, for the reports about them to name.
	for i := range g.grids {
		gr := &g.grids[i]
		for _, k := range []struct {
			kind gridinspect.SubjectKind
			n    int
			name string
			ids  *[]string
		}{
			{gridinspect.SubjectKindEnterprise, 12, "压测企业", &gr.enterprises},
			{gridinspect.SubjectKindHousehold, 8, "压测农户", &gr.households},
			{gridinspect.SubjectKindWaterSource, 1, "压测水源地", &gr.waters},
		} {
			for j := range k.n {
				s, err := db.CreateSubject(ctx, &gridinspect.Subject{ID: g.id(g.start), Kind: k.kind,
					Name: fmt.Sprintf("%s%02d-%02d", k.name, i+1, j+1), GridID: gr.id, Location: g.pointIn(gr)})
				if err != nil {
					return fmt.Errorf("create subject: %w", err)
				}
				*k.ids = append(*k.ids, s.ID)
				res.Subjects++
			}
		}
	}
	return nil
}

// gridSquare is a grid boundary from its south-west to its north-east
// corner.
func gridSquare(lat0, lng0, lat1, lng1 float64) gridinspect.Boundary {
	return gridinspect.Boundary{{{
		{Lat: lat0, Lng: lng0}, {Lat: lat0, Lng: lng1}, {Lat: lat1, Lng: lng1}, {Lat: lat1, Lng: lng0}, {Lat: lat0, Lng: lng0},
	}}}
}

// id returns a UUIDv7 made at t, as a phone makes its ids.
func (g *bulkGen) id(t time.Time) string {
	ms := uint64(max(t.UnixMilli(), 0)) & (1<<48 - 1)
	a, b := g.rng.Uint64(), g.rng.Uint64()
	hi := ms<<16 | 0x7000 | a&0x0fff
	lo := b&^(0x3<<62) | 0x2<<62 // variant 10
	return fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", hi>>32, hi>>16&0xffff, hi&0xffff, lo>>48, lo&0xffffffffffff)
}

func (g *bulkGen) chance(p float64) bool { return g.rng.Float64() < p }

// pointIn returns a point inside the grid, as a phone would report it.
func (g *bulkGen) pointIn(gr *bulkGrid) gridinspect.Location {
	return gridinspect.Location{Lat: gr.lat + 0.0005 + g.rng.Float64()*0.009, Lng: gr.lng + 0.0005 + g.rng.Float64()*0.009,
		AccuracyMeters: float64(3 + g.rng.IntN(20)), Address: fmt.Sprintf("%d组%d号", 1+g.rng.IntN(12), 1+g.rng.IntN(80)),
		System: gridinspect.CoordinateSystemWGS84}
}

// descriptions are what workers write, by category (index = category).
var bulkDescriptions = [][]string{
	{"巡查发现的问题"},
	{"仓库内灭火器过期,安全出口被货物堵塞", "车间木屑粉尘堆积,电气线路未穿管保护", "独居老人家中液化气软管超期使用且有裂纹", "电动车在楼道内充电,飞线拉到三楼"},
	{"无名小作坊在农户院内调配清洗剂,废水直排沟渠", "废旧塑料造粒,无环评手续,异味明显", "露天喷漆,无废气收集设施"},
	{"未经审批在自家宅基地上加盖第三层", "农田内违规搭建钢结构大棚用于仓储", "205国道东侧未经审批设置大型单立柱广告牌"},
	{"备用水源地保护区内发现网箱养殖", "水源地一级保护区内有人垂钓,岸边堆放生活垃圾"},
	{"C级危房,户主随儿子居住,房屋闲置", "D级危房仍有老人居住,墙体开裂"},
	{"路灯损坏", "窨井盖缺失"},
}

// writeReports writes reports [from, from+n) of total, spread evenly
// over the history in time order, with their events and change rows. It
// returns the number of events written.
func (g *bulkGen) writeReports(tx *Tx, from, n, total int) (int, error) {
	reports := newBulkTable("reports", "street_id, "+reportStoredColumns+", changed_at")
	events := newBulkTable("events", "street_id, "+eventColumns+", content_hash")
	changes := newBulkTable("changes", "street_id, entity_type, entity_id, grid_id, changed_at, event_id")

	step := g.end.Sub(g.start) / time.Duration(max(total, 1))
	for i := from; i < from+n; i++ {
		observed := g.start.Add(time.Duration(i)*step + time.Duration(g.rng.Int64N(int64(max(step, 1)))))
		r, hash, evs, err := g.report(tx, observed)
		if err != nil {
			return 0, err
		}
		details, err := jsonText(r.Details)
		if err != nil {
			return 0, err
		}
		var changedAt int64
		for _, ev := range evs {
			if isChange(ev.event) {
				changedAt = max(changedAt, ev.event.ReceivedAt.UnixNano())
			}
		}
		reports.add(tx.Street, r.ID, r.Category, r.Severity, r.Description, r.Location.Lat, r.Location.Lng,
			r.Location.AccuracyMeters, r.Location.Address, r.GridID, nullString(r.SubjectID), r.ObservedAt.UnixNano(), "[]",
			boolInt(r.RectifiedOnSpot), nil, details, r.Status, r.Version, r.ReporterID,
			r.ReceivedAt.UnixNano(), nanos(r.Deadline), nanos(r.OriginalDeadline), nullString(r.AssigneeID),
			r.ResponsibleUnit, r.Disposition, nanos(r.ClosedAt), boolInt(r.ClockSkewFlagged),
			r.RelapseCount, nanos(r.FollowUpDue), nil, r.UpdatedAt.UnixNano(),
			r.ClaimedDisposition, r.DemolishedAreaSquareMeters, hash, r.DeadlineWorkingDays, changedAt)
		prev := ""
		for seq, ev := range evs {
			e := ev.event
			e.Seq, e.PrevHash = int64(seq+1), prev
			e.Hash = e.ComputeHash()
			prev = e.Hash
			photos, err := jsonText(e.PhotoIDs)
			if err != nil {
				return 0, err
			}
			var payload any
			if e.Data != (gridinspect.EventData{}) {
				if payload, err = jsonText(e.Data); err != nil {
					return 0, err
				}
			}
			events.add(tx.Street, e.ID, e.ReportID, e.Seq, e.Version, e.Type, e.ActorID,
				e.OccurredAt.UnixNano(), e.ReceivedAt.UnixNano(), boolInt(e.ClockSkewFlagged), e.Note, photos,
				e.StatusBefore, e.StatusAfter, boolInt(e.Conflict), e.ConflictCode, e.ConflictReason, payload,
				e.PrevHash, e.Hash, ev.hash)
			changes.add(tx.Street, "report", r.ID, r.GridID, e.ReceivedAt.UnixNano(), e.ID)
		}
	}
	// Reports first: events refer to them (and events_facts reads them),
	// and the change rows are numbered in the order they are written, one
	// report's events after another's, as the server numbers them.
	if err := writeBulk(tx, reports, events, changes); err != nil {
		return 0, err
	}
	return len(events.rows), nil
}

// bulkTable is the rows of one table a bulk load writes, gathered for
// one transaction.
type bulkTable struct {
	name    string
	columns []string
	rows    [][]any
}

func newBulkTable(name, columns string) *bulkTable {
	t := &bulkTable{name: name}
	for _, c := range strings.Split(columns, ",") {
		t.columns = append(t.columns, strings.TrimSpace(c))
	}
	return t
}

// add adds a row, its values in the order of the table's columns.
func (t *bulkTable) add(values ...any) {
	if len(values) != len(t.columns) {
		panic(fmt.Sprintf("store: bulk load: %d values for the %d columns of %s", len(values), len(t.columns), t.name))
	}
	t.rows = append(t.rows, values)
}

// writeBulk writes the tables' rows in tx, one table after another: on
// PostgreSQL with COPY (one round trip a table instead of one a row,
// which made a street of 100,000 reports take a quarter of an hour); on
// SQLite, in-process, with a prepared INSERT each. Either way every
// trigger, check and foreign key of the tables applies to each row, as
// when the server writes it.
func writeBulk(tx *Tx, tables ...*bulkTable) error {
	if tx.conn.engine == postgres {
		for _, t := range tables {
			if err := numberChanges(tx, t); err != nil {
				return err
			}
		}
		return tx.conn.c.Raw(func(dc any) error {
			pc, ok := dc.(*pgConn)
			if !ok {
				return fmt.Errorf("store: bulk load: a %T is not a PostgreSQL connection", dc)
			}
			for _, t := range tables {
				for _, row := range t.rows {
					for i, v := range row {
						// Named integer types (Category, Status, …) as
						// plain ones, as database/sql converts them.
						var err error
						if row[i], err = driver.DefaultParameterConverter.ConvertValue(v); err != nil {
							return fmt.Errorf("copy into %s: %w", t.name, err)
						}
					}
				}
				n, err := pc.Conn.Conn().CopyFrom(context.Background(), pgx.Identifier{t.name}, t.columns, pgx.CopyFromRows(t.rows))
				if err != nil {
					return fmt.Errorf("copy into %s: %w", t.name, tx.note(err))
				}
				if n != int64(len(t.rows)) {
					return fmt.Errorf("copy into %s: %d of %d rows written", t.name, n, len(t.rows))
				}
			}
			return nil
		})
	}
	for _, t := range tables {
		st, err := tx.Prepare("INSERT INTO " + t.name + " (" + strings.Join(t.columns, ", ") + ") VALUES (" +
			strings.TrimSuffix(strings.Repeat("?, ", len(t.columns)), ", ") + ")")
		if err != nil {
			return err
		}
		for _, row := range t.rows {
			if _, err := st.Exec(row...); err != nil {
				st.Close()
				return fmt.Errorf("insert into %s: %w", t.name, err)
			}
		}
		if err := st.Close(); err != nil {
			return err
		}
	}
	return nil
}

// numberChanges numbers the rows of t, if they are change rows, from the
// street's counter on PostgreSQL: it takes all their numbers in one
// UPDATE, under the lock of the street's row that the transaction holds
// (see changes_next_seq in migrations/postgres/0006), in the order of the
// rows, as the trigger would have numbered them one by one.
func numberChanges(tx *Tx, t *bulkTable) error {
	if t.name != "changes" || len(t.rows) == 0 {
		return nil
	}
	var last int64
	if err := tx.QueryRow("UPDATE streets SET change_seq = change_seq + ? WHERE id = ? RETURNING change_seq",
		len(t.rows), tx.Street).Scan(&last); err != nil {
		return fmt.Errorf("number %d changes: %w", len(t.rows), tx.note(err))
	}
	t.columns = append(t.columns, "seq")
	first := last - int64(len(t.rows)) + 1
	for i := range t.rows {
		t.rows[i] = append(t.rows[i], first+int64(i))
	}
	return nil
}

// bulkEvent is an event with the content hash of the action it records
// ("" for the submission), as appendEventWithHash keeps it.
type bulkEvent struct {
	event *gridinspect.Event
	hash  string
}

// report makes one report observed at the given time, takes it through
// its life up to g.end, and returns it as it stands then with its content
// hash and events (not yet numbered or chained).
func (g *bulkGen) report(tx *Tx, observed time.Time) (*gridinspect.Report, string, []bulkEvent, error) {
	rng := g.rng
	gr := &g.grids[rng.IntN(len(g.grids))]
	cat := []gridinspect.Category{1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 3, 3, 4, 4, 5, 5, 6}[rng.IntN(18)]
	descs := bulkDescriptions[cat]
	r := &gridinspect.Report{
		ID: g.id(observed), Category: cat, Severity: gridinspect.SeverityGeneral,
		Description: descs[rng.IntN(len(descs))], Location: g.pointIn(gr), GridID: gr.id, ObservedAt: observed,
	}
	if g.chance(0.1) {
		r.Severity = gridinspect.SeverityMajor
	}
	switch cat {
	case gridinspect.CategorySafetyHazard:
		r.Details.SafetyHazard = &gridinspect.SafetyHazardDetails{HazardKind: 1 + rng.IntN(6), PlaceKind: 1 + rng.IntN(5)}
		r.RectifiedOnSpot = g.chance(0.25)
		if g.chance(0.3) {
			r.SubjectID = gr.enterprises[rng.IntN(len(gr.enterprises))]
		}
	case gridinspect.CategoryPollutingEnterprise:
		r.Details.PollutingEnterprise = &gridinspect.PollutingEnterpriseDetails{Polluting: true,
			Activity: 1 + rng.IntN(8), ProposedDisposal: 1 + rng.IntN(3), MovedInFromOutside: g.chance(0.2)}
		r.SubjectID = gr.enterprises[rng.IntN(len(gr.enterprises))]
	case gridinspect.CategoryIllegalConstruction:
		r.Details.IllegalConstruction = &gridinspect.IllegalConstructionDetails{Kind: 1 + rng.IntN(5),
			Land: 1 + rng.IntN(4), AreaSquareMeters: float64(10 + rng.IntN(300))}
	case gridinspect.CategoryWaterSourceRisk:
		r.Details.WaterSourceRisk = &gridinspect.WaterSourceRiskDetails{RiskKind: 1 + rng.IntN(5)}
		r.SubjectID = gr.waters[0]
	case gridinspect.CategoryDangerousHouse:
		r.Details.DangerousHouse = &gridinspect.DangerousHouseDetails{AppraisalGrade: 1 + rng.IntN(4),
			Occupied: g.chance(0.3), Residents: rng.IntN(5)}
		r.SubjectID = gr.households[rng.IntN(len(gr.households))]
	}
	hash := r.ContentHash()

	// As insertReport stores it: most phones sync within the hour, some
	// after days offline; a few have a clock that says 1970.
	g.rules.NormalizeReport(r, observed)
	r.Status = gridinspect.StatusReported
	if r.RectifiedOnSpot {
		r.Status = gridinspect.StatusPendingVerification
	}
	r.Version, r.ReporterID = 1, gr.worker.UserID
	r.ReceivedAt = observed.Add(time.Duration(rng.IntN(60)) * time.Minute)
	if g.chance(0.05) {
		r.ReceivedAt = observed.Add(time.Duration(1+rng.IntN(72)) * time.Hour)
	}
	if r.ReceivedAt.After(g.end) {
		r.ReceivedAt = g.end
	}
	if g.chance(0.005) {
		r.ObservedAt = time.Unix(0, 0).UTC()
		r.ClockSkewFlagged = true
	}
	r.UpdatedAt = r.ReceivedAt
	events := []bulkEvent{{event: &gridinspect.Event{ID: r.ID, ReportID: r.ID, Type: gridinspect.EventReportSubmitted,
		ActorID: r.ReporterID, OccurredAt: r.ObservedAt, ReceivedAt: r.ReceivedAt, ClockSkewFlagged: r.ClockSkewFlagged,
		StatusAfter: r.Status, Version: 1,
		Data: gridinspect.EventData{Submission: &gridinspect.Submission{Category: r.Category, Severity: r.Severity,
			Description: r.Description, Location: r.Location, GridID: r.GridID, SubjectID: r.SubjectID,
			RectifiedOnSpot: r.RectifiedOnSpot, Details: r.Details}}}}}

	at := r.EffectiveAt()
	var failed error
	// act takes one step some time after the last, by the worker or the
	// supervisor as the step requires, unless that would be after the end
	// of the history; it reports whether it did.
	act := func(typ gridinspect.EventType, data gridinspect.EventData, within time.Duration) bool {
		if failed != nil {
			return false
		}
		at = at.Add(time.Duration(rng.Int64N(int64(within))))
		if !at.Before(g.end.Add(-time.Hour)) {
			return false
		}
		a := &gridinspect.Action{ID: g.id(at), ReportID: r.ID, Type: typ, OccurredAt: at, Data: data}
		actor := g.supervisor
		if gridinspect.MayTake(gr.worker, a.Step()) == nil {
			actor = gr.worker
		}
		received := at.Add(time.Duration(rng.IntN(30)) * time.Minute)
		after, e, err := g.rules.Apply(r, a, actor, received)
		if err != nil {
			failed = fmt.Errorf("bulk load: %v on a case that is %v: %w", typ, r.Status, err)
			return false
		}
		if n := e.Data.Notice; n != nil {
			if err := numberNotice(tx, n, e.EffectiveAt()); err != nil {
				failed = err
				return false
			}
		}
		r = after
		events = append(events, bulkEvent{event: e, hash: a.ContentHash()})
		return true
	}
	day := 24 * time.Hour
	verify := func() bool {
		return act(gridinspect.EventRectificationVerified, gridinspect.EventData{
			Verification: &gridinspect.Verification{Passed: true}}, 5*day)
	}
	rectify := func() bool {
		d := gridinspect.DispositionUnspecified
		area := 0.0
		switch cat {
		case gridinspect.CategoryOther:
			d = gridinspect.DispositionResolved
		case gridinspect.CategoryPollutingEnterprise:
			d = []gridinspect.Disposition{gridinspect.DispositionShutDown, gridinspect.DispositionRelocated, gridinspect.DispositionUpgraded}[rng.IntN(3)]
		case gridinspect.CategoryIllegalConstruction:
			d = gridinspect.DispositionDemolished
			area = r.Details.IllegalConstruction.AreaSquareMeters
		case gridinspect.CategoryDangerousHouse:
			d = []gridinspect.Disposition{gridinspect.DispositionRenovated, gridinspect.DispositionDemolished, gridinspect.DispositionResidentsRelocated}[rng.IntN(3)]
		}
		return act(gridinspect.EventRectificationSubmitted, gridinspect.EventData{
			Rectification: &gridinspect.Rectification{Disposition: d, DemolishedAreaSquareMeters: area}}, 30*day)
	}

	switch {
	case r.RectifiedOnSpot:
		verify()
	case g.chance(0.04):
		act(gridinspect.EventReportRejected, gridinspect.EventData{Rejection: &gridinspect.Rejection{Reason: gridinspect.RejectionInvalid}}, 2*day)
	default:
		if !act(gridinspect.EventReportAssigned, gridinspect.EventData{Assignment: &gridinspect.Assignment{
			AssigneeID: gr.worker.UserID, ResponsibleUnit: "责任单位"}}, 2*day) {
			break
		}
		if cat <= gridinspect.CategoryIllegalConstruction && g.chance(0.3) {
			n := &gridinspect.Notice{Kind: gridinspect.NoticeKind(1 + rng.IntN(3))}
			if n.Kind == gridinspect.NoticeEnforcement {
				n.Department = []string{"区应急管理局", "区生态环境分局", "区城管执法局"}[rng.IntN(3)]
			}
			if !act(gridinspect.EventNoticeIssued, gridinspect.EventData{Notice: n}, 3*day) {
				break
			}
			if g.chance(0.2) && !act(gridinspect.EventInterviewRecorded, gridinspect.EventData{
				Interview: &gridinspect.Interview{Interviewee: "负责人"}}, 5*day) {
				break
			}
		}
		if g.chance(0.3) && !act(gridinspect.EventProgressRecorded, gridinspect.EventData{}, 5*day) {
			break
		}
		if g.chance(0.1) && !act(gridinspect.EventDeadlineExtended, gridinspect.EventData{Extension: &gridinspect.DeadlineExtension{
			New: r.Deadline.Add(14 * day), Reason: "延期"}}, 3*day) {
			break
		}
		if !rectify() {
			break
		}
		if g.chance(0.05) {
			if !act(gridinspect.EventRectificationVerified, gridinspect.EventData{
				Verification: &gridinspect.Verification{Reason: "未整改到位"}}, 3*day) || !rectify() {
				break
			}
		}
		if !verify() || r.FollowUpDue.IsZero() {
			break
		}
		at = r.FollowUpDue.Add(-5 * day)
		relapse := g.chance(0.1)
		if !act(gridinspect.EventFollowUpRecorded, gridinspect.EventData{FollowUp: &gridinspect.FollowUp{Relapsed: relapse}}, 10*day) || !relapse {
			break
		}
		if rectify() {
			verify()
		}
	}
	// A supervisor's comment on one case in ten, where the case's status
	// takes one (a refused comment is simply not made).
	if at2 := at.Add(day); failed == nil && g.chance(0.1) && at2.Before(g.end) {
		c := &gridinspect.Action{ID: g.id(at2), ReportID: r.ID, Type: gridinspect.EventCommentAdded,
			Note: "请跟进", OccurredAt: at2}
		if after, e, err := g.rules.Apply(r, c, g.supervisor, at2); err == nil {
			r = after
			events = append(events, bulkEvent{event: e, hash: c.ContentHash()})
		}
	}
	if failed != nil {
		return nil, "", nil, failed
	}
	return r, hash, events, nil
}

// writePatrols writes n patrols spread over the history, each with a
// short GPS track and a change row, as insertPatrol stores them.
func (g *bulkGen) writePatrols(tx *Tx, n int) error {
	patrols := newBulkTable("patrols", "street_id, "+patrolColumns)
	changes := newBulkTable("changes", "street_id, entity_type, entity_id, grid_id, changed_at")
	for range n {
		gr := &g.grids[g.rng.IntN(len(g.grids))]
		at := g.start.Add(time.Duration(g.rng.Int64N(int64(g.end.Sub(g.start) - 3*time.Hour)))).UTC()
		p := &gridinspect.Patrol{ID: g.id(at), Kind: gridinspect.PatrolKind(1 + g.rng.IntN(4)), GridID: gr.id,
			StartedAt: at, EndedAt: at.Add(time.Hour), Participants: 1 + g.rng.IntN(5)}
		if g.chance(0.3) {
			p.SubjectID = gr.enterprises[g.rng.IntN(len(gr.enterprises))]
		}
		for k := range 6 {
			l := g.pointIn(gr)
			p.Track = append(p.Track, gridinspect.TrackPoint{Lat: l.Lat, Lng: l.Lng, RecordedAt: at.Add(time.Duration(k) * 10 * time.Minute)})
		}
		hash := p.ContentHash()
		p.ReporterID, p.ReceivedAt = gr.worker.UserID, at.Add(2*time.Hour)
		track, err := trackJSON(p.Track)
		if err != nil {
			return err
		}
		patrols.add(tx.Street, p.ID, p.Kind, nullString(p.SubjectID), p.GridID, p.StartedAt.UnixNano(),
			p.EndedAt.UnixNano(), p.Participants, track, p.Notes, "[]", p.ReporterID, p.ReceivedAt.UnixNano(),
			boolInt(p.ClockSkewFlagged), hash)
		changes.add(tx.Street, "patrol", p.ID, p.GridID, p.ReceivedAt.UnixNano())
	}
	return writeBulk(tx, patrols, changes)
}
