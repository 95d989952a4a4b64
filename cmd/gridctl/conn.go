package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"

	"github.com/google/uuid"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

// Transport limits, matching the server's.
const (
	// maxRecvBytes lets a list of grids with their boundaries through.
	maxRecvBytes = 16 << 20
	// defaultPort is added to a --server without one.
	defaultPort = "50051"
	userAgent   = "gridctl"
)

// Metadata keys gridctl sends on every call.
const (
	mdAuthorization = "authorization"
	mdRequestID     = "x-request-id"
)

// Where the token came from, for the hint when the server refuses it.
const (
	tokenFromFlag  = "--token"
	tokenFromEnv   = "$" + EnvToken
	tokenFromSaved = "saved"
	// tokenForLogin marks a login: a refusal is about the password, and
	// "run gridctl login" would be no help.
	tokenForLogin = "login"
)

// app is one run of gridctl: its files, its global options and, once a
// command asks for it, its connection to the server.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	opts           globalOptions

	in *bufio.Reader // stdin, buffered once for prompts

	server      string // normalized address, the key of the saved login
	token       string
	tokenSource string
	sendToken   bool
	creds       *credentialStore
	conn        *grpc.ClientConn
}

func (a *app) close() {
	if a.conn != nil {
		_ = a.conn.Close()
		a.conn = nil
	}
}

// serverAddr returns the server to talk to: --server, else $GRIDCTL_SERVER,
// else the default, normalized to host:port.
func (a *app) serverAddr() (string, error) {
	if a.server == "" {
		s, err := normalizeServer(pickServer(a.opts.server, os.Getenv(EnvServer)))
		if err != nil {
			return "", &usageError{msg: err.Error()}
		}
		a.server = s
	}
	return a.server, nil
}

// pickServer chooses the server address: the flag, else the environment,
// else the default.
func pickServer(flagValue, envValue string) string {
	if strings.TrimSpace(flagValue) != "" {
		return flagValue
	}
	if strings.TrimSpace(envValue) != "" {
		return envValue
	}
	return DefaultServer
}

// normalizeServer writes a server address the same way each time, since it
// keys the saved logins: lower-case host, and the default port when none
// is given. Addresses with a gRPC scheme ("dns:///…", "unix:…") are kept as
// they are.
func normalizeServer(addr string) (string, error) {
	addr = strings.TrimSpace(addr)
	if addr == "" {
		return "", errors.New("服务器地址为空")
	}
	if strings.Contains(addr, "://") || strings.HasPrefix(addr, "unix:") {
		return addr, nil
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		// No port: a bare host name, IPv4 address, or IPv6 address with or
		// without brackets.
		host, port = strings.TrimSuffix(strings.TrimPrefix(addr, "["), "]"), defaultPort
	}
	if host == "" || strings.ContainsAny(host, "/ \t") || strings.Contains(port, ":") {
		return "", fmt.Errorf("服务器地址 %q 有误：应写作 地址:端口，例如 127.0.0.1:50051", addr)
	}
	return net.JoinHostPort(strings.ToLower(host), port), nil
}

// pickToken chooses the token: the flag, else the environment, else the one
// saved for the server. It returns where it came from; "" when there is
// none.
func pickToken(flagValue, envValue string, saved func() (string, bool, error)) (token, source string, err error) {
	if t := strings.TrimSpace(flagValue); t != "" {
		return t, tokenFromFlag, nil
	}
	if t := strings.TrimSpace(envValue); t != "" {
		return t, tokenFromEnv, nil
	}
	t, ok, err := saved()
	if err != nil || !ok {
		return "", "", err
	}
	return t, tokenFromSaved, nil
}

// credentialStore returns the store of saved logins.
func (a *app) credentialStore() (*credentialStore, error) {
	if a.creds == nil {
		s, err := newCredentialStore()
		if err != nil {
			return nil, err
		}
		a.creds = s
	}
	return a.creds, nil
}

// resolveToken finds the caller's token for the server.
func (a *app) resolveToken() error {
	server, err := a.serverAddr()
	if err != nil {
		return err
	}
	saved := func() (string, bool, error) {
		s, err := a.credentialStore()
		if err != nil {
			return "", false, err
		}
		l, ok, err := s.getAs(server, a.opts.as)
		return l.Token, ok, err
	}
	if as := strings.TrimSpace(a.opts.as); as != "" {
		if strings.TrimSpace(a.opts.token) != "" {
			return usagef("--as 与 --token 互相矛盾：去掉一个")
		}
		// Naming a user is more particular than the environment's token.
		if a.token, a.tokenSource, err = pickToken("", "", saved); err == nil && a.token == "" {
			return &notLoggedInError{server: server, as: as}
		}
		return err
	}
	a.token, a.tokenSource, err = pickToken(a.opts.token, os.Getenv(EnvToken), saved)
	return err
}

// connect returns the connection to the server. With authenticated, every
// call carries the caller's token, and having none is an error ("run
// gridctl login"); without (for Login), no token is sent.
func (a *app) connect(authenticated bool) (*grpc.ClientConn, error) {
	server, err := a.serverAddr()
	if err != nil {
		return nil, err
	}
	if authenticated {
		if err := a.resolveToken(); err != nil {
			return nil, err
		}
		if a.token == "" {
			return nil, &notLoggedInError{server: server}
		}
	}
	a.sendToken = authenticated
	if a.conn != nil {
		return a.conn, nil
	}
	creds, err := a.transportCredentials(server)
	if err != nil {
		return nil, err
	}
	conn, err := grpc.NewClient(server,
		grpc.WithTransportCredentials(creds),
		grpc.WithUserAgent(userAgent),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(maxRecvBytes)),
		grpc.WithChainUnaryInterceptor(a.unaryInterceptor),
		grpc.WithChainStreamInterceptor(a.streamInterceptor),
	)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", server, err)
	}
	a.conn = conn
	return conn, nil
}

