package postgres

import (
	"testing"

	"github.com/ozgform/ozgform/engine"
)

// TestPgKind pins the mapping of SQLSTATE codes to error kinds: what a citizen sees (503 and
// "try again" for Unavailable, 500 for Internal) depends on it.
func TestPgKind(t *testing.T) {
	tests := map[string]engine.Kind{
		"23505": engine.KindConflict,
		"23503": engine.KindNotFound,
		"22P02": engine.KindInvalid,
		"08006": engine.KindUnavailable, // connection failure
		"53100": engine.KindUnavailable, // disk full
		"57P01": engine.KindUnavailable, // admin shutdown
		"57P03": engine.KindUnavailable, // cannot connect now
		"55000": engine.KindUnavailable, // not accepting connections yet
		"55P03": engine.KindUnavailable, // lock not available
		"25006": engine.KindUnavailable, // read-only standby
		"40001": engine.KindUnavailable, // serialization failure
		"XX000": engine.KindInternal,
		"42P01": engine.KindInternal, // undefined table: a bug, not the citizen's problem
	}
	for code, want := range tests {
		if got := pgKind(code); got != want {
			t.Errorf("pgKind(%s) = %v, want %v", code, got, want)
		}
	}
}
