package e2e

import (
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/ozgform/ozgform/authority"
)

// sampleDirectory is the directory of ozgform's sample authorities (see
// cmd/ozgform/beispiel): Musterstadt and Beispielheim share the Hundesteuer form, the postal
// code 12346 belongs to both, Neudorf (12399) has no authority.
func sampleDirectory(t *testing.T) *authority.Directory {
	t.Helper()
	f, err := os.Open("../cmd/ozgform/beispiel/gemeinden.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tab, problems := authority.ReadTable(f, "gemeinden.csv")
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	return authority.NewDirectory([]authority.Authority{
		{ID: "musterstadt", Name: "Stadt Musterstadt – Steueramt", ARS: []string{"089990000001"}, Street: "Rathausplatz 1", PostalCode: "12345", City: "Musterstadt"},
		{ID: "beispielheim", Name: "Gemeinde Beispielheim – Kämmerei", ARS: []string{"089990000002"}, Street: "Marktplatz 3", PostalCode: "12347", City: "Beispielheim",
			PrivacyContact: "datenschutz@beispielheim.example"},
	}, tab)
}

// TestMunicipalityQuestion fills the Hundesteuer form with a postal code of two
// municipalities, with and without JavaScript: the form asks which one (first answered
// without a choice: the error), the review page and the confirmation name the chosen
// municipality's authority. A postal code of a municipality without authority leads to its
// page, from which the citizen goes back to the kept answers. axe-core checks every page,
// the Nu Html Checker all of them.
func TestMunicipalityQuestion(t *testing.T) {
	walkWithAndWithoutJS(t, "gemeinde", walkMunicipality)
}

func walkMunicipality(t *testing.T, js bool, pages *servedPages) {
	app, err := StartApp("../examples", t.TempDir(), nil, WithAuthorities(sampleDirectory(t)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(app.Close)
	label := "gemeinde-mit-js"
	if !js {
		label = "gemeinde-ohne-js"
	}
	w := &walker{t: t, flow: formFlows[0], js: js, app: app, form: app.Forms.Get("hundesteuer"), data: loadSample(t, "hundesteuer"), pages: pages}
	w.data.values["/anschrift/plz"], w.data.values["/anschrift/ort"] = "12346", "Ortsteil Au"
	w.tab = newTab(t, app.URL, js, label, pages)
	defer func() { w.tab.close() }()
	tb := w.tab

	tb.open("start", "/formulare/hundesteuer", http.StatusOK)
	tb.click("schritt-1", "button.knopf-start")
	asked := false
	for guard := 0; !strings.HasSuffix(w.path(), "/pruefen"); guard++ {
		if guard > 12 {
			t.Fatalf("%s: the form does not end (%s)", tb.label, tb.location())
		}
		if strings.HasSuffix(w.path(), "/gemeinde") {
			asked = true
			if h := tb.text("h1"); h != "In welcher Gemeinde wohnen Sie?" {
				t.Errorf("%s: question heading %q", tb.label, h)
			}
			if n := tb.count(`input[type=radio][name=gemeinde]`); n != 2 {
				t.Errorf("%s: %d municipalities offered, want 2", tb.label, n)
			}
			tb.navigate("gemeinde-ohne-wahl", http.StatusUnprocessableEntity, chromedp.Click(chromedp.CSS(`.aktionen button[type=submit]`)))
			if !strings.Contains(tb.text("#fehler"), "Bitte wählen Sie Ihre Gemeinde aus.") {
				t.Errorf("%s: no error without a choice: %q", tb.label, tb.text("#fehler"))
			}
			tb.do(chromedp.Click(chromedp.CSS(`label[for=gemeinde-0]`))) // Beispielheim (by name)
			tb.click("gemeinde-gewaehlt", `.aktionen button[type=submit]`)
			continue
		}
		name := strings.TrimPrefix(w.path(), "/formulare/hundesteuer/")
		if name == "schritt/2" {
			w.ruleShowsField() // the previous owner's fields first, as in TestCitizenFlows
		}
		w.fill(name)
		w.next(name)
	}
	if !asked {
		t.Fatalf("%s: the form never asked for the municipality", tb.label)
	}
	if main := tb.text("main"); !strings.Contains(main, "Gemeinde Beispielheim – Kämmerei") || !strings.Contains(main, "089990000002") {
		t.Errorf("%s: the review page does not name Beispielheim's authority", tb.label)
	}
	tb.click("bestaetigung", `form.absenden button:not([formaction])`)
	if main := tb.text("main"); !strings.Contains(main, "Gemeinde Beispielheim – Kämmerei") {
		t.Errorf("%s: the confirmation does not name the authority: %q", tb.label, main)
	}

	// A municipality without authority, in a new draft of the same browser.
	w.data.values["/anschrift/plz"], w.data.values["/anschrift/ort"] = "12399", "Neudorf"
	tb.open("start-neudorf", "/formulare/hundesteuer", http.StatusOK)
	tb.click("neudorf-schritt-1", "button.knopf-start")
	for guard := 0; !strings.HasSuffix(w.path(), "/nicht-verfuegbar"); guard++ {
		if guard > 12 || strings.HasSuffix(w.path(), "/pruefen") {
			t.Fatalf("%s: Neudorf never got its page (%s)", tb.label, tb.location())
		}
		name := "neudorf-" + strings.TrimPrefix(w.path(), "/formulare/hundesteuer/")
		if name == "neudorf-schritt/2" {
			w.ruleShowsField()
		}
		w.fill(name)
		w.next(name)
	}
	if h := tb.text("h1"); h != "Für Ihre Gemeinde nicht online verfügbar" {
		t.Errorf("%s: unserved heading %q", tb.label, h)
	}
	if !strings.Contains(tb.text("main"), "Neudorf") {
		t.Errorf("%s: the unserved page does not name Neudorf", tb.label)
	}
	tb.click("neudorf-aendern", `main a[href*="/schritt/"]`)
	w.checkValues("back from the unserved page")
}
