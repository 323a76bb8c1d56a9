package engine

import (
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"math/big"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"

	"github.com/ozgform/ozgform/forms"
)

// englishWords are common English words that must not appear in a German message.
var englishWords = regexp.MustCompile(`(?i)\b(the|is|are|must|please|value|field|not|invalid|enter|entry|entries|required|and|or|of|to|with|for|at|least|most|characters?|allowed|missing|failed|got|want|match|expected|should|only|this|your|none)\b`)

// checkRendered fails when a rendered message is empty, contains an unfilled placeholder or,
// in German, English words.
func checkRendered(t *testing.T, what, lang, msg string) {
	t.Helper()
	switch {
	case strings.TrimSpace(msg) == "":
		t.Errorf("%s (%s): empty message", what, lang)
	case strings.ContainsAny(msg, "{}"):
		t.Errorf("%s (%s): unfilled placeholder in %q", what, lang, msg)
	case lang == "de" && englishWords.MatchString(msg):
		t.Errorf("%s (de): English word %q in %q", what, englishWords.FindString(msg), msg)
	}
}

// errorKinds lists the exported types of the Go files matched by glob that implement
// jsonschema.ErrorKind (methods KeywordPath and LocalizedString), as "pkg.Type".
func parseErrorKinds(t *testing.T, glob string) []string {
	t.Helper()
	files, err := filepath.Glob(glob)
	if err != nil || len(files) == 0 {
		t.Fatalf("no files match %s (%v)", glob, err)
	}
	methods := map[string]map[string]bool{}
	pkg := ""
	fset := token.NewFileSet()
	for _, file := range files {
		if strings.HasSuffix(file, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, file, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		pkg = f.Name.Name
		for _, decl := range f.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || fn.Recv == nil || len(fn.Recv.List) != 1 {
				continue
			}
			typ := fn.Recv.List[0].Type
			if star, ok := typ.(*ast.StarExpr); ok {
				typ = star.X
			}
			ident, ok := typ.(*ast.Ident)
			if !ok || !ident.IsExported() {
				continue
			}
			if methods[ident.Name] == nil {
				methods[ident.Name] = map[string]bool{}
			}
			methods[ident.Name][fn.Name.Name] = true
		}
	}
	var kinds []string
	for name, m := range methods {
		if m["KeywordPath"] && m["LocalizedString"] {
			kinds = append(kinds, pkg+"."+name)
		}
	}
	sort.Strings(kinds)
	return kinds
}

