package server_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
	"github.com/gridinspect/gridinspect/server"
)

// chineseOf returns the zh-CN google.rpc.LocalizedMessage of st, or "".
func chineseOf(st *status.Status) string {
	for _, d := range st.Details() {
		if lm, ok := d.(*errdetails.LocalizedMessage); ok && lm.GetLocale() == "zh-CN" {
			return lm.GetMessage()
		}
	}
	return ""
}

// fieldChinese returns the zh-CN localized message of st's violation of
// field, or "".
func fieldChinese(st *status.Status, field string) string {
	for _, d := range st.Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			for _, fv := range br.GetFieldViolations() {
				if fv.GetField() == field && fv.GetLocalizedMessage().GetLocale() == "zh-CN" {
					return fv.GetLocalizedMessage().GetMessage()
				}
			}
		}
	}
	return ""
}

func TestEveryErrorAPersonMaySeeSaysItInChinese(t *testing.T) {
	l := newLoop(t)
	assigned := l.mustSubmitAs("workera", l.hazard()).GetId()
	if _, _, err := l.assign("workera", l.clock.Now().Add(48*time.Hour))(l.as("super"), assigned); err != nil {
		t.Fatal(err)
	}
	reported := l.mustSubmitAs("workera", l.hazard())
	users := pb.NewDirectoryServiceClient(l.conn)

	tests := []struct {
		name   string
		call   func() error
		code   codes.Code
		zhSays []string // what the Chinese must say, beside being there
	}{
		{"a field left empty", func() error {
			r := l.hazard()
			r.Description = " "
			_, err := l.reports.SubmitReport(l.as("workera"), &pb.SubmitReportRequest{Report: r})
			return err
		}, codes.InvalidArgument, nil},
		{"a report the street does not have", func() error {
			_, err := l.reports.GetReport(l.as("super"), &pb.GetReportRequest{Id: newID()})
			return err
		}, codes.NotFound, nil},
		{"an id reused with other content", func() error {
			r := l.hazard()
			r.Id = reported.GetId()
			r.Description = "另一处隐患"
			_, err := l.reports.SubmitReport(l.as("workera"), &pb.SubmitReportRequest{Report: r})
			return err
		}, codes.AlreadyExists, nil},
		{"progress on a case not yet dispatched", func() error {
			_, err := l.rect.RecordProgress(l.as("workera"), &pb.RecordProgressRequest{ActionId: newID(),
				ReportId: reported.GetId(), Note: "已联系企业负责人"})
			return err
		}, codes.FailedPrecondition, []string{"已上报", "不能记录整改进展"}},
		{"an action on a version that moved on", func() error {
			_, err := l.rect.RecordProgress(l.as("workera"), &pb.RecordProgressRequest{ActionId: newID(),
				ReportId: assigned, ExpectedVersion: 1, Note: "已联系企业负责人"})
			return err
		}, codes.Aborted, []string{"已派遣", "刷新"}},
		{"a report of another grid", func() error {
			_, err := l.reports.GetReport(l.as("workerb"), &pb.GetReportRequest{Id: assigned})
			return err
		}, codes.PermissionDenied, []string{"没有权限，或该记录不存在"}},
		{"a worker dispatching", func() error {
			_, _, err := l.assign("workera", l.clock.Now().Add(48*time.Hour))(l.as("workera"), reported.GetId())
			return err
		}, codes.PermissionDenied, []string{"只有主管可以派遣"}},
		{"a worker looking for someone to dispatch to", func() error {
			_, err := users.ListUsers(l.as("workera"), &pb.ListUsersRequest{GridId: gridA})
			return err
		}, codes.PermissionDenied, []string{"只有主管可以派遣"}},
		{"a wrong password", func() error {
			_, err := l.auth.Login(context.Background(), &pb.LoginRequest{Username: "workera", Password: "wrong", DeviceId: newID()})
			return err
		}, codes.Unauthenticated, []string{"用户名或密码错误"}},
		{"no token", func() error {
			_, err := l.reports.GetReport(context.Background(), &pb.GetReportRequest{Id: assigned})
			return err
		}, codes.Unauthenticated, []string{"请先登录"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := wantCode(t, tt.call(), tt.code)
			zh := chineseOf(st)
			if zh == "" {
				t.Fatalf("%v %q has no zh-CN LocalizedMessage; details %v", st.Code(), st.Message(), st.Details())
			}
			for _, want := range tt.zhSays {
				if !strings.Contains(zh, want) {
					t.Errorf("zh-CN message %q, want it to say %q", zh, want)
				}
			}
			if st.Message() == zh {
				t.Errorf("the English message is the Chinese one: %q", zh)
			}
		})
	}
}

