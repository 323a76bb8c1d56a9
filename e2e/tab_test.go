package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// tab is one browser tab in its own browser context (own cookies), with or without
// JavaScript. Every page it arrives at is checked: axe-core, and its HTML as served is kept
// for the Nu Html Checker.
type tab struct {
	t      *testing.T
	ctx    context.Context
	cancel context.CancelFunc
	base   string
	js     bool
	label  string // file name prefix of the kept pages
	axe    string
	pages  *servedPages
	seq    int

	mu       sync.Mutex
	docReq   network.RequestID          // the last HTML document the tab received
	asking   map[network.RequestID]bool // the script's questions to the server, unanswered
	problems []string                   // script errors and CSP violations
}

// newTab opens a tab in a new browser context of the shared browser.
func newTab(t *testing.T, base string, js bool, label string, pages *servedPages) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(sharedBrowser(t), chromedp.WithNewBrowserContext())
	tb := &tab{t: t, ctx: ctx, cancel: cancel, base: base, js: js, label: label, axe: axeSource(t), pages: pages,
		asking: map[network.RequestID]bool{}}
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("open tab: %v", err)
	}
	err := chromedp.Listen(ctx, func(ev any) {
		tb.mu.Lock()
		defer tb.mu.Unlock()
		switch ev := ev.(type) {
		case *network.EventResponseReceived:
			if ev.Type == network.ResourceTypeDocument {
				tb.docReq = ev.RequestID
			}
		case *network.EventRequestWillBeSent:
			if strings.HasSuffix(ev.Request.URL, "/sichtbarkeit") {
				tb.asking[ev.RequestID] = true
			}
		case *network.EventLoadingFinished:
			delete(tb.asking, ev.RequestID)
		case *network.EventLoadingFailed:
			delete(tb.asking, ev.RequestID)
		case *runtime.EventExceptionThrown:
			tb.problems = append(tb.problems, "script error: "+ev.ExceptionDetails.Text)
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError {
				tb.problems = append(tb.problems, "console.error")
			}
		case *log.EventEntryAdded:
			// Error pages are answered with 4xx on purpose; the log mentions them, which is
			// fine. Everything else at level error (CSP violations, failed assets) is not.
			if ev.Entry.Level == log.EntryLevelError && !(ev.Entry.Source == log.EntrySourceNetwork && isDocumentURL(ev.Entry.URL)) {
				tb.problems = append(tb.problems, fmt.Sprintf("%s: %s (%s)", ev.Entry.Source, ev.Entry.Text, ev.Entry.URL))
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	tb.do(chromedp.EmulateViewport(1280, 900))
	if !js {
		tb.setScripts(false)
	}
	return tb
}

// setScripts switches the execution of scripts in the tab on or off.
func (tb *tab) setScripts(on bool) {
	tb.t.Helper()
	if _, err := chromedp.Call(tb.ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: !on}); err != nil {
		tb.t.Fatal(err)
	}
}

func isDocumentURL(u string) bool { return !strings.Contains(u, "/static/") }

// close ends the tab and its browser context, and reports the script problems it saw.
func (tb *tab) close() {
	tb.t.Helper()
	tb.mu.Lock()
	problems := tb.problems
	tb.problems = nil
	tb.mu.Unlock()
	for _, p := range problems {
		tb.t.Errorf("%s: %s", tb.label, p)
	}
	tb.cancel()
}

// mode is "mit JavaScript" or "ohne JavaScript", for messages.
func (tb *tab) mode() string {
	if tb.js {
		return "mit JavaScript"
	}
	return "ohne JavaScript"
}

func (tb *tab) do(actions ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	if err := chromedp.Do(tb.ctx, actions...); err != nil {
		tb.t.Fatalf("%s: %v", tb.label, err)
	}
}

// eval evaluates a JavaScript expression through DevTools. It works with the page's
// scripts disabled too; the tests only read the page with it, they change nothing.
func eval[T any](tb *tab, expr string) T {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, time.Minute)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		tb.t.Fatalf("%s: evaluate %.80q: %v", tb.label, expr, err)
	}
	return v
}

// navigate runs actions that load a new page (a link, a submit button, an address), waits
// for it, checks its status, and checks the page (see arrived).
func (tb *tab) navigate(name string, wantStatus int, actions ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	resp, err := chromedp.RunResponse(tb.ctx, actions...)
	if err != nil {
		tb.t.Fatalf("%s: %s: %v", tb.label, name, err)
	}
	if resp == nil {
		tb.t.Fatalf("%s: %s: no page loaded", tb.label, name)
	}
	if int(resp.Status) != wantStatus {
		tb.t.Fatalf("%s: %s: status %d, want %d (%s)", tb.label, name, resp.Status, wantStatus, resp.URL)
	}
	tb.arrived(name)
}

