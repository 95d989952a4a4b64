package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/gridinspect/gridinspect"
	"github.com/gridinspect/gridinspect/internal/words"
	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

// The map (一张图): the street's grids, its open cases as markers and a
// day's patrols as tracks. The page is a frame; its script fetches three
// JSONs of the desk's own, each built here from the API with the
// caller's rights:
//
//	/map/grids.json                the grids' boundaries and names
//	/map/cases.json?<filter>       the open cases of the case list's filter
//	/map/patrols.json?date=&grid=  a China day's patrols with their tracks
//
// The cases come from a desk JSON rather than from /v1/reports paged in
// the browser: the filter is read once, by parseCaseFilter (the case
// list's), every page is fetched server-side over the in-process
// connection (one request per refresh instead of one per page), and the
// labels come out in the catalogue's Chinese and China time, so the
// script keeps no copy of the words or of the time zone.
const (
	// mapMaxPages bounds the ListReports pages one fetch of the cases
	// reads (500 each): more open cases than that are marked as cut.
	mapMaxPages = 40
	// mapDescriptionChars is how much of a description a card shows.
	mapDescriptionChars = 80
	// mapDeadlineLayout is a deadline as a card shows it.
	mapDeadlineLayout = "2006-01-02 15:04"
)

// mapView is the map page's data.
type mapView struct {
	FilterForm
	// Legend is each category with its marker's class.
	Legend []legendItem
	// CasesURL, GridsURL and PatrolsURL are the JSONs the script fetches.
	CasesURL, GridsURL, PatrolsURL string
	// Refresh is the seconds between fetches of the cases.
	Refresh int
	// Tiles is the tile URL template ("" for a plain background) and
	// TileSubdomains what its {s} stands for.
	Tiles, TileSubdomains string
	Problems              []string
}

// legendItem is one category of the legend.
type legendItem struct {
	Class, Label string
}

// mapPage draws the map's frame: filters, legend and the empty map.
func (d *desk) mapPage(w http.ResponseWriter, r *http.Request, user *pb.User) {
	v := view{Title: "一张图", User: user, Nav: "map"}
	q := mapQuery(r.URL.Query())
	f, _, problems := parseCaseFilter(q)
	grids, err := d.gridNames(r)
	if err != nil {
		d.fail(w, r, v, err)
		return
	}
	mv := mapView{
		// Only the open statuses: the map shows the cases being worked on.
		FilterForm: newFilterForm(f, grids, gridinspect.Status.Open),
		Problems:   problems,
		CasesURL:   "/map/cases.json?" + f.values().Encode(),
		GridsURL:   "/map/grids.json",
		PatrolsURL: "/map/patrols.json",
		Refresh:    max(int(d.cfg.RefreshEvery.Seconds()), 1), // as the lists: a new report within a minute
		Tiles:      d.cfg.MapTiles,
	}
	if mv.Tiles != "" {
		mv.TileSubdomains = tileSubdomains(mv.Tiles)
	}
	// A test (or a wall screen) may ask for a quicker refresh.
	if n, err := strconv.Atoi(r.URL.Query().Get("refresh")); err == nil && n >= 1 && n <= 3600 {
		mv.Refresh = n
	}
	// The patrols' day (China, 2006-01-02); "" for the latest.
	mv.Path, mv.ID, mv.AnyStatus, mv.Patrols, mv.Date = "/map", "map-filter", "全部在办", true, r.URL.Query().Get("date")
	for _, c := range mv.Categories {
		mv.Legend = append(mv.Legend, legendItem{Class: categoryClass(pb.Category(pb.Category_value["CATEGORY_"+c.Value])), Label: c.Label})
	}
	v.Data = mv
	code := http.StatusOK
	if len(problems) > 0 {
		code = http.StatusBadRequest
	}
	d.render(w, r, code, "map", v)
}

// mapQuery is q as the case list's filter of open cases: the map shows
// open cases only, whatever scope a copied link names.
func mapQuery(q url.Values) url.Values {
	out := url.Values{}
	for k, v := range q {
		switch k {
		case "scope", "page", "refresh", "date":
		default:
			out[k] = v
		}
	}
	return out
}

// categoryClass is the CSS class of a category's markers and legend.
func categoryClass(c pb.Category) string { return "cat-" + strconv.Itoa(int(c)) }

// mapCase is one marker of the map.
type mapCase struct {
	ID          string  `json:"id"`
	Lat         float64 `json:"lat"`
	Lng         float64 `json:"lng"`
	Class       string  `json:"class"`
	Category    string  `json:"category"`
	Status      string  `json:"status"`
	Grid        string  `json:"grid"`
	Deadline    string  `json:"deadline"`
	Overdue     bool    `json:"overdue"`
	OverdueDays int     `json:"overdueDays,omitempty"`
	Description string  `json:"description"`
	Thumbnail   string  `json:"thumbnail,omitempty"`
	Href        string  `json:"href"`
}

