package web

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/gridinspect/gridinspect/internal/words"
	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

// adminRoutes are the paths of 管理 (administration): users, grids and
// notice number prefixes, as gridctl user … keeps them.
func (d *desk) adminRoutes(mux *http.ServeMux) {
	mux.Handle("GET /admin", d.admin(d.adminUsers))
	mux.Handle("POST /admin/users", d.admin(d.adminAddUser))
	mux.Handle("GET /admin/users/{id}", d.admin(d.adminUser))
	mux.Handle("POST /admin/users/{id}", d.admin(d.adminEditUser))
	mux.Handle("POST /admin/users/{id}/password", d.admin(d.adminSetPassword))
	mux.Handle("GET /admin/users/{id}/disable", d.admin(d.adminDisableConfirm))
	mux.Handle("POST /admin/users/{id}/disable", d.admin(d.adminDisable))
	mux.Handle("GET /admin/grids", d.admin(d.adminGrids))
	mux.Handle("POST /admin/grids/{id}/order", d.admin(d.adminGridOrder))
	mux.Handle("GET /admin/notices", d.admin(d.adminNotices))
	mux.Handle("POST /admin/notices", d.admin(d.adminSetNoticePrefix))
}

// adminView is the data of the administration pages: one template,
// admin.html, draws each Tab.
type adminView struct {
	// Tab is the page: "users", "user", "disable", "grids" or "notices".
	Tab string
	// Note is the success note of the change just made.
	Note string
	// Error is a call's error that names no field of a form.
	Error *errorView

	Users   []userRow
	Add     *userForm
	User    *userRow
	Edit    *userForm
	Reset   *userForm
	Grids   []gridRow
	Notices []noticeRow
}

// userRow is one account as the list shows it.
type userRow struct {
	ID, Username, DisplayName, Role, Grids string
	Disabled                               bool
}

// userForm is a form about an account: its values as entered (never a
// password) and its fields' errors.
type userForm struct {
	Username, DisplayName string
	Roles, Grids          []choice
	AllGrids              bool
	// New is the add form's: its password is the initial one.
	New    bool
	Errors fieldErrors
}

// gridRow is one grid of the grid list.
type gridRow struct {
	ID, Name, Kind string
	// Order is the official order, "" for none; Workers counts the grid's
	// workers.
	Order   string
	Workers int
	Error   string
}

// noticeRow is one notice kind's number prefix.
type noticeRow struct {
	Kind, Label, Prefix, Error string
}

// fieldErrors are a form's errors in Chinese by the name of its field.
type fieldErrors map[string]string

// Chinese descriptions of the notes the pages show after a change, by the
// ok parameter the change redirects with; %s is whom or what it changed.
var adminNotes = map[string]string{
	"added":    "已添加账号 %s",
	"updated":  "已保存 %s 的资料",
	"password": "已设置 %s 的密码，其原有的登录均已失效",
	"disabled": "已停用 %s，其登录均已失效",
	"order":    "已设置 %s 的顺序",
	"prefix":   "已设置%s的文号前缀",
}

// adminFunc serves an administration page to the logged-in user.
type adminFunc func(w http.ResponseWriter, r *http.Request, v view)

// admin serves h to an admin and a page saying 无权访问 to anyone else.
// ListUsers and ListGrids answer supervisors too; the one read the API
// keeps to admins is the notice settings, so asking for them is how the
// desk learns from the API, not from a copy of its rule, that this user
// administers. The changes themselves are refused again by the API.
func (d *desk) admin(h adminFunc) http.Handler {
	return d.page(func(w http.ResponseWriter, r *http.Request, user *pb.User) {
		v := view{Title: "管理", User: user, Nav: "admin"}
		ctx, err := d.call(r, pb.AdminService_GetNoticeSettings_FullMethodName)
		if err == nil {
			_, err = d.admins.GetNoticeSettings(ctx, &pb.GetNoticeSettingsRequest{})
		}
		if err != nil {
			d.adminFail(w, r, v, err)
			return
		}
		h(w, r, v)
	})
}

