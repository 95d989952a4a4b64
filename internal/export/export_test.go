package export

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/gridinspect/gridinspect"
	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

// at is a time in China.
func at(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, gridinspect.ChinaZone)
}

// exportNow is when the tests' exports are made.
var exportNow = at(2024, 6, 30, 18, 0)

// sampleRecords are one report of each category, in every state an export
// row has to show, with text that CSV must quote.
func sampleRecords() []*gridinspect.ReportRecord {
	return []*gridinspect.ReportRecord{
		{
			Report: &gridinspect.Report{
				ID: "01900000-0000-7000-8000-000000000001", Category: gridinspect.CategorySafetyHazard,
				Severity: gridinspect.SeverityMajor, Status: gridinspect.StatusRectifying,
				Description: "仓库灭火器过期,安全出口被\"货物\"堵塞\n另:电线私拉乱接",
				Location:    gridinspect.Location{Lat: 31.25, Lng: 118.33, Address: "红星村3组, 12号"},
				ObservedAt:  at(2024, 3, 5, 9, 30), Deadline: at(2024, 3, 15, 23, 59),
				ResponsibleUnit: "芜湖红星木业加工厂", RelapseCount: 1,
				Details: gridinspect.Details{SafetyHazard: &gridinspect.SafetyHazardDetails{HazardKind: 1, PlaceKind: 1}},
			},
			GridName: "红星村", SubjectName: "芜湖红星木业加工厂", ReporterName: "worker01", AssigneeName: "worker01",
			NoticeNumbers: []string{"〔2024〕1号", "〔2024〕3号"},
		},
		{
			Report: &gridinspect.Report{
				ID: "01900000-0000-7000-8000-000000000002", Category: gridinspect.CategoryPollutingEnterprise,
				Status: gridinspect.StatusClosed, Description: "=HYPERLINK(\"http://x\")夜间洗沙",
				Location:   gridinspect.Location{Lat: 31.2010000000004, Lng: 118.34389200000001}, // as converted from GCJ-02
				ObservedAt: at(2024, 2, 1, 7, 5), Disposition: gridinspect.DispositionShutDown, ClosedAt: at(2024, 4, 2, 16, 0),
				Details: gridinspect.Details{PollutingEnterprise: &gridinspect.PollutingEnterpriseDetails{
					Activity: 1, ProposedDisposal: 1, MovedInFromOutside: true, FromDistrict: "鸠江区",
				}},
			},
			GridName: "东湖村", ReporterName: "worker04",
		},
		{
			Report: &gridinspect.Report{
				ID: "01900000-0000-7000-8000-000000000003", Category: gridinspect.CategoryIllegalConstruction,
				Status: gridinspect.StatusAssigned, Description: "耕地上搭建彩钢棚",
				ObservedAt: at(2024, 1, 10, 10, 0), Deadline: at(2024, 1, 20, 23, 59), RectifiedOnSpot: false,
				Details: gridinspect.Details{IllegalConstruction: &gridinspect.IllegalConstructionDetails{Kind: 2, Land: 1, AreaSquareMeters: 86.5}},
			},
			GridName: "金石社区",
		},
		{
			Report: &gridinspect.Report{
				ID: "01900000-0000-7000-8000-000000000004", Category: gridinspect.CategoryWaterSourceRisk,
				Status: gridinspect.StatusPendingVerification, Description: "水源地旁倾倒垃圾", RectifiedOnSpot: true,
				ObservedAt: at(2024, 5, 6, 8, 0), ReceivedAt: at(2024, 5, 7, 20, 0), ClockSkewFlagged: true,
				Details: gridinspect.Details{WaterSourceRisk: &gridinspect.WaterSourceRiskDetails{RiskKind: 2}},
			},
		},
		{
			Report: &gridinspect.Report{
				ID: "01900000-0000-7000-8000-000000000005", Category: gridinspect.CategoryDangerousHouse,
				Status: gridinspect.StatusReported, Description: "老宅墙体开裂",
				ObservedAt: at(2024, 6, 1, 14, 0),
				Details:    gridinspect.Details{DangerousHouse: &gridinspect.DangerousHouseDetails{AppraisalGrade: 4, Occupied: true, Residents: 2}},
			},
		},
	}
}

