package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/google/uuid"

	"github.com/gridinspect/gridinspect/internal/browsertest"
	"github.com/gridinspect/gridinspect/internal/demo"
)

// dispatchedCase dispatches a REPORTED demo case to its grid's worker, due
// in days, and returns it with the worker's id and name.
func dispatchedCase(t *testing.T, st *street, sup *api, days int) (c caseReport, workerID, workerName string) {
	t.Helper()
	c = sup.reportedCase()
	workerID, workerName = sup.gridWorker(c.GridID)
	var out struct{}
	sup.call("POST", "/v1/reports/"+c.ID+":assign", map[string]any{
		"actionId": uuid.Must(uuid.NewV7()).String(), "expectedVersion": c.Version, "assigneeId": workerID,
		"responsibleUnit": "街道安监办", "deadline": st.clock.Now().Add(time.Duration(days) * 24 * time.Hour).Format(time.RFC3339),
	}, &out)
	return sup.getReport(c.ID), workerID, workerName
}

// secondWorker adds a second worker to a grid (the demo has one a grid),
// made by the admin, and returns its id.
func secondWorker(t *testing.T, st *street, gridID, username, name string) string {
	t.Helper()
	var resp struct{ User struct{ ID string } }
	st.api(t, "admin").call("POST", "/v1/users", map[string]any{
		"user":     map[string]any{"username": username, "displayName": name, "role": "ROLE_WORKER", "gridIds": []string{gridID}},
		"password": demo.Password,
	}, &resp)
	return resp.User.ID
}

func TestDeskInBrowser_ASupervisorReassignsAndUrgesACaseFromItsPage(t *testing.T) {
	st := newStreet(t)
	sup := st.api(t, "supervisor")
	c, _, oldName := dispatchedCase(t, st, sup, 10)
	newID := secondWorker(t, st, c.GridID, "worker11", "王新")

	tab := st.chrome(t, browsertest.Desktop, "supervisor")
	open(t, tab, st.url+"/cases/"+c.ID, "#case-actions")
	press(t, tab, `details[data-action="reassign"] > summary`)
	err := within(tab,
		chromedp.WaitVisible(`#form-reassign select[name="assignee_id"]`),
		chromedp.SetValue(`#form-reassign select[name="assignee_id"]`, newID),
		chromedp.SetValue(`#form-reassign input[name="responsible_unit"]`, "城管执法中队"),
		chromedp.SetValue(`#form-reassign input[name="reason"]`, "原网格员病假"),
	)
	if err != nil {
		t.Fatalf("fill in the re-dispatch form: %v", err)
	}
	looksRight(t, tab, "案件详情-转派")
	press(t, tab, `#form-reassign button[type="submit"]`)
	if err := within(tab, chromedp.WaitVisible(`#case-done`)); err != nil {
		t.Fatalf("re-dispatch from the case page: %v", err)
	}
	if got := text(t, tab, "#case-done"); !strings.Contains(got, "转派") {
		t.Errorf("the page says %q after the re-dispatch, want 转派", got)
	}
	tl := text(t, tab, "#timeline")
	for _, want := range []string{"转派", oldName + " → 王新", "街道安监办 → 城管执法中队", "原网格员病假"} {
		if !strings.Contains(tl, want) {
			t.Errorf("timeline after the re-dispatch lacks %q: %s", want, tl)
		}
	}
	if got := text(t, tab, "#case-status"); got != "已派遣" {
		t.Errorf("status after the re-dispatch = %q, want 已派遣", got)
	}

	press(t, tab, `details[data-action="urge"] > summary`)
	if err := within(tab, chromedp.SetValue(`#form-urge textarea[name="note"]`, "请于今日内到场处置")); err != nil {
		t.Fatal(err)
	}
	press(t, tab, `#form-urge button[type="submit"]`)
	if err := within(tab, chromedp.WaitVisible(`#case-done`)); err != nil {
		t.Fatalf("urge from the case page: %v", err)
	}
	tl = text(t, tab, "#timeline")
	for _, want := range []string{"催办：王新（城管执法中队），第1次", "请于今日内到场处置"} {
		if !strings.Contains(tl, want) {
			t.Errorf("timeline after the urging lacks %q: %s", want, tl)
		}
	}
	main := text(t, tab, ".case-main")
	for _, want := range []string{`催办次数\s*1 次`, `转派次数\s*1 次`} {
		if !regexp.MustCompile(want).MatchString(main) {
			t.Errorf("the case's fields lack %q: %s", want, main)
		}
	}
	looksRight(t, tab, "案件详情-已催办")
}

