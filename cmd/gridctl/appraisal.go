package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/gridinspect/gridinspect/internal/export"
	"github.com/gridinspect/gridinspect/internal/words"
	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

// appraisalBy reads --by: per worker (true) or per grid (false); --xlsx
// and --prose are checked against it.
func appraisalBy(by, xlsx string, asProse bool) (perWorker bool, err error) {
	switch strings.TrimSpace(by) {
	case "":
		if xlsx != "" {
			return false, usagef("--xlsx 另存的是考核表：请同时给出 --by worker 或 --by grid")
		}
		return false, nil
	case "worker", "网格员":
		perWorker = true
	case "grid", "网格":
	default:
		return false, usagef("--by %q 无法识别：须为 worker（每名网格员一行）或 grid（每个网格一行）", by)
	}
	if asProse {
		return false, usagef("--prose 与 --by 互相矛盾：考核表只有表格")
	}
	return perWorker, nil
}

// appraisal prints the appraisal per worker or per grid, and saves it as
// an XLSX workbook when xlsx names a file.
func (a *app) appraisal(ctx context.Context, from, to time.Time, grids []string, streets []int64, perWorker bool, xlsx string, asJSON bool) error {
	client, err := a.statsClient()
	if err != nil {
		return err
	}
	ids, err := a.resolveGrids(ctx, grids)
	if err != nil {
		return err
	}
	resp, err := client.GetAppraisal(ctx, &pb.GetAppraisalRequest{
		From: timestamppb.New(from), To: timestamppb.New(to), GridIds: ids, StreetIds: streets,
	})
	if err != nil {
		return fmt.Errorf("get appraisal: %w", err)
	}
	ap := resp.GetAppraisal()
	if asJSON {
		return writeJSON(a.stdout, ap)
	}
	named := func() []*pb.Street { return a.callerStreets(ctx) }
	var gridStreet func(*pb.GridAppraisal) string
	var workerStreet func(*pb.WorkerAppraisal) string
	if perWorker {
		workerStreet = gridStreets(ap.GetWorkers(), named)
	} else {
		gridStreet = gridStreets(ap.GetGrids(), named)
	}
	header, rows := appraisalRows(ap, perWorker, gridStreet, workerStreet)
	if xlsx != "" {
		if err := saveAppraisal(xlsx, header, rows); err != nil {
			return err
		}
		fmt.Fprintf(a.stderr, "考核表已另存为 %s（%d 行）\n", xlsx, len(rows))
	}
	return writeAppraisal(a.stdout, ap, len(ids) > 0, a.streetsScope(ctx, streets), header, rows)
}

// appraisalRows are the table's header and rows: per worker, the worker
// and their grids before the figures; per grid, the grid. Each after its
// street when streetOf (per grid) or workerStreet (per worker) names the
// streets of several (gridStreets), else nil.
func appraisalRows(ap *pb.Appraisal, perWorker bool, streetOf func(*pb.GridAppraisal) string,
	workerStreet func(*pb.WorkerAppraisal) string) ([]string, [][]any) {
	names := map[string]string{}
	for _, g := range ap.GetGrids() {
		names[g.GetGridId()] = g.GetGridName()
	}
	gridName := func(id string) string {
		if n := names[id]; n != "" {
			return n
		}
		return shortID(id)
	}
	var rows [][]any
	if !perWorker {
		for _, g := range ap.GetGrids() {
			first := []any{gridName(g.GetGridId())}
			if streetOf != nil {
				first = []any{streetOf(g), first[0]}
			}
			rows = append(rows, append(first, words.AppraisalValues(g.GetFigures())...))
		}
		if streetOf != nil {
			return append([]string{"街道", "网格"}, words.AppraisalColumns...), rows
		}
		return append([]string{"网格"}, words.AppraisalColumns...), rows
	}
	for _, w := range ap.GetWorkers() {
		name := w.GetDisplayName()
		if name == "" {
			name = shortID(w.GetUserId())
		}
		if w.GetRole() != pb.Role_ROLE_WORKER {
			name += "（" + words.Label(words.Role, w.GetRole()) + "）"
		}
		var gs []string
		for _, id := range w.GetGridIds() {
			gs = append(gs, gridName(id))
		}
		grids := strings.Join(gs, "、")
		if grids == "" {
			grids = "-"
		}
		first := []any{name, grids}
		if workerStreet != nil {
			first = []any{workerStreet(w), name, grids}
		}
		rows = append(rows, append(first, words.AppraisalValues(w.GetFigures())...))
	}
	if workerStreet != nil {
		return append([]string{"街道", "网格员", "网格"}, words.AppraisalColumns...), rows
	}
	return append([]string{"网格员", "网格"}, words.AppraisalColumns...), rows
}

// writeAppraisal prints the period and scope (streets: streetsScope's),
// then the table.
func writeAppraisal(w io.Writer, ap *pb.Appraisal, gridsNamed bool, streets string, header []string, rows [][]any) error {
	from := ap.GetFrom().AsTime().In(chinaTime)
	last := ap.GetTo().AsTime().In(chinaTime).Add(-time.Nanosecond)
	scope := "全部网格"
	if gridsNamed {
		var names []string
		for _, g := range ap.GetGrids() {
			names = append(names, g.GetGridName())
		}
		scope = "网格: " + strings.Join(names, "、")
	}
	scope = streets + scope
	if _, err := fmt.Fprintf(w, "%s  %s 至 %s  %s\n\n", words.AppraisalTitle, from.Format(dateLayout), last.Format(dateLayout), scope); err != nil {
		return err
	}
	t := newTable(header...)
	for _, r := range rows {
		cells := make([]string, len(r))
		for i, v := range r {
			switch v := v.(type) {
			case float64:
				cells[i] = words.FormatDecimal(v)
			default:
				cells[i] = fmt.Sprint(v)
			}
		}
		t.add(cells...)
	}
	if len(rows) == 0 {
		t.add("（无）")
	}
	return t.write(w)
}

// saveAppraisal writes the table as an XLSX workbook at path, through a
// temporary file renamed at the end, so an interrupted save leaves no
// half a file.
func saveAppraisal(path string, header []string, rows [][]any) (err error) {
	tmp := path + tmpSuffix
	f, err := os.Create(tmp)
	if err != nil {
		return fmt.Errorf("另存考核表: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	widths := []float64{12}
	switch len(header) - len(words.AppraisalColumns) {
	case 2:
		widths = append(widths, 16) // the worker's grids
	case 3:
		widths = append(widths, 12, 16) // the street's, the worker, their grids
	}
	if err := export.WriteTableXLSX(f, export.Table{Sheet: words.AppraisalTitle, Headers: header, Widths: widths, Rows: rows}); err != nil {
		return fmt.Errorf("另存考核表: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("另存考核表: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("另存考核表: %w", err)
	}
	return nil
}
