package server

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/ozgform/ozgform/engine"
	"github.com/ozgform/ozgform/renderer"
)

// registerRoutes wires the URLs (German, as citizens read them) to the handlers. Every POST
// goes through the rate limit, the cross-site check, the body limit and the CSRF check.
func (s *Server) registerRoutes() {
	e := s.echo
	e.Use(s.requestLog, s.recoverPanic, s.securityHeaders, s.language)
	post := []echo.MiddlewareFunc{s.rateLimit, s.crossSite, s.readForm, s.checkCSRF}
	// Step pages may send files (multipart, streamed; see upload.go).
	// The longer upload deadline only after the CSRF check.
	upload := []echo.MiddlewareFunc{s.rateLimit, s.crossSite, s.readUpload, s.checkCSRF, s.uploadDeadline}

	s.route(http.MethodGet, "/", s.formIndex)
	s.route(http.MethodGet, renderer.AccessibilityPath, s.accessibilityShow)
	s.route(http.MethodGet, "/healthz", s.health)
	s.route(http.MethodGet, "/readyz", s.ready)
	if s.cfg.Metrics != nil && s.cfg.MetricsToken != "" {
		// The metrics (Go version, destinations, delivery figures) are for the operator:
		// on the citizens' listener only with the token; see MetricsHandler.
		s.route(http.MethodGet, "/metrics", s.metricsHandler(), s.metricsAuth)
	}

	// The pull API of the back offices (api_auth.go): bearer tokens instead of cookies, so no
	// CSRF check; errors as problem details (api_problem.go). openapi.json describes it.
	api := []echo.MiddlewareFunc{s.apiAuth}
	s.route(http.MethodGet, "/api/v1/openapi.json", s.apiOpenAPI)
	s.route(http.MethodGet, "/api/v1/submissions", s.apiSubmissionList, api...)
	s.route(http.MethodGet, "/api/v1/submissions/:id", s.apiSubmissionShow, api...)
	s.route(http.MethodGet, "/api/v1/submissions/:id/receipt", s.apiReceiptShow, api...)
	s.route(http.MethodGet, "/api/v1/submissions/:id/deliveries", s.apiSubmissionDeliveries, api...)
	s.route(http.MethodGet, "/api/v1/submissions/:id/attachments/:attachmentId", s.apiAttachmentShow, api...)
	s.route(http.MethodPost, "/api/v1/submissions/:id/ack", s.apiAck, s.rateLimit, s.apiAuth, s.apiBodyLimit)
	s.route(http.MethodGet, "/static/:file", s.static)

	s.route(http.MethodGet, "/formulare/:id", s.formStart)
	s.route(http.MethodPost, "/formulare/:id", s.draftCreate, post...)
	s.route(http.MethodGet, "/formulare/:id/schritt/:n", s.stepShow)
	s.route(http.MethodPost, "/formulare/:id/schritt/:n", s.stepSave, upload...)
	s.route(http.MethodPost, "/formulare/:id/schritt/:n/sichtbarkeit", s.visibility, post...)
	s.route(http.MethodGet, "/formulare/:id/pruefen", s.reviewShow)
	s.route(http.MethodPost, "/formulare/:id/pruefen", s.reviewAction, post...)
	s.route(http.MethodPost, "/formulare/:id/absenden", s.submissionCreate, post...)
	s.route(http.MethodPost, "/formulare/:id/zwischenspeichern", s.draftSaveForLater, post...)
	s.route(http.MethodGet, "/formulare/:id/gemeinde", s.municipalityShow)
	s.route(http.MethodPost, "/formulare/:id/gemeinde", s.municipalityChoose, post...)
	s.route(http.MethodGet, "/formulare/:id/nicht-verfuegbar", s.municipalityUnserved)

	s.route(http.MethodGet, "/vorgang/:reference", s.confirmationShow)
	s.route(http.MethodGet, "/vorgang/:reference/eingangsbestaetigung.pdf", s.receiptDownload)

	s.route(http.MethodGet, engine.PayloadSchemaURI, s.payloadSchemaShow)
	s.route(http.MethodGet, engine.PayloadSchemaURIEfA, s.payloadSchemaShowEfA)
	s.route(http.MethodGet, "/schemas/forms/:id/:version/schema.json", s.formSchemaShow)
	s.route(http.MethodGet, "/schemas/bausteine/v1/:name", s.blockSchemaShow)

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
