package server

import (
	"context"
	"database/sql"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ozgform/ozgform/engine/sqlite"
)

// germanPage asserts that a response is a German page with a German sentence, and no 500.
func germanPage(t *testing.T, what string, r *response, status int, sentence string) {
	t.Helper()
	if r.status == http.StatusInternalServerError {
		t.Fatalf("%s: 500\n%s", what, clip(r.body))
	}
	if r.status != status {
		t.Errorf("%s: status %d, want %d\n%s", what, r.status, status, clip(r.body))
	}
	if !strings.Contains(r.body, `<html lang="de"`) {
		t.Errorf("%s: not a German page:\n%s", what, clip(r.body))
	}
	if !strings.Contains(r.body, sentence) {
		t.Errorf("%s: page lacks %q:\n%s", what, sentence, clip(r.body))
	}
}

// TestBadInput: requests no page of ours sends get a clear German page, never a 500.
func TestBadInput(t *testing.T) {
	app := newTestApp(t)
	b := app.browser()
	b.get(formURL("hundesteuer"))
	b.post(formURL("hundesteuer"), nil)
	step1 := stepURL("hundesteuer", 0)
	b.get(step1)
	token := b.csrf
	form := func(pairs ...string) string {
		v := url.Values{"_csrf": {token}}
		for i := 0; i+1 < len(pairs); i += 2 {
			v.Add(pairs[i], pairs[i+1])
		}
		return v.Encode()
	}
	many := make([]string, 0, 20000)
	for i := 0; i < 10000; i++ {
		many = append(many, "/halter/vornamen", "x")
	}
	tests := []struct {
		name     string
		method   string
		path     string
		body     string
		header   map[string]string
		status   int
		sentence string
	}{
		{"unknown form", "GET", "/formulare/gibt-es-nicht", "", nil, 404, "Diese Seite gibt es nicht"},
		{"unknown form step", "GET", "/formulare/gibt-es-nicht/schritt/1", "", nil, 404, "Diese Seite gibt es nicht"},
		{"unknown step", "GET", "/formulare/hundesteuer/schritt/99", "", nil, 404, "Diese Seite gibt es nicht"},
		{"step zero", "GET", "/formulare/hundesteuer/schritt/0", "", nil, 404, "Diese Seite gibt es nicht"},
		{"step not a number", "GET", "/formulare/hundesteuer/schritt/eins", "", nil, 404, "Diese Seite gibt es nicht"},
		{"step with leading zero", "GET", "/formulare/hundesteuer/schritt/01", "", nil, 404, "Diese Seite gibt es nicht"},
		{"unknown route", "GET", "/wp-admin.php", "", nil, 404, "Diese Seite gibt es nicht"},
		{"unknown submission", "GET", "/vorgang/HST-2222-2222", "", nil, 404, "Diese Seite gibt es nicht"},
		{"unknown static file", "GET", "/static/geheim.txt", "", nil, 404, "Diese Seite gibt es nicht"},
		{"unknown field name", "POST", step1, form("/gibt/es/nicht", "1"), nil, 400, "ein Feld, das es auf dieser Seite nicht gibt"},
		{"field of another page", "POST", step1, form("/sepaMandat", "true"), nil, 400, "ein Feld, das es auf dieser Seite nicht gibt"},
		{"item that does not exist", "POST", stepURL("hundesteuer", 1), form("/hunde/7/name", "Rex"), nil, 400, "ein Feld, das es auf dieser Seite nicht gibt"},
		{"tampered hidden field", "POST", step1, form("_admin", "1"), nil, 400, "ein Feld, das es auf dieser Seite nicht gibt"},
		{"tampered action", "POST", step1, form("_action", "remove:/halter"), nil, 400, "Diese Aktion ist auf dieser Seite nicht möglich"},
		{"action for a list of another page", "POST", step1, form("_action", "add:/hunde"), nil, 400, "Diese Aktion ist auf dieser Seite nicht möglich"},
		{"overlong value", "POST", step1, form("/halter/vornamen", strings.Repeat("a", 10001)), nil, 400, "Eine Eingabe ist viel zu lang"},
		{"invalid UTF-8", "POST", step1, "_csrf=" + token + "&%2Fhalter%2Fvornamen=%FF%FE", nil, 400, "kein gültiges UTF-8"},
		{"malformed encoding", "POST", step1, "_csrf=" + token + "&%2Fhalter%2Fvornamen=%ZZ", nil, 400, "konnten nicht gelesen werden"},
		{"10,000 fields", "POST", step1, form(many...), nil, 400, "zu viele Felder"},
		{"repeated field", "POST", step1, form("/halter/vornamen", "a", "/halter/vornamen", "b"), nil, 400, "ein Feld mehrfach"},
		{"repeated CSRF token", "POST", step1, form("_csrf", token), nil, 400, "ein Feld, das es auf dieser Seite nicht gibt"},
		{"missing CSRF token", "POST", step1, "%2Fhalter%2Fvornamen=x", nil, 403, "Sicherheitsprüfung fehlgeschlagen"},
		{"wrong CSRF token", "POST", step1, "_csrf=abc&%2Fhalter%2Fvornamen=x", nil, 403, "Sicherheitsprüfung fehlgeschlagen"},
		{"cross-site request", "POST", step1, form("/halter/vornamen", "x"), map[string]string{"Sec-Fetch-Site": "cross-site"}, 403, "Sicherheitsprüfung fehlgeschlagen"},
		{"multipart body", "POST", step1, "--x\r\n", map[string]string{"Content-Type": "multipart/form-data; boundary=x"}, 400, "konnten nicht gelesen werden"},
		{"2 MB body", "POST", step1, form("/halter/vornamen", strings.Repeat("ä", 1<<20)), nil, 413, "Die gesendeten Daten sind zu groß"},
		{"wrong method", "PUT", step1, "", nil, 405, "Diese Seite gibt es nicht"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, app.http.URL+tc.path, strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			if tc.method == "POST" {
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
			for k, v := range tc.header {
				req.Header.Set(k, v)
			}
			b.tb = t
			germanPage(t, tc.name, b.do(req), tc.status, tc.sentence)
		})
	}
	// Nothing of that changed the draft: the step still saves.
	b.tb = t
	r := b.post(step1, url.Values{"/halter/vornamen": {"Łukasz"}})
	wantStatus(t, "normal save after bad input", r, http.StatusSeeOther)
}

