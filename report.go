package gridinspect

import (
	"strconv"
	"time"
)

// Category is what kind of problem a report is about. The numbers are the
// API's, so converting at the edge is a cast (checked by a test).
type Category int

// Categories.
const (
	CategoryUnspecified Category = iota
	CategorySafetyHazard
	CategoryPollutingEnterprise
	CategoryIllegalConstruction
	CategoryWaterSourceRisk
	CategoryDangerousHouse
	CategoryOther
)

// Valid reports whether c names a real category.
func (c Category) Valid() bool { return c >= CategorySafetyHazard && c <= CategoryOther }

var categoryNames = [...]string{"UNSPECIFIED", "SAFETY_HAZARD", "POLLUTING_ENTERPRISE", "ILLEGAL_CONSTRUCTION", "WATER_SOURCE_RISK", "DANGEROUS_HOUSE", "OTHER"}

func (c Category) String() string {
	if c >= 0 && int(c) < len(categoryNames) {
		return categoryNames[c]
	}
	return "Category(" + strconv.Itoa(int(c)) + ")"
}

// Severity is a report's grade; for safety hazards, general or major.
type Severity int

// Severities.
const (
	SeverityUnspecified Severity = iota
	SeverityGeneral
	SeverityMajor
)

// Status is where a report stands in the closed loop.
type Status int

// Statuses.
const (
	StatusUnspecified Status = iota
	StatusReported
	StatusAssigned
	StatusRectifying
	StatusPendingVerification
	StatusClosed
	StatusRejected
)

// Open reports whether a case in status s still needs work.
func (s Status) Open() bool { return s >= StatusReported && s <= StatusPendingVerification }

// OpenStatuses are the statuses of cases that still need work.
var OpenStatuses = []Status{StatusReported, StatusAssigned, StatusRectifying, StatusPendingVerification}

var statusNames = [...]string{"UNSPECIFIED", "REPORTED", "ASSIGNED", "RECTIFYING", "PENDING_VERIFICATION", "CLOSED", "REJECTED"}

func (s Status) String() string {
	if s >= 0 && int(s) < len(statusNames) {
		return statusNames[s]
	}
	return "Status(" + strconv.Itoa(int(s)) + ")"
}

// Disposition is how a case was dealt with in the end.
type Disposition int

// Dispositions.
const (
	DispositionUnspecified Disposition = iota
	DispositionRectified
	DispositionShutDown
	DispositionRelocated
	DispositionUpgraded
	DispositionDemolished
	DispositionLegalised
	DispositionResolved
	DispositionRenovated
	DispositionResidentsRelocated
)

var dispositionNames = [...]string{"UNSPECIFIED", "RECTIFIED", "SHUT_DOWN", "RELOCATED", "UPGRADED",
	"DEMOLISHED", "LEGALISED", "RESOLVED", "RENOVATED", "RESIDENTS_RELOCATED"}

func (d Disposition) String() string {
	if d >= 0 && int(d) < len(dispositionNames) {
		return dispositionNames[d]
	}
	return "Disposition(" + strconv.Itoa(int(d)) + ")"
}

// Location is where something was observed. After Normalize it is WGS-84.
type Location struct {
	Lat, Lng       float64
	AccuracyMeters float64
	Address        string
	System         CoordinateSystem
}

// Point returns the location as a LatLng.
func (l Location) Point() LatLng { return LatLng{Lat: l.Lat, Lng: l.Lng} }

// Report is one problem found in the field and where it stands.
type Report struct {
	// Given by the client.
	ID              string
	Category        Category
	Severity        Severity
	Description     string
	Location        Location
	GridID          string
	SubjectID       string
	ObservedAt      time.Time
	PhotoIDs        []string
	RectifiedOnSpot bool
	PatrolID        string
	Details         Details

	// Set by the server.
	Status           Status
	Version          int64
	ReporterID       string
	ReceivedAt       time.Time
	Deadline         time.Time
	OriginalDeadline time.Time
	AssigneeID       string
	ResponsibleUnit  string
	Disposition      Disposition // how it was closed; set while CLOSED
	ClosedAt         time.Time
	// ClaimedDisposition is what the latest rectification claims, and
	// DemolishedAreaSquareMeters the area it says was demolished; the
	// verification that closes the case confirms them.
	ClaimedDisposition         Disposition
	DemolishedAreaSquareMeters float64
	ClockSkewFlagged           bool
	MissingPhotoIDs            []string
	RelapseCount               int
	FollowUpDue                time.Time
	PossibleRelapseOf          string
	UpdatedAt                  time.Time
	// SupervisedAt is when the server last escalated the case to
	// supervision (督办), and SupervisedDeadline the deadline that had
	// passed then: a case is escalated once per deadline.
	SupervisedAt       time.Time
	SupervisedDeadline time.Time
	UrgeCount          int // urgings (催办)
	ReassignCount      int // re-dispatches (转派)
	// ReturnRequest is the open request for more (退回补充) while the
	// case waits for its reporter; ReturnCount how many times it was
	// returned (returns.go).
	ReturnRequest *ReturnRequest
	ReturnCount   int

	// DeadlineWorkingDays is how many working days the deadline was set
	// in by the assignment or extension that set it; 0 when it was given
	// as a time or counts calendar days.
	DeadlineWorkingDays int
}

