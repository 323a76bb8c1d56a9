package e2e

import (
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestJSONFormsWidgetsInBrowser fills the widgets that JSON Forms authors know, with and
// without JavaScript, in e2e/testdata/widgets: a choice with suggestions typed as its label,
// a list of plain values grown with "Hinzufügen", a date typed as TT.MM.JJJJ and one as Tag,
// Monat, Jahr, a time without offset, a date and time, a switch, a number with its range, a
// group whose legend only screen readers read and a field shown twice.
// The review page shows what the server made of it; axe-core checks every page, the Nu Html
// Checker all of them.
func TestJSONFormsWidgetsInBrowser(t *testing.T) {
	walkWithAndWithoutJS(t, "widgets", walkWidgets)
}

func walkWidgets(t *testing.T, js bool, pages *servedPages) {
	app, err := StartApp("testdata/widgets", t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(app.Close)
	label := "widgets-mit-js"
	if !js {
		label = "widgets-ohne-js"
	}
	tb := newTab(t, app.URL, js, label, pages)
	defer tb.close()
	typeInto := func(id, text string) {
		t.Helper()
		tb.do(chromedp.SendKeys(chromedp.CSS(cssID(id)), text))
	}

	tb.open("start", "/formulare/jsonforms-widgets", http.StatusOK)
	tb.click("schritt-1", "button.knopf-start")

	// The suggestions are a native datalist: no script, one input with a name.
	if n := tb.count(`datalist#f\.staat-vorschlaege option`); n != 13 {
		t.Errorf("%s: %d suggestions for Staat, want 13", tb.label, n)
	}
	if list := eval[string](tb, `document.getElementById("f.staat").getAttribute("list")`); list != "f.staat-vorschlaege" {
		t.Errorf("%s: the Staat input is not tied to its suggestions (list=%q)", tb.label, list)
	}
	// An empty list of plain values shows one input; "Hinzufügen" adds the next.
	if n := tb.count(`input[name^="/staatsangehoerigkeiten/"]`); n != 1 {
		t.Fatalf("%s: %d inputs for the empty list, want 1", tb.label, n)
	}
	typeInto("f.staat", "frankreich") // the label, in any case
	typeInto("f.staatsangehoerigkeiten.0", "deutsch")
	tb.click("hinzugefuegt", `button[value="add:/staatsangehoerigkeiten"]`)
	if n := tb.count(`input[name^="/staatsangehoerigkeiten/"]`); n != 2 {
		t.Fatalf("%s: %d inputs after adding, want 2", tb.label, n)
	}
	if v := eval[string](tb, `document.getElementById("f.staatsangehoerigkeiten.0").value`); v != "deutsch" {
		t.Errorf("%s: the first value after adding is %q", tb.label, v)
	}
	if v := eval[string](tb, `document.getElementById("f.staat").value`); v != "Frankreich" {
		t.Errorf("%s: Staat shows %q after saving, want its label Frankreich", tb.label, v)
	}
	typeInto("f.staatsangehoerigkeiten.1", "polnisch")
	typeInto("f.geburtsdatum", "28.11.1985")
	typeInto("f.wurftag", "29")
	typeInto("f.wurftag-monat", "2")
	typeInto("f.wurftag-jahr", "2020")
	typeInto("f.uhrzeit", "13.37")
	typeInto("f.beginn", "07.12.2026 13:37")
	typeInto("f.zufriedenheit", "4")
	typeInto("f.plz", "101150") // restrict: the browser takes five digits
	tb.do(chromedp.Click(chromedp.CSS(`label[for="f.newsletter"]`)))
	if role := eval[string](tb, `document.getElementById("f.newsletter").getAttribute("role")`); role != "switch" {
		t.Errorf("%s: the toggle has role %q, want switch", tb.label, role)
	}
	if !strings.Contains(tb.text(`main`), "Eine Zahl von 1 bis 5.") {
		t.Errorf("%s: the slider does not name its range", tb.label)
	}
	// A field shown a second time shows its value, not a second input.
	if n := tb.count(`input[name="/staat"]`); n != 1 {
		t.Errorf("%s: %d inputs for Staat, want 1", tb.label, n)
	}
	if copy := tb.text(`.kopie`); !strings.Contains(copy, "Zur Kontrolle: Staat der Geburt: Frankreich") {
		t.Errorf("%s: the second Staat control shows %q", tb.label, copy)
	}
	tb.click("pruefen", `.aktionen button[value=weiter]`)
	if !strings.HasSuffix(tb.location(), "/pruefen") {
		t.Fatalf("%s: not on the review page but %s: %s", tb.label, tb.location(), tb.text("#fehler"))
	}
	main := tb.text("main")
	for _, want := range []string{"Frankreich", "deutsch, polnisch", "28.11.1985", "29.02.2020", "13:37", "07.12.2026, 13:37", "Ja", "10115"} {
		if !strings.Contains(main, want) {
			t.Errorf("%s: the review page lacks %q:\n%s", tb.label, want, main)
		}
	}
}
