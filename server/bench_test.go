package server

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// BenchmarkStepGET measures a step page of the Gewerbeanmeldung with a draft cookie: draft
// lookup in SQLite, visibility, rendering, middleware.
func BenchmarkStepGET(b *testing.B) {
	app := newTestApp(b)
	br := app.browser()
	br.fillForm(app.forms.Get("gewerbeanmeldung"), loadSample(b, "gewerbeanmeldung", "valid"))
	cookie := cookieDraft + "gewerbeanmeldung=" + br.cookie(cookieDraft+"gewerbeanmeldung") +
		"; " + cookieSession + "=" + br.cookie(cookieSession)
	h := app.server.Handler()
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodGet, "/formulare/gewerbeanmeldung/schritt/1", nil)
		req.Header.Set("Cookie", cookie)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "Ørsted-Ñúñez") {
			b.Fatalf("status %d", rec.Code)
		}
	}
}
