package gridinspect

import (
	"errors"
	"math"
	"testing"
	"unicode/utf8"
)

// FuzzToWGS84 checks that conversion never panics and that finite input
// always gives finite output, in both directions and for every system
// (including unknown ones).
func FuzzToWGS84(f *testing.F) {
	f.Add(int8(CoordinateSystemGCJ02), 31.33, 118.38)
	f.Add(int8(CoordinateSystemBD09), 39.915, 116.404)
	f.Add(int8(CoordinateSystemGCJ02), 35.6895, 139.6917)
	f.Add(int8(CoordinateSystemBD09), 0.8293, 72.004)
	f.Add(int8(CoordinateSystemBD09), 55.8271, 137.8347)
	f.Add(int8(CoordinateSystemBD09), 90.0, 180.0)
	f.Add(int8(CoordinateSystemGCJ02), -90.0, -180.0)
	f.Add(int8(CoordinateSystemWGS84), 0.0, 0.0)
	f.Add(int8(7), 1e308, -1e308)
	f.Fuzz(func(t *testing.T, sys int8, lat, lng float64) {
		s := CoordinateSystem(sys)
		finite := !math.IsNaN(lat) && !math.IsInf(lat, 0) && !math.IsNaN(lng) && !math.IsInf(lng, 0)

		wLat, wLng := ToWGS84(s, lat, lng)
		fLat, fLng := FromWGS84(s, lat, lng)
		if !finite {
			return
		}
		for _, v := range []float64{wLat, wLng, fLat, fLng} {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("%v (%v, %v): ToWGS84 = (%v, %v), FromWGS84 = (%v, %v); want finite",
					s, lat, lng, wLat, wLng, fLat, fLng)
			}
		}
		// A conversion is a shift of at most a couple of km, never a jump.
		if math.Abs(wLat-lat) > 0.05 || math.Abs(wLng-lng) > 0.05 ||
			math.Abs(fLat-lat) > 0.05 || math.Abs(fLng-lng) > 0.05 {
			t.Fatalf("%v (%v, %v): ToWGS84 = (%v, %v), FromWGS84 = (%v, %v); moved more than 0.05 degrees",
				s, lat, lng, wLat, wLng, fLat, fLng)
		}
	})
}

// FuzzValidateCreditCode checks that any string, including invalid UTF-8,
// gets either nil or an error wrapping ErrInvalidCreditCode, without
// panicking, and that anything accepted has a consistent check character.
func FuzzValidateCreditCode(f *testing.F) {
	f.Add("91350100M000100Y43")
	f.Add("91350100M000100Y44")
	f.Add("91350100m000100Y43")
	f.Add("９1350100M000100Y43")
	f.Add("")
	f.Add("\xff\xfe91350100M000100Y4")
	f.Fuzz(func(t *testing.T, code string) {
		err := ValidateCreditCode(code)
		if err != nil {
			if !errors.Is(err, ErrInvalidCreditCode) {
				t.Fatalf("ValidateCreditCode(%q) = %v, does not wrap ErrInvalidCreditCode", code, err)
			}
			return
		}
		if len(code) != 18 || !utf8.ValidString(code) {
			t.Fatalf("ValidateCreditCode(%q) = nil for a string that is not 18 ASCII characters", code)
		}
		check, err := CreditCodeCheckChar(code[:17])
		if err != nil || check != code[17] {
			t.Fatalf("ValidateCreditCode(%q) = nil but CreditCodeCheckChar = %q, %v", code, check, err)
		}
	})
}
