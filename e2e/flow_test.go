package e2e

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/ozgform/ozgform/forms"
	"github.com/ozgform/ozgform/renderer"
)

// formFlow describes how the test walks through one example form.
type formFlow struct {
	id string
	// forget is a required field of step 1 that the citizen first leaves empty, and mistype
	// one into which they first type wrongText: the error summary, the messages at the
	// fields and the values typed so far, the wrong one too, are checked.
	forget, mistype, wrongText string
	// newQuestionsBy is how a citizen without JavaScript gets to see the fields that a rule
	// shows: "aktualisieren" (the button under the field) or "weiter" (the page comes back
	// with the new questions and a note).
	newQuestionsBy string
}

var formFlows = []formFlow{
	{id: "hundesteuer", forget: "/halter/familienname", mistype: "/anschrift/plz", wrongText: "1234", newQuestionsBy: "aktualisieren"},
	{id: "gewerbeanmeldung", forget: "/inhaber/familienname", mistype: "/wohnanschrift/plz", wrongText: "1234O", newQuestionsBy: "weiter"},
	{id: "bewohnerparkausweis", forget: "/antragsteller/familienname", mistype: "/anschrift/plz", wrongText: "D-12345", newQuestionsBy: "weiter"},
	// Imported from FIM: the Staat code list (197 entries) is a text field with suggestions,
	// filled by typing the state's name.
	{id: "mutterschutz", forget: "/arbeitgeber/eingetragenerName", mistype: "/arbeitgeber/anschriftInDeutschland/strassenanschrift/postleitzahl", wrongText: "1234", newQuestionsBy: "aktualisieren"},
}

// TestCitizenFlows fills every example form from the start page to the confirmation, once
// with JavaScript and once without, typing the values of samples/valid.json. On the way every
// page is checked with axe-core and kept; the Nu Html Checker then checks them all at once.
func TestCitizenFlows(t *testing.T) {
	sharedBrowser(t)
	axeSource(t)
	pages := newServedPages(t)
	t.Run("formulare", func(t *testing.T) {
		for _, ff := range formFlows {
			for _, js := range []bool{true, false} {
				name := ff.id + "/mit-js"
				if !js {
					name = ff.id + "/ohne-js"
				}
				t.Run(name, func(t *testing.T) {
					t.Parallel()
					walkForm(t, ff, js, pages)
				})
			}
		}
		for _, js := range []bool{true, false} {
			name := "weitere-seiten/mit-js"
			if !js {
				name = "weitere-seiten/ohne-js"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				otherPages(t, js, pages)
			})
		}
	})
	t.Run("html", func(t *testing.T) { checkHTML(t, pages) })
}

// startApp starts the application on the example forms with a database in a temporary folder.
func startApp(t *testing.T) *App {
	t.Helper()
	var logOut io.Writer
	if testing.Verbose() {
		logOut = os.Stderr
	}
	app, err := StartApp("../examples", t.TempDir(), logOut)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(app.Close)
	return app
}

// walker is a citizen filling one form in one tab.
type walker struct {
	t         *testing.T
	flow      formFlow
	js        bool
	app       *App
	form      *forms.Form
	data      *sample
	pages     *servedPages
	tab       *tab
	visited   int // pages of the tabs before the current one
	dateOrder []string
}

func walkForm(t *testing.T, ff formFlow, js bool, pages *servedPages) {
	start := time.Now()
	app := startApp(t)
	w := &walker{t: t, flow: ff, js: js, app: app, form: app.Forms.Get(ff.id), data: loadSample(t, ff.id), pages: pages}
	w.data.typeLabels(w.form)
	label := ff.id + "-mit-js"
	if !js {
		label = ff.id + "-ohne-js"
	}
	w.tab = newTab(t, app.URL, js, label, pages)
	defer func() { w.tab.close() }()

	w.tab.open("start", "/formulare/"+ff.id, http.StatusOK)
	if got, want := w.tab.text("h1"), w.form.Manifest.Title; got != want {
		t.Errorf("start page heading %q, want %q", got, want)
	}
	w.tab.click("schritt-1", "button.knopf-start")

	steps := 0
	for {
		path := w.path()
		if strings.HasSuffix(path, "/pruefen") {
			break
		}
		m := regexp.MustCompile(`/schritt/(\d+)$`).FindStringSubmatch(path)
		if m == nil {
			t.Fatalf("%s: unexpected page %s", w.tab.label, w.tab.location())
		}
		n, _ := strconv.Atoi(m[1])
		if steps++; steps > 12 {
			t.Fatalf("%s: more steps than the form has", w.tab.label)
		}
		w.step(n)
	}
	if got := len(w.form.Pages); steps != got {
		t.Errorf("%s: walked %d steps, the form has %d pages (all shown for the sample)", w.tab.label, steps, got)
	}
	w.review()
	t.Logf("%s: %d pages in %v", label, w.visited+w.tab.seq, time.Since(start).Round(time.Millisecond))
}