func TestAFieldViolationSaysInChineseWhatIsWrong(t *testing.T) {
	l := newLoop(t)
	r := l.hazard()
	r.Description = ""
	_, err := l.reports.SubmitReport(l.as("workera"), &pb.SubmitReportRequest{Report: r})
	st := wantCode(t, err, codes.InvalidArgument)
	if got := fieldChinese(st, "report.description"); got != "不能为空" {
		t.Errorf("report.description says %q in Chinese, want 不能为空; details %v", got, st.Details())
	}
}

// The supervisor typed "the 20th" and must be shown the 20th: the
// deadline in China time, in the English message and in the Chinese.
func TestARefusedExtensionShowsTheDeadlineInChinaTime(t *testing.T) {
	l := newLoop(t)
	id := l.mustSubmitAs("workera", l.hazard()).GetId()
	deadline := time.Date(2024, 3, 20, 15, 59, 59, 0, time.UTC) // 23:59:59 on the 20th in China
	if _, _, err := l.assign("workera", deadline)(l.as("super"), id); err != nil {
		t.Fatal(err)
	}
	_, err := l.rect.ExtendDeadline(l.as("super"), &pb.ExtendDeadlineRequest{ActionId: newID(), ReportId: id,
		NewDeadline: timestamppb.New(time.Date(2024, 3, 18, 15, 59, 59, 0, time.UTC)), Reason: "企业申请延期"})
	st := wantCode(t, err, codes.InvalidArgument)
	var description string
	for _, d := range st.Details() {
		if br, ok := d.(*errdetails.BadRequest); ok && len(br.GetFieldViolations()) == 1 {
			description = br.GetFieldViolations()[0].GetDescription()
		}
	}
	if want := "must be after the current deadline 2024-03-20 23:59:59 +08:00"; description != want {
		t.Errorf("new_deadline: %q, want %q", description, want)
	}
	const zh = "新期限须晚于当前期限 2024年3月20日 23:59"
	if got := chineseOf(st); got != zh {
		t.Errorf("zh-CN message %q, want %q", got, zh)
	}
	if got := fieldChinese(st, "new_deadline"); got != zh {
		t.Errorf("new_deadline in Chinese %q, want %q", got, zh)
	}
}

// The JSON error of the HTTP API carries the same details as gRPC's.
func TestHTTP_AnErrorCarriesItsChineseMessage(t *testing.T) {
	s := newHTTPServer(t, roomy, server.LoginLimits{PerUsername: roomy, PerAddress: roomy, PerUsernameAllAddresses: roomy})
	token := s.login(t) // workera
	code, _, body := s.do(t, "GET", "/v1/users?gridId="+gridA, token, "")
	if code != http.StatusForbidden {
		t.Fatalf("a worker listing users: HTTP %d %s, want 403", code, body)
	}
	compact := strings.ReplaceAll(body, " ", "")
	for _, want := range []string{`"@type":"type.googleapis.com/google.rpc.LocalizedMessage"`, `"locale":"zh-CN"`, "只有主管可以派遣"} {
		if !strings.Contains(compact, want) {
			t.Errorf("body lacks %s: %s", want, body)
		}
	}
	// A field violation says it in Chinese beside the field.
	code, _, body = s.do(t, "POST", "/v1/reports", token, `{"id":"not-a-uuid","category":"CATEGORY_SAFETY_HAZARD"}`)
	compact = strings.ReplaceAll(body, " ", "")
	if want := `"field":"report.id","description":"mustbeaUUIDlike0190b7e4-8c2a-7d3e-9f10-2b3c4d5e6f70",` +
		`"reason":"","localizedMessage":{"locale":"zh-CN","message":"编号格式不对"}`; code != http.StatusBadRequest || !strings.Contains(compact, want) {
		t.Errorf("a bad id: HTTP %d %s, want 400 with %s", code, body, want)
	}
	// A refusal the gateway makes itself says it in Chinese too.
	code, _, body = s.do(t, "GET", "/v1/nothing", token, "")
	if code != http.StatusNotFound || !strings.Contains(body, "zh-CN") {
		t.Errorf("no such path: HTTP %d %s, want 404 with a zh-CN message", code, body)
	}
}

func TestHTTP_TooManyRequestsSaysItInChinese(t *testing.T) {
	s := newHTTPServer(t, server.Limit{Burst: 1, Every: time.Hour}, server.LoginLimits{PerUsername: roomy, PerAddress: roomy, PerUsernameAllAddresses: roomy})
	token := s.login(t)
	s.do(t, "GET", "/v1/auth:whoami", token, "")
	code, _, body := s.do(t, "GET", "/v1/auth:whoami", token, "")
	if code != http.StatusTooManyRequests || !strings.Contains(body, "请求过于频繁，请稍后再试") {
		t.Errorf("HTTP %d %s, want 429 saying 请求过于频繁，请稍后再试", code, body)
	}
}
