package web_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/google/uuid"

	"github.com/gridinspect/gridinspect/internal/browsertest"
	"github.com/gridinspect/gridinspect/server"
	"github.com/gridinspect/gridinspect/web"
)

// mapCases reads the map's JSON of cases for query as b's user.
func (b *browser) mapCases(query string) (ids []string, overdue int) {
	b.t.Helper()
	p := b.get("/map/cases.json?" + query)
	if p.StatusCode != http.StatusOK {
		b.t.Fatalf("GET /map/cases.json?%s: HTTP %d: %s", query, p.StatusCode, p.body)
	}
	var body struct {
		Cases []struct {
			ID      string
			Overdue bool
		}
		Unplaced int
		Cut      bool
	}
	if err := json.Unmarshal([]byte(p.body), &body); err != nil {
		b.t.Fatalf("/map/cases.json: %v: %s", err, p.body)
	}
	if body.Unplaced != 0 || body.Cut {
		b.t.Fatalf("/map/cases.json: %d unplaced, cut %v: the demo street's cases all have a place", body.Unplaced, body.Cut)
	}
	for _, c := range body.Cases {
		ids = append(ids, c.ID)
		if c.Overdue {
			overdue++
		}
	}
	return ids, overdue
}

func apiIDs(rs []apiReport) []string {
	ids := make([]string, len(rs))
	for i, r := range rs {
		ids[i] = r.ID
	}
	return ids
}

func TestMap_CasesAreTheOpenCasesTheAPIListsForTheSameFilter(t *testing.T) {
	st := newStreet(t)
	makeOverdue(t, st, 2)
	sup := st.api(t, "supervisor")
	all := sup.listReports(url.Values{"openOnly": {"true"}})
	if len(all) < 10 {
		t.Fatalf("the demo street has %d open cases; want a street to map", len(all))
	}
	grid := all[0].GridID
	tests := []struct {
		name, desk string
		api        url.Values
	}{
		{"every open case", "", url.Values{}},
		{"overdue only", "overdue=1", url.Values{"overdueOnly": {"true"}}},
		{"one grid", "grid=" + grid, url.Values{"gridIds": {grid}}},
		{"a category and a status", "category=SAFETY_HAZARD&status=ASSIGNED",
			url.Values{"categories": {"CATEGORY_SAFETY_HAZARD"}, "statuses": {"REPORT_STATUS_ASSIGNED"}}},
		{"a period", "from=2024-03-01&to=2024-05-31",
			url.Values{"observedAfter": {"2024-02-29T16:00:00Z"}, "observedBefore": {"2024-05-31T16:00:00Z"}}},
		// A link copied from the case list names a scope: the map stays on open cases.
		{"scope all is still open cases", "scope=all", url.Values{}},
	}
	b := st.browser(t)
	b.login("supervisor", "/map")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.api.Set("openOnly", "true")
			want := apiIDs(sup.listReports(tt.api))
			got, _ := b.mapCases(tt.desk)
			slices.Sort(want)
			slices.Sort(got)
			if !slices.Equal(got, want) {
				t.Errorf("map lists %d cases, the API %d for the same filter\nmap: %v\napi: %v", len(got), len(want), got, want)
			}
		})
	}
}

func TestMap_AWorkerGetsOnlyItsGridsAndTheirCases(t *testing.T) {
	st := newStreet(t)
	w := st.api(t, "worker01")
	b := st.browser(t)
	b.login("worker01", "/map")
	p := b.get("/map/grids.json")
	var grids []struct{ ID, Name string }
	if err := json.Unmarshal([]byte(p.body), &grids); err != nil || p.StatusCode != http.StatusOK {
		t.Fatalf("/map/grids.json: HTTP %d, %v: %s", p.StatusCode, err, p.body)
	}
	var mine struct{ Grids []struct{ ID string } }
	w.call("GET", "/v1/grids", nil, &mine)
	if len(grids) != 1 || len(mine.Grids) != 1 || grids[0].ID != mine.Grids[0].ID {
		t.Errorf("worker01's map has grids %v; its API lists %v", grids, mine.Grids)
	}
	got, _ := b.mapCases("")
	for _, r := range st.api(t, "supervisor").listReports(url.Values{"openOnly": {"true"}}) {
		if slices.Contains(got, r.ID) && r.GridID != mine.Grids[0].ID {
			t.Errorf("worker01's map shows case %s of grid %s", r.ID, r.GridID)
		}
	}
	want := apiIDs(w.listReports(url.Values{"openOnly": {"true"}}))
	if len(got) != len(want) || len(got) == 0 {
		t.Errorf("worker01's map shows %d cases, its API lists %d", len(got), len(want))
	}
}

