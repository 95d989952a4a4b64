package web_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/google/uuid"

	"github.com/gridinspect/gridinspect/internal/browsertest"
	"github.com/gridinspect/gridinspect/server"
)

// caseReport is what the case tests read of a report through the API.
type caseReport struct {
	ID, GridID, Status, Version string
	AllowedActions              []string
}

func (a *api) getReport(id string) caseReport {
	a.t.Helper()
	var resp struct{ Report caseReport }
	a.call("GET", "/v1/reports/"+id, nil, &resp)
	return resp.Report
}

// reportedCase is a demo case not yet dispatched.
func (a *api) reportedCase() caseReport {
	a.t.Helper()
	reps := a.listReports(url.Values{"statuses": {"REPORT_STATUS_REPORTED"}})
	if len(reps) == 0 {
		a.t.Fatal("the demo street has no REPORTED case")
	}
	return a.getReport(reps[0].ID)
}

// gridWorker is a worker of the grid, as the supervisor lists them.
func (a *api) gridWorker(gridID string) (id, name string) {
	a.t.Helper()
	var resp struct {
		Users []struct{ ID, Username, DisplayName, Role string }
	}
	a.call("GET", "/v1/users?gridId="+url.QueryEscape(gridID), nil, &resp)
	for _, u := range resp.Users {
		if u.Role == "ROLE_WORKER" {
			name = u.DisplayName
			if name == "" {
				name = u.Username
			}
			return u.ID, name
		}
	}
	a.t.Fatalf("grid %s has no worker", gridID)
	return "", ""
}

// actionKeys are the actions whose forms the case page shows.
func (p page) actionKeys() []string {
	var keys []string
	for _, m := range regexp.MustCompile(`<details class="action" data-action="([a-z-]+)"`).FindAllStringSubmatch(p.body, -1) {
		keys = append(keys, m[1])
	}
	return keys
}

// formFields are the hidden fields of the case page's form for action key.
func (p page) formFields(t *testing.T, key string) (actionID, version string) {
	t.Helper()
	re := regexp.MustCompile(`action="/cases/[0-9a-f-]+/` + key + `"[^>]*>\s*<input type="hidden" name="action_id" value="([^"]+)">\s*<input type="hidden" name="expected_version" value="(\d+)">`)
	m := re.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("the case page has no %s form: %s", key, p.body)
	}
	return m[1], m[2]
}

// apiActionKeys are the page's paths of the API's allowed_actions.
var apiActionKeys = map[string]string{
	"REPORT_ACTION_ASSIGN": "assign", "REPORT_ACTION_REJECT": "reject", "REPORT_ACTION_RECORD_PROGRESS": "progress",
	"REPORT_ACTION_ISSUE_NOTICE": "notice", "REPORT_ACTION_RECORD_INTERVIEW": "interview",
	"REPORT_ACTION_SUBMIT_RECTIFICATION": "rectify", "REPORT_ACTION_VERIFY_RECTIFICATION": "verify",
	"REPORT_ACTION_RECORD_FOLLOW_UP": "followup", "REPORT_ACTION_COMMENT": "comment", "REPORT_ACTION_EXTEND_DEADLINE": "extend",
	"REPORT_ACTION_RETURN_FOR_MORE": "return", "REPORT_ACTION_SUPPLEMENT": "supplement",
	"REPORT_ACTION_REASSIGN": "reassign", "REPORT_ACTION_URGE": "urge",
}

