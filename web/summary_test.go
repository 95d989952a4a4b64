package web_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"github.com/google/uuid"

	"github.com/gridinspect/gridinspect"
	"github.com/gridinspect/gridinspect/internal/browsertest"
	"github.com/gridinspect/gridinspect/internal/words"
)

// apiSummary is what the tests read of GET /v1/summary.
type apiSummary struct {
	Summary struct {
		GridIds []string
		Safety  struct{ HazardsFound, RectifiedOnSpot string }
		Loop    struct {
			Reported, Closed, Due, OpenOverdue, OverdueNow string
			ClosureRate, OnTimeRate                        float64
		}
		ByGrid []struct {
			GridId, GridName string
			Loop             struct{ Reported string }
		}
	}
}

// summary reads GET /v1/summary for [from, to) and grids.
func (a *api) summary(from, to time.Time, grids ...string) apiSummary {
	a.t.Helper()
	q := url.Values{"from": {from.Format(time.RFC3339)}, "to": {to.Format(time.RFC3339)}, "gridIds": grids}
	var s apiSummary
	a.call("GET", "/v1/summary?"+q.Encode(), nil, &s)
	return s
}

// figure returns the text of the element with id on page p.
func (p page) figure(t *testing.T, id string) string {
	t.Helper()
	m := regexp.MustCompile(`id="` + id + `">([^<]*)<`).FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no #%s on the page:\n%s", id, p.body)
	}
	return html.UnescapeString(m[1])
}

// tableFigure returns the value of the row labelled label in the summary's
// figure tables under caption.
func (p page) tableFigure(t *testing.T, caption, label string) string {
	t.Helper()
	_, rest, ok := strings.Cut(p.body, "<caption>"+caption+"</caption>")
	if !ok {
		t.Fatalf("no table %s", caption)
	}
	rest, _, _ = strings.Cut(rest, "</table>")
	m := regexp.MustCompile(`<th scope="row">` + regexp.QuoteMeta(label) + `</th><td>([^<]*)</td>`).FindStringSubmatch(rest)
	if m == nil {
		t.Fatalf("no row %s in table %s", label, caption)
	}
	return m[1]
}

var (
	chinaH1From = time.Date(2024, 1, 1, 0, 0, 0, 0, gridinspect.ChinaZone)
	chinaH1To   = time.Date(2024, 7, 1, 0, 0, 0, 0, gridinspect.ChinaZone)
)

