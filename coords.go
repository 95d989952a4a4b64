package gridinspect

import (
	"math"
	"strconv"
)

// CoordinateSystem is the datum a phone's location was reported in.
//
// Chinese map SDKs do not report plain GPS coordinates: by law, published
// maps inside mainland China use the obfuscated GCJ-02 datum, and Baidu adds
// a second obfuscation of its own (BD-09) on top. Grid boundaries are stored
// in WGS-84, so every reported point must be converted with ToWGS84 before it
// is compared with a boundary.
type CoordinateSystem int

const (
	// CoordinateSystemUnspecified means the client did not say; it is treated
	// as WGS-84 because that is what a raw GPS fix is.
	CoordinateSystemUnspecified CoordinateSystem = iota
	// CoordinateSystemWGS84 is plain GPS (iOS/Android system location APIs
	// outside the map SDKs).
	CoordinateSystemWGS84
	// CoordinateSystemGCJ02 is the "Mars" datum used by AMap/Gaode, Tencent
	// Maps and Apple Maps in China.
	CoordinateSystemGCJ02
	// CoordinateSystemBD09 is Baidu's datum (GCJ-02 with a further offset).
	CoordinateSystemBD09
)

// String returns the canonical upper-case name ("WGS84", "GCJ02", "BD09",
// "UNSPECIFIED"); unknown values print as "CoordinateSystem(N)".
func (c CoordinateSystem) String() string {
	switch c {
	case CoordinateSystemUnspecified:
		return "UNSPECIFIED"
	case CoordinateSystemWGS84:
		return "WGS84"
	case CoordinateSystemGCJ02:
		return "GCJ02"
	case CoordinateSystemBD09:
		return "BD09"
	}
	return "CoordinateSystem(" + strconv.Itoa(int(c)) + ")"
}

// ToWGS84 converts lat/lng given in sys to WGS-84.
//
// CoordinateSystemUnspecified, CoordinateSystemWGS84 and unknown systems are
// returned unchanged, as are points that are not finite or not within
// lat [-90, 90], lng [-180, 180] (there is nothing meaningful to convert;
// validating them is the caller's job).
//
// GCJ-02 points outside mainland China are returned unchanged because the
// GCJ-02 offset is only applied inside China. "Inside" is eviltransform's
// customary rectangle, lat 0.8293–55.8271, lng 72.004–137.8347, which also
// takes in parts of neighbouring countries. GCJ-02 → WGS-84 is computed as the exact inverse of
// FromWGS84 by fixed-point iteration, to well under 1e-9 degrees, not the
// common one-step approximation that is off by up to a couple of metres.
//
// BD-09 is first converted to GCJ-02 (the exact inverse of Baidu's standard
// x_pi formula), then to WGS-84 as above. BD-09 points outside China are
// also returned unchanged: Baidu's SDKs report plain WGS-84 abroad, and this
// keeps "outside China, nothing moves" true for every system.
func ToWGS84(sys CoordinateSystem, lat, lng float64) (wlat, wlng float64) {
	if !validLatLng(lat, lng) {
		return lat, lng
	}
	switch sys {
	case CoordinateSystemGCJ02:
		return gcj02ToWGS84(lat, lng)
	case CoordinateSystemBD09:
		if outOfChina(lat, lng) {
			return lat, lng
		}
		return gcj02ToWGS84(bd09ToGCJ02(lat, lng))
	}
	return lat, lng
}

// FromWGS84 converts a WGS-84 lat/lng into sys; it is the forward direction
// of ToWGS84 and follows the same rules for unknown systems, invalid points
// and points outside China.
func FromWGS84(sys CoordinateSystem, lat, lng float64) (lat2, lng2 float64) {
	if !validLatLng(lat, lng) {
		return lat, lng
	}
	switch sys {
	case CoordinateSystemGCJ02:
		return wgs84ToGCJ02(lat, lng)
	case CoordinateSystemBD09:
		if outOfChina(lat, lng) {
			return lat, lng
		}
		return gcj02ToBD09(wgs84ToGCJ02(lat, lng))
	}
	return lat, lng
}

// validLatLng reports whether lat/lng are finite and within the usual ranges.
// Comparisons are false for NaN, so NaN is rejected too.
func validLatLng(lat, lng float64) bool {
	return lat >= -90 && lat <= 90 && lng >= -180 && lng <= 180
}

// outOfChina is the bounding box eviltransform and its many ports use to
// decide whether the offset applies (some libraries, such as
// wandergis/coordtransform, use a slightly tighter box; both contain all of
// mainland China). Being a rectangle, it takes in bits of neighbouring
// countries and sea; no SDK publishes its exact rule.
func outOfChina(lat, lng float64) bool {
	return lng < 72.004 || lng > 137.8347 || lat < 0.8293 || lat > 55.8271
}

