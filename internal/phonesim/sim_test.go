package phonesim

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"image/jpeg"
	"math/rand/v2"
	"testing"
	"time"

	gi "github.com/gridinspect/gridinspect"
	"github.com/gridinspect/gridinspect/internal/phonelink"
	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

func TestWorkdayIsOverAtNow(t *testing.T) {
	for _, tc := range []struct {
		now  string
		want string
	}{
		{"2025-03-10T19:00:00+08:00", "2025-03-10T08:00:00+08:00"},
		{"2025-03-10T17:59:00+08:00", "2025-03-09T08:00:00+08:00"},
		{"2025-03-10T01:00:00+08:00", "2025-03-09T08:00:00+08:00"},
		{"2025-03-10T12:00:00Z", "2025-03-10T08:00:00+08:00"}, // 20:00 in China
	} {
		now, _ := time.Parse(time.RFC3339, tc.now)
		want, _ := time.Parse(time.RFC3339, tc.want)
		start, end := workday(now)
		if !start.Equal(want) || end.Sub(start) != 10*time.Hour || end.After(now) {
			t.Errorf("workday(%s) = %s – %s, want from %s, over by then", tc.now, start, end, tc.want)
		}
	}
}

func TestPhotosAreRealJPEGsOfTheirSizeAndFollowTheSeed(t *testing.T) {
	for _, r := range []struct{ min, max int }{
		{DefaultPhotoMinBytes, DefaultPhotoMaxBytes}, {minPhotoBytes, minPhotoBytes + 100}, {2 << 10, 8 << 10}, {150_000, 400_000},
	} {
		make := func(seed uint64, id string) *photo {
			return makePhoto(rand.New(rand.NewPCG(seed, 1)), r.min, r.max, id, "r", time.Unix(0, 0), nil)
		}
		a, b, c := make(1, "p"), make(1, "p"), make(2, "q")
		if !bytes.Equal(a.data(), b.data()) || bytes.Equal(a.data(), c.data()) {
			t.Errorf("%d–%d: photos are not a function of the seed alone", r.min, r.max)
		}
		hashes := map[string]bool{}
		for seed := range uint64(20) {
			ph := make(seed, fmt.Sprintf("01900000-0000-7000-8000-%012d", seed))
			data := ph.data()
			if n := len(data); int64(n) != ph.size || n < r.min || n > r.max {
				t.Errorf("photo of %d bytes (says %d), want %d–%d", n, ph.size, r.min, r.max)
			}
			if !bytes.HasPrefix(data, []byte{0xFF, 0xD8, 0xFF, 0xE0}) || !bytes.HasSuffix(data, []byte{0xFF, 0xD9}) {
				t.Errorf("photo starts % X … ends % X, want a JFIF file's markers", data[:4], data[len(data)-2:])
			}
			img, err := jpeg.Decode(bytes.NewReader(data))
			if err != nil {
				t.Fatalf("%d–%d: photo of %d bytes does not decode: %v", r.min, r.max, len(data), err)
			}
			if w := img.Bounds().Dx(); w < 8 {
				t.Errorf("image %d wide", w)
			}
			if ph.sha256 != hashOf(data) {
				t.Error("declared SHA-256 is not the data's")
			}
			if hashes[ph.sha256] {
				t.Errorf("two photos with SHA-256 %s", ph.sha256)
			}
			hashes[ph.sha256] = true
		}
	}
}

// TestPhotosDoNotCompress: a photo's bytes are an image's, not text, so
// gzip saves next to nothing on them, as on a camera's JPEG.
func TestPhotosDoNotCompress(t *testing.T) {
	ph := makePhoto(rand.New(rand.NewPCG(1, 1)), 150_000, 400_000, "p", "r", time.Unix(0, 0), nil)
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = zw.Write(ph.data())
	_ = zw.Close()
	if got := float64(buf.Len()) / float64(ph.size); got < 0.95 {
		t.Errorf("gzip makes a %d-byte photo %.0f%% of its size, want at least 95%%", ph.size, 100*got)
	}
}

// square is a grid of about 1 km a side with a hole in its middle.
var square = &pb.Grid{Id: "g", Name: "测试村", Boundary: []*pb.Polygon{{Rings: []*pb.LinearRing{
	{Points: []*pb.LatLng{{Latitude: 31.24, Longitude: 118.34}, {Latitude: 31.24, Longitude: 118.35}, {Latitude: 31.25, Longitude: 118.35}, {Latitude: 31.25, Longitude: 118.34}}},
	{Points: []*pb.LatLng{{Latitude: 31.244, Longitude: 118.344}, {Latitude: 31.244, Longitude: 118.346}, {Latitude: 31.246, Longitude: 118.346}, {Latitude: 31.246, Longitude: 118.344}}},
}}}}

