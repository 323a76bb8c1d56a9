//go:build unix

package renderer

import (
	"syscall"
	"time"
)

// processCPUTime is the CPU time (user and system) the test process has used so far. On a
// machine shared with other work, CPU time per operation is a steadier figure than wall time.
func processCPUTime() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
