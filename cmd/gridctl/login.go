package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"google.golang.org/grpc/codes"

	"github.com/gridinspect/gridinspect"
	"github.com/gridinspect/gridinspect/internal/words"
	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

var loginCommand = &command{
	name:    "login",
	summary: "登录服务器并保存令牌",
	help: `询问用户名（除非给了 --username）和密码，密码从终端读取，不回显；
--password-stdin 改为读取标准输入的第一行，供脚本使用。令牌按 --server 指定的
服务器和用户保存，只有你能读，因此可以同时使用多台服务器和多个账号：最近登录
的用户为当前用户；全局选项 --as 用户名 让一条命令使用另一个已保存的登录，不必
重新登录（gridctl --as worker01 open）。--list 列出该服务器上保存的登录。设备编号每台机器生成
一次，与保存的令牌放在一起。再次登录时会一并发送同一用户和设备已保存的令牌
（不论是否过期）：它证明这台机器以前登录过，这样别处有人猜用户名也不会把
账号主人锁在外面。

示例：
  gridctl login --username supervisor
  gridctl login --username worker01
  gridctl --as worker01 open
  gridctl login --list`,
	setup: func(fs *flag.FlagSet) runFunc {
		username := fs.String("username", "", "以用户 `用户名` 登录（默认：询问）")
		deviceID := fs.String("device-id", "", "发送此设备`编号`，而不是本机的")
		passwordStdin := fs.Bool("password-stdin", false, "从标准输入的第一行读取密码")
		list := fs.Bool("list", false, "列出该服务器上保存的登录，不登录")
		return func(ctx context.Context, a *app, args []string) error {
			if len(args) > 0 {
				return usagef("login 不带参数（是否要写 --username %s？）", args[0])
			}
			if *list {
				return a.listLogins()
			}
			if *username == "" {
				*username = a.opts.as // gridctl --as worker01 login
			}
			return a.login(ctx, *username, *deviceID, *passwordStdin)
		}
	},
}

func (a *app) login(ctx context.Context, username, deviceID string, passwordStdin bool) error {
	server, err := a.serverAddr()
	if err != nil {
		return err
	}
	store, err := a.credentialStore()
	if err != nil {
		return err
	}
	if deviceID != "" {
		if _, err := uuid.Parse(deviceID); err != nil {
			return usagef("--device-id %q 不是有效的设备编号", deviceID)
		}
	} else if deviceID, err = store.deviceID(); err != nil {
		return err
	}

	username = strings.TrimSpace(username)
	if username == "" {
		if passwordStdin {
			return usagef("--password-stdin 需要 --username")
		}
		if username, err = a.prompt(ctx, "用户名："); err != nil {
			return err
		}
		if username = strings.TrimSpace(username); username == "" {
			return errors.New("没有输入用户名")
		}
	}
	var password string
	if passwordStdin {
		password, err = a.passwordFromStdin(ctx)
	} else {
		password, err = a.readSecret(ctx, fmt.Sprintf("%s 在 %s 的密码：", username, server))
	}
	if err != nil {
		return err
	}
	if password == "" {
		return errors.New("没有输入密码")
	}

	client, err := a.authClient(false)
	if err != nil {
		return err
	}
	a.tokenSource = tokenForLogin
	// Only this user's own earlier token, from this device, vouches.
	if earlier, ok, err := store.getAs(server, username); err == nil && ok && earlier.DeviceID == deviceID &&
		gridinspect.FoldUsername(earlier.Username) == gridinspect.FoldUsername(username) {
		a.token, a.sendToken = earlier.Token, true
	}
	resp, err := client.Login(ctx, &pb.LoginRequest{Username: username, Password: password, DeviceId: deviceID})
	if err != nil {
		return fmt.Errorf("log in: %w", err)
	}
	saved := savedLogin{
		Token:    resp.GetToken(),
		Username: resp.GetUser().GetUsername(),
		UserID:   resp.GetUser().GetId(),
		DeviceID: deviceID,
		SavedAt:  now().UTC().Truncate(time.Second),
	}
	if resp.GetExpiresAt() != nil {
		saved.ExpiresAt = resp.GetExpiresAt().AsTime()
	}
	if saved.Username == "" {
		saved.Username = username
	}
	if saved.Token == "" {
		return errors.New("log in: the server sent no token")
	}
	if err := store.put(server, saved); err != nil {
		return err
	}

	if a.opts.token != "" || os.Getenv(EnvToken) != "" {
		fmt.Fprintf(a.stderr, "gridctl: 提示：已设置 --token 或 $%s，将用它代替保存的令牌\n", EnvToken)
	}
	if a.opts.json {
		// The token stays in the credentials file: not in scripts' logs.
		resp.Token = ""
		return writeJSON(a.stdout, resp)
	}
	u := resp.GetUser()
	fmt.Fprintf(a.stdout, "已以 %s 登录 %s", sanitizeLine(saved.Username), server)
	if u.GetDisplayName() != "" {
		fmt.Fprintf(a.stdout, "（%s，%s）", sanitizeLine(u.GetDisplayName()), roleName(u.GetRole()))
	}
	fmt.Fprintln(a.stdout)
	if !saved.ExpiresAt.IsZero() {
		fmt.Fprintf(a.stdout, "令牌有效期至 %s\n", formatTime(saved.ExpiresAt))
	}
	return nil
}

