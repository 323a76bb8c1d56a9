package main

import (
	"os"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// Loading a catalog allocates about 1.3 MB per form, of which little stays (the files and, for
// a bounded number of forms, the compiled form). With GOGC at its default of 100 the garbage
// collector ran every few megabytes and took about a fifth of the CPU time of checking 1,000
// forms (issue 16). While serve and check load forms, withLoadingGC lets the heap grow to
// loadingGCPercent above the live heap instead, but never beyond loadingHeapCeiling: as the
// live heap grows (a large catalog), the percentage falls back towards 100, never below. The
// peak memory of a start thus stays where it was, and serve gives the garbage back to the
// operating system before it serves (debug.FreeOSMemory).
const (
	loadingGCPercent   = 400
	loadingHeapCeiling = 192 << 20
)

// withLoadingGC runs load with the garbage collector tuned for loading (see above) and restores
// the setting afterwards. An operator's own GOGC (environment variable) is left as it is.
func withLoadingGC(load func()) {
	if _, set := os.LookupEnv("GOGC"); set {
		load()
		return
	}
	old := debug.SetGCPercent(loadingGCPercent)
	defer debug.SetGCPercent(old)
	stop, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			metrics.Read(sample)
			debug.SetGCPercent(loadingPercent(sample[0].Value.Uint64()))
		}
	}()
	load()
	close(stop)
	<-stopped
}

// loadingPercent is the GOGC for a live heap of live bytes: loadingGCPercent, or less so that
// the heap goal stays below loadingHeapCeiling, but at least 100.
func loadingPercent(live uint64) int {
	if live == 0 {
		return loadingGCPercent
	}
	p := int(loadingHeapCeiling*100/live) - 100
	return max(100, min(loadingGCPercent, p))
}
