package phonesim

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	gi "github.com/gridinspect/gridinspect"
	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

// A working day in the field, China time.
const (
	dayStartHour = 8
	dayEndHour   = 18
)

// workday returns the start and end of the latest working day that is
// over at now (08:00–18:00 China time): today after six in the evening,
// yesterday before. Recording a day already over keeps every device time
// in the past, so none is flagged as a clock error.
func workday(now time.Time) (start, end time.Time) {
	local := now.In(gi.ChinaZone)
	d := time.Date(local.Year(), local.Month(), local.Day(), dayStartHour, 0, 0, 0, gi.ChinaZone)
	if local.Before(d.Add((dayEndHour - dayStartHour) * time.Hour)) {
		d = d.AddDate(0, 0, -1)
	}
	return d, d.Add((dayEndHour - dayStartHour) * time.Hour)
}

// world is what a phone knew when it went offline: who it is, its grid
// and that grid's subjects, and the cases it could act on.
type world struct {
	userID   string
	grid     *pb.Grid
	area     *area
	subjects map[pb.SubjectKind][]*pb.Subject
	assigned []*pb.Report // open cases assigned to the user
	open     []*pb.Report // other open cases of the grid
	returned []*pb.Report // the user's reports returned for more (退回补充)
}

// shape is how much a phone records in a day.
type shape struct {
	reports, patrols, photosPerReport int
	// photoMin and photoMax bound a photo's size in bytes.
	photoMin, photoMax int
	// fixEvery is the time between two GPS fixes of a patrol's track.
	fixEvery time.Duration
	// actions, when more than the day's cases call for, adds comments on
	// the phone's own reports of the day up to that many actions.
	actions int
}

// day is what one phone recorded, kept to check the server against.
type day struct {
	start, end time.Time
	shape      shape
	reports    []*pb.Report           // as sent
	truth      map[string]gi.LatLng   // each report's true WGS-84 position
	tracks     map[string][]gi.LatLng // each patrol's true WGS-84 track
	patrols    []*pb.Patrol
	actions    []*action
	photos     []*photo
	outbox     []*pb.Mutation // in device_seq order
	photoIndex map[string]*photo
}

// photoByID returns the day's photo of that id, or nil.
func (d *day) photoByID(id string) *photo {
	if d.photoIndex == nil {
		d.photoIndex = map[string]*photo{}
		for _, ph := range d.photos {
			d.photoIndex[ph.id] = ph
		}
	}
	return d.photoIndex[id]
}

// action is one step recorded on a case.
type action struct {
	id, reportID string
	typ          pb.EventType
}

// newID returns a time-ordered UUIDv7, as a phone makes its ids.
func newID() string { return uuid.Must(uuid.NewV7()).String() }

// item is one write of the day, before it is numbered.
type item struct {
	at time.Time
	m  *pb.Mutation
}