// open loads a path of the app.
func (tb *tab) open(name, path string, wantStatus int) {
	tb.t.Helper()
	tb.navigate(name, wantStatus, chromedp.Navigate(tb.base+path))
}

// click clicks an element that loads a new page.
func (tb *tab) click(name, selector string) {
	tb.t.Helper()
	tb.navigate(name, http.StatusOK, chromedp.Click(chromedp.CSS(selector)))
}

// arrived keeps the HTML of the page as served and runs axe-core on it.
func (tb *tab) arrived(name string) {
	tb.t.Helper()
	tb.seq++
	tb.mu.Lock()
	req := tb.docReq
	tb.mu.Unlock()
	body, err := chromedp.Call(tb.ctx, network.GetResponseBody, network.GetResponseBodyParams{RequestID: req})
	if err != nil {
		tb.t.Fatalf("%s: %s: body of the page: %v", tb.label, name, err)
	}
	if !strings.HasPrefix(string(body.Body), "<!DOCTYPE html>") {
		tb.t.Fatalf("%s: %s: the page as served does not start with <!DOCTYPE html>: %.80q", tb.label, name, body.Body)
	}
	file := fmt.Sprintf("%s-%02d-%s", tb.label, tb.seq, name)
	tb.pages.add(file+".html", body.Body)
	if dir := os.Getenv("OZGFORM_E2E_SCREENSHOTS"); dir != "" {
		tb.screenshot(filepath.Join(dir, unsafeFileChars.ReplaceAllString(file, "_")+".png"))
	}
	tb.checkAxe(name)
	for _, p := range tb.structureProblems() {
		tb.t.Errorf("%s: %s (%s): %s", tb.label, name, tb.mode(), p)
	}
	tb.checkWidths(name)
}

// checkWidths requires the page to fit 320 CSS pixels (WCAG 1.4.10 Reflow) and 1280 pixels
// at 200 % zoom (640 CSS pixels at device scale 2) without horizontal scrolling.
func (tb *tab) checkWidths(name string) {
	tb.t.Helper()
	for _, vp := range []struct {
		width, height int64
		scale         float64
	}{{320, 640, 1}, {640, 450, 2}} {
		tb.do(chromedp.EmulateViewport(vp.width, vp.height, chromedp.EmulateScale(vp.scale)))
		if p := tb.widthProblems(); p != "" {
			tb.t.Errorf("%s: %s at scale %.0f: %s", tb.label, name, vp.scale, p)
		}
	}
	tb.do(chromedp.EmulateViewport(1280, 900))
}

// screenshot writes a PNG of the whole page at the current width: with
// OZGFORM_E2E_SCREENSHOTS=folder, the tests leave a picture of every page they check.
func (tb *tab) screenshot(file string) {
	tb.t.Helper()
	width := eval[int64](tb, `innerWidth`)
	height := eval[int64](tb, `document.documentElement.scrollHeight`)
	tb.do(chromedp.EmulateViewport(width, height))
	png, err := chromedp.Run(tb.ctx, chromedp.CaptureScreenshot())
	tb.do(chromedp.EmulateViewport(width, 900))
	if err == nil {
		err = os.WriteFile(file, png, 0o644)
	}
	if err != nil {
		tb.t.Errorf("screenshot %s: %v", file, err)
	}
}

