package gridinspect

import (
	"cmp"
	"context"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// User is an account. Its password is never held here, only by the store
// as an argon2id hash.
type User struct {
	ID          string
	Username    string
	DisplayName string
	Role        Role
	GridIDs     []string
	AllGrids    bool
	Disabled    bool
	CreatedAt   time.Time
	// StreetID is the street the account belongs to (docs/tenants.md).
	StreetID int64
}

// Actor returns the actor the user acts as, on deviceID with tokenID.
func (u *User) Actor(deviceID, tokenID string) *Actor {
	return &Actor{
		UserID: u.ID, Username: u.Username, Name: cmp.Or(u.DisplayName, u.Username), Role: u.Role,
		GridIDs: append([]string(nil), u.GridIDs...), AllGrids: u.AllGrids,
		DeviceID: deviceID, TokenID: tokenID, StreetID: u.StreetID,
	}
}

// MaxPasswordBytes bounds a password, so hashing cannot be made to cost
// more than it should.
const MaxPasswordBytes = 256

var usernamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,31}$`)

// FoldUsername returns the form a username is kept under: accounts are
// lower-case, and Login takes a name in any case. Whatever is keyed by a
// typed username (a login limit, say) is keyed by its folded form, or
// "WorkerA" and "workera" would count apart.
func FoldUsername(name string) string { return strings.ToLower(name) }

// ValidateUser checks an account as given. Field paths are under "user.".
func (r Rules) ValidateUser(u *User) error {
	var v Violations
	if !usernamePattern.MatchString(u.Username) {
		v.AddZh("user.username", "须为 2 到 32 个小写字母、数字或 . _ -，以字母或数字开头", "must be 2 to 32 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit")
	}
	checkText(&v, "user.display_name", u.DisplayName, MaxShortTextRunes, false)
	checkEnum(&v, "user.role", int(u.Role), int(RoleDistrict), true)
	checkIDs(&v, "user.grid_ids", u.GridIDs, MaxUserGrids)
	if u.Role == RoleWorker && u.AllGrids {
		v.AddZh("user.all_grids", "网格员只能负责指定的网格，不能负责全街道", "a worker belongs to named grids, not the whole street")
	}
	if u.Role == RoleDistrict && (u.AllGrids || len(u.GridIDs) > 0) {
		v.AddZh("user.grid_ids", "区级账号查看所给街道的统计，不负责网格", "a district account reads its streets' statistics and belongs to no grid")
	}
	if u.Role == RoleWorker && len(u.GridIDs) == 0 {
		v.AddZh("user.grid_ids", "网格员至少需要一个网格", "a worker needs at least one grid")
	}
	return v.Err("invalid user")
}

// ValidatePassword checks a new password (field "password").
func (r Rules) ValidatePassword(password string) error {
	var v Violations
	switch {
	case len(password) > MaxPasswordBytes:
		v.AddZh("password", "过长，最多 "+itoa(MaxPasswordBytes)+" 字节", "is longer than %d bytes", MaxPasswordBytes)
	case utf8.RuneCountInString(password) < r.MinPasswordRunes:
		v.AddZh("password", "至少需要 "+itoa(r.MinPasswordRunes)+" 个字符", "must be at least %d characters", r.MinPasswordRunes)
	}
	return v.Err("invalid password")
}

// NormalizeUser tidies an account after ValidateUser.
func (r Rules) NormalizeUser(u *User) {
	u.DisplayName = strings.TrimSpace(u.DisplayName)
	for i := range u.GridIDs {
		u.GridIDs[i] = strings.ToLower(u.GridIDs[i])
	}
	if u.AllGrids {
		u.GridIDs = nil
	}
}

// UserFilter selects users for ListUsers.
type UserFilter struct {
	GridID    string
	PageSize  int
	PageToken string
}

// UserUpdate names what UpdateUser changes.
type UserUpdate struct {
	DisplayName *string
	Role        *Role
	GridIDs     *[]string
	AllGrids    *bool
	Password    *string
}

// Session is what Login returns: the token, shown once, and its expiry.
type Session struct {
	Token     string
	ExpiresAt time.Time
	User      *User
}

// AuthService checks who is calling.
type AuthService interface {
	// Login checks a username and password and opens a session on a
	// device. An unknown user, a disabled one and a wrong password get the
	// same EUNAUTHENTICATED answer, after the same work.
	Login(ctx context.Context, username, password, deviceID string) (*Session, error)

	// Authenticate returns the actor of a bearer token, or EUNAUTHENTICATED
	// if it is unknown, revoked, expired, or its user is disabled.
	Authenticate(ctx context.Context, token string) (*Actor, error)

	// KnownDevice reports whether token proves that deviceID is a device
	// the user named username logged in on before: Login gave token to
	// that user on that device, and it worked recently (it may have
	// expired or been revoked since). Login's limits let such a device
	// past someone else's guesses. Anything else is false, for no reason
	// given.
	KnownDevice(ctx context.Context, username, deviceID, token string) (bool, error)

	// Logout revokes the caller's token.
	Logout(ctx context.Context) error

	// RevokeTokens revokes every token of a user and says how many were
	// live. Admins only: EFORBIDDEN otherwise; ENOTFOUND for no such user.
	RevokeTokens(ctx context.Context, userID string) (int, error)
}

// UserService keeps accounts.
type UserService interface {
	// CreateUser adds an account. Admins only. Errors: EINVALID (bad
	// field, username taken, unknown grid), EFORBIDDEN.
	CreateUser(ctx context.Context, u *User, password string) (*User, error)

	// GetUser returns an account: one's own, or any for a supervisor or
	// admin. Errors: ENOTFOUND or EFORBIDDEN.
	GetUser(ctx context.Context, id string) (*User, error)

	// ListUsers lists accounts by username. Supervisors and admins; a
	// supervisor of some grids sees the users of those grids.
	ListUsers(ctx context.Context, f UserFilter) (users []*User, nextPageToken string, err error)

	// UpdateUser changes what upd names. Admins only. A change of role or
	// grids takes effect on the user's next call.
	UpdateUser(ctx context.Context, id string, upd UserUpdate) (*User, error)

	// DisableUser disables an account and revokes its tokens. Admins only;
	// an admin cannot disable itself.
	DisableUser(ctx context.Context, id string) (*User, error)

	// UserNames returns, by id, the names the users ids are shown by: the
	// display name, or the username where there is none; an unknown id is
	// left out. Any signed-in caller: the edges ask only for the people
	// on what the caller may read (a case's reporter, assignee and
	// actors), whom a worker may see named though it may not list users.
	UserNames(ctx context.Context, ids []string) (map[string]string, error)

	// CallerStreets returns the streets the caller reads, by id: its own
	// street, or for a district account the streets it was given (none
	// before an operator gives it some). Any signed-in caller.
	CallerStreets(ctx context.Context) ([]Street, error)
}
