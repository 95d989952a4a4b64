package server

import (
	"context"
	"errors"
	"log/slog"
	"runtime/debug"
	"strings"
	"time"

	"github.com/google/uuid"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/gridinspect/gridinspect"
)

// recoverUnary turns a panic in a handler into INTERNAL for the client and
// a stack trace in the log; the process keeps serving.
func (s *Server) recoverUnary(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (resp any, err error) {
	defer func() {
		if p := recover(); p != nil {
			s.log.ErrorContext(ctx, "panic", "method", info.FullMethod, "panic", p, "stack", string(debug.Stack()))
			resp, err = nil, internalError()
		}
	}()
	return handler(ctx, req)
}

func (s *Server) recoverStream(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) (err error) {
	defer func() {
		if p := recover(); p != nil {
			s.log.ErrorContext(ss.Context(), "panic", "method", info.FullMethod, "panic", p, "stack", string(debug.Stack()))
			err = internalError()
		}
	}()
	return handler(srv, ss)
}

// localizeUnary gives every error a zh-CN message (see localize): those
// the interceptors below and generated code make as well as the domain's.
func (s *Server) localizeUnary(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	resp, err := handler(ctx, req)
	return resp, localize(err)
}

func (s *Server) localizeStream(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	return localize(handler(srv, ss))
}

// requestID returns the caller's x-request-id, or a new one, so a phone's
// complaint can be matched with the server's log.
func requestID(ctx context.Context) string {
	if md, ok := metadata.FromIncomingContext(ctx); ok {
		if v := md.Get("x-request-id"); len(v) > 0 && len(v[0]) <= 64 {
			return v[0]
		}
	}
	return uuid.NewString()
}

func (s *Server) logCall(ctx context.Context, method, id string, start time.Time, err error) {
	code := status.Code(err)
	level := slog.LevelDebug
	var limited *rateLimitedError
	switch code {
	case codes.OK, codes.Canceled:
	case codes.ResourceExhausted:
		// A flood's refusals stay at DEBUG; the limiter itself warns,
		// now and then.
		if !errors.As(err, &limited) {
			level = slog.LevelInfo
		}
	case codes.Internal, codes.Unknown, codes.DataLoss:
		level = slog.LevelError
	default:
		level = slog.LevelInfo
	}
	s.log.Log(ctx, level, "rpc", "method", method, "code", code.String(),
		"ms", float64(time.Since(start).Microseconds())/1000, "request_id", id)
}

func (s *Server) logUnary(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	start, id := time.Now(), requestID(ctx)
	_ = grpc.SetHeader(ctx, metadata.Pairs("x-request-id", id))
	resp, err := handler(ctx, req)
	s.logCall(ctx, info.FullMethod, id, start, err)
	return resp, err
}

func (s *Server) logStream(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	start, id := time.Now(), requestID(ss.Context())
	_ = ss.SetHeader(metadata.Pairs("x-request-id", id))
	err := handler(srv, ss)
	s.logCall(ss.Context(), info.FullMethod, id, start, err)
	return err
}

// public reports whether a method needs no caller: Login, gRPC health, and
// reflection, which only describes the API whose .proto files are public.
func public(method string) bool {
	return method == loginMethod || strings.HasPrefix(method, "/grpc.health.v1.Health/") ||
		strings.HasPrefix(method, "/grpc.reflection.")
}

func (s *Server) authUnary(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	if public(info.FullMethod) {
		return handler(ctx, req)
	}
	actor, err := s.cfg.Authenticate(ctx)
	if err == nil {
		err = districtMay(actor, info.FullMethod)
	}
	if err != nil {
		return nil, s.status(ctx, err)
	}
	return handler(gridinspect.NewContext(ctx, actor), req)
}

// actorStream carries the authenticated context into a stream handler.
type actorStream struct {
	grpc.ServerStream
	ctx context.Context
}

func (a *actorStream) Context() context.Context { return a.ctx }

func (s *Server) authStream(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	if public(info.FullMethod) {
		return handler(srv, ss)
	}
	actor, err := s.cfg.Authenticate(ss.Context())
	if err == nil {
		err = districtMay(actor, info.FullMethod)
	}
	if err != nil {
		return s.status(ss.Context(), err)
	}
	return handler(srv, &actorStream{ServerStream: ss, ctx: gridinspect.NewContext(ss.Context(), actor)})
}

// limitUnary refuses a call past its caller's request limit, before any
// work is done. It runs after authentication, which names the caller;
// Login, health and reflection have no caller and are not limited here
// (Login has limits of its own).
func (s *Server) limitUnary(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	if a := gridinspect.ActorFrom(ctx); a != nil && !public(info.FullMethod) {
		if err := s.requests.admit(ctx, a); err != nil {
			return nil, err
		}
	}
	return handler(ctx, req)
}

// limitStream is limitUnary for streams: opening one takes a token, and so
// does every message the client sends after its first, so that an upload
// of many chunks (each a durable write) is paced like as many calls.
func (s *Server) limitStream(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	if a := gridinspect.ActorFrom(ss.Context()); a != nil && !public(info.FullMethod) {
		if err := s.requests.admit(ss.Context(), a); err != nil {
			return err
		}
		ss = &meteredStream{ServerStream: ss, requests: s.requests, actor: a}
	}
	return handler(srv, ss)
}

// meteredStream takes a token of its caller's request limit for every
// message it receives after the first, which the stream's opening paid for.
type meteredStream struct {
	grpc.ServerStream
	requests *requestLimiter
	actor    *gridinspect.Actor
	received int
}

// RecvMsg receives a message, then refuses it (RESOURCE_EXHAUSTED, as a
// call past the limit) when the caller has no token left; the handler
// ends the stream with that error.
func (m *meteredStream) RecvMsg(msg any) error {
	if err := m.ServerStream.RecvMsg(msg); err != nil {
		return err
	}
	m.received++
	if m.received == 1 {
		return nil
	}
	return m.requests.admit(m.Context(), m.actor)
}
