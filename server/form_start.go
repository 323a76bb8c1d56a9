package server

import (
	"io"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/ozgform/ozgform/renderer"
)

// formStart shows the start page of a form: what it is for, what one needs, who receives
// it, the privacy notice, and the button that starts a draft.
func (s *Server) formStart(c echo.Context) error {
	f, err := s.formOf(c)
	if err != nil {
		return err
	}
	p := &renderer.StartPage{
		Common:    s.commonFor(c, f),
		Form:      f,
		Action:    formURL(f.Manifest.ID),
		ResumeURL: "/fortsetzen",
	}
	if id := draftID(c, f); id != "" {
		if d, err := s.svc.Draft(c.Request().Context(), id); err == nil && d.FormID == f.Manifest.ID {
			p.ContinueURL = resumePoint(f, d)
			p.Authority = s.responsibleFor(f, d)
			if p.Authority != nil {
				p.Common = s.commonForAuthority(c, f, p.Authority.ID)
			}
		}
	}
	return s.page(c, http.StatusOK, func(w io.Writer) error { return s.html.Start(w, p) })
}

// draftCreate starts a new draft and goes to the first step.
func (s *Server) draftCreate(c echo.Context) error {
	f, err := s.formOf(c)
	if err != nil {
		return err
	}
	d, err := s.svc.StartDraft(c.Request().Context(), f, langOf(c))
	if err != nil {
		return err
	}
	s.setDraftCookie(c, d)
	first := 0
	data, _ := decodeOrEmpty(d)
	if pages := visiblePages(f, f.Evaluate(data)); len(pages) > 0 {
		first = pages[0]
	}
	return redirect(c, stepURL(f.Manifest.ID, first))
}
