package gridinspect

import (
	"context"
	"slices"
)

// Role is what a user may do.
type Role int

// Roles; the numbers are the API's.
const (
	RoleUnspecified Role = iota
	RoleWorker
	RoleSupervisor
	RoleAdmin
	// RoleDistrict is a district account: it reads the statistics of the
	// streets it was given, summed, and nothing else (district.go).
	RoleDistrict
)

// Actor is who is calling: the user behind a request, with the scope their
// account had when the request was authenticated.
type Actor struct {
	UserID   string
	Username string
	// Name is the name the user is shown by (display name, else
	// username) as read with the rest of the actor: an answer about the
	// caller's own doings can name them without reading it again. A
	// rename clears the store's authentication cache, as a change of
	// role does, so it is as fresh as Role.
	Name     string
	Role     Role
	GridIDs  []string
	AllGrids bool
	DeviceID string
	// TokenID identifies the token the request came with (the hex SHA-256
	// of the token), so that Logout can revoke exactly that one.
	TokenID string
	// StreetID is the street (tenant, docs/tenants.md) the user belongs
	// to; 0 is DefaultStreet.
	StreetID int64
	// Streets are, for a district account's statistics, the streets the
	// request counts, as the store resolved them (StatsStreets); nil for
	// everyone else, who reads its own street.
	Streets []int64
}

// DefaultStreet is the street of a single-street database: every row a
// database held before streets became tenants, and every account made
// without one.
const DefaultStreet int64 = 1

// Street returns the street the actor acts in.
func (a *Actor) Street() int64 {
	if a == nil || a.StreetID == 0 {
		return DefaultStreet
	}
	return a.StreetID
}

// IsAdmin reports whether the actor may manage users, grids and tokens.
func (a *Actor) IsAdmin() bool { return a != nil && a.Role == RoleAdmin }

// CanSeeGrid reports whether the actor's scope covers gridID.
func (a *Actor) CanSeeGrid(gridID string) bool {
	return a != nil && (a.AllGrids || slices.Contains(a.GridIDs, gridID))
}

// IsSupervisor reports whether the actor may take supervisors' actions.
func (a *Actor) IsSupervisor() bool {
	return a != nil && (a.Role == RoleSupervisor || a.Role == RoleAdmin)
}

// ErrOutOfScope is the answer for anything outside the caller's scope. It
// is the same, word for word, whatever was asked, so that a worker cannot
// tell "exists in another grid" from "does not exist" (AIP-211).
var ErrOutOfScope = &Error{Code: EFORBIDDEN, Message: "permission denied, or it does not exist",
	Chinese: "没有权限，或该记录不存在"}

type actorKey struct{}

// NewContext returns ctx carrying the actor.
func NewContext(ctx context.Context, a *Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor ctx carries, or nil.
func ActorFrom(ctx context.Context) *Actor {
	a, _ := ctx.Value(actorKey{}).(*Actor)
	return a
}

// RequireActor returns the actor ctx carries, or an EUNAUTHENTICATED error.
func RequireActor(ctx context.Context) (*Actor, error) {
	if a := ActorFrom(ctx); a != nil {
		return a, nil
	}
	return nil, Errorf(EUNAUTHENTICATED, "not logged in").Zh("请先登录")
}

// NotFound is the answer for an object that does not exist. An actor
// whose scope is the whole street gets ENOTFOUND; anyone else gets
// ErrOutOfScope, exactly as for an object in another grid, so that
// existence never leaks across grids.
func NotFound(a *Actor, format string, args ...any) error {
	if a != nil && a.AllGrids {
		return Errorf(ENOTFOUND, format, args...)
	}
	return ErrOutOfScope
}

// SystemUserID is the user id of the server itself.
const SystemUserID = "00000000-0000-0000-0000-000000000000"

// SystemActor is the server acting on its own behalf: at start-up
// (seeding the demo street), and when a routing rule dispatches a case on
// its own. It is no account: nobody can log in as it.
func SystemActor() *Actor {
	return &Actor{UserID: SystemUserID, Username: "system", Role: RoleAdmin, AllGrids: true}
}
