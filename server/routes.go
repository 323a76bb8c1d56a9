package server

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// registerRoutes wires the URLs (German, as citizens read them) to the handlers. Every POST
// goes through the rate limit, the cross-site check, the body limit and the CSRF check.
func (s *Server) registerRoutes() {
	e := s.echo
	e.Use(s.requestLog, s.recoverPanic, s.securityHeaders, s.language)
	post := []echo.MiddlewareFunc{s.rateLimit, s.crossSite, s.readForm, s.checkCSRF}

	s.route(http.MethodGet, "/", s.formIndex)
	s.route(http.MethodGet, "/healthz", s.health)
	s.route(http.MethodGet, "/static/:file", s.static)

	s.route(http.MethodGet, "/formulare/:id", s.formStart)
	s.route(http.MethodPost, "/formulare/:id", s.draftCreate, post...)
	s.route(http.MethodGet, "/formulare/:id/schritt/:n", s.stepShow)
	s.route(http.MethodPost, "/formulare/:id/schritt/:n", s.stepSave, post...)
	s.route(http.MethodPost, "/formulare/:id/schritt/:n/sichtbarkeit", s.visibility, post...)
	s.route(http.MethodGet, "/formulare/:id/pruefen", s.reviewShow)
	s.route(http.MethodPost, "/formulare/:id/absenden", s.submissionCreate, post...)
	s.route(http.MethodPost, "/formulare/:id/zwischenspeichern", s.draftSaveForLater, post...)

	s.route(http.MethodGet, "/vorgang/:reference", s.confirmationShow)
	s.route(http.MethodGet, "/vorgang/:reference/eingangsbestaetigung.pdf", s.receiptDownload)

	s.route(http.MethodGet, "/fortsetzen", s.resumeShow)
	s.route(http.MethodPost, "/fortsetzen", s.resumeCreate, post...)
	s.route(http.MethodGet, "/fortsetzen/:code", s.resumeLink, s.rateLimit)
}

func (s *Server) route(method, path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) {
	s.echo.Add(method, path, h, m...)
	if method == http.MethodGet {
		s.echo.Add(http.MethodHead, path, h, m...)
	}
	s.routes[path] = true
}

// URLs of the pages. Form ids and Vorgangsnummern consist of URL-safe characters.
func formURL(id string) string   { return "/formulare/" + id }
func reviewURL(id string) string { return "/formulare/" + id + "/pruefen" }
func stepURL(id string, page int) string {
	return "/formulare/" + id + "/schritt/" + itoa(page+1)
}
func confirmationURL(ref string) string { return "/vorgang/" + ref }
func receiptURL(ref string) string      { return "/vorgang/" + ref + "/eingangsbestaetigung.pdf" }
