package engine

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/ozgform/ozgform/forms"
)

// validationTestSchema exercises the cases of Validate: nested objects, a conditional requirement, a
// choice, date limits and order, a repeatable group, author overrides and additionalProperties.
const validationTestSchema = `{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "type": "object",
  "properties": {
    "person": {
      "type": "object",
      "title": "Antragstellerin oder Antragsteller",
      "properties": {
        "familienname": {"type": "string", "title": "Familienname", "format": "name", "minLength": 1, "maxLength": 20},
        "vornamen": {"type": "string", "title": "Vornamen", "format": "name"},
        "geburtsdatum": {"type": "string", "title": "Geburtsdatum", "format": "date", "x-maxDate": "today"}
      },
      "required": ["familienname", "vornamen"],
      "additionalProperties": false
    },
    "art": {
      "type": "string",
      "title": "Art des Antrags",
      "oneOf": [
        {"const": "neu", "title": "Neuantrag"},
        {"const": "verlaengerung", "title": "Verlängerung"}
      ]
    },
    "grund": {"type": "string", "title": "Begründung", "maxLength": 10},
    "anzahl": {"type": "integer", "title": "Anzahl", "minimum": 1},
    "betrag": {"type": "number", "title": "Betrag", "maximum": 1234.5},
    "zeitraum": {
      "type": "object",
      "title": "Zeitraum",
      "properties": {
        "beginn": {"type": "string", "title": "Beginn", "format": "date", "x-minDate": "2026-01-01"},
        "ende": {"type": "string", "title": "Ende", "format": "date"}
      },
      "x-dateOrder": [["beginn", "ende"]],
      "additionalProperties": false
    },
    "hunde": {
      "type": "array",
      "title": "Hunde",
      "minItems": 1,
      "maxItems": 3,
      "items": {
        "type": "object",
        "title": "Hund",
        "properties": {
          "name": {"type": "string", "title": "Name des Hundes", "minLength": 1},
          "chipnummer": {
            "type": "string",
            "title": "Chipnummer",
            "pattern": "^[0-9]{15}$",
            "errorMessage": {"pattern": "Die Chipnummer besteht aus 15 Ziffern."}
          }
        },
        "required": ["name", "chipnummer"],
        "additionalProperties": false
      }
    },
    "sprachen": {
      "type": "array",
      "title": "Sprachen",
      "minItems": 1,
      "items": {"enum": ["de", "en", "fr"]}
    },
    "iban": {
      "type": "string",
      "title": "IBAN",
      "format": "iban",
      "errorMessage": "Bitte prüfen Sie Ihre IBAN noch einmal."
    },
    "bestaetigung": {"type": "boolean", "const": true, "title": "Ich bestätige die Angaben."}
  },
  "required": ["person", "art", "bestaetigung"],
  "allOf": [
    {
      "if": {"properties": {"art": {"const": "verlaengerung"}}, "required": ["art"]},
      "then": {"required": ["grund"]}
    }
  ],
  "additionalProperties": false
}`

// validationTestLayout puts the fields in an order that differs from the alphabetical one.
const validationTestLayout = `{
  "type": "VerticalLayout",
  "elements": [
    {"type": "Control", "scope": "#/properties/person"},
    {"type": "Control", "scope": "#/properties/art"},
    {"type": "Control", "scope": "#/properties/grund"},
    {"type": "Control", "scope": "#/properties/anzahl"},
    {"type": "Control", "scope": "#/properties/betrag"},
    {"type": "Control", "scope": "#/properties/zeitraum"},
    {"type": "Control", "scope": "#/properties/hunde"},
    {"type": "Control", "scope": "#/properties/sprachen"},
    {"type": "Control", "scope": "#/properties/iban"},
    {"type": "Control", "scope": "#/properties/bestaetigung"}
  ]
}`

const validationTestEnglish = `{
  "person.familienname.label": "Surname",
  "hunde.chipnummer.label": "Chip number",
  "hunde.chipnummer.error.pattern": "The chip number has 15 digits.",
  "zeitraum.beginn.label": "Start",
  "zeitraum.ende.label": "End"
}`

// validationTestNow is the injected clock: 28 November 2026, noon in Berlin.
var validationTestNow = time.Date(2026, 11, 28, 12, 0, 0, 0, time.FixedZone("CET", 3600))

