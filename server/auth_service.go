package server

import (
	"context"
	"net"
	"strings"

	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"

	"github.com/gridinspect/gridinspect"
	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

// loginMethod is the one RPC, besides health and reflection, that needs
// no token.
const loginMethod = "/gridinspect.v1.AuthService/Login"

// errTooManyLogins answers a login past its limit.
var errTooManyLogins = gridinspect.Errorf(gridinspect.ELIMIT, "too many login attempts; wait a minute and try again")

// BearerToken authenticates calls by their "authorization: Bearer <token>"
// metadata.
func BearerToken(auth gridinspect.AuthService) Authenticator {
	return func(ctx context.Context) (*gridinspect.Actor, error) {
		md, _ := metadata.FromIncomingContext(ctx)
		values := md.Get("authorization")
		if len(values) != 1 {
			return nil, gridinspect.Errorf(gridinspect.EUNAUTHENTICATED, "missing authorization: Bearer <token>; log in with AuthService.Login")
		}
		scheme, token, ok := strings.Cut(values[0], " ")
		if !ok || !strings.EqualFold(scheme, "bearer") || token == "" {
			return nil, gridinspect.Errorf(gridinspect.EUNAUTHENTICATED, "authorization must be \"Bearer <token>\"")
		}
		return auth.Authenticate(ctx, strings.TrimSpace(token))
	}
}

// authService serves AuthService.
type authService struct {
	pb.UnimplementedAuthServiceServer
	s          *Server
	byUsername *keyedLimiter
	byAddress  *keyedLimiter
}

// remoteHost is the caller's address without its port.
func remoteHost(ctx context.Context) string {
	p, ok := peer.FromContext(ctx)
	if !ok || p.Addr == nil {
		return ""
	}
	if host, _, err := net.SplitHostPort(p.Addr.String()); err == nil {
		return host
	}
	return p.Addr.String()
}

func (h *authService) Login(ctx context.Context, req *pb.LoginRequest) (*pb.LoginResponse, error) {
	now := h.s.now()
	// Both limits are charged on every attempt, so neither tells whether
	// the username exists.
	userOK := h.byUsername.allow(strings.ToLower(req.GetUsername()), now)
	addrOK := h.byAddress.allow(remoteHost(ctx), now)
	if !userOK || !addrOK {
		return nil, h.s.status(ctx, errTooManyLogins)
	}
	sess, err := h.s.cfg.Auth.Login(ctx, req.GetUsername(), req.GetPassword(), req.GetDeviceId())
	if err != nil {
		return nil, h.s.status(ctx, err)
	}
	return &pb.LoginResponse{Token: sess.Token, ExpiresAt: toTimestamp(sess.ExpiresAt), User: toUser(sess.User)}, nil
}

func (h *authService) Logout(ctx context.Context, _ *pb.LogoutRequest) (*pb.LogoutResponse, error) {
	if err := h.s.cfg.Auth.Logout(ctx); err != nil {
		return nil, h.s.status(ctx, err)
	}
	return &pb.LogoutResponse{}, nil
}

func (h *authService) WhoAmI(ctx context.Context, _ *pb.WhoAmIRequest) (*pb.WhoAmIResponse, error) {
	a, err := gridinspect.RequireActor(ctx)
	if err != nil {
		return nil, h.s.status(ctx, err)
	}
	u, err := h.s.cfg.Users.GetUser(ctx, a.UserID)
	if err != nil {
		return nil, h.s.status(ctx, err)
	}
	return &pb.WhoAmIResponse{User: toUser(u), DeviceId: a.DeviceID}, nil
}

func (h *authService) RevokeTokens(ctx context.Context, req *pb.RevokeTokensRequest) (*pb.RevokeTokensResponse, error) {
	n, err := h.s.cfg.Auth.RevokeTokens(ctx, req.GetUserId())
	if err != nil {
		return nil, h.s.status(ctx, err)
	}
	return &pb.RevokeTokensResponse{Revoked: int32(n)}, nil
}