func TestDeskInBrowser_CaseIsDispatchedAndVerifiedFromItsPage(t *testing.T) {
	st := newStreet(t)
	sup := st.api(t, "supervisor")
	c := sup.reportedCase()
	workerID, workerName := sup.gridWorker(c.GridID)

	tab := st.chrome(t, browsertest.Desktop, "supervisor")
	open(t, tab, st.url+"/cases/"+c.ID, "#case-actions")
	press(t, tab, `details[data-action="assign"] > summary`)
	err := within(tab,
		chromedp.WaitVisible(`#form-assign select[name="assignee_id"]`),
		chromedp.SetValue(`#form-assign select[name="assignee_id"]`, workerID),
		chromedp.SetValue(`#form-assign input[name="deadline"]`, "2024年7月20日"), // as an office writes it
	)
	if err != nil {
		t.Fatalf("fill in the dispatch form: %v", err)
	}
	looksRight(t, tab, "案件详情-派遣")
	press(t, tab, `#form-assign button[type="submit"]`)
	err = within(tab, chromedp.WaitVisible(`#case-done`))
	if err != nil {
		t.Fatalf("dispatch from the case page: %v", err)
	}
	if s := text(t, tab, "#case-status"); s != "已派遣" {
		t.Errorf("status after dispatch = %q, want 已派遣", s)
	}
	if tl := text(t, tab, "#timeline"); !strings.Contains(tl, "派遣") || !strings.Contains(tl, workerName) || !strings.Contains(tl, "2024-07-20") {
		t.Errorf("timeline after dispatch lacks 派遣 to %s by 2024-07-20: %q", workerName, tl)
	}
	looksRight(t, tab, "案件详情-已派遣")

	// The worker reports the fix through the API, as its phone does.
	now := sup.getReport(c.ID)
	var out struct{}
	sup.call("POST", "/v1/reports/"+c.ID+":submitRectification", map[string]any{
		"actionId": uuid.Must(uuid.NewV7()).String(), "expectedVersion": now.Version, "note": "已整改",
	}, &out)

	open(t, tab, st.url+"/cases/"+c.ID, "#case-actions")
	press(t, tab, `details[data-action="verify"] > summary`)
	press(t, tab, `#form-verify button[value="1"]`)
	err = within(tab, chromedp.WaitVisible(`#case-done`))
	if err != nil {
		browsertest.Screenshot(t, tab, "案件详情-核查失败")
		t.Fatalf("verify from the case page: %v", err)
	}
	if s := text(t, tab, "#case-status"); s != "已结案" {
		t.Errorf("status after verification = %q, want 已结案", s)
	}
	if tl := text(t, tab, "#timeline"); !strings.Contains(tl, "核查通过") || !strings.Contains(tl, "待核查 → 已结案") {
		t.Errorf("timeline after verification lacks 核查通过: %q", tl)
	}
	if s := text(t, tab, "#chain"); s != "记录完整" {
		t.Errorf("hash chain verdict = %q, want 记录完整", s)
	}
	if got := sup.getReport(c.ID).Status; got != "REPORT_STATUS_CLOSED" {
		t.Errorf("API status = %s, want REPORT_STATUS_CLOSED", got)
	}
	looksRight(t, tab, "案件详情-已结案")
}

// press clicks the element sel as the browser's own click() does: a
// click at screen coordinates may land elsewhere (the header's 退出) when
// the page moves under it.
func press(t *testing.T, tab *browsertest.Tab, sel string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(tab, browserStepTimeout)
	defer cancel()
	js := `(function () { var e = document.querySelector(` + strconv.Quote(sel) + `); if (!e) { return false; } e.click(); return true; })()`
	ok, err := chromedp.Run(ctx, chromedp.Poll[bool](js, chromedp.WithPollingTimeout(browserStepTimeout)))
	if err != nil || !ok {
		t.Fatalf("click %s: %v", sel, err)
	}
}

