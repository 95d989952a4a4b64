package gridinspect

import (
	"testing"
	"time"
)

// FuzzValidateReport feeds arbitrary field values to the report validator,
// the normaliser and the content hash: none may panic, whatever a phone
// sends, and a report the validator accepts must normalise to WGS-84
// inside the service area.
func FuzzValidateReport(f *testing.F) {
	f.Add("0190b7e4-8c2a-7d3e-9f10-2b3c4d5e6f70", 1, 1, "灭火器过期", 31.25, 118.35, 8.0, "红星村", 2, "", "", int64(1710000000), "", 1, 1, 0.0, 0)
	f.Add("x", 99, -1, "\xff", 1e308, -1e308, -1.0, "\x00", 9, "grid", "subject", int64(-1<<62), "photo", 2, 7, -5.0, 5000)
	f.Add("", 5, 2, "", 0.0, 0.0, 0.0, "", 3, "", "0190b7e4-8c2a-7d3e-9f10-2b3c4d5e6f70", int64(0), "0190b7e4-8c2a-7d3e-9f10-2b3c4d5e6f70", 5, 4, 1e9, -1)
	now := time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, id string, category, severity int, desc string, lat, lng, acc float64, addr string,
		system int, gridID, subjectID string, observed int64, photoID string, detailKind, enum int, area float64, residents int) {
		r := &Report{
			ID: id, Category: Category(category), Severity: Severity(severity), Description: desc,
			Location:   Location{Lat: lat, Lng: lng, AccuracyMeters: acc, Address: addr, System: CoordinateSystem(system)},
			GridID:     gridID,
			SubjectID:  subjectID,
			ObservedAt: time.Unix(observed, 0),
			PhotoIDs:   []string{photoID},
		}
		switch detailKind % 6 {
		case 1:
			r.Details.SafetyHazard = &SafetyHazardDetails{HazardKind: enum, PlaceKind: enum}
		case 2:
			r.Details.PollutingEnterprise = &PollutingEnterpriseDetails{Polluting: enum%2 == 0, Activity: enum, ActivityDescription: addr}
		case 3:
			r.Details.IllegalConstruction = &IllegalConstructionDetails{Kind: enum, Land: enum, AreaSquareMeters: area}
		case 4:
			r.Details.WaterSourceRisk = &WaterSourceRiskDetails{RiskKind: enum}
		case 5:
			r.Details.DangerousHouse = &DangerousHouseDetails{AppraisalGrade: enum, Residents: residents}
		}
		_ = r.ContentHash()
		if err := DefaultRules.ValidateReport(r); err != nil {
			if ErrorCode(err) != EINVALID {
				t.Fatalf("validation error with code %q: %v", ErrorCode(err), err)
			}
			return
		}
		DefaultRules.NormalizeReport(r, now)
		if r.Location.System != CoordinateSystemWGS84 || !DefaultRules.ServiceArea.Contains(r.Location.Lat, r.Location.Lng) {
			t.Fatalf("accepted report normalised to %+v", r.Location)
		}
	})
}

// FuzzValidatePatrol does the same for patrols.
func FuzzValidatePatrol(f *testing.F) {
	f.Add("0190b7e4-8c2a-7d3e-9f10-2b3c4d5e6f70", 3, "", int64(1710000000), int64(1710003600), 2, 31.25, 118.35, 2, "巡查")
	f.Add("bad", -1, "bad", int64(-1<<62), int64(1<<62), -5, 1e308, -1e308, 99, "\xff")
	f.Fuzz(func(t *testing.T, id string, kind int, gridID string, start, end int64, participants int, lat, lng float64, system int, notes string) {
		p := &Patrol{
			ID: id, Kind: PatrolKind(kind), GridID: gridID, StartedAt: time.Unix(start, 0), EndedAt: time.Unix(end, 0),
			Participants: participants, TrackSystem: CoordinateSystem(system), Notes: notes,
			Track: []TrackPoint{{Lat: lat, Lng: lng}},
		}
		_ = p.ContentHash()
		if err := DefaultRules.ValidatePatrol(p); err != nil {
			if ErrorCode(err) != EINVALID {
				t.Fatalf("validation error with code %q: %v", ErrorCode(err), err)
			}
			return
		}
		DefaultRules.NormalizePatrol(p, time.Now())
	})
}
