package gridinspect

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Return for more (退回补充): a supervisor sends a new report back to its
// reporter asking for more — a photo, the address, a word more — and the
// reporter answers by adding to the report.
//
// It is not a status. A returned report stays REPORTED, with its
// ReturnRequest set while it waits: every figure that counts REPORTED
// cases (the open cases, 受理 and 待派遣 of the summary and the dashboard,
// the state at the end of a period read from status changes) counts a
// returned case once and never loses it from "open", old phones and
// filters by status see a status they know, and no stored column or
// index keyed on the statuses (is_open) has to change. Whether the case
// waits is a gate on two steps (waitingGate): it may be returned only when
// it does not wait, and supplemented only when it does. A supervisor may
// still dispatch or reject a case that waits (the reporter cannot answer,
// or it turns out a duplicate); the request then lapses.

// ReturnWant is what a supervisor asks the reporter to add; the numbers are
// the API's.
type ReturnWant int

// What may be asked for.
const (
	ReturnWantUnspecified ReturnWant = iota
	ReturnWantPhoto                  // 照片
	ReturnWantAddress                // 地址
	ReturnWantDescription            // 情况说明
	ReturnWantOther                  // 其他 (the note says what)
)

var returnWantNames = [...]string{"UNSPECIFIED", "PHOTO", "ADDRESS", "DESCRIPTION", "OTHER"}

func (w ReturnWant) String() string {
	if w >= 0 && int(w) < len(returnWantNames) {
		return returnWantNames[w]
	}
	return "ReturnWant(" + itoa(int(w)) + ")"
}

// ReturnRequest is a supervisor's request for more. On a report it is the
// open request, set while the report waits for its reporter; on an event
// it is what was asked.
type ReturnRequest struct {
	Wants []ReturnWant
	// Set by the server, on the report only: the note (the event's note),
	// the returning action, who returned it and when (field time).
	Note       string    `json:",omitempty"`
	ActionID   string    `json:",omitempty"`
	ReturnedBy string    `json:",omitempty"`
	ReturnedAt time.Time `json:",omitzero"`
}

// Supplement is what the reporter adds to a returned report; its photos
// are the event's. What may change: photos are added (none is ever taken
// away), the description is added to (the words as first reported stay,
// followed by 补充：…), and the address is replaced (the old one is kept
// in the event). What never may: category, severity, the typed details
// (the summary's figures are counted from them), the coordinates and
// grid (the case's place and who sees it), observed_at, the subject and
// the reporter.
type Supplement struct {
	Description     string `json:",omitempty"`
	Address         string `json:",omitempty"`
	PreviousAddress string `json:",omitempty"` // set by the server
}

// waitingGate: the steps allowed only while a case waits for its
// reporter's supplement (true) and those allowed only while it does not
// (false); the other steps of a REPORTED case do not care.
var waitingGate = map[Step]bool{StepSupplement: true, StepReturnForMore: false}

// Waiting reports whether the report waits for its reporter's supplement.
func (r *Report) Waiting() bool { return r.Status == StatusReported && r.ReturnRequest != nil }

// mayTakeOn checks what a step needs of the case besides its status and
// the actor's role: the waiting gate, and that only the reporter answers
// a return (or a supervisor on the reporter's behalf, e.g. for a worker
// who phoned the address in — the event names who did).
func mayTakeOn(r *Report, a *Actor, step Step) error {
	if want, gated := waitingGate[step]; gated && r.Status == StatusReported && r.Waiting() != want {
		return &Error{Code: EPRECONDITION, Message: gateMessage(step), Chinese: gateChinese(step)}
	}
	if step == StepSupplement && a.UserID != r.ReporterID && !a.IsSupervisor() {
		return Errorf(EFORBIDDEN, "only the reporter of a case (or a supervisor) may supplement it").
			Zh("只有上报人（或主管代为）可以补充材料")
	}
	return nil
}

func gateMessage(step Step) string {
	if step == StepSupplement {
		return "cannot supplement a case that was not returned for more"
	}
	return "cannot return a case for more while it waits for its reporter's supplement"
}

