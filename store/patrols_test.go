package store

import (
	"context"
	"testing"
	"time"

	"github.com/gridinspect/gridinspect"
)

// newPatrol returns a valid general patrol walked in grid A.
func newPatrol() *gridinspect.Patrol {
	return &gridinspect.Patrol{
		ID:           newID(),
		Kind:         gridinspect.PatrolKindGeneral,
		StartedAt:    t0.Add(-2 * time.Hour),
		EndedAt:      t0.Add(-time.Hour),
		Participants: 2,
		Track: []gridinspect.TrackPoint{
			{Lat: 29.501, Lng: 106.501, RecordedAt: t0.Add(-2 * time.Hour)},
			{Lat: 29.502, Lng: 106.502}, // a fix without a time
			{Lat: 29.503, Lng: 106.503, RecordedAt: t0.Add(-time.Hour)},
		},
		Notes: "巡查无异常",
	}
}

func mustSubmitPatrol(tb testing.TB, db *testDB, ctx context.Context, p *gridinspect.Patrol) *gridinspect.Patrol {
	tb.Helper()
	got, dup, err := db.SubmitPatrol(ctx, p)
	if err != nil {
		tb.Fatalf("submit patrol: %v", err)
	}
	if dup {
		tb.Fatalf("submit patrol %s: duplicate", p.ID)
	}
	return got
}

func TestSubmitPatrol_PlacedByItsFirstPointAndComesBack(t *testing.T) {
	db := MustOpenDB(t)
	mustStreet(t, db)
	p := newPatrol()
	p.ReportIDs = []string{newID()} // a report that has not arrived yet
	stored := mustSubmitPatrol(t, db, as(worker(gridA)), p)
	if stored.GridID != gridA || stored.ReporterID != workerID || !stored.ReceivedAt.Equal(t0) || stored.ClockSkewFlagged {
		t.Fatalf("stored patrol %+v", stored)
	}
	list, _, err := db.ListPatrols(as(worker(gridA)), gridinspect.PatrolFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 {
		t.Fatalf("%d patrols listed, want 1", len(list))
	}
	assertEqual(t, list[0], stored)
}

func TestSubmitPatrol_Idempotent(t *testing.T) {
	db := MustOpenDB(t)
	mustStreet(t, db)
	p := newPatrol()
	first := mustSubmitPatrol(t, db, as(admin()), p)
	rows, commits := count(t, db, "patrols")+count(t, db, "changes"), db.Commits()
	again, dup, err := db.SubmitPatrol(as(admin()), p)
	if err != nil || !dup {
		t.Fatalf("resubmit: duplicate %v, err %v", dup, err)
	}
	assertEqual(t, again, first)
	if got := count(t, db, "patrols") + count(t, db, "changes"); got != rows || db.Commits() != commits {
		t.Errorf("resubmit wrote: rows %d→%d, commits %d→%d", rows, got, commits, db.Commits())
	}
	changed := *p
	changed.Participants = 3
	_, _, err = db.SubmitPatrol(as(admin()), &changed)
	wantCode(t, err, gridinspect.EEXISTS)
}

func TestSubmitPatrol_Refusals(t *testing.T) {
	db := MustOpenDB(t)
	mustStreet(t, db)
	for _, tt := range []struct {
		name  string
		actor *gridinspect.Actor
		edit  func(p *gridinspect.Patrol)
		code  string
		field string
	}{
		{"first point in no grid", admin(), func(p *gridinspect.Patrol) { p.Track[0].Lat, p.Track[0].Lng = inNone.Lat, inNone.Lng }, gridinspect.EINVALID, "patrol.track[0]"},
		{"unknown grid", admin(), func(p *gridinspect.Patrol) { p.GridID = newID() }, gridinspect.EINVALID, "patrol.grid_id"},
		{"unknown subject", admin(), func(p *gridinspect.Patrol) { p.SubjectID = newID() }, gridinspect.EINVALID, "patrol.subject_id"},
		{"water source patrol without its subject", admin(), func(p *gridinspect.Patrol) { p.Kind = gridinspect.PatrolKindWaterSource }, gridinspect.EINVALID, "patrol.subject_id"},
		{"ends before it starts", admin(), func(p *gridinspect.Patrol) { p.EndedAt = p.StartedAt.Add(-time.Minute) }, gridinspect.EINVALID, "patrol.ended_at"},
		{"no participants", admin(), func(p *gridinspect.Patrol) { p.Participants = 0 }, gridinspect.EINVALID, "patrol.participants"},
		{"another grid", worker(gridB), func(p *gridinspect.Patrol) {}, gridinspect.EFORBIDDEN, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := newPatrol()
			tt.edit(p)
			_, _, err := db.SubmitPatrol(as(tt.actor), p)
			if tt.field != "" {
				wantField(t, err, tt.field)
			} else {
				wantCode(t, err, tt.code)
			}
		})
	}
}

