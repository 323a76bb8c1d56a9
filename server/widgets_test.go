package server

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/ozgform/ozgform/engine"
	"github.com/ozgform/ozgform/forms"
)

// TestScalarListWithoutScript: the Gewerbeanmeldung asks for several Staatsangehörigkeiten
// as a list of plain values; without JavaScript the citizen adds and removes inputs with
// buttons, empty inputs disappear when the page is saved, and the values keep their order.
func TestScalarListWithoutScript(t *testing.T) {
	app := newTestApp(t)
	f := app.forms.Get("gewerbeanmeldung")
	page := engine.PageOf(f, "/staatsangehoerigkeiten")
	if page < 0 {
		t.Fatal("no page shows /staatsangehoerigkeiten")
	}
	b := app.browser()
	b.get(formURL("gewerbeanmeldung"))
	b.post(formURL("gewerbeanmeldung"), nil)
	step := stepURL("gewerbeanmeldung", page)
	inputs := func(body string) []string {
		var out []string
		for _, m := range regexp.MustCompile(`name="/staatsangehoerigkeiten/(\d+)" value="([^"]*)"`).FindAllStringSubmatch(body, -1) {
			out = append(out, m[1]+"="+m[2])
		}
		return out
	}
	p := b.get(step)
	wantStatus(t, "step", p, http.StatusOK)
	if got := inputs(p.body); len(got) != 1 || got[0] != "0=" {
		t.Fatalf("empty list shows %v, want one empty input", got)
	}
	if !strings.Contains(p.body, `list="f.staatsangehoerigkeiten.0-vorschlaege"`) || !strings.Contains(p.body, `<option value="polnisch">`) {
		t.Error("the item input lacks its suggestions (datalist)")
	}
	post := func(values url.Values) []string {
		t.Helper()
		r := b.post(step, values)
		wantStatus(t, "post", r, http.StatusSeeOther)
		p, _ := b.follow(r)
		return inputs(p.body)
	}
	got := post(url.Values{"/staatsangehoerigkeiten/0": {"polnisch"}, "_action": {"add:/staatsangehoerigkeiten"}})
	if strings.Join(got, " ") != "0=polnisch 1=" {
		t.Fatalf("after add: %v", got)
	}
	got = post(url.Values{"/staatsangehoerigkeiten/0": {"polnisch"}, "/staatsangehoerigkeiten/1": {"deutsch"}, "_action": {"add:/staatsangehoerigkeiten"}})
	if strings.Join(got, " ") != "0=polnisch 1=deutsch 2=" {
		t.Fatalf("after second add: %v", got)
	}
	// An emptied input in the middle disappears; the order stays.
	got = post(url.Values{"/staatsangehoerigkeiten/0": {""}, "/staatsangehoerigkeiten/1": {"deutsch"}, "/staatsangehoerigkeiten/2": {"italienisch"}, "_action": {"refresh"}})
	if strings.Join(got, " ") != "0=deutsch 1=italienisch" {
		t.Fatalf("after emptying the first: %v", got)
	}
	got = post(url.Values{"/staatsangehoerigkeiten/0": {"deutsch"}, "/staatsangehoerigkeiten/1": {"italienisch"}, "_action": {"remove:/staatsangehoerigkeiten/0"}})
	if strings.Join(got, " ") != "0=italienisch" {
		t.Fatalf("after removing the first: %v", got)
	}
}

// TestSuggestionChoices: a choice field shown as a text input with suggestions maps the typed
// label (any case, German or translated) or the value to the choice's value; other text is
// kept as typed, so that validation names the problem.
func TestSuggestionChoices(t *testing.T) {
	fsys := fstest.MapFS{
		"form.json": {Data: []byte(`{"id": "s", "version": "1.0.0", "title": "S", "authority": {"name": "Amt"}, "languages": ["de", "en"], "leika": "99000000000000", "privacyNotice": "x"}`)},
		"schema.json": {Data: []byte(`{
  "type": "object",
  "properties": {
    "staat": {"type": "string", "title": "Staat", "oneOf": [{"const": "000", "title": "Deutschland"}, {"const": "129", "title": "Frankreich"}, {"const": "476", "title": "Österreich"}]},
    "farbe": {"type": "string", "title": "Farbe"}
  }
}`)},
		"layout.json": {Data: []byte(`{"type": "VerticalLayout", "elements": [
  {"type": "Control", "scope": "#/properties/staat", "options": {"format": "suggestion"}},
  {"type": "Control", "scope": "#/properties/farbe", "options": {"suggestion": ["rot", "grün"]}}
]}`)},
		"i18n/en.json": {Data: []byte(`{"form.title": "S", "form.privacyNotice": "x", "staat.label": "State", "staat.000": "Germany", "staat.129": "France", "staat.476": "Austria", "farbe.label": "Colour"}`)},
	}
	f, problems := forms.Load(fsys, "s", forms.Options{})
	if f == nil {
		t.Fatal(problems)
	}
	if w := f.Field("/staat").Widget; w != forms.WidgetSuggest {
		t.Fatalf("staat widget %s", w)
	}
	tests := []struct {
		lang, path, typed string
		want              any
	}{
		{"de", "/staat", "Frankreich", "129"},
		{"de", "/staat", "  österreich ", "476"},
		{"de", "/staat", "000", "000"},
		{"en", "/staat", "France", "129"},
		{"en", "/staat", "Deutschland", "000"},
		{"de", "/staat", "Atlantis", "Atlantis"},
		{"de", "/farbe", "blau", "blau"},
		{"de", "/farbe", "Rot", "Rot"},
		{"de", "/staat", "", nil},
	}
	for _, tc := range tests {
		pf := &postForm{values: map[string][]string{tc.path: {tc.typed}}, keys: []string{tc.path}}
		got, err := stepValues(f, 0, map[string]any{}, pf, tc.lang)
		if err != nil {
			t.Fatalf("%s %q: %v", tc.path, tc.typed, err)
		}
		if got[tc.path] != tc.want {
			t.Errorf("%s %q (%s) = %#v, want %#v", tc.path, tc.typed, tc.lang, got[tc.path], tc.want)
		}
	}
}
