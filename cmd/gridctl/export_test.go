package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

func TestExportFormat(t *testing.T) {
	tests := []struct {
		format, out string
		want        pb.ExportFormat
		err         string
	}{
		{"", "", pb.ExportFormat_EXPORT_FORMAT_CSV, ""},
		{"", "-", pb.ExportFormat_EXPORT_FORMAT_CSV, ""},
		{"", "open.xlsx", pb.ExportFormat_EXPORT_FORMAT_XLSX, ""},
		{"", "OPEN.XLSX", pb.ExportFormat_EXPORT_FORMAT_XLSX, ""},
		{"", "open.csv", pb.ExportFormat_EXPORT_FORMAT_CSV, ""},
		{"", "open.txt", pb.ExportFormat_EXPORT_FORMAT_CSV, ""},
		{"xlsx", "-", pb.ExportFormat_EXPORT_FORMAT_XLSX, ""},
		{"XLSX", "open.xlsx", pb.ExportFormat_EXPORT_FORMAT_XLSX, ""},
		{"csv", "open.dat", pb.ExportFormat_EXPORT_FORMAT_CSV, ""},
		{"xlsx", "open.csv", 0, "--out open.csv 的扩展名是 .csv，但 --format 是 xlsx"},
		{"pdf", "", 0, `--format 必须是 csv|xlsx 之一，而不是 "pdf"`},
	}
	for _, tt := range tests {
		got, err := exportFormat(tt.format, tt.out)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("exportFormat(%q, %q) error = %v, want %q", tt.format, tt.out, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("exportFormat(%q, %q) = %v, %v; want %v", tt.format, tt.out, got, err, tt.want)
		}
	}
}

func TestProgressLine(t *testing.T) {
	tests := []struct {
		rows, total int64
		want        string
	}{
		{12345, 200000, "导出 12345/200000 行 [#...................] 6%"},
		{0, 10, "导出 0/10 行 [....................] 0%"},
		{5, 10, "导出 5/10 行 [##########..........] 50%"},
		{10, 10, "导出 10/10 行 [####################] 100%"},
		{12, 10, "导出 12/10 行 [####################] 100%"}, // more than announced
		{77, 0, "导出 77 行"},                                 // total unknown
	}
	for _, tt := range tests {
		if got := progressLine(tt.rows, tt.total); got != tt.want {
			t.Errorf("progressLine(%d, %d) = %q, want %q", tt.rows, tt.total, got, tt.want)
		}
	}
}

// TestExportFileIsWholeOrAbsent: the file appears only when committed;
// an aborted export leaves neither it nor its .tmp.
func TestExportFileIsWholeOrAbsent(t *testing.T) {
	dir := t.TempDir()
	a := &app{}
	path := filepath.Join(dir, "open.csv")

	f, err := a.openExport(path, "ignored.csv")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write([]byte("half")); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("%s exists before the export is whole: %v", path, err)
	}
	f.abort()
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("an aborted export left %v", entries)
	}

	f, err = a.openExport(path, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write([]byte("whole")); err != nil {
		t.Fatal(err)
	}
	if err := f.commit(); err != nil {
		t.Fatal(err)
	}
	f.abort() // after commit: nothing to undo
	if b, err := os.ReadFile(path); err != nil || string(b) != "whole" {
		t.Errorf("%s = %q, %v", path, b, err)
	}
	if _, err := os.Stat(path + ".tmp"); !os.IsNotExist(err) {
		t.Errorf("%s.tmp left behind: %v", path, err)
	}
}

// TestExportFileTakesTheSuggestedName, only its base: a server cannot
// make gridctl write outside the current folder.
func TestExportFileTakesTheSuggestedName(t *testing.T) {
	t.Chdir(t.TempDir())
	a := &app{}
	for suggested, want := range map[string]string{
		"网格巡查报告-20240630.xlsx": "网格巡查报告-20240630.xlsx",
		"../../etc/passwd":     "passwd",
		"/abs/报告.csv":          "报告.csv",
	} {
		f, err := a.openExport("", suggested)
		if err != nil {
			t.Fatalf("openExport(%q): %v", suggested, err)
		}
		if f.name != want {
			t.Errorf("suggested %q: name %q, want %q", suggested, f.name, want)
		}
		f.abort()
	}
	if _, err := a.openExport("", ""); err == nil {
		t.Error("no suggested name and no --out: no error")
	}
}

func TestProgressBarRedrawsInPlace(t *testing.T) {
	var b strings.Builder
	bar := &progressBar{w: &b, total: 10}
	bar.update(5)
	bar.update(6) // just now: not redrawn
	bar.finish(10)
	want := "\r导出 5/10 行 [##########..........] 50%" + "\r导出 10/10 行 [####################] 100%\n"
	if b.String() != want {
		t.Errorf("bar drew %q, want %q", b.String(), want)
	}
	// Off a terminal it draws nothing.
	off := (&app{stderr: &b}).newProgressBar(10)
	b.Reset()
	off.update(3)
	off.finish(10)
	off.stop()
	if b.Len() != 0 {
		t.Errorf("a bar off a terminal drew %q", b.String())
	}
}