// loadInlineForm loads a form from an inline schema and layout.
func loadInlineForm(tb testing.TB, schema, layout string, i18n map[string]string) *forms.Form {
	tb.Helper()
	fsys := fstest.MapFS{
		"form.json":   {Data: []byte(`{"id": "test", "version": "1.0.0", "title": "Testantrag", "authority": {"name": "Testamt"}, "leika": "99000000000000", "languages": ["de", "en"]}`)},
		"schema.json": {Data: []byte(schema)},
		"layout.json": {Data: []byte(layout)},
	}
	for lang, text := range i18n {
		fsys["i18n/"+lang+".json"] = &fstest.MapFile{Data: []byte(text)}
	}
	form, problems := forms.Load(fsys, "test", forms.Options{Now: func() time.Time { return validationTestNow }})
	if form == nil {
		tb.Fatalf("loading the test form: %v", problems)
	}
	return form
}

// loadValidationForm loads the form of validationTestSchema with its English translation.
func loadValidationForm(tb testing.TB) *forms.Form {
	tb.Helper()
	return loadInlineForm(tb, validationTestSchema, validationTestLayout, map[string]string{"en": validationTestEnglish})
}

// decodeTestJSON parses JSON; with useNumber, numbers become json.Number.
func decodeTestJSON(tb testing.TB, s string, useNumber bool) any {
	tb.Helper()
	dec := json.NewDecoder(strings.NewReader(s))
	if useNumber {
		dec.UseNumber()
	}
	var v any
	if err := dec.Decode(&v); err != nil {
		tb.Fatalf("decoding %s: %v", s, err)
	}
	return v
}

// validTestData is valid data for validationTestSchema; cases change parts of it.
const validTestData = `{
  "person": {"familienname": "Müller-Lüdenscheidt", "vornamen": "Anna Maria", "geburtsdatum": "1980-05-17"},
  "art": "neu",
  "anzahl": 2,
  "betrag": 99.5,
  "zeitraum": {"beginn": "2026-03-01", "ende": "2026-04-01"},
  "hunde": [{"name": "Bello", "chipnummer": "276098106543210"}],
  "sprachen": ["de"],
  "iban": "DE89 3704 0044 0532 0130 00",
  "bestaetigung": true
}`

