package demo

import (
	"math"
	"time"

	gi "github.com/gridinspect/gridinspect"
)

// patrolSpec is one patrol of the demo street.
type patrolSpec struct {
	key          string // names the patrol in the reports table and in its id
	kind         gi.PatrolKind
	grid         string // grid key
	subject      string // subject key, or ""
	around       uv     // the middle of the round when there is no subject
	start        time.Time
	minutes      int
	participants int
	// sys is the datum the phone recorded the track in; GCJ-02 for a
	// phone that used a map SDK's location.
	sys   gi.CoordinateSystem
	notes string
}

// patrolSpecs are the demo street's patrols: the backup water sources
// walked again and again (mostly finding nothing, which is worth recording
// too), safety inspections, and pollution patrols of the areas where
// "scattered, disorderly and polluting" workshops turn up. The reports each
// produced are those in reportSpecs that name it.
var patrolSpecs = []patrolSpec{
	{key: "ws-yuantang-1", kind: gi.PatrolKindWaterSource, grid: "yuantang", subject: "yuantang-water",
		start: date(1, 18, 9, 0), minutes: 70, participants: 2,
		notes: "水源地一级保护区巡查一周，界标、隔离网完好，未发现问题"},
	{key: "ws-yuantang-2", kind: gi.PatrolKindWaterSource, grid: "yuantang", subject: "yuantang-water",
		start: date(3, 7, 8, 30), minutes: 80, participants: 2,
		notes: "巡查中发现东侧养殖场粪污沿沟渠外溢，已拍照上报"},
	{key: "ws-yuantang-3", kind: gi.PatrolKindWaterSource, grid: "yuantang", subject: "yuantang-water",
		start: date(4, 22, 14, 0), minutes: 80, participants: 3,
		notes: "发现岸边倾倒生活垃圾，已组织现场清运"},
	{key: "ws-yuantang-4", kind: gi.PatrolKindWaterSource, grid: "yuantang", subject: "yuantang-water",
		start: date(6, 11, 9, 0), minutes: 90, participants: 2,
		notes: "汛前巡查，北段隔离网破损"},
	{key: "ws-shiqiao-1", kind: gi.PatrolKindWaterSource, grid: "shiqiao", subject: "shiqiao-water",
		start: date(2, 2, 9, 30), minutes: 70, participants: 2,
		notes: "水库大坝及库区巡查，未发现问题"},
	{key: "ws-shiqiao-2", kind: gi.PatrolKindWaterSource, grid: "shiqiao", subject: "shiqiao-water",
		start: date(4, 9, 8, 40), minutes: 80, participants: 2,
		notes: "沿上游来水沟渠排查，发现农家乐污水直排"},
	{key: "ws-shiqiao-3", kind: gi.PatrolKindWaterSource, grid: "shiqiao", subject: "shiqiao-water",
		start: date(5, 28, 15, 0), minutes: 70, participants: 3,
		notes: "周末垂钓高峰巡查"},

	{key: "sf-hongxing-elderly", kind: gi.PatrolKindSafety, grid: "hongxing", around: uv{0.60, 0.35},
		start: date(1, 25, 9, 0), minutes: 120, participants: 2,
		notes: "走访独居老人，检查燃气、用电安全"},
	{key: "sf-jinshi-market", kind: gi.PatrolKindSafety, grid: "jinshi", subject: "jinshi-market",
		start: date(2, 27, 15, 0), minutes: 90, participants: 3,
		notes: "农贸市场消防安全检查"},
	{key: "sf-jiangnan", kind: gi.PatrolKindSafety, grid: "jiangnan", subject: "jiangnan-restaurant",
		start: date(3, 12, 9, 30), minutes: 120, participants: 4,
		notes: "联合消防、市场监管对餐饮场所开展燃气安全检查"},
	{key: "sf-huayuan", kind: gi.PatrolKindSafety, grid: "huayuan", subject: "huayuan-shop",
		start: date(4, 17, 14, 0), minutes: 120, participants: 3,
		notes: "“三合一”场所专项排查"},
	{key: "sf-weishisan", kind: gi.PatrolKindSafety, grid: "weishisan", subject: "weishisan-chem",
		start: date(5, 9, 9, 0), minutes: 160, participants: 6,
		notes: "配合区应急管理局对危化品仓储企业开展专项检查"},

	{key: "pl-changshan", kind: gi.PatrolKindPollutionArea, grid: "changshan", around: uv{0.45, 0.25},
		start: date(1, 10, 20, 30), minutes: 130, participants: 3,
		notes: "夜间巡查205国道沿线及长山矿坑周边，防止非法洗沙"},
	{key: "pl-xinwei", kind: gi.PatrolKindPollutionArea, grid: "xinwei", around: uv{0.40, 0.50},
		start: date(2, 20, 9, 0), minutes: 150, participants: 2, sys: gi.CoordinateSystemGCJ02,
		notes: "散乱污企业回头看，防止死灰复燃；排查外区流入企业"},
	{key: "pl-shiqiao", kind: gi.PatrolKindPollutionArea, grid: "shiqiao", subject: "shiqiao-stone",
		start: date(3, 26, 14, 30), minutes: 70, participants: 2,
		notes: "石材加工点整改情况检查"},

	{key: "gn-jinshi", kind: gi.PatrolKindGeneral, grid: "jinshi", around: uv{0.45, 0.65},
		start: date(5, 16, 8, 30), minutes: 150, participants: 5,
		notes: "金石新城小区环境提升集中整治"},

	// June, under the patrol schedules (schedules.go): the water sources
	// weekly but for the week of 17 June (汛期抢险), the watched enterprises
	// and the C-grade houses; 刘长根户 was not visited (漏巡).
	{key: "ws-yuantang-s1", kind: gi.PatrolKindWaterSource, grid: "yuantang", subject: "yuantang-water",
		start: date(5, 29, 9, 0), minutes: 60, participants: 2, notes: "例行巡查，界标、隔离网完好"},
	{key: "ws-yuantang-s2", kind: gi.PatrolKindWaterSource, grid: "yuantang", subject: "yuantang-water",
		start: date(6, 5, 9, 0), minutes: 60, participants: 2, notes: "例行巡查，未发现问题"},
	{key: "ws-yuantang-s3", kind: gi.PatrolKindWaterSource, grid: "yuantang", subject: "yuantang-water",
		start: date(6, 26, 9, 0), minutes: 70, participants: 2, notes: "汛后巡查，北段隔离网已修复"},
	{key: "ws-shiqiao-s1", kind: gi.PatrolKindWaterSource, grid: "shiqiao", subject: "shiqiao-water",
		start: date(6, 4, 9, 30), minutes: 60, participants: 2, notes: "例行巡查，未发现问题"},
	{key: "ws-shiqiao-s2", kind: gi.PatrolKindWaterSource, grid: "shiqiao", subject: "shiqiao-water",
		start: date(6, 12, 15, 0), minutes: 60, participants: 2, notes: "复查农家乐污水整改，已接入污水管网"},
	{key: "ws-shiqiao-s3", kind: gi.PatrolKindWaterSource, grid: "shiqiao", subject: "shiqiao-water",
		start: date(6, 25, 9, 30), minutes: 60, participants: 2, notes: "例行巡查，未发现问题"},
	{key: "pl-changshan-sand-1", kind: gi.PatrolKindPollutionArea, grid: "changshan", subject: "changshan-sand",
		start: date(6, 6, 21, 0), minutes: 90, participants: 3, notes: "夜间巡查砂石堆场，未发现洗沙"},
	{key: "pl-changshan-sand-2", kind: gi.PatrolKindPollutionArea, grid: "changshan", subject: "changshan-sand",
		start: date(6, 18, 21, 30), minutes: 90, participants: 3, notes: "夜间巡查砂石堆场，设备已拆除"},
	{key: "pl-shiqiao-stone-s", kind: gi.PatrolKindPollutionArea, grid: "shiqiao", subject: "shiqiao-stone",
		start: date(6, 21, 14, 0), minutes: 50, participants: 2, notes: "石材加工点整改后跟踪，喷淋降尘设施运行正常"},
	{key: "sf-wang-defu", kind: gi.PatrolKindSafety, grid: "changshan", subject: "wang-defu",
		start: date(6, 14, 10, 0), minutes: 40, participants: 2, notes: "上门查看C级危房，劝说夫妻二人汛期搬离"},
	{key: "sf-zhao-yumei", kind: gi.PatrolKindSafety, grid: "hongxing", subject: "zhao-yumei",
		start: date(6, 20, 10, 0), minutes: 30, participants: 2, notes: "查看C级危房，无人回住"},
}

