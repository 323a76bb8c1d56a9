package engine

import (
	"maps"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/ozgform/ozgform/forms"
)

// requiredVariants are data to ask RequiredNow about: each sample, and each sample with one
// value outside lists removed or replaced by each choice of its field (true and false for a
// checkbox), so that every condition is met and missed.
func requiredVariants(form *forms.Form, samples []map[string]any) []map[string]any {
	out := []map[string]any{{}}
	for _, s := range samples {
		out = append(out, s)
		for _, fd := range form.Fields {
			if strings.Contains(fd.Path, "*") {
				continue
			}
			without, _ := forms.CloneData(s).(map[string]any)
			deletePath(without, fd.Path)
			out = append(out, without)
			var values []any
			for _, ch := range fd.Choices {
				values = append(values, ch.Value)
			}
			if fd.Type == "boolean" {
				values = append(values, true, false)
			}
			for _, v := range values {
				with, _ := forms.CloneData(s).(map[string]any)
				setPath(with, fd.Path, v)
				out = append(out, with)
			}
		}
	}
	return out
}

// TestPlainRequiredMatchesValidation: for every example form, page and data variant,
// RequiredNow decides the plainly stated conditions exactly as validating the data without
// each field's value does.
func TestPlainRequiredMatchesValidation(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join("..", "examples", "*", "form.json"))
	if err != nil {
		t.Fatal(err)
	}
	plainFields, decided, required := 0, 0, 0
	for _, file := range dirs {
		dir := filepath.Dir(file)
		form := loadValidationExample(t, dir)
		for _, fd := range form.Fields {
			if fd.RequiredIf != nil {
				plainFields++
			}
		}
		files, _ := filepath.Glob(filepath.Join(dir, "samples", "*.json"))
		var samples []map[string]any
		for _, f := range files {
			if m, ok := readValidationSample(t, f).(map[string]any); ok {
				samples = append(samples, m)
			}
		}
		for _, data := range requiredVariants(form, samples) {
			for i := range form.Pages {
				want := requiredNowBy(form, i, data, false)
				got := requiredNowBy(form, i, data, true)
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("%s page %d: plain conditions give %v, validation %v\ndata: %v", form.Manifest.ID, i, got, want, data)
				}
				for _, in := range PageInputs(form, i, data) {
					if in.Field.RequiredIf != nil && in.Path == in.Field.Path {
						decided++
						if got[in.Path] {
							required++
						}
					}
				}
			}
		}
	}
	t.Logf("%d fields with plain conditions; %d decisions, %d of them required", plainFields, decided, required)
	if plainFields == 0 || required == 0 || required == decided {
		t.Fatal("the examples do not exercise both outcomes of plain conditions")
	}
}

