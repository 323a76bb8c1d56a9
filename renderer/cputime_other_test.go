//go:build !unix

package renderer

import "time"

func processCPUTime() (time.Duration, bool) { return 0, false }
