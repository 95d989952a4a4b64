package gridinspect

import (
	"context"
	"time"
)

// The services below are implemented by store/ and served by server/.
// Every method takes the caller from ctx (NewContext), checks that the
// caller may do it, validates its input with Rules, and returns *Error
// values with the codes named on each method; anything else is EINTERNAL.
// Objects outside the caller's scope answer ErrOutOfScope, exactly like
// objects that do not exist (see NotFound).

// ReportService takes reports and patrols from the field.
type ReportService interface {
	// SubmitReport stores a new report and its submission event, and
	// returns it as stored. Submitting an id again with the same content
	// returns the stored report with duplicate = true and writes nothing.
	// A report without a grid is placed in the grid whose boundary
	// contains it. Errors: EINVALID (bad field, unknown grid or subject,
	// no grid contains the point), EEXISTS (id reused with different
	// content), EFORBIDDEN (grid outside the caller's scope).
	SubmitReport(ctx context.Context, r *Report) (stored *Report, duplicate bool, err error)

	// GetReport returns one report. Errors: ENOTFOUND or EFORBIDDEN.
	GetReport(ctx context.Context, id string) (*Report, error)

	// ListReports returns one page of reports matching f within the
	// caller's scope, and the token of the next page ("" on the last).
	// Errors: EINVALID (bad token or filter), EFORBIDDEN (a grid in
	// f.GridIDs outside the caller's scope).
	ListReports(ctx context.Context, f ReportFilter) (reports []*Report, nextPageToken string, err error)

	// SubmitPatrol stores a new patrol; idempotent like SubmitReport.
	// Errors: EINVALID, EEXISTS, EFORBIDDEN.
	SubmitPatrol(ctx context.Context, p *Patrol) (stored *Patrol, duplicate bool, err error)

	// ListPatrols returns one page of patrols matching f, newest first.
	// Errors: EINVALID, EFORBIDDEN.
	ListPatrols(ctx context.Context, f PatrolFilter) (patrols []*Patrol, nextPageToken string, err error)
}

// DirectoryService keeps grids and subjects.
type DirectoryService interface {
	// CreateGrid stores a grid; the same id with the same content returns
	// the stored grid. Errors: EINVALID (bad field, name taken), EEXISTS,
	// EFORBIDDEN (not an admin).
	CreateGrid(ctx context.Context, g *Grid) (*Grid, error)

	// GetGrid returns one grid. Errors: ENOTFOUND or EFORBIDDEN.
	GetGrid(ctx context.Context, id string) (*Grid, error)

	// ListGrids returns the grids the caller can see, in the official
	// order (Grid.Order; those without one after) and by the pinyin of
	// their names where it is equal.
	ListGrids(ctx context.Context, pageSize int, pageToken string) (grids []*Grid, nextPageToken string, err error)

	// CreateSubject stores a subject; idempotent like CreateGrid. A
	// subject without a grid is placed by its location. Errors: EINVALID
	// (bad field, credit code already registered, unknown grid), EEXISTS,
	// EFORBIDDEN.
	CreateSubject(ctx context.Context, s *Subject) (*Subject, error)

	// GetSubject returns a subject with every report and patrol about it.
	// Errors: ENOTFOUND or EFORBIDDEN.
	GetSubject(ctx context.Context, id string) (*SubjectFile, error)

	// ListSubjects returns one page of subjects matching f, by name.
	// Errors: EINVALID, EFORBIDDEN.
	ListSubjects(ctx context.Context, f SubjectFilter) (subjects []*Subject, nextPageToken string, err error)
}

// SettingsService keeps what the admin arranges for the whole street: the
// grids' official order and the notices' number prefixes. Admins only
// (else EFORBIDDEN).
type SettingsService interface {
	// SetGridOrder sets a grid's order. Errors: EINVALID, ENOTFOUND.
	SetGridOrder(ctx context.Context, id string, order int) (*Grid, error)

	// NoticePrefixes returns every kind's prefix, in NoticeKinds' order
	// ("" for none).
	NoticePrefixes(ctx context.Context) ([]NoticePrefix, error)

	// SetNoticePrefix sets a kind's prefix for the notices it numbers
	// from now on. Errors: EINVALID (bad field, the prefix of another
	// kind).
	SetNoticePrefix(ctx context.Context, p NoticePrefix) (NoticePrefix, error)
}

// CalendarService keeps the working-day calendar (calendar.go): the
// exceptions over Monday to Friday the admin adds each year.
type CalendarService interface {
	// CalendarExceptions returns a year's exceptions, by day. Any
	// logged-in user. Errors: EINVALID (year out of range).
	CalendarExceptions(ctx context.Context, year int) ([]CalendarException, error)

	// SetCalendarExceptions replaces a year's exceptions with set
	// (replace), or adds set and takes off the days in remove, and
	// returns the year's exceptions as stored. Admins only. Errors:
	// EINVALID, EFORBIDDEN.
	SetCalendarExceptions(ctx context.Context, year int, replace bool, set []CalendarException, remove []time.Time) ([]CalendarException, error)

	// Calendar returns the calendar of every year kept, to count on. Any
	// logged-in user.
	Calendar(ctx context.Context) (*Calendar, error)
}

// ActMode says what becomes of an action that cannot apply.
type ActMode int

// Act modes.
const (
	// Online: a stale expected version is kept on the timeline as a
	// conflict and answered ESTALE; an action the case's status does not
	// allow is answered EPRECONDITION and writes nothing.
	Online ActMode = iota
	// Offline (sync Push): every action that cannot apply — stale, or the
	// case moved on while the phone was offline — is kept on the timeline
	// as a conflict, so nothing a worker recorded is lost.
	Offline
)

// RectificationService moves cases through the closed loop.
type RectificationService interface {
	// Act takes an action on a case and returns the case after it and the
	// event that records it. Replaying an action id returns the first
	// result (the stored event, the case as it is now, and the first
	// error for a conflict); reusing it for another action is EEXISTS.
	// A conflict returns the case, the conflict event and the error it met;
	// an action refused online for the case's status returns the case as
	// it stands (no event) with EPRECONDITION, so callers can say where it
	// stands.
	// Errors: EINVALID, EEXISTS, EFORBIDDEN (role, or the case outside the
	// caller's scope, like ENOTFOUND), ESTALE, EPRECONDITION.
	Act(ctx context.Context, a *Action, mode ActMode) (*Report, *Event, error)

	// GetTimeline returns every event of a case in order, and whether the
	// hash chain over them is intact. Errors: ENOTFOUND or EFORBIDDEN.
	GetTimeline(ctx context.Context, reportID string) (events []*Event, chainIntact bool, err error)
}
