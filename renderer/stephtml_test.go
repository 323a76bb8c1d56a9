package renderer

import (
	"bytes"
	"fmt"
	"html/template"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/ozgform/ozgform/engine"
	"github.com/ozgform/ozgform/forms"
)

// referenceTemplates parses the templates the frame and the step pages were rendered with
// before frame.go and stephtml.go (testdata/base.html, step.html, fields.html) plus more:
// the reference the Go code must match byte for byte.
func referenceTemplates(tb testing.TB, more string) *template.Template {
	tb.Helper()
	// The attributes of controls were written by Go code before too (as one HTMLAttr
	// value); the reference template calls that code.
	t, err := template.New("base.html").Funcs(template.FuncMap{
		"choiceAttrs": func(v *fieldView, i int) template.HTMLAttr {
			return attrsOf(func(w *htmlWriter) { v.choiceAttrs(w, i) })
		},
		"datePartAttrs": func(v *fieldView, i int) template.HTMLAttr {
			return attrsOf(func(w *htmlWriter) { v.datePartAttrs(w, i) })
		},
	}).ParseFiles("testdata/base.html", "testdata/step.html", "testdata/fields.html")
	if err != nil {
		tb.Fatal(err)
	}
	if more != "" {
		if t, err = t.Parse(more); err != nil {
			tb.Fatal(err)
		}
	}
	return t
}

// sameBytes fails unless got equals want, showing where they part.
func sameBytes(t *testing.T, name, got, want string) {
	t.Helper()
	if got == want {
		return
	}
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	t.Fatalf("%s: differs at byte %d:\n got …%s\nwant …%s", name, i, excerpt(got, i), excerpt(want, i))
}

// Attrs are the attributes of the field's control, for the reference template.
func (v *fieldView) Attrs() template.HTMLAttr { return attrsOf(v.controlAttrs) }

// attrsOf returns the attributes write writes as one value, the way the reference template
// takes them.
func attrsOf(write func(*htmlWriter)) template.HTMLAttr {
	w := htmlWriter{new(bytes.Buffer)}
	write(&w)
	return template.HTMLAttr(strings.TrimPrefix(w.String(), " "))
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
			for _, name := range slices.Sorted(maps.Keys(samples)) {
				data := samples[name]
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
	ref := referenceTemplates(t, "")
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
	h := htmlTestRenderer(t)
	size := 0
	for _, c := range cases {
		v, err := buildStep(c.page)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		var want, got bytes.Buffer
		if err := ref.ExecuteTemplate(&want, "base", h.stepFrame(c.page.Common, v)); err != nil {
			t.Fatalf("%s: reference template: %v", c.name, err)
		}
		if err := h.Step(&got, c.page); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		sameBytes(t, c.name, got.String(), want.String())
		size += got.Len()
	}
	t.Logf("%d step pages (%d KB) render alike", len(cases), size>>10)
}

// TestFrameMatchesTemplate writes the frame of a page with the Go code and with the reference
// template, for both languages, hostile language-switch and legal URLs, a data: logo, with
// and without HTTPS.
func TestFrameMatchesTemplate(t *testing.T) {
	ref := referenceTemplates(t, `{{define "content"}}<p>{{.Title}}</p>{{end}}`)
	logo := "data:image/svg+xml;base64,PHN2Zy8+"
	h, err := NewHTML(Branding{PortalName: hostile, LogoURL: logo,
		Legal: Legal{Imprint: "https://example.org/impressum?a=1&b=<2>", Privacy: "/datenschutz"}})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, lang := range []string{"de", "en"} {
		for _, sw := range []string{"", "/formulare/x?lang=en&q=\"<'ä +%zz%41", "javascript:alert(1)", "//evil.example/x y"} {
			for _, secure := range []bool{false, true} {
				for _, legal := range []*Legal{nil, {Imprint: "mailto:amt@example.org", Privacy: "JavaScript:x", Accessibility: "/b f"}} {
					f := h.frame(Common{Lang: lang, SwitchURL: sw, Secure: secure, Legal: legal}, hostile, secure, nil)
					var want, got bytes.Buffer
					if err := ref.ExecuteTemplate(&want, "base", f); err != nil {
						t.Fatal(err)
					}
					err := writePage(&got, f, func(w *htmlWriter) error {
						w.raw("<p>")
						w.text(f.Title)
						w.raw("</p>")
						return nil
					})
					if err != nil {
						t.Fatal(err)
					}
					sameBytes(t, fmt.Sprintf("%s %q %v %v", lang, sw, secure, legal), got.String(), want.String())
					if !strings.Contains(got.String(), `src="`+strings.ReplaceAll(logo, "+", "&#43;")+`"`) {
						t.Fatalf("the data: logo is not in the page:\n%s", got.String())
					}
					n++
				}
			}
		}
	}
	t.Logf("%d frames alike", n)
}

func excerpt(s string, i int) string {
	from, to := max(0, i-80), min(len(s), i+80)
	return s[from:to]
}
