package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"syscall"
	"time"

	"golang.org/x/text/language"
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
		fmt.Fprintf(a.stderr, "用法见 %q\n", help)
		return exitUsage
	}
	writeError(a.stderr, err, a.server, a.tokenSource, durationZh(a.opts.timeout))
	return exitError
}

// writeError prints err as "gridctl: <message>", followed by the details a
// person can act on: each field violation of a google.rpc.BadRequest on a
// line of its own, precondition failures, when to retry, and what to do
// about an unauthenticated call.
func writeError(w io.Writer, err error, server, tokenSource, timeout string) {
	st, ok := grpcStatus(err)
	if !ok {
		if msg, ok := fileProblem(err); ok {
			fmt.Fprintf(w, "gridctl: %s\n  详情：%s\n", sanitizeLine(msg), sanitizeLine(err.Error()))
			return
		}
		fmt.Fprintf(w, "gridctl: %s\n", sanitizeLine(err.Error()))
		return
	}
	var requestID string
	var ce *callError
	if errors.As(err, &ce) {
		requestID = ce.requestID
	}
	msg := st.Message()
	localized := localizedMessage(st)
	// Where the case stands, for a refused action: as the server said, or
	// as gridctl read it after the refusal.
	info := caseState(st)
	detail := "" // a line below the message, for whoever runs the server
	var se *stateError
	if info == nil && errors.As(err, &se) {
		info = se.info
	}
	switch {
	case st.Code() == codes.Aborted && info != nil:
		msg = fmt.Sprintf("操作被拒绝：你查看之后案件已有变动，现为%s，版本 %s", info.status, info.version)
	case st.Code() == codes.Unavailable:
		// The transport's own words are for whoever runs the server: a
		// line below, after the cause in Chinese.
		detail = "详情：" + msg
		msg = fmt.Sprintf("无法连接 %s：%s", server, unavailableCause(msg))
	case st.Code() == codes.DeadlineExceeded:
		msg = fmt.Sprintf("%s 在 %s内没有应答（--timeout）", server, timeout)
	case st.Code() == codes.Canceled:
		msg = "已取消"
	case localized != "":
		msg = codeWords(st.Code()) + "：" + localized
	default:
		msg = codeWords(st.Code()) + "：" + msg
	}
	switch st.Code() {
	case codes.Internal, codes.Unknown, codes.DataLoss:
		if requestID != "" {
			msg += fmt.Sprintf("（请求编号 %s，详见服务器日志）", requestID)
		}
	}
	fmt.Fprintf(w, "gridctl: %s\n", sanitizeLine(msg))
	if detail != "" {
		fmt.Fprintf(w, "  %s\n", sanitizeLine(detail))
	}
	for _, d := range st.Details() {
		switch d := d.(type) {
		case *errdetails.BadRequest:
			for _, v := range d.GetFieldViolations() {
				desc, field, sep := v.GetDescription(), v.GetField(), ": "
				if l := chinese(v.GetLocalizedMessage()); l != "" {
					if l == localized {
						continue // the first line said it already
					}
					desc, field, sep = l, words.Field(field), "："
				}
				// The entry that counts violations left out names no field.
				fmt.Fprintf(w, "  %s\n", sanitizeLine(strings.TrimPrefix(field+sep+desc, sep)))
			}
		case *errdetails.PreconditionFailure:
			for _, v := range d.GetViolations() {
				fmt.Fprintf(w, "  %s\n", sanitizeLine(strings.TrimPrefix(v.GetSubject()+": "+v.GetDescription(), ": ")))
			}
		case *errdetails.RetryInfo:
			if d.GetRetryDelay() != nil {
				fmt.Fprintf(w, "  请在 %s后重试\n", durationZh(d.GetRetryDelay().AsDuration()))
			}
		}
	}
	if info != nil {
		switch st.Code() {
		case codes.Aborted:
			fmt.Fprintln(w, "  案件未被改动；你的操作已记入时间线，标为冲突")
			fmt.Fprintf(w, "  请用 gridctl show %s 查看变动，如仍需要再操作\n", info.shortID)
		case codes.FailedPrecondition:
			fmt.Fprintf(w, "  案件现为%s，版本 %s\n", info.status, info.version)
		}
	}
	if st.Code() == codes.Unauthenticated {
		switch tokenSource {
		case tokenForLogin:
		case tokenFromFlag, tokenFromEnv:
			fmt.Fprintf(w, "来自 %s 的令牌被拒绝：请重新登录并提供新令牌，或运行 gridctl login\n", tokenSource)
		default:
			fmt.Fprintln(w, "请运行 gridctl login 登录")
		}
	}
}

