package export

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/gridinspect/gridinspect"
)

// SheetName is the name of the one sheet of an XLSX export.
const SheetName = "报告"

// MaxXLSXRows is how many reports an XLSX holds: a sheet has 1,048,576
// rows, the first of them the header. A CSV has no limit.
const MaxXLSXRows = excelize.TotalRows - 1

// ErrTooManyRows is returned for an XLSX export of more than MaxXLSXRows
// reports.
var ErrTooManyRows = errors.New("export: more reports than an xlsx sheet holds (1,048,575): export as csv, or narrow the filter")

// writeXLSX writes one sheet, 报告, with a bold, frozen header row and a
// row per record; times are text in China time.
func writeXLSX(w io.Writer, now time.Time, columns []column, each func(fn func(*gridinspect.ReportRecord) error) error, progress func(int64)) error {
	widths := make([]float64, len(columns))
	for i, c := range columns {
		widths[i] = c.width
	}
	row := make([]any, len(columns))
	return writeSheet(w, SheetName, headers(columns), widths, func(add func([]any) error) error {
		return each(func(r *gridinspect.ReportRecord) error {
			for i, c := range columns {
				row[i] = c.value(r, now)
			}
			return add(row)
		})
	}, progress)
}

// Table is a sheet of figures under Chinese headers, for an export that
// is not of reports (the appraisal, 网格员考核).
type Table struct {
	Sheet   string    // the sheet's name
	Headers []string  // the header row
	Widths  []float64 // each column's width in characters; 0 or missing: the default
	Rows    [][]any   // each cell a string, or an int64 or float64 kept as a number
}

// WriteTableXLSX writes t as an XLSX workbook of one sheet, bold frozen
// header row first, as the reports' export writes its own.
func WriteTableXLSX(w io.Writer, t Table) error {
	widths := make([]float64, len(t.Headers))
	copy(widths, t.Widths)
	return writeSheet(w, t.Sheet, t.Headers, widths, func(add func([]any) error) error {
		for _, r := range t.Rows {
			if err := add(r); err != nil {
				return err
			}
		}
		return nil
	}, func(int64) {})
}

// writeSheet writes one sheet named sheet: a bold, frozen header row, then
// each row rows yields through add (which may reuse its slice).
//
// excelize's StreamWriter keeps the sheet's XML in memory up to 16 MiB and
// in a temporary file beyond, and File.Write would pack the whole zip in
// a bytes.Buffer before writing it out; the zip writer is therefore
// pointed at w itself, so the packed file never sits in memory either.
func writeSheet(w io.Writer, sheet string, headers []string, widths []float64, rows func(add func([]any) error) error, progress func(int64)) (err error) {
	f := excelize.NewFile()
	defer func() {
		if cerr := f.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("export: clean up xlsx: %w", cerr)
		}
	}()
	if err := f.SetSheetName(f.GetSheetName(0), sheet); err != nil {
		return fmt.Errorf("export: name xlsx sheet: %w", err)
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return fmt.Errorf("export: start xlsx sheet: %w", err)
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return fmt.Errorf("export: xlsx header style: %w", err)
	}
	for i, width := range widths {
		if width <= 0 {
			continue
		}
		if err := sw.SetColWidth(i+1, i+1, width); err != nil {
			return fmt.Errorf("export: xlsx column width: %w", err)
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return fmt.Errorf("export: freeze xlsx header: %w", err)
	}
	header := make([]any, len(headers))
	for i, h := range headers {
		header[i] = excelize.Cell{StyleID: bold, Value: h}
	}
	if err := sw.SetRow("A1", header); err != nil {
		return fmt.Errorf("export: write xlsx header: %w", err)
	}

	var n int64
	err = rows(func(row []any) error {
		if n >= MaxXLSXRows {
			return ErrTooManyRows
		}
		cell, err := excelize.CoordinatesToCellName(1, int(n)+2)
		if err != nil {
			return fmt.Errorf("export: xlsx row %d: %w", n+1, err)
		}
		if err := sw.SetRow(cell, row); err != nil {
			return fmt.Errorf("export: write xlsx row %d: %w", n+1, err)
		}
		n++
		progress(n)
		return nil
	})
	if err != nil {
		return err
	}
	if err := sw.Flush(); err != nil {
		return fmt.Errorf("export: finish xlsx sheet: %w", err)
	}
	f.SetZipWriter(func(io.Writer) excelize.ZipWriter { return zip.NewWriter(w) })
	// The buffer File.Write fills stays empty: every byte went to w.
	if err := f.Write(io.Discard); err != nil {
		return fmt.Errorf("export: write xlsx: %w", err)
	}
	return nil
}