// withPatch returns validTestData with the top-level properties of patch replaced (null
// removes one).
func withPatch(tb testing.TB, patch string) string {
	tb.Helper()
	base := decodeTestJSON(tb, validTestData, true).(map[string]any)
	for k, v := range decodeTestJSON(tb, patch, true).(map[string]any) {
		if v == nil {
			delete(base, k)
		} else {
			base[k] = v
		}
	}
	b, err := json.Marshal(base)
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

// briefErrors is "path messageId" of every error, for compact expectations.
func briefErrors(errs []FieldError) []string {
	out := make([]string, len(errs))
	for i, fe := range errs {
		out[i] = fe.Path + " " + fe.MessageID
	}
	return out
}

func TestValidate(t *testing.T) {
	form := loadValidationForm(t)
	cases := []struct {
		name  string
		patch string
		want  []string
	}{
		{"valid", `{}`, nil},
		{"required names the child", `{"person": {"vornamen": "Anna"}}`,
			[]string{"/person/familienname required"}},
		{"required top level, by widget", `{"art": null, "bestaetigung": null, "person": null}`,
			[]string{"/person required", "/art required.choice", "/bestaetigung required.confirm"}},
		{"several missing children each get their error", `{"person": {}}`,
			[]string{"/person/familienname required", "/person/vornamen required"}},
		{"empty text is missing", `{"hunde": [{"name": "", "chipnummer": "276098106543210"}]}`,
			[]string{"/hunde/0/name required"}},
		{"conditionally required at the child", `{"art": "verlaengerung"}`,
			[]string{"/grund required"}},
		{"condition not met", `{"art": "neu", "grund": null}`, nil},
		{"choice is one error", `{"art": "sonstiges"}`,
			[]string{"/art choice"}},
		{"enum item of a checkbox group belongs to the group", `{"sprachen": ["de", "xx"]}`,
			[]string{"/sprachen choice"}},
		{"checkbox group minItems", `{"sprachen": []}`,
			[]string{"/sprachen minItems.choice"}},
		{"const checkbox", `{"bestaetigung": false}`,
			[]string{"/bestaetigung required.confirm"}},
		{"date order at the later field", `{"zeitraum": {"beginn": "2026-05-01", "ende": "2026-04-30"}}`,
			[]string{"/zeitraum/ende dateOrder"}},
		{"min date", `{"zeitraum": {"beginn": "2025-12-31"}}`,
			[]string{"/zeitraum/beginn minDate"}},
		{"max date today", `{"person": {"familienname": "Müller", "vornamen": "Anna", "geburtsdatum": "2026-11-29"}}`,
			[]string{"/person/geburtsdatum maxDate.today"}},
		{"today itself is fine", `{"person": {"familienname": "Müller", "vornamen": "Anna", "geburtsdatum": "2026-11-28"}}`, nil},
		{"malformed date is a format error", `{"person": {"familienname": "Müller", "vornamen": "Anna", "geburtsdatum": "2026-02-30"}}`,
			[]string{"/person/geburtsdatum format.date"}},
		{"string where number expected", `{"anzahl": "drei", "betrag": "viel"}`,
			[]string{"/anzahl type.integer", "/betrag type.number"}},
		{"fraction where integer expected", `{"anzahl": 1.5}`,
			[]string{"/anzahl type.integer"}},
		{"object where string expected", `{"grund": {"a": 1}}`,
			[]string{"/grund type.string"}},
		{"limits", `{"anzahl": 0, "betrag": 2000, "grund": "viel zu lang"}`,
			[]string{"/grund maxLength", "/anzahl minimum", "/betrag maximum"}},
		{"list limits", `{"hunde": []}`,
			[]string{"/hunde minItems"}},
		{"too many items", `{"hunde": [{"name": "A", "chipnummer": "276098106543210"}, {"name": "B", "chipnummer": "276098106543211"}, {"name": "C", "chipnummer": "276098106543212"}, {"name": "D", "chipnummer": "276098106543213"}]}`,
			[]string{"/hunde maxItems"}},
		{"repeatable groups in item order", `{"hunde": [{"name": "Bello", "chipnummer": "123"}, {"name": ""}, {"chipnummer": "x"}]}`,
			[]string{"/hunde/0/chipnummer pattern", "/hunde/1/name required", "/hunde/1/chipnummer required", "/hunde/2/name required", "/hunde/2/chipnummer pattern"}},
		{"additional properties", `{"unbekannt": 1, "person": {"familienname": "Müller", "vornamen": "Anna", "extra": true}}`,
			[]string{"/person/extra notAllowed", "/unbekannt notAllowed"}},
		{"additional property in an item", `{"hunde": [{"name": "Bello", "chipnummer": "276098106543210", "farbe": "braun"}]}`,
			[]string{"/hunde/0/farbe notAllowed"}},
		{"DIN 91379 name", `{"person": {"familienname": "Иванов", "vornamen": "Anna"}}`,
			[]string{"/person/familienname format.name"}},
		{"IBAN", `{"iban": "DE89 3704 0044 0532 0130 01"}`,
			[]string{"/iban format.iban"}},
		{"one error per field, required first", `{"person": {"familienname": "Иванов-Иванов-Иванов-Иванов", "vornamen": "Anna"}}`,
			[]string{"/person/familienname format.name"}},
		{"everything at once", `{
			"person": {"familienname": "Иванов", "geburtsdatum": "2026-11-29", "extra": 1},
			"art": "abc", "anzahl": "drei", "betrag": 2000,
			"zeitraum": {"beginn": "2026-05-01", "ende": "2026-04-01"},
			"hunde": [{"name": "Bello", "chipnummer": "123"}, {"name": "Rex"}],
			"bestaetigung": false, "unbekannt": true}`,
			[]string{
				"/person/familienname format.name",
				"/person/vornamen required",
				"/person/geburtsdatum maxDate.today",
				"/art choice",
				"/anzahl type.integer",
				"/betrag maximum",
				"/zeitraum/ende dateOrder",
				"/hunde/0/chipnummer pattern",
				"/hunde/1/chipnummer required",
				"/bestaetigung required.confirm",
				"/person/extra notAllowed",
				"/unbekannt notAllowed",
			}},
		{"not an object", `[]`, []string{" type.object"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			input := tc.patch
			if strings.HasPrefix(strings.TrimSpace(input), "{") {
				input = withPatch(t, tc.patch)
			}
			for _, useNumber := range []bool{true, false} {
				errs := Validate(form, decodeTestJSON(t, input, useNumber))
				if got := briefErrors(errs); !reflect.DeepEqual(got, tc.want) && !(len(got) == 0 && len(tc.want) == 0) {
					t.Errorf("useNumber=%v:\n got %q\nwant %q", useNumber, got, tc.want)
				}
			}
		})
	}
}

func TestValidateNil(t *testing.T) {
	form := loadValidationForm(t)
	got := briefErrors(Validate(form, nil))
	if want := []string{" type.object"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Validate(nil) = %q, want %q", got, want)
	}
	if got := briefErrors(Validate(nil, map[string]any{})); !reflect.DeepEqual(got, []string{" schemaError"}) {
		t.Errorf("Validate without form = %q, want a schemaError", got)
	}
}

func TestValidateParams(t *testing.T) {
	form := loadValidationForm(t)
	cases := []struct {
		name  string
		patch string
		want  FieldError
	}{
		{"maxLength", `{"grund": "viel zu lang"}`,
			FieldError{Path: "/grund", MessageID: "maxLength", Keyword: "maxLength", Params: map[string]any{"limit": 10, "actual": 12}}},
		{"maximum", `{"betrag": 2000}`,
			FieldError{Path: "/betrag", MessageID: "maximum", Keyword: "maximum", Params: map[string]any{"limit": 1234.5, "actual": 2000.0}}},
		{"choice", `{"art": "x"}`,
			FieldError{Path: "/art", MessageID: "choice", Keyword: "oneOf", Params: map[string]any{"choices": []any{"neu", "verlaengerung"}}}},
		{"conditionally required", `{"art": "verlaengerung"}`,
			FieldError{Path: "/grund", MessageID: "required", Keyword: "required"}},
		{"dateOrder", `{"zeitraum": {"beginn": "2026-05-01", "ende": "2026-04-30"}}`,
			FieldError{Path: "/zeitraum/ende", MessageID: "dateOrder", Keyword: "x-dateOrder", Params: map[string]any{
				"earlier": "Beginn", "earlierPath": "/zeitraum/beginn", "earlierValue": "2026-05-01", "value": "2026-04-30"}}},
		{"maxDate", `{"person": {"familienname": "Müller", "vornamen": "Anna", "geburtsdatum": "2027-01-01"}}`,
			FieldError{Path: "/person/geburtsdatum", MessageID: "maxDate.today", Keyword: "x-maxDate", Params: map[string]any{"limit": "2026-11-28", "value": "2027-01-01"}}},
		{"type", `{"anzahl": "drei"}`,
			FieldError{Path: "/anzahl", MessageID: "type.integer", Keyword: "type", Params: map[string]any{"want": []string{"integer"}, "got": "string"}}},
		{"additionalProperties", `{"zz": 1}`,
			FieldError{Path: "/zz", MessageID: "notAllowed", Keyword: "additionalProperties", Params: map[string]any{"property": "zz"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			errs := Validate(form, decodeTestJSON(t, withPatch(t, tc.patch), false))
			if len(errs) != 1 || !reflect.DeepEqual(errs[0], tc.want) {
				t.Errorf("got %#v\nwant %#v", errs, tc.want)
			}
		})
	}
}

// TestValidateStableOrder checks that the order does not depend on the validator's (map)
// order: many errors, 100 runs, one result.
func TestValidateStableOrder(t *testing.T) {
	form := loadValidationForm(t)
	input := withPatch(t, `{
		"person": {"familienname": "Иванов", "geburtsdatum": "2026-11-29", "a": 1, "b": 2, "c": 3},
		"art": "abc", "anzahl": "drei", "betrag": 2000, "grund": "viel zu lang",
		"zeitraum": {"beginn": "2026-05-01", "ende": "2026-04-01"},
		"hunde": [{"name": "", "chipnummer": "123", "x": 1}, {"name": "Rex"}, {}],
		"sprachen": ["xx", "yy"],
		"bestaetigung": false, "u1": true, "u2": true, "u3": true}`)
	var first []FieldError
	for i := 0; i < 100; i++ {
		errs := Validate(form, decodeTestJSON(t, input, i%2 == 0))
		if i == 0 {
			first = errs
			continue
		}
		if !reflect.DeepEqual(briefErrors(errs), briefErrors(first)) {
			t.Fatalf("run %d differs:\n%q\nfirst run:\n%q", i, briefErrors(errs), briefErrors(first))
		}
	}
	// Layout order: every known field's position must not decrease.
	last := -1
	for _, fe := range first {
		class, key := (&validation{form: form}).sortKey(fe.Path)
		if class != 1 {
			continue
		}
		pos := key[len(key)-1]
		if len(key) > 1 {
			pos = key[0]
		}
		if pos < last {
			t.Errorf("%s is out of layout order in %q", fe.Path, briefErrors(first))
		}
		last = pos
	}
	seen := map[string]bool{}
	for _, fe := range first {
		if seen[fe.Path] {
			t.Errorf("two errors at %s", fe.Path)
		}
		seen[fe.Path] = true
	}
}

// TestValidateAlternatives checks how failed anyOf/oneOf branches are reported.
func TestValidateAlternatives(t *testing.T) {
	schema := `{
	  "type": "object",
	  "properties": {
	    "kurz": {"title": "Kurzangabe", "anyOf": [{"type": "string", "maxLength": 2}, {"type": "integer"}]},
	    "typen": {"title": "Typen", "anyOf": [{"type": "string"}, {"type": "integer"}]},
	    "zahl": {"title": "Zahl", "type": "integer", "anyOf": [{"const": 1}, {"const": 2}]},
	    "person": {
	      "title": "Person",
	      "oneOf": [
	        {"type": "object", "properties": {"art": {"const": "natuerlich"}, "name": {"type": "string", "title": "Name"}}, "required": ["art", "name"]},
	        {"type": "object", "properties": {"art": {"const": "juristisch"}, "firma": {"type": "string", "title": "Firma"}}, "required": ["art", "firma"]}
	      ]
	    },
	    "doppelt": {"title": "Doppelt", "oneOf": [{"type": "string"}, {"maxLength": 5}]},
	    "kontakt": {
	      "title": "Kontakt",
	      "type": "object",
	      "properties": {"email": {"type": "string", "title": "E-Mail"}, "telefon": {"type": "string", "title": "Telefon"}},
	      "oneOf": [{"required": ["email"]}, {"required": ["telefon"]}],
	      "errorMessage": {"oneOf": "Bitte geben Sie genau eines an: E-Mail oder Telefon."}
	    }
	  }
	}`
	layout := `{"type": "VerticalLayout", "elements": [
	  {"type": "Control", "scope": "#/properties/kurz"},
	  {"type": "Control", "scope": "#/properties/typen"},
	  {"type": "Control", "scope": "#/properties/zahl"},
	  {"type": "Control", "scope": "#/properties/doppelt"},
	  {"type": "Control", "scope": "#/properties/kontakt"}
	]}`
	form := loadInlineForm(t, schema, layout, nil)
	cases := []struct {
		data string
		want []string
	}{
		{`{"kurz": "abc"}`, []string{"/kurz maxLength"}},
		{`{"kurz": true}`, []string{"/kurz type"}},
		{`{"typen": 1.5}`, []string{"/typen type"}},
		{`{"zahl": 3}`, []string{"/zahl choice"}},
		{`{"person": {"art": "natuerlich"}}`, []string{"/person/name required"}},
		{`{"person": {"art": "juristisch", "firma": 1}}`, []string{"/person/firma type.string"}},
		{`{"doppelt": "abc"}`, []string{"/doppelt ambiguous"}},
		// Every branch misses only a property of the object itself: one error at the object,
		// not the first branch's field.
		{`{"kontakt": {}}`, []string{"/kontakt noMatch"}},
	}
	for _, tc := range cases {
		errs := Validate(form, decodeTestJSON(t, tc.data, true))
		if got := briefErrors(errs); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s:\n got %q\nwant %q", tc.data, got, tc.want)
		}
	}
	errs := Validate(form, decodeTestJSON(t, `{"kontakt": {}}`, true))
	if len(errs) != 1 || errs[0].Path != "/kontakt" {
		t.Fatalf("missing alternative: got %#v, want one error at /kontakt", errs)
	}
	if msg := NewCatalog().Message(form, errs[0], "de"); !strings.Contains(msg, "genau eines") {
		t.Errorf("the author's errorMessage for oneOf is not used: %q (%#v)", msg, errs[0])
	}
	errs = Validate(form, decodeTestJSON(t, `{"kurz": true}`, true))
	if want := []string{"string", "integer"}; len(errs) != 1 || !reflect.DeepEqual(errs[0].Params["want"], want) {
		t.Errorf("merged type error: got %#v, want types %q", errs, want)
	}
}

// TestValidateHostileData checks values that decoded JSON cannot contain but Go callers can
// pass: they are refused with an error instead of reaching the validator.
func TestValidateHostileData(t *testing.T) {
	form := loadValidationForm(t)
	cyclic := map[string]any{}
	cyclic["person"] = cyclic
	deep := any("x")
	for i := 0; i < 10_000; i++ {
		deep = []any{deep}
	}
	wide := map[string]any{}
	shared := map[string]any{}
	for i := 0; i < 40; i++ {
		next := map[string]any{"a": shared, "b": shared}
		shared = next
	}
	wide["person"] = shared
	cases := []struct {
		name string
		data any
	}{
		{"cyclic", cyclic},
		{"deep", map[string]any{"hunde": deep}},
		{"exponential sharing", wide},
		{"NaN", map[string]any{"betrag": nanValue()}},
		{"Go type", map[string]any{"person": map[string]string{"familienname": "x"}}},
		{"malformed number", map[string]any{"betrag": json.Number("1..2")}},
		{"huge exponent", map[string]any{"betrag": json.Number("1e999999999")}},
		{"hex number", map[string]any{"betrag": json.Number("0x10")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			errs := Validate(form, tc.data)
			if len(errs) == 0 {
				t.Fatal("no error")
			}
			for _, fe := range errs {
				if fe.MessageID != "invalidValue" {
					t.Errorf("got %s at %q, want invalidValue", fe.MessageID, fe.Path)
				}
			}
		})
	}
	// Numbers that are fine.
	for _, patch := range []string{
		`{"betrag": 0}`, `{"betrag": -1}`, `{"betrag": 1.5}`, `{"betrag": 1e3}`, `{"betrag": 1E-3}`,
		`{"anzahl": 123456789012345678901234567890}`, `{"anzahl": 1e2}`,
	} {
		errs := Validate(form, decodeTestJSON(t, withPatch(t, patch), true))
		if len(errs) != 0 {
			t.Errorf("%s: %q", patch, briefErrors(errs))
		}
	}
}

func nanValue() float64 {
	zero := 0.0
	return zero / zero
}

// validationExamples returns the example form folders.
func validationExamples(tb testing.TB) []string {
	tb.Helper()
	dirs, err := filepath.Glob(filepath.Join("..", "examples", "*", "form.json"))
	if err != nil {
		tb.Fatal(err)
	}
	for i, d := range dirs {
		dirs[i] = filepath.Dir(d)
	}
	return dirs
}

// loadValidationExample loads an example form with the real clock.
func loadValidationExample(tb testing.TB, dir string) *forms.Form {
	tb.Helper()
	form, problems := forms.Load(os.DirFS(dir), filepath.Base(dir), forms.Options{})
	if form == nil {
		tb.Fatalf("%s: %v", dir, problems)
	}
	return form
}

// readValidationSample reads a data file with numbers as json.Number.
func readValidationSample(tb testing.TB, file string) any {
	tb.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		tb.Fatal(err)
	}
	return decodeTestJSON(tb, string(b), true)
}

