package server

import (
	"github.com/labstack/echo/v4"

	"github.com/ozgform/ozgform/engine"
)

// municipalityChoose stores the municipality the citizen chose and goes on with the form; no
// choice, or one that is not a municipality of the postal code, shows the question again
// with an error.
func (s *Server) municipalityChoose(c echo.Context) error {
	f, d, err := s.openDraft(c)
	if err != nil {
		return noDraft(c, f, err)
	}
	pf := postedForm(c)
	back := pf.first("_zurueck") == "pruefen"
	err = s.svc.ChooseMunicipality(c.Request().Context(), f, d, pf.first("gemeinde"))
	if engine.KindOf(err) == engine.KindInvalid {
		u := municipalityURL(f.Manifest.ID) + "?fehler=1"
		if back {
			u += "&zurueck=pruefen"
		}
		return redirect(c, u+"#fehler")
	}
	if err != nil {
		return err
	}
	if detour := s.authorityDetour(f, d, back); detour != "" {
		return redirect(c, detour)
	}
	return afterDecidingPage(c, f, d, back)
}
