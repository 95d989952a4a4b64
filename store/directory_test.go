package store

import (
	"testing"

	"github.com/gridinspect/gridinspect"
)

func TestCreateGrid_OnlyAnAdmin(t *testing.T) {
	db := MustOpenDB(t)
	g := &gridinspect.Grid{ID: gridA, Name: "东村", Boundary: square(29.50, 106.50, 29.51, 106.51)}
	_, err := db.CreateGrid(as(supervisor()), g)
	e := wantCode(t, err, gridinspect.EFORBIDDEN)
	if e.Message != "only an admin may create grids" {
		t.Errorf("message %q", e.Message)
	}
}

func TestCreateGrid_IdempotentAndNamesUnique(t *testing.T) {
	db := MustOpenDB(t)
	g := &gridinspect.Grid{ID: gridA, Name: "东村", Boundary: square(29.50, 106.50, 29.51, 106.51)}
	first := mustCreateGrid(t, db, g)
	if first.Kind != gridinspect.GridKindOther || !first.CreatedAt.Equal(t0) {
		t.Errorf("stored grid %+v", first)
	}
	changes := count(t, db, "changes")
	again := mustCreateGrid(t, db, g)
	assertEqual(t, again, first)
	if count(t, db, "changes") != changes {
		t.Error("creating the same grid again wrote a change")
	}
	got, err := db.GetGrid(as(admin()), gridA)
	if err != nil {
		t.Fatal(err)
	}
	assertEqual(t, got, first)

	moved := *g
	moved.Boundary = square(29.50, 106.50, 29.52, 106.52)
	_, err = db.CreateGrid(as(admin()), &moved)
	wantCode(t, err, gridinspect.EEXISTS)

	sameName := &gridinspect.Grid{ID: gridB, Name: "东村", Boundary: square(29.50, 106.51, 29.51, 106.52)}
	_, err = db.CreateGrid(as(admin()), sameName)
	wantField(t, err, "grid.name")

	_, err = db.CreateGrid(as(admin()), &gridinspect.Grid{ID: gridB, Name: "x"})
	wantField(t, err, "grid.boundary")
}

func TestListGrids_ScopeAndPages(t *testing.T) {
	db := MustOpenDB(t)
	mustStreet(t, db)
	names := []string{"一村", "二村", "三村", "四村", "五村"}
	for i, n := range names {
		lat := 30.0 + float64(i)/100
		mustCreateGrid(t, db, &gridinspect.Grid{ID: newID(), Name: n, Boundary: square(lat, 107, lat+0.01, 107.01)})
	}
	var all []string
	token := ""
	for {
		page, next, err := db.ListGrids(as(admin()), 2, token)
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range page {
			all = append(all, g.Name)
		}
		if next == "" {
			break
		}
		token = next
	}
	// By pinyin, page after page: dōng, èr, sān, sì, wǔ, xī, yī.
	assertEqual(t, all, []string{"东村", "二村", "三村", "四村", "五村", "西社区", "一村"})

	mine, _, err := db.ListGrids(as(worker(gridB)), 0, "")
	if err != nil || len(mine) != 1 || mine[0].ID != gridB {
		t.Errorf("worker of B lists %v (err %v), want only grid B", mine, err)
	}
	_, _, err = db.ListGrids(as(admin()), 0, "garbage")
	wantField(t, err, "page_token")
}

func TestCreateSubject_RulesAndPlacement(t *testing.T) {
	db := MustOpenDB(t)
	mustStreet(t, db)
	ent := &gridinspect.Subject{ID: newID(), Kind: gridinspect.SubjectKindEnterprise, Name: "某某洗沙场",
		Location: inB, CreditCode: "91350100M000100Y43"}

	_, err := db.CreateSubject(as(worker(gridB)), ent)
	wantCode(t, err, gridinspect.EFORBIDDEN)
	_, err = db.CreateSubject(as(supervisor(gridA)), ent)
	wantCode(t, err, gridinspect.EFORBIDDEN)

	stored, err := db.CreateSubject(as(supervisor(gridB)), ent)
	if err != nil {
		t.Fatal(err)
	}
	if stored.GridID != gridB {
		t.Errorf("placed in %s, want %s", stored.GridID, gridB)
	}
	again, err := db.CreateSubject(as(supervisor(gridB)), ent)
	if err != nil {
		t.Fatal(err)
	}
	assertEqual(t, again, stored)

	for _, tt := range []struct {
		name  string
		s     *gridinspect.Subject
		field string
	}{
		{"credit code taken", &gridinspect.Subject{ID: newID(), Kind: gridinspect.SubjectKindEnterprise, Name: "另一家",
			Location: inB, CreditCode: "91350100m000100y43"}, "subject.credit_code"},
		{"bad check digit", &gridinspect.Subject{ID: newID(), Kind: gridinspect.SubjectKindEnterprise, Name: "假码",
			Location: inB, CreditCode: "91350100M000100Y44"}, "subject.credit_code"},
		{"no grid contains it", &gridinspect.Subject{ID: newID(), Kind: gridinspect.SubjectKindSite, Name: "山上",
			Location: inNone}, "subject.location"},
		{"unknown grid", &gridinspect.Subject{ID: newID(), Kind: gridinspect.SubjectKindSite, Name: "某处",
			GridID: newID()}, "subject.grid_id"},
		{"no grid, no location", &gridinspect.Subject{ID: newID(), Kind: gridinspect.SubjectKindSite, Name: "某处"}, "subject.grid_id"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := db.CreateSubject(as(admin()), tt.s)
			wantField(t, err, tt.field)
			if tt.field == "subject.credit_code" && tt.name == "credit code taken" {
				e := wantCode(t, err, gridinspect.EINVALID)
				if want := "already registered to subject " + stored.ID; e.Fields[0].Description != want {
					t.Errorf("description %q, want %q", e.Fields[0].Description, want)
				}
			}
		})
	}
}

