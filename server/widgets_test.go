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
    "farbe": {"type": "string", "title": "Farbe"},
    "staaten": {"type": "array", "title": "Staaten", "items": {"type": "string", "oneOf": [{"const": "000", "title": "Deutschland"}, {"const": "129", "title": "Frankreich"}]}}
  }
}`)},
		"layout.json": {Data: []byte(`{"type": "VerticalLayout", "elements": [
  {"type": "Control", "scope": "#/properties/staat", "options": {"format": "suggestion"}},
  {"type": "Control", "scope": "#/properties/farbe", "options": {"suggestion": ["rot", "grün"]}},
  {"type": "Control", "scope": "#/properties/staaten", "options": {"format": "suggestion"}}
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
	if l := f.Field("/staaten"); l.Widget != forms.WidgetRepeat || !l.ScalarItems || f.Field("/staaten/0").Widget != forms.WidgetSuggest {
		t.Fatalf("staaten: %s, items %s", l.Widget, f.Field("/staaten/0").Widget)
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
		{"de", "/staaten/0", "frankreich", "129"}, // a list of code-list values, one suggestion input each
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

func TestParseTimeAndDateTime(t *testing.T) {
	for in, want := range map[string]string{
		"13:37": "13:37:00", "13.37": "13:37:00", "9:05": "09:05:00", "13:37:20": "13:37:20",
		"13:37 Uhr": "13:37:00", "25:00": "25:00", "mittags": "mittags", "08:05:00+01:00": "08:05:00+01:00",
	} {
		if got := parseTime(in); got != want {
			t.Errorf("parseTime(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{
		"07.12.2026 13:37":          "2026-12-07T13:37:00+01:00", // winter time
		"1.7.2026 8:00":             "2026-07-01T08:00:00+02:00", // summer time
		"2026-12-07 13:37":          "2026-12-07T13:37:00+01:00",
		"2026-12-07T13:37:00Z":      "2026-12-07T13:37:00Z",
		"07.12.2026":                "07.12.2026",
		"31.02.2026 10:00":          "31.02.2026 10:00",
		"2026-12-07T13:37:00+01:00": "2026-12-07T13:37:00+01:00",
	} {
		if got := parseDateTime(in); got != want {
			t.Errorf("parseDateTime(%q) = %q, want %q", in, got, want)
		}
		if want != in && forms.ValidDateTime(want) != nil {
			t.Errorf("%q is not valid date-time", want)
		}
	}
	for in, ok := range map[string]bool{"13:37": true, "13:37:00": true, "08:05:00+01:00": true, "13.37": false, "25:00": false} {
		if (forms.ValidTime(in) == nil) != ok {
			t.Errorf("ValidTime(%q) ok = %v", in, !ok)
		}
	}
}

// TestDatePartsPost: the three inputs of a date field with dateInput "parts" share the
// field's name; the server joins day, month and year in document order.
func TestDatePartsPost(t *testing.T) {
	fsys := fstest.MapFS{
		"form.json":   {Data: []byte(`{"id": "d", "version": "1.0.0", "title": "D", "authority": {"name": "Amt"}, "leika": "99000000000000", "privacyNotice": "x"}`)},
		"schema.json": {Data: []byte(`{"type": "object", "properties": {"wurftag": {"type": "string", "format": "date", "title": "Wurftag"}, "text": {"type": "string", "title": "Text"}}}`)},
		"layout.json": {Data: []byte(`{"type": "VerticalLayout", "elements": [{"type": "Control", "scope": "#/properties/wurftag", "options": {"dateInput": "parts"}}, {"type": "Control", "scope": "#/properties/text"}]}`)},
	}
	f, problems := forms.Load(fsys, "d", forms.Options{})
	if f == nil {
		t.Fatal(problems)
	}
	for _, tc := range []struct {
		raw  []string
		want any
	}{
		{[]string{"9", "3", "2021"}, "2021-03-09"},
		{[]string{" 29 ", "02", "2020"}, "2020-02-29"},
		{[]string{"31", "2", "2021"}, "31.2.2021"}, // kept as typed: validation names the problem
		{[]string{"", "", ""}, nil},
	} {
		pf := &postForm{values: map[string][]string{"/wurftag": tc.raw}, keys: []string{"/wurftag"}}
		got, err := stepValues(f, 0, map[string]any{}, pf, "de")
		if err != nil {
			t.Fatalf("%v: %v", tc.raw, err)
		}
		if got["/wurftag"] != tc.want {
			t.Errorf("%v → %#v, want %#v", tc.raw, got["/wurftag"], tc.want)
		}
	}
	// Only the date parts may come three times.
	pf := &postForm{values: map[string][]string{"/text": {"a", "b", "c"}}, keys: []string{"/text"}}
	if _, err := stepValues(f, 0, map[string]any{}, pf, "de"); err == nil {
		t.Error("a text field posted three times is accepted")
	}
}