func TestDesk_ReassignWithoutAReasonIsRefusedOnTheForm(t *testing.T) {
	st := newStreet(t)
	sup := st.api(t, "supervisor")
	c, _, _ := dispatchedCase(t, st, sup, 10)
	newID := secondWorker(t, st, c.GridID, "worker11", "王新")
	b := st.browser(t)
	b.login("supervisor", "/cases")
	actionID, version := b.get("/cases/"+c.ID).formFields(t, "reassign")
	p := b.post("/cases/"+c.ID+"/reassign", "", url.Values{"action_id": {actionID}, "expected_version": {version}, "assignee_id": {newID}, "reason": {"  "}})
	if p.StatusCode != http.StatusBadRequest || !strings.Contains(p.body, "转派须写明原因") {
		t.Errorf("re-dispatch without a reason: HTTP %d, want 400 saying 转派须写明原因", p.StatusCode)
	}
	if got := sup.getReport(c.ID).Version; got != c.Version {
		t.Errorf("the case moved to version %s without a reason", got)
	}
}

func TestDesk_AWorkersPageOfItsCaseHasNeitherReassignNorUrge(t *testing.T) {
	st := newStreet(t)
	sup := st.api(t, "supervisor")
	c, _, _ := dispatchedCase(t, st, sup, 10)
	sp := st.browser(t)
	sp.login("supervisor", "/cases")
	if got := sp.get("/cases/" + c.ID).actionKeys(); !slices.Contains(got, "reassign") || !slices.Contains(got, "urge") {
		t.Fatalf("the supervisor's page offers %v, want reassign and urge", got)
	}
	// The worker the case was dispatched to.
	workerID, _ := sup.gridWorker(c.GridID)
	var u struct{ User struct{ Username string } }
	sup.call("GET", "/v1/users/"+workerID, nil, &u)
	b := st.browser(t)
	b.login(u.User.Username, "/cases")
	p := b.get("/cases/" + c.ID)
	if p.StatusCode != http.StatusOK {
		t.Fatalf("GET the case as its worker: HTTP %d", p.StatusCode)
	}
	got := p.actionKeys()
	if slices.Contains(got, "reassign") || slices.Contains(got, "urge") {
		t.Errorf("the worker's page offers %v: no 转派 or 催办 for a worker", got)
	}
	for _, key := range []string{"reassign", "urge"} {
		if strings.Contains(p.body, `id="form-`+key+`"`) {
			t.Errorf("the worker's page has the %s form", key)
		}
	}
}

func TestDeskInBrowser_ACasePastItsDeadlineIsSupervisedOnItsPageAndInTheList(t *testing.T) {
	st := newStreet(t)
	sup := st.api(t, "supervisor")
	c, _, _ := dispatchedCase(t, st, sup, 1)
	st.clock.Advance(3 * 24 * time.Hour)
	if _, err := st.db.SuperviseOverdue(t.Context()); err != nil {
		t.Fatalf("supervise: %v", err)
	}

	for _, vp := range []struct {
		name string
		vp   browsertest.Viewport
	}{{"电脑", browsertest.Desktop}, {"手机", browsertest.Phone}} {
		tab := st.chrome(t, vp.vp, "supervisor")
		open(t, tab, st.url+"/cases/"+c.ID, "#case-supervised")
		if got := text(t, tab, "#case-supervised"); got != "已督办" {
			t.Errorf("the badge says %q, want 已督办", got)
		}
		tl := text(t, tab, "#timeline")
		if !strings.Contains(tl, "督办") || !strings.Contains(tl, "系统") || !strings.Contains(tl, "已过，转入督办") {
			t.Errorf("timeline lacks the system's 督办 for the deadline: %s", tl)
		}
		main := text(t, tab, ".case-main")
		if !strings.Contains(main, "督办时间") {
			t.Errorf("the case's fields lack 督办时间: %s", main)
		}
		looksRight(t, tab, "案件详情-已督办-"+vp.name)
		open(t, tab, st.url+"/cases?supervised_only=1", "#case-filter")
		looksRight(t, tab, "案件-只看督办-"+vp.name)
	}

	b := st.browser(t)
	b.login("supervisor", "/cases")
	p := b.get("/cases?supervised_only=1")
	want := apiIDs(sup.listReports(url.Values{"openOnly": {"true"}, "supervisedOnly": {"true"}}))
	ids := p.caseIDs()
	if !slices.Contains(ids, c.ID) {
		t.Errorf("只看督办 lists %v, want %s among them", ids, c.ID)
	}
	slices.Sort(ids)
	slices.Sort(want)
	if !slices.Equal(ids, want) {
		t.Errorf("只看督办 lists %v, the API %v", ids, want)
	}
	if !strings.Contains(p.body, `class="badge late supervised">督办</span>`) {
		t.Error("the supervised rows carry no 督办 mark")
	}
	if !strings.Contains(p.body, `name="supervised_only" value="1" checked`) {
		t.Error("the 只看督办 box is not ticked on its list")
	}
	// Unsupervised cases carry no mark.
	if all := b.get("/cases"); strings.Count(all.body, ">督办</span>") != len(want) {
		t.Errorf("the open list marks %d cases 督办, want %d", strings.Count(all.body, ">督办</span>"), len(want))
	}
}