// TestNoDraft: a step without a draft cookie goes to the start page; an unknown draft gets a
// German page with the way to start again.
func TestNoDraft(t *testing.T) {
	app := newTestApp(t)
	b := app.browser()
	r := b.get(stepURL("hundesteuer", 0))
	if r.status != http.StatusSeeOther || r.location != formURL("hundesteuer") {
		t.Errorf("step without draft: %d → %q", r.status, r.location)
	}
	u, _ := url.Parse(app.http.URL)
	b.c.Jar.SetCookies(u, []*http.Cookie{{Name: cookieDraft + "hundesteuer", Value: "3f0c1a9e-0000-4000-8000-000000000000", Path: "/"}})
	germanPage(t, "unknown draft", b.get(stepURL("hundesteuer", 0)), http.StatusNotFound, "Bitte beginnen Sie den Antrag neu")
	if r := b.get(stepURL("hundesteuer", 0)); !strings.Contains(r.body, `href="/formulare/hundesteuer"`) {
		t.Error("no link to start again")
	}
}

// TestExpiredDraft: a draft past its lifetime gets the German "Sitzung abgelaufen" page.
func TestExpiredDraft(t *testing.T) {
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	app := newTestApp(t, func(_ *Config, o *sqlite.Options) { o.Now = clock })
	app.svc.Now = clock
	b := app.browser()
	b.get(formURL("hundesteuer"))
	b.post(formURL("hundesteuer"), nil)
	now = now.Add(31 * 24 * time.Hour)
	germanPage(t, "expired draft", b.get(stepURL("hundesteuer", 0)), http.StatusGone, "Ihre Sitzung ist abgelaufen")
}

