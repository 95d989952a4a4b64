package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/term"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

// exportFormats are the formats as --format names them.
var exportFormats = map[string]pb.ExportFormat{
	"csv":  pb.ExportFormat_EXPORT_FORMAT_CSV,
	"xlsx": pb.ExportFormat_EXPORT_FORMAT_XLSX,
}

// Limits of the export's progress bar.
const (
	// progressBarWidth is how many cells the bar has.
	progressBarWidth = 20
	// progressEvery is how often the bar is redrawn at most.
	progressEvery = 100 * time.Millisecond
	// tmpSuffix marks a file still being written.
	tmpSuffix = ".tmp"
)

var exportCommand = &command{
	name:    "export",
	summary: "把报告导出为表格文件（CSV 或 XLSX，可用 Excel 打开），列名为中文",
	help: `把符合筛选条件的每份报告写成一行，含当前状态、期限、派遣对象、文书编号和
结案情况，格式为 CSV 表格文件（可用 Excel 打开，中文不乱码）或 XLSX 工作簿（Excel
格式）。不加筛选条件时导出可见的全部报告。

文件先写作“文件名.tmp”，结束时才改名，所以中断的导出不会留下半个文件。
不加 --out 时文件以服务器建议的名字（网格巡查报告-20240630.xlsx）存在当前
文件夹；--out - 写到标准输出。不加 --format 时按 --out 的扩展名，否则为 CSV。
在终端上，标准错误输出显示进度条；结束时那里有一行说明写了多少行。

--from 和 --to 按发现问题的日期筛选，为北京时间的日期，含首尾两天。

示例：
  gridctl export --format xlsx --out open.xlsx --open
  gridctl export --out 红星村.csv --grid 红星村 --from 2024-01-01 --to 2024-06-30
  gridctl export --out 逾期.csv --overdue`,
	setup: func(fs *flag.FlagSet) runFunc {
		var grids, categories, statuses stringsFlag
		format := fs.String("format", "", "文件`格式`："+flagChoices(exportFormats)+"（默认：按 --out 的扩展名，否则 csv）")
		out := fs.String("out", "", "写入`文件`（- 为标准输出；默认：服务器建议的名字）")
		fs.Var(&grids, "grid", "只导出网格 `名称或编号` 的报告；多个网格重复此选项")
		fs.Var(&categories, "category", "只导出该`类别`的报告，可重复；类别为 "+helpChoices(categoryFlags))
		fs.Var(&statuses, "status", "只导出该`状态`的报告，可重复；状态为 "+helpChoices(statusFlags))
		assignee := fs.String("assignee", "", "只导出派给 `名称`（用户名或姓名，或用户编号）的报告")
		open := fs.Bool("open", false, "只导出在办案件（不含已结案、已驳回）")
		overdue := fs.Bool("overdue", false, "只导出逾期案件")
		from := fs.String("from", "", "只导出在北京时间`日期`（2024-01-01）当天或之后发现的报告")
		to := fs.String("to", "", "只导出在北京时间`日期` 当天或之前发现的报告")
		query := fs.String("query", "", "只导出描述或地址含 `文字` 的报告")
		var streets streetsFlag
		fs.Var(&streets, "street", "区级账号：只导出这些街道的报告（`编号`，可重复或用逗号分隔）；不给时为其所有街道")
		return func(ctx context.Context, a *app, args []string) error {
			if len(args) > 0 {
				return usagef("export 不带参数（选项：--format、--out、--grid、--category、--status、--open、--overdue 等）")
			}
			f, err := exportFormat(*format, *out)
			if err != nil {
				return err
			}
			req := &pb.ExportReportsRequest{
				Format:    f,
				StreetIds: streets,
				Filter:    &pb.ListReportsRequest{OpenOnly: *open, OverdueOnly: *overdue, Query: strings.TrimSpace(*query)},
			}
			for _, c := range categories {
				cat, err := parseChoice("category", categoryFlags, c)
				if err != nil {
					return err
				}
				req.Filter.Categories = append(req.Filter.Categories, cat)
			}
			for _, s := range statuses {
				st, err := parseChoice("status", statusFlags, s)
				if err != nil {
					return err
				}
				req.Filter.Statuses = append(req.Filter.Statuses, st)
			}
			if *from != "" {
				d, err := parseDay("from", *from)
				if err != nil {
					return err
				}
				req.Filter.ObservedAfter = timestamppb.New(d)
			}
			if *to != "" {
				d, err := parseDay("to", *to)
				if err != nil {
					return err
				}
				req.Filter.ObservedBefore = timestamppb.New(d.AddDate(0, 0, 1))
			}
			if req.Filter.ObservedAfter != nil && req.Filter.ObservedBefore != nil &&
				!req.Filter.ObservedBefore.AsTime().After(req.Filter.ObservedAfter.AsTime()) {
				return usagef("--to %s 早于 --from %s", *to, *from)
			}
			if f == pb.ExportFormat_EXPORT_FORMAT_XLSX && *out == "-" && a.isTerminal(a.stdout) {
				return usagef("xlsx 不能输出到终端：请给出 --out 文件，或把标准输出接到管道")
			}
			return a.export(ctx, req, grids, *assignee, *out)
		}
	},
}

// exportFormat picks the format: --format, else --out's extension, else
// CSV. A --format that contradicts the extension is a mistake.
func exportFormat(format, out string) (pb.ExportFormat, error) {
	ext := strings.ToLower(strings.TrimPrefix(filepath.Ext(out), "."))
	byExt, known := exportFormats[ext]
	if strings.TrimSpace(format) == "" {
		if known {
			return byExt, nil
		}
		return pb.ExportFormat_EXPORT_FORMAT_CSV, nil
	}
	f, err := parseChoice("format", exportFormats, format)
	if err != nil {
		return 0, err
	}
	if known && byExt != f {
		return 0, usagef("--out %s 的扩展名是 .%s，但 --format 是 %s", out, ext, strings.ToLower(strings.TrimSpace(format)))
	}
	return f, nil
}

