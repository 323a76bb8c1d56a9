package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/ozgform/ozgform/renderer"
)

// control is what a citizen sees of one input, select or textarea of a step's form.
type control struct {
	Name     string `json:"name"`
	Tag      string `json:"tag"`
	Type     string `json:"type"`
	ID       string `json:"id"`
	Value    string `json:"value"`
	Checked  bool   `json:"checked"`
	Visible  bool   `json:"visible"`
	Disabled bool   `json:"disabled"`
	Invalid  bool   `json:"invalid"`
	// Source is set when a rule on the page depends on the control.
	Source bool `json:"source"`
}

// controls reads the form controls of the step page (not the hidden technical fields).
func (tb *tab) controls() []control {
	tb.t.Helper()
	return eval[[]control](tb, `Array.from(document.querySelectorAll(
		"form.schritt input:not([type=hidden]), form.schritt select, form.schritt textarea")).map(e => ({
		name: e.name, tag: e.tagName.toLowerCase(), type: e.type || "", id: e.id, value: e.value,
		checked: !!e.checked, visible: e.getClientRects().length > 0 && !e.closest("[hidden]"),
		disabled: e.disabled, invalid: e.getAttribute("aria-invalid") === "true",
		source: !!e.closest("[data-regelquelle]")}))`)
}

