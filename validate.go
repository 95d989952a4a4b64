package gridinspect

import (
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"
)

// Bounds on what a client may send. They keep one request from costing the
// server (or a phone pulling it later) more than its share.
const (
	MaxDescriptionRunes = 4000
	// MinDescriptionRunes is the shortest description a report may have
	// (spaces trimmed): four characters are the shortest Chinese phrase
	// that says what is wrong where (楼道堆物, 电线老化); one to three
	// ("有", "隐患") say nothing a supervisor could count or act on.
	MinDescriptionRunes  = 4
	MaxNoteRunes         = 4000
	MaxAddressRunes      = 500
	MaxNameRunes         = 200
	MaxShortTextRunes    = 100
	MaxPhotosPerItem     = 30
	MaxTrackPoints       = 10000
	MaxPatrolReports     = 500
	MaxParticipants      = 1000
	MaxResidents         = 1000
	MaxAreaSquareMeters  = 10_000_000
	MaxAccuracyMeters    = 100_000
	MaxBoundaryPoints    = 20000
	MaxUserGrids         = 1000
	MaxGridOrder         = 10000
	MaxNoticePrefixRunes = 20
	// MaxFilterGridIDs bounds the grids one list or summary may name;
	// more are refused, not queried. A caller after more grids than that
	// names none and gets every grid it may see.
	MaxFilterGridIDs = 100
)

// Area is a latitude/longitude box points must lie in.
type Area struct {
	MinLat, MinLng, MaxLat, MaxLng float64
}

// Contains reports whether (lat, lng) lies in the box.
func (a Area) Contains(lat, lng float64) bool {
	return lat >= a.MinLat && lat <= a.MaxLat && lng >= a.MinLng && lng <= a.MaxLng
}

// ChinaArea is the default service area: mainland China's bounding box.
var ChinaArea = Area{MinLat: 3.8, MinLng: 73.5, MaxLat: 53.6, MaxLng: 135.1}

// Rules are the tunable limits of validation.
type Rules struct {
	// ServiceArea is where reported points may lie.
	ServiceArea Area
	// MaxClockAhead is how far in the future a device time may be before
	// the device clock is flagged as wrong.
	MaxClockAhead time.Duration
	// MinPasswordRunes is the shortest password accepted. The demo
	// lowers it so its accounts can share the password "demo".
	MinPasswordRunes int
	// Deadlines are the time allowed for a fix when an assignment names
	// none, per category, for general and major cases; DefaultDeadline
	// where a category has none.
	Deadlines map[Category][2]time.Duration
	// WorkingDayDeadlines are the defaults that count working days (工作日)
	// instead, per category, for general and major cases: where an entry
	// is set it wins over Deadlines, and the deadline is the end of the
	// China day it lands on, by Calendar.
	WorkingDayDeadlines map[Category][2]int
	// Calendar is the admin's calendar of holidays and 调休 workdays that
	// working days are counted on; nil counts Monday to Friday. The store
	// sets it from what the admin keeps before it applies an action.
	Calendar *Calendar
	// FollowUps say when a closed case is to be checked again (回头看),
	// per category, for general and major cases; 0 = no follow-up.
	FollowUps map[Category][2]time.Duration
	// EvidenceMaxDistanceMeters is how far from a case's reported place
	// an after-photo may have been taken before its verification flags
	// it (flags never refuse); 0 = no distance check.
	EvidenceMaxDistanceMeters float64
}

// IsZero reports whether r was never set (no service area): callers then
// use DefaultRules.
func (r Rules) IsZero() bool { return r.ServiceArea == (Area{}) }

// DefaultDeadline is the time allowed for a fix when neither the
// assignment nor the rules say.
const DefaultDeadline = 7 * 24 * time.Hour

const day = 24 * time.Hour

// DeadlineFor returns the default time allowed to fix a case.
func (r Rules) DeadlineFor(c Category, s Severity) time.Duration {
	if d := r.Deadlines[c][severityIndex(s)]; d > 0 {
		return d
	}
	return DefaultDeadline
}

