package words

import (
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/gridinspect/gridinspect"
	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

// h1 is the first half of 2024, as the API's period [from, to).
var (
	h1From = time.Date(2024, 1, 1, 0, 0, 0, 0, gridinspect.ChinaZone)
	h1To   = time.Date(2024, 7, 1, 0, 0, 0, 0, gridinspect.ChinaZone)
)

// fullSummary has every figure set.
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

// fullProse is fullSummary written out, every clause present.
const fullProse = "" +
	"街道对辖区企业开展常态化巡查和针对性检查48次，共出动人员123人次，发现各类安全隐患312处，其中立行立改85处，重大隐患3处，" +
	"配合上级业务部门对企业检查发现问题并下达执法文书9次（区应急管理局6次、区市场监管局3次），" +
	"本级下达《隐患排查告知书》27份、《整改通知书》14份，组织约谈企业9次，督促整改销号隐患290处，" +
	"进一步夯实安全生产主体责任，有效降低安全隐患风险。\n" +
	"\n" +
	"持续开展“散乱污”企业治理。对已清理整治的“散乱污”企业开展回头看12次，发现“死灰复燃”1家，均已重新纳入整改。" +
	"强化巡查，避免“散乱污”企业从外区流入，形成“洼地”效应。" +
	"2024年上半年，工作人员巡查重点区域20次，共新发现4家“散乱污”企业（废塑料加工3家、小化工1家）和2处非法洗沙场，其中从外区流入3家。" +
	"依法处置“散乱污”企业，关停取缔3家、整合搬迁1家、升级改造1家。\n" +
	"\n" +
	"全面排查违法建设，共发现违法建设25处，其中占用耕地8处；拆除违法建设18处，面积1260.5平方米，" +
	"其中拆除大型广告牌2处，清理乱堆放、乱搭盖11处。\n" +
	"\n" +
	"加大备用水源地巡查力度，共开展备用水源地巡查36次，发现周边环境污染隐患3起，解决3起。\n" +
	"\n" +
	"加大危房排查和安全检测力度，认定危房14户（其中C级9户、D级5户），改造6户，拆除2户，人员搬离3户，" +
	"对危房坚持严守严查，坚决把危房不住人作为红线底线。截至期末仍有1户C、D级危房有人居住，需尽快督促搬离。\n" +
	"\n" +
	"2024年上半年，街道网格员共开展巡查210次、出动530人次，共受理各类问题402件（其中经核实驳回无效或重复问题6件），" +
	"办结351件，结案率96.3%，按期结案率90%，问题从发现到办结用时中位数为4.5天，截至期末仍有5件逾期未办结。\n"

func TestProseFullExample(t *testing.T) {
	if got := Prose(fullSummary(), ProseStreet, gridinspect.ChinaZone); got != fullProse {
		t.Errorf("prose:\n%s\nwant:\n%s", got, fullProse)
	}
}

// TestProseClauses checks, clause by clause, what a 0 does: left out
// where "0处" would read oddly, said as a finding where nothing found is
// news, and the whole paragraph left out when its section is empty.
func TestProseClauses(t *testing.T) {
	tests := []struct {
		name    string
		scope   string
		change  func(s *pb.Summary)
		in      string   // the paragraph that begins so; "" for the whole prose
		want    []string // in it
		notWant []string // not in it
	}{
		{
			name: "the brief's sentence",
			change: func(s *pb.Summary) {
				s.Safety = &pb.SafetySummary{PersonTimes: 123, HazardsFound: 312, RectifiedOnSpot: 85,
					EnforcementDocuments: 9, HazardNotices: 27, EnterpriseInterviews: 9}
			},
			want: []string{"街道对辖区企业开展常态化巡查和针对性检查，共出动人员123人次，发现各类安全隐患312处，其中立行立改85处，" +
				"配合上级业务部门对企业检查发现问题并下达执法文书9次，本级下达《隐患排查告知书》27份，组织约谈企业9次，" +
				"进一步夯实安全生产主体责任，有效降低安全隐患风险。\n"},
		},
		{
			name:    "no safety figure: no safety paragraph",
			change:  func(s *pb.Summary) { s.Safety = &pb.SafetySummary{} },
			notWant: []string{"安全隐患", "安全生产", "执法文书"},
		},
		{
			name:    "no hazard found is a finding",
			in:      "街道对",
			change:  func(s *pb.Summary) { s.Safety = &pb.SafetySummary{Inspections: 5, PersonTimes: 12} },
			want:    []string{"街道对辖区企业开展常态化巡查和针对性检查5次，共出动人员12人次，未发现安全隐患，进一步夯实"},
			notWant: []string{"其中立行立改", "0处", "执法文书", "约谈", "告知书"},
		},
		{
			name:    "none rectified on the spot",
			in:      "街道对",
			change:  func(s *pb.Summary) { s.Safety.RectifiedOnSpot = 0 },
			want:    []string{"发现各类安全隐患312处，其中重大隐患3处，配合"},
			notWant: []string{"立行立改"},
		},
		{
			name:    "neither on the spot nor major: no 其中",
			in:      "街道对",
			change:  func(s *pb.Summary) { s.Safety.RectifiedOnSpot, s.Safety.MajorHazards = 0, 0 },
			want:    []string{"发现各类安全隐患312处，配合上级业务部门"},
			notWant: []string{"立行立改", "重大隐患"},
		},
		{
			name: "one department issued every document: named",
			in:   "街道对",
			change: func(s *pb.Summary) {
				s.Safety.EnforcementDocumentsByDepartment = []*pb.NamedCount{{Name: "区应急管理局", Count: 9}}
			},
			want:    []string{"配合区应急管理局对企业检查发现问题并下达执法文书9次，本级"},
			notWant: []string{"上级业务部门"},
		},
		{
			name:    "no enforcement documents",
			in:      "街道对",
			change:  func(s *pb.Summary) { s.Safety.EnforcementDocuments, s.Safety.EnforcementDocumentsByDepartment = 0, nil },
			want:    []string{"重大隐患3处，本级下达《隐患排查告知书》27份"},
			notWant: []string{"执法文书"},
		},
		{
			name:    "orders only",
			in:      "街道对",
			change:  func(s *pb.Summary) { s.Safety.HazardNotices = 0 },
			want:    []string{"本级下达《整改通知书》14份，"},
			notWant: []string{"告知书"},
		},
		{
			name:    "no interviews, nothing closed",
			in:      "街道对",
			change:  func(s *pb.Summary) { s.Safety.EnterpriseInterviews, s.Safety.HazardsRectified = 0, 0 },
			want:    []string{"《整改通知书》14份，进一步夯实"},
			notWant: []string{"约谈", "销号"},
		},
		{
			name:    "a grid's summary",
			scope:   "红星村、金石社区",
			want:    []string{"红星村、金石社区对辖区企业开展常态化巡查", "2024年上半年，红星村、金石社区网格员共开展巡查210次"},
			notWant: []string{"街道"},
		},
		{
			name:    "no relapse is a finding",
			in:      "持续开展",
			change:  func(s *pb.Summary) { s.PollutingEnterprises.Relapses = 0 },
			want:    []string{"开展回头看12次，未发现“死灰复燃”现象。"},
			notWant: []string{"重新纳入整改"},
		},
		{
			name:    "no follow-ups",
			in:      "持续开展",
			change:  func(s *pb.Summary) { s.PollutingEnterprises.FollowUps, s.PollutingEnterprises.Relapses = 0, 0 },
			want:    []string{"持续开展“散乱污”企业治理。强化巡查"},
			notWant: []string{"回头看", "死灰复燃”现象"},
		},
		{
			name: "sand washing only, none from outside, no patrols",
			in:   "持续开展",
			change: func(s *pb.Summary) {
				s.PollutingEnterprises = &pb.PollutingEnterpriseSummary{Found: 2, ByActivity: []*pb.ActivityCount{
					{Activity: pb.PollutingActivity_POLLUTING_ACTIVITY_ILLEGAL_SAND_WASHING, Count: 2}}}
			},
			want:    []string{"2024年上半年，工作人员在巡查重点区域时共新发现2处非法洗沙场。"},
			notWant: []string{"家“散乱污”企业", "其中从外区流入", "回头看", "依法处置"},
		},
		{
			name: "no sand washing",
			in:   "持续开展",
			change: func(s *pb.Summary) {
				s.PollutingEnterprises.Found = 4
				s.PollutingEnterprises.ByActivity = s.PollutingEnterprises.ByActivity[1:]
			},
			want:    []string{"共新发现4家“散乱污”企业（废塑料加工3家、小化工1家），其中从外区流入3家。"},
			notWant: []string{"洗沙"},
		},
		{
			name: "patrols that found nothing",
			in:   "持续开展",
			change: func(s *pb.Summary) {
				s.PollutingEnterprises = &pb.PollutingEnterpriseSummary{Patrols: 7}
			},
			want:    []string{"2024年上半年，工作人员巡查重点区域7次，未发现新的“散乱污”企业。"},
			notWant: []string{"0家", "依法处置"},
		},
		{
			name:    "one kind of disposal",
			in:      "持续开展",
			change:  func(s *pb.Summary) { s.PollutingEnterprises.Relocated, s.PollutingEnterprises.Upgraded = 0, 0 },
			want:    []string{"依法处置“散乱污”企业，关停取缔3家。"},
			notWant: []string{"整合搬迁", "升级改造"},
		},
		{
			name:    "no polluting figure: no paragraph",
			change:  func(s *pb.Summary) { s.PollutingEnterprises = nil },
			notWant: []string{"散乱污"},
		},
		{
			name: "no illegal construction found, some demolished without an area",
			in:   "全面排查",
			change: func(s *pb.Summary) {
				s.IllegalConstruction = &pb.IllegalConstructionSummary{Demolished: 3}
			},
			want:    []string{"全面排查违法建设，未发现新增违法建设；拆除违法建设3处。"},
			notWant: []string{"平方米", "耕地", "广告牌"},
		},
		{
			name: "found, none demolished",
			in:   "全面排查",
			change: func(s *pb.Summary) {
				s.IllegalConstruction = &pb.IllegalConstructionSummary{Found: 4}
			},
			want:    []string{"全面排查违法建设，共发现违法建设4处。"},
			notWant: []string{"拆除", "其中"},
		},
		{
			name:    "water patrols that found nothing",
			in:      "加大备用",
			change:  func(s *pb.Summary) { s.WaterSources = &pb.WaterSourceSummary{Patrols: 36} },
			want:    []string{"加大备用水源地巡查力度，共开展备用水源地巡查36次，未发现周边环境污染隐患。"},
			notWant: []string{"解决"},
		},
		{
			name:    "water risks found, none resolved yet",
			in:      "加大备用",
			change:  func(s *pb.Summary) { s.WaterSources.RisksResolved = 0 },
			want:    []string{"发现周边环境污染隐患3起。"},
			notWant: []string{"解决"},
		},
		{
			name:    "no water figure: no paragraph",
			change:  func(s *pb.Summary) { s.WaterSources = &pb.WaterSourceSummary{} },
			notWant: []string{"水源地"},
		},
		{
			name: "no dangerous house occupied is a finding",
			in:   "加大危房",
			change: func(s *pb.Summary) {
				s.DangerousHouses = &pb.DangerousHouseSummary{Identified: 2, Renovated: 1}
			},
			want:    []string{"加大危房排查和安全检测力度，认定危房2户，改造1户，对危房坚持严守严查", "截至期末未发现C、D级危房有人居住。"},
			notWant: []string{"（其中", "拆除2户", "搬离"},
		},
		{
			name:    "nothing due: no rates",
			in:      "2024年上半年，",
			change:  func(s *pb.Summary) { s.Loop.Due, s.Loop.ClosureRate, s.Loop.OnTimeRate = 0, 0, 0 },
			want:    []string{"办结351件，问题从发现到办结"},
			notWant: []string{"结案率", "0%"},
		},
		{
			name: "nothing overdue is a finding",
			in:   "2024年上半年，",
			change: func(s *pb.Summary) {
				s.Loop.OpenOverdue, s.Loop.Rejected, s.Patrols, s.PatrolPersonTimes = 0, 0, 0, 0
			},
			want:    []string{"2024年上半年，街道共受理各类问题402件，办结351件", "截至期末无逾期未办结问题。"},
			notWant: []string{"驳回", "网格员共开展巡查"},
		},
		{
			name: "patrols without person-times, nothing reported or closed",
			in:   "2024年上半年，",
			change: func(s *pb.Summary) {
				s.Loop = &pb.LoopSummary{}
				s.PatrolPersonTimes = 0
			},
			want:    []string{"2024年上半年，街道网格员共开展巡查210次，未受理新的问题，截至期末无逾期未办结问题。"},
			notWant: []string{"人次，未受理", "办结0", "用时"},
		},
		{
			name: "nothing closed: what is still open",
			in:   "2024年上半年，",
			change: func(s *pb.Summary) {
				s.Loop = &pb.LoopSummary{Reported: 45, Open: 45}
				s.Patrols, s.PatrolPersonTimes = 0, 0
			},
			want:    []string{"2024年上半年，街道共受理各类问题45件，在办45件，截至期末无逾期未办结问题。"},
			notWant: []string{"办结0", "结案率", "用时"},
		},
		{
			name:   "nothing at all",
			change: func(s *pb.Summary) { *s = pb.Summary{From: s.From, To: s.To} },
			want:   []string{"2024年上半年，街道未记录巡查和问题。\n"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := fullSummary()
			if tt.change != nil {
				tt.change(s)
			}
			scope := tt.scope
			if scope == "" {
				scope = ProseStreet
			}
			got := Prose(s, scope, gridinspect.ChinaZone)
			if tt.in != "" {
				got = paragraph(t, got, tt.in)
			}
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("prose lacks %q:\n%s", w, got)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(got, w) {
					t.Errorf("prose has %q:\n%s", w, got)
				}
			}
			if strings.Contains(got, "，，") || strings.Contains(got, "，。") || strings.Contains(got, "。。") {
				t.Errorf("prose has doubled punctuation:\n%s", got)
			}
		})
	}
}

