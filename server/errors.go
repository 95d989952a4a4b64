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

// chineseLocale is the locale of the google.rpc.LocalizedMessage every
// error carries for the people who read it (AIP-193).
const chineseLocale = "zh-CN"

// chineseOf is what an error says in Chinese, per code, when the place
// that made it wrote nothing more particular: the domain's default for
// the codes its errors map to (so that sync Push, which answers in the
// domain's words, says the same), and these for the rest.
var chineseOf = func() map[codes.Code]string {
	m := map[codes.Code]string{
		codes.Canceled:         "请求已取消",
		codes.Unknown:          "服务器内部错误",
		codes.DeadlineExceeded: "请求超时，请稍后再试",
		codes.OutOfRange:       "超出允许的范围",
		codes.Unimplemented:    "服务器不支持此操作",
		codes.DataLoss:         "数据损坏，请联系管理员",
	}
	for domain, code := range codeOf {
		m[code] = gridinspect.CodeChinese(domain)
	}
	return m
}()

// withChinese returns st with a zh-CN google.rpc.LocalizedMessage saying
// zh, or the code's default when zh is empty.
func withChinese(st *status.Status, zh string) *status.Status {
	if zh == "" {
		zh = chineseOf[st.Code()]
	}
	if zh == "" {
		return st
	}
	withDetails, err := st.WithDetails(&errdetails.LocalizedMessage{Locale: chineseLocale, Message: zh})
	if err != nil {
		return st
	}
	return withDetails
}

// localize returns err with the zh-CN message of its code if it is a
// status that has none yet (one made by the transport, an interceptor or
// generated code), so that every error a person may see has one.
func localize(err error) error {
	st, ok := status.FromError(err)
	if !ok || st.Code() == codes.OK {
		return err
	}
	for _, d := range st.Details() {
		if lm, ok := d.(*errdetails.LocalizedMessage); ok && lm.GetLocale() == chineseLocale {
			return err
		}
	}
	return withChinese(st, "").Err()
}

// internalError is what the client is told of a failure it cannot help.
func internalError() error {
	return withChinese(status.New(codes.Internal, "internal error"), "").Err()
}

// toStatus converts an error from the domain or the store into a gRPC
// status error. Field violations travel as google.rpc.BadRequest details,
// at most gridinspect.MaxFieldViolations of them and a count of the rest.
// An internal error is logged with its cause and shown to the client only
// as "internal error". Every status carries a zh-CN LocalizedMessage: the
// error's Chinese, or its code's default.
func toStatus(ctx context.Context, log *slog.Logger, err error) error {
	if err == nil {
		return nil
	}
	if _, ok := status.FromError(err); ok {
		return err // already a status (from the transport or an interceptor)
	}
	switch {
	case errors.Is(err, context.Canceled):
		return localize(status.Error(codes.Canceled, "request canceled"))
	case errors.Is(err, context.DeadlineExceeded):
		return localize(status.Error(codes.DeadlineExceeded, "deadline exceeded"))
	}
	var e *gridinspect.Error
	if !errors.As(err, &e) || e.Code == gridinspect.EINTERNAL {
		log.ErrorContext(ctx, "internal error", "err", err)
		return internalError()
	}
	code, ok := codeOf[e.Code]
	if !ok {
		log.ErrorContext(ctx, "unknown error code", "code", e.Code, "err", err)
		return internalError()
	}
	st := status.New(code, e.Message)
	if len(e.Fields) > 0 {
		br := &errdetails.BadRequest{}
		for _, f := range gridinspect.CapViolations(e.Fields) {
			fv := &errdetails.BadRequest_FieldViolation{Field: f.Field, Description: f.Description}
			if f.Chinese != "" {
				fv.LocalizedMessage = &errdetails.LocalizedMessage{Locale: chineseLocale, Message: f.Chinese}
			}
			br.FieldViolations = append(br.FieldViolations, fv)
		}
		if withDetails, derr := st.WithDetails(br); derr == nil {
			st = withDetails
		}
	}
	return withChinese(st, e.Chinese).Err()
}

// invalid returns an EINVALID error about one field, for checks of the
// wire form that happen before the domain sees the request; zh says it in
// Chinese.
func invalid(field, zh, format string, args ...any) error {
	var v gridinspect.Violations
	v.AddZh(field, zh, format, args...)
	return v.Err("invalid request")
}

func itoa64(i int64) string { return strconv.FormatInt(i, 10) }