// DefaultDeadlineAt returns the deadline of a case assigned at `at` when
// the assignment names none, and the working days it counts (0: calendar
// days, DeadlineFor).
func (r Rules) DefaultDeadlineAt(c Category, s Severity, at time.Time) (deadline time.Time, workingDays int) {
	if n := r.WorkingDayDeadlines[c][severityIndex(s)]; n > 0 {
		return EndOfChinaDay(r.Calendar.AddWorkingDays(at, n)), n
	}
	return at.Add(r.DeadlineFor(c, s)), 0
}

// FollowUpAfter returns how long after closing a case is to be checked
// again, or 0 for none. A polluting enterprise that was shut down and a
// demolished building are what come back most often.
func (r Rules) FollowUpAfter(c Category, s Severity, d Disposition) time.Duration {
	if d == DispositionLegalised {
		return 0 // a building that got its permits is no longer a case
	}
	return r.FollowUps[c][severityIndex(s)]
}

func severityIndex(s Severity) int {
	if s == SeverityMajor {
		return 1
	}
	return 0
}

// DefaultRules are the rules a server starts with.
var DefaultRules = Rules{
	ServiceArea:      ChinaArea,
	MaxClockAhead:    10 * time.Minute,
	MinPasswordRunes: 8,
	// A phone's GPS is good to tens of metres, and a site (a factory
	// yard, a demolished shed) spans a hundred or two.
	EvidenceMaxDistanceMeters: 300,
	// A general hazard is put right within a week; a major one, a
	// polluting enterprise or a dangerous house needs a month; illegal
	// construction two weeks. These count calendar days: a risk that goes
	// on doing harm (sewage at a water source, an occupied dangerous
	// house, a major hazard) does not wait out a holiday, and a 限期
	// notice names a date.
	Deadlines: map[Category][2]time.Duration{
		CategorySafetyHazard:        {7 * day, 30 * day},
		CategoryPollutingEnterprise: {30 * day, 30 * day},
		CategoryIllegalConstruction: {15 * day, 15 * day},
		CategoryWaterSourceRisk:     {7 * day, 15 * day},
		CategoryDangerousHouse:      {30 * day, 30 * day},
		CategoryOther:               {7 * day, 7 * day},
	},
	// A general hazard and a case of no other category are the office's
	// routine work, handled in working days like a 12345 hotline order
	// (一般诉求 5 个工作日内办结): a working week, which 国庆 or 春节
	// stretches instead of eating into.
	WorkingDayDeadlines: map[Category][2]int{
		CategorySafetyHazard: {5, 0},
		CategoryOther:        {5, 5},
	},
	// Every closed polluting enterprise and every major hazard is checked
	// again after three months, so that a shut-down workshop does not
	// quietly reopen (死灰复燃); demolished illegal construction after six.
	FollowUps: map[Category][2]time.Duration{
		CategorySafetyHazard:        {0, 90 * day},
		CategoryPollutingEnterprise: {90 * day, 90 * day},
		CategoryIllegalConstruction: {180 * day, 180 * day},
		CategoryDangerousHouse:      {90 * day, 90 * day},
	},
}

// earliestPlausible is the earliest device time taken at face value; a
// phone whose battery died often comes back in 1970. Paper records from
// before it are not expected.
var earliestPlausible = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// ClockSkewed reports whether a device time is implausible at server time
// now: in the future by more than the rules allow, or before 2000. Such a
// time is kept as the device said it, flagged, and the server's time
// stands in for it in statistics. The future bound is measured against the
// server clock, so it can only flag, never refuse.
func (r Rules) ClockSkewed(device, now time.Time) bool {
	return device.Before(earliestPlausible) || device.After(now.Add(r.MaxClockAhead))
}

