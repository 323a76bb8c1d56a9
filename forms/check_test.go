package forms

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// A small valid form that each case breaks in one place.
const (
	baseManifest = `{
  "id": "test",
  "version": "1.0.0",
  "title": "Testformular",
  "authority": {"name": "Testamt"},
  "leika": "99000000000000",
  "privacyNotice": "Hinweis."
}`
	baseSchema = `{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "type": "object",
  "properties": {
    "name": {"type": "string", "title": "Name"},
    "art": {"type": "string", "title": "Art", "oneOf": [{"const": "a", "title": "A"}, {"const": "b", "title": "B"}]},
    "details": {"type": "string", "title": "Details"}
  },
  "required": ["name"]
}`
	baseLayout = `{
  "type": "VerticalLayout",
  "elements": [
    {"type": "Control", "scope": "#/properties/name"},
    {"type": "Control", "scope": "#/properties/art"},
    {"type": "Control", "scope": "#/properties/details"}
  ]
}`
)

func testForm(files map[string]string) fstest.MapFS {
	fsys := fstest.MapFS{
		"form.json":   {Data: []byte(baseManifest)},
		"schema.json": {Data: []byte(baseSchema)},
		"layout.json": {Data: []byte(baseLayout)},
	}
	for name, content := range files {
		if content == "" {
			delete(fsys, name)
			continue
		}
		fsys[name] = &fstest.MapFile{Data: []byte(content)}
	}
	return fsys
}

func fixedClock() time.Time { return time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC) }

// TestCheckLinkURL: the addresses a form file may link to (issue 14, point 6).
func TestCheckLinkURL(t *testing.T) {
	for s, ok := range map[string]bool{
		"https://www.musterstadt.de/hundesteuer": true, "http://example.de": true, "HTTPS://EXAMPLE.DE/": true,
		"mailto:steueramt@musterstadt.de": true,
		"javascript:alert(1)":             false, "JavaScript:alert(1)": false, "data:text/html,x": false, "vbscript:x": false,
		"//example.de": false, "/pfad": false, "ftp://example.de": false, "https://user:pw@example.de": false,
		"mailto:": false, "mailto:javascript:alert(1)": false, "https://": false, "https://exa mple.de": false,
	} {
		if err := CheckLinkURL(s); (err == nil) != ok {
			t.Errorf("CheckLinkURL(%q) = %v, want ok=%v", s, err, ok)
		}
	}
}

func TestCheckValidBaseForm(t *testing.T) {
	problems := Check(testForm(nil), "test", Options{Now: fixedClock})
	if len(problems) != 0 {
		t.Fatalf("base form should be clean, got:\n%v", problems)
	}
}