// wantRows are sampleRecords as an export writes them (CSV text; an XLSX
// shows the same).
var wantRows = [][]string{
	{"01900000-0000-7000-8000-000000000001", "安全隐患", "重大", "整改中", "红星村", "芜湖红星木业加工厂",
		"仓库灭火器过期,安全出口被\"货物\"堵塞\n另:电线私拉乱接", "红星村3组, 12号", "31.25", "118.33", "2024-03-05 09:30",
		"worker01", "否", "worker01", "芜湖红星木业加工厂", "2024-03-15 23:59", "是", "〔2024〕1号、〔2024〕3号", "", "", "1",
		"隐患类型:消防; 场所:企业"},
	{"01900000-0000-7000-8000-000000000002", "散乱污企业", "", "已结案", "东湖村", "",
		"'=HYPERLINK(\"http://x\")夜间洗沙", "", "31.201", "118.343892", "2024-02-01 07:05",
		"worker04", "否", "", "", "", "否", "", "关停取缔", "2024-04-02 16:00", "0",
		"活动:非法洗沙; 外区流入:是(鸠江区); 建议:关停取缔"},
	{"01900000-0000-7000-8000-000000000003", "违法建设", "", "已派遣", "金石社区", "",
		"耕地上搭建彩钢棚", "", "0", "0", "2024-01-10 10:00",
		"", "否", "", "", "2024-01-20 23:59", "是", "", "", "", "0",
		"类型:乱搭盖; 用地:耕地; 面积:86.5㎡"},
	{"01900000-0000-7000-8000-000000000004", "水源地隐患", "", "待核查", "", "",
		"水源地旁倾倒垃圾", "", "0", "0", "2024-05-07 20:00",
		"", "是", "", "", "", "否", "", "", "", "0",
		"风险:垃圾"},
	{"01900000-0000-7000-8000-000000000005", "危房", "", "已上报", "", "",
		"老宅墙体开裂", "", "0", "0", "2024-06-01 14:00",
		"", "否", "", "", "", "否", "", "", "", "0",
		"鉴定等级:D级(整栋危房); 有人居住:是(2人)"},
}

// from yields records as a store would.
func from(records []*gridinspect.ReportRecord) EachFunc {
	return func(fn func(*gridinspect.ReportRecord) error) error {
		for _, r := range records {
			if err := fn(r); err != nil {
				return err
			}
		}
		return nil
	}
}

func mustWrite(t *testing.T, format Format, records []*gridinspect.ReportRecord) ([]byte, []int64) {
	t.Helper()
	var buf bytes.Buffer
	var progress []int64
	if err := WriteAt(&buf, format, exportNow, from(records), func(n int64) { progress = append(progress, n) }); err != nil {
		t.Fatalf("write %s: %v", format, err)
	}
	return buf.Bytes(), progress
}

func TestColumns(t *testing.T) {
	want := []string{"编号", "类别", "严重程度", "状态", "网格", "对象", "描述", "地址", "纬度", "经度", "发现时间", "上报人",
		"立行立改", "派遣对象", "责任单位", "整改期限", "是否逾期", "文书编号", "结案方式", "结案时间", "复发次数", "详情"}
	if !slices.Equal(Columns, want) {
		t.Errorf("Columns = %q\nwant %q", Columns, want)
	}
	for _, row := range wantRows {
		if len(row) != len(Columns) {
			t.Fatalf("test row has %d cells, want %d", len(row), len(Columns))
		}
	}
}

