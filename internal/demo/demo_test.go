package demo

import (
	"context"
	"fmt"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/google/uuid"
	gi "github.com/gridinspect/gridinspect"
	v1 "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

// testNow is well after the demo's half-year, as a real clock is.
var testNow = time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)

func adminContext() context.Context {
	return gi.NewContext(context.Background(), &gi.Actor{
		UserID: "01900000-0000-7000-8000-000000000001", Username: "admin", Role: gi.RoleAdmin, AllGrids: true,
	})
}

// mustSeed seeds f and fails the test on error.
func mustSeed(t *testing.T, f *fakeServices, now time.Time) Stats {
	t.Helper()
	st, err := Seed(adminContext(), f, f, now)
	if err != nil {
		t.Fatalf("Seed: %v", err)
	}
	return st
}

func TestSeed_CreatesTheStreet(t *testing.T) {
	f := newFake(testNow)
	st := mustSeed(t, f, testNow)
	want := Stats{Grids: 10, Subjects: len(subjectSpecs), Reports: len(reportSpecs), Patrols: len(patrolSpecs)}
	if st != want {
		t.Fatalf("Stats = %+v, want %+v", st, want)
	}
	got := Stats{Grids: len(f.grids), Subjects: len(f.subjects), Reports: len(f.reports), Patrols: len(f.patrols)}
	if got != want {
		t.Errorf("stored %+v, want %+v", got, want)
	}
	// The brief's sizes: about 30 subjects, 40 reports, 15 patrols.
	if st.Subjects < 25 || st.Reports < 35 || st.Patrols < 12 {
		t.Errorf("Stats = %+v; the demo street is thinner than intended", st)
	}
}

func TestSeed_IsIdempotent(t *testing.T) {
	f := newFake(testNow)
	first := mustSeed(t, f, testNow)
	created := f.created
	before := snapshot(f)

	// A day later the server restarts with --demo.
	later := testNow.Add(24 * time.Hour)
	f.now = later
	second := mustSeed(t, f, later)
	if second != first {
		t.Errorf("second Stats = %+v, want %+v", second, first)
	}
	if f.created != created {
		t.Errorf("second run created %d objects, want 0", f.created-created)
	}
	if after := snapshot(f); !reflect.DeepEqual(after, before) {
		t.Error("second run changed stored objects")
	}
}

// snapshot copies what f stores, so a later run cannot change it unseen.
func snapshot(f *fakeServices) map[string]any {
	m := map[string]any{}
	for id, g := range f.grids {
		m[id] = *g
	}
	for id, s := range f.subjects {
		m[id] = *s
	}
	for id, r := range f.reports {
		m[id] = *r
	}
	for id, p := range f.patrols {
		m[id] = *p
	}
	return m
}

func TestSeed_PassesErrorsOn(t *testing.T) {
	f := newFake(testNow)
	_, err := Seed(context.Background(), f, f, testNow) // no actor
	if got := gi.ErrorCode(err); got != gi.EUNAUTHENTICATED {
		t.Fatalf("ErrorCode = %q (%v), want %q", got, err, gi.EUNAUTHENTICATED)
	}
}

func TestSeed_RefusesAClockBeforeTheHalfYear(t *testing.T) {
	f := newFake(testNow)
	early := time.Date(2024, 6, 30, 12, 0, 0, 0, time.UTC)
	if _, err := Seed(adminContext(), f, f, early); err == nil {
		t.Fatal("Seed at 2024-06-30 succeeded; its cases would lie in the future")
	}
	if f.created != 0 {
		t.Errorf("created %d objects before refusing", f.created)
	}
}

func TestSeed_StoredObjectsAreValid(t *testing.T) {
	f := newFake(testNow)
	mustSeed(t, f, testNow)
	r := gi.DefaultRules
	for _, g := range f.grids {
		if err := r.ValidateGrid(g); err != nil {
			t.Errorf("grid %s: %v", g.Name, err)
		}
	}
	for _, s := range f.subjects {
		if err := r.ValidateSubject(s); err != nil {
			t.Errorf("subject %s: %v", s.Name, err)
		}
	}
	for _, rep := range f.reports {
		if err := r.ValidateReport(rep); err != nil {
			t.Errorf("report %s: %v", rep.Description, err)
		}
		if rep.ClockSkewFlagged {
			t.Errorf("report %s: clock flagged", rep.Description)
		}
	}
	for _, p := range f.patrols {
		if err := r.ValidatePatrol(p); err != nil {
			t.Errorf("patrol %s: %v", p.Notes, err)
		}
		if p.ClockSkewFlagged {
			t.Errorf("patrol %s: clock flagged", p.Notes)
		}
	}
}