// adminFail draws the error page for a call's error; a refusal is titled
// 无权访问, and an ended session goes to the login.
func (d *desk) adminFail(w http.ResponseWriter, r *http.Request, v view, err error) {
	switch status.Code(err) {
	case codes.Unauthenticated:
		http.Redirect(w, r, loginURL(r), http.StatusSeeOther)
		return
	case codes.PermissionDenied:
		v.Title, v.Data = "无权访问", d.chinese(err)
		d.render(w, r, http.StatusForbidden, "error", v)
		return
	}
	d.fail(w, r, v, err)
}

// note is the success note r's query asks for ("" for none).
func note(r *http.Request) string {
	q := r.URL.Query()
	if f, ok := adminNotes[q.Get("ok")]; ok {
		return fmt.Sprintf(f, q.Get("name"))
	}
	return ""
}

// done redirects (303) to path with the note of what was done to name.
func done(w http.ResponseWriter, r *http.Request, path, what, name string) {
	http.Redirect(w, r, path+"?"+url.Values{"ok": {what}, "name": {name}}.Encode(), http.StatusSeeOther)
}

// parseForm reads a POSTed form of the desk's size.
func parseForm(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "表单有误", http.StatusBadRequest)
		return false
	}
	return true
}

// userFields are the fields of a user form that the API's field paths
// (indexes dropped) are about.
var userFields = map[string]string{
	"user.username": "username", "user.display_name": "display_name", "user.role": "role",
	"user.grid_ids": "grids", "user.all_grids": "grids", "password": "password",
}

var pathIndex = regexp.MustCompile(`\[\d+\]`)

// formErrors splits a call's error into the errors of a form's fields
// (fields maps an API field path to the form's field) and the rest. Each
// field shows the API's Chinese for it; one without says in Chinese that
// the field is wrong rather than show English.
func (d *desk) formErrors(err error, fields map[string]string) (fieldErrors, *errorView) {
	ev := d.chinese(err)
	ev.Fields = nil
	fe := fieldErrors{}
	if d.cfg.Chinese != nil {
		err = d.cfg.Chinese(err)
	}
	for _, det := range status.Convert(err).Details() {
		br, ok := det.(*errdetails.BadRequest)
		if !ok {
			continue
		}
		for _, f := range br.GetFieldViolations() {
			msg := "填写有误"
			if lm := f.GetLocalizedMessage(); lm.GetLocale() == chineseLocale && lm.GetMessage() != "" {
				msg = lm.GetMessage()
			}
			name, ok := fields[pathIndex.ReplaceAllString(f.GetField(), "")]
			switch {
			case ok && fe[name] == "":
				fe[name] = msg
			case ok:
				fe[name] += "；" + msg
			case f.GetField() != "":
				ev.Fields = append(ev.Fields, words.Field(f.GetField())+"："+msg)
			}
		}
	}
	if len(fe) > 0 && len(ev.Fields) == 0 {
		return fe, nil // the fields say it all
	}
	return fe, &ev
}

// adminUsers is the user list with the form adding one.
func (d *desk) adminUsers(w http.ResponseWriter, r *http.Request, v view) {
	d.drawUsers(w, r, v, http.StatusOK, nil, nil)
}

// drawUsers draws the user list; add is the add form as entered (nil: an
// empty one), with err the error that refused it.
func (d *desk) drawUsers(w http.ResponseWriter, r *http.Request, v view, code int, add *userForm, ev *errorView) {
	grids, err := d.gridNames(r)
	if err != nil {
		d.adminFail(w, r, v, err)
		return
	}
	users, err := d.allUsers(r)
	if err != nil {
		d.adminFail(w, r, v, err)
		return
	}
	if add == nil {
		add = &userForm{Roles: roleChoices(pb.Role_ROLE_WORKER), Grids: gridChoices(grids, nil), New: true}
	}
	av := adminView{Tab: "users", Note: note(r), Error: ev, Add: add}
	for _, u := range users {
		av.Users = append(av.Users, newUserRow(u, grids))
	}
	v.Title, v.Data = "管理 · 用户", av
	d.render(w, r, code, "admin", v)
}

