package web_test

import (
	"encoding/csv"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/gridinspect/gridinspect"
	"github.com/gridinspect/gridinspect/internal/browsertest"
	"github.com/gridinspect/gridinspect/internal/demo"
)

// districtRefusal is what the desk says to a district account on any page
// but the statistics.
const districtRefusal = "区级账号只能查看统计"

// street2Grid is the grid of withDistrict's second street.
const street2Grid = "01900000-0000-7000-8000-0000000000e2"

// withDistrict names the demo street (1) 江南街道, adds a second street
// (东街道, no cases, one grid named as the demo's first) and the district
// account "qu" given both.
func withDistrict(t *testing.T, st *street) {
	t.Helper()
	sys := gridinspect.NewContext(t.Context(), gridinspect.SystemActor())
	if err := st.db.NameStreet(sys, 1, "江南街道"); err != nil {
		t.Fatal(err)
	}
	_, password, err := st.db.CreateStreet(sys, "东街道", "admin2")
	if err != nil {
		t.Fatal(err)
	}
	session, err := st.db.Login(t.Context(), "admin2", password, "desk-test")
	if err != nil {
		t.Fatal(err)
	}
	admin2, err := st.db.Authenticate(t.Context(), session.Token)
	if err != nil {
		t.Fatal(err)
	}
	// Far from the demo's grids: the name is what two streets share.
	if _, err := st.db.CreateGrid(gridinspect.NewContext(t.Context(), admin2), &gridinspect.Grid{ID: street2Grid,
		Name: demo.Grids()[0].Name, Kind: gridinspect.GridKindVillage, Boundary: gridinspect.Boundary{{{
			{Lat: 30.50, Lng: 107.50}, {Lat: 30.50, Lng: 107.51}, {Lat: 30.51, Lng: 107.51}, {Lat: 30.51, Lng: 107.50}, {Lat: 30.50, Lng: 107.50}}}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.db.CreateUser(sys, &gridinspect.User{Username: "qu", DisplayName: "区应急局",
		Role: gridinspect.RoleDistrict}, demo.Password); err != nil {
		t.Fatal(err)
	}
	if err := st.db.SetDistrictStreets(sys, "qu", []int64{1, 2}); err != nil {
		t.Fatal(err)
	}
}

// TestDistrictAccountSeesOnlyTheStatistics: a district account lands on
// the statistics of its streets, summed (the demo street's cases and none
// of the second's), may choose some of them, sees only 统计 in its header,
// and every other page of the desk answers 403 with a plain Chinese
// sentence rather than the errors of calls it is refused.
func TestDistrictAccountSeesOnlyTheStatistics(t *testing.T) {
	st := newStreet(t)
	withDistrict(t, st)
	street1 := st.api(t, "supervisor").summary(chinaH1From, chinaH1To).Summary.Loop.Reported
	if street1 == "" || street1 == "0" {
		t.Fatal("the demo's first half of 2024 has no reports")
	}
	caseID := st.api(t, "supervisor").listReports(url.Values{})[0].ID
	b := st.browser(t)
	b.login("qu", "/")

	const period = "/summary?from=2024-01-01&to=2024-06-30"
	// Of both streets, each grid row names its street: each street has a
	// grid named first.
	grids := demo.Grids()
	first, demoLast := grids[0].Name, grids[len(grids)-1].Name
	bothStreets := "街道 · 网格: 江南街道 · " + first + " … 东街道 · " + first
	for _, c := range []struct {
		method, path string
		status       int
		reported     string // the statistics page's 受理; "" for a refusal
		location     string
		scope        string // the streets the statistics page names
		checked      string // the streets its chooser has checked, by name
		firstGrids   string // the first and the last row of 按网格
	}{
		{"GET", "/", http.StatusSeeOther, "", "/summary", "", "", ""},
		{"GET", period, http.StatusOK, street1, "", "全部街道（江南街道、东街道）", "江南街道、东街道", bothStreets},
		{"GET", period + "&street=1&street=2", http.StatusOK, street1, "", "江南街道、东街道", "江南街道、东街道", bothStreets},
		{"GET", period + "&street=1,2", http.StatusOK, street1, "", "江南街道、东街道", "江南街道、东街道", bothStreets},
		{"GET", period + "&street=2", http.StatusOK, "0", "", "东街道", "东街道", "网格: " + first + " … " + first},
		{"GET", period + "&street=1", http.StatusOK, street1, "", "江南街道", "江南街道", "网格: " + first + " … " + demoLast},
		{"GET", period + "&street=3", http.StatusForbidden, "", "", "", "", ""},
		{"GET", "/cases", http.StatusForbidden, "", "", "", "", ""},
		{"GET", "/cases/" + caseID, http.StatusForbidden, "", "", "", "", ""},
		{"POST", "/cases/" + caseID + "/comment", http.StatusForbidden, "", "", "", "", ""},
		{"GET", "/map", http.StatusForbidden, "", "", "", "", ""},
		{"GET", "/map/cases.json", http.StatusForbidden, "", "", "", "", ""},
		{"GET", "/map/grids.json", http.StatusForbidden, "", "", "", "", ""},
		{"GET", "/map/patrols.json", http.StatusForbidden, "", "", "", "", ""},
		{"GET", "/admin", http.StatusForbidden, "", "", "", "", ""},
		{"GET", "/admin/grids", http.StatusForbidden, "", "", "", "", ""},
		{"GET", "/admin/notices", http.StatusForbidden, "", "", "", "", ""},
		{"GET", "/admin/users/1", http.StatusForbidden, "", "", "", "", ""},
		{"POST", "/admin/users", http.StatusForbidden, "", "", "", "", ""},
	} {
		t.Run(c.method+" "+c.path, func(t *testing.T) {
			var p page
			if c.method == "GET" {
				p = b.get(c.path)
			} else {
				p = b.post(c.path, "", url.Values{"text": {"x"}})
			}
			if p.StatusCode != c.status {
				t.Fatalf("HTTP %d, want %d: %s", p.StatusCode, c.status, p.body)
			}
			switch {
			case c.location != "":
				if got := p.Header.Get("Location"); got != c.location {
					t.Errorf("to %q, want %q", got, c.location)
				}
			case c.reported != "":
				if got := orZero(p.figure(t, "reported")); got != c.reported {
					t.Errorf("受理 %s, want %s", got, c.reported)
				}
				if !strings.Contains(p.body, "统计范围："+c.scope+"<") {
					t.Errorf("the page does not name %q as its scope", c.scope)
				}
				if got := strings.Join(p.checkedStreets(), "、"); got != c.checked {
					t.Errorf("streets checked: %q, want %q", got, c.checked)
				}
				if got := p.gridRows(); got != c.firstGrids {
					t.Errorf("按网格: %q, want %q", got, c.firstGrids)
				}
				for _, other := range []string{`href="/cases"`, `href="/map"`, `href="/admin"`} {
					if strings.Contains(p.body, other) {
						t.Errorf("the header links to %s", other)
					}
				}
				if !strings.Contains(p.body, `href="/summary"`) {
					t.Error("the header lacks 统计")
				}
			case strings.HasPrefix(c.path, period):
				if !strings.Contains(p.body, "没有权限") {
					t.Errorf("no refusal of the street: %s", p.body)
				}
			default:
				if !strings.Contains(p.body, districtRefusal) {
					t.Errorf("no %q: %s", districtRefusal, p.body)
				}
			}
		})
	}
}

// TestDistrictAccountInBrowser_LandsOnTheStatistics: logged in through
// the form, a district account is on the statistics of its streets, with
// 统计 alone in its header.
func TestDistrictAccountInBrowser_LandsOnTheStatistics(t *testing.T) {
	st := newStreet(t)
	withDistrict(t, st)
	for _, vp := range []browsertest.Viewport{browsertest.Desktop, browsertest.Phone} {
		t.Run(vp.Name, func(t *testing.T) {
			tab := st.chrome(t, vp, "qu")
			// The charts drawn, for the screenshot.
			if err := within(tab, chromedp.WaitVisible(`#closure-rate`), chromedp.WaitVisible(`#chart-month canvas`)); err != nil {
				t.Fatal(err)
			}
			loc, err := chromedp.Run(tab, chromedp.Evaluate[string](`location.pathname`))
			if err != nil {
				t.Fatal(err)
			}
			nav, err := chromedp.Run(tab, chromedp.Text(`header nav`))
			if err != nil {
				t.Fatal(err)
			}
			scope, err := chromedp.Run(tab, chromedp.Text(`.scope`))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasSuffix(loc, "/summary") {
				t.Errorf("landed on %s, want /summary", loc)
			}
			if strings.TrimSpace(nav) != "统计" {
				t.Errorf("header: %q, want 统计 alone", nav)
			}
			if !strings.Contains(scope, "全部街道（江南街道、东街道）") {
				t.Errorf("scope: %q, want 全部街道 named", scope)
			}
			if got := cellTexts(t, tab, `#street-choice label`); strings.Join(got, "、") != "江南街道、东街道" {
				t.Errorf("street chooser: %q, want 江南街道、东街道", got)
			}
			// Two streets' grids of one name, each named with its street.
			first := demo.Grids()[0].Name
			rows := cellTexts(t, tab, `#by-grid tbody th`)
			if len(rows) < 2 || rows[0] != "江南街道 · "+first || rows[len(rows)-1] != "东街道 · "+first {
				t.Errorf("按网格 rows %q, want 江南街道's first and 东街道's last, each named with its street", rows)
			}
			// The export link downloads the file with the account's session.
			got, err := chromedp.Run(tab, chromedp.Evaluate[string](`fetch(document.querySelector('a[href^="/v1/reports:export?format=csv"]').href)
				.then(r => r.status + " " + r.headers.get("Content-Disposition"))`, chromedp.EvalAwaitPromise))
			if err != nil || !strings.HasPrefix(got, "200 attachment") {
				t.Errorf("the export link answers %q (%v), want 200 and a file", got, err)
			}
			looksRight(t, tab, "区级账号统计")
			// Street 1 unchecked: the statistics of 东街道 alone.
			if err := within(tab, chromedp.Click(`#street-choice input[value="1"]`), chromedp.Click(`#summary-filter button[type=submit]`)); err != nil {
				t.Fatal(err)
			}
			// The form's page loads; asked while it navigates, the tab
			// answers an error, so ask again.
			for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
				loc, err := chromedp.Run(tab, chromedp.Evaluate[string](`document.readyState === "complete" ? location.search : ""`))
				if err == nil && strings.Contains(loc, "street=2") {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("the chosen street's statistics: at %q (%v)", loc, err)
				}
			}
			if err := within(tab, chromedp.WaitVisible(`#closure-rate`)); err != nil {
				t.Fatal(err)
			}
			scope, err = chromedp.Run(tab, chromedp.Text(`.scope`))
			if err != nil {
				t.Fatal(err)
			}
			if strings.TrimSpace(scope) != "统计范围：东街道" {
				t.Errorf("scope: %q, want 统计范围：东街道", scope)
			}
			if rows := cellTexts(t, tab, `#by-grid tbody th`); strings.Join(rows, "、") != first {
				t.Errorf("按网格 of 东街道 alone: %q, want %s alone, its street unsaid", rows, first)
			}
			href, err := chromedp.Run(tab, chromedp.Evaluate[string](`document.querySelector('a[href^="/v1/reports:export?format=csv"]').getAttribute("href")`))
			if err != nil || !strings.Contains(href, "street_ids=2") || strings.Contains(href, "street_ids=1") {
				t.Errorf("export link %q (%v), want street_ids=2 alone", href, err)
			}
			looksRight(t, tab, "区级账号统计一个街道")
		})
	}
}

// gridRows names the statistics page's 按网格 table by its heading and
// its first and last rows ("网格: 红星村 … 金石社区").
func (p page) gridRows() string {
	table := regexpMust(`(?s)<table class="loop-table" id="by-grid">.*?</table>`).FindString(p.body)
	head := regexpMust(`<thead><tr><th>([^<]+)</th>`).FindStringSubmatch(table)
	rows := regexpMust(`<tr><th scope="row">([^<]+)</th>`).FindAllStringSubmatch(table, -1)
	if head == nil || len(rows) == 0 {
		return ""
	}
	return html.UnescapeString(head[1] + ": " + rows[0][1] + " … " + rows[len(rows)-1][1])
}

// checkedStreets are the names of the streets the statistics page's
// chooser has checked.
func (p page) checkedStreets() []string {
	var names []string
	for _, m := range regexpMust(`<input type="checkbox" name="street" value="[0-9]+" checked>([^<]+)</label>`).FindAllStringSubmatch(p.body, -1) {
		names = append(names, m[1])
	}
	return names
}

// TestDistrictAccountExportsTheStreetsItChose: the statistics page of a
// district account links to the export of the period's cases of the
// streets it chose, summed, and the link downloads the file; a street it
// was not given is refused, as its statistics are.
func TestDistrictAccountExportsTheStreetsItChose(t *testing.T) {
	st := newStreet(t)
	withDistrict(t, st)
	sys := gridinspect.NewContext(t.Context(), gridinspect.SystemActor())
	if _, _, err := st.db.CreateStreet(sys, "西街道", "admin3"); err != nil {
		t.Fatal(err)
	}
	super := st.browser(t)
	super.login("supervisor", "/")
	b := st.browser(t)
	b.login("qu", "/")
	const period = "/summary?from=2024-01-01&to=2024-06-30"
	street1 := csvRows(t, download(t, super, exportLink(t, super.get(period), "csv")))
	if street1 == 0 {
		t.Fatal("the demo's first half of 2024 exports no case")
	}
	for _, c := range []struct {
		name, page string
		format     string
		rows       int // cases in the file; -1: the export is refused
	}{
		{"all of its streets, CSV", period, "csv", street1},
		{"all of its streets, Excel", period, "xlsx", street1},
		{"both named", period + "&street=1&street=2", "csv", street1},
		{"street 1", period + "&street=1", "csv", street1},
		{"street 2, which has no case", period + "&street=2", "csv", 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := b.get(c.page)
			if p.StatusCode != http.StatusOK {
				t.Fatalf("HTTP %d: %s", p.StatusCode, p.body)
			}
			file := download(t, b, exportLink(t, p, c.format))
			if c.format == "csv" {
				if got := csvRows(t, file); got != c.rows {
					t.Errorf("%d cases exported, want %d", got, c.rows)
				}
			} else if !strings.HasPrefix(file.body, "PK") {
				t.Errorf("not an XLSX file: %.40q", file.body)
			}
		})
	}
	// A street it was not given, however the link is made.
	p := b.get("/v1/reports:export?format=csv&street_ids=3")
	if p.StatusCode != http.StatusForbidden || !strings.Contains(p.body, "没有权限") {
		t.Errorf("street 3: HTTP %d %.300s, want 403 没有权限", p.StatusCode, p.body)
	}
}

// exportLink returns the statistics page's export link of format.
func exportLink(t *testing.T, p page, format string) string {
	t.Helper()
	for _, m := range regexpMust(`<a class="button" href="(/v1/reports:export\?[^"]+)" download>`).FindAllStringSubmatch(p.body, -1) {
		u := html.UnescapeString(m[1])
		if strings.Contains(u, "format="+format+"&") {
			return u
		}
	}
	t.Fatalf("no export link of %s on the page: %s", format, p.body)
	return ""
}

// download fetches an export link as the browser would, and checks that
// the answer is a file to save.
func download(t *testing.T, b *browser, link string) page {
	t.Helper()
	p := b.get(link)
	if p.StatusCode != http.StatusOK || !strings.HasPrefix(p.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("%s: HTTP %d, %q: %.300s", link, p.StatusCode, p.Header.Get("Content-Disposition"), p.body)
	}
	return p
}

// csvRows counts the cases of a CSV export, its header aside.
func csvRows(t *testing.T, p page) int {
	t.Helper()
	records, err := csv.NewReader(strings.NewReader(p.body)).ReadAll()
	if err != nil || len(records) == 0 {
		t.Fatalf("not a CSV file (%v): %.300s", err, p.body)
	}
	return len(records) - 1
}