func TestPeriodPhrase(t *testing.T) {
	day := func(y int, m time.Month, d int) time.Time {
		return time.Date(y, m, d, 0, 0, 0, 0, gridinspect.ChinaZone)
	}
	tests := []struct {
		from, to time.Time
		want     string
	}{
		{day(2024, 1, 1), day(2024, 7, 1), "2024年上半年"},
		{day(2024, 7, 1), day(2025, 1, 1), "2024年下半年"},
		{day(2024, 1, 1), day(2025, 1, 1), "2024年"},
		{day(2024, 3, 1), day(2024, 4, 1), "2024年3月"},
		{day(2024, 12, 1), day(2025, 1, 1), "2024年12月"},
		{day(2024, 1, 1), day(2024, 3, 16), "2024年1月1日至3月15日"},
		{day(2024, 3, 5), day(2024, 3, 6), "2024年3月5日至3月5日"},
		{day(2023, 11, 1), day(2024, 2, 1), "2023年11月1日至2024年1月31日"},
		// The same instants in UTC: still China dates.
		{day(2024, 1, 1).UTC(), day(2024, 7, 1).UTC(), "2024年上半年"},
		{time.Date(2024, 1, 1, 8, 0, 0, 0, gridinspect.ChinaZone), day(2024, 1, 2), "2024年1月1日至1月1日"},
	}
	for _, tt := range tests {
		if got := PeriodPhrase(tt.from, tt.to, gridinspect.ChinaZone); got != tt.want {
			t.Errorf("PeriodPhrase(%v, %v) = %q, want %q", tt.from, tt.to, got, tt.want)
		}
	}
}

