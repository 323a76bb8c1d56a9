package server

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/ozgform/ozgform/engine"
	"github.com/ozgform/ozgform/engine/sqlite"
	"github.com/ozgform/ozgform/forms"
	"github.com/ozgform/ozgform/renderer"
)

// ---------------------------------------------------------------- test application

var (
	testFormsOnce sync.Once
	testForms     *forms.Catalog
)

func exampleForms(tb testing.TB) *forms.Catalog {
	tb.Helper()
	testFormsOnce.Do(func() {
		cat, problems := forms.LoadCatalog(os.DirFS("../examples"), ".", forms.Options{})
		if problems.HasErrors() {
			panic(fmt.Sprint("examples have errors: ", problems))
		}
		testForms = cat
	})
	return testForms
}

// testApp is the real application on a real SQLite file in a temporary directory.
type testApp struct {
	tb     testing.TB
	server *Server
	http   *httptest.Server
	store  *sqlite.Store
	svc    *engine.Service
	dbPath string
	forms  *forms.Catalog
}

type appOption func(*Config, *sqlite.Options)

func newTestApp(tb testing.TB, opts ...appOption) *testApp {
	tb.Helper()
	return newTestAppWith(tb, exampleForms(tb), opts...)
}

// newTestAppWith is newTestApp serving the forms of cat instead of the examples.
func newTestAppWith(tb testing.TB, cat *forms.Catalog, opts ...appOption) *testApp {
	tb.Helper()
	cfg := Config{RateLimit: -1}
	sopts := sqlite.Options{}
	for _, o := range opts {
		o(&cfg, &sopts)
	}
	dbPath := filepath.Join(tb.TempDir(), "ozgform.db")
	store, err := sqlite.Open(context.Background(), dbPath, sopts)
	if err != nil {
		tb.Fatal(err)
	}
	svc := &engine.Service{Store: store}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	s := New(cfg, cat, svc, logger)
	ts := httptest.NewUnstartedServer(s.Handler())
	if cfg.ReadTimeout > 0 {
		ts.Config = s.HTTPServer() // the timeouts of serve, as a test sets them
	}
	ts.Start()
	app := &testApp{tb: tb, server: s, http: ts, store: store, svc: svc, dbPath: dbPath, forms: cat}
	tb.Cleanup(func() {
		ts.Close()
		app.store.Close()
	})
	return app
}

// countRows counts rows of a table in the app's SQLite file, through a second connection.
func (a *testApp) countRows(table string) int {
	a.tb.Helper()
	db, err := sql.Open("sqlite", "file:"+a.dbPath+"?mode=ro")
	if err != nil {
		a.tb.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow("SELECT count(*) FROM " + table).Scan(&n); err != nil {
		a.tb.Fatal(err)
	}
	return n
}

// browser is a client with its own cookie jar; it does not follow redirects, so that tests
// see every 303.
type browser struct {
	tb   testing.TB
	app  *testApp
	c    *http.Client
	csrf string
	// municipality is the ARS fillForm chooses when the form asks for the municipality
	// (Einer für Alle); empty fails the test there.
	municipality string
}

func (a *testApp) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{tb: a.tb, app: a, c: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       30 * time.Second,
	}}
}

type response struct {
	status   int
	body     string
	location string
	header   http.Header
}

var csrfPattern = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

func (b *browser) do(req *http.Request) *response {
	b.tb.Helper()
	res, err := b.c.Do(req)
	if err != nil {
		b.tb.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		b.tb.Fatal(err)
	}
	r := &response{status: res.StatusCode, body: string(body), location: res.Header.Get("Location"), header: res.Header}
	if m := csrfPattern.FindStringSubmatch(r.body); m != nil {
		b.csrf = m[1]
	}
	return r
}

func (b *browser) get(path string) *response {
	b.tb.Helper()
	req, err := http.NewRequest(http.MethodGet, b.app.http.URL+path, nil)
	if err != nil {
		b.tb.Fatal(err)
	}
	return b.do(req)
}

