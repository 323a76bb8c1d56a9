package server

import (
	"io"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/ozgform/ozgform/authority"
	"github.com/ozgform/ozgform/forms"
	"github.com/ozgform/ozgform/renderer"
)

// municipalityShow asks in which municipality the citizen lives, when the postal code of
// the deciding answer spans several (Einer für Alle).
func (s *Server) municipalityShow(c echo.Context) error {
	f, d, err := s.openDraft(c)
	if err != nil {
		return noDraft(c, f, err)
	}
	back := c.QueryParam("zurueck") == "pruefen"
	if !s.svc.ManyAuthorities(f) || f.Manifest.Authorities.PLZ == "" {
		return redirect(c, reviewURL(f.Manifest.ID))
	}
	data, err := decodeOrEmpty(d)
	if err != nil {
		return err
	}
	spec := f.Manifest.Authorities
	plz, _ := forms.Lookup(data, spec.PLZ, nil)
	text, _ := plz.(string)
	r := s.svc.Authorities.ByPLZ(text, "", "")
	switch r.Status {
	case authority.Ambiguous:
	case authority.Unserved:
		return redirect(c, unservedURL(f.Manifest.ID))
	default: // nothing to choose (any more): on with the form
		return afterDecidingPage(c, f, d, back)
	}
	p := &renderer.MunicipalityPage{
		Common: s.commonFor(c, f), Form: f, PLZ: r.PLZ, Candidates: r.Candidates, Chosen: d.Municipality,
		Action: municipalityURL(f.Manifest.ID), ChangeURL: stepURL(f.Manifest.ID, max(decidingPage(f), 0)), Back: back,
	}
	status := http.StatusOK
	if c.QueryParam("fehler") == "1" {
		p.Error = "municipality.required"
		status = http.StatusUnprocessableEntity
	}
	return s.page(c, status, func(w io.Writer) error { return s.html.Municipality(w, p) })
}
