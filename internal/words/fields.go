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
	"grid_id": "网格", "grid_ids": "网格", "subject_id": "对象", "patrol_id": "巡查",
	"photo_ids": "照片", "assignee_id": "派遣对象", "responsible_unit": "责任单位",
	"deadline": "期限", "new_deadline": "新期限", "reason": "原因", "disposition": "处置结果",
	"hazard_kind": "隐患类型", "place_kind": "场所类型", "activity": "活动",
	"kind": "类型", "land": "用地", "area_square_meters": "面积", "risk_kind": "风险类型",
	"appraisal_grade": "鉴定等级", "residents": "居住人数",
	"username": "用户名", "password": "密码", "display_name": "姓名", "role": "角色",
	"name": "名称", "credit_code": "统一社会信用代码", "from": "开始日期", "to": "结束日期",
	"statuses": "状态", "categories": "类别", "kinds": "类型", "sha256": "校验值",
	"size_bytes": "文件大小", "prefix": "文号前缀", "order": "顺序",
	"started_at": "开始时间", "ended_at": "结束时间", "participants": "参加人数", "track": "巡查轨迹",
	"notes": "备注", "boundary": "边界", "coordinate_system": "坐标系", "details": "详情",
	"polluting_enterprise": "散乱污情形", "activity_description": "活动说明", "all_grids": "全街道",
	"contact_name": "联系人", "contact_phone": "联系电话", "expected_version": "版本",
	"duplicate_of_report_id": "重复的案件", "department": "部门", "interviewee": "约谈对象",
	"place": "地点", "outcome": "结果", "demolished_area_square_meters": "拆除面积",
	"device_id": "设备编号", "page_size": "每页条数", "page_token": "翻页标记",
	"update_fields": "修改项", "due_within_days": "到期天数", "order_by": "排序方式",
	"content_type": "文件格式", "mutation_id": "操作编号", "mutations": "同步内容",
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