// recordDay plays one phone's day offline and returns what it recorded,
// its outbox numbered in the order the phone made the writes.
func recordDay(rng *rand.Rand, w *world, start, end time.Time, sh shape) (*day, error) {
	d := &day{start: start, end: end, shape: sh, truth: map[string]gi.LatLng{}, tracks: map[string][]gi.LatLng{}}
	nReports, nPatrols, nPhotos := sh.reports, sh.patrols, sh.photosPerReport
	var items []item

	// Patrols first, since the reports found on one lie along its track.
	type walk struct {
		p          *pb.Patrol
		start, end time.Time
		track      []gi.LatLng
		times      []time.Time
	}
	var walks []*walk
	slot := (end.Sub(start) - time.Hour) / time.Duration(max(nPatrols, 1))
	for i := range nPatrols {
		s := start.Add(30*time.Minute + time.Duration(i)*slot + time.Duration(rng.Int64N(int64(slot/5)+1)))
		dur := time.Duration(float64(slot) * (0.3 + 0.5*rng.Float64()))
		dur = min(dur, 2*time.Hour)
		track, times, err := w.area.walk(rng, s, dur, sh.fixEvery)
		if err != nil {
			return nil, err
		}
		p := &pb.Patrol{
			Id:           newID(),
			Kind:         patrolKind(rng, w, i),
			GridId:       w.grid.GetId(),
			StartedAt:    timestamppb.New(s),
			EndedAt:      timestamppb.New(s.Add(dur)),
			Participants: int32(1 + rng.IntN(4)),
		}
		if p.Kind == pb.PatrolKind_PATROL_KIND_WATER_SOURCE {
			p.SubjectId = pick(rng, w.subjects[pb.SubjectKind_SUBJECT_KIND_WATER_SOURCE]).GetId()
		}
		if rng.IntN(4) == 0 {
			p.GridId = "" // placed by its track's first point
		}
		sys := pb.CoordinateSystem_COORDINATE_SYSTEM_WGS84
		if rng.IntN(3) == 0 {
			sys = pb.CoordinateSystem_COORDINATE_SYSTEM_GCJ02 // the app's map SDK
		}
		p.TrackCoordinateSystem = sys
		for j, pt := range track {
			lat, lng := gi.FromWGS84(gi.CoordinateSystem(sys), pt.Lat, pt.Lng)
			p.Track = append(p.Track, &pb.TrackPoint{Latitude: lat, Longitude: lng, RecordedAt: timestamppb.New(times[j])})
		}
		d.tracks[p.GetId()] = track
		walks = append(walks, &walk{p: p, start: s, end: s.Add(dur), track: track, times: times})
	}

	// Reports, at random times of the day.
	times := make([]time.Time, nReports)
	for i := range times {
		times[i] = start.Add(15*time.Minute + time.Duration(rng.Int64N(int64(end.Sub(start)-30*time.Minute))))
	}
	slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
	for _, at := range times {
		var on *walk
		for _, wk := range walks {
			if !at.Before(wk.start) && !at.After(wk.end) && rng.IntN(5) > 0 {
				on = wk
			}
		}
		var where gi.LatLng
		if on != nil {
			i, _ := slices.BinarySearchFunc(on.times, at, func(a, b time.Time) int { return a.Compare(b) })
			where = w.area.near(rng, on.track[min(i, len(on.track)-1)])
		} else {
			where = w.area.randomPoint(rng)
		}
		r := w.report(rng, at, where)
		if on != nil {
			r.PatrolId = on.p.GetId()
			on.p.ReportIds = append(on.p.ReportIds, r.GetId())
		}
		for k := range nPhotos {
			ph := d.photo(rng, newID(), r.GetId(), at.Add(time.Duration(k)*20*time.Second), r.GetLocation())
			r.PhotoIds = append(r.PhotoIds, ph.id)
			d.photos = append(d.photos, ph)
		}
		d.reports = append(d.reports, r)
		d.truth[r.GetId()] = where
		items = append(items, item{at: at, m: &pb.Mutation{Kind: &pb.Mutation_SubmitReport{SubmitReport: &pb.SubmitReportRequest{Report: r}}}})

		// Now and then the worker adds to a report later in the day.
		if rng.IntN(10) == 0 {
			when := at.Add(10*time.Minute + time.Duration(rng.Int64N(int64(80*time.Minute))))
			if when.Before(end) {
				items = append(items, d.comment(when, r.GetId(), 0, pick(rng, followUpNotes)))
			}
		}
	}

	// Patrols are saved when they end, with what they found.
	for _, wk := range walks {
		if n := len(wk.p.GetReportIds()); n > 0 {
			wk.p.Notes = fmt.Sprintf("巡查发现问题%d处，已逐一拍照上报", n)
		} else {
			wk.p.Notes = pick(rng, quietPatrolNotes)
		}
		d.patrols = append(d.patrols, wk.p)
		items = append(items, item{at: wk.end, m: &pb.Mutation{Kind: &pb.Mutation_SubmitPatrol{SubmitPatrol: &pb.SubmitPatrolRequest{Patrol: wk.p}}}})
	}

	// Work on the cases assigned to the worker: progress notes, each based
	// on the version the phone believes the case is at (numbered below).
	for i, c := range w.assigned {
		if i >= 3 {
			break
		}
		for range 1 + rng.IntN(2) {
			at := start.Add(time.Duration(rng.Int64N(int64(end.Sub(start)))))
			id := newID()
			items = append(items, item{at: at, m: &pb.Mutation{Kind: &pb.Mutation_RecordProgress{RecordProgress: &pb.RecordProgressRequest{
				ActionId: id, ReportId: c.GetId(), OccurredAt: timestamppb.New(at),
				Note: fmt.Sprintf("已督促责任单位整改，现场完成约%d%%", 20+10*rng.IntN(8)),
			}}}})
			d.actions = append(d.actions, &action{id: id, reportID: c.GetId(), typ: pb.EventType_EVENT_TYPE_PROGRESS_RECORDED})
		}
	}
	// And a word on another open case of the grid, seen again on the way.
	if len(w.open) > 0 && rng.IntN(2) == 0 {
		c := pick(rng, w.open)
		at := start.Add(time.Duration(rng.Int64N(int64(end.Sub(start)))))
		items = append(items, d.comment(at, c.GetId(), 0, pick(rng, revisitNotes)))
	}

	// Answer what the supervisor sent back for more.
	for _, c := range w.returned {
		items = append(items, d.supplement(rng, c, start, end))
	}
	// A busier worker adds to the day's own reports later on.
	for len(d.actions) < sh.actions && len(d.reports) > 0 {
		r := pick(rng, d.reports)
		when := r.GetObservedAt().AsTime().Add(10*time.Minute + time.Duration(rng.Int64N(int64(80*time.Minute))))
		if when.After(end) {
			when = end.Add(-time.Minute)
		}
		items = append(items, d.comment(when, r.GetId(), 0, pick(rng, followUpNotes)))
	}

	// Number the writes in the order the phone made them. A progress note
	// expects the version the phone saw before going offline, plus one for
	// each of its own notes since.
	slices.SortStableFunc(items, func(a, b item) int { return a.at.Compare(b.at) })
	version := map[string]int64{}
	for _, c := range w.assigned {
		version[c.GetId()] = c.GetVersion()
	}
	for i, it := range items {
		it.m.MutationId = newID()
		it.m.DeviceSeq = int64(i + 1)
		if rp := it.m.GetRecordProgress(); rp != nil {
			rp.ExpectedVersion = version[rp.GetReportId()]
			version[rp.GetReportId()]++
		}
		d.outbox = append(d.outbox, it.m)
	}
	return d, nil
}

