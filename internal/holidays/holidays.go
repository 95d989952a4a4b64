// Package holidays holds China's official holiday calendar (the days off
// and the weekend days worked in exchange, 调休上班) as the State Council
// General Office announced it for 2024–2026, and reads calendars in the
// same CSV form: date,kind,name,source — kind "holiday" or "workday".
// The demo, the tests and a new server's first run seed it; gridctl reads
// an admin's file for a later year with Parse.
//
// Sources (the source column names each day's notice):
//   - 2024: 国务院办公厅关于2024年部分节假日安排的通知，国办发明电〔2023〕7号, 2023-10-25
//   - 2025: 国务院办公厅关于2025年部分节假日安排的通知，国办发明电〔2024〕12号, 2024-11-12
//   - 2026: 国务院办公厅关于2026年部分节假日安排的通知, 2025-11-04
//
// all published on the central government's site, www.gov.cn (政策 → 最新).
package holidays

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/gridinspect/gridinspect"
)

//go:embed cn-holidays.csv
var official []byte

// Official returns the official exceptions for 2024–2026, by day.
func Official() []gridinspect.CalendarException {
	es, err := Parse(bytes.NewReader(official))
	if err != nil {
		panic("holidays: the embedded calendar does not parse: " + err.Error())
	}
	return es
}

// OfficialYear returns the official exceptions of one year (none for a
// year not kept here).
func OfficialYear(year int) []gridinspect.CalendarException {
	var out []gridinspect.CalendarException
	for _, e := range Official() {
		if e.Year() == year {
			out = append(out, e)
		}
	}
	return out
}

// kinds are the kind column's words.
var kinds = map[string]gridinspect.DayKind{
	"holiday": gridinspect.DayHoliday, "workday": gridinspect.DayWorkday,
	"放假": gridinspect.DayHoliday, "调休上班": gridinspect.DayWorkday, "上班": gridinspect.DayWorkday,
}

// ParseError is a line of a calendar file that does not read, in
// English (Error) and in Chinese for the admin who wrote it.
type ParseError struct {
	Line    int
	Message string
	Chinese string
}

func (e *ParseError) Error() string { return fmt.Sprintf("holidays: line %d: %s", e.Line, e.Message) }

// Parse reads a calendar CSV: a header line date,kind,name[,source], then
// one day a line, dates as 2006-01-02 and kind holiday/workday (or 放假 /
// 调休上班). Errors are *ParseError, naming the line.
func Parse(r io.Reader) ([]gridinspect.CalendarException, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	var out []gridinspect.CalendarException
	for line := 1; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, &ParseError{Line: line, Message: err.Error(), Chinese: "不是 CSV 格式"}
		}
		first := strings.TrimSpace(strings.TrimPrefix(rec[0], "\ufeff"))
		if line == 1 && (strings.EqualFold(first, "date") || first == "日期") {
			continue // the header
		}
		if len(rec) < 3 {
			return nil, &ParseError{Line: line, Message: fmt.Sprintf("want date,kind,name[,source], got %d columns", len(rec)),
				Chinese: "应为 日期,类型,名称[,依据] 至少三列"}
		}
		day, err := gridinspect.ParseChinaDate(first)
		if err != nil {
			return nil, &ParseError{Line: line, Message: fmt.Sprintf("date %q is not like 2026-10-01", rec[0]),
				Chinese: fmt.Sprintf("日期 %q 格式不对，应如 2026-10-01", rec[0])}
		}
		kind, ok := kinds[strings.ToLower(strings.TrimSpace(rec[1]))]
		if !ok {
			return nil, &ParseError{Line: line, Message: fmt.Sprintf("kind %q is neither holiday nor workday", rec[1]),
				Chinese: fmt.Sprintf("类型 %q 应为“放假”或“调休上班”", rec[1])}
		}
		e := gridinspect.CalendarException{Date: day, Kind: kind, Name: strings.TrimSpace(rec[2])}
		if len(rec) > 3 {
			e.Source = strings.TrimSpace(rec[3])
		}
		out = append(out, e)
	}
}

// Years are the years whose official exceptions are kept here.
var Years = []int{2024, 2025, 2026}

// Seed sets the official exceptions of each year in Years that has none
// yet in svc, leaving a year the admin has set as it is, and returns the
// years it set. ctx must carry an admin (or the system actor).
func Seed(ctx context.Context, svc gridinspect.CalendarService) ([]int, error) {
	var set []int
	for _, year := range Years {
		have, err := svc.CalendarExceptions(ctx, year)
		if err != nil {
			return set, fmt.Errorf("holidays: seed %d: %w", year, err)
		}
		if len(have) > 0 {
			continue
		}
		if _, err := svc.SetCalendarExceptions(ctx, year, true, OfficialYear(year), nil); err != nil {
			return set, fmt.Errorf("holidays: seed %d: %w", year, err)
		}
		set = append(set, year)
	}
	return set, nil
}