// TestExamples validates the samples of every example form: valid.json has no errors, every
// invalid*.json has some.
func TestExamples(t *testing.T) {
	cat := NewCatalog()
	forEachExample(t, func(t *testing.T, form *forms.Form, samples []string) {
		for _, file := range samples {
			name := filepath.Base(file)
			errs := Validate(form, readValidationSample(t, file))
			switch {
			case name == "valid.json" && len(errs) > 0:
				t.Errorf("%s: %q", name, briefErrors(errs))
			case strings.HasPrefix(name, "invalid") && len(errs) == 0:
				t.Errorf("%s: no errors", name)
			}
			for _, fe := range errs {
				t.Logf("%s %s: %s | %s", name, fe.Path, cat.Message(form, fe, "de"), cat.Message(form, fe, "en"))
				if _, ok := cat.Template(fe.MessageID, "de"); !ok {
					t.Errorf("%s: unknown message id %q", name, fe.MessageID)
				}
			}
		}
	})
}

// forEachExample runs test as a subtest for every example form that has samples, with the
// form and its sample files.
func forEachExample(t *testing.T, test func(t *testing.T, form *forms.Form, samples []string)) {
	dirs := validationExamples(t)
	if len(dirs) == 0 {
		t.Skip("no examples")
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			form := loadValidationExample(t, dir)
			samples, _ := filepath.Glob(filepath.Join(dir, "samples", "*.json"))
			if len(samples) == 0 {
				t.Skip("no samples yet")
			}
			test(t, form, samples)
		})
	}
}