// durationZh writes d, to the second, as a person says it: "1 分 30 秒",
// "2 小时", "0 秒".
func durationZh(d time.Duration) string {
	s := int64(d.Round(time.Second) / time.Second)
	var parts []string
	for _, u := range []struct {
		secs int64
		word string
	}{{3600, "小时"}, {60, "分"}, {1, "秒"}} {
		if n := s / u.secs; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, u.word))
			s -= n * u.secs
		}
	}
	if len(parts) == 0 {
		return "0 秒"
	}
	return strings.Join(parts, " ")
}

// fileProblem says in Chinese what went wrong with a file or folder on
// this machine (a full disk, no permission, none there), for the errors a
// person can mend; the system's own words follow on a detail line.
func fileProblem(err error) (string, bool) {
	var pe *fs.PathError
	if !errors.As(err, &pe) {
		return "", false
	}
	var cause string
	switch {
	case errors.Is(err, fs.ErrPermission):
		cause = "没有权限"
	case errors.Is(err, fs.ErrNotExist):
		cause = "不存在"
	case errors.Is(err, syscall.ENOSPC):
		cause = "磁盘空间不足"
	case errors.Is(err, syscall.EROFS):
		cause = "所在磁盘只读"
	default:
		return "", false
	}
	return fmt.Sprintf("无法使用 %s：%s", pe.Path, cause), true
}

// unavailableCause says in Chinese why a server could not be reached, from
// the transport's message.
func unavailableCause(msg string) string {
	switch m := strings.ToLower(msg); {
	case strings.Contains(m, "connection refused"):
		return "服务器没有在运行，或地址、端口有误"
	case strings.Contains(m, "no such host"):
		return "找不到这个服务器地址"
	case strings.Contains(m, "tls") || strings.Contains(m, "certificate") || strings.Contains(m, "handshake"):
		return "加密设置与服务器不符（--tls、--ca）"
	}
	return "网络不通，或服务器没有应答"
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

// codeWords names a code in Chinese, for the head of an error line.
func codeWords(c codes.Code) string {
	if w, ok := codeNames[c]; ok {
		return w
	}
	return "错误"
}

// codeNames are the gRPC codes a person may meet, in Chinese.
var codeNames = map[codes.Code]string{
	codes.InvalidArgument:    "输入有误",
	codes.NotFound:           "未找到",
	codes.AlreadyExists:      "已存在",
	codes.PermissionDenied:   "无权操作",
	codes.FailedPrecondition: "无法执行",
	codes.Aborted:            "操作冲突",
	codes.OutOfRange:         "超出范围",
	codes.Unauthenticated:    "未登录或登录已失效",
	codes.ResourceExhausted:  "请求过多",
	codes.Unimplemented:      "服务器不支持此操作",
	codes.Internal:           "服务器内部错误",
	codes.Unknown:            "未知错误",
	codes.DataLoss:           "数据损坏",
	codes.Unavailable:        "服务不可用",
	codes.DeadlineExceeded:   "超时",
	codes.Canceled:           "已取消",
}

// localizedMessage is the Chinese google.rpc.LocalizedMessage of st
// (AIP-193; zh-CN, or any zh locale), or "" when the server sent none.
func localizedMessage(st *status.Status) string {
	for _, d := range st.Details() {
		if lm, ok := d.(*errdetails.LocalizedMessage); ok {
			if m := chinese(lm); m != "" {
				return m
			}
		}
	}
	return ""
}

// chinese is lm's message when its locale is Chinese, else "".
func chinese(lm *errdetails.LocalizedMessage) string {
	if lm.GetMessage() == "" {
		return ""
	}
	tag, err := language.Parse(lm.GetLocale())
	if err != nil {
		return ""
	}
	if base, _ := tag.Base(); base != chineseBase {
		return ""
	}
	return lm.GetMessage()
}

// chineseBase is the language of the messages gridctl prefers.
var chineseBase, _ = language.SimplifiedChinese.Base()
