package store

import (
	"database/sql"
	"errors"
	"fmt"

	"github.com/gridinspect/gridinspect"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geo"
)

// The evidence check of a verification (issue 4, item 7). A supervisor
// verifying a fix from the office sees only its after-photos, so the
// verification is told what is doubtful about them: a photo that has not
// arrived, one taken far from the reported place, one taken before the
// case was assigned (an old photo passed off as new). Flags never refuse:
// the supervisor decides.

// evidenceFlags returns the flags for verifying case rep: about the
// after-photos of its latest rectification that applied (none when the
// case was rectified on the spot and never submitted one). A photo the
// rectification may not name (citableSQL: neither of this case nor its
// author's) is flagged as one that has not arrived, as an unknown id is,
// and nothing else of it is read.
func evidenceFlags(q queryer, street int64, rules gridinspect.Rules, rep *gridinspect.Report) ([]string, error) {
	var photosJSON, author string
	err := q.QueryRow(`SELECT photo_ids, actor_id FROM events WHERE street_id = ? AND report_id = ? AND type = ? AND conflict = 0
		ORDER BY seq DESC LIMIT 1`, street, rep.ID, gridinspect.EventRectificationSubmitted).Scan(&photosJSON, &author)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("read rectification of report %s: %w", rep.ID, err)
	}
	var ids []string
	if err := fromJSON(photosJSON, &ids); err != nil {
		return nil, fmt.Errorf("read rectification of report %s: photo_ids: %w", rep.ID, err)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	// When the case was (last) assigned, as it happened in the field.
	var assignedAt sql.NullInt64
	err = q.QueryRow(`SELECT effective_at FROM events WHERE street_id = ? AND report_id = ? AND type = ? AND conflict = 0
		ORDER BY seq DESC LIMIT 1`, street, rep.ID, gridinspect.EventReportAssigned).Scan(&assignedAt)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("read assignment of report %s: %w", rep.ID, err)
	}

	list, err := idList(ids)
	if err != nil {
		return nil, err
	}
	rows, err := q.Query(`SELECT j.value, coalesce(p.complete, 0), p.taken_at, p.lat, p.lng
		FROM json_each(?) AS j LEFT JOIN photos AS p ON p.street_id = ? AND p.id = j.value AND `+citableSQL("?", "?")+`
		ORDER BY j.key`, list, street, rep.ID, author)
	if err != nil {
		return nil, fmt.Errorf("read after-photos of report %s: %w", rep.ID, err)
	}
	defer rows.Close()
	var flags []string
	place := orb.Point{rep.Location.Lng, rep.Location.Lat}
	for rows.Next() {
		var id string
		var complete int
		var taken sql.NullInt64
		var lat, lng sql.NullFloat64
		if err := rows.Scan(&id, &complete, &taken, &lat, &lng); err != nil {
			return nil, fmt.Errorf("read after-photos of report %s: %w", rep.ID, err)
		}
		// What was declared of a photo counts even before its bytes.
		if complete == 0 {
			flags = append(flags, fmt.Sprintf("photo %s has not arrived yet", id))
		}
		if lat.Valid && lng.Valid && rules.EvidenceMaxDistanceMeters > 0 {
			if d := geo.Distance(place, orb.Point{lng.Float64, lat.Float64}); d > rules.EvidenceMaxDistanceMeters {
				flags = append(flags, fmt.Sprintf("photo %s was taken %s from the reported place", id, distanceText(d)))
			}
		}
		if taken.Valid && assignedAt.Valid && taken.Int64 < assignedAt.Int64 {
			flags = append(flags, fmt.Sprintf("photo %s was taken before the case was assigned", id))
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read after-photos of report %s: %w", rep.ID, err)
	}
	if err := rows.Close(); err != nil {
		return nil, fmt.Errorf("read after-photos of report %s: %w", rep.ID, err)
	}
	return flags, nil
}

// distanceText says a distance as people do: "850 m", "1.2 km".
func distanceText(meters float64) string {
	if meters < 1000 {
		return fmt.Sprintf("%.0f m", meters)
	}
	return fmt.Sprintf("%.1f km", meters/1000)
}
