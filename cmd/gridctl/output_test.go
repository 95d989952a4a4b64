package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"

	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

func TestDisplayWidth(t *testing.T) {
	tests := []struct {
		s    string
		want int
	}{
		{"", 0},
		{"admin", 5},
		{"张三", 4},
		{"金石社区", 8},
		{"worker01（张三）", 8 + 2 + 4 + 2}, // fullwidth parentheses
		{"ｗ", 2},                        // fullwidth Latin
		{"e\u0301", 1},                  // e + combining acute
		{"a\u200bb", 2},                 // zero-width space
		{"·", 1},                        // ambiguous: one column
	}
	for _, tt := range tests {
		if got := displayWidth(tt.s); got != tt.want {
			t.Errorf("displayWidth(%q) = %d, want %d", tt.s, got, tt.want)
		}
	}
}

func TestTableAlignsChineseByDisplayWidth(t *testing.T) {
	tb := newTable("NAME", "KIND", "ID")
	tb.add("红星村", "village", "id-1")
	tb.add("Riverside", "other", "id-2")
	tb.add("金石社区", "community", "id-3")
	var b bytes.Buffer
	if err := tb.write(&b); err != nil {
		t.Fatal(err)
	}
	want := "" +
		"NAME       KIND       ID\n" +
		"红星村     village    id-1\n" +
		"Riverside  other      id-2\n" +
		"金石社区   community  id-3\n"
	if b.String() != want {
		t.Errorf("table:\n%s\nwant:\n%s", b.String(), want)
	}
	// Every column starts at the same display column on every line.
	for _, line := range strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n") {
		idx := strings.LastIndex(line, "  ")
		if w := displayWidth(line[:idx+2]); w != 22 {
			t.Errorf("%q: last column at %d, want 22", line, w)
		}
	}
}

func TestTableDropsTrailingBlanksAndControlCharacters(t *testing.T) {
	tb := newTable()
	tb.add("a", "")
	tb.add("bb\x1b[31m", "x\ny\tz")
	var b bytes.Buffer
	_ = tb.write(&b)
	want := "a\nbb [31m  x y z\n"
	if b.String() != want {
		t.Errorf("table = %q, want %q", b.String(), want)
	}
}

func TestStyledRowsKeepTheirColumns(t *testing.T) {
	tb := newTable("ID", "STATUS", "DESCRIPTION")
	tb.addStyled(styleRed, "a1b2c3d4", "已派遣", "逾期")
	tb.add("e5f6a7b8", "待核查", "")
	tb.addStyled(styleYellow, "c9d0e1f2", "整改中", "x")
	var b bytes.Buffer
	_ = tb.write(&b)
	want := "" +
		"ID        STATUS  DESCRIPTION\n" +
		"\x1b[31ma1b2c3d4  已派遣  逾期\x1b[0m\n" +
		"e5f6a7b8  待核查\n" +
		"\x1b[33mc9d0e1f2  整改中  x\x1b[0m\n"
	if b.String() != want {
		t.Errorf("table = %q, want %q", b.String(), want)
	}
}

func TestColourOnlyOnATerminalWithoutNoColor(t *testing.T) {
	a := &app{stdout: &bytes.Buffer{}}
	if a.useColour() {
		t.Error("colour into a buffer")
	}
	f, err := os.CreateTemp(t.TempDir(), "out")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	a.stdout = f
	if a.useColour() {
		t.Error("colour into a file")
	}
	// A terminal, if the test has one; NO_COLOR, even empty, wins.
	if tty, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0); err == nil {
		defer tty.Close()
		a.stdout = tty
		t.Setenv(EnvNoColor, "")
		if a.useColour() {
			t.Error("colour with NO_COLOR set")
		}
	}
}

func TestTruncateWidth(t *testing.T) {
	tests := []struct {
		in    string
		width int
		want  string
	}{
		{"short", 10, "short"},
		{"仓库内灭火器过期", 16, "仓库内灭火器过期"},
		{"仓库内灭火器过期", 15, "仓库内灭火器过…"},
		{"仓库内灭火器过期", 14, "仓库内灭火器…"},
		{"abc 仓库", 6, "abc…"},
		{"line one\nline  two\t", 40, "line one line two"},
	}
	for _, tt := range tests {
		got := truncateWidth(tt.in, tt.width)
		if got != tt.want || displayWidth(got) > tt.width {
			t.Errorf("truncateWidth(%q, %d) = %q (%d columns), want %q", tt.in, tt.width, got, displayWidth(got), tt.want)
		}
	}
}