// kindSamples holds one realistic value of every error kind, with the instance location it is
// reported at in the test form.
func kindSamples() map[string]struct {
	loc  []string
	kind jsonschema.ErrorKind
} {
	type sample = struct {
		loc  []string
		kind jsonschema.ErrorKind
	}
	rat := func(s string) *big.Rat { r, _ := new(big.Rat).SetString(s); return r }
	grund := []string{"grund"}
	return map[string]sample{
		"kind.InvalidJsonValue":     {grund, &kind.InvalidJsonValue{Value: struct{}{}}},
		"kind.Schema":               {nil, &kind.Schema{Location: "https://ozgform.de/formulare/test/schema.json#"}},
		"kind.Group":                {grund, &kind.Group{}},
		"kind.Not":                  {grund, &kind.Not{}},
		"kind.AllOf":                {grund, &kind.AllOf{}},
		"kind.AnyOf":                {grund, &kind.AnyOf{}},
		"kind.OneOf":                {grund, &kind.OneOf{Subschemas: []int{0, 1}}},
		"kind.FalseSchema":          {grund, &kind.FalseSchema{}},
		"kind.RefCycle":             {grund, &kind.RefCycle{URL: "u", KeywordLocation1: "/a", KeywordLocation2: "/b"}},
		"kind.Type":                 {grund, &kind.Type{Got: "number", Want: []string{"string"}}},
		"kind.Enum":                 {[]string{"art"}, &kind.Enum{Got: "x", Want: []any{"neu", "verlaengerung"}}},
		"kind.Const":                {[]string{"bestaetigung"}, &kind.Const{Got: false, Want: true}},
		"kind.Format":               {[]string{"iban"}, &kind.Format{Got: "DE00", Want: "iban", Err: errors.New("Bitte geben Sie eine gültige IBAN ein.")}},
		"kind.Reference":            {grund, &kind.Reference{Keyword: "$ref", URL: "u"}},
		"kind.MinProperties":        {[]string{"person"}, &kind.MinProperties{Got: 0, Want: 1}},
		"kind.MaxProperties":        {[]string{"person"}, &kind.MaxProperties{Got: 4, Want: 3}},
		"kind.MinItems":             {[]string{"hunde"}, &kind.MinItems{Got: 0, Want: 1}},
		"kind.MaxItems":             {[]string{"hunde"}, &kind.MaxItems{Got: 4, Want: 3}},
		"kind.AdditionalItems":      {[]string{"hunde"}, &kind.AdditionalItems{Count: 2}},
		"kind.Required":             {[]string{"person"}, &kind.Required{Missing: []string{"familienname", "vornamen"}}},
		"kind.Dependency":           {nil, &kind.Dependency{Prop: "art", Missing: []string{"grund"}}},
		"kind.DependentRequired":    {nil, &kind.DependentRequired{Prop: "art", Missing: []string{"grund"}}},
		"kind.AdditionalProperties": {nil, &kind.AdditionalProperties{Properties: []string{"x", "y"}}},
		"kind.PropertyNames":        {[]string{"person"}, &kind.PropertyNames{Property: "$x"}},
		"kind.UniqueItems":          {[]string{"sprachen"}, &kind.UniqueItems{Duplicates: [2]int{0, 2}}},
		"kind.Contains":             {[]string{"hunde"}, &kind.Contains{}},
		"kind.MinContains":          {[]string{"hunde"}, &kind.MinContains{Got: []int{1}, Want: 2}},
		"kind.MaxContains":          {[]string{"hunde"}, &kind.MaxContains{Got: []int{0, 1, 2}, Want: 2}},
		"kind.MinLength":            {grund, &kind.MinLength{Got: 2, Want: 3}},
		"kind.MaxLength":            {grund, &kind.MaxLength{Got: 1234, Want: 1000}},
		"kind.Pattern":              {grund, &kind.Pattern{Got: "abc", Want: "^[0-9]+$"}},
		"kind.ContentEncoding":      {grund, &kind.ContentEncoding{Want: "base64", Err: errors.New("illegal base64 data")}},
		"kind.ContentMediaType":     {grund, &kind.ContentMediaType{Got: []byte("x"), Want: "application/json", Err: errors.New("invalid")}},
		"kind.ContentSchema":        {grund, &kind.ContentSchema{}},
		"kind.Minimum":              {[]string{"anzahl"}, &kind.Minimum{Got: rat("0"), Want: rat("1")}},
		"kind.Maximum":              {[]string{"betrag"}, &kind.Maximum{Got: rat("2000"), Want: rat("2469/2")}},
		"kind.ExclusiveMinimum":     {[]string{"betrag"}, &kind.ExclusiveMinimum{Got: rat("0"), Want: rat("0")}},
		"kind.ExclusiveMaximum":     {[]string{"betrag"}, &kind.ExclusiveMaximum{Got: rat("10000"), Want: rat("10000")}},
		"kind.MultipleOf":           {[]string{"betrag"}, &kind.MultipleOf{Got: rat("0.3"), Want: rat("0.25")}},
		"forms.MinDateKind":         {[]string{"zeitraum", "beginn"}, &forms.MinDateKind{Got: "2025-12-31", Want: "2026-01-01"}},
		"forms.AttachmentKind":      {grund, &forms.AttachmentKind{Reason: forms.AttachmentTooFew, Limit: 2, Got: 1}},
		"forms.MaxDateKind":         {[]string{"person", "geburtsdatum"}, &forms.MaxDateKind{Got: "2026-11-29", Want: "2026-11-28", Today: true}},
		"forms.CodelistKind":        {grund, &forms.CodelistKind{Got: "999", URI: "urn:de:beispiel:codeliste", Version: "2024-01-01"}},
		"forms.DateOrderKind":       {[]string{"zeitraum"}, &forms.DateOrderKind{Earlier: "beginn", Later: "ende", EarlierValue: "2026-05-01", LaterValue: "2026-04-30"}},
	}
}

