package gridinspect

import (
	"fmt"
	"math"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// LatLng is a WGS-84 point.
type LatLng struct {
	Lat, Lng float64
}

// Boundary is a grid's boundary: one or more polygons (a MultiPolygon). Each
// polygon is an outer ring followed by optional holes. Rings may be given
// closed (first point repeated at the end, as GeoJSON requires) or unclosed;
// both mean the same shape. Winding order does not matter.
type Boundary [][][]LatLng

// Contains reports whether p lies inside the boundary: inside the outer ring
// of some polygon and not inside one of that polygon's holes.
//
// Points exactly on an outer ring's edge or vertex count as inside; points
// exactly on a hole's edge or vertex count as outside (the hole "owns" its
// boundary). This is orb/planar's rule. For slanted edges "exactly on" is
// subject to floating-point rounding, which at these magnitudes is far below
// a millimetre, so it cannot matter for check-ins.
//
// The test is planar in lat/lng degrees, which is accurate for grid-sized
// polygons (a few km). Rings with fewer than three points are ignored rather
// than causing a panic; use Validate to reject such boundaries up front.
func (b Boundary) Contains(p LatLng) bool {
	pt := orb.Point{p.Lng, p.Lat}
	for _, poly := range b {
		if len(poly) == 0 || len(poly[0]) < 3 {
			continue
		}
		op := make(orb.Polygon, 0, len(poly))
		op = append(op, toRing(poly[0]))
		for _, hole := range poly[1:] {
			if len(hole) >= 3 {
				op = append(op, toRing(hole))
			}
		}
		if planar.PolygonContains(op, pt) {
			return true
		}
	}
	return false
}

// toRing converts to orb's (lng, lat) order. orb treats the ring as implicitly
// closed, so an explicit closing point just adds a zero-length edge.
func toRing(r []LatLng) orb.Ring {
	ring := make(orb.Ring, len(r))
	for i, q := range r {
		ring[i] = orb.Point{q.Lng, q.Lat}
	}
	return ring
}

// Bound returns the bounding box of every point in the boundary, for a cheap
// prefilter before Contains: sw holds the minimum lat and lng, ne the maximum.
// Both are zero if the boundary has no points. Boundaries crossing the
// antimeridian are not handled (there are none in China).
func (b Boundary) Bound() (sw, ne LatLng) {
	first := true
	for _, poly := range b {
		for _, ring := range poly {
			for _, q := range ring {
				if first {
					sw, ne = q, q
					first = false
					continue
				}
				sw.Lat = math.Min(sw.Lat, q.Lat)
				sw.Lng = math.Min(sw.Lng, q.Lng)
				ne.Lat = math.Max(ne.Lat, q.Lat)
				ne.Lng = math.Max(ne.Lng, q.Lng)
			}
		}
	}
	return sw, ne
}

// Validate returns a list of human-readable problems with the boundary; an
// empty list means it is usable. It checks that there is at least one
// polygon, that every ring has at least three distinct points, and that all
// coordinates are finite with lat in [-90, 90] and lng in [-180, 180].
// Polygons, holes and points are numbered from 1 in the messages, since they
// are meant for people editing the boundary.
//
// It does not check for self-intersection or holes lying outside their outer
// ring.
func (b Boundary) Validate() []string {
	var problems []string
	if len(b) == 0 {
		return []string{"boundary has no polygons"}
	}
	for pi, poly := range b {
		if len(poly) == 0 {
			problems = append(problems, fmt.Sprintf("polygon %d has no outer ring", pi+1))
			continue
		}
		for ri, ring := range poly {
			where := fmt.Sprintf("polygon %d outer ring", pi+1)
			if ri > 0 {
				where = fmt.Sprintf("polygon %d hole %d", pi+1, ri)
			}
			problems = append(problems, validateRing(where, ring)...)
		}
	}
	return problems
}

func validateRing(where string, ring []LatLng) []string {
	var problems []string
	distinct := make(map[LatLng]struct{}, len(ring))
	for i, q := range ring {
		switch {
		case math.IsNaN(q.Lat) || math.IsInf(q.Lat, 0):
			problems = append(problems, fmt.Sprintf("%s point %d: latitude %v is not a finite number", where, i+1, q.Lat))
		case q.Lat < -90 || q.Lat > 90:
			problems = append(problems, fmt.Sprintf("%s point %d: latitude %v is outside [-90, 90]", where, i+1, q.Lat))
		}
		switch {
		case math.IsNaN(q.Lng) || math.IsInf(q.Lng, 0):
			problems = append(problems, fmt.Sprintf("%s point %d: longitude %v is not a finite number", where, i+1, q.Lng))
		case q.Lng < -180 || q.Lng > 180:
			problems = append(problems, fmt.Sprintf("%s point %d: longitude %v is outside [-180, 180]", where, i+1, q.Lng))
		}
		distinct[q] = struct{}{}
	}
	if n := len(distinct); n < 3 {
		problems = append(problems, fmt.Sprintf("%s has %d distinct points, need at least 3", where, n))
	}
	return problems
}