func TestCSVRoundTrip(t *testing.T) {
	out, progress := mustWrite(t, FormatCSV, sampleRecords())
	if !bytes.HasPrefix(out, []byte("\xEF\xBB\xBF编号,类别,")) {
		t.Fatalf("csv does not start with the UTF-8 BOM and the header: %q", out[:min(len(out), 40)])
	}
	// RFC 4180: every line ends in CRLF, also those inside a quoted field.
	if n, crlf := bytes.Count(out, []byte("\n")), bytes.Count(out, []byte("\r\n")); n != crlf || n != len(wantRows)+2 {
		t.Errorf("csv has %d LF and %d CRLF, want %d CRLF only", n, crlf, len(wantRows)+2)
	}
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(out, []byte(bom))))
	got, err := r.ReadAll()
	if err != nil {
		t.Fatalf("read the csv back: %v", err)
	}
	if !slices.Equal(got[0], Columns) {
		t.Errorf("header = %q", got[0])
	}
	if len(got)-1 != len(wantRows) {
		t.Fatalf("csv has %d rows, want %d", len(got)-1, len(wantRows))
	}
	for i, want := range wantRows {
		if !slices.Equal(got[i+1], want) {
			t.Errorf("row %d:\n got %q\nwant %q", i+1, got[i+1], want)
		}
	}
	if !slices.Equal(progress, []int64{1, 2, 3, 4, 5}) {
		t.Errorf("progress = %v", progress)
	}
}

// TestCSVGuardsEveryFormulaStart checks, each on its own, every first
// character a spreadsheet takes a cell to be a formula by: the cell read
// back from the CSV starts with an apostrophe. A CR is dropped inside a
// quoted field by encoding/csv when lines end in CRLF, so unguarded, a
// "\r=…" would reach the spreadsheet as "=…".
func TestCSVGuardsEveryFormulaStart(t *testing.T) {
	for _, tt := range []struct {
		name, text, want string
	}{
		{"equals", "=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"},
		{"plus", "+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"},
		{"minus", "-2+3", "'-2+3"},
		{"at", "@SUM(1+1)", "'@SUM(1+1)"},
		{"tab", "\t=1+1", "'\t=1+1"},
		{"carriage return", "\r=1+1", "'=1+1"},
		{"text", "楼道=堆物", "楼道=堆物"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rec := sampleRecords()[2]
			rec.Report.Description = tt.text
			out, _ := mustWrite(t, FormatCSV, []*gridinspect.ReportRecord{rec})
			rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(out, []byte(bom)))).ReadAll()
			if err != nil {
				t.Fatalf("read the csv back: %v", err)
			}
			col := slices.Index(Columns, "描述")
			if len(rows) != 2 || col < 0 {
				t.Fatalf("csv has %d rows, description column %d", len(rows), col)
			}
			if got := rows[1][col]; got != tt.want {
				t.Errorf("description %q reads back as %q, want %q", tt.text, got, tt.want)
			}
		})
	}
}

func TestXLSXReadBack(t *testing.T) {
	out, progress := mustWrite(t, FormatXLSX, sampleRecords())
	f, err := excelize.OpenReader(bytes.NewReader(out))
	if err != nil {
		t.Fatalf("open the xlsx: %v", err)
	}
	defer f.Close()
	if sheets := f.GetSheetList(); !slices.Equal(sheets, []string{SheetName}) {
		t.Errorf("sheets = %q, want [%s]", sheets, SheetName)
	}
	rows, err := f.GetRows(SheetName)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rows[0], Columns) {
		t.Errorf("header = %q", rows[0])
	}
	if len(rows)-1 != len(wantRows) {
		t.Fatalf("xlsx has %d rows, want %d", len(rows)-1, len(wantRows))
	}
	for i, want := range wantRows {
		// The xlsx keeps text as it is: only the CSV guards against formulas.
		want = slices.Clone(want)
		want[6] = strings.TrimPrefix(want[6], "'")
		got := rows[i+1]
		// GetRows drops trailing empty cells.
		for len(got) < len(want) {
			got = append(got, "")
		}
		if !slices.Equal(got, want) {
			t.Errorf("row %d:\n got %q\nwant %q", i+1, got, want)
		}
	}
	// Coordinates and relapses are numbers (a cell without a type is
	// one), times and the rest text.
	for cell, number := range map[string]bool{"I2": true, "J2": true, "U2": true, "K2": false, "G3": false} {
		typ, err := f.GetCellType(SheetName, cell)
		isNumber := typ == excelize.CellTypeUnset || typ == excelize.CellTypeNumber
		if err != nil || isNumber != number {
			t.Errorf("cell %s type = %v, %v; want a number: %v", cell, typ, err, number)
		}
	}
	// A bold, frozen header.
	style, err := f.GetCellStyle(SheetName, "A1")
	if err != nil {
		t.Fatal(err)
	}
	if s, err := f.GetStyle(style); err != nil || s.Font == nil || !s.Font.Bold {
		t.Errorf("header style = %+v, %v; want bold", s, err)
	}
	panes, err := f.GetPanes(SheetName)
	if err != nil || !panes.Freeze || panes.YSplit != 1 {
		t.Errorf("panes = %+v, %v; want the first row frozen", panes, err)
	}
	if w, err := f.GetColWidth(SheetName, "G"); err != nil || w < 30 {
		t.Errorf("描述 column width = %v, %v; want a wide one", w, err)
	}
	if !slices.Equal(progress, []int64{1, 2, 3, 4, 5}) {
		t.Errorf("progress = %v", progress)
	}
}

