package demo

import (
	"context"
	"fmt"
	"time"

	gi "github.com/gridinspect/gridinspect"
)

// dispatchSpec is a demo case the supervisor dispatched in the half-year
// and that is still open: its deadline has passed by any clock Seed runs
// at, so the server escalates it to supervision (督办) as soon as it
// looks, and `gridctl open --supervised` has something to show on a new
// demo street.
type dispatchSpec struct {
	report   string // report key
	worker   bool   // to the worker of the case's grid as well as the unit
	unit     string
	at       time.Time
	deadline time.Time // the end of this China day
	note     string
}

// dispatchSpecs are two cases of June that nobody put right by their
// deadlines: the rusted canopy of the seed base in 袁塘村, to its worker
// and the base, and an occupied C级 house in 石桥村, to the street's
// planning and construction office.
var dispatchSpecs = []dispatchSpec{
	{report: "seed-canopy", worker: true, unit: "袁粮育种基地", at: date(6, 20, 16, 30),
		deadline: date(6, 27, 0, 0), note: "汛期前完成立柱除锈加固，必要时拆除雨棚"},
	{report: "sun-house", unit: "街道规划建设办", at: date(6, 19, 9, 30),
		deadline: date(6, 28, 0, 0), note: "组织鉴定，督促户主修缮屋面；雨天前转移人员"},
}

// dispatchAction is the assignment of a dispatchSpec, with an id and
// content that are functions of this package alone (and users), so that a
// repeat is answered with the stored one.
func dispatchAction(s dispatchSpec, users map[string]*gi.User) *gi.Action {
	rs := reportSpecByKey(s.report)
	as := &gi.Assignment{ResponsibleUnit: s.unit, Deadline: gi.EndOfChinaDay(s.deadline).UTC()}
	if s.worker {
		if u := gridWorker(users, rs.grid); u != nil {
			as.AssigneeID = u.ID
		}
	}
	return &gi.Action{
		ID: demoID("dispatch/"+s.report, s.at), ReportID: reportID(rs), Type: gi.EventReportAssigned,
		Note: s.note, OccurredAt: s.at.UTC(), Data: gi.EventData{Assignment: as},
	}
}

// seedDispatches dispatches the cases of dispatchSpecs that are still
// REPORTED, as the demo supervisor (or ctx's actor, should the supervisor
// be gone). A case an admin has since moved is left as it is.
func seedDispatches(ctx context.Context, svc gi.RectificationService, reports gi.ReportService, users map[string]*gi.User) error {
	if svc == nil {
		return nil
	}
	if u := users[supervisorUsername]; u != nil && !u.Disabled && u.Actor("demo", "").IsSupervisor() && u.AllGrids {
		ctx = gi.NewContext(ctx, u.Actor("demo", ""))
	}
	for _, s := range dispatchSpecs {
		a := dispatchAction(s, users)
		r, err := reports.GetReport(ctx, a.ReportID)
		if err != nil {
			return fmt.Errorf("demo: read report %s: %w", s.report, err)
		}
		if r.Status != gi.StatusReported {
			continue
		}
		if _, _, err := svc.Act(ctx, a, gi.Online); err != nil {
			return fmt.Errorf("demo: dispatch report %s: %w", s.report, err)
		}
	}
	return nil
}

// reportSpecByKey returns the report of reportSpecs with the key.
func reportSpecByKey(key string) reportSpec {
	for _, rs := range reportSpecs {
		if rs.key == key {
			return rs
		}
	}
	panic("demo: unknown report " + key) // a typo in this package's tables; the tests catch it
}
