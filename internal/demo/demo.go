// Package demo seeds a realistic street — five villages, five communities,
// a supervisor and a worker per grid, their subjects and a few dozen cases
// — for trying the server out.
//
// The street is modelled on the half-year summary in the seed document: a
// street on the southern edge of Wuhu, on the Yangtze, with farmland,
// backup water sources, "scattered, disorderly and polluting" workshops,
// illegal sand washing, old houses and new housing estates. Everything is
// made through the domain's service interfaces, exactly as clients would
// make it, so the demo exercises the same validation and storage as real
// use.
package demo

import (
	"context"
	"fmt"
	"time"

	gi "github.com/gridinspect/gridinspect"
	"github.com/gridinspect/gridinspect/internal/holidays"
)

// The demo's cases all fall in the first half of 2024, the half-year the
// seed document summarises, so that a summary for that period shows every
// figure. The dates are fixed rather than relative to the clock because
// seeding must be idempotent: a server restarted with --demo a day later
// must send exactly the same objects, or the store would refuse them as ids
// reused with different content.
var (
	periodStart = time.Date(2024, 1, 1, 0, 0, 0, 0, gi.ChinaZone)
	periodEnd   = time.Date(2024, 7, 1, 0, 0, 0, 0, gi.ChinaZone) // exclusive
)

// Stats counts the demo objects that exist once Seed has returned. They are
// the same on every run: a repeat is found, not created again.
type Stats struct {
	Grids, Users, Subjects, Reports, Patrols int
}

// Services are what Seed creates the street through.
type Services struct {
	Directory gi.DirectoryService
	Reports   gi.ReportService
	Users     gi.UserService
	// Settings, if set, gets the office's notice prefixes (NoticePrefixes)
	// for the kinds that have none yet.
	Settings gi.SettingsService
	// Routing, if set, gets the office's routing rules (RoutingRules)
	// that it does not hold yet.
	Routing gi.RoutingService
	// Schedules, if set, gets the demo's patrol schedules (巡查计划) for
	// the subjects and grids that have none in force.
	Schedules gi.PatrolScheduleService
	// Calendar, if set, gets China's official holidays and 调休 workdays
	// of 2024–2026 (internal/holidays) for the years that have none yet.
	Calendar gi.CalendarService
	// Rectification, if set, dispatches the two cases of dispatchSpecs,
	// whose deadlines in June 2024 have passed, so the server escalates
	// them to supervision (督办).
	Rectification gi.RectificationService
}

// OfficeAbbreviation is the demo street office's short name, which its
// document numbers start with (发文字号). The seed document writes the
// street as "xx街道"; the demo calls it after its Jiangnan community, by
// the Yangtze.
const OfficeAbbreviation = "江南街"

// NoticePrefixes are the demo office's number prefixes per notice kind:
// its abbreviation and the kind's code — 安告 for a hazard notice
// (安全隐患告知书), 整改 for a rectification order, 执法 for an
// enforcement document — so that 江南街安告〔2024〕3号 and 江南街整改〔2024〕3号
// never read alike.
func NoticePrefixes() []gi.NoticePrefix {
	return []gi.NoticePrefix{
		{Kind: gi.NoticeHazard, Prefix: OfficeAbbreviation + "安告"},
		{Kind: gi.NoticeRectificationOrder, Prefix: OfficeAbbreviation + "整改"},
		{Kind: gi.NoticeEnforcement, Prefix: OfficeAbbreviation + "执法"},
	}
}

