package words

import (
	"math"
	"strconv"

	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

// The appraisal's figures (网格员考核) as the office's tables label them,
// shared by gridctl's table and its spreadsheet.

// AppraisalTitle heads the appraisal's table and names its sheet.
const AppraisalTitle = "网格员考核"

// AppraisalColumns head a table of the appraisal per worker or per grid,
// after the columns naming them; AppraisalCells are a row's cells.
var AppraisalColumns = []string{"上报数", "办理数", "办结数", "应结案数", "按期办结数", "按期办结率",
	"首次核查未通过数", "反弹数", "巡查次数", "应巡次数", "平均办结天数"}

// AppraisalCells are f's figures under AppraisalColumns, as text: a rate
// with no case due, days with none closed and patrols scheduled before
// there are schedules are "-", so that none reads as 0.
func AppraisalCells(f *pb.AppraisalFigures) []string {
	out := make([]string, 0, len(AppraisalColumns))
	for _, v := range AppraisalValues(f) {
		switch v := v.(type) {
		case int64:
			out = append(out, strconv.FormatInt(v, 10))
		case float64:
			out = append(out, FormatDecimal(v))
		case string:
			out = append(out, v)
		}
	}
	return out
}

// AppraisalValues are f's figures under AppraisalColumns for a
// spreadsheet: counts as int64, days as float64 to one decimal, the rate
// and what is not known as text ("-").
func AppraisalValues(f *pb.AppraisalFigures) []any {
	rate, days, scheduled := any("-"), any("-"), any("-")
	if f.GetDue() > 0 {
		rate = FormatPercent(f.GetOnTimeRate())
	}
	if f.GetClosed() > 0 {
		days = math.Round(f.GetMeanDaysToClose()*10) / 10
	}
	if f.GetPatrolsScheduled() > 0 {
		scheduled = f.GetPatrolsScheduled()
	}
	return []any{f.GetReportsMade(), f.GetCasesHandled(), f.GetClosed(), f.GetDue(), f.GetClosedOnTime(), rate,
		f.GetFailedFirstVerification(), f.GetRelapses(), f.GetPatrolsDone(), scheduled, days}
}