func gateChinese(step Step) string {
	if step == StepSupplement {
		return "案件未被退回补充，不能补充材料"
	}
	return "案件已退回补充，正在等待上报人补充材料"
}

// validateReturn checks the typed part of a return or a supplement.
func validateReturn(v *Violations, a *Action) {
	switch a.Type {
	case EventReportReturned:
		rq := a.Data.Return
		if rq == nil || len(rq.Wants) == 0 {
			v.AddZh("wants", "须选择要补充的内容", "is required: what the reporter should add")
			return
		}
		if len(rq.Wants) > int(ReturnWantOther) {
			v.AddZh("wants", "最多 "+itoa(int(ReturnWantOther))+" 项", "has %d entries; at most %d", len(rq.Wants), ReturnWantOther)
			return
		}
		for i, w := range rq.Wants {
			checkEnum(v, "wants["+itoa(i)+"]", int(w), int(ReturnWantOther), true)
		}
		if slices.Contains(rq.Wants, ReturnWantOther) && strings.TrimSpace(a.Note) == "" {
			v.AddZh("note", "要求补充「其他」时须写明补充什么", "is required with RETURN_WANT_OTHER: say what to add")
		}
	case EventReportSupplemented:
		sp := a.Data.Supplement
		if sp == nil {
			sp = &Supplement{}
		}
		checkText(v, "description", sp.Description, MaxDescriptionRunes, false)
		checkText(v, "address", sp.Address, MaxAddressRunes, false)
		if len(a.PhotoIDs) == 0 && strings.TrimSpace(sp.Description) == "" && strings.TrimSpace(sp.Address) == "" {
			v.AddZh("photo_ids", "须补充照片、情况说明或地址中的至少一项", "is required unless description or address is given")
		}
	}
}

// applyReturn does a return's or a supplement's part of Apply to out,
// the case as the action leaves it, and to its event e.
func applyReturn(rep, out *Report, a *Action, e *Event, actor *Actor, at time.Time) error {
	switch e.Type {
	case EventReportReturned:
		wants := slices.Clone(a.Data.Return.Wants)
		slices.Sort(wants)
		wants = slices.Compact(wants)
		e.Data.Return = &ReturnRequest{Wants: wants}
		out.ReturnRequest = &ReturnRequest{Wants: wants, Note: e.Note, ActionID: e.ID, ReturnedBy: actor.UserID, ReturnedAt: at}
		out.ReturnCount = rep.ReturnCount + 1
	case EventReportSupplemented:
		sp := *a.Data.Supplement
		sp.Description, sp.Address = strings.TrimSpace(sp.Description), strings.TrimSpace(sp.Address)
		if sp.Description != "" {
			out.Description = strings.TrimSpace(rep.Description + "\n" + SupplementPrefixZh + sp.Description)
			if n := utf8.RuneCountInString(out.Description); n > MaxDescriptionRunes {
				return fieldErrorZh("description", "补充后的情况说明共 "+itoa(n)+" 字，最多 "+itoa(MaxDescriptionRunes)+" 字",
					"the description would be %d characters long with the supplement; at most %d", n, MaxDescriptionRunes)
			}
		}
		sp.PreviousAddress = ""
		if sp.Address != "" {
			sp.PreviousAddress = rep.Location.Address
			out.Location.Address = sp.Address
		}
		out.PhotoIDs = slices.Clone(rep.PhotoIDs)
		for _, id := range a.PhotoIDs {
			if !slices.Contains(out.PhotoIDs, id) {
				out.PhotoIDs = append(out.PhotoIDs, id)
			}
		}
		if len(out.PhotoIDs) > MaxPhotosPerItem {
			return fieldErrorZh("photo_ids", "补充后共 "+itoa(len(out.PhotoIDs))+" 张照片，最多 "+itoa(MaxPhotosPerItem)+" 张",
				"the report would have %d photos with the supplement; at most %d", len(out.PhotoIDs), MaxPhotosPerItem)
		}
		out.ReturnRequest = nil
		e.Data.Supplement = &sp
	default:
		if out.Status != StatusReported {
			out.ReturnRequest = nil // dispatched or rejected: the request lapses
		}
	}
	return nil
}