// Seed creates the demo street through the services, as the actor ctx
// carries (NewContext); it must be an admin whose scope is the whole
// street, because it creates grids and accounts and reads every grid.
//
// It is idempotent. Grids, subjects, patrols and reports have fixed ids
// and content that is a function of this package alone, so running Seed
// twice creates each once (the services answer a repeat with the stored
// object). Should the store hold one of them with different content — a
// database seeded by an older version of this package — Seed stops with
// the service's EEXISTS error rather than change it. Accounts get their
// ids from the server, so they are found again by username instead, and
// one that exists is left as it is (see seedUsers).
//
// The accounts are supervisor, who sees every grid, and worker01 …
// worker10, one per grid in Grids' order, all with Password; the store
// must accept that password (open it with Rules), or Seed fails.
//
// The cases are dated in the first half of 2024, whatever now is; now is
// only checked to be after that half-year, since an observation dated in
// the future would be flagged as a device clock error.
//
// Grids come first, then accounts (a worker names its grid), then subjects
// as ctx's actor, then patrols and reports, each submitted as the worker
// of its grid, so that its reporter is a real account; a report without a
// grid id is submitted by the worker of the grid it is meant to land in.
// A report names its patrol, and a patrol its reports, by id only, so
// their order does not matter to the store. Two of the cases are then
// dispatched by the supervisor (dispatchSpecs), the only moves of the
// half-year's loop the demo makes.
func Seed(ctx context.Context, svc Services, now time.Time) (Stats, error) {
	var st Stats
	if now.Before(periodEnd) {
		return st, fmt.Errorf("demo: seed: the clock says %s, but the demo's cases are dated up to %s",
			now.Format(time.DateOnly), periodEnd.Add(-time.Second).Format(time.DateOnly))
	}
	for _, g := range Grids() {
		if _, err := svc.Directory.CreateGrid(ctx, g); err != nil {
			return st, fmt.Errorf("demo: create grid %s: %w", g.Name, err)
		}
		st.Grids++
	}
	if err := seedNoticePrefixes(ctx, svc.Settings); err != nil {
		return st, err
	}
	if svc.Calendar != nil {
		if _, err := holidays.Seed(ctx, svc.Calendar); err != nil {
			return st, fmt.Errorf("demo: %w", err)
		}
	}
	users, err := seedUsers(ctx, svc.Users)
	if err != nil {
		return st, err
	}
	st.Users = len(users)
	for _, s := range demoSubjects() {
		if _, err := svc.Directory.CreateSubject(ctx, s); err != nil {
			return st, fmt.Errorf("demo: create subject %s: %w", s.Name, err)
		}
		st.Subjects++
	}
	for i, p := range demoPatrols() {
		wctx := submitterFor(ctx, users, patrolSpecs[i].grid)
		if _, _, err := svc.Reports.SubmitPatrol(wctx, p); err != nil {
			return st, fmt.Errorf("demo: submit patrol %s: %w", p.ID, err)
		}
		st.Patrols++
	}
	for i, r := range demoReports() {
		wctx := submitterFor(ctx, users, reportSpecs[i].grid)
		if _, _, err := svc.Reports.SubmitReport(wctx, r); err != nil {
			return st, fmt.Errorf("demo: submit report %s: %w", r.ID, err)
		}
		st.Reports++
	}
	if err := seedDispatches(ctx, svc.Rectification, svc.Reports, users); err != nil {
		return st, err
	}
	if err := seedRoutingRules(ctx, svc.Routing, users); err != nil {
		return st, err
	}
	if err := seedSchedules(ctx, svc.Schedules); err != nil {
		return st, err
	}
	return st, nil
}

// seedNoticePrefixes sets the demo's prefix of each notice kind that has
// none, leaving one the admin has set as it is.
func seedNoticePrefixes(ctx context.Context, svc gi.SettingsService) error {
	if svc == nil {
		return nil
	}
	have, err := svc.NoticePrefixes(ctx)
	if err != nil {
		return fmt.Errorf("demo: read notice prefixes: %w", err)
	}
	set := map[gi.NoticeKind]bool{}
	for _, p := range have {
		set[p.Kind] = p.Prefix != ""
	}
	for _, p := range NoticePrefixes() {
		if set[p.Kind] {
			continue
		}
		if _, err := svc.SetNoticePrefix(ctx, p); err != nil {
			return fmt.Errorf("demo: set notice prefix %s: %w", p.Prefix, err)
		}
	}
	return nil
}

// date returns a time in the demo's half-year, China time.
func date(month time.Month, day, hour, minute int) time.Time {
	return time.Date(2024, month, day, hour, minute, 0, 0, gi.ChinaZone)
}
