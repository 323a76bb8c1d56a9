package server

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/ozgform/ozgform/engine/sqlite"
	"github.com/ozgform/ozgform/renderer"
)

// Tests of the citizen-facing findings of the outside review (issue 14).

// labelOf returns the label element of the input with id.
func labelOf(tb testing.TB, body, id string) string {
	tb.Helper()
	m := regexp.MustCompile(`<label for="` + regexp.QuoteMeta(id) + `">.*?</label>`).FindString(body)
	if m == "" {
		tb.Fatalf("no label for %s", id)
	}
	return m
}

// TestConditionalRequiredMarkFollowsValidation (point 10): in the Gewerbeanmeldung with
// Rechtsform GmbH, Registergericht and Registernummer (a dependentRequired pair: both or
// neither) are not marked as required while both are empty, which the validation accepts;
// once the Registernummer is given, the Registergericht is required and marked.
func TestConditionalRequiredMarkFollowsValidation(t *testing.T) {
	app := newTestApp(t)
	b := app.browser()
	b.get(formURL("gewerbeanmeldung"))
	b.post(formURL("gewerbeanmeldung"), nil)
	step1 := stepURL("gewerbeanmeldung", 0)
	b.get(step1)
	b.post(step1, url.Values{"/rechtsform": {"gmbh"}, "_action": {"refresh"}})
	page := b.get(step1)
	for _, id := range []string{"f.unternehmen.registergericht", "f.unternehmen.registernummer"} {
		if l := labelOf(t, page.body, id); strings.Contains(l, "Pflichtfeld") {
			t.Errorf("%s is marked as required while the validation accepts it empty: %s", id, l)
		}
	}
	if l := labelOf(t, page.body, "f.unternehmen.name"); !strings.Contains(l, "Pflichtfeld") {
		t.Errorf("the name (required for a GmbH) is not marked: %s", l)
	}
	r := b.post(step1, url.Values{"/rechtsform": {"gmbh"}, "/unternehmen/name": {"Muster GmbH"}, "/unternehmen/registernummer": {"HRB 12345"}})
	page, _ = b.follow(r)
	wantStatus(t, "step 1 with a Registernummer only", page, http.StatusOK)
	if l := labelOf(t, page.body, "f.unternehmen.registergericht"); !strings.Contains(l, "Pflichtfeld") {
		t.Errorf("Registergericht, now required, is not marked: %s", l)
	}
	if !strings.Contains(page.body, `id="f.unternehmen.registergericht-fehler"`) {
		t.Errorf("no error at the Registergericht:\n%s", clip(page.body))
	}
}

var testLegal = renderer.Legal{
	Imprint: "https://www.musterstadt.example/impressum",
	Privacy: "/datenschutz",
	Statement: renderer.AccessibilityStatement{
		Status: "teilweise", Barriers: []string{"Die PDF-Eingangsbestätigung ist nicht vollständig barrierefrei."},
		Method: "Selbstbewertung", Date: "1. Dezember 2026",
		FeedbackEmail: "barrierefreiheit@musterstadt.example", FeedbackPhone: "0123 456789",
	},
}

// TestFooterLegalPages (point 9): every page links to Impressum, Datenschutzerklärung and
// Erklärung zur Barrierefreiheit; the default statement names the feedback contact and the
// enforcement body; the sentence about encrypted transport only appears over HTTPS.
func TestFooterLegalPages(t *testing.T) {
	app := newTestApp(t, func(c *Config, _ *sqlite.Options) { c.Branding.Legal = testLegal; c.TrustProxy = true })
	b := app.browser()
	for _, path := range []string{"/", formURL("hundesteuer"), "/fortsetzen", "/gibt-es-nicht"} {
		r := b.get(path)
		for _, want := range []string{
			`<a href="https://www.musterstadt.example/impressum">Impressum</a>`,
			`<a href="/datenschutz">Datenschutz</a>`,
			`<a href="/barrierefreiheit">Barrierefreiheit</a>`,
		} {
			if !strings.Contains(r.body, want) {
				t.Errorf("%s: the footer lacks %s", path, want)
			}
		}
		if strings.Contains(r.body, "verschlüsselt übertragen") {
			t.Errorf("%s over plain HTTP claims encrypted transport", path)
		}
	}
	req, _ := http.NewRequest(http.MethodGet, app.http.URL+formURL("hundesteuer"), nil)
	req.Header.Set("X-Forwarded-Proto", "https")
	if r := b.do(req); !strings.Contains(r.body, "Ihre Angaben werden verschlüsselt übertragen") {
		t.Error("over HTTPS (behind the proxy) the footer does not say that the answers are encrypted")
	}

	r := b.get("/barrierefreiheit")
	wantStatus(t, "accessibility statement", r, http.StatusOK)
	for _, want := range []string{
		"<h1>Erklärung zur Barrierefreiheit</h1>", "teilweise vereinbar", "Die PDF-Eingangsbestätigung ist nicht vollständig barrierefrei.",
		`<a href="mailto:barrierefreiheit@musterstadt.example">barrierefreiheit@musterstadt.example</a>`, "0123 456789",
		"Schlichtungsstelle nach dem Behindertengleichstellungsgesetz", `href="https://www.schlichtungsstelle-bgg.de"`, "§ 16 BGG",
	} {
		if !strings.Contains(r.body, want) {
			t.Errorf("the accessibility statement lacks %q", want)
		}
	}

	// An unfilled statement says so instead of inventing a contact.
	bare := newTestApp(t)
	r = bare.browser().get("/barrierefreiheit")
	if !strings.Contains(r.body, "noch keinen Feedback-Kontakt eingetragen") || !strings.Contains(r.body, "noch nicht bewertet") {
		t.Errorf("the unfilled statement:\n%s", clip(r.body))
	}
}

