package forms

import (
	"os"
	"strings"
	"testing"
)

// TestFormMapGewerbeanmeldung: the map of the Gewerbeanmeldung names every step, the rule that
// shows a field, the answer that requires another, and the building blocks.
func TestFormMapGewerbeanmeldung(t *testing.T) {
	f, problems := Load(os.DirFS("../examples/gewerbeanmeldung"), "gewerbeanmeldung", Options{Now: fixedClock})
	if f == nil {
		t.Fatal(problems)
	}
	var b strings.Builder
	if err := f.Map().WriteText(&b); err != nil {
		t.Fatal(err)
	}
	text := b.String()
	t.Log(text)
	for _, want := range []string{
		"Formularkarte: ",
		"Schritt 1: ",
		"nur sichtbar, wenn „Rechtsform des Betriebs“ = „Sonstige Rechtsform“ (sonstige)",
		"Baustein anschrift-inland.json",
		"Bausteine:\n  - anschrift-inland.json (Felder: Anschrift der Wohnung, Anschrift der Betriebsstätte)\n",
		"Bedingte Pflichtfelder:",
		"Codelisten: keine",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("map lacks %q", want)
		}
	}
	if n := len(f.Map().Steps); n != len(f.Pages) {
		t.Errorf("map has %d steps, form %d", n, len(f.Pages))
	}
}

// TestFormMapPageRule: a step shown only for one answer says so, and the field whose answer
// decides lists the step among what it controls.
func TestFormMapPageRule(t *testing.T) {
	layout := `{"type": "Categorization", "elements": [
  {"type": "Category", "label": "Eins", "elements": [{"type": "Control", "scope": "#/properties/name"}, {"type": "Control", "scope": "#/properties/art"}]},
  {"type": "Category", "label": "Zwei", "elements": [{"type": "Control", "scope": "#/properties/details"}],
   "rule": {"effect": "SHOW", "condition": {"scope": "#/properties/art", "schema": {"const": "b"}}}}
]}`
	f, problems := Load(testForm(map[string]string{"layout.json": layout}), "test", Options{Now: fixedClock})
	if f == nil {
		t.Fatal(problems)
	}
	m := f.Map()
	if got := m.Steps[1].Rule; got != "nur sichtbar, wenn „Art“ = „B“ (b)" {
		t.Errorf("step rule = %q", got)
	}
	art := m.Steps[0].Items[1]
	if art.Path != "/art" || len(art.Controls) != 1 || !strings.HasPrefix(art.Controls[0], "Schritt 2 „Zwei“: nur sichtbar") {
		t.Errorf("art item = %+v", art)
	}
	if m.Steps[0].Items[0].Required != "Pflicht" {
		t.Errorf("name is required: %+v", m.Steps[0].Items[0])
	}
}

// TestFormMapCodeLists: the map lists the code lists a form uses, with their fields.
func TestFormMapCodeLists(t *testing.T) {
	f, problems := Load(os.DirFS("../examples/mutterschutz"), "mutterschutz", Options{Now: fixedClock})
	if f == nil {
		t.Fatal(problems)
	}
	var staat *MapUse
	for i, u := range f.Map().CodeLists {
		if strings.HasPrefix(u.Name, "Staat (urn:de:bund:destatis:bevoelkerungsstatistik:schluessel:staat") {
			staat = &f.Map().CodeLists[i]
		}
	}
	if staat == nil || len(staat.Fields) == 0 || staat.Fields[0] != "Staat" {
		t.Fatalf("code lists: %+v", f.Map().CodeLists)
	}
}

// TestSampleDataFillsFields: generated sample data answer every field that is not a group or
// an attachment, with values of the field's kind.
func TestSampleDataFillsFields(t *testing.T) {
	f, problems := Load(os.DirFS("../examples/hundesteuer"), "hundesteuer", Options{Now: fixedClock})
	if f == nil {
		t.Fatal(problems)
	}
	data := f.SampleData()
	for _, fd := range f.Fields {
		if fd.Widget == WidgetGroup || fd.Widget == WidgetRepeat || fd.Widget == WidgetFile {
			continue
		}
		v, ok := Lookup(data, fd.Path, []int{0, 0})
		if !ok {
			t.Errorf("%s: no sample value", fd.Path)
			continue
		}
		if len(fd.Choices) > 0 && fd.Widget != WidgetCheckboxes && !jsonEqual(normalizeNumber(v), normalizeNumber(fd.Choices[0].Value)) {
			t.Errorf("%s: %v is not the first choice", fd.Path, v)
		}
		if fd.Format != "" {
			if check, known := Formats[fd.Format]; known {
				if s, _ := v.(string); check(s) != nil {
					t.Errorf("%s: %q is no valid %s", fd.Path, s, fd.Format)
				}
			}
		}
	}
}
