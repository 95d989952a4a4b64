package demo

import (
	"time"

	gi "github.com/gridinspect/gridinspect"
)

// reportSpec is one case of the demo street.
type reportSpec struct {
	key      string // names the report in its id
	category gi.Category
	severity gi.Severity // SeverityMajor for the serious ones; general otherwise
	grid     string      // grid key
	// noGrid leaves grid_id empty, as a phone that does not know its grid
	// would, so the server has to place the report by its location.
	noGrid  bool
	subject string // subject key, or ""
	// place is where the report was made, in the grid's safe box, when it
	// has no subject; with a subject it is the subject's place. off moves
	// it a little from there (a hazard is seldom at the front door).
	place, off uv
	// sys is the datum the phone gave; GCJ-02 or BD-09 when it used a map
	// SDK, and the location is converted into it so that the stored WGS-84
	// point lands where it should.
	sys      gi.CoordinateSystem
	observed time.Time
	desc     string
	address  string
	onSpot   bool   // rectified on the spot (立行立改)
	patrol   string // the patrol that found it, or ""

	safety   *gi.SafetyHazardDetails
	polluter *gi.PollutingEnterpriseDetails
	building *gi.IllegalConstructionDetails
	water    *gi.WaterSourceRiskDetails
	house    *gi.DangerousHouseDetails
}