// gridsContaining returns the ids of the stored grids that contain p.
func gridsContaining(f *fakeServices, p gi.LatLng) []string {
	var ids []string
	for _, id := range f.order {
		if f.grids[id].Boundary.Contains(p) {
			ids = append(ids, id)
		}
	}
	return ids
}

// checkInGrid fails unless exactly one grid, gridID, contains p.
func checkInGrid(t *testing.T, f *fakeServices, what string, p gi.LatLng, gridID string) {
	t.Helper()
	got := gridsContaining(f, p)
	if len(got) != 1 || got[0] != gridID {
		t.Errorf("%s at (%.6f, %.6f): in grids %v, want only %s (%s)", what, p.Lat, p.Lng, got, gridID, f.grids[gridID].Name)
	}
}

func TestSeed_EverythingLiesInItsGrid(t *testing.T) {
	f := newFake(testNow)
	mustSeed(t, f, testNow)
	for _, s := range f.subjects {
		checkInGrid(t, f, "subject "+s.Name, s.Location.Point(), s.GridID)
	}
	specs := layout()
	for _, rs := range reportSpecs {
		rep := f.reports[reportID(rs)]
		if want := gridID(rs.grid); rep.GridID != want {
			t.Errorf("report %s: grid %s, want %s", rs.key, rep.GridID, want)
		}
		checkInGrid(t, f, "report "+rs.key, rep.Location.Point(), rep.GridID)
		// A point given in GCJ-02 or BD-09 must be stored where it was meant.
		want := reportPoint(specs, rs)
		if d := math.Max(math.Abs(rep.Location.Lat-want.Lat), math.Abs(rep.Location.Lng-want.Lng)); d > 1e-8 {
			t.Errorf("report %s (%v): stored %.1e° from where it was made", rs.key, rs.sys, d)
		}
		if rep.SubjectID != "" && f.subjects[rep.SubjectID].GridID != rep.GridID {
			t.Errorf("report %s: subject %s is in another grid", rs.key, f.subjects[rep.SubjectID].Name)
		}
	}
	for _, p := range f.patrols {
		if len(p.Track) < 2 {
			t.Errorf("patrol %s: %d track points", p.Notes, len(p.Track))
		}
		for i, pt := range p.Track {
			checkInGrid(t, f, fmt.Sprintf("patrol %s track[%d]", p.Notes, i), gi.LatLng{Lat: pt.Lat, Lng: pt.Lng}, p.GridID)
		}
		if p.SubjectID != "" && f.subjects[p.SubjectID].GridID != p.GridID {
			t.Errorf("patrol %s: subject %s is in another grid", p.Notes, f.subjects[p.SubjectID].Name)
		}
	}
}

func TestSeed_PatrolsAndReportsAgree(t *testing.T) {
	f := newFake(testNow)
	mustSeed(t, f, testNow)
	linked := 0
	for _, p := range f.patrols {
		if p.EndedAt.Sub(p.StartedAt) < 30*time.Minute {
			t.Errorf("patrol %s lasted %v", p.Notes, p.EndedAt.Sub(p.StartedAt))
		}
		for _, id := range p.ReportIDs {
			r := f.reports[id]
			switch {
			case r == nil:
				t.Errorf("patrol %s lists unknown report %s", p.Notes, id)
				continue
			case r.PatrolID != p.ID:
				t.Errorf("patrol %s lists report %s, which names patrol %s", p.Notes, r.Description, r.PatrolID)
			case r.GridID != p.GridID:
				t.Errorf("patrol %s lists report %s of another grid", p.Notes, r.Description)
			case r.ObservedAt.Before(p.StartedAt) || r.ObservedAt.After(p.EndedAt):
				t.Errorf("patrol %s (%v–%v) lists report %s observed at %v", p.Notes, p.StartedAt, p.EndedAt, r.Description, r.ObservedAt)
			}
			linked++
		}
	}
	for _, r := range f.reports {
		if r.PatrolID != "" && f.patrols[r.PatrolID] == nil {
			t.Errorf("report %s names unknown patrol %s", r.Description, r.PatrolID)
		}
	}
	if linked == 0 {
		t.Error("no patrol lists a report")
	}
}

