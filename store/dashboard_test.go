package store

import (
	"testing"
	"time"

	"github.com/gridinspect/gridinspect"
)

// TestDashboard_ACountIsReusedForItsMaxAgeAndNoLonger: with a maximum age
// the desks' home pages share one count of the same grids for that long
// (its At says when it was counted), and count afresh after; a caller
// with other grids gets its own count.
func TestDashboard_ACountIsReusedForItsMaxAgeAndNoLonger(t *testing.T) {
	db := mustOpenWith(t, Options{DashboardMaxAge: 2 * time.Second})
	mustStreet(t, db)
	mustSubmit(t, db, as(worker(gridA)), newReport(inA))
	open := func(a *gridinspect.Actor) (int64, time.Time) {
		t.Helper()
		d, err := db.Dashboard(as(a), nil)
		if err != nil {
			t.Fatal(err)
		}
		return d.Total[gridinspect.CountOpen], d.At
	}
	n, at := open(supervisor())
	if n != 1 {
		t.Fatalf("open = %d, want 1", n)
	}
	mustSubmit(t, db, as(worker(gridA)), newReport(inA))
	db.clock.Add(time.Second)
	if n2, at2 := open(admin()); n2 != 1 || !at2.Equal(at) {
		t.Errorf("a second later, another desk of the whole street: open %d counted at %v, want the count of %v (1)", n2, at2, at)
	}
	if n2, _ := open(supervisor(gridA)); n2 != 2 {
		t.Errorf("a desk of grid A alone: open %d, want its own count, 2", n2)
	}
	db.clock.Add(time.Second)
	if n3, at3 := open(supervisor()); n3 != 2 || !at3.After(at) {
		t.Errorf("two seconds later: open %d counted at %v, want a new count (2)", n3, at3)
	}
}
