package main

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/mattn/go-sqlite3"
)

// What the figures were measured on, so that a table can be reproduced
// and compared: the machine, the file system the databases were on, the
// versions, and how busy the machine was.

// environment describes the machine and the software.
type environment struct {
	CPUs       int
	CPUModel   string
	Kernel     string
	FileSystem string
	Go         string
	GRPC       string
	SQLite     string
	Driver     string
	PostgreSQL string // the engines phase's server version, if it ran on PostgreSQL
	LoadStart  string
	LoadEnd    string
}

func readEnvironment(dir string) environment {
	e := environment{CPUs: runtime.NumCPU(), Go: runtime.Version(), CPUModel: cpuModel(),
		FileSystem: fileSystem(dir), LoadStart: loadAverage()}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		e.Kernel = strings.TrimSpace(string(b))
	}
	lib, _, _ := sqlite3.Version()
	e.SQLite = lib
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, m := range info.Deps {
			switch m.Path {
			case "google.golang.org/grpc":
				e.GRPC = m.Version
			case "github.com/mattn/go-sqlite3":
				e.Driver = m.Version
			}
		}
	}
	return e
}

// cpuModel is the first "model name" of /proc/cpuinfo.
func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return "unknown"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if name, value, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(name) == "model name" {
			return strings.TrimSpace(value)
		}
	}
	return "unknown"
}

// loadAverage is /proc/loadavg's 1, 5 and 15 minute load averages.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// fileSystem names the file system dir is on, from its magic number.
func fileSystem(dir string) string {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return "unknown"
	}
	names := map[int64]string{0xEF53: "ext4", 0x58465342: "xfs", 0x9123683E: "btrfs", 0x01021994: "tmpfs",
		0x794c7630: "overlayfs", 0x2FC12FC1: "zfs", 0x6969: "nfs", 0x65735546: "fuse"}
	if n, ok := names[int64(st.Type)]; ok {
		return n
	}
	return fmt.Sprintf("type 0x%x", st.Type)
}