// path is the path of the current page.
func (w *walker) path() string {
	u, err := url.Parse(w.tab.location())
	if err != nil {
		w.t.Fatal(err)
	}
	return u.Path
}

func (w *walker) stepPath(n int) string {
	return "/formulare/" + w.flow.id + "/schritt/" + strconv.Itoa(n)
}

// step fills step n: first sent empty (every required field is reported), then filled with
// the sample's values, with the scenarios that belong to the step, then "Weiter".
func (w *walker) step(n int) {
	w.t.Helper()
	name := "schritt-" + strconv.Itoa(n)
	w.checkStep(name)

	w.tab.click(name+"-leer-gesendet", `.aktionen button[value=weiter]`)
	w.checkErrorPage(name+"-leer-gesendet", -1)

	if n == 1 {
		w.forgetAndMistype()
	}
	if w.flow.id == "hundesteuer" && n == 2 {
		w.ruleShowsField()
	}
	w.fill(name)
	if w.flow.id == "mutterschutz" && w.tab.count(`input[list]`) > 0 {
		// The Staat code list: a text input with the names as suggestions, typed by keyboard.
		if got := w.tab.count(`datalist option`); got < 190 {
			w.t.Errorf("%s: %s: the field with suggestions offers %d names, want the 197 states", w.tab.label, name, got)
		}
	}
	if w.flow.id == "hundesteuer" && n == 2 {
		w.addAndRemoveItem()
	}
	if n == 2 {
		w.saveAndResume(n)
		return
	}
	w.next(name)
}

// checkStep checks what every step page has.
func (w *walker) checkStep(name string) {
	w.t.Helper()
	tb := w.tab
	if !strings.Contains(tb.text(".kontext"), "Schritt ") {
		w.t.Errorf("%s: %s: no „Schritt n von m“", tb.label, name)
	}
	js := eval[string](tb, `document.querySelector("input[name=_js]").value`)
	refresh := tb.count(".aktualisieren") > 0
	if w.js {
		if js != "1" {
			w.t.Errorf("%s: %s: the script did not run (_js=%q)", tb.label, name, js)
		}
		if refresh && tb.visible(".aktualisieren") {
			w.t.Errorf("%s: %s: „Aktualisieren“ is shown although the script asks the server", tb.label, name)
		}
	} else {
		if js != "" {
			w.t.Errorf("%s: %s: _js=%q without JavaScript", tb.label, name, js)
		}
		if refresh && !tb.visible(".aktualisieren") {
			w.t.Errorf("%s: %s: „Aktualisieren“ is hidden without JavaScript", tb.label, name)
		}
	}
}

// checkErrorPage checks a step shown with its errors: the address ends in #fehler, the
// summary is there (with JavaScript it has the focus), each of its links leads to a field
// that is marked invalid. want is the number of errors, or -1 for any number > 0.
func (w *walker) checkErrorPage(name string, want int) []string {
	w.t.Helper()
	tb := w.tab
	if loc := tb.location(); !strings.Contains(loc, "fehler=1") || !strings.HasSuffix(loc, "#fehler") {
		w.t.Errorf("%s: %s: address %s, want ?fehler=1#fehler", tb.label, name, loc)
	}
	if !tb.visible("#fehler") {
		w.t.Fatalf("%s: %s: no error summary", tb.label, name)
	}
	if w.js {
		if id := tb.activeID(); id != "fehler" {
			w.t.Errorf("%s: %s: focus on %q, want the error summary", tb.label, name, id)
		}
	}
	if title := eval[string](tb, `document.title`); !strings.HasPrefix(title, "Fehler: ") {
		w.t.Errorf("%s: %s: title %q does not start with „Fehler: “", tb.label, name, title)
	}
	links := eval[[]string](tb, `Array.from(document.querySelectorAll("#fehler a")).map(a => a.getAttribute("href"))`)
	if want >= 0 && len(links) != want || want < 0 && len(links) == 0 {
		w.t.Errorf("%s: %s: %d errors in the summary, want %d", tb.label, name, len(links), want)
	}
	for _, href := range links {
		id := strings.TrimPrefix(href, "#")
		ok := eval[bool](tb, `(() => { const e = document.getElementById(`+jsString(id)+`);
			if (!e) return false;
			const f = e.matches("input, select, textarea") ? e : e.querySelector("input, select, textarea");
			return !!f && (f.getAttribute("aria-invalid") === "true" || !!e.closest(".feld-fehler")); })()`)
		if !ok {
			w.t.Errorf("%s: %s: summary link %s leads to no field marked invalid", tb.label, name, href)
		}
	}
	return links
}