// gcjOffset returns the GCJ-02 offset (in degrees) at a WGS-84 point. This is
// the widely published reimplementation of the official algorithm, using the
// Krasovsky 1940 ellipsoid.
func gcjOffset(lat, lng float64) (dLat, dLng float64) {
	const (
		a  = 6378245.0              // Krasovsky 1940 semi-major axis, metres
		ee = 0.00669342162296594323 // Krasovsky 1940 first eccentricity squared
	)
	x, y := lng-105.0, lat-35.0
	xPi, yPi := x*math.Pi, y*math.Pi
	sqrtAbsX := math.Sqrt(math.Abs(x))
	common := 20.0*math.Sin(6.0*xPi) + 20.0*math.Sin(2.0*xPi)

	dLat = -100.0 + 2.0*x + 3.0*y + 0.2*y*y + 0.1*x*y + 0.2*sqrtAbsX
	dLat += (common + 20.0*math.Sin(yPi) + 40.0*math.Sin(yPi/3.0) +
		160.0*math.Sin(yPi/12.0) + 320.0*math.Sin(yPi/30.0)) * 2.0 / 3.0

	dLng = 300.0 + x + 2.0*y + 0.1*x*x + 0.1*x*y + 0.1*sqrtAbsX
	dLng += (common + 20.0*math.Sin(xPi) + 40.0*math.Sin(xPi/3.0) +
		150.0*math.Sin(xPi/12.0) + 300.0*math.Sin(xPi/30.0)) * 2.0 / 3.0

	radLat := lat / 180.0 * math.Pi
	magic := math.Sin(radLat)
	magic = 1 - ee*magic*magic
	sqrtMagic := math.Sqrt(magic)
	dLat = (dLat * 180.0) / ((a * (1 - ee)) / (magic * sqrtMagic) * math.Pi)
	dLng = (dLng * 180.0) / (a / sqrtMagic * math.Cos(radLat) * math.Pi)
	return dLat, dLng
}

func wgs84ToGCJ02(lat, lng float64) (float64, float64) {
	if outOfChina(lat, lng) {
		return lat, lng
	}
	dLat, dLng := gcjOffset(lat, lng)
	return lat + dLat, lng + dLng
}

// gcj02ToWGS84 inverts wgs84ToGCJ02 by fixed-point iteration on
// w = g - offset(w). The offset changes by well under 1% of a degree per
// degree, so the error shrinks by more than 100x per step and a handful of
// steps reach the float64 noise floor.
func gcj02ToWGS84(gLat, gLng float64) (float64, float64) {
	if outOfChina(gLat, gLng) {
		return gLat, gLng
	}
	const (
		tolerance = 1e-12 // degrees, ~0.1 µm
		maxSteps  = 20    // typically converges in 4–6
	)
	wLat, wLng := gLat, gLng
	for range maxSteps {
		dLat, dLng := gcjOffset(wLat, wLng)
		nLat, nLng := gLat-dLat, gLng-dLng
		done := math.Abs(nLat-wLat) < tolerance && math.Abs(nLng-wLng) < tolerance
		wLat, wLng = nLat, nLng
		if done {
			break
		}
	}
	return wLat, wLng
}

// xPi is Baidu's constant for the BD-09 offset.
const xPi = math.Pi * 3000.0 / 180.0

func gcj02ToBD09(lat, lng float64) (float64, float64) {
	// Hypot rather than sqrt(x*x+y*y): same result here, no overflow anywhere.
	z := math.Hypot(lng, lat) + 0.00002*math.Sin(lat*xPi)
	theta := math.Atan2(lat, lng) + 0.000003*math.Cos(lng*xPi)
	return z*math.Sin(theta) + 0.006, z*math.Cos(theta) + 0.0065
}

// bd09ToGCJ02 inverts gcj02ToBD09. Baidu's own published inverse (the x_pi
// formula below) is only approximate, off by up to ~2e-6 degrees (0.2 m) in
// the far west, so it is used as the starting point and refined by
// fixed-point iteration on g = b - (bd(g) - g) until it is exact to 1e-12.
func bd09ToGCJ02(bLat, bLng float64) (float64, float64) {
	x, y := bLng-0.0065, bLat-0.006
	z := math.Hypot(x, y) - 0.00002*math.Sin(y*xPi)
	theta := math.Atan2(y, x) - 0.000003*math.Cos(x*xPi)
	gLat, gLng := z*math.Sin(theta), z*math.Cos(theta)

	const (
		tolerance = 1e-12
		maxSteps  = 20 // typically converges in 3–5
	)
	for range maxSteps {
		lat, lng := gcj02ToBD09(gLat, gLng)
		eLat, eLng := lat-bLat, lng-bLng
		gLat, gLng = gLat-eLat, gLng-eLng
		if math.Abs(eLat) < tolerance && math.Abs(eLng) < tolerance {
			break
		}
	}
	return gLat, gLng
}
