package main

import (
	"os"
	"runtime/debug"
	"testing"
)

func TestLoadingPercent(t *testing.T) {
	for _, c := range []struct {
		live uint64
		want int
	}{
		{0, loadingGCPercent},
		{1 << 20, loadingGCPercent},                                         // a small heap: the full percentage
		{loadingHeapCeiling / 4, 300},                                       // the goal stays at the ceiling
		{loadingHeapCeiling / 2, 100},                                       // as with the default
		{loadingHeapCeiling * 2, 100},                                       // never below the default
		{loadingHeapCeiling / (loadingGCPercent/100 + 1), loadingGCPercent}, // goal exactly at the ceiling
	} {
		if got := loadingPercent(c.live); got != c.want {
			t.Errorf("live %d MiB: GOGC %d, want %d", c.live>>20, got, c.want)
		}
	}
}

// TestWithLoadingGC: loading runs with the raised percentage (the test's heap is small), and
// the setting in force before is in force after; an operator's GOGC is left alone.
func TestWithLoadingGC(t *testing.T) {
	if v, ok := os.LookupEnv("GOGC"); ok {
		os.Unsetenv("GOGC")
		t.Cleanup(func() { os.Setenv("GOGC", v) })
	}
	old := debug.SetGCPercent(123)
	defer debug.SetGCPercent(old)
	during := func() int {
		p := 0
		withLoadingGC(func() { p = debug.SetGCPercent(-1); debug.SetGCPercent(p) })
		return p
	}
	if p := during(); p != loadingGCPercent {
		t.Errorf("loading ran with GOGC %d, want %d", p, loadingGCPercent)
	}
	if now := debug.SetGCPercent(123); now != 123 {
		t.Errorf("after loading: GOGC %d, want 123", now)
	}
	t.Setenv("GOGC", "123")
	if p := during(); p != 123 {
		t.Errorf("with the operator's GOGC, loading ran with %d, want 123", p)
	}
}
