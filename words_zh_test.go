package gridinspect

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestEveryStatusCategoryOutcomeAndStepHasAChineseWord(t *testing.T) {
	for s := StatusReported; s <= StatusRejected; s++ {
		if w := s.Chinese(); w == "" || w == s.String() {
			t.Errorf("status %v has no Chinese word", s)
		}
	}
	for c := CategorySafetyHazard; c <= CategoryOther; c++ {
		if w := c.Chinese(); w == "" || w == c.String() {
			t.Errorf("category %v has no Chinese word", c)
		}
	}
	for d := DispositionRectified; d <= DispositionResidentsRelocated; d++ {
		if w := d.Chinese(); w == "" || w == d.String() {
			t.Errorf("disposition %v has no Chinese word", d)
		}
	}
	for s := StepAssign; s <= StepSupervise; s++ {
		if s.Chinese() == "" {
			t.Errorf("step %v has no Chinese verb", s)
		}
	}
	for x := ActionAssign; x <= LastAction; x++ {
		if x.Chinese() == "" {
			t.Errorf("action %d has no Chinese verb", x)
		}
	}
}

func TestTimesInMessagesAreChinaTime(t *testing.T) {
	deadline := time.Date(2026, 12, 20, 15, 59, 59, 0, time.UTC)
	if got, want := ChinaTime(deadline), "2026-12-20 23:59:59 +08:00"; got != want {
		t.Errorf("ChinaTime = %q, want %q", got, want)
	}
	if got, want := ChinaTimeZh(deadline), "2026年12月20日 23:59"; got != want {
		t.Errorf("ChinaTimeZh = %q, want %q", got, want)
	}
	if ChinaZone.String() != "Asia/Shanghai" {
		t.Errorf("ChinaZone = %v, want Asia/Shanghai (from the embedded zone data)", ChinaZone)
	}
}

func TestARefusedStepSaysTheStatusInChinese(t *testing.T) {
	_, err := Next(StatusReported, StepRecordProgress)
	e, ok := err.(*Error)
	if !ok || e.Code != EPRECONDITION {
		t.Fatalf("err = %v, want EPRECONDITION", err)
	}
	if want := "案件当前为「已上报」，不能记录整改进展"; e.Chinese != want {
		t.Errorf("Chinese = %q, want %q", e.Chinese, want)
	}
	if !strings.Contains(e.Message, "REPORTED") {
		t.Errorf("Message = %q, want the status as the API names it", e.Message)
	}
}

// TestChinaZoneIsTheOnlyZone: a time a person or the office's calendar
// reads is in ChinaZone, declared once; no code outside words_zh.go makes
// its own fixed +8 zone (tests may, to build inputs).
func TestChinaZoneIsTheOnlyZone(t *testing.T) {
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") && path != "." || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") || path == "words_zh.go" {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if strings.Contains(string(src), "time.FixedZone(") {
			t.Errorf("%s makes its own time zone: use gridinspect.ChinaZone", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
