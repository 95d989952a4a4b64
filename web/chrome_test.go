package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/gridinspect/gridinspect/internal/browsertest"
	"github.com/gridinspect/gridinspect/internal/demo"
)

// chrome is a person at the street's desk in a real browser (chromium,
// internal/browsertest), logged in as username through the login form.
// Each call starts its own browser, so two users keep two cookies.
func (st *street) chrome(t *testing.T, vp browsertest.Viewport, username string) *browsertest.Tab {
	t.Helper()
	tab := browsertest.New(t).NewTab(t, vp)
	err := within(tab,
		chromedp.Navigate(st.url+"/login"),
		chromedp.WaitVisible(`input[name="username"]`),
		chromedp.SendKeys(`input[name="username"]`, username),
		chromedp.SendKeys(`input[name="password"]`, demo.Password),
		chromedp.Submit(`input[name="password"]`),
		chromedp.WaitVisible(`header .who`),
	)
	if err != nil {
		t.Fatalf("log in as %s in the browser: %v", username, err)
	}
	return tab
}

// open navigates the tab to path and waits for sel to be visible.
func open(t *testing.T, tab *browsertest.Tab, url, sel string) {
	t.Helper()
	if err := within(tab, chromedp.Navigate(url), chromedp.WaitVisible(sel)); err != nil {
		t.Fatalf("open %s: %v", url, err)
	}
}

// looksRight checks what a person would see at once: the page fits its
// width, and the browser reported no error (a script's, a refused load,
// a Content-Security-Policy violation). It saves a screenshot named name.
func looksRight(t *testing.T, tab *browsertest.Tab, name string) {
	t.Helper()
	browsertest.Screenshot(t, tab, name)
	if err := browsertest.NoHorizontalScroll(tab); err != nil {
		t.Errorf("%s on a %s: %v", name, tab.Viewport.Name, err)
	}
	if errs := tab.Errors(); len(errs) > 0 {
		t.Errorf("%s on a %s: the browser reported:\n%s", name, tab.Viewport.Name, strings.Join(errs, "\n"))
	}
}

func TestDeskInBrowser_CaseListFitsAnOfficePCAndAPhone(t *testing.T) {
	st := newStreet(t)
	st.api(t, "supervisor").submitCopy(`<script>alert(1)</script>`)
	for _, vp := range []browsertest.Viewport{browsertest.Desktop, browsertest.Phone} {
		t.Run(vp.Name, func(t *testing.T) {
			tab := st.chrome(t, vp, "supervisor")
			open(t, tab, st.url+"/cases", "main")
			text, err := chromedp.Run(tab, chromedp.Text("main"))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(text, "<script>alert(1)</script>") {
				t.Error("the description written as markup is not shown as text")
			}
			looksRight(t, tab, "案件")
		})
	}
}

// within does steps in the tab, giving up after browserStepTimeout
// rather than waiting for ever on what never comes: a page that lacks
// what a test waits for fails the test at once, not at go test's timeout.
func within(tab *browsertest.Tab, steps ...chromedp.Action[chromedp.Void]) error {
	ctx, cancel := context.WithTimeout(tab, browserStepTimeout)
	defer cancel()
	return chromedp.Do(ctx, steps...)
}

const browserStepTimeout = 20 * time.Second