// reportSpecs are the demo street's cases over the first half of 2024: the
// kinds of thing the seed document's figures count — safety hazards in
// the five kinds of place it names (crowded places, key enterprises,
// "three-in-one" places, elderly people living alone, gas), some put right
// on the spot; the four newly arrived polluting workshops and two illegal
// sand washing sites; sheds on farmland and billboards along the roads;
// risks around the two backup water sources; dangerous houses, one of
// them still lived in.
var reportSpecs = []reportSpec{
	// Safety hazards (安全隐患).
	{key: "jiangnan-gas", category: gi.CategorySafetyHazard, severity: gi.SeverityMajor, grid: "jiangnan", subject: "jiangnan-restaurant",
		off: uv{0.02, -0.03}, observed: date(3, 12, 10, 20), patrol: "sf-jiangnan",
		desc:    "后厨液化气钢瓶与灶具间距不足1米，连接软管老化开裂，未安装燃气泄漏报警装置",
		address: "长江南路288号江南人家酒楼后厨",
		safety:  &gi.SafetyHazardDetails{HazardKind: hazardGas, PlaceKind: placeCrowded}},
	{key: "jiangnan-exit", category: gi.CategorySafetyHazard, grid: "jiangnan", subject: "jiangnan-restaurant",
		off: uv{-0.01, 0.02}, observed: date(3, 12, 10, 45), patrol: "sf-jiangnan", onSpot: true,
		desc:    "二楼安全出口被桌椅杂物堵塞，疏散指示标志灯损坏；已督促现场清理疏散通道",
		address: "长江南路288号江南人家酒楼二楼",
		safety:  &gi.SafetyHazardDetails{HazardKind: hazardFire, PlaceKind: placeCrowded}},
	{key: "huayuan-three-in-one", category: gi.CategorySafetyHazard, severity: gi.SeverityMajor, grid: "huayuan", subject: "huayuan-shop",
		observed: date(4, 17, 14, 30), patrol: "sf-huayuan",
		desc:    "一楼经营、二楼住人，楼梯口堆放纸箱，电动自行车在店内充电，无独立疏散通道",
		address: "华苑小区8栋底商华苑便民超市",
		safety:  &gi.SafetyHazardDetails{HazardKind: hazardFire, PlaceKind: placeThreeInOne}},
	{key: "huayuan-wiring", category: gi.CategorySafetyHazard, grid: "huayuan", subject: "huayuan-shop",
		off: uv{0.01, 0.01}, observed: date(4, 17, 15, 10), patrol: "sf-huayuan", onSpot: true,
		desc:    "店内电线私拉乱接，插线板串接使用；已现场拆除",
		address: "华苑小区8栋底商华苑便民超市",
		safety:  &gi.SafetyHazardDetails{HazardKind: hazardElectrical, PlaceKind: placeThreeInOne}},
	{key: "chem-mixed-storage", category: gi.CategorySafetyHazard, severity: gi.SeverityMajor, grid: "weishisan", subject: "weishisan-chem",
		off: uv{0.03, 0.02}, observed: date(5, 9, 9, 40), patrol: "sf-weishisan",
		desc:    "2号库房硫酸与片碱混存，未设置隔离和防泄漏围堰",
		address: "纬十三路66号2号库房",
		safety:  &gi.SafetyHazardDetails{HazardKind: hazardChemical, PlaceKind: placeEnterprise}},
	{key: "chem-extinguishers", category: gi.CategorySafetyHazard, grid: "weishisan", subject: "weishisan-chem",
		off: uv{-0.02, 0.01}, observed: date(5, 9, 10, 30), patrol: "sf-weishisan",
		desc:    "库区灭火器压力不足，部分已过期，无月度检查记录",
		address: "纬十三路66号库区",
		safety:  &gi.SafetyHazardDetails{HazardKind: hazardFire, PlaceKind: placeEnterprise}},
	{key: "zhang-gas-hose", category: gi.CategorySafetyHazard, grid: "hongxing", subject: "zhang-guiying",
		observed: date(1, 25, 9, 40), patrol: "sf-hongxing-elderly", onSpot: true,
		desc:    "独居老人家中液化气软管超期使用且有裂纹；已现场更换软管并加装卡箍",
		address: "红星村高埂组7号",
		safety:  &gi.SafetyHazardDetails{HazardKind: hazardGas, PlaceKind: placeElderlyAlone}},
	{key: "li-wiring", category: gi.CategorySafetyHazard, grid: "yuantang", subject: "li-xiulan",
		observed: date(1, 30, 15, 20),
		desc:     "屋内老旧电线绝缘层破损裸露，冬季使用大功率取暖器",
		address:  "袁塘村前塘组3号",
		safety:   &gi.SafetyHazardDetails{HazardKind: hazardElectrical, PlaceKind: placeElderlyAlone}},
	{key: "zhou-chimney", category: gi.CategorySafetyHazard, grid: "changshan", subject: "zhou-deming",
		observed: date(1, 15, 10, 30),
		desc:     "厨房烟囱穿墙处无防火隔离，灶旁堆放柴草",
		address:  "长山村四组9号",
		safety:   &gi.SafetyHazardDetails{HazardKind: hazardFire, PlaceKind: placeElderlyAlone}},
	{key: "jinshi-ebike-charging", category: gi.CategorySafetyHazard, grid: "jinshi",
		place: uv{0.62, 0.72}, sys: gi.CoordinateSystemGCJ02, observed: date(5, 16, 9, 30), patrol: "gn-jinshi", onSpot: true,
		desc:    "楼道内电动自行车飞线充电；已劝导住户拆除充电线",
		address: "金石新城小区3栋1单元楼道",
		safety:  &gi.SafetyHazardDetails{HazardKind: hazardElectrical, PlaceKind: placeOther}},
	{key: "market-fire-lane", category: gi.CategorySafetyHazard, grid: "jinshi", subject: "jinshi-market",
		off: uv{0.03, -0.02}, observed: date(2, 27, 15, 40), patrol: "sf-jinshi-market",
		desc:    "市场内消防通道被摊位占用，2处室内消火栓被货物遮挡",
		address: "金石新城农贸市场",
		safety:  &gi.SafetyHazardDetails{HazardKind: hazardFire, PlaceKind: placeCrowded}},
	{key: "wood-dust", category: gi.CategorySafetyHazard, severity: gi.SeverityMajor, grid: "hongxing", subject: "hongxing-wood",
		off: uv{0.02, 0.01}, observed: date(4, 2, 10, 15),
		desc:    "车间木屑粉尘堆积，电气线路未穿管保护，配电箱无防尘措施",
		address: "红星村王家组38号芜湖红星木业加工厂车间",
		safety:  &gi.SafetyHazardDetails{HazardKind: hazardFire, PlaceKind: placeEnterprise}},
	{key: "garage-paint-booth", category: gi.CategorySafetyHazard, grid: "changjiangnan", subject: "changjiangnan-garage",
		observed: date(3, 20, 14, 10),
		desc:     "喷漆房未使用防爆电气，油漆桶在车间外露天堆放",
		address:  "长江南路516号",
		safety:   &gi.SafetyHazardDetails{HazardKind: hazardFire, PlaceKind: placeEnterprise}},
	{key: "logistics-forklift", category: gi.CategorySafetyHazard, grid: "weishisan", noGrid: true, subject: "weishisan-logistics",
		off: uv{0.02, 0.03}, observed: date(6, 5, 10, 0),
		desc:    "仓库内叉车充电区未与货物隔离，充电线缆破损",
		address: "纬十三路108号仓库",
		safety:  &gi.SafetyHazardDetails{HazardKind: hazardElectrical, PlaceKind: placeEnterprise}},
	{key: "seed-canopy", category: gi.CategorySafetyHazard, grid: "yuantang", subject: "yuanliang-seed",
		off: uv{-0.03, 0.02}, observed: date(6, 20, 9, 20),
		desc:    "育种基地晒场钢结构雨棚立柱锈蚀，汛期存在倒塌风险",
		address: "袁塘村袁粮育种基地晒场",
		safety:  &gi.SafetyHazardDetails{HazardKind: hazardStructural, PlaceKind: placeEnterprise}},

	// "Scattered, disorderly and polluting" enterprises (散乱污企业).
	{key: "changshan-sand-washing", category: gi.CategoryPollutingEnterprise, severity: gi.SeverityMajor, grid: "changshan", subject: "changshan-sand",
		off: uv{0.02, 0.02}, observed: date(1, 10, 21, 15), patrol: "pl-changshan",
		desc:    "夜间发现堆场内违规洗沙，洗沙废水未经沉淀直排周边沟渠",
		address: "长山村205国道东侧砂石堆场",
		polluter: &gi.PollutingEnterpriseDetails{Scattered: true, Disorderly: true, Polluting: true,
			Activity: activitySandWashing, ProposedDisposal: disposalShutDown}},
	{key: "pit-sand-washing", category: gi.CategoryPollutingEnterprise, severity: gi.SeverityMajor, grid: "changshan", subject: "changshan-pit",
		off: uv{0.08, 0.03}, observed: date(1, 10, 22, 5), patrol: "pl-changshan",
		desc:    "长山矿坑东侧新发现非法洗沙点，设简易洗沙设备两台，抽取矿坑积水洗沙",
		address: "长山村长山矿坑东侧",
		polluter: &gi.PollutingEnterpriseDetails{Scattered: true, Disorderly: true, Polluting: true,
			Activity: activitySandWashing, ProposedDisposal: disposalShutDown,
			MovedInFromOutside: true, FromDistrict: "繁昌区"}},
	{key: "xinwei-plastic", category: gi.CategoryPollutingEnterprise, grid: "xinwei", subject: "xinwei-plastic",
		observed: date(2, 20, 9, 40), patrol: "pl-xinwei",
		desc:    "废塑料破碎清洗作业，清洗废水无处理设施直排，厂房内堆放大量废塑料",
		address: "新圩村圩埂组闲置厂房",
		polluter: &gi.PollutingEnterpriseDetails{Scattered: true, Polluting: true,
			Activity: activityPlastic, ProposedDisposal: disposalShutDown,
			MovedInFromOutside: true, FromDistrict: "鸠江区"}},
	{key: "xinwei-smelting", category: gi.CategoryPollutingEnterprise, severity: gi.SeverityMajor, grid: "xinwei", noGrid: true,
		place: uv{0.45, 0.45}, sys: gi.CoordinateSystemGCJ02, observed: date(2, 20, 10, 50), patrol: "pl-xinwei",
		desc:    "租用村民闲置仓房进行废铝熔铸，烟气无组织排放，无任何手续",
		address: "新圩村中圩组村民仓房",
		polluter: &gi.PollutingEnterpriseDetails{Scattered: true, Disorderly: true, Polluting: true,
			Activity: activitySmelting, ProposedDisposal: disposalShutDown,
			MovedInFromOutside: true, FromDistrict: "繁昌区"}},
	{key: "hongxing-chemical-workshop", category: gi.CategoryPollutingEnterprise, severity: gi.SeverityMajor, grid: "hongxing",
		place: uv{0.80, 0.80}, observed: date(4, 25, 16, 0),
		desc:    "无名小化工作坊在农户院内调配清洗剂，原料桶随意堆放，废液倒入沟渠",
		address: "红星村东头组农户院内",
		polluter: &gi.PollutingEnterpriseDetails{Scattered: true, Disorderly: true, Polluting: true,
			Activity: activityChemical, ProposedDisposal: disposalShutDown,
			MovedInFromOutside: true, FromDistrict: "湾沚区"}},
	{key: "shiqiao-stone-dust", category: gi.CategoryPollutingEnterprise, grid: "shiqiao", subject: "shiqiao-stone",
		off: uv{0.02, -0.02}, observed: date(3, 26, 15, 0), patrol: "pl-shiqiao",
		desc:    "石材切割无粉尘收集，沉淀池破损，泥浆外溢至路面",
		address: "石桥村桥东组石材加工点",
		polluter: &gi.PollutingEnterpriseDetails{Disorderly: true, Polluting: true,
			Activity: activityStone, ProposedDisposal: disposalUpgrade}},
	{key: "xinwei-scrap-yard", category: gi.CategoryPollutingEnterprise, grid: "xinwei", subject: "xinwei-scrap",
		observed: date(3, 5, 10, 20),
		desc:     "废品露天堆放并占用村道，无防雨防渗措施",
		address:  "新圩村村部东200米",
		polluter: &gi.PollutingEnterpriseDetails{Scattered: true, Disorderly: true,
			Activity: activityScrap, ProposedDisposal: disposalRelocate}},
	{key: "garage-open-spraying", category: gi.CategoryPollutingEnterprise, grid: "changjiangnan", subject: "changjiangnan-garage",
		off: uv{0.03, 0.01}, observed: date(3, 20, 14, 25),
		desc:    "在院内露天喷涂作业，无废气收集处理设施",
		address: "长江南路516号院内",
		polluter: &gi.PollutingEnterpriseDetails{Polluting: true,
			Activity: activitySprayPainting, ProposedDisposal: disposalUpgrade}},

	// Illegal construction (违法建设).
	{key: "changshan-farmland-shed", category: gi.CategoryIllegalConstruction, grid: "changshan",
		place: uv{0.50, 0.45}, observed: date(2, 8, 10, 0),
		desc:     "村民在耕地上搭建钢架大棚用于堆放建材，大棚非农化",
		address:  "长山村二组东侧农田",
		building: &gi.IllegalConstructionDetails{Kind: constructionShed, Land: landFarmland, AreaSquareMeters: 320}},
	{key: "lianhe-hut", category: gi.CategoryIllegalConstruction, grid: "xinwei", subject: "lianhe-polder",
		off: uv{-0.04, 0.03}, observed: date(3, 14, 9, 30),
		desc:     "复耕地块上新建砖混看护房一间",
		address:  "新圩村连河圩复耕地块",
		building: &gi.IllegalConstructionDetails{Kind: constructionBuilding, Land: landFarmland, AreaSquareMeters: 45}},
	{key: "g205-billboard", category: gi.CategoryIllegalConstruction, grid: "hongxing", subject: "g205-hongxing",
		off: uv{0.02, 0.10}, observed: date(4, 11, 11, 0),
		desc:     "205国道东侧未经审批设置大型单立柱广告牌",
		address:  "205国道红星村段东侧",
		building: &gi.IllegalConstructionDetails{Kind: constructionBillboard, Land: landRoadside, AreaSquareMeters: 36}},
	{key: "jinshi-sunroom", category: gi.CategoryIllegalConstruction, grid: "jinshi",
		place: uv{0.30, 0.75}, observed: date(5, 16, 10, 10), patrol: "gn-jinshi",
		desc:     "5栋一楼住户私自扩建阳光房，占用公共绿地",
		address:  "金石新城小区5栋",
		building: &gi.IllegalConstructionDetails{Kind: constructionBuilding, Land: landResidential, AreaSquareMeters: 18.5}},
	{key: "huayuan-roof-shed", category: gi.CategoryIllegalConstruction, grid: "huayuan", noGrid: true,
		place: uv{0.25, 0.70}, observed: date(2, 29, 14, 0),
		desc:     "楼顶违建彩钢棚",
		address:  "华苑小区12栋楼顶",
		building: &gi.IllegalConstructionDetails{Kind: constructionShed, Land: landResidential, AreaSquareMeters: 60}},
	{key: "changjiangnan-pavement", category: gi.CategoryIllegalConstruction, grid: "changjiangnan",
		place: uv{0.60, 0.20}, observed: date(6, 3, 16, 20), onSpot: true,
		desc:     "沿街商户在人行道乱堆放建材；已督促现场清理",
		address:  "长江南路沿街商铺",
		building: &gi.IllegalConstructionDetails{Kind: constructionStorage, Land: landRoadside, AreaSquareMeters: 25}},
	{key: "yuantang-farmland-shed", category: gi.CategoryIllegalConstruction, grid: "yuantang",
		place: uv{0.85, 0.85}, observed: date(5, 6, 9, 50),
		desc:     "农田内违规搭建养殖棚",
		address:  "袁塘村后塘组农田",
		building: &gi.IllegalConstructionDetails{Kind: constructionShed, Land: landFarmland, AreaSquareMeters: 150}},
	{key: "trucks-repair-shed", category: gi.CategoryIllegalConstruction, grid: "weishisan", subject: "weishisan-trucks",
		off: uv{0.05, 0.02}, observed: date(4, 29, 10, 30),
		desc:     "大货车停放点旁乱搭盖修车棚",
		address:  "纬十三路与长江南路交叉口东",
		building: &gi.IllegalConstructionDetails{Kind: constructionShed, Land: landRoadside, AreaSquareMeters: 80}},

	// Risks to the backup water sources (水源地隐患).
	{key: "yuantang-manure", category: gi.CategoryWaterSourceRisk, severity: gi.SeverityMajor, grid: "yuantang", subject: "yuantang-water",
		off: uv{0.12, 0.10}, observed: date(3, 7, 9, 10), patrol: "ws-yuantang-2",
		desc:    "二级保护区东侧养殖场粪污沿沟渠外溢，距水体约150米",
		address: "袁塘村袁塘东侧沟渠",
		water:   &gi.WaterSourceRiskDetails{RiskKind: waterLivestock}},
	{key: "yuantang-garbage", category: gi.CategoryWaterSourceRisk, grid: "yuantang", subject: "yuantang-water",
		off: uv{-0.05, 0.04}, observed: date(4, 22, 14, 40), patrol: "ws-yuantang-3", onSpot: true,
		desc:    "一级保护区岸边有人倾倒生活垃圾约2立方米；已组织现场清运",
		address: "袁塘村袁塘西岸",
		water:   &gi.WaterSourceRiskDetails{RiskKind: waterGarbage}},
	{key: "yuantang-fence", category: gi.CategoryWaterSourceRisk, grid: "yuantang", subject: "yuantang-water",
		off: uv{0.0, 0.08}, observed: date(6, 11, 9, 45), patrol: "ws-yuantang-4",
		desc:    "北段隔离网破损约5米，一处界标倾倒",
		address: "袁塘村袁塘北岸",
		water:   &gi.WaterSourceRiskDetails{RiskKind: waterOther}},
	{key: "shiqiao-sewage", category: gi.CategoryWaterSourceRisk, severity: gi.SeverityMajor, grid: "shiqiao", subject: "shiqiao-water",
		off: uv{0.06, 0.07}, sys: gi.CoordinateSystemGCJ02, observed: date(4, 9, 9, 20), patrol: "ws-shiqiao-2",
		desc:    "水库上游农家乐生活污水经暗管直排入库",
		address: "石桥村石桥水库上游",
		water:   &gi.WaterSourceRiskDetails{RiskKind: waterSewage}},
	{key: "shiqiao-fishing-platform", category: gi.CategoryWaterSourceRisk, grid: "shiqiao", subject: "shiqiao-water",
		off: uv{-0.06, -0.03}, observed: date(5, 28, 15, 30), patrol: "ws-shiqiao-3",
		desc:    "保护区内有人搭建木质钓台并夜钓",
		address: "石桥村石桥水库南岸",
		water:   &gi.WaterSourceRiskDetails{RiskKind: waterConstruction}},

	// Dangerous houses (危房).
	{key: "wang-house", category: gi.CategoryDangerousHouse, grid: "changshan", subject: "wang-defu",
		observed: date(3, 18, 10, 0),
		desc:     "复查：后墙裂缝加宽，屋面檩条局部腐朽，仍有两位老人居住",
		address:  "长山村二组21号",
		house:    &gi.DangerousHouseDetails{AppraisalGrade: houseGradeC, Occupied: true, Residents: 2}},
	{key: "chen-house", category: gi.CategoryDangerousHouse, severity: gi.SeverityMajor, grid: "shiqiao", subject: "chen-guoping",
		observed: date(2, 22, 9, 30),
		desc:     "墙体多处贯通裂缝，屋面局部塌陷，一家三口仍在居住，违反“危房不住人”红线",
		address:  "石桥村桥西组12号",
		house:    &gi.DangerousHouseDetails{AppraisalGrade: houseGradeD, Occupied: true, Residents: 3}},
	{key: "liu-house", category: gi.CategoryDangerousHouse, grid: "xinwei", subject: "liu-changgen",
		observed: date(4, 15, 10, 40),
		desc:     "D级危房已人去房空，门窗封闭，设置警示标志",
		address:  "新圩村刘圩组18号",
		house:    &gi.DangerousHouseDetails{AppraisalGrade: houseGradeD}},
	{key: "zhao-house", category: gi.CategoryDangerousHouse, grid: "hongxing", subject: "zhao-yumei",
		sys: gi.CoordinateSystemBD09, observed: date(1, 22, 14, 0),
		desc:    "C级危房，户主随儿子居住，房屋闲置",
		address: "红星村赵村组15号",
		house:   &gi.DangerousHouseDetails{AppraisalGrade: houseGradeC}},
	{key: "sun-house", category: gi.CategoryDangerousHouse, grid: "shiqiao", subject: "sun-jiawang",
		observed: date(6, 18, 15, 10),
		desc:     "梅雨期间屋面漏雨，山墙外闪，四口人居住",
		address:  "石桥村孙村组5号",
		house:    &gi.DangerousHouseDetails{AppraisalGrade: houseGradeC, Occupied: true, Residents: 4}},

	// Other (其他).
	{key: "huaweiyun-standing-water", category: gi.CategoryOther, grid: "jiangnan", subject: "huaweiyun-plot",
		off: uv{0.03, 0.05}, observed: date(3, 28, 10, 30),
		desc:    "地块内大面积积水发黑发臭，疑有周边企业废水排入",
		address: "江南社区华为云地块"},
	{key: "weishisan-truck-parking", category: gi.CategoryOther, grid: "weishisan", subject: "weishisan-trucks",
		sys: gi.CoordinateSystemGCJ02, observed: date(1, 16, 8, 20),
		desc:    "大货车在纬十三路乱停乱放，占用非机动车道",
		address: "纬十三路与长江南路交叉口东"},
	{key: "xinwei-black-ditch", category: gi.CategoryOther, grid: "xinwei",
		place: uv{0.50, 0.85}, observed: date(5, 20, 9, 0),
		desc:    "村内排水沟渠淤塞，水体发黑有异味，疑似黑臭水体",
		address: "新圩村上圩组排水沟"},
	{key: "huayuan-garbage-point", category: gi.CategoryOther, grid: "huayuan",
		place: uv{0.70, 0.30}, observed: date(6, 24, 19, 30), onSpot: true,
		desc:    "生活垃圾分类投放点满溢，周边散落垃圾；已联系保洁现场清运",
		address: "华苑小区东门垃圾分类投放点"},
}

