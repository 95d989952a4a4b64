package main

import (
	"testing"

	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

// TestFlagsTakeTheWordsGridctlPrints: --category 安全隐患 as well as
// safety, --status 已上报 as well as reported.
func TestFlagsTakeTheWordsGridctlPrints(t *testing.T) {
	for _, in := range []string{"safety", " SAFETY ", "安全隐患", " 安全隐患 "} {
		if got, err := parseChoice("category", categoryFlags, in); err != nil || got != pb.Category_CATEGORY_SAFETY_HAZARD {
			t.Errorf("--category %q = %v, %v", in, got, err)
		}
	}
	for _, in := range []string{"pending-verification", "待核查"} {
		if got, err := parseChoice("status", statusFlags, in); err != nil || got != pb.ReportStatus_REPORT_STATUS_PENDING_VERIFICATION {
			t.Errorf("--status %q = %v, %v", in, got, err)
		}
	}
	if got, err := parseChoice("kind", noticeFlags, "整改通知书"); err != nil || got != pb.NoticeKind_NOTICE_KIND_RECTIFICATION_ORDER {
		t.Errorf("--kind 整改通知书 = %v, %v", got, err)
	}
	if got, err := parseChoice("disposition", dispositionFlags, "关停取缔"); err != nil || got != pb.Disposition_DISPOSITION_SHUT_DOWN {
		t.Errorf("--disposition 关停取缔 = %v, %v", got, err)
	}
}
