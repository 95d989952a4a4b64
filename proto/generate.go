// Package proto holds the gridinspect API definitions (gridinspect/v1) and
// the Go code generated from them. Regenerate with `go generate ./proto/...`.
package proto

//go:generate ./generate.sh
