package renderer

import (
	"bytes"
	"strings"
	"testing"

	"github.com/ozgform/ozgform/forms"
)

// widgetTestForm is a form with the JSON Forms widgets and options ozgform renders.
func widgetTestForm(tb testing.TB) *forms.Form {
	tb.Helper()
	fsys := forms.MapFS{
		"form.json": []byte(`{"id": "w", "version": "1.0.0", "title": "Widgets", "authority": {"name": "Amt"}, "leika": "99000000000000", "privacyNotice": "x"}`),
		"schema.json": []byte(`{
  "type": "object",
  "properties": {
    "geburtsdatum": {"type": "string", "format": "date", "title": "Geburtsdatum"},
    "wurftag": {"type": "string", "format": "date", "title": "Wurftag"},
    "termin": {"type": "string", "format": "date", "title": "Termin"},
    "uhrzeit": {"type": "string", "format": "time", "title": "Uhrzeit"},
    "beginn": {"type": "string", "format": "date-time", "title": "Beginn"},
    "newsletter": {"type": "boolean", "title": "Newsletter"},
    "zufriedenheit": {"type": "integer", "minimum": 1, "maximum": 5, "title": "Zufriedenheit"},
    "plz": {"type": "string", "maxLength": 5, "title": "PLZ"},
    "kennwort": {"type": "string", "format": "password", "title": "Kennwort"},
    "farbe": {"type": "string", "title": "Farbe", "enum": ["rot", "blau"]},
    "name": {"type": "string", "title": "Name"}
  },
  "required": ["name"]
}`),
		"layout.json": []byte(`{"type": "VerticalLayout", "elements": [
  {"type": "Control", "scope": "#/properties/geburtsdatum"},
  {"type": "Control", "scope": "#/properties/wurftag", "options": {"dateInput": "parts"}},
  {"type": "Control", "scope": "#/properties/termin", "options": {"dateInput": "picker"}},
  {"type": "Control", "scope": "#/properties/uhrzeit"},
  {"type": "Control", "scope": "#/properties/beginn"},
  {"type": "Control", "scope": "#/properties/newsletter", "options": {"toggle": true}},
  {"type": "Control", "scope": "#/properties/zufriedenheit", "options": {"slider": true}},
  {"type": "Control", "scope": "#/properties/plz", "options": {"restrict": true, "trim": true}},
  {"type": "Control", "scope": "#/properties/kennwort"},
  {"type": "Control", "scope": "#/properties/farbe", "options": {"orientation": "horizontal", "showSortButtons": true}},
  {"type": "Control", "scope": "#/properties/name", "label": false, "options": {"hideRequiredAsterisk": true}},
  {"type": "Control", "scope": "#/properties/name", "label": {"text": "Ihr Name"}}
]}`),
	}
	f, problems := forms.Load(fsys, "w", forms.Options{})
	if f == nil {
		tb.Fatal(problems)
	}
	var warned []string
	for _, p := range problems {
		warned = append(warned, p.Code)
	}
	for _, code := range []string{"layout-option", "scope-duplicate"} {
		if !strings.Contains(strings.Join(warned, " "), code) {
			tb.Errorf("no %s warning; got %v", code, problems)
		}
	}
	return f
}

func TestJSONFormsWidgets(t *testing.T) {
	f := widgetTestForm(t)
	h := htmlTestRenderer(t)
	data := map[string]any{
		"geburtsdatum": "1985-11-28", "wurftag": "2020-02-29", "termin": "2026-12-24",
		"uhrzeit": "13:37:00", "beginn": "2026-12-07T13:37:00+01:00", "newsletter": true,
		"plz": "12345", "kennwort": "geheim", "name": "Anna",
	}
	var buf bytes.Buffer
	if err := h.Step(&buf, &StepPage{Common: Common{Lang: "de", CSRF: "x"}, Form: f, Page: 0, Data: data}); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	for what, want := range map[string]string{
		"date as one text field with German value": `type="text" id="f.geburtsdatum" name="/geburtsdatum" value="28.11.1985" aria-describedby="f.geburtsdatum-format"`,
		"date format hint":                         `<p class="hinweis" id="f.geburtsdatum-format">Zum Beispiel 28.11.1985 (TT.MM.JJJJ)</p>`,
		"date parts: day":                          `inputmode="numeric" id="f.wurftag" name="/wurftag" value="29"`,
		"date parts: month":                        `id="f.wurftag-monat" name="/wurftag" value="02"`,
		"date parts: year":                         `id="f.wurftag-jahr" name="/wurftag" value="2020"`,
		"date parts labelled":                      `<label for="f.wurftag-jahr">Jahr</label>`,
		"date picker":                              `type="date" id="f.termin" name="/termin" value="2026-12-24"`,
		"time":                                     `id="f.uhrzeit" name="/uhrzeit" value="13:37"`,
		"date-time in Berlin":                      `id="f.beginn" name="/beginn" value="07.12.2026 13:37"`,
		"toggle":                                   `role="switch"`,
		"slider range":                             `Eine Zahl von 1 bis 5.`,
		"restrict and trim":                        `class="eingabe eingabe-text eingabe-kurz" type="text" id="f.plz" name="/plz" value="12345" maxlength="5" size="6"`,
		"password not echoed":                      `type="password" id="f.kennwort" name="/kennwort" value="" autocomplete="off"`,
		"orientation":                              `optionen-nebeneinander`,
		"label false: for screen readers only":     `<label for="f.name" class="sr">Name<span class="sr"> (Pflichtfeld)</span></label>`,
		"second control shows the value":           `<p class="feld kopie"><span class="kopie-beschriftung">Ihr Name:</span> Anna</p>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("%s: page lacks %s", what, want)
		}
	}
	if strings.Count(page, `name="/name"`) != 1 {
		t.Error("a field shown twice must have one input")
	}
	if strings.Contains(page, "geheim") {
		t.Error("the password is sent back to the browser")
	}
}

// TestElementLabelProp: the items of a repeatable group are named by number and, where
// options.elementLabelProp names a property with a value, by that value too.
func TestElementLabelProp(t *testing.T) {
	f, problems := forms.Load(forms.MapFS{
		"form.json":   []byte(`{"id": "h", "version": "1.0.0", "title": "H", "authority": {"name": "Amt"}}`),
		"schema.json": []byte(`{"type": "object", "properties": {"hunde": {"type": "array", "title": "Hunde", "items": {"type": "object", "properties": {"name": {"type": "string", "title": "Name"}}}}}}`),
		"layout.json": []byte(`{"type": "VerticalLayout", "elements": [{"type": "ListWithDetail", "scope": "#/properties/hunde", "options": {"itemLabel": "Hund", "labelRef": "#/items/properties/name"}}]}`),
	}, "h", forms.Options{})
	if f == nil {
		t.Fatal(problems)
	}
	data := map[string]any{"hunde": []any{map[string]any{"name": "Bello"}, map[string]any{}}}
	var buf bytes.Buffer
	if err := htmlTestRenderer(t).Step(&buf, &StepPage{Common: Common{Lang: "de", CSRF: "x"}, Form: f, Page: 0, Data: data}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<legend>Hund 1: Bello</legend>", "<legend>Hund 2</legend>"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("page lacks %s", want)
		}
	}
	if a := f.Answers(data, "de"); len(a) != 1 || len(a[0].Items) < 1 || a[0].Items[0].Label != "Hund 1: Bello" {
		t.Errorf("review heading: %+v", a)
	}
}