// forgetAndMistype fills step 1 except one required field, types a wrong value into another, and
// continues: the page comes back with two errors, at those fields, and everything typed is
// still there, the wrong value too.
func (w *walker) forgetAndMistype() {
	w.t.Helper()
	tb := w.tab
	ff := w.flow
	w.fill("schritt-1-ohne-pflichtfeld", ff.forget, ff.mistype)
	wrong := cssID(renderer.FieldID(w.form, ff.mistype))
	tb.do(chromedp.SendKeys(chromedp.CSS(wrong), ff.wrongText))
	w.pressWeiter("schritt-1-mit-fehlern", ff.forget, ff.mistype)

	links := w.checkErrorPage("schritt-1-mit-fehlern", 2)
	for i, path := range []string{ff.forget, ff.mistype} {
		id := renderer.FieldID(w.form, path)
		if len(links) == 2 && links[i] != "#"+id {
			w.t.Errorf("%s: summary link %d leads to %s, want #%s (layout order)", tb.label, i+1, links[i], id)
		}
		attrs := eval[map[string]string](tb, `(() => { const e = document.getElementById(`+jsString(id)+`);
			return {invalid: e.getAttribute("aria-invalid") || "", describedby: e.getAttribute("aria-describedby") || ""}; })()`)
		if attrs["invalid"] != "true" {
			w.t.Errorf("%s: %s has no aria-invalid=true", tb.label, path)
		}
		if !strings.Contains(" "+attrs["describedby"]+" ", " "+id+"-fehler ") {
			w.t.Errorf("%s: %s: aria-describedby %q does not name the message %s-fehler", tb.label, path, attrs["describedby"], id)
		}
		// textContent, as a screen reader reads it: with the visually hidden "Fehler:".
		if msg := eval[string](tb, `document.getElementById(`+jsString(id+"-fehler")+`).textContent`); !strings.HasPrefix(msg, "Fehler: ") || len(msg) < 15 {
			w.t.Errorf("%s: message at %s: %q", tb.label, path, msg)
		}
	}
	if got := eval[string](tb, `document.querySelector(`+jsString(wrong)+`).value`); got != ff.wrongText {
		w.t.Errorf("%s: the wrong value %q was not kept: the field shows %q", tb.label, ff.wrongText, got)
	}
	w.checkValues("after an error", ff.forget, ff.mistype)
	id := renderer.FieldID(w.form, ff.forget)

	// The summary's link takes the citizen to the field.
	tb.do(chromedp.Click(chromedp.CSS(`#fehler a`)))
	if got := tb.activeID(); got != id {
		w.t.Errorf("%s: the summary's link focused %q, want %q", tb.label, got, id)
	}
}

