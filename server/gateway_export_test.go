package server_test

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"io"
	"mime"
	"net/http"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gridinspect/gridinspect"
	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

// exportName is the name the server suggests for an export made now.
func exportName(ext string) string {
	return "网格巡查报告-" + time.Now().In(time.FixedZone("CST", 8*3600)).Format("20060102") + "." + ext
}

func TestHTTP_ReportsExportAsAFileNamedInChinese(t *testing.T) {
	s := newFileServer(t, roomy)
	worker, other := s.loginAs(t, "workera"), s.loginAs(t, "workerb")
	for range 3 {
		s.submitHazard(t, worker, gridA)
	}
	s.submitHazard(t, other, gridB)
	super := s.loginAs(t, "super")

	t.Run("csv", func(t *testing.T) {
		code, h, body := s.do(t, "GET", "/v1/reports:export?format=csv", super, "", "X-Request-Id", "desk-7")
		if code != http.StatusOK {
			t.Fatalf("HTTP %d %s", code, body)
		}
		if got := h.Get("Content-Type"); got != "text/csv; charset=utf-8" {
			t.Errorf("Content-Type %q", got)
		}
		wantAttachment(t, h.Get("Content-Disposition"), exportName("csv"))
		if h.Get("X-Request-Id") != "desk-7" || h.Get("Cache-Control") != "no-store" {
			t.Errorf("X-Request-Id %q, Cache-Control %q; want the caller's and no-store", h.Get("X-Request-Id"), h.Get("Cache-Control"))
		}
		if rows := csvRows(t, body); len(rows) != 5 || rows[0][0] != "编号" {
			t.Errorf("%d rows, header %v; want a Chinese header and 4 reports", len(rows), rows[0])
		}
	})
	t.Run("xlsx", func(t *testing.T) {
		code, h, body := s.do(t, "GET", "/v1/reports:export?format=xlsx", super, "")
		if code != http.StatusOK {
			t.Fatalf("HTTP %d %s", code, body)
		}
		if got := h.Get("Content-Type"); got != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
			t.Errorf("Content-Type %q", got)
		}
		wantAttachment(t, h.Get("Content-Disposition"), exportName("xlsx"))
		if got := xlsxRows(t, body); got != 5 {
			t.Errorf("%d rows in the sheet, want a header and 4 reports", got)
		}
	})
	// The filter takes the query parameters of GET /v1/reports.
	for _, tt := range []struct {
		query string
		want  int
	}{
		{"gridIds=" + gridA, 3},
		{"grid_ids=" + gridB, 1},
		{"gridIds=" + gridA + "&gridIds=" + gridB + "&format=CSV", 4},
		{"statuses=REPORT_STATUS_CLOSED", 0},
	} {
		t.Run(tt.query, func(t *testing.T) {
			code, _, body := s.do(t, "GET", "/v1/reports:export?"+tt.query, super, "")
			if rows := csvRows(t, body); code != http.StatusOK || len(rows)-1 != tt.want {
				t.Errorf("HTTP %d, %d reports; want %d", code, len(rows)-1, tt.want)
			}
		})
	}
	for _, tt := range []struct {
		name, query, token string
		wantHTTP           int
		wantInBody         string
	}{
		{"an unknown format", "format=pdf", super, http.StatusBadRequest, `"field":"format"`},
		{"two formats", "format=csv&format=xlsx", super, http.StatusBadRequest, `"field":"format"`},
		{"a status that is none", "statuses=REPORT_STATUS_LOST", super, http.StatusBadRequest, "statuses"},
		{"a list past its bound", strings.Repeat("statuses=REPORT_STATUS_CLOSED&", 50), super, http.StatusBadRequest, `"field":"filter.statuses"`},
		{"a worker", "format=csv", worker, http.StatusForbidden, `"code":7`},
		{"no token", "format=csv", "", http.StatusUnauthorized, `"code":16`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, h, body := s.do(t, "GET", "/v1/reports:export?"+tt.query, tt.token, "")
			if code != tt.wantHTTP || !strings.Contains(strings.ReplaceAll(body, " ", ""), tt.wantInBody) {
				t.Errorf("HTTP %d %s; want %d with %s", code, body, tt.wantHTTP, tt.wantInBody)
			}
			if !strings.HasPrefix(h.Get("Content-Type"), "application/json") || h.Get("Content-Disposition") != "" {
				t.Errorf("Content-Type %q, Content-Disposition %q; want JSON google.rpc.Status", h.Get("Content-Type"), h.Get("Content-Disposition"))
			}
		})
	}
}

// wantAttachment checks a Content-Disposition names the file in UTF-8
// (filename*, RFC 5987) with an ASCII fallback.
func wantAttachment(t *testing.T, cd, name string) {
	t.Helper()
	disposition, params, err := mime.ParseMediaType(cd)
	if err != nil || disposition != "attachment" || params["filename"] != name {
		t.Errorf("Content-Disposition %q reads as %q %v (%v); want an attachment named %s", cd, disposition, params, err, name)
	}
	ext := name[strings.LastIndexByte(name, '.'):]
	if !strings.Contains(cd, `filename="reports-`) || !strings.Contains(cd, ext+`";`) || !strings.Contains(cd, "filename*=UTF-8''%E7%BD%91%E6%A0%BC") {
		t.Errorf("Content-Disposition %q lacks an ASCII filename or a UTF-8 filename*", cd)
	}
}

