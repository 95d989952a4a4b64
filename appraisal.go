package gridinspect

import "time"

// The grid workers' appraisal (网格员考核): for a period, what each worker
// and each grid did. The API's GetAppraisal comments define each figure;
// the field names match. Every figure of a case goes to the case's worker
// at the end of the period: the assignee the last assignment before `to`
// named, or, for a case never assigned that its reporter rectified on the
// spot (立行立改), the reporter. A grid's figures count every case of the
// grid, whoever has it, so a grid's are not the sum of its workers'.

// AppraisalFigures are the figures of one worker or one grid.
type AppraisalFigures struct {
	ReportsMade  int64 // 上报数
	CasesHandled int64 // 办理数
	Closed       int64 // closures in the period
	// Due, ClosedOnTime and OnTimeRate are LoopSummary's, counted over the
	// cases of the worker or grid.
	Due, ClosedOnTime       int64
	OnTimeRate              float64
	FailedFirstVerification int64 // 首次核查未通过数
	Relapses                int64 // 反弹数
	PatrolsDone             int64 // 巡查次数
	// PatrolsScheduled (应巡次数) and PatrolsDoneOnSchedule (已巡次数) are a
	// grid's schedules' (the summary's of the grid); each enabled worker of
	// the grid is credited with the grid's whole figures: the schedule is
	// the duty of its workers together.
	PatrolsScheduled, PatrolsDoneOnSchedule int64
	MeanDaysToClose                         float64 // 平均办结天数, over Closed
}

// WorkerAppraisal is one person's row.
type WorkerAppraisal struct {
	UserID, Name string
	Role         Role
	GridIDs      []string // the grids counted that the person belongs to, in the office's order
	StreetID     int64    // the person's street, telling a district's streets' namesakes apart
	AppraisalFigures
}

// GridAppraisal is one grid's row.
type GridAppraisal struct {
	GridID, GridName string
	StreetID         int64 // the street the grid belongs to
	AppraisalFigures
}

// Appraisal is the appraisal of a period in a set of grids.
type Appraisal struct {
	From, To time.Time
	GridIDs  []string          // counted, in the office's order
	Workers  []WorkerAppraisal // of several streets, street by street
	Grids    []GridAppraisal   // as GridIDs
}
