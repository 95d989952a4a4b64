package gridinspect

import (
	"context"
	"time"
)

// The figures of a half-year work summary. Every figure counts what
// happened inside the period [From, To) by field time (a report's
// observed_at, an action's occurred_at; the server's time where the device
// clock was flagged), in the grids counted. The API's StatsService
// comments define each one; the field names match.

// Summary is every figure of a work summary for a period and set of grids.
type Summary struct {
	From, To          time.Time
	GridIDs           []string
	Safety            SafetySummary
	Polluting         PollutingSummary
	Construction      ConstructionSummary
	WaterSources      WaterSourceSummary
	DangerousHouses   DangerousHouseSummary
	Loop              LoopSummary
	ByCategory        map[Category]LoopSummary
	ByGrid            map[string]LoopSummary
	GridNames         map[string]string
	GridStreets       map[string]int64 // the street of each grid counted, telling a district's streets apart
	Patrols           int64
	PatrolPersonTimes int64
	// Patrol schedules (巡查计划): 应巡, 已巡, 漏巡, 巡查完成率, and the
	// periods that ended short.
	PatrolsScheduled, PatrolsDoneOnSchedule, PatrolsMissed int64
	PatrolCompletionRate                                   float64
	PatrolPeriodsMissed                                    int64
}

// SafetySummary counts safety work (安全生产).
type SafetySummary struct {
	HazardsFound, RectifiedOnSpot, GeneralHazards, MajorHazards int64
	HazardNotices, RectificationOrders, EnforcementDocuments    int64
	EnforcementByDepartment                                     map[string]int64
	EnterpriseInterviews, Inspections, PersonTimes              int64
	HazardsRectified                                            int64
}

// PollutingSummary counts 散乱污 work.
type PollutingSummary struct {
	Found, MovedInFromOutside         int64
	ByActivity                        map[int]int64 // PollutingActivity of the API → count
	ShutDown, Relocated, Upgraded     int64
	FollowUps, Relapses, PatrolsCount int64
}

// ConstructionSummary counts 违法建设 work.
type ConstructionSummary struct {
	Found, OnFarmland, Demolished             int64
	DemolishedAreaSquareMeters                float64
	BillboardsRemoved, ShedsAndStorageCleared int64
}

// WaterSourceSummary counts backup water-source work.
type WaterSourceSummary struct {
	Patrols, RisksFound, RisksResolved int64
}

// DangerousHouseSummary counts 危房 work.
type DangerousHouseSummary struct {
	Identified, GradeC, GradeD                int64
	Renovated, Demolished, ResidentsRelocated int64
	OccupiedDangerousNow                      int64
}

// LoopSummary counts the closed loop; see the API for the definitions
// (结案率 = ClosedOfDue / Due, 按期结案率 = ClosedOnTime / Due).
type LoopSummary struct {
	Reported, Closed, Open, OverdueNow, Due, ClosedOfDue, ClosedOnTime int64
	ClosureRate, OnTimeRate                                            float64
	OpenOverdue                                                        int64
	MedianDaysToClose                                                  float64
	Rejected                                                           int64
	// Reassigned and Urged count re-dispatches (转派) and urgings (催办)
	// in the period; Supervised the cases escalated to supervision (督办)
	// in it, each once.
	Reassigned, Urged, Supervised int64
	// Returned and Supplemented count returns for more (退回补充) and the
	// supplements that answered them in the period; a returned case stays
	// REPORTED, so it is in Reported and Open once whatever its returns.
	Returned, Supplemented int64
}

// ReportRecord is one report with what an export row shows beside it:
// names instead of ids, and the numbers of the notices served on it.
type ReportRecord struct {
	Report        *Report
	StreetID      int64 // the street of the report's grid
	GridName      string
	SubjectName   string
	ReporterName  string
	AssigneeName  string
	NoticeNumbers []string
}

// StatsService counts the figures of the half-year summary and reads
// reports out for export.
type StatsService interface {
	DashboardService

	// Summary counts every figure for [from, to) in gridIDs (empty = the
	// caller's scope). Supervisors and admins; EFORBIDDEN otherwise, and
	// for grids outside the caller's scope. EINVALID for an empty or
	// inverted period.
	Summary(ctx context.Context, from, to time.Time, gridIDs []string) (*Summary, error)

	// CountReports returns how many reports match f (page fields
	// ignored), so an export can show its progress.
	CountReports(ctx context.Context, f ReportFilter) (int64, error)

	// EachReport calls fn for every report matching f in the caller's
	// scope (page fields ignored), in the filter's order, reading in pages
	// so memory stays flat however many there are. It stops at fn's first
	// error and returns it. Supervisors and admins.
	EachReport(ctx context.Context, f ReportFilter, fn func(*ReportRecord) error) error

	// Appraisal counts the grid workers' appraisal (网格员考核) for [from,
	// to) in gridIDs (empty = the caller's scope), as Summary: the same
	// callers, period and errors.
	Appraisal(ctx context.Context, from, to time.Time, gridIDs []string) (*Appraisal, error)
}
