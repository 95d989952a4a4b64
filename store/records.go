package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/gridinspect/gridinspect"
)

// Reports read out for export: every report a filter matches, a page at a
// time, each with the names an export row shows instead of ids and the
// numbers of the notices served on it.

// eachReportPageSize is how many reports EachReport reads at a time: the
// most a page of ListReports may hold. Tests lower it.
var eachReportPageSize = MaxPageSize

// CountReports returns how many reports match f in the caller's scope
// (its page fields are ignored). Supervisors and admins. See
// gridinspect.StatsService.
func (db *DB) CountReports(ctx context.Context, f gridinspect.ReportFilter) (int64, error) {
	f.PageSize = 0
	l, _, err := db.exportListing(ctx, f)
	if err != nil || l == nil {
		return 0, err
	}
	var n int64
	err = db.Read(ctx, func(tx *sql.Tx) error {
		return tx.QueryRow("SELECT count(*) FROM reports"+l.where.String(), l.where.args...).Scan(&n)
	})
	if err != nil {
		return 0, domainErr(err, "count reports")
	}
	return n, nil
}

// EachReport calls fn for every report matching f in the caller's scope,
// in the filter's order, reading a page of reports at a time with their
// names and notice numbers (one query for the page, one for what it
// refers to), so memory stays flat however many there are. fn is called
// outside any transaction, so a slow consumer holds no snapshot of the
// database open. Supervisors and admins. See gridinspect.StatsService.
func (db *DB) EachReport(ctx context.Context, f gridinspect.ReportFilter, fn func(*gridinspect.ReportRecord) error) error {
	f.PageSize = eachReportPageSize
	l, a, err := db.exportListing(ctx, f)
	if err != nil || l == nil {
		return err
	}
	streets := streetsArg(a)
	grids, err := db.gridsAll(ctx, streets)
	if err != nil {
		return err
	}
	for {
		var records []*gridinspect.ReportRecord
		var next string
		err := db.Read(ctx, func(tx *sql.Tx) error {
			page, err := l.page(tx)
			if err != nil {
				return err
			}
			page, next = l.next(page)
			records, err = recordsOf(tx, page, grids, streets)
			return err
		})
		if err != nil {
			return domainErr(err, "read reports")
		}
		for _, r := range records {
			if err := fn(r); err != nil {
				return err
			}
		}
		if next == "" {
			return nil
		}
		if l.after, err = decodeToken(next, l.filter); err != nil {
			return fmt.Errorf("store: read reports: %w", err)
		}
	}
}

// exportListing checks that the caller may read reports out and turns f,
// without its page token, into a listing of the streets the caller counts
// as (statsActor), whom it returns too; nil when the caller's scope is
// empty.
func (db *DB) exportListing(ctx context.Context, f gridinspect.ReportFilter) (*reportListing, *gridinspect.Actor, error) {
	a, err := gridinspect.RequireActor(ctx)
	if err != nil {
		return nil, nil, err
	}
	if !a.MayReadStatistics() {
		return nil, nil, gridinspect.Errorf(gridinspect.EFORBIDDEN, "only supervisors and admins may export reports").Zh("只有主管和管理员可以导出案件")
	}
	if a, err = db.statsActor(ctx); err != nil {
		return nil, nil, err
	}
	f.PageToken = ""
	l, err := db.reportListing(a, f, db.now().UTC())
	return l, a, err
}

// gridRef is what a record names of its report's grid.
type gridRef struct {
	name   string
	street int64 // for the 街道 of an export of several streets
}

// gridsAll returns the name and street of every grid of streets
// (streetsArg) by id: a street has tens of grids, read once for an export.
func (db *DB) gridsAll(ctx context.Context, streets string) (map[string]gridRef, error) {
	out := map[string]gridRef{}
	err := db.Read(ctx, func(tx *sql.Tx) error {
		return forEachRow(tx, query{"SELECT id, name, street_id FROM grids WHERE street_id IN (SELECT CAST(value AS INTEGER) FROM json_each(?))",
			[]any{streets}}, func(rows *sql.Rows) error {
			var id string
			var g gridRef
			if err := rows.Scan(&id, &g.name, &g.street); err != nil {
				return err
			}
			out[id] = g
			return nil
		})
	})
	return out, domainErr(err, "read grid names")
}

