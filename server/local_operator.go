package server

import (
	"context"

	"github.com/gridinspect/gridinspect"
)

// LocalOperatorID is the user id of the local operator.
const LocalOperatorID = "00000000-0000-7000-8000-000000000001"

// LocalOperator authenticates every caller as one operator with the whole
// street in scope. It stands in until accounts and tokens exist, and is
// only safe on a loopback address, where gridd serves by default.
func LocalOperator(context.Context) (*gridinspect.Actor, error) {
	return &gridinspect.Actor{
		UserID:   LocalOperatorID,
		Username: "local",
		Role:     gridinspect.RoleAdmin,
		AllGrids: true,
	}, nil
}
