// Package browsertest runs the web desk's tests in a real browser: Debian's
// chromium, headless, driven by chromedp. It owns starting and stopping the
// browser, tabs sized as an office PC or a phone, the console and page
// errors of each tab (uncaught exceptions, console.error, browser log errors
// such as a failed load, and Content-Security-Policy violations, which
// Chromium logs as errors), full-page screenshots kept for a person to look
// at, the check that a page needs no horizontal scrolling, and the page
// weight and time to a drawn page.
//
// It knows nothing of the desk's pages: tests in web/ say what to open and
// what to expect.
//
// Without a browser a test is skipped, unless the environment variable CI
// is set: then it fails, so CI never passes by skipping (.ci/run installs
// chromium when it is missing).
package browsertest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// Environment variables the package reads.
const (
	// EnvChromium names the browser binary, before the usual places.
	EnvChromium = "GRIDINSPECT_CHROMIUM"
	// EnvScreenshots names the folder screenshots go to; without it they go
	// to a new folder under os.TempDir(), which is left for a person to see.
	EnvScreenshots = "GRIDINSPECT_SCREENSHOTS"
)

// Browser is one headless chromium process for one test. Its tabs share
// cookies; open a second Browser for a second user.
type Browser struct {
	ctx context.Context // a chromedp context whose first tab started the browser
}

// New starts a headless chromium for the test and stops it when the test
// ends. It skips the test when no chromium is found, or fails it when the
// environment variable CI is set.
func New(t testing.TB) *Browser {
	t.Helper()
	path, err := findChromium()
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("browsertest: %v (CI is set, so a missing browser fails; .ci/run installs it)", err)
		}
		t.Skipf("browsertest: %v; install chromium or set %s", err, EnvChromium)
	}
	// TempDir first: cleanups run last-in first-out, so the browser has
	// exited before its profile folder is removed.
	profile := t.TempDir()
	opts := slices.Concat(chromedp.DefaultExecAllocatorOptions[:], []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.UserDataDir(profile),
		chromedp.Headless,
		chromedp.NoSandbox, // CI runs as root, where chromium refuses its sandbox
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		// Without these the machine's firewall refuses connections the
		// browser makes on its own and it logs errors about them.
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		// The office's browser: Chinese pages, date pickers and number
		// formats as its staff see them.
		chromedp.Flag("lang", "zh-CN"),
		chromedp.Flag("accept-lang", "zh-CN,zh"),
		chromedp.WindowSize(int(Desktop.Width), int(Desktop.Height)),
	})
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		stop, cancelStop := context.WithTimeout(ctx, 10*time.Second)
		defer cancelStop()
		_ = chromedp.Cancel(stop) // a browser that will not close is killed below
		cancel()
		cancelAlloc()
	})
	if err := chromedp.Do(ctx); err != nil { // starts the browser
		t.Fatalf("browsertest: start %s: %v", path, err)
	}
	return &Browser{ctx: ctx}
}

// findChromium returns the browser to run: $GRIDINSPECT_CHROMIUM, else
// /usr/bin/chromium, else chromium or chromium-browser on $PATH.
func findChromium() (string, error) {
	if p := os.Getenv(EnvChromium); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("%s=%s: %w", EnvChromium, p, err)
		}
		return p, nil
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium", nil
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", errors.New("no chromium found (looked at $" + EnvChromium + ", /usr/bin/chromium, chromium and chromium-browser on $PATH)")
}

// Viewport is the size a tab emulates.
type Viewport struct {
	Name          string // for messages and screenshot names
	Width, Height int64  // CSS pixels
	Scale         float64
	Mobile        bool // mobile emulation: touch, portrait, meta viewport honoured
}

// The two screens the desk must fit.
var (
	// Desktop is the common office PC screen.
	Desktop = Viewport{Name: "desktop", Width: 1366, Height: 768, Scale: 1}
	// Phone is a current phone held upright.
	Phone = Viewport{Name: "phone", Width: 390, Height: 844, Scale: 3, Mobile: true}
)

// Tab is one browser tab. It is the chromedp context to pass to
// chromedp.Run and chromedp.Do (it embeds it, so a Tab is the ctx), and it
// records the tab's errors and the bytes it has loaded since it opened.
type Tab struct {
	context.Context
	Viewport Viewport

	mu    sync.Mutex
	errs  []string
	bytes int64
}