// comment records a comment on a case.
func (d *day) comment(at time.Time, reportID string, version int64, note string) item {
	id := newID()
	d.actions = append(d.actions, &action{id: id, reportID: reportID, typ: pb.EventType_EVENT_TYPE_COMMENT_ADDED})
	return item{at: at, m: &pb.Mutation{Kind: &pb.Mutation_CommentOnReport{CommentOnReport: &pb.CommentOnReportRequest{
		ActionId: id, ReportId: reportID, ExpectedVersion: version, OccurredAt: timestamppb.New(at), Note: note,
	}}}}
}

func pick[T any](rng *rand.Rand, xs []T) T {
	var zero T
	if len(xs) == 0 {
		return zero
	}
	return xs[rng.IntN(len(xs))]
}

// patrolKind chooses the i-th patrol's kind: the grid's water source is
// walked first, where it has one.
func patrolKind(rng *rand.Rand, w *world, i int) pb.PatrolKind {
	if len(w.subjects[pb.SubjectKind_SUBJECT_KIND_WATER_SOURCE]) > 0 && (i == 0 || rng.IntN(4) == 0) {
		return pb.PatrolKind_PATROL_KIND_WATER_SOURCE
	}
	return pick(rng, []pb.PatrolKind{
		pb.PatrolKind_PATROL_KIND_POLLUTION_AREA, pb.PatrolKind_PATROL_KIND_SAFETY,
		pb.PatrolKind_PATROL_KIND_GENERAL, pb.PatrolKind_PATROL_KIND_GENERAL,
	})
}