func TestSanitizeLine(t *testing.T) {
	for in, want := range map[string]string{
		"张三":                 "张三",
		"a\x1b]0;title\x07b": "a ]0;title b",
		"line\r\nnext":       "line  next",
		"bad\xffutf8":        "bad\uFFFDutf8",
		"\u2028":             " ",
		"\u0085":             " ",
	} {
		if got := sanitizeLine(in); got != want {
			t.Errorf("sanitizeLine(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestJSONListIsOneStableArray(t *testing.T) {
	grids := []*pb.Grid{
		{Id: "g1", Name: "红星村", Kind: pb.GridKind_GRID_KIND_VILLAGE},
		{Id: "g2", Name: "金石社区", Kind: pb.GridKind_GRID_KIND_COMMUNITY},
	}
	var b1, b2 bytes.Buffer
	if err := writeJSONList(&b1, grids); err != nil {
		t.Fatal(err)
	}
	_ = writeJSONList(&b2, grids)
	if b1.String() != b2.String() {
		t.Errorf("two writes differ:\n%s\n%s", b1.String(), b2.String())
	}
	var got []map[string]any
	if err := json.Unmarshal(b1.Bytes(), &got); err != nil {
		t.Fatalf("not a JSON array: %v\n%s", err, b1.String())
	}
	if len(got) != 2 || got[0]["name"] != "红星村" || got[1]["kind"] != "GRID_KIND_COMMUNITY" {
		t.Errorf("array = %v", got)
	}
	if _, ok := got[0]["boundary"]; !ok {
		t.Error("empty fields are left out; scripts expect every key")
	}
	var empty bytes.Buffer
	_ = writeJSONList(&empty, []*pb.Grid(nil))
	if strings.TrimSpace(empty.String()) != "[]" {
		t.Errorf("empty list = %q, want []", empty.String())
	}
}

func TestErrorsListFieldViolationsOnePerLine(t *testing.T) {
	st, _ := status.New(codes.InvalidArgument, "user is invalid").WithDetails(
		&errdetails.BadRequest{FieldViolations: []*errdetails.BadRequest_FieldViolation{
			{Field: "user.username", Description: "must be lower-case"},
			{Field: "password", Description: "at least 8 characters"},
			{Description: "and 3 more"}, // the server lists 20, then counts the rest
		}})
	var b bytes.Buffer
	writeError(&b, fmt.Errorf("add user X: %w", st.Err()), "h:1", "", "30s")
	want := "gridctl: 输入有误：user is invalid\n" +
		"  user.username: must be lower-case\n" +
		"  password: at least 8 characters\n" +
		"  and 3 more\n"
	if b.String() != want {
		t.Errorf("error:\n%s\nwant:\n%s", b.String(), want)
	}
}

func TestErrorMessages(t *testing.T) {
	withRetry, _ := status.New(codes.ResourceExhausted, "too many login attempts").WithDetails(&errdetails.RetryInfo{RetryDelay: durationpb.New(90e9)})
	caseInfoOf := func(reason, st, version string) *errdetails.ErrorInfo {
		return &errdetails.ErrorInfo{Reason: reason, Domain: "gridinspect.v1", Metadata: map[string]string{
			"report_id": "01900000-0000-7000-8000-00000000beef", "current_status": st, "current_version": version,
		}}
	}
	stale, _ := status.New(codes.Aborted, "report … is at version 5, not 4").WithDetails(caseInfoOf("STALE_VERSION", "REPORT_STATUS_RECTIFYING", "5"))
	notAllowed, _ := status.New(codes.FailedPrecondition, "cannot assign a case that is CLOSED").WithDetails(caseInfoOf("TRANSITION_NOT_ALLOWED", "REPORT_STATUS_CLOSED", "7"))
	// The server's English message, with its Chinese beside it (AIP-193).
	zh := func(locale, msg string) *errdetails.LocalizedMessage {
		return &errdetails.LocalizedMessage{Locale: locale, Message: msg}
	}
	refusedZH, _ := status.New(codes.FailedPrecondition, "cannot record progress on a case that is REPORTED").WithDetails(
		zh("zh-CN", "案件处于已上报状态，不能记录整改进展"), caseInfoOf("TRANSITION_NOT_ALLOWED", "REPORT_STATUS_REPORTED", "1"))
	refusedEN, _ := status.New(codes.FailedPrecondition, "cannot record progress on a case that is REPORTED").WithDetails(
		zh("en-US", "cannot record progress"))
	badZH, _ := status.New(codes.InvalidArgument, "report is invalid").WithDetails(zh("zh-CN", "报告有误"),
		&errdetails.BadRequest{FieldViolations: []*errdetails.BadRequest_FieldViolation{
			{Field: "report.description", Description: "must not be empty", LocalizedMessage: zh("zh-CN", "不能为空")},
			{Field: "report.location", Description: "is required"},
		}})
	failedPre, _ := status.New(codes.FailedPrecondition, "report is CLOSED").WithDetails(&errdetails.PreconditionFailure{Violations: []*errdetails.PreconditionFailure_Violation{{Subject: "report/1", Description: "status is CLOSED"}}})
	tests := []struct {
		name        string
		err         error
		tokenSource string
		want        string
	}{
		{"plain", errors.New("read --ca: no such file"), "", "gridctl: read --ca: no such file\n"},
		{"a file without permission", fmt.Errorf("write %s: %w", "/x/a.xlsx.tmp", &fs.PathError{Op: "open", Path: "/x/a.xlsx.tmp", Err: syscall.EACCES}), "",
			"gridctl: 无法使用 /x/a.xlsx.tmp：没有权限\n  详情：write /x/a.xlsx.tmp: open /x/a.xlsx.tmp: permission denied\n"},
		{"a full disk", fmt.Errorf("write %s: %w", "/x/b.tar.gz", &fs.PathError{Op: "write", Path: "/x/b.tar.gz", Err: syscall.ENOSPC}), "",
			"gridctl: 无法使用 /x/b.tar.gz：磁盘空间不足\n  详情：write /x/b.tar.gz: write /x/b.tar.gz: no space left on device\n"},
		{"unauthenticated, saved token", status.Error(codes.Unauthenticated, "token expired"), tokenFromSaved,
			"gridctl: 未登录或登录已失效：token expired\n请运行 gridctl login 登录\n"},
		{"unauthenticated, env token", status.Error(codes.Unauthenticated, "token expired"), tokenFromEnv,
			"gridctl: 未登录或登录已失效：token expired\n来自 $GRIDCTL_TOKEN 的令牌被拒绝：请重新登录并提供新令牌，或运行 gridctl login\n"},
		{"internal with request id", &callError{err: status.Error(codes.Internal, "internal error"), requestID: "0190-abc"}, "",
			"gridctl: 服务器内部错误：internal error（请求编号 0190-abc，详见服务器日志）\n"},
		{"permission denied", &callError{err: status.Error(codes.PermissionDenied, "admins only"), requestID: "x"}, "",
			"gridctl: 无权操作：admins only\n"},
		{"unavailable", status.Error(codes.Unavailable, `connection error: desc = "transport: Error while dialing: dial tcp h:1: connect: connection refused"`), "",
			"gridctl: 无法连接 h:1：服务器没有在运行，或地址、端口有误\n  详情：connection error: desc = \"transport: Error while dialing: dial tcp h:1: connect: connection refused\"\n"},
		{"unavailable, another cause", status.Error(codes.Unavailable, "io timeout"), "", "gridctl: 无法连接 h:1：网络不通，或服务器没有应答\n  详情：io timeout\n"},
		{"deadline", status.Error(codes.DeadlineExceeded, "context deadline exceeded"), "", "gridctl: h:1 在 30 秒内没有应答（--timeout）\n"},
		{"retry", withRetry.Err(), "", "gridctl: 请求过多：too many login attempts\n  请在 1 分 30 秒后重试\n"},
		{"precondition", failedPre.Err(), "", "gridctl: 无法执行：report is CLOSED\n  report/1: status is CLOSED\n"},
		{"escape sequences from the server", status.Error(codes.NotFound, "no \x1b[2Jreport"), "", "gridctl: 未找到：no  [2Jreport\n"},
		{"stale action", stale.Err(), "",
			"gridctl: 操作被拒绝：你查看之后案件已有变动，现为整改中，版本 5\n" +
				"  案件未被改动；你的操作已记入时间线，标为冲突\n" +
				"  请用 gridctl show 0000beef 查看变动，如仍需要再操作\n"},
		{"action not allowed", notAllowed.Err(), "",
			"gridctl: 无法执行：cannot assign a case that is CLOSED\n  案件现为已结案，版本 7\n"},
		{"action not allowed, state read after", &stateError{err: status.Error(codes.FailedPrecondition, "cannot assign a case that is CLOSED"),
			info: &caseInfo{shortID: "0000beef", status: "已结案", version: "7"}}, "",
			"gridctl: 无法执行：cannot assign a case that is CLOSED\n  案件现为已结案，版本 7\n"},
		{"refused, with a Chinese message", refusedZH.Err(), "",
			"gridctl: 无法执行：案件处于已上报状态，不能记录整改进展\n  案件现为已上报，版本 1\n"},
		{"refused, with a message in another language", refusedEN.Err(), "",
			"gridctl: 无法执行：cannot record progress on a case that is REPORTED\n"},
		{"field violations in Chinese where given", badZH.Err(), "",
			"gridctl: 输入有误：报告有误\n  描述：不能为空\n  report.location: is required\n"},
		{"stale without details", status.Error(codes.Aborted, "try again"), "", "gridctl: 操作冲突：try again\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			writeError(&b, tt.err, "h:1", tt.tokenSource, durationZh(30*time.Second))
			if b.String() != tt.want {
				t.Errorf("got:\n%q\nwant:\n%q", b.String(), tt.want)
			}
		})
	}
}
