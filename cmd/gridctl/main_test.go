package main

import (
	"bytes"
	"context"
	"flag"
	"io"
	"strings"
	"testing"
)

// result is what one run of gridctl left.
type result struct {
	code           int
	stdout, stderr string
}

// isolate gives the test its own config folder and clears the GRIDCTL_*
// variables, and returns the folder.
func isolate(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	t.Setenv(EnvServer, "")
	t.Setenv(EnvToken, "")
	// China time unless a test says otherwise; run sets the zone anew
	// each time, so put it back for the tests that format directly.
	t.Setenv("TZ", "")
	t.Cleanup(func() { chinaTime = mustZone(DefaultZone) })
	return dir
}

// gridctl runs the command with stdin as its standard input.
func gridctl(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(stdin), &out, &errOut)
	return result{code: code, stdout: out.String(), stderr: errOut.String()}
}

// mustGridctl runs the command and fails the test unless it succeeds.
func mustGridctl(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	r := gridctl(t, stdin, args...)
	if r.code != exitOK {
		t.Fatalf("gridctl %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r.stdout
}

func TestUsageErrorsExitTwo(t *testing.T) {
	isolate(t)
	tests := []struct {
		name string
		args []string
		want string // in stderr
	}{
		{"no command", nil, "用法：gridctl"},
		{"unknown command", []string{"frobnicate"}, `未知命令 "frobnicate"`},
		{"unknown global flag", []string{"--nope", "whoami"}, "未知选项 --nope"},
		{"bad timeout", []string{"--timeout", "soon", "whoami"}, `选项 --timeout 的值 "soon" 无效`},
		{"group without verb", []string{"user"}, "用法：gridctl user 命令"},
		{"unknown verb", []string{"user", "frob"}, `未知命令 "user frob"`},
		{"global flag after the command", []string{"user", "list", "--json"}, "全局选项写在命令之前"},
		{"unknown verb flag", []string{"grid", "list", "--colour"}, "未知选项 --colour"},
		{"stray argument", []string{"whoami", "me"}, "whoami 不带参数"},
		{"user add without username", []string{"user", "add", "--role", "worker"}, "--username 必填"},
		{"user add with bad role", []string{"user", "add", "--username", "w", "--role", "boss"}, `--role 必须是 worker、supervisor、admin 或 district，而不是 "boss"`},
		{"user add with grids and all grids", []string{"user", "add", "--username", "s", "--role", "supervisor", "--grid", "红星村", "--all-grids"}, "互相矛盾"},
		{"user disable without user", []string{"user", "disable"}, "需要一个 用户名或编号"},
		{"user disable with two users", []string{"user", "disable", "a", "b"}, "需要一个 用户名或编号"},
		{"password-stdin without username", []string{"login", "--password-stdin"}, "--password-stdin 需要 --username"},
		{"bad device id", []string{"login", "--username", "a", "--device-id", "phone"}, "不是有效的设备编号"},
		{"empty server", []string{"--server", " :", "whoami"}, "服务器地址"},
		{"ca and skip verify", []string{"--token", "t", "--ca", "x.pem", "--insecure-skip-verify", "whoami"}, "互相矛盾"},
		{"help for unknown command", []string{"help", "frob"}, "未知命令"},
		{"open with an unknown category", []string{"open", "--category", "fire"}, "--category 必须是 construction|house|other|polluting|safety|water 之一，而不是 \"fire\""},
		{"open with a negative due-within", []string{"open", "--due-within", "-1"}, "不能为负数"},
		{"open follow-ups and overdue", []string{"open", "--follow-up-due", "--overdue"}, "--follow-up-due 列出已结案的案件"},
		{"open with an argument", []string{"open", "红星村"}, "open 不带参数"},
		{"show without a report", []string{"show"}, "show 需要一个报告编号"},
		{"case without verb", []string{"case"}, "用法：gridctl case 命令"},
		{"assign without anyone", []string{"case", "assign", "1234abcd"}, "--to 用户名 和/或 --unit"},
		{"assign with a bad deadline", []string{"case", "assign", "1234abcd", "--to", "w", "--deadline", "7月1日"}, "不是日期"},
		{"assign two reports", []string{"case", "assign", "a", "b", "--to", "w"}, "case assign 需要一个报告编号"},
		{"reject without a reason", []string{"case", "reject", "1234abcd"}, "请给出 --invalid 或 --duplicate-of"},
		{"reject with both reasons", []string{"case", "reject", "1234abcd", "--invalid", "--duplicate-of", "99"}, "请给出 --invalid 或 --duplicate-of"},
		{"progress without a note", []string{"case", "progress", "1234abcd"}, "--note 必填"},
		{"notice without a kind", []string{"case", "notice", "1234abcd"}, "--kind 必填"},
		{"notice of an unknown kind", []string{"case", "notice", "1234abcd", "--kind", "letter"}, "--kind 必须是 enforcement|hazard|order 之一"},
		{"enforcement without a department", []string{"case", "notice", "1234abcd", "--kind", "enforcement"}, "需要用 --department"},
		{"interview without anyone", []string{"case", "interview", "1234abcd", "--where", "街道"}, "--who 必填"},
		{"rectify with an unknown disposition", []string{"case", "rectify", "1234abcd", "--disposition", "fixed"}, "--disposition 必须是"},
		{"rectify an area not demolished", []string{"case", "rectify", "1234abcd", "--area", "12"}, "--area 是拆除面积"},
		{"verify without a verdict", []string{"case", "verify", "1234abcd"}, "请给出 --pass 或 --fail"},
		{"verify both ways", []string{"case", "verify", "1234abcd", "--pass", "--fail"}, "请给出 --pass 或 --fail"},
		{"fail without a reason", []string{"case", "verify", "1234abcd", "--fail"}, "--fail 需要 --reason"},
		{"pass with a reason", []string{"case", "verify", "1234abcd", "--pass", "--reason", "x"}, "--reason 须与 --fail 同用"},
		{"comment without a note", []string{"case", "comment", "1234abcd"}, "--note 必填"},
		{"extend without a date", []string{"case", "extend", "1234abcd", "--reason", "x"}, "--to 日期 必填"},
		{"extend without a reason", []string{"case", "extend", "1234abcd", "--to", "2024-07-01"}, "--reason 必填"},
		{"return without a want", []string{"case", "return", "1234abcd"}, "--want 必填"},
		{"return for an unknown want", []string{"case", "return", "1234abcd", "--want", "photo,video"}, "--want 必须是 address|description|other|photo 之一"},
		{"supplement with nothing", []string{"case", "supplement", "1234abcd"}, "请给出 --description"},
		{"returned and overdue", []string{"open", "--returned", "--overdue"}, "--returned 列出尚未派遣的案件"},
		{"force and expect-version", []string{"case", "comment", "1234abcd", "--note", "x", "--force", "--expect-version", "3"}, "互相矛盾"},
		{"set-password without a user", []string{"user", "set-password"}, "需要一个 用户名或编号"},
		{"a Chinese word that is no category", []string{"open", "--category", "火灾"}, `--category 必须是`},
		{"a typo'd command", []string{"opne"}, `未知命令 "opne"，是否要输入 open？`},
		{"a typo'd verb", []string{"case", "asign"}, `未知命令 "case asign"，是否要输入 assign？`},
		{"a zone that does not exist", []string{"--tz", "Mars/Olympus", "open"}, `时区 "Mars/Olympus" 无法识别`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := gridctl(t, "", tt.args...)
			if r.code != exitUsage {
				t.Errorf("exit = %d, want %d; stderr:\n%s", r.code, exitUsage, r.stderr)
			}
			if !strings.Contains(r.stderr, tt.want) {
				t.Errorf("stderr = %q, want it to contain %q", r.stderr, tt.want)
			}
			if words := helpEnglishWords(r.stderr, tt.args); len(words) > 0 {
				t.Errorf("stderr has English %q:\n%s", words, r.stderr)
			}
			if r.stdout != "" {
				t.Errorf("stdout = %q, want nothing", r.stdout)
			}
		})
	}
}

func TestHelpExitsZeroAndListsEveryCommand(t *testing.T) {
	isolate(t)
	out := mustGridctl(t, "", "help")
	for _, want := range []string{"login", "logout", "whoami", "open", "show", "case assign", "case reject", "case progress",
		"case notice", "case interview", "case rectify", "case verify", "case follow-up", "case comment", "case extend",
		"user add", "user list", "user set-password", "user disable", "user revoke-tokens", "grid list", "--server", "--token", "--tls", "--ca", "--insecure-skip-verify", "--json", "--timeout", "--tz", "不安全"} {
		if !strings.Contains(out, want) {
			t.Errorf("gridctl help does not mention %q:\n%s", want, out)
		}
	}
	for _, args := range [][]string{{"-h"}, {"--help"}, {"user", "add", "-h"}, {"help", "user", "add"}, {"user", "-h"}, {"user", "disable", "--help"}, {"help", "grid"}} {
		r := gridctl(t, "", args...)
		if r.code != exitOK || !strings.Contains(r.stdout, "用法：gridctl") {
			t.Errorf("gridctl %s: exit %d, stdout %q, stderr %q", strings.Join(args, " "), r.code, r.stdout, r.stderr)
		}
	}
	for _, args := range [][]string{{"show", "-h"}, {"case", "assign", "-h"}, {"help", "case", "verify"}} {
		if out := mustGridctl(t, "", args...); !strings.Contains(out, "任意唯一的末尾几位") {
			t.Errorf("gridctl %s does not say how a report is named:\n%s", strings.Join(args, " "), out)
		}
	}
	add := mustGridctl(t, "", "user", "add", "-h")
	for _, want := range []string{"--username", "--name", "--role", "--grid", "--all-grids", "--password-stdin"} {
		if !strings.Contains(add, want) {
			t.Errorf("gridctl user add -h does not mention %s:\n%s", want, add)
		}
	}
}

func TestFlagsMayFollowArguments(t *testing.T) {
	var f stringsFlag
	fs := newTestFlagSet(&f)
	pos, err := parseInterspersed(fs, []string{"worker01", "--grid", "红星村", "extra", "--grid=金石社区", "--", "--grid"})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(pos, "|"), "worker01|extra|--grid"; got != want {
		t.Errorf("positional = %q, want %q", got, want)
	}
	if got, want := strings.Join(f, "|"), "红星村|金石社区"; got != want {
		t.Errorf("--grid = %q, want %q", got, want)
	}
}

func newTestFlagSet(grids *stringsFlag) *flag.FlagSet {
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Var(grids, "grid", "")
	return fs
}