// category chooses a report's category by how often each is found; those
// that need a subject the grid lacks are left out.
func (w *world) category(rng *rand.Rand) pb.Category {
	type weighted struct {
		c pb.Category
		w int
	}
	cs := []weighted{
		{pb.Category_CATEGORY_SAFETY_HAZARD, 35}, {pb.Category_CATEGORY_POLLUTING_ENTERPRISE, 15},
		{pb.Category_CATEGORY_ILLEGAL_CONSTRUCTION, 20}, {pb.Category_CATEGORY_OTHER, 10},
	}
	if len(w.subjects[pb.SubjectKind_SUBJECT_KIND_WATER_SOURCE]) > 0 {
		cs = append(cs, weighted{pb.Category_CATEGORY_WATER_SOURCE_RISK, 10})
	}
	if len(w.subjects[pb.SubjectKind_SUBJECT_KIND_HOUSEHOLD]) > 0 {
		cs = append(cs, weighted{pb.Category_CATEGORY_DANGEROUS_HOUSE, 10})
	}
	total := 0
	for _, c := range cs {
		total += c.w
	}
	n := rng.IntN(total)
	for _, c := range cs {
		if n < c.w {
			return c.c
		}
		n -= c.w
	}
	return pb.Category_CATEGORY_OTHER
}

// report records one problem seen at (true WGS-84 position) where.
func (w *world) report(rng *rand.Rand, at time.Time, where gi.LatLng) *pb.Report {
	c := w.category(rng)
	r := &pb.Report{
		Id:         newID(),
		Category:   c,
		Severity:   pb.Severity_SEVERITY_GENERAL,
		ObservedAt: timestamppb.New(at),
		GridId:     w.grid.GetId(),
		Location:   w.location(rng, where),
	}
	if rng.IntN(10) == 0 {
		r.Severity = pb.Severity_SEVERITY_MAJOR
	}
	if rng.IntN(3) == 0 {
		r.GridId = "" // the server places it by its location
	}
	subject := func(k pb.SubjectKind) string { return pick(rng, w.subjects[k]).GetId() }
	switch c {
	case pb.Category_CATEGORY_SAFETY_HAZARD:
		kind := pb.HazardKind(1 + rng.IntN(6))
		place := pb.PlaceKind(1 + rng.IntN(5))
		r.Description = pick(rng, hazardTexts[kind])
		r.Details = &pb.Report_SafetyHazard{SafetyHazard: &pb.SafetyHazardDetails{HazardKind: kind, PlaceKind: place}}
		if place == pb.PlaceKind_PLACE_KIND_ENTERPRISE && rng.IntN(2) == 0 {
			r.SubjectId = subject(pb.SubjectKind_SUBJECT_KIND_ENTERPRISE)
		}
		r.RectifiedOnSpot = rng.IntN(5) == 0
	case pb.Category_CATEGORY_POLLUTING_ENTERPRISE:
		act := pb.PollutingActivity(1 + rng.IntN(9))
		det := &pb.PollutingEnterpriseDetails{
			Scattered: rng.IntN(2) == 0, Disorderly: rng.IntN(2) == 0, Polluting: true,
			Activity: act, ProposedDisposal: pb.ProposedDisposal(1 + rng.IntN(3)),
		}
		if act == pb.PollutingActivity_POLLUTING_ACTIVITY_OTHER {
			det.ActivityDescription = "废旧轮胎炼油"
		}
		if rng.IntN(5) == 0 {
			det.MovedInFromOutside, det.FromDistrict = true, pick(rng, []string{"繁昌区", "弋江区", "鸠江区"})
		}
		r.Description = pick(rng, pollutingTexts)
		r.Details = &pb.Report_PollutingEnterprise{PollutingEnterprise: det}
		if rng.IntN(3) > 0 {
			r.SubjectId = subject(pb.SubjectKind_SUBJECT_KIND_ENTERPRISE)
		}
	case pb.Category_CATEGORY_ILLEGAL_CONSTRUCTION:
		area := float64(5+rng.IntN(300)) + float64(rng.IntN(10))/10
		kind := pb.ConstructionKind(1 + rng.IntN(5))
		r.Description = fmt.Sprintf(pick(rng, constructionTexts), area)
		r.Details = &pb.Report_IllegalConstruction{IllegalConstruction: &pb.IllegalConstructionDetails{
			Kind: kind, Land: pb.LandKind(1 + rng.IntN(4)), AreaSquareMeters: area,
		}}
		r.RectifiedOnSpot = kind == pb.ConstructionKind_CONSTRUCTION_KIND_STORAGE && rng.IntN(2) == 0
	case pb.Category_CATEGORY_WATER_SOURCE_RISK:
		kind := pb.WaterRiskKind(1 + rng.IntN(5))
		r.SubjectId = subject(pb.SubjectKind_SUBJECT_KIND_WATER_SOURCE)
		r.Description = waterTexts[kind]
		r.Details = &pb.Report_WaterSourceRisk{WaterSourceRisk: &pb.WaterSourceRiskDetails{RiskKind: kind}}
	case pb.Category_CATEGORY_DANGEROUS_HOUSE:
		det := &pb.DangerousHouseDetails{AppraisalGrade: pb.HouseGrade(3 + rng.IntN(2)), Occupied: rng.IntN(3) == 0}
		if det.Occupied {
			det.Residents = int32(1 + rng.IntN(5))
		}
		r.SubjectId = subject(pb.SubjectKind_SUBJECT_KIND_HOUSEHOLD)
		r.Description = pick(rng, houseTexts)
		r.Details = &pb.Report_DangerousHouse{DangerousHouse: det}
	default:
		r.Description = pick(rng, otherTexts)
		r.RectifiedOnSpot = rng.IntN(4) == 0
	}
	return r
}

