//go:build unix

package benchpairs

import (
	"syscall"
	"time"
)

// processCPU is the CPU time (user + system) this process has used: on a machine shared with other
// jobs it measures an operation's cost more steadily than the wall clock.
func processCPU() (time.Duration, bool) {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