// csvRows reads an export's CSV, after its byte-order mark.
func csvRows(t *testing.T, body string) [][]string {
	t.Helper()
	if !strings.HasPrefix(body, "\ufeff") {
		t.Fatalf("the CSV does not start with a UTF-8 BOM: %.80q", body)
	}
	rows, err := csv.NewReader(strings.NewReader(body[3:])).ReadAll()
	if err != nil {
		t.Fatalf("not RFC 4180: %v", err)
	}
	return rows
}

// xlsxRows counts the rows of an XLSX export's sheet.
func xlsxRows(t *testing.T, body string) int {
	t.Helper()
	zr, err := zip.NewReader(strings.NewReader(body), int64(len(body)))
	if err != nil {
		t.Fatalf("not a workbook: %v", err)
	}
	sheet, err := zr.Open("xl/worksheets/sheet1.xml")
	if err != nil {
		t.Fatal(err)
	}
	defer sheet.Close()
	xml, err := io.ReadAll(sheet)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Count(xml, []byte("<row "))
}

// An export over HTTP is written as it is made, with memory as flat as
// over gRPC: the heap in use (after a collection; client and server share
// the process) is sampled as a client reads the same export over each,
// and over HTTP it must grow by little more than over gRPC, far less than
// the file. (The server's own share, a page of reports read from the
// store, is the same for both; internal/export bounds the writer's.)
func TestHTTP_ALargeExportStreamsWithMemoryAsFlatAsOverGRPC(t *testing.T) {
	if testing.Short() && os.Getenv("CI") == "" { // CI runs it whatever the flags
		t.Skip("stores thousands of reports")
	}
	s := newFileServer(t, roomy)
	const reports = 6_000
	s.fill(t, reports, strings.Repeat("巡查发现消防通道堵塞,", 100))
	super := s.loginAs(t, "super")

	overHTTP := func(t *testing.T, sample func(int64)) {
		req, err := http.NewRequestWithContext(t.Context(), "GET", s.url+"/v1/reports:export?format=csv", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+super)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("HTTP %d", resp.StatusCode)
		}
		buf := make([]byte, 64<<10)
		for {
			n, err := resp.Body.Read(buf)
			sample(int64(n))
			if err == io.EOF {
				return
			}
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	overGRPC := func(t *testing.T, sample func(int64)) {
		stream, err := pb.NewStatsServiceClient(s.conn).ExportReports(bearer(t.Context(), super),
			&pb.ExportReportsRequest{Filter: &pb.ListReportsRequest{}, Format: pb.ExportFormat_EXPORT_FORMAT_CSV})
		if err != nil {
			t.Fatal(err)
		}
		for {
			msg, err := stream.Recv()
			if err == io.EOF {
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			sample(int64(len(msg.GetData())))
		}
	}
	// growth reads an export, sampling the heap every 2 MiB, and returns
	// the file's size and how far the heap grew.
	growth := func(t *testing.T, read func(*testing.T, func(int64))) (size, grew int64) {
		heapInUse := func() int64 {
			runtime.GC()
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			return int64(m.HeapInuse)
		}
		base, peak, next := heapInUse(), int64(0), int64(0)
		read(t, func(n int64) {
			if size += n; size >= next {
				peak, next = max(peak, heapInUse()), next+2<<20
			}
		})
		return size, max(peak, heapInUse()) - base
	}
	grpcSize, grpcGrew := growth(t, overGRPC)
	httpSize, httpGrew := growth(t, overHTTP)
	t.Logf("a %.1f MiB export: the heap in use grew by %.1f MiB over gRPC, %.1f MiB over HTTP",
		float64(httpSize)/(1<<20), float64(grpcGrew)/(1<<20), float64(httpGrew)/(1<<20))
	const bound = 4 << 20
	if httpSize != grpcSize || httpSize < 4*bound {
		t.Fatalf("the file is %d bytes over HTTP, %d over gRPC; want the same, and far more than %d", httpSize, grpcSize, bound)
	}
	if httpGrew-grpcGrew > bound {
		t.Errorf("over HTTP the heap in use grew by %d MiB more than over gRPC; want under %d MiB", (httpGrew-grpcGrew)>>20, bound>>20)
	}
}

// fill stores n reports of workera's in grid A, described as description,
// straight into the store, several at a time.
func (s *fileServer) fill(t *testing.T, n int, description string) {
	t.Helper()
	ctx := gridinspect.NewContext(t.Context(), s.users["workera"].Actor("fill", ""))
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for w := range 8 {
		wg.Go(func() {
			for i := w; i < n; i += 8 {
				_, _, err := s.db.SubmitReport(ctx, &gridinspect.Report{
					ID: newID(), Category: gridinspect.CategoryOther, Severity: gridinspect.SeverityGeneral,
					Description: description, Location: gridinspect.Location{Lat: 31.25, Lng: 118.35}, GridID: gridA,
					ObservedAt: time.Now().Add(-time.Hour),
				})
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}
