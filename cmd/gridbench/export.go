package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

// The export phase: a supervisor exports every report of a street of
// --export-reports reports, as CSV and then as XLSX, through
// StatsService.ExportReports; gridbench reads the stream and discards the
// bytes. What is measured is the server's peak RSS while it streams (an
// export must stay flat however many reports it holds), and the time.

// exportRow is one export.
type exportRow struct {
	Reports int
	Format  string
	Rows    int64
	Bytes   int64
	Elapsed time.Duration
	RSS     int64
	Skipped string // why it was not measured
}

func (b *bench) exportPhase(ctx context.Context, t *target, d *dataset) error {
	conns, closeConns, err := dialPool(t.addr, 1, dialOptions()...)
	if err != nil {
		return err
	}
	defer closeConns()
	authed, err := login(ctx, conns[0], b.supervisorName(d), b.password(d), "gridbench-export-"+newID())
	if err != nil {
		return err
	}
	stats := pb.NewStatsServiceClient(conns[0])
	for _, f := range []pb.ExportFormat{pb.ExportFormat_EXPORT_FORMAT_CSV, pb.ExportFormat_EXPORT_FORMAT_XLSX} {
		r := exportRow{Reports: d.Reports, Format: map[pb.ExportFormat]string{
			pb.ExportFormat_EXPORT_FORMAT_CSV: "CSV", pb.ExportFormat_EXPORT_FORMAT_XLSX: "XLSX"}[f]}
		b.logf("export: %s of %d reports", r.Format, d.Reports)
		w := watchMemory(t.pid)
		t0 := time.Now()
		err := exportOnce(authed, stats, f, &r)
		r.Elapsed = time.Since(t0)
		r.RSS = w.peak()
		switch {
		case status.Code(err) == codes.Unimplemented:
			r.Skipped = "the server answers UNIMPLEMENTED: " + status.Convert(err).Message()
			b.note(fmt.Sprintf("export %s: not measured, %s", r.Format, r.Skipped))
		case err != nil:
			return fmt.Errorf("export %s: %w", r.Format, err)
		default:
			b.logf("export: %s: %d rows, %d bytes in %v", r.Format, r.Rows, r.Bytes, r.Elapsed.Round(time.Millisecond))
		}
		b.res.Export = append(b.res.Export, r)
	}
	return nil
}

// exportOnce streams one export of every report, counting its bytes.
func exportOnce(ctx context.Context, stats pb.StatsServiceClient, f pb.ExportFormat, r *exportRow) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := stats.ExportReports(ctx, &pb.ExportReportsRequest{Filter: &pb.ListReportsRequest{}, Format: f})
	if err != nil {
		return err
	}
	for {
		msg, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		r.Bytes += int64(len(msg.GetData()))
		r.Rows = max(r.Rows, msg.GetRowsWritten())
	}
}