// structureProblems checks what axe-core leaves to best practice: one h1, headings that go
// down one level at a time, the landmarks banner, main and contentinfo, and no content
// outside them except the skip link, which must lead to the main content.
func (tb *tab) structureProblems() []string {
	tb.t.Helper()
	return eval[[]string](tb, `(() => {
		const p = [];
		const shown = e => e.getClientRects().length > 0 && !e.closest("[hidden]");
		const levels = Array.from(document.querySelectorAll("h1, h2, h3, h4, h5, h6")).filter(shown).map(h => +h.tagName[1]);
		if (levels.filter(l => l === 1).length !== 1) p.push("the page has " + levels.filter(l => l === 1).length + " h1");
		if (levels[0] !== 1) p.push("the first heading is h" + levels[0]);
		for (let i = 1; i < levels.length; i++) {
			if (levels[i] > levels[i - 1] + 1) p.push("heading level jumps from h" + levels[i - 1] + " to h" + levels[i]);
		}
		for (const sel of ["body > header", "body > main", "body > footer"]) {
			if (document.querySelectorAll(sel).length !== 1) p.push("not exactly one " + sel);
		}
		for (const e of document.body.children) {
			if (!["HEADER", "MAIN", "FOOTER", "SCRIPT"].includes(e.tagName) && !e.matches("a.sprunglink")) {
				p.push("content outside the landmarks: " + e.outerHTML.slice(0, 80));
			}
		}
		// A fieldset whose legend repeats the legend of the fieldset around it is announced
		// twice by screen readers (issue 14); hidden ones count, a rule may show them.
		const legendOf = f => { const l = f.querySelector(":scope > legend"); return l ? l.textContent.replace(/\*|\(Pflichtfeld\)|\(required\)/g, "").trim().toLowerCase() : ""; };
		for (const f of document.querySelectorAll("fieldset fieldset")) {
			const outer = f.parentElement.closest("fieldset");
			if (legendOf(f) !== "" && legendOf(f) === legendOf(outer)) p.push("fieldset legend repeated inside a fieldset of the same legend: " + legendOf(f));
		}
		// The footer links the Erklärung zur Barrierefreiheit; over plain HTTP it does not
		// claim encrypted transport.
		const footer = document.querySelector("body > footer");
		if (footer && !Array.from(footer.querySelectorAll("a")).some(a => /Barrierefreiheit|Accessibility/.test(a.textContent))) p.push("the footer does not link the accessibility statement");
		if (footer && location.protocol === "http:" && /verschlüsselt|encrypted/.test(footer.textContent)) p.push("the footer claims encrypted transport over plain HTTP");
		const skip = document.querySelector("a.sprunglink");
		if (!skip || document.body.firstElementChild !== skip) p.push("the skip link is not the first element");
		else if (!document.querySelector("main" + skip.getAttribute("href"))) p.push("the skip link does not lead to main");
		return p;
	})()`)
}

// widthProblems describes what sticks out of the viewport; nothing when the page fits its
// width without horizontal scrolling.
func (tb *tab) widthProblems() string {
	tb.t.Helper()
	return eval[string](tb, `(() => {
		const vw = document.documentElement.clientWidth;
		if (document.documentElement.scrollWidth <= vw) return "";
		// The elements that stick out, or whose content (a long word) does.
		const wide = Array.from(document.querySelectorAll("body *")).filter(e =>
			e.getBoundingClientRect().right > vw + 0.5 ||
			e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX === "visible" && e.clientWidth > 0);
		return document.documentElement.scrollWidth + " px wide at " + vw + " px; too wide:\n  " +
			wide.slice(-4).map(e => e.outerHTML.slice(0, 160)).join("\n  ");
	})()`)
}

// wcagTags are the axe-core rule tags of WCAG 2.1 level A and AA.
var wcagTags = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa"}

type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target  []any  `json:"target"`
		Summary string `json:"failureSummary"`
		HTML    string `json:"html"`
	} `json:"nodes"`
}

// checkAxe runs axe-core on the page and requires zero WCAG 2.1 A/AA violations.
func (tb *tab) checkAxe(name string) {
	tb.t.Helper()
	for _, v := range tb.axeViolations() {
		tb.t.Errorf("%s: %s (%s): %s", tb.label, name, tb.mode(), v)
	}
}

// axeViolations injects axe-core (through DevTools, which the page's Content-Security-Policy
// does not restrict) and runs the rules of WCAG 2.1 A and AA. axe-core needs timers, which do
// not run while scripts are off; for a tab without JavaScript they are switched on for the
// check only. The page's own script does not run then: it would have run while loading.
func (tb *tab) axeViolations() []axeViolation {
	tb.t.Helper()
	if !tb.js {
		tb.setScripts(true)
		defer tb.setScripts(false)
	}
	if !eval[bool](tb, `typeof window.axe === "object"`) {
		if _, err := chromedp.Run(tb.ctx, chromedp.Evaluate[chromedp.Void](tb.axe)); err != nil {
			tb.t.Fatalf("%s: inject axe-core: %v", tb.label, err)
		}
	}
	tags, _ := json.Marshal(wcagTags)
	return eval[[]axeViolation](tb, `axe.run(document, {runOnly: {type: "tag", values: `+string(tags)+`}, resultTypes: ["violations"]})
		.then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
			nodes: v.nodes.map(n => ({target: n.target, failureSummary: n.failureSummary, html: n.html}))})))`)
}