func TestMap_PatrolsOfADayWithTheirTracksAndWorkers(t *testing.T) {
	st := newStreet(t)
	b := st.browser(t)
	b.login("supervisor", "/map")
	var latest struct {
		Date    string
		Patrols []struct {
			Worker string
			Points [][2]float64
		}
	}
	p := b.get("/map/patrols.json")
	if err := json.Unmarshal([]byte(p.body), &latest); err != nil || p.StatusCode != http.StatusOK {
		t.Fatalf("/map/patrols.json: HTTP %d, %v: %s", p.StatusCode, err, p.body)
	}
	if latest.Date == "" || len(latest.Patrols) == 0 {
		t.Fatalf("without a date the latest patrol's day is shown; got %+v", latest)
	}
	for _, pt := range latest.Patrols {
		if len(pt.Points) < 2 || pt.Worker == "" || strings.HasPrefix(pt.Worker, "0") {
			t.Errorf("patrol drawn with %d points by %q; want a track and the worker's name", len(pt.Points), pt.Worker)
		}
	}
	if p := b.get("/map/patrols.json?date=2024-07-09"); !strings.Contains(p.body, `"patrols":[]`) {
		t.Errorf("a day without patrols: %s", p.body)
	}
	if p := b.get("/map/patrols.json?date=7月9日"); p.StatusCode != http.StatusBadRequest || !strings.Contains(p.body, "巡查日期有误") {
		t.Errorf("a bad date: HTTP %d %s", p.StatusCode, p.body)
	}
}

func TestMap_JSONWithoutASessionSaysToLogIn(t *testing.T) {
	st := newStreet(t)
	p := st.browser(t).get("/map/cases.json")
	if p.StatusCode != http.StatusUnauthorized || !strings.Contains(p.body, `"login":"/login?next=%2Fmap"`) {
		t.Errorf("HTTP %d %s; want 401 naming the login", p.StatusCode, p.body)
	}
}

func TestTiles_TileSourceIsTheTemplatesOrigin(t *testing.T) {
	tests := []struct {
		tmpl, want string
	}{
		{"https://t{s}.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=vec&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=KEY",
			"https://*.tianditu.gov.cn"},
		{"http://10.1.2.3:8081/tiles/{z}/{x}/{y}.png", "http://10.1.2.3:8081"},
		{"https://{s}.tile.example.org/{z}/{x}/{-y}.png", "https://*.tile.example.org"},
		{"HTTPS://Tiles.Example.ORG/{z}/{x}/{y}.png", "https://tiles.example.org"},
	}
	for _, tt := range tests {
		got, err := web.TileSource(tt.tmpl)
		if err != nil || got != tt.want {
			t.Errorf("TileSource(%q) = %q, %v; want %q", tt.tmpl, got, err, tt.want)
		}
	}
	for _, bad := range []string{
		"", "tiles/{z}/{x}/{y}.png", "file:///srv/tiles/{z}/{x}/{y}.png", "javascript:alert(1)//{z}{x}{y}",
		"ftp://example.org/{z}/{x}/{y}", "https://{s}/{z}/{x}/{y}.png", "https://tiles.{s}.example.org/{z}/{x}/{y}",
		"https://user:pw@example.org/{z}/{x}/{y}", "https://example.org/tiles.png", "https://example.org/{z}/{x}",
		"https://exa mple.org/{z}/{x}/{y}",
	} {
		if src, err := web.TileSource(bad); err == nil {
			t.Errorf("TileSource(%q) = %q; want an error", bad, src)
		}
	}
}

