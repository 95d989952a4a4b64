package server

import (
	"github.com/gridinspect/gridinspect"
	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

func fromGrid(g *pb.Grid) *gridinspect.Grid {
	out := &gridinspect.Grid{
		ID:             g.GetId(),
		Name:           g.GetName(),
		Kind:           gridinspect.GridKind(g.GetKind()),
		BoundarySystem: gridinspect.CoordinateSystem(g.GetBoundaryCoordinateSystem()),
	}
	for _, poly := range g.GetBoundary() {
		var rings [][]gridinspect.LatLng
		for _, ring := range poly.GetRings() {
			var pts []gridinspect.LatLng
			for _, p := range ring.GetPoints() {
				pts = append(pts, gridinspect.LatLng{Lat: p.GetLatitude(), Lng: p.GetLongitude()})
			}
			rings = append(rings, pts)
		}
		out.Boundary = append(out.Boundary, rings)
	}
	return out
}

func toGrid(g *gridinspect.Grid) *pb.Grid {
	out := &pb.Grid{
		Id:                       g.ID,
		Name:                     g.Name,
		Kind:                     pb.GridKind(g.Kind),
		BoundaryCoordinateSystem: pb.CoordinateSystem(g.BoundarySystem),
		CreatedAt:                toTimestamp(g.CreatedAt),
	}
	for _, poly := range g.Boundary {
		p := &pb.Polygon{}
		for _, ring := range poly {
			r := &pb.LinearRing{}
			for _, pt := range ring {
				r.Points = append(r.Points, &pb.LatLng{Latitude: pt.Lat, Longitude: pt.Lng})
			}
			p.Rings = append(p.Rings, r)
		}
		out.Boundary = append(out.Boundary, p)
	}
	return out
}

func fromSubject(s *pb.Subject) *gridinspect.Subject {
	return &gridinspect.Subject{
		ID:           s.GetId(),
		Kind:         gridinspect.SubjectKind(s.GetKind()),
		Name:         s.GetName(),
		GridID:       s.GetGridId(),
		Location:     fromLocation(s.GetLocation()),
		CreditCode:   s.GetCreditCode(),
		ContactName:  s.GetContactName(),
		ContactPhone: s.GetContactPhone(),
		Notes:        s.GetNotes(),
	}
}

func toSubject(s *gridinspect.Subject) *pb.Subject {
	return &pb.Subject{
		Id:           s.ID,
		Kind:         pb.SubjectKind(s.Kind),
		Name:         s.Name,
		GridId:       s.GridID,
		Location:     toLocation(s.Location),
		CreditCode:   s.CreditCode,
		ContactName:  s.ContactName,
		ContactPhone: s.ContactPhone,
		Notes:        s.Notes,
		CreatedAt:    toTimestamp(s.CreatedAt),
	}
}

func fromSubjectFilter(r *pb.ListSubjectsRequest) gridinspect.SubjectFilter {
	f := gridinspect.SubjectFilter{
		GridIDs:   r.GetGridIds(),
		Query:     r.GetQuery(),
		PageSize:  int(r.GetPageSize()),
		PageToken: r.GetPageToken(),
	}
	for _, k := range r.GetKinds() {
		f.Kinds = append(f.Kinds, gridinspect.SubjectKind(k))
	}
	return f
}
