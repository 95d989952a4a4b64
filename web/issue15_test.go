package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/gridinspect/gridinspect/internal/browsertest"
)

// reportedCaseOf is a REPORTED demo case that username reported, seen
// through the API.
func (a *api) reportedCaseOf(username string) caseReport {
	a.t.Helper()
	var me struct{ User struct{ ID string } }
	a.call("GET", "/v1/auth:whoami", nil, &me)
	for _, r := range a.listReports(url.Values{"statuses": {"REPORT_STATUS_REPORTED"}}) {
		var resp struct {
			Report struct{ ReporterID string }
		}
		a.call("GET", "/v1/reports/"+r.ID, nil, &resp)
		if resp.Report.ReporterID == me.User.ID {
			return a.getReport(r.ID)
		}
	}
	a.t.Fatalf("%s reported no REPORTED case", username)
	return caseReport{}
}

func TestDeskInBrowser_ASupervisorReturnsACaseAndTheWorkerSupplementsItOnAPhone(t *testing.T) {
	st := newStreet(t)
	w := st.api(t, "worker01")
	c := w.reportedCaseOf("worker01")

	sup := st.chrome(t, browsertest.Desktop, "supervisor")
	open(t, sup, st.url+"/cases/"+c.ID, "#case-actions")
	press(t, sup, `details[data-action="return"] > summary`)
	press(t, sup, `#form-return input[name="want"][value="PHOTO"]`)
	press(t, sup, `#form-return input[name="want"][value="ADDRESS"]`)
	if err := within(sup, chromedp.SetValue(`#form-return textarea[name="note"]`, "请补拍正面照片，写明门牌号")); err != nil {
		t.Fatal(err)
	}
	looksRight(t, sup, "案件详情-退回补充")
	press(t, sup, `#form-return button[type="submit"]`)
	if err := within(sup, chromedp.WaitVisible(`#case-done`)); err != nil {
		t.Fatalf("return from the case page: %v", err)
	}
	if got := text(t, sup, "#return-request"); !strings.Contains(got, "照片、地址") || !strings.Contains(got, "请补拍正面照片") {
		t.Errorf("the open request says %q, want 照片、地址 and the note", got)
	}
	if got := text(t, sup, "#case-status"); got != "已上报" {
		t.Errorf("status after the return = %q, want 已上报", got)
	}
	looksRight(t, sup, "案件详情-已退回")

	// The case list marks it, and lists it alone under 只看退回补充.
	b := st.browser(t)
	b.login("supervisor", "/cases")
	p := b.get("/cases?returned_only=1")
	if ids := p.caseIDs(); len(ids) != 1 || ids[0] != c.ID {
		t.Errorf("只看退回补充 lists %v, want only %s", ids, c.ID)
	}
	if !strings.Contains(p.body, "已上报·退回补充") {
		t.Error("the case list does not mark the case 已上报·退回补充")
	}

	phone := st.chrome(t, browsertest.Phone, "worker01")
	open(t, phone, st.url+"/cases/"+c.ID, "#return-request")
	if got := text(t, phone, "#return-request"); !strings.Contains(got, "照片、地址") {
		t.Errorf("the worker's page says %q, want what is asked", got)
	}
	looksRight(t, phone, "案件详情-待补充")
	press(t, phone, `details[data-action="supplement"] > summary`)
	err := within(phone,
		chromedp.SetValue(`#form-supplement textarea[name="description"]`, "门前堆放的是废旧木料"),
		chromedp.SetValue(`#form-supplement input[name="address"]`, "长山村12号"),
	)
	if err != nil {
		t.Fatal(err)
	}
	press(t, phone, `#form-supplement button[type="submit"]`)
	if err := within(phone, chromedp.WaitVisible(`#case-done`)); err != nil {
		t.Fatalf("supplement from the case page: %v", err)
	}
	if got := text(t, phone, "#case-status"); got != "已上报" {
		t.Errorf("status after the supplement = %q, want 已上报", got)
	}
	if n, err := chromedp.Run(phone, chromedp.Evaluate[int](`document.querySelectorAll("#return-request").length`)); err != nil || n != 0 {
		t.Errorf("the request is still shown after the supplement (%d, %v)", n, err)
	}
	tl := text(t, phone, "#timeline")
	for _, want := range []string{"退回补充", "请补充：照片、地址", "补充材料", "补充说明：门前堆放的是废旧木料", "长山村12号"} {
		if !strings.Contains(tl, want) {
			t.Errorf("timeline lacks %q: %s", want, tl)
		}
	}
	looksRight(t, phone, "案件详情-已补充")
	if ids := b.get("/cases?returned_only=1").caseIDs(); len(ids) != 0 {
		t.Errorf("只看退回补充 still lists %v after the supplement", ids)
	}
}