// checkID requires s to be a UUID in canonical form (any version).
func checkID(v *Violations, field, s string, required bool) {
	if s == "" {
		if required {
			v.AddZh(field, "不能为空", "is required (a UUID)")
		}
		return
	}
	if len(s) != 36 {
		v.AddZh(field, "编号格式不对", "must be a UUID like 0190b7e4-8c2a-7d3e-9f10-2b3c4d5e6f70")
		return
	}
	if _, err := uuid.Parse(s); err != nil {
		v.AddZh(field, "编号格式不对", "must be a UUID like 0190b7e4-8c2a-7d3e-9f10-2b3c4d5e6f70")
	}
}

// checkIDs checks a list of UUIDs: each well-formed, no repeats, at most max.
func checkIDs(v *Violations, field string, ids []string, max int) {
	if len(ids) > max {
		v.AddZh(field, "最多 "+itoa(max)+" 项，现有 "+itoa(len(ids))+" 项", "has %d entries; at most %d", len(ids), max)
		return
	}
	seen := make(map[string]bool, len(ids))
	for i, id := range ids {
		f := field + "[" + itoa(i) + "]"
		checkID(v, f, id, true)
		if seen[id] {
			v.AddZh(f, "与前面的重复", "repeats %s", id)
		}
		seen[id] = true
	}
}

// checkText requires valid UTF-8 of at most max characters, and no NUL.
func checkText(v *Violations, field, s string, max int, required bool) {
	switch {
	case !utf8.ValidString(s):
		v.AddZh(field, "含有无法识别的字符", "is not valid UTF-8")
	case strings.ContainsRune(s, 0):
		v.AddZh(field, "含有无法识别的字符", "contains a NUL character")
	case utf8.RuneCountInString(s) > max:
		n := utf8.RuneCountInString(s)
		v.AddZh(field, "共 "+itoa(n)+" 字，最多 "+itoa(max)+" 字", "is %d characters long; at most %d", n, max)
	case required && strings.TrimSpace(s) == "":
		v.AddZh(field, "不能为空", "is required")
	}
}

// checkEnum requires 0 < x <= max (or 0 <= x when optional).
func checkEnum(v *Violations, field string, x, max int, required bool) {
	switch {
	case x == 0 && required:
		v.AddZh(field, "不能为空", "is required")
	case x < 0 || x > max:
		v.AddZh(field, "取值 "+itoa(x)+" 无法识别", "has unknown value %d", x)
	}
}

// CheckPoint requires a finite point inside the service area, given in
// sys. A bad coordinate is named: field.latitude, field.longitude.
func (r Rules) CheckPoint(v *Violations, field string, lat, lng float64, sys CoordinateSystem) {
	if !checkDegrees(v, field, lat, lng) {
		return
	}
	if lat == 0 && lng == 0 {
		v.AddZh(field, "缺少位置", "is missing (0, 0)")
		return
	}
	r.checkInArea(v, field, lat, lng, sys)
}

// checkDegrees requires finite coordinates, the latitude within ±90 and
// the longitude within ±180, and reports whether they are.
func checkDegrees(v *Violations, field string, lat, lng float64) bool {
	ok := true
	for _, c := range [2]struct {
		name       string
		x, maximum float64
	}{{"latitude", lat, 90}, {"longitude", lng, 180}} {
		switch {
		case math.IsNaN(c.x) || math.IsInf(c.x, 0):
			v.AddZh(field+"."+c.name, "须为有效的数字", "must be a finite number")
			ok = false
		case c.x < -c.maximum || c.x > c.maximum:
			v.AddZh(field+"."+c.name, "须在 -"+itoa(int(c.maximum))+" 到 "+itoa(int(c.maximum))+" 之间", "%v is outside -%v to %v", c.x, c.maximum, c.maximum)
			ok = false
		}
	}
	return ok
}

