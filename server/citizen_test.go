package server

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// Tests of the citizen-facing findings of the outside review (issue 14).

// labelOf returns the label element of the input with id.
func labelOf(tb testing.TB, body, id string) string {
	tb.Helper()
	m := regexp.MustCompile(`<label for="` + regexp.QuoteMeta(id) + `">.*?</label>`).FindString(body)
	if m == "" {
		tb.Fatalf("no label for %s", id)
	}
	return m
}

// TestConditionalRequiredMarkFollowsValidation (point 10): in the Gewerbeanmeldung with
// Rechtsform GmbH, Registergericht and Registernummer (a dependentRequired pair: both or
// neither) are not marked as required while both are empty, which the validation accepts;
// once the Registernummer is given, the Registergericht is required and marked.
func TestConditionalRequiredMarkFollowsValidation(t *testing.T) {
	app := newTestApp(t)
	b := app.browser()
	b.get(formURL("gewerbeanmeldung"))
	b.post(formURL("gewerbeanmeldung"), nil)
	step1 := stepURL("gewerbeanmeldung", 0)
	b.get(step1)
	b.post(step1, url.Values{"/rechtsform": {"gmbh"}, "_action": {"refresh"}})
	page := b.get(step1)
	for _, id := range []string{"f.unternehmen.registergericht", "f.unternehmen.registernummer"} {
		if l := labelOf(t, page.body, id); strings.Contains(l, "Pflichtfeld") {
			t.Errorf("%s is marked as required while the validation accepts it empty: %s", id, l)
		}
	}
	if l := labelOf(t, page.body, "f.unternehmen.name"); !strings.Contains(l, "Pflichtfeld") {
		t.Errorf("the name (required for a GmbH) is not marked: %s", l)
	}
	r := b.post(step1, url.Values{"/rechtsform": {"gmbh"}, "/unternehmen/name": {"Muster GmbH"}, "/unternehmen/registernummer": {"HRB 12345"}})
	page, _ = b.follow(r)
	wantStatus(t, "step 1 with a Registernummer only", page, http.StatusOK)
	if l := labelOf(t, page.body, "f.unternehmen.registergericht"); !strings.Contains(l, "Pflichtfeld") {
		t.Errorf("Registergericht, now required, is not marked: %s", l)
	}
	if !strings.Contains(page.body, `id="f.unternehmen.registergericht-fehler"`) {
		t.Errorf("no error at the Registergericht:\n%s", clip(page.body))
	}
}
