package e2e

import (
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// otherPages checks the pages outside the walk through a form: the index, the 404 page, a
// form in English, the resume page with its errors.
func otherPages(t *testing.T, js bool, pages *servedPages) {
	app := startApp(t)
	label := "seiten-mit-js"
	if !js {
		label = "seiten-ohne-js"
	}
	tb := newTab(t, app.URL, js, label, pages)
	defer tb.close()

	tb.open("index", "/", http.StatusOK)
	if n := tb.count(".formularliste li"); n != app.Forms.Len() {
		t.Errorf("the index lists %d forms, want %d", n, app.Forms.Len())
	}
	finderPages(t, tb)
	tb.open("nicht-gefunden", "/gibt-es-nicht", http.StatusNotFound)
	if h := tb.text("h1"); h != "Seite nicht gefunden" {
		t.Errorf("404 page heading %q", h)
	}
	tb.open("unbekannter-code", "/fortsetzen/ABCD-EFGH-IJKL-MNOP", http.StatusNotFound)
	if !tb.visible("#fehler") {
		t.Error("an unknown resume link shows no error")
	}
	tb.open("fortsetzen", "/fortsetzen", http.StatusOK)
	tb.navigate("fortsetzen-ohne-code", http.StatusBadRequest, chromedp.Click(chromedp.CSS(`form button[type=submit]`)))
	if !strings.Contains(tb.text("#fehler"), "Bitte geben Sie Ihren Code ein") {
		t.Errorf("an empty code: %q", tb.text("#fehler"))
	}

	tb.open("start-englisch", "/formulare/hundesteuer?lang=en", http.StatusOK)
	tb.click("schritt-1-englisch", "button.knopf-start")
	if lang := eval[string](tb, `document.documentElement.lang`); lang != "en" {
		t.Errorf("English step page has lang=%q", lang)
	}
	if got := tb.text(".pflichthinweis"); got != "Fields marked * are required." {
		t.Errorf("English step page says %q", got)
	}
	tb.click("schritt-1-englisch-fehler", `.aktionen button[value=weiter]`)
	if !strings.HasPrefix(eval[string](tb, `document.title`), "Error: ") {
		t.Errorf("English error page title %q", eval[string](tb, `document.title`))
	}
}

// TestKeyboard walks a step page with the keyboard: the skip link comes first, is visible
// when focused and leads to the main content; every element that Tab reaches shows a visible
// focus indicator (WCAG 2.4.7).
func TestKeyboard(t *testing.T) {
	app := startApp(t)
	tb := newTab(t, app.URL, true, "tastatur", newServedPages(t))
	defer tb.close()
	tb.open("start", "/formulare/hundesteuer", http.StatusOK)
	tb.click("schritt-1", "button.knopf-start")

	tb.do(chromedp.KeyEvent(kb.Tab))
	if !eval[bool](tb, `document.activeElement.matches("a.sprunglink")`) {
		t.Fatalf("the first Tab focuses %s, want the skip link", eval[string](tb, `document.activeElement.outerHTML.slice(0, 80)`))
	}
	if !eval[bool](tb, `(() => { const r = document.activeElement.getBoundingClientRect();
		return r.top >= 0 && r.left >= 0 && r.width > 20 && r.bottom <= innerHeight; })()`) {
		t.Error("the focused skip link is not visible")
	}
	tb.do(chromedp.KeyEvent(kb.Enter))
	if id := tb.activeID(); id != "inhalt" {
		t.Errorf("the skip link moved the focus to %q, want main#inhalt", id)
	}

	// Round the whole page, from the top, once.
	tb.navigate("schritt-1-neu-geladen", http.StatusOK, chromedp.Reload())
	var seen []string
	for range 150 {
		tb.do(chromedp.KeyEvent(kb.Tab))
		focus := eval[map[string]string](tb, `(() => { const e = document.activeElement, s = getComputedStyle(e);
			return {what: e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + (e.className ? "." + e.className : ""),
				outline: s.outlineStyle === "none" ? "" : s.outlineWidth, shadow: s.boxShadow === "none" ? "" : s.boxShadow}; })()`)
		if len(seen) > 0 && seen[len(seen)-1] == focus["what"] {
			continue // the day, month and year of a date field
		}
		if slices.Contains(seen, focus["what"]) || focus["what"] == "body" {
			break // round the page once
		}
		seen = append(seen, focus["what"])
		if (focus["outline"] == "" || focus["outline"] == "0px") && focus["shadow"] == "" {
			t.Errorf("%s has no visible focus indicator", focus["what"])
		}
	}
	if len(seen) < 15 || !strings.Contains(seen[0], "sprunglink") || !strings.Contains(seen[1], "marke") {
		t.Errorf("Tab reached %d elements: %v", len(seen), seen)
	}
	t.Logf("Tab reached %d elements, each with a visible focus indicator", len(seen))

	// Enter in a text field means "Weiter", also where "Aktualisieren" and "Weiteren Hund
	// hinzufügen" come before "Weiter" in the form.
	tb.open("schritt-2", "/formulare/hundesteuer/schritt/2", http.StatusOK)
	tb.navigate("schritt-2-eingabetaste", http.StatusOK,
		chromedp.SendKeys(chromedp.CSS(cssID("f.hunde.0.name")), "Bello"), chromedp.KeyEvent(kb.Enter))
	if loc := tb.location(); !strings.Contains(loc, "/schritt/2?fehler=1") || tb.count(cssID("f.hunde")+" > fieldset.eintrag") != 1 {
		t.Errorf("Enter in a field led to %s with %d dogs, want „Weiter“ (step 2 with its errors)", loc, tb.count(cssID("f.hunde")+" > fieldset.eintrag"))
	}
}

// TestCheckersFindProblems makes sure that the checks of the other tests can fail: on a page
// spoiled on purpose, axe-core, the structure and width checks and the Nu Html Checker
// report problems.
func TestCheckersFindProblems(t *testing.T) {
	app := startApp(t)
	tb := newTab(t, app.URL, true, "selbsttest", newServedPages(t))
	defer tb.close()
	tb.open("fortsetzen", "/fortsetzen", http.StatusOK)
	eval[bool](tb, `(() => {
		const main = document.querySelector("main .breite");
		main.insertAdjacentHTML("beforeend", '<input type="text" id="ohne-beschriftung"><h4>Zu tief</h4><p id="blass">Kaum lesbar</p><div id="breit">breit</div>');
		document.getElementById("blass").style.color = "#c8c8c8";
		document.getElementById("breit").style.width = "600px";
		return true; })()`)
	var ids []string
	for _, v := range tb.axeViolations() {
		ids = append(ids, v.ID)
	}
	for _, want := range []string{"label", "color-contrast"} {
		if !slices.Contains(ids, want) {
			t.Errorf("axe-core did not report %s (reported %v)", want, ids)
		}
	}
	if p := strings.Join(tb.structureProblems(), "; "); !strings.Contains(p, "jumps from h1 to h4") {
		t.Errorf("structure check reported %q", p)
	}
	tb.do(chromedp.EmulateViewport(320, 640))
	if p := tb.widthProblems(); !strings.Contains(p, `id="breit"`) {
		t.Errorf("width check reported %q", p)
	}

	java, jar := vnuCommand(t)
	bad := filepath.Join(t.TempDir(), "kaputt.html")
	html := `<!DOCTYPE html><html lang="de"><head><title>x</title></head><body><p id="a">x</p><p id="a">y</p><div><span></div></body></html>`
	if err := os.WriteFile(bad, []byte(html), 0o644); err != nil {
		t.Fatal(err)
	}
	errs := 0
	for _, m := range runVNU(t, java, jar, []string{bad}) {
		if m.Type == "error" {
			errs++
		}
	}
	if errs < 2 {
		t.Errorf("the Nu Html Checker found %d errors in broken HTML, want at least 2", errs)
	}
}

// finderPages searches on the index (the service finder) as a citizen does: types a word,
// sends the search form, narrows to a category with the select, and finds nothing.
func finderPages(t *testing.T, tb *tab) {
	t.Helper()
	listed := func() string {
		return eval[string](tb, `[...document.querySelectorAll(".formularliste h3")].map(h => h.textContent).join(" | ")`)
	}
	tb.do(chromedp.SendKeys(chromedp.CSS("#suche"), "hund"))
	tb.click("suche-hund", `form[role=search] button[type=submit]`)
	if got := listed(); got != "Anmeldung zur Hundesteuer" {
		t.Errorf("%s: searching for „hund“ lists %q", tb.label, got)
	}
	if v := eval[string](tb, `document.querySelector("#suche").value`); v != "hund" {
		t.Errorf("%s: the search field holds %q after the search", tb.label, v)
	}
	// The browser's own form controls: the field emptied, the category chosen.
	if !eval[bool](tb, `(() => { document.querySelector("#suche").value = "";
		const s = document.querySelector("#kategorie"); s.value = "Verkehr und Mobilität"; return s.value !== ""; })()`) {
		t.Fatalf("%s: no category Verkehr und Mobilität to choose", tb.label)
	}
	tb.click("suche-kategorie", `form[role=search] button[type=submit]`)
	if got := listed(); !strings.Contains(got, "Bewohnerparkausweis") || strings.Contains(got, "|") {
		t.Errorf("%s: the category Verkehr und Mobilität lists %q", tb.label, got)
	}
	if h := tb.text(".formulargruppe h2"); h != "Verkehr und Mobilität" {
		t.Errorf("%s: group heading %q", tb.label, h)
	}
	tb.do(chromedp.SendKeys(chromedp.CSS("#suche"), "Katzensteuer"))
	tb.click("suche-nichts", `form[role=search] button[type=submit]`)
	if got := tb.text(".trefferzahl"); !strings.HasPrefix(got, "Zu Ihrer Suche gibt es keinen Antrag") || tb.count(".formularliste") != 0 {
		t.Errorf("%s: a search without result says %q", tb.label, got)
	}
}