func TestDesk_ADispatchInWorkingDaysShowsItsDate(t *testing.T) {
	st := newStreet(t) // Wednesday 2024-07-10
	sup := st.api(t, "supervisor")
	c := sup.reportedCase()
	workerID, _ := sup.gridWorker(c.GridID)
	b := st.browser(t)
	b.login("supervisor", "/cases")
	actionID, version := b.get("/cases/"+c.ID).formFields(t, "assign")
	p := b.post("/cases/"+c.ID+"/assign", "", url.Values{"action_id": {actionID}, "expected_version": {version},
		"assignee_id": {workerID}, "deadline_working_days": {"5"}})
	if p.StatusCode != http.StatusSeeOther {
		t.Fatalf("dispatch in 5 working days: HTTP %d: %s", p.StatusCode, p.body)
	}
	page := b.get(p.Header.Get("Location"))
	// Thursday, Friday, then Monday to Wednesday: 2024-07-17.
	if n := strings.Count(page.body, "2024-07-17（5 个工作日）"); n < 2 {
		t.Errorf("the page shows 2024-07-17（5 个工作日） %d times, want the deadline and the timeline", n)
	}

	bad := b.post("/cases/"+c.ID+"/extend", "", url.Values{"action_id": {"x"}, "expected_version": {"0"}, "reason": {"雨天"}, "deadline_working_days": {"五"}})
	if bad.StatusCode != http.StatusBadRequest || !strings.Contains(bad.body, "工作日天数：请填写整数天数") {
		t.Errorf("a word for the working days: HTTP %d, want 400 saying so", bad.StatusCode)
	}
	actionID, version = page.formFields(t, "extend")
	p = b.post("/cases/"+c.ID+"/extend", "", url.Values{"action_id": {actionID}, "expected_version": {version}, "reason": {"雨天"}, "deadline_working_days": {"3"}})
	if p.StatusCode != http.StatusSeeOther {
		t.Fatalf("extend by 3 working days: HTTP %d: %s", p.StatusCode, p.body)
	}
	// Thursday 18, Friday 19, Monday 22.
	if body := b.get(p.Header.Get("Location")).body; !strings.Contains(body, "2024-07-17 → 2024-07-22（3 个工作日）") {
		t.Error("the timeline does not show the extension in working days")
	}
}

// suggestionCase is a REPORTED demo case of category whose page offers
// the routing rule's dispatch.
func suggestionCase(t *testing.T, sup *api, category string) caseReport {
	t.Helper()
	reps := sup.listReports(url.Values{"statuses": {"REPORT_STATUS_REPORTED"}, "categories": {category}})
	if len(reps) == 0 {
		t.Fatalf("the demo has no REPORTED %s case", category)
	}
	return sup.getReport(reps[0].ID)
}

func TestDeskInBrowser_OneClickDispatchTakesTheRoutingRulesValues(t *testing.T) {
	st := newStreet(t)
	sup := st.api(t, "supervisor")
	c := suggestionCase(t, sup, "CATEGORY_SAFETY_HAZARD")
	var sg struct {
		Rule       struct{ Name string }
		Assignment struct{ ResponsibleUnit, Deadline string }
	}
	sup.call("GET", "/v1/reports/"+c.ID+":suggestDispatch", nil, &sg)
	if sg.Rule.Name == "" || sg.Assignment.ResponsibleUnit == "" {
		t.Fatalf("the demo's rule does not apply to %s: %+v", c.ID, sg)
	}

	tab := st.chrome(t, browsertest.Desktop, "supervisor")
	open(t, tab, st.url+"/cases/"+c.ID, "#suggestion")
	if got := text(t, tab, "#suggestion-rule"); got != sg.Rule.Name {
		t.Errorf("rule shown = %q, want %q", got, sg.Rule.Name)
	}
	if got := text(t, tab, "#suggestion-unit"); got != sg.Assignment.ResponsibleUnit {
		t.Errorf("unit shown = %q, want %q", got, sg.Assignment.ResponsibleUnit)
	}
	want := text(t, tab, "#suggestion-deadline")
	if want == "" || want == "-" {
		t.Errorf("deadline shown = %q", want)
	}
	// The rule leaves the deadline to the default: the form says it.
	press(t, tab, `details[data-action="assign"] > summary`)
	if got := text(t, tab, "#default-deadline"); !strings.Contains(got, want) {
		t.Errorf("the dispatch form says %q, want the default deadline %s", got, want)
	}
	looksRight(t, tab, "案件详情-事件分拨")
	press(t, tab, `#form-dispatch-rule button[type="submit"]`)
	if err := within(tab, chromedp.WaitVisible(`#case-done`)); err != nil {
		t.Fatalf("one-click dispatch: %v", err)
	}
	if got := text(t, tab, "#case-status"); got != "已派遣" {
		t.Errorf("status = %q, want 已派遣", got)
	}
	tl := text(t, tab, "#timeline")
	for _, s := range []string{sg.Assignment.ResponsibleUnit, want, "按分拨规则「" + sg.Rule.Name + "」派遣"} {
		if !strings.Contains(tl, s) {
			t.Errorf("timeline lacks %q: %s", s, tl)
		}
	}
	var now struct {
		Report struct{ ResponsibleUnit, Deadline, Status string }
	}
	sup.call("GET", "/v1/reports/"+c.ID, nil, &now)
	if now.Report.ResponsibleUnit != sg.Assignment.ResponsibleUnit || now.Report.Deadline != sg.Assignment.Deadline {
		t.Errorf("dispatched to %q by %s, the rule said %q by %s", now.Report.ResponsibleUnit, now.Report.Deadline,
			sg.Assignment.ResponsibleUnit, sg.Assignment.Deadline)
	}
	looksRight(t, tab, "案件详情-按规则派遣")
}

