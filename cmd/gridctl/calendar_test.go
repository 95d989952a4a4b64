package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// guoqing2024 is 国庆 2024 as an admin's file has it: the 调休 Sunday
// before, the week off, and the 调休 Saturday after.
const guoqing2024 = `日期,类型,名称,依据
2024-09-29,workday,国庆节调休上班,国办发明电〔2023〕7号 (2023-10-25)
2024-10-01,holiday,国庆节,国办发明电〔2023〕7号 (2023-10-25)
2024-10-02,holiday,国庆节,国办发明电〔2023〕7号 (2023-10-25)
2024-10-03,holiday,国庆节,国办发明电〔2023〕7号 (2023-10-25)
2024-10-04,holiday,国庆节,国办发明电〔2023〕7号 (2023-10-25)
2024-10-05,holiday,国庆节,国办发明电〔2023〕7号 (2023-10-25)
2024-10-06,holiday,国庆节,国办发明电〔2023〕7号 (2023-10-25)
2024-10-07,holiday,国庆节,国办发明电〔2023〕7号 (2023-10-25)
2024-10-12,workday,国庆节调休上班,国办发明电〔2023〕7号 (2023-10-25)
`

// TestTheCalendarAndDeadlinesInWorkingDays: the admin enters 国庆 2024
// from a file (a supervisor may not); anyone lists it; a year not
// entered says it counts Monday to Friday; a case assigned on the Friday
// before 国庆 with --working-days 5 is due at the end of 10 October, and
// show says it was counted in working days; extended by 3 working days it
// is due on the 14th, over the 调休 Saturday.
func TestTheCalendarAndDeadlinesInWorkingDays(t *testing.T) {
	s := startStreet(t, time.Date(2024, 9, 27, 15, 0, 0, 0, chinaTime))
	file := filepath.Join(t.TempDir(), "2024.csv")
	if err := os.WriteFile(file, []byte(guoqing2024), 0o600); err != nil {
		t.Fatal(err)
	}
	if r := gridctl(t, "", "calendar", "set", "--year", "2024", "--file", file); r.code != exitError || !strings.Contains(r.stderr, "管理员") {
		t.Errorf("a supervisor setting the calendar: exit %d, %q; want refused, naming admins", r.code, r.stderr)
	}
	admin := s.login(t, "admin", s.adminPassword)
	out := mustGridctl(t, "", "--token", admin, "calendar", "set", "--year", "2024", "--file", file)
	wantLine(t, "calendar set", out, "已录入 2024 年节假日安排 9 项，全年工作日 259 天")

	out = mustGridctl(t, "", "calendar", "list", "--year", "2024")
	for _, want := range []string{"2024 年：节假日安排 9 项，全年工作日 259 天", "2024-09-29", "周日", "调休上班", "国庆节调休上班", "国办发明电〔2023〕7号"} {
		if !strings.Contains(out, want) {
			t.Errorf("calendar list lacks %q:\n%s", want, out)
		}
	}
	wantLine(t, "calendar list --year 2027", mustGridctl(t, "", "calendar", "list", "--year", "2027"),
		"2027 年尚未录入节假日安排，按周一至周五计（全年工作日 261 天）")

	bad := filepath.Join(t.TempDir(), "bad.csv")
	if err := os.WriteFile(bad, []byte("日期,类型,名称\n2024-10-01,off,国庆节\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if r := gridctl(t, "", "--token", admin, "calendar", "set", "--year", "2024", "--file", bad); r.code != exitUsage || !strings.Contains(r.stderr, "第 2 行") {
		t.Errorf("a bad kind: exit %d, %q; want a usage error naming line 2", r.code, r.stderr)
	}

	rep := s.mustSubmit(t, s.worker01, s.hazard("配电箱门损坏，电线裸露"))
	id := shortID(rep.GetId())
	if r := gridctl(t, "", "case", "assign", id, "--to", "worker01", "--deadline", "2024-10-10", "--working-days", "5"); r.code != exitUsage {
		t.Errorf("both --deadline and --working-days: exit %d, want %d", r.code, exitUsage)
	}
	out = mustGridctl(t, "", "case", "assign", id, "--to", "worker01", "--working-days", "5")
	if !strings.Contains(out, "期限 2024-10-10（5 个工作日）") {
		t.Errorf("case assign said %q; want the deadline 2024-10-10 in 5 working days", out)
	}
	out = mustGridctl(t, "", "case", "extend", id, "--working-days", "3", "--reason", "节后才有施工队")
	if !strings.Contains(out, "期限 2024-10-10 → 2024-10-14（3 个工作日）") {
		t.Errorf("case extend said %q; want 2024-10-10 → 2024-10-14 in 3 working days", out)
	}
	// 250 working days run into 2025, not entered here: gridctl says so.
	r := gridctl(t, "", "case", "extend", id, "--working-days", "250", "--reason", "整体搬迁")
	if r.code != exitOK || !strings.Contains(r.stderr, "提示：2025 年尚未录入节假日安排，按周一至周五计") {
		t.Errorf("an extension into 2025: exit %d, stderr %q; want a note that 2025 counts Monday to Friday", r.code, r.stderr)
	}
	out = mustGridctl(t, "", "show", id)
	if !strings.Contains(out, "（250 个工作日）（已延期，原期限 2024-10-10）") || !strings.Contains(out, "期限 2024-10-10 → 2024-10-14（3 个工作日）") {
		t.Errorf("show lacks the deadline in working days:\n%s", out)
	}
}
