package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/gridinspect/gridinspect/internal/words"
	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

var userCommand = &command{
	name:    "user",
	summary: "账号：添加、列出、设置密码、停用、吊销令牌",
	subs:    []*command{userAddCommand, userListCommand, userSetPasswordCommand, userDisableCommand, userRevokeTokensCommand},
}

var userAddCommand = &command{
	name:    "add",
	summary: "添加账号（仅管理员）",
	help: `两次询问新密码，不回显；--password-stdin 改为读取标准输入的第一行。网格员属于
--grid 给出的网格（多个网格重复此选项）；主管或管理员负责这些网格，或用
--all-grids 负责整个街道。

示例：
  gridctl user add --username worker11 --name 张三 --role 网格员 --grid 红星村`,
	setup: func(fs *flag.FlagSet) runFunc {
		username := fs.String("username", "", "登录用的用户名 `名称`：小写字母、数字、'.'、'_' 和 '-'（必填）")
		name := fs.String("name", "", "显示的姓名，例如 `张三`")
		role := fs.String("role", "", "`角色`：网格员（worker）、主管（supervisor）、管理员（admin）或区级账号（district）（必填）")
		var grids stringsFlag
		fs.Var(&grids, "grid", "用户所属的网格 `编号或名称`；多个网格重复此选项")
		allGrids := fs.Bool("all-grids", false, "用户负责街道的全部网格（主管和管理员）")
		passwordStdin := fs.Bool("password-stdin", false, "从标准输入的第一行读取密码")
		return func(ctx context.Context, a *app, args []string) error {
			if len(args) > 0 {
				return usagef("user add 不带参数（选项：--username、--name、--role、--grid）")
			}
			if strings.TrimSpace(*username) == "" {
				return usagef("--username 必填")
			}
			r, ok := parseRole(*role)
			if !ok {
				return usagef("--role 必须是 worker、supervisor、admin 或 district，而不是 %q", *role)
			}
			if *allGrids && len(grids) > 0 {
				return usagef("--all-grids 与 --grid 互相矛盾：只能给一个")
			}
			u := &pb.User{
				Username:    strings.TrimSpace(*username),
				DisplayName: strings.TrimSpace(*name),
				Role:        r,
				AllGrids:    *allGrids,
			}
			return a.userAdd(ctx, u, grids, *passwordStdin)
		}
	},
}

func (a *app) userAdd(ctx context.Context, u *pb.User, grids []string, passwordStdin bool) error {
	dir, err := a.directoryClient()
	if err != nil {
		return err
	}
	if u.GridIds, err = a.resolveGrids(ctx, grids); err != nil {
		return err
	}
	password, err := a.newPassword(ctx, u.GetUsername(), passwordStdin)
	if err != nil {
		return err
	}
	resp, err := dir.CreateUser(ctx, &pb.CreateUserRequest{User: u, Password: password})
	if err != nil {
		return fmt.Errorf("add user %s: %w", u.GetUsername(), err)
	}
	if a.opts.json {
		return writeJSON(a.stdout, resp.GetUser())
	}
	return a.writeUsers(ctx, []*pb.User{resp.GetUser()})
}

// newPassword reads a new account's password: from stdin's first line with
// --password-stdin or when stdin is no terminal, else asked twice.
func (a *app) newPassword(ctx context.Context, username string, fromStdin bool) (string, error) {
	if fromStdin {
		p, err := a.passwordFromStdin(ctx)
		if err == nil && p == "" {
			err = errors.New("--password-stdin：密码为空")
		}
		return p, err
	}
	p, err := a.readSecret(ctx, fmt.Sprintf("%s 的新密码：", username))
	if err != nil {
		return "", err
	}
	if p == "" {
		return "", errors.New("没有输入密码")
	}
	if _, isTerminal := a.terminal(); isTerminal {
		again, err := a.readSecret(ctx, "再次输入密码：")
		if err != nil {
			return "", err
		}
		if again != p {
			return "", errors.New("两次输入的密码不一致；未作任何修改")
		}
	}
	return p, nil
}

var userListCommand = &command{
	name:    "list",
	summary: "列出账号，或某一网格的账号（主管和管理员）",
	setup: func(fs *flag.FlagSet) runFunc {
		grid := fs.String("grid", "", "只列网格 `编号或名称` 的用户")
		return func(ctx context.Context, a *app, args []string) error {
			if len(args) > 0 {
				return usagef("user list 不带参数")
			}
			dir, err := a.directoryClient()
			if err != nil {
				return err
			}
			gridID := ""
			if *grid != "" {
				ids, err := a.resolveGrids(ctx, []string{*grid})
				if err != nil {
					return err
				}
				gridID = ids[0]
			}
			users, err := listAllUsers(ctx, dir, gridID)
			if err != nil {
				return err
			}
			if a.opts.json {
				return writeJSONList(a.stdout, users)
			}
			return a.writeUsers(ctx, users)
		}
	},
}

