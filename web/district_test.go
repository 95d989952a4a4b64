package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/gridinspect/gridinspect"
	"github.com/gridinspect/gridinspect/internal/browsertest"
	"github.com/gridinspect/gridinspect/internal/demo"
)

// districtRefusal is what the desk says to a district account on any page
// but the statistics.
const districtRefusal = "区级账号只能查看统计"

// withDistrict adds a second street (东街道, no cases) and the district
// account "qu" given both: the demo street (1) and it (2).
func withDistrict(t *testing.T, st *street) {
	t.Helper()
	sys := gridinspect.NewContext(t.Context(), gridinspect.SystemActor())
	if _, _, err := st.db.CreateStreet(sys, "东街道", "admin2"); err != nil {
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
	for _, c := range []struct {
		method, path string
		status       int
		reported     string // the statistics page's 受理; "" for a refusal
		location     string
	}{
		{"GET", "/", http.StatusSeeOther, "", "/summary"},
		{"GET", period, http.StatusOK, street1, ""},
		{"GET", period + "&street=1&street=2", http.StatusOK, street1, ""},
		{"GET", period + "&street=1,2", http.StatusOK, street1, ""},
		{"GET", period + "&street=2", http.StatusOK, "0", ""},
		{"GET", period + "&street=1", http.StatusOK, street1, ""},
		{"GET", "/cases", http.StatusForbidden, "", ""},
		{"GET", "/cases/" + caseID, http.StatusForbidden, "", ""},
		{"POST", "/cases/" + caseID + "/comment", http.StatusForbidden, "", ""},
		{"GET", "/map", http.StatusForbidden, "", ""},
		{"GET", "/map/cases.json", http.StatusForbidden, "", ""},
		{"GET", "/map/grids.json", http.StatusForbidden, "", ""},
		{"GET", "/map/patrols.json", http.StatusForbidden, "", ""},
		{"GET", "/admin", http.StatusForbidden, "", ""},
		{"GET", "/admin/grids", http.StatusForbidden, "", ""},
		{"GET", "/admin/notices", http.StatusForbidden, "", ""},
		{"GET", "/admin/users/1", http.StatusForbidden, "", ""},
		{"POST", "/admin/users", http.StatusForbidden, "", ""},
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
				for _, other := range []string{`href="/cases"`, `href="/map"`, `href="/admin"`} {
					if strings.Contains(p.body, other) {
						t.Errorf("the header links to %s", other)
					}
				}
				if !strings.Contains(p.body, `href="/summary"`) {
					t.Error("the header lacks 统计")
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
			if !strings.Contains(scope, "全部街道") {
				t.Errorf("scope: %q, want 全部街道", scope)
			}
			looksRight(t, tab, "区级账号统计")
		})
	}
}