// trackPoints is how many GPS fixes each demo track has: enough to draw a
// round on a map, few enough to read.
const trackPoints = 12

// patrolID returns the fixed id of the patrol with the given key.
func patrolID(key string) string {
	for _, p := range patrolSpecs {
		if p.key == key {
			return demoID("patrol/"+key, p.start)
		}
	}
	panic("demo: unknown patrol " + key) // a typo in this package's tables; the tests catch it
}

// demoPatrols returns the patrols, new values on every call.
func demoPatrols() []*gi.Patrol {
	specs := layout()
	out := make([]*gi.Patrol, len(patrolSpecs))
	for i, ps := range patrolSpecs {
		g := gridSpecByKey(specs, ps.grid)
		centre := ps.around
		var subject string
		if ps.subject != "" {
			centre = subjectSpecByKey(ps.subject).at
			subject = subjectID(ps.subject)
		}
		end := ps.start.Add(time.Duration(ps.minutes) * time.Minute)
		p := &gi.Patrol{
			ID:           patrolID(ps.key),
			Kind:         ps.kind,
			SubjectID:    subject,
			GridID:       gridID(ps.grid),
			StartedAt:    ps.start,
			EndedAt:      end,
			Participants: ps.participants,
			Track:        track(g.safe, centre, ps.start, end, ps.sys, i),
			TrackSystem:  orWGS84(ps.sys),
			Notes:        ps.notes,
		}
		for _, rs := range reportSpecs {
			if rs.patrol == ps.key {
				p.ReportIDs = append(p.ReportIDs, reportID(rs))
			}
		}
		out[i] = p
	}
	return out
}