func TestSeed_DatesFallInTheHalfYear(t *testing.T) {
	in := func(tm time.Time) bool { return !tm.Before(periodStart) && tm.Before(periodEnd) }
	for _, r := range demoReports() {
		if !in(r.ObservedAt) {
			t.Errorf("report %s observed at %v", r.Description, r.ObservedAt)
		}
	}
	for _, p := range demoPatrols() {
		if !in(p.StartedAt) || !in(p.EndedAt) {
			t.Errorf("patrol %s from %v to %v", p.Notes, p.StartedAt, p.EndedAt)
		}
		for _, pt := range p.Track {
			if pt.RecordedAt.Before(p.StartedAt) || pt.RecordedAt.After(p.EndedAt) {
				t.Errorf("patrol %s: track point at %v", p.Notes, pt.RecordedAt)
			}
		}
	}
}

func TestGrids_TileTheStreet(t *testing.T) {
	f := newFake(testNow)
	mustSeed(t, f, testNow)

	// Every point of a fine lattice over the street lies in exactly one
	// grid. The lattice is offset by odd fractions so that no point falls
	// on a shared edge, where it would rightly count for both.
	const nLng, nLat = 150, 100
	for i := range nLng {
		for j := range nLat {
			p := gi.LatLng{
				Lat: streetSouth + (float64(j)+0.37)/nLat*(streetNorth-streetSouth),
				Lng: streetWest + (float64(i)+0.61)/nLng*(streetEast-streetWest),
			}
			if got := gridsContaining(f, p); len(got) != 1 {
				t.Fatalf("(%.6f, %.6f) lies in %d grids, want 1", p.Lat, p.Lng, len(got))
			}
		}
	}
	// Just outside the rectangle (about 30 m) lies in none.
	const eps = 0.0003
	for k := range 200 {
		x := float64(k) / 199
		for _, p := range []gi.LatLng{
			{Lat: streetSouth - eps, Lng: streetWest + x*(streetEast-streetWest)},
			{Lat: streetNorth + eps, Lng: streetWest + x*(streetEast-streetWest)},
			{Lat: streetSouth + x*(streetNorth-streetSouth), Lng: streetWest - eps},
			{Lat: streetSouth + x*(streetNorth-streetSouth), Lng: streetEast + eps},
		} {
			if got := gridsContaining(f, p); len(got) != 0 {
				t.Fatalf("(%.6f, %.6f), outside the street, lies in %d grids", p.Lat, p.Lng, len(got))
			}
		}
	}
	// And the areas add up: no slivers of overlap or gap hide between
	// lattice points.
	var sum float64
	for _, g := range f.grids {
		sum += ringArea(g.Boundary[0][0])
	}
	if want := (streetNorth - streetSouth) * (streetEast - streetWest); math.Abs(sum-want) > 1e-12 {
		t.Errorf("grids cover %.12f square degrees, the street %.12f", sum, want)
	}
}

// ringArea is the shoelace area of a ring, in square degrees.
func ringArea(r []gi.LatLng) float64 {
	var a float64
	for i := range r {
		p, q := r[i], r[(i+1)%len(r)]
		a += p.Lng*q.Lat - q.Lng*p.Lat
	}
	return math.Abs(a) / 2
}