// EffectiveAt is when the problem was observed for statistics and
// ordering: the device's observed_at, or the server's received_at when the
// device clock was flagged.
func (r *Report) EffectiveAt() time.Time {
	if r.ClockSkewFlagged {
		return r.ReceivedAt
	}
	return r.ObservedAt
}

// Overdue reports whether the deadline has passed at now while the case is
// assigned or being rectified.
func (r *Report) Overdue(now time.Time) bool {
	return (r.Status == StatusAssigned || r.Status == StatusRectifying) &&
		!r.Deadline.IsZero() && now.After(r.Deadline)
}

// Details are the typed fields of a report's category. Exactly one field
// may be set, and it must match the category.
type Details struct {
	SafetyHazard        *SafetyHazardDetails        `json:",omitempty"`
	PollutingEnterprise *PollutingEnterpriseDetails `json:",omitempty"`
	IllegalConstruction *IllegalConstructionDetails `json:",omitempty"`
	WaterSourceRisk     *WaterSourceRiskDetails     `json:",omitempty"`
	DangerousHouse      *DangerousHouseDetails      `json:",omitempty"`
}

// category returns the category the set field belongs to, how many fields
// are set, and the API name of the set field.
func (d Details) category() (c Category, n int, field string) {
	if d.SafetyHazard != nil {
		c, n, field = CategorySafetyHazard, n+1, "safety_hazard"
	}
	if d.PollutingEnterprise != nil {
		c, n, field = CategoryPollutingEnterprise, n+1, "polluting_enterprise"
	}
	if d.IllegalConstruction != nil {
		c, n, field = CategoryIllegalConstruction, n+1, "illegal_construction"
	}
	if d.WaterSourceRisk != nil {
		c, n, field = CategoryWaterSourceRisk, n+1, "water_source_risk"
	}
	if d.DangerousHouse != nil {
		c, n, field = CategoryDangerousHouse, n+1, "dangerous_house"
	}
	return c, n, field
}

// SafetyHazardDetails: what sort of hazard, where. The grade is the
// report's Severity.
type SafetyHazardDetails struct {
	HazardKind int // HazardKind* of the API: fire, gas, electrical, structural, chemical, other
	PlaceKind  int // PlaceKind* of the API: enterprise, crowded place, three-in-one, elderly alone, other
}

// PollutingEnterpriseDetails: which of scattered, disorderly, polluting;
// what it does; what is proposed; whether it moved in from elsewhere.
type PollutingEnterpriseDetails struct {
	Scattered, Disorderly, Polluting bool
	Activity                         int // PollutingActivity of the API
	ActivityDescription              string
	ProposedDisposal                 int // ProposedDisposal of the API
	MovedInFromOutside               bool
	FromDistrict                     string
}

// IllegalConstructionDetails: what, on which land, how big.
type IllegalConstructionDetails struct {
	Kind             int // ConstructionKind of the API
	Land             int // LandKind of the API
	AreaSquareMeters float64
}

// WaterSourceRiskDetails: what threatens the water source (the report's
// subject).
type WaterSourceRiskDetails struct {
	RiskKind int // WaterRiskKind of the API
}

// DangerousHouseDetails: the household's appraisal and who lives there.
type DangerousHouseDetails struct {
	AppraisalGrade int // HouseGrade of the API: 1 A … 4 D
	Occupied       bool
	Residents      int
}

// Enum ranges of the detail fields (largest valid value; 0 is "not given").
const (
	maxHazardKind        = 6
	maxPlaceKind         = 5
	maxPollutingActivity = 9
	activityOther        = 9 // POLLUTING_ACTIVITY_OTHER needs a description
	maxProposedDisposal  = 3
	maxConstructionKind  = 5
	maxLandKind          = 4
	maxWaterRiskKind     = 5
	maxHouseGrade        = 4
)

// HouseGradeC and HouseGradeD are the dangerous appraisal grades.
const (
	HouseGradeC = 3
	HouseGradeD = 4
)

// ReportFilter selects reports for ListReports; zero fields do not filter.
type ReportFilter struct {
	Statuses       []Status
	Categories     []Category
	GridIDs        []string
	SubjectID      string
	AssigneeID     string
	OverdueOnly    bool
	ObservedAfter  time.Time // inclusive
	ObservedBefore time.Time // exclusive
	Query          string
	OpenOnly       bool
	DueWithinDays  int
	FollowUpDue    bool
	ReceivedAfter  time.Time // inclusive; when the server received it
	SupervisedOnly bool      // escalated to supervision (督办)
	ReturnedOnly   bool      // waiting for their reporters' supplement (退回补充)
	HideReturned   bool      // not waiting: the dispatch queue
	Order          ReportOrder
	PageSize       int
	PageToken      string
}

// ReportOrder is the order of ListReports.
type ReportOrder int

// Orders.
const (
	OrderNewestFirst ReportOrder = iota
	OrderDeadline
)
