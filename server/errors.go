package server

import (
	"context"
	"errors"
	"log/slog"
	"strconv"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/gridinspect/gridinspect"
)

// codeOf maps each domain error code to its gRPC code: the one table
// where the domain's errors become the wire's.
var codeOf = map[string]codes.Code{
	gridinspect.EINVALID:         codes.InvalidArgument,
	gridinspect.ENOTFOUND:        codes.NotFound,
	gridinspect.EEXISTS:          codes.AlreadyExists,
	gridinspect.EPRECONDITION:    codes.FailedPrecondition,
	gridinspect.ESTALE:           codes.Aborted,
	gridinspect.EFORBIDDEN:       codes.PermissionDenied,
	gridinspect.EUNAUTHENTICATED: codes.Unauthenticated,
	gridinspect.ELIMIT:           codes.ResourceExhausted,
	gridinspect.EUNAVAILABLE:     codes.Unavailable,
	gridinspect.EINTERNAL:        codes.Internal,
}

// toStatus converts an error from the domain or the store into a gRPC
// status error. Field violations travel as google.rpc.BadRequest details,
// at most gridinspect.MaxFieldViolations of them and a count of the rest.
// An internal error is logged with its cause and shown to the client only
// as "internal error".
func toStatus(ctx context.Context, log *slog.Logger, err error) error {
	if err == nil {
		return nil
	}
	if _, ok := status.FromError(err); ok {
		return err // already a status (from the transport or an interceptor)
	}
	switch {
	case errors.Is(err, context.Canceled):
		return status.Error(codes.Canceled, "request canceled")
	case errors.Is(err, context.DeadlineExceeded):
		return status.Error(codes.DeadlineExceeded, "deadline exceeded")
	}
	var e *gridinspect.Error
	if !errors.As(err, &e) || e.Code == gridinspect.EINTERNAL {
		log.ErrorContext(ctx, "internal error", "err", err)
		return status.Error(codes.Internal, "internal error")
	}
	code, ok := codeOf[e.Code]
	if !ok {
		log.ErrorContext(ctx, "unknown error code", "code", e.Code, "err", err)
		return status.Error(codes.Internal, "internal error")
	}
	st := status.New(code, e.Message)
	if len(e.Fields) > 0 {
		br := &errdetails.BadRequest{}
		for _, f := range gridinspect.CapViolations(e.Fields) {
			br.FieldViolations = append(br.FieldViolations, &errdetails.BadRequest_FieldViolation{
				Field: f.Field, Description: f.Description,
			})
		}
		if withDetails, derr := st.WithDetails(br); derr == nil {
			st = withDetails
		}
	}
	return st.Err()
}

// invalid returns an EINVALID error about one field, for checks of the
// wire form that happen before the domain sees the request.
func invalid(field, format string, args ...any) error {
	var v gridinspect.Violations
	v.Add(field, format, args...)
	return v.Err("invalid request")
}

func itoa64(i int64) string { return strconv.FormatInt(i, 10) }
