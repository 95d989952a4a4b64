// Command gridctl is the supervisor's and admin's command line for a
// gridinspect server: it logs in, lists the open cases and acts on them,
// and manages users and grids. It talks gRPC to the server named by
// --server or GRIDCTL_SERVER.
//
// Every verb lives in the file named for its group (login.go, open.go,
// show.go, case.go, summary.go, export.go, user.go, grid.go, backup.go)
// as a *command, and is listed once in commands below; a new verb is a
// new file and one line there.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"regexp"
	"strings"
	"syscall"
	"time"
)

// Exit codes.
const (
	exitOK    = 0
	exitError = 1 // the command failed
	exitUsage = 2 // the command line was wrong
)

// Defaults of the global flags.
const (
	DefaultServer  = "127.0.0.1:50051"
	DefaultTimeout = 30 * time.Second
)

// Environment variables read by gridctl.
const (
	EnvServer = "GRIDCTL_SERVER"
	EnvToken  = "GRIDCTL_TOKEN"
)

// commands are gridctl's verbs, in the order help lists them.
var commands = []*command{
	loginCommand,
	logoutCommand,
	whoamiCommand,
	openCommand,
	showCommand,
	caseCommand,
	patrolsCommand,
	summaryCommand,
	exportCommand,
	userCommand,
	gridCommand,
	rulesCommand,
	calendarCommand,
	backupCommand,
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is gridctl with its arguments (without the program name) and its
// standard files; it returns the exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	a := &app{stdin: stdin, stdout: stdout, stderr: stderr}
	defer a.close()

	fs := flag.NewFlagSet("gridctl", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	a.opts.register(fs)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printMainUsage(stdout)
			return exitOK
		}
		return a.fail(&usageError{msg: flagErrorHint(err)})
	}
	zone, err := pickZone(a.opts.tz, os.Getenv("TZ"))
	if err != nil {
		return a.fail(err)
	}
	chinaTime = zone
	args = fs.Args()
	if len(args) == 0 {
		printMainUsage(stderr)
		return exitUsage
	}
	if args[0] == "help" {
		return a.help(args[1:])
	}
	cmd := findCommand(commands, args[0])
	if cmd == nil {
		return a.fail(&usageError{msg: fmt.Sprintf("未知命令 %q%s", args[0], suggest(commands, args[0]))})
	}
	return a.fail(a.dispatch(ctx, cmd, []string{cmd.name}, args[1:]))
}

// dispatch runs cmd (reached by path, e.g. ["user", "add"]) with args: it
// descends into a group's subcommands, or parses the verb's flags and runs it.
func (a *app) dispatch(ctx context.Context, cmd *command, path []string, args []string) error {
	// A group with a verb of its own (patrols --due) runs it when its
	// first argument is a flag other than help.
	ownVerb := cmd.setup != nil && len(args) > 0 && strings.HasPrefix(args[0], "-") && !isHelpFlag(args[0])
	if len(cmd.subs) > 0 && !ownVerb {
		if len(args) == 0 || isHelpFlag(args[0]) {
			w := a.stderr
			if len(args) > 0 {
				w = a.stdout
			}
			printCommandUsage(w, cmd, path)
			if len(args) == 0 {
				return &usageError{msg: fmt.Sprintf("%s 需要子命令", strings.Join(path, " ")), quiet: true}
			}
			return nil
		}
		sub := findCommand(cmd.subs, args[0])
		if sub == nil {
			return &usageError{msg: fmt.Sprintf("未知命令 %q%s", strings.Join(append(path, args[0]), " "), suggest(cmd.subs, args[0])), path: path}
		}
		return a.dispatch(ctx, sub, append(path, sub.name), args[1:])
	}

	fs := flag.NewFlagSet(strings.Join(path, " "), flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	runFn := cmd.setup(fs)
	rest, err := parseInterspersed(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printCommandUsage(a.stdout, cmd, path)
			return nil
		}
		return &usageError{msg: flagErrorHint(err), path: path}
	}
	if err := runFn(ctx, a, rest); err != nil {
		var u *usageError
		if errors.As(err, &u) && u.path == nil {
			u.path = path
		}
		return err
	}
	return nil
}

func isHelpFlag(s string) bool { return s == "-h" || s == "--help" || s == "-help" }

// help prints the usage of gridctl or of the command named by args.
func (a *app) help(args []string) int {
	if len(args) == 0 {
		printMainUsage(a.stdout)
		return exitOK
	}
	cmds, path := commands, []string{}
	var cmd *command
	for _, name := range args {
		cmd = findCommand(cmds, name)
		if cmd == nil {
			return a.fail(&usageError{msg: fmt.Sprintf("没有 %q 的帮助：未知命令", strings.Join(args, " "))})
		}
		path = append(path, cmd.name)
		cmds = cmd.subs
	}
	printCommandUsage(a.stdout, cmd, path)
	return exitOK
}

