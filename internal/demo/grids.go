package demo

import (
	"math"
	"time"

	gi "github.com/gridinspect/gridinspect"
)

// The street is a rectangle of about 6 km (east–west) by 4 km (north–south)
// south of Wuhu's city centre, cut into 5 columns and 2 rows: the villages
// along the southern, rural row, the communities along the northern row
// towards the city. At 31.25°N one degree of longitude is about 95.2 km and
// one of latitude about 110.9 km, so 0.063° × 0.036° is 6.0 km × 4.0 km.
const (
	streetWest  = 118.340
	streetEast  = 118.403
	streetSouth = 31.232
	streetNorth = 31.268
	streetMid   = 31.250 // the line between the two rows, before its wiggles

	columns     = 5
	columnWidth = (streetEast - streetWest) / columns

	// safeMargin keeps sample points about 50 m clear of any boundary, so
	// that no point lies on an edge two grids share (which counts as inside
	// both) and a GPS track wobbling around a point stays in its grid.
	safeMargin = 0.0005
)

// gridSpec is one grid of the demo street.
type gridSpec struct {
	key  string // names the grid in the other tables and in its id
	name string
	kind gi.GridKind
	ring []gi.LatLng
	safe box // a box well inside the ring where sample points go
}

// box is a latitude/longitude rectangle.
type box struct{ minLat, minLng, maxLat, maxLng float64 }

// at returns the point at fractions (u east, v north) of the box; u and v
// are clamped to [0, 1] so a point can never leave it.
func (b box) at(u, v float64) gi.LatLng {
	u, v = math.Max(0, math.Min(1, u)), math.Max(0, math.Min(1, v))
	return gi.LatLng{Lat: b.minLat + v*(b.maxLat-b.minLat), Lng: b.minLng + u*(b.maxLng-b.minLng)}
}

// Jitters of the shared vertices, in degrees (at most ~0.002°, ~200 m).
// Neighbours share every vertex exactly, which is what keeps the tiling free
// of gaps and overlaps; the jitter only makes the grids look like the
// irregular, road- and canal-following shapes real grids have.
var (
	// midLatJitter[k] moves vertex k of the line between the rows, k = 0 … 10
	// from west to east; even k are where a column line meets it.
	midLatJitter = [2*columns + 1]float64{0.0008, -0.0012, 0.0004, 0.0015, -0.0006, -0.0018, 0.0010, 0.0002, -0.0013, 0.0009, -0.0004}
	// columnJitter[j-1] moves the column line j = 1 … 4 east or west at its
	// south end, halfway up the south row, where it meets the middle line,
	// halfway up the north row, and at its north end.
	columnJitter = [columns - 1][5]float64{
		{-0.0010, 0.0016, 0.0004, -0.0014, 0.0008},
		{0.0012, -0.0008, -0.0015, 0.0010, -0.0006},
		{-0.0004, 0.0020, 0.0009, 0.0003, -0.0018},
		{0.0007, -0.0013, -0.0002, 0.0017, 0.0011},
	}
)

// gridNames are the grids by row and column. The names are those of the
// seed document's street, or in its style.
var gridNames = [2][columns]struct{ key, name string }{
	{{"hongxing", "红星村"}, {"changshan", "长山村"}, {"yuantang", "袁塘村"}, {"shiqiao", "石桥村"}, {"xinwei", "新圩村"}},
	{{"jinshi", "金石社区"}, {"huayuan", "华苑社区"}, {"jiangnan", "江南社区"}, {"weishisan", "纬十三社区"}, {"changjiangnan", "长江南社区"}},
}

// gridBase is the time in the grids' and subjects' ids: they were set up
// just before the half-year the demo's cases fall in.
var gridBase = time.Date(2023, 12, 1, 9, 0, 0, 0, gi.ChinaZone)

