package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/gridinspect/gridinspect/internal/words"
	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

var rulesCommand = &command{
	name:    "rules",
	summary: "分拨规则：新案件默认派给谁、期限几天、是否自动派遣（管理员）",
	subs:    []*command{rulesListCommand, rulesSetCommand, rulesDeleteCommand},
}

// rulesPrecedence explains which rule decides a case, for the help.
const rulesPrecedence = `一个案件由与它相符的最具体的一条规则决定（先看是什么问题，再看在哪里）：
  1 类别+细类+网格  2 类别+细类  3 类别+网格  4 类别  5 网格  6 全街默认
同一类别、细类和网格只能有一条规则。规则为自动派遣时，新案件一到即由「系统」
派遣，时间线上记有规则名称；规则指定的人员已停用或不负责该网格时，规则不适用，
案件留待主管派遣。`

var rulesListCommand = &command{
	name:    "list",
	summary: "列出全部分拨规则，最具体的在前",
	help:    rulesPrecedence,
	setup: func(fs *flag.FlagSet) runFunc {
		return func(ctx context.Context, a *app, args []string) error {
			if len(args) > 0 {
				return usagef("rules list 不带参数")
			}
			rc, err := a.routingClient()
			if err != nil {
				return err
			}
			resp, err := rc.ListRoutingRules(ctx, &pb.ListRoutingRulesRequest{})
			if err != nil {
				return fmt.Errorf("list routing rules: %w", err)
			}
			if a.opts.json {
				return writeJSONList(a.stdout, resp.GetRules())
			}
			gridNames, err := a.gridNameBook(ctx)
			if err != nil {
				return err
			}
			t := newTable("优先级", "名称", "类别", "细类", "网格", "派遣对象", "责任单位", "期限", "派遣方式", "编号")
			for _, r := range resp.GetRules() {
				t.add(strconv.Itoa(int(r.GetRank())), r.GetName(), anyOr(words.Of(words.Category, r.GetCategory())),
					anyOr(kindWord(r)), anyOr(gridNames[r.GetGridId()]), dashOr(personOrEmpty(r.GetAssigneeId(), r.GetAssigneeName())),
					dashOr(r.GetResponsibleUnit()), deadlineDays(r.GetDeadlineDays()), dispatchMode(r.GetAutomatic()), shortID(r.GetId()))
			}
			if len(resp.GetRules()) == 0 {
				fmt.Fprintln(a.stdout, "还没有分拨规则（gridctl rules set 可添加）")
				return nil
			}
			return t.write(a.stdout)
		}
	},
}

var rulesSetCommand = &command{
	name:    "set",
	summary: "添加一条分拨规则，或用 --id 修改已有的一条",
	help: `不给 --category、--kind、--grid 的部分即「任意」。--kind 是类别下的细类，
用 gridctl 列表中的中文，如 安全隐患 的 消防、燃气，水源地隐患 的 排污、垃圾，
散乱污企业 的 非法洗沙，危房 的 C级、D级。--days 不给时按默认期限。

示例：
  gridctl rules set --name 袁塘村水源地 --category 水源地隐患 --grid 袁塘村 --to 网格员姓名 --days 7 --auto
  gridctl rules set --name 安全隐患 --category 安全隐患 --unit 街道安监办

` + rulesPrecedence,
	setup: func(fs *flag.FlagSet) runFunc {
		id := fs.String("id", "", "要修改的规则`编号`（gridctl rules list 所示；给完整编号）；不给则新建")
		name := fs.String("name", "", "规则`名称`，如 袁塘村水源地（必填）")
		category := fs.String("category", "", "案件`类别`；不给为任意；类别为 "+helpChoices(categoryFlags))
		kind := fs.String("kind", "", "类别下的`细类`，如 消防；不给为任意")
		grid := fs.String("grid", "", "`网格` 名称或编号；不给为任意")
		to := fs.String("to", "", "派遣的人员：用户名或姓名 `名称`")
		unit := fs.String("unit", "", "责任`单位`，如 街道安监办")
		days := fs.Int("days", 0, "整改期限 `天数`；0 为按默认期限")
		auto := fs.Bool("auto", false, "新案件一到即自动派遣（不加则只供主管一键派遣时参考）")
		return func(ctx context.Context, a *app, args []string) error {
			if len(args) > 0 {
				return usagef("rules set 不带参数（用 --name、--category、--grid、--to 等）")
			}
			rule := &pb.RoutingRule{Id: strings.TrimSpace(*id), Name: strings.TrimSpace(*name),
				ResponsibleUnit: strings.TrimSpace(*unit), DeadlineDays: int32(*days), Automatic: *auto}
			if *days < 0 {
				return usagef("--days 不能为负数")
			}
			if *category != "" {
				c, err := parseChoice("category", categoryFlags, *category)
				if err != nil {
					return err
				}
				rule.Category = c
			}
			if *kind != "" {
				if err := setKind(rule, strings.TrimSpace(*kind)); err != nil {
					return err
				}
			}
			if strings.TrimSpace(*grid) != "" {
				ids, err := a.resolveGrids(ctx, []string{*grid})
				if err != nil {
					return err
				}
				rule.GridId = ids[0]
			}
			if strings.TrimSpace(*to) != "" {
				dir, err := a.directoryClient()
				if err != nil {
					return err
				}
				if rule.AssigneeId, err = resolveUser(ctx, dir, *to); err != nil {
					return err
				}
			}
			rc, err := a.routingClient()
			if err != nil {
				return err
			}
			resp, err := rc.SetRoutingRule(ctx, &pb.SetRoutingRuleRequest{Rule: rule})
			if err != nil {
				return fmt.Errorf("set routing rule: %w", err)
			}
			if a.opts.json {
				return writeJSON(a.stdout, resp.GetRule())
			}
			r := resp.GetRule()
			fmt.Fprintf(a.stdout, "已保存分拨规则「%s」（优先级 %d，%s，编号 %s）\n", r.GetName(), r.GetRank(), dispatchMode(r.GetAutomatic()), r.GetId())
			return nil
		}
	},
}

