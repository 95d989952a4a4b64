package words

import (
	"testing"

	"google.golang.org/protobuf/reflect/protoreflect"

	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

// numbers returns the API numbers a table names.
func numbers[E Enum](table map[E]string) map[protoreflect.EnumNumber]string {
	m := make(map[protoreflect.EnumNumber]string, len(table))
	for k, v := range table {
		m[k.Number()] = v
	}
	return m
}

// TestEveryWordOfTheAPIIsTranslated: every value of the API's enums, but
// the zero one, has a word, and no word stands for a value the API lacks,
// so a value added to a .proto fails here rather than shows in English.
func TestEveryWordOfTheAPIIsTranslated(t *testing.T) {
	tests := []struct {
		name  string
		words map[protoreflect.EnumNumber]string
		enum  protoreflect.EnumDescriptor
	}{
		{"category", numbers(Category), pb.Category(0).Descriptor()},
		{"severity", numbers(Severity), pb.Severity(0).Descriptor()},
		{"status", numbers(Status), pb.ReportStatus(0).Descriptor()},
		{"disposition", numbers(Disposition), pb.Disposition(0).Descriptor()},
		{"event", numbers(Event), pb.EventType(0).Descriptor()},
		{"action", numbers(Action), pb.ReportAction(0).Descriptor()},
		{"notice", numbers(Notice), pb.NoticeKind(0).Descriptor()},
		{"rejection", numbers(Rejection), pb.RejectionReason(0).Descriptor()},
		{"hazard kind", numbers(HazardKind), pb.HazardKind(0).Descriptor()},
		{"place kind", numbers(PlaceKind), pb.PlaceKind(0).Descriptor()},
		{"polluting activity", numbers(PollutingActivity), pb.PollutingActivity(0).Descriptor()},
		{"proposed disposal", numbers(ProposedDisposal), pb.ProposedDisposal(0).Descriptor()},
		{"construction kind", numbers(ConstructionKind), pb.ConstructionKind(0).Descriptor()},
		{"land kind", numbers(LandKind), pb.LandKind(0).Descriptor()},
		{"water risk", numbers(WaterRisk), pb.WaterRiskKind(0).Descriptor()},
		{"house grade", numbers(HouseGrade), pb.HouseGrade(0).Descriptor()},
		{"role", numbers(Role), pb.Role(0).Descriptor()},
		{"grid kind", numbers(GridKind), pb.GridKind(0).Descriptor()},
		{"subject kind", numbers(SubjectKind), pb.SubjectKind(0).Descriptor()},
		{"patrol kind", numbers(PatrolKind), pb.PatrolKind(0).Descriptor()},
		{"patrol period", numbers(PatrolPeriod), pb.PatrolPeriod(0).Descriptor()},
		{"return want", numbers(ReturnWant), pb.ReturnWant(0).Descriptor()},
		{"day kind", numbers(DayKind), pb.DayKind(0).Descriptor()},
	}
	for _, tt := range tests {
		values := tt.enum.Values()
		if want := values.Len() - 1; len(tt.words) != want {
			t.Errorf("%s: %d words for %d values", tt.name, len(tt.words), want)
		}
		for i := range values.Len() {
			v := values.Get(i)
			if v.Number() == 0 {
				continue
			}
			if tt.words[v.Number()] == "" {
				t.Errorf("%s: no word for %s", tt.name, v.Name())
			}
		}
	}
}

func TestLabelNamesWhatItDoesNotKnow(t *testing.T) {
	for _, tt := range []struct {
		v    pb.ReportStatus
		want string
	}{
		{pb.ReportStatus_REPORT_STATUS_CLOSED, "已结案"},
		{pb.ReportStatus_REPORT_STATUS_UNSPECIFIED, "-"},
		{pb.ReportStatus(99), "99"},
	} {
		if got := Label(Status, tt.v); got != tt.want {
			t.Errorf("Label(%v) = %q, want %q", tt.v, got, tt.want)
		}
	}
	if got := Of(Status, pb.ReportStatus(99)); got != "" {
		t.Errorf("Of(99) = %q, want empty", got)
	}
}

func TestPatrolFrequencyAsAnOfficeWritesIt(t *testing.T) {
	for _, tt := range []struct {
		period       pb.PatrolPeriod
		every, times int32
		want         string
	}{
		{pb.PatrolPeriod_PATROL_PERIOD_DAY, 1, 1, "每天1次"},
		{pb.PatrolPeriod_PATROL_PERIOD_DAY, 10, 1, "每10天1次"},
		{pb.PatrolPeriod_PATROL_PERIOD_WEEK, 0, 0, "每周1次"},
		{pb.PatrolPeriod_PATROL_PERIOD_WEEK, 2, 3, "每2周3次"},
		{pb.PatrolPeriod_PATROL_PERIOD_MONTH, 1, 2, "每月2次"},
		{pb.PatrolPeriod_PATROL_PERIOD_MONTH, 3, 1, "每3个月1次"},
		{pb.PatrolPeriod_PATROL_PERIOD_WORKING_DAY, 1, 1, "每个工作日1次"},
		{pb.PatrolPeriod_PATROL_PERIOD_WORKING_DAY, 5, 2, "每5个工作日2次"},
	} {
		s := &pb.PatrolSchedule{Period: tt.period, Every: tt.every, Times: tt.times}
		if got := PatrolFrequency(s); got != tt.want {
			t.Errorf("PatrolFrequency(%v every %d times %d) = %q, want %q", tt.period, tt.every, tt.times, got, tt.want)
		}
	}
}
