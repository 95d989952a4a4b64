package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/gridinspect/gridinspect"
)

const subjectColumns = `id, kind, name, grid_id, lat, lng, accuracy, address, credit_code, contact_name,
	contact_phone, notes, created_at, content_hash`

// CreateSubject stores a subject. Supervisors and admins may, in their
// scope. See gridinspect.DirectoryService.
func (db *DB) CreateSubject(ctx context.Context, in *gridinspect.Subject) (*gridinspect.Subject, error) {
	a, err := gridinspect.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	if !a.IsSupervisor() {
		return nil, gridinspect.Errorf(gridinspect.EFORBIDDEN, "only a supervisor or an admin may create subjects").Zh("只有主管和管理员可以登记对象")
	}
	if in == nil {
		return nil, gridinspect.Errorf(gridinspect.EINVALID, "subject is required")
	}
	s := *in
	if err := db.rules.ValidateSubject(&s); err != nil {
		return nil, err
	}
	hash := s.ContentHash()
	db.rules.NormalizeSubject(&s)
	if s.Location.Lat == 0 && s.Location.Lng == 0 {
		s.Location.System = gridinspect.CoordinateSystemUnspecified // no point, no datum
	}

	var stored *gridinspect.Subject
	err = db.Write(ctx, func(tx *Tx) error {
		old, oldHash, err := getSubject(tx, tx.Street, s.ID)
		switch {
		case err != nil:
			return err
		case old != nil && !a.CanSeeGrid(old.GridID):
			return gridinspect.ErrOutOfScope
		case old != nil && oldHash == hash:
			stored = old
			return nil
		case old != nil:
			return gridinspect.Errorf(gridinspect.EEXISTS, "subject %s already exists with different content", s.ID)
		}

		sub := s
		gridGiven := sub.GridID != ""
		if !gridGiven {
			id, err := db.placePoint(tx, a, sub.Location.Point())
			if err != nil {
				return err
			}
			if id == "" {
				return violationZh("invalid subject", "subject.location", "is not inside any grid", "位置不在本街道的任何网格内")
			}
			sub.GridID = id
		}
		if !a.CanSeeGrid(sub.GridID) {
			return gridinspect.ErrOutOfScope
		}
		if gridGiven {
			ok, err := gridExists(tx, a.Street(), sub.GridID)
			if err != nil {
				return err
			}
			if !ok {
				return violationZh("invalid subject", "subject.grid_id", "no such grid", "网格不存在")
			}
		}
		if sub.CreditCode != "" {
			var other string
			err := tx.QueryRow("SELECT id FROM subjects WHERE street_id = ? AND credit_code = ?", tx.Street, sub.CreditCode).Scan(&other)
			switch {
			case err == nil:
				return violationZh("invalid subject", "subject.credit_code", "already registered to subject "+other, "该统一社会信用代码已登记给其他对象")
			case !errors.Is(err, sql.ErrNoRows):
				return err
			}
		}

		sub.CreatedAt = tx.Now
		var lat, lng any
		if sub.Location.Lat != 0 || sub.Location.Lng != 0 {
			lat, lng = sub.Location.Lat, sub.Location.Lng
		}
		if _, err := tx.Exec("INSERT INTO subjects (street_id, "+subjectColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			tx.Street, sub.ID, sub.Kind, sub.Name, sub.GridID, lat, lng, sub.Location.AccuracyMeters, sub.Location.Address,
			sub.CreditCode, sub.ContactName, sub.ContactPhone, sub.Notes, sub.CreatedAt.UnixNano(), hash); err != nil {
			return err
		}
		if err := recordChange(tx, "subject", sub.ID, sub.GridID); err != nil {
			return err
		}
		stored = &sub
		return nil
	})
	if err != nil {
		return nil, domainErr(err, "create subject %s", s.ID)
	}
	return stored, nil
}

// GetSubject returns a subject in the caller's scope with its file: the
// reports and patrols about it, oldest first.
func (db *DB) GetSubject(ctx context.Context, id string) (*gridinspect.SubjectFile, error) {
	a, err := gridinspect.RequireActor(ctx)
	if err != nil {
		return nil, err
	}
	id = strings.ToLower(id)
	var file *gridinspect.SubjectFile
	found := false
	err = db.Read(ctx, func(tx *sql.Tx) error {
		s, _, err := getSubject(tx, a.Street(), id)
		if err != nil || s == nil {
			return err
		}
		found = true
		if !a.CanSeeGrid(s.GridID) {
			return nil
		}
		file = &gridinspect.SubjectFile{Subject: s}
		reports, err := queryReports(tx, &query{"SELECT " + reportColumns +
			" FROM reports WHERE street_id = ? AND subject_id = ? ORDER BY effective_at, id", []any{a.Street(), id}}, nil)
		if err != nil {
			return err
		}
		// A report about the subject filed in a grid the caller cannot
		// see stays hidden, as it would in any listing.
		for _, r := range reports {
			if a.CanSeeGrid(r.GridID) {
				file.Reports = append(file.Reports, r)
				file.RelapseCount += r.RelapseCount
			}
		}
		patrols, err := queryPatrols(tx, &query{"SELECT " + patrolColumns +
			" FROM patrols WHERE street_id = ? AND subject_id = ? ORDER BY effective_at, id", []any{a.Street(), id}}, nil)
		if err != nil {
			return err
		}
		for _, p := range patrols {
			if a.CanSeeGrid(p.GridID) {
				file.Patrols = append(file.Patrols, p)
			}
		}
		return nil
	})
	switch {
	case err != nil:
		return nil, domainErr(err, "get subject %s", id)
	case !found:
		return nil, gridinspect.NotFound(a, "subject %s not found", id)
	case file == nil:
		return nil, gridinspect.ErrOutOfScope
	}
	return file, nil
}