var isoDate = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`)

// choiceValue is how the browser sends a choice back (as renderer.ChoiceValue).
func choiceValue(v any) string { return renderer.ChoiceValue(v) }

// wants tells whether control c shows the sample's value, and the text to type into it.
func wants(c control, v any) (ok bool, text string) {
	switch c.Type {
	case "file":
		return true, "" // see uploadMissing
	case "radio":
		return c.Checked == (choiceValue(v) == c.Value), ""
	case "checkbox":
		if list, isList := v.([]any); isList {
			in := slices.ContainsFunc(list, func(x any) bool { return choiceValue(x) == c.Value })
			return c.Checked == in, ""
		}
		return c.Checked == (v == true), ""
	}
	text = choiceValue(v)
	if n, isNum := v.(json.Number); isNum {
		text = strings.Replace(n.String(), ".", ",", 1) // German decimal comma
	}
	if s, isText := v.(string); isText && c.Type == "text" && isoDate.MatchString(s) {
		// A date field is a text field with TT.MM.JJJJ (GOV.UK pattern): typed and shown
		// the German way, stored as JJJJ-MM-TT.
		german := s[8:10] + "." + s[5:7] + "." + s[0:4]
		return c.Value == german || c.Value == s, german
	}
	return c.Value == text, text
}

// typeVisible types and clicks the sample's values into the visible, enabled controls that do
// not show them yet, skipping the paths in except. It reports whether it changed anything,
// and whether it changed a field that a rule depends on.
func (w *walker) typeVisible(except ...string) (changed, source bool) {
	w.t.Helper()
	for _, c := range w.tab.controls() {
		v, ok := w.data.values[c.Name]
		if !ok || !c.Visible || c.Disabled || excepted(c.Name, except) {
			continue
		}
		if ok, text := wants(c, v); !ok {
			w.set(c, text)
			changed = true
			source = source || c.Source
		}
	}
	return changed, source
}

// set changes one control like a person: a click on the label of a radio button or
// checkbox, typing into a text field, and type-ahead in a closed select.
func (w *walker) set(c control, text string) {
	w.t.Helper()
	tb := w.tab
	switch {
	case c.Type == "radio" || c.Type == "checkbox":
		tb.do(chromedp.Click(chromedp.CSS(`label[for=` + jsString(c.ID) + `]`)))
	case c.Tag == "select":
		label := eval[string](tb, `(Array.from(document.querySelector(`+jsString(cssID(c.ID))+`).options)
			.find(o => o.value === `+jsString(text)+`) || {text: ""}).text`)
		if label == "" {
			w.t.Fatalf("%s: %s has no option %q", tb.label, c.Name, text)
		}
		tb.do(chromedp.Focus(chromedp.CSS(cssID(c.ID))), chromedp.KeyEvent(label))
	case c.Type == "date":
		if c.Value != "" {
			w.t.Fatalf("%s: date field %s shows %q, want %q", tb.label, c.Name, c.Value, text)
		}
		tb.do(chromedp.SendKeys(chromedp.CSS(cssID(c.ID)), w.dateKeys(text)))
	default:
		if c.Value != "" {
			// Select what is there and type over it.
			tb.do(chromedp.Focus(chromedp.CSS(cssID(c.ID))),
				chromedp.KeyEvent("a", chromedp.KeyModifiers(chromedp.ModifierCtrl)),
				chromedp.KeyEvent(kb.Backspace))
		}
		tb.do(chromedp.SendKeys(chromedp.CSS(cssID(c.ID)), text))
	}
}

// dateKeys are the keys that type an ISO date into a date field, in the order of the
// browser's date format (day, month, year for German; month, day, year for US English).
func (w *walker) dateKeys(iso string) string {
	w.t.Helper()
	if w.dateOrder == nil {
		w.dateOrder = eval[[]string](w.tab, `new Intl.DateTimeFormat(navigator.language)
			.formatToParts(new Date(2000, 10, 22)).filter(p => p.type !== "literal").map(p => p.type)`)
	}
	parts := map[string]string{"year": iso[0:4], "month": iso[5:7], "day": iso[8:10]}
	var keys strings.Builder
	for _, p := range w.dateOrder {
		keys.WriteString(parts[p])
	}
	return keys.String()
}

// checkValues requires every visible control with a sample value to show that value: after
// typing, after a reload, after resuming. It skips the paths in except, and the paths under
// an entry that ends in "/".
func (w *walker) checkValues(when string, except ...string) {
	w.t.Helper()
	w.checkKept(when, nil, except...)
}

// visibleNames are the names of the visible controls: what the citizen has seen (and filled)
// before the page is sent.
func (w *walker) visibleNames() map[string]bool {
	w.t.Helper()
	seen := map[string]bool{}
	for _, c := range w.tab.controls() {
		if c.Visible {
			seen[c.Name] = true
		}
	}
	return seen
}

// checkKept is checkValues for the controls named in before (all if nil): after a reload
// that shows new, still empty fields.
func (w *walker) checkKept(when string, before map[string]bool, except ...string) {
	w.t.Helper()
	for _, c := range w.tab.controls() {
		v, ok := w.data.values[c.Name]
		if !ok || !c.Visible || excepted(c.Name, except) || before != nil && !before[c.Name] {
			continue
		}
		if c.Type == "file" {
			if ids, _ := v.([]any); w.tab.count(fileList(c)) != len(ids) {
				w.t.Errorf("%s: %s: %s lists %d files, want %d", w.tab.label, when, c.Name, w.tab.count(fileList(c)), len(ids))
			}
			continue
		}
		if ok, text := wants(c, v); !ok {
			if text == "" {
				text = fmt.Sprintf("checked=%v", !c.Checked)
			}
			w.t.Errorf("%s: %s: %s shows %q (checked %v), want %q", w.tab.label, when, c.Name, c.Value, c.Checked, text)
		}
	}
}

// hiddenWanted lists the controls on the page that have a sample value but are hidden by a
// rule: the citizen's answers will show them.
func (w *walker) hiddenWanted(except ...string) []control {
	w.t.Helper()
	var out []control
	for _, c := range w.tab.controls() {
		if _, ok := w.data.values[c.Name]; ok && !c.Visible && !excepted(c.Name, except) {
			out = append(out, c)
		}
	}
	return out
}

// missingItem returns a repeatable group on the page with fewer items than the sample has.
func (w *walker) missingItem() (path string, have int, ok bool) {
	w.t.Helper()
	for p, n := range w.data.lists {
		list := cssID(renderer.FieldID(w.form, p))
		if !w.tab.visible(list) {
			continue // not on this page, or hidden by a rule until the answers show it
		}
		if have := w.tab.count(list + ` > fieldset.eintrag`); have < n {
			return p, have, true
		}
	}
	return "", 0, false
}

func excepted(path string, except []string) bool {
	for _, e := range except {
		if path == e || strings.HasSuffix(e, "/") && strings.HasPrefix(path, e) {
			return true
		}
	}
	return false
}

// fileList selects the list items of the files uploaded to an attachment field.
func fileList(c control) string {
	return `.datei:has(` + cssID(c.ID) + `) .dateien li`
}

// uploadMissing chooses a file for the first attachment field that lists fewer files than
// the sample has, and presses its "Hochladen" button. It reports whether it did.
func (w *walker) uploadMissing(name string, except ...string) bool {
	w.t.Helper()
	tb := w.tab
	for _, c := range tb.controls() {
		ids, _ := w.data.values[c.Name].([]any)
		if c.Type != "file" || !c.Visible || c.Disabled || len(ids) == 0 || excepted(c.Name, except) {
			continue
		}
		have := tb.count(fileList(c))
		if have >= len(ids) {
			continue
		}
		file := filepath.Join(w.t.TempDir(), fmt.Sprintf("nachweis-%d.pdf", have+1))
		if err := os.WriteFile(file, []byte(testPDF), 0o644); err != nil {
			w.t.Fatal(err)
		}
		tb.do(chromedp.SetUploadFiles(chromedp.CSS(cssID(c.ID)), []string{file}))
		tb.click(name+"-datei-hochgeladen", `.datei:has(`+cssID(c.ID)+`) button[value=upload]`)
		if got := tb.count(fileList(c)); got != have+1 {
			w.t.Fatalf("%s: %s lists %d files after uploading, want %d", tb.label, c.Name, got, have+1)
		}
		if !strings.Contains(tb.text(fileList(c)+":last-child"), filepath.Base(file)) {
			w.t.Errorf("%s: the uploaded file %s is not listed", tb.label, filepath.Base(file))
		}
		return true
	}
	return false
}

// testPDF is a small, valid one-page PDF, the file a citizen uploads.
const testPDF = "%PDF-1.4\n" +
	"1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n" +
	"2 0 obj <</Type /Pages /Kids [3 0 R] /Count 1>> endobj\n" +
	"3 0 obj <</Type /Page /Parent 2 0 R /MediaBox [0 0 200 200]>> endobj\n" +
	"trailer <</Root 1 0 R>>\n%%EOF\n"
