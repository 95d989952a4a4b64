package main

import (
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

func TestParsePeriod(t *testing.T) {
	from, to, err := parsePeriod("2024-01-01", " 2024-06-30 ")
	if err != nil {
		t.Fatal(err)
	}
	// --to is inclusive: the API's exclusive end is the next midnight, China time.
	if want := time.Date(2024, 1, 1, 0, 0, 0, 0, chinaTime); !from.Equal(want) {
		t.Errorf("from = %v, want %v", from, want)
	}
	if want := time.Date(2024, 7, 1, 0, 0, 0, 0, chinaTime); !to.Equal(want) {
		t.Errorf("to = %v, want %v", to, want)
	}
	if want := time.Date(2024, 6, 30, 16, 0, 0, 0, time.UTC); !to.Equal(want) {
		t.Errorf("to = %v UTC, want %v", to.UTC(), want)
	}
	// One day is a period.
	if from, to, err := parsePeriod("2024-03-05", "2024-03-05"); err != nil || to.Sub(from) != 24*time.Hour {
		t.Errorf("one day: %v, %v, %v", from, to, err)
	}
	for _, tt := range []struct{ from, to, err string }{
		{"", "2024-06-30", "--from 和 --to 必填"},
		{"2024-01-01", "", "--from 和 --to 必填"},
		{"2024-13-01", "2024-06-30", `--from "2024-13-01" 不是日期`},
		{"2024-01-01", "30/06/2024", `--to "30/06/2024" 不是日期`},
		{"2024-07-01", "2024-06-30", "--to 2024-06-30 早于 --from 2024-07-01"},
	} {
		_, _, err := parsePeriod(tt.from, tt.to)
		if err == nil || !strings.Contains(err.Error(), tt.err) {
			t.Errorf("parsePeriod(%q, %q) error = %v, want %q", tt.from, tt.to, err, tt.err)
		}
	}
}

// tableRow returns the cells of the line of out whose first cell is
// label, split on runs of blanks; nil when there is none.
func tableRow(out, label string) []string {
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) > 0 && f[0] == label {
			return f
		}
	}
	return nil
}

// h1 is the first half of 2024, as the API's period [from, to).
var (
	h1From = time.Date(2024, 1, 1, 0, 0, 0, 0, chinaTime)
	h1To   = time.Date(2024, 7, 1, 0, 0, 0, 0, chinaTime)
)

// fullSummary has every figure set (as internal/words' prose test's).
func fullSummary() *pb.Summary {
	return &pb.Summary{
		From: timestamppb.New(h1From), To: timestamppb.New(h1To),
		Safety: &pb.SafetySummary{
			HazardsFound: 312, RectifiedOnSpot: 85, GeneralHazards: 309, MajorHazards: 3,
			HazardNotices: 27, RectificationOrders: 14, EnforcementDocuments: 9,
			EnforcementDocumentsByDepartment: []*pb.NamedCount{{Name: "区应急管理局", Count: 6}, {Name: "区市场监管局", Count: 3}},
			EnterpriseInterviews:             9, Inspections: 48, PersonTimes: 123, HazardsRectified: 290,
		},
		PollutingEnterprises: &pb.PollutingEnterpriseSummary{
			Found: 6, MovedInFromOutside: 3,
			ByActivity: []*pb.ActivityCount{
				{Activity: pb.PollutingActivity_POLLUTING_ACTIVITY_ILLEGAL_SAND_WASHING, Count: 2},
				{Activity: pb.PollutingActivity_POLLUTING_ACTIVITY_PLASTIC_RECYCLING, Count: 3},
				{Activity: pb.PollutingActivity_POLLUTING_ACTIVITY_CHEMICAL, Count: 1},
			},
			ShutDown: 3, Relocated: 1, Upgraded: 1, FollowUps: 12, Relapses: 1, Patrols: 20,
		},
		IllegalConstruction: &pb.IllegalConstructionSummary{
			Found: 25, OnFarmland: 8, Demolished: 18, DemolishedAreaSquareMeters: 1260.5,
			BillboardsRemoved: 2, ShedsAndStorageCleared: 11,
		},
		WaterSources: &pb.WaterSourceSummary{Patrols: 36, RisksFound: 3, RisksResolved: 3},
		DangerousHouses: &pb.DangerousHouseSummary{
			Identified: 14, GradeC: 9, GradeD: 5, Renovated: 6, Demolished: 2, ResidentsRelocated: 3, OccupiedDangerousNow: 1,
		},
		Loop: &pb.LoopSummary{
			Reported: 402, Closed: 351, Open: 45, OverdueNow: 4, Due: 300, ClosedOfDue: 289, ClosedOnTime: 270,
			ClosureRate: 289.0 / 300, OnTimeRate: 270.0 / 300, OpenOverdue: 5, MedianDaysToClose: 4.5, Rejected: 6,
		},
		Patrols: 210, PatrolPersonTimes: 530,
	}
}

