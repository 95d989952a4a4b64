package demo

import (
	"time"

	gi "github.com/gridinspect/gridinspect"
)

// uv is a place in a grid, as fractions (east, north) of the grid's safe
// box; see box.at.
type uv struct{ u, v float64 }

// subjectSpec is one subject of the demo street.
type subjectSpec struct {
	key     string // names the subject in the other tables and in its id
	kind    gi.SubjectKind
	name    string
	grid    string // grid key
	at      uv
	address string
	// code is the first 17 characters of an enterprise's unified social
	// credit code; the check character is computed, so it cannot be wrong.
	// 91… is a company, 92… an individual business (个体工商户); 340208 is
	// Wuhu's former 三山区 and 340200 the city, as on codes issued there.
	code    string
	contact string
	phone   string
	notes   string
}

// subjectSpecs are the demo street's subjects: the enterprises, households,
// water sources and sites its cases are about.
var subjectSpecs = []subjectSpec{
	// 红星村
	{key: "hongxing-wood", kind: gi.SubjectKindEnterprise, name: "芜湖红星木业加工厂", grid: "hongxing", at: uv{0.30, 0.70},
		address: "红星村王家组38号", code: "91340208MA2MYF6W2", contact: "王建军", phone: "0553-5880121",
		notes: "木材加工，车间约600平方米，员工12人"},
	{key: "zhang-guiying", kind: gi.SubjectKindHousehold, name: "张桂英户", grid: "hongxing", at: uv{0.70, 0.40},
		address: "红星村高埂组7号", contact: "张桂英",
		notes: "独居老人，82岁，子女在外地务工；使用瓶装液化气"},
	{key: "zhao-yumei", kind: gi.SubjectKindHousehold, name: "赵玉梅户", grid: "hongxing", at: uv{0.55, 0.25},
		address: "红星村赵村组15号", contact: "赵玉梅",
		notes: "1970年代土木结构平房，已鉴定为C级危房，户主随儿子居住"},
	{key: "g205-hongxing", kind: gi.SubjectKindSite, name: "205国道红星段沿线", grid: "hongxing", at: uv{0.15, 0.50},
		address: "205国道红星村段",
		notes:   "主要路段，乱搭盖、大型广告牌整治重点"},

	// 长山村
	{key: "changshan-sand", kind: gi.SubjectKindEnterprise, name: "芜湖长山建材有限公司", grid: "changshan", at: uv{0.20, 0.30},
		address: "长山村205国道东侧", code: "91340208MA2N4B7K3", contact: "李长海", phone: "0553-5880357",
		notes: "砂石堆场，曾有夜间非法洗沙，2024年1月列入散乱污整治名单"},
	{key: "changshan-pit", kind: gi.SubjectKindSite, name: "长山矿坑", grid: "changshan", at: uv{0.75, 0.20},
		address: "长山村长山南麓",
		notes:   "废弃采石矿坑，区生态环境分局水体修复项目所在地"},
	{key: "wang-defu", kind: gi.SubjectKindHousehold, name: "王德福户", grid: "changshan", at: uv{0.60, 0.65},
		address: "长山村二组21号", contact: "王德福",
		notes: "1978年建砖木结构平房，2023年鉴定为C级危房，夫妻二人居住"},
	{key: "zhou-deming", kind: gi.SubjectKindHousehold, name: "周德明户", grid: "changshan", at: uv{0.35, 0.80},
		address: "长山村四组9号", contact: "周德明",
		notes: "独居老人，86岁，冬季烧柴取暖"},

	// 袁塘村
	{key: "yuantang-water", kind: gi.SubjectKindWaterSource, name: "袁塘备用水源地", grid: "yuantang", at: uv{0.50, 0.35},
		address: "袁塘村袁塘",
		notes:   "城市备用水源地，一级保护区约0.3平方公里，设隔离网和界标"},
	{key: "yuantang-pigs", kind: gi.SubjectKindEnterprise, name: "袁塘生猪养殖场", grid: "yuantang", at: uv{0.70, 0.55},
		address: "袁塘村后塘组", code: "92340208MA2P2L4X6", contact: "陶德贵", phone: "0553-5881046",
		notes: "存栏约300头，距水源地二级保护区边界约400米"},
	{key: "yuanliang-seed", kind: gi.SubjectKindEnterprise, name: "芜湖袁粮种业有限公司", grid: "yuantang", at: uv{0.30, 0.75},
		address: "袁塘村袁粮育种基地", code: "91340200MA2T5QR09", contact: "徐明", phone: "0553-5881200",
		notes: "袁粮育种基地，杂交水稻育种试验"},
	{key: "li-xiulan", kind: gi.SubjectKindHousehold, name: "李秀兰户", grid: "yuantang", at: uv{0.20, 0.20},
		address: "袁塘村前塘组3号", contact: "李秀兰",
		notes: "独居老人，79岁，老旧电线"},

	// 石桥村
	{key: "shiqiao-water", kind: gi.SubjectKindWaterSource, name: "石桥水库备用水源地", grid: "shiqiao", at: uv{0.40, 0.25},
		address: "石桥村石桥水库",
		notes:   "小型水库，备用水源地，上游有农家乐两家"},
	{key: "shiqiao-stone", kind: gi.SubjectKindEnterprise, name: "石桥石材加工点", grid: "shiqiao", at: uv{0.75, 0.70},
		address: "石桥村桥东组", code: "92340208MA2P6K9D4", contact: "汪小兵", phone: "0553-5882215",
		notes: "石材切割，个体经营"},
	{key: "chen-guoping", kind: gi.SubjectKindHousehold, name: "陈国平户", grid: "shiqiao", at: uv{0.25, 0.70},
		address: "石桥村桥西组12号", contact: "陈国平",
		notes: "土坯房，墙体开裂，一家三口居住"},
	{key: "sun-jiawang", kind: gi.SubjectKindHousehold, name: "孙家旺户", grid: "shiqiao", at: uv{0.55, 0.85},
		address: "石桥村孙村组5号", contact: "孙家旺",
		notes: "砖木结构，屋面漏雨，四口人居住"},

	// 新圩村
	{key: "xinwei-plastic", kind: gi.SubjectKindEnterprise, name: "芜湖新圩塑料制品加工厂", grid: "xinwei", at: uv{0.30, 0.60},
		address: "新圩村圩埂组闲置厂房", code: "92340208MA2P1C8L6", contact: "马国强", phone: "0553-5883078",
		notes: "废塑料破碎清洗，2024年初从鸠江区迁入"},
	{key: "xinwei-scrap", kind: gi.SubjectKindEnterprise, name: "新圩废品回收站", grid: "xinwei", at: uv{0.70, 0.75},
		address: "新圩村村部东200米", code: "92340208MA2P8N0E2", contact: "丁小六", phone: "0553-5883112",
		notes: "废品回收，个体经营"},
	{key: "liu-changgen", kind: gi.SubjectKindHousehold, name: "刘长根户", grid: "xinwei", at: uv{0.60, 0.30},
		address: "新圩村刘圩组18号", contact: "刘长根",
		notes: "D级危房，户主已搬至女儿家居住"},
	{key: "wu-guizhi", kind: gi.SubjectKindHousehold, name: "吴桂芝户", grid: "xinwei", at: uv{0.20, 0.20},
		address: "新圩村下圩组2号", contact: "吴桂芝",
		notes: "独居老人，80岁"},
	{key: "lianhe-polder", kind: gi.SubjectKindSite, name: "连河圩复耕地块", grid: "xinwei", at: uv{0.80, 0.15},
		address: "新圩村连河圩",
		notes:   "复耕地整改地块，约120亩"},

	// 金石社区
	{key: "jinshi-market", kind: gi.SubjectKindEnterprise, name: "芜湖金石新城农贸市场管理有限公司", grid: "jinshi", at: uv{0.40, 0.40},
		address: "金石新城小区南门农贸市场", code: "91340208MA2MX0J4P", contact: "胡立新", phone: "0553-5884300",
		notes: "农贸市场，摊位120个，人员密集场所"},
	{key: "qian-shuzhen", kind: gi.SubjectKindHousehold, name: "钱淑珍户", grid: "jinshi", at: uv{0.65, 0.70},
		address: "金石新城小区3栋2单元102室", contact: "钱淑珍",
		notes: "独居老人，84岁，行动不便"},

	// 华苑社区
	{key: "huayuan-shop", kind: gi.SubjectKindEnterprise, name: "华苑便民超市", grid: "huayuan", at: uv{0.50, 0.50},
		address: "华苑小区8栋底商", code: "92340208MA2P3H5R1", contact: "潘海燕", phone: "0553-5884512",
		notes: "一楼经营、阁楼仓储、二楼住人的“三合一”场所"},

	// 江南社区
	{key: "jiangnan-restaurant", kind: gi.SubjectKindEnterprise, name: "芜湖江南人家餐饮有限公司", grid: "jiangnan", at: uv{0.35, 0.55},
		address: "长江南路288号江南人家酒楼", code: "91340208MA2N8E3T0", contact: "郑丽", phone: "0553-5885088",
		notes: "酒楼，餐位约300个，使用瓶装液化气"},
	{key: "huaweiyun-plot", kind: gi.SubjectKindSite, name: "华为云地块", grid: "jiangnan", at: uv{0.70, 0.30},
		address: "江南社区华为云地块",
		notes:   "待开发地块，积水污染处置由街道牵头"},

	// 纬十三社区
	{key: "weishisan-chem", kind: gi.SubjectKindEnterprise, name: "芜湖纬十三化工物资仓储有限公司", grid: "weishisan", at: uv{0.25, 0.60},
		address: "纬十三路66号", code: "91340208713951208", contact: "高峰", phone: "0553-5886021",
		notes: "危险化学品仓储（酸碱类），库房3座"},
	{key: "weishisan-logistics", kind: gi.SubjectKindEnterprise, name: "芜湖纬十三物流有限公司", grid: "weishisan", at: uv{0.70, 0.40},
		address: "纬十三路108号", code: "91340208MA2NDW2H8", contact: "蒋涛", phone: "0553-5886150",
		notes: "仓储物流，叉车8台"},
	{key: "weishisan-trucks", kind: gi.SubjectKindSite, name: "纬十三路大货车停放点", grid: "weishisan", at: uv{0.50, 0.15},
		address: "纬十三路与长江南路交叉口东",
		notes:   "大货车乱停乱放治理点位"},

	// 长江南社区
	{key: "changjiangnan-garage", kind: gi.SubjectKindEnterprise, name: "芜湖长江南汽车维修有限公司", grid: "changjiangnan", at: uv{0.45, 0.50},
		address: "长江南路516号", code: "91340208MA2N2G7U5", contact: "彭勇", phone: "0553-5887033",
		notes: "二类汽车维修，设喷漆房"},
}