// validPointer reports whether p is a JSON pointer (RFC 6901).
func validPointer(p string) bool {
	if p == "" {
		return true
	}
	if p[0] != '/' {
		return false
	}
	for i := 0; i < len(p); i++ {
		if p[i] == '~' && (i+1 == len(p) || (p[i+1] != '0' && p[i+1] != '1')) {
			return false
		}
	}
	return true
}

// FuzzValidate protects the invariant: Validate never panics, and every error it returns has a
// message id the catalog knows, a path that is a valid JSON pointer and is the only error at
// that path, and renders to a message in German and English.
func FuzzValidate(f *testing.F) {
	list := []*forms.Form{loadValidationForm(f)}
	for _, dir := range validationExamples(f) {
		list = append(list, loadValidationExample(f, dir))
		samples, _ := filepath.Glob(filepath.Join(dir, "samples", "*.json"))
		for _, s := range samples {
			if b, err := os.ReadFile(s); err == nil {
				f.Add(b, true)
			}
		}
	}
	f.Add([]byte(validTestData), true)
	f.Add([]byte(validTestData), false)
	f.Add([]byte(`null`), false)
	f.Add([]byte(`{"person": {"familienname": "Иванов", "a~b/c": 1}, "hunde": [{}, {"chipnummer": 5}], "betrag": 1e400}`), true)
	f.Add([]byte(`{"art": ["neu"], "zeitraum": {"beginn": "2026-13-01", "ende": "2026-01-01"}, "sprachen": [1, 1]}`), false)
	cat := NewCatalog()
	f.Fuzz(func(t *testing.T, input []byte, useNumber bool) {
		dec := json.NewDecoder(strings.NewReader(string(input)))
		if useNumber {
			dec.UseNumber()
		}
		var data any
		if err := dec.Decode(&data); err != nil {
			return
		}
		for _, form := range list {
			seen := map[string]bool{}
			for _, fe := range Validate(form, data) {
				if _, ok := cat.Template(fe.MessageID, "de"); !ok {
					t.Errorf("unknown message id %q at %q", fe.MessageID, fe.Path)
				}
				if !validPointer(fe.Path) {
					t.Errorf("invalid JSON pointer %q", fe.Path)
				}
				if seen[fe.Path] {
					t.Errorf("two errors at %q", fe.Path)
				}
				seen[fe.Path] = true
				for _, lang := range []string{"de", "en"} {
					if msg := cat.Message(form, fe, lang); strings.TrimSpace(msg) == "" {
						t.Errorf("%s at %q: empty %s message", fe.MessageID, fe.Path, lang)
					}
				}
			}
		}
	})
}