// allUsers reads every page of ListUsers.
func (d *desk) allUsers(r *http.Request) ([]*pb.User, error) {
	ctx, err := d.call(r, pb.DirectoryService_ListUsers_FullMethodName)
	if err != nil {
		return nil, err
	}
	var all []*pb.User
	token := ""
	for {
		resp, err := d.dir.ListUsers(ctx, &pb.ListUsersRequest{PageSize: 500, PageToken: token})
		if err != nil {
			return nil, err
		}
		all = append(all, resp.GetUsers()...)
		if token = resp.GetNextPageToken(); token == "" {
			return all, nil
		}
	}
}

func newUserRow(u *pb.User, grids gridBook) userRow {
	row := userRow{ID: u.GetId(), Username: u.GetUsername(), DisplayName: u.GetDisplayName(),
		Role: words.Label(words.Role, u.GetRole()), Disabled: u.GetDisabled(), Grids: "-"}
	switch {
	case u.GetAllGrids():
		row.Grids = "全部"
	case len(u.GetGridIds()) > 0:
		names := make([]string, len(u.GetGridIds()))
		for i, id := range u.GetGridIds() {
			names[i] = grids.name(id)
		}
		row.Grids = strings.Join(names, "、")
	}
	return row
}

// label names an account as gridctl does: username (display name).
func (u userRow) Label() string {
	if u.DisplayName == "" {
		return u.Username
	}
	return u.Username + "（" + u.DisplayName + "）"
}

// roleChoices are the roles in Chinese, selected chosen.
func roleChoices(selected pb.Role) []choice {
	return enumChoices(pb.Role_name, "ROLE_", func(n int32) string { return words.Label(words.Role, pb.Role(n)) },
		[]string{strings.TrimPrefix(selected.String(), "ROLE_")})
}

// gridChoices are the grids in the office's order, those of ids checked.
func gridChoices(grids gridBook, ids []string) []choice {
	out := make([]choice, 0, len(grids.order))
	for _, id := range grids.order {
		out = append(out, choice{Value: id, Label: grids.name(id), Selected: slices.Contains(ids, id)})
	}
	return out
}

// userFromForm reads the account a form describes.
func userFromForm(r *http.Request) *pb.User {
	return &pb.User{
		Username:    strings.TrimSpace(r.PostForm.Get("username")),
		DisplayName: strings.TrimSpace(r.PostForm.Get("display_name")),
		Role:        pb.Role(pb.Role_value["ROLE_"+r.PostForm.Get("role")]),
		GridIds:     slices.DeleteFunc(slices.Clone(r.PostForm["grid"]), func(s string) bool { return s == "" }),
		AllGrids:    r.PostForm.Get("all_grids") != "",
	}
}

// formOf is the form showing u as entered, with errs.
func (d *desk) formOf(r *http.Request, u *pb.User, errs fieldErrors) (*userForm, error) {
	grids, err := d.gridNames(r)
	if err != nil {
		return nil, err
	}
	return &userForm{Username: u.GetUsername(), DisplayName: u.GetDisplayName(), Roles: roleChoices(u.GetRole()),
		Grids: gridChoices(grids, u.GetGridIds()), AllGrids: u.GetAllGrids(), Errors: errs, New: true}, nil
}

// newPassword reads a form's new password and its confirmation; a
// mismatch is the confirmation's error, as gridctl asks twice.
func newPassword(r *http.Request, errs fieldErrors) string {
	p := r.PostForm.Get("password")
	if p != r.PostForm.Get("password_confirm") {
		errs["password_confirm"] = "两次输入的密码不一致"
	}
	return p
}

