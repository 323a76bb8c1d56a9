package fim_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/ozgform/ozgform/engine"
	"github.com/ozgform/ozgform/engine/sqlite"
	"github.com/ozgform/ozgform/forms"
	"github.com/ozgform/ozgform/forms/codelist"
	"github.com/ozgform/ozgform/forms/fim"
	"github.com/ozgform/ozgform/forms/fim/fimtest"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// schemaCase is one FIM schema of testdata with the folder of its code lists (XDF2 only).
type schemaCase struct {
	name, file, lists string
}

func cases(t testing.TB) []schemaCase {
	t.Helper()
	var out []schemaCase
	xdf3, _ := filepath.Glob("testdata/xdf3/*.xdf.xml")
	for _, f := range xdf3 {
		out = append(out, schemaCase{name: strings.TrimSuffix(filepath.Base(f), ".xdf.xml"), file: f})
	}
	xdf2, _ := filepath.Glob("testdata/xdf2/*/S*.xml")
	for _, f := range xdf2 {
		out = append(out, schemaCase{name: filepath.Base(filepath.Dir(f)), file: f, lists: filepath.Dir(f)})
	}
	if len(out) != 13 {
		t.Fatalf("found %d FIM schemas in testdata, want 13", len(out))
	}
	return out
}

func codelists(t testing.TB, dir string) *codelist.Set {
	t.Helper()
	set := codelist.NewSet()
	if dir == "" {
		return set
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.xml"))
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if l, err := codelist.Parse(data); err == nil {
			if err := set.Add(l); err != nil {
				t.Fatal(err)
			}
		}
	}
	return set
}

func importCase(t testing.TB, c schemaCase) *fim.Result {
	t.Helper()
	data, err := os.ReadFile(c.file)
	if err != nil {
		t.Fatal(err)
	}
	res, err := fim.Import(data, fim.Options{ID: strings.ToLower(strings.NewReplacer(".", "-", "_", "-").Replace(c.name)), Codelists: codelists(t, c.lists)})
	if err != nil {
		t.Fatalf("%s: %v", c.name, err)
	}
	return res
}

func loadResult(t testing.TB, res *fim.Result) *forms.Form {
	t.Helper()
	form, problems := forms.Load(forms.MapFS(res.Files), res.Report.FormID, forms.Options{})
	if form == nil {
		t.Fatalf("%s does not load:\n%v", res.Report.FormID, problems)
	}
	return form
}

// TestImportEverySchemaChecksClean imports every schema of testdata; check finds no error.
func TestImportEverySchemaChecksClean(t *testing.T) {
	for _, c := range cases(t) {
		t.Run(c.name, func(t *testing.T) {
			res := importCase(t, c)
			for _, p := range forms.Check(forms.MapFS(res.Files), res.Report.FormID, forms.Options{}) {
				if p.Severity == forms.SeverityError {
					t.Errorf("%s", p)
				}
			}
			if res.Report.Fields == 0 || res.Report.Pages == 0 {
				t.Errorf("report counts nothing: %+v", res.Report)
			}
		})
	}
}

// TestFidelity counts every Datenfeld of kind input or select in the XML (each occurrence) and
// finds it in the generated schema with its FIM id, as often as it occurs.
func TestFidelity(t *testing.T) {
	for _, c := range cases(t) {
		t.Run(c.name, func(t *testing.T) {
			data, err := os.ReadFile(c.file)
			if err != nil {
				t.Fatal(err)
			}
			inXML, shown := xmlFields(t, data)
			res := importCase(t, c)
			var schema any
			if err := json.Unmarshal(res.Files["schema.json"], &schema); err != nil {
				t.Fatal(err)
			}
			inSchema := map[string]int{}
			walkJSON(schema, func(m map[string]any) {
				if id, ok := m["x-fim-id"].(string); ok && strings.HasPrefix(id, "F") {
					inSchema[id]++
				}
			})
			total := 0
			for id, n := range inXML {
				if inSchema[id] != n {
					t.Errorf("Datenfeld %s: %d times in the XML (input/select/locked/hidden), %d times in schema.json", id, n, inSchema[id])
				}
			}
			for id := range shown {
				total += shown[id]
				if inSchema[id] == 0 {
					t.Errorf("Datenfeld %s (input/select) is missing in schema.json", id)
				}
			}
			if total != res.Report.Fields {
				t.Errorf("XML has %d input/select Datenfelder, the report counts %d", total, res.Report.Fields)
			}
		})
	}
}

