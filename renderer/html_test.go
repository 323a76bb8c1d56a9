package renderer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"
	"unicode/utf8"

	"golang.org/x/net/html"

	"github.com/ozgform/ozgform/engine"
	"github.com/ozgform/ozgform/forms"
	"github.com/ozgform/ozgform/forms/finder"
)

var (
	htmlTestOnce    sync.Once
	htmlTestCatalog *forms.Catalog
	htmlTestErr     error
)

// htmlTestForms loads the example forms once.
func htmlTestForms(tb testing.TB) *forms.Catalog {
	tb.Helper()
	htmlTestOnce.Do(func() {
		cat, problems := forms.LoadCatalog(os.DirFS("../examples"), ".", forms.Options{})
		if problems.HasErrors() {
			htmlTestErr = fmt.Errorf("examples have errors: %v", problems)
		}
		htmlTestCatalog = cat
	})
	if htmlTestErr != nil {
		tb.Fatal(htmlTestErr)
	}
	return htmlTestCatalog
}

func htmlTestRenderer(tb testing.TB) *HTML {
	tb.Helper()
	h, err := NewHTML(Branding{PortalName: "Serviceportal Musterland"})
	if err != nil {
		tb.Fatal(err)
	}
	return h
}

// htmlTestSample reads an example's samples/<name>.json with numbers as json.Number, the way
// drafts are decoded.
func htmlTestSample(tb testing.TB, form, name string) map[string]any {
	tb.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "examples", form, "samples", name+".json"))
	if err != nil {
		tb.Fatal(err)
	}
	data, err := engine.DecodeData(raw)
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

func htmlTestMessages(f *forms.Form, errs []engine.FieldError, lang string) []FieldMessage {
	cat := engine.NewCatalog()
	var out []FieldMessage
	for _, fe := range errs {
		out = append(out, FieldMessage{Path: fe.Path, Message: cat.Message(f, fe, lang)})
	}
	return out
}

func TestUITextsComplete(t *testing.T) {
	verbs := regexp.MustCompile(`%[dsvq]`)
	for _, id := range UITextIDs() {
		de, en, ok := UITextTemplate(id)
		if !ok || strings.TrimSpace(de) == "" || strings.TrimSpace(en) == "" {
			t.Errorf("%s: German %q, English %q: both languages are needed", id, de, en)
			continue
		}
		if a, b := verbs.FindAllString(de, -1), verbs.FindAllString(en, -1); fmt.Sprint(a) != fmt.Sprint(b) {
			t.Errorf("%s: German has parameters %v, English %v", id, a, b)
		}
	}
}

