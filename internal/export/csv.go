package export

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/gridinspect/gridinspect"
)

// bom is UTF-8's byte-order mark. Excel on Windows reads a CSV without it
// in the local code page (GBK in China) and garbles the Chinese.
const bom = "\uFEFF"

// writeCSV writes the header and a row per record as RFC 4180 CSV: UTF-8
// after a byte-order mark, CRLF line ends (also inside quoted fields,
// where encoding/csv writes a description's line breaks as CRLF).
func writeCSV(w io.Writer, now time.Time, columns []column, each func(fn func(*gridinspect.ReportRecord) error) error, progress func(int64)) error {
	if _, err := io.WriteString(w, bom); err != nil {
		return fmt.Errorf("export: write csv: %w", err)
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	if err := cw.Write(headers(columns)); err != nil {
		return fmt.Errorf("export: write csv header: %w", err)
	}
	row := make([]string, len(columns))
	var rows int64
	err := each(func(r *gridinspect.ReportRecord) error {
		for i, c := range columns {
			row[i] = csvCell(c.value(r, now))
		}
		if err := cw.Write(row); err != nil {
			return fmt.Errorf("export: write csv row %d: %w", rows+1, err)
		}
		rows++
		progress(rows)
		return nil
	})
	if err != nil {
		return err
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("export: write csv: %w", err)
	}
	return nil
}

// csvCell writes a value as CSV text. Text that a spreadsheet would take
// for a formula (it starts with =, +, -, @, a tab or a CR: a description
// typed in the field can be "=HYPERLINK(…)") gets a leading apostrophe,
// which Excel shows as text, as OWASP advises against CSV injection.
// Numbers are written as they are.
func csvCell(v any) string {
	switch v := v.(type) {
	case string:
		if v != "" {
			switch v[0] {
			case '=', '+', '-', '@', '\t', '\r':
				return "'" + v
			}
		}
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case int:
		return strconv.Itoa(v)
	}
	return fmt.Sprint(v)
}