// xmlFields reads the Datenfelder of a document independently of the importer: the counts of
// ids with a data value (input, select, locked, hidden), and those of input and select alone.
func xmlFields(t *testing.T, data []byte) (valued, shown map[string]int) {
	t.Helper()
	valued, shown = map[string]int{}, map[string]int{}
	dec := xml.NewDecoder(bytes.NewReader(data))
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok || se.Name.Local != "datenfeld" {
			continue
		}
		var df struct {
			ID      string `xml:"identifikation>id"`
			Feldart string `xml:"feldart>code"`
			Typ     string `xml:"datentyp>code"`
		}
		if err := dec.DecodeElement(&df, &se); err != nil {
			t.Fatal(err)
		}
		switch df.Feldart {
		case "input", "select":
			shown[df.ID]++
			valued[df.ID]++
		case "locked", "hidden":
			valued[df.ID]++
		}
	}
	return valued, shown
}

func walkJSON(v any, fn func(map[string]any)) {
	switch x := v.(type) {
	case map[string]any:
		fn(x)
		for _, c := range x {
			walkJSON(c, fn)
		}
	case []any:
		for _, c := range x {
			walkJSON(c, fn)
		}
	}
}

// TestValidSampleSubmits fills every field of each imported form with a valid value (real codes
// from the code lists, a PDF for each attachment), submits it through the engine with SQLite,
// and finds the codes with list URI and version in the payload.
func TestValidSampleSubmits(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "ozgform.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	svc := &engine.Service{Store: st, TempDir: t.TempDir()}
	for _, c := range cases(t) {
		t.Run(c.name, func(t *testing.T) {
			res := importCase(t, c)
			form := loadResult(t, res)
			var schema map[string]any
			if err := json.Unmarshal(res.Files["schema.json"], &schema); err != nil {
				t.Fatal(err)
			}
			d, err := svc.StartDraft(ctx, form, "de")
			if err != nil {
				t.Fatal(err)
			}
			g, err := fimtest.NewSample(form, schema)
			if err != nil {
				t.Fatal(err)
			}
			data := g.Data
			for _, p := range g.Files {
				a, refusal, err := svc.AddAttachment(ctx, form, d, p, "nachweis.pdf", strings.NewReader(samplePDF))
				if err != nil || refusal != nil {
					t.Fatalf("%s: upload refused: %v %+v", p, err, refusal)
				}
				fimtest.SetPath(data, p, []any{a.ID})
			}
			raw, err := json.Marshal(data)
			if err != nil {
				t.Fatal(err)
			}
			d.Data = raw
			sub, errs, err := svc.Submit(ctx, form, d)
			if err != nil {
				t.Fatal(err)
			}
			if len(errs) > 0 {
				cat := engine.NewCatalog()
				for _, fe := range errs {
					t.Errorf("%s: %s", fe.Path, cat.Message(form, fe, "de"))
				}
				t.FailNow()
			}
			env, err := engine.BuildEnvelope(form, sub, "https://formulare.example.de", nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			if g.Codes != len(env.Codes) {
				t.Errorf("the sample has %d code-list values, the payload lists %d codes", g.Codes, len(env.Codes))
			}
			for _, code := range env.Codes {
				l := form.Codelists.Get(code.ListURI, code.ListVersionID)
				if l == nil || !l.Has(code.Code) || code.Path == "" {
					t.Errorf("payload code %+v is not a code of a list of the form", code)
				}
			}
			if c.lists != "" && len(env.Codes) == 0 {
				t.Errorf("an XDF2 form with code lists yields no codes in the payload")
			}
		})
	}
}

const samplePDF = "%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"

// TestGolden compares the generated files and the report of one XDF2 and one XDF3 import with
// testdata/golden; go test -update rewrites them.
func TestGolden(t *testing.T) {
	for _, c := range cases(t) {
		if c.name != "S00000094V1.0_xdf2" && c.name != "S00000000364" {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			res := importCase(t, c)
			rep, err := json.MarshalIndent(res.Report, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			files := map[string][]byte{"report.json": append(rep, '\n')}
			var lists []string
			for name, b := range res.Files {
				if strings.HasPrefix(name, "codelists/") {
					lists = append(lists, name)
					continue
				}
				files[name] = b
			}
			sort.Strings(lists)
			files["codelists.txt"] = []byte(strings.Join(lists, "\n") + "\n")
			for name, got := range files {
				golden := filepath.Join("testdata", "golden", c.name, name)
				if *update {
					if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(golden, got, 0o644); err != nil {
						t.Fatal(err)
					}
					continue
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatalf("%v (run go test -update)", err)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("%s differs from %s (go test ./forms/fim -run TestGolden -update rewrites it)", name, golden)
				}
			}
		})
	}
}

// TestCodelistCopiedAndStaat checks the Staat list of the XDF2 sample: copied, referenced, and
// shown as a text input with suggestions.
func TestCodelistCopiedAndStaat(t *testing.T) {
	var c schemaCase
	for _, x := range cases(t) {
		if x.name == "S00000094V1.0_xdf2" {
			c = x
		}
	}
	res := importCase(t, c)
	form := loadResult(t, res)
	var staat *forms.Field
	for _, f := range form.Fields {
		if f.Codelist != nil && strings.HasSuffix(f.Codelist.URI, ":staat") {
			staat = f
		}
	}
	if staat == nil {
		t.Fatal("no field refers to the Staat list")
	}
	if staat.Widget != forms.WidgetSuggest || len(staat.Choices) < 190 {
		t.Errorf("Staat: widget %s with %d choices, want a suggestion field with the 197 states", staat.Widget, len(staat.Choices))
	}
	if staat.Choices[0].Value != "000" || staat.Choices[0].Label != "Deutschland" {
		t.Errorf("Staat: first choice %+v, want code 000 (column schluessel-staat) labelled Deutschland", staat.Choices[0])
	}
}

// TestMissingAndOtherVersionOfCodelist: a missing list makes free text with a warning naming
// URI and version; another version of the list is used with a warning.
func TestMissingAndOtherVersionOfCodelist(t *testing.T) {
	data, err := os.ReadFile("testdata/xdf3/S00000000362.xdf.xml")
	if err != nil {
		t.Fatal(err)
	}
	res, err := fim.Import(data, fim.Options{Codelists: codelist.NewSet()})
	if err != nil {
		t.Fatal(err)
	}
	if !hasNote(res, "urn:de:bund:destatis:bevoelkerungsstatistik:schluessel:staat (Version 2023-02-24) fehlt") {
		t.Errorf("no warning about the missing Staat list: %+v", res.Report.Notes)
	}
	// The XDF2 sample carries Staat in version 2021-02-19; the XDF3 schema asks for 2023-02-24.
	res, err = fim.Import(data, fim.Options{Codelists: codelists(t, "testdata/xdf2/S00000094V1.0_xdf2")})
	if err != nil {
		t.Fatal(err)
	}
	if !hasNote(res, "nicht in Version 2023-02-24 vor; für „Staat“ wird Version 2021-02-19 verwendet") {
		t.Errorf("no warning about the other version: %+v", res.Report.Notes)
	}
	if !bytes.Contains(res.Files["schema.json"], []byte(`"listVersionID": "2021-02-19"`)) {
		t.Error("schema.json does not refer to the version used")
	}
	if res.Report.Codelists != 1 {
		t.Errorf("%d code lists copied, want 1", res.Report.Codelists)
	}
	loadResult(t, res)
}

func hasNote(res *fim.Result, text string) bool {
	for _, n := range res.Report.Notes {
		if strings.Contains(n.Message, text) {
			return true
		}
	}
	return false
}

// TestRulesAnnotatedAndTranslated: every rule text is in layout.json at the elements it names;
// the simple JA/NEIN rule of S00000000364 becomes a SHOW rule with a conditional requirement.
func TestRulesAnnotatedAndTranslated(t *testing.T) {
	for _, c := range cases(t) {
		t.Run(c.name, func(t *testing.T) {
			res := importCase(t, c)
			layout := string(res.Files["layout.json"])
			for _, r := range res.Report.RuleList {
				id, _ := json.Marshal(r.ID)
				if !strings.Contains(layout, `"id": `+string(id)) {
					t.Errorf("rule %s is not annotated in layout.json", r.ID)
				}
			}
			if len(res.Report.RuleList) != res.Report.Rules {
				t.Errorf("report lists %d of %d rules", len(res.Report.RuleList), res.Report.Rules)
			}
		})
	}
	var c schemaCase
	for _, x := range cases(t) {
		if x.name == "S00000000364" {
			c = x
		}
	}
	res := importCase(t, c)
	if res.Report.RulesTranslated != 1 {
		t.Fatalf("%d rules translated, want 1", res.Report.RulesTranslated)
	}
	form := loadResult(t, res)
	ok := false
	for _, f := range form.Fields {
		if f.Rule != nil && f.Rule.Effect == forms.EffectShow && f.FIMID == "G00000002211" {
			ok = true
		}
	}
	if !ok {
		t.Error("G00000002211 has no SHOW rule")
	}
	if !bytes.Contains(res.Files["schema.json"], []byte(`"if"`)) {
		t.Error("the group is not made conditionally required")
	}
}

// TestBadInput: clear German messages with an element path or FIM id, never a panic.
func TestBadInput(t *testing.T) {
	const head = `<?xml version="1.0"?><xdf:xdatenfelder.stammdatenschema.0102 xmlns:xdf="urn:xoev-de:fim:standard:xdatenfelder_3.0.0"><xdf:stammdatenschema><xdf:identifikation><xdf:id>S12345</xdf:id><xdf:version>1.0.0</xdf:version></xdf:identifikation><xdf:name>Test</xdf:name>`
	const tail = `</xdf:stammdatenschema></xdf:xdatenfelder.stammdatenschema.0102>`
	field := func(id, typ, extra string) string {
		return `<xdf:struktur><xdf:anzahl>1:1</xdf:anzahl><xdf:enthaelt><xdf:datenfeld><xdf:identifikation><xdf:id>` + id + `</xdf:id><xdf:version>1.0.0</xdf:version></xdf:identifikation><xdf:name>Feld ` + id + `</xdf:name><xdf:feldart><code>input</code></xdf:feldart><xdf:datentyp><code>` + typ + `</code></xdf:datentyp>` + extra + `</xdf:datenfeld></xdf:enthaelt></xdf:struktur>`
	}
	group := func(id, inner string) string {
		return `<xdf:struktur><xdf:anzahl>1:1</xdf:anzahl><xdf:enthaelt><xdf:datenfeldgruppe><xdf:identifikation><xdf:id>` + id + `</xdf:id><xdf:version>1.0.0</xdf:version></xdf:identifikation><xdf:name>Gruppe ` + id + `</xdf:name>` + inner + `</xdf:datenfeldgruppe></xdf:enthaelt></xdf:struktur>`
	}
	laughs := `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><lolz>&lol2;</lolz>`
	huge := make([]byte, fim.MaxSize+1)
	deep := head + strings.Repeat("<a>", 300) + strings.Repeat("</a>", 300) + tail
	for _, tc := range []struct {
		name, want string
		doc        []byte
	}{
		{"invalid XML", "kein gültiges XML", []byte(head + "<xdf:name>" + tail)},
		{"wrong namespace", "unbekannter Namensraum", []byte(`<x xmlns="urn:beispiel"/>`)},
		{"XDatenfelder 1", "XDatenfelder 1 wird nicht unterstützt", []byte(`<x xmlns="urn:xoev-de:fim:standard:xdatenfelder_1.0"/>`)},
		{"unknown Datentyp", "F12345: /xdatenfelder.stammdatenschema.0102/stammdatenschema/struktur/enthaelt/datenfeld/datentyp: unbekannter Datentyp „komplex“", []byte(head + field("F12345", "komplex", "") + tail)},
		{"duplicate id", "F12345 kommt in S12345 doppelt vor", []byte(head + field("F12345", "text", "") + field("F12345", "text", "") + tail)},
		{"cyclic group", "G11111: /xdatenfelder.stammdatenschema.0102/stammdatenschema/struktur/enthaelt/datenfeldgruppe/struktur/enthaelt/datenfeldgruppe: die Datenfeldgruppe enthält sich selbst", []byte(head + group("G11111", group("G11111", field("F12345", "text", ""))) + tail)},
		{"untranslatable pattern", "F12345: /xdatenfelder.stammdatenschema.0102/stammdatenschema/struktur/enthaelt/datenfeld/praezisierung: das Muster „[a-z-[aeiou]]+“ lässt sich nicht übernehmen", []byte(head + field("F12345", "text", `<xdf:praezisierung pattern="[a-z-[aeiou]]+"/>`) + tail)},
		{"100 MB", "die Datei ist zu groß", huge},
		{"billion laughs", "Dokumenttyp-Deklarationen", []byte(laughs)},
		{"undeclared entity", "unbekannte Entität", []byte(head + "<xdf:beschreibung>&lol9;</xdf:beschreibung>" + tail)},
		{"too deep", "tiefer als 256 Ebenen", []byte(deep)},
		{"bad Anzahl", "die Anzahl „viele“", []byte(head + strings.Replace(field("F12345", "text", ""), "1:1", "viele", 1) + tail)},
		{"bad Präzisierung XDF2", "die Präzisierung ist kein JSON-Objekt", []byte(strings.ReplaceAll(head+field("F12345", "text", `<xdf:praezisierung>{"minLength":</xdf:praezisierung>`)+tail, "xdatenfelder_3.0.0", "xdatenfelder_2"))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := fim.Import(tc.doc, fim.Options{})
			if err == nil {
				t.Fatal("accepted")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
			assertLocated(t, err)
		})
	}
}

var fimIDRE = regexp.MustCompile(`^[FGSR][0-9]{5,14}$`)

func assertLocated(t *testing.T, err error) {
	t.Helper()
	var e *fim.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v is no *fim.Error", err)
	}
	if !strings.HasPrefix(e.Where, "/") && !fimIDRE.MatchString(e.Where) {
		t.Errorf("error %q names neither an element path nor a FIM id", err)
	}
}

