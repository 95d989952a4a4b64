package main

import (
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

func TestOverdueRowsAreRedAndThoseDueSoonYellow(t *testing.T) {
	at := time.Date(2024, 6, 8, 9, 0, 0, 0, chinaTime)
	due := func(d time.Duration) *timestamppb.Timestamp { return timestamppb.New(at.Add(d)) }
	const (
		assigned   = pb.ReportStatus_REPORT_STATUS_ASSIGNED
		rectifying = pb.ReportStatus_REPORT_STATUS_RECTIFYING
		pending    = pb.ReportStatus_REPORT_STATUS_PENDING_VERIFICATION
		reported   = pb.ReportStatus_REPORT_STATUS_REPORTED
	)
	tests := []struct {
		name string
		r    *pb.Report
		want string
	}{
		{"overdue", &pb.Report{Status: assigned, Deadline: due(-time.Hour), Overdue: true}, styleRed},
		{"due in a day", &pb.Report{Status: rectifying, Deadline: due(24 * time.Hour)}, styleYellow},
		{"due in three days", &pb.Report{Status: assigned, Deadline: due(3 * 24 * time.Hour)}, styleYellow},
		{"due in four days", &pb.Report{Status: assigned, Deadline: due(4 * 24 * time.Hour)}, ""},
		{"fixed, waiting for verification", &pb.Report{Status: pending, Deadline: due(time.Hour)}, ""},
		{"not dispatched", &pb.Report{Status: reported}, ""},
	}
	for _, tt := range tests {
		if got := rowStyle(tt.r, at); got != tt.want {
			t.Errorf("%s: style %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestShortIDIsTheRandomEnd(t *testing.T) {
	// Two UUIDv7 made the same millisecond share their first 8 digits.
	for id, want := range map[string]string{
		"018fdc5c-2a00-7000-8000-00000a001234": "0a001234",
		"018fdc5c-2a00-7abc-9def-0123456789ab": "456789ab",
		"abc":                                  "abc",
	} {
		if got := shortID(id); got != want {
			t.Errorf("shortID(%q) = %q, want %q", id, got, want)
		}
	}
}
