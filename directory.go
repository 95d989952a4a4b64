package gridinspect

import "time"

// GridKind is what sort of area a grid covers; the numbers are the API's.
type GridKind int

// Grid kinds.
const (
	GridKindUnspecified GridKind = iota
	GridKindVillage
	GridKindCommunity
	GridKindOther
)

// Grid is one area of the street (网格) with its boundary in WGS-84.
type Grid struct {
	ID             string
	Name           string
	Kind           GridKind
	Boundary       Boundary
	BoundarySystem CoordinateSystem // datum of Boundary as given; WGS-84 once stored
	CreatedAt      time.Time
	// Order is the grid's place in the office's official order (1 first,
	// 0 none). An arrangement rather than content: it is outside
	// ContentHash, so changing it (SetGridOrder) leaves CreateGrid's
	// repeats answered as repeats.
	Order int
}

// SubjectKind is what sort of thing a subject is; the numbers are the API's.
type SubjectKind int

// Subject kinds.
const (
	SubjectKindUnspecified SubjectKind = iota
	SubjectKindEnterprise
	SubjectKindHousehold
	SubjectKindWaterSource
	SubjectKindSite
)

// Subject is what reports are about — an enterprise, a household, a water
// source, a site — kept once with its whole history (一户一案).
type Subject struct {
	ID           string
	Kind         SubjectKind
	Name         string
	GridID       string
	Location     Location
	CreditCode   string
	ContactName  string
	ContactPhone string
	Notes        string
	CreatedAt    time.Time
}

// SubjectFile is a subject with everything recorded about it.
type SubjectFile struct {
	Subject      *Subject
	Reports      []*Report
	Patrols      []*Patrol
	RelapseCount int
}

// SubjectFilter selects subjects for ListSubjects; zero fields do not filter.
type SubjectFilter struct {
	Kinds     []SubjectKind
	GridIDs   []string
	Query     string
	PageSize  int
	PageToken string
}
