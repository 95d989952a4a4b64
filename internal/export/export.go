// Package export owns the file formats of exports: which columns a report
// becomes, with their Chinese headers, and how the rows are written as CSV
// (RFC 4180, UTF-8 with a byte-order mark, for Excel on Windows) or as an
// XLSX workbook. It streams: records are written as they come, so memory
// stays flat however many reports an export holds.
package export

import (
	"fmt"
	"io"
	"time"

	"github.com/gridinspect/gridinspect"
)

// Format is the file format of an export. The numbers are the API's
// ExportFormat, so converting at the edge is a cast; the zero value is CSV,
// as the API says of EXPORT_FORMAT_UNSPECIFIED.
type Format int

// Formats.
const (
	FormatUnspecified Format = iota // CSV
	FormatCSV
	FormatXLSX
)

// Valid reports whether f names a format Write can write.
func (f Format) Valid() bool { return f >= FormatUnspecified && f <= FormatXLSX }

func (f Format) String() string {
	switch f {
	case FormatUnspecified, FormatCSV:
		return "csv"
	case FormatXLSX:
		return "xlsx"
	}
	return fmt.Sprintf("Format(%d)", int(f))
}

// Content types of the formats.
const (
	ContentTypeCSV  = "text/csv; charset=utf-8"
	ContentTypeXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
)

// fileNamePrefix starts every export's suggested file name.
const fileNamePrefix = "网格巡查报告"

// EachFunc yields records: it calls fn for each in turn, stops at fn's
// first error and returns it. gridinspect.StatsService.EachReport, with
// its context and filter bound, is one.
type EachFunc func(fn func(*gridinspect.ReportRecord) error) error

// Write writes every record that each yields to w as format, streaming:
// a record is turned into a row and let go before the next one comes.
// progress, if not nil, is called after each row with the rows written
// so far; keep it cheap. 是否逾期 is judged at time.Now(); WriteAt takes
// the time to judge it at.
//
// A CSV reaches w row by row. An XLSX is a zip whose sheet must be
// complete before it is packed, so its rows gather in a temporary file
// (beyond 16 MiB; excelize's StreamWriter) and reach w at the end.
func Write(w io.Writer, format Format, each func(fn func(*gridinspect.ReportRecord) error) error, progress func(rows int64)) error {
	return WriteAt(w, format, time.Now(), each, progress)
}

// WriteAt is Write with 是否逾期 judged at now, for a server whose clock
// is not time.Now.
func WriteAt(w io.Writer, format Format, now time.Time, each func(fn func(*gridinspect.ReportRecord) error) error, progress func(rows int64)) error {
	if progress == nil {
		progress = func(int64) {}
	}
	return write(w, format, now, columns, each, progress)
}

// WriteStreetsAt is WriteAt for an export of several streets' reports
// (a district account's): a 街道 column, each report's street named by
// names, goes before 网格.
func WriteStreetsAt(w io.Writer, format Format, now time.Time, names map[int64]string,
	each func(fn func(*gridinspect.ReportRecord) error) error, progress func(rows int64)) error {
	if progress == nil {
		progress = func(int64) {}
	}
	return write(w, format, now, withStreets(names), each, progress)
}

func write(w io.Writer, format Format, now time.Time, cols []column, each func(fn func(*gridinspect.ReportRecord) error) error, progress func(rows int64)) error {
	switch format {
	case FormatUnspecified, FormatCSV:
		return writeCSV(w, now, cols, each, progress)
	case FormatXLSX:
		return writeXLSX(w, now, cols, each, progress)
	}
	return fmt.Errorf("export: unknown format %d", int(format))
}

// ContentType returns the MIME type of format; "" for an unknown one.
func ContentType(format Format) string {
	switch format {
	case FormatUnspecified, FormatCSV:
		return ContentTypeCSV
	case FormatXLSX:
		return ContentTypeXLSX
	}
	return ""
}

// FileName suggests a name for an export made at now, dated in China
// time: 网格巡查报告-20240630.xlsx.
func FileName(format Format, now time.Time) string {
	return fileNamePrefix + "-" + now.In(gridinspect.ChinaZone).Format("20060102") + "." + format.String()
}
