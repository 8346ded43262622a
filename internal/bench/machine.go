package bench

import (
	"bufio"
	"os"
	"runtime"
	"strings"
)

// Machine is what the figures ran on.
type Machine struct {
	CPUs      int    // logical CPUs the harness may use (nproc)
	CPUModel  string // from /proc/cpuinfo, "" where there is none
	GoVersion string
	OS, Arch  string
}

// ThisMachine describes the machine the harness runs on.
func ThisMachine() Machine {
	return Machine{
		CPUs:      runtime.NumCPU(),
		CPUModel:  cpuModel("/proc/cpuinfo"),
		GoVersion: runtime.Version(),
		OS:        runtime.GOOS,
		Arch:      runtime.GOARCH,
	}
}

// cpuModel returns the first "model name" of a cpuinfo file.
func cpuModel(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