// location describes where as the phone reports it: in WGS-84 from the
// GPS, or in the datum of the map SDK it used, with an address.
func (w *world) location(rng *rand.Rand, where gi.LatLng) *pb.Location {
	sys := pb.CoordinateSystem_COORDINATE_SYSTEM_WGS84
	switch rng.IntN(10) {
	case 0, 1, 2:
		sys = pb.CoordinateSystem_COORDINATE_SYSTEM_GCJ02
	case 3:
		sys = pb.CoordinateSystem_COORDINATE_SYSTEM_BD09
	}
	lat, lng := gi.FromWGS84(gi.CoordinateSystem(sys), where.Lat, where.Lng)
	addr := fmt.Sprintf("%s%d组%d号", w.grid.GetName(), 1+rng.IntN(12), 1+rng.IntN(80))
	if w.grid.GetKind() == pb.GridKind_GRID_KIND_COMMUNITY {
		addr = fmt.Sprintf("%s%d栋%d单元", w.grid.GetName(), 1+rng.IntN(30), 1+rng.IntN(4))
	}
	return &pb.Location{
		Latitude: lat, Longitude: lng, AccuracyMeters: float64(3 + rng.IntN(23)),
		Address: addr, CoordinateSystem: sys,
	}
}

// area is a grid's boundary, with what it takes to pick points well inside
// it.
type area struct {
	b      gi.Boundary
	sw, ne gi.LatLng
	edges  [][2]gi.LatLng
}

// edgeMargin keeps points about 40 m from the boundary, so that no point
// lies on an edge two grids share and GPS wobble cannot leave the grid.
const edgeMargin = 0.0004

