package demo

import (
	"context"
	"reflect"
	"slices"
	"sync"
	"time"

	gi "github.com/gridinspect/gridinspect"
)

// fakeServices is an in-memory DirectoryService and ReportService that
// behaves like the store as far as Seed can tell: it validates and
// normalises with gridinspect.DefaultRules, places gridless reports,
// subjects and patrols by their location, refuses unknown grids and
// subjects and taken names and credit codes, and answers a repeated id
// with the stored object (or EEXISTS when the content differs). It is
// here because store/ is being written alongside this package; a test
// against the real store should replace it.
type fakeServices struct {
	rules gi.Rules
	now   time.Time

	mu       sync.Mutex
	grids    map[string]*gi.Grid
	subjects map[string]*gi.Subject
	reports  map[string]*gi.Report
	patrols  map[string]*gi.Patrol
	order    []string // grid ids in creation order
	created  int      // objects created (not found again)
}

func newFake(now time.Time) *fakeServices {
	return &fakeServices{
		rules:    gi.DefaultRules,
		now:      now,
		grids:    map[string]*gi.Grid{},
		subjects: map[string]*gi.Subject{},
		reports:  map[string]*gi.Report{},
		patrols:  map[string]*gi.Patrol{},
	}
}

var (
	_ gi.DirectoryService = (*fakeServices)(nil)
	_ gi.ReportService    = (*fakeServices)(nil)
)

func requireAdmin(ctx context.Context) error {
	a, err := gi.RequireActor(ctx)
	if err != nil {
		return err
	}
	if a.Role != gi.RoleAdmin || !a.AllGrids {
		return gi.ErrOutOfScope
	}
	return nil
}

// placeLocked returns the id of the one grid containing p, as the store
// places gridless objects.
func (f *fakeServices) placeLocked(p gi.LatLng) (string, error) {
	var found []string
	for _, id := range f.order {
		if f.grids[id].Boundary.Contains(p) {
			found = append(found, id)
		}
	}
	if len(found) != 1 {
		return "", gi.Errorf(gi.EINVALID, "%d grids contain (%.6f, %.6f)", len(found), p.Lat, p.Lng)
	}
	return found[0], nil
}

func (f *fakeServices) CreateGrid(ctx context.Context, in *gi.Grid) (*gi.Grid, error) {
	if err := requireAdmin(ctx); err != nil {
		return nil, err
	}
	if err := f.rules.ValidateGrid(in); err != nil {
		return nil, err
	}
	g := *in
	g.Boundary = cloneBoundary(in.Boundary)
	f.rules.NormalizeGrid(&g)
	f.mu.Lock()
	defer f.mu.Unlock()
	if old, ok := f.grids[g.ID]; ok {
		g.CreatedAt = old.CreatedAt
		if !reflect.DeepEqual(*old, g) {
			return nil, gi.Errorf(gi.EEXISTS, "grid %s exists with different content", g.ID)
		}
		return old, nil
	}
	for _, old := range f.grids {
		if old.Name == g.Name {
			return nil, gi.Errorf(gi.EINVALID, "grid name %s is taken", g.Name)
		}
	}
	g.CreatedAt = f.now
	f.grids[g.ID] = &g
	f.order = append(f.order, g.ID)
	f.created++
	return &g, nil
}

func (f *fakeServices) GetGrid(ctx context.Context, id string) (*gi.Grid, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if g, ok := f.grids[id]; ok {
		return g, nil
	}
	return nil, gi.Errorf(gi.ENOTFOUND, "no grid %s", id)
}

func (f *fakeServices) ListGrids(ctx context.Context, pageSize int, pageToken string) ([]*gi.Grid, string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []*gi.Grid
	for _, id := range f.order {
		out = append(out, f.grids[id])
	}
	return out, "", nil
}

