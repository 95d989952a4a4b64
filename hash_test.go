package gridinspect

import (
	"strings"
	"testing"
	"time"
)

func TestReportContentHash(t *testing.T) {
	base := func() *Report {
		return &Report{
			ID: "0195a0c0-0000-7000-8000-0000000000aa", Category: CategorySafetyHazard, Description: "d",
			Location: Location{Lat: 29.5, Lng: 106.5}, ObservedAt: time.Date(2025, 1, 2, 3, 4, 5, 6, time.UTC),
			Details: Details{SafetyHazard: &SafetyHazardDetails{HazardKind: 1}},
		}
	}
	h := base().ContentHash()
	if h == "" || h != base().ContentHash() {
		t.Fatalf("hash %q is not stable", h)
	}
	same := []func(r *Report){
		func(r *Report) { r.ID = strings.ToUpper(r.ID) },
		func(r *Report) { r.PhotoIDs = []string{} },
		func(r *Report) { r.ObservedAt = r.ObservedAt.In(time.FixedZone("CST", 8*3600)) },
		func(r *Report) { r.Status, r.Version, r.ReceivedAt = StatusClosed, 9, time.Now() }, // server fields
	}
	for i, edit := range same {
		r := base()
		edit(r)
		if r.ContentHash() != h {
			t.Errorf("same content %d hashes differently", i)
		}
	}
	different := []func(r *Report){
		func(r *Report) { r.Description = "e" },
		func(r *Report) { r.Location.System = CoordinateSystemGCJ02 },
		func(r *Report) { r.ObservedAt = r.ObservedAt.Add(1) },
		func(r *Report) { r.Details.SafetyHazard.HazardKind = 2 },
		func(r *Report) { r.PhotoIDs = []string{"0195a0c0-0000-7000-8000-0000000000bb"} },
		func(r *Report) { r.RectifiedOnSpot = true },
	}
	for i, edit := range different {
		r := base()
		edit(r)
		if r.ContentHash() == h {
			t.Errorf("changed content %d hashes the same", i)
		}
	}
}
