package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

// fakeServer is an in-memory AuthService and DirectoryService, enough to
// drive gridctl without the real server: it checks bearer tokens, pages its
// lists in small pages, and answers bad input the way the real one does
// (InvalidArgument with google.rpc.BadRequest field violations).
type fakeServer struct {
	pb.UnimplementedAuthServiceServer
	pb.UnimplementedDirectoryServiceServer

	addr string

	mu        sync.Mutex
	pageSize  int
	users     []*pb.User
	passwords map[string]string // user id → password
	tokens    map[string]string // token → user id
	devices   map[string]string // token → device id
	grids     []*pb.Grid
	calls     []fakeCall
	nextToken int
}

// fakeCall is what one call carried.
type fakeCall struct {
	method        string
	authorization string
	requestID     string
}

var fakeUsernameRE = regexp.MustCompile(`^[a-z0-9._-]{2,32}$`)

// Fixed ids of the fake's street.
const (
	fakeAdminID   = "01900000-0000-7000-8000-0000000000a1"
	fakeGridHong  = "01900000-0000-7000-8000-00000000000a"
	fakeGridJin   = "01900000-0000-7000-8000-00000000000b"
	fakeAdminPass = "admin-password"
)

// startFake serves a fake on a loopback port; with cert, over TLS.
func startFake(t *testing.T, cert *tls.Certificate) *fakeServer {
	t.Helper()
	f := &fakeServer{
		pageSize:  2,
		passwords: map[string]string{fakeAdminID: fakeAdminPass},
		tokens:    map[string]string{},
		devices:   map[string]string{},
		users: []*pb.User{{
			Id: fakeAdminID, Username: "admin", DisplayName: "管理员", Role: pb.Role_ROLE_ADMIN, AllGrids: true,
		}},
	}
	for i, name := range []string{"红星村", "金石社区", "Riverside", "东湖村", "西岭社区"} {
		id := fakeGridHong
		switch i {
		case 0:
		case 1:
			id = fakeGridJin
		default:
			id = fmt.Sprintf("01900000-0000-7000-8000-00000000010%d", i)
		}
		kind := pb.GridKind_GRID_KIND_VILLAGE
		if strings.HasSuffix(name, "社区") {
			kind = pb.GridKind_GRID_KIND_COMMUNITY
		}
		f.grids = append(f.grids, &pb.Grid{Id: id, Name: name, Kind: kind})
	}
	var opts []grpc.ServerOption
	if cert != nil {
		opts = append(opts, grpc.Creds(credentials.NewTLS(&tls.Config{Certificates: []tls.Certificate{*cert}, MinVersion: tls.VersionTLS12})))
	}
	opts = append(opts, grpc.UnaryInterceptor(f.intercept))
	s := grpc.NewServer(opts...)
	pb.RegisterAuthServiceServer(s, f)
	pb.RegisterDirectoryServiceServer(s, f)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f.addr = lis.Addr().String()
	go func() { _ = s.Serve(lis) }()
	t.Cleanup(s.Stop)
	return f
}

type fakeUserKey struct{}

// intercept records the call's metadata, echoes the request id, and
// authenticates every call but Login.
func (f *fakeServer) intercept(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	call := fakeCall{method: info.FullMethod[strings.LastIndex(info.FullMethod, "/")+1:]}
	if v := md.Get("authorization"); len(v) > 0 {
		call.authorization = v[0]
	}
	if v := md.Get("x-request-id"); len(v) > 0 {
		call.requestID = v[0]
		_ = grpc.SetHeader(ctx, metadata.Pairs("x-request-id", v[0]))
	}
	f.mu.Lock()
	f.calls = append(f.calls, call)
	f.mu.Unlock()
	if call.method == "Login" {
		return handler(ctx, req)
	}
	token, ok := strings.CutPrefix(call.authorization, "Bearer ")
	f.mu.Lock()
	_, known := f.tokens[token]
	f.mu.Unlock()
	if !ok || !known {
		return nil, status.Error(codes.Unauthenticated, "not logged in")
	}
	ctx = context.WithValue(ctx, fakeUserKey{}, token)
	return handler(ctx, req)
}

func (f *fakeServer) callsOf(method string) []fakeCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []fakeCall
	for _, c := range f.calls {
		if c.method == method {
			out = append(out, c)
		}
	}
	return out
}

func (f *fakeServer) allCalls() []fakeCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

// issueToken gives a token to the user, as a login would.
func (f *fakeServer) issueToken(userID, device string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nextToken++
	tok := fmt.Sprintf("tok-%d-%s", f.nextToken, userID[len(userID)-4:])
	f.tokens[tok] = userID
	f.devices[tok] = device
	return tok
}

func (f *fakeServer) userByID(id string) *pb.User {
	for _, u := range f.users {
		if u.GetId() == id {
			return u
		}
	}
	return nil
}

func (f *fakeServer) caller(ctx context.Context) (*pb.User, string) {
	tok, _ := ctx.Value(fakeUserKey{}).(string)
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.userByID(f.tokens[tok]), tok
}

