package web_test

import (
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/gridinspect/gridinspect"
	"github.com/gridinspect/gridinspect/internal/browsertest"
	"github.com/gridinspect/gridinspect/internal/words"
	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

// step is one action of the walk-through taken on the case page: the
// form of action key unfolded, its fields set (selector under the form →
// value), its button pressed (submit: a selector under the form).
type step struct {
	key    string
	fields [][2]string
	submit string
}

// take does s on the case page in tab and waits for the page to say it
// is done; want is the case's status after it.
func take(t *testing.T, st *street, tab *browsertest.Tab, caseID string, s step, want string) {
	t.Helper()
	open(t, tab, st.url+"/cases/"+caseID, "#case-actions")
	press(t, tab, `details[data-action="`+s.key+`"] > summary`)
	form := "#form-" + s.key + " "
	steps := []chromedp.Action[chromedp.Void]{chromedp.WaitVisible(form + `button[type="submit"]`)}
	for _, f := range s.fields {
		steps = append(steps, chromedp.SetValue(form+f[0], f[1]))
	}
	if err := within(tab, steps...); err != nil {
		browsertest.Screenshot(t, tab, "走查-"+s.key+"-填写失败")
		t.Fatalf("%s: fill in the form: %v", s.key, err)
	}
	submit := s.submit
	if submit == "" {
		submit = `button[type="submit"]`
	}
	press(t, tab, form+submit)
	if err := within(tab, chromedp.WaitVisible(`#case-done`)); err != nil {
		browsertest.Screenshot(t, tab, "走查-"+s.key+"-失败")
		t.Fatalf("%s from the case page: %v", s.key, err)
	}
	if got := text(t, tab, "#case-status"); got != want {
		t.Fatalf("%s: status %q, want %q", s.key, got, want)
	}
}

// readmeCase is the case the README walks through: 红星村's sawdust in a
// workshop, not yet dispatched on the demo street.
func readmeCase(t *testing.T, sup *api) (caseID, gridID string) {
	t.Helper()
	var list struct {
		Reports []struct{ ID, Description, GridID, Status string }
	}
	sup.call("GET", "/v1/reports?pageSize=500", nil, &list)
	for _, r := range list.Reports {
		if strings.Contains(r.Description, "车间木屑粉尘堆积") {
			caseID, gridID = r.ID, r.GridID
			if r.Status != "REPORT_STATUS_REPORTED" {
				t.Fatalf("the README's case is %s, want REPORTED", r.Status)
			}
		}
	}
	if caseID == "" {
		t.Fatal("the demo street has no case 车间木屑粉尘堆积")
	}
	var grid struct{ Grid struct{ Name string } }
	sup.call("GET", "/v1/grids/"+gridID, nil, &grid)
	if grid.Grid.Name != "红星村" {
		t.Fatalf("the README's case is in %q, want 红星村", grid.Grid.Name)
	}
	return caseID, gridID
}

// The README's "A case's life with gridctl", in the browser: the
// supervisor at the office PC, the worker (worker01, 陈静) on a phone.
func TestDeskInBrowser_TheReadmesCaseWalkThrough(t *testing.T) {
	st := newStreet(t)
	sup := st.api(t, "supervisor")

	caseID, gridID := readmeCase(t, sup)
	var users struct {
		Users []struct{ ID, Username string }
	}
	sup.call("GET", "/v1/users?gridId="+url.QueryEscape(gridID), nil, &users)
	var workerID string
	for _, u := range users.Users {
		if u.Username == "worker01" {
			workerID = u.ID
		}
	}
	if workerID == "" {
		t.Fatal("worker01 is not a worker of 红星村")
	}

	office := st.chrome(t, browsertest.Desktop, "supervisor")
	phone := st.chrome(t, browsertest.Phone, "worker01")
	steps := []struct {
		shot string
		tab  *browsertest.Tab
		step step
		want string
	}{
		{"走查-1-派遣", office, step{key: "assign", fields: [][2]string{{`select[name="assignee_id"]`, workerID},
			{`input[name="responsible_unit"]`, "芜湖红星木业加工厂"}, {`textarea[name="note"]`, "清理粉尘,电线穿管"}}}, "已派遣"},
		{"走查-2-整改通知书", office, step{key: "notice", fields: [][2]string{{`select[name="kind"]`, "RECTIFICATION_ORDER"}}}, "已派遣"},
		{"走查-3-约谈", office, step{key: "interview", fields: [][2]string{{`input[name="interviewee"]`, "厂长 王某"},
			{`input[name="place"]`, "街道安监办"}, {`input[name="outcome"]`, "承诺一周内整改"}}}, "已派遣"},
		{"走查-4-网格员提交整改", phone, step{key: "rectify", fields: [][2]string{{`textarea[name="note"]`, "粉尘已清理,线路已穿管"}}}, "待核查"},
		{"走查-5-核查未通过", office, step{key: "verify", fields: [][2]string{{`input[name="reason"]`, "配电箱仍无防尘措施"}},
			submit: `button[name="passed"][value="0"]`}, "整改中"},
		{"走查-6-网格员再次提交整改", phone, step{key: "rectify", fields: [][2]string{{`textarea[name="note"]`, "配电箱已加装防尘罩"}}}, "待核查"},
		{"走查-7-核查通过", office, step{key: "verify", submit: `button[name="passed"][value="1"]`}, "已结案"},
		{"走查-8-回头看复发", office, step{key: "followup", fields: [][2]string{{`textarea[name="note"]`, "车间粉尘再次堆积"}},
			submit: `button[name="relapsed"][value="1"]`}, "整改中"},
	}
	for _, s := range steps {
		st.clock.Advance(time.Minute) // each step at its own minute, as a day's work is
		take(t, st, s.tab, caseID, s.step, s.want)
		looksRight(t, s.tab, s.shot)
	}

	// The timeline: every step, in order, as GetTimeline has it.
	var tl struct {
		Events []struct {
			Type, ActorName, OccurredAt, Note string
			Conflict                          bool
			Notice                            *struct{ Kind, Number string }
		}
		ChainIntact bool
	}
	sup.call("GET", "/v1/reports/"+caseID+"/timeline", nil, &tl)
	if !tl.ChainIntact {
		t.Error("GetTimeline: the hash chain is broken")
	}
	var want [][3]string
	var number string
	for _, e := range tl.Events {
		if e.Conflict {
			t.Errorf("GetTimeline has a conflict: %+v", e)
		}
		when, err := time.Parse(time.RFC3339, e.OccurredAt)
		if err != nil {
			t.Fatalf("event time %q: %v", e.OccurredAt, err)
		}
		want = append(want, [3]string{words.Label(words.Event, pb.EventType(pb.EventType_value[e.Type])), e.ActorName,
			when.In(gridinspect.ChinaZone).Format("2006-01-02 15:04")})
		if e.Notice != nil {
			number = e.Notice.Number
		}
	}
	if len(want) != 1+len(steps) {
		t.Errorf("GetTimeline has %d events, want the submission and %d steps", len(want), len(steps))
	}
	open(t, office, st.url+"/cases/"+caseID, "#timeline")
	rows, err := chromedp.Run(office, chromedp.Evaluate[[][3]string](`Array.from(document.querySelectorAll("#timeline > li")).map(li =>
		[li.querySelector(".event-type").textContent, li.querySelector(".actor").textContent, li.querySelector("time").textContent])`))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rows, want) {
		t.Errorf("the page's timeline (event, actor, time):\n%q\nGetTimeline's:\n%q", rows, want)
	}
	page := text(t, office, "#timeline")
	for _, w := range []string{"陈静", "芜湖红星木业加工厂", "清理粉尘,电线穿管", "整改通知书", "发文字号：" + number, "厂长 王某", "街道安监办",
		"承诺一周内整改", "粉尘已清理,线路已穿管", gridinspect.StepVerifyFail.Chinese(), "配电箱仍无防尘措施", "配电箱已加装防尘罩",
		gridinspect.StepVerifyPass.Chinese(), "问题反弹（第1次）", "车间粉尘再次堆积", "已结案 → 整改中"} {
		if !strings.Contains(page, w) {
			t.Errorf("the timeline lacks %q", w)
		}
	}
	if !strings.Contains(number, "整改〔") {
		t.Errorf("the rectification order's number is %q, want the street's 整改〔year〕n号", number)
	}
	if got := text(t, office, "#chain"); got != "记录完整" {
		t.Errorf("hash chain verdict = %q, want 记录完整", got)
	}
	looksRight(t, office, "走查-9-时间线")
}
