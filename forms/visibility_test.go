package forms

import (
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

const ruleSchema = `{
  "type": "object",
  "properties": {
    "art": {"type": "string", "title": "Art", "oneOf": [{"const": "a", "title": "A"}, {"const": "b", "title": "B"}]},
    "grund": {"type": "boolean", "title": "Grund vorhanden?"},
    "text": {"type": "string", "title": "Begründung"},
    "datum": {"type": "string", "format": "date", "title": "Datum"},
    "menge": {"type": "number", "title": "Menge"},
    "hunde": {"type": "array", "title": "Hund", "items": {"type": "object", "properties": {
      "name": {"type": "string", "title": "Name"},
      "vorbesitzer": {"type": "boolean", "title": "Vorbesitzer?"},
      "vorbesitzerName": {"type": "string", "title": "Name des Vorbesitzers"}
    }}}
  }
}`

const ruleLayout = `{"type": "Categorization", "elements": [
  {"type": "Category", "label": "Eins", "elements": [
    {"type": "Control", "scope": "#/properties/art"},
    {"type": "Control", "scope": "#/properties/grund", "rule": {"effect": "SHOW", "condition": {"scope": "#/properties/art", "schema": {"const": "b"}}}},
    {"type": "Control", "scope": "#/properties/text", "rule": {"effect": "SHOW", "condition": {"scope": "#/properties/grund", "schema": {"const": true}}}},
    {"type": "Control", "scope": "#/properties/datum"},
    {"type": "Control", "scope": "#/properties/menge"},
    {"type": "Control", "scope": "#/properties/hunde", "options": {"itemLabel": "Hund", "detail": {"type": "VerticalLayout", "elements": [
      {"type": "Control", "scope": "#/properties/name"},
      {"type": "Control", "scope": "#/properties/vorbesitzer"},
      {"type": "Control", "scope": "#/properties/vorbesitzerName", "rule": {"effect": "SHOW", "condition": {"scope": "#/properties/vorbesitzer", "schema": {"const": true}}}}
    ]}}}
  ]},
  {"type": "Category", "label": "Zwei", "rule": {"effect": "HIDE", "condition": {"scope": "#/properties/art", "schema": {"const": "a"}}}, "elements": [
    {"type": "Label", "text": "Nur für B."}
  ]}
]}`

func ruleForm(t *testing.T) *Form {
	t.Helper()
	form, problems := Load(testForm(map[string]string{"schema.json": ruleSchema, "layout.json": ruleLayout}), "test", Options{})
	if form == nil {
		t.Fatalf("form does not load:\n%s", problemLines(problems))
	}
	return form
}

func decode(t *testing.T, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestPruneDropsHiddenValuesTransitively(t *testing.T) {
	form := ruleForm(t)
	// art=a hides grund; grund's value then no longer shows text, so text goes too.
	data := decode(t, `{"art": "a", "grund": true, "text": "weg", "datum": "2024-01-31"}`)
	pruned, vis := form.Prune(data)
	got := pruned.(map[string]any)
	if _, ok := got["grund"]; ok {
		t.Error("hidden field grund kept")
	}
	if _, ok := got["text"]; ok {
		t.Error("field text, hidden once grund is dropped, kept")
	}
	if got["datum"] != "2024-01-31" {
		t.Error("visible field datum lost")
	}
	if vis.PageVisible(1) {
		t.Error("page 2 should be hidden for art=a")
	}
	if data.(map[string]any)["grund"] != true {
		t.Error("Prune modified its input")
	}

	pruned, vis = form.Prune(decode(t, `{"art": "b", "grund": true, "text": "bleibt"}`))
	if pruned.(map[string]any)["text"] != "bleibt" || !vis.FieldVisible("/text") || !vis.PageVisible(1) {
		t.Errorf("art=b, grund=true should show text and page 2: %v", pruned)
	}
}

// TestHasHiddenValue: it says whether Prune would change the data, without copying it.
func TestHasHiddenValue(t *testing.T) {
	form := ruleForm(t)
	for _, tc := range []struct {
		raw    string
		hidden bool
	}{
		{`{"art": "b", "grund": true, "text": "bleibt", "hunde": [{"name": "Rex", "vorbesitzer": true, "vorbesitzerName": "Müller"}]}`, false},
		{`{"art": "a", "grund": true, "text": "weg", "datum": "2024-01-31"}`, true},
		{`{"art": "a", "datum": "2024-01-31"}`, false},
		{`{"hunde": [{"name": "Rex", "vorbesitzer": true, "vorbesitzerName": "Müller"}, {"name": "Bello", "vorbesitzer": false, "vorbesitzerName": "X"}]}`, true},
		{`{"hunde": [{"name": "Bello", "vorbesitzer": false}]}`, false},
		{`{}`, false},
	} {
		data := decode(t, tc.raw)
		if got := form.HasHiddenValue(data); got != tc.hidden {
			t.Errorf("HasHiddenValue(%s) = %v, want %v", tc.raw, got, tc.hidden)
		}
		pruned, _ := form.Prune(data)
		if changed := !reflect.DeepEqual(pruned, data); changed != tc.hidden {
			t.Errorf("%s: Prune changed the data: %v, HasHiddenValue says %v", tc.raw, changed, tc.hidden)
		}
	}
}

func TestRulesInsideRepeatableItems(t *testing.T) {
	form := ruleForm(t)
	data := decode(t, `{"hunde": [{"name": "Bello", "vorbesitzer": false, "vorbesitzerName": "X"}, {"name": "Rex", "vorbesitzer": true, "vorbesitzerName": "Müller"}]}`)
	pruned, vis := form.Prune(data)
	hunde := pruned.(map[string]any)["hunde"].([]any)
	if _, ok := hunde[0].(map[string]any)["vorbesitzerName"]; ok {
		t.Error("item 0: hidden vorbesitzerName kept")
	}
	if hunde[1].(map[string]any)["vorbesitzerName"] != "Müller" {
		t.Error("item 1: visible vorbesitzerName dropped")
	}
	if vis.FieldVisible("/hunde/0/vorbesitzerName") || !vis.FieldVisible("/hunde/1/vorbesitzerName") {
		t.Error("per-item visibility wrong")
	}
}

func TestAnswers(t *testing.T) {
	form := ruleForm(t)
	data, _ := form.Prune(decode(t, `{"art": "b", "grund": true, "text": "Łukasz Ørsted-Ñúñez", "datum": "2024-01-31", "menge": 2.5,
	  "hunde": [{"name": "Bello", "vorbesitzer": false}]}`))
	pages := form.Answers(data, "de")
	if len(pages) != 2 {
		t.Fatalf("got %d pages, want 2", len(pages))
	}
	var lines []string
	for _, a := range pages[0].Items {
		lines = append(lines, strings.Repeat("  ", a.Depth)+a.Label+"="+a.Value)
	}
	got := strings.Join(lines, "\n")
	want := strings.Join([]string{
		"Art=B",
		"Grund vorhanden?=Ja",
		"Begründung=Łukasz Ørsted-Ñúñez",
		"Datum=31.01.2024",
		"Menge=2,5",
		"Hund 1=",
		"  Name=Bello",
		"  Vorbesitzer?=Nein",
	}, "\n")
	if got != want {
		t.Errorf("answers:\n%s\nwant:\n%s", got, want)
	}
}

// TestPatternAgreesWithSplitJoin: Pattern (one buffer) gives what splitting the path, replacing
// the numbers below lists with "*" and joining again gave.
func TestPatternAgreesWithSplitJoin(t *testing.T) {
	form := ruleForm(t)
	old := func(path string) string {
		if path == "" {
			return ""
		}
		segs := strings.Split(path[1:], "/")
		prefix := ""
		for i, s := range segs {
			if fd := form.byPath[prefix]; fd != nil && fd.Type == "array" {
				if _, err := strconv.Atoi(s); err == nil {
					segs[i] = "*"
				}
			}
			prefix += "/" + segs[i]
		}
		return "/" + strings.Join(segs, "/")
	}
	for _, p := range []string{"", "/", "//", "/art", "/art/0", "/hunde", "/hunde/0", "/hunde/12/name",
		"/hunde/x/name", "/hunde/+1/name", "/hunde/-1", "/hunde//name", "/hunde/007/vorbesitzer",
		"/hunde/0/name/3", "/unbekannt/1", "/hunde/*/name", "/hunde/1~1/name"} {
		if got, want := form.Pattern(p), old(p); got != want {
			t.Errorf("Pattern(%q) = %q, want %q", p, got, want)
		}
		if got, want := form.Field(p), form.byPath[old(p)]; got != want {
			t.Errorf("Field(%q) = %v, want %v", p, got, want)
		}
	}
	long := "/hunde/1/" + strings.Repeat("x", 200)
	if got := form.Pattern(long); got != old(long) || form.Field(long) != nil || form.Field("/hunde/12345678901234567890/name") != nil {
		t.Errorf("long paths: Pattern %q", got)
	}
	if got := form.Pattern("/hunde/3/vorbesitzerName"); got != "/hunde/*/vorbesitzerName" {
		t.Errorf("Pattern = %q", got)
	}
}

// TestPosition: the position recorded when the model is built is the index in Fields; a field
// of another form has none.
func TestPosition(t *testing.T) {
	form := ruleForm(t)
	for i, fd := range form.Fields {
		if got := form.Position(fd); got != i {
			t.Errorf("Position(%s) = %d, want %d", fd.Path, got, i)
		}
		if got := form.FieldIndex(fd.Path); got != i {
			t.Errorf("FieldIndex(%s) = %d, want %d", fd.Path, got, i)
		}
	}
	other := ruleForm(t)
	if got := form.Position(other.Fields[1]); got != -1 {
		t.Errorf("a field of another form: %d, want -1", got)
	}
	if got := form.Position(&Field{Path: "/art"}); got != -1 {
		t.Errorf("a field not built by Load: %d, want -1", got)
	}
	if got := form.FieldIndex("/hunde/2/name"); got < 0 || form.Fields[got].Path != "/hunde/*/name" {
		t.Errorf("FieldIndex of a list item's field: %d", got)
	}
}
