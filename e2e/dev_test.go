package e2e

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestDevPreviewInBrowser: an author previews the Gewerbeanmeldung with `ozgform dev`. Saving
// layout.json refreshes the open step in the browser with the answer typed there kept; a
// broken file replaces the form by its located error, fixing it brings the form back; "Mit
// Beispieldaten füllen" fills the steps up to the review page, the receipt opens from the
// preview bar; the form map opens. axe-core and the Nu Html Checker
// check the preview's pages. The log names the time from the file write to the refreshed page.
func TestDevPreviewInBrowser(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "gewerbeanmeldung")
	if err := os.CopyFS(dir, os.DirFS("../examples/gewerbeanmeldung")); err != nil {
		t.Fatal(err)
	}
	var logOut io.Writer
	if testing.Verbose() {
		logOut = os.Stderr
	}
	app, err := StartDevApp([]string{dir}, t.TempDir(), logOut)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(app.Close)
	pages := newServedPages(t)
	tb := newTab(t, app.URL, true, "dev", pages)
	defer tb.close()

	tb.open("start", "/formulare/gewerbeanmeldung", http.StatusOK)
	tb.click("schritt-1", "button.knopf-start")
	if !tb.visible(".dev-leiste") {
		t.Fatal("no preview bar on the step")
	}
	name := cssName("/inhaber/vornamen")
	tb.do(chromedp.SendKeys(chromedp.CSS(name), "Tippfehler GmbH"))

	layout := read(t, dir, "layout.json")
	generation := app.Preview.Generation()
	// Five saves, each with a new step title: the time from the write until the browser shows it.
	var took []time.Duration
	for i := range 5 {
		title := fmt.Sprintf("Inhaberin oder Inhaber %d", i+1)
		took = append(took, rewrite(t, tb, dir, "layout.json", strings.Replace(layout, `"label": "Betriebsinhaber"`, `"label": "`+title+`"`, 1), title))
	}
	slices.Sort(took)
	t.Logf("file write → refreshed page (Gewerbeanmeldung, step 1, Chromium), 5 saves: min %v, median %v, max %v",
		took[0].Round(time.Millisecond), took[2].Round(time.Millisecond), took[4].Round(time.Millisecond))
	if app.Preview.Generation() < generation+5 {
		t.Errorf("the preview reloaded %d times for 5 saves", app.Preview.Generation()-generation)
	}
	tb.arrived("neu-geladen")
	if got := eval[string](tb, `document.querySelector(`+jsString(name)+`).value`); got != "Tippfehler GmbH" {
		t.Errorf("the typed answer after the reload is %q", got)
	}

	// A trailing comma: the page shows the located error instead of the form.
	broken := strings.Replace(layout, `"label": "Betriebsinhaber",`, `"label": "Betriebsinhaber",,`, 1)
	rewrite(t, tb, dir, "layout.json", broken, "zwei Kommas hintereinander")
	tb.arrived("fehlerseite")
	where := filepath.Join(dir, "layout.json") + ":6:"
	if !strings.Contains(tb.text("main"), where) {
		t.Errorf("the error page does not name %s…:\n%s", where, tb.text("main"))
	}
	rewrite(t, tb, dir, "layout.json", layout, "Betriebsinhaber")
	tb.arrived("repariert")
	if tb.count(name) != 1 {
		t.Fatal("the form is not back after the fix")
	}

	// Sample data fill each step; the author clicks through to the review page, submits, and
	// opens the receipt from the preview bar.
	tb.do(chromedp.Click(chromedp.CSS("button.dev-beispiel")))
	waitFor(t, tb, `document.querySelector(`+jsString(cssName("/inhaber/familienname"))+`).value === "Ørsted-Ñúñez"`)
	for n := 2; !strings.HasSuffix(tb.location(), "/pruefen"); n++ {
		if n > 10 {
			t.Fatalf("sample data do not lead to the review page; stuck at %s:\n%s", tb.location(), tb.text("main"))
		}
		tb.do(chromedp.Click(chromedp.CSS("button.dev-beispiel")))
		waitFor(t, tb, `document.querySelector(".dev-status").textContent.includes("mit Beispieldaten gefüllt")`)
		tb.click(fmt.Sprintf("beispiel-%d", n), `.aktionen button[value=weiter]`)
	}
	tb.click("bestaetigung", `form.absenden button:not([formaction])`)
	receipt := eval[string](tb, `(document.querySelector(".dev-leiste a[href$='eingangsbestaetigung.pdf']") || {}).href || ""`)
	if receipt == "" {
		t.Fatal("the preview bar of the confirmation page has no receipt link")
	}
	req, _ := http.NewRequest(http.MethodGet, receipt, nil)
	req.Header.Set("Cookie", tb.cookieHeader(receipt))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	pdf, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(string(pdf), "%PDF-") {
		t.Errorf("receipt from the preview bar: %d, %.20q", res.StatusCode, pdf)
	}

	tb.open("karte", "/_dev/karte/gewerbeanmeldung", http.StatusOK)
	if !strings.Contains(tb.text("main"), "nur sichtbar, wenn „Rechtsform des Betriebs“") {
		t.Error("the map does not describe the rules")
	}
	checkHTML(t, pages)
}

func cssName(path string) string { return `[name=` + jsString(path) + `]` }

func read(t *testing.T, dir, file string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, file))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// rewrite writes a form file and waits until the open page shows want; it returns the time
// from the write to then.
func rewrite(t *testing.T, tb *tab, dir, file, content, want string) time.Duration {
	t.Helper()
	start := time.Now()
	if err := os.WriteFile(filepath.Join(dir, file), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	waitFor(t, tb, `document.readyState !== "loading" && document.body.innerText.includes(`+jsString(want)+`)`)
	return time.Since(start)
}

// waitFor polls a JavaScript condition every 2 ms for up to ten seconds.
func waitFor(t *testing.T, tb *tab, cond string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		// While the page reloads, the evaluation fails: not yet.
		ctx, cancel := context.WithTimeout(tb.ctx, time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(function(){ try { return !!(`+cond+`); } catch (e) { return false; } })()`))
		cancel()
		if err == nil && ok {
			return
		}
		time.Sleep(2 * time.Millisecond)
	}
	t.Fatalf("%s: not true within 10 s", cond)
}