func TestTiles_CSPAllowsTheTileHostAndNoOther(t *testing.T) {
	const tmpl = "https://t{s}.tianditu.gov.cn/vec_w/wmts?TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=KEY"
	tests := []struct {
		name, tiles, want string
	}{
		{"no tiles", "", "img-src 'self' data: blob:;"},
		{"天地图", tmpl, "img-src 'self' data: blob: https://*.tianditu.gov.cn;"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := newStreet(t, func(c *server.Config) { c.MapTiles = tt.tiles })
			b := st.browser(t)
			b.login("supervisor", "/map")
			p := b.get("/map")
			csp := p.Header.Get("Content-Security-Policy")
			if p.StatusCode != http.StatusOK || !strings.Contains(csp, tt.want) {
				t.Errorf("HTTP %d, CSP %q; want %q in it", p.StatusCode, csp, tt.want)
			}
			if got := strings.Contains(p.body, `data-tiles=`); got != (tt.tiles != "") {
				t.Errorf("the page names a tile layer: %v, want %v", got, tt.tiles != "")
			}
		})
	}
}

// tileServer is a tile server on 127.0.0.1 answering every tile with a
// plain PNG; it counts the tiles asked for.
func tileServer(t *testing.T) (*httptest.Server, *atomic.Int64) {
	img := image.NewRGBA(image.Rect(0, 0, 256, 256))
	for x := range 256 {
		for y := range 256 {
			img.Set(x, y, color.RGBA{0xe8, 0xee, 0xf5, 0xff})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	var n atomic.Int64
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.Header().Set("Content-Type", "image/png")
		_, _ = w.Write(buf.Bytes())
	}))
	t.Cleanup(ts.Close)
	return ts, &n
}

// markerCount is what the map's script says it drew: the markers of the
// cluster group (those inside clusters too), and how many loads it made.
type markerCount struct {
	Count, Overdue, Loads, Layers int
}

