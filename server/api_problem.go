package server

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/ozgform/ozgform/engine"
)

// The pull API (/api/v1) answers errors as problem details (RFC 9457, application/problem+json)
// with a German title and detail, never with an HTML page: its clients are programs. The status
// of an engine error comes from the one table, kindPages.

// problemTypeBase prefixes the problem types; the OpenAPI document lists them.
const problemTypeBase = "https://ozgform.de/probleme/"

// problemTypes names the problem type and the German title of each status the API answers.
var problemTypes = map[int]struct{ slug, title string }{
	http.StatusBadRequest:            {"ungueltige-anfrage", "Ungültige Anfrage"},
	http.StatusUnauthorized:          {"nicht-angemeldet", "Nicht angemeldet"},
	http.StatusForbidden:             {"kein-zugriff", "Kein Zugriff"},
	http.StatusNotFound:              {"nicht-gefunden", "Nicht gefunden"},
	http.StatusMethodNotAllowed:      {"methode-nicht-erlaubt", "Methode nicht erlaubt"},
	http.StatusConflict:              {"konflikt", "Konflikt"},
	http.StatusGone:                  {"geloescht", "Daten gelöscht"},
	http.StatusRequestEntityTooLarge: {"zu-gross", "Anfrage zu groß"},
	http.StatusTooManyRequests:       {"zu-viele-anfragen", "Zu viele Anfragen"},
	http.StatusInternalServerError:   {"interner-fehler", "Interner Fehler"},
	http.StatusServiceUnavailable:    {"nicht-verfuegbar", "Vorübergehend nicht verfügbar"},
}

// problem is the body of an error answer of the API.
type problem struct {
	Type      string `json:"type"`
	Title     string `json:"title"`
	Status    int    `json:"status"`
	Detail    string `json:"detail"`
	Instance  string `json:"instance,omitempty"`  // the request's path
	RequestID string `json:"requestId,omitempty"` // for the operator's log
}

// apiError is an error a handler of the API returns with its status and German detail.
// Headers are set on the answer (WWW-Authenticate, Retry-After).
type apiError struct {
	status  int
	detail  string
	headers map[string]string
	cause   error // for the log of a 5xx
}

func (e *apiError) Error() string {
	if e.cause != nil {
		return strconv.Itoa(e.status) + " " + e.detail + ": " + e.cause.Error()
	}
	return strconv.Itoa(e.status) + " " + e.detail
}

func (e *apiError) Unwrap() error { return e.cause }

func apiErr(status int, detail string) *apiError { return &apiError{status: status, detail: detail} }

// isAPIRequest reports whether the request is one of the API, whose errors are problem
// details.
func isAPIRequest(c echo.Context) bool {
	return strings.HasPrefix(c.Request().URL.Path, "/api/")
}

// apiProblem answers an error of an API request (handleError sends them here).
func (s *Server) apiProblem(err error, c echo.Context) {
	p := problem{Instance: c.Request().URL.Path, RequestID: requestID(c)}
	h := c.Response().Header()
	var (
		ae *apiError
		pe *pageError
		he *echo.HTTPError
	)
	switch {
	case errors.As(err, &ae):
		p.Status, p.Detail = ae.status, ae.detail
		for k, v := range ae.headers {
			h.Set(k, v)
		}
	case errors.As(err, &pe):
		p.Status = pe.status
	case errors.As(err, &he):
		p.Status = he.Code
	default:
		p.Status = kindPages[engine.KindOf(err)].status
	}
	if _, known := problemTypes[p.Status]; !known {
		if p.Status >= 500 || p.Status < 400 {
			p.Status = http.StatusInternalServerError
		} else {
			p.Status = http.StatusBadRequest
		}
	}
	if p.Detail == "" {
		p.Detail = defaultDetail(p.Status, p.RequestID)
	}
	if p.Status == http.StatusInternalServerError {
		// Never the cause: it may name internals. The log has it.
		p.Detail = "Interner Fehler (Referenz " + p.RequestID + ")."
	}
	pt := problemTypes[p.Status]
	p.Type, p.Title = problemTypeBase+pt.slug, pt.title
	if p.Status >= 500 {
		s.log.Error("request failed", "request_id", p.RequestID, "route", c.Path(), "status", p.Status, "error", err.Error())
	}
	switch p.Status {
	case http.StatusServiceUnavailable:
		if h.Get("Retry-After") == "" {
			h.Set("Retry-After", "60")
		}
	case http.StatusUnauthorized:
		if h.Get("WWW-Authenticate") == "" {
			h.Set("WWW-Authenticate", `Bearer realm="ozgform"`)
		}
	}
	// Headers of a success that did not happen.
	for _, k := range []string{"ETag", "Repr-Digest", "Content-Disposition", "Content-Length"} {
		h.Del(k)
	}
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(p.Status)
		return
	}
	b, _ := json.Marshal(p)
	_ = c.Blob(p.Status, "application/problem+json", b)
}

// defaultDetail is the detail of a problem that a handler did not explain.
func defaultDetail(status int, requestID string) string {
	switch status {
	case http.StatusNotFound:
		return "Diese Adresse gibt es in der API nicht; siehe /api/v1/openapi.json."
	case http.StatusMethodNotAllowed:
		return "Diese Methode ist für diese Adresse nicht vorgesehen; siehe /api/v1/openapi.json."
	case http.StatusTooManyRequests:
		return "Zu viele Anfragen in kurzer Zeit; bitte nach der Wartezeit in Retry-After erneut versuchen."
	case http.StatusRequestEntityTooLarge:
		return "Der Inhalt der Anfrage ist zu groß."
	case http.StatusGone:
		return "Die Daten wurden nach Ablauf der Aufbewahrungsfrist gelöscht."
	case http.StatusServiceUnavailable:
		return "Der Dienst ist vorübergehend nicht verfügbar; bitte später erneut versuchen."
	case http.StatusConflict:
		return "Die Anfrage passt nicht zum Zustand der Einreichung."
	case http.StatusForbidden:
		return "Dieses Token darf diese Daten nicht lesen."
	case http.StatusUnauthorized:
		return "Anmeldung mit einem Token nötig: Authorization: Bearer <Token>."
	case http.StatusBadRequest:
		return "Die Anfrage ist ungültig."
	}
	return "Interner Fehler (Referenz " + requestID + ")."
}