// Clients of the services, on the shared connection.

func (a *app) authClient(authenticated bool) (pb.AuthServiceClient, error) {
	conn, err := a.connect(authenticated)
	if err != nil {
		return nil, err
	}
	return pb.NewAuthServiceClient(conn), nil
}

func (a *app) directoryClient() (pb.DirectoryServiceClient, error) {
	conn, err := a.connect(true)
	if err != nil {
		return nil, err
	}
	return pb.NewDirectoryServiceClient(conn), nil
}

func (a *app) reportClient() (pb.ReportServiceClient, error) {
	conn, err := a.connect(true)
	if err != nil {
		return nil, err
	}
	return pb.NewReportServiceClient(conn), nil
}

func (a *app) rectificationClient() (pb.RectificationServiceClient, error) {
	conn, err := a.connect(true)
	if err != nil {
		return nil, err
	}
	return pb.NewRectificationServiceClient(conn), nil
}

func (a *app) routingClient() (pb.RoutingServiceClient, error) {
	conn, err := a.connect(true)
	if err != nil {
		return nil, err
	}
	return pb.NewRoutingServiceClient(conn), nil
}

// transportCredentials picks TLS or plaintext from the global flags.
func (a *app) transportCredentials(server string) (credentials.TransportCredentials, error) {
	o := a.opts
	switch {
	case o.insecureSkipVerify && o.ca != "":
		return nil, usagef("--ca 与 --insecure-skip-verify 互相矛盾：去掉一个")
	case o.insecureSkipVerify:
		fmt.Fprintln(a.stderr, "gridctl: 警告：--insecure-skip-verify：不校验服务器证书，途经的任何人都能读到你的密码和令牌")
		return credentials.NewTLS(&tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: true}), nil //nolint:gosec // asked for, with a warning
	case o.ca != "":
		pem, err := os.ReadFile(o.ca)
		if err != nil {
			return nil, fmt.Errorf("read --ca: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("读取 --ca：%s 中没有 PEM 证书", o.ca)
		}
		return credentials.NewTLS(&tls.Config{MinVersion: tls.VersionTLS12, RootCAs: pool}), nil
	case o.tls:
		return credentials.NewTLS(&tls.Config{MinVersion: tls.VersionTLS12}), nil
	}
	if !isLoopback(server) {
		fmt.Fprintf(a.stderr, "gridctl: 警告：与 %s 的通信未加密（TLS）：密码和令牌以明文经过网络（请用 --tls 或 --ca）\n", server)
	}
	return insecure.NewCredentials(), nil
}

// isLoopback reports whether server is on this machine.
func isLoopback(server string) bool {
	if strings.HasPrefix(server, "unix:") {
		return true
	}
	host, _, err := net.SplitHostPort(server)
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// outgoing adds the metadata every call carries: a new request id (UUIDv7,
// which the server logs and echoes in its x-request-id header), and the
// bearer token.
func (a *app) outgoing(ctx context.Context) (context.Context, string) {
	id := newRequestID()
	ctx = metadata.AppendToOutgoingContext(ctx, mdRequestID, id)
	if a.sendToken && a.token != "" {
		ctx = metadata.AppendToOutgoingContext(ctx, mdAuthorization, "Bearer "+a.token)
	}
	return ctx, id
}

func newRequestID() string {
	if u, err := uuid.NewV7(); err == nil {
		return u.String()
	}
	return uuid.NewString()
}

// unaryInterceptor adds the metadata and bounds each call by --timeout.
func (a *app) unaryInterceptor(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	ctx, id := a.outgoing(ctx)
	if a.opts.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, a.opts.timeout)
		defer cancel()
	}
	if err := invoker(ctx, method, req, reply, cc, opts...); err != nil {
		return &callError{err: err, requestID: id}
	}
	return nil
}

// streamInterceptor adds the metadata. Streams (exports, backups) are not
// bounded by --timeout: the command that opens one decides how long it may
// take.
func (a *app) streamInterceptor(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
	ctx, id := a.outgoing(ctx)
	s, err := streamer(ctx, desc, cc, method, opts...)
	if err != nil {
		return nil, &callError{err: err, requestID: id}
	}
	return s, nil
}

// callError is a failed call with the request id it was sent with, so an
// internal error can be matched with the server's log.
type callError struct {
	err       error
	requestID string
}

func (e *callError) Error() string { return e.err.Error() }
func (e *callError) Unwrap() error { return e.err }

// notLoggedInError says there is no token for the server.
type notLoggedInError struct{ server, as string }

func (e *notLoggedInError) Error() string {
	if e.as != "" {
		return fmt.Sprintf("没有保存 %s 在 %s 的登录：请先运行 gridctl login --username %s", e.as, e.server, e.as)
	}
	return fmt.Sprintf("尚未登录 %s：请运行 gridctl login（或用 --as 选一个已保存的登录，或提供 --token 或 $%s）", e.server, EnvToken)
}