// fill types the sample's values into the step, adds items of repeatable groups and waits
// for (with JavaScript) or asks for (without) the fields that the answers show. The paths in
// except are left alone.
func (w *walker) fill(name string, except ...string) {
	w.t.Helper()
	tb := w.tab
	for round := 0; round < 25; round++ {
		if changed, source := w.typeVisible(except...); changed {
			if source {
				tb.settle()
			}
			continue // look again: the answers may have shown more fields
		}
		if w.uploadMissing(name, except...) {
			continue
		}
		if path, have, ok := w.missingItem(); ok {
			tb.click(name+"-eintrag-hinzugefuegt", `button[value=`+jsString("add:"+path)+`]`)
			list := cssID(renderer.FieldID(w.form, path))
			want := have + 1
			if fd := w.form.Field(path); fd != nil && fd.MinItems != nil && *fd.MinItems > want {
				want = *fd.MinItems // a list that has to have n entries gets them all at once
			}
			if got := tb.count(list + ` > fieldset.eintrag`); got != want {
				w.t.Fatalf("%s: %s has %d items after „hinzufügen“, want %d", tb.label, path, got, want)
			}
			if note := tb.text(`.hinweisbox[role=status]`); !strings.Contains(note, "neuer Eintrag") {
				w.t.Errorf("%s: no note about the new item (%q)", tb.label, note)
			}
			fresh := append([]string(nil), except...)
			for i := have; i < want; i++ {
				fresh = append(fresh, path+"/"+strconv.Itoa(i)+"/") // the new, empty items
			}
			w.checkValues("after adding an item", fresh...)
			continue
		}
		pending := w.hiddenWanted(except...)
		if len(pending) == 0 {
			w.checkValues("after typing", except...)
			return
		}
		if w.js {
			if !w.waitAnyVisible(pending) {
				w.t.Fatalf("%s: %s: the answers should show %s, but it stays hidden", tb.label, name, pending[0].Name)
			}
			continue
		}
		if w.flow.newQuestionsBy == "weiter" {
			return // next() continues, and the page comes back with the new questions
		}
		before := w.visibleNames()
		tb.click(name+"-aktualisiert", `.aktualisieren button[value=refresh]`)
		w.checkKept("after „Aktualisieren“", before, except...)
	}
	var stuck []string
	for _, c := range tb.controls() {
		if v, ok := w.data.values[c.Name]; ok && c.Visible && !excepted(c.Name, except) {
			if ok, text := wants(c, v); !ok {
				stuck = append(stuck, fmt.Sprintf("%s=%q (checked %v, want %q)", c.Name, c.Value, c.Checked, text))
			}
		}
	}
	w.t.Fatalf("%s: %s: filling does not come to an end; still wrong: %s", tb.label, name, strings.Join(stuck, ", "))
}

func (w *walker) waitAnyVisible(cs []control) bool {
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		for _, c := range w.tab.controls() {
			for _, p := range cs {
				if c.ID == p.ID && c.Visible {
					return true
				}
			}
		}
	}
	return false
}

// pressWeiter presses "Weiter". Without JavaScript the page may come back first with the
// questions that the answers added, and a note; they are filled and "Weiter" is pressed
// again. The paths in except are left alone.
func (w *walker) pressWeiter(name string, except ...string) {
	w.t.Helper()
	tb := w.tab
	for range 4 {
		before := w.visibleNames()
		tb.click(name, `.aktionen button[value=weiter]`)
		if !strings.Contains(tb.location(), "hinweis=neu") {
			return
		}
		if w.js {
			w.t.Errorf("%s: %s: „new questions“ with JavaScript, where they appear at once", tb.label, name)
		}
		if note := tb.text(`.hinweisbox[role=status]`); !strings.Contains(note, "weitere Fragen") {
			w.t.Errorf("%s: no note about the new questions (%q)", tb.label, note)
		}
		w.checkKept("with the new questions", before, except...)
		w.fill(name+"-neue-fragen", except...)
	}
	w.t.Fatalf("%s: %s: „Weiter“ keeps coming back with new questions", tb.label, name)
}

// next presses "Weiter" and expects the next step or the review page.
func (w *walker) next(name string) {
	w.t.Helper()
	tb := w.tab
	from := w.path()
	w.pressWeiter("weiter-von-" + name)
	if strings.Contains(tb.location(), "#fehler") {
		w.t.Fatalf("%s: %s has errors after filling in the sample: %s", tb.label, name, tb.text("#fehler"))
	}
	if w.path() == from {
		w.t.Fatalf("%s: %s: „Weiter“ stayed on the page (%s)", tb.label, name, tb.location())
	}
}

