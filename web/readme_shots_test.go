package web_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/google/uuid"

	"github.com/gridinspect/gridinspect/internal/browsertest"
)

// envDocs names the folder the README's screenshots of the desk are
// written to (the repository's docs/): GRIDINSPECT_DOCS=$PWD/docs go test
// -run TheREADMEsScreenshots ./web/. Without it they go to the test's
// screenshot folder only.
const envDocs = "GRIDINSPECT_DOCS"

// The README shows the desk on the demo street at an office PC's size:
// the map, the README's case part-way through its life, the summary. Each
// is the screen as a person sees it (the viewport, not the whole page).
func TestDeskInBrowser_TheREADMEsScreenshots(t *testing.T) {
	st := newStreet(t)
	sup := st.api(t, "supervisor")
	caseID, _ := readmeCase(t, sup)
	var out struct{}
	for _, a := range []struct {
		path string
		body map[string]any
	}{
		{":assign", map[string]any{"responsibleUnit": "芜湖红星木业加工厂", "note": "清理粉尘,电线穿管"}},
		{":issueNotice", map[string]any{"kind": "NOTICE_KIND_RECTIFICATION_ORDER"}},
		{":recordInterview", map[string]any{"interviewee": "厂长 王某", "place": "街道安监办", "outcome": "承诺一周内整改"}},
	} {
		a.body["actionId"] = uuid.Must(uuid.NewV7()).String()
		sup.call("POST", "/v1/reports/"+caseID+a.path, a.body, &out)
	}
	makeOverdue(t, st, 3) // red rings on the map

	tab := st.chrome(t, browsertest.Desktop, "supervisor")
	shot := func(name string) {
		t.Helper()
		looksRight(t, tab, name)
		png, err := chromedp.Run(tab, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		if len(png) > 400<<10 {
			t.Errorf("%s is %d KiB, want it under 400 KiB for the README", name, len(png)>>10)
		}
		if dir := os.Getenv(envDocs); dir != "" {
			if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("wrote %s", filepath.Join(dir, name+".png"))
		}
	}
	if _, err := tab.Load(st.url+"/map", markersDrawn, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	shot("desk-map")
	open(t, tab, st.url+"/cases/"+caseID, "#case-map.ready")
	shot("desk-case")
	open(t, tab, st.url+"/summary?from=2024-01-01&to=2024-06-30", "#chart-month canvas")
	shot("desk-summary")
}