// TestSummaryWithoutDatesIsTheCurrentHalfYearAsGridctlSays: the street's
// clock is 10 July 2024, so the page takes 2024's second half and says so
// in gridctl summary's words.
func TestSummaryWithoutDatesIsTheCurrentHalfYearAsGridctlSays(t *testing.T) {
	st := newStreet(t)
	b := st.browser(t)
	b.login("supervisor", "/summary")
	p := b.get("/summary")
	if p.StatusCode != http.StatusOK {
		t.Fatalf("GET /summary: HTTP %d: %s", p.StatusCode, p.body)
	}
	_, _, note := words.CurrentHalfYear(st.clock.Now().In(gridinspect.ChinaZone))
	if note != "统计期间：2024年下半年（7月1日至12月31日）" {
		t.Fatalf("gridctl's note for 10 July 2024 = %q", note)
	}
	if got := p.figure(t, "summary-note"); got != "未选时期，默认"+note {
		t.Errorf("note = %q, want gridctl's %q", got, note)
	}
	for _, want := range []string{`name="from" type="text" value="2024-07-01"`, `name="to" type="text" value="2024-12-31"`,
		`id="summary-period">2024年下半年<`} {
		if !strings.Contains(p.body, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	// Dates given: no note.
	if p := b.get("/summary?from=2024-01-01&to=2024-06-30"); strings.Contains(p.body, `id="summary-note"`) {
		t.Error("a period chosen still has the note of the default one")
	}
	// One date alone, or the wrong way round: said, no figures.
	for _, q := range []string{"from=2024-01-01", "to=2024-06-30", "from=2024-06-30&to=2024-01-01", "from=2024-13-01&to=2024-12-31"} {
		p := b.get("/summary?" + q)
		if p.StatusCode != http.StatusBadRequest || !strings.Contains(p.body, "时期有误") || strings.Contains(p.body, `id="closure-rate"`) {
			t.Errorf("/summary?%s: HTTP %d, want 400 with the problem and no figures", q, p.StatusCode)
		}
	}
}

// TestSummaryOfTheDemoHalfYearShowsTheAPIsFigures: the page's figures are
// GetSummary's for the same period and grids, the rates as percentages.
func TestSummaryOfTheDemoHalfYearShowsTheAPIsFigures(t *testing.T) {
	st := newStreet(t)
	a := st.api(t, "supervisor")
	b := st.browser(t)
	b.login("supervisor", "/summary")

	want := a.summary(chinaH1From, chinaH1To).Summary
	if want.Loop.Reported == "" || want.Loop.Reported == "0" {
		t.Fatalf("the demo's first half of 2024 has no reports: %+v", want.Loop)
	}
	p := b.get("/summary?from=2024-01-01&to=2024-06-30")
	if p.StatusCode != http.StatusOK {
		t.Fatalf("HTTP %d: %s", p.StatusCode, p.body)
	}
	// A rate is "-" when no case was due, as gridctl writes it.
	pct := func(r float64) string {
		if orZero(want.Loop.Due) == "0" {
			return "-"
		}
		return words.FormatPercent(r)
	}
	for _, c := range []struct{ id, want string }{
		{"summary-period", "2024年上半年"},
		{"reported", want.Loop.Reported},
		{"closed", orZero(want.Loop.Closed)},
		{"open-overdue", orZero(want.Loop.OpenOverdue)},
		{"overdue-now", orZero(want.Loop.OverdueNow)},
		{"closure-rate", pct(want.Loop.ClosureRate)},
		{"on-time-rate", pct(want.Loop.OnTimeRate)},
	} {
		if got := p.figure(t, c.id); got != c.want {
			t.Errorf("#%s = %q, want the API's %q", c.id, got, c.want)
		}
	}
	if got := p.tableFigure(t, "安全生产", "发现安全隐患"); got != orZero(want.Safety.HazardsFound) {
		t.Errorf("发现安全隐患 = %s, want %s", got, want.Safety.HazardsFound)
	}
	if got := p.tableFigure(t, "闭环处置", "应结案"); got != orZero(want.Loop.Due) {
		t.Errorf("应结案 = %s, want %s", got, want.Loop.Due)
	}
	// Every grid of the street has its row, with the API's count.
	for _, g := range want.ByGrid {
		row := regexp.MustCompile(`<tr><th scope="row">` + regexp.QuoteMeta(g.GridName) + `</th><td data-label="受理">([0-9]+)</td>`).FindStringSubmatch(p.body)
		if row == nil || row[1] != orZero(g.Loop.Reported) {
			t.Errorf("grid %s: row %v, want 受理 %s", g.GridName, row, orZero(g.Loop.Reported))
		}
	}
	// The prose is gridctl's, of the same figures.
	if !strings.Contains(p.body, "2024年上半年，街道") || !strings.Contains(p.body, "共受理各类问题"+want.Loop.Reported+"件") {
		t.Errorf("the prose lacks the period or the cases reported")
	}
	// The export is of the period's cases.
	for _, f := range []string{"csv", "xlsx"} {
		u := "/v1/reports:export?format=" + f + "&amp;observed_after=2023-12-31T16%3A00%3A00Z&amp;observed_before=2024-06-30T16%3A00%3A00Z"
		if !strings.Contains(p.body, u) {
			t.Errorf("no export %s of the period (%s)", f, u)
		}
	}

	// One grid chosen: its figures only, as the API counts them.
	g := want.ByGrid[0]
	one := a.summary(chinaH1From, chinaH1To, g.GridId).Summary
	p = b.get("/summary?from=2024-01-01&to=2024-06-30&grid=" + g.GridId)
	if got := p.figure(t, "reported"); got != orZero(one.Loop.Reported) {
		t.Errorf("grid %s: 受理 %s, want %s", g.GridName, got, one.Loop.Reported)
	}
	if !strings.Contains(p.body, "统计范围："+g.GridName) {
		t.Errorf("the page does not name the grid %s as its scope", g.GridName)
	}
}

// TestSummaryIsForSupervisors: a worker is refused by the API (its
// statistics are its supervisors'), shown in Chinese, with no figures and
// no 统计 in its header.
func TestSummaryIsForSupervisors(t *testing.T) {
	st := newStreet(t)
	b := st.browser(t)
	b.login("worker01", "/summary")
	p := b.get("/summary?from=2024-01-01&to=2024-06-30")
	if p.StatusCode != http.StatusForbidden || !strings.Contains(p.body, "只有主管和管理员可以查看统计") {
		t.Errorf("worker: HTTP %d, want 403 with the API's refusal: %s", p.StatusCode, p.body)
	}
	if strings.Contains(p.body, `id="closure-rate"`) || strings.Contains(p.body, `href="/summary"`) {
		t.Error("a worker is shown figures or a 统计 link")
	}
	if p := b.get("/cases"); strings.Contains(p.body, `href="/summary"`) {
		t.Error("a worker's header has 统计")
	}
}

func orZero(s string) string {
	if s == "" {
		return "0" // int64 zero is left out of the JSON
	}
	return s
}

// TestSummaryInBrowser_ChartsDrawAndTheProseCopies: on a PC and a phone
// the three charts draw (an ECharts instance with a canvas each, no
// browser error), the page fits, and 复制 puts the prose on the clipboard.
func TestSummaryInBrowser_ChartsDrawAndTheProseCopies(t *testing.T) {
	st := newStreet(t)
	for _, vp := range []browsertest.Viewport{browsertest.Desktop, browsertest.Phone} {
		t.Run(vp.Name, func(t *testing.T) {
			tab := st.chrome(t, vp, "supervisor")
			for _, name := range []string{"clipboard-read", "clipboard-write"} {
				if _, err := chromedp.CallBrowser(tab, cdpbrowser.SetPermission, cdpbrowser.SetPermissionParams{
					Permission: &cdpbrowser.PermissionDescriptor{Name: name}, Setting: cdpbrowser.PermissionSettingGranted, Origin: st.url,
				}); err != nil {
					t.Fatalf("grant %s: %v", name, err)
				}
			}
			open(t, tab, st.url+"/summary?from=2024-01-01&to=2024-06-30", "#chart-month canvas")
			drawn, err := chromedp.Run(tab, chromedp.Evaluate[[]bool](`["chart-category", "chart-grid", "chart-month"].map(id => {
				const el = document.getElementById(id), c = echarts.getInstanceByDom(el), cv = el.querySelector("canvas");
				return !!c && !!cv && cv.width > 0 && c.getOption().series[0].data.length > 0;
			})`))
			if err != nil {
				t.Fatal(err)
			}
			for i, ok := range drawn {
				if !ok {
					t.Errorf("chart %d is not drawn", i)
				}
			}
			looksRight(t, tab, "统计")

			prose, err := chromedp.Run(tab, chromedp.Text("#prose"))
			if err != nil {
				t.Fatal(err)
			}
			if err := chromedp.Do(tab, chromedp.Click("#copy-prose"), chromedp.WaitVisible(`#copy-status:not(:empty)`)); err != nil {
				t.Fatal(err)
			}
			status, err := chromedp.Run(tab, chromedp.Text("#copy-status"))
			if err != nil {
				t.Fatal(err)
			}
			var copied string
			if status == "已复制" {
				copied, err = chromedp.Run(tab, chromedp.Evaluate[string](`navigator.clipboard.readText()`, chromedp.EvalAwaitPromise))
			} else { // the fallback: the text selected for Ctrl+C
				copied, err = chromedp.Run(tab, chromedp.Evaluate[string](`window.getSelection().toString()`))
			}
			if err != nil {
				t.Fatal(err)
			}
			if strings.TrimSpace(copied) != strings.TrimSpace(prose) || !strings.Contains(copied, "共受理各类问题") {
				t.Errorf("copied (%s):\n%q\nwant the prose:\n%q", status, copied, prose)
			}
			t.Logf("复制: %s, %d characters", status, len([]rune(copied)))
			if errs := tab.Errors(); len(errs) > 0 {
				t.Errorf("after 复制 the browser reported:\n%s", strings.Join(errs, "\n"))
			}
		})
	}
}

// TestSummaryRatesAreTheAPIs: with cases due in the half-year, one closed
// on time and one still open, the page's 结案率 and 按期结案率 are the
// API's, as percentages.
func TestSummaryRatesAreTheAPIs(t *testing.T) {
	st := newStreet(t)
	a := st.api(t, "supervisor")
	open := a.listReports(url.Values{"statuses": {"REPORT_STATUS_REPORTED"}})
	if len(open) < 2 {
		t.Fatalf("the demo has %d cases to dispatch", len(open))
	}
	now := st.clock.Now()
	act := func(id, verb string, body map[string]any) {
		body["actionId"] = uuid.Must(uuid.NewV7()).String()
		var out struct{}
		a.call("POST", "/v1/reports/"+id+":"+verb, body, &out)
	}
	for i, r := range open[:2] {
		act(r.ID, "assign", map[string]any{"responsibleUnit": "某某公司", "deadline": now.Add(time.Duration(i+2) * 24 * time.Hour).Format(time.RFC3339)})
	}
	act(open[0].ID, "submitRectification", map[string]any{"note": "已整改", "disposition": "DISPOSITION_RECTIFIED"})
	act(open[0].ID, "verifyRectification", map[string]any{"passed": true, "disposition": "DISPOSITION_RECTIFIED"})

	h2From := time.Date(2024, 7, 1, 0, 0, 0, 0, gridinspect.ChinaZone)
	want := a.summary(h2From, h2From.AddDate(0, 6, 0)).Summary.Loop
	if want.Due != "2" || want.Closed != "1" {
		t.Fatalf("the API's loop: %+v, want 2 due and 1 closed", want)
	}
	b := st.browser(t)
	b.login("supervisor", "/summary")
	p := b.get("/summary") // the current half-year
	for id, w := range map[string]string{"closure-rate": words.FormatPercent(want.ClosureRate), "on-time-rate": words.FormatPercent(want.OnTimeRate), "closed": "1"} {
		if got := p.figure(t, id); got != w {
			t.Errorf("#%s = %q, want the API's %q", id, got, w)
		}
	}
	if got := p.figure(t, "closure-rate"); got != "50%" {
		t.Errorf("结案率 = %s, want 50%%", got)
	}
}
