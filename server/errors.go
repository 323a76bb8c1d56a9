package server

import (
	"context"
	"errors"
	"io"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/ozgform/ozgform/engine"
	"github.com/ozgform/ozgform/renderer"
)

// kindPages is the one table that maps the engine's error kinds to an HTTP status and the
// German (or English) page the citizen sees. The texts are IDs of the renderer's catalog.
var kindPages = map[engine.Kind]struct {
	status      int
	title, text string
}{
	engine.KindNotFound:    {http.StatusNotFound, "error.404.title", "error.404.text"},
	engine.KindExpired:     {http.StatusGone, "error.410.title", "error.410.text"},
	engine.KindInvalid:     {http.StatusBadRequest, "error.400.title", "error.400.text"},
	engine.KindConflict:    {http.StatusConflict, "error.409.title", "error.409.text"},
	engine.KindUnavailable: {http.StatusServiceUnavailable, "error.503.title", "error.503.text"},
	engine.KindInternal:    {http.StatusInternalServerError, "error.500.title", "error.500.text"},
}

// handleError renders the page for an error that a handler returned: a pageError (bad
// input, refused request), an echo.HTTPError (unknown route, wrong method), or an engine
// error by its kind. Everything unexpected is a 500 with the request id; the log has the rest.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	if clientGone(c, err) {
		// Not a server failure: nobody reads the answer, and a 503 would set off the
		// operators' alarm on status=503 (a load tool stopping, a citizen closing the tab).
		s.log.Info("request canceled by the client", "request_id", requestID(c), "route", c.Path(), "error", err.Error())
		c.Response().WriteHeader(StatusClientClosedRequest)
		return
	}
	if isAPIRequest(c) {
		s.apiProblem(err, c) // JSON problem details, never an HTML page
		return
	}
	p := &renderer.ErrorPage{Common: s.common(c), RequestID: requestID(c)}
	p.SwitchURL = ""
	var pe *pageError
	var he *echo.HTTPError
	switch {
	case errors.As(err, &pe):
		p.Status = pe.status
		if pe.text != "" {
			p.Title, p.Text, p.TextArgs = "error.input.title", pe.text, pe.args
		}
		if pe.title != "" {
			p.Title = pe.title
		}
		p.LinkURL, p.LinkText = pe.link, pe.linkID
	case errors.As(err, &he):
		p.Status = he.Code
		switch he.Code {
		case http.StatusNotFound, http.StatusMethodNotAllowed:
			p.Title, p.Text = "error.404.title", "error.404.text"
		case http.StatusRequestEntityTooLarge, http.StatusTooManyRequests, http.StatusForbidden, http.StatusBadRequest:
		default:
			if he.Code >= 500 {
				p.Status = http.StatusInternalServerError
			} else {
				p.Status = http.StatusBadRequest
			}
		}
	default:
		kp := kindPages[engine.KindOf(err)]
		p.Status, p.Title, p.Text = kp.status, kp.title, kp.text
		if p.Status == http.StatusServiceUnavailable {
			s.unavailable(c, p)
		}
	}
	if p.Status < 400 {
		p.Status, p.Title, p.Text = http.StatusInternalServerError, "", "" // a handler bug
	}
	if p.Status >= 500 {
		s.log.Error("request failed", "request_id", p.RequestID, "route", c.Path(), "status", p.Status, "error", err.Error())
	}
	if p.Status == http.StatusServiceUnavailable {
		c.Response().Header().Set("Retry-After", "60")
	}
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(p.Status)
		return
	}
	if rerr := s.page(c, p.Status, func(w io.Writer) error { return s.html.Error(w, p) }); rerr != nil {
		s.log.Error("render error page", "request_id", p.RequestID, "error", rerr.Error())
		_ = c.String(http.StatusInternalServerError, "Interner Fehler (Referenz "+p.RequestID+")")
	}
}

// StatusClientClosedRequest is the status the request log records for a request whose client
// went away before the answer (nginx's 499); the client never sees it.
const StatusClientClosedRequest = 499

// clientGone reports whether err comes from the client having gone away: the request's
// context is cancelled, and the error is that cancellation or the storage failure it caused
// (an interrupted SQLite statement, a cancelled PostgreSQL query).
func clientGone(c echo.Context, err error) bool {
	if !errors.Is(c.Request().Context().Err(), context.Canceled) {
		return false
	}
	return errors.Is(err, context.Canceled) || engine.KindOf(err) == engine.KindUnavailable
}

// unavailable says what a 503 (database locked, disk full, PostgreSQL down) means for the
// citizen: a submit was not sent, and the page leads back to the review page to send it again;
// a step was not saved; a page could not be shown. In every case what was saved before is kept.
func (s *Server) unavailable(c echo.Context, p *renderer.ErrorPage) {
	switch {
	case c.Path() == "/formulare/:id/absenden":
		if f := s.forms.Get(c.Param("id")); f != nil {
			p.LinkURL, p.LinkText = reviewURL(f.Manifest.ID), "error.backToReview"
		}
	case c.Request().Method == http.MethodPost:
		p.Text = "error.503.notSaved"
	default:
		p.Text = "error.503.retry"
	}
}

// draftGone is the page for a draft that expired or no longer exists: a clear German
// explanation and the way to start again.
func draftGone(err error, formURL string) error {
	status := http.StatusNotFound
	text := "error.410.text"
	if engine.KindOf(err) == engine.KindExpired {
		status = http.StatusGone
	}
	if engine.KindOf(err) != engine.KindNotFound && engine.KindOf(err) != engine.KindExpired {
		return err
	}
	return &pageError{status: status, text: text, link: formURL, linkID: "error.startAgain", title: "error.410.title"}
}