// adminAddUser adds the account of the add form (CreateUser).
func (d *desk) adminAddUser(w http.ResponseWriter, r *http.Request, v view) {
	if !parseForm(w, r) {
		return
	}
	u := userFromForm(r)
	errs := fieldErrors{}
	password := newPassword(r, errs)
	var ev *errorView
	code := http.StatusBadRequest
	if len(errs) == 0 {
		ctx, err := d.call(r, pb.DirectoryService_CreateUser_FullMethodName)
		if err == nil {
			_, err = d.dir.CreateUser(ctx, &pb.CreateUserRequest{User: u, Password: password})
		}
		if err == nil {
			done(w, r, "/admin", "added", userRow{Username: u.GetUsername(), DisplayName: u.GetDisplayName()}.Label())
			return
		}
		if !d.formRefused(err) {
			d.adminFail(w, r, v, err)
			return
		}
		errs, ev = d.formErrors(err, userFields)
		code = httpStatus(err)
	}
	form, err := d.formOf(r, u, errs)
	if err != nil {
		d.adminFail(w, r, v, err)
		return
	}
	d.drawUsers(w, r, v, code, form, ev)
}

// adminUser is one account's page: edit, new password, disable.
func (d *desk) adminUser(w http.ResponseWriter, r *http.Request, v view) {
	d.drawUser(w, r, v, "user", http.StatusOK, nil, nil, nil)
}

// drawUser draws an account's page (tab "user") or the confirmation of
// its disabling (tab "disable"); edit and reset are the forms as
// entered (nil: as the account is), ev the error that refused one.
func (d *desk) drawUser(w http.ResponseWriter, r *http.Request, v view, tab string, code int, edit, reset *userForm, ev *errorView) {
	ctx, err := d.call(r, pb.DirectoryService_GetUser_FullMethodName)
	var resp *pb.GetUserResponse
	if err == nil {
		resp, err = d.dir.GetUser(ctx, &pb.GetUserRequest{Id: r.PathValue("id")})
	}
	if err != nil {
		d.adminFail(w, r, v, err)
		return
	}
	grids, err := d.gridNames(r)
	if err != nil {
		d.adminFail(w, r, v, err)
		return
	}
	u := resp.GetUser()
	row := newUserRow(u, grids)
	if edit == nil {
		edit = &userForm{DisplayName: u.GetDisplayName(), Roles: roleChoices(u.GetRole()),
			Grids: gridChoices(grids, u.GetGridIds()), AllGrids: u.GetAllGrids()}
	}
	if reset == nil {
		reset = &userForm{}
	}
	v.Title = "管理 · " + row.Label()
	v.Data = adminView{Tab: tab, Note: note(r), Error: ev, User: &row, Edit: edit, Reset: reset}
	d.render(w, r, code, "admin", v)
}

// adminEditUser saves an account's display name, role and grids
// (UpdateUser with update_fields).
func (d *desk) adminEditUser(w http.ResponseWriter, r *http.Request, v view) {
	if !parseForm(w, r) {
		return
	}
	u := userFromForm(r)
	u.Id = r.PathValue("id")
	ctx, err := d.call(r, pb.DirectoryService_UpdateUser_FullMethodName)
	var resp *pb.UpdateUserResponse
	if err == nil {
		resp, err = d.dir.UpdateUser(ctx, &pb.UpdateUserRequest{User: u,
			UpdateFields: []string{"display_name", "role", "grid_ids", "all_grids"}})
	}
	if err == nil {
		done(w, r, "/admin/users/"+url.PathEscape(u.GetId()), "updated", newUserRow(resp.GetUser(), gridBook{}).Label())
		return
	}
	if !d.formRefused(err) {
		d.adminFail(w, r, v, err)
		return
	}
	errs, ev := d.formErrors(err, userFields)
	form, ferr := d.formOf(r, u, errs)
	if ferr != nil {
		d.adminFail(w, r, v, ferr)
		return
	}
	d.drawUser(w, r, v, "user", httpStatus(err), form, nil, ev)
}

// formRefused reports whether err refuses a form's content (shown on the
// form) rather than the user or the session (shown as a page).
func (d *desk) formRefused(err error) bool {
	switch status.Code(err) {
	case codes.InvalidArgument, codes.FailedPrecondition, codes.AlreadyExists, codes.Aborted:
		return true
	}
	return false
}