func TestCheckFindsProblems(t *testing.T) {
	deep := strings.Repeat(`{"allOf":[`, 10000) + `{}` + strings.Repeat(`]}`, 10000)
	tests := []struct {
		name    string
		files   map[string]string
		file    string
		line    int // 0: do not check
		pointer string
		code    string
		text    string // part of the message
		warn    bool   // a warning, not an error
	}{
		{
			name:  "json syntax error with line and column",
			files: map[string]string{"schema.json": "{\n  \"type\": \"object\",\n  \"properties\": {\n    \"name\": {\"type\": \"string\",}\n  }\n}"},
			file:  "schema.json", line: 4, code: "json-syntax", text: "kein gültiges JSON",
		},
		{
			name:  "truncated json",
			files: map[string]string{"layout.json": `{"type": "VerticalLayout", "elements": [`},
			file:  "layout.json", line: 1, code: "json-syntax", text: "schließende Klammer",
		},
		{
			name:  "ref to a local file outside the folder",
			files: map[string]string{"schema.json": strings.Replace(baseSchema, `"details": {"type": "string", "title": "Details"}`, `"details": {"$ref": "file:///etc/passwd"}`, 1)},
			file:  "schema.json", line: 7, pointer: "/properties/details/$ref", code: "schema-ref", text: "nicht erlaubt",
		},
		{
			name:  "ref to the network",
			files: map[string]string{"schema.json": strings.Replace(baseSchema, `"details": {"type": "string", "title": "Details"}`, `"details": {"$ref": "https://example.com/evil.json"}`, 1)},
			file:  "schema.json", line: 7, pointer: "/properties/details/$ref", code: "schema-ref", text: "Formularordner",
		},
		{
			name:  "ref climbing out of the folder",
			files: map[string]string{"schema.json": strings.Replace(baseSchema, `"details": {"type": "string", "title": "Details"}`, `"details": {"$ref": "../other/schema.json"}`, 1)},
			file:  "schema.json", pointer: "/properties/details/$ref", code: "schema-ref",
		},
		{
			name:  "unknown building block",
			files: map[string]string{"schema.json": strings.Replace(baseSchema, `"details": {"type": "string", "title": "Details"}`, `"details": {"$ref": "https://ozgform.de/bausteine/v1/gibtsnicht.json"}`, 1)},
			file:  "schema.json", pointer: "/properties/details/$ref", code: "schema-ref", text: "anschrift-inland.json",
		},
		{
			name:  "schema nested 10000 levels deep",
			files: map[string]string{"schema.json": deep},
			file:  "schema.json", line: 1, code: "json-syntax", text: "zu tief verschachtelt",
		},
		{
			name:  "pattern that is not RE2",
			files: map[string]string{"schema.json": strings.Replace(baseSchema, `"title": "Details"`, `"title": "Details", "pattern": "^(?=x)\\d+$"`, 1)},
			file:  "schema.json", line: 7, pointer: "/properties/details/pattern", code: "schema-regex", text: "RE2",
		},
		{
			name:  "schema keyword of the wrong type",
			files: map[string]string{"schema.json": strings.Replace(baseSchema, `"title": "Details"`, `"title": "Details", "maxLength": "zehn"`, 1)},
			file:  "schema.json", line: 7, pointer: "/properties/details/maxLength", code: "schema-invalid", text: "erwartet",
		},
		{
			name:  "layout referencing itself",
			files: map[string]string{"layout.json": `{"type": "VerticalLayout", "elements": [{"$ref": "#"}]}`},
			file:  "layout.json", line: 1, pointer: "/elements/0/$ref", code: "layout-ref", text: "nicht erlaubt",
		},
		{
			name:  "scope that does not resolve",
			files: map[string]string{"layout.json": strings.Replace(baseLayout, "#/properties/details", "#/properties/detials", 1)},
			file:  "layout.json", line: 6, pointer: "/elements/2/scope", code: "scope-unresolved", text: "detials",
		},
		{
			name:  "required property missing from the layout is shown at the end",
			files: map[string]string{"layout.json": `{"type": "VerticalLayout", "elements": [{"type": "Control", "scope": "#/properties/art"}, {"type": "Control", "scope": "#/properties/details"}]}`},
			file:  "schema.json", line: 5, pointer: "/properties/name", code: "layout-missing", text: "am Ende der Seite", warn: true,
		},
		{
			name: "rule scope that does not exist",
			files: map[string]string{"layout.json": strings.Replace(baseLayout, `"scope": "#/properties/details"}`,
				`"scope": "#/properties/details", "rule": {"effect": "SHOW", "condition": {"scope": "#/properties/gibtsnicht", "schema": {"const": "b"}}}}`, 1)},
			file: "layout.json", line: 6, pointer: "/elements/2/rule/condition/scope", code: "rule-scope", text: "gibtsnicht",
		},
		{
			name: "rule condition that can never match the choices",
			files: map[string]string{"layout.json": strings.Replace(baseLayout, `"scope": "#/properties/details"}`,
				`"scope": "#/properties/details", "rule": {"effect": "SHOW", "condition": {"scope": "#/properties/art", "schema": {"const": "c"}}}}`, 1)},
			file: "layout.json", line: 6, pointer: "/elements/2/rule/condition", code: "rule-never", text: "nie erfüllt",
		},
		{
			name: "LEAF condition with the wrong type",
			files: map[string]string{"layout.json": strings.Replace(baseLayout, `"scope": "#/properties/details"}`,
				`"scope": "#/properties/details", "rule": {"effect": "SHOW", "condition": {"type": "LEAF", "scope": "#/properties/name", "expectedValue": 42}}}`, 1)},
			file: "layout.json", line: 6, pointer: "/elements/2/rule/condition", code: "rule-never", text: "42",
		},
		{
			name: "required field that a rule can hide",
			files: map[string]string{"layout.json": strings.Replace(baseLayout, `"scope": "#/properties/name"}`,
				`"scope": "#/properties/name", "rule": {"effect": "SHOW", "condition": {"scope": "#/properties/art", "schema": {"const": "b"}}}}`, 1)},
			file: "layout.json", line: 4, pointer: "/elements/0", code: "required-hidden", text: "if",
		},
		{
			name: "required field inside a hidden group",
			files: map[string]string{"layout.json": `{"type": "VerticalLayout", "elements": [
  {"type": "Control", "scope": "#/properties/art"},
  {"type": "Group", "label": "G", "rule": {"effect": "HIDE", "condition": {"scope": "#/properties/art", "schema": {"const": "a"}}},
   "elements": [{"type": "Control", "scope": "#/properties/name"}, {"type": "Control", "scope": "#/properties/details"}]}]}`},
			file: "layout.json", line: 4, pointer: "/elements/1/elements/0", code: "required-hidden",
		},
		{
			name:  "missing manifest id",
			files: map[string]string{"form.json": strings.Replace(baseManifest, `"id": "test",`, ``, 1)},
			file:  "form.json", code: "manifest-id", text: "„id“ fehlt",
		},
		{
			name:  "authority url with javascript:",
			files: map[string]string{"form.json": strings.Replace(baseManifest, `{"name": "Testamt"}`, `{"name": "Testamt", "url": "javascript:alert(1)"}`, 1)},
			file:  "form.json", pointer: "/authority/url", code: "manifest-url", text: "https://",
		},
		{
			name:  "authority url with data:",
			files: map[string]string{"form.json": strings.Replace(baseManifest, `{"name": "Testamt"}`, `{"name": "Testamt", "url": "data:text/html,<b>x</b>"}`, 1)},
			file:  "form.json", pointer: "/authority/url", code: "manifest-url",
		},
		{
			name:  "authority url without host",
			files: map[string]string{"form.json": strings.Replace(baseManifest, `{"name": "Testamt"}`, `{"name": "Testamt", "url": "https:/pfad"}`, 1)},
			file:  "form.json", pointer: "/authority/url", code: "manifest-url", text: "Rechnernamen",
		},
		{
			name:  "authority email that is no address",
			files: map[string]string{"form.json": strings.Replace(baseManifest, `{"name": "Testamt"}`, `{"name": "Testamt", "email": "javascript:alert(1)//@x"}`, 1)},
			file:  "form.json", pointer: "/authority/email", code: "manifest-email", text: "E-Mail-Adresse",
		},
		{
			name:  "version that is not semver",
			files: map[string]string{"form.json": strings.Replace(baseManifest, `"1.0.0"`, `"1.0"`, 1)},
			file:  "form.json", line: 3, pointer: "/version", code: "manifest-version", text: "semantische",
		},
		{
			name:  "missing title and authority",
			files: map[string]string{"form.json": `{"id": "test", "version": "1.0.0"}`},
			file:  "form.json", code: "manifest-authority", text: "authority",
		},
		{
			name:  "declared language without translation",
			files: map[string]string{"form.json": strings.Replace(baseManifest, `"title"`, `"languages": ["de", "en"], "title"`, 1)},
			file:  "form.json", pointer: "/languages", code: "i18n-missing", text: "i18n/en.json",
		},
		{
			name: "recursive schema shown as a group",
			files: map[string]string{
				"schema.json": `{"type": "object", "properties": {"name": {"type": "string", "title": "Name"}, "kind": {"$ref": "#"}}, "required": ["name"]}`,
				"layout.json": `{"type": "VerticalLayout", "elements": [{"type": "Control", "scope": "#/properties/name"}, {"type": "Control", "scope": "#/properties/kind"}]}`,
			},
			file: "layout.json", code: "layout-depth", text: "Rekursion",
		},
		{
			name:  "unknown element type",
			files: map[string]string{"layout.json": `{"type": "VerticalLayout", "elements": [{"type": "Kontrolle", "scope": "#/properties/name"}]}`},
			file:  "layout.json", line: 1, pointer: "/elements/0/type", code: "layout-type", text: "Kontrolle",
		},
		{
			name:  "missing schema file",
			files: map[string]string{"schema.json": ""},
			file:  "schema.json", code: "file", text: "fehlt",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			done := make(chan Problems, 1)
			go func() { done <- Check(testForm(tc.files), "test", Options{Now: fixedClock}) }()
			var problems Problems
			select {
			case problems = <-done:
			case <-time.After(20 * time.Second):
				t.Fatal("Check did not finish: it hangs on this input")
			}
			for _, p := range problems {
				if p.Code != tc.code || p.File != tc.file {
					continue
				}
				if tc.pointer != "" && p.Pointer != tc.pointer {
					continue
				}
				if tc.line != 0 && p.Line != tc.line {
					t.Errorf("problem %q at line %d, want line %d", p, p.Line, tc.line)
				}
				if !strings.Contains(p.Message, tc.text) {
					t.Errorf("message %q does not contain %q", p.Message, tc.text)
				}
				if want := map[bool]Severity{false: SeverityError, true: SeverityWarning}[tc.warn]; p.Severity != want {
					t.Errorf("problem %q is a %s, want %s", p, p.Severity, want)
				}
				return
			}
			t.Fatalf("no problem with code %s in %s at %q; got:\n%s", tc.code, tc.file, tc.pointer, problemLines(problems))
		})
	}
}