// checkInArea requires a point (in sys) to lie in the service area,
// naming the coordinate that leaves it.
func (r Rules) checkInArea(v *Violations, field string, lat, lng float64, sys CoordinateSystem) {
	a := r.ServiceArea
	wlat, wlng := ToWGS84(sys, lat, lng)
	if wlat < a.MinLat || wlat > a.MaxLat {
		v.AddZh(field+".latitude", "位置不在服务区域内", "%.6f is outside the service area (latitude %.1f to %.1f)", lat, a.MinLat, a.MaxLat)
	}
	if wlng < a.MinLng || wlng > a.MaxLng {
		v.AddZh(field+".longitude", "位置不在服务区域内", "%.6f is outside the service area (longitude %.1f to %.1f)", lng, a.MinLng, a.MaxLng)
	}
}

// pointOK reports whether CheckPoint would accept a point, without the
// cost of naming it.
func (r Rules) pointOK(lat, lng float64, sys CoordinateSystem) bool {
	if math.IsNaN(lat) || math.IsNaN(lng) || math.Abs(lat) > 90 || math.Abs(lng) > 180 || (lat == 0 && lng == 0) {
		return false // the infinities fail the range
	}
	wlat, wlng := ToWGS84(sys, lat, lng)
	return r.ServiceArea.Contains(wlat, wlng)
}

func (r Rules) checkLocation(v *Violations, field string, l Location) {
	checkEnum(v, field+".coordinate_system", int(l.System), int(CoordinateSystemBD09), false)
	r.CheckPoint(v, field, l.Lat, l.Lng, l.System)
	if math.IsNaN(l.AccuracyMeters) || l.AccuracyMeters < 0 || l.AccuracyMeters > MaxAccuracyMeters {
		v.AddZh(field+".accuracy_meters", "须在 0 到 "+itoa(MaxAccuracyMeters)+" 米之间", "must be between 0 and %d", MaxAccuracyMeters)
	}
	checkText(v, field+".address", l.Address, MaxAddressRunes, false)
}

func checkTime(v *Violations, field string, t time.Time) {
	if t.IsZero() {
		v.AddZh(field, "不能为空", "is required")
	}
}

// ValidateReport checks everything a client gave in a report, before it is
// normalized and stored. Field paths are the API's, under "report.".
func (r Rules) ValidateReport(rep *Report) error {
	var v Violations
	checkID(&v, "report.id", rep.ID, true)
	checkEnum(&v, "report.category", int(rep.Category), int(CategoryOther), true)
	checkEnum(&v, "report.severity", int(rep.Severity), int(SeverityMajor), false)
	checkText(&v, "report.description", rep.Description, MaxDescriptionRunes, true)
	if n := utf8.RuneCountInString(strings.TrimSpace(rep.Description)); n > 0 && n < MinDescriptionRunes && utf8.ValidString(rep.Description) {
		v.AddZh("report.description", "至少需要 "+itoa(MinDescriptionRunes)+" 个字，现在只有 "+itoa(n)+" 个字",
			"is %d characters long; at least %d", n, MinDescriptionRunes)
	}
	r.checkLocation(&v, "report.location", rep.Location)
	checkID(&v, "report.grid_id", rep.GridID, false)
	needSubject := rep.Category == CategoryWaterSourceRisk || rep.Category == CategoryDangerousHouse
	checkID(&v, "report.subject_id", rep.SubjectID, needSubject)
	checkTime(&v, "report.observed_at", rep.ObservedAt)
	checkIDs(&v, "report.photo_ids", rep.PhotoIDs, MaxPhotosPerItem)
	checkID(&v, "report.patrol_id", rep.PatrolID, false)
	checkDetails(&v, rep.Category, rep.Details)
	return v.Err("invalid report")
}

