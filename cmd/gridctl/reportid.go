package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"

	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

// shortIDLen is how many hex digits of a report id gridctl shows. They are
// the last ones: report ids are UUIDv7, whose leading digits are the time
// they were made, so reports made the same day share them, while the last
// digits are random.
const shortIDLen = 8

// reportIDHelp explains, in a command's help, how reports are named.
const reportIDHelp = `报告可用完整编号或其任意唯一的末尾几位指明，例如 gridctl open 显示的 8 位
（取末尾：编号的开头是生成时间，同一天的报告相同）。末尾几位在你可见的
报告中查找。`

// shortID returns the last shortIDLen hex digits of a report id.
func shortID(id string) string {
	hex := strings.ReplaceAll(id, "-", "")
	if len(hex) <= shortIDLen {
		return hex
	}
	return hex[len(hex)-shortIDLen:]
}

// resolveReport returns the full id of the report named by s: a full UUID
// as it is, or the one report, among those the caller can see, whose id
// ends with s.
func (a *app) resolveReport(ctx context.Context, s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return "", usagef("报告编号为空")
	}
	if u, err := uuid.Parse(s); err == nil {
		return u.String(), nil
	}
	if strings.Trim(s, "0123456789abcdef-") != "" {
		return "", usagef("%q 不是报告编号：请给出编号或其末尾几位（十六进制数字）", s)
	}
	reports, err := a.reportClient()
	if err != nil {
		return "", err
	}
	var matches []string
	err = paginate(func(token string) (string, error) {
		resp, err := reports.ListReports(ctx, &pb.ListReportsRequest{PageSize: listPageSize, PageToken: token})
		if err != nil {
			return "", fmt.Errorf("look up report %s: %w", s, err)
		}
		for _, r := range resp.GetReports() {
			if strings.HasSuffix(r.GetId(), s) || strings.HasSuffix(strings.ReplaceAll(r.GetId(), "-", ""), s) {
				matches = append(matches, r.GetId())
			}
		}
		return resp.GetNextPageToken(), nil
	})
	if err != nil {
		return "", err
	}
	switch len(matches) {
	case 0:
		return "", &noSuchReportError{suffix: s}
	case 1:
		return matches[0], nil
	}
	const shown = 5
	list := matches
	if len(list) > shown {
		list = list[:shown]
	}
	msg := fmt.Sprintf("有 %d 份报告的编号以 %q 结尾：请多给几位（%s", len(matches), s, strings.Join(list, "、"))
	if len(matches) > shown {
		msg += "、…"
	}
	return "", errors.New(msg + "）")
}

// noSuchReportError says no report the caller can see ends with suffix.
type noSuchReportError struct{ suffix string }

func (e *noSuchReportError) Error() string {
	return fmt.Sprintf("你可见的报告中没有编号以 %q 结尾的（gridctl open 列出在办案件）", e.suffix)
}
