//go:build unix && !linux

package crashtest

import (
	"os/exec"
	"syscall"
)

// startProcess starts cmd in its own process group. (Outside Linux there
// is no Pdeathsig: a gridd whose test binary died without its cleanups
// keeps running.)
func startProcess(cmd *exec.Cmd) error {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	return cmd.Start()
}