func TestDesk_HomeListsDueAndMissedPatrolsOfTheUsersGrids(t *testing.T) {
	st := newStreet(t)
	for _, user := range []string{"supervisor", "worker01"} {
		t.Run(user, func(t *testing.T) {
			var due struct {
				Due []struct {
					Missed   bool
					Schedule struct{ GridName string }
				}
			}
			st.api(t, user).call("GET", "/v1/duePatrols", nil, &due)
			b := st.browser(t)
			b.login(user, "/")
			body := b.get("/").body
			rows := regexp.MustCompile(`<tr class="(missed|due)">\s*<td data-label="状态"><span class="badge[^"]*">(漏巡|待巡)</span></td>\s*<td data-label="网格">([^<]*)</td>`).FindAllStringSubmatch(body, -1)
			if len(due.Due) == 0 {
				t.Fatalf("the demo has no due patrol for %s", user)
			}
			if len(rows) != min(len(due.Due), 10) {
				t.Fatalf("the home page lists %d due patrols, the API %d", len(rows), len(due.Due))
			}
			for i, r := range rows {
				if (r[2] == "漏巡") != due.Due[i].Missed || r[3] != due.Due[i].Schedule.GridName {
					t.Errorf("row %d = %s %s, the API says missed=%v %s", i, r[2], r[3], due.Due[i].Missed, due.Due[i].Schedule.GridName)
				}
			}
		})
	}
}

func TestDesk_ARoutingRuleThatDoesNotApplySaysWhyInChinese(t *testing.T) {
	st := newStreet(t)
	sup := st.api(t, "supervisor")
	var caseID, assigneeID, rule string
	for _, r := range sup.listReports(url.Values{"statuses": {"REPORT_STATUS_REPORTED"}, "categories": {"CATEGORY_WATER_SOURCE_RISK"}}) {
		var sg struct {
			Rule       struct{ Name string }
			Assignment struct{ AssigneeID string }
		}
		sup.call("GET", "/v1/reports/"+r.ID+":suggestDispatch", nil, &sg)
		if sg.Assignment.AssigneeID != "" {
			caseID, assigneeID, rule = r.ID, sg.Assignment.AssigneeID, sg.Rule.Name
			break
		}
	}
	if caseID == "" {
		t.Fatal("the demo has no REPORTED case a rule dispatches to a person")
	}
	var out struct{}
	st.api(t, "admin").call("POST", "/v1/users/"+assigneeID+":disable", map[string]any{}, &out)

	b := st.browser(t)
	b.login("supervisor", "/cases")
	p := b.get("/cases/" + caseID)
	if !strings.Contains(p.body, "分拨规则："+rule) || !regexp.MustCompile(`<p class="error" id="suggestion-reason">规则不适用：\p{Han}`).MatchString(p.body) {
		t.Errorf("the page does not say in Chinese why rule %s does not apply: %s", rule, p.body)
	}
	if strings.Contains(p.body, `id="form-dispatch-rule"`) {
		t.Error("the page offers to dispatch by a rule that does not apply")
	}
}
