package words

import (
	"regexp"
	"strings"
)

// fieldLabel names the API's fields a person is told about in an error,
// by the last part of their path (report.location.latitude → 纬度).
var fieldLabel = map[string]string{
	"id": "编号", "report_id": "案件编号", "action_id": "操作编号", "photo_id": "照片编号",
	"category": "类别", "severity": "等级", "description": "描述", "note": "备注",
	"location": "位置", "latitude": "纬度", "longitude": "经度", "address": "地址",
	"accuracy_meters": "定位精度", "observed_at": "发现时间", "occurred_at": "发生时间",
	"grid_id": "网格", "grid_ids": "网格", "street_ids": "街道", "subject_id": "对象", "patrol_id": "巡查",
	"photo_ids": "照片", "assignee_id": "派遣对象", "responsible_unit": "责任单位",
	"deadline": "期限", "new_deadline": "新期限", "reason": "原因", "disposition": "处置结果",
	"hazard_kind": "隐患类型", "place_kind": "场所类型", "activity": "活动",
	"kind": "类型", "land": "用地", "area_square_meters": "面积", "risk_kind": "风险类型",
	"appraisal_grade": "鉴定等级", "residents": "居住人数",
	"username": "用户名", "password": "密码", "display_name": "姓名", "role": "角色",
	"name": "名称", "credit_code": "统一社会信用代码", "from": "开始日期", "to": "结束日期",
	"statuses": "状态", "categories": "类别", "kinds": "类型", "sha256": "校验值",
	"size_bytes": "文件大小", "prefix": "文号前缀", "order": "顺序",

	// Every other field of the API's requests (a test walks them all), so
	// no error shows a person an API path.
	"status": "状态", "version": "版本", "expected_version": "预期版本",
	"report": "报告", "user": "账号", "grid": "网格", "subject": "对象", "patrol": "巡查",
	"user_id": "账号", "reporter_id": "上报人", "reporter_name": "上报人", "assignee_name": "派遣对象",
	"safety_hazard": "安全隐患详情", "polluting_enterprise": "散乱污企业详情",
	"illegal_construction": "违法建设详情", "water_source_risk": "水源地隐患详情",
	"dangerous_house": "危房详情", "scattered": "散", "disorderly": "乱", "polluting": "污",
	"activity_description": "经营活动", "proposed_disposal": "拟处置方式",
	"moved_in_from_outside": "外区流入", "from_district": "来源区县", "occupied": "是否住人",
	"coordinate_system": "坐标系", "boundary": "边界", "boundary_coordinate_system": "边界坐标系",
	"rings": "边界", "points": "边界点", "track": "巡查轨迹", "track_coordinate_system": "轨迹坐标系",
	"recorded_at": "记录时间", "started_at": "开始时间", "ended_at": "结束时间",
	"created_at": "创建时间", "updated_at": "更新时间", "received_at": "接收时间",
	"closed_at": "结案时间", "taken_at": "拍摄时间", "original_deadline": "原期限",
	"follow_up_due": "回头看时间", "overdue": "逾期", "relapse_count": "反弹次数",
	"possible_relapse_of": "可能反弹的案件", "rectified_on_spot": "立行立改",
	"clock_skew_flagged": "设备时钟异常", "missing_photo_ids": "缺少的照片",
	"duplicate_of_report_id": "重复的案件", "demolished_area_square_meters": "拆除面积",
	"department": "发文部门", "interviewee": "约谈对象", "place": "地点", "outcome": "结果",
	"passed": "核查结论", "relapsed": "是否反弹",
	"participants": "参加人数", "notes": "备注", "report_ids": "案件",
	"contact_name": "联系人", "contact_phone": "联系电话",
	"disabled": "停用", "all_grids": "全部网格", "update_fields": "要修改的项",
	"device_id": "设备编号", "device_seq": "设备序号", "mutation_id": "操作编号",
	"mutations": "待同步的操作", "cursor": "同步位置", "omit_event_hashes": "不带事件哈希",
	"submit_report": "上报", "submit_patrol": "巡查记录", "assign_report": "派遣",
	"reject_report": "驳回", "record_progress": "整改进展", "issue_notice": "下发文书",
	"record_interview": "约谈", "submit_rectification": "整改结果",
	"verify_rectification": "核查", "record_follow_up": "回头看",
	"comment_on_report": "评论", "extend_deadline": "延期",
	"filter": "筛选条件", "query": "查询文字", "format": "文件格式", "order_by": "排序方式",
	"open_only": "只看在办", "overdue_only": "只看逾期", "due_within_days": "到期天数",
	"observed_after": "发现时间起", "observed_before": "发现时间止",
	"started_after": "开始时间起", "started_before": "开始时间止",
	"page_size": "每页条数", "page_token": "页码", "header": "照片信息",
	"content_type": "文件类型", "chunk": "照片数据", "data": "数据", "offset": "位置",
	"payload": "数据", "details": "详情",
	"allowed_actions": "可办操作", "received_after": "接收时间起",
	"reassign_report": "转派", "urge_report": "催办", "supervised_only": "只看督办",
	"supervised_at": "督办时间", "urge_count": "催办次数", "reassign_count": "转派次数",
	"reassigned": "转派数", "urged": "催办数", "supervised": "督办数",
	"previous_assignee_id": "原责任人", "previous_responsible_unit": "原责任单位",
	"previous_assignee_name": "原责任人姓名", "reassignment": "转派", "urging": "催办",
	"supervision": "督办",

	// Routing rules (事件分拨).
	"rule": "分拨规则", "rule_id": "分拨规则", "construction_kind": "建设类型",
	"deadline_days": "期限天数", "automatic": "自动派遣", "rank": "优先级",
	"update_time": "更新时间", "updated_by": "更新人",
	"schedule": "巡查计划", "period": "巡查周期", "every": "间隔", "times": "应巡次数",
	"starts_at": "计划开始时间", "missed_since": "漏巡查询起始时间",
	"grid_name": "网格名称", "subject_name": "对象名称", "subject_kind": "对象类型",
	"set_by": "设置人", "set_at": "设置时间",
	"return_report": "退回补充", "supplement_report": "补充材料", "wants": "需补充内容",
	"return_request": "退回补充要求", "return_count": "退回补充次数", "returned_by": "退回人",
	"returned_at": "退回时间", "returned_only": "只看退回补充", "hide_returned": "不看退回补充",
	// The working-day calendar (工作日).
	"deadline_working_days": "期限（工作日）", "working_days": "工作日天数", "year": "年份",
	"replace": "整年替换", "exceptions": "节假日安排", "remove_dates": "要删除的日期",
	"date": "日期", "source": "依据",
}

var fieldIndex = regexp.MustCompile(`\[\d+\]`)

// Field returns a Chinese name of the API field at path, or path itself
// when there is none: what an error shows beside a field's message.
func Field(path string) string {
	last := fieldIndex.ReplaceAllString(path, "")
	if i := strings.LastIndexByte(last, '.'); i >= 0 {
		last = last[i+1:]
	}
	if l, ok := fieldLabel[last]; ok {
		return l
	}
	return path
}