// TestResumeOpensSavedStep (point 13): a complete draft saved on step 2 opens on step 2
// again, not on the first incomplete step (here: the review page, as all steps are complete).
func TestResumeOpensSavedStep(t *testing.T) {
	app := newTestApp(t)
	f := app.forms.Get("hundesteuer")
	sample := loadSample(t, "hundesteuer", "valid")
	b := app.browser()
	b.fillForm(f, sample)
	step2 := stepURL("hundesteuer", 1)
	p := b.get(step2)
	wantStatus(t, "step 2", p, http.StatusOK)
	values := formValues(t, pageFields(t, p.body), sample)
	values.Set("_action", "speichern")
	r := b.post(step2, values)
	wantStatus(t, "save for later", r, http.StatusOK)
	code := regexp.MustCompile(`/fortsetzen/([2-9A-HJ-NP-Z-]+)"`).FindStringSubmatch(r.body)
	if code == nil {
		t.Fatalf("no resume link:\n%s", clip(r.body))
	}
	other := app.browser()
	r = other.get("/fortsetzen/" + code[1])
	wantStatus(t, "resume", r, http.StatusSeeOther)
	if r.location != step2 {
		t.Errorf("resuming opens %s, want the saved step %s", r.location, step2)
	}
	// Saved on the review page: the first step with a problem, or (none) the review page.
	other.get(reviewURL("hundesteuer"))
	r = other.post(reviewURL("hundesteuer")[:len(reviewURL("hundesteuer"))-len("/pruefen")]+"/zwischenspeichern", nil)
	wantStatus(t, "save on the review page", r, http.StatusOK)
	code = regexp.MustCompile(`/fortsetzen/([2-9A-HJ-NP-Z-]+)"`).FindStringSubmatch(r.body)
	third := app.browser()
	if r = third.get("/fortsetzen/" + code[1]); r.location != reviewURL("hundesteuer") {
		t.Errorf("a draft saved on the review page resumes at %s, want %s", r.location, reviewURL("hundesteuer"))
	}
}

// TestResumeNamedAlike (point 13): the way back to a saved draft has one name everywhere: the
// link on the index and on every start page, the resume page's heading, and the text of the
// "Zwischenspeichern" page that points there.
func TestResumeNamedAlike(t *testing.T) {
	app := newTestApp(t)
	b := app.browser()
	const name = "Antrag mit Code fortsetzen"
	link := regexp.MustCompile(`<a href="/fortsetzen">([^<]+)</a>`)
	for _, path := range []string{"/", formURL("hundesteuer"), formURL("gewerbeanmeldung")} {
		m := link.FindStringSubmatch(b.get(path).body)
		if m == nil || m[1] != name {
			t.Errorf("%s: the resume link says %v, want %q", path, m, name)
		}
	}
	if r := b.get("/fortsetzen"); !strings.Contains(r.body, "<h1>"+name+"</h1>") {
		t.Errorf("the resume page's heading is not %q", name)
	}
	b.post(formURL("hundesteuer"), nil)
	b.get(stepURL("hundesteuer", 0))
	if r := b.post(stepURL("hundesteuer", 0), url.Values{"_action": {"speichern"}}); !strings.Contains(r.body, "„"+name+"“") {
		t.Errorf("the saved page does not name %q", name)
	}
}

// TestBackLinkAboveContinueFirst (point 13): the back link stands above the heading (GOV.UK);
// the buttons at the end start with "Weiter", and "Zurück" keeps the answers of the page.
func TestBackLinkAboveContinueFirst(t *testing.T) {
	app := newTestApp(t)
	b := app.browser()
	b.get(formURL("hundesteuer"))
	b.post(formURL("hundesteuer"), nil)
	page := b.get(stepURL("hundesteuer", 1))
	back := strings.Index(page.body, `value="zurueck" class="zuruecklink"`)
	h1 := strings.Index(page.body, "<h1>")
	if back < 0 || h1 < 0 || back > h1 {
		t.Errorf("the back link is not above the heading (at %d, h1 at %d)", back, h1)
	}
	actions := page.body[strings.Index(page.body, `<div class="aktionen">`):]
	actions = actions[:strings.Index(actions, "</div>")]
	if !strings.HasPrefix(strings.TrimSpace(strings.TrimPrefix(actions, `<div class="aktionen">`)), `<button type="submit" name="_action" value="weiter"`) || strings.Contains(actions, "zurueck") {
		t.Errorf("the buttons at the end: %s", actions)
	}
	r := b.post(stepURL("hundesteuer", 1), url.Values{"_action": {"zurueck"}})
	if r.status != http.StatusSeeOther || r.location != stepURL("hundesteuer", 0) {
		t.Errorf("Zurück: %d %s", r.status, r.location)
	}
}

// TestPrintStylesheet (point 13): printed, the review and confirmation pages show the answers
// without "Ändern" links, buttons and forms.
func TestPrintStylesheet(t *testing.T) {
	app := newTestApp(t)
	css := app.browser().get("/static/app.css").body
	i := strings.Index(css, "@media print")
	if i < 0 {
		t.Fatal("no print stylesheet")
	}
	print := css[i:]
	for _, sel := range []string{".aendern", ".knopf", "form.absenden", ".datei-entfernen", ".zuruecklink"} {
		if !strings.Contains(print[:strings.Index(print, "display: none")], sel) {
			t.Errorf("printing shows %s", sel)
		}
	}
}
