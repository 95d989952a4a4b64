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
//
// excelize's StreamWriter keeps the sheet's XML in memory up to 16 MiB and
// in a temporary file beyond, and File.Write would pack the whole zip in
// a bytes.Buffer before writing it out; the zip writer is therefore
// pointed at w itself, so the packed file never sits in memory either.
func writeXLSX(w io.Writer, now time.Time, each func(fn func(*gridinspect.ReportRecord) error) error, progress func(int64)) (err error) {
	f := excelize.NewFile()
	defer func() {
		if cerr := f.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("export: clean up xlsx: %w", cerr)
		}
	}()
	if err := f.SetSheetName(f.GetSheetName(0), SheetName); err != nil {
		return fmt.Errorf("export: name xlsx sheet: %w", err)
	}
	sw, err := f.NewStreamWriter(SheetName)
	if err != nil {
		return fmt.Errorf("export: start xlsx sheet: %w", err)
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return fmt.Errorf("export: xlsx header style: %w", err)
	}
	for i, c := range columns {
		if err := sw.SetColWidth(i+1, i+1, c.width); err != nil {
			return fmt.Errorf("export: xlsx column width: %w", err)
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return fmt.Errorf("export: freeze xlsx header: %w", err)
	}
	row := make([]any, len(columns))
	for i, c := range columns {
		row[i] = excelize.Cell{StyleID: bold, Value: c.header}
	}
	if err := sw.SetRow("A1", row); err != nil {
		return fmt.Errorf("export: write xlsx header: %w", err)
	}

	var rows int64
	err = each(func(r *gridinspect.ReportRecord) error {
		if rows >= MaxXLSXRows {
			return ErrTooManyRows
		}
		for i, c := range columns {
			row[i] = c.value(r, now)
		}
		cell, err := excelize.CoordinatesToCellName(1, int(rows)+2)
		if err != nil {
			return fmt.Errorf("export: xlsx row %d: %w", rows+1, err)
		}
		if err := sw.SetRow(cell, row); err != nil {
			return fmt.Errorf("export: write xlsx row %d: %w", rows+1, err)
		}
		rows++
		progress(rows)
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
