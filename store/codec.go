package store

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/gridinspect/gridinspect"
)

// How values are kept in columns: times as INTEGER Unix nanoseconds in
// UTC (NULL when unset), lists and details as JSON text, booleans as 0/1,
// optional ids as NULL when empty.

// minTime and maxTime bound what Unix nanoseconds in an int64 can hold
// (years 1678 to 2262).
var (
	minTime = time.Unix(0, math.MinInt64).UTC()
	maxTime = time.Unix(0, math.MaxInt64).UTC()
)

// storable reports whether t can be kept as Unix nanoseconds.
func storable(t time.Time) bool {
	return !t.Before(minTime) && !t.After(maxTime)
}

// checkStorable adds a violation when t cannot be stored. A device clock
// can say anything; what is out of this range is refused rather than
// stored wrong.
func checkStorable(v *gridinspect.Violations, field string, t time.Time) {
	if !t.IsZero() && !storable(t) {
		v.AddZh(field, "须在 "+itoa(minTime.Year()+1)+" 年到 "+itoa(maxTime.Year()-1)+" 年之间", "must be between the years %d and %d", minTime.Year()+1, maxTime.Year()-1)
	}
}

// nanos returns t as Unix nanoseconds, or NULL for the zero time.
func nanos(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixNano()
}

// fromNanos is the inverse of nanos.
func fromNanos(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return time.Unix(0, n.Int64).UTC()
}

// unixNanos returns a NOT NULL time column's value as a time.
func unixNanos(n int64) time.Time { return time.Unix(0, n).UTC() }

// nullString returns s, or NULL when it is empty.
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// boolInt returns b as 0 or 1.
func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// jsonText returns the JSON of v as text for a column.
func jsonText(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("encode %T: %w", v, err)
	}
	return string(b), nil
}

// fromJSON decodes a JSON column into v.
func fromJSON(s string, v any) error {
	if err := json.Unmarshal([]byte(s), v); err != nil {
		return fmt.Errorf("decode %T: %w", v, err)
	}
	return nil
}

// idList returns ids as a JSON array, [] when empty, so that a stored list
// reads back the same however it was given.
func idList(ids []string) (string, error) {
	if ids == nil {
		ids = []string{}
	}
	return jsonText(ids)
}

// boundaryJSON encodes a boundary compactly: [[[[lat, lng], …], …], …].
func boundaryJSON(b gridinspect.Boundary) (string, error) {
	out := make([][][][2]float64, len(b))
	for i, poly := range b {
		out[i] = make([][][2]float64, len(poly))
		for j, ring := range poly {
			out[i][j] = make([][2]float64, len(ring))
			for k, p := range ring {
				out[i][j][k] = [2]float64{p.Lat, p.Lng}
			}
		}
	}
	return jsonText(out)
}

// parseBoundary is the inverse of boundaryJSON.
func parseBoundary(s string) (gridinspect.Boundary, error) {
	var in [][][][2]float64
	if err := fromJSON(s, &in); err != nil {
		return nil, err
	}
	b := make(gridinspect.Boundary, len(in))
	for i, poly := range in {
		b[i] = make([][]gridinspect.LatLng, len(poly))
		for j, ring := range poly {
			b[i][j] = make([]gridinspect.LatLng, len(ring))
			for k, p := range ring {
				b[i][j][k] = gridinspect.LatLng{Lat: p[0], Lng: p[1]}
			}
		}
	}
	return b, nil
}

// trackJSON encodes a patrol track compactly: [[lat, lng, seconds, nanos],
// …], leaving the time out where the point has none. Seconds and nanos
// rather than one number hold any time a device may send.
func trackJSON(track []gridinspect.TrackPoint) (string, error) {
	out := make([][]float64, len(track))
	for i, p := range track {
		if p.RecordedAt.IsZero() {
			out[i] = []float64{p.Lat, p.Lng}
		} else {
			out[i] = []float64{p.Lat, p.Lng, float64(p.RecordedAt.Unix()), float64(p.RecordedAt.Nanosecond())}
		}
	}
	return jsonText(out)
}

// parseTrack is the inverse of trackJSON.
func parseTrack(s string) ([]gridinspect.TrackPoint, error) {
	var in [][]float64
	if err := fromJSON(s, &in); err != nil {
		return nil, err
	}
	track := make([]gridinspect.TrackPoint, len(in))
	for i, p := range in {
		if len(p) < 2 {
			return nil, fmt.Errorf("track point %d has %d numbers", i, len(p))
		}
		track[i].Lat, track[i].Lng = p[0], p[1]
		if len(p) >= 4 {
			track[i].RecordedAt = time.Unix(int64(p[2]), int64(p[3])).UTC()
		}
	}
	return track, nil
}