// TestEveryErrorKindHasAMessage enumerates the error kinds of jsonschema/v6 (from the source of
// the module in use) and of package forms, and checks that Validate maps each to a message
// that renders in German and English.
func TestEveryErrorKindHasAMessage(t *testing.T) {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is needed to locate the jsonschema module")
	}
	out, err := exec.Command(goCmd, "list", "-m", "-f", "{{.Dir}}", "github.com/santhosh-tekuri/jsonschema/v6").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dir := strings.TrimSpace(string(out))
	kinds := parseErrorKinds(t, filepath.Join(dir, "kind", "*.go"))
	if len(kinds) < 30 {
		t.Fatalf("found only %d kinds in %s: %q", len(kinds), dir, kinds)
	}
	kinds = append(kinds, parseErrorKinds(t, filepath.Join("..", "forms", "*.go"))...)

	form := loadValidationForm(t)
	cat := NewCatalog()
	samples := kindSamples()
	for _, name := range kinds {
		s, ok := samples[name]
		if !ok {
			t.Errorf("%s has no mapping: add a case to validation.add and a sample to kindSamples", name)
			continue
		}
		v := &validation{form: form}
		if !v.add(issue{loc: s.loc, kind: s.kind}) {
			t.Errorf("%s: validation.add does not know the kind", name)
		}
		errs := v.finish()
		if len(errs) == 0 {
			t.Errorf("%s: no field error", name)
		}
		for _, fe := range errs {
			if _, ok := cat.Template(fe.MessageID, "de"); !ok {
				t.Errorf("%s: message id %q is not in the catalog", name, fe.MessageID)
			}
			for _, lang := range []string{"de", "en"} {
				msg := cat.Message(form, fe, lang)
				checkRendered(t, name, lang, msg)
				t.Logf("%-26s %-5s %-22s %s", name, lang, fe.MessageID, msg)
			}
		}
	}
	for name := range samples {
		if !hasString(kinds, name) {
			t.Errorf("sample %s is not an error kind any more", name)
		}
	}
}

// TestCatalogTemplates renders every message of the catalog with parameters, with and without a
// form.
func TestCatalogTemplates(t *testing.T) {
	form := loadValidationForm(t)
	cat := NewCatalog()
	params := map[string]any{
		"limit": 3, "actual": 5, "count": 2, "first": 1, "second": 3, "property": "zusatz",
		"encoding": "base64", "mediaType": "application/pdf", "earlier": "Beginn",
		"earlierPath": "/zeitraum/beginn", "want": []string{"string", "integer"},
		"choices": []any{"neu"}, "format": "uuid", "value": "2026-11-28",
	}
	ids := cat.MessageIDs()
	if !sort.StringsAreSorted(ids) || len(ids) < 50 {
		t.Fatalf("MessageIDs: %d ids, sorted %v", len(ids), sort.StringsAreSorted(ids))
	}
	for _, id := range ids {
		for _, lang := range []string{"de", "en"} {
			tpl, ok := cat.Template(id, lang)
			if !ok || tpl == "" {
				t.Errorf("%s: no %s template", id, lang)
			}
			for _, f := range []*forms.Form{form, nil} {
				fe := FieldError{Path: "/grund", MessageID: id, Params: params}
				checkRendered(t, id, lang, cat.Message(f, fe, lang))
			}
		}
	}
}