// track returns a round of trackPoints fixes about centre, evenly spaced in
// time from start to end, in datum sys. The round is a loop a few hundred
// metres across, made uneven by seed so the tracks do not all look alike;
// box.at keeps every fix inside the grid.
func track(b box, centre uv, start, end time.Time, sys gi.CoordinateSystem, seed int) []gi.TrackPoint {
	pts := make([]gi.TrackPoint, trackPoints)
	step := end.Sub(start) / (trackPoints - 1)
	for k := range pts {
		a := 2 * math.Pi * float64(k) / trackPoints
		r := 0.08 + 0.03*math.Sin(float64(seed+3*k))
		p := b.at(centre.u+r*math.Cos(a), centre.v+0.6*r*math.Sin(a))
		lat, lng := gi.FromWGS84(orWGS84(sys), p.Lat, p.Lng)
		pts[k] = gi.TrackPoint{Lat: lat, Lng: lng, RecordedAt: start.Add(time.Duration(k) * step)}
	}
	return pts
}

// orWGS84 returns sys, or WGS-84 when it is unset: the demo always says
// which datum it used, as a well-behaved client does.
func orWGS84(sys gi.CoordinateSystem) gi.CoordinateSystem {
	if sys == gi.CoordinateSystemUnspecified {
		return gi.CoordinateSystemWGS84
	}
	return sys
}
