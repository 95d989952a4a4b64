package server_test

import (
	"context"
	"math"
	"slices"
	"testing"

	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

func TestInvalidGridBoundariesAreRefusedNamingTheCoordinate(t *testing.T) {
	h := newHarness(t)
	tests := []struct {
		name   string
		change func(b []*pb.Polygon)
		field  string
	}{
		{"latitude not a number", func(b []*pb.Polygon) { b[0].Rings[0].Points[2].Latitude = math.NaN() },
			"grid.boundary[0].rings[0].points[2].latitude"},
		{"infinite longitude", func(b []*pb.Polygon) { b[0].Rings[0].Points[1].Longitude = math.Inf(1) },
			"grid.boundary[0].rings[0].points[1].longitude"},
		{"longitude past the antimeridian", func(b []*pb.Polygon) { b[0].Rings[0].Points[3].Longitude = 200 },
			"grid.boundary[0].rings[0].points[3].longitude"},
		{"latitude north of China", func(b []*pb.Polygon) { b[0].Rings[0].Points[0].Latitude = 60 },
			"grid.boundary[0].rings[0].points[0].latitude"},
		{"a hole of the second polygon", func(b []*pb.Polygon) {
			b[1].Rings = append(b[1].Rings, &pb.LinearRing{Points: []*pb.LatLng{
				{Latitude: 31.61, Longitude: 118.61}, {Latitude: math.NaN(), Longitude: 118.62}, {Latitude: 31.62, Longitude: 118.62},
			}})
		}, "grid.boundary[1].rings[1].points[1].latitude"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := append(square(31.5, 118.5, 31.52, 118.52), square(31.6, 118.6, 31.7, 118.7)...)
			tt.change(b)
			_, err := h.dirs.CreateGrid(as(context.Background(), "admin"), &pb.CreateGridRequest{Grid: &pb.Grid{
				Id: newID(), Name: "新村" + newID()[:8], Kind: pb.GridKind_GRID_KIND_VILLAGE, Boundary: b,
			}})
			if fields := violations(t, err); !slices.Contains(fields, tt.field) {
				t.Errorf("field violations = %v, want one for %s", fields, tt.field)
			}
		})
	}
}