// subjectFilterKey identifies a ListSubjects listing for its page tokens.
type subjectFilterKey struct {
	Kinds []gridinspect.SubjectKind `json:"k,omitempty"`
	Grids []string                  `json:"g,omitempty"`
	Query string                    `json:"q,omitempty"`
}

// ListSubjects returns one page of the subjects matching f in the caller's
// scope, by name.
func (db *DB) ListSubjects(ctx context.Context, f gridinspect.SubjectFilter) ([]*gridinspect.Subject, string, error) {
	a, err := gridinspect.RequireActor(ctx)
	if err != nil {
		return nil, "", err
	}
	var v gridinspect.Violations
	for i, k := range f.Kinds {
		if k < gridinspect.SubjectKindEnterprise || k > gridinspect.SubjectKindSite {
			v.AddZh("kinds["+itoa(i)+"]", "取值 "+itoa(int(k))+" 无法识别", "has unknown value %d", int(k))
		}
	}
	checkQuery(&v, "query", f.Query)
	if err := v.Err("invalid filter"); err != nil {
		return nil, "", err
	}
	size, err := pageSize(f.PageSize, DefaultPageSize)
	if err != nil {
		return nil, "", err
	}
	grids, err := scopeGrids(a, f.GridIDs)
	if err != nil || (grids != nil && len(grids) == 0) {
		return nil, "", err
	}
	kinds := sortedUnique(f.Kinds)
	filter := filterHash("subjects", subjectFilterKey{Kinds: kinds, Grids: sortedUnique(lowerAll(f.GridIDs)), Query: f.Query})
	after, err := decodeToken(f.PageToken, filter)
	if err != nil {
		return nil, "", err
	}

	var w where
	in(&w, "kind", kinds)
	in(&w, "grid_id", grids)
	if f.Query != "" {
		p := likePattern(f.Query)
		w.add(`(name LIKE ? ESCAPE '\' OR address LIKE ? ESCAPE '\' OR credit_code LIKE ? ESCAPE '\')`, p, p, p)
	}
	if after != nil {
		w.add("(name, id) > (?, ?)", after.Name, after.ID)
	}
	q := "SELECT " + subjectColumns + " FROM subjects WHERE street_id = ?" + w.and() + " ORDER BY name, id LIMIT ?"
	var subjects []*gridinspect.Subject
	err = db.Read(ctx, func(tx *sql.Tx) (err error) {
		subjects, err = queryAll(tx, q, append(append([]any{a.Street()}, w.args...), size+1), dropHash(scanSubject))
		return err
	})
	if err != nil {
		return nil, "", domainErr(err, "list subjects")
	}
	next := ""
	subjects, last := cutPage(subjects, size)
	if last != nil {
		next = pageToken{Filter: filter, Name: (*last).Name, ID: (*last).ID}.encode()
	}
	return subjects, next, nil
}

// checkSubjectRef checks that a report or patrol may refer to subject id:
// it exists, in a grid the actor can see. One outside the actor's scope is
// answered like one that does not exist.
func checkSubjectRef(q queryer, a *gridinspect.Actor, message, field, id string) error {
	var grid string
	err := q.QueryRow("SELECT grid_id FROM subjects WHERE street_id = ? AND id = ?", a.Street(), id).Scan(&grid)
	switch {
	case errors.Is(err, sql.ErrNoRows) || (err == nil && !a.CanSeeGrid(grid)):
		return violationZh(message, field, "no such subject", "对象不存在")
	case err != nil:
		return fmt.Errorf("read subject %s: %w", id, err)
	}
	return nil
}

// getSubject returns the subject with id in a street and its content
// hash, or nil.
func getSubject(q queryer, street int64, id string) (*gridinspect.Subject, string, error) {
	s, hash, err := scanSubject(q.QueryRow("SELECT "+subjectColumns+" FROM subjects WHERE street_id = ? AND id = ?", street, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", nil
	}
	if err != nil {
		return nil, "", fmt.Errorf("read subject %s: %w", id, err)
	}
	return s, hash, nil
}

func scanSubject(sc scanner) (*gridinspect.Subject, string, error) {
	var s gridinspect.Subject
	var lat, lng sql.NullFloat64
	var created int64
	var hash string
	if err := sc.Scan(&s.ID, &s.Kind, &s.Name, &s.GridID, &lat, &lng, &s.Location.AccuracyMeters,
		&s.Location.Address, &s.CreditCode, &s.ContactName, &s.ContactPhone, &s.Notes, &created, &hash); err != nil {
		return nil, "", err
	}
	if lat.Valid && lng.Valid {
		s.Location.Lat, s.Location.Lng = lat.Float64, lng.Float64
		s.Location.System = gridinspect.CoordinateSystemWGS84
	}
	s.CreatedAt = unixNanos(created)
	return &s, hash, nil
}