// FuzzImport: the reader never panics, and every error names an element path or a FIM id.
func FuzzImport(f *testing.F) {
	for _, file := range []string{"testdata/xdf3/S00000000364.xdf.xml", "testdata/xdf3/S00000000373.xdf.xml"} {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`<?xml version="1.0"?><!DOCTYPE a [<!ENTITY b "c">]><a>&b;</a>`))
	f.Add([]byte(`<x xmlns="urn:xoev-de:fim:standard:xdatenfelder_2"><stammdatenschema/></x>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := fim.Import(data, fim.Options{})
		if err != nil {
			assertLocated(t, err)
			return
		}
		if res.Files["schema.json"] == nil {
			t.Fatal("no schema.json without an error")
		}
	})
}

// BenchmarkImportS05000001299 imports the largest schema (3.5 MB); the issue asks for < 1 s.
func BenchmarkImportS05000001299(b *testing.B) {
	data, err := os.ReadFile("testdata/xdf3/S05000001299.xdf.xml")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := fim.Import(data, fim.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestEmptyFirstStepReportsErrors saves the first page of each imported form empty through the
// engine, as a citizen's "Weiter" does: the required fields there must be reported (the engine
// completes required objects only for objects that are Controls of the layout).
func TestEmptyFirstStepReportsErrors(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "ozgform.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	svc := &engine.Service{Store: st}
	for _, c := range cases(t) {
		t.Run(c.name, func(t *testing.T) {
			form := loadResult(t, importCase(t, c))
			required := false
			var walk func(nodes []*forms.Node)
			walk = func(nodes []*forms.Node) {
				for _, n := range nodes {
					if n.Field != nil && n.Field.Required && n.Field.Rule == nil {
						required = true
					}
					walk(n.Children)
				}
			}
			walk(form.Pages[0].Nodes)
			if !required {
				t.Skip("no required field on the first page")
			}
			d, err := svc.StartDraft(ctx, form, "de")
			if err != nil {
				t.Fatal(err)
			}
			errs, err := svc.SaveStep(ctx, form, d, 0, map[string]any{})
			if err != nil {
				t.Fatal(err)
			}
			if len(errs) == 0 {
				t.Error("the empty first page is accepted although it has required fields")
			}
		})
	}
}

// TestChoiceGroup: an XDF3 choice group (art X, Auswahl; testdata/synthetic is made up)
// becomes an object whose children are alternatives (oneOf, each requiring its child) with a
// hint in the layout; exactly one alternative is valid, none or two are reported at the group
// with the hint's text.
func TestChoiceGroup(t *testing.T) {
	res := importCase(t, schemaCase{name: "auswahlgruppe", file: "testdata/synthetic/auswahlgruppe.xdf.xml"})
	for _, p := range forms.Check(forms.MapFS(res.Files), res.Report.FormID, forms.Options{}) {
		if p.Severity == forms.SeverityError {
			t.Errorf("%s", p)
		}
	}
	if !hasNote(res, "ist eine Auswahl") {
		t.Errorf("the report does not name the choice group: %+v", res.Report.Notes)
	}
	want := "Bitte machen Sie genau eine dieser Angaben: „Steuerliche Identifikationsnummer“ oder „Personalausweis“."
	if !strings.Contains(string(res.Files["layout.json"]), `"text": "`+want+`"`) {
		t.Errorf("layout.json lacks the hint %q", want)
	}
	form := loadResult(t, res)
	const group = "/antragstellendePerson/nachweisDerIdentitaet"
	if fd := form.Field(group); fd == nil || fd.Widget != forms.WidgetGroup || len(fd.Choices) > 0 {
		t.Fatalf("%s is not shown as a group: %+v", group, fd)
	}
	ausweis := map[string]any{"ausweisnummer": "L01X00T47", "ausstellendeBehoerde": "Stadt Musterstadt"}
	cat := engine.NewCatalog()
	for _, tc := range []struct {
		name   string
		choice map[string]any
		valid  bool
	}{
		{"Steuer-ID", map[string]any{"steuerlicheIdentifikationsnummer": "86095742719"}, true},
		{"Personalausweis", map[string]any{"personalausweis": ausweis}, true},
		{"beide", map[string]any{"steuerlicheIdentifikationsnummer": "86095742719", "personalausweis": ausweis}, false},
		{"keine", map[string]any{}, false},
	} {
		data := map[string]any{"antragstellendePerson": map[string]any{"familienname": "Mustermann", "nachweisDerIdentitaet": tc.choice}}
		errs := engine.Validate(form, data)
		if tc.valid {
			for _, fe := range errs {
				t.Errorf("%s: %s: %s", tc.name, fe.Path, cat.Message(form, fe, "de"))
			}
			continue
		}
		if len(errs) != 1 || errs[0].Path != group || cat.Message(form, errs[0], "de") != want {
			for _, fe := range errs {
				t.Logf("%s: %s", fe.Path, cat.Message(form, fe, "de"))
			}
			t.Errorf("%s: %d errors, want one at %s saying %q", tc.name, len(errs), group, want)
		}
	}
}
