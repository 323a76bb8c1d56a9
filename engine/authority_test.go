package engine_test

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/ozgform/ozgform/authority"
	"github.com/ozgform/ozgform/authority/authoritytest"
	"github.com/ozgform/ozgform/engine"
	"github.com/ozgform/ozgform/forms"
)

const efaTable = `plz;ars;gemeinde
12345;089990000001;Musterstadt
12346;089990000001;Musterstadt
12346;089990000002;Beispielheim
12347;089990000002;Beispielheim
12399;089990000003;Neudorf
`

// efaService is a Service with the sample authorities: Musterstadt sends its Hundesteuer
// submissions to "musterstadt-kasse", Beispielheim to "beispielheim".
func efaService(t *testing.T) *engine.Service {
	t.Helper()
	svc, _, _ := newService(t)
	tab, problems := authority.ReadTable(strings.NewReader(efaTable), "t.csv")
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	svc.Authorities = authority.NewDirectory([]authority.Authority{
		{ID: "musterstadt", Name: "Stadt Musterstadt – Steueramt", ARS: []string{"089990000001"}, Street: "Rathausplatz 1", PostalCode: "12345", City: "Musterstadt",
			Destinations: map[string][]string{"hundesteuer": {"musterstadt-kasse"}}},
		{ID: "beispielheim", Name: "Gemeinde Beispielheim – Kämmerei", ARS: []string{"089990000002"}, Email: "kaemmerei@beispielheim.example",
			PrivacyContact: "datenschutz@beispielheim.example", Destinations: map[string][]string{"*": {"beispielheim"}}},
	}, tab)
	return svc
}

// efaDraft starts a Hundesteuer draft with the valid sample's answers at plz and ort.
func efaDraft(t *testing.T, svc *engine.Service, plz, ort string) *engine.Draft {
	t.Helper()
	form := exampleForm(t, "hundesteuer")
	d, err := svc.StartDraft(t.Context(), form, "de")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile("../examples/hundesteuer/samples/valid.json")
	if err != nil {
		t.Fatal(err)
	}
	var data map[string]any
	if err := json.Unmarshal(raw, &data); err != nil {
		t.Fatal(err)
	}
	addr := data["anschrift"].(map[string]any)
	addr["plz"], addr["ort"] = plz, ort
	d.Data, _ = json.Marshal(data)
	if err := svc.Store.UpdateDraft(t.Context(), d); err != nil {
		t.Fatal(err)
	}
	return d
}

func payloadSchemaV2(t *testing.T) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(engine.PayloadSchemaEfA()))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(engine.PayloadSchemaIDEfA, doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(engine.PayloadSchemaIDEfA)
	if err != nil {
		t.Fatal(err)
	}
	return sch
}