func TestFormatPercent(t *testing.T) {
	for rate, want := range map[float64]string{0: "0%", 1: "100%", 0.9: "90%", 289.0 / 300: "96.3%", 0.96349: "96.3%", 0.12345: "12.3%", 2.0 / 3: "66.7%"} {
		if got := FormatPercent(rate); got != want {
			t.Errorf("FormatPercent(%v) = %q, want %q", rate, got, want)
		}
	}
}

// paragraph returns the paragraph of text that begins with prefix.
func paragraph(t *testing.T, text, prefix string) string {
	t.Helper()
	for _, p := range strings.Split(text, "\n\n") {
		if strings.HasPrefix(p, prefix) {
			return p
		}
	}
	t.Fatalf("no paragraph begins with %q:\n%s", prefix, text)
	return ""
}

// A district account's streets are named by their names, in the order
// chosen; a street not named yet, or not among the caller's, by its id.
func TestStreetsScope_NamesTheStreetsByName(t *testing.T) {
	streets := []*pb.Street{{Id: 1, Name: "东城街道"}, {Id: 2, Name: "西城街道"}, {Id: 4}}
	for _, c := range []struct {
		ids  []int64
		want string
	}{
		{[]int64{1, 2}, "东城街道、西城街道"},
		{[]int64{2}, "西城街道"},
		{[]int64{1, 4}, "东城街道、街道 4"},
		{[]int64{3}, "街道 3"},
	} {
		if got := StreetsScope(c.ids, streets); got != c.want {
			t.Errorf("StreetsScope(%v) = %q, want %q", c.ids, got, c.want)
		}
	}
}