// TestHTMLPagesOfExamples renders every page of every example (start, each step empty, with
// errors and with the sample answers, review, confirmation, save and resume, error pages) in
// both languages and checks the structure an accessibility audit looks at.
func TestHTMLPagesOfExamples(t *testing.T) {
	h := htmlTestRenderer(t)
	cat := htmlTestForms(t)
	if len(cat.Forms()) == 0 {
		t.Fatal("no example forms")
	}
	for _, lang := range []string{"de", "en"} {
		common := Common{Lang: lang, CSRF: "token", SwitchURL: "/?lang=x"}
		for _, f := range cat.Forms() {
			id := f.Manifest.ID
			render := func(name string, fn func(w io.Writer) error) *htmlDoc {
				t.Helper()
				var buf bytes.Buffer
				if err := fn(&buf); err != nil {
					t.Fatalf("%s %s: %v", id, name, err)
				}
				return checkHTML(t, lang+"/"+id+"/"+name, buf.String(), lang, f)
			}
			render("start", func(w io.Writer) error {
				return h.Start(w, &StartPage{Common: common, Form: f, Action: "/formulare/" + id, ResumeURL: "/fortsetzen"})
			})
			render("start-with-draft", func(w io.Writer) error {
				return h.Start(w, &StartPage{Common: common, Form: f, Action: "/formulare/" + id, ContinueURL: "/x", ResumeURL: "/fortsetzen"})
			})
			sample := htmlTestSample(t, id, "valid")
			empty := map[string]any{}
			for i, pg := range f.Pages {
				step := func(name string, data map[string]any, errs []FieldMessage) *htmlDoc {
					return render(fmt.Sprintf("schritt-%d-%s", i+1, name), func(w io.Writer) error {
						return h.Step(w, &StepPage{Common: common, Form: f, Page: i, Data: data, Vis: f.Evaluate(data), Errors: errs,
							Action: "/formulare/" + id + "/schritt/1", VisibilityURL: "/v"})
					})
				}
				step("leer", empty, nil)
				vis := f.Evaluate(empty)
				errs := htmlTestMessages(f, engine.ErrorsOnPage(f, i, vis, engine.Validate(f, empty)), lang)
				doc := step("fehler", empty, errs)
				if vis.PageVisible(i) && len(errs) > 0 {
					if doc.byID["fehler"] == nil {
						t.Errorf("%s step %d: %d errors but no error summary", id, i+1, len(errs))
					}
					if got := doc.summaryLinks; got != len(errs) {
						t.Errorf("%s step %d: error summary has %d links, want %d", id, i+1, got, len(errs))
					}
				}
				if f.Evaluate(sample).PageVisible(pg.Index) {
					doc := step("beispiel", sample, nil)
					if doc.byID["fehler"] != nil {
						t.Errorf("%s step %d: error summary without errors", id, i+1)
					}
				}
				invalid := htmlTestSample(t, id, "invalid")
				pruned, ivis := f.Prune(invalid)
				data := pruned.(map[string]any)
				step("ungueltig", data, htmlTestMessages(f, engine.ErrorsOnPage(f, i, ivis, engine.Validate(f, data)), lang))
			}
			render("pruefen", func(w io.Writer) error {
				return h.Review(w, &ReviewPage{Common: common, Form: f, Data: sample,
					StepURL:      func(p int) string { return fmt.Sprintf("/formulare/%s/schritt/%d?zurueck=pruefen", id, p+1) },
					SubmitAction: "/a", SaveAction: "/s"})
			})
			render("bestaetigung", func(w io.Writer) error {
				return h.Confirmation(w, &ConfirmationPage{Common: common, Form: f, Reference: "HST-7K3F-9QX2",
					SubmittedAt: time.Date(2026, 11, 28, 13, 4, 0, 0, time.UTC), ReceiptURL: "/r.pdf", TokenURL: "/r.pdf?token=x", HomeURL: "/"})
			})
			render("zwischengespeichert", func(w io.Writer) error {
				return h.Saved(w, &SavedPage{Common: common, Form: f, Code: "K7QF-9QX2-AAAA-BBBB-CCCC-DDDD-EEEE",
					Link: "http://localhost/fortsetzen/K7QF", Expires: time.Now().Add(time.Hour), ContinueURL: "/x"})
			})
		}
		render := func(name string, fn func(w io.Writer) error) {
			var buf bytes.Buffer
			if err := fn(&buf); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			checkHTML(t, lang+"/"+name, buf.String(), lang, nil)
		}
		render("index", func(w io.Writer) error {
			return h.Index(w, &IndexPage{Common: common, Action: "/", Result: finder.New(cat.Entries()).Search(finder.Query{}), ResumeURL: "/fortsetzen",
				FormURL: func(f *forms.Entry) string { return "/formulare/" + f.Manifest.ID }})
		})
		render("index-suche", func(w io.Writer) error {
			return h.Index(w, &IndexPage{Common: common, Action: "/", Query: "<hund>", Category: "Steuern und Abgaben",
				Result:  finder.New(cat.Entries()).Search(finder.Query{Text: "hund", Category: "Steuern und Abgaben", PageSize: 1}),
				FormURL: func(f *forms.Entry) string { return "/formulare/" + f.Manifest.ID }, ResumeURL: "/fortsetzen",
				PageURL: func(n int) string { return fmt.Sprintf("/?seite=%d", n) }})
		})
		render("index-seiten", func(w io.Writer) error {
			return h.Index(w, &IndexPage{Common: common, Action: "/",
				Result:  finder.New(cat.Entries()).Search(finder.Query{Page: 2, PageSize: 1}),
				FormURL: func(f *forms.Entry) string { return "/formulare/" + f.Manifest.ID }, ResumeURL: "/fortsetzen",
				PageURL: func(n int) string { return fmt.Sprintf("/?seite=%d", n) }})
		})
		render("index-nichts", func(w io.Writer) error {
			return h.Index(w, &IndexPage{Common: common, Action: "/", Query: "katze",
				Result:  finder.New(cat.Entries()).Search(finder.Query{Text: "katze"}),
				FormURL: func(f *forms.Entry) string { return "/formulare/" + f.Manifest.ID }, ResumeURL: "/fortsetzen"})
		})
		render("fortsetzen", func(w io.Writer) error { return h.Resume(w, &ResumePage{Common: common, Action: "/fortsetzen"}) })
		render("fortsetzen-fehler", func(w io.Writer) error {
			return h.Resume(w, &ResumePage{Common: common, Action: "/fortsetzen", Code: "<b>", Error: "resume.unknown"})
		})
		for _, status := range []int{400, 403, 404, 409, 410, 413, 429, 500, 503} {
			render(fmt.Sprint("fehler-", status), func(w io.Writer) error {
				return h.Error(w, &ErrorPage{Common: common, Status: status, RequestID: "abc123"})
			})
		}
	}
}

