//go:build linux || darwin

package bench

import (
	"os"
	"runtime"
	"syscall"
)

// peakRSS is the ended process's ru_maxrss in bytes (kilobytes on Linux,
// bytes on macOS): the fallback where /proc is missing. On Linux it may
// include the parent's memory shared before exec; see instance.stop.
func peakRSS(ps *os.ProcessState) int64 {
	if ps == nil {
		return 0
	}
	ru, ok := ps.SysUsage().(*syscall.Rusage)
	if !ok {
		return 0
	}
	if runtime.GOOS == "darwin" {
		return int64(ru.Maxrss)
	}
	return int64(ru.Maxrss) * 1024
}
