package main

import (
	"sort"
	"strings"

	"github.com/gridinspect/gridinspect/internal/words"
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

// returnWantFlags are what a return for more asks, as --want names them.
var returnWantFlags = map[string]pb.ReturnWant{
	"photo":       pb.ReturnWant_RETURN_WANT_PHOTO,
	"address":     pb.ReturnWant_RETURN_WANT_ADDRESS,
	"description": pb.ReturnWant_RETURN_WANT_DESCRIPTION,
	"other":       pb.ReturnWant_RETURN_WANT_OTHER,
}

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

// helpChoices lists, for a flag's help, the words a flag accepts in the
// API's order: the Chinese word a person reads, with the flag's word beside
// ("安全隐患（safety）、…"); either may be typed.
func helpChoices[V interface{ ~int32 }](m map[string]V) string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool { return m[names[i]] < m[names[j]] })
	for i, n := range names {
		if w := wordOf(m[n]); w != "" {
			names[i] = w + "（" + n + "）"
		}
	}
	return strings.Join(names, "、")
}

// parseChoice looks s up in m, ignoring case and surrounding blanks, or
// takes the Chinese word gridctl prints for it (--category 安全隐患).
func parseChoice[V any](flagName string, m map[string]V, s string) (V, error) {
	s = strings.TrimSpace(s)
	if v, ok := m[strings.ToLower(s)]; ok {
		return v, nil
	}
	for _, v := range m {
		if w := wordOf(v); w != "" && w == s {
			return v, nil
		}
	}
	var zero V
	return zero, usagef("--%s 必须是 %s 之一，而不是 %q", flagName, flagChoices(m), s)
}

// wordOf is the Chinese word of a flag's value, "" for one without.
func wordOf(v any) string {
	switch v := v.(type) {
	case pb.Category:
		return words.Category[v]
	case pb.ReportStatus:
		return words.Status[v]
	case pb.Disposition:
		return words.Disposition[v]
	case pb.NoticeKind:
		return words.Notice[v]
	case pb.PatrolPeriod:
		return words.PatrolPeriod[v]
	case pb.PatrolKind:
		return words.PatrolKind[v]
	case pb.ReturnWant:
		return words.ReturnWant[v]
	}
	return ""
}