// listLogins prints the logins saved for the server, marking the current
// one.
func (a *app) listLogins() error {
	server, err := a.serverAddr()
	if err != nil {
		return err
	}
	store, err := a.credentialStore()
	if err != nil {
		return err
	}
	logins, current, err := store.logins(server)
	if err != nil {
		return err
	}
	if len(logins) == 0 {
		fmt.Fprintf(a.stdout, "没有保存 %s 的登录\n", server)
		return nil
	}
	t := newTable()
	t.add("", "用户名", "令牌有效期至", "登录于")
	for _, l := range logins {
		mark := ""
		if userKey(l.Username) == userKey(current) {
			mark = "*"
		}
		t.add(mark, sanitizeLine(l.Username), formatTimeOrDash(l.ExpiresAt), formatTimeOrDash(l.SavedAt))
	}
	if err := t.write(a.stdout); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "* 为 %s 的当前用户；用 --as 用户名 换用另一个\n", server)
	return nil
}

// savedUsers names the users with a login saved for the server, the
// current one marked; "" when there is none or the file cannot be read.
func (a *app) savedUsers() string {
	store, err := a.credentialStore()
	if err != nil {
		return ""
	}
	logins, current, err := store.logins(a.server)
	if err != nil {
		return ""
	}
	names := make([]string, 0, len(logins))
	for _, l := range logins {
		name := l.Username
		if userKey(name) == userKey(current) {
			name += "（当前）"
		}
		names = append(names, name)
	}
	return strings.Join(names, "、")
}

// formatTimeOrDash is formatTime, or "-" for a time not known.
func formatTimeOrDash(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return formatTime(t)
}

var logoutCommand = &command{
	name:    "logout",
	summary: "在服务器上吊销令牌并删除保存的令牌",
	help: `在服务器上吊销当前用户的令牌，并从保存的登录中删除；
加全局选项 --as 用户名 时退出该用户。其他用户保存的登录不受影响。服务器已不
接受的令牌同样删除；连不上服务器时保留令牌，以便再次尝试退出。`,
	setup: func(fs *flag.FlagSet) runFunc {
		return func(ctx context.Context, a *app, args []string) error {
			if len(args) > 0 {
				return usagef("logout 不带参数")
			}
			return a.logout(ctx)
		}
	},
}

func (a *app) logout(ctx context.Context) error {
	client, err := a.authClient(true)
	if err != nil {
		return err
	}
	resp, err := client.Logout(ctx, &pb.LogoutRequest{})
	stale := false
	if err != nil {
		st, ok := grpcStatus(err)
		if !ok || st.Code() != codes.Unauthenticated {
			return fmt.Errorf("log out: %w", err)
		}
		stale = true // already revoked or expired: nothing to undo on the server
		resp = &pb.LogoutResponse{}
	}
	removed, err := a.forgetToken()
	if err != nil {
		return err
	}
	if a.opts.json {
		return writeJSON(a.stdout, resp)
	}
	switch {
	case stale:
		fmt.Fprintf(a.stdout, "令牌在 %s 已失效", a.server)
	default:
		fmt.Fprintf(a.stdout, "已退出 %s", a.server)
	}
	if removed {
		fmt.Fprint(a.stdout, "；已删除保存的令牌")
	}
	fmt.Fprintln(a.stdout)
	return nil
}

// forgetToken deletes the saved login for the server if it holds the token
// just revoked (a token from --token or the environment leaves a different
// saved one alone).
func (a *app) forgetToken() (bool, error) {
	store, err := a.credentialStore()
	if err != nil {
		return false, err
	}
	l, ok, err := store.getAs(a.server, a.opts.as)
	if err != nil || !ok || l.Token != a.token {
		return false, err
	}
	return store.removeAs(a.server, a.opts.as)
}

var whoamiCommand = &command{
	name:    "whoami",
	summary: "显示令牌所属的用户、角色、网格和街道，以及保存的登录",
	setup: func(fs *flag.FlagSet) runFunc {
		return func(ctx context.Context, a *app, args []string) error {
			if len(args) > 0 {
				return usagef("whoami 不带参数")
			}
			return a.whoami(ctx)
		}
	},
}

func (a *app) whoami(ctx context.Context) error {
	client, err := a.authClient(true)
	if err != nil {
		return err
	}
	resp, err := client.WhoAmI(ctx, &pb.WhoAmIRequest{})
	if err != nil {
		return fmt.Errorf("who am i: %w", err)
	}
	if a.opts.json {
		return writeJSON(a.stdout, resp)
	}
	u := resp.GetUser()
	// Grid names make the scope readable; without them, the ids will do.
	var grids []*pb.Grid
	if len(u.GetGridIds()) > 0 {
		if dir, err := a.directoryClient(); err == nil {
			grids, _ = listAllGrids(ctx, dir)
		}
	}
	t := newTable()
	t.add("服务器", a.server)
	t.add("用户名", u.GetUsername())
	t.add("姓名", u.GetDisplayName())
	t.add("角色", roleName(u.GetRole()))
	t.add("网格", userGrids(u, grids))
	if streets := resp.GetStreets(); len(streets) > 0 {
		t.add("街道", streetNames(streets))
	}
	t.add("用户编号", u.GetId())
	t.add("设备编号", resp.GetDeviceId())
	if saved := a.savedUsers(); saved != "" {
		t.add("已登录", saved)
	}
	return t.write(a.stdout)
}

// streetNames names the streets a user reads for whoami: each by its name
// and number, the number being what --street takes (东城街道（2）), or
// "街道 1" for a street not named yet.
func streetNames(streets []*pb.Street) string {
	ns := make([]string, len(streets))
	for i, s := range streets {
		ns[i] = words.StreetName(s.GetId(), s.GetName())
		if s.GetName() != "" {
			ns[i] += "（" + strconv.FormatInt(s.GetId(), 10) + "）"
		}
	}
	return strings.Join(ns, "、")
}