func readMarkers(t *testing.T, tab *browsertest.Tab) markerCount {
	t.Helper()
	m, err := chromedp.Run(tab, chromedp.Evaluate[markerCount](`(() => {
	  const d = document.getElementById('map').dataset;
	  return {Count: +d.count, Overdue: +d.overdue, Loads: +d.loads, Layers: window.deskMap.cluster.getLayers().length};
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// waitFor polls the page until the JavaScript expression cond holds.
func waitFor(t *testing.T, tab *browsertest.Tab, cond string) {
	t.Helper()
	if _, err := chromedp.Run(tab, chromedp.Poll[bool](cond, chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		t.Fatalf("waiting for %s: %v", cond, err)
	}
}

const markersDrawn = `+document.getElementById('map').dataset.loads > 0`

// makeOverdue dispatches n reported cases with tomorrow's deadline and
// moves the street's clock two days on: they are overdue.
func makeOverdue(t *testing.T, st *street, n int) {
	t.Helper()
	a := st.api(t, "supervisor")
	reported := a.listReports(url.Values{"openOnly": {"true"}, "statuses": {"REPORT_STATUS_REPORTED"}})
	if len(reported) < n {
		t.Fatalf("want %d reported cases, have %d", n, len(reported))
	}
	for _, r := range reported[:n] {
		var resp struct{ Report apiReport }
		a.call("POST", "/v1/reports/"+r.ID+":assign", map[string]any{
			"actionId": uuid.NewString(), "expectedVersion": r.Version, "responsibleUnit": "街道安监办",
			"deadline": st.clock.Now().Add(24 * time.Hour).Format(time.RFC3339),
		}, &resp)
	}
	st.clock.Advance(48 * time.Hour)
}

func TestDeskInBrowser_MapShowsEveryOpenCaseAndTheOverdueFilterNarrowsThem(t *testing.T) {
	st := newStreet(t)
	makeOverdue(t, st, 3)
	sup := st.api(t, "supervisor")
	open := sup.listReports(url.Values{"openOnly": {"true"}})
	overdue := sup.listReports(url.Values{"openOnly": {"true"}, "overdueOnly": {"true"}})
	if len(overdue) == 0 || len(overdue) == len(open) {
		t.Fatalf("the demo street has %d open and %d overdue cases; the filter would show nothing", len(open), len(overdue))
	}
	tab := st.chrome(t, browsertest.Desktop, "supervisor")
	load, err := tab.Load(st.url+"/map", markersDrawn, 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("map page (desktop, supervisor, %d markers): %s to the markers drawn", len(open), load)
	// Again, with the static files in the browser's cache, as a person
	// opening the map a second time.
	load, err = tab.Load(st.url+"/map", markersDrawn, 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("map page again (cached static files): %s to the markers drawn", load)

	m := readMarkers(t, tab)
	if m.Count != len(open) || m.Layers != len(open) {
		t.Errorf("the map shows %d markers (%d in the cluster group); the API lists %d open cases", m.Count, m.Layers, len(open))
	}
	if m.Overdue != len(overdue) {
		t.Errorf("the map marks %d cases overdue; the API lists %d", m.Overdue, len(overdue))
	}
	text, err := chromedp.Run(tab, chromedp.Text("#map-status"))
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("在办案件 %d 件，其中逾期 %d 件", len(open), len(overdue)); !strings.Contains(text, want) {
		t.Errorf("status line %q; want %q", text, want)
	}
	grids, err := chromedp.Run(tab, chromedp.Evaluate[int](`document.querySelectorAll('.grid-label').length`))
	if err != nil || grids != 10 {
		t.Errorf("%d grid names drawn (%v); want the demo street's 10", grids, err)
	}
	tracks, err := chromedp.Run(tab, chromedp.Evaluate[int](`document.querySelectorAll('path.track').length`))
	if err != nil || tracks == 0 {
		t.Errorf("%d tracks drawn (%v); want the latest day's patrols", tracks, err)
	}
	looksRight(t, tab, "一张图")

	// 只看逾期 applies at once, without a reload.
	if err := chromedp.Do(tab, chromedp.Click(`input[name="overdue"]`)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, tab, fmt.Sprintf(`document.getElementById('map').dataset.count === "%d"`, len(overdue)))
	m = readMarkers(t, tab)
	if m.Layers != len(overdue) || m.Overdue != len(overdue) {
		t.Errorf("overdue only: %d markers, %d overdue; the API lists %d overdue", m.Layers, m.Overdue, len(overdue))
	}
	loc, err := chromedp.Run(tab, chromedp.Evaluate[string](`location.search`))
	if err != nil || !strings.Contains(loc, "overdue=1") {
		t.Errorf("the address %q does not keep the filter (%v)", loc, err)
	}
	looksRight(t, tab, "一张图-只看逾期")

	// A click on a marker opens the case's card, with a link to the case.
	id := overdue[0].ID
	ok, err := chromedp.Run(tab, chromedp.Evaluate[bool](fmt.Sprintf(`window.deskMap.reveal(%q)`, id)))
	if err != nil || !ok {
		t.Fatalf("reveal %s: %v, %v", id, ok, err)
	}
	sel := fmt.Sprintf(`.case-marker[data-id=%q]`, id)
	if err := chromedp.Do(tab, chromedp.WaitVisible(sel), chromedp.Click(sel)); err != nil {
		t.Fatalf("click the marker of %s: %v", id, err)
	}
	link := fmt.Sprintf(`.case-card a[href="/cases/%s"]`, id)
	if err := chromedp.Do(tab, chromedp.WaitVisible(link)); err != nil {
		t.Fatalf("the card of %s: %v", id, err)
	}
	waitFor(t, tab, `getComputedStyle(document.querySelector('.leaflet-popup')).opacity === '1'`) // faded in
	card, err := chromedp.Run(tab, chromedp.Text(".case-card"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"期限 ", "逾期", "查看案件详情"} {
		if !strings.Contains(card, want) {
			t.Errorf("card %q lacks %q", card, want)
		}
	}
	looksRight(t, tab, "一张图-案件卡片")
}

func TestDeskInBrowser_MapFitsAPhone(t *testing.T) {
	st := newStreet(t)
	tab := st.chrome(t, browsertest.Phone, "supervisor")
	load, err := tab.Load(st.url+"/map", markersDrawn, 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("map page (phone, supervisor): %s to the markers drawn", load)
	looksRight(t, tab, "一张图")
}

func TestDeskInBrowser_MapOfAWorkerShowsOnlyItsGrids(t *testing.T) {
	st := newStreet(t)
	mine := st.api(t, "worker01").listReports(url.Values{"openOnly": {"true"}})
	tab := st.chrome(t, browsertest.Desktop, "worker01")
	if _, err := tab.Load(st.url+"/map", markersDrawn, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	m := readMarkers(t, tab)
	if m.Layers != len(mine) {
		t.Errorf("worker01's map shows %d markers; its API lists %d", m.Layers, len(mine))
	}
	labels, err := chromedp.Run(tab, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('.grid-label')).map(e => e.textContent)`))
	if err != nil || len(labels) != 1 || labels[0] != "红星村" {
		t.Errorf("worker01's map draws grids %v (%v); want its own, 红星村", labels, err)
	}
	looksRight(t, tab, "一张图-网格员")
}

