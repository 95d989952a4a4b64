package main

import (
	"sort"
	"strings"

	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

// The API's enums as they are typed on the command line; their words are
// in internal/words.

// categoryLabels are the categories in Chinese.
// categoryFlags are the categories as --category names them.
var categoryFlags = map[string]pb.Category{
	"safety":       pb.Category_CATEGORY_SAFETY_HAZARD,
	"polluting":    pb.Category_CATEGORY_POLLUTING_ENTERPRISE,
	"construction": pb.Category_CATEGORY_ILLEGAL_CONSTRUCTION,
	"water":        pb.Category_CATEGORY_WATER_SOURCE_RISK,
	"house":        pb.Category_CATEGORY_DANGEROUS_HOUSE,
	"other":        pb.Category_CATEGORY_OTHER,
}

// statusLabels are the statuses in Chinese.
// statusFlags are the statuses as --status names them.
var statusFlags = map[string]pb.ReportStatus{
	"reported":             pb.ReportStatus_REPORT_STATUS_REPORTED,
	"assigned":             pb.ReportStatus_REPORT_STATUS_ASSIGNED,
	"rectifying":           pb.ReportStatus_REPORT_STATUS_RECTIFYING,
	"pending-verification": pb.ReportStatus_REPORT_STATUS_PENDING_VERIFICATION,
	"closed":               pb.ReportStatus_REPORT_STATUS_CLOSED,
	"rejected":             pb.ReportStatus_REPORT_STATUS_REJECTED,
}

// dispositionLabels are the outcomes in Chinese.
// dispositionFlags are the outcomes as --disposition names them.
var dispositionFlags = map[string]pb.Disposition{
	"rectified":           pb.Disposition_DISPOSITION_RECTIFIED,
	"shut-down":           pb.Disposition_DISPOSITION_SHUT_DOWN,
	"relocated":           pb.Disposition_DISPOSITION_RELOCATED,
	"upgraded":            pb.Disposition_DISPOSITION_UPGRADED,
	"demolished":          pb.Disposition_DISPOSITION_DEMOLISHED,
	"legalised":           pb.Disposition_DISPOSITION_LEGALISED,
	"resolved":            pb.Disposition_DISPOSITION_RESOLVED,
	"renovated":           pb.Disposition_DISPOSITION_RENOVATED,
	"residents-relocated": pb.Disposition_DISPOSITION_RESIDENTS_RELOCATED,
}

// eventLabels are the event types in Chinese.
// noticeLabels are the kinds of document in Chinese.
// noticeFlags are the kinds as --kind names them.
var noticeFlags = map[string]pb.NoticeKind{
	"hazard":      pb.NoticeKind_NOTICE_KIND_HAZARD_NOTICE,
	"order":       pb.NoticeKind_NOTICE_KIND_RECTIFICATION_ORDER,
	"enforcement": pb.NoticeKind_NOTICE_KIND_ENFORCEMENT_DOCUMENT,
}

// enumLabel returns labels[v], or the API's name of v when the table
// lacks it, or "-" for the zero value.
// flagChoices lists the names a flag accepts, sorted, for its help and
// errors: "a|b|c".
func flagChoices[V any](m map[string]V) string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, "|")
}

// parseChoice looks s up in m, ignoring case and surrounding blanks.
func parseChoice[V any](flagName string, m map[string]V, s string) (V, error) {
	v, ok := m[strings.ToLower(strings.TrimSpace(s))]
	if !ok {
		var zero V
		return zero, usagef("--%s 必须是 %s 之一，而不是 %q", flagName, flagChoices(m), s)
	}
	return v, nil
}
