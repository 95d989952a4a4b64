package gridinspect

import (
	"errors"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

func TestAnErrorListsTwentyViolationsAndCountsTheRest(t *testing.T) {
	tests := []struct {
		added    int
		listed   int
		lastSays string
	}{
		{1, 1, "bad"},
		{MaxFieldViolations, MaxFieldViolations, "bad"},
		{MaxFieldViolations + 1, MaxFieldViolations + 1, "and 1 more"},
		{4_000_000, MaxFieldViolations + 1, "and 3999980 more"},
	}
	for _, tt := range tests {
		t.Run(strconv.Itoa(tt.added), func(t *testing.T) {
			var v Violations
			for i := range tt.added {
				v.AddZh("statuses["+strconv.Itoa(i)+"]", "有误", "bad")
			}
			var e *Error
			if !errors.As(v.Err("invalid filter"), &e) {
				t.Fatal("no *Error")
			}
			if len(e.Fields) != tt.listed {
				t.Fatalf("%d violations listed, want %d", len(e.Fields), tt.listed)
			}
			if last := e.Fields[len(e.Fields)-1]; last.Description != tt.lastSays {
				t.Errorf("last violation %+v, want it to say %q", last, tt.lastSays)
			}
			// The edges cap what they are given; an error made here is
			// capped already and passes through as it is.
			if again := CapViolations(e.Fields); len(again) != len(e.Fields) || again[len(again)-1].Description != tt.lastSays {
				t.Errorf("capped again: %+v", again[len(again)-1])
			}
		})
	}
}

func TestViolationsPastTheCapCostNothing(t *testing.T) {
	var v Violations
	for range MaxFieldViolations + 1 {
		v.AddZh("kinds[0]", "取值 99 无法识别", "has unknown value %d", 99)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range 1_000_000 {
		v.AddZh("kinds[0]", "取值 99 无法识别", "has unknown value %d", 99)
	}
	runtime.ReadMemStats(&after)
	if n := after.Mallocs - before.Mallocs; n > 1000 {
		t.Errorf("a million violations past the cap made %d allocations", n)
	}
}

func TestCapViolationsCountsWhatItDrops(t *testing.T) {
	fs := make([]FieldViolation, 100)
	got := CapViolations(fs)
	if len(got) != MaxFieldViolations+1 || got[MaxFieldViolations].Description != "and 80 more" {
		t.Errorf("capped to %d, last %+v; want %d, \"and 80 more\"", len(got), got[len(got)-1], MaxFieldViolations+1)
	}
	if err := (&Error{Message: "invalid", Fields: got}).Error(); !strings.HasSuffix(err, "; and 80 more") {
		t.Errorf("Error() = %q, want it to end with the count and no empty field name", err)
	}
}