// TestRequiredNowWithoutAnswers: the cached result for data without answers is the probe's
// result, page by page, for pages with conditionally required fields; data with a value is
// not cached.
func TestRequiredNowWithoutAnswers(t *testing.T) {
	form := loadValidationExample(t, filepath.Join("..", "examples", "gewerbeanmeldung"))
	probed := 0
	for i := range form.Pages {
		for _, in := range PageInputs(form, i, map[string]any{}) {
			if in.Field.RequiredWhen && !in.Field.Required {
				probed++
			}
		}
		for _, empty := range []string{`{}`, `{"inhaber": {}, "betriebsstaette": {}, "wohnanschrift": {}, "betriebKontakt": {}}`} {
			var data map[string]any
			if err := json.Unmarshal([]byte(empty), &data); err != nil {
				t.Fatal(err)
			}
			want := requiredNow(form, i, data)
			for range 2 {
				if got := RequiredNow(form, i, data); !reflect.DeepEqual(got, want) {
					t.Errorf("page %d, %s: %v, want %v", i, empty, got, want)
				}
			}
		}
	}
	if probed == 0 {
		t.Fatal("the form has no conditionally required field; the test shows nothing")
	}
	if hasAnswer(map[string]any{"a": map[string]any{}, "b": []any{}}) || !hasAnswer(map[string]any{"a": map[string]any{"b": false}}) {
		t.Error("hasAnswer is wrong")
	}
}