// TestPlainRequiredShapes: which schemas count as plain, and that RequiredNow agrees with
// validation for each, including a field a rule looks at and a value hidden by a rule.
func TestPlainRequiredShapes(t *testing.T) {
	schema := `{
  "type": "object",
  "properties": {
    "art": {"type": "string", "title": "Art", "enum": ["a", "b", "c"]},
    "schluessel": {"type": "string", "title": "Schlüssel"},
    "abhaengig": {"type": "string", "title": "Abhängig"},
    "dann": {"type": "string", "title": "Dann"},
    "sonst": {"type": "string", "title": "Sonst"},
    "verschachtelt": {"type": "string", "title": "Verschachtelt"},
    "alternative": {"type": "string", "title": "Alternative"},
    "quelle": {"type": "string", "title": "Quelle"},
    "versteckt": {"type": "string", "title": "Versteckt"},
    "folge": {"type": "string", "title": "Folge"},
    "firma": {"type": "object", "title": "Firma", "properties": {
      "nummer": {"type": "string", "title": "Nummer"},
      "gericht": {"type": "string", "title": "Gericht"}
    }, "dependentRequired": {"nummer": ["gericht"]}},
    "doppelt": {"type": "object", "title": "Doppelt", "properties": {
      "a": {"type": "string", "title": "A"},
      "b": {"type": "string", "title": "B"}
    }, "dependentRequired": {"a": ["b"]}}
  },
  "dependentRequired": {"schluessel": ["abhaengig"]},
  "allOf": [
    {"if": {"properties": {"art": {"const": "a"}}, "required": ["art"]}, "then": {"required": ["dann"]}, "else": {"required": ["sonst"]}},
    {"if": {"required": ["art"]}, "then": {"if": {"properties": {"art": {"const": "b"}}}, "then": {"required": ["verschachtelt"]}}},
    {"if": {"required": ["schluessel"]}, "then": {"required": ["alternative"]}},
    {"anyOf": [{"required": ["alternative"]}, {"required": ["art"]}]},
    {"if": {"properties": {"quelle": {"const": "x"}}, "required": ["quelle"]}, "then": {"required": ["folge"]}},
    {"if": {"properties": {"versteckt": {"const": "x"}}, "required": ["versteckt"]}, "then": {"required": ["folge"]}},
    {"if": {"properties": {"art": {"const": "b"}}, "required": ["art"]}, "then": {"properties": {"doppelt": {"required": ["b"]}}}}
  ]
}`
	layout := `{"type": "VerticalLayout", "elements": [
  {"type": "Control", "scope": "#/properties/art"},
  {"type": "Control", "scope": "#/properties/schluessel"},
  {"type": "Control", "scope": "#/properties/abhaengig"},
  {"type": "Control", "scope": "#/properties/dann"},
  {"type": "Control", "scope": "#/properties/sonst"},
  {"type": "Control", "scope": "#/properties/verschachtelt"},
  {"type": "Control", "scope": "#/properties/alternative"},
  {"type": "Control", "scope": "#/properties/quelle",
   "rule": {"effect": "SHOW", "condition": {"scope": "#/properties/folge", "schema": {"const": "zeigen"}}}},
  {"type": "Control", "scope": "#/properties/versteckt",
   "rule": {"effect": "HIDE", "condition": {"scope": "#/properties/art", "schema": {"const": "c"}}}},
  {"type": "Control", "scope": "#/properties/folge"},
  {"type": "Control", "scope": "#/properties/firma/properties/nummer"},
  {"type": "Control", "scope": "#/properties/firma/properties/gericht"},
  {"type": "Control", "scope": "#/properties/doppelt/properties/a"},
  {"type": "Control", "scope": "#/properties/doppelt/properties/b"}
]}`
	form, problems := forms.Load(forms.MapFS{
		"form.json":   []byte(`{"id": "bedingt", "version": "1.0.0", "title": "Bedingt", "authority": {"name": "Amt"}, "leika": "99000000000000", "privacyNotice": "x"}`),
		"schema.json": []byte(schema), "layout.json": []byte(layout),
	}, "bedingt", forms.Options{})
	if form == nil {
		t.Fatal(problems)
	}
	plain := map[string]bool{}
	for _, fd := range form.Fields {
		plain[fd.Name] = fd.RequiredIf != nil
	}
	want := map[string]bool{
		"abhaengig": true, "dann": true, "sonst": true, "folge": true, "gericht": true,
		// a second schema (a then) applies to the object around b
		"b": false, "a": false, "nummer": false,
		// nested if in a then, anyOf: decided by validation
		"verschachtelt": false, "alternative": false,
		// named by an anyOf
		"art": false,
		// not conditionally required at all
		"schluessel": false, "quelle": false, "versteckt": false,
	}
	if !reflect.DeepEqual(plain, want) {
		t.Errorf("plain conditions: %v\nwant %v", plain, want)
	}
	// folge is plain, but a rule looks at it: removing its value hides quelle, on which
	// its own condition depends, so only validation gives the right answer.
	if !form.RuleDepends("/folge") || !form.RuleDepends("/art") || form.RuleDepends("/dann") {
		t.Error("RuleDepends is wrong")
	}
	values := map[string][]any{
		"art": {nil, "a", "b", "c"}, "schluessel": {nil, "k"}, "dann": {nil, "zeigen", "d"},
		"quelle": {nil, "x"}, "versteckt": {nil, "x"}, "abhaengig": {nil, "v"}, "folge": {nil, "zeigen", "f"},
		"firma":   {nil, map[string]any{}, map[string]any{"nummer": "1"}, map[string]any{"nummer": "1", "gericht": "g"}, "kein Objekt"},
		"doppelt": {nil, map[string]any{"a": "1"}},
	}
	keys := slices.Sorted(maps.Keys(values))
	n := 0
	var walk func(i int, data map[string]any)
	walk = func(i int, data map[string]any) {
		if i == len(keys) {
			got, want := requiredNowBy(form, 0, data, true), requiredNowBy(form, 0, data, false)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%v: plain conditions give %v, validation %v", data, got, want)
			}
			n++
			return
		}
		for _, v := range values[keys[i]] {
			d := maps.Clone(data)
			if v != nil {
				d[keys[i]] = v
			}
			walk(i+1, d)
		}
	}
	walk(0, map[string]any{})
	if n != 4*2*3*2*2*2*3*5*2 {
		t.Fatalf("only %d combinations", n)
	}
	// Values that are no JSON: validation reports them and requires nothing.
	if got := requiredNowBy(form, 0, map[string]any{"schluessel": make(chan int)}, true); len(got) != 0 {
		t.Errorf("non-JSON data: %v", got)
	}
}