func TestDeskInBrowser_MapShowsANewReportAfterARefresh(t *testing.T) {
	st := newStreet(t)
	sup := st.api(t, "supervisor")
	tab := st.chrome(t, browsertest.Desktop, "supervisor")
	if _, err := tab.Load(st.url+"/map?refresh=1", markersDrawn, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	before := readMarkers(t, tab)
	st.api(t, "worker01").submitCopy("新上报：路灯杆倾斜")
	cond := fmt.Sprintf(`window.deskMap.cluster.getLayers().length === %d`, before.Layers+1)
	if _, err := chromedp.Run(tab, chromedp.Poll[bool](cond, chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		body, _ := chromedp.Run(tab, chromedp.Evaluate[string](`fetch('/map/cases.json').then(r => r.text())`, chromedp.EvalAwaitPromise))
		t.Fatalf("the new report is not on the map after 20 s: %v; %+v, before %+v; %s; browser: %v", err, readMarkers(t, tab), before, body, tab.Errors()[:1])
	}
	after := readMarkers(t, tab)
	if after.Layers != before.Layers+1 || after.Loads <= before.Loads {
		t.Errorf("after a refresh: %d markers in %d loads; before: %d in %d", after.Layers, after.Loads, before.Layers, before.Loads)
	}
	if n := len(sup.listReports(url.Values{"openOnly": {"true"}})); after.Layers != n {
		t.Errorf("the map shows %d markers, the API lists %d", after.Layers, n)
	}
	if errs := tab.Errors(); len(errs) > 0 {
		t.Errorf("the browser reported: %s", strings.Join(errs, "\n"))
	}
}

func TestDeskInBrowser_MapTilesFromTheConfiguredServer(t *testing.T) {
	tiles, asked := tileServer(t)
	st := newStreet(t, func(c *server.Config) { c.MapTiles = tiles.URL + "/{z}/{x}/{y}.png" })
	tab := st.chrome(t, browsertest.Desktop, "supervisor")
	if _, err := tab.Load(st.url+"/map", markersDrawn, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	waitFor(t, tab, `document.querySelectorAll('img.leaflet-tile-loaded').length > 0`)
	if asked.Load() == 0 {
		t.Error("no tile was asked of the tile server")
	}
	looksRight(t, tab, "一张图-底图")
}
