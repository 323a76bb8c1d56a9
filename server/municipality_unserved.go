package server

import (
	"io"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/ozgform/ozgform/authority"
	"github.com/ozgform/ozgform/renderer"
)

// municipalityUnserved tells the citizen that no authority of this portal serves their
// municipality and what to do; the draft is kept.
func (s *Server) municipalityUnserved(c echo.Context) error {
	f, d, err := s.openDraft(c)
	if err != nil {
		return noDraft(c, f, err)
	}
	r := s.svc.Responsible(f, d)
	if r.Status != authority.Unserved {
		return redirect(c, resumePoint(f, d))
	}
	p := &renderer.UnservedPage{
		Common: s.commonFor(c, f), Form: f, Municipality: r.Municipality.Name, PLZ: r.PLZ,
		ChangeURL: stepURL(f.Manifest.ID, max(decidingPage(f), 0)), HomeURL: "/",
	}
	if p.Municipality == "" && r.PLZ == "" {
		p.Municipality = r.Municipality.ARS
	}
	return s.page(c, http.StatusOK, func(w io.Writer) error { return s.html.Unserved(w, p) })
}
