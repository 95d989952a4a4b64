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
var errTooManyLogins = gridinspect.Errorf(gridinspect.ELIMIT, "too many login attempts; wait a minute and try again").
	Zh("登录尝试过多，请一分钟后再试")

// BearerToken authenticates calls by their "authorization: Bearer <token>"
// metadata.
func BearerToken(auth gridinspect.AuthService) Authenticator {
	return func(ctx context.Context) (*gridinspect.Actor, error) {
		token, err := bearerToken(ctx)
		if err != nil {
			return nil, err
		}
		return auth.Authenticate(ctx, token)
	}
}

// bearerToken returns the token of a call's "authorization: Bearer
// <token>" metadata.
func bearerToken(ctx context.Context) (string, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	values := md.Get("authorization")
	if len(values) != 1 {
		return "", gridinspect.Errorf(gridinspect.EUNAUTHENTICATED, "missing authorization: Bearer <token>; log in with AuthService.Login").Zh("请先登录")
	}
	scheme, token, ok := strings.Cut(values[0], " ")
	if !ok || !strings.EqualFold(scheme, "bearer") || token == "" {
		return "", gridinspect.Errorf(gridinspect.EUNAUTHENTICATED, "authorization must be \"Bearer <token>\"").Zh("登录凭据格式不对，请重新登录")
	}
	return strings.TrimSpace(token), nil
}

// authService serves AuthService.
type authService struct {
	pb.UnimplementedAuthServiceServer
	s      *Server
	limits *loginLimiter
}

// remoteHost is the caller's address without its port: for a call made
// over HTTP, the HTTP client's.
func remoteHost(ctx context.Context) string {
	if host, ok := gatewayClientHost(ctx); ok {
		return host
	}
	p, ok := peer.FromContext(ctx)
	if !ok || p.Addr == nil {
		return ""
	}
	if host, _, err := net.SplitHostPort(p.Addr.String()); err == nil {
		return host
	}
	return p.Addr.String()
}

// Login checks a password within the LoginLimits. A device may send, as
// "authorization: Bearer <token>", the token of an earlier session of the
// user on it (even one that expired or was logged out): proof that it is a
// device the user logged in on before, which someone else's guesses do not
// lock out. The device id alone proves nothing: any client may claim one.
func (h *authService) Login(ctx context.Context, req *pb.LoginRequest) (*pb.LoginResponse, error) {
	username := gridinspect.FoldUsername(req.GetUsername())
	device, err := h.knownDevice(ctx, username, req.GetDeviceId())
	if err != nil {
		return nil, h.s.status(ctx, err)
	}
	charge, ok := h.limits.admit(h.s.now(), username, remoteHost(ctx), device)
	if !ok {
		return nil, h.s.status(ctx, errTooManyLogins)
	}
	sess, err := h.s.cfg.Auth.Login(ctx, req.GetUsername(), req.GetPassword(), req.GetDeviceId())
	if gridinspect.ErrorCode(err) != gridinspect.EUNAUTHENTICATED {
		// Only a failed password check counts: not a success, nor a
		// request refused before any password was checked.
		charge.giveBack(h.s.now())
	}
	if err != nil {
		return nil, h.s.status(ctx, err)
	}
	return &pb.LoginResponse{Token: sess.Token, ExpiresAt: toTimestamp(sess.ExpiresAt), User: toUser(sess.User)}, nil
}

// knownDevice returns deviceID when the Login carries a token that proves
// the user logged in on that device before, and "" when it carries none or
// one that proves nothing.
func (h *authService) knownDevice(ctx context.Context, username, deviceID string) (string, error) {
	token, err := bearerToken(ctx)
	if err != nil {
		return "", nil // no proof offered
	}
	known, err := h.s.cfg.Auth.KnownDevice(ctx, username, deviceID, token)
	if err != nil || !known {
		return "", err
	}
	return deviceID, nil
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
	streets, err := h.s.cfg.Users.CallerStreets(ctx)
	if err != nil {
		return nil, h.s.status(ctx, err)
	}
	resp := &pb.WhoAmIResponse{User: toUser(u), DeviceId: a.DeviceID}
	for _, s := range streets {
		resp.Streets = append(resp.Streets, &pb.Street{Id: s.ID, Name: s.Name})
	}
	return resp, nil
}

func (h *authService) RevokeTokens(ctx context.Context, req *pb.RevokeTokensRequest) (*pb.RevokeTokensResponse, error) {
	n, err := h.s.cfg.Auth.RevokeTokens(ctx, req.GetUserId())
	if err != nil {
		return nil, h.s.status(ctx, err)
	}
	return &pb.RevokeTokensResponse{Revoked: int32(n)}, nil
}
