package server

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/ozgform/ozgform/authority"
	"github.com/ozgform/ozgform/engine"
)

const testTable = `plz;ars;gemeinde
12345;089990000001;Musterstadt
12346;089990000001;Musterstadt
12346;089990000002;Beispielheim
12347;089990000002;Beispielheim
12399;089990000003;Neudorf
`

// newEfAApp is the test application with two authorities for the Hundesteuer form:
// Musterstadt (destination musterstadt-kasse) and Beispielheim (beispielheim, with its own
// privacy notice and data protection contact).
func newEfAApp(t *testing.T) *testApp {
	t.Helper()
	app := newTestApp(t)
	tab, problems := authority.ReadTable(strings.NewReader(testTable), "t.csv")
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	app.svc.Authorities = authority.NewDirectory([]authority.Authority{
		{ID: "musterstadt", Name: "Stadt Musterstadt – Steueramt", ARS: []string{"089990000001"}, Street: "Rathausplatz 1", PostalCode: "12345", City: "Musterstadt",
			Email: "steueramt@musterstadt.example", Destinations: map[string][]string{"hundesteuer": {"musterstadt-kasse"}}},
		{ID: "beispielheim", Name: "Gemeinde Beispielheim – Kämmerei", ARS: []string{"089990000002"}, Street: "Marktplatz 3", PostalCode: "12347", City: "Beispielheim",
			Email: "kaemmerei@beispielheim.example", PrivacyContact: "datenschutz@beispielheim.example",
			PrivacyNotice: "Verantwortlich ist die Gemeinde Beispielheim.", Destinations: map[string][]string{"*": {"beispielheim"}},
			Imprint: "https://www.beispielheim.example/impressum", PrivacyURL: "https://www.beispielheim.example/datenschutz"},
	}, tab)
	return app
}

// hundesteuerAt returns the valid Hundesteuer sample with another postal code and Ort.
func hundesteuerAt(t *testing.T, plz, ort string) map[string]any {
	t.Helper()
	sample := loadSample(t, "hundesteuer", "valid")
	addr := sample["anschrift"].(map[string]any)
	addr["plz"], addr["ort"] = plz, ort
	return sample
}

// submitEfA fills the Hundesteuer form at plz and ort, choosing municipality when asked,
// checks that the review page names want, submits and returns the submission.
func submitEfA(t *testing.T, app *testApp, plz, ort, municipality, want string) (*browser, *engine.Submission) {
	t.Helper()
	b := app.browser()
	b.tb, b.municipality = t, municipality
	review := b.fillForm(app.forms.Get("hundesteuer"), hundesteuerAt(t, plz, ort))
	if !strings.Contains(review.body, want) {
		t.Errorf("%s: the review page does not name %q", plz, want)
	}
	r := b.post("/formulare/hundesteuer/absenden", nil)
	wantStatus(t, "submit", r, http.StatusSeeOther)
	m := referencePattern.FindStringSubmatch(r.location)
	if m == nil {
		t.Fatalf("submit redirects to %q", r.location)
	}
	sub, err := app.svc.Submission(context.Background(), m[1])
	if err != nil {
		t.Fatal(err)
	}
	return b, sub
}