func text(t *testing.T, tab *browsertest.Tab, sel string) string {
	t.Helper()
	s, err := chromedp.Run(tab, chromedp.Text(sel))
	if err != nil {
		t.Fatalf("read %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

func TestDeskInBrowser_CasePageFitsAnOfficePCAndAPhoneAndShowsMarkupAsText(t *testing.T) {
	st := newStreet(t)
	const markup = `<script>alert(1)</script>`
	id := st.api(t, "supervisor").submitCopy(markup)
	for _, vp := range []browsertest.Viewport{browsertest.Desktop, browsertest.Phone} {
		t.Run(vp.Name, func(t *testing.T) {
			tab := st.chrome(t, vp, "supervisor")
			open(t, tab, st.url+"/cases/"+id, "#case-description")
			if got := text(t, tab, "#case-description"); got != markup {
				t.Errorf("description = %q, want the markup as text", got)
			}
			if err := chromedp.Do(tab, chromedp.WaitVisible(`#case-map.ready`)); err != nil {
				t.Errorf("the small map was not drawn: %v", err)
			}
			looksRight(t, tab, "案件详情")
		})
	}
}

func TestDesk_CasePageShowsAWorkerOnlyTheActionsTheAPIAllowsIt(t *testing.T) {
	st := newStreet(t)
	w := st.api(t, "worker01")
	mine := w.listReports(url.Values{"statuses": {"REPORT_STATUS_REPORTED", "REPORT_STATUS_ASSIGNED", "REPORT_STATUS_RECTIFYING"}})
	if len(mine) == 0 {
		t.Fatal("worker01 has no open case")
	}
	b := st.browser(t)
	b.login("worker01", "/cases")
	for _, r := range mine[:min(3, len(mine))] {
		rep := w.getReport(r.ID)
		var want []string
		for _, a := range rep.AllowedActions {
			want = append(want, apiActionKeys[a])
		}
		p := b.get("/cases/" + r.ID)
		if p.StatusCode != http.StatusOK {
			t.Fatalf("GET /cases/%s as worker01: HTTP %d", r.ID, p.StatusCode)
		}
		got := p.actionKeys()
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("case %s (%s): the page offers %v, the API allows %v", r.ID, rep.Status, got, want)
		}
		for _, sup := range []string{"assign", "reject", "verify", "extend", "notice", "interview"} {
			if slices.Contains(got, sup) {
				t.Errorf("case %s: a worker is offered the supervisor's %s", r.ID, sup)
			}
		}
	}
}

func TestDesk_AStaleCaseFormShowsTheConflictAndTheCaseAsItIsNow(t *testing.T) {
	st := newStreet(t)
	sup := st.api(t, "supervisor")
	c := sup.reportedCase()
	b := st.browser(t)
	b.login("supervisor", "/cases")
	before := b.get("/cases/" + c.ID)
	actionID, version := before.formFields(t, "assign")
	workerID, _ := sup.gridWorker(c.GridID)

	// Someone else dispatches the case in between, through the API.
	var out struct{}
	sup.call("POST", "/v1/reports/"+c.ID+":assign", map[string]any{
		"actionId": uuid.Must(uuid.NewV7()).String(), "expectedVersion": c.Version, "responsibleUnit": "街道安监办",
	}, &out)

	p := b.post("/cases/"+c.ID+"/assign", "", url.Values{
		"action_id": {actionID}, "expected_version": {version}, "assignee_id": {workerID}, "deadline": {""}, // the default deadline
	})
	if p.StatusCode != http.StatusConflict {
		t.Fatalf("stale dispatch: HTTP %d, want 409 and the conflict: %s", p.StatusCode, p.body)
	}
	for _, want := range []string{`id="case-conflict"`, "案件在您查看后已有变动", `<span class="tag status" id="case-status">已派遣</span>`, "街道安监办", `<p class="conflict-reason">未生效：案件在您查看后已有变动`} {
		if !strings.Contains(p.body, want) {
			t.Errorf("conflict page lacks %q", want)
		}
	}
	if slices.Contains(p.actionKeys(), "assign") {
		t.Error("the conflict page still offers to dispatch a dispatched case")
	}
	if now := sup.getReport(c.ID); now.Status != "REPORT_STATUS_ASSIGNED" {
		t.Errorf("API status = %s, want the other's dispatch to stand", now.Status)
	}
	_, v := p.formFields(t, "comment")
	if v != sup.getReport(c.ID).Version {
		t.Errorf("forms carry version %s, want the case's current %s", v, sup.getReport(c.ID).Version)
	}
}

func TestDesk_ACaseFormsBadFieldIsSaidInChineseBesideIt(t *testing.T) {
	st := newStreet(t)
	sup := st.api(t, "supervisor")
	c := sup.reportedCase()
	b := st.browser(t)
	b.login("supervisor", "/cases")
	actionID, version := b.get("/cases/"+c.ID).formFields(t, "comment")
	p := b.post("/cases/"+c.ID+"/comment", "", url.Values{"action_id": {actionID}, "expected_version": {version}, "note": {""}})
	if p.StatusCode != http.StatusBadRequest {
		t.Fatalf("empty comment: HTTP %d, want 400", p.StatusCode)
	}
	if !regexp.MustCompile(`<details class="action" data-action="comment" open>\s*<summary>评论</summary>\s*<div class="error" role="alert"><p>[^<]+</p><ul class="error-fields"><li>备注`).MatchString(p.body) {
		t.Errorf("the comment form does not say its error beside it: %s", p.body)
	}
}

func TestDesk_AnotherGridsCaseIsRefusedToAWorker(t *testing.T) {
	st := newStreet(t)
	mine := map[string]bool{}
	for _, r := range st.api(t, "worker01").listReports(url.Values{}) {
		mine[r.GridID] = true
	}
	var other string
	for _, r := range st.api(t, "supervisor").listReports(url.Values{}) {
		if !mine[r.GridID] {
			other = r.ID
			break
		}
	}
	if other == "" {
		t.Fatal("no case outside worker01's grids")
	}
	b := st.browser(t)
	b.login("worker01", "/cases")
	p := b.get("/cases/" + other)
	if (p.StatusCode != http.StatusForbidden && p.StatusCode != http.StatusNotFound) || !strings.Contains(p.body, "无权查看") {
		t.Fatalf("another grid's case as worker01: HTTP %d, want 403/404 saying 无权查看: %s", p.StatusCode, p.body)
	}
	if strings.Contains(p.body, `id="case-actions"`) {
		t.Error("the refusal shows the case's actions")
	}
}

// uploadPhoto uploads a small real JPEG for report id through
// POST /v1/photos, as a phone does, and returns the photo's id.
func (a *api) uploadPhoto(reportID string, shade uint8) string {
	a.t.Helper()
	id := uuid.Must(uuid.NewV7()).String()
	a.uploadPhotoAs(id, reportID, shade)
	return id
}

// uploadPhotoAs is uploadPhoto of the photo with the given id.
func (a *api) uploadPhotoAs(id, reportID string, shade uint8) {
	a.t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 320, 240))
	for y := 0; y < 240; y++ {
		for x := 0; x < 320; x++ {
			img.Set(x, y, color.RGBA{R: shade, G: uint8(x), B: uint8(y), A: 255})
		}
	}
	var jpg bytes.Buffer
	if err := jpeg.Encode(&jpg, img, nil); err != nil {
		a.t.Fatal(err)
	}
	sum := sha256.Sum256(jpg.Bytes())
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, kv := range [][2]string{{"photoId", id}, {"reportId", reportID}, {"sha256", hex.EncodeToString(sum[:])},
		{"sizeBytes", strconv.Itoa(jpg.Len())}, {"contentType", "image/jpeg"}} {
		if err := mw.WriteField(kv[0], kv[1]); err != nil {
			a.t.Fatal(err)
		}
	}
	fw, err := mw.CreateFormFile(server.PhotoFilePart, "photo.jpg")
	if err != nil {
		a.t.Fatal(err)
	}
	_, _ = fw.Write(jpg.Bytes())
	_ = mw.Close()
	req, err := http.NewRequestWithContext(a.t.Context(), "POST", a.st.url+"/v1/photos", &body)
	if err != nil {
		a.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+a.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		raw, _ := io.ReadAll(resp.Body)
		a.t.Fatalf("upload photo: HTTP %d: %s", resp.StatusCode, raw)
	}
}

