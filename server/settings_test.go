package server_test

import (
	"slices"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/gridinspect/gridinspect"
	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

// TestNoticeNumbersReadAsTheOfficeWritesThem: the admin sets each kind's
// prefix (发文字号) over gRPC, and the notices issued after carry it, so a
// hazard notice and an order of the same year and count read apart; a
// number already issued keeps its value when the prefix changes.
func TestNoticeNumbersReadAsTheOfficeWritesThem(t *testing.T) {
	l := newLoop(t)
	admin := pb.NewAdminServiceClient(l.conn)
	set := func(kind pb.NoticeKind, prefix string) error {
		_, err := admin.SetNoticePrefix(l.as("admin1"), &pb.SetNoticePrefixRequest{Kind: kind, Prefix: prefix})
		return err
	}
	if err := set(pb.NoticeKind_NOTICE_KIND_HAZARD_NOTICE, "江南街安告"); err != nil {
		t.Fatal(err)
	}
	if err := set(pb.NoticeKind_NOTICE_KIND_RECTIFICATION_ORDER, "江南街整改"); err != nil {
		t.Fatal(err)
	}
	id := l.caseIn(gridinspect.StatusAssigned)
	issue := func(kind pb.NoticeKind) string {
		t.Helper()
		_, ev, err := l.notice(kind, "")(l.as("super"), id)
		if err != nil {
			t.Fatal(err)
		}
		return ev.GetNotice().GetNumber()
	}
	hazard, order := issue(pb.NoticeKind_NOTICE_KIND_HAZARD_NOTICE), issue(pb.NoticeKind_NOTICE_KIND_RECTIFICATION_ORDER)
	if hazard != "江南街安告〔2024〕1号" || order != "江南街整改〔2024〕1号" {
		t.Errorf("numbers %q and %q, want 江南街安告〔2024〕1号 and 江南街整改〔2024〕1号", hazard, order)
	}

	if err := set(pb.NoticeKind_NOTICE_KIND_HAZARD_NOTICE, "江南街安字"); err != nil {
		t.Fatal(err)
	}
	if next := issue(pb.NoticeKind_NOTICE_KIND_HAZARD_NOTICE); next != "江南街安字〔2024〕2号" {
		t.Errorf("after the change: %q, want 江南街安字〔2024〕2号", next)
	}
	tl, err := l.rect.GetTimeline(l.as("super"), &pb.GetTimelineRequest{ReportId: id})
	if err != nil {
		t.Fatal(err)
	}
	var numbers []string
	for _, e := range tl.GetEvents() {
		if n := e.GetNotice().GetNumber(); n != "" {
			numbers = append(numbers, n)
		}
	}
	if want := []string{"江南街安告〔2024〕1号", "江南街整改〔2024〕1号", "江南街安字〔2024〕2号"}; !slices.Equal(numbers, want) {
		t.Errorf("timeline numbers %q, want %q: issued numbers keep their value", numbers, want)
	}

	err = set(pb.NoticeKind_NOTICE_KIND_ENFORCEMENT_DOCUMENT, "江南街整改")
	if st := wantCode(t, err, codes.InvalidArgument); !hasViolation(st.Details(), "prefix",
		"is already the prefix of NOTICE_KIND_RECTIFICATION_ORDER notices") {
		t.Errorf("another kind's prefix: %v", st.Details())
	}
	got, err := admin.GetNoticeSettings(l.as("admin1"), &pb.GetNoticeSettingsRequest{})
	if err != nil || len(got.GetPrefixes()) != 3 || got.GetPrefixes()[0].GetPrefix() != "江南街安字" ||
		got.GetPrefixes()[2].GetKind() != pb.NoticeKind_NOTICE_KIND_ENFORCEMENT_DOCUMENT || got.GetPrefixes()[2].GetPrefix() != "" {
		t.Errorf("settings %v, %v", got, err)
	}
}

// TestGridsAreListedInTheOfficialOrderThenByPinyin: ListGrids over gRPC
// gives the grids the admin has ordered first, by order, and the rest by
// the pinyin of their names; a page token carries the place on.
func TestGridsAreListedInTheOfficialOrderThenByPinyin(t *testing.T) {
	h := newHarness(t) // 红星村 and 金石社区
	more := map[string]string{"长山村": newID(), "华苑社区": newID(), "石桥村": newID()}
	lat := 31.21
	for name, id := range more {
		h.createGrid(id, name, square(lat, 118.45, lat+0.01, 118.46))
		lat += 0.02
	}
	list := func() []string {
		var names []string
		token := ""
		for {
			resp, err := h.dirs.ListGrids(as(t.Context(), "admin"), &pb.ListGridsRequest{PageSize: 2, PageToken: token})
			if err != nil {
				t.Fatal(err)
			}
			for _, g := range resp.GetGrids() {
				names = append(names, g.GetName())
			}
			if token = resp.GetNextPageToken(); token == "" {
				return names
			}
		}
	}
	// cháng (长 read as in place names), hóng, huá, jīn, shí.
	if got, want := list(), []string{"长山村", "红星村", "华苑社区", "金石社区", "石桥村"}; !slices.Equal(got, want) {
		t.Errorf("no order: %q, want %q", got, want)
	}
	for id, order := range map[string]int32{more["石桥村"]: 1, more["长山村"]: 2} {
		resp, err := h.dirs.SetGridOrder(as(t.Context(), "admin"), &pb.SetGridOrderRequest{Id: id, Order: order})
		if err != nil || resp.GetGrid().GetOrder() != order {
			t.Fatalf("set order: %v, %v", resp, err)
		}
	}
	if got, want := list(), []string{"石桥村", "长山村", "红星村", "华苑社区", "金石社区"}; !slices.Equal(got, want) {
		t.Errorf("ordered: %q, want %q", got, want)
	}
	sum, err := pb.NewStatsServiceClient(h.conn).GetSummary(as(t.Context(), "admin"), &pb.GetSummaryRequest{
		From: timestamppb.New(h.clock.Now().AddDate(0, -6, 0)), To: timestamppb.New(h.clock.Now())})
	if err != nil {
		t.Fatal(err)
	}
	var byGrid []string
	for _, g := range sum.GetSummary().GetByGrid() {
		byGrid = append(byGrid, g.GetGridName())
	}
	if want := []string{"石桥村", "长山村", "红星村", "华苑社区", "金石社区"}; !slices.Equal(byGrid, want) {
		t.Errorf("summary by grid: %q, want %q, as ListGrids", byGrid, want)
	}
	_, err = h.dirs.SetGridOrder(as(t.Context(), "admin"), &pb.SetGridOrderRequest{Id: gridA, Order: -2})
	if fields := violations(t, err); !slices.Contains(fields, "order") {
		t.Errorf("negative order: %v", fields)
	}
}