var rulesDeleteCommand = &command{
	name:    "delete",
	args:    "编号",
	summary: "删除一条分拨规则；已派遣的案件不受影响",
	setup: func(fs *flag.FlagSet) runFunc {
		return func(ctx context.Context, a *app, args []string) error {
			if len(args) != 1 {
				return usagef("rules delete 需要一个规则编号（gridctl rules list 所示）")
			}
			rc, err := a.routingClient()
			if err != nil {
				return err
			}
			id, err := a.resolveRule(ctx, rc, args[0])
			if err != nil {
				return err
			}
			if _, err := rc.DeleteRoutingRule(ctx, &pb.DeleteRoutingRuleRequest{RuleId: id}); err != nil {
				return fmt.Errorf("delete routing rule %s: %w", id, err)
			}
			fmt.Fprintf(a.stdout, "已删除分拨规则 %s\n", id)
			return nil
		}
	},
}

// resolveRule finds the rule named by s: its id, the end of its id, or
// its name.
func (a *app) resolveRule(ctx context.Context, rc pb.RoutingServiceClient, s string) (string, error) {
	s = strings.TrimSpace(s)
	resp, err := rc.ListRoutingRules(ctx, &pb.ListRoutingRulesRequest{})
	if err != nil {
		return "", fmt.Errorf("list routing rules: %w", err)
	}
	var found []string
	for _, r := range resp.GetRules() {
		if r.GetName() == s || strings.EqualFold(r.GetId(), s) || (len(s) >= 4 && strings.HasSuffix(r.GetId(), strings.ToLower(s))) {
			found = append(found, r.GetId())
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		return "", fmt.Errorf("没有编号或名称为 %q 的分拨规则（gridctl rules list 可列出全部）", s)
	}
	return "", fmt.Errorf("%q 对应 %d 条分拨规则，请给出更多位编号", s, len(found))
}

// setKind sets the rule's kind from its Chinese word within the rule's
// category.
func setKind(r *pb.RoutingRule, s string) error {
	find := func(table map[int32]string) (int32, error) {
		var choices []string
		for v, w := range table {
			// A word with a remark (D级(整栋危房)) is also typed without it.
			base := w
			if i := strings.IndexAny(w, "(（"); i > 0 {
				base = w[:i]
			}
			if w == s || base == s {
				return v, nil
			}
			choices = append(choices, w)
		}
		return 0, usagef("「%s」的细类是 %s 之一，而不是 %q", words.Of(words.Category, r.GetCategory()), strings.Join(sorted(choices), "、"), s)
	}
	var err error
	var v int32
	switch r.GetCategory() {
	case pb.Category_CATEGORY_SAFETY_HAZARD:
		if v, err = find(int32Table(words.HazardKind)); err == nil {
			r.Kind = &pb.RoutingRule_HazardKind{HazardKind: pb.HazardKind(v)}
		}
	case pb.Category_CATEGORY_POLLUTING_ENTERPRISE:
		if v, err = find(int32Table(words.PollutingActivity)); err == nil {
			r.Kind = &pb.RoutingRule_Activity{Activity: pb.PollutingActivity(v)}
		}
	case pb.Category_CATEGORY_ILLEGAL_CONSTRUCTION:
		if v, err = find(int32Table(words.ConstructionKind)); err == nil {
			r.Kind = &pb.RoutingRule_ConstructionKind{ConstructionKind: pb.ConstructionKind(v)}
		}
	case pb.Category_CATEGORY_WATER_SOURCE_RISK:
		if v, err = find(int32Table(words.WaterRisk)); err == nil {
			r.Kind = &pb.RoutingRule_RiskKind{RiskKind: pb.WaterRiskKind(v)}
		}
	case pb.Category_CATEGORY_DANGEROUS_HOUSE:
		if v, err = find(int32Table(words.HouseGrade)); err == nil {
			r.Kind = &pb.RoutingRule_AppraisalGrade{AppraisalGrade: pb.HouseGrade(v)}
		}
	default:
		return usagef("--kind 需要先用 --category 指明有细类的类别")
	}
	return err
}

func sorted(xs []string) []string {
	slices.Sort(xs)
	return xs
}

func int32Table[E ~int32](t map[E]string) map[int32]string {
	out := make(map[int32]string, len(t))
	for k, v := range t {
		out[int32(k)] = v
	}
	return out
}

// kindWord is the Chinese word of the rule's kind, "" for any.
func kindWord(r *pb.RoutingRule) string {
	switch k := r.GetKind().(type) {
	case *pb.RoutingRule_HazardKind:
		return words.Of(words.HazardKind, k.HazardKind)
	case *pb.RoutingRule_Activity:
		return words.Of(words.PollutingActivity, k.Activity)
	case *pb.RoutingRule_ConstructionKind:
		return words.Of(words.ConstructionKind, k.ConstructionKind)
	case *pb.RoutingRule_RiskKind:
		return words.Of(words.WaterRisk, k.RiskKind)
	case *pb.RoutingRule_AppraisalGrade:
		return words.Of(words.HouseGrade, k.AppraisalGrade)
	}
	return ""
}

func anyOr(s string) string {
	if s == "" {
		return words.RoutingAny
	}
	return s
}

func dashOr(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func deadlineDays(d int32) string {
	if d == 0 {
		return "默认"
	}
	return strconv.Itoa(int(d)) + " 天"
}

func dispatchMode(auto bool) string { return words.RoutingMode(auto) }

// gridNameBook maps every grid the caller sees to its name.
func (a *app) gridNameBook(ctx context.Context) (map[string]string, error) {
	dir, err := a.directoryClient()
	if err != nil {
		return nil, err
	}
	grids, err := listAllGrids(ctx, dir)
	if err != nil {
		return nil, err
	}
	names := make(map[string]string, len(grids))
	for _, g := range grids {
		names[g.GetId()] = g.GetName()
	}
	return names, nil
}

// suggestedAssignment is what the routing table says for a case, as
// case assign --suggested takes it.
func (a *app) suggestedAssignment(ctx context.Context, reportID string) (*pb.Assignment, *pb.RoutingRule, error) {
	rc, err := a.routingClient()
	if err != nil {
		return nil, nil, err
	}
	sug, err := rc.SuggestDispatch(ctx, &pb.SuggestDispatchRequest{ReportId: reportID})
	if err != nil {
		return nil, nil, fmt.Errorf("suggest a dispatch of report %s: %w", reportID, err)
	}
	switch {
	case sug.GetRule() == nil:
		return nil, nil, errors.New("没有适用于该案件的分拨规则：请用 --to 和/或 --unit 指明由谁整改")
	case sug.GetAssignment() == nil:
		return nil, nil, fmt.Errorf("分拨规则「%s」不适用：%s", sug.GetRule().GetName(), sug.GetLocalizedNotApplicableReason())
	}
	return sug.GetAssignment(), sug.GetRule(), nil
}
