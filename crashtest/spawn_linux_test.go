//go:build linux

package crashtest

import (
	"os/exec"
	"runtime"
	"sync"
	"syscall"
)

// On Linux, gridd also dies with the test binary, even one that panics or
// that go test kills at its -timeout, when no cleanup runs: the kernel
// sends it SIGKILL when the thread that started it exits (Pdeathsig).
// Since that is the thread, not the process, every gridd is started from
// one goroutine locked to its thread for the life of the binary.

var spawner struct {
	once sync.Once
	reqs chan func()
}

// startProcess starts cmd in its own process group, to die with the test
// binary.
func startProcess(cmd *exec.Cmd) error {
	spawner.once.Do(func() {
		spawner.reqs = make(chan func())
		go func() {
			runtime.LockOSThread() // never unlocked: the thread lives as long as the binary
			for f := range spawner.reqs {
				f()
			}
		}()
	})
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	errc := make(chan error, 1)
	spawner.reqs <- func() { errc <- cmd.Start() }
	return <-errc
}