// runFunc runs a verb with its positional arguments, its flags already
// parsed into the variables its setup declared.
type runFunc func(ctx context.Context, a *app, args []string) error

// command is one verb of gridctl ("whoami"), or a group of verbs ("user",
// whose subs are "add", "list", …).
type command struct {
	name string
	// args is the synopsis after the name and flags, e.g. "用户名或编号".
	args string
	// summary is one line for the list of commands.
	summary string
	// help is the longer text under the usage line; may be empty.
	help string
	// setup declares the verb's flags on fs and returns the function that
	// runs it. Nil for a group.
	setup func(fs *flag.FlagSet) runFunc
	// subs are the verbs of a group.
	subs []*command
}

func findCommand(cmds []*command, name string) *command {
	for _, c := range cmds {
		if c.name == name {
			return c
		}
	}
	return nil
}

// parseInterspersed parses flags wherever they stand among the positional
// arguments ("user disable worker01 --json" as well as "--json worker01"),
// up to a "--", and returns the positional arguments.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		// fs.Parse stops at the first non-flag, which it keeps, or just
		// after a "--", which it drops: everything after "--" is positional.
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// usageError is a mistake on the command line: exit code 2 and a pointer
// to the help.
type usageError struct {
	msg string
	// path is the command whose usage applies; nil for gridctl itself.
	path []string
	// quiet: the usage was already printed.
	quiet bool
}

func (e *usageError) Error() string { return e.msg }

// usagef returns a usage error for the running command.
func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// flagErrorHint explains a flag error, pointing at the global flags when a
// global flag was put after the command.
func flagErrorHint(err error) string {
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: -"); ok {
		msg = "未知选项 --" + name
		if isGlobalFlag(name) {
			return fmt.Sprintf("%s（全局选项写在命令之前：gridctl --%s … 命令）", msg, name)
		}
		return msg
	}
	if name, ok := strings.CutPrefix(msg, "flag needs an argument: -"); ok {
		return "选项 --" + name + " 需要一个值"
	}
	// The flag package says: invalid value "soon" for flag -timeout: parse error
	if m := invalidFlagValue.FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("选项 --%s 的值 %s 无效", m[2], m[1])
	}
	return msg
}

// invalidFlagValue is the flag package's error for a value it cannot parse.
var invalidFlagValue = regexp.MustCompile(`^invalid (?:value|boolean value) ("[^"]*") for flag -([\w-]+)`)

// globalOptions are the flags that come before the command.
type globalOptions struct {
	server             string
	token              string
	tls                bool
	ca                 string
	insecureSkipVerify bool
	json               bool
	timeout            time.Duration
	tz                 string
	as                 string
}

// globalFlagNames are the names register declares, for flagErrorHint.
var globalFlagNames = []string{"server", "token", "tls", "ca", "insecure-skip-verify", "json", "timeout", "tz", "as"}

func isGlobalFlag(name string) bool {
	name, _, _ = strings.Cut(name, "=")
	for _, n := range globalFlagNames {
		if n == name {
			return true
		}
	}
	return false
}

func (o *globalOptions) register(fs *flag.FlagSet) {
	fs.StringVar(&o.server, "server", "", "要连接的服务器，写作 `地址:端口`（默认 $"+EnvServer+"，否则 "+DefaultServer+"）")
	fs.StringVar(&o.token, "token", "", "`令牌`（默认 $"+EnvToken+"，否则用 gridctl login 为该服务器保存的令牌）")
	fs.BoolVar(&o.tls, "tls", false, "加密通信，信任本机系统认可的证书（默认：不加密）")
	fs.StringVar(&o.ca, "ca", "", "加密通信，只信任证书`文件`（.pem，由服务器管理员提供）中的证书")
	fs.BoolVar(&o.insecureSkipVerify, "insecure-skip-verify", false, "加密通信但不核对服务器证书，仅供测试；不安全：途经的任何人都能读到密码和令牌")
	fs.BoolVar(&o.json, "json", false, "以 JSON 格式输出，供脚本使用（列表为数组）")
	fs.DurationVar(&o.timeout, "timeout", DefaultTimeout, "调用超过`时长`即放弃，例如 90s、2m（0：不限）")
	fs.StringVar(&o.as, "as", "", "以用户 `用户名` 在该服务器上保存的登录执行这一条命令，不必重新登录（默认：最近登录的用户）")
	fs.StringVar(&o.tz, "tz", "", "按`时区`显示和读取时间（默认 $TZ，否则 "+DefaultZone+"）")
}