func (f *fakeServices) CreateSubject(ctx context.Context, in *gi.Subject) (*gi.Subject, error) {
	if err := requireAdmin(ctx); err != nil {
		return nil, err
	}
	if err := f.rules.ValidateSubject(in); err != nil {
		return nil, err
	}
	s := *in
	f.rules.NormalizeSubject(&s)
	f.mu.Lock()
	defer f.mu.Unlock()
	if s.GridID == "" {
		id, err := f.placeLocked(s.Location.Point())
		if err != nil {
			return nil, err
		}
		s.GridID = id
	} else if f.grids[s.GridID] == nil {
		return nil, gi.Errorf(gi.EINVALID, "unknown grid %s", s.GridID)
	}
	if old, ok := f.subjects[s.ID]; ok {
		s.CreatedAt = old.CreatedAt
		if !reflect.DeepEqual(*old, s) {
			return nil, gi.Errorf(gi.EEXISTS, "subject %s exists with different content", s.ID)
		}
		return old, nil
	}
	for _, old := range f.subjects {
		if s.CreditCode != "" && old.CreditCode == s.CreditCode {
			return nil, gi.Errorf(gi.EINVALID, "credit code %s is registered to %s", s.CreditCode, old.Name)
		}
	}
	s.CreatedAt = f.now
	f.subjects[s.ID] = &s
	f.created++
	return &s, nil
}

func (f *fakeServices) GetSubject(ctx context.Context, id string) (*gi.SubjectFile, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s, ok := f.subjects[id]
	if !ok {
		return nil, gi.Errorf(gi.ENOTFOUND, "no subject %s", id)
	}
	file := &gi.SubjectFile{Subject: s}
	for _, r := range f.reports {
		if r.SubjectID == id {
			file.Reports = append(file.Reports, r)
		}
	}
	for _, p := range f.patrols {
		if p.SubjectID == id {
			file.Patrols = append(file.Patrols, p)
		}
	}
	return file, nil
}

func (f *fakeServices) ListSubjects(ctx context.Context, flt gi.SubjectFilter) ([]*gi.Subject, string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []*gi.Subject
	for _, s := range f.subjects {
		out = append(out, s)
	}
	return out, "", nil
}

// clientReport keeps only what a client gives, for comparing a repeat.
func clientReport(r gi.Report) gi.Report {
	return gi.Report{
		ID: r.ID, Category: r.Category, Severity: r.Severity, Description: r.Description,
		Location: r.Location, GridID: r.GridID, SubjectID: r.SubjectID, ObservedAt: r.ObservedAt,
		PhotoIDs: r.PhotoIDs, RectifiedOnSpot: r.RectifiedOnSpot, PatrolID: r.PatrolID, Details: r.Details,
	}
}

func (f *fakeServices) SubmitReport(ctx context.Context, in *gi.Report) (*gi.Report, bool, error) {
	if err := requireAdmin(ctx); err != nil {
		return nil, false, err
	}
	if err := f.rules.ValidateReport(in); err != nil {
		return nil, false, err
	}
	r := clientReport(*in)
	r.PhotoIDs = slices.Clone(in.PhotoIDs)
	f.rules.NormalizeReport(&r, f.now)
	f.mu.Lock()
	defer f.mu.Unlock()
	if r.GridID == "" {
		id, err := f.placeLocked(r.Location.Point())
		if err != nil {
			return nil, false, err
		}
		r.GridID = id
	} else if f.grids[r.GridID] == nil {
		return nil, false, gi.Errorf(gi.EINVALID, "unknown grid %s", r.GridID)
	}
	if r.SubjectID != "" {
		s := f.subjects[r.SubjectID]
		switch {
		case s == nil:
			return nil, false, gi.Errorf(gi.EINVALID, "unknown subject %s", r.SubjectID)
		case r.Category == gi.CategoryWaterSourceRisk && s.Kind != gi.SubjectKindWaterSource:
			return nil, false, gi.Errorf(gi.EINVALID, "subject %s is not a water source", s.Name)
		case r.Category == gi.CategoryDangerousHouse && s.Kind != gi.SubjectKindHousehold:
			return nil, false, gi.Errorf(gi.EINVALID, "subject %s is not a household", s.Name)
		}
	}
	if old, ok := f.reports[r.ID]; ok {
		if !reflect.DeepEqual(clientReport(*old), clientReport(r)) {
			return nil, false, gi.Errorf(gi.EEXISTS, "report %s exists with different content", r.ID)
		}
		return old, true, nil
	}
	r.Status, r.Version, r.ReceivedAt = gi.StatusReported, 1, f.now
	if r.RectifiedOnSpot {
		r.Status = gi.StatusPendingVerification
	}
	f.reports[r.ID] = &r
	f.created++
	return &r, false, nil
}