func TestMessage(t *testing.T) {
	form := loadValidationForm(t)
	cat := NewCatalog()
	cases := []struct {
		name   string
		patch  string
		de, en string
	}{
		{"required", `{"person": {"vornamen": "Anna"}}`,
			"Bitte geben Sie „Familienname“ an.",
			"Please enter “Surname”."},
		{"required choice", `{"art": null}`,
			"Bitte wählen Sie bei „Art des Antrags“ eine Möglichkeit aus.",
			"Please choose an option for “Art des Antrags”."},
		{"required checkbox", `{"bestaetigung": false}`,
			"Bitte bestätigen Sie „Ich bestätige die Angaben“.",
			"Please confirm “Ich bestätige die Angaben”."},
		{"maxLength", `{"grund": "viel zu lang"}`,
			"„Begründung“ darf höchstens 10 Zeichen lang sein (jetzt: 12).",
			"“Begründung” may be at most 10 characters long (now: 12)."},
		{"maximum with German number format", `{"betrag": 2000}`,
			"„Betrag“ darf höchstens 1.234,5 sein.",
			"“Betrag” may be at most 1,234.5."},
		{"minimum", `{"anzahl": 0}`,
			"„Anzahl“ muss mindestens 1 sein.",
			"“Anzahl” must be at least 1."},
		{"minDate with German date", `{"zeitraum": {"beginn": "2025-12-31"}}`,
			"„Beginn“ darf nicht vor dem 01.01.2026 liegen.",
			"“Start” must not be before 1 Jan 2026."},
		{"maxDate today", `{"person": {"familienname": "Müller", "vornamen": "Anna", "geburtsdatum": "2026-11-29"}}`,
			"„Geburtsdatum“ darf nicht in der Zukunft liegen.",
			"“Geburtsdatum” must not be in the future."},
		{"dateOrder names the earlier field", `{"zeitraum": {"beginn": "2026-05-01", "ende": "2026-04-30"}}`,
			"„Ende“ darf nicht vor „Beginn“ liegen.",
			"“End” must not be before “Start”."},
		{"choice", `{"art": "x"}`,
			"Bitte wählen Sie bei „Art des Antrags“ eine der angebotenen Möglichkeiten aus.",
			"Please choose one of the options offered for “Art des Antrags”."},
		{"minItems", `{"hunde": []}`,
			"Bitte fügen Sie bei „Hunde“ mindestens 1 Eintrag hinzu.",
			"Please add at least 1 entry to “Hunde”."},
		{"type", `{"anzahl": "drei"}`,
			"Bitte geben Sie bei „Anzahl“ eine ganze Zahl ohne Komma ein.",
			"Please enter a whole number for “Anzahl”."},
		{"DIN 91379 name: the checker's sentence", `{"person": {"familienname": "Иванов", "vornamen": "Anna"}}`,
			"„Familienname“: Das Zeichen „И“ ist in Namen nicht zulässig.",
			"“Surname” may only contain letters and the characters allowed in names (DIN 91379)."},
		{"author override as a string", `{"iban": "DE00 1234"}`,
			"Bitte prüfen Sie Ihre IBAN noch einmal.",
			"Please enter a valid IBAN for “IBAN” (e.g. DE89 3704 0044 0532 0130 00)."},
		{"author override by keyword, translated", `{"hunde": [{"name": "Bello", "chipnummer": "123"}]}`,
			"Die Chipnummer besteht aus 15 Ziffern.",
			"The chip number has 15 digits."},
		{"unknown property", `{"zusatz": 1}`,
			"Die Angabe „zusatz“ ist in diesem Formular nicht vorgesehen. Bitte entfernen Sie sie.",
			"“zusatz” is not part of this form. Please remove it."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			errs := Validate(form, decodeTestJSON(t, withPatch(t, tc.patch), true))
			if len(errs) != 1 {
				t.Fatalf("want one error, got %q", briefErrors(errs))
			}
			if got := cat.Message(form, errs[0], "de"); got != tc.de {
				t.Errorf("de:\n got %s\nwant %s", got, tc.de)
			}
			if got := cat.Message(form, errs[0], ""); got != tc.de {
				t.Errorf("default language:\n got %s\nwant %s", got, tc.de)
			}
			if got := cat.Message(form, errs[0], "en"); got != tc.en {
				t.Errorf("en:\n got %s\nwant %s", got, tc.en)
			}
		})
	}
}

// TestMessageObjectOverride checks errorMessage on the enclosing object (required, x-dateOrder)
// and the catch-all string of a field in both languages.
func TestMessageObjectOverride(t *testing.T) {
	schema := `{
	  "type": "object",
	  "properties": {
	    "zeitraum": {
	      "type": "object",
	      "title": "Zeitraum",
	      "properties": {
	        "beginn": {"type": "string", "title": "Beginn", "format": "date"},
	        "ende": {"type": "string", "title": "Ende", "format": "date"}
	      },
	      "required": ["beginn"],
	      "x-dateOrder": [["beginn", "ende"]],
	      "errorMessage": {"x-dateOrder": "Das Ende liegt vor dem Beginn.", "required": "Ohne Beginn geht es nicht."}
	    },
	    "notiz": {"type": "string", "title": "Notiz", "maxLength": 3, "errorMessage": "Höchstens drei Zeichen, bitte."},
	    "hinweis": {"type": "string", "title": "Hinweis"}
	  },
	  "required": ["notiz", "hinweis"],
	  "errorMessage": {"required": "Dieses Feld brauchen wir."}
	}`
	layout := `{"type": "VerticalLayout", "elements": [
	  {"type": "Control", "scope": "#/properties/zeitraum"},
	  {"type": "Control", "scope": "#/properties/notiz"},
	  {"type": "Control", "scope": "#/properties/hinweis"}
	]}`
	en := `{"zeitraum.error.x-dateOrder": "The end is before the start.", "notiz.error": "At most three characters, please."}`
	form := loadInlineForm(t, schema, layout, map[string]string{"en": en})
	cat := NewCatalog()
	cases := []struct {
		data   string
		de, en string
	}{
		{`{"zeitraum": {"beginn": "2026-05-01", "ende": "2026-04-30"}, "notiz": "x", "hinweis": "h"}`,
			"Das Ende liegt vor dem Beginn.", "The end is before the start."},
		{`{"zeitraum": {}, "notiz": "x", "hinweis": "h"}`,
			"Ohne Beginn geht es nicht.", "Please enter “Beginn”."},
		{`{"zeitraum": {"beginn": "2026-05-01"}, "notiz": "viel zu lang", "hinweis": "h"}`,
			"Höchstens drei Zeichen, bitte.", "At most three characters, please."},
		// The field's own message, even the catch-all string, wins over the object's.
		{`{"zeitraum": {"beginn": "2026-05-01"}, "hinweis": "h"}`,
			"Höchstens drei Zeichen, bitte.", "At most three characters, please."},
		// The root object's message for a field without its own.
		{`{"notiz": "x"}`,
			"Dieses Feld brauchen wir.", "Please enter “Hinweis”."},
	}
	for _, tc := range cases {
		errs := Validate(form, decodeTestJSON(t, tc.data, true))
		if len(errs) != 1 {
			t.Errorf("%s: want one error, got %q", tc.data, briefErrors(errs))
			continue
		}
		if got := cat.Message(form, errs[0], "de"); got != tc.de {
			t.Errorf("%s de:\n got %s\nwant %s", tc.data, got, tc.de)
		}
		if got := cat.Message(form, errs[0], "en"); got != tc.en {
			t.Errorf("%s en:\n got %s\nwant %s", tc.data, got, tc.en)
		}
	}
}