func TestNoRecordsGivesTheHeader(t *testing.T) {
	out, progress := mustWrite(t, FormatCSV, nil)
	if want := bom + strings.Join(Columns, ",") + "\r\n"; string(out) != want {
		t.Errorf("csv of nothing = %q, want %q", out, want)
	}
	out, _ = mustWrite(t, FormatXLSX, nil)
	f, err := excelize.OpenReader(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(SheetName)
	if err != nil || len(rows) != 1 || !slices.Equal(rows[0], Columns) {
		t.Errorf("xlsx of nothing = %q, %v; want the header only", rows, err)
	}
	if len(progress) != 0 {
		t.Errorf("progress = %v", progress)
	}
}

func TestWriteStopsAtTheFirstError(t *testing.T) {
	boom := errors.New("read failed")
	for _, format := range []Format{FormatCSV, FormatXLSX} {
		each := func(fn func(*gridinspect.ReportRecord) error) error {
			if err := fn(sampleRecords()[0]); err != nil {
				return err
			}
			return boom
		}
		if err := WriteAt(io.Discard, format, exportNow, each, nil); !errors.Is(err, boom) {
			t.Errorf("%s: error = %v, want %v", format, err, boom)
		}
		// A writer that fails: the error comes back, and each stops.
		calls := 0
		many := func(fn func(*gridinspect.ReportRecord) error) error {
			for range 100000 {
				calls++
				if err := fn(sampleRecords()[0]); err != nil {
					return err
				}
			}
			return nil
		}
		if format == FormatCSV {
			if err := WriteAt(&failingWriter{}, format, exportNow, many, nil); err == nil {
				t.Errorf("%s to a failing writer: no error", format)
			}
			if calls == 100000 {
				t.Errorf("%s to a failing writer: each was not stopped", format)
			}
		}
	}
	if err := WriteAt(io.Discard, Format(9), exportNow, from(nil), nil); err == nil {
		t.Error("unknown format: no error")
	}
}

// failingWriter takes 64 KiB, then fails.
type failingWriter struct{ n int }

func (w *failingWriter) Write(p []byte) (int, error) {
	if w.n += len(p); w.n > 64<<10 {
		return 0, errors.New("disk full")
	}
	return len(p), nil
}

func TestContentTypeAndFileName(t *testing.T) {
	late := time.Date(2024, 6, 30, 17, 0, 0, 0, time.UTC) // already 1 July in China
	tests := []struct {
		format      Format
		contentType string
		name        string
	}{
		{FormatCSV, "text/csv; charset=utf-8", "网格巡查报告-20240701.csv"},
		{FormatUnspecified, "text/csv; charset=utf-8", "网格巡查报告-20240701.csv"},
		{FormatXLSX, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "网格巡查报告-20240701.xlsx"},
	}
	for _, tt := range tests {
		if got := ContentType(tt.format); got != tt.contentType {
			t.Errorf("ContentType(%v) = %q, want %q", tt.format, got, tt.contentType)
		}
		if got := FileName(tt.format, late); got != tt.name {
			t.Errorf("FileName(%v) = %q, want %q", tt.format, got, tt.name)
		}
	}
}

// TestFormatNumbersAreTheAPIs: the server converts by a cast.
func TestFormatNumbersAreTheAPIs(t *testing.T) {
	for f, p := range map[Format]pb.ExportFormat{
		FormatUnspecified: pb.ExportFormat_EXPORT_FORMAT_UNSPECIFIED,
		FormatCSV:         pb.ExportFormat_EXPORT_FORMAT_CSV,
		FormatXLSX:        pb.ExportFormat_EXPORT_FORMAT_XLSX,
	} {
		if int(f) != int(p) {
			t.Errorf("%v = %d, the API's %v = %d", f, int(f), p, int(p))
		}
	}
}

// syntheticRecord makes the i-th of many records, each a fresh allocation
// with its own text, as a store reading pages would hand them over.
func syntheticRecord(i int) *gridinspect.ReportRecord {
	r := sampleRecords()[i%5]
	r.Report.ID = fmt.Sprintf("01900000-0000-7000-8000-%012d", i)
	r.Report.Description = fmt.Sprintf("第%d号报告:%s", i, strings.Repeat("巡查发现问题,", 10))
	return r
}

// TestLargeExportStreams writes many records, made on the fly, and checks
// the writer never holds them: the heap in use (sampled as rows are
// written, and at the end, with the records just written still reachable
// if the writer kept them) grows by far less than they take. A record and
// its text take about 1 KiB, so 200,000 of them are ~200 MiB; the bound is
// 64 MiB. Under the race detector excelize is slow, so the XLSX writes
// 60,000 (~60 MiB) against a bound of 40 MiB: excelize itself buffers
// ~20 MiB before it spills to disk, and records kept would add ~60.
func TestLargeExportStreams(t *testing.T) {
	cases := []struct {
		format Format
		n      int
		bound  uint64
	}{
		{FormatCSV, 200_000, 64 << 20},
		{FormatXLSX, 200_000, 64 << 20},
	}
	if raceEnabled {
		cases[1].n, cases[1].bound = 60_000, 40<<20
	}
	if testing.Short() {
		cases = cases[:1]
	}
	for _, tc := range cases {
		format, n, bound := tc.format, tc.n, tc.bound
		t.Run(format.String(), func(t *testing.T) {
			// The XLSX's sheet spills to a temporary file; keep it in the
			// test's folder.
			t.Setenv("TMPDIR", t.TempDir())
			out, err := os.Create(filepath.Join(t.TempDir(), "export."+format.String()))
			if err != nil {
				t.Fatal(err)
			}
			defer out.Close()

			heapInUse := func() uint64 {
				runtime.GC()
				var m runtime.MemStats
				runtime.ReadMemStats(&m)
				return m.HeapInuse
			}
			base := heapInUse()
			var peak uint64
			sample := func() {
				if h := heapInUse(); h > peak {
					peak = h
				}
			}
			each := func(fn func(*gridinspect.ReportRecord) error) error {
				for i := range n {
					if err := fn(syntheticRecord(i)); err != nil {
						return err
					}
				}
				return nil
			}
			var rows int64
			err = WriteAt(out, format, exportNow, each, func(r int64) {
				rows = r
				if r%20_000 == 0 {
					sample()
				}
			})
			if err != nil {
				t.Fatal(err)
			}
			sample()
			if rows != int64(n) {
				t.Errorf("progress ended at %d rows, want %d", rows, n)
			}
			if peak > base && peak-base > bound {
				t.Errorf("heap in use grew by %d MiB while writing %d rows; want under %d MiB", (peak-base)>>20, n, bound>>20)
			}
			t.Logf("%s: heap in use grew by at most %.1f MiB", format, max(0, float64(int64(peak)-int64(base))/(1<<20)))

			// The file is whole: its rows can be counted back.
			if _, err := out.Seek(0, io.SeekStart); err != nil {
				t.Fatal(err)
			}
			if got := countRows(t, format, out); got != n {
				t.Errorf("the file holds %d rows, want %d", got, n)
			}
		})
	}
}

// countRows counts the data rows of an export, streaming. An XLSX's
// sheet is scanned for its <row> elements rather than parsed, which
// takes excelize long for 200,000 rows.
func countRows(t *testing.T, format Format, f *os.File) int {
	t.Helper()
	switch format {
	case FormatXLSX:
		fi, err := f.Stat()
		if err != nil {
			t.Fatal(err)
		}
		zr, err := zip.NewReader(f, fi.Size())
		if err != nil {
			t.Fatal(err)
		}
		sheet, err := zr.Open("xl/worksheets/sheet1.xml")
		if err != nil {
			t.Fatal(err)
		}
		defer sheet.Close()
		c := &substringCounter{sub: []byte("<row ")}
		if _, err := io.Copy(c, sheet); err != nil {
			t.Fatal(err)
		}
		return c.n - 1
	default:
		cr := csv.NewReader(f)
		cr.ReuseRecord = true
		n := 0
		for {
			_, err := cr.Read()
			if err == io.EOF {
				return n - 1
			}
			if err != nil {
				t.Fatal(err)
			}
			n++
		}
	}
}

// substringCounter counts the times sub occurs in what is written to it,
// across the boundaries of the writes.
type substringCounter struct {
	sub  []byte
	tail []byte
	n    int
}

func (c *substringCounter) Write(p []byte) (int, error) {
	buf := append(c.tail, p...)
	c.n += bytes.Count(buf, c.sub)
	keep := min(len(buf), len(c.sub)-1)
	c.tail = append(c.tail[:0:0], buf[len(buf)-keep:]...)
	return len(p), nil
}

func TestTableXLSXReadBack(t *testing.T) {
	var out bytes.Buffer
	err := WriteTableXLSX(&out, Table{Sheet: "网格员考核", Headers: []string{"网格员", "上报数", "按期办结率"},
		Widths: []float64{12}, Rows: [][]any{{"李娜", int64(4), 0.5}, {"张伟", int64(1), 1.0}}})
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(out.Bytes()))
	if err != nil {
		t.Fatalf("open the xlsx: %v", err)
	}
	defer f.Close()
	rows, err := f.GetRows("网格员考核")
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"网格员", "上报数", "按期办结率"}, {"李娜", "4", "0.5"}, {"张伟", "1", "1"}}
	if !slices.EqualFunc(rows, want, slices.Equal) {
		t.Errorf("rows = %q, want %q", rows, want)
	}
	if typ, err := f.GetCellType("网格员考核", "B2"); err != nil || (typ != excelize.CellTypeUnset && typ != excelize.CellTypeNumber) {
		t.Errorf("B2 type = %v, %v; want a number", typ, err)
	}
	if panes, err := f.GetPanes("网格员考核"); err != nil || !panes.Freeze || panes.YSplit != 1 {
		t.Errorf("panes = %+v, %v; want the first row frozen", panes, err)
	}
}

