package web

import (
	"net/http"
	"strings"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/gridinspect/gridinspect/internal/words"
)

// chineseLocale is the locale of the messages the desk shows.
const chineseLocale = "zh-CN"

// errorView is the error page's data.
type errorView struct {
	Message string
	// Fields are the wrong fields' messages, in Chinese where given.
	Fields []string
}

// chinese returns what err says to a person: its zh-CN
// google.rpc.LocalizedMessage (every error of the API carries one), and
// the Chinese of each field it names as wrong.
func (d *desk) chinese(err error) errorView {
	if d.cfg.Chinese != nil {
		err = d.cfg.Chinese(err)
	}
	st := status.Convert(err)
	v := errorView{}
	for _, det := range st.Details() {
		switch det := det.(type) {
		case *errdetails.LocalizedMessage:
			if det.GetLocale() == chineseLocale && v.Message == "" {
				v.Message = det.GetMessage()
			}
		case *errdetails.BadRequest:
			for _, f := range det.GetFieldViolations() {
				if lm := f.GetLocalizedMessage(); lm.GetLocale() == chineseLocale && lm.GetMessage() != "" {
					v.Fields = append(v.Fields, fieldMessage(f.GetField(), lm.GetMessage()))
				}
			}
		}
	}
	if v.Message == "" {
		v.Message = "服务器内部错误"
	}
	return v
}

// fieldMessage is a field's Chinese message, led by the field's Chinese
// name ("备注：不能为空") unless the message names it already.
func fieldMessage(field, msg string) string {
	label := words.Field(field)
	if field == "" || label == field || strings.Contains(msg, label) {
		return msg
	}
	return label + "：" + msg
}

// httpStatus is the HTTP status of a call's error, as the gateway answers
// it.
func httpStatus(err error) int {
	return runtime.HTTPStatusFromCode(status.Code(err))
}

// fail draws the error page for a call's error, in Chinese.
func (d *desk) fail(w http.ResponseWriter, r *http.Request, v view, err error) {
	v.Title = "出错了"
	v.Data = d.chinese(err)
	d.render(w, r, httpStatus(err), "error", v)
}

// unauthenticated reports whether err says the caller is not logged in
// (or the session has ended).
func unauthenticated(err error) bool { return status.Code(err) == codes.Unauthenticated }
