package server

import (
	"github.com/gridinspect/gridinspect"
)

// districtMethods are the RPCs a district account (ROLE_DISTRICT) may
// call: the statistics of its streets, and its own session. Its row of
// the access matrix, whole: every other RPC — any write, any list, any
// object — is refused before its handler runs, whatever the store would
// answer (docs/tenants.md, "District accounts").
var districtMethods = map[string]bool{
	"/gridinspect.v1.StatsService/GetSummary":    true,
	"/gridinspect.v1.StatsService/GetAppraisal":  true,
	"/gridinspect.v1.StatsService/GetDashboard":  true,
	"/gridinspect.v1.StatsService/ExportReports": true,
	"/gridinspect.v1.AuthService/Logout":         true,
	"/gridinspect.v1.AuthService/WhoAmI":         true,
}

// errDistrictOnlyStatistics refuses a district account anything but
// districtMethods.
var errDistrictOnlyStatistics = gridinspect.Errorf(gridinspect.EFORBIDDEN,
	"a district account may only read statistics (GetSummary, GetAppraisal, GetDashboard, ExportReports)").
	Zh("区级账号只能查看统计（工作总结、考核、工作台、导出）")

// districtMay refuses method to a district account unless it is one of
// districtMethods; anyone else passes (their handlers check their roles).
func districtMay(a *gridinspect.Actor, method string) error {
	if a.IsDistrict() && !districtMethods[method] {
		return errDistrictOnlyStatistics
	}
	return nil
}