// NewTab opens a tab of the viewport's size, closed when the test ends.
func (b *Browser) NewTab(t testing.TB, vp Viewport) *Tab {
	t.Helper()
	tab := &Tab{Viewport: vp}
	// A listener given at creation sees the events of the tab's first
	// moments too, which Listen after the first Run would miss.
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithListener(tab.record))
	tab.Context = ctx
	t.Cleanup(cancel)
	opts := []chromedp.EmulateViewportOption{chromedp.EmulateScale(vp.Scale)}
	if vp.Mobile {
		opts = append(opts, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait)
	}
	// The office's locale and zone, whatever the machine's: date fields
	// read 年/月/日 and a page's clock is China time, as on a desk in
	// a street office.
	office := chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		if _, err := cdp.Call(ctx, tg, emulation.SetLocaleOverride, emulation.SetLocaleOverrideParams{Locale: "zh_CN"}); err != nil {
			return err
		}
		_, err := cdp.Call(ctx, tg, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: "Asia/Shanghai"})
		return err
	})
	if err := chromedp.Do(tab, chromedp.EmulateViewport(vp.Width, vp.Height, opts...), office); err != nil {
		t.Fatalf("browsertest: open a %s tab: %v", vp.Name, err)
	}
	return tab
}

// record runs on chromedp's reader goroutine for every event of the tab; it
// must return fast and call nothing in the browser.
func (tab *Tab) record(ev any) {
	var msg string
	switch ev := ev.(type) {
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		text := d.Text
		if d.Exception != nil && d.Exception.Description != "" {
			text = d.Exception.Description
		}
		msg = fmt.Sprintf("exception: %s (%s:%d)", text, d.URL, d.LineNumber+1)
	case *runtime.EventConsoleAPICalled:
		if ev.Type != runtime.ConsoleAPICalledTypeError && ev.Type != runtime.ConsoleAPICalledTypeAssert {
			return
		}
		msg = "console." + string(ev.Type) + ": " + argsText(ev.Args)
	case *log.EventEntryAdded:
		// CSP violations, failed loads (a 404 for a script) and the like.
		if ev.Entry.Level != log.EntryLevelError {
			return
		}
		msg = fmt.Sprintf("log %s: %s", ev.Entry.Source, ev.Entry.Text)
		if ev.Entry.URL != "" {
			msg += " (" + ev.Entry.URL + ")"
		}
	case *network.EventLoadingFinished:
		tab.mu.Lock()
		tab.bytes += int64(ev.EncodedDataLength)
		tab.mu.Unlock()
		return
	default:
		return
	}
	tab.mu.Lock()
	tab.errs = append(tab.errs, msg)
	tab.mu.Unlock()
}

