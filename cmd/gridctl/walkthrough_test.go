package main

import (
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

// asciiWord is a run of Latin letters, with the digits, dots, dashes and
// colons that may join it into one token ("worker01", "127.0.0.1:5005",
// "--to", "018e9c96-9ca0-7b72").
var asciiWord = regexp.MustCompile(`[A-Za-z0-9_.:/\-]*[A-Za-z][A-Za-z0-9_.:/\-]*`)

// idLike is a token a person copies rather than reads: an id or its tail
// (hex with a digit), an address, a number with a unit of the API.
var idLike = regexp.MustCompile(`^([0-9a-f]+(-[0-9a-f]+)*|[0-9.]+:[0-9]+)$`)

// allowedWords are the ASCII tokens a supervisor may meet in gridctl's
// Chinese output: the program and its subcommands in a hint, flags, the
// usernames the walk-through types (and worker02, of the street, named
// by the appraisal), the map datum and the grades of a
// house (A级…D级).
var allowedWords = map[string]bool{
	"gridctl": true, "show": true, "login": true,
	"supervisor": true, "worker01": true, "worker02": true, "worker11": true, "admin": true,
	"Riverside": true, // a grid of the test street named in English
	"WGS-84":    true, "A": true, "B": true, "C": true, "D": true,
	"csv": true, "xlsx": true, // file names the walk-through chose
	"KB": true, "MB": true, "GB": true, // sizes, as Windows' Explorer writes them
}

// englishWords returns the ASCII words of out a person would have to
// read: those that are not ids, flags, numbers or allowed.
func englishWords(out string) []string {
	var found []string
	out = commandLine.ReplaceAllString(out, "")
	for _, w := range asciiWord.FindAllString(out, -1) {
		w = strings.Trim(w, ".:/")
		switch {
		case w == "", strings.HasPrefix(w, "-"), allowedWords[w], idLike.MatchString(w):
			continue
		case strings.HasSuffix(w, ".csv"), strings.HasSuffix(w, ".xlsx"), strings.HasSuffix(w, ".tar.gz"):
			continue
		}
		found = append(found, w)
	}
	return found
}

// commandLine is a command gridctl suggests ("gridctl case assign -h"):
// its subcommand names stay ASCII, as its flags do.
var commandLine = regexp.MustCompile(`gridctl( [a-z][a-z-]*)*`)

// notChinaTime finds a time written in UTC: an RFC 3339 "Z", or the word.
var notChinaTime = regexp.MustCompile(`\d\d:\d\d(:\d\d(\.\d+)?)?Z\b|\bUTC\b|\bGMT\b`)

// TestTheWalkThroughSpeaksChinese runs the README's walk-through — the
// admin's first steps, a case's whole life, the summary and an export —
// and fails on any English word in what gridctl prints for a person, and
// on any time not in China time.
func TestTheWalkThroughSpeaksChinese(t *testing.T) {
	s := startStreet(t, june3)
	id := shortID(s.mustSubmit(t, s.worker01, s.hazard("车间木屑粉尘堆积，电气线路未穿管保护")).GetId())
	dir := t.TempDir()
	step := func() { s.clock.Advance(time.Hour) }

	type command struct {
		stdin   string
		args    []string
		refused bool // the walk-through shows a refusal: its words count too
	}
	as := func(user, password string) command {
		return command{password + "\n", []string{"login", "--username", user, "--password-stdin"}, false}
	}
	cmd := func(args ...string) command { return command{"", args, false} }
	refused := func(args ...string) command { return command{"", args, true} }
	walk := []command{
		as("admin", s.adminPassword),
		cmd("whoami"),
		cmd("grid", "list"),
		cmd("user", "add", "--username", "worker11", "--name", "张三", "--role", "worker", "--grid", "红星村", "--password-stdin"),
		cmd("user", "list", "--grid", "红星村"),
		cmd("user", "disable", "worker11"),
		cmd("logout"),

		// The worker's login is kept for later (--as worker01); the
		// supervisor, who logs in last, is the current user.
		as("worker01", workerPassword),
		as("supervisor", supervisorPassword),
		cmd("login", "--list"),
		cmd("open", "--grid", "红星村"),
		cmd("show", id),
		refused("case", "progress", id, "--note", "已督促"),
		cmd("case", "assign", id, "--to", "worker01", "--unit", "芜湖红星木业加工厂", "--note", "清理粉尘,电线穿管"),
		cmd("case", "notice", id, "--kind", "order"),
		cmd("case", "interview", id, "--who", "厂长 王某", "--where", "街道安监办", "--outcome", "承诺一周内整改"),
		cmd("--as", "worker01", "whoami"),
		refused("--as", "worker01", "case", "assign", id, "--to", "worker01"),
		cmd("--as", "worker01", "case", "rectify", id, "--note", "粉尘已清理,线路已穿管"),
		cmd("case", "verify", id, "--fail", "--reason", "配电箱仍无防尘措施"),
		cmd("--as", "worker01", "case", "rectify", id, "--note", "配电箱已加装防尘罩"),
		cmd("case", "verify", id, "--pass"),
		cmd("case", "follow-up", id, "--relapsed", "--note", "车间粉尘再次堆积"),
		cmd("case", "extend", id, "--to", "2024-12-20", "--reason", "等待验收"),
		refused("case", "extend", id, "--to", "2024-12-10", "--reason", "提前"),
		cmd("show", id),
		cmd("open"),
		cmd("open", "--overdue"),
		cmd("summary"),
		cmd("summary", "--from", "2024-01-01", "--to", "2024-06-30"),
		cmd("summary", "--from", "2024-01-01", "--to", "2024-06-30", "--prose"),
		cmd("summary", "--by", "worker"),
		cmd("summary", "--from", "2024-01-01", "--to", "2024-06-30", "--by", "grid", "--xlsx", filepath.Join(dir, "kaohe.xlsx")),
		cmd("export", "--format", "xlsx", "--out", filepath.Join(dir, "open.xlsx"), "--open"),
		cmd("export", "--out", filepath.Join(dir, "hong.csv"), "--grid", "红星村"),
	}
	for _, c := range walk {
		if c.args[0] == "user" && c.args[1] == "add" {
			c.stdin = "worker11-pass\n"
		}
		step()
		r := gridctl(t, c.stdin, c.args...)
		line := "gridctl " + strings.Join(c.args, " ")
		if (r.code != exitOK) != c.refused {
			t.Errorf("%s: exit %d (refusal expected: %v)\n%s%s", line, r.code, c.refused, r.stdout, r.stderr)
			continue
		}
		out := r.stdout + r.stderr
		if words := englishWords(out); len(words) > 0 {
			t.Errorf("%s printed English %q:\n%s", line, words, out)
		}
		if m := notChinaTime.FindString(out); m != "" {
			t.Errorf("%s printed a time not in China time (%q):\n%s", line, m, out)
		}
	}
	// The JSON stays the API's, for scripts: enum names, and RFC 3339
	// times, in China time with their offset.
	for _, args := range [][]string{{"--json", "show", id}, {"--json", "open"}} {
		out := mustGridctl(t, "", args...)
		if !strings.Contains(out, `"REPORT_STATUS_RECTIFYING"`) || !strings.Contains(out, `"observedAt": "2024-06-03T08:00:00+08:00"`) {
			t.Errorf("gridctl %s lacks the API's enum name or a time in China time:\n%s", strings.Join(args, " "), out)
		}
		if m := notChinaTime.FindString(out); m != "" {
			t.Errorf("gridctl %s printed a time not in China time (%q)", strings.Join(args, " "), m)
		}
	}
}

// TestJSONTimesAreChinaTimeAndTextIsLeftAlone: only Timestamp fields move
// to +08:00; a description that looks like a time stays as written.
func TestJSONTimesAreChinaTimeAndTextIsLeftAlone(t *testing.T) {
	isolate(t)
	chinaTime = mustZone(DefaultZone)
	r := &pb.Report{
		Description: `"observedAt":"2024-06-03T01:00:00Z"`,
		ObservedAt:  timestamppb.New(time.Date(2024, 6, 3, 1, 0, 0, 0, time.UTC)),
	}
	b, err := marshalJSON(r)
	if err != nil {
		t.Fatal(err)
	}
	var got struct{ Description, ObservedAt string }
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if got.ObservedAt != "2024-06-03T09:00:00+08:00" || got.Description != r.Description {
		t.Errorf("observedAt %q, description %q", got.ObservedAt, got.Description)
	}
}

func TestEnglishWordsFindsWhatAPersonMustRead(t *testing.T) {
	for out, want := range map[string]string{
		"编号        类别":                            "",
		"997f7c2c：已上报 → 已派遣，版本 2":                 "",
		"已以 supervisor 登录 127.0.0.1:50611":        "",
		"位置  31.243718, 118.343892 (WGS-84) ±8 m": "m",
		"5 open cases, 0 overdue":                 "open cases overdue",
		"用法见 \"gridctl case assign -h\"":          "",
		"gridctl: failed precondition: cannot":    "failed precondition cannot",
	} {
		if got := strings.Join(englishWords(out), " "); got != want {
			t.Errorf("englishWords(%q) = %q, want %q", out, got, want)
		}
	}
}

// helpAllowedWords are the ASCII words a help text may keep beyond those
// the walk-through allows, all typed or seen as they are: the programs'
// names, the format names CSV, XLSX and JSON (what Excel, a file's
// extension and a script show), the environment variables, and file
// extensions. Besides these, the help test allows every command name, every
// flag value (safety, worker, …: each shown beside its Chinese word, which
// may be typed instead), paths ("/mnt/usb/", "Asia/Shanghai") and durations
// ("90s").
var helpAllowedWords = map[string]bool{
	"gridinspect": true, "gridd": true, "Excel": true,
	"CSV": true, "XLSX": true, "JSON": true,
	"GRIDCTL_SERVER": true, "GRIDCTL_TOKEN": true, "TZ": true, "NO_COLOR": true,
	"tmp": true, "pem": true, "tar.gz": true,
}

var duration = regexp.MustCompile(`^[0-9]+(s|m|h)$`)

// TestEveryHelpSpeaksChinese prints the help of gridctl and of every
// command and group, and fails on any English word in it beyond flags,
// command names, flag values and helpAllowedWords.
func TestEveryHelpSpeaksChinese(t *testing.T) {
	isolate(t)
	var paths [][]string
	var walk func(cmds []*command, path []string)
	walk = func(cmds []*command, path []string) {
		for _, c := range cmds {
			p := append(append([]string{}, path...), c.name)
			paths = append(paths, p)
			walk(c.subs, p)
		}
	}
	walk(commands, nil)
	check := func(line, out string) {
		if words := helpEnglishWords(out, nil); len(words) > 0 {
			t.Errorf("%s printed English %q:\n%s", line, words, out)
		}
	}
	check("gridctl -h", mustGridctl(t, "", "-h"))
	for _, p := range paths {
		args := append(append([]string{}, p...), "-h")
		check("gridctl "+strings.Join(args, " "), mustGridctl(t, "", args...))
	}
}

// helpEnglishWords are the English words of a help or usage message out
// beyond helpAllowedWords, command names, flag values and the words of
// args (a usage error quotes what was typed).
func helpEnglishWords(out string, args []string) []string {
	typed := map[string]bool{"help": true}
	for _, m := range []map[string]bool{keys(categoryFlags), keys(statusFlags), keys(dispositionFlags), keys(noticeFlags), keys(exportFormats),
		keys(periodFlags), keys(patrolKindFlags), keys(returnWantFlags)} {
		for k := range m {
			typed[k] = true
		}
	}
	for _, n := range roleNames {
		typed[n] = true
	}
	var walk func(cmds []*command)
	walk = func(cmds []*command) {
		for _, c := range cmds {
			typed[c.name] = true
			walk(c.subs)
		}
	}
	walk(commands)
	for _, a := range args {
		for _, w := range asciiWord.FindAllString(a, -1) {
			typed[strings.Trim(w, ".:/")] = true
		}
	}
	var words []string
	for _, w := range englishWords(out) {
		switch {
		case helpAllowedWords[w], typed[w], strings.Contains(w, "/"), duration.MatchString(w),
			strings.HasSuffix(w, ".tar.gz"), strings.HasSuffix(w, ".json"):
			continue
		}
		words = append(words, w)
	}
	return words
}

func keys[V any](m map[string]V) map[string]bool {
	k := make(map[string]bool, len(m))
	for n := range m {
		k[n] = true
	}
	return k
}
