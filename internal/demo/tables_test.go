package demo

import (
	"math"
	"reflect"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	gi "github.com/gridinspect/gridinspect"
	v1 "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

// The tests of the demo's tables and helpers, which need no store.

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
	at := time.Date(2024, 3, 12, 10, 20, 0, 0, gi.ChinaZone)
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

func TestRules(t *testing.T) {
	r := Rules(gi.DefaultRules)
	if err := r.ValidatePassword(Password); err != nil {
		t.Errorf("Rules(DefaultRules) refuse the demo password: %v", err)
	}
	if err := r.ValidatePassword(Password[:utf8.RuneCountInString(Password)-1]); err == nil {
		t.Error("Rules(DefaultRules) accept a password shorter than the demo's")
	}
	want := gi.DefaultRules
	want.MinPasswordRunes = 4
	if !reflect.DeepEqual(r, want) {
		t.Errorf("Rules(DefaultRules) = %+v, want %+v", r, want)
	}
	if got := Rules(gi.Rules{}); !reflect.DeepEqual(got, want) {
		t.Errorf("Rules(Rules{}) = %+v, want %+v", got, want)
	}
	lower := gi.DefaultRules
	lower.MinPasswordRunes = 2
	if got := Rules(lower); !reflect.DeepEqual(got, lower) {
		t.Errorf("Rules raised MinPasswordRunes from 2 to %d", got.MinPasswordRunes)
	}
	if gi.DefaultRules.MinPasswordRunes <= 4 {
		t.Errorf("DefaultRules.MinPasswordRunes = %d; Rules changed the default", gi.DefaultRules.MinPasswordRunes)
	}
}

func TestDemoUsers(t *testing.T) {
	r := Rules(gi.DefaultRules)
	users := demoUsers()
	if len(users) != 11 || users[0].Username != "supervisor" {
		t.Fatalf("demoUsers() = %d users starting with %q, want supervisor and 10 workers", len(users), users[0].Username)
	}
	for _, u := range users {
		if err := r.ValidateUser(u); err != nil {
			t.Errorf("user %s: %v", u.Username, err)
		}
	}
	users[1].GridIDs[0] = "changed"
	if demoUsers()[1].GridIDs[0] == "changed" {
		t.Error("changing one call's users changed the next call's")
	}
}