// namesByID reads q, whose rows are (id, name), into a map by id.
func (db *DB) namesByID(ctx context.Context, q query, what string) (map[string]string, error) {
	names := map[string]string{}
	err := db.Read(ctx, func(tx *sql.Tx) error {
		return forEachRow(tx, q, func(rows *sql.Rows) error {
			var id, name string
			if err := rows.Scan(&id, &name); err != nil {
				return err
			}
			names[id] = name
			return nil
		})
	})
	if err != nil {
		return nil, domainErr(err, "read "+what+" names")
	}
	return names, nil
}

// recordsOf returns the records of a page of reports: in one query, the
// names of the subjects and users the page refers to (a user's display
// name, or username where it has none) and the numbers of the notices
// served on each report, in timeline order.
func recordsOf(q queryer, page []*gridinspect.Report, grids map[string]gridRef, streets string) ([]*gridinspect.ReportRecord, error) {
	if len(page) == 0 {
		return nil, nil
	}
	var reportIDs, subjectIDs, userIDs []string
	for _, r := range page {
		reportIDs = append(reportIDs, r.ID)
		if r.SubjectID != "" {
			subjectIDs = append(subjectIDs, r.SubjectID)
		}
		userIDs = append(userIDs, r.ReporterID)
		if r.AssigneeID != "" {
			userIDs = append(userIDs, r.AssigneeID)
		}
	}
	ids := func(s []string) string {
		b, _ := json.Marshal(s) // cannot fail: strings
		return string(b)
	}
	subjects, users := map[string]string{}, map[string]string{}
	notices := map[string][]string{}
	err := forEachRow(q, query{`
		SELECT 's', id, name, 0 FROM subjects
			WHERE street_id IN (SELECT CAST(value AS INTEGER) FROM json_each(:streets)) AND id IN (SELECT value FROM json_each(:subjects))
		UNION ALL
		SELECT 'u', id, coalesce(nullif(display_name, ''), username), 0 FROM users
			WHERE street_id IN (SELECT CAST(value AS INTEGER) FROM json_each(:streets)) AND id IN (SELECT value FROM json_each(:users))
		UNION ALL
		SELECT 'n', report_id, json_extract(payload, '$.Notice.Number'), seq FROM events
			WHERE street_id IN (SELECT CAST(value AS INTEGER) FROM json_each(:streets)) AND report_id IN (SELECT value FROM json_each(:reports)) AND type = 5 AND conflict = 0
		ORDER BY 1, 2, 4`,
		[]any{sql.Named("subjects", ids(subjectIDs)), sql.Named("users", ids(userIDs)),
			sql.Named("reports", ids(reportIDs)), sql.Named("streets", streets)}},
		func(rows *sql.Rows) error {
			var kind, id string
			var name sql.NullString
			var seq int64
			if err := rows.Scan(&kind, &id, &name, &seq); err != nil {
				return err
			}
			switch kind {
			case "s":
				subjects[id] = name.String
			case "u":
				users[id] = name.String
			case "n":
				notices[id] = append(notices[id], name.String)
			}
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("read names and notices: %w", err)
	}
	users[gridinspect.SystemUserID] = gridinspect.SystemName
	records := make([]*gridinspect.ReportRecord, len(page))
	for i, r := range page {
		records[i] = &gridinspect.ReportRecord{
			Report:        r,
			GridName:      grids[r.GridID].name,
			StreetID:      grids[r.GridID].street,
			SubjectName:   subjects[r.SubjectID],
			ReporterName:  users[r.ReporterID],
			AssigneeName:  users[r.AssigneeID],
			NoticeNumbers: notices[r.ID],
		}
	}
	return records, nil
}