// adminSetPassword sets an account's password (UpdateUser's password),
// which ends the account's sessions.
func (d *desk) adminSetPassword(w http.ResponseWriter, r *http.Request, v view) {
	if !parseForm(w, r) {
		return
	}
	errs := fieldErrors{}
	password := newPassword(r, errs)
	id := r.PathValue("id")
	var ev *errorView
	code := http.StatusBadRequest
	if len(errs) == 0 {
		ctx, err := d.call(r, pb.DirectoryService_UpdateUser_FullMethodName)
		var resp *pb.UpdateUserResponse
		if err == nil {
			resp, err = d.dir.UpdateUser(ctx, &pb.UpdateUserRequest{User: &pb.User{Id: id},
				UpdateFields: []string{"password"}, Password: password})
		}
		if err == nil {
			done(w, r, "/admin/users/"+url.PathEscape(id), "password", newUserRow(resp.GetUser(), gridBook{}).Label())
			return
		}
		if !d.formRefused(err) {
			d.adminFail(w, r, v, err)
			return
		}
		errs, ev = d.formErrors(err, map[string]string{"password": "password"})
		code = httpStatus(err)
	}
	d.drawUser(w, r, v, "user", code, nil, &userForm{Errors: errs}, ev)
}

// adminDisableConfirm asks whether to disable the account: the second
// step, so one click never disables anyone.
func (d *desk) adminDisableConfirm(w http.ResponseWriter, r *http.Request, v view) {
	d.drawUser(w, r, v, "disable", http.StatusOK, nil, nil, nil)
}

// adminDisable disables the account (DisableUser), which ends its
// sessions.
func (d *desk) adminDisable(w http.ResponseWriter, r *http.Request, v view) {
	if !parseForm(w, r) {
		return
	}
	ctx, err := d.call(r, pb.DirectoryService_DisableUser_FullMethodName)
	var resp *pb.DisableUserResponse
	if err == nil {
		resp, err = d.dir.DisableUser(ctx, &pb.DisableUserRequest{Id: r.PathValue("id")})
	}
	if err == nil {
		done(w, r, "/admin", "disabled", newUserRow(resp.GetUser(), gridBook{}).Label())
		return
	}
	if !d.formRefused(err) {
		d.adminFail(w, r, v, err)
		return
	}
	// E.g. an admin disabling itself: said on the account's page.
	ev := d.chinese(err)
	d.drawUser(w, r, v, "disable", httpStatus(err), nil, nil, &ev)
}

// adminGrids is the grid list in the official order, each with its
// workers and a form setting its order.
func (d *desk) adminGrids(w http.ResponseWriter, r *http.Request, v view) {
	d.drawGrids(w, r, v, http.StatusOK, "", "", "", nil)
}

// drawGrids draws the grid list; the grid failed was given order, which
// errMsg refused (or ev, naming no field).
func (d *desk) drawGrids(w http.ResponseWriter, r *http.Request, v view, code int, failed, order, errMsg string, ev *errorView) {
	ctx, err := d.call(r, pb.DirectoryService_ListGrids_FullMethodName)
	var grids []*pb.Grid
	token := ""
	for err == nil {
		var resp *pb.ListGridsResponse
		if resp, err = d.dir.ListGrids(ctx, &pb.ListGridsRequest{PageSize: 500, PageToken: token}); err == nil {
			grids = append(grids, resp.GetGrids()...)
			if token = resp.GetNextPageToken(); token == "" {
				break
			}
		}
	}
	var users []*pb.User
	if err == nil {
		users, err = d.allUsers(r)
	}
	if err != nil {
		d.adminFail(w, r, v, err)
		return
	}
	workers := map[string]int{}
	for _, u := range users {
		if u.GetRole() == pb.Role_ROLE_WORKER && !u.GetDisabled() {
			for _, g := range u.GetGridIds() {
				workers[g]++
			}
		}
	}
	av := adminView{Tab: "grids", Note: note(r), Error: ev}
	for _, g := range grids {
		row := gridRow{ID: g.GetId(), Name: g.GetName(), Kind: words.Label(words.GridKind, g.GetKind()), Workers: workers[g.GetId()]}
		if g.GetOrder() > 0 {
			row.Order = strconv.Itoa(int(g.GetOrder()))
		}
		if g.GetId() == failed {
			row.Order, row.Error = order, errMsg
		}
		av.Grids = append(av.Grids, row)
	}
	v.Title, v.Data = "管理 · 网格", av
	d.render(w, r, code, "admin", v)
}

