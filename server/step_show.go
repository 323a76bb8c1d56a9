package server

import (
	"io"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/ozgform/ozgform/engine"
	"github.com/ozgform/ozgform/renderer"
)

// stepShow shows one step with the answers of the draft. With ?fehler=1 (after a failed
// save) it shows the page's errors; with ?hinweis=neu the note that new questions appeared.
func (s *Server) stepShow(c echo.Context) error {
	st, err := s.openStep(c)
	if err != nil {
		return noDraft(c, st.f, err)
	}
	f, page, d, data := st.f, st.page, st.d, st.data
	vis := f.Evaluate(data)
	if !vis.PageVisible(page) {
		if next := nextPage(f, vis, page); next >= 0 {
			return c.Redirect(http.StatusSeeOther, stepURL(f.Manifest.ID, next))
		}
		return c.Redirect(http.StatusSeeOther, reviewURL(f.Manifest.ID))
	}
	lang := langOf(c)
	p := &renderer.StepPage{
		Common:         s.commonForDraft(c, f, d),
		Form:           f,
		Page:           page,
		Data:           data,
		Vis:            vis,
		Action:         stepURL(f.Manifest.ID, page),
		VisibilityURL:  stepURL(f.Manifest.ID, page) + "/sichtbarkeit",
		ReturnToReview: c.QueryParam("zurueck") == "pruefen",
		RequiredNow:    engine.RequiredNow(f, page, data),
	}
	if c.QueryParam("fehler") == "1" {
		errs := engine.ErrorsOnPage(f, page, vis, engine.Validate(f, data))
		p.Errors = s.messages(f, errs, lang)
	}
	switch c.QueryParam("hinweis") {
	case "neu":
		p.Notice = "step.appeared"
	case "hinzugefuegt":
		p.Notice = "step.itemAdded"
	case "entfernt":
		p.Notice = "step.itemRemoved"
	}
	if err := s.stepFiles(c, f, page, d, p); err != nil {
		return err
	}
	return s.page(c, http.StatusOK, func(w io.Writer) error { return s.html.Step(w, p) })
}

func decodeOrEmpty(d *engine.Draft) (map[string]any, error) {
	data, err := engine.DecodeData(d.Data)
	if err != nil {
		return nil, engine.E(engine.KindInternal, "server.decodeDraft", err)
	}
	return data, nil
}
