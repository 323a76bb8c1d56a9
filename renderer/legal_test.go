package renderer

import (
	"bytes"
	"strings"
	"testing"
)

// TestLegalAuthorityOverride: an authority's legal pages (Common.Legal) replace the portal's
// field by field in the footer (the hook for Einer für Alle, issue 14 point 9).
func TestLegalAuthorityOverride(t *testing.T) {
	h, err := NewHTML(Branding{Legal: Legal{Imprint: "https://portal.example/impressum", Privacy: "https://portal.example/datenschutz"}})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	p := &ResumePage{Common: Common{Lang: "de", Legal: &Legal{Imprint: "https://amt.example/impressum"}}, Action: "/fortsetzen"}
	if err := h.Resume(&buf, p); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`href="https://amt.example/impressum"`, `href="https://portal.example/datenschutz"`, `href="/barrierefreiheit"`} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("footer lacks %s", want)
		}
	}
	if strings.Contains(buf.String(), "portal.example/impressum") {
		t.Error("the portal's Impressum is shown despite the authority's")
	}
}

// TestLegalCheck: legal addresses must be http(s) URLs or paths on this server.
func TestLegalCheck(t *testing.T) {
	for _, l := range []Legal{
		{Imprint: "javascript:alert(1)"}, {Privacy: "//evil.example/x"}, {Accessibility: "data:text/html,x"},
		{Statement: AccessibilityStatement{FeedbackEmail: "javascript:x"}}, {Statement: AccessibilityStatement{Status: "gut"}},
	} {
		if _, err := NewHTML(Branding{Legal: l}); err == nil {
			t.Errorf("%+v accepted", l)
		}
	}
	if _, err := NewHTML(Branding{Legal: Legal{Imprint: "/impressum", Privacy: "https://x.example/d", Accessibility: "https://x.example/bf"}}); err != nil {
		t.Errorf("valid legal pages refused: %v", err)
	}
	if m := (Legal{}).Missing(); len(m) != 4 {
		t.Errorf("Missing() of empty legal pages: %v", m)
	}
}