func TestMessageWithoutForm(t *testing.T) {
	cat := NewCatalog()
	cases := []struct {
		fe     FieldError
		de, en string
	}{
		{FieldError{Path: "/anschrift/plz", MessageID: "required"},
			"Bitte geben Sie „plz“ an.", "Please enter “plz”."},
		{FieldError{Path: "/a~1b", MessageID: "required"},
			"Bitte geben Sie „a/b“ an.", "Please enter “a/b”."},
		{FieldError{Path: "", MessageID: "type.object"},
			"Die Angaben bei „Formular“ sind unvollständig. Bitte füllen Sie sie erneut aus.",
			"The details for “form” are incomplete. Please fill them in again."},
		{FieldError{Path: "/x", MessageID: "no-such-id"},
			"Die Angabe bei „x“ ist ungültig. Bitte prüfen Sie Ihre Eingabe.",
			"The entry for “x” is invalid. Please check your input."},
		{FieldError{Path: "/x", MessageID: "maxItems", Params: map[string]any{"limit": 1234, "actual": 1235}},
			"Bei „x“ sind höchstens 1.234 Einträge möglich (jetzt: 1.235). Bitte entfernen Sie die übrigen.",
			"“x” allows at most 1,234 entries (now: 1,235). Please remove the others."},
	}
	for _, tc := range cases {
		if got := cat.Message(nil, tc.fe, "de"); got != tc.de {
			t.Errorf("%v de:\n got %s\nwant %s", tc.fe, got, tc.de)
		}
		if got := cat.Message(nil, tc.fe, "en"); got != tc.en {
			t.Errorf("%v en:\n got %s\nwant %s", tc.fe, got, tc.en)
		}
	}
}

func TestTrimSentenceStop(t *testing.T) {
	cases := map[string]string{
		"Ich bestätige die Angaben.":          "Ich bestätige die Angaben",
		"Ich habe es gelesen und verstanden.": "Ich habe es gelesen und verstanden",
		"Straße und Hausnr.":                  "Straße und Hausnr.",
		"Welche Rasse?":                       "Welche Rasse?",
		"Name":                                "Name",
		"Angaben zum Betrieb (GmbH).":         "Angaben zum Betrieb (GmbH).",
		".":                                   ".",
	}
	for in, want := range cases {
		if got := trimSentenceStop(in); got != want {
			t.Errorf("trimSentenceStop(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestFormatNumber(t *testing.T) {
	cases := []struct {
		n      float64
		de, en string
	}{
		{0, "0", "0"},
		{1234.5, "1.234,5", "1,234.5"},
		{-1234567, "-1.234.567", "-1,234,567"},
		{0.25, "0,25", "0.25"},
		{100, "100", "100"},
	}
	for _, tc := range cases {
		if got := formatNumber(tc.n, "de"); got != tc.de {
			t.Errorf("formatNumber(%v, de) = %s, want %s", tc.n, got, tc.de)
		}
		if got := formatNumber(tc.n, "en"); got != tc.en {
			t.Errorf("formatNumber(%v, en) = %s, want %s", tc.n, got, tc.en)
		}
	}
}