// ruleShowsField answers "Hatte der Hund einen Vorbesitzer?" with Ja: the fields for the
// previous owner appear, with JavaScript at once (the script asks the server), without
// JavaScript after "Aktualisieren".
func (w *walker) ruleShowsField() {
	w.t.Helper()
	tb := w.tab
	owner := cssID("f.hunde.0.vorbesitzer.name")
	if tb.visible(owner) {
		w.t.Fatalf("%s: the previous owner's fields are shown before the answer", tb.label)
	}
	eval[bool](tb, `window.ozgSeiteGeladen = true`)
	tb.do(chromedp.Click(chromedp.CSS(`label[for="f.hunde.0.vorbesitzerVorhanden-0"]`)))
	if w.js {
		if !tb.waitVisible(owner) {
			w.t.Fatalf("%s: the previous owner's fields do not appear after „Ja“", tb.label)
		}
		if !eval[bool](tb, `window.ozgSeiteGeladen === true`) {
			w.t.Errorf("%s: the page was reloaded to show the fields", tb.label)
		}
		tb.checkAxe("schritt-2-vorbesitzer-eingeblendet")
		return
	}
	time.Sleep(200 * time.Millisecond)
	if tb.visible(owner) {
		w.t.Fatalf("%s: the fields appeared without JavaScript and without a request", tb.label)
	}
	tb.click("schritt-2-vorbesitzer-aktualisiert",
		`fieldset:has(> .optionen [id="f.hunde.0.vorbesitzerVorhanden-0"]) button[value=refresh]`)
	if !tb.visible(owner) {
		w.t.Fatalf("%s: „Aktualisieren“ did not show the previous owner's fields", tb.label)
	}
	if !eval[bool](tb, `document.getElementById("f.hunde.0.vorbesitzerVorhanden-0").checked`) {
		w.t.Errorf("%s: the answer „Ja“ is lost after „Aktualisieren“", tb.label)
	}
}

// addAndRemoveItem adds a third dog and removes it again; the two dogs keep their values.
func (w *walker) addAndRemoveItem() {
	w.t.Helper()
	tb := w.tab
	items := cssID("f.hunde") + ` > fieldset.eintrag`
	tb.click("schritt-2-dritter-hund", `button[value="add:/hunde"]`)
	if got := tb.count(items); got != 3 {
		w.t.Fatalf("%s: %d dogs after „Weiteren Hund hinzufügen“, want 3", tb.label, got)
	}
	if loc := tb.location(); !strings.HasSuffix(loc, "#f.hunde.2") {
		w.t.Errorf("%s: after adding, the address is %s, want the new item (#f.hunde.2)", tb.label, loc)
	}
	if v := eval[string](tb, `document.getElementById("f.hunde.2.name").value`); v != "" {
		w.t.Errorf("%s: the new dog has the name %q", tb.label, v)
	}
	remove := `button[value="remove:/hunde/2"]`
	if name := eval[string](tb, `document.querySelector(`+jsString(remove)+`).textContent`); name != "Hund entfernen (Hund 3)" {
		w.t.Errorf("%s: remove button is named %q, want „Hund entfernen (Hund 3)“", tb.label, name)
	}
	tb.click("schritt-2-hund-entfernt", remove)
	if got := tb.count(items); got != 2 {
		w.t.Fatalf("%s: %d dogs after „Hund entfernen“, want 2", tb.label, got)
	}
	if note := tb.text(`.hinweisbox[role=status]`); !strings.Contains(note, "entfernt") {
		w.t.Errorf("%s: no note about the removed item (%q)", tb.label, note)
	}
	w.checkValues("after removing the third dog")
}

// saveAndResume saves the draft on step n, opens a fresh browser context (no cookies), enters
// a wrong code and then the right one. Resuming opens step n again, the step it was saved on
// (issue 14), with its answers; "Weiter" goes on to step n+1. The walk goes on in the new
// context.
func (w *walker) saveAndResume(n int) {
	w.t.Helper()
	old := w.tab
	old.click("zwischengespeichert", `.aktionen button[value=speichern]`)
	if h := old.text("h1"); h != "Ihre Angaben sind zwischengespeichert" {
		w.t.Errorf("%s: save page heading %q", old.label, h)
	}
	code := strings.TrimSpace(old.text(".code"))
	if len(code) < 20 {
		w.t.Fatalf("%s: resume code %q is too short for 128 bits", old.label, code)
	}
	if link := old.text(".geheimlink a"); !strings.Contains(link, "/fortsetzen/") {
		w.t.Errorf("%s: resume link %q", old.label, link)
	}
	old.close()
	w.visited += old.seq

	tb := newTab(w.t, w.app.URL, w.js, old.label+"-fortgesetzt", w.pages)
	w.tab = tb
	tb.open("fortsetzen", "/fortsetzen", http.StatusOK)
	tb.do(chromedp.SendKeys(chromedp.CSS("#code"), "ABCD-EFGH-IJKL-MNOP"))
	tb.navigate("fortsetzen-falscher-code", http.StatusNotFound, chromedp.Click(chromedp.CSS(`form button[type=submit]`)))
	if !tb.visible("#fehler") || eval[string](tb, `document.getElementById("code").getAttribute("aria-invalid")`) != "true" {
		w.t.Errorf("%s: a wrong code shows no error at the field", tb.label)
	}
	if w.js && tb.activeID() != "fehler" {
		w.t.Errorf("%s: focus on %q after a wrong code, want the error summary", tb.label, tb.activeID())
	}
	tb.do(chromedp.Focus(chromedp.CSS("#code")),
		chromedp.KeyEvent("a", chromedp.KeyModifiers(chromedp.ModifierCtrl)), chromedp.KeyEvent(kb.Backspace),
		chromedp.SendKeys(chromedp.CSS("#code"), strings.ToLower(code)))
	tb.click("fortgesetzt", `form button[type=submit]`)
	if got := w.path(); got != w.stepPath(n) {
		w.t.Fatalf("%s: resuming leads to %s, want the step it was saved on, %s", tb.label, got, w.stepPath(n))
	}
	w.checkValues("after resuming")
	tb.click("fortgesetzt-wieder-vor", `.aktionen button[value=weiter]`)
	if got := w.path(); got != w.stepPath(n+1) {
		w.t.Fatalf("%s: „Weiter“ leads to %s, want %s", tb.label, got, w.stepPath(n+1))
	}
}