// An export of several streets has a 街道 column before 网格, in CSV and
// XLSX alike, naming each report's street (an unnamed one by its number).
func TestSeveralStreetsHaveAStreetColumnBeforeTheGrid(t *testing.T) {
	records := sampleRecords()[:2]
	records[0].StreetID, records[1].StreetID = 1, 2
	names := map[int64]string{2: "西街道"}
	grid := slices.Index(Columns, "网格")
	for _, format := range []Format{FormatCSV, FormatXLSX} {
		t.Run(format.String(), func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteStreetsAt(&buf, format, exportNow, names, from(records), nil); err != nil {
				t.Fatal(err)
			}
			var rows [][]string
			if format == FormatCSV {
				var err error
				if rows, err = csv.NewReader(strings.NewReader(strings.TrimPrefix(buf.String(), bom))).ReadAll(); err != nil {
					t.Fatal(err)
				}
			} else {
				f, err := excelize.OpenReader(&buf)
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				if rows, err = f.GetRows(SheetName); err != nil {
					t.Fatal(err)
				}
			}
			if len(rows) != 3 || len(rows[0]) != len(Columns)+1 {
				t.Fatalf("rows %q", rows)
			}
			got := []string{rows[0][grid], rows[0][grid+1], rows[1][grid], rows[1][grid+1], rows[2][grid]}
			want := []string{"街道", "网格", "街道 1", records[0].GridName, "西街道"}
			if !slices.Equal(got, want) {
				t.Errorf("street and grid cells %q, want %q", got, want)
			}
		})
	}
}