func TestSubmitPatrol_ClockSkewFlagged(t *testing.T) {
	db := MustOpenDB(t)
	mustStreet(t, db)
	p := newPatrol()
	p.StartedAt, p.EndedAt = time.Unix(0, 0), time.Unix(3600, 0)
	stored := mustSubmitPatrol(t, db, as(admin()), p)
	if !stored.ClockSkewFlagged || !stored.EffectiveAt().Equal(t0) {
		t.Fatalf("flagged %v, effective %v; want true, %v", stored.ClockSkewFlagged, stored.EffectiveAt(), t0)
	}
}

func TestListPatrols_NewestFirstPagedAndFiltered(t *testing.T) {
	db := MustOpenDB(t)
	mustStreet(t, db)
	water := mustCreateSubject(t, db, &gridinspect.Subject{ID: newID(), Kind: gridinspect.SubjectKindWaterSource, Name: "备用水源", Location: inA})
	var want []string
	for i := range 7 {
		p := newPatrol()
		p.StartedAt = t0.Add(-time.Duration(10-i) * time.Hour)
		p.EndedAt = p.StartedAt.Add(30 * time.Minute)
		if i%2 == 0 {
			p.Kind, p.SubjectID = gridinspect.PatrolKindWaterSource, water.ID
		}
		want = append([]string{mustSubmitPatrol(t, db, as(admin()), p).ID}, want...)
	}
	var got []string
	token := ""
	for {
		page, next, err := db.ListPatrols(as(admin()), gridinspect.PatrolFilter{PageSize: 3, PageToken: token})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range page {
			got = append(got, p.ID)
		}
		if next == "" {
			break
		}
		token = next
	}
	assertEqual(t, got, want)

	water2, _, err := db.ListPatrols(as(admin()), gridinspect.PatrolFilter{Kinds: []gridinspect.PatrolKind{gridinspect.PatrolKindWaterSource}})
	if err != nil || len(water2) != 4 {
		t.Errorf("water source patrols: %d, err %v; want 4", len(water2), err)
	}
	bySubject, _, err := db.ListPatrols(as(admin()), gridinspect.PatrolFilter{SubjectID: water.ID})
	if err != nil || len(bySubject) != 4 {
		t.Errorf("patrols of the water source: %d, err %v; want 4", len(bySubject), err)
	}
	inB, _, err := db.ListPatrols(as(worker(gridB)), gridinspect.PatrolFilter{})
	if err != nil || len(inB) != 0 {
		t.Errorf("a worker of grid B sees %d patrols, err %v; want 0", len(inB), err)
	}
	_, _, err = db.ListPatrols(as(worker(gridB)), gridinspect.PatrolFilter{GridIDs: []string{gridA}})
	wantCode(t, err, gridinspect.EFORBIDDEN)

	file, err := db.GetSubject(as(admin()), water.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(file.Patrols) != 4 || file.Patrols[0].StartedAt.After(file.Patrols[3].StartedAt) {
		t.Errorf("subject file: %d patrols, want 4 oldest first", len(file.Patrols))
	}
}
