package web

import (
	"net/url"
	"slices"
	"testing"
	"time"

	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

func TestCaseFilter_SaysInChineseWhatIsWrong(t *testing.T) {
	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"scope=closed", []string{"范围只能是在办、全部或到期回头看"}},
		{"status=FIXED", []string{"未知的状态：FIXED"}},
		{"category=NOISE&category=OTHER", []string{"未知的类别：NOISE"}},
		{"due=-1", []string{"到期天数须为正整数"}},
		{"due=soon", []string{"到期天数须为正整数"}},
		{"from=2024-13-01&to=yesterday", []string{"开始日期有误", "结束日期有误"}},
		{"received_after=2024-07-09T00:00", []string{"接收日期有误"}},
	} {
		q, _ := url.ParseQuery(tc.query)
		_, req, problems := parseCaseFilter(q)
		if req != nil || !slices.Equal(problems, tc.want) {
			t.Errorf("%s: request %v, problems %q; want none and %q", tc.query, req, problems, tc.want)
		}
	}
}

func TestCaseFilter_ReadsChinaDatesAsWholeDays(t *testing.T) {
	q, _ := url.ParseQuery("scope=all&from=2024-03-01&to=2024-03-31&status=ASSIGNED&category=&grid=&due=7&overdue=1")
	f, req, problems := parseCaseFilter(q)
	if problems != nil {
		t.Fatal(problems)
	}
	after, before := req.GetObservedAfter().AsTime(), req.GetObservedBefore().AsTime()
	if want := time.Date(2024, 2, 29, 16, 0, 0, 0, time.UTC); !after.Equal(want) {
		t.Errorf("observed_after %v, want %v (midnight in China)", after, want)
	}
	if want := time.Date(2024, 3, 31, 16, 0, 0, 0, time.UTC); !before.Equal(want) {
		t.Errorf("observed_before %v, want %v (the end of 31 March in China)", before, want)
	}
	if req.GetOpenOnly() || !req.GetOverdueOnly() || req.GetDueWithinDays() != 7 ||
		!slices.Equal(req.GetStatuses(), []pb.ReportStatus{pb.ReportStatus_REPORT_STATUS_ASSIGNED}) ||
		len(req.GetCategories()) != 0 || len(req.GetGridIds()) != 0 {
		t.Errorf("request %v", req)
	}
	q, _ = url.ParseQuery("scope=all&received_after=2024-07-09")
	f2, req2, _ := parseCaseFilter(q)
	if got, want := req2.GetReceivedAfter().AsTime(), time.Date(2024, 7, 8, 16, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("received_after %v, want %v (midnight in China)", got, want)
	}
	if got, want := f2.pageURL(""), "/cases?received_after=2024-07-09&scope=all"; got != want {
		t.Errorf("URL %s, want %s", got, want)
	}
	// The next page's link keeps the filter and drops the empty choices.
	if got, want := f.pageURL("r.tok"), "/cases?due=7&from=2024-03-01&overdue=1&page=r.tok&scope=all&status=ASSIGNED&to=2024-03-31"; got != want {
		t.Errorf("page URL %s, want %s", got, want)
	}
}

// A date field takes a date as gridctl's flags do, however the office
// writes it, and shows it back as 2024-07-10.
func TestDateFields_TakeTheFormsGridctlTakes(t *testing.T) {
	midnight := time.Date(2024, 7, 9, 16, 0, 0, 0, time.UTC) // 10 July, China
	for _, s := range []string{"2024-07-10", "2024/7/10", "20240710", "2024年7月10日"} {
		f, req, problems := parseCaseFilter(url.Values{"from": {s}, "received_after": {s}})
		if problems != nil {
			t.Errorf("from=%s: %q", s, problems)
			continue
		}
		if !req.GetObservedAfter().AsTime().Equal(midnight) || !req.GetReceivedAfter().AsTime().Equal(midnight) || f.From != "2024-07-10" {
			t.Errorf("from=%s: observed after %v, received after %v, shown %q; want 10 July (2024-07-10)",
				s, req.GetObservedAfter().AsTime(), req.GetReceivedAfter().AsTime(), f.From)
		}
		d, err := formDeadline(url.Values{"deadline": {s}}, "deadline")
		if err != nil || !d.AsTime().Equal(midnight.Add(24*time.Hour-time.Second)) {
			t.Errorf("deadline %s: %v, %v; want the end of 10 July in China", s, d.AsTime(), err)
		}
	}
}
