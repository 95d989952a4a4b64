package words

import "testing"

func TestFieldNamesAnErrorsFieldInChinese(t *testing.T) {
	for path, want := range map[string]string{
		"report.description":               "描述",
		"report.location.latitude":         "纬度",
		"patrol.track[3].longitude":        "经度",
		"new_deadline":                     "新期限",
		"report.safety_hazard.hazard_kind": "隐患类型",
		"something_new":                    "something_new",
		"":                                 "",
	} {
		if got := Field(path); got != want {
			t.Errorf("Field(%q) = %q, want %q", path, got, want)
		}
	}
}
