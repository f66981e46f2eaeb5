//go:build unix

package bench

import (
	"runtime"
	"syscall"
	"time"
)

// selfUsage reports this process's CPU time (user + system) and peak
// resident set size in bytes, from getrusage(RUSAGE_SELF).
func selfUsage() (cpu time.Duration, peakRSS int64, ok bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, 0, false
	}
	cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	peakRSS = int64(ru.Maxrss)
	// ru_maxrss is in KiB on Linux and the BSDs, in bytes on Darwin.
	if runtime.GOOS != "darwin" && runtime.GOOS != "ios" {
		peakRSS *= 1024
	}
	return cpu, peakRSS, true
}
