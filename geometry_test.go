package gridinspect

import (
	"math"
	"slices"
	"strings"
	"testing"
)

// Test shapes sit near Wuhu (31.33N 118.38E) and are about 1 km across, the
// size of a real grid. Offsets are in thousandths of a degree to keep the
// tables readable.
const baseLat, baseLng = 31.33, 118.38

func pt(dLat, dLng float64) LatLng {
	return LatLng{Lat: baseLat + dLat/1000, Lng: baseLng + dLng/1000}
}

var (
	// square is 0..10 × 0..10, unclosed, counter-clockwise.
	square = []LatLng{pt(0, 0), pt(0, 10), pt(10, 10), pt(10, 0)}
	// lShape is the square minus its north-east quarter (5..10 × 5..10).
	lShape = []LatLng{pt(0, 0), pt(0, 10), pt(5, 10), pt(5, 5), pt(10, 5), pt(10, 0)}
	// innerHole is 3..7 × 3..7, clockwise.
	innerHole = []LatLng{pt(3, 3), pt(7, 3), pt(7, 7), pt(3, 7)}
	// farSquare is 20..30 × 20..30.
	farSquare = []LatLng{pt(20, 20), pt(20, 30), pt(30, 30), pt(30, 20)}
)

func closed(r []LatLng) []LatLng { return append(slices.Clone(r), r[0]) }

func TestBoundaryContains(t *testing.T) {
	tests := []struct {
		name string
		b    Boundary
		p    LatLng
		want bool
	}{
		{"square: centre is inside", Boundary{{square}}, pt(5, 5), true},
		{"square: point east of it is outside", Boundary{{square}}, pt(5, 11), false},
		{"square: point north of it is outside", Boundary{{square}}, pt(11, 5), false},
		{"square: point level with a vertex but outside is outside", Boundary{{square}}, pt(10, 12), false},

		{"L-shape: point in the solid arm is inside", Boundary{{lShape}}, pt(2, 8), true},
		{"L-shape: point in the notch is outside", Boundary{{lShape}}, pt(8, 8), false},
		{"L-shape: point in the other arm is inside", Boundary{{lShape}}, pt(8, 2), true},

		{"hole: point in the hole is outside", Boundary{{square, innerHole}}, pt(5, 5), false},
		{"hole: point between outer ring and hole is inside", Boundary{{square, innerHole}}, pt(1, 1), true},
		{"hole: point outside everything is outside", Boundary{{square, innerHole}}, pt(15, 15), false},

		{"multipolygon: point in first polygon is inside", Boundary{{square}, {farSquare}}, pt(5, 5), true},
		{"multipolygon: point in second polygon is inside", Boundary{{square}, {farSquare}}, pt(25, 25), true},
		{"multipolygon: point between the polygons is outside", Boundary{{square}, {farSquare}}, pt(15, 15), false},
		{"multipolygon: hole in first polygon does not affect second", Boundary{{square, innerHole}, {farSquare}}, pt(25, 25), true},

		// Boundary points: outer edges belong to the grid, hole edges do not.
		{"edge: point on an outer edge is inside", Boundary{{square}}, pt(0, 5), true},
		{"edge: point on an outer vertex is inside", Boundary{{square}}, pt(10, 10), true},
		{"edge: point on a hole edge is outside", Boundary{{square, innerHole}}, pt(3, 5), false},
		{"edge: point on a hole vertex is outside", Boundary{{square, innerHole}}, pt(7, 7), false},
		{"edge: point on the L-shape's reflex corner is inside", Boundary{{lShape}}, pt(5, 5), true},

		{"closed ring: centre is inside", Boundary{{closed(square)}}, pt(5, 5), true},
		{"closed ring: outside point is outside", Boundary{{closed(square)}}, pt(5, 11), false},
		{"closed ring: point on closing edge's vertex is inside", Boundary{{closed(square)}}, pt(0, 0), true},
		{"closed ring: hole given closed still cuts out", Boundary{{closed(square), closed(innerHole)}}, pt(5, 5), false},

		{"clockwise outer ring behaves the same", Boundary{{reversed(square)}}, pt(5, 5), true},

		{"empty boundary contains nothing", Boundary{}, pt(5, 5), false},
		{"polygon without rings is ignored", Boundary{{}, {square}}, pt(5, 5), true},
		{"degenerate outer ring is ignored", Boundary{{{pt(0, 0), pt(10, 10)}}}, pt(5, 5), false},
		{"degenerate hole is ignored", Boundary{{square, {pt(4, 4), pt(6, 6)}}}, pt(5, 5), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.b.Contains(tt.p); got != tt.want {
				t.Errorf("Contains(%v) = %v, want %v", tt.p, got, tt.want)
			}
		})
	}
}