func (f *fakeServices) GetReport(ctx context.Context, id string) (*gi.Report, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if r, ok := f.reports[id]; ok {
		return r, nil
	}
	return nil, gi.Errorf(gi.ENOTFOUND, "no report %s", id)
}

func (f *fakeServices) ListReports(ctx context.Context, flt gi.ReportFilter) ([]*gi.Report, string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []*gi.Report
	for _, r := range f.reports {
		out = append(out, r)
	}
	return out, "", nil
}

// clientPatrol keeps only what a client gives, for comparing a repeat.
func clientPatrol(p gi.Patrol) gi.Patrol {
	p.ReporterID, p.ReceivedAt, p.ClockSkewFlagged = "", time.Time{}, false
	return p
}

func (f *fakeServices) SubmitPatrol(ctx context.Context, in *gi.Patrol) (*gi.Patrol, bool, error) {
	if err := requireAdmin(ctx); err != nil {
		return nil, false, err
	}
	if err := f.rules.ValidatePatrol(in); err != nil {
		return nil, false, err
	}
	p := clientPatrol(*in)
	p.Track = slices.Clone(in.Track)
	p.ReportIDs = slices.Clone(in.ReportIDs)
	f.rules.NormalizePatrol(&p, f.now)
	f.mu.Lock()
	defer f.mu.Unlock()
	if p.GridID == "" {
		id, err := f.placeLocked(gi.LatLng{Lat: p.Track[0].Lat, Lng: p.Track[0].Lng})
		if err != nil {
			return nil, false, err
		}
		p.GridID = id
	} else if f.grids[p.GridID] == nil {
		return nil, false, gi.Errorf(gi.EINVALID, "unknown grid %s", p.GridID)
	}
	if p.SubjectID != "" {
		s := f.subjects[p.SubjectID]
		switch {
		case s == nil:
			return nil, false, gi.Errorf(gi.EINVALID, "unknown subject %s", p.SubjectID)
		case p.Kind == gi.PatrolKindWaterSource && s.Kind != gi.SubjectKindWaterSource:
			return nil, false, gi.Errorf(gi.EINVALID, "subject %s is not a water source", s.Name)
		}
	}
	if old, ok := f.patrols[p.ID]; ok {
		if !reflect.DeepEqual(clientPatrol(*old), clientPatrol(p)) {
			return nil, false, gi.Errorf(gi.EEXISTS, "patrol %s exists with different content", p.ID)
		}
		return old, true, nil
	}
	p.ReceivedAt = f.now
	f.patrols[p.ID] = &p
	f.created++
	return &p, false, nil
}

func (f *fakeServices) ListPatrols(ctx context.Context, flt gi.PatrolFilter) ([]*gi.Patrol, string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []*gi.Patrol
	for _, p := range f.patrols {
		out = append(out, p)
	}
	return out, "", nil
}

func cloneBoundary(b gi.Boundary) gi.Boundary {
	out := make(gi.Boundary, len(b))
	for i, poly := range b {
		out[i] = make([][]gi.LatLng, len(poly))
		for j, ring := range poly {
			out[i][j] = slices.Clone(ring)
		}
	}
	return out
}
