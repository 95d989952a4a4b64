package gridinspect

import (
	"slices"
	"strings"
	"testing"
)

// TestReturnForMoreWaitsForTheReporter walks the domain's part of 退回补充:
// a supervisor returns a REPORTED case, it stays REPORTED and waits; only
// its reporter (or a supervisor) answers, adding photos, words and an
// address; then it is back in the queue and may be dispatched.
func TestReturnForMoreWaitsForTheReporter(t *testing.T) {
	reporter := &Actor{UserID: "0190b7e4-8c2a-7d3e-9f10-2b3c4d5e6f73", Role: RoleWorker, GridIDs: []string{"g"}}
	colleague := &Actor{UserID: "0190b7e4-8c2a-7d3e-9f10-2b3c4d5e6f74", Role: RoleWorker, GridIDs: []string{"g"}}
	rep := caseIn(StatusReported, CategorySafetyHazard, SeverityGeneral)
	rep.GridID, rep.ReporterID, rep.Description, rep.Location.Address = "g", reporter.UserID, "楼道堆放杂物", "旧地址"
	rep.PhotoIDs = []string{"0190b7e4-8c2a-7d3e-9f10-2b3c4d5e6f80"}
	r := Rules{}

	if got := AllowedActions(rep, reporter); slices.Contains(got, ActionSupplement) || slices.Contains(got, ActionReturnForMore) {
		t.Errorf("reporter's actions on a case not returned = %v", got)
	}
	if got := AllowedActions(rep, supervisor); !slices.Contains(got, ActionReturnForMore) || slices.Contains(got, ActionSupplement) {
		t.Errorf("supervisor's actions on a new case = %v, want RETURN_FOR_MORE and no SUPPLEMENT", got)
	}
	sup := act(EventReportSupplemented, EventData{Supplement: &Supplement{Description: "更多"}})
	if _, _, err := r.Apply(rep, sup, reporter, t0); ErrorCode(err) != EPRECONDITION || !strings.Contains(err.(*Error).Chinese, "未被退回") {
		t.Fatalf("supplement of a case not returned: %v, want EPRECONDITION in Chinese", err)
	}
	ret := act(EventReportReturned, EventData{Return: &ReturnRequest{Wants: []ReturnWant{ReturnWantPhoto, ReturnWantAddress, ReturnWantPhoto}}})
	ret.Note = "请补充照片和地址"
	if _, _, err := r.Apply(rep, ret, reporter, t0); ErrorCode(err) != EFORBIDDEN {
		t.Fatalf("a worker returning: %v, want EFORBIDDEN", err)
	}
	returned, e, err := r.Apply(rep, ret, supervisor, t0)
	if err != nil {
		t.Fatal(err)
	}
	if returned.Status != StatusReported || !returned.Waiting() || returned.ReturnCount != 1 ||
		!slices.Equal(returned.ReturnRequest.Wants, []ReturnWant{ReturnWantPhoto, ReturnWantAddress}) ||
		returned.ReturnRequest.Note != "请补充照片和地址" || e.StatusAfter != StatusReported {
		t.Fatalf("returned = %+v %+v", returned, returned.ReturnRequest)
	}
	if _, _, err := r.Apply(returned, ret, supervisor, t0); ErrorCode(err) != EPRECONDITION {
		t.Errorf("returning a waiting case again: %v, want EPRECONDITION", err)
	}
	if got := AllowedActions(returned, reporter); !slices.Contains(got, ActionSupplement) {
		t.Errorf("reporter's actions on a returned case = %v, want SUPPLEMENT", got)
	}
	if got := AllowedActions(returned, colleague); slices.Contains(got, ActionSupplement) {
		t.Errorf("a colleague's actions on another's returned case = %v, want no SUPPLEMENT", got)
	}
	if _, _, err := r.Apply(returned, sup, colleague, t0); ErrorCode(err) != EFORBIDDEN {
		t.Errorf("a colleague supplementing: %v, want EFORBIDDEN", err)
	}

	sup = act(EventReportSupplemented, EventData{Supplement: &Supplement{Description: " 共三层楼道 ", Address: "新地址 5 号"}})
	sup.PhotoIDs = []string{"0190b7e4-8c2a-7d3e-9f10-2b3c4d5e6f81", "0190b7e4-8c2a-7d3e-9f10-2b3c4d5e6f80"}
	back, e, err := r.Apply(returned, sup, reporter, t0)
	if err != nil {
		t.Fatal(err)
	}
	if back.Waiting() || back.Status != StatusReported || back.Description != "楼道堆放杂物\n补充：共三层楼道" ||
		back.Location.Address != "新地址 5 号" || len(back.PhotoIDs) != 2 || back.Category != rep.Category ||
		!back.ObservedAt.Equal(rep.ObservedAt) {
		t.Errorf("supplemented = %+v", back)
	}
	if s := e.Data.Supplement; s == nil || s.PreviousAddress != "旧地址" {
		t.Errorf("event's supplement = %+v, want the previous address kept", s)
	}
	if got := AllowedActions(back, supervisor); !slices.Contains(got, ActionAssign) || !slices.Contains(got, ActionReturnForMore) {
		t.Errorf("supervisor's actions on the supplemented case = %v", got)
	}

	// Dispatching a case that still waits lets the request lapse.
	as := act(EventReportAssigned, EventData{Assignment: &Assignment{ResponsibleUnit: "安监办"}})
	if after, _, err := r.Apply(returned, as, supervisor, t0); err != nil || after.ReturnRequest != nil {
		t.Errorf("assigning a waiting case: %v, request %+v", err, after)
	}
}

func TestReturnAndSupplementNameTheFieldAtFault(t *testing.T) {
	for _, tt := range []struct {
		name  string
		a     *Action
		field string
	}{
		{"nothing asked", act(EventReportReturned, EventData{}), "wants"},
		{"unknown want", act(EventReportReturned, EventData{Return: &ReturnRequest{Wants: []ReturnWant{9}}}), "wants[0]"},
		{"other without a note", act(EventReportReturned, EventData{Return: &ReturnRequest{Wants: []ReturnWant{ReturnWantOther}}}), "note"},
		{"nothing added", act(EventReportSupplemented, EventData{Supplement: &Supplement{Description: "  "}}), "photo_ids"},
		{"address too long", act(EventReportSupplemented, EventData{Supplement: &Supplement{Address: strings.Repeat("路", MaxAddressRunes+1)}}), "address"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := Rules{}.ValidateAction(tt.a)
			e, ok := err.(*Error)
			if !ok || e.Code != EINVALID || !slices.ContainsFunc(e.Fields, func(f FieldViolation) bool { return f.Field == tt.field }) {
				t.Errorf("err = %v, want EINVALID on %s", err, tt.field)
			}
		})
	}
}