var userSetPasswordCommand = &command{
	name:    "set-password",
	args:    "用户名或编号",
	summary: "设置账号的密码（仅管理员）",
	help: `两次询问新密码，不回显；--password-stdin 改为读取标准输入的第一行。该用户已有
的令牌在过期或被吊销（gridctl user revoke-tokens）之前仍然有效。

gridd 首次运行时创建 admin 账号并设随机密码；用以下命令修改：
  gridctl user set-password admin`,
	setup: func(fs *flag.FlagSet) runFunc {
		passwordStdin := fs.Bool("password-stdin", false, "从标准输入的第一行读取密码")
		return func(ctx context.Context, a *app, args []string) error {
			if len(args) != 1 {
				return usagef("user set-password 需要一个 用户名或编号")
			}
			dir, err := a.directoryClient()
			if err != nil {
				return err
			}
			id, err := resolveUser(ctx, dir, args[0])
			if err != nil {
				return err
			}
			password, err := a.newPassword(ctx, args[0], *passwordStdin)
			if err != nil {
				return err
			}
			resp, err := dir.UpdateUser(ctx, &pb.UpdateUserRequest{
				User: &pb.User{Id: id}, UpdateFields: []string{"password"}, Password: password,
			})
			if err != nil {
				return fmt.Errorf("set the password of %s: %w", args[0], err)
			}
			if a.opts.json {
				return writeJSON(a.stdout, resp.GetUser())
			}
			fmt.Fprintf(a.stdout, "已设置 %s 的密码\n", sanitizeLine(userLabel(resp.GetUser(), args[0])))
			return nil
		}
	},
}

var userDisableCommand = &command{
	name:    "disable",
	args:    "用户名或编号",
	summary: "停用账号并吊销其令牌（仅管理员）",
	setup: func(fs *flag.FlagSet) runFunc {
		return func(ctx context.Context, a *app, args []string) error {
			if len(args) != 1 {
				return usagef("user disable 需要一个 用户名或编号")
			}
			dir, err := a.directoryClient()
			if err != nil {
				return err
			}
			id, err := resolveUser(ctx, dir, args[0])
			if err != nil {
				return err
			}
			resp, err := dir.DisableUser(ctx, &pb.DisableUserRequest{Id: id})
			if err != nil {
				return fmt.Errorf("disable user %s: %w", args[0], err)
			}
			if a.opts.json {
				return writeJSON(a.stdout, resp.GetUser())
			}
			fmt.Fprintf(a.stdout, "已停用 %s，其令牌均已失效\n", sanitizeLine(userLabel(resp.GetUser(), args[0])))
			return nil
		}
	},
}

var userRevokeTokensCommand = &command{
	name:    "revoke-tokens",
	args:    "用户名或编号",
	summary: "让用户在所有设备上退出：吊销其全部令牌（仅管理员）",
	setup: func(fs *flag.FlagSet) runFunc {
		return func(ctx context.Context, a *app, args []string) error {
			if len(args) != 1 {
				return usagef("user revoke-tokens 需要一个 用户名或编号")
			}
			dir, err := a.directoryClient()
			if err != nil {
				return err
			}
			id, err := resolveUser(ctx, dir, args[0])
			if err != nil {
				return err
			}
			auth, err := a.authClient(true)
			if err != nil {
				return err
			}
			resp, err := auth.RevokeTokens(ctx, &pb.RevokeTokensRequest{UserId: id})
			if err != nil {
				return fmt.Errorf("revoke tokens of %s: %w", args[0], err)
			}
			if a.opts.json {
				return writeJSON(a.stdout, resp)
			}
			fmt.Fprintf(a.stdout, "已吊销 %d 个令牌（%s）\n", resp.GetRevoked(), sanitizeLine(args[0]))
			return nil
		}
	},
}

// listAllUsers reads every page of ListUsers, of one grid when gridID is
// given.
func listAllUsers(ctx context.Context, dir pb.DirectoryServiceClient, gridID string) ([]*pb.User, error) {
	var all []*pb.User
	err := paginate(func(token string) (string, error) {
		resp, err := dir.ListUsers(ctx, &pb.ListUsersRequest{GridId: gridID, PageSize: listPageSize, PageToken: token})
		if err != nil {
			return "", fmt.Errorf("list users: %w", err)
		}
		all = append(all, resp.GetUsers()...)
		return resp.GetNextPageToken(), nil
	})
	return all, err
}

// resolveUser returns the id of the user named by s: an id as it is, a
// username or a display name (陈静) looked up with ListUsers.
func resolveUser(ctx context.Context, dir pb.DirectoryServiceClient, s string) (string, error) {
	s = strings.TrimSpace(s)
	if u, err := uuid.Parse(s); err == nil {
		return u.String(), nil
	}
	users, err := listAllUsers(ctx, dir, "")
	if err != nil {
		return "", err
	}
	return findUser(users, s)
}