// TestTwoMunicipalities: two citizens fill the same form in two municipalities; each
// submission goes to its own authority's destination, and each payload names it.
func TestTwoMunicipalities(t *testing.T) {
	svc := efaService(t)
	form := exampleForm(t, "hundesteuer")
	schema := payloadSchemaV2(t)
	for _, tc := range []struct{ plz, ort, authority, ars, dest string }{
		{"12345", "Musterstadt", "musterstadt", "089990000001", "musterstadt-kasse"},
		{"12347", "Beispielheim", "beispielheim", "089990000002", "beispielheim"},
	} {
		d := efaDraft(t, svc, tc.plz, tc.ort)
		sub, errs, err := svc.Submit(t.Context(), form, d)
		if err != nil || len(errs) > 0 {
			t.Fatalf("%s: Submit: %v %v", tc.plz, err, errs)
		}
		if sub.AuthorityID != tc.authority || sub.Authority == nil || sub.Authority.ARS != tc.ars {
			t.Fatalf("%s: submission for %q %+v", tc.plz, sub.AuthorityID, sub.Authority)
		}
		out, err := svc.Store.Outbox(t.Context(), sub.ID)
		if err != nil || len(out) != 1 || out[0].Destination != tc.dest {
			t.Fatalf("%s: outbox %v %v, want one message to %s", tc.plz, out, err, tc.dest)
		}
		stored, err := svc.Store.Submission(t.Context(), sub.ID)
		if err != nil {
			t.Fatal(err)
		}
		env, err := engine.BuildEnvelope(form, stored, "https://formulare.example.de", nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		b, err := env.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		inst, _ := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err := schema.Validate(inst); err != nil {
			t.Errorf("%s: the envelope does not follow payload v2: %v", tc.plz, err)
		}
		if env.EnvelopeVersion != "2" || env.Authority.ID != tc.authority || env.Authority.ARS != tc.ars || !strings.HasSuffix(env.Schema, "/schemas/payload/v2.json") {
			t.Errorf("%s: envelope authority %+v, version %s", tc.plz, env.Authority, env.EnvelopeVersion)
		}
	}
}

// TestPostalCodeOfTwoMunicipalities: a PLZ of two municipalities whose Ort names neither
// asks which one; the answer decides, and only a municipality of the PLZ is accepted.
func TestPostalCodeOfTwoMunicipalities(t *testing.T) {
	svc := efaService(t)
	form := exampleForm(t, "hundesteuer")
	d := efaDraft(t, svc, "12346", "Ortsteil Au")
	r := svc.Responsible(form, d)
	if r.Status != authority.Ambiguous || len(r.Candidates) != 2 {
		t.Fatalf("resolution %+v", r)
	}
	if _, _, err := svc.Submit(t.Context(), form, d); engine.KindOf(err) != engine.KindConflict || !strings.Contains(err.Error(), engine.ErrAuthorityUnresolved.Error()) {
		t.Fatalf("submit before the question: %v", err)
	}
	if err := svc.ChooseMunicipality(t.Context(), form, d, "089990000003"); engine.KindOf(err) != engine.KindInvalid {
		t.Fatalf("a municipality of another PLZ: %v", err)
	}
	if err := svc.ChooseMunicipality(t.Context(), form, d, "089990000002"); err != nil {
		t.Fatal(err)
	}
	d, err := svc.Draft(t.Context(), d.ID)
	if err != nil {
		t.Fatal(err)
	}
	sub, errs, err := svc.Submit(t.Context(), form, d)
	if err != nil || len(errs) > 0 || sub.AuthorityID != "beispielheim" {
		t.Fatalf("Submit: %v %v %+v", err, errs, sub)
	}
}

// TestUnservedMunicipality: a municipality no authority serves cannot submit, and the draft
// is kept.
func TestUnservedMunicipality(t *testing.T) {
	svc := efaService(t)
	form := exampleForm(t, "hundesteuer")
	d := efaDraft(t, svc, "12399", "Neudorf")
	if r := svc.Responsible(form, d); r.Status != authority.Unserved || r.Municipality.Name != "Neudorf" {
		t.Fatalf("resolution %+v", r)
	}
	if _, _, err := svc.Submit(t.Context(), form, d); engine.KindOf(err) != engine.KindConflict {
		t.Fatalf("submit: %v", err)
	}
	if _, err := svc.Draft(t.Context(), d.ID); err != nil {
		t.Fatalf("the draft is gone: %v", err)
	}
}

// BenchmarkResponsible is the routing cost per submission with a Germany-sized directory:
// decoding the draft's answers and resolving its authority from PLZ and Ort, as Submit does.
func BenchmarkResponsible(b *testing.B) {
	g := authoritytest.Germany(authoritytest.GermanySizes, []string{"kasse"})
	tab, problems := authority.ReadTable(strings.NewReader(g.Table), "germany.csv")
	if len(problems) > 0 {
		b.Fatal(problems[0])
	}
	svc := &engine.Service{Authorities: authority.NewDirectory(g.Authorities, tab)}
	form := exampleForm(b, "hundesteuer")
	raw, err := os.ReadFile("../examples/hundesteuer/samples/valid.json")
	if err != nil {
		b.Fatal(err)
	}
	drafts := make([]*engine.Draft, 64)
	for i := range drafts {
		var data map[string]any
		_ = json.Unmarshal(raw, &data)
		addr := data["anschrift"].(map[string]any)
		addr["plz"], addr["ort"] = g.PLZ[i*97%len(g.PLZ)], "Gemeinde 1"
		d := &engine.Draft{}
		d.Data, _ = json.Marshal(data)
		drafts[i] = d
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if r := svc.Responsible(form, drafts[i%len(drafts)]); r.Status == authority.Pending {
			b.Fatal(r.Status)
		}
	}
}

// TestGemeindeFromList: a form whose Gemeinde is chosen from a list (form.json
// "authorities": {"ars": …}) goes to the authority of the chosen municipality; a
// municipality without authority cannot be submitted.
func TestGemeindeFromList(t *testing.T) {
	svc := efaService(t)
	fsys := fstest.MapFS{
		"form.json": {Data: []byte(`{"id": "gemeindewahl", "version": "1.0.0", "title": "Test", "authority": {"name": "Ihre Gemeinde"},
			"leika": "99000000000000", "privacyNotice": "Hinweis.", "authorities": {"ars": "/gemeinde"}}`)},
		"schema.json": {Data: []byte(`{"type": "object", "properties": {
			"name": {"type": "string", "title": "Name"},
			"gemeinde": {"type": "string", "title": "Gemeinde", "oneOf": [
				{"const": "089990000001", "title": "Musterstadt"}, {"const": "089990000002", "title": "Beispielheim"}, {"const": "089990000003", "title": "Neudorf"}]}},
			"required": ["name", "gemeinde"], "additionalProperties": false}`)},
		"layout.json": {Data: []byte(`{"type": "VerticalLayout", "elements": [{"type": "Control", "scope": "#/properties/name"}, {"type": "Control", "scope": "#/properties/gemeinde"}]}`)},
	}
	form, problems := forms.Load(fsys, "gemeindewahl", forms.Options{})
	if form == nil {
		t.Fatal(problems)
	}
	for _, tc := range []struct {
		ars, authority string
		status         authority.Status
	}{{"089990000002", "beispielheim", authority.Resolved}, {"089990000003", "", authority.Unserved}} {
		d, err := svc.StartDraft(t.Context(), form, "de")
		if err != nil {
			t.Fatal(err)
		}
		d.Data = json.RawMessage(`{"name": "Anna", "gemeinde": "` + tc.ars + `"}`)
		if err := svc.Store.UpdateDraft(t.Context(), d); err != nil {
			t.Fatal(err)
		}
		if r := svc.Responsible(form, d); r.Status != tc.status {
			t.Fatalf("%s: %s, want %s", tc.ars, r.Status, tc.status)
		}
		sub, _, err := svc.Submit(t.Context(), form, d)
		if tc.authority == "" {
			if engine.KindOf(err) != engine.KindConflict {
				t.Errorf("%s: submit: %v", tc.ars, err)
			}
			continue
		}
		if err != nil || sub.AuthorityID != tc.authority || sub.Authority.Municipality != "Beispielheim" {
			t.Fatalf("%s: %+v, %v", tc.ars, sub, err)
		}
	}
}