func newArea(g *pb.Grid) (*area, error) {
	a := &area{sw: gi.LatLng{Lat: math.Inf(1), Lng: math.Inf(1)}, ne: gi.LatLng{Lat: math.Inf(-1), Lng: math.Inf(-1)}}
	for _, poly := range g.GetBoundary() {
		var rings [][]gi.LatLng
		for _, ring := range poly.GetRings() {
			var pts []gi.LatLng
			for _, p := range ring.GetPoints() {
				q := gi.LatLng{Lat: p.GetLatitude(), Lng: p.GetLongitude()}
				pts = append(pts, q)
				a.sw.Lat, a.sw.Lng = min(a.sw.Lat, q.Lat), min(a.sw.Lng, q.Lng)
				a.ne.Lat, a.ne.Lng = max(a.ne.Lat, q.Lat), max(a.ne.Lng, q.Lng)
			}
			for i := range pts {
				a.edges = append(a.edges, [2]gi.LatLng{pts[i], pts[(i+1)%len(pts)]})
			}
			rings = append(rings, pts)
		}
		a.b = append(a.b, rings)
	}
	if len(a.edges) < 3 {
		return nil, fmt.Errorf("grid %s (%s) has no boundary", g.GetName(), g.GetId())
	}
	return a, nil
}

// inside reports whether p lies in the grid, clear of its edges.
func (a *area) inside(p gi.LatLng) bool {
	if !a.b.Contains(p) {
		return false
	}
	for _, e := range a.edges {
		if segmentDistance(p, e[0], e[1]) < edgeMargin {
			return false
		}
	}
	return true
}

// segmentDistance is the planar distance, in degrees, from p to segment ab.
func segmentDistance(p, a, b gi.LatLng) float64 {
	dx, dy := b.Lng-a.Lng, b.Lat-a.Lat
	t := 0.0
	if l := dx*dx + dy*dy; l > 0 {
		t = max(0, min(1, ((p.Lng-a.Lng)*dx+(p.Lat-a.Lat)*dy)/l))
	}
	return math.Hypot(p.Lng-(a.Lng+t*dx), p.Lat-(a.Lat+t*dy))
}

// randomPoint returns a point chosen evenly inside the grid.
func (a *area) randomPoint(rng *rand.Rand) gi.LatLng {
	for range 100000 {
		p := gi.LatLng{Lat: a.sw.Lat + rng.Float64()*(a.ne.Lat-a.sw.Lat), Lng: a.sw.Lng + rng.Float64()*(a.ne.Lng-a.sw.Lng)}
		if a.inside(p) {
			return p
		}
	}
	panic("gridsim: no point found inside the grid") // newArea's grid is a few km wide; cannot happen
}

// near returns a point within about 20 m of p, inside the grid.
func (a *area) near(rng *rand.Rand, p gi.LatLng) gi.LatLng {
	for range 20 {
		q := gi.LatLng{Lat: p.Lat + (rng.Float64()-0.5)*0.0004, Lng: p.Lng + (rng.Float64()-0.5)*0.0004}
		if a.inside(q) {
			return q
		}
	}
	return p
}

// walk returns a GPS track of a patrol of dur from start: a fix about
// every fixEvery (a minute if 0), steps of 10–60 m, turning back at the
// grid's edge; two hours' fixes at most.
func (a *area) walk(rng *rand.Rand, start time.Time, dur, fixEvery time.Duration) ([]gi.LatLng, []time.Time, error) {
	if fixEvery <= 0 {
		fixEvery = time.Minute
	}
	p := a.randomPoint(rng)
	heading := rng.Float64() * 2 * math.Pi
	n := max(2, min(int(2*time.Hour/fixEvery), int(dur/fixEvery)))
	step := dur / time.Duration(n-1)
	track, times := []gi.LatLng{p}, []time.Time{start}
	for i := 1; i < n; i++ {
		for try := 0; ; try++ {
			d := 0.0001 + 0.0005*rng.Float64()
			q := gi.LatLng{Lat: p.Lat + d*math.Cos(heading), Lng: p.Lng + d*math.Sin(heading)}
			if a.inside(q) {
				p = q
				break
			}
			heading = rng.Float64() * 2 * math.Pi
			if try > 20 {
				break // cornered: stand still for a fix
			}
		}
		heading += (rng.Float64() - 0.5) * 0.6
		track = append(track, p)
		times = append(times, start.Add(time.Duration(i)*step))
	}
	return track, times, nil
}