func TestDeskInBrowser_CaseShowsItsPhotosBeforeAndAfterTheFix(t *testing.T) {
	st := newStreet(t)
	sup := st.api(t, "supervisor")
	c := sup.reportedCase()
	var full struct{ Report map[string]any }
	sup.call("GET", "/v1/reports/"+c.ID, nil, &full)
	// A new report like c, with a photo taken and one never uploaded.
	before, never := uuid.Must(uuid.NewV7()).String(), uuid.Must(uuid.NewV7()).String()
	r := map[string]any{"id": uuid.Must(uuid.NewV7()).String(), "description": "带照片的案件", "photoIds": []string{before, never},
		"observedAt": st.clock.Now().Add(-time.Hour).Format(time.RFC3339)}
	for _, k := range []string{"category", "severity", "location", "gridId", "subjectId", "safetyHazard",
		"pollutingEnterprise", "illegalConstruction", "waterSourceRisk", "dangerousHouse"} {
		if v, ok := full.Report[k]; ok {
			r[k] = v
		}
	}
	var out struct{}
	sup.call("POST", "/v1/reports", r, &out)
	id := r["id"].(string)
	// The photo is uploaded after its report, as a phone's queue does.
	sup.uploadPhotoAs(before, id, 200)
	sup.call("POST", "/v1/reports/"+id+":assign", map[string]any{"actionId": uuid.Must(uuid.NewV7()).String(),
		"responsibleUnit": "物业公司", "deadline": "2024-07-20T15:59:59Z"}, &out)
	after := sup.uploadPhoto(id, 40)
	sup.call("POST", "/v1/reports/"+id+":submitRectification", map[string]any{"actionId": uuid.Must(uuid.NewV7()).String(),
		"note": "已整改", "photoIds": []string{after}}, &out)

	tab := st.chrome(t, browsertest.Desktop, "supervisor")
	open(t, tab, st.url+"/cases/"+id, ".before-after")
	loaded, err := chromedp.Run(tab, chromedp.Poll[int](
		`Array.from(document.querySelectorAll(".before-after img")).filter(i => i.complete && i.naturalWidth > 0).length`,
		chromedp.WithPollingTimeout(10*time.Second)))
	if err != nil || loaded < 2 {
		t.Errorf("thumbnails shown before and after the fix: %d (%v), want 2", loaded, err)
	}
	ba := text(t, tab, ".before-after")
	for _, want := range []string{"整改前", "整改后", "照片未上传"} {
		if !strings.Contains(ba, want) {
			t.Errorf("photos lack %q: %q", want, ba)
		}
	}
	looksRight(t, tab, "案件详情-整改前后")
}