func TestGrids(t *testing.T) {
	grids := Grids()
	if len(grids) != 10 {
		t.Fatalf("len(Grids()) = %d, want 10", len(grids))
	}
	names := map[string]bool{}
	for i, g := range grids {
		want := gi.GridKindVillage
		if i >= 5 {
			want = gi.GridKindCommunity
		}
		if g.Kind != want {
			t.Errorf("grid %d %s: kind %v, want %v", i, g.Name, g.Kind, want)
		}
		if names[g.Name] {
			t.Errorf("grid name %s repeats", g.Name)
		}
		names[g.Name] = true
		// Not plain rectangles: every grid has jittered shared vertices.
		distinct := map[gi.LatLng]bool{}
		for _, p := range g.Boundary[0][0] {
			distinct[p] = true
		}
		if len(distinct) < 5 {
			t.Errorf("grid %s has %d distinct vertices; want an irregular shape", g.Name, len(distinct))
		}
		// About 1.2 km × 2 km each.
		if a := ringArea(g.Boundary[0][0]) * 95.2 * 110.9; a < 1.8 || a > 3.2 {
			t.Errorf("grid %s covers %.2f km², want about 2.4", g.Name, a)
		}
	}

	// Every call returns the same content in new values.
	grids[0].Name = "changed"
	grids[0].Boundary[0][0][0].Lat = 0
	again := Grids()
	if again[0].Name == "changed" || again[0].Boundary[0][0][0].Lat == 0 {
		t.Error("changing one call's grids changed the next call's")
	}
	if !reflect.DeepEqual(again, Grids()) {
		t.Error("Grids() differs between calls")
	}
}

func TestSeed_EveryKindOfCase(t *testing.T) {
	f := newFake(testNow)
	mustSeed(t, f, testNow)
	byCategory := map[gi.Category]int{}
	var major, onSpot, sandWashing, movedIn, farmland, occupiedDangerous, gridless, converted int
	places := map[int]bool{}
	for _, rs := range reportSpecs {
		r := f.reports[reportID(rs)]
		byCategory[r.Category]++
		if r.Severity == gi.SeverityMajor && r.Category == gi.CategorySafetyHazard {
			major++
		}
		if r.RectifiedOnSpot {
			onSpot++
			if r.Status != gi.StatusPendingVerification {
				t.Errorf("report %s rectified on the spot is %v", rs.key, r.Status)
			}
		}
		if d := r.Details.SafetyHazard; d != nil {
			places[d.PlaceKind] = true
		}
		if d := r.Details.PollutingEnterprise; d != nil {
			if d.Activity == activitySandWashing {
				sandWashing++
			}
			if d.MovedInFromOutside {
				movedIn++
			}
		}
		if d := r.Details.IllegalConstruction; d != nil && d.Land == landFarmland {
			farmland++
		}
		if d := r.Details.DangerousHouse; d != nil {
			if d.AppraisalGrade != houseGradeC && d.AppraisalGrade != houseGradeD {
				t.Errorf("dangerous house %s has grade %d", rs.key, d.AppraisalGrade)
			}
			if d.Occupied {
				occupiedDangerous++
			}
			if f.subjects[r.SubjectID].Kind != gi.SubjectKindHousehold {
				t.Errorf("dangerous house %s is not about a household", rs.key)
			}
		}
		if r.Category == gi.CategoryWaterSourceRisk && f.subjects[r.SubjectID].Kind != gi.SubjectKindWaterSource {
			t.Errorf("water-source risk %s is not about a water source", rs.key)
		}
		if rs.noGrid {
			gridless++
		}
		if orWGS84(rs.sys) != gi.CoordinateSystemWGS84 {
			converted++
		}
	}
	for c := gi.CategorySafetyHazard; c <= gi.CategoryOther; c++ {
		if byCategory[c] == 0 {
			t.Errorf("no %v report", c)
		}
	}
	for k := placeEnterprise; k <= placeOther; k++ {
		if !places[k] {
			t.Errorf("no safety hazard with place kind %d", k)
		}
	}
	for name, n := range map[string]int{
		"major safety hazards": major, "rectified on the spot": onSpot, "illegal sand washing": sandWashing,
		"moved in from outside": movedIn, "on farmland": farmland, "occupied dangerous houses": occupiedDangerous,
		"without a grid": gridless, "in GCJ-02 or BD-09": converted,
	} {
		if n < 2 {
			t.Errorf("%d reports %s, want a few", n, name)
		}
	}

	kinds := map[gi.PatrolKind]int{}
	waterSources := map[string]bool{}
	for _, p := range f.patrols {
		kinds[p.Kind]++
		if p.Kind == gi.PatrolKindWaterSource {
			waterSources[p.SubjectID] = true
		}
		if p.Kind == gi.PatrolKindSafety && (p.Participants < 2 || p.Participants > 6) {
			t.Errorf("safety inspection %s: %d participants, want 2–6", p.Notes, p.Participants)
		}
	}
	for k := gi.PatrolKindWaterSource; k <= gi.PatrolKindGeneral; k++ {
		if kinds[k] == 0 {
			t.Errorf("no patrol of kind %d", k)
		}
	}
	if len(waterSources) != 2 {
		t.Errorf("water-source patrols cover %d water sources, want both", len(waterSources))
	}
	t.Logf("reports by category: %v; patrols by kind: %v", byCategory, kinds)
}