// review checks the review page, changes an answer through "Ändern", submits, and checks the
// confirmation page and the receipt.
func (w *walker) review() {
	w.t.Helper()
	tb := w.tab
	if h := tb.text("h1"); h != "Angaben prüfen" {
		w.t.Errorf("%s: review heading %q", tb.label, h)
	}
	main := tb.text("main")
	wanted := []string{"Ørsted-Ñúñez", "Łukasz", "Musterstadt"}
	if w.flow.id == "mutterschutz" {
		// Code-list values: the review shows the names, the data holds the codes.
		wanted = append(wanted, "Österreich", "außerhalb von Deutschland", "ist schwanger", "Arbeitnehmerin")
	}
	for _, want := range wanted {
		if !strings.Contains(main, want) {
			w.t.Errorf("%s: the review page does not show %q", tb.label, want)
		}
	}
	tb.click("pruefen-aendern", `a.aendern`)
	if !strings.Contains(tb.location(), "zurueck=pruefen") {
		w.t.Errorf("%s: „Ändern“ leads to %s", tb.label, tb.location())
	}
	if got := tb.text(`.aktionen button[value=weiter]`); got != "Speichern und zurück zur Übersicht" {
		w.t.Errorf("%s: button after „Ändern“ is %q", tb.label, got)
	}
	w.checkValues("after „Ändern“")
	tb.click("pruefen-wieder", `.aktionen button[value=weiter]`)
	if !strings.HasSuffix(w.path(), "/pruefen") {
		w.t.Fatalf("%s: after the change, %s instead of the review page", tb.label, w.path())
	}

	tb.click("bestaetigung", `form.absenden button:not([formaction])`)
	if h := tb.text("h1"); h != "Ihr Antrag ist eingegangen" {
		w.t.Errorf("%s: confirmation heading %q", tb.label, h)
	}
	ref := strings.TrimSpace(tb.text(".vorgangsnummer"))
	if !regexp.MustCompile(`^[A-Z0-9][A-Z0-9-]{5,}$`).MatchString(ref) {
		w.t.Errorf("%s: Vorgangsnummer %q", tb.label, ref)
	}
	receipt := eval[string](tb, `document.querySelector("a[download]").href`)
	w.checkPDF("receipt (cookie)", receipt, tb.cookieHeader(receipt))
	w.checkPDF("receipt (link)", eval[string](tb, `document.querySelector(".geheimlink a").href`), "")
	w.checkPDF("receipt without access", receipt, "", http.StatusNotFound)
}

// checkPDF downloads a receipt as the browser would (with its cookies, or without).
func (w *walker) checkPDF(what, u, cookie string, status ...int) {
	w.t.Helper()
	want := http.StatusOK
	if len(status) > 0 {
		want = status[0]
	}
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != want {
		w.t.Errorf("%s: %s: status %d, want %d", w.tab.label, what, res.StatusCode, want)
		return
	}
	if want == http.StatusOK && (res.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(string(body), "%PDF-")) {
		w.t.Errorf("%s: %s: %s, %d bytes, not a PDF", w.tab.label, what, res.Header.Get("Content-Type"), len(body))
	}
}