func TestHTMLErrorPageTexts(t *testing.T) {
	h := htmlTestRenderer(t)
	var buf bytes.Buffer
	if err := h.Error(&buf, &ErrorPage{Common: Common{Lang: "de"}, Status: 500, RequestID: "abc123"}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "Interner Fehler (Referenz abc123)") {
		t.Errorf("500 page without the reference:\n%s", buf.String())
	}
	buf.Reset()
	if err := h.Error(&buf, &ErrorPage{Common: Common{Lang: "de"}, Status: 503}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "Ihre Angaben wurden nicht gesendet. Bitte versuchen Sie es in einigen Minuten erneut; Ihre Eingaben bleiben gespeichert.") {
		t.Errorf("503 page without the German explanation:\n%s", buf.String())
	}
}

// TestHTMLStepDetails checks what a citizen relies on in a step: the typed values come back
// (also invalid ones), names are data paths, repeatable groups have their buttons, rules
// hide elements that the script can find by id.
func TestHTMLStepDetails(t *testing.T) {
	h := htmlTestRenderer(t)
	f := htmlTestForms(t).Get("hundesteuer")
	data := htmlTestSample(t, "hundesteuer", "valid")
	hunde := data["hunde"].([]any)
	hunde[0].(map[string]any)["geburtsdatum"] = "31.02.2021" // invalid, typed by hand
	var buf bytes.Buffer
	vis := f.Evaluate(data)
	err := h.Step(&buf, &StepPage{Common: Common{Lang: "de", CSRF: "t"}, Form: f, Page: 1, Data: data, Vis: vis,
		Errors: []FieldMessage{{Path: "/hunde/0/geburtsdatum", Message: "Bitte geben Sie ein gültiges Datum an."}},
		Action: "/formulare/hundesteuer/schritt/2", VisibilityURL: "/v"})
	if err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	doc := checkHTML(t, "hundesteuer/2", out, "de", f)
	for _, want := range []string{
		`name="/hunde/0/name" value="Bello"`,
		`name="/hunde/1/rasseSonstige" value="Magyar Vizsla"`,
		`value="31.02.2021"`,
		`value="add:/hunde"`,
		`value="remove:/hunde/1"`,
		`Weiteren Hund hinzufügen`,
		`Schritt 2 von 4`,
		`aria-invalid="true"`,
		`href="#f.hunde.0.geburtsdatum"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("step page lacks %s", want)
		}
	}
	if n := strings.Count(out, `class="eintrag"`); n != 2 {
		t.Errorf("%d list items, want 2", n)
	}
	// Rules: item 0 has no "sonstige" breed, so its rasseSonstige is hidden; item 1 shows it.
	for _, st := range RuleStates(f, 1, data, vis) {
		el := doc.byID[st.ID]
		if el == nil {
			t.Errorf("rule state %s: no element with that id", st.ID)
			continue
		}
		if hidden := hasAttr(el, "hidden"); hidden != st.Hidden {
			t.Errorf("%s: rendered hidden=%v, state hidden=%v", st.ID, hidden, st.Hidden)
		}
	}
	if el := doc.byID["b.hunde.0.rasseSonstige"]; el == nil || !hasAttr(el, "hidden") {
		t.Error("rasseSonstige of dog 1 should be rendered hidden")
	}
	if el := doc.byID["b.hunde.1.rasseSonstige"]; el == nil || hasAttr(el, "hidden") {
		t.Error("rasseSonstige of dog 2 should be visible")
	}
	if !strings.Contains(out, `value="refresh"`) {
		t.Error("no refresh button near the fields that rules depend on")
	}
}

func TestHTMLNumberAndChoiceValues(t *testing.T) {
	h := htmlTestRenderer(t)
	f := htmlTestForms(t).Get("gewerbeanmeldung")
	data := htmlTestSample(t, "gewerbeanmeldung", "valid")
	data["beschaeftigteVollzeit"] = json.Number("2.5")
	data["beschaeftigteTeilzeit"] = "drei"
	var buf bytes.Buffer
	if err := h.Step(&buf, &StepPage{Common: Common{Lang: "de"}, Form: f, Page: 1, Data: data, Vis: f.Evaluate(data)}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{`value="2,5"`, `value="drei"`, `inputmode="numeric"`, `name="/nebenerwerb" value="false" checked`} {
		if !strings.Contains(out, want) {
			t.Errorf("page lacks %s", want)
		}
	}
}

func TestHTMLThemeAndBranding(t *testing.T) {
	h, err := NewHTML(Branding{PortalName: "Amt24", Colors: map[string]string{"primary": "#123456"}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(h.ThemeCSS()), "--farbe-primary: #123456;") {
		t.Errorf("theme: %s", h.ThemeCSS())
	}
	for _, bad := range []Branding{
		{Colors: map[string]string{"primary": "red;}body{display:none"}},
		{Colors: map[string]string{"nope": "#fff"}},
		{LogoURL: "https://example.org/logo.png"},
		{LogoURL: "//example.org/logo.png"},
	} {
		if _, err := NewHTML(bad); err == nil {
			t.Errorf("NewHTML(%+v) accepted", bad)
		}
	}
	if p := (Branding{}).ContrastProblems(); len(p) > 0 {
		t.Errorf("default colours fail contrast: %v", p)
	}
	if p := (Branding{Colors: map[string]string{"primary": "#aaaaaa"}}).ContrastProblems(); len(p) == 0 {
		t.Error("light grey primary passes the contrast check")
	}
}

// FuzzRenderEscapes protects the invariant "anything a citizen submits is escaped in the
// rendered HTML": the fuzz string goes into field values and an error message, and the page
// must not contain it unescaped, must not gain elements or event handlers, and must give the
// value back unchanged to the browser.
func FuzzRenderEscapes(f *testing.F) {
	for _, s := range []string{
		"<script>alert(1)</script>", `"><img src=x onerror=alert(1)>`, "' onmouseover='x", "&lt;b&gt;",
		"</textarea><b>", "Łukasz Ørsted-Ñúñez", "javascript:alert(1)", "{{.}}", "\u2028<",
	} {
		f.Add(s)
	}
	h := htmlTestRenderer(f)
	form := htmlTestForms(f).Get("hundesteuer")
	f.Fuzz(func(t *testing.T, in string) {
		// Markers around the input make "the raw input appears" exact even for "<" alone.
		s := "ZQX" + in + "XQZ"
		data := map[string]any{
			"halter":    map[string]any{"familienname": s, "vornamen": "x"},
			"anschrift": map[string]any{"strasse": s},
			"hunde":     []any{map[string]any{"name": s}},
		}
		var out bytes.Buffer
		errs := []FieldMessage{{Path: "/halter/familienname", Message: "Ungültig: " + s}}
		for page := 0; page < 2; page++ {
			out.Reset()
			if err := h.Step(&out, &StepPage{Common: Common{Lang: "de", CSRF: s}, Form: form, Page: page, Data: data, Errors: errs, Action: "/a"}); err != nil {
				t.Fatal(err)
			}
			body := out.String()
			if strings.Contains(in, "<") && strings.Contains(body, s) {
				t.Fatalf("page %d contains the raw input %q", page, s)
			}
			doc, err := html.Parse(strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			var values []string
			walkHTML(doc, func(n *html.Node) {
				if n.Type != html.ElementNode {
					return
				}
				switch n.Data {
				case "script":
					if attr(n, "src") == "" {
						t.Fatalf("inline script element from %q", s)
					}
				case "img", "iframe", "object", "embed", "style", "b":
					if n.Data != "img" || attr(n, "src") != "/static/logo.svg" {
						t.Fatalf("injected <%s> element from %q", n.Data, s)
					}
				case "input":
					if strings.HasPrefix(attr(n, "name"), "/") {
						values = append(values, attr(n, "value"))
					}
				}
				for _, a := range n.Attr {
					if strings.HasPrefix(a.Key, "on") {
						t.Fatalf("event handler attribute %s from %q", a.Key, s)
					}
				}
			})
			if plain := utf8.ValidString(s) && !strings.ContainsAny(s, "\x00\r") && page == 0; plain {
				found := false
				for _, v := range values {
					if v == s {
						found = true
					}
				}
				if !found {
					t.Fatalf("the value %q does not come back in an input (got %q)", s, values)
				}
			}
		}
	})
}

func BenchmarkRenderStepGewerbeanmeldung(b *testing.B) {
	h := htmlTestRenderer(b)
	f := htmlTestForms(b).Get("gewerbeanmeldung")
	data := htmlTestSample(b, "gewerbeanmeldung", "valid")
	vis := f.Evaluate(data)
	p := &StepPage{Common: Common{Lang: "de", CSRF: "token", SwitchURL: "/?lang=en"}, Form: f, Page: 0, Data: data, Vis: vis,
		Action: "/formulare/gewerbeanmeldung/schritt/1", VisibilityURL: "/v"}
	b.ReportAllocs()
	for b.Loop() {
		if err := h.Step(io.Discard, p); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRenderStepStaat renders the page of the imported FIM example that holds the Staat
// code list (197 entries, a text input with a datalist of every name); the issue asks for
// at most 1 ms.
func BenchmarkRenderStepStaat(b *testing.B) {
	h := htmlTestRenderer(b)
	f := htmlTestForms(b).Get("mutterschutz")
	data := htmlTestSample(b, "mutterschutz", "valid")
	page := -1
	for _, fd := range f.Fields {
		if fd.Codelist != nil && len(fd.Choices) > 190 {
			page = engine.PageOf(f, fd.Path)
		}
	}
	if page < 0 {
		b.Fatal("no page with the Staat list")
	}
	vis := f.Evaluate(data)
	p := &StepPage{Common: Common{Lang: "de", CSRF: "token", SwitchURL: "/?lang=en"}, Form: f, Page: page, Data: data, Vis: vis,
		Action: "/formulare/mutterschutz/schritt/2", VisibilityURL: "/v"}
	var buf bytes.Buffer
	if err := h.Step(&buf, p); err != nil {
		b.Fatal(err)
	}
	if !strings.Contains(buf.String(), `<option value="Österreich">`) || !strings.Contains(buf.String(), `value="Österreich"`) {
		b.Fatal("the page has no datalist of states or does not show the chosen state's name")
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := h.Step(io.Discard, p); err != nil {
			b.Fatal(err)
		}
	}
}

// ---------------------------------------------------------------- structure checks

type htmlDoc struct {
	root         *html.Node
	byID         map[string]*html.Node
	summaryLinks int
}

func walkHTML(n *html.Node, fn func(*html.Node)) {
	fn(n)
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		walkHTML(c, fn)
	}
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func hasAttr(n *html.Node, key string) bool {
	for _, a := range n.Attr {
		if a.Key == key {
			return true
		}
	}
	return false
}

func inFieldsetWithLegend(n *html.Node) bool {
	for p := n.Parent; p != nil; p = p.Parent {
		if p.Type == html.ElementNode && p.Data == "fieldset" {
			for c := p.FirstChild; c != nil; c = c.NextSibling {
				if c.Type == html.ElementNode && c.Data == "legend" && strings.TrimSpace(textOf(c)) != "" {
					return true
				}
			}
		}
	}
	return false
}

func textOf(n *html.Node) string {
	var b strings.Builder
	walkHTML(n, func(x *html.Node) {
		if x.Type == html.TextNode {
			b.WriteString(x.Data)
		}
	})
	return b.String()
}

var headingLevel = map[string]int{"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}

// checkHTML parses a page and checks its structure: language, one h1, heading order, no
// inline style or script, unique ids, a label for every input, names that are data paths,
// and references (aria-describedby, fragment links) that point to existing ids.
func checkHTML(t *testing.T, name, body, lang string, f *forms.Form) *htmlDoc {
	t.Helper()
	root, err := html.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	doc := &htmlDoc{root: root, byID: map[string]*html.Node{}}
	labels := map[string]bool{}
	var h1s, last int
	var describedBy, fragments []string
	walkHTML(root, func(n *html.Node) {
		if n.Type != html.ElementNode {
			return
		}
		if id := attr(n, "id"); id != "" {
			if doc.byID[id] != nil {
				t.Errorf("%s: duplicate id %q", name, id)
			}
			doc.byID[id] = n
		}
		for _, a := range n.Attr {
			if a.Key == "style" || strings.HasPrefix(a.Key, "on") {
				t.Errorf("%s: attribute %s on <%s> (the CSP forbids inline style and script)", name, a.Key, n.Data)
			}
		}
		switch n.Data {
		case "html":
			if got := attr(n, "lang"); got != lang {
				t.Errorf("%s: <html lang=%q>, want %q", name, got, lang)
			}
		case "style":
			t.Errorf("%s: <style> element", name)
		case "script":
			if attr(n, "src") == "" {
				t.Errorf("%s: inline <script>", name)
			}
		case "label":
			if hasAttr(n, "for") {
				labels[attr(n, "for")] = true
			}
		case "a":
			if h := attr(n, "href"); strings.HasPrefix(h, "#") {
				fragments = append(fragments, h[1:])
				if p := n.Parent; p != nil && p.Parent != nil && attr(p.Parent.Parent, "id") == "fehler" {
					doc.summaryLinks++
				}
			}
		}
		if lvl, ok := headingLevel[n.Data]; ok {
			if lvl == 1 {
				h1s++
			}
			if last > 0 && lvl > last+1 {
				t.Errorf("%s: heading <%s> %q after <h%d>", name, n.Data, strings.TrimSpace(textOf(n)), last)
			}
			last = lvl
		}
		if v := attr(n, "aria-describedby"); v != "" {
			describedBy = append(describedBy, strings.Fields(v)...)
		}
	})
	if h1s != 1 {
		t.Errorf("%s: %d <h1>, want 1", name, h1s)
	}
	walkHTML(root, func(n *html.Node) {
		if n.Type != html.ElementNode || n.Data != "input" && n.Data != "select" && n.Data != "textarea" {
			return
		}
		typ := attr(n, "type")
		if typ == "hidden" || typ == "submit" {
			return
		}
		id := attr(n, "id")
		if !labels[id] && !inFieldsetWithLegend(n) {
			t.Errorf("%s: <%s name=%q> has no label and no fieldset with legend", name, n.Data, attr(n, "name"))
		}
		if nm := attr(n, "name"); f != nil && nm != "code" {
			if !strings.HasPrefix(nm, "/") || f.Field(nm) == nil {
				t.Errorf("%s: input name %q is not a data path of the form", name, nm)
			}
		}
		if attr(n, "aria-invalid") == "true" {
			if attr(n, "aria-describedby") == "" && !inFieldsetWithLegend(n) {
				t.Errorf("%s: invalid input %q without aria-describedby", name, id)
			}
		}
	})
	for _, id := range describedBy {
		if doc.byID[id] == nil {
			t.Errorf("%s: aria-describedby names %q, which does not exist", name, id)
		}
	}
	for _, id := range fragments {
		if doc.byID[id] == nil {
			t.Errorf("%s: link to #%s, which does not exist", name, id)
		}
	}
	if fe := doc.byID["fehler"]; fe != nil {
		if attr(fe, "role") != "alert" || attr(fe, "tabindex") != "-1" {
			t.Errorf("%s: error summary needs role=alert and tabindex=-1", name)
		}
	}
	return doc
}

// widgetForm is a small form with the widgets and rules the examples do not use: a checkbox
// group, a read-only field, a single checkbox, a DISABLE rule and a HIDE rule on a label.
func widgetForm(tb testing.TB) *forms.Form {
	tb.Helper()
	fsys := fstest.MapFS{
		"form.json": {Data: []byte(`{"id": "widgets", "version": "1.0.0", "title": "Widgets", "authority": {"name": "Testamt"}, "leika": "99000000000000", "languages": ["de", "en"], "privacyNotice": "x"}`)},
		"schema.json": {Data: []byte(`{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "type": "object",
  "properties": {
    "art": {"type": "string", "title": "Art", "oneOf": [{"const": "a", "title": "A"}, {"const": "b", "title": "B"}]},
    "sprachen": {"type": "array", "title": "Sprachen", "minItems": 1, "items": {"enum": ["de", "en", "fr"]}},
    "aktenzeichen": {"type": "string", "title": "Aktenzeichen", "readOnly": true},
    "bemerkung": {"type": "string", "title": "Bemerkung", "maxLength": 20},
    "betrag": {"type": "number", "title": "Betrag"},
    "newsletter": {"type": "boolean", "title": "Newsletter abonnieren"},
    "details": {"type": "object", "title": "Details", "properties": {"text": {"type": "string", "title": "Text"}}}
  },
  "required": ["art", "sprachen"]
}`)},
		"layout.json": {Data: []byte(`{
  "type": "VerticalLayout",
  "elements": [
    {"type": "Control", "scope": "#/properties/art"},
    {"type": "Label", "text": "Nur für Art B.", "rule": {"effect": "HIDE", "condition": {"scope": "#/properties/art", "schema": {"const": "a"}}}},
    {"type": "Control", "scope": "#/properties/sprachen"},
    {"type": "Control", "scope": "#/properties/aktenzeichen"},
    {"type": "Control", "scope": "#/properties/bemerkung", "options": {"multi": true}},
    {"type": "Group", "label": "Zusatz", "elements": [{"type": "Control", "scope": "#/properties/betrag"}]},
    {"type": "Control", "scope": "#/properties/newsletter"},
    {"type": "Control", "scope": "#/properties/details",
     "rule": {"effect": "DISABLE", "condition": {"scope": "#/properties/art", "schema": {"const": "b"}}}}
  ]
}`)},
	}
	f, problems := forms.Load(fsys, "widgets", forms.Options{})
	if f == nil {
		tb.Fatalf("widget form: %v", problems)
	}
	return f
}

func TestHTMLWidgets(t *testing.T) {
	h := htmlTestRenderer(t)
	f := widgetForm(t)
	data := map[string]any{
		"art": "b", "sprachen": []any{"de", "fr"}, "aktenzeichen": "AZ-1", "bemerkung": "Zeile 1\nZeile 2",
		"betrag": json.Number("12.5"), "newsletter": true, "details": map[string]any{"text": "x"},
	}
	vis := f.Evaluate(data)
	var buf bytes.Buffer
	if err := h.Step(&buf, &StepPage{Common: Common{Lang: "de"}, Form: f, Page: 0, Data: data, Vis: vis,
		Errors: []FieldMessage{{Path: "/sprachen", Message: "Bitte wählen Sie mindestens eine Sprache."}}}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	doc := checkHTML(t, "widgets", out, "de", f)
	for _, want := range []string{
		`type="checkbox" id="f.sprachen-0" name="/sprachen" value="de" checked`,
		`type="checkbox" id="f.sprachen-1" name="/sprachen" value="en" aria-invalid="true"`,
		`value="fr" checked`,
		`value="AZ-1" readonly`,
		">Zeile 1\nZeile 2</textarea>",
		`value="12,5" inputmode="decimal"`,
		`name="/newsletter" value="true" checked`,
		`<legend>Zusatz</legend>`,
		`href="#f.sprachen-0"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("widget page lacks %s", want)
		}
	}
	details := doc.byID["f.details"]
	if details == nil || !hasAttr(details, "disabled") {
		t.Error("details should be a disabled fieldset when art is b")
	}
	states := RuleStates(f, 0, data, vis)
	if len(states) != 2 {
		t.Fatalf("rule states %v", states)
	}
	for _, st := range states {
		if doc.byID[st.ID] == nil {
			t.Errorf("no element %s", st.ID)
		}
	}
	if st := states[1]; !st.Disabled || st.Hidden {
		t.Errorf("details state %+v, want disabled", st)
	}
	// With art a, the label is hidden and details enabled.
	data["art"] = "a"
	buf.Reset()
	vis = f.Evaluate(data)
	if err := h.Step(&buf, &StepPage{Common: Common{Lang: "en"}, Form: f, Page: 0, Data: data, Vis: vis}); err != nil {
		t.Fatal(err)
	}
	doc = checkHTML(t, "widgets-en", buf.String(), "en", f)
	if st := RuleStates(f, 0, data, vis); !st[0].Hidden || st[1].Disabled {
		t.Errorf("states with art a: %+v", st)
	}
	if el := doc.byID[RuleStates(f, 0, data, vis)[0].ID]; el == nil || !hasAttr(el, "hidden") {
		t.Error("label not hidden")
	}
	if !strings.Contains(buf.String(), "Step 1 of 1") {
		t.Error("English step text missing")
	}
}
