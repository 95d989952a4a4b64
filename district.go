package gridinspect

import (
	"context"
	"slices"
)

// District accounts (docs/tenants.md, "District accounts"): an account of
// RoleDistrict reads the statistics — the summary, the appraisal, the
// dashboard and the export — of the streets an operator gave it, summed,
// and may do nothing else. A request names some of them (street_ids) or
// none, meaning all of them.

// MaxDistrictStreets bounds the streets a district account is given, and
// those a request names: a city's, not more.
const MaxDistrictStreets = 1000

// IsDistrict reports whether the actor is a district account.
func (a *Actor) IsDistrict() bool { return a != nil && a.Role == RoleDistrict }

// MayReadStatistics reports whether the actor may read the summary, the
// appraisal and the export: supervisors, admins and district accounts.
func (a *Actor) MayReadStatistics() bool { return a.IsSupervisor() || a.IsDistrict() }

// ReadStreets returns the streets the actor's reads are of: a district
// account's resolved Streets, or the actor's own street.
func (a *Actor) ReadStreets() []int64 {
	if a.IsDistrict() {
		return a.Streets
	}
	return []int64{a.Street()}
}

type streetsKey struct{}

// WithStreetIDs returns ctx carrying the streets a statistics request
// names (its street_ids), for StatsStreets. The request's other fields
// are arguments of the service's methods; this one rides in the context
// so that the methods every caller already uses keep their signatures.
func WithStreetIDs(ctx context.Context, ids []int64) context.Context {
	if len(ids) == 0 {
		return ctx
	}
	return context.WithValue(ctx, streetsKey{}, slices.Clone(ids))
}

// StreetIDsAsked returns the streets ctx's request names, or nil.
func StreetIDsAsked(ctx context.Context) []int64 {
	ids, _ := ctx.Value(streetsKey{}).([]int64)
	return ids
}

// StatsStreets returns the streets a statistics request of a counts, in
// increasing order: for a district account, those asked, each one of
// given (the streets it was given), or all of given when none is asked;
// for anyone else its own street, which is all it may ask for. A street
// not the caller's is ErrOutOfScope, as a grid outside a worker's scope.
func StatsStreets(a *Actor, asked, given []int64) ([]int64, error) {
	own := given
	if !a.IsDistrict() {
		own = []int64{a.Street()}
	}
	for _, id := range asked {
		if !slices.Contains(own, id) {
			return nil, ErrOutOfScope
		}
	}
	out := slices.Clone(asked)
	if len(out) == 0 {
		out = slices.Clone(own)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}
