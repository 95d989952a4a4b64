package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"github.com/grpc-ecosystem/grpc-gateway/v2/utilities"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

// reportsExportPattern is the export's route. Its ":export" keeps it apart
// from GET /v1/reports/{id} (one more path segment) and GET /v1/reports
// (no verb).
const reportsExportPattern = "/v1/reports:export"

// exportQuery leaves format out of the filter's query parameters.
var exportQuery = utilities.NewDoubleArray([][]string{{"format"}})

// exportReports answers GET /v1/reports:export?format=csv|xlsx&… with the
// file itself, from StatsService.ExportReports. The other query parameters
// are ListReportsRequest's, as for GET /v1/reports. Each chunk is written
// as it comes, so memory stays flat however many reports there are. The
// status is sent with the first bytes of the file, so an error before them
// (an XLSX writes none until its rows are all read) is still answered as
// an error.
func (rt *streamRoutes) exportReports(w http.ResponseWriter, r *http.Request, _ map[string]string) {
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel() // ends the export when the client goes
	ctx, err := rt.callContext(ctx, r, pb.StatsService_ExportReports_FullMethodName, reportsExportPattern)
	if err != nil {
		rt.fail(r.Context(), w, r, err)
		return
	}
	req, err := rt.exportRequest(ctx, r)
	if err != nil {
		rt.fail(ctx, w, r, err)
		return
	}
	stream, err := pb.NewStatsServiceClient(rt.conn).ExportReports(ctx, req)
	if err != nil {
		rt.fail(ctx, w, r, err)
		return
	}
	var first *pb.ExportReportsResponse // names the file
	started := false
	for {
		msg, err := stream.Recv()
		switch {
		case errors.Is(err, io.EOF) && !started && first != nil:
			startExport(w, stream, first)
			return
		case errors.Is(err, io.EOF) && started:
			return
		case err != nil && !started:
			if errors.Is(err, io.EOF) { // no message at all: the server broke its promise
				err = internalError()
			}
			rt.fail(withStreamMetadata(ctx, stream), w, r, err)
			return
		case err != nil:
			abortResponse()
		}
		if first == nil {
			first = msg
		}
		if len(msg.GetData()) == 0 {
			continue // progress, for a gRPC client's progress bar
		}
		if !started {
			startExport(w, stream, first)
			started = true
		}
		if _, err := w.Write(msg.GetData()); err != nil {
			return // the client is gone; cancel ends the export
		}
		_ = http.NewResponseController(w).Flush()
	}
}

// exportRequest reads an export's query: format (csv or xlsx, or the
// enum's names; csv if not given) and the filter.
func (rt *streamRoutes) exportRequest(ctx context.Context, r *http.Request) (*pb.ExportReportsRequest, error) {
	if err := r.ParseForm(); err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "%v", err) // as the generated handlers say it
	}
	req := &pb.ExportReportsRequest{Filter: &pb.ListReportsRequest{}}
	switch formats := r.Form["format"]; {
	case len(formats) > 1:
		return nil, rt.invalid(ctx, "format", "只能指定一种导出格式", "is given %d times", len(formats))
	case len(formats) == 1:
		f, ok := exportFormat(formats[0])
		if !ok {
			return nil, rt.invalid(ctx, "format", "须为 csv 或 xlsx", "is %q; must be csv or xlsx", formats[0])
		}
		req.Format = f
	}
	// street_ids is the request's; every other parameter the filter's.
	for _, s := range r.Form["street_ids"] {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, rt.invalid(ctx, "street_ids", "须为街道编号（整数）", "has %q; must be street numbers", s)
		}
		req.StreetIds = append(req.StreetIds, id)
	}
	r.Form.Del("street_ids")
	if err := runtime.PopulateQueryParameters(req.Filter, r.Form, exportQuery); err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "%v", err)
	}
	return req, nil
}

// exportFormat reads a format: csv, xlsx, or EXPORT_FORMAT_…, in any case.
func exportFormat(s string) (pb.ExportFormat, bool) {
	s = strings.ToUpper(s)
	if v, ok := pb.ExportFormat_value["EXPORT_FORMAT_"+s]; ok && v != 0 {
		return pb.ExportFormat(v), true
	}
	v, ok := pb.ExportFormat_value[s]
	return pb.ExportFormat(v), ok
}

// startExport sends the status and headers of an export's answer: the
// file as an attachment under the name the server suggests.
func startExport(w http.ResponseWriter, stream grpc.ClientStream, first *pb.ExportReportsResponse) {
	setStreamHeaders(w, stream)
	h := w.Header()
	h.Set("Content-Type", first.GetContentType())
	h.Set("Content-Disposition", attachment(first.GetFilename()))
	h.Set("X-Content-Type-Options", "nosniff")
	// An export holds names and addresses: no cache keeps a copy.
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
}

// attachment is a Content-Disposition for a file named name (RFC 6266):
// the name in UTF-8 as filename* (RFC 5987), and an ASCII name for
// clients that read only filename: 网格巡查报告-20240630.xlsx becomes
// reports-20240630.xlsx.
func attachment(name string) string {
	var ascii, encoded strings.Builder
	dropped := false
	for i := 0; i < len(name); i++ {
		switch c := name[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '.', c == '_':
			ascii.WriteByte(c)
			encoded.WriteByte(c)
		case c < 0x80:
			ascii.WriteByte('_')
			fmt.Fprintf(&encoded, "%%%02X", c)
		default:
			dropped = true
			fmt.Fprintf(&encoded, "%%%02X", c)
		}
	}
	fallback := ascii.String()
	if dropped || fallback == "" {
		if fallback != "" && !strings.ContainsRune("-._", rune(fallback[0])) {
			fallback = "-" + fallback
		}
		fallback = "reports" + fallback
	}
	return `attachment; filename="` + fallback + `"; filename*=UTF-8''` + encoded.String()
}