func (a *app) export(ctx context.Context, req *pb.ExportReportsRequest, grids []string, assignee, out string) error {
	client, err := a.statsClient()
	if err != nil {
		return err
	}
	if req.Filter.GridIds, err = a.resolveGrids(ctx, grids); err != nil {
		return err
	}
	if assignee != "" {
		dir, err := a.directoryClient()
		if err != nil {
			return err
		}
		if req.Filter.AssigneeId, err = resolveUser(ctx, dir, assignee); err != nil {
			return err
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := client.ExportReports(ctx, req)
	if err != nil {
		return fmt.Errorf("export reports: %w", err)
	}
	// The first message names the file and its size in rows; nothing is
	// created before the server has accepted the export.
	first, err := stream.Recv()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return errors.New("导出报告：服务器没有发送任何内容")
		}
		return fmt.Errorf("export reports: %w", err)
	}
	dst, err := a.openExport(out, first.GetFilename())
	if err != nil {
		return err
	}
	defer dst.abort()

	bar := a.newProgressBar(first.GetTotalRows())
	rows := int64(0)
	for msg := first; ; {
		if _, err := dst.Write(msg.GetData()); err != nil {
			return fmt.Errorf("write %s: %w", dst.name, err)
		}
		rows = max(rows, msg.GetRowsWritten())
		bar.update(rows)
		msg, err = stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			bar.stop()
			return fmt.Errorf("export reports: %w", err)
		}
	}
	bar.finish(rows)
	if err := dst.commit(); err != nil {
		return err
	}
	_, err = fmt.Fprintf(a.stderr, "已写入 %d 行到 %s\n", rows, dst.name)
	return err
}

// exportFile is where an export is written: standard output, or FILE.tmp
// renamed to FILE once it is whole.
type exportFile struct {
	io.Writer
	name string   // FILE, or "标准输出"
	tmp  *os.File // nil for standard output
	done bool
}

// openExport opens the destination: out, "-" for standard output, or the
// server's suggested name (its base only) when out is "".
func (a *app) openExport(out, suggested string) (*exportFile, error) {
	if out == "-" {
		return &exportFile{Writer: a.stdout, name: "标准输出"}, nil
	}
	if out == "" {
		out = filepath.Base(filepath.Clean("/" + suggested))
		if out == "/" || out == "." {
			return nil, errors.New("导出报告：服务器没有建议文件名：请给出 --out 文件")
		}
	}
	tmp, err := os.OpenFile(out+tmpSuffix, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, fmt.Errorf("export reports: %w", err)
	}
	return &exportFile{Writer: tmp, name: out, tmp: tmp}, nil
}

// commit makes the file whole: synced to disk and renamed from FILE.tmp to
// FILE.
func (f *exportFile) commit() error {
	if f.tmp == nil {
		f.done = true
		return nil
	}
	if err := f.tmp.Sync(); err != nil {
		return fmt.Errorf("write %s: %w", f.name, err)
	}
	if err := f.tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", f.name, err)
	}
	if err := os.Rename(f.tmp.Name(), f.name); err != nil {
		return fmt.Errorf("write %s: %w", f.name, err)
	}
	f.done = true
	return nil
}

// abort removes FILE.tmp unless the file was committed.
func (f *exportFile) abort() {
	if f.done || f.tmp == nil {
		return
	}
	_ = f.tmp.Close()
	_ = os.Remove(f.tmp.Name())
}

// isTerminal reports whether w is a terminal.
func (a *app) isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// progressBar shows an export's progress on stderr when it is a terminal:
// "导出 12345/200000 行 [#####...............] 6%", redrawn in place at
// most every progressEvery. Off a terminal it shows nothing.
type progressBar struct {
	w     io.Writer // nil: off
	total int64
	last  time.Time
	shown bool
}

func (a *app) newProgressBar(total int64) *progressBar {
	b := &progressBar{total: total}
	if a.isTerminal(a.stderr) {
		b.w = a.stderr
	}
	return b
}

// update redraws the bar for rows, unless it was redrawn just now.
func (b *progressBar) update(rows int64) {
	if b.w == nil {
		return
	}
	t := time.Now()
	if b.shown && t.Sub(b.last) < progressEvery {
		return
	}
	b.last, b.shown = t, true
	fmt.Fprint(b.w, "\r"+progressLine(rows, b.total))
}

// finish draws the bar at rows and ends its line.
func (b *progressBar) finish(rows int64) {
	if b.w == nil {
		return
	}
	fmt.Fprint(b.w, "\r"+progressLine(rows, b.total)+"\n")
	b.shown = false
}

// stop ends the bar's line, where it stands, so an error starts on a
// line of its own.
func (b *progressBar) stop() {
	if b.w != nil && b.shown {
		fmt.Fprintln(b.w)
		b.shown = false
	}
}

// progressLine is the text of the bar: with the total when it is known,
// else only the rows.
func progressLine(rows, total int64) string {
	if total <= 0 {
		return fmt.Sprintf("导出 %d 行", rows)
	}
	done := min(rows, total)
	filled := int(done * progressBarWidth / total)
	return fmt.Sprintf("导出 %d/%d 行 [%s%s] %d%%", rows, total,
		strings.Repeat("#", filled), strings.Repeat(".", progressBarWidth-filled), done*100/total)
}