func TestGetSubject_FileOldestFirstWithRelapses(t *testing.T) {
	db := MustOpenDB(t)
	mustStreet(t, db)
	house := mustCreateSubject(t, db, &gridinspect.Subject{ID: newID(), Kind: gridinspect.SubjectKindHousehold,
		Name: "赵六家", GridID: gridA, Location: gridinspect.Location{Address: "东村 3 组"}})
	if house.Location.Lat != 0 || house.Location.System != gridinspect.CoordinateSystemUnspecified {
		t.Errorf("a subject without a point got location %+v", house.Location)
	}
	var want []string
	for i := range 3 {
		r := newReport(inA)
		r.SubjectID = house.ID
		r.ObservedAt = t0.AddDate(0, -3+i, 0)
		want = append(want, mustSubmit(t, db, as(admin()), r).ID)
		setRelapses(t, db, r.ID, i)
	}
	file, err := db.GetSubject(as(worker(gridA)), house.ID)
	if err != nil {
		t.Fatal(err)
	}
	assertEqual(t, file.Subject, house)
	var got []string
	for _, r := range file.Reports {
		got = append(got, r.ID)
	}
	assertEqual(t, got, want)
	if file.RelapseCount != 0+1+2 {
		t.Errorf("relapse count %d, want 3", file.RelapseCount)
	}
}

func setRelapses(tb testing.TB, db *testDB, id string, n int) {
	tb.Helper()
	err := db.Write(as(admin()), func(tx *Tx) error {
		_, err := tx.Exec("UPDATE reports SET relapse_count = ? WHERE id = ?", n, id)
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
}

func TestListSubjects_FiltersAndPages(t *testing.T) {
	db := MustOpenDB(t)
	mustStreet(t, db)
	mustCreateSubject(t, db, &gridinspect.Subject{ID: newID(), Kind: gridinspect.SubjectKindEnterprise, Name: "华为",
		Location: inB, CreditCode: "914403001922038216"})
	mustCreateSubject(t, db, &gridinspect.Subject{ID: newID(), Kind: gridinspect.SubjectKindWaterSource, Name: "备用水源",
		Location: inA})
	for _, n := range []string{"甲户", "乙户", "丙户"} {
		mustCreateSubject(t, db, newSubject(n))
	}
	names := func(f gridinspect.SubjectFilter, a *gridinspect.Actor) []string {
		t.Helper()
		var out []string
		for {
			page, next, err := db.ListSubjects(as(a), f)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range page {
				out = append(out, s.Name)
			}
			if next == "" {
				return out
			}
			f.PageToken = next
		}
	}
	assertEqual(t, names(gridinspect.SubjectFilter{PageSize: 2}, admin()), sortedUnique([]string{"华为", "备用水源", "甲户", "乙户", "丙户"}))
	assertEqual(t, names(gridinspect.SubjectFilter{Kinds: []gridinspect.SubjectKind{gridinspect.SubjectKindEnterprise}}, admin()), []string{"华为"})
	assertEqual(t, names(gridinspect.SubjectFilter{Query: "9144030019"}, admin()), []string{"华为"})
	assertEqual(t, names(gridinspect.SubjectFilter{Query: "水源"}, admin()), []string{"备用水源"})
	assertEqual(t, names(gridinspect.SubjectFilter{}, worker(gridB)), []string{"华为"})
	_, _, err := db.ListSubjects(as(worker(gridB)), gridinspect.SubjectFilter{GridIDs: []string{gridA}})
	wantCode(t, err, gridinspect.EFORBIDDEN)
}
