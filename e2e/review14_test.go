package e2e

import (
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/ozgform/ozgform/renderer"
)

// Browser tests of the findings of the outside review (issue 14) that need a browser: the
// footer's legal links and the accessibility statement (with axe-core, as on every page), and
// where a link of the error summary leaves the field. The repeated legends (point 12) and the
// footer on every page are checked on every page of every walk (structureProblems).

func startBrandedApp(t *testing.T) *App {
	t.Helper()
	var logOut io.Writer
	if testing.Verbose() {
		logOut = os.Stderr
	}
	app, err := StartApp("../examples", t.TempDir(), logOut, WithBranding(renderer.Branding{Legal: renderer.Legal{
		Imprint: "/impressum", Privacy: "/datenschutz",
		Statement: renderer.AccessibilityStatement{Status: "teilweise", Barriers: []string{"Die PDF-Eingangsbestätigung ist nicht vollständig barrierefrei."},
			Method: "Selbstbewertung", Date: "1. Dezember 2026", FeedbackEmail: "barrierefreiheit@musterstadt.example"},
	}}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(app.Close)
	return app
}

// TestLegalFooterAndStatement (point 9): the footer links Impressum, Datenschutz and
// Barrierefreiheit by name (a landmark navigation), and the statement page passes axe-core
// and names the feedback contact and the enforcement body.
func TestLegalFooterAndStatement(t *testing.T) {
	app := startBrandedApp(t)
	tb := newTab(t, app.URL, true, "rechtliches", newServedPages(t))
	defer tb.close()
	tb.open("start", "/formulare/hundesteuer", http.StatusOK)
	links := eval[[]string](tb, `Array.from(document.querySelectorAll("footer nav a")).map(a => a.textContent + " " + a.getAttribute("href"))`)
	if strings.Join(links, "|") != "Impressum /impressum|Datenschutz /datenschutz|Barrierefreiheit /barrierefreiheit" {
		t.Errorf("footer links %v", links)
	}
	tb.click("erklaerung", `footer a[href="/barrierefreiheit"]`)
	body := tb.text("main")
	for _, want := range []string{"Erklärung zur Barrierefreiheit", "teilweise vereinbar", "barrierefreiheit@musterstadt.example", "Schlichtungsstelle"} {
		if !strings.Contains(body, want) {
			t.Errorf("the statement lacks %q", want)
		}
	}
}

// TestErrorSummaryLinkKeepsLabelInView (point 11): following a link of the error summary
// focuses the field and leaves its label and error message in the window, with and without
// the script.
func TestErrorSummaryLinkKeepsLabelInView(t *testing.T) {
	app := startApp(t)
	for _, js := range []bool{true, false} {
		label := "fehlerliste-mit-js"
		if !js {
			label = "fehlerliste-ohne-js"
		}
		tb := newTab(t, app.URL, js, label, newServedPages(t))
		tb.open("start", "/formulare/hundesteuer", http.StatusOK)
		tb.click("schritt-1", "button.knopf-start")
		tb.click("schritt-1-fehler", `.aktionen button[value=weiter]`)
		n := tb.count("#fehler a")
		if n < 3 {
			t.Fatalf("%s: %d links in the error summary", label, n)
		}
		// The last link: its field lies far below the summary, so the window must scroll.
		for _, i := range []int{n - 1, n / 2} {
			tb.do(chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`), chromedp.Click(chromedp.CSS(`#fehler li:nth-child(`+itoa(i+1)+`) a`)))
			tb.settle()
			problem := eval[string](tb, `(() => {
				const a = document.querySelectorAll("#fehler a")[`+itoa(i)+`];
				const el = document.getElementById(decodeURIComponent(a.getAttribute("href").slice(1)));
				const box = el.closest(".feld") || (el.tagName === "FIELDSET" ? el : el.closest("fieldset"));
				const label = box.querySelector("legend") || document.querySelector("label[for='" + CSS.escape(el.id) + "']");
				const msg = box.querySelector(".feldfehler");
				const inView = e => { const r = e.getBoundingClientRect(); return r.top >= 0 && r.bottom <= window.innerHeight; };
				if (window.scrollY === 0) return "the window did not scroll to " + el.id;
				if (!label || !inView(label)) return "label of " + el.id + " out of view";
				if (!msg || !inView(msg)) return "error message of " + el.id + " out of view";
				if (`+jsBool(js)+` && !box.contains(document.activeElement)) return "focus on " + document.activeElement.id + ", not in the field " + el.id;
				return "";
			})()`)
			if problem != "" {
				t.Errorf("%s: link %d: %s", label, i+1, problem)
			}
		}
		tb.close()
	}
}

func jsBool(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

func itoa(i int) string { return strconv.Itoa(i) }