func TestWriteSummary(t *testing.T) {
	s := fullSummary()
	s.GridIds = []string{gridHong, gridJin}
	s.ByCategory = []*pb.CategoryLoop{
		{Category: pb.Category_CATEGORY_SAFETY_HAZARD, Loop: s.Loop},
		{Category: pb.Category_CATEGORY_OTHER, Loop: &pb.LoopSummary{Reported: 3, Open: 3}},
	}
	s.ByGrid = []*pb.GridLoop{
		{GridId: gridHong, GridName: "红星村", Loop: s.Loop},
		{GridId: gridJin, GridName: "金石社区", Loop: &pb.LoopSummary{Reported: 3, Open: 3}},
	}
	var b strings.Builder
	if err := writeSummary(&b, s, true, "", nil); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if first, _, _ := strings.Cut(out, "\n"); first != "2024-01-01 至 2024-06-30  网格: 红星村、金石社区" {
		t.Errorf("first line = %q", first)
	}
	for _, heading := range []string{"安全生产", "散乱污企业治理", "违法建设", "备用水源地", "危房", "巡查（各类）", "闭环处置", "按类别", "按网格"} {
		if !strings.Contains(out, "\n"+heading+"\n") {
			t.Errorf("no heading %s in:\n%s", heading, out)
		}
	}
	for _, want := range [][]string{
		{"发现安全隐患", "312"},
		{"其中立行立改", "85"},
		{"区应急管理局", "6"},
		{"非法洗沙", "2"},
		{"其中外区流入", "3"},
		{"拆除面积(㎡)", "1260.5"},
		{"期末C、D级危房住人", "1"},
		{"巡查次数", "210"},
		{"应结案", "300"},
		{"结案率", "96.3%"},
		{"按期结案率", "90%"},
		{"期末逾期未办结", "5"},
		{"当前逾期", "4"},
		{"办结用时中位数(天)", "4.5"},
		{"类别", "受理", "办结", "未办结", "应结案", "结案率", "按期结案率", "期末逾期", "当前逾期", "用时中位数(天)"},
		{"安全隐患", "402", "351", "45", "300", "96.3%", "90%", "5", "4", "4.5"},
		// Nothing due: no rate rather than 0%.
		{"其他", "3", "0", "3", "0", "-", "-", "0", "0", "-"},
		{"金石社区", "3", "0", "3", "0", "-", "-", "0", "0", "-"},
	} {
		if got := tableRow(out, want[0]); strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("row %s = %q, want %q", want[0], got, want)
		}
	}
}

// TestSummaryWithoutDatesIsTheCurrentHalfYear: no --from and --to means
// the half-year of today in China time, named in a note; one of the two
// alone says which is missing.
func TestSummaryWithoutDatesIsTheCurrentHalfYear(t *testing.T) {
	for _, tt := range []struct {
		name     string
		today    time.Time
		from, to time.Time
		note     string
	}{
		{"first half", time.Date(2026, 3, 15, 12, 0, 0, 0, chinaTime),
			time.Date(2026, 1, 1, 0, 0, 0, 0, chinaTime), time.Date(2026, 7, 1, 0, 0, 0, 0, chinaTime),
			"统计期间：2026年上半年（1月1日至6月30日）"},
		{"second half", time.Date(2026, 12, 6, 5, 0, 0, 0, chinaTime),
			time.Date(2026, 7, 1, 0, 0, 0, 0, chinaTime), time.Date(2027, 1, 1, 0, 0, 0, 0, chinaTime),
			"统计期间：2026年下半年（7月1日至12月31日）"},
		// 30 June 17:00 UTC is already 1 July in China.
		{"China's day, not UTC's", time.Date(2026, 6, 30, 17, 0, 0, 0, time.UTC),
			time.Date(2026, 7, 1, 0, 0, 0, 0, chinaTime), time.Date(2027, 1, 1, 0, 0, 0, 0, chinaTime),
			"统计期间：2026年下半年（7月1日至12月31日）"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			from, to, note, err := summaryPeriod("", " ", tt.today)
			if err != nil || !from.Equal(tt.from) || !to.Equal(tt.to) || note != tt.note {
				t.Errorf("summaryPeriod = %v, %v, %q, %v; want %v, %v, %q", from, to, note, err, tt.from, tt.to, tt.note)
			}
		})
	}
	for _, tt := range []struct{ from, to, err string }{
		{"2024-01-01", "", "缺少 --to：--from 2024-01-01 已给出"},
		{"", "2024-06-30", "缺少 --from：--to 2024-06-30 已给出"},
	} {
		if _, _, _, err := summaryPeriod(tt.from, tt.to, time.Now()); err == nil || !strings.Contains(err.Error(), tt.err) {
			t.Errorf("summaryPeriod(%q, %q) error = %v, want %q", tt.from, tt.to, err, tt.err)
		}
	}
	// Given dates carry no note.
	if _, _, note, err := summaryPeriod("2024-01-01", "2024-06-30", time.Now()); err != nil || note != "" {
		t.Errorf("with dates: note %q, error %v", note, err)
	}

	// Through gridctl, on the street's clock (3 June 2024): the note on
	// stderr, and the same figures as the dates typed out.
	s := startStreet(t, june3)
	s.mustSubmit(t, s.worker01, s.hazard("车间木屑粉尘堆积，电气线路未穿管保护"))
	r := gridctl(t, "", "summary")
	if r.code != exitOK || !strings.Contains(r.stderr, "统计期间：2024年上半年（1月1日至6月30日）") {
		t.Fatalf("gridctl summary: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if typed := mustGridctl(t, "", "summary", "--from", "2024-01-01", "--to", "2024-06-30"); r.stdout != typed {
		t.Errorf("gridctl summary printed\n%s\nwant as with the dates typed\n%s", r.stdout, typed)
	}
	r = gridctl(t, "", "summary", "--from", "2024-01-01")
	if r.code == exitOK || !strings.Contains(r.stderr, "缺少 --to") {
		t.Errorf("summary --from alone: exit %d\n%s", r.code, r.stderr)
	}
}