// layout computes the ten grids. It is a function of constants only, so
// every call returns the same shapes.
func layout() []gridSpec {
	// mid[k] is vertex k of the middle line.
	var mid [2*columns + 1]gi.LatLng
	for k := range mid {
		mid[k] = gi.LatLng{Lat: streetMid + midLatJitter[k], Lng: streetWest + float64(k)*columnWidth/2}
	}
	// south[j] and north[j] are column line j (0 = west edge, 5 = east
	// edge) in the south row from bottom to the middle line, and in the
	// north row from the middle line to the top.
	var south, north [columns + 1][]gi.LatLng
	south[0] = []gi.LatLng{{Lat: streetSouth, Lng: streetWest}, mid[0]}
	north[0] = []gi.LatLng{mid[0], {Lat: streetNorth, Lng: streetWest}}
	south[columns] = []gi.LatLng{{Lat: streetSouth, Lng: streetEast}, mid[2*columns]}
	north[columns] = []gi.LatLng{mid[2*columns], {Lat: streetNorth, Lng: streetEast}}
	for j := 1; j < columns; j++ {
		x := streetWest + float64(j)*columnWidth
		d := columnJitter[j-1]
		mid[2*j].Lng = x + d[2]
		south[j] = []gi.LatLng{
			{Lat: streetSouth, Lng: x + d[0]},
			{Lat: (streetSouth + streetMid) / 2, Lng: x + d[1]},
			mid[2*j],
		}
		north[j] = []gi.LatLng{
			mid[2*j],
			{Lat: (streetMid + streetNorth) / 2, Lng: x + d[3]},
			{Lat: streetNorth, Lng: x + d[4]},
		}
	}

	specs := make([]gridSpec, 0, 2*columns)
	for row := range 2 {
		for j := range columns {
			var ring []gi.LatLng
			var safe box
			top := mid[2*j+1]
			if row == 0 {
				// Bottom-left, east along the street's south edge, up the
				// column line to the east, west along the middle line, down
				// the column line to the west.
				ring = append(ring, south[j][0])
				ring = append(ring, south[j+1]...)
				ring = append(ring, top)
				for i := len(south[j]) - 1; i > 0; i-- { // [0] is where the ring began
					ring = append(ring, south[j][i])
				}
				safe = box{
					minLat: streetSouth + safeMargin,
					maxLat: minLat(mid[2*j], top, mid[2*j+2]) - safeMargin,
					minLng: maxLng(south[j]) + safeMargin,
					maxLng: minLng(south[j+1]) - safeMargin,
				}
			} else {
				// Middle-left, east along the middle line, up the column
				// line to the east, west along the street's north edge,
				// down the column line to the west.
				ring = append(ring, mid[2*j], top)
				ring = append(ring, north[j+1]...)
				for i := len(north[j]) - 1; i > 0; i-- { // [0] is where the ring began
					ring = append(ring, north[j][i])
				}
				safe = box{
					minLat: maxLat(mid[2*j], top, mid[2*j+2]) + safeMargin,
					maxLat: streetNorth - safeMargin,
					minLng: maxLng(north[j]) + safeMargin,
					maxLng: minLng(north[j+1]) - safeMargin,
				}
			}
			kind := gi.GridKindVillage
			if row == 1 {
				kind = gi.GridKindCommunity
			}
			n := gridNames[row][j]
			specs = append(specs, gridSpec{key: n.key, name: n.name, kind: kind, ring: ring, safe: safe})
		}
	}
	return specs
}

func minLat(ps ...gi.LatLng) float64 {
	m := math.Inf(1)
	for _, p := range ps {
		m = math.Min(m, p.Lat)
	}
	return m
}

func maxLat(ps ...gi.LatLng) float64 {
	m := math.Inf(-1)
	for _, p := range ps {
		m = math.Max(m, p.Lat)
	}
	return m
}

func minLng(ps []gi.LatLng) float64 {
	m := math.Inf(1)
	for _, p := range ps {
		m = math.Min(m, p.Lng)
	}
	return m
}

func maxLng(ps []gi.LatLng) float64 {
	m := math.Inf(-1)
	for _, p := range ps {
		m = math.Max(m, p.Lng)
	}
	return m
}

// gridID returns the fixed id of the grid with the given key; the index
// spaces the timestamps so the grids' ids sort in Grids' order.
func gridID(key string) string {
	for i, n := range gridKeys() {
		if n == key {
			return demoID("grid/"+key, gridBase.Add(time.Duration(i)*time.Minute))
		}
	}
	panic("demo: unknown grid " + key) // a typo in this package's tables; the tests catch it
}

// gridKeys returns the grid keys in Grids' order.
func gridKeys() []string {
	keys := make([]string, 0, 2*columns)
	for _, row := range gridNames {
		for _, n := range row {
			keys = append(keys, n.key)
		}
	}
	return keys
}

// gridSpecByKey returns the layout of the grid with the given key.
func gridSpecByKey(specs []gridSpec, key string) gridSpec {
	for _, s := range specs {
		if s.key == key {
			return s
		}
	}
	panic("demo: unknown grid " + key) // a typo in this package's tables; the tests catch it
}

// Grids returns the demo grids in a fixed order, the five villages from west
// to east and then the five communities from west to east; Seed gives
// worker01 … worker10 one each, in this order. Each call returns new
// values with the same content, so callers may change them freely.
// Boundaries are WGS-84, one closed ring each.
func Grids() []*gi.Grid {
	specs := layout()
	grids := make([]*gi.Grid, len(specs))
	for i, s := range specs {
		ring := append([]gi.LatLng(nil), s.ring...)
		ring = append(ring, ring[0]) // closed, as GeoJSON writes it
		grids[i] = &gi.Grid{
			ID:             gridID(s.key),
			Name:           s.name,
			Kind:           s.kind,
			Boundary:       gi.Boundary{{ring}},
			BoundarySystem: gi.CoordinateSystemWGS84,
			// The office lists its villages, then its communities (5村5居),
			// west to east: the order of the layout.
			Order: i + 1,
		}
	}
	return grids
}