// mapCases is the answer of /map/cases.json.
type mapCases struct {
	Cases []mapCase `json:"cases"`
	// Unplaced counts the cases without a location (not on the map).
	Unplaced int `json:"unplaced"`
	// Cut is true when there were more cases than one fetch reads.
	Cut bool `json:"cut"`
}

// mapErr is the answer of a map JSON that failed.
type mapErr struct {
	Error  string   `json:"error"`
	Fields []string `json:"fields,omitempty"`
	// Login is where to log in again, when the session has ended.
	Login string `json:"login,omitempty"`
}

// casesJSON answers /map/cases.json: every open case of the filter.
func (d *desk) casesJSON(w http.ResponseWriter, r *http.Request) {
	_, req, problems := parseCaseFilter(mapQuery(r.URL.Query()))
	if req == nil {
		writeJSON(w, http.StatusBadRequest, mapErr{Error: "筛选条件有误", Fields: problems})
		return
	}
	ctx, err := d.call(r, pb.ReportService_ListReports_FullMethodName)
	if err != nil {
		d.failJSON(w, r, err)
		return
	}
	grids, err := d.gridNames(r)
	if err != nil {
		d.failJSON(w, r, err)
		return
	}
	out := mapCases{Cases: []mapCase{}}
	now := d.cfg.Now()
	req.PageSize = 500
	for pages := 0; ; pages++ {
		if pages == mapMaxPages {
			out.Cut = true
			break
		}
		resp, err := d.reports.ListReports(ctx, req)
		if err != nil {
			d.failJSON(w, r, err)
			return
		}
		for _, rep := range resp.GetReports() {
			if rep.GetLocation() == nil {
				out.Unplaced++
				continue
			}
			out.Cases = append(out.Cases, newMapCase(rep, grids, now))
		}
		if req.PageToken = resp.GetNextPageToken(); req.PageToken == "" {
			break
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func newMapCase(rep *pb.Report, grids gridBook, now time.Time) mapCase {
	c := mapCase{
		ID:          rep.GetId(),
		Lat:         rep.GetLocation().GetLatitude(),
		Lng:         rep.GetLocation().GetLongitude(),
		Class:       categoryClass(rep.GetCategory()),
		Category:    words.Label(words.Category, rep.GetCategory()),
		Status:      words.Label(words.Status, rep.GetStatus()),
		Grid:        grids.name(rep.GetGridId()),
		Deadline:    "-",
		Overdue:     rep.GetOverdue(),
		Description: truncate(mapDescriptionChars, rep.GetDescription()),
		Href:        "/cases/" + rep.GetId(),
	}
	if dl := rep.GetDeadline(); dl != nil {
		c.Deadline = dl.AsTime().In(gridinspect.ChinaZone).Format(mapDeadlineLayout)
		if c.Overdue {
			c.OverdueDays = daysOverdue(dl.AsTime(), now)
		}
	}
	if ids := rep.GetPhotoIds(); len(ids) > 0 {
		c.Thumbnail = "/v1/photos/" + url.PathEscape(ids[0]) + ":thumbnail"
	}
	return c
}

// mapGrid is one grid of the map: its name and its boundary's rings as
// [lat, lng] pairs.
type mapGrid struct {
	ID    string         `json:"id"`
	Name  string         `json:"name"`
	Rings [][][2]float64 `json:"rings"`
}

// gridsJSON answers /map/grids.json: the grids the caller may see.
func (d *desk) gridsJSON(w http.ResponseWriter, r *http.Request) {
	ctx, err := d.call(r, pb.DirectoryService_ListGrids_FullMethodName)
	if err != nil {
		d.failJSON(w, r, err)
		return
	}
	out := []mapGrid{}
	token := ""
	for {
		resp, err := d.dir.ListGrids(ctx, &pb.ListGridsRequest{PageSize: 500, PageToken: token})
		if err != nil {
			d.failJSON(w, r, err)
			return
		}
		for _, g := range resp.GetGrids() {
			mg := mapGrid{ID: g.GetId(), Name: g.GetName(), Rings: [][][2]float64{}}
			for _, poly := range g.GetBoundary() {
				// The outer rings only: a hole of a grid is drawn by no
				// one, and a name goes in the middle of the outer ring.
				if rings := poly.GetRings(); len(rings) > 0 {
					mg.Rings = append(mg.Rings, latLngs(rings[0].GetPoints()))
				}
			}
			out = append(out, mg)
		}
		if token = resp.GetNextPageToken(); token == "" {
			break
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// point is a boundary's point or a track's fix.
type point interface {
	GetLatitude() float64
	GetLongitude() float64
}

// latLngs are the points as Leaflet takes them, [lat, lng].
func latLngs[P point](pts []P) [][2]float64 {
	out := make([][2]float64, len(pts))
	for i, p := range pts {
		out[i] = [2]float64{p.GetLatitude(), p.GetLongitude()}
	}
	return out
}

// mapPatrol is one patrol's track.
type mapPatrol struct {
	ID     string       `json:"id"`
	Worker string       `json:"worker"`
	Kind   string       `json:"kind"`
	Time   string       `json:"time"`
	Points [][2]float64 `json:"points"`
}

// mapPatrols is the answer of /map/patrols.json.
type mapPatrols struct {
	// Date is the day shown (China, 2006-01-02); "" when there is none.
	Date    string      `json:"date"`
	Patrols []mapPatrol `json:"patrols"`
}

// patrolsJSON answers /map/patrols.json: the patrols started on date (a
// China day; without one, the day of the latest patrol) in the grids
// given (all the caller sees without).
func (d *desk) patrolsJSON(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	grids := nonEmpty(q["grid"])
	ctx, err := d.call(r, pb.ReportService_ListPatrols_FullMethodName)
	if err != nil {
		d.failJSON(w, r, err)
		return
	}
	date := q.Get("date")
	if date == "" {
		latest, err := d.reports.ListPatrols(ctx, &pb.ListPatrolsRequest{GridIds: grids, PageSize: 1})
		if err != nil {
			d.failJSON(w, r, err)
			return
		}
		if len(latest.GetPatrols()) == 0 {
			writeJSON(w, http.StatusOK, mapPatrols{Patrols: []mapPatrol{}})
			return
		}
		date = latest.GetPatrols()[0].GetStartedAt().AsTime().In(gridinspect.ChinaZone).Format(dateLayout)
	}
	day, ok := parseDate(date)
	if !ok {
		writeJSON(w, http.StatusBadRequest, mapErr{Error: "巡查日期有误（" + words.DateExample + "）"})
		return
	}
	date = day.Format(dateLayout)
	req := &pb.ListPatrolsRequest{GridIds: grids, PageSize: 500,
		StartedAfter: timestamppb.New(day), StartedBefore: timestamppb.New(day.AddDate(0, 0, 1))}
	out := mapPatrols{Date: date, Patrols: []mapPatrol{}}
	names := map[string]string{}
	for {
		resp, err := d.reports.ListPatrols(ctx, req)
		if err != nil {
			d.failJSON(w, r, err)
			return
		}
		for _, p := range resp.GetPatrols() {
			out.Patrols = append(out.Patrols, mapPatrol{
				ID:     p.GetId(),
				Worker: d.userName(r, names, p.GetReporterId()),
				Kind:   words.Label(words.PatrolKind, p.GetKind()),
				Time: p.GetStartedAt().AsTime().In(gridinspect.ChinaZone).Format("15:04") + "–" +
					p.GetEndedAt().AsTime().In(gridinspect.ChinaZone).Format("15:04"),
				Points: latLngs(p.GetTrack()),
			})
		}
		if req.PageToken = resp.GetNextPageToken(); req.PageToken == "" {
			break
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// userName names the user id for a track: its display name as GetUser
// tells the caller, else its short id (a worker may see no one else's
// account). names keeps the answers of one request.
func (d *desk) userName(r *http.Request, names map[string]string, id string) string {
	if n, ok := names[id]; ok {
		return n
	}
	n := shortID(id)
	if ctx, err := d.call(r, pb.DirectoryService_GetUser_FullMethodName); err == nil {
		if resp, err := d.dir.GetUser(ctx, &pb.GetUserRequest{Id: id}); err == nil {
			if n = resp.GetUser().GetDisplayName(); n == "" {
				n = resp.GetUser().GetUsername()
			}
		}
	}
	names[id] = n
	return n
}

// failJSON answers a map JSON with a call's error, in Chinese; an ended
// session says where to log in again.
func (d *desk) failJSON(w http.ResponseWriter, r *http.Request, err error) {
	ev := d.chinese(err)
	e := mapErr{Error: ev.Message, Fields: ev.Fields}
	if unauthenticated(err) {
		e.Login = "/login?next=" + url.QueryEscape("/map")
	}
	writeJSON(w, httpStatus(err), e)
}

// writeJSON writes v as the JSON answer with status code.
func writeJSON(w http.ResponseWriter, code int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "服务器内部错误", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	_, _ = w.Write(b)
}
