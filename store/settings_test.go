package store

import (
	"testing"

	"github.com/gridinspect/gridinspect"
)

func TestNoticeNumbers_CarryTheirKindsPrefixSoTwoKindsNeverReadAlike(t *testing.T) {
	db, _ := loopStreet(t)
	rep := mustCaseIn(t, db, gridinspect.StatusAssigned)
	for _, p := range []gridinspect.NoticePrefix{
		{Kind: gridinspect.NoticeHazard, Prefix: "江南街安告"},
		{Kind: gridinspect.NoticeRectificationOrder, Prefix: "江南街整改"},
	} {
		if _, err := db.SetNoticePrefix(as(admin()), p); err != nil {
			t.Fatal(err)
		}
	}
	_, hazard := mustAct(t, db, as(supervisor()), notice(rep.ID, gridinspect.NoticeHazard))
	_, order := mustAct(t, db, as(supervisor()), notice(rep.ID, gridinspect.NoticeRectificationOrder))
	_, enforcement := mustAct(t, db, as(supervisor()), notice(rep.ID, gridinspect.NoticeEnforcement))
	for _, tt := range []struct {
		got  *gridinspect.Notice
		want string
	}{
		{hazard.Data.Notice, "江南街安告〔2025〕1号"},
		{order.Data.Notice, "江南街整改〔2025〕1号"},
		{enforcement.Data.Notice, "〔2025〕1号"}, // no prefix set: as before
	} {
		if tt.got.Number != tt.want || tt.got.Year != 2025 || tt.got.Sequence != 1 {
			t.Errorf("notice %+v, want %s", tt.got, tt.want)
		}
	}

	t.Run("a number already issued keeps its value when the prefix changes", func(t *testing.T) {
		if _, err := db.SetNoticePrefix(as(admin()), gridinspect.NoticePrefix{Kind: gridinspect.NoticeHazard, Prefix: "江南街安字"}); err != nil {
			t.Fatal(err)
		}
		_, next := mustAct(t, db, as(supervisor()), notice(rep.ID, gridinspect.NoticeHazard))
		if next.Data.Notice.Number != "江南街安字〔2025〕2号" {
			t.Errorf("next hazard notice %s, want 江南街安字〔2025〕2号: the new prefix, the count going on", next.Data.Notice.Number)
		}
		events, _, err := db.GetTimeline(as(supervisor()), rep.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range events {
			if e.ID == hazard.ID && e.Data.Notice.Number != "江南街安告〔2025〕1号" {
				t.Errorf("the first hazard notice now reads %s, want 江南街安告〔2025〕1号", e.Data.Notice.Number)
			}
		}
	})
	t.Run("another kind's prefix is refused", func(t *testing.T) {
		_, err := db.SetNoticePrefix(as(admin()), gridinspect.NoticePrefix{Kind: gridinspect.NoticeEnforcement, Prefix: "江南街整改"})
		wantField(t, err, "prefix")
	})
	t.Run("the settings read back, every kind", func(t *testing.T) {
		got, err := db.NoticePrefixes(as(admin()))
		if err != nil {
			t.Fatal(err)
		}
		want := []gridinspect.NoticePrefix{
			{Kind: gridinspect.NoticeHazard, Prefix: "江南街安字"},
			{Kind: gridinspect.NoticeRectificationOrder, Prefix: "江南街整改"},
			{Kind: gridinspect.NoticeEnforcement},
		}
		assertEqual(t, got, want)
	})
}

func TestSetNoticePrefix_AdminsOnlyAndChecked(t *testing.T) {
	db := MustOpenDB(t)
	for _, tt := range []struct {
		name  string
		p     gridinspect.NoticePrefix
		field string
	}{
		{"no kind", gridinspect.NoticePrefix{Prefix: "江南街"}, "kind"},
		{"unknown kind", gridinspect.NoticePrefix{Kind: 9, Prefix: "江南街"}, "kind"},
		{"the year's brackets", gridinspect.NoticePrefix{Kind: gridinspect.NoticeHazard, Prefix: "江南街〔安〕"}, "prefix"},
		{"a space", gridinspect.NoticePrefix{Kind: gridinspect.NoticeHazard, Prefix: "江南街 安告"}, "prefix"},
		{"too long", gridinspect.NoticePrefix{Kind: gridinspect.NoticeHazard, Prefix: "江南街道办事处安全生产隐患排查告知书字第一号"}, "prefix"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := db.SetNoticePrefix(as(admin()), tt.p)
			wantField(t, err, tt.field)
		})
	}
	for _, a := range []*gridinspect.Actor{supervisor(), worker(gridA)} {
		_, err := db.SetNoticePrefix(as(a), gridinspect.NoticePrefix{Kind: gridinspect.NoticeHazard, Prefix: "江南街安告"})
		wantCode(t, err, gridinspect.EFORBIDDEN)
		_, err = db.NoticePrefixes(as(a))
		wantCode(t, err, gridinspect.EFORBIDDEN)
	}
}

func TestListGrids_InTheOfficialOrderThenByPinyin(t *testing.T) {
	db := MustOpenDB(t)
	ids := map[string]string{}
	given := map[string]gridinspect.Grid{}
	for i, g := range []struct {
		name  string
		order int
	}{
		{"金石社区", 0}, {"红星村", 0}, {"长山村", 0}, {"袁塘村", 2}, {"石桥村", 1}, {"新圩村", 2}, {"华苑社区", 0},
	} {
		lat := 30.0 + float64(i)/100
		in := gridinspect.Grid{ID: newID(), Name: g.name, Order: g.order, Boundary: square(lat, 107, lat+0.01, 107.01)}
		given[g.name] = in
		ids[g.name] = mustCreateGrid(t, db, &in).ID
	}
	list := func() []string {
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
				return all
			}
			token = next
		}
	}
	// Ordered first (新圩 xīn before 袁塘 yuán at 2), then the rest by
	// pinyin: cháng (长 read as in place names), hóng, huá, jīn.
	assertEqual(t, list(), []string{"石桥村", "新圩村", "袁塘村", "长山村", "红星村", "华苑社区", "金石社区"})

	g, err := db.SetGridOrder(as(admin()), ids["金石社区"], 1)
	if err != nil || g.Order != 1 || g.Name != "金石社区" {
		t.Fatalf("set order: %+v, %v", g, err)
	}
	assertEqual(t, list(), []string{"金石社区", "石桥村", "新圩村", "袁塘村", "长山村", "红星村", "华苑社区"})

	t.Run("admins only, and checked", func(t *testing.T) {
		_, err := db.SetGridOrder(as(supervisor()), ids["红星村"], 3)
		wantCode(t, err, gridinspect.EFORBIDDEN)
		_, err = db.SetGridOrder(as(admin()), ids["红星村"], -1)
		wantField(t, err, "order")
		_, err = db.SetGridOrder(as(admin()), newID(), 3)
		wantCode(t, err, gridinspect.ENOTFOUND)
		_, err = db.CreateGrid(as(admin()), &gridinspect.Grid{ID: newID(), Name: "x", Order: gridinspect.MaxGridOrder + 1,
			Boundary: square(31, 107, 31.01, 107.01)})
		wantField(t, err, "grid.order")
	})
	t.Run("a repeated CreateGrid is still a repeat after the order changed", func(t *testing.T) {
		g := given["金石社区"] // order 0, as first sent
		again, err := db.CreateGrid(as(admin()), &g)
		if err != nil || again.Order != 1 {
			t.Errorf("CreateGrid again: %+v, %v; want the stored grid, order 1", again, err)
		}
	})
}
