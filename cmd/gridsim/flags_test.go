package main

import (
	"bytes"
	"testing"
)

func TestFlagsAreChecked(t *testing.T) {
	for _, args := range [][]string{
		{"--devices", "11"}, {"--devices", "0"}, {"--batch", "0"}, {"--fault-rate", "1.5"}, {"--photos-per-report", "31"}, {"--rate-limit", "-1"}, {"extra"},
		{"--link", "5g"}, {"--link-reset-every", "2MB"}, {"--link", "3g", "--link-reset-every", "lots"}, {"--link", "3g", "--link-stalls", "2"}, {"--day", "holiday"},
	} {
		if _, err := parseFlags(args, &bytes.Buffer{}); err == nil {
			t.Errorf("parseFlags(%q) accepted", args)
		}
	}
	cfg, err := parseFlags(nil, &bytes.Buffer{})
	if err != nil || cfg.devices != 10 || cfg.batch != 50 || cfg.faultRate != 0.2 || cfg.server != "127.0.0.1:50051" || cfg.rateLimit != 45 {
		t.Errorf("defaults = %+v, %v", cfg, err)
	}
	cfg, err = parseFlags([]string{"--link", "3g", "--link-reset-every", "2MB"}, &bytes.Buffer{})
	if lc, ok := cfg.linkConfig(); err != nil || !ok || lc.Name != "3g" || lc.UpKbps != 768 || lc.ResetEvery != 2_000_000 {
		t.Errorf("--link 3g --link-reset-every 2MB = %+v, %v", lc, err)
	}
	cfg, err = parseFlags([]string{"--day", "field", "--reports-per-device", "7"}, &bytes.Buffer{})
	if err != nil || cfg.reports != 7 || cfg.day.Reports != 7 || cfg.day.PhotosPerReport != 2 || cfg.day.PhotoMinBytes != 150_000 {
		t.Errorf("--day field --reports-per-device 7 = %+v, %v", cfg, err)
	}
}
