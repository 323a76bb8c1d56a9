//go:build race

package server

// raceEnabled tells tests that measure memory that the race detector distorts the figures.
const raceEnabled = true
