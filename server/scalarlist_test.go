package server

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/ozgform/ozgform/engine"
	"github.com/ozgform/ozgform/forms"
)

// minItemsListForm has a list of plain values that needs two entries (as FIM's "Anschriftzeile",
// Anzahl 2:3) and a second step, so that the list's step is saved with "Weiter".
var minItemsListForm = fstest.MapFS{
	"zeilen/form.json": {Data: []byte(`{"id": "zeilen", "version": "1.0.0", "title": "Zeilen", "authority": {"name": "Amt"}, "leika": "99000000000000", "privacyNotice": "x"}`)},
	"zeilen/schema.json": {Data: []byte(`{"type": "object", "properties": {
  "anschrift": {"type": "array", "title": "Anschriftzeilen", "items": {"type": "string", "title": "Anschriftzeile", "maxLength": 60}, "minItems": 2, "maxItems": 3},
  "bemerkung": {"type": "string", "title": "Bemerkung"}
}, "required": ["anschrift"]}`)},
	"zeilen/layout.json": {Data: []byte(`{"type": "Categorization", "elements": [
  {"type": "Category", "label": "Anschrift", "elements": [{"type": "Control", "scope": "#/properties/anschrift"}]},
  {"type": "Category", "label": "Sonstiges", "elements": [{"type": "Control", "scope": "#/properties/bemerkung"}]}
]}`)},
}

// TestScalarListMinItemsWithoutScript: a list of plain values with minItems 2 shows two inputs
// from the start, keeps both lines when the step is posted without JavaScript, reports a
// missing second line at the list with both inputs still there, stops adding at maxItems, and
// submits both lines.
func TestScalarListMinItemsWithoutScript(t *testing.T) {
	cat, problems := forms.LoadCatalog(minItemsListForm, ".", forms.Options{})
	if problems.HasErrors() || cat.Get("zeilen") == nil {
		t.Fatal(problems)
	}
	app := newTestAppWith(t, cat)
	b := app.browser()
	b.get(formURL("zeilen"))
	start := b.post(formURL("zeilen"), nil)
	wantStatus(t, "start", start, http.StatusSeeOther)
	step := stepURL("zeilen", 0)
	inputs := func(body string) string {
		var out []string
		for _, m := range regexp.MustCompile(`name="/anschrift/(\d+)" value="([^"]*)"`).FindAllStringSubmatch(body, -1) {
			out = append(out, m[1]+"="+m[2])
		}
		return strings.Join(out, " ")
	}
	p := b.get(step)
	wantStatus(t, "step", p, http.StatusOK)
	if got := inputs(p.body); got != "0= 1=" {
		t.Fatalf("a new draft shows %q, want two empty inputs (minItems 2)", got)
	}
	if strings.Contains(p.body, `value="remove:/anschrift/`) {
		t.Error("a list at its minimum offers to remove an entry")
	}

	// Only the first line: the list is short; both inputs come back, the first filled.
	r := b.post(step, url.Values{"/anschrift/0": {"Rue de la Paix 1"}, "/anschrift/1": {""}, "_action": {"weiter"}})
	wantStatus(t, "post one line", r, http.StatusSeeOther)
	if !strings.Contains(r.location, "fehler=1") {
		t.Fatalf("one of two lines is accepted (→ %s)", r.location)
	}
	p, _ = b.follow(r)
	if got := inputs(p.body); got != "0=Rue de la Paix 1 1=" {
		t.Errorf("after posting one line the step shows %q", got)
	}
	if !strings.Contains(p.body, "mindestens 2 Einträge") {
		t.Errorf("no minItems message:\n%s", errorSummary(p.body))
	}

	// Add a third line (the maximum), then no further "Hinzufügen".
	r = b.post(step, url.Values{"/anschrift/0": {"Rue de la Paix 1"}, "/anschrift/1": {"75002 Paris"}, "_action": {"add:/anschrift"}})
	wantStatus(t, "add", r, http.StatusSeeOther)
	p, _ = b.follow(r)
	if got := inputs(p.body); got != "0=Rue de la Paix 1 1=75002 Paris 2=" {
		t.Errorf("after add the step shows %q", got)
	}
	if strings.Contains(p.body, `value="add:/anschrift"`) {
		t.Error("a list at maxItems offers to add an entry")
	}

	// Both lines posted without JavaScript: both are kept, the empty third vanishes.
	r = b.post(step, url.Values{"/anschrift/0": {"Rue de la Paix 1"}, "/anschrift/1": {"75002 Paris"}, "/anschrift/2": {""}, "_action": {"weiter"}})
	wantStatus(t, "post two lines", r, http.StatusSeeOther)
	if strings.Contains(r.location, "fehler=1") {
		p, _ = b.follow(r)
		t.Fatalf("two lines are refused:\n%s", errorSummary(p.body))
	}
	p = b.get(step)
	if got := inputs(p.body); got != "0=Rue de la Paix 1 1=75002 Paris" {
		t.Errorf("the saved step shows %q", got)
	}
	r = b.post(stepURL("zeilen", 1), url.Values{"_action": {"weiter"}})
	wantStatus(t, "second step", r, http.StatusSeeOther)
	review, _ := b.follow(r)
	if !strings.Contains(review.body, "Rue de la Paix 1, 75002 Paris") {
		t.Errorf("review lacks both lines:\n%s", clip(review.body))
	}
	data, _ := engine.DecodeData(b.submit("zeilen").Data)
	if got := fmt.Sprint(data["anschrift"]); got != "[Rue de la Paix 1 75002 Paris]" {
		t.Errorf("submitted anschrift = %s", got)
	}
}
