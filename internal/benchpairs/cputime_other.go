//go:build !unix

package benchpairs

import "time"

func processCPU() (time.Duration, bool) { return 0, false }
