package browsertest

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// pages serves the self-test's pages with the desk's kind of strict policy:
// scripts only from the server itself, so inline script is refused.
func pages(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	page := func(body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Security-Policy", "default-src 'self'; script-src 'self'")
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write([]byte(`<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">` +
				`<meta name="viewport" content="width=device-width, initial-scale=1">` +
				`<title>自检</title></head><body>` + body + `</body></html>`))
		}
	}
	mux.HandleFunc("/fits", page(`<h1>网格巡查工作台</h1><p id="p">一张图</p><script src="/app.js"></script>`))
	mux.HandleFunc("/inline", page(`<p>内联脚本</p><script>document.title = "ran";</script>`))
	mux.HandleFunc("/wide", page(`<p>宽</p><link rel="stylesheet" href="/wide.css"><div class="table wide"></div>`))
	mux.HandleFunc("/wide.css", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/css")
		w.Write([]byte(".wide { width: 2000px; height: 20px; background: #c00; }\n"))
	})
	mux.HandleFunc("/fails", page(`<p>出错</p><script src="/fails.js"></script><script src="/missing.js"></script>`))
	mux.HandleFunc("/fails.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		w.Write([]byte("console.error('标记', 2);\nnull.draw();\n"))
	})
	// A page that works loads without a 404, and browsers ask for this.
	mux.HandleFunc("/favicon.ico", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	mux.HandleFunc("/app.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		// 20 KB of script, so the byte count has something to count.
		w.Write([]byte("/*" + strings.Repeat("x", 20000) + "*/\n" +
			"setTimeout(() => { document.body.dataset.drawn = 'yes'; }, 50);\n"))
	})
	// 127.0.0.1 rather than localhost: the desk is opened that way.
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestBrowser_ReportsACSPViolationAsAnError(t *testing.T) {
	srv := pages(t)
	tab := New(t).NewTab(t, Desktop)
	if err := chromedp.Do(tab, chromedp.Navigate(srv.URL+"/inline")); err != nil {
		t.Fatal(err)
	}
	title, err := chromedp.Run(tab, chromedp.Title())
	if err != nil {
		t.Fatal(err)
	}
	if title == "ran" {
		t.Fatal("the inline script ran despite the policy")
	}
	// The violation is reported asynchronously; give it a moment.
	var errs []string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if errs = tab.Errors(); len(errs) > 0 {
			break
		}
	}
	if len(errs) == 0 || !strings.Contains(strings.Join(errs, "\n"), "Content Security Policy") {
		t.Fatalf("errors = %q, want the CSP violation", errs)
	}
	t.Logf("errors: %q", errs)
}

func TestBrowser_ReportsScriptErrorsAndFailedLoads(t *testing.T) {
	srv := pages(t)
	tab := New(t).NewTab(t, Desktop)
	if err := chromedp.Do(tab, chromedp.Navigate(srv.URL+"/fails")); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"console.error: 标记 2",
		"exception: TypeError: Cannot read properties of null",
		"404 (Not Found) (" + srv.URL + "/missing.js)",
	}
	var errs string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		errs = strings.Join(tab.Errors(), "\n")
		if strings.Contains(errs, want[0]) && strings.Contains(errs, want[1]) && strings.Contains(errs, want[2]) {
			break
		}
	}
	for _, w := range want {
		if !strings.Contains(errs, w) {
			t.Errorf("errors do not contain %q:\n%s", w, errs)
		}
	}
	t.Logf("errors:\n%s", errs)
}

func TestBrowser_MeasuresAPageThatFits(t *testing.T) {
	srv := pages(t)
	b := New(t)
	for _, vp := range []Viewport{Desktop, Phone} {
		t.Run(vp.Name, func(t *testing.T) {
			tab := b.NewTab(t, vp)
			load, err := tab.Load(srv.URL+"/fits", `document.body.dataset.drawn === 'yes'`, 10*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("page load: %v", load)
			if load.Bytes < 20000 {
				t.Errorf("bytes = %d, want at least the 20000 of app.js", load.Bytes)
			}
			if load.Ready < 50*time.Millisecond || load.Ready > 10*time.Second {
				t.Errorf("ready after %v, want at least app.js's 50 ms delay", load.Ready)
			}
			if err := NoHorizontalScroll(tab); err != nil {
				t.Error(err)
			}
			if errs := tab.Errors(); len(errs) > 0 {
				t.Errorf("errors on a page that works: %q", errs)
			}
			width, err := chromedp.Run(tab, chromedp.Evaluate[int64]("window.innerWidth"))
			if err != nil {
				t.Fatal(err)
			}
			if width != vp.Width {
				t.Errorf("window.innerWidth = %d, want %d", width, vp.Width)
			}
			path := Screenshot(t, tab, "fits")
			if fi, err := os.Stat(path); err != nil || fi.Size() == 0 {
				t.Errorf("screenshot %s: %v", path, err)
			}
		})
	}
}

func TestNoHorizontalScroll_NamesTheWidestElement(t *testing.T) {
	srv := pages(t)
	tab := New(t).NewTab(t, Phone)
	if err := chromedp.Do(tab, chromedp.Navigate(srv.URL+"/wide")); err != nil {
		t.Fatal(err)
	}
	err := NoHorizontalScroll(tab)
	if err == nil {
		t.Fatal("a 2000 px wide element on a phone passed")
	}
	if !strings.Contains(err.Error(), "div.table.wide") {
		t.Errorf("error = %v, want it to name div.table.wide", err)
	}
	t.Log(err)
	Screenshot(t, tab, "wide")
}

func TestFileName_KeepsSubtestNamesApart(t *testing.T) {
	for in, want := range map[string]string{
		"TestMap/phone-markers": "TestMap_phone-markers",
		"TestCase/派单 then 核查":   "TestCase_派单_then_核查",
		"a.b_c":                 "a.b_c",
	} {
		if got := fileName(in); got != want {
			t.Errorf("fileName(%q) = %q, want %q", in, got, want)
		}
	}
}

// stopTB records how New stops a test instead of stopping the real one.
type stopTB struct {
	testing.TB
	how string
}

func (s *stopTB) Fatalf(format string, args ...any) { s.how = "fatal"; goruntime.Goexit() }
func (s *stopTB) Skipf(format string, args ...any)  { s.how = "skip"; goruntime.Goexit() }

func TestNew_WithoutABrowserSkipsButFailsUnderCI(t *testing.T) {
	for _, tc := range []struct{ ci, want string }{{"", "skip"}, {"true", "fatal"}} {
		t.Setenv(EnvChromium, filepath.Join(t.TempDir(), "no-chromium"))
		t.Setenv("CI", tc.ci)
		s := &stopTB{TB: t}
		done := make(chan struct{})
		go func() { defer close(done); New(s) }()
		<-done
		if s.how != tc.want {
			t.Errorf("CI=%q: New stopped the test with %q, want %q", tc.ci, s.how, tc.want)
		}
	}
}