// subjectsByKind groups subjects.
func subjectsByKind(ss []*pb.Subject) map[pb.SubjectKind][]*pb.Subject {
	out := map[pb.SubjectKind][]*pb.Subject{}
	for _, s := range ss {
		out[s.GetKind()] = append(out[s.GetKind()], s)
	}
	for _, v := range out {
		slices.SortFunc(v, func(a, b *pb.Subject) int { return cmp.Compare(a.GetId(), b.GetId()) })
	}
	return out
}

// What a grid worker writes.
var (
	hazardTexts = map[pb.HazardKind][]string{
		pb.HazardKind_HAZARD_KIND_FIRE: {
			"仓库内灭火器过期，安全出口被货物堵塞", "楼道内堆放杂物，消防通道不畅", "门面房内电动车违规停放充电",
		},
		pb.HazardKind_HAZARD_KIND_GAS: {
			"餐馆液化气钢瓶未设报警装置，连接软管老化", "居民楼下私设液化气供应点",
		},
		pb.HazardKind_HAZARD_KIND_ELECTRICAL: {
			"配电箱门损坏，电线私拉乱接", "飞线充电，电线从窗户垂下", "临时用电未装漏电保护器",
		},
		pb.HazardKind_HAZARD_KIND_STRUCTURAL: {
			"围墙出现裂缝，有倒塌风险", "店招广告牌固定螺栓锈蚀松动",
		},
		pb.HazardKind_HAZARD_KIND_CHEMICAL: {
			"小作坊油漆稀料混放，无防火措施", "农资店农药与食品混放",
		},
		pb.HazardKind_HAZARD_KIND_OTHER: {
			"河边防护栏缺失，存在落水风险", "废弃机井未封盖",
		},
	}
	pollutingTexts = []string{
		"发现一处非法洗沙点，废水直排河道", "废塑料加工作坊露天堆放，无环评手续", "小熔炼作坊烟尘未经处理直排",
		"露天喷涂作业，无废气收集设施", "石材切割粉尘大，污水未沉淀直排",
	}
	constructionTexts = []string{
		"农户在耕地上新建砖混房屋约%.1f平方米", "沿路私搭彩钢棚约%.1f平方米", "屋顶加盖违建约%.1f平方米",
		"占用公共场地堆放建材约%.1f平方米",
	}
	waterTexts = map[pb.WaterRiskKind]string{
		pb.WaterRiskKind_WATER_RISK_KIND_SEWAGE:       "水源保护区内发现生活污水排放口",
		pb.WaterRiskKind_WATER_RISK_KIND_GARBAGE:      "水源地周边倾倒生活垃圾",
		pb.WaterRiskKind_WATER_RISK_KIND_LIVESTOCK:    "保护区内散养家禽",
		pb.WaterRiskKind_WATER_RISK_KIND_CONSTRUCTION: "保护区内有施工作业，未见审批手续",
		pb.WaterRiskKind_WATER_RISK_KIND_OTHER:        "水源地警示牌损毁",
	}
	houseTexts = []string{
		"老旧土坯房墙体开裂，屋面漏雨", "房屋梁柱腐朽，墙体倾斜", "雨后房屋后墙局部坍塌",
	}
	otherTexts = []string{
		"路灯损坏，夜间照明不足", "窨井盖缺失", "公共健身器材损坏",
	}
	followUpNotes = []string{
		"已电话通知当事人限期整改", "补充说明：现场有人员居住", "当事人表示三日内清理完毕", "已告知村委会协助处理",
	}
	revisitNotes = []string{
		"巡查时再次查看，情况未变", "巡查时查看，已有整改迹象", "现场复看，当事人不在",
	}
	quietPatrolNotes = []string{
		"例行巡查，未发现新问题", "巡查辖区重点部位，情况正常", "走访住户，宣传安全知识",
	}
)
