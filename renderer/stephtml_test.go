package renderer

import (
	"fmt"
	"html/template"
	"os"
	"strings"
	"testing"

	"github.com/ozgform/ozgform/engine"
	"github.com/ozgform/ozgform/forms"
)

// referenceFields parses testdata/fields.html, the template the step fields were rendered
// with before stephtml.go: the reference the Go code must match byte for byte.
func referenceFields(tb testing.TB) *template.Template {
	tb.Helper()
	raw, err := os.ReadFile("testdata/fields.html")
	if err != nil {
		tb.Fatal(err)
	}
	t, err := template.New("fields").Parse(string(raw) + `{{define "nodes"}}{{range .}}{{template "node" .}}{{end}}{{end}}`)
	if err != nil {
		tb.Fatal(err)
	}
	return t
}

// hostile is text with every character html/template escapes, and some it does not.
const hostile = "<b>\"Ä&ö'+\x00 ß</b>"

// stepCase is one step page to render both ways.
type stepCase struct {
	name string
	page *StepPage
}

// exampleStepCases are the pages of a form in the states a citizen meets: empty, with the
// errors of an empty page, with the sample's answers, with the invalid sample and its errors,
// and with a hostile error message at every field and hostile uploaded file names.
func exampleStepCases(tb testing.TB, f *forms.Form, samples map[string]map[string]any) []stepCase {
	var out []stepCase
	for _, lang := range []string{"de", "en"} {
		for i := range f.Pages {
			add := func(state string, data map[string]any, errs []FieldMessage, files map[string]AttachmentFile) {
				out = append(out, stepCase{fmt.Sprintf("%s/%s/%d/%s", f.Manifest.ID, lang, i+1, state), &StepPage{
					Common: Common{Lang: lang, CSRF: "t"}, Form: f, Page: i, Data: data, Errors: errs, Files: files,
					MaxFileSize: 10 << 20, Action: "/a", VisibilityURL: "/v",
				}})
			}
			empty := map[string]any{}
			add("leer", empty, nil, nil)
			add("fehler", empty, htmlTestMessages(f, engine.ErrorsOnPage(f, i, f.Evaluate(empty), engine.Validate(f, empty)), lang), nil)
			for name, data := range samples {
				pruned, vis := f.Prune(data)
				d := pruned.(map[string]any)
				add(name, d, htmlTestMessages(f, engine.ErrorsOnPage(f, i, vis, engine.Validate(f, d)), lang), nil)
				files := map[string]AttachmentFile{}
				collectStrings(d, func(s string) { files[s] = AttachmentFile{Filename: hostile + s, Size: 123456} })
				var errs []FieldMessage
				for _, fd := range f.Fields {
					errs = append(errs, FieldMessage{Path: forms.ConcretePath(fd.Path, []int{0, 0, 0}), Message: hostile + fd.Path})
				}
				add(name+"-feindlich", d, errs, files)
			}
		}
	}
	return out
}

func collectStrings(v any, fn func(string)) {
	switch x := v.(type) {
	case string:
		fn(x)
	case map[string]any:
		for _, y := range x {
			collectStrings(y, fn)
		}
	case []any:
		for _, y := range x {
			collectStrings(y, fn)
		}
	}
}

// TestStepHTMLMatchesTemplate renders the fields of every step of the example forms, the
// widget test forms and the JSON Forms corpus with the Go writer and with the reference
// template, and wants the same bytes.
func TestStepHTMLMatchesTemplate(t *testing.T) {
	ref := referenceFields(t)
	var cases []stepCase
	for _, f := range htmlTestForms(t).Forms() {
		id := f.Manifest.ID
		samples := map[string]map[string]any{"beispiel": htmlTestSample(t, id, "valid"), "ungueltig": htmlTestSample(t, id, "invalid")}
		cases = append(cases, exampleStepCases(t, f, samples)...)
	}
	hostileData := map[string]any{"art": hostile, "sprachen": []any{hostile, "de"}, "bemerkung": hostile, "betrag": hostile,
		"name": hostile, "plz": hostile, "geburtsdatum": hostile, "wurftag": "2020-01-31", "termin": hostile, "uhrzeit": hostile,
		"beginn": hostile, "zufriedenheit": 7, "farbe": hostile, "details": map[string]any{"text": hostile}}
	for _, f := range []*forms.Form{widgetForm(t), widgetTestForm(t)} {
		cases = append(cases, exampleStepCases(t, f, map[string]map[string]any{"feindlich": hostileData})...)
	}
	corpus := 0
	for _, e := range readCorpus(t) {
		fsys, id := corpusFolder(e)
		f, problems := forms.Load(fsys, id, forms.Options{})
		if f == nil || problems.HasErrors() {
			continue
		}
		data := map[string]any{}
		if d, err := engine.DecodeData(e.Data); err == nil && d != nil {
			data = d
		}
		cases = append(cases, exampleStepCases(t, f, map[string]map[string]any{"daten": data})...)
		corpus++
	}
	if corpus < 40 {
		t.Fatalf("only %d corpus examples load", corpus)
	}
	bytes := 0
	for _, c := range cases {
		v, err := buildStep(c.page)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		var want strings.Builder
		if err := ref.ExecuteTemplate(&want, "nodes", v.Nodes); err != nil {
			t.Fatalf("%s: reference template: %v", c.name, err)
		}
		got := string(v.Body)
		if got != want.String() {
			i := 0
			for i < len(got) && i < len(want.String()) && got[i] == want.String()[i] {
				i++
			}
			t.Fatalf("%s: differs at byte %d:\n got …%s\nwant …%s", c.name, i, excerpt(got, i), excerpt(want.String(), i))
		}
		bytes += len(got)
	}
	t.Logf("%d step pages (%d KB of fields) render alike", len(cases), bytes>>10)
}

func excerpt(s string, i int) string {
	from, to := max(0, i-80), min(len(s), i+80)
	return s[from:to]
}
