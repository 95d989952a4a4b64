package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/google/uuid"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

// What the load clients send, and how they log in.

// dialOptions are the connection settings of every client: plaintext on
// loopback (TLS off on both sides), the gRPC defaults otherwise.
func dialOptions() []grpc.DialOption {
	return []grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(64 << 20))}
}

// login logs username in on deviceID and returns a context that carries
// the token on every call made with it.
func login(ctx context.Context, conn *grpc.ClientConn, username, password, deviceID string) (context.Context, error) {
	resp, err := pb.NewAuthServiceClient(conn).Login(ctx, &pb.LoginRequest{Username: username, Password: password, DeviceId: deviceID})
	if err != nil {
		return nil, fmt.Errorf("log in as %s: %w", username, err)
	}
	return metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+resp.GetToken()), nil
}

// newID returns a UUIDv7, as phones make their ids.
func newID() string { return uuid.Must(uuid.NewV7()).String() }

// area is where a worker's reports are: inside its grid's bounding box,
// away from the edges.
type area struct{ lat0, lng0, lat1, lng1 float64 }

// gridArea reads the first grid the caller sees and returns the middle
// half of its bounding box, and the grid's id.
func gridArea(ctx context.Context, conn *grpc.ClientConn) (area, string, error) {
	resp, err := pb.NewDirectoryServiceClient(conn).ListGrids(ctx, &pb.ListGridsRequest{PageSize: 1})
	if err != nil {
		return area{}, "", fmt.Errorf("list grids: %w", err)
	}
	if len(resp.GetGrids()) == 0 {
		return area{}, "", fmt.Errorf("list grids: the caller sees no grid")
	}
	g := resp.GetGrids()[0]
	return middleOf(g), g.GetId(), nil
}

// middleOf returns the middle half of g's bounding box.
func middleOf(g *pb.Grid) area {
	b := area{lat0: 90, lng0: 180, lat1: -90, lng1: -180}
	for _, poly := range g.GetBoundary() {
		for _, ring := range poly.GetRings() {
			for _, p := range ring.GetPoints() {
				b.lat0, b.lat1 = min(b.lat0, p.GetLatitude()), max(b.lat1, p.GetLatitude())
				b.lng0, b.lng1 = min(b.lng0, p.GetLongitude()), max(b.lng1, p.GetLongitude())
			}
		}
	}
	dLat, dLng := (b.lat1-b.lat0)/4, (b.lng1-b.lng0)/4
	return area{b.lat0 + dLat, b.lng0 + dLng, b.lat1 - dLat, b.lng1 - dLng}
}

// hazards are what workers write about the hazards they find.
var hazards = []string{
	"仓库内灭火器过期,安全出口被货物堵塞,疏散通道宽度不足一米",
	"车间木屑粉尘堆积,电气线路未穿管保护,配电箱无防尘措施",
	"独居老人家中液化气软管超期使用且有裂纹,未安装燃气报警器",
	"电动车在楼道内充电,充电线从三楼窗口飞线拉下,楼道堆放纸箱",
}

// newHazard returns a new safety-hazard report somewhere in a, observed
// at a random time up to within before now, with no grid: the server
// places it, as it does for a phone's report. Its wire form is about 300
// bytes.
func newHazard(a area, within time.Duration) *pb.Report {
	return &pb.Report{
		Id:          newID(),
		Category:    pb.Category_CATEGORY_SAFETY_HAZARD,
		Severity:    pb.Severity_SEVERITY_GENERAL,
		Description: hazards[rand.IntN(len(hazards))],
		Location: &pb.Location{Latitude: a.lat0 + rand.Float64()*(a.lat1-a.lat0), Longitude: a.lng0 + rand.Float64()*(a.lng1-a.lng0),
			AccuracyMeters: 8, Address: fmt.Sprintf("%d组%d号", 1+rand.IntN(12), 1+rand.IntN(80)),
			CoordinateSystem: pb.CoordinateSystem_COORDINATE_SYSTEM_WGS84},
		ObservedAt: timestamppb.New(time.Now().Add(-time.Duration(rand.Int64N(int64(within))))),
		Details: &pb.Report_SafetyHazard{SafetyHazard: &pb.SafetyHazardDetails{
			HazardKind: pb.HazardKind(1 + rand.IntN(6)), PlaceKind: pb.PlaceKind(1 + rand.IntN(5))}},
	}
}