// post sends a form with the CSRF token of the last page.
func (b *browser) post(path string, values url.Values) *response {
	b.tb.Helper()
	v := url.Values{}
	for k, vs := range values {
		v[k] = vs
	}
	if _, ok := v["_csrf"]; !ok && b.csrf != "" {
		v.Set("_csrf", b.csrf)
	}
	return b.postRaw(path, v.Encode())
}

func (b *browser) postRaw(path, body string) *response {
	b.tb.Helper()
	req, err := http.NewRequest(http.MethodPost, b.app.http.URL+path, strings.NewReader(body))
	if err != nil {
		b.tb.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// follow GETs redirects until a page.
func (b *browser) follow(r *response) (*response, string) {
	b.tb.Helper()
	at := ""
	for i := 0; r.status == http.StatusSeeOther || r.status == http.StatusFound; i++ {
		if i > 10 {
			b.tb.Fatal("too many redirects")
		}
		at = r.location
		r = b.get(strings.SplitN(r.location, "#", 2)[0])
	}
	return r, at
}

func (b *browser) cookie(name string) string {
	u, _ := url.Parse(b.app.http.URL + "/")
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

func wantStatus(tb testing.TB, what string, r *response, want int) {
	tb.Helper()
	if r.status != want {
		tb.Fatalf("%s: status %d, want %d (location %q)\n%s", what, r.status, want, r.location, clip(r.body))
	}
}

func clip(s string) string {
	if len(s) > 3000 {
		return s[:3000] + "…"
	}
	return s
}

// ---------------------------------------------------------------- filling a form

// pageFields lists the inputs of the form on a page that a citizen can fill: visible (not
// inside an element with the hidden attribute) and enabled, by name, with their type.
func pageFields(tb testing.TB, body string) map[string]string {
	tb.Helper()
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	out := map[string]string{}
	var walk func(n *html.Node, hidden bool)
	walk = func(n *html.Node, hidden bool) {
		if n.Type == html.ElementNode {
			if hasAttr(n, "hidden") || hasAttr(n, "disabled") {
				hidden = true
			}
			name := attr(n, "name")
			if !hidden && strings.HasPrefix(name, "/") {
				switch n.Data {
				case "input":
					out[name] = attr(n, "type")
				case "select", "textarea":
					out[name] = n.Data
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, hidden)
		}
	}
	walk(doc, false)
	return out
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func hasAttr(n *html.Node, key string) bool {
	for _, a := range n.Attr {
		if a.Key == key {
			return true
		}
	}
	return false
}

// formValues gives the sample's answers for the fields of a page as a browser sends them.
func formValues(tb testing.TB, fields map[string]string, sample any) url.Values {
	tb.Helper()
	v := url.Values{}
	for name, typ := range fields {
		if typ == "file" {
			continue // files are uploaded (sampleFiles)
		}
		val, ok := forms.Lookup(sample, name, nil)
		if !ok || val == nil {
			continue
		}
		switch x := val.(type) {
		case []any:
			for _, item := range x {
				v.Add(name, renderer.ChoiceValue(item))
			}
		case bool:
			if typ == "checkbox" {
				if x {
					v.Set(name, "true")
				}
			} else {
				v.Set(name, renderer.ChoiceValue(x))
			}
		default:
			v.Set(name, renderer.ChoiceValue(x))
		}
	}
	return v
}

func loadSample(tb testing.TB, form, name string) map[string]any {
	tb.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "examples", form, "samples", name+".json"))
	if err != nil {
		tb.Fatal(err)
	}
	data, err := engine.DecodeData(raw)
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

var stepPath = regexp.MustCompile(`^/formulare/[a-z0-9-]+/schritt/([0-9]+)`)

// fillForm starts a form and fills every step from sample until the review page: for each
// step it adds list items the sample has, posts the values of the visible fields, and posts
// again when the answers made new fields appear. It returns the review page.
func (b *browser) fillForm(f *forms.Form, sample map[string]any) *response {
	b.tb.Helper()
	id := f.Manifest.ID
	wantStatus(b.tb, "start page", b.get(formURL(id)), http.StatusOK)
	r := b.post(formURL(id), nil)
	wantStatus(b.tb, "start", r, http.StatusSeeOther)
	at := r.location
	for guard := 0; ; guard++ {
		if guard > 40 {
			b.tb.Fatalf("%s: the form does not end (at %s)", id, at)
		}
		if strings.HasPrefix(at, reviewURL(id)) {
			page := b.get(at)
			wantStatus(b.tb, "review", page, http.StatusOK)
			return page
		}
		if strings.HasPrefix(at, municipalityURL(id)) && b.municipality != "" {
			wantStatus(b.tb, "municipality question", b.get(at), http.StatusOK)
			r := b.post(municipalityURL(id), url.Values{"gemeinde": {b.municipality}})
			wantStatus(b.tb, "municipality choice", r, http.StatusSeeOther)
			at = r.location
			continue
		}
		if !stepPath.MatchString(at) {
			b.tb.Fatalf("%s: unexpected redirect to %s", id, at)
		}
		path := strings.SplitN(strings.SplitN(at, "#", 2)[0], "?", 2)[0]
		page := b.get(path)
		wantStatus(b.tb, path, page, http.StatusOK)
		// Add the list items the sample has (the draft starts with minItems items).
		if r := b.addItems(f, path, page, sample); r != nil {
			page = r
		}
		fields := pageFields(b.tb, page.body)
		values := formValues(b.tb, fields, sample)
		values.Set("_action", "weiter")
		r := b.postFiles(path, values, sampleFiles(fields, sample, page.body))
		wantStatus(b.tb, "save "+path, r, http.StatusSeeOther)
		if strings.Contains(r.location, "fehler=1") {
			shown, _ := b.follow(r)
			b.tb.Fatalf("%s: the sample is invalid on %s:\n%s", id, path, errorSummary(shown.body))
		}
		at = r.location
	}
}

var addButton = regexp.MustCompile(`value="add:(/[^"]+)"`)

// addItems presses "Weiteren … hinzufügen" until every list on the page has as many items as
// the sample, and returns the last page (or nil when nothing was added).
func (b *browser) addItems(f *forms.Form, path string, page *response, sample map[string]any) *response {
	b.tb.Helper()
	var last *response
	for guard := 0; guard < 20; guard++ {
		added := false
		for _, m := range addButton.FindAllStringSubmatch(page.body, -1) {
			list := m[1]
			want, _ := forms.Lookup(sample, list, nil)
			items, _ := want.([]any)
			if n := countItems(page.body, list); len(items) > n {
				values := formValues(b.tb, pageFields(b.tb, page.body), sample)
				values.Set("_action", "add:"+list)
				r := b.post(path, values)
				wantStatus(b.tb, "add "+list, r, http.StatusSeeOther)
				page, _ = b.follow(r)
				last, added = page, true
				break
			}
		}
		if !added {
			return last
		}
	}
	b.tb.Fatal("adding items does not end")
	return nil
}

// countItems counts the rendered items of a list ("/hunde" → fieldsets f.hunde.0, f.hunde.1 …).
func countItems(body, list string) int {
	n := 0
	for strings.Contains(body, `class="eintrag" id="f`+strings.ReplaceAll(list, "/", ".")+"."+fmt.Sprint(n)+`"`) ||
		strings.Contains(body, `name="`+list+"/"+fmt.Sprint(n)+`"`) { // an item of a list of plain values
		n++
	}
	return n
}

func errorSummary(body string) string {
	i := strings.Index(body, `id="fehler"`)
	if i < 0 {
		return "(no error summary)"
	}
	end := strings.Index(body[i:], "</div>")
	return body[i : i+end]
}

var referencePattern = regexp.MustCompile(`^/vorgang/([A-Z]{2,4}-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4})$`)

// ---------------------------------------------------------------- flows

// TestFlowExamples fills each example from its sample data through the web pages, reviews,
// submits (twice, as a double click would) and downloads the receipt.
func TestFlowExamples(t *testing.T) {
	app := newTestApp(t)
	for _, f := range app.forms.Forms() {
		t.Run(f.Manifest.ID, func(t *testing.T) {
			id := f.Manifest.ID
			b := app.browser()
			b.tb = t
			sample := loadSample(t, id, "valid")
			review := b.fillForm(f, sample)
			if !strings.Contains(review.body, "Angaben prüfen") || !strings.Contains(review.body, "Ändern") {
				t.Fatalf("review page:\n%s", clip(review.body))
			}
			for _, want := range reviewSamples[id] {
				if !strings.Contains(review.body, want) {
					t.Errorf("review page lacks %q", want)
				}
			}
			if !strings.Contains(review.body, "?zurueck=pruefen") {
				t.Error("review page has no change links back to the steps")
			}
			before := app.countRows("submissions")
			first := b.post("/formulare/"+id+"/absenden", nil)
			wantStatus(t, "submit", first, http.StatusSeeOther)
			m := referencePattern.FindStringSubmatch(first.location)
			if m == nil {
				t.Fatalf("submit redirects to %q, want /vorgang/<Vorgangsnummer>", first.location)
			}
			ref := m[1]
			again := b.post("/formulare/"+id+"/absenden", nil)
			wantStatus(t, "second submit", again, http.StatusSeeOther)
			if again.location != first.location {
				t.Errorf("second submit goes to %q, first to %q", again.location, first.location)
			}
			if n := app.countRows("submissions") - before; n != 1 {
				t.Errorf("%d submissions stored, want exactly 1", n)
			}
			sub, err := app.svc.Submission(context.Background(), ref)
			if err != nil {
				t.Fatal(err)
			}
			if out, err := app.store.Outbox(context.Background(), sub.ID); err != nil || len(out) != 1 {
				t.Errorf("outbox: %d messages, %v; want 1", len(out), err)
			}
			stored, _ := engine.DecodeData(sub.Data)
			pruned, _ := f.Prune(sample)
			if errs := engine.Validate(f, stored); len(errs) > 0 {
				t.Errorf("stored data is invalid: %v", errs)
			}
			// The files have new ids; the sample's stand for them.
			wantFiles := attachmentCount(f, pruned)
			if n := attachmentCount(f, stored); n != wantFiles {
				t.Errorf("stored data names %d files, the sample %d", n, wantFiles)
			}
			if files, err := app.store.SubmissionAttachments(context.Background(), sub.ID); err != nil || len(files) != wantFiles {
				t.Errorf("%d files stored with the submission (%v), want %d", len(files), err, wantFiles)
			}
			if fmt.Sprint(withoutFileIDs(f, stored)) != fmt.Sprint(withoutFileIDs(f, pruned)) {
				t.Errorf("stored data differs from the sample:\n got %v\nwant %v", stored, pruned)
			}

			conf := b.get(first.location)
			wantStatus(t, "confirmation", conf, http.StatusOK)
			if !strings.Contains(conf.body, ref) || !strings.Contains(conf.body, "Ihr Antrag ist eingegangen") {
				t.Errorf("confirmation page:\n%s", clip(conf.body))
			}
			pdf := b.get(receiptURL(ref))
			wantStatus(t, "receipt with cookie", pdf, http.StatusOK)
			if ct := pdf.header.Get("Content-Type"); ct != "application/pdf" || !strings.HasPrefix(pdf.body, "%PDF-") {
				t.Errorf("receipt: Content-Type %q, starts %q", ct, clip(pdf.body[:min(8, len(pdf.body))]))
			}
			if cd := pdf.header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") {
				t.Errorf("receipt: Content-Disposition %q", cd)
			}

			stranger := app.browser()
			stranger.tb = t
			if r := stranger.get(receiptURL(ref)); r.status != http.StatusNotFound && r.status != http.StatusForbidden {
				t.Errorf("receipt without cookie or token: status %d", r.status)
			}
			if r := stranger.get(first.location); r.status != http.StatusNotFound {
				t.Errorf("confirmation without cookie or token: status %d", r.status)
			}
			if r := stranger.get(receiptURL(ref) + "?token=falsch"); r.status != http.StatusNotFound {
				t.Errorf("receipt with a wrong token: status %d", r.status)
			}
			r := stranger.get(receiptURL(ref) + "?token=" + url.QueryEscape(sub.AccessToken))
			wantStatus(t, "receipt with token", r, http.StatusOK)
			if !strings.HasPrefix(r.body, "%PDF-") {
				t.Error("receipt with token is no PDF")
			}
			// After submitting, the review page leads to the confirmation.
			if r := b.get(reviewURL(id)); r.status != http.StatusSeeOther || r.location != first.location {
				t.Errorf("review after submit: %d → %q", r.status, r.location)
			}
		})
	}
}

// reviewSamples are answers from the samples that the review page must show.
var reviewSamples = map[string][]string{
	"hundesteuer":         {"Bello", "Frieda", "Magyar Vizsla", "Tierheim Musterstadt e. V.", "Ørsted-Ñúñez", "15.03.2021", "Hund 2"},
	"gewerbeanmeldung":    {"Ørsted Möbelbau GmbH", "Schreinerei Weiß &amp; Söhne OHG", "Handwerkskammer Musterstadt", "01.10.2025"},
	"bewohnerparkausweis": {"M-AB 1234", "Škoda", "Ørsted Möbelbau GmbH"},
}

// TestStepValidationKeepsValues: a step with errors comes back with the error summary, the
// message at the field and the typed values, also the invalid ones.
func TestStepValidationKeepsValues(t *testing.T) {
	app := newTestApp(t)
	b := app.browser()
	b.get(formURL("hundesteuer"))
	wantStatus(t, "start", b.post(formURL("hundesteuer"), nil), http.StatusSeeOther)
	step1 := stepURL("hundesteuer", 0)
	b.get(step1)
	r := b.post(step1, url.Values{
		"/halter/vornamen":     {"Łukasz"},
		"/halter/geburtsdatum": {"31.02.1985"},
		"/anschrift/plz":       {"1234x"},
		"/anschrift/strasse":   {"<b>Lindenstraße</b>"},
		"_action":              {"weiter"},
	})
	wantStatus(t, "save invalid step", r, http.StatusSeeOther)
	if !strings.HasSuffix(r.location, "?fehler=1#fehler") {
		t.Fatalf("redirect to %q, want the same step with #fehler", r.location)
	}
	page, _ := b.follow(r)
	wantStatus(t, "step with errors", page, http.StatusOK)
	for _, want := range []string{
		`id="fehler" role="alert" tabindex="-1"`, `value="Łukasz"`, `value="1234x"`, `value="31.02.1985"`,
		`value="&lt;b&gt;Lindenstraße&lt;/b&gt;"`, `aria-invalid="true"`, `href="#f.halter.familienname"`,
		`<title>Fehler: `,
	} {
		if !strings.Contains(page.body, want) {
			t.Errorf("step with errors lacks %s", want)
		}
	}
	if strings.Contains(page.body, "<b>Lindenstraße") {
		t.Error("typed markup is not escaped")
	}
	// Without ?fehler=1 (a first visit) the page shows no errors.
	if p := b.get(step1); strings.Contains(p.body, `id="fehler"`) || !strings.Contains(p.body, `value="1234x"`) {
		t.Error("a plain visit shows errors, or lost the typed value")
	}
	// Clearing everything and continuing is not possible either.
	r = b.post(step1, url.Values{"_action": {"weiter"}})
	if p, _ := b.follow(r); !strings.Contains(p.body, `id="fehler"`) {
		t.Error("an empty required step passes")
	}
}

// TestHundesteuerRulesAndLists: a rule shows a field without JavaScript (the page comes
// again with a note), the script's endpoint reports the same, and dogs can be added up to
// five and removed down to one.
func TestHundesteuerRulesAndLists(t *testing.T) {
	app := newTestApp(t)
	b := app.browser()
	b.get(formURL("hundesteuer"))
	b.post(formURL("hundesteuer"), nil)
	step2 := stepURL("hundesteuer", 1)
	page := b.get(step2)
	wantStatus(t, "step 2", page, http.StatusOK)
	if !strings.Contains(page.body, `id="b.hunde.0.vorbesitzer" hidden`) {
		t.Fatal("vorbesitzer should be hidden before the question is answered")
	}
	if strings.Contains(page.body, `value="remove:/hunde/0"`) {
		t.Error("remove button at minItems")
	}

	// The script asks the server which fields to show.
	vr := b.post(step2+"/sichtbarkeit", url.Values{"/hunde/0/vorbesitzerVorhanden": {"true"}, "_js": {"1"}})
	wantStatus(t, "visibility", vr, http.StatusOK)
	if !strings.Contains(vr.body, `{"id":"b.hunde.0.vorbesitzer","hidden":false,"disabled":false}`) {
		t.Errorf("visibility answer: %s", vr.body)
	}

	// Without the script: "Weiter" shows the page again with the new field and a note.
	r := b.post(step2, url.Values{"/hunde/0/name": {"Bello"}, "/hunde/0/vorbesitzerVorhanden": {"true"}, "_action": {"weiter"}})
	wantStatus(t, "save", r, http.StatusSeeOther)
	if !strings.Contains(r.location, "hinweis=neu") {
		t.Fatalf("redirect to %q, want the same page with the note on new questions", r.location)
	}
	page, _ = b.follow(r)
	if !strings.Contains(page.body, `id="b.hunde.0.vorbesitzer">`) || !strings.Contains(page.body, `name="/hunde/0/vorbesitzer/name"`) {
		t.Fatal("vorbesitzer not shown after the rule changed")
	}
	if !strings.Contains(page.body, "weitere Fragen hinzugekommen") || !strings.Contains(page.body, `value="Bello"`) {
		t.Error("the page lacks the note or the typed name")
	}
	// "Aktualisieren" applies rules too.
	r = b.post(step2, url.Values{"/hunde/0/name": {"Bello"}, "/hunde/0/vorbesitzerVorhanden": {"false"}, "_action": {"refresh"}})
	page, _ = b.follow(r)
	if !strings.Contains(page.body, `id="b.hunde.0.vorbesitzer" hidden`) {
		t.Error("refresh does not hide vorbesitzer again")
	}
	// "Aktualisieren" that reveals questions brings the citizen back to the first of them.
	r = b.post(step2, url.Values{"/hunde/0/name": {"Bello"}, "/hunde/0/vorbesitzerVorhanden": {"true"}, "_action": {"refresh"}})
	wantStatus(t, "refresh", r, http.StatusSeeOther)
	_, fragment, _ := strings.Cut(r.location, "#")
	if fragment == "" || !strings.Contains(page.body, `id="`+fragment+`"`) || !strings.HasPrefix(fragment, "f.hunde.0.vorbesitzer") {
		t.Errorf("refresh redirects to %q, want the first revealed field of the page", r.location)
	}

	// Add dogs up to the maximum of five.
	for i := 1; i < 5; i++ {
		r = b.post(step2, url.Values{"/hunde/0/name": {"Bello"}, "_action": {"add:/hunde"}})
		wantStatus(t, "add", r, http.StatusSeeOther)
		if want := fmt.Sprintf("#f.hunde.%d", i); !strings.HasSuffix(r.location, want) {
			t.Errorf("add goes to %q, want %s", r.location, want)
		}
		page, _ = b.follow(r)
	}
	if n := countItems(page.body, "/hunde"); n != 5 {
		t.Fatalf("%d dogs, want 5", n)
	}
	if strings.Contains(page.body, `value="add:/hunde"`) {
		t.Error("add button at maxItems")
	}
	if !strings.Contains(page.body, `value="Bello"`) || !strings.Contains(page.body, "Hund 5") {
		t.Error("values or item labels lost while adding")
	}
	// A sixth add is ignored.
	r = b.post(step2, url.Values{"_action": {"add:/hunde"}})
	page, _ = b.follow(r)
	if n := countItems(page.body, "/hunde"); n != 5 {
		t.Errorf("%d dogs after adding at the maximum", n)
	}
	// Remove dog 2: dog 1 keeps its name.
	r = b.post(step2, url.Values{"/hunde/0/name": {"Bello"}, "/hunde/1/name": {"Frieda"}, "/hunde/2/name": {"Rex"}, "_action": {"remove:/hunde/1"}})
	wantStatus(t, "remove", r, http.StatusSeeOther)
	page, _ = b.follow(r)
	if n := countItems(page.body, "/hunde"); n != 4 {
		t.Errorf("%d dogs after removing one, want 4", n)
	}
	if !strings.Contains(page.body, `name="/hunde/1/name" value="Rex"`) || strings.Contains(page.body, "Frieda") {
		t.Error("removing dog 2 did not move dog 3 up")
	}
	for i := 3; i >= 1; i-- {
		r = b.post(step2, url.Values{"_action": {fmt.Sprintf("remove:/hunde/%d", i)}})
		page, _ = b.follow(r)
	}
	if n := countItems(page.body, "/hunde"); n != 1 {
		t.Errorf("%d dogs, want 1", n)
	}
	r = b.post(step2, url.Values{"_action": {"remove:/hunde/0"}})
	page, _ = b.follow(r)
	if n := countItems(page.body, "/hunde"); n != 1 {
		t.Errorf("removing the last dog: %d dogs, want 1 (minItems)", n)
	}
}

// TestSaveAndResume: "Zwischenspeichern" shows a code; a fresh browser continues with it
// and sees the answers; the code works once; unknown codes get a clear page.
func TestSaveAndResume(t *testing.T) {
	app := newTestApp(t)
	b := app.browser()
	b.get(formURL("gewerbeanmeldung"))
	b.post(formURL("gewerbeanmeldung"), nil)
	step1 := stepURL("gewerbeanmeldung", 0)
	b.get(step1)
	r := b.post(step1, url.Values{"/inhaber/familienname": {"Ørsted-Ñúñez"}, "/rechtsform": {"gmbh"}, "_action": {"speichern"}})
	wantStatus(t, "save for later", r, http.StatusOK)
	code := regexp.MustCompile(`<p class="code">([2-9A-HJ-NP-Z]{4}(?:-[2-9A-HJ-NP-Z]{4}){6})</p>`).FindStringSubmatch(r.body)
	if code == nil {
		t.Fatalf("no resume code on the page:\n%s", clip(r.body))
	}
	for _, want := range []string{"geheim", "gelten bis", "/fortsetzen/" + code[1]} {
		if !strings.Contains(r.body, want) {
			t.Errorf("saved page lacks %q", want)
		}
	}

	other := app.browser()
	wantStatus(t, "resume page", other.get("/fortsetzen"), http.StatusOK)
	res := other.post("/fortsetzen", url.Values{"code": {strings.ToLower(code[1])}})
	wantStatus(t, "resume", res, http.StatusSeeOther)
	page, _ := other.follow(res)
	wantStatus(t, "resumed step", page, http.StatusOK)
	if !strings.Contains(page.body, `value="Ørsted-Ñúñez"`) {
		t.Errorf("resumed draft lacks the typed name:\n%s", clip(page.body))
	}
	// The code was used; it works only once, and the first browser's draft moved away.
	again := app.browser()
	again.get("/fortsetzen")
	r = again.post("/fortsetzen", url.Values{"code": {code[1]}})
	wantStatus(t, "resume twice", r, http.StatusNotFound)
	if !strings.Contains(r.body, "nicht bekannt oder wurde schon verwendet") {
		t.Errorf("second use: %s", clip(r.body))
	}
	if r := b.get(step1); r.status != http.StatusNotFound && r.status != http.StatusGone {
		t.Errorf("the first browser still reaches the moved draft: %d", r.status)
	}

	// The link works the same way.
	r = other.post(step1, url.Values{"/inhaber/familienname": {"Ørsted-Ñúñez"}, "_action": {"speichern"}})
	code = regexp.MustCompile(`/fortsetzen/([2-9A-HJ-NP-Z-]+)"`).FindStringSubmatch(r.body)
	if code == nil {
		t.Fatal("no resume link")
	}
	third := app.browser()
	r = third.get("/fortsetzen/" + code[1])
	wantStatus(t, "resume link", r, http.StatusSeeOther)
	if strings.Contains(r.location, code[1]) {
		t.Error("the code stays in the URL")
	}
	r = third.get("/fortsetzen/AAAA-BBBB")
	wantStatus(t, "unknown code", r, http.StatusNotFound)
	if !strings.Contains(r.body, `<html lang="de"`) || !strings.Contains(r.body, "Dieser Code ist uns nicht bekannt") {
		t.Errorf("unknown code page:\n%s", clip(r.body))
	}
}

// TestLanguageSwitch: ?lang=en switches the built-in texts and the form's texts, is
// remembered, and stored in the draft.
func TestLanguageSwitch(t *testing.T) {
	app := newTestApp(t)
	b := app.browser()
	r := b.get(formURL("hundesteuer") + "?lang=en")
	if !strings.Contains(r.body, `<html lang="en"`) || !strings.Contains(r.body, "Registering a dog for dog tax") || !strings.Contains(r.body, "Start application") {
		t.Fatalf("English start page:\n%s", clip(r.body))
	}
	b.post(formURL("hundesteuer"), nil)
	page := b.get(stepURL("hundesteuer", 0))
	if !strings.Contains(page.body, `<html lang="en"`) || !strings.Contains(page.body, "Step 1 of 4") || !strings.Contains(page.body, "Surname") {
		t.Errorf("English step page:\n%s", clip(page.body))
	}
	d, err := app.svc.Draft(context.Background(), b.cookie(cookieDraft+"hundesteuer"))
	if err != nil || d.Lang != "en" {
		t.Errorf("draft language %v, %v; want en", d, err)
	}
	page = b.get(stepURL("hundesteuer", 0) + "?lang=de")
	if !strings.Contains(page.body, `<html lang="de"`) || !strings.Contains(page.body, "Schritt 1 von 4") {
		t.Error("switching back to German failed")
	}
}

// TestSecurityHeaders checks the headers of a page and of a static file.
func TestSecurityHeaders(t *testing.T) {
	app := newTestApp(t)
	b := app.browser()
	r := b.get("/")
	for k, want := range map[string]string{
		"Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:",
		"X-Content-Type-Options":  "nosniff",
		"Referrer-Policy":         "no-referrer",
		"X-Frame-Options":         "DENY",
		"Permissions-Policy":      "camera=()",
		"Cache-Control":           "no-store",
	} {
		if got := r.header.Get(k); !strings.Contains(got, want) {
			t.Errorf("%s: %q, want %q", k, got, want)
		}
	}
	if r.header.Get("Strict-Transport-Security") != "" {
		t.Error("HSTS without TLS")
	}
	for _, f := range []string{"app.css", "app.js", "logo.svg", "theme.css"} {
		r := b.get("/static/" + f + "?v=" + app.server.html.Version())
		wantStatus(t, f, r, http.StatusOK)
		if !strings.Contains(r.header.Get("Cache-Control"), "immutable") {
			t.Errorf("%s: Cache-Control %q", f, r.header.Get("Cache-Control"))
		}
	}
	wantStatus(t, "healthz", b.get("/healthz"), http.StatusOK)
	// Cookies: HttpOnly, SameSite=Lax.
	req, _ := http.NewRequest(http.MethodGet, app.http.URL+"/formulare/hundesteuer", nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	for _, c := range res.Header.Values("Set-Cookie") {
		if !strings.Contains(c, "HttpOnly") || !strings.Contains(c, "SameSite=Lax") {
			t.Errorf("cookie %q", c)
		}
	}
}

// TestTrustedProxyTLS: behind a proxy that says HTTPS, cookies are Secure and HSTS is set.
func TestTrustedProxyTLS(t *testing.T) {
	app := newTestApp(t, func(c *Config, _ *sqlite.Options) { c.TrustProxy = true })
	req, _ := http.NewRequest(http.MethodGet, app.http.URL+"/formulare/hundesteuer", nil)
	req.Header.Set("X-Forwarded-Proto", "https")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.Header.Get("Strict-Transport-Security") == "" {
		t.Error("no HSTS behind a TLS proxy")
	}
	for _, c := range res.Header.Values("Set-Cookie") {
		if !strings.Contains(c, "Secure") {
			t.Errorf("cookie without Secure: %q", c)
		}
	}
}