func checkDetails(v *Violations, c Category, d Details) {
	dc, n, field := d.category()
	switch {
	case n > 1:
		v.AddZh("report.details", "只能填写一种类别的详情", "only one kind of details may be set")
		return
	case n == 1 && dc != c && c.Valid():
		v.AddZh("report."+field, "与类别「"+c.Chinese()+"」不符", "does not match category %s", c)
		return
	}
	// What a category needs to count in the official figures: a report
	// without it is refused, whether the details are missing or partly
	// filled. Only new submissions are checked; stored reports stay.
	switch c {
	case CategorySafetyHazard:
		if d.SafetyHazard == nil {
			d.SafetyHazard = &SafetyHazardDetails{}
		}
	case CategoryPollutingEnterprise:
		if d.PollutingEnterprise == nil {
			d.PollutingEnterprise = &PollutingEnterpriseDetails{}
		}
	case CategoryIllegalConstruction:
		if d.IllegalConstruction == nil {
			d.IllegalConstruction = &IllegalConstructionDetails{}
		}
	case CategoryWaterSourceRisk:
		if d.WaterSourceRisk == nil {
			d.WaterSourceRisk = &WaterSourceRiskDetails{}
		}
	case CategoryDangerousHouse:
		if d.DangerousHouse == nil {
			d.DangerousHouse = &DangerousHouseDetails{}
		}
	}
	if s := d.SafetyHazard; s != nil {
		const f, what = "report.safety_hazard", CategorySafetyHazard
		checkRequiredEnum(v, f+".hazard_kind", s.HazardKind, maxHazardKind, what)
		checkRequiredEnum(v, f+".place_kind", s.PlaceKind, maxPlaceKind, what)
	}
	if p := d.PollutingEnterprise; p != nil {
		const f, what = "report.polluting_enterprise", CategoryPollutingEnterprise
		if !p.Scattered && !p.Disorderly && !p.Polluting {
			v.AddZh(f, "散、乱、污至少须选一项", "at least one of scattered, disorderly and polluting must be true")
		}
		checkRequiredEnum(v, f+".activity", p.Activity, maxPollutingActivity, what)
		checkText(v, f+".activity_description", p.ActivityDescription, MaxNameRunes, p.Activity == activityOther)
		checkEnum(v, f+".proposed_disposal", p.ProposedDisposal, maxProposedDisposal, false)
		checkText(v, f+".from_district", p.FromDistrict, MaxShortTextRunes, false)
	}
	if ic := d.IllegalConstruction; ic != nil {
		const f, what = "report.illegal_construction", CategoryIllegalConstruction
		checkRequiredEnum(v, f+".kind", ic.Kind, maxConstructionKind, what)
		checkRequiredEnum(v, f+".land", ic.Land, maxLandKind, what)
		if math.IsNaN(ic.AreaSquareMeters) || ic.AreaSquareMeters < 0 || ic.AreaSquareMeters > MaxAreaSquareMeters {
			v.AddZh(f+".area_square_meters", "须在 0 到 "+itoa(MaxAreaSquareMeters)+" 平方米之间", "must be between 0 and %d", MaxAreaSquareMeters)
		}
	}
	if w := d.WaterSourceRisk; w != nil {
		checkRequiredEnum(v, "report.water_source_risk.risk_kind", w.RiskKind, maxWaterRiskKind, CategoryWaterSourceRisk)
	}
	if h := d.DangerousHouse; h != nil {
		const f = "report.dangerous_house"
		checkRequiredEnum(v, f+".appraisal_grade", h.AppraisalGrade, maxHouseGrade, CategoryDangerousHouse)
		if h.Residents < 0 || h.Residents > MaxResidents {
			v.AddZh(f+".residents", "须在 0 到 "+itoa(MaxResidents)+" 人之间", "must be between 0 and %d", MaxResidents)
		}
	}
}

// categoryWhat names a category in an English message.
var categoryWhat = map[Category]string{
	CategorySafetyHazard:        "a safety hazard",
	CategoryPollutingEnterprise: "a polluting enterprise",
	CategoryIllegalConstruction: "an illegal construction",
	CategoryWaterSourceRisk:     "a water source risk",
	CategoryDangerousHouse:      "a dangerous house",
}

