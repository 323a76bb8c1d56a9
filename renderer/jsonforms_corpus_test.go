package renderer

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/ozgform/ozgform/engine"
	"github.com/ozgform/ozgform/forms"
)

// The official JSON Forms example corpus (npm @jsonforms/examples, pinned in package.json and
// checked in under forms/testdata/jsonforms-examples with its licence): every example with a
// schema and a UI schema, written as an ozgform form folder with a minimal form.json.
const corpusDir = "../forms/testdata/jsonforms-examples"

// corpusRefusals are the examples ozgform refuses on purpose, with the problem code that
// says why (forms/README.md, "Was ozgform bewusst ablehnt").
var corpusRefusals = map[string]string{
	// The data of a form is an object (a Fachverfahren receives named fields): a root that
	// is a string, a list or "anything" cannot be a form.
	"string":      "schema-object",
	"mixed":       "schema-object",
	"json-editor": "schema-object",
	"enumInArray": "schema-object",
	// A recursive schema (folders in folders) has no end that a page without JavaScript
	// could show.
	"oneOf-recursive": "layout-depth",
}

// corpusMinimum is how many of the 61 examples must check clean and render.
const corpusMinimum = 55

type corpusExample struct {
	Name     string          `json:"name"`
	Label    string          `json:"label"`
	Schema   json.RawMessage `json:"schema"`
	UISchema json.RawMessage `json:"uischema"`
	Data     json.RawMessage `json:"data"`
}

var corpusIDChars = regexp.MustCompile(`[^a-z0-9-]+`)

// corpusFolder writes an example as a form folder.
func corpusFolder(e corpusExample) (forms.MapFS, string) {
	id := strings.Trim(corpusIDChars.ReplaceAllString(strings.ToLower(e.Name), "-"), "-")
	manifest, _ := json.Marshal(map[string]any{
		"id": id, "version": "1.0.0", "title": e.Label,
		"authority": map[string]any{"name": "JSON Forms"},
		"leika":     "99000000000000", "privacyNotice": "Beispiel ohne Datenverarbeitung.",
	})
	return forms.MapFS{"form.json": manifest, "schema.json": e.Schema, "layout.json": e.UISchema}, id
}

func readCorpus(tb testing.TB) []corpusExample {
	tb.Helper()
	files, err := filepath.Glob(filepath.Join(corpusDir, "*.json"))
	if err != nil || len(files) == 0 {
		tb.Fatalf("no corpus under %s: %v", corpusDir, err)
	}
	sort.Strings(files)
	var out []corpusExample
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		var e corpusExample
		if err := json.Unmarshal(raw, &e); err != nil {
			tb.Fatalf("%s: %v", f, err)
		}
		out = append(out, e)
	}
	return out
}

// TestJSONFormsCorpus converts every example of the corpus, runs check on it and renders the
// first page: at least corpusMinimum check without errors and render; every other one is
// refused with the code listed in corpusRefusals.
func TestJSONFormsCorpus(t *testing.T) {
	h := htmlTestRenderer(t)
	examples := readCorpus(t)
	if len(examples) != 61 {
		t.Fatalf("corpus has %d examples, want 61", len(examples))
	}
	clean := 0
	for _, e := range examples {
		fsys, id := corpusFolder(e)
		problems := forms.Check(fsys, id, forms.Options{})
		if code, refused := corpusRefusals[e.Name]; refused {
			if !problems.HasErrors() || !hasCode(problems, code) {
				t.Errorf("%s: want a refusal with code %s, got:\n%v", e.Name, code, problems)
			}
			continue
		}
		if problems.HasErrors() {
			t.Errorf("%s: check finds errors:\n%v", e.Name, problems)
			continue
		}
		form, _ := forms.Load(fsys, id, forms.Options{})
		data := map[string]any{}
		if d, err := engine.DecodeData(e.Data); err == nil && d != nil {
			data = d
		}
		for _, d := range []map[string]any{{}, data} {
			var buf bytes.Buffer
			err := h.Step(&buf, &StepPage{Common: Common{Lang: "de", CSRF: "x"}, Form: form, Page: 0, Data: d, Vis: form.Evaluate(d)})
			if err != nil {
				t.Errorf("%s: render: %v", e.Name, err)
				continue
			}
			page := buf.String()
			if _, err := html.Parse(&buf); err != nil || !strings.Contains(page, "<form") {
				t.Errorf("%s: the first page is no HTML form: %v", e.Name, err)
			}
		}
		clean++
	}
	t.Logf("%d of %d examples check clean and render their first page; %d refused on purpose", clean, len(examples), len(corpusRefusals))
	if clean < corpusMinimum {
		t.Errorf("only %d examples check clean and render, want at least %d", clean, corpusMinimum)
	}
}

func hasCode(ps forms.Problems, code string) bool {
	for _, p := range ps {
		if p.Code == code && p.Severity == forms.SeverityError {
			return true
		}
	}
	return false
}