// subjectBase is the time in the subjects' ids: set up after the grids.
var subjectBase = gridBase.Add(time.Hour)

// subjectID returns the fixed id of the subject with the given key.
func subjectID(key string) string {
	for i, s := range subjectSpecs {
		if s.key == key {
			return demoID("subject/"+key, subjectBase.Add(time.Duration(i)*time.Minute))
		}
	}
	panic("demo: unknown subject " + key) // a typo in this package's tables; the tests catch it
}

// subjectSpecByKey returns the subject with the given key.
func subjectSpecByKey(key string) subjectSpec {
	for _, s := range subjectSpecs {
		if s.key == key {
			return s
		}
	}
	panic("demo: unknown subject " + key) // a typo in this package's tables; the tests catch it
}

// mustCreditCode completes a 17-character prefix with its check character.
// The prefixes are constants of this package, so a bad one is a bug that
// the tests catch, not an input error.
func mustCreditCode(first17 string) string {
	c, err := gi.CreditCodeCheckChar(first17)
	if err != nil {
		panic("demo: " + err.Error())
	}
	return first17 + string(c)
}

// demoSubjects returns the subjects, new values on every call.
func demoSubjects() []*gi.Subject {
	specs := layout()
	out := make([]*gi.Subject, len(subjectSpecs))
	for i, s := range subjectSpecs {
		p := gridSpecByKey(specs, s.grid).safe.at(s.at.u, s.at.v)
		sub := &gi.Subject{
			ID:     subjectID(s.key),
			Kind:   s.kind,
			Name:   s.name,
			GridID: gridID(s.grid),
			Location: gi.Location{
				Lat: p.Lat, Lng: p.Lng, AccuracyMeters: 10, Address: s.address,
				System: gi.CoordinateSystemWGS84,
			},
			ContactName:  s.contact,
			ContactPhone: s.phone,
			Notes:        s.notes,
		}
		if s.code != "" {
			sub.CreditCode = mustCreditCode(s.code)
		}
		out[i] = sub
	}
	return out
}