func problemLines(ps Problems) string {
	var b strings.Builder
	for _, p := range ps {
		b.WriteString(p.String() + "   [" + p.Code + "]\n")
	}
	return b.String()
}

func TestCheckHugeSchemaFile(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{"form.json": baseManifest, "layout.json": baseLayout} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// A sparse 100 MB file: the check must refuse it by size without reading it.
	f, err := os.Create(filepath.Join(dir, "schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(100 << 20); err != nil {
		t.Fatal(err)
	}
	f.Close()
	problems := Check(os.DirFS(dir), "test", Options{})
	for _, p := range problems {
		if p.File == "schema.json" && strings.Contains(p.Message, "zu groß") {
			return
		}
	}
	t.Fatalf("no size problem for a 100 MB schema; got:\n%s", problemLines(problems))
}

func TestLoadRefusesFormWithErrors(t *testing.T) {
	form, problems := Load(testForm(map[string]string{"layout.json": `{"type": "VerticalLayout", "elements": [{"type": "Control", "scope": "#/properties/nix"}]}`}), "test", Options{})
	if form != nil {
		t.Fatal("Load returned a form that has errors")
	}
	if !problems.HasErrors() {
		t.Fatal("Load reported no error")
	}
}

func TestProblemString(t *testing.T) {
	p := Problem{File: "examples/x/layout.json", Line: 3, Column: 7, Pointer: "/elements/0/scope", Severity: SeverityError, Message: "Der scope lässt sich nicht auflösen."}
	want := "examples/x/layout.json:3:7: /elements/0/scope: Der scope lässt sich nicht auflösen."
	if got := p.String(); got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestCheckUnknownFormatAndErrorKeys(t *testing.T) {
	schema := strings.Replace(baseSchema, `"title": "Details"`, `"title": "Details", "format": "IBAN"`, 1)
	problems := Check(testForm(map[string]string{
		"schema.json":  schema,
		"form.json":    strings.Replace(baseManifest, `"title"`, `"languages": ["de", "en"], "title"`, 1),
		"i18n/en.json": `{"form.title": "Test", "name.label": "Name", "art.label": "Kind", "art.a": "A", "art.b": "B", "details.label": "Details", "name.error.required": "Please.", "nix.error": "x"}`,
	}), "test", Options{})
	var gotFormat, gotUnusedErrorKey, flaggedKnownErrorKey bool
	for _, p := range problems {
		switch {
		case p.Code == "format-unknown" && p.Pointer == "/properties/details/format" && p.Line == 7:
			gotFormat = true
		case p.Code == "i18n-key-unused" && strings.Contains(p.Message, "nix.error"):
			gotUnusedErrorKey = true
		case p.Code == "i18n-key-unused" && strings.Contains(p.Message, "name.error.required"):
			flaggedKnownErrorKey = true
		}
	}
	if !gotFormat || !gotUnusedErrorKey || flaggedKnownErrorKey {
		t.Fatalf("format=%v unusedErrorKey=%v flaggedKnown=%v\n%s", gotFormat, gotUnusedErrorKey, flaggedKnownErrorKey, problemLines(problems))
	}
}

// TestCheckJSONSyntaxCause: the JSON parser sees a trailing comma only at the bracket after it
// and a missing comma only at the next key; check reports the comma itself and the end of the
// value before the missing comma.
func TestCheckJSONSyntaxCause(t *testing.T) {
	tests := []struct {
		name, content string
		line, col     int
		text          string
	}{
		{"trailing comma in an object", "{\n  \"type\": \"VerticalLayout\",\n  \"elements\": [],\n}", 3, 17, "überflüssiges Komma nach dem letzten Eintrag eines Objekts"},
		{"trailing comma in a list", "{\"type\": \"VerticalLayout\", \"elements\": [\n  {\"type\": \"Label\", \"text\": \"a\"},\n]}", 2, 33, "letzten Element einer Liste"},
		{"missing comma between members", "{\n  \"type\": \"VerticalLayout\"\n  \"elements\": []\n}", 2, 27, "fehlt ein Komma (der nächste Eintrag beginnt in Zeile 3)"},
		{"missing comma between elements", "{\"type\": \"VerticalLayout\", \"elements\": [\n  {\"type\": \"Label\", \"text\": \"a\"}\n  {\"type\": \"Label\", \"text\": \"b\"}\n]}", 2, 33, "fehlt ein Komma"},
		{"missing colon", "{\"type\" \"VerticalLayout\"}", 1, 8, "Doppelpunkt"},
		{"two commas", "{\"type\": \"VerticalLayout\",, \"elements\": []}", 1, 26, "zwei Kommas"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			problems := Check(testForm(map[string]string{"layout.json": tc.content}), "test", Options{Now: fixedClock})
			for _, p := range problems {
				if p.Code != "json-syntax" {
					continue
				}
				if p.File != "layout.json" || p.Line != tc.line || p.Column != tc.col || !strings.Contains(p.Message, tc.text) {
					t.Fatalf("got %s (line %d col %d), want layout.json:%d:%d with %q", p, p.Line, p.Column, tc.line, tc.col, tc.text)
				}
				return
			}
			t.Fatalf("no json-syntax problem in %v", problems)
		})
	}
}

// TestCheckRequiredHint (issue 14, point 10): a field the schema always requires whose hint
// says it may stay empty is reported; a conditionally required one ("leer lassen, wenn …",
// marked only while its condition holds) is not.
func TestCheckRequiredHint(t *testing.T) {
	schema := strings.Replace(baseSchema, `"name": {"type": "string", "title": "Name"}`,
		`"name": {"type": "string", "title": "Name", "description": "Leer lassen, wenn Sie keinen haben."}`, 1)
	problems := Check(testForm(map[string]string{"schema.json": schema}), "test", Options{Now: fixedClock})
	found := false
	for _, p := range problems {
		if p.Code == "required-hint" && p.Severity == SeverityWarning && p.File == "schema.json" && p.Pointer == "/properties/name" &&
			strings.Contains(p.Message, "Leer lassen") {
			found = true
		}
	}
	if !found {
		t.Errorf("no required-hint warning:\n%s", problemLines(problems))
	}
	conditional := strings.Replace(strings.Replace(baseSchema,
		`"details": {"type": "string", "title": "Details"}`, `"details": {"type": "string", "title": "Details", "description": "Leer lassen, wenn keine Art gewählt ist."}`, 1),
		`"required": ["name"]`, `"required": ["name"], "dependentRequired": {"art": ["details"]}`, 1)
	for _, p := range Check(testForm(map[string]string{"schema.json": conditional}), "test", Options{Now: fixedClock}) {
		if p.Code == "required-hint" {
			t.Errorf("a conditionally required field is reported: %s", p)
		}
	}
}

// TestCheckRepeatedLegend (issue 14, point 12): a group inside a group with the same legend.
func TestCheckRepeatedLegend(t *testing.T) {
	layout := `{"type": "VerticalLayout", "elements": [
  {"type": "Group", "label": "Angaben", "elements": [
    {"type": "Group", "label": "angaben ", "elements": [{"type": "Control", "scope": "#/properties/name"}]},
    {"type": "Control", "scope": "#/properties/art"}]},
  {"type": "Control", "scope": "#/properties/details"}]}`
	problems := Check(testForm(map[string]string{"layout.json": layout}), "test", Options{Now: fixedClock})
	found := false
	for _, p := range problems {
		if p.Code == "layout-legend-repeat" && p.Severity == SeverityWarning && p.Pointer == "/elements/0/elements/0" && p.Line == 3 {
			found = true
		}
	}
	if !found {
		t.Errorf("no layout-legend-repeat warning:\n%s", problemLines(problems))
	}
}