// TestRateLimit: rapid POSTs from one client get the German 429 page.
func TestRateLimit(t *testing.T) {
	app := newTestApp(t, func(c *Config, _ *sqlite.Options) { c.RateLimit, c.RateBurst = 2, 5 })
	b := app.browser()
	b.get(formURL("hundesteuer"))
	var last *response
	for i := 0; i < 20; i++ {
		last = b.post("/fortsetzen", url.Values{"code": {"AAAA"}})
		if last.status == http.StatusTooManyRequests {
			break
		}
	}
	germanPage(t, "rapid POSTs", last, http.StatusTooManyRequests, "Bitte warten Sie einen Moment")
	if last.header.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
	// GETs are not limited.
	wantStatus(t, "GET after the limit", b.get("/"), http.StatusOK)
}

// TestSubmitDatabaseLocked: while another process holds the SQLite write lock, submitting
// fails with the German 503 page; the draft is kept and a later submit succeeds.
func TestSubmitDatabaseLocked(t *testing.T) {
	app := newTestApp(t, func(_ *Config, o *sqlite.Options) { o.BusyTimeout = 300 * time.Millisecond })
	f := app.forms.Get("bewohnerparkausweis")
	b := app.browser()
	b.fillForm(f, loadSample(t, "bewohnerparkausweis", "valid"))

	db, err := sql.Open("sqlite", app.dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(context.Background(), "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	r := b.post("/formulare/bewohnerparkausweis/absenden", nil)
	germanPage(t, "submit while locked", r, http.StatusServiceUnavailable, "Ihre Angaben wurden nicht gesendet. Bitte versuchen Sie es in einigen Minuten erneut; Ihre Eingaben bleiben gespeichert.")
	if _, err := conn.ExecContext(context.Background(), "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	conn.Close()
	if n := app.countRows("submissions"); n != 0 {
		t.Errorf("%d submissions after the failed submit", n)
	}
	if _, err := app.svc.Draft(context.Background(), b.cookie(cookieDraft+"bewohnerparkausweis")); err != nil {
		t.Fatalf("draft lost: %v", err)
	}
	r = b.post("/formulare/bewohnerparkausweis/absenden", nil)
	wantStatus(t, "submit after the lock", r, http.StatusSeeOther)
	if referencePattern.FindStringSubmatch(r.location) == nil {
		t.Errorf("redirect to %q", r.location)
	}
}

// TestSubmitStoreClosed: with the store gone, submit answers 503 in German; the draft is
// still in the database file.
func TestSubmitStoreClosed(t *testing.T) {
	app := newTestApp(t)
	f := app.forms.Get("hundesteuer")
	b := app.browser()
	b.fillForm(f, loadSample(t, "hundesteuer", "valid"))
	if err := app.store.Close(); err != nil {
		t.Fatal(err)
	}
	r := b.post("/formulare/hundesteuer/absenden", nil)
	germanPage(t, "submit with the store closed", r, http.StatusServiceUnavailable, "Ihre Angaben wurden nicht gesendet")
	store, err := sqlite.Open(context.Background(), app.dbPath, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	app.store = store
	if _, err := store.Draft(context.Background(), b.cookie(cookieDraft+"hundesteuer")); err != nil {
		t.Errorf("draft lost: %v", err)
	}
	if n := app.countRows("submissions"); n != 0 {
		t.Errorf("%d submissions", n)
	}
}

// TestPanicGives500: the last resort turns a panic into the German 500 page with the
// request id.
func TestPanicGives500(t *testing.T) {
	app := newTestApp(t)
	app.server.echo.GET("/test-panic", func(c echo.Context) error { panic("boom") })
	rec := httptest.NewRecorder()
	app.server.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/test-panic", nil))
	if rec.Code != http.StatusInternalServerError {
		t.Fatalf("status %d", rec.Code)
	}
	id := rec.Header().Get("X-Request-Id")
	if id == "" || !strings.Contains(rec.Body.String(), "Interner Fehler (Referenz "+id+")") {
		t.Errorf("500 page without the request id %q:\n%s", id, clip(rec.Body.String()))
	}
}