func TestSubjects_CreditCodes(t *testing.T) {
	seen := map[string]string{}
	kinds := map[gi.SubjectKind]int{}
	for _, s := range demoSubjects() {
		kinds[s.Kind]++
		if s.Kind != gi.SubjectKindEnterprise {
			if s.CreditCode != "" {
				t.Errorf("%s is not an enterprise but has credit code %s", s.Name, s.CreditCode)
			}
			continue
		}
		if err := gi.ValidateCreditCode(s.CreditCode); err != nil {
			t.Errorf("%s: %v", s.Name, err)
		}
		if other, ok := seen[s.CreditCode]; ok {
			t.Errorf("%s and %s share credit code %s", s.Name, other, s.CreditCode)
		}
		seen[s.CreditCode] = s.Name
	}
	if kinds[gi.SubjectKindWaterSource] != 2 {
		t.Errorf("%d water sources, want 2", kinds[gi.SubjectKindWaterSource])
	}
	for k := gi.SubjectKindEnterprise; k <= gi.SubjectKindSite; k++ {
		if kinds[k] == 0 {
			t.Errorf("no subject of kind %d", k)
		}
	}
}

// allIDs returns every id the demo makes, in a fixed order.
func allIDs() []string {
	var ids []string
	for _, g := range Grids() {
		ids = append(ids, g.ID)
	}
	for _, s := range demoSubjects() {
		ids = append(ids, s.ID)
	}
	for _, r := range demoReports() {
		ids = append(ids, r.ID)
	}
	for _, p := range demoPatrols() {
		ids = append(ids, p.ID)
	}
	return ids
}

func TestIDs_AreStableV7(t *testing.T) {
	ids := allIDs()
	seen := map[string]bool{}
	for _, id := range ids {
		u, err := uuid.Parse(id)
		if err != nil {
			t.Errorf("%s: %v", id, err)
			continue
		}
		if u.Version() != 7 || u.Variant() != uuid.RFC4122 {
			t.Errorf("%s: version %d variant %v, want 7 and RFC 4122", id, u.Version(), u.Variant())
		}
		if u.String() != id {
			t.Errorf("%s is not in canonical form", id)
		}
		if seen[id] {
			t.Errorf("id %s repeats", id)
		}
		seen[id] = true
	}
	if !reflect.DeepEqual(allIDs(), ids) {
		t.Error("ids differ between calls")
	}
}

func TestDemoID(t *testing.T) {
	at := time.Date(2024, 3, 12, 10, 20, 0, 0, shanghai)
	a, b := demoID("report/x", at), demoID("report/x", at)
	if a != b {
		t.Errorf("demoID is not stable: %s, %s", a, b)
	}
	if c := demoID("report/y", at); c == a {
		t.Errorf("different names gave the same id %s", a)
	}
	u := uuid.MustParse(a)
	sec, nsec := u.Time().UnixTime()
	if got := time.Unix(sec, nsec); !got.Equal(at) {
		t.Errorf("timestamp of %s is %v, want %v", a, got, at)
	}
}

