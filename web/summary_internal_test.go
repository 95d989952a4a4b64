package web

import "testing"

// A chart of no case at all (a street without cases, a grid chosen that
// has none) is drawn from empty arrays, not null, which summary.js
// cannot take the length of.
func TestChartData_OfNothingIsEmptyArrays(t *testing.T) {
	const want = `{"labels":[],"reported":[],"closed":[],"rate":[]}`
	if got := (chartData{}).json(); got != want {
		t.Errorf("json = %s, want %s", got, want)
	}
}