// checkRequiredEnum is checkEnum for a value a category cannot do
// without, saying which category needs it.
func checkRequiredEnum(v *Violations, field string, x, max int, c Category) {
	if x == 0 {
		v.AddZh(field, c.Chinese()+"须填写此项", "is required for %s", categoryWhat[c])
		return
	}
	checkEnum(v, field, x, max, false)
}

// NormalizeReport fills defaults and converts the location to WGS-84, at
// server time now. Call it after ValidateReport.
func (r Rules) NormalizeReport(rep *Report, now time.Time) {
	if rep.Severity == SeverityUnspecified {
		rep.Severity = SeverityGeneral
	}
	rep.ID = strings.ToLower(rep.ID)
	rep.GridID = strings.ToLower(rep.GridID)
	rep.SubjectID = strings.ToLower(rep.SubjectID)
	rep.PatrolID = strings.ToLower(rep.PatrolID)
	for i := range rep.PhotoIDs {
		rep.PhotoIDs[i] = strings.ToLower(rep.PhotoIDs[i])
	}
	rep.Description = strings.TrimSpace(rep.Description)
	rep.Location = normalizeLocation(rep.Location)
	rep.ObservedAt = rep.ObservedAt.UTC()
	rep.ClockSkewFlagged = r.ClockSkewed(rep.ObservedAt, now)
}

func normalizeLocation(l Location) Location {
	l.Lat, l.Lng = ToWGS84(l.System, l.Lat, l.Lng)
	l.System = CoordinateSystemWGS84
	l.Address = strings.TrimSpace(l.Address)
	return l
}

// ValidatePatrol checks everything a client gave in a patrol. Field paths
// are the API's, under "patrol.".
func (r Rules) ValidatePatrol(p *Patrol) error {
	var v Violations
	checkID(&v, "patrol.id", p.ID, true)
	checkEnum(&v, "patrol.kind", int(p.Kind), int(PatrolKindGeneral), true)
	checkID(&v, "patrol.subject_id", p.SubjectID, p.Kind == PatrolKindWaterSource)
	checkID(&v, "patrol.grid_id", p.GridID, false)
	checkTime(&v, "patrol.started_at", p.StartedAt)
	checkTime(&v, "patrol.ended_at", p.EndedAt)
	if !p.StartedAt.IsZero() && !p.EndedAt.IsZero() && p.EndedAt.Before(p.StartedAt) {
		v.AddZh("patrol.ended_at", "不能早于开始时间 "+ChinaTimeZh(p.StartedAt), "is before started_at")
	}
	if p.Participants < 1 || p.Participants > MaxParticipants {
		v.AddZh("patrol.participants", "须在 1 到 "+itoa(MaxParticipants)+" 人之间", "must be between 1 and %d", MaxParticipants)
	}
	checkEnum(&v, "patrol.track_coordinate_system", int(p.TrackSystem), int(CoordinateSystemBD09), false)
	if len(p.Track) > MaxTrackPoints {
		v.AddZh("patrol.track", "最多 "+itoa(MaxTrackPoints)+" 个点，现有 "+itoa(len(p.Track))+" 个", "has %d points; at most %d", len(p.Track), MaxTrackPoints)
	} else {
		bad := 0
		for i, pt := range p.Track {
			if r.pointOK(pt.Lat, pt.Lng, p.TrackSystem) {
				continue
			}
			r.CheckPoint(&v, "patrol.track["+itoa(i)+"]", pt.Lat, pt.Lng, p.TrackSystem)
			if bad++; bad == 3 {
				break // a few bad points are enough to say so; do not list 10000
			}
		}
	}
	if p.GridID == "" && len(p.Track) == 0 {
		v.AddZh("patrol.grid_id", "没有巡查轨迹时须选择网格", "is required when the patrol has no track to place it by")
	}
	checkText(&v, "patrol.notes", p.Notes, MaxNoteRunes, false)
	checkIDs(&v, "patrol.report_ids", p.ReportIDs, MaxPatrolReports)
	return v.Err("invalid patrol")
}

