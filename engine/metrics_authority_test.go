package engine

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// TestMetricsByAuthority: submissions to the authorities of Einer-für-Alle forms are counted
// per authority; submissions of forms with one authority only per form.
func TestMetricsByAuthority(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, err := NewMetrics(reg, nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	m.Submitted(&Submission{FormID: "hundesteuer", AuthorityID: "beispielheim"})
	m.Submitted(&Submission{FormID: "hundesteuer", AuthorityID: "beispielheim"})
	m.Submitted(&Submission{FormID: "hundesteuer", AuthorityID: "musterstadt"})
	m.Submitted(&Submission{FormID: "gewerbeanmeldung"})
	if got := testutil.ToFloat64(m.authorities.WithLabelValues("beispielheim")); got != 2 {
		t.Errorf("beispielheim: %v submissions, want 2", got)
	}
	if got := testutil.CollectAndCount(m.authorities); got != 2 {
		t.Errorf("%d authority series, want 2 (none for a form of one authority)", got)
	}
	if got := testutil.ToFloat64(m.submissions.WithLabelValues("hundesteuer")); got != 3 {
		t.Errorf("hundesteuer: %v submissions, want 3", got)
	}
	var none *Metrics
	none.Submitted(&Submission{FormID: "x", AuthorityID: "y"}) // a nil *Metrics records nothing
}