func (f *fakeServer) Login(_ context.Context, req *pb.LoginRequest) (*pb.LoginResponse, error) {
	f.mu.Lock()
	var u *pb.User
	for _, c := range f.users {
		if c.GetUsername() == req.GetUsername() && !c.GetDisabled() && f.passwords[c.GetId()] == req.GetPassword() {
			u = c
		}
	}
	f.mu.Unlock()
	if u == nil {
		return nil, status.Error(codes.Unauthenticated, "wrong username or password")
	}
	tok := f.issueToken(u.GetId(), req.GetDeviceId())
	return &pb.LoginResponse{Token: tok, User: u, ExpiresAt: timestamppb.New(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))}, nil
}

func (f *fakeServer) Logout(ctx context.Context, _ *pb.LogoutRequest) (*pb.LogoutResponse, error) {
	_, tok := f.caller(ctx)
	f.mu.Lock()
	delete(f.tokens, tok)
	f.mu.Unlock()
	return &pb.LogoutResponse{}, nil
}

func (f *fakeServer) WhoAmI(ctx context.Context, _ *pb.WhoAmIRequest) (*pb.WhoAmIResponse, error) {
	u, tok := f.caller(ctx)
	f.mu.Lock()
	defer f.mu.Unlock()
	return &pb.WhoAmIResponse{User: u, DeviceId: f.devices[tok]}, nil
}

func (f *fakeServer) RevokeTokens(_ context.Context, req *pb.RevokeTokensRequest) (*pb.RevokeTokensResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.userByID(req.GetUserId()) == nil {
		return nil, status.Error(codes.NotFound, "user not found")
	}
	n := int32(0)
	for tok, uid := range f.tokens {
		if uid == req.GetUserId() {
			delete(f.tokens, tok)
			n++
		}
	}
	return &pb.RevokeTokensResponse{Revoked: n}, nil
}

// page returns items[offset:offset+size] and the next token.
func page[T any](items []T, token string, size int) ([]T, string) {
	off, _ := strconv.Atoi(token)
	end := min(off+size, len(items))
	if off > end {
		off = end
	}
	next := ""
	if end < len(items) {
		next = strconv.Itoa(end)
	}
	return items[off:end], next
}

func (f *fakeServer) ListGrids(_ context.Context, req *pb.ListGridsRequest) (*pb.ListGridsResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	grids, next := page(f.grids, req.GetPageToken(), f.pageSize)
	return &pb.ListGridsResponse{Grids: grids, NextPageToken: next}, nil
}

func (f *fakeServer) ListUsers(_ context.Context, req *pb.ListUsersRequest) (*pb.ListUsersResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var users []*pb.User
	for _, u := range f.users {
		if req.GetGridId() == "" || slices.Contains(u.GetGridIds(), req.GetGridId()) {
			users = append(users, u)
		}
	}
	users, next := page(users, req.GetPageToken(), f.pageSize)
	return &pb.ListUsersResponse{Users: users, NextPageToken: next}, nil
}

func (f *fakeServer) CreateUser(ctx context.Context, req *pb.CreateUserRequest) (*pb.CreateUserResponse, error) {
	if caller, _ := f.caller(ctx); caller.GetRole() != pb.Role_ROLE_ADMIN {
		return nil, status.Error(codes.PermissionDenied, "admins only")
	}
	var bad []*errdetails.BadRequest_FieldViolation
	u := proto.Clone(req.GetUser()).(*pb.User)
	if !fakeUsernameRE.MatchString(u.GetUsername()) {
		bad = append(bad, &errdetails.BadRequest_FieldViolation{Field: "user.username", Description: "lower-case letters, digits, '.', '_' and '-', 2 to 32"})
	}
	if len(req.GetPassword()) < 8 {
		bad = append(bad, &errdetails.BadRequest_FieldViolation{Field: "password", Description: "at least 8 characters"})
	}
	if len(bad) > 0 {
		st, _ := status.New(codes.InvalidArgument, "user is invalid").WithDetails(&errdetails.BadRequest{FieldViolations: bad})
		return nil, st.Err()
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.users {
		if c.GetUsername() == u.GetUsername() {
			return nil, status.Error(codes.AlreadyExists, "username taken")
		}
	}
	u.Id = fmt.Sprintf("01900000-0000-7000-8000-%012d", len(f.users)+1)
	u.CreatedAt = timestamppb.New(time.Date(2024, 3, 15, 9, 0, 0, 0, time.UTC))
	f.users = append(f.users, u)
	f.passwords[u.GetId()] = req.GetPassword()
	return &pb.CreateUserResponse{User: u}, nil
}

func (f *fakeServer) DisableUser(_ context.Context, req *pb.DisableUserRequest) (*pb.DisableUserResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	u := f.userByID(req.GetId())
	if u == nil {
		return nil, status.Error(codes.NotFound, "user not found")
	}
	u.Disabled = true
	for tok, uid := range f.tokens {
		if uid == u.GetId() {
			delete(f.tokens, tok)
		}
	}
	return &pb.DisableUserResponse{User: u}, nil
}

// selfSigned makes a certificate for 127.0.0.1 and localhost, and writes it
// as PEM to a file for --ca.
func selfSigned(t *testing.T) (tls.Certificate, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "gridd test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:              []string{"localhost"},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := tls.X509KeyPair(certPEM, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(path, certPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	return cert, path
}
