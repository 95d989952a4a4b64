package server

import (
	"context"
	"slices"

	"google.golang.org/grpc"

	"github.com/gridinspect/gridinspect"
	"github.com/gridinspect/gridinspect/internal/export"
	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

// exportChunkBytes is the size of ExportReports' messages.
const exportChunkBytes = 64 << 10

// exportProgressRows is how many rows may be written without a message
// saying so: an XLSX workbook yields no bytes until it is finished, so
// without progress messages a client's progress bar would stand still.
var exportProgressRows int64 = 1000

// chunkWriter sends what is written to it as ExportReportsResponse
// messages of at most exportChunkBytes, so the file is never held whole,
// and a message with no data whenever exportProgressRows rows have been
// written since the last message.
type chunkWriter struct {
	stream grpc.ServerStreamingServer[pb.ExportReportsResponse]
	first  *pb.ExportReportsResponse // sent with the first message
	rows   int64                     // written so far
	told   int64                     // rows the last message sent said
	err    error                     // the first failed send
}

func (w *chunkWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		part := p[:min(len(p), exportChunkBytes)]
		if err := w.send(part); err != nil {
			return 0, err
		}
		p = p[len(part):]
	}
	return n, nil
}

// wrote records that rows rows have been written, and says so if it has
// not for exportProgressRows rows.
func (w *chunkWriter) wrote(rows int64) {
	w.rows = rows
	if w.err == nil && rows-w.told >= exportProgressRows {
		_ = w.send(nil) // remembered in w.err
	}
}

// send sends data with the rows written so far, and what the first
// message carries if it is the first.
func (w *chunkWriter) send(data []byte) error {
	if w.err != nil {
		return w.err
	}
	msg := &pb.ExportReportsResponse{Data: data, RowsWritten: w.rows}
	if w.first != nil {
		msg.TotalRows, msg.ContentType, msg.Filename = w.first.TotalRows, w.first.ContentType, w.first.Filename
		w.first = nil
	}
	if err := w.stream.Send(msg); err != nil {
		w.err = err
		return err
	}
	w.told = w.rows
	return nil
}

func (h *statsService) ExportReports(req *pb.ExportReportsRequest, stream grpc.ServerStreamingServer[pb.ExportReportsResponse]) error {
	ctx := stream.Context()
	format := export.Format(req.GetFormat()) // the same numbers as the API's
	if !format.Valid() {
		return h.s.status(ctx, invalid("format", "导出格式无法识别，须为 CSV 或 Excel", "unknown export format %d", req.GetFormat()))
	}
	f := fromReportFilter(req.GetFilter())
	f.PageSize, f.PageToken = 0, ""
	ctx = gridinspect.WithStreetIDs(ctx, req.GetStreetIds())
	total, err := h.s.cfg.Stats.CountReports(ctx, f)
	if err != nil {
		return h.s.status(ctx, err)
	}
	w := &chunkWriter{stream: stream, first: &pb.ExportReportsResponse{
		TotalRows: total, ContentType: export.ContentType(format), Filename: export.FileName(format, h.s.now()),
	}}
	each := func(fn func(*gridinspect.ReportRecord) error) error {
		return h.s.cfg.Stats.EachReport(ctx, f, func(r *gridinspect.ReportRecord) error {
			if w.err != nil {
				return w.err // the client is gone: stop reading
			}
			return fn(r)
		})
	}
	names, several, err := h.exportStreets(ctx, req.GetStreetIds())
	if err != nil {
		return h.s.status(ctx, err)
	}
	if several {
		err = export.WriteStreetsAt(w, format, h.s.now(), names, each, w.wrote)
	} else {
		err = export.WriteAt(w, format, h.s.now(), each, w.wrote)
	}
	if err != nil {
		return h.s.status(ctx, err)
	}
	if w.err != nil {
		return h.s.status(ctx, w.err)
	}
	// The last message says how many rows went out; it also names the file
	// if no message at all was sent before it.
	return w.send(nil)
}

// exportStreets says whether an export is of several streets' reports (a
// district account's, of more than one of its streets: asked for, or all
// when none is), and names the caller's streets for its 街道 column. A
// street's own accounts export their street alone, as before.
func (h *statsService) exportStreets(ctx context.Context, asked []int64) (map[int64]string, bool, error) {
	if a := gridinspect.ActorFrom(ctx); a == nil || !a.IsDistrict() {
		return nil, false, nil
	}
	streets, err := h.s.cfg.Users.CallerStreets(ctx)
	if err != nil {
		return nil, false, err
	}
	names := make(map[int64]string, len(streets))
	for _, s := range streets {
		names[s.ID] = s.Name
	}
	counted := len(streets)
	if len(asked) > 0 {
		counted = len(slices.Compact(slices.Sorted(slices.Values(asked))))
	}
	return names, counted > 1, nil
}