func printMainUsage(w io.Writer) {
	fmt.Fprint(w, `gridctl 是 gridinspect 服务器的命令行工具，供主管和管理员使用。

用法：gridctl [全局选项] 命令 [选项] [参数]

命令：
`)
	t := newTable()
	for _, c := range commands {
		if len(c.subs) == 0 {
			t.add("  "+c.name, c.summary)
			continue
		}
		for _, s := range c.subs {
			t.add("  "+c.name+" "+s.name, s.summary)
		}
	}
	t.add("  help [命令]", "显示 gridctl 或某个命令的帮助")
	t.write(w)
	fmt.Fprint(w, "\n全局选项：\n")
	fs := flag.NewFlagSet("gridctl", flag.ContinueOnError)
	var o globalOptions
	o.register(fs)
	printFlags(w, fs)
	fmt.Fprintf(w, `
不加 --tls、--ca 或 --insecure-skip-verify 时 gridctl 不加密通信；服务器只在
本机上允许不加密的通信，除非以 --insecure 启动。
gridctl login 按服务器和用户把令牌保存在
%s；
最近登录的用户为当前用户，--as 用户名 换用另一个已保存的登录。

运行 "gridctl 命令 -h" 查看命令的选项。
`, credentialsPathHint())
}

func printCommandUsage(w io.Writer, cmd *command, path []string) {
	name := "gridctl " + strings.Join(path, " ")
	if len(cmd.subs) > 0 {
		fmt.Fprintf(w, "用法：%s 命令 [选项] [参数]\n\n%s\n\n命令：\n", name, cmd.summary)
		t := newTable()
		for _, s := range cmd.subs {
			t.add("  "+s.name, s.summary)
		}
		t.write(w)
		if cmd.setup != nil {
			fs := flag.NewFlagSet(name, flag.ContinueOnError)
			cmd.setup(fs)
			if cmd.help != "" {
				fmt.Fprintf(w, "\n%s\n", strings.TrimSpace(cmd.help))
			}
			fmt.Fprint(w, "\n不带命令时的选项：\n")
			printFlags(w, fs)
		}
		fmt.Fprintf(w, "\n运行 \"%s 命令 -h\" 查看命令的选项。\n", name)
		return
	}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	cmd.setup(fs)
	synopsis := name
	hasFlags := false
	fs.VisitAll(func(*flag.Flag) { hasFlags = true })
	if hasFlags {
		synopsis += " [选项]"
	}
	if cmd.args != "" {
		synopsis += " " + cmd.args
	}
	fmt.Fprintf(w, "用法：%s\n\n%s\n", synopsis, cmd.summary)
	if cmd.help != "" {
		fmt.Fprintf(w, "\n%s\n", strings.TrimSpace(cmd.help))
	}
	if hasFlags {
		fmt.Fprint(w, "\n选项：\n")
		printFlags(w, fs)
	}
	fmt.Fprint(w, "\n全局选项（--server、--token、--json 等）写在命令之前，见 \"gridctl help\"。\n")
}

// printFlags lists fs's flags with two dashes, as they are written in the
// help.
func printFlags(w io.Writer, fs *flag.FlagSet) {
	fs.VisitAll(func(f *flag.Flag) {
		arg, usage := flag.UnquoteUsage(f)
		line := "  --" + f.Name
		if arg != "" {
			line += " " + arg
		}
		fmt.Fprintf(w, "%s\n      %s", line, usage)
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "[]" && f.DefValue != "0" && !strings.Contains(usage, "默认") {
			fmt.Fprintf(w, "（默认 %s）", f.DefValue)
		}
		fmt.Fprintln(w)
	})
}

// suggest names the command of cmds nearest to a mistyped name, as
// "，是否要输入 open？", or "" when none is near.
func suggest(cmds []*command, name string) string {
	best, bestDist := "", 3 // more than two edits away is no suggestion
	for _, c := range cmds {
		if d := editDistance(name, c.name); d < bestDist {
			best, bestDist = c.name, d
		}
	}
	if best == "" {
		return ""
	}
	return "，是否要输入 " + best + "？"
}

// editDistance is the Damerau–Levenshtein distance (adjacent swaps count
// one) between a and b.
func editDistance(a, b string) int {
	x, y := []rune(a), []rune(b)
	d := make([][]int, len(x)+1)
	for i := range d {
		d[i] = make([]int, len(y)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(x); i++ {
		for j := 1; j <= len(y); j++ {
			cost := 1
			if x[i-1] == y[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && x[i-1] == y[j-2] && x[i-2] == y[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(x)][len(y)]
}