// findUser finds the user s names among users: the one with username s
// (usernames are lower-case, so case is ignored), else the one with
// display name s, else the one whose display name is s and a remark in
// brackets (陈静 for 陈静（红星村网格员）). Two people may share a name:
// then an enabled account is preferred to a disabled one, and if that
// leaves more than one the error lists their usernames to choose from.
func findUser(users []*pb.User, s string) (string, error) {
	var named, short []*pb.User
	for _, u := range users {
		if strings.EqualFold(u.GetUsername(), s) {
			return u.GetId(), nil
		}
		switch name := u.GetDisplayName(); {
		case name == "":
		case name == s:
			named = append(named, u)
		case personalName(name) == s:
			short = append(short, u)
		}
	}
	if len(named) == 0 {
		named = short
	}
	if len(named) > 1 {
		if enabled := slices.DeleteFunc(slices.Clone(named), (*pb.User).GetDisabled); len(enabled) > 0 {
			named = enabled
		}
	}
	switch len(named) {
	case 0:
		return "", fmt.Errorf("没有名为 %q 的用户（gridctl user list 可列出全部用户）", s)
	case 1:
		return named[0].GetId(), nil
	}
	usernames := make([]string, len(named))
	for i, u := range named {
		usernames[i] = u.GetUsername()
	}
	return "", fmt.Errorf("有 %d 位用户都叫 %s：%s；请用用户名指明是哪一位", len(named), s, strings.Join(usernames, "、"))
}

// personalName is a display name without the remark in brackets after it:
// 陈静 for 陈静（红星村网格员）.
func personalName(display string) string {
	if i := strings.IndexAny(display, "（("); i > 0 {
		return strings.TrimSpace(display[:i])
	}
	return display
}

// writeUsers prints users as a table, naming their grids.
func (a *app) writeUsers(ctx context.Context, users []*pb.User) error {
	var grids []*pb.Grid
	for _, u := range users {
		if len(u.GetGridIds()) > 0 {
			if dir, err := a.directoryClient(); err == nil {
				grids, _ = listAllGrids(ctx, dir) // ids will do if names cannot be had
			}
			break
		}
	}
	t := newTable("用户名", "姓名", "角色", "网格", "状态", "编号")
	for _, u := range users {
		state := "启用"
		if u.GetDisabled() {
			state = "已停用"
		}
		t.add(u.GetUsername(), u.GetDisplayName(), roleName(u.GetRole()), userGrids(u, grids), state, u.GetId())
	}
	return t.write(a.stdout)
}

// userGrids writes a user's scope: "全部", or its grids by name.
func userGrids(u *pb.User, grids []*pb.Grid) string {
	if u.GetAllGrids() {
		return "全部"
	}
	if len(u.GetGridIds()) == 0 {
		return "-"
	}
	return gridNames(u.GetGridIds(), grids)
}

func userLabel(u *pb.User, fallback string) string {
	if u.GetUsername() == "" {
		return fallback
	}
	if u.GetDisplayName() == "" {
		return u.GetUsername()
	}
	return u.GetUsername() + " (" + u.GetDisplayName() + ")"
}

// Roles as they are written on the command line.
var roleNames = map[pb.Role]string{
	pb.Role_ROLE_WORKER:     "worker",
	pb.Role_ROLE_SUPERVISOR: "supervisor",
	pb.Role_ROLE_ADMIN:      "admin",
	pb.Role_ROLE_DISTRICT:   "district",
}

// roleName is a role as a person reads it (the flag's word is in roleNames).
func roleName(r pb.Role) string { return words.Label(words.Role, r) }

// parseRole takes a role as --role names it, or as gridctl prints it (网格员).
func parseRole(s string) (pb.Role, bool) {
	word := strings.TrimSpace(s)
	s = strings.ToLower(word)
	for r, n := range roleNames {
		if n == s || roleName(r) == word {
			return r, true
		}
	}
	return pb.Role_ROLE_UNSPECIFIED, false
}

// streetsFlag is --street: street ids, repeated or comma-separated, for a
// district account's statistics (none: every street it is given).
type streetsFlag []int64

func (f *streetsFlag) String() string {
	parts := make([]string, len(*f))
	for i, id := range *f {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(parts, ",")
}

func (f *streetsFlag) Set(v string) error {
	for part := range strings.SplitSeq(v, ",") {
		id, err := strconv.ParseInt(strings.TrimSpace(part), 10, 64)
		if err != nil || id < 1 {
			return fmt.Errorf("街道编号 %q 不是正整数", part)
		}
		*f = append(*f, id)
	}
	return nil
}

// stringsFlag is a flag that may be repeated.
type stringsFlag []string

func (f *stringsFlag) String() string { return strings.Join(*f, ",") }

func (f *stringsFlag) Set(v string) error {
	*f = append(*f, v)
	return nil
}
