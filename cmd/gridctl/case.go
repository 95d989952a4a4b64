package main

import (
	"context"
	"flag"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/google/uuid"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/gridinspect/gridinspect"
	"github.com/gridinspect/gridinspect/internal/words"
	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

var caseCommand = &command{
	name:    "case",
	summary: "办理案件：派遣、转派、催办、文书、整改、核查、回头看、退回补充",
	subs: []*command{
		caseAssignCommand, caseRejectCommand, caseProgressCommand, caseNoticeCommand, caseInterviewCommand,
		caseRectifyCommand, caseVerifyCommand, caseFollowUpCommand, caseCommentCommand, caseExtendCommand,
		caseReassignCommand, caseUrgeCommand, caseReturnCommand, caseSupplementCommand,
	},
}

// caseHelp ends the help of every case action.
const caseHelp = `操作前 gridctl 先读取案件，并把读到的版本作为预期版本发送：别人刚改动过的
案件，你的操作会被拒绝（并记入时间线，标为冲突），而不会作用在你没看到的
状态上；--expect-version 版本号 要求案件仍是你在 gridctl show 中看到的版本，
--force 不做检查。每次操作有一个新的操作编号。操作后 gridctl 打印
案件的状态和版本，加 --json 则打印记录该操作的事件。

` + reportIDHelp

// actionFlags are the flags every case action has.
type actionFlags struct {
	note          *string
	force         *bool
	expectVersion *int64
}

func addActionFlags(fs *flag.FlagSet, noteUsage string) *actionFlags {
	return &actionFlags{
		note:          fs.String("note", "", noteUsage),
		force:         fs.Bool("force", false, "不检查案件是否仍是读取时的样子就操作（不发送预期版本）"),
		expectVersion: fs.Int64("expect-version", 0, "只在案件仍是版本 `版本号`（gridctl show 所示）时操作，而不是刚读到的版本"),
	}
}

// actionBase is what every action request carries.
type actionBase struct {
	actionID        string
	reportID        string
	expectedVersion int64
	note            string
}

// actionFunc sends one action and returns the case after it and its event.
type actionFunc func(ctx context.Context, rect pb.RectificationServiceClient, b actionBase) (*pb.Report, *pb.Event, error)

// act takes an action on the report named by ref: it resolves the id,
// reads the case's version (unless --force or --expect-version), makes
// the action id, sends the action and prints the result.
func (a *app) act(ctx context.Context, ref string, f *actionFlags, send actionFunc) error {
	if *f.force && *f.expectVersion != 0 {
		return usagef("--force 与 --expect-version 互相矛盾：只能给一个")
	}
	if *f.expectVersion < 0 {
		return usagef("--expect-version 必须是正数")
	}
	id, err := a.resolveReport(ctx, ref)
	if err != nil {
		return err
	}
	rect, err := a.rectificationClient()
	if err != nil {
		return err
	}
	b := actionBase{reportID: id, note: strings.TrimSpace(*f.note), expectedVersion: *f.expectVersion}
	if !*f.force && b.expectedVersion == 0 {
		reports, err := a.reportClient()
		if err != nil {
			return err
		}
		got, err := reports.GetReport(ctx, &pb.GetReportRequest{Id: id})
		if err != nil {
			return fmt.Errorf("read report %s: %w", id, err)
		}
		b.expectedVersion = got.GetReport().GetVersion()
	}
	actionID, err := uuid.NewV7()
	if err != nil {
		return fmt.Errorf("make an action id: %w", err)
	}
	b.actionID = actionID.String()
	r, e, err := send(ctx, rect, b)
	if err != nil {
		return a.withCaseState(ctx, id, err)
	}
	a.warnUnannounced(ctx, e)
	return a.writeActed(r, e)
}

// withCaseState adds where the case stands to an action refused as not
// allowed in its status, when the server's answer does not say (an
// ErrorInfo with current_status): gridctl reads the case to tell.
func (a *app) withCaseState(ctx context.Context, id string, err error) error {
	st, ok := grpcStatus(err)
	if !ok || st.Code() != codes.FailedPrecondition || caseState(st) != nil {
		return err
	}
	reports, cerr := a.reportClient()
	if cerr != nil {
		return err
	}
	got, gerr := reports.GetReport(ctx, &pb.GetReportRequest{Id: id})
	if gerr != nil {
		return err
	}
	r := got.GetReport()
	return &stateError{err: err, info: &caseInfo{
		shortID: shortID(id),
		status:  words.Label(words.Status, r.GetStatus()),
		version: strconv.FormatInt(r.GetVersion(), 10),
	}}
}

// stateError is a refused action with where the case stands, as gridctl
// read it after the refusal.
type stateError struct {
	err  error
	info *caseInfo
}

func (e *stateError) Error() string { return e.err.Error() }
func (e *stateError) Unwrap() error { return e.err }

// writeActed prints what an action did in one line: the case's status
// (before → after when it moved) and version, and what the event
// recorded; with --json, the event. Evidence flags of a verification are
// repeated on stderr, where they are not missed.
func (a *app) writeActed(r *pb.Report, e *pb.Event) error {
	for _, f := range e.GetVerification().GetEvidenceFlags() {
		fmt.Fprintf(a.stderr, "gridctl: 提示：证据存疑：%s\n", sanitizeLine(f))
	}
	if a.opts.json {
		return writeJSON(a.stdout, e)
	}
	status := words.Label(words.Status, r.GetStatus())
	if before := e.GetStatusBefore(); before != e.GetStatusAfter() {
		status = words.Label(words.Status, before) + " → " + status
	}
	line := fmt.Sprintf("%s：%s，版本 %d", shortID(r.GetId()), status, r.GetVersion())
	// What the event recorded, but not the note the user just typed.
	quiet := proto.Clone(e).(*pb.Event)
	quiet.Note, quiet.PhotoIds = "", nil
	if d := eventDetails(quiet); d != "" {
		line += "; " + d
	}
	_, err := fmt.Fprintln(a.stdout, sanitizeLine(line))
	return err
}

// oneReport checks that an action was given one report.
func oneReport(verb string, args []string) error {
	if len(args) != 1 {
		return usagef("case %s 需要一个报告编号", verb)
	}
	return nil
}

var caseAssignCommand = &command{
	name:    "assign",
	args:    "编号",
	summary: "把已上报的案件派给人员和/或责任单位，并定期限（主管）",
	help: `案件派给负责跟进的人员（--to）和/或负责整改的单位（--unit：企业本身或某个
部门），并定期限：日期按北京时间，指当天结束时；或用 --working-days 按工作日
定期限（派遣次日起算，节假日不计、调休上班日计入，见 gridctl calendar list）。
两者都不加时由服务器按类别和严重程度设默认期限（一般安全隐患和其他类为 5 个
工作日，其余按自然日）。--suggested 按分拨规则（gridctl rules list）派遣：
人员、单位和期限取规则所定，另给的 --to、--unit、--deadline 优先。

示例：
  gridctl case assign 3f2a9c1d --to 陈静 --unit 红星村村委会 --deadline 2024-07-01
  gridctl case assign 3f2a9c1d --to 陈静 --working-days 5
  gridctl case assign 3f2a9c1d --suggested

` + caseHelp,
	setup: func(fs *flag.FlagSet) runFunc {
		to := fs.String("to", "", "负责人员：用户名或姓名 `名称`（如 worker01 或 陈静），或用户编号")
		unit := fs.String("unit", "", "责任`单位`：企业本身或某个部门")
		deadline := fs.String("deadline", "", "整改期限，北京时间的`日期`（2024-07-01：当天结束时）")
		suggested := fs.Bool("suggested", false, "按分拨规则派遣：人员、单位和期限取规则所定")
		workingDays := fs.Int("working-days", 0, "整改期限为派遣后第 `天数` 个工作日结束时（不与 --deadline 同用）")
		f := addActionFlags(fs, "给负责人的备注 `说明`（例如 请限期整改）")
		return func(ctx context.Context, a *app, args []string) error {
			if err := oneReport("assign", args); err != nil {
				return err
			}
			if !*suggested && strings.TrimSpace(*to) == "" && strings.TrimSpace(*unit) == "" {
				return usagef("请指明由谁整改：--to 用户名 和/或 --unit 单位，或 --suggested 按分拨规则")
			}
			var rule *pb.Assignment
			ref := args[0]
			if *suggested {
				id, err := a.resolveReport(ctx, ref)
				if err != nil {
					return err
				}
				ref = id
				if rule, _, err = a.suggestedAssignment(ctx, id); err != nil {
					return err
				}
			}
			if *workingDays != 0 && *deadline != "" {
				return usagef("--deadline 和 --working-days 只能用一个")
			}
			var due *timestamppb.Timestamp
			if *deadline != "" {
				t, err := parseDeadline("deadline", *deadline)
				if err != nil {
					return err
				}
				due = timestamppb.New(t)
			}
			assignee, unitName := "", strings.TrimSpace(*unit)
			if rule != nil {
				assignee = rule.GetAssigneeId()
				if unitName == "" {
					unitName = rule.GetResponsibleUnit()
				}
				if due == nil {
					due = rule.GetDeadline()
				}
			}
			if strings.TrimSpace(*to) != "" {
				var err error
				if assignee, err = a.resolveAssignee(ctx, *to); err != nil {
					return err
				}
			}
			return a.act(ctx, ref, f, func(ctx context.Context, rect pb.RectificationServiceClient, b actionBase) (*pb.Report, *pb.Event, error) {
				resp, err := rect.AssignReport(ctx, &pb.AssignReportRequest{
					ActionId: b.actionID, ReportId: b.reportID, ExpectedVersion: b.expectedVersion, Note: b.note,
					AssigneeId: assignee, ResponsibleUnit: unitName, Deadline: due,
					DeadlineWorkingDays: int32(*workingDays),
				})
				if err != nil {
					return nil, nil, fmt.Errorf("assign report %s: %w", b.reportID, err)
				}
				return resp.GetReport(), resp.GetEvent(), nil
			})
		}
	},
}

// nobody is the nil UUID: it is no account (the server's own id), so an
// assignment to it is refused whoever asks.
var nobody = uuid.Nil.String()

// resolveAssignee is resolveUser for case assign --to. Only supervisors
// may list users, and only supervisors may assign: when the list is
// refused, the caller is told by the server's refusal of the assignment
// (只有主管可以派遣), not of the list, so gridctl asks for it naming
// nobody, who could never be assigned even if the server let the caller
// assign.
func (a *app) resolveAssignee(ctx context.Context, s string) (string, error) {
	dir, err := a.directoryClient()
	if err != nil {
		return "", err
	}
	id, err := resolveUser(ctx, dir, s)
	if st, ok := grpcStatus(err); ok && st.Code() == codes.PermissionDenied {
		return nobody, nil
	}
	return id, err
}

var caseRejectCommand = &command{
	name:    "reject",
	args:    "编号",
	summary: "驳回已上报的案件：无效，或与另一案件重复（主管）",
	help: `示例：
  gridctl case reject 3f2a9c1d --duplicate-of 77e0b5a2 --note 同一处违建已上报

` + caseHelp,
	setup: func(fs *flag.FlagSet) runFunc {
		invalid := fs.Bool("invalid", false, "不是真实问题，或不属本街道")
		duplicateOf := fs.String("duplicate-of", "", "与报告 `编号`（或其编号末尾几位）是同一问题")
		f := addActionFlags(fs, "理由，写在备注 `说明` 中")
		return func(ctx context.Context, a *app, args []string) error {
			if err := oneReport("reject", args); err != nil {
				return err
			}
			if *invalid == (*duplicateOf != "") {
				return usagef("请给出 --invalid 或 --duplicate-of 编号（二选一）")
			}
			req := &pb.RejectReportRequest{Reason: pb.RejectionReason_REJECTION_REASON_INVALID}
			if *duplicateOf != "" {
				orig, err := a.resolveReport(ctx, *duplicateOf)
				if err != nil {
					return err
				}
				req.Reason, req.DuplicateOfReportId = pb.RejectionReason_REJECTION_REASON_DUPLICATE, orig
			}
			return a.act(ctx, args[0], f, func(ctx context.Context, rect pb.RectificationServiceClient, b actionBase) (*pb.Report, *pb.Event, error) {
				req.ActionId, req.ReportId, req.ExpectedVersion, req.Note = b.actionID, b.reportID, b.expectedVersion, b.note
				resp, err := rect.RejectReport(ctx, req)
				if err != nil {
					return nil, nil, fmt.Errorf("reject report %s: %w", b.reportID, err)
				}
				return resp.GetReport(), resp.GetEvent(), nil
			})
		}
	},
}

var caseProgressCommand = &command{
	name:    "progress",
	args:    "编号",
	summary: "记录已派遣案件的整改进展（已派遣变为整改中）",
	help:    caseHelp,
	setup: func(fs *flag.FlagSet) runFunc {
		f := addActionFlags(fs, "做了什么，写在备注 `说明` 中（必填）")
		return func(ctx context.Context, a *app, args []string) error {
			if err := oneReport("progress", args); err != nil {
				return err
			}
			if strings.TrimSpace(*f.note) == "" {
				return usagef("--note 必填：写明做了什么")
			}
			return a.act(ctx, args[0], f, func(ctx context.Context, rect pb.RectificationServiceClient, b actionBase) (*pb.Report, *pb.Event, error) {
				resp, err := rect.RecordProgress(ctx, &pb.RecordProgressRequest{
					ActionId: b.actionID, ReportId: b.reportID, ExpectedVersion: b.expectedVersion, Note: b.note,
				})
				if err != nil {
					return nil, nil, fmt.Errorf("record progress on report %s: %w", b.reportID, err)
				}
				return resp.GetReport(), resp.GetEvent(), nil
			})
		}
	},
}

var caseNoticeCommand = &command{
	name:    "notice",
	args:    "编号",
	summary: "记录对在办案件下发的文书，并打印文号（主管）",
	help: `文书种类：hazard（隐患排查告知书）、order（整改通知书）、enforcement（执法文书，
由 --department 写明的部门下达）。服务器按街道、种类和年份编号，例如
〔2024〕12号，gridctl 打印该文号。

` + caseHelp,
	setup: func(fs *flag.FlagSet) runFunc {
		kind := fs.String("kind", "", "文书种类 `类型`："+helpChoices(noticeFlags)+"（必填）")
		department := fs.String("department", "", "下达文书的`部门`；执法文书必填")
		f := addActionFlags(fs, "记入时间线的备注 `说明`")
		return func(ctx context.Context, a *app, args []string) error {
			if err := oneReport("notice", args); err != nil {
				return err
			}
			if *kind == "" {
				return usagef("--kind 必填：%s", flagChoices(noticeFlags))
			}
			k, err := parseChoice("kind", noticeFlags, *kind)
			if err != nil {
				return err
			}
			if k == pb.NoticeKind_NOTICE_KIND_ENFORCEMENT_DOCUMENT && strings.TrimSpace(*department) == "" {
				return usagef("执法文书需要用 --department 写明发文部门")
			}
			return a.act(ctx, args[0], f, func(ctx context.Context, rect pb.RectificationServiceClient, b actionBase) (*pb.Report, *pb.Event, error) {
				resp, err := rect.IssueNotice(ctx, &pb.IssueNoticeRequest{
					ActionId: b.actionID, ReportId: b.reportID, ExpectedVersion: b.expectedVersion, Note: b.note,
					Kind: k, Department: strings.TrimSpace(*department),
				})
				if err != nil {
					return nil, nil, fmt.Errorf("issue a notice on report %s: %w", b.reportID, err)
				}
				return resp.GetReport(), resp.GetEvent(), nil
			})
		}
	},
}

var caseInterviewCommand = &command{
	name:    "interview",
	args:    "编号",
	summary: "记录在办案件的约谈（主管）",
	help: `示例：
  gridctl case interview 3f2a9c1d --who "法定代表人 张某" --where 街道安监办 --outcome 承诺十日内整改到位

` + caseHelp,
	setup: func(fs *flag.FlagSet) runFunc {
		who := fs.String("who", "", "约谈对象 `谁`，例如法定代表人（必填）")
		where := fs.String("where", "", "约谈`地点`")
		outcome := fs.String("outcome", "", "约谈`结果`")
		f := addActionFlags(fs, "记入时间线的备注 `说明`")
		return func(ctx context.Context, a *app, args []string) error {
			if err := oneReport("interview", args); err != nil {
				return err
			}
			if strings.TrimSpace(*who) == "" {
				return usagef("--who 必填：约谈了谁")
			}
			return a.act(ctx, args[0], f, func(ctx context.Context, rect pb.RectificationServiceClient, b actionBase) (*pb.Report, *pb.Event, error) {
				resp, err := rect.RecordInterview(ctx, &pb.RecordInterviewRequest{
					ActionId: b.actionID, ReportId: b.reportID, ExpectedVersion: b.expectedVersion, Note: b.note,
					Interviewee: strings.TrimSpace(*who), Place: strings.TrimSpace(*where), Outcome: strings.TrimSpace(*outcome),
				})
				if err != nil {
					return nil, nil, fmt.Errorf("record an interview on report %s: %w", b.reportID, err)
				}
				return resp.GetReport(), resp.GetEvent(), nil
			})
		}
	},
}

// dispositionHelp lists the dispositions that fit each category.
var dispositionHelp = dispositionsByCategory()

// dispositionsByCategory writes, from the domain's table, the outcomes
// each category accepts, in Chinese with the flag's word beside.
func dispositionsByCategory() string {
	flagOf := make(map[pb.Disposition]string, len(dispositionFlags))
	for n, d := range dispositionFlags {
		flagOf[d] = n
	}
	var b strings.Builder
	b.WriteString("各类别的结案方式（--disposition 写中文或括号中的词）：\n")
	for c := gridinspect.CategorySafetyHazard; c <= gridinspect.CategoryOther; c++ {
		var ds []string
		for _, d := range c.Dispositions() {
			ds = append(ds, fmt.Sprintf("%s（%s）", words.Disposition[pb.Disposition(d)], flagOf[pb.Disposition(d)]))
		}
		fmt.Fprintf(&b, "  %s：%s\n", c.Chinese(), strings.Join(ds, "、"))
	}
	b.WriteString("某类别只有一种时即为默认。")
	return b.String()
}

var caseRectifyCommand = &command{
	name:    "rectify",
	args:    "编号",
	summary: "提交已派遣案件的整改（→ 待核查）",
	help: dispositionHelp + `
--area 是拆除面积（平方米），与 --disposition 拆除（demolished）同用。

` + caseHelp,
	setup: func(fs *flag.FlagSet) runFunc {
		disposition := fs.String("disposition", "", "整改方式 `处置结果`，见上（默认：该类别唯一的一种）")
		area := fs.Float64("area", 0, "拆除`面积`，单位平方米（与 --disposition demolished 同用）")
		f := addActionFlags(fs, "做了什么，写在备注 `说明` 中")
		return func(ctx context.Context, a *app, args []string) error {
			if err := oneReport("rectify", args); err != nil {
				return err
			}
			var d pb.Disposition
			if *disposition != "" {
				var err error
				if d, err = parseChoice("disposition", dispositionFlags, *disposition); err != nil {
					return err
				}
			}
			if math.IsNaN(*area) || *area < 0 {
				return usagef("--area 必须是正数（平方米）")
			}
			if *area > 0 && d != pb.Disposition_DISPOSITION_DEMOLISHED {
				return usagef("--area 是拆除面积：须与 --disposition demolished 同用")
			}
			return a.act(ctx, args[0], f, func(ctx context.Context, rect pb.RectificationServiceClient, b actionBase) (*pb.Report, *pb.Event, error) {
				resp, err := rect.SubmitRectification(ctx, &pb.SubmitRectificationRequest{
					ActionId: b.actionID, ReportId: b.reportID, ExpectedVersion: b.expectedVersion, Note: b.note,
					Disposition: d, DemolishedAreaSquareMeters: *area,
				})
				if err != nil {
					return nil, nil, fmt.Errorf("submit the rectification of report %s: %w", b.reportID, err)
				}
				return resp.GetReport(), resp.GetEvent(), nil
			})
		}
	},
}

var caseVerifyCommand = &command{
	name:    "verify",
	args:    "编号",
	summary: "核查整改：--pass 结案（已结案），--fail --reason 退回（主管）",
	help: `--pass 按整改时申报的（或此处给出的）结案方式结案。--fail 需要 --reason，
把案件退回整改中。服务器可能标记（但不拒绝）离案件位置太远或在派遣前拍摄的
整改后照片；gridctl 会在标准错误输出上转述这些标记。

` + dispositionHelp + `

` + caseHelp,
	setup: func(fs *flag.FlagSet) runFunc {
		pass := fs.Bool("pass", false, "整改到位：结案")
		fail := fs.Bool("fail", false, "整改不到位：退回整改中（需要 --reason）")
		disposition := fs.String("disposition", "", "与 --pass 同用，结案方式 `处置结果`，见上")
		reason := fs.String("reason", "", "与 --fail 同用，整改不到位的理由 `原因`")
		f := addActionFlags(fs, "记入时间线的备注 `说明`")
		return func(ctx context.Context, a *app, args []string) error {
			if err := oneReport("verify", args); err != nil {
				return err
			}
			switch {
			case *pass == *fail:
				return usagef("请给出 --pass 或 --fail（二选一）")
			case *fail && strings.TrimSpace(*reason) == "":
				return usagef("--fail 需要 --reason")
			case *pass && *reason != "":
				return usagef("--reason 须与 --fail 同用")
			case *fail && *disposition != "":
				return usagef("--disposition 须与 --pass 同用")
			}
			var d pb.Disposition
			if *disposition != "" {
				var err error
				if d, err = parseChoice("disposition", dispositionFlags, *disposition); err != nil {
					return err
				}
			}
			return a.act(ctx, args[0], f, func(ctx context.Context, rect pb.RectificationServiceClient, b actionBase) (*pb.Report, *pb.Event, error) {
				resp, err := rect.VerifyRectification(ctx, &pb.VerifyRectificationRequest{
					ActionId: b.actionID, ReportId: b.reportID, ExpectedVersion: b.expectedVersion, Note: b.note,
					Passed: *pass, Disposition: d, Reason: strings.TrimSpace(*reason),
				})
				if err != nil {
					return nil, nil, fmt.Errorf("verify report %s: %w", b.reportID, err)
				}
				return resp.GetReport(), resp.GetEvent(), nil
			})
		}
	},
}

var caseFollowUpCommand = &command{
	name:    "follow-up",
	args:    "编号",
	summary: "记录已结案案件的回头看；--relapsed 重新打开",
	help: `不加 --relapsed 时案件保持已结案，回头看完成；加上则表示问题复发，案件回到
整改中，复发次数加一。gridctl open --follow-up-due 列出到期需回头看的案件。

` + caseHelp,
	setup: func(fs *flag.FlagSet) runFunc {
		relapsed := fs.Bool("relapsed", false, "问题复发：重新打开案件")
		f := addActionFlags(fs, "发现了什么，写在备注 `说明` 中")
		return func(ctx context.Context, a *app, args []string) error {
			if err := oneReport("follow-up", args); err != nil {
				return err
			}
			return a.act(ctx, args[0], f, func(ctx context.Context, rect pb.RectificationServiceClient, b actionBase) (*pb.Report, *pb.Event, error) {
				resp, err := rect.RecordFollowUp(ctx, &pb.RecordFollowUpRequest{
					ActionId: b.actionID, ReportId: b.reportID, ExpectedVersion: b.expectedVersion, Note: b.note,
					Relapsed: *relapsed,
				})
				if err != nil {
					return nil, nil, fmt.Errorf("record a follow-up of report %s: %w", b.reportID, err)
				}
				return resp.GetReport(), resp.GetEvent(), nil
			})
		}
	},
}

var caseCommentCommand = &command{
	name:    "comment",
	args:    "编号",
	summary: "给案件添加评论，不论其状态",
	help:    caseHelp,
	setup: func(fs *flag.FlagSet) runFunc {
		f := addActionFlags(fs, "评论内容 `说明`（必填）")
		return func(ctx context.Context, a *app, args []string) error {
			if err := oneReport("comment", args); err != nil {
				return err
			}
			if strings.TrimSpace(*f.note) == "" {
				return usagef("--note 必填：评论内容")
			}
			return a.act(ctx, args[0], f, func(ctx context.Context, rect pb.RectificationServiceClient, b actionBase) (*pb.Report, *pb.Event, error) {
				resp, err := rect.CommentOnReport(ctx, &pb.CommentOnReportRequest{
					ActionId: b.actionID, ReportId: b.reportID, ExpectedVersion: b.expectedVersion, Note: b.note,
				})
				if err != nil {
					return nil, nil, fmt.Errorf("comment on report %s: %w", b.reportID, err)
				}
				return resp.GetReport(), resp.GetEvent(), nil
			})
		}
	},
}

var caseExtendCommand = &command{
	name:    "extend",
	args:    "编号",
	summary: "延后在办案件的期限，并说明理由（主管）",
	help: `案件保留最初的期限（gridctl show 两者都显示）。新期限用 --to 给出日期，或用
--working-days 从当前期限起顺延若干个工作日。

示例：
  gridctl case extend 3f2a9c1d --to 2024-07-15 --reason 设备采购周期长
  gridctl case extend 3f2a9c1d --working-days 3 --reason 节后才有施工队

` + caseHelp,
	setup: func(fs *flag.FlagSet) runFunc {
		to := fs.String("to", "", "新的期限，北京时间的`日期`（当天结束时）")
		workingDays := fs.Int("working-days", 0, "从当前期限起顺延 `天数` 个工作日（不与 --to 同用）")
		reason := fs.String("reason", "", "延期理由 `原因`（必填）")
		f := addActionFlags(fs, "记入时间线的备注 `说明`")
		return func(ctx context.Context, a *app, args []string) error {
			if err := oneReport("extend", args); err != nil {
				return err
			}
			if *to == "" && *workingDays == 0 {
				return usagef("--to 日期 必填：新的期限（或用 --working-days 天数 按工作日顺延）")
			}
			if *to != "" && *workingDays != 0 {
				return usagef("--to 和 --working-days 只能用一个")
			}
			if strings.TrimSpace(*reason) == "" {
				return usagef("--reason 必填：延期的理由")
			}
			var newDeadline *timestamppb.Timestamp
			if *to != "" {
				deadline, err := parseDeadline("to", *to)
				if err != nil {
					return err
				}
				newDeadline = timestamppb.New(deadline)
			}
			return a.act(ctx, args[0], f, func(ctx context.Context, rect pb.RectificationServiceClient, b actionBase) (*pb.Report, *pb.Event, error) {
				resp, err := rect.ExtendDeadline(ctx, &pb.ExtendDeadlineRequest{
					ActionId: b.actionID, ReportId: b.reportID, ExpectedVersion: b.expectedVersion, Note: b.note,
					NewDeadline: newDeadline, Reason: strings.TrimSpace(*reason), DeadlineWorkingDays: int32(*workingDays),
				})
				if err != nil {
					return nil, nil, fmt.Errorf("extend the deadline of report %s: %w", b.reportID, err)
				}
				return resp.GetReport(), resp.GetEvent(), nil
			})
		}
	},
}

var caseReassignCommand = &command{
	name:    "reassign",
	args:    "编号",
	summary: "把已派遣或整改中的案件转派给另一人员和/或责任单位，并说明理由（主管）",
	help: `转派后由新的人员（--to）和/或单位（--unit）负责，期限和状态不变；原来和
新的负责人都记入时间线。只给 --to 时保留原责任单位，只给 --unit 时保留原负责
人员；--unit= 或 --to= 写空值表示去掉。

示例：
  gridctl case reassign 3f2a9c1d --to 陈静 --unit 街道城建办 --reason 属城建办职责

` + caseHelp,
	setup: func(fs *flag.FlagSet) runFunc {
		to := fs.String("to", "", "新的负责人员：用户名或姓名 `名称`，或用户编号")
		unit := fs.String("unit", "", "新的责任`单位`")
		reason := fs.String("reason", "", "转派理由 `原因`（必填）")
		f := addActionFlags(fs, "给新负责人的备注 `说明`")
		return func(ctx context.Context, a *app, args []string) error {
			if err := oneReport("reassign", args); err != nil {
				return err
			}
			given := map[string]bool{}
			fs.Visit(func(fl *flag.Flag) { given[fl.Name] = true })
			if !given["to"] && !given["unit"] {
				return usagef("请指明转派给谁：--to 用户名 和/或 --unit 单位")
			}
			if strings.TrimSpace(*reason) == "" {
				return usagef("--reason 必填：转派的理由")
			}
			assignee := ""
			if strings.TrimSpace(*to) != "" {
				var err error
				if assignee, err = a.resolveAssignee(ctx, *to); err != nil {
					return err
				}
			}
			return a.act(ctx, args[0], f, func(ctx context.Context, rect pb.RectificationServiceClient, b actionBase) (*pb.Report, *pb.Event, error) {
				req := &pb.ReassignReportRequest{
					ActionId: b.actionID, ReportId: b.reportID, ExpectedVersion: b.expectedVersion, Note: b.note,
					AssigneeId: assignee, ResponsibleUnit: strings.TrimSpace(*unit), Reason: strings.TrimSpace(*reason),
				}
				if !given["to"] || !given["unit"] {
					// The request names both; the one not given stays as it is.
					reports, err := a.reportClient()
					if err != nil {
						return nil, nil, err
					}
					got, err := reports.GetReport(ctx, &pb.GetReportRequest{Id: b.reportID})
					if err != nil {
						return nil, nil, fmt.Errorf("read report %s: %w", b.reportID, err)
					}
					if !given["to"] {
						req.AssigneeId = got.GetReport().GetAssigneeId()
					}
					if !given["unit"] {
						req.ResponsibleUnit = got.GetReport().GetResponsibleUnit()
					}
				}
				resp, err := rect.ReassignReport(ctx, req)
				if err != nil {
					return nil, nil, fmt.Errorf("re-dispatch report %s: %w", b.reportID, err)
				}
				return resp.GetReport(), resp.GetEvent(), nil
			})
		}
	},
}

var caseReturnCommand = &command{
	name:    "return",
	args:    "编号",
	summary: "把已上报的案件退回上报人补充材料（退回补充，主管）",
	help: `案件仍为「已上报」，等待上报人补充（网格员的手机同步时收到要求）；补充后
回到待派遣的队列。--want 说明要补充什么，可用逗号分隔多项。

示例：
  gridctl case return 3f2a9c1d --want photo,address --note 请补充现场照片和门牌号

` + caseHelp,
	setup: func(fs *flag.FlagSet) runFunc {
		want := fs.String("want", "", "要补充的`内容`，逗号分隔："+helpChoices(returnWantFlags)+"（必填）")
		f := addActionFlags(fs, "给上报人的说明 `说明`（要求补充「其他」时必填）")
		return func(ctx context.Context, a *app, args []string) error {
			if err := oneReport("return", args); err != nil {
				return err
			}
			if strings.TrimSpace(*want) == "" {
				return usagef("--want 必填：要补充的内容，如 photo,address")
			}
			var wants []pb.ReturnWant
			for _, w := range strings.FieldsFunc(*want, func(r rune) bool { return r == ',' || r == '，' || r == '、' }) {
				x, err := parseChoice("want", returnWantFlags, w)
				if err != nil {
					return err
				}
				wants = append(wants, x)
			}
			return a.act(ctx, args[0], f, func(ctx context.Context, rect pb.RectificationServiceClient, b actionBase) (*pb.Report, *pb.Event, error) {
				resp, err := rect.ReturnReport(ctx, &pb.ReturnReportRequest{
					ActionId: b.actionID, ReportId: b.reportID, ExpectedVersion: b.expectedVersion, Note: b.note, Wants: wants,
				})
				if err != nil {
					return nil, nil, fmt.Errorf("return report %s for more: %w", b.reportID, err)
				}
				return resp.GetReport(), resp.GetEvent(), nil
			})
		}
	},
}

var caseUrgeCommand = &command{
	name:    "urge",
	args:    "编号",
	summary: "催办已派遣或整改中的案件：给负责人留言（主管）",
	help: `催办记入时间线，负责人的手机同步时收到；案件状态不变。逾期案件由服务器
自动督办，gridctl open --supervised 列出督办案件。

示例：
  gridctl case urge 3f2a9c1d --note 请于本周五前整改到位

` + caseHelp,
	setup: func(fs *flag.FlagSet) runFunc {
		f := addActionFlags(fs, "给负责人的催办内容 `说明`（必填）")
		return func(ctx context.Context, a *app, args []string) error {
			if err := oneReport("urge", args); err != nil {
				return err
			}
			if strings.TrimSpace(*f.note) == "" {
				return usagef("--note 必填：催办内容")
			}
			return a.act(ctx, args[0], f, func(ctx context.Context, rect pb.RectificationServiceClient, b actionBase) (*pb.Report, *pb.Event, error) {
				resp, err := rect.UrgeReport(ctx, &pb.UrgeReportRequest{
					ActionId: b.actionID, ReportId: b.reportID, ExpectedVersion: b.expectedVersion, Note: b.note,
				})
				if err != nil {
					return nil, nil, fmt.Errorf("urge report %s: %w", b.reportID, err)
				}
				return resp.GetReport(), resp.GetEvent(), nil
			})
		}
	},
}

var caseSupplementCommand = &command{
	name:    "supplement",
	args:    "编号",
	summary: "为退回补充的案件补充材料：情况说明、地址（上报人，或主管代为）",
	help: `补充的说明接在原描述之后（原描述不变），地址替换原地址（原地址记入时间线）；
类别、等级、详情、坐标和发现时间不能改。补充后案件回到待派遣的队列。
照片请用手机补充。

示例：
  gridctl case supplement 3f2a9c1d --address 长山村3组12号 --description 一至三楼楼道均有堆放

` + caseHelp,
	setup: func(fs *flag.FlagSet) runFunc {
		description := fs.String("description", "", "接在原描述之后的补充`说明`")
		address := fs.String("address", "", "替换原地址的`地址`")
		f := addActionFlags(fs, "记入时间线的备注 `说明`")
		return func(ctx context.Context, a *app, args []string) error {
			if err := oneReport("supplement", args); err != nil {
				return err
			}
			if strings.TrimSpace(*description) == "" && strings.TrimSpace(*address) == "" {
				return usagef("请给出 --description 说明 和/或 --address 地址")
			}
			return a.act(ctx, args[0], f, func(ctx context.Context, rect pb.RectificationServiceClient, b actionBase) (*pb.Report, *pb.Event, error) {
				resp, err := rect.SupplementReport(ctx, &pb.SupplementReportRequest{
					ActionId: b.actionID, ReportId: b.reportID, ExpectedVersion: b.expectedVersion, Note: b.note,
					Description: strings.TrimSpace(*description), Address: strings.TrimSpace(*address),
				})
				if err != nil {
					return nil, nil, fmt.Errorf("supplement report %s: %w", b.reportID, err)
				}
				return resp.GetReport(), resp.GetEvent(), nil
			})
		}
	},
}