// TestEnumsMatchAPI checks the numbers the tables use against the API's
// enums, which the domain only knows as numbers.
func TestEnumsMatchAPI(t *testing.T) {
	for _, c := range []struct {
		name      string
		got, want int
	}{
		{"hazardFire", hazardFire, int(v1.HazardKind_HAZARD_KIND_FIRE)},
		{"hazardGas", hazardGas, int(v1.HazardKind_HAZARD_KIND_GAS)},
		{"hazardElectrical", hazardElectrical, int(v1.HazardKind_HAZARD_KIND_ELECTRICAL)},
		{"hazardStructural", hazardStructural, int(v1.HazardKind_HAZARD_KIND_STRUCTURAL)},
		{"hazardChemical", hazardChemical, int(v1.HazardKind_HAZARD_KIND_CHEMICAL)},
		{"placeEnterprise", placeEnterprise, int(v1.PlaceKind_PLACE_KIND_ENTERPRISE)},
		{"placeCrowded", placeCrowded, int(v1.PlaceKind_PLACE_KIND_CROWDED_PLACE)},
		{"placeThreeInOne", placeThreeInOne, int(v1.PlaceKind_PLACE_KIND_THREE_IN_ONE)},
		{"placeElderlyAlone", placeElderlyAlone, int(v1.PlaceKind_PLACE_KIND_ELDERLY_ALONE)},
		{"placeOther", placeOther, int(v1.PlaceKind_PLACE_KIND_OTHER)},
		{"activitySandWashing", activitySandWashing, int(v1.PollutingActivity_POLLUTING_ACTIVITY_ILLEGAL_SAND_WASHING)},
		{"activityPlastic", activityPlastic, int(v1.PollutingActivity_POLLUTING_ACTIVITY_PLASTIC_RECYCLING)},
		{"activitySmelting", activitySmelting, int(v1.PollutingActivity_POLLUTING_ACTIVITY_METAL_SMELTING)},
		{"activityChemical", activityChemical, int(v1.PollutingActivity_POLLUTING_ACTIVITY_CHEMICAL)},
		{"activitySprayPainting", activitySprayPainting, int(v1.PollutingActivity_POLLUTING_ACTIVITY_SPRAY_PAINTING)},
		{"activityStone", activityStone, int(v1.PollutingActivity_POLLUTING_ACTIVITY_STONE_PROCESSING)},
		{"activityScrap", activityScrap, int(v1.PollutingActivity_POLLUTING_ACTIVITY_SCRAP_RECYCLING)},
		{"disposalShutDown", disposalShutDown, int(v1.ProposedDisposal_PROPOSED_DISPOSAL_SHUT_DOWN)},
		{"disposalRelocate", disposalRelocate, int(v1.ProposedDisposal_PROPOSED_DISPOSAL_RELOCATE)},
		{"disposalUpgrade", disposalUpgrade, int(v1.ProposedDisposal_PROPOSED_DISPOSAL_UPGRADE)},
		{"constructionBuilding", constructionBuilding, int(v1.ConstructionKind_CONSTRUCTION_KIND_BUILDING)},
		{"constructionShed", constructionShed, int(v1.ConstructionKind_CONSTRUCTION_KIND_SHED)},
		{"constructionBillboard", constructionBillboard, int(v1.ConstructionKind_CONSTRUCTION_KIND_BILLBOARD)},
		{"constructionStorage", constructionStorage, int(v1.ConstructionKind_CONSTRUCTION_KIND_STORAGE)},
		{"landFarmland", landFarmland, int(v1.LandKind_LAND_KIND_FARMLAND)},
		{"landResidential", landResidential, int(v1.LandKind_LAND_KIND_RESIDENTIAL)},
		{"landRoadside", landRoadside, int(v1.LandKind_LAND_KIND_ROADSIDE)},
		{"waterSewage", waterSewage, int(v1.WaterRiskKind_WATER_RISK_KIND_SEWAGE)},
		{"waterGarbage", waterGarbage, int(v1.WaterRiskKind_WATER_RISK_KIND_GARBAGE)},
		{"waterLivestock", waterLivestock, int(v1.WaterRiskKind_WATER_RISK_KIND_LIVESTOCK)},
		{"waterConstruction", waterConstruction, int(v1.WaterRiskKind_WATER_RISK_KIND_CONSTRUCTION)},
		{"waterOther", waterOther, int(v1.WaterRiskKind_WATER_RISK_KIND_OTHER)},
		{"houseGradeC", houseGradeC, int(v1.HouseGrade_HOUSE_GRADE_C)},
		{"houseGradeD", houseGradeD, int(v1.HouseGrade_HOUSE_GRADE_D)},
	} {
		if c.got != c.want {
			t.Errorf("%s = %d, API says %d", c.name, c.got, c.want)
		}
	}
}