// adminGridOrder sets a grid's place in the official order
// (SetGridOrder); an empty order removes it.
func (d *desk) adminGridOrder(w http.ResponseWriter, r *http.Request, v view) {
	if !parseForm(w, r) {
		return
	}
	id, entered := r.PathValue("id"), strings.TrimSpace(r.PostForm.Get("order"))
	order, err := 0, error(nil)
	if entered != "" {
		order, err = strconv.Atoi(entered)
	}
	if err != nil || order < 0 || order > 1<<30 {
		d.drawGrids(w, r, v, http.StatusBadRequest, id, entered, "请填写整数", nil)
		return
	}
	ctx, err := d.call(r, pb.DirectoryService_SetGridOrder_FullMethodName)
	var resp *pb.SetGridOrderResponse
	if err == nil {
		resp, err = d.dir.SetGridOrder(ctx, &pb.SetGridOrderRequest{Id: id, Order: int32(order)})
	}
	if err == nil {
		done(w, r, "/admin/grids", "order", resp.GetGrid().GetName())
		return
	}
	if !d.formRefused(err) {
		d.adminFail(w, r, v, err)
		return
	}
	errs, ev := d.formErrors(err, map[string]string{"order": "order"})
	d.drawGrids(w, r, v, httpStatus(err), id, entered, errs["order"], ev)
}

// adminNotices is the notice kinds' number prefixes (文号), each with a
// form setting it.
func (d *desk) adminNotices(w http.ResponseWriter, r *http.Request, v view) {
	d.drawNotices(w, r, v, http.StatusOK, "", "", "", nil)
}

// drawNotices draws the prefixes; kind failed was given prefix, which
// errMsg refused (or ev, naming no field).
func (d *desk) drawNotices(w http.ResponseWriter, r *http.Request, v view, code int, failed, prefix, errMsg string, ev *errorView) {
	ctx, err := d.call(r, pb.AdminService_GetNoticeSettings_FullMethodName)
	var resp *pb.GetNoticeSettingsResponse
	if err == nil {
		resp, err = d.admins.GetNoticeSettings(ctx, &pb.GetNoticeSettingsRequest{})
	}
	if err != nil {
		d.adminFail(w, r, v, err)
		return
	}
	av := adminView{Tab: "notices", Note: note(r), Error: ev}
	for _, p := range resp.GetPrefixes() {
		row := noticeRow{Kind: strings.TrimPrefix(p.GetKind().String(), "NOTICE_KIND_"),
			Label: words.Label(words.Notice, p.GetKind()), Prefix: p.GetPrefix()}
		if row.Kind == failed {
			row.Prefix, row.Error = prefix, errMsg
		}
		av.Notices = append(av.Notices, row)
	}
	v.Title, v.Data = "管理 · 文号", av
	d.render(w, r, code, "admin", v)
}

// adminSetNoticePrefix sets a notice kind's prefix (SetNoticePrefix).
func (d *desk) adminSetNoticePrefix(w http.ResponseWriter, r *http.Request, v view) {
	if !parseForm(w, r) {
		return
	}
	kindName, prefix := r.PostForm.Get("kind"), strings.TrimSpace(r.PostForm.Get("prefix"))
	kind := pb.NoticeKind(pb.NoticeKind_value["NOTICE_KIND_"+kindName])
	ctx, err := d.call(r, pb.AdminService_SetNoticePrefix_FullMethodName)
	if err == nil {
		_, err = d.admins.SetNoticePrefix(ctx, &pb.SetNoticePrefixRequest{Kind: kind, Prefix: prefix})
	}
	if err == nil {
		done(w, r, "/admin/notices", "prefix", words.Label(words.Notice, kind))
		return
	}
	if !d.formRefused(err) {
		d.adminFail(w, r, v, err)
		return
	}
	errs, ev := d.formErrors(err, map[string]string{"prefix": "prefix"})
	d.drawNotices(w, r, v, httpStatus(err), kindName, prefix, errs["prefix"], ev)
}
