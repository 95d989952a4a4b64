package server

import (
	"strconv"

	"github.com/gridinspect/gridinspect"
	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

func fromGrid(g *pb.Grid) *gridinspect.Grid {
	out := &gridinspect.Grid{
		ID:             g.GetId(),
		Name:           g.GetName(),
		Kind:           gridinspect.GridKind(g.GetKind()),
		BoundarySystem: gridinspect.CoordinateSystem(g.GetBoundaryCoordinateSystem()),
		Order:          int(g.GetOrder()),
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
		Order:                    int32(g.Order),
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

func toUser(u *gridinspect.User) *pb.User {
	return &pb.User{
		Id:          u.ID,
		Username:    u.Username,
		DisplayName: u.DisplayName,
		Role:        pb.Role(u.Role),
		GridIds:     u.GridIDs,
		AllGrids:    u.AllGrids,
		Disabled:    u.Disabled,
		CreatedAt:   toTimestamp(u.CreatedAt),
	}
}

func fromUser(u *pb.User) *gridinspect.User {
	return &gridinspect.User{
		Username:    u.GetUsername(),
		DisplayName: u.GetDisplayName(),
		Role:        gridinspect.Role(u.GetRole()),
		GridIDs:     append([]string(nil), u.GetGridIds()...),
		AllGrids:    u.GetAllGrids(),
	}
}

// fromUserUpdate turns UpdateUser's field mask into the domain's update;
// an unknown field name is refused rather than ignored.
func fromUserUpdate(req *pb.UpdateUserRequest) (gridinspect.UserUpdate, error) {
	var upd gridinspect.UserUpdate
	u := req.GetUser()
	if len(req.GetUpdateFields()) == 0 {
		return upd, invalid("update_fields", "须至少指定一项要修改的内容", "name at least one field to change")
	}
	for i, f := range req.GetUpdateFields() {
		switch f {
		case "display_name":
			upd.DisplayName = ptr(u.GetDisplayName())
		case "role":
			upd.Role = ptr(gridinspect.Role(u.GetRole()))
		case "grid_ids":
			upd.GridIDs = ptr(append([]string(nil), u.GetGridIds()...))
		case "all_grids":
			upd.AllGrids = ptr(u.GetAllGrids())
		case "password":
			upd.Password = ptr(req.GetPassword())
		default:
			return upd, invalid("update_fields["+strconv.Itoa(i)+"]", "无法识别的字段 "+strconv.Quote(f)+"，可改的有 display_name、role、grid_ids、all_grids、password", "unknown field %q; one of display_name, role, grid_ids, all_grids, password", f)
		}
	}
	return upd, nil
}

func ptr[T any](v T) *T { return &v }