func TestBoundaryContains_ClosedAndUnclosedRingsAgree(t *testing.T) {
	open := Boundary{{lShape, innerHole}, {farSquare}}
	shut := Boundary{{closed(lShape), closed(innerHole)}, {closed(farSquare)}}
	for dLat := -2.0; dLat <= 32; dLat += 0.5 {
		for dLng := -2.0; dLng <= 32; dLng += 0.5 {
			p := pt(dLat, dLng)
			if a, b := open.Contains(p), shut.Contains(p); a != b {
				t.Errorf("at %v: unclosed says %v, closed says %v", p, a, b)
			}
		}
	}
}

func TestBoundaryBound(t *testing.T) {
	tests := []struct {
		name   string
		b      Boundary
		sw, ne LatLng
	}{
		{"single square", Boundary{{square}}, pt(0, 0), pt(10, 10)},
		{"covers every polygon", Boundary{{square}, {farSquare}}, pt(0, 0), pt(30, 30)},
		{"holes do not extend it", Boundary{{square, innerHole}}, pt(0, 0), pt(10, 10)},
		{"empty boundary gives zero", Boundary{}, LatLng{}, LatLng{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sw, ne := tt.b.Bound()
			if sw != tt.sw || ne != tt.ne {
				t.Errorf("Bound() = %v, %v, want %v, %v", sw, ne, tt.sw, tt.ne)
			}
		})
	}
}

func TestBoundaryValidate(t *testing.T) {
	tests := []struct {
		name string
		b    Boundary
		want []string // substrings, one per expected problem, in order
	}{
		{"valid square", Boundary{{square}}, nil},
		{"valid closed square", Boundary{{closed(square)}}, nil},
		{"valid polygon with hole and second polygon", Boundary{{square, innerHole}, {farSquare}}, nil},
		{"valid triangle", Boundary{{{pt(0, 0), pt(0, 1), pt(1, 0)}}}, nil},

		{"nil boundary", nil, []string{"boundary has no polygons"}},
		{"polygon with no rings", Boundary{{square}, {}}, []string{"polygon 2 has no outer ring"}},
		{"ring with two points", Boundary{{{pt(0, 0), pt(1, 1)}}},
			[]string{"polygon 1 outer ring has 2 distinct points, need at least 3"}},
		{"closed ring with only two distinct points", Boundary{{{pt(0, 0), pt(1, 1), pt(0, 0)}}},
			[]string{"polygon 1 outer ring has 2 distinct points, need at least 3"}},
		{"degenerate hole", Boundary{{square, {pt(4, 4), pt(4, 4), pt(4, 4), pt(4, 4)}}},
			[]string{"polygon 1 hole 1 has 1 distinct points, need at least 3"}},
		{"empty ring", Boundary{{square, {}}},
			[]string{"polygon 1 hole 1 has 0 distinct points, need at least 3"}},
		{"latitude out of range", Boundary{{{{Lat: 91, Lng: 118}, {Lat: 31, Lng: 118}, {Lat: 31, Lng: 119}}}},
			[]string{"polygon 1 outer ring point 1: latitude 91 is outside [-90, 90]"}},
		{"longitude out of range", Boundary{{square}, {{{Lat: 31, Lng: 118}, {Lat: 31, Lng: -180.5}, {Lat: 32, Lng: 119}}}},
			[]string{"polygon 2 outer ring point 2: longitude -180.5 is outside [-180, 180]"}},
		{"NaN and infinity", Boundary{{{{Lat: math.NaN(), Lng: 118}, {Lat: 31, Lng: math.Inf(1)}, {Lat: 32, Lng: 119}}}},
			[]string{
				"point 1: latitude NaN is not a finite number",
				"point 2: longitude +Inf is not a finite number",
			}},
		{"lat/lng swapped", Boundary{{{{Lat: 118.38, Lng: 31.33}, {Lat: 118.39, Lng: 31.33}, {Lat: 118.39, Lng: 31.34}}}},
			[]string{"point 1: latitude 118.38", "point 2: latitude 118.39", "point 3: latitude 118.39"}},
		{"reports every problem, not just the first", Boundary{{{pt(0, 0), pt(1, 1)}, {{Lat: -95, Lng: 0}, {Lat: 0, Lng: 0}, {Lat: 0, Lng: 1}}}},
			[]string{"polygon 1 outer ring has 2 distinct points", "polygon 1 hole 1 point 1: latitude -95"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.b.Validate()
			if len(got) != len(tt.want) {
				t.Fatalf("Validate() = %q, want %d problems matching %q", got, len(tt.want), tt.want)
			}
			for i := range got {
				if !strings.Contains(got[i], tt.want[i]) {
					t.Errorf("problem %d = %q, want it to contain %q", i, got[i], tt.want[i])
				}
			}
		})
	}
}

func reversed(r []LatLng) []LatLng {
	out := slices.Clone(r)
	slices.Reverse(out)
	return out
}