// reportID returns the fixed id of a report.
func reportID(s reportSpec) string {
	return demoID("report/"+s.key, s.observed)
}

// reportPoint returns where a report was made, in WGS-84.
func reportPoint(specs []gridSpec, s reportSpec) gi.LatLng {
	at := s.place
	if s.subject != "" {
		at = subjectSpecByKey(s.subject).at
	}
	return gridSpecByKey(specs, s.grid).safe.at(at.u+s.off.u, at.v+s.off.v)
}

// demoReports returns the reports, new values on every call (the details
// are copied too, so nothing the store does to one run's reports can leak
// into the next).
func demoReports() []*gi.Report {
	specs := layout()
	out := make([]*gi.Report, len(reportSpecs))
	for i, s := range reportSpecs {
		sys := orWGS84(s.sys)
		p := reportPoint(specs, s)
		lat, lng := gi.FromWGS84(sys, p.Lat, p.Lng)
		accuracy := 8.0 // a phone's GPS outdoors
		if sys != gi.CoordinateSystemWGS84 {
			accuracy = 15 // a map SDK's fused location
		}
		sev := s.severity
		if sev == gi.SeverityUnspecified {
			sev = gi.SeverityGeneral
		}
		r := &gi.Report{
			ID:              reportID(s),
			Category:        s.category,
			Severity:        sev,
			Description:     s.desc,
			Location:        gi.Location{Lat: lat, Lng: lng, AccuracyMeters: accuracy, Address: s.address, System: sys},
			ObservedAt:      s.observed,
			RectifiedOnSpot: s.onSpot,
		}
		if !s.noGrid {
			r.GridID = gridID(s.grid)
		}
		if s.subject != "" {
			r.SubjectID = subjectID(s.subject)
		}
		if s.patrol != "" {
			r.PatrolID = patrolID(s.patrol)
		}
		r.Details = s.details()
		out[i] = r
	}
	return out
}

// details returns copies of the spec's details.
func (s reportSpec) details() gi.Details {
	var d gi.Details
	if s.safety != nil {
		c := *s.safety
		d.SafetyHazard = &c
	}
	if s.polluter != nil {
		c := *s.polluter
		d.PollutingEnterprise = &c
	}
	if s.building != nil {
		c := *s.building
		d.IllegalConstruction = &c
	}
	if s.water != nil {
		c := *s.water
		d.WaterSourceRisk = &c
	}
	if s.house != nil {
		c := *s.house
		d.DangerousHouse = &c
	}
	return d
}