// NormalizePatrol converts the track to WGS-84 and flags the device clock,
// at server time now. Call it after ValidatePatrol.
func (r Rules) NormalizePatrol(p *Patrol, now time.Time) {
	p.ID = strings.ToLower(p.ID)
	p.GridID = strings.ToLower(p.GridID)
	p.SubjectID = strings.ToLower(p.SubjectID)
	for i := range p.ReportIDs {
		p.ReportIDs[i] = strings.ToLower(p.ReportIDs[i])
	}
	for i, pt := range p.Track {
		p.Track[i].Lat, p.Track[i].Lng = ToWGS84(p.TrackSystem, pt.Lat, pt.Lng)
		p.Track[i].RecordedAt = pt.RecordedAt.UTC()
	}
	p.TrackSystem = CoordinateSystemWGS84
	p.StartedAt, p.EndedAt = p.StartedAt.UTC(), p.EndedAt.UTC()
	p.ClockSkewFlagged = r.ClockSkewed(p.StartedAt, now) || r.ClockSkewed(p.EndedAt, now)
}

// ValidateGrid checks a grid as given. Field paths are under "grid.".
func (r Rules) ValidateGrid(g *Grid) error {
	var v Violations
	checkID(&v, "grid.id", g.ID, true)
	checkText(&v, "grid.name", g.Name, MaxShortTextRunes, true)
	checkGridOrder(&v, "grid.order", g.Order)
	checkEnum(&v, "grid.kind", int(g.Kind), int(GridKindOther), false)
	checkEnum(&v, "grid.boundary_coordinate_system", int(g.BoundarySystem), int(CoordinateSystemBD09), false)
	if len(g.Boundary) == 0 {
		v.AddZh("grid.boundary", "须画出边界，至少一个多边形", "is required: at least one polygon")
	}
	points := 0
	for _, poly := range g.Boundary {
		for _, ring := range poly {
			points += len(ring)
		}
	}
	if points > MaxBoundaryPoints {
		v.AddZh("grid.boundary", "最多 "+itoa(MaxBoundaryPoints)+" 个点，现有 "+itoa(points)+" 个", "has %d points; at most %d", points, MaxBoundaryPoints)
	} else {
		// Each bad coordinate is named by its path; the shape is checked
		// only when every coordinate is a number of degrees.
		degrees := true
		for pi, poly := range g.Boundary {
			for ri, ring := range poly {
				for k, p := range ring {
					if r.pointOK(p.Lat, p.Lng, g.BoundarySystem) {
						continue
					}
					f := "grid.boundary[" + itoa(pi) + "].rings[" + itoa(ri) + "].points[" + itoa(k) + "]"
					if checkDegrees(&v, f, p.Lat, p.Lng) {
						r.checkInArea(&v, f, p.Lat, p.Lng, g.BoundarySystem)
					} else {
						degrees = false
					}
				}
			}
		}
		if degrees {
			for _, problem := range g.Boundary.Validate() {
				v.AddZh("grid.boundary", "图形不完整：每个多边形须有外环，每个环至少 3 个不同的点", "%s", problem)
			}
		}
	}
	return v.Err("invalid grid")
}

// NormalizeGrid converts the boundary to WGS-84. Call it after ValidateGrid.
func (r Rules) NormalizeGrid(g *Grid) {
	g.ID = strings.ToLower(g.ID)
	g.Name = strings.TrimSpace(g.Name)
	if g.Kind == GridKindUnspecified {
		g.Kind = GridKindOther
	}
	for _, poly := range g.Boundary {
		for _, ring := range poly {
			for k, p := range ring {
				ring[k].Lat, ring[k].Lng = ToWGS84(g.BoundarySystem, p.Lat, p.Lng)
			}
		}
	}
	g.BoundarySystem = CoordinateSystemWGS84
}