func TestPointsAndTracksStayInsideTheGrid(t *testing.T) {
	a, err := newArea(square)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 1000 {
		if p := a.randomPoint(rng); !a.inside(p) || (p.Lat > 31.244 && p.Lat < 31.246 && p.Lng > 118.344 && p.Lng < 118.346) {
			t.Fatalf("point %v outside the grid or in its hole", p)
		}
	}
	track, times, err := a.walk(rng, time.Unix(0, 0), time.Hour, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(track) != len(times) || len(track) < 30 {
		t.Fatalf("track of %d points, %d times", len(track), len(times))
	}
	for _, p := range track {
		if !a.inside(p) {
			t.Fatalf("track point %v leaves the grid", p)
		}
	}
}

func TestRecordDayNumbersEveryWriteInOrder(t *testing.T) {
	a, err := newArea(square)
	if err != nil {
		t.Fatal(err)
	}
	w := &world{userID: "u", grid: square, area: a, subjects: subjectsByKind([]*pb.Subject{
		{Id: "01900000-0000-7000-8000-000000000001", Kind: pb.SubjectKind_SUBJECT_KIND_WATER_SOURCE},
		{Id: "01900000-0000-7000-8000-000000000002", Kind: pb.SubjectKind_SUBJECT_KIND_HOUSEHOLD},
	}), assigned: []*pb.Report{{Id: "01900000-0000-7000-8000-000000000003", Version: 3, Status: pb.ReportStatus_REPORT_STATUS_ASSIGNED}}}
	start, end := workday(time.Now())
	d, err := recordDay(rand.New(rand.NewPCG(3, 4)), w, start, end, shape{reports: 40, patrols: 5, photosPerReport: 2, photoMin: DefaultPhotoMinBytes, photoMax: DefaultPhotoMaxBytes})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.reports) != 40 || len(d.patrols) != 5 || len(d.photos) != 80 || len(d.actions) == 0 {
		t.Fatalf("recorded %d reports, %d patrols, %d photos, %d actions", len(d.reports), len(d.patrols), len(d.photos), len(d.actions))
	}
	if len(d.outbox) != len(d.reports)+len(d.patrols)+len(d.actions) {
		t.Errorf("outbox of %d mutations for %d writes", len(d.outbox), len(d.reports)+len(d.patrols)+len(d.actions))
	}
	seen := map[string]bool{}
	categories := map[pb.Category]bool{}
	for i, m := range d.outbox {
		if m.GetDeviceSeq() != int64(i+1) || seen[m.GetMutationId()] || m.GetMutationId() == "" {
			t.Errorf("mutation %d: seq %d id %q", i, m.GetDeviceSeq(), m.GetMutationId())
		}
		seen[m.GetMutationId()] = true
		if r := m.GetSubmitReport().GetReport(); r != nil {
			categories[r.GetCategory()] = true
			if err := gi.DefaultRules.ValidateReport(reportOf(r)); err != nil {
				t.Errorf("report %s: %v", r.GetId(), err)
			}
		}
	}
	if len(categories) < 5 {
		t.Errorf("40 reports in only %d categories", len(categories))
	}
}

// reportOf converts the fields ValidateReport looks at, the typed
// details with them: they carry each category's minimum.
func reportOf(r *pb.Report) *gi.Report {
	var d gi.Details
	if x := r.GetSafetyHazard(); x != nil {
		d.SafetyHazard = &gi.SafetyHazardDetails{HazardKind: int(x.GetHazardKind()), PlaceKind: int(x.GetPlaceKind())}
	}
	if x := r.GetPollutingEnterprise(); x != nil {
		d.PollutingEnterprise = &gi.PollutingEnterpriseDetails{Scattered: x.GetScattered(), Disorderly: x.GetDisorderly(),
			Polluting: x.GetPolluting(), Activity: int(x.GetActivity()), ActivityDescription: x.GetActivityDescription(),
			ProposedDisposal: int(x.GetProposedDisposal()), MovedInFromOutside: x.GetMovedInFromOutside(), FromDistrict: x.GetFromDistrict()}
	}
	if x := r.GetIllegalConstruction(); x != nil {
		d.IllegalConstruction = &gi.IllegalConstructionDetails{Kind: int(x.GetKind()), Land: int(x.GetLand()), AreaSquareMeters: x.GetAreaSquareMeters()}
	}
	if x := r.GetWaterSourceRisk(); x != nil {
		d.WaterSourceRisk = &gi.WaterSourceRiskDetails{RiskKind: int(x.GetRiskKind())}
	}
	if x := r.GetDangerousHouse(); x != nil {
		d.DangerousHouse = &gi.DangerousHouseDetails{AppraisalGrade: int(x.GetAppraisalGrade()), Occupied: x.GetOccupied(), Residents: int(x.GetResidents())}
	}
	return &gi.Report{Details: d,
		ID: r.GetId(), Category: gi.Category(r.GetCategory()), Severity: gi.Severity(r.GetSeverity()),
		Description: r.GetDescription(), SubjectID: r.GetSubjectId(), ObservedAt: r.GetObservedAt().AsTime(),
		Location: gi.Location{Lat: r.GetLocation().GetLatitude(), Lng: r.GetLocation().GetLongitude(),
			AccuracyMeters: r.GetLocation().GetAccuracyMeters(), Address: r.GetLocation().GetAddress(),
			System: gi.CoordinateSystem(r.GetLocation().GetCoordinateSystem())},
		PhotoIDs: r.GetPhotoIds(), PatrolID: r.GetPatrolId(),
	}
}

func TestChunksFitTheLink(t *testing.T) {
	for _, tc := range []struct {
		preset string
		want   int
	}{{"edge", 16 << 10}, {"3g", 32 << 10}, {"4g", 64 << 10}} {
		if got := ChunkFor(phonelink.Presets[tc.preset]); got != tc.want {
			t.Errorf("ChunkFor(%s) = %d, want %d", tc.preset, got, tc.want)
		}
	}
}
