package main

import (
	"strings"
	"testing"
)

// TestReturnForMoreWithGridctl: the supervisor returns a new report for
// more (退回补充), finds it with open --returned, the worker supplements it
// with --token, and it is back among the cases to dispatch.
func TestReturnForMoreWithGridctl(t *testing.T) {
	s := startStreet(t, june3)
	rep := s.mustSubmit(t, s.worker01, s.hazard("楼道堆放杂物"))
	id := shortID(rep.GetId())

	out := mustGridctl(t, "", "case", "return", id, "--want", "photo,地址", "--note", "请补充现场照片和门牌号")
	wantLine(t, "return", out, id+"：已上报，版本 2; 请补充 照片、地址")
	out = mustGridctl(t, "", "open", "--returned")
	if !strings.Contains(out, "已上报·退回补充") || !strings.Contains(out, id) {
		t.Errorf("open --returned:\n%s", out)
	}
	if out := mustGridctl(t, "", "show", id); !strings.Contains(out, "请补充照片、地址：请补充现场照片和门牌号") {
		t.Errorf("show of a returned case:\n%s", out)
	}
	r := gridctl(t, "", "case", "return", id, "--want", "photo")
	if r.code == 0 || !strings.Contains(r.stderr, "案件已退回补充，正在等待上报人补充材料") {
		t.Errorf("returning it again: exit %d, %q", r.code, r.stderr)
	}

	out = asWorker(t, s.worker01, "case", "supplement", id, "--address", "长山村3组12号", "--description", "一至三楼楼道均有堆放")
	if !strings.HasPrefix(out, id+"：已上报，版本 3; 地址 ") || !strings.Contains(out, "→ 长山村3组12号; 补充说明 一至三楼楼道均有堆放") {
		t.Errorf("supplement said %q", out)
	}
	wantLine(t, "open --returned after the supplement", mustGridctl(t, "", "open", "--returned"), "没有在办案件")
	if out := mustGridctl(t, "", "open"); strings.Contains(out, "退回补充") || !strings.Contains(out, id) {
		t.Errorf("open after the supplement:\n%s", out)
	}
	r = gridctl(t, "", "--token", s.worker01, "case", "supplement", id, "--address", "又一个地址")
	if r.code == 0 || !strings.Contains(r.stderr, "案件未被退回补充，不能补充材料") {
		t.Errorf("supplementing it again: exit %d, %q", r.code, r.stderr)
	}
}
