package web_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/gridinspect/gridinspect/internal/browsertest"
	"github.com/gridinspect/gridinspect/server"
)

func TestDeskInBrowser_HomeFitsAnOfficePCAndAPhone(t *testing.T) {
	st := newStreet(t)
	st.moveSomeCasesAlong(t)
	for _, vp := range []browsertest.Viewport{browsertest.Desktop, browsertest.Phone} {
		t.Run(vp.Name, func(t *testing.T) {
			tab := st.chrome(t, vp, "supervisor") // the login lands on the home page
			if err := chromedp.Do(tab, chromedp.WaitVisible(`#tile-overdue`)); err != nil {
				t.Fatalf("the login does not land on the home page's tiles: %v", err)
			}
			looksRight(t, tab, "工作台")
		})
	}
	t.Run("a worker", func(t *testing.T) {
		tab := st.chrome(t, browsertest.Phone, "worker01")
		text, err := chromedp.Run(tab, chromedp.Text(`main`))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(text, "我的网格") || strings.Contains(text, "全街道") {
			t.Errorf("a worker's home page does not say it counts the worker's grids: %s", text)
		}
		looksRight(t, tab, "工作台-网格员")
	})
}

// TestDeskInBrowser_ListsRefreshThemselves: the supervisor has the case
// list open, with a keyword typed but not yet searched for; a worker
// reports a problem from the field; the new case appears in the list
// without a reload, and the typed keyword is still there. Likewise the
// home page's count of new reports goes up by itself, but not while the
// tab is hidden.
func TestDeskInBrowser_ListsRefreshThemselves(t *testing.T) {
	st := newStreet(t, func(c *server.Config) { c.DeskRefresh = time.Second })
	worker := st.api(t, "worker01")
	tab := st.chrome(t, browsertest.Desktop, "supervisor")

	open(t, tab, st.url+"/cases?q="+url.QueryEscape("巡查新报"), "#cases-live")
	if err := chromedp.Do(tab, chromedp.SendKeys(`input[name="q"]`, "（未查询）")); err != nil {
		t.Fatal(err)
	}
	typed, err := chromedp.Run(tab, chromedp.Evaluate[string](`window.notReloaded = true, document.querySelector('input[name="q"]').value`))
	if err != nil {
		t.Fatal(err)
	}
	id := worker.submitCopy("巡查新报：路灯不亮")
	appears := fmt.Sprintf(`document.querySelector('#cases-live a.id[href="/cases/%s"]') !== null`, id)
	if _, err := chromedp.Run(tab, chromedp.Poll[bool](appears, chromedp.WithPollingTimeout(15*time.Second))); err != nil {
		html, _ := chromedp.Run(tab, chromedp.Evaluate[string](`document.getElementById("cases-live").outerHTML`))
		t.Fatalf("the new report does not appear in the open list: %v\n%v\n%s", err, tab.Errors(), html)
	}
	kept, err := chromedp.Run(tab, chromedp.Evaluate[string](
		`window.notReloaded === true ? document.querySelector('input[name="q"]').value : "reloaded"`))
	if err != nil {
		t.Fatal(err)
	}
	if kept != typed || typed == "巡查新报" {
		t.Errorf("after the refresh the keyword field holds %q, want %q as typed (the page must not reload)", kept, typed)
	}
	looksRight(t, tab, "案件-自动更新")

	open(t, tab, st.url+"/", "#tile-new")
	before, err := chromedp.Run(tab, chromedp.Evaluate[string](`window.notReloaded = true, document.querySelector('#tile-new').dataset.count`))
	if err != nil {
		t.Fatal(err)
	}
	var n int
	fmt.Sscan(before, &n)
	worker.submitCopy("巡查新报：井盖缺失")
	goesUp := fmt.Sprintf(`window.notReloaded === true && document.querySelector('#tile-new').dataset.count === "%d"`, n+1)
	if _, err := chromedp.Run(tab, chromedp.Poll[bool](goesUp, chromedp.WithPollingTimeout(15*time.Second))); err != nil {
		t.Fatalf("the home page's 昨日以来新增 does not go from %d to %d by itself: %v", n, n+1, err)
	}
	looksRight(t, tab, "工作台-自动更新")

	// A hidden tab (another tab in front, a minimised window) asks the
	// server nothing; shown again, it catches up at once.
	const fetches = `performance.getEntriesByType("resource").filter(function (e) { return e.initiatorType === "fetch"; }).length`
	setVisibility := func(state string) {
		t.Helper()
		js := `Object.defineProperty(document, "visibilityState", {configurable: true, get: function () { return "` + state + `"; }}),
			document.dispatchEvent(new Event("visibilitychange")), ` + fetches
		if _, err := chromedp.Run(tab, chromedp.Evaluate[int](js)); err != nil {
			t.Fatal(err)
		}
	}
	setVisibility("hidden")
	time.Sleep(1500 * time.Millisecond) // a fetch under way when hidden ends
	hiddenFetches, err := chromedp.Run(tab, chromedp.Evaluate[int](fetches))
	if err != nil {
		t.Fatal(err)
	}
	worker.submitCopy("巡查新报：围墙开裂")
	time.Sleep(3 * time.Second) // three periods
	now, err := chromedp.Run(tab, chromedp.Evaluate[int](fetches))
	if err != nil {
		t.Fatal(err)
	}
	if now != hiddenFetches {
		t.Errorf("the hidden home page fetched itself %d times", now-hiddenFetches)
	}
	setVisibility("visible")
	goesUp = fmt.Sprintf(`document.querySelector('#tile-new').dataset.count === "%d"`, n+2)
	if _, err := chromedp.Run(tab, chromedp.Poll[bool](goesUp, chromedp.WithPollingTimeout(5*time.Second))); err != nil {
		t.Fatalf("shown again, the home page does not catch up: %v", err)
	}
	if errs := tab.Errors(); len(errs) > 0 {
		t.Errorf("the browser reported: %v", errs)
	}
}