func argsText(args []*runtime.RemoteObject) string {
	parts := make([]string, 0, len(args))
	for _, a := range args {
		var s string
		switch {
		case a.Type == runtime.RemoteObjectTypeString && json.Unmarshal(a.Value, &s) == nil:
		case a.Description != "":
			s = a.Description
		case len(a.Value) > 0:
			s = string(a.Value)
		default:
			s = string(a.UnserializableValue)
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " ")
}

// Errors returns the errors the tab's pages reported so far, one line each:
// uncaught exceptions, console.error and console.assert, and the browser
// log's errors (CSP violations, failed loads). A test of a page that works
// expects none.
func (tab *Tab) Errors() []string {
	tab.mu.Lock()
	defer tab.mu.Unlock()
	return append([]string(nil), tab.errs...)
}

// Bytes returns the bytes the tab received over the network (headers and
// bodies as sent, compressed when the server compressed) since it opened
// or since ResetBytes.
func (tab *Tab) Bytes() int64 {
	tab.mu.Lock()
	defer tab.mu.Unlock()
	return tab.bytes
}

// ResetBytes sets the count of Bytes to zero.
func (tab *Tab) ResetBytes() {
	tab.mu.Lock()
	tab.bytes = 0
	tab.mu.Unlock()
}

// PageLoad is what loading a page cost.
type PageLoad struct {
	Bytes int64         // received over the network, see Tab.Bytes
	Ready time.Duration // from the start of the navigation to the condition holding
}

func (l PageLoad) String() string {
	return fmt.Sprintf("%.1f KiB in %d ms", float64(l.Bytes)/1024, l.Ready.Milliseconds())
}

// Load opens url in the tab, waits for the load event and then until the
// JavaScript expression ready is truthy (e.g. that the map has drawn its
// markers), and reports the bytes received and the time from the start of
// the navigation to ready holding. The time is measured in the page
// (performance.now() counts from the navigation's start), checked on every
// animation frame; it is no earlier than the load event. It gives up after
// timeout.
func (tab *Tab) Load(url, ready string, timeout time.Duration) (PageLoad, error) {
	tab.ResetBytes()
	if err := chromedp.Do(tab, chromedp.Navigate(url)); err != nil {
		return PageLoad{}, fmt.Errorf("browsertest: open %s: %w", url, err)
	}
	// performance.now() is never 0 once the page runs, so it is truthy.
	ms, err := chromedp.Run(tab, chromedp.Poll[float64](
		"("+ready+") ? performance.now() : 0",
		chromedp.WithPollingTimeout(timeout)))
	if err != nil {
		return PageLoad{}, fmt.Errorf("browsertest: %s: waiting for %q: %w", url, ready, err)
	}
	return PageLoad{Bytes: tab.Bytes(), Ready: time.Duration(ms * float64(time.Millisecond))}, nil
}

// NoHorizontalScroll returns an error when the page in ctx is wider than
// its viewport, naming the element that reaches furthest right, so a test
// can assert the page fits a screen.
func NoHorizontalScroll(ctx context.Context) error {
	r, err := chromedp.Run(ctx, chromedp.Evaluate[pageWidth](noHorizontalScrollJS))
	if err != nil {
		return fmt.Errorf("browsertest: measure page width: %w", err)
	}
	if r.ScrollWidth <= r.ClientWidth {
		return nil
	}
	return fmt.Errorf("page scrolls sideways: %d px wide in a %d px viewport; widest: %s (right edge at %.0f px)",
		r.ScrollWidth, r.ClientWidth, r.Widest, r.Right)
}

type pageWidth struct {
	ScrollWidth, ClientWidth int
	Widest                   string  // the element furthest right
	Right                    float64 // its right edge
}

// The element furthest right, deepest first among equals, described as a
// CSS selector a person can search the templates for.
const noHorizontalScrollJS = `(() => {
  const d = document.documentElement;
  let widest = null, right = 0;
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect().right;
    if (r >= right) { right = r; widest = el; }
  }
  let name = '';
  if (widest) {
    name = widest.tagName.toLowerCase();
    if (widest.id) name += '#' + widest.id;
    for (const c of widest.classList) name += '.' + c;
  }
  return {ScrollWidth: d.scrollWidth, ClientWidth: d.clientWidth, Widest: name, Right: right};
})()`

var (
	shotsOnce sync.Once
	shotsDir  string
	shotsErr  error
	shotsLogs sync.Map // test name → logged the folder already
)

// screenshotDir returns $GRIDINSPECT_SCREENSHOTS, or else one folder under
// os.TempDir() for the whole test binary, which is not removed.
func screenshotDir() (string, error) {
	shotsOnce.Do(func() {
		if d := os.Getenv(EnvScreenshots); d != "" {
			shotsDir, shotsErr = d, os.MkdirAll(d, 0o755)
			return
		}
		shotsDir, shotsErr = os.MkdirTemp("", "gridinspect-screenshots-")
	})
	return shotsDir, shotsErr
}

// Screenshot saves a full-page PNG of the page in ctx as
// <test name>-<name>.png in the screenshot folder, which each test names in
// its output once, and returns the file's path. Look at it.
func Screenshot(t testing.TB, ctx context.Context, name string) string {
	t.Helper()
	dir, err := screenshotDir()
	if err != nil {
		t.Fatalf("browsertest: screenshot folder: %v", err)
	}
	if _, logged := shotsLogs.LoadOrStore(t.Name(), true); !logged {
		t.Logf("screenshots: %s", dir)
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("browsertest: screenshot %s: %v", name, err)
	}
	path := filepath.Join(dir, fileName(t.Name()+"-"+name)+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatalf("browsertest: screenshot %s: %v", name, err)
	}
	return path
}

// fileName keeps letters (Chinese too), digits, '-', '_' and '.'; the
// slashes of subtests, spaces and the rest become '_'.
func fileName(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_' || r == '.' {
			return r
		}
		return '_'
	}, s)
}
