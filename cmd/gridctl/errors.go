package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/gridinspect/gridinspect/internal/words"
	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

// fail prints err, if any, to stderr and returns the exit code: 0 for none,
// 2 for a usage error, 1 for anything else.
func (a *app) fail(err error) int {
	if err == nil {
		return exitOK
	}
	var u *usageError
	if errors.As(err, &u) {
		if u.quiet { // the usage is printed already
			return exitUsage
		}
		fmt.Fprintf(a.stderr, "gridctl: %s\n", sanitizeLine(u.msg))
		help := "gridctl help"
		if len(u.path) > 0 {
			help = "gridctl " + strings.Join(u.path, " ") + " -h"
		}
		fmt.Fprintf(a.stderr, "run %q for usage\n", help)
		return exitUsage
	}
	writeError(a.stderr, err, a.server, a.tokenSource, a.opts.timeout.String())
	return exitError
}

// writeError prints err as "gridctl: <message>", followed by the details a
// person can act on: each field violation of a google.rpc.BadRequest on a
// line of its own, precondition failures, when to retry, and what to do
// about an unauthenticated call.
func writeError(w io.Writer, err error, server, tokenSource, timeout string) {
	st, ok := grpcStatus(err)
	if !ok {
		fmt.Fprintf(w, "gridctl: %s\n", sanitizeLine(err.Error()))
		return
	}
	var requestID string
	var ce *callError
	if errors.As(err, &ce) {
		requestID = ce.requestID
	}
	msg := st.Message()
	// Where the case stands, for a refused action: as the server said, or
	// as gridctl read it after the refusal.
	info := caseState(st)
	var se *stateError
	if info == nil && errors.As(err, &se) {
		info = se.info
	}
	switch st.Code() {
	case codes.Aborted:
		if info != nil {
			msg = fmt.Sprintf("refused: the case changed since you looked; it is now %s, version %s", info.status, info.version)
		} else {
			msg = codeWords(st.Code()) + ": " + msg
		}
	case codes.Unavailable:
		msg = fmt.Sprintf("cannot reach %s: %s", server, msg)
	case codes.DeadlineExceeded:
		msg = fmt.Sprintf("%s gave no answer within %s (--timeout)", server, timeout)
	case codes.Canceled:
		msg = "canceled"
	default:
		msg = codeWords(st.Code()) + ": " + msg
	}
	switch st.Code() {
	case codes.Internal, codes.Unknown, codes.DataLoss:
		if requestID != "" {
			msg += fmt.Sprintf(" (request id %s: the server's log says more)", requestID)
		}
	}
	fmt.Fprintf(w, "gridctl: %s\n", sanitizeLine(msg))
	for _, d := range st.Details() {
		switch d := d.(type) {
		case *errdetails.BadRequest:
			for _, v := range d.GetFieldViolations() {
				// The entry that counts violations left out names no field.
				fmt.Fprintf(w, "  %s\n", sanitizeLine(strings.TrimPrefix(v.GetField()+": "+v.GetDescription(), ": ")))
			}
		case *errdetails.PreconditionFailure:
			for _, v := range d.GetViolations() {
				fmt.Fprintf(w, "  %s\n", sanitizeLine(strings.TrimPrefix(v.GetSubject()+": "+v.GetDescription(), ": ")))
			}
		case *errdetails.RetryInfo:
			if d.GetRetryDelay() != nil {
				fmt.Fprintf(w, "  try again in %s\n", d.GetRetryDelay().AsDuration().Round(1e9))
			}
		}
	}
	if info != nil {
		switch st.Code() {
		case codes.Aborted:
			fmt.Fprintln(w, "  the case was not changed; your action is kept on its timeline, marked 冲突")
			fmt.Fprintf(w, "  see what changed with gridctl show %s, then act again if it still makes sense\n", info.shortID)
		case codes.FailedPrecondition:
			fmt.Fprintf(w, "  the case is %s, version %s\n", info.status, info.version)
		}
	}
	if st.Code() == codes.Unauthenticated {
		switch tokenSource {
		case tokenForLogin:
		case tokenFromFlag, tokenFromEnv:
			fmt.Fprintf(w, "the token from %s was refused: log in again and give the new token, or run gridctl login\n", tokenSource)
		default:
			fmt.Fprintln(w, "run gridctl login")
		}
	}
}

// caseInfo is where a case stands, as the server tells it with a refused
// action (google.rpc.ErrorInfo metadata current_status, current_version).
type caseInfo struct {
	shortID string
	status  string // in Chinese, e.g. "已结案"
	version string
}

// caseState reads the ErrorInfo of a refused action: nil when the status
// carries none.
func caseState(st *status.Status) *caseInfo {
	for _, d := range st.Details() {
		ei, ok := d.(*errdetails.ErrorInfo)
		if !ok {
			continue
		}
		md := ei.GetMetadata()
		cur, ok := md["current_status"]
		if !ok {
			continue
		}
		label := cur
		if v, ok := pb.ReportStatus_value[cur]; ok {
			label = words.Label(words.Status, pb.ReportStatus(v))
		}
		version := md["current_version"]
		if version == "" {
			version = "?"
		}
		return &caseInfo{shortID: shortID(md["report_id"]), status: sanitizeLine(label), version: sanitizeLine(version)}
	}
	return nil
}

// grpcStatus finds the gRPC status in err's chain. Unlike status.FromError
// it keeps the server's own message, without the text of the wrappers.
func grpcStatus(err error) (*status.Status, bool) {
	if errors.Is(err, context.Canceled) {
		return status.New(codes.Canceled, "canceled"), true
	}
	var se interface{ GRPCStatus() *status.Status }
	if errors.As(err, &se) {
		if st := se.GRPCStatus(); st != nil {
			return st, true
		}
	}
	return nil, false
}

// codeWords writes a code as words: "invalid argument", "permission denied".
func codeWords(c codes.Code) string {
	s := c.String()
	var b strings.Builder
	for i, r := range s {
		if unicode.IsUpper(r) {
			if i > 0 {
				b.WriteByte(' ')
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}
