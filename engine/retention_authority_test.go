package engine

import (
	"testing"
	"time"

	"github.com/ozgform/ozgform/authority"
)

// TestRetentionForAuthority: an authority's own retention replaces the form's; the others
// keep the form's.
func TestRetentionForAuthority(t *testing.T) {
	dir := authority.NewDirectory([]authority.Authority{
		{ID: "beispielheim", ARS: []string{"089990000002"}, RetentionDays: 60},
		{ID: "musterstadt", ARS: []string{"089990000001"}},
	}, nil)
	r := RetentionFor(nil, dir)
	day := 24 * time.Hour
	for _, tc := range []struct {
		authority string
		want      time.Duration
	}{{"beispielheim", 60 * day}, {"musterstadt", 30 * day}, {"", 30 * day}, {"gibtsnicht", 30 * day}} {
		if got := r("hundesteuer", tc.authority); got != tc.want {
			t.Errorf("%q: %v, want %v", tc.authority, got, tc.want)
		}
	}
	if got := RetentionFor(nil, nil)("x", "beispielheim"); got != 30*day {
		t.Errorf("without directory: %v", got)
	}
}