func (v axeViolation) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "axe %s [%s] %s", v.ID, v.Impact, v.Help)
	for _, n := range v.Nodes {
		fmt.Fprintf(&b, "\n    %v %s\n      %s", n.Target, n.HTML, strings.ReplaceAll(n.Summary, "\n", "\n      "))
	}
	return b.String()
}

// location is the page's address with the fragment.
func (tb *tab) location() string {
	tb.t.Helper()
	loc, err := chromedp.Run(tb.ctx, chromedp.Location())
	if err != nil {
		tb.t.Fatal(err)
	}
	return loc
}

// text is the visible text of the first element matching a CSS selector.
func (tb *tab) text(selector string) string {
	tb.t.Helper()
	return eval[string](tb, `(document.querySelector(`+jsString(selector)+`) || {innerText: ""}).innerText`)
}

// count is the number of elements matching a CSS selector.
func (tb *tab) count(selector string) int {
	tb.t.Helper()
	return eval[int](tb, `document.querySelectorAll(`+jsString(selector)+`).length`)
}

// visible reports whether the first element matching selector is rendered (it exists, has
// a box, and no ancestor is hidden).
func (tb *tab) visible(selector string) bool {
	tb.t.Helper()
	return eval[bool](tb, `(() => { const e = document.querySelector(`+jsString(selector)+`);
		return !!e && e.getClientRects().length > 0 && !e.closest("[hidden]"); })()`)
}

// waitVisible waits up to five seconds until selector is visible.
func (tb *tab) waitVisible(selector string) bool {
	tb.t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if tb.visible(selector) {
			return true
		}
	}
	return false
}

// settle waits until the page's script has its answers about which fields to show: it asks
// 50 ms after a change, and shows the fields right after the answer.
func (tb *tab) settle() {
	tb.t.Helper()
	if !tb.js {
		return
	}
	time.Sleep(120 * time.Millisecond)
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		tb.mu.Lock()
		n := len(tb.asking)
		tb.mu.Unlock()
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			tb.t.Fatalf("%s: the script's question to the server is not answered", tb.label)
		}
	}
	time.Sleep(30 * time.Millisecond)
}

// activeID is the id of the focused element.
func (tb *tab) activeID() string {
	tb.t.Helper()
	return eval[string](tb, `document.activeElement ? document.activeElement.id : ""`)
}

// cookieHeader is the Cookie header the browser would send to a URL.
func (tb *tab) cookieHeader(url string) string {
	tb.t.Helper()
	res, err := chromedp.Call(tb.ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{url}})
	if err != nil {
		tb.t.Fatal(err)
	}
	var parts []string
	for _, c := range res.Cookies {
		parts = append(parts, c.Name+"="+c.Value)
	}
	return strings.Join(parts, "; ")
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// cssID is a CSS selector for an element id; ids of fields contain dots.
func cssID(id string) string { return `[id=` + jsString(id) + `]` }

// ---------------------------------------------------------------- served pages

// servedPages keeps the HTML of the checked pages in a folder for the Nu Html Checker.
type servedPages struct {
	dir   string
	mu    sync.Mutex
	files []string
}

func newServedPages(t *testing.T) *servedPages {
	return &servedPages{dir: t.TempDir()}
}

// walkWithAndWithoutJS runs walk in Chromium with and without JavaScript side by side (as
// subtests group/mit-js and group/ohne-js), with axe-core on the pages walk checks, then the
// Nu Html Checker over every page they kept.
func walkWithAndWithoutJS(t *testing.T, group string, walk func(t *testing.T, js bool, pages *servedPages)) {
	sharedBrowser(t)
	axeSource(t)
	pages := newServedPages(t)
	t.Run(group, func(t *testing.T) {
		for _, js := range []bool{true, false} {
			name := "mit-js"
			if !js {
				name = "ohne-js"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				walk(t, js, pages)
			})
		}
	})
	t.Run("html", func(t *testing.T) { checkHTML(t, pages) })
}

var unsafeFileChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

func (p *servedPages) add(name string, body []byte) {
	name = unsafeFileChars.ReplaceAllString(name, "_")
	path := filepath.Join(p.dir, name)
	if err := os.WriteFile(path, body, 0o644); err != nil {
		panic(err)
	}
	p.mu.Lock()
	p.files = append(p.files, path)
	p.mu.Unlock()
}