// ValidateSubject checks a subject as given. Field paths are under
// "subject.".
func (r Rules) ValidateSubject(s *Subject) error {
	var v Violations
	checkID(&v, "subject.id", s.ID, true)
	checkEnum(&v, "subject.kind", int(s.Kind), int(SubjectKindSite), true)
	checkText(&v, "subject.name", s.Name, MaxNameRunes, true)
	checkID(&v, "subject.grid_id", s.GridID, false)
	hasPoint := s.Location.Lat != 0 || s.Location.Lng != 0
	if hasPoint {
		r.checkLocation(&v, "subject.location", s.Location)
	} else {
		checkText(&v, "subject.location.address", s.Location.Address, MaxAddressRunes, false)
		if s.GridID == "" {
			v.AddZh("subject.grid_id", "没有位置时须选择网格", "is required when the subject has no location to place it by")
		}
	}
	switch {
	case s.CreditCode != "" && s.Kind != SubjectKindEnterprise:
		v.AddZh("subject.credit_code", "只有企业才有统一社会信用代码", "only enterprises have a unified social credit code")
	case s.CreditCode != "":
		if err := ValidateCreditCode(strings.ToUpper(strings.TrimSpace(s.CreditCode))); err != nil {
			v.AddZh("subject.credit_code", "不是有效的统一社会信用代码（18 位，末位为校验码）", "%s", err.Error())
		}
	}
	checkText(&v, "subject.contact_name", s.ContactName, MaxShortTextRunes, false)
	checkText(&v, "subject.contact_phone", s.ContactPhone, MaxShortTextRunes, false)
	checkText(&v, "subject.notes", s.Notes, MaxNoteRunes, false)
	return v.Err("invalid subject")
}

// NormalizeSubject converts the location to WGS-84 and tidies the credit
// code. Call it after ValidateSubject.
func (r Rules) NormalizeSubject(s *Subject) {
	s.ID = strings.ToLower(s.ID)
	s.GridID = strings.ToLower(s.GridID)
	s.Name = strings.TrimSpace(s.Name)
	s.CreditCode = strings.ToUpper(strings.TrimSpace(s.CreditCode))
	if s.Location.Lat != 0 || s.Location.Lng != 0 {
		s.Location = normalizeLocation(s.Location)
	}
}

func itoa(i int) string {
	return strconv.Itoa(i)
}

// checkGridOrder requires an order between 0 (none) and MaxGridOrder.
func checkGridOrder(v *Violations, field string, order int) {
	if order < 0 || order > MaxGridOrder {
		v.AddZh(field, "须在 0（不排序）到 "+itoa(MaxGridOrder)+" 之间", "must be between 0 (none) and %d", MaxGridOrder)
	}
}

// ValidateGridOrder checks the order SetGridOrder is given.
func ValidateGridOrder(id string, order int) error {
	var v Violations
	checkID(&v, "id", id, true)
	checkGridOrder(&v, "order", order)
	return v.Err("invalid grid order")
}

// ValidateNoticePrefix checks a notice kind's prefix as given: a real
// kind, and a prefix that reads as the start of a document number — no
// spaces, and no 〔〕 (the year's brackets follow it). Field paths are
// SetNoticePrefixRequest's.
func ValidateNoticePrefix(p NoticePrefix) error {
	var v Violations
	checkEnum(&v, "kind", int(p.Kind), int(NoticeEnforcement), true)
	checkText(&v, "prefix", p.Prefix, MaxNoticePrefixRunes, false)
	if strings.ContainsAny(p.Prefix, "〔〕[]") {
		v.AddZh("prefix", "不能含括号：年份的〔〕自动加在后面", "must not contain brackets: the year's 〔〕 follow it")
	}
	if strings.IndexFunc(p.Prefix, unicode.IsSpace) >= 0 {
		v.AddZh("prefix", "不能含空格", "must not contain spaces")
	}
	return v.Err("invalid notice prefix")
}