// TestEfATwoMunicipalities: two citizens in two municipalities fill the same form; each
// submission goes to its own authority's destination, and the confirmation, the receipt and
// the payload name that authority.
func TestEfATwoMunicipalities(t *testing.T) {
	app := newEfAApp(t)
	for _, tc := range []struct{ plz, ort, id, name, dest, ars, other string }{
		{"12345", "Musterstadt", "musterstadt", "Stadt Musterstadt – Steueramt", "musterstadt-kasse", "089990000001", "Beispielheim"},
		{"12347", "Beispielheim", "beispielheim", "Gemeinde Beispielheim – Kämmerei", "beispielheim", "089990000002", "Musterstadt"},
	} {
		t.Run(tc.id, func(t *testing.T) {
			b, sub := submitEfA(t, app, tc.plz, tc.ort, "", tc.name)
			if sub.AuthorityID != tc.id {
				t.Fatalf("submission for %q, want %s", sub.AuthorityID, tc.id)
			}
			out, err := app.store.Outbox(context.Background(), sub.ID)
			if err != nil || len(out) != 1 || out[0].Destination != tc.dest {
				t.Fatalf("outbox %v %v, want one message to %s", out, err, tc.dest)
			}
			conf := b.get(confirmationURL(sub.Reference))
			wantStatus(t, "confirmation", conf, http.StatusOK)
			if !strings.Contains(conf.body, tc.name) || !strings.Contains(conf.body, tc.ars) {
				t.Errorf("the confirmation does not name %s (%s)", tc.name, tc.ars)
			}
			if strings.Contains(conf.body, tc.other) {
				t.Errorf("the confirmation names the other municipality %s", tc.other)
			}
			// Beispielheim has its own Impressum and Datenschutzerklärung (the legal pages'
			// hook); Musterstadt's pages keep the portal's.
			ownLegal := strings.Contains(conf.body, `href="https://www.beispielheim.example/impressum"`) &&
				strings.Contains(conf.body, `href="https://www.beispielheim.example/datenschutz"`)
			if ownLegal != (tc.id == "beispielheim") {
				t.Errorf("the confirmation links to Beispielheim's legal pages: %v", ownLegal)
			}
			res, err := b.c.Get(app.http.URL + receiptURL(sub.Reference))
			if err != nil {
				t.Fatal(err)
			}
			pdf, _ := io.ReadAll(res.Body)
			res.Body.Close()
			text := strings.Join(strings.Fields(pdfText(t, pdf)), " ")
			for _, want := range []string{tc.name, tc.ars, "Zuständig für Ihre Gemeinde " + tc.ort} {
				if !strings.Contains(text, want) {
					t.Errorf("the receipt lacks %q", want)
				}
			}
			if tc.id == "beispielheim" && (!strings.Contains(text, "Verantwortlich ist die Gemeinde Beispielheim.") || !strings.Contains(text, "datenschutz@beispielheim.example")) {
				t.Error("the receipt lacks the authority's own privacy notice and contact")
			}
			env, err := engine.BuildEnvelope(app.forms.Get("hundesteuer"), sub, app.http.URL, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			if env.Authority.ID != tc.id || env.Authority.ARS != tc.ars || env.Authority.Name != tc.name || env.EnvelopeVersion != "2" {
				t.Errorf("payload authority %+v (version %s)", env.Authority, env.EnvelopeVersion)
			}
		})
	}
}

// TestEfAPostalCodeOfTwo: a postal code of two municipalities whose Ort names neither leads
// to the municipality question; without a choice it shows an error, with one it goes on.
func TestEfAPostalCodeOfTwo(t *testing.T) {
	app := newEfAApp(t)
	b := app.browser()
	b.tb = t
	// Fill until the question: fillForm fails at the redirect, so walk by hand after step 1.
	f := app.forms.Get("hundesteuer")
	page := decidingPage(f)
	if page < 0 {
		t.Fatal("the Hundesteuer form has no deciding page")
	}
	b.municipality = "089990000002"
	review := b.fillForm(f, hundesteuerAt(t, "12346", "Ortsteil Au"))
	if !strings.Contains(review.body, "Gemeinde Beispielheim – Kämmerei") {
		t.Error("after the choice the review page does not name Beispielheim")
	}
	// The question again, from the review page: both municipalities, the choice checked.
	q := b.get(municipalityURL("hundesteuer") + "?zurueck=pruefen")
	wantStatus(t, "question", q, http.StatusOK)
	for _, want := range []string{"In welcher Gemeinde wohnen Sie?", "12346", ">Musterstadt</label>", ">Beispielheim</label>", `value="089990000002" checked`, `name="_zurueck" value="pruefen"`} {
		if !strings.Contains(q.body, want) {
			t.Errorf("the question lacks %q", want)
		}
	}
	r := b.post(municipalityURL("hundesteuer"), url.Values{"_zurueck": {"pruefen"}})
	wantStatus(t, "no choice", r, http.StatusSeeOther)
	if !strings.Contains(r.location, "fehler=1") {
		t.Fatalf("no choice goes to %s", r.location)
	}
	shown, _ := b.follow(r)
	wantStatus(t, "question with error", shown, http.StatusUnprocessableEntity)
	if !strings.Contains(shown.body, "Bitte wählen Sie Ihre Gemeinde aus.") || !strings.Contains(shown.body, `aria-invalid`) && !strings.Contains(shown.body, "feld-fehler") {
		t.Error("the question shows no error")
	}
	r = b.post(municipalityURL("hundesteuer"), url.Values{"gemeinde": {"089990000003"}, "_zurueck": {"pruefen"}})
	if !strings.Contains(r.location, "fehler=1") {
		t.Errorf("a municipality of another postal code goes to %s", r.location)
	}
	r = b.post(municipalityURL("hundesteuer"), url.Values{"gemeinde": {"089990000001"}, "_zurueck": {"pruefen"}})
	if r.location != reviewURL("hundesteuer") {
		t.Fatalf("the choice from the review page goes to %s", r.location)
	}
	r = b.post("/formulare/hundesteuer/absenden", nil)
	m := referencePattern.FindStringSubmatch(r.location)
	if m == nil {
		t.Fatalf("submit goes to %s", r.location)
	}
	if sub, err := app.svc.Submission(context.Background(), m[1]); err != nil || sub.AuthorityID != "musterstadt" {
		t.Errorf("submitted to %+v, %v; want musterstadt", sub, err)
	}
}

// TestEfAUnserved: a municipality that no authority serves gets its own page after the
// step with the postal code; review and submit send there too, nothing is submitted, and the
// draft is kept.
func TestEfAUnserved(t *testing.T) {
	app := newEfAApp(t)
	b := app.browser()
	b.tb = t
	f := app.forms.Get("hundesteuer")
	sample := hundesteuerAt(t, "12399", "Neudorf")
	wantStatus(t, "start", b.get(formURL("hundesteuer")), http.StatusOK)
	at := b.post(formURL("hundesteuer"), nil).location
	for i := 0; i <= decidingPage(f); i++ {
		path := strings.SplitN(at, "?", 2)[0]
		page := b.get(path)
		if r := b.addItems(f, path, page, sample); r != nil {
			page = r
		}
		values := formValues(t, pageFields(t, page.body), sample)
		values.Set("_action", "weiter")
		r := b.post(path, values)
		wantStatus(t, "save "+path, r, http.StatusSeeOther)
		at = r.location
	}
	if at != unservedURL("hundesteuer") {
		t.Fatalf("after the postal code: %s, want the unserved page", at)
	}
	p := b.get(at)
	wantStatus(t, "unserved", p, http.StatusOK)
	for _, want := range []string{"Für Ihre Gemeinde nicht online verfügbar", "Gemeinde Neudorf", "Verwaltung Ihrer Stadt oder Gemeinde", "Ihre Angaben bleiben gespeichert", stepURL("hundesteuer", decidingPage(f))} {
		if !strings.Contains(p.body, want) {
			t.Errorf("the unserved page lacks %q", want)
		}
	}
	if r := b.get(reviewURL("hundesteuer")); r.location != unservedURL("hundesteuer") {
		t.Errorf("review goes to %q", r.location)
	}
	before := app.countRows("submissions")
	if r := b.post("/formulare/hundesteuer/absenden", nil); r.location != unservedURL("hundesteuer") {
		t.Errorf("submit goes to %q", r.location)
	}
	if app.countRows("submissions") != before {
		t.Error("a submission was stored for an unserved municipality")
	}
	step := b.get(stepURL("hundesteuer", decidingPage(f)))
	wantStatus(t, "the step with the postal code", step, http.StatusOK)
	if !strings.Contains(step.body, `value="12399"`) {
		t.Error("the draft lost the postal code")
	}
}
