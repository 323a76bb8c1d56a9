package server

import (
	"io"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/ozgform/ozgform/renderer"
)

// reviewShow shows all visible answers grouped by step ("Angaben prüfen"), each step with
// an "Ändern" link that comes back here after saving.
func (s *Server) reviewShow(c echo.Context) error {
	f, err := s.formOf(c)
	if err != nil {
		return err
	}
	d, err := s.draftOf(c, f)
	if err != nil {
		if err != errNoDraft {
			if sub, serr := s.svc.SubmissionForDraft(c.Request().Context(), draftID(c, f)); serr == nil && sub.FormID == f.Manifest.ID {
				return c.Redirect(http.StatusSeeOther, confirmationURL(sub.Reference))
			}
		}
		return noDraft(c, f, err)
	}
	data, err := decodeOrEmpty(d)
	if err != nil {
		return err
	}
	if detour := s.authorityDetour(f, d, true); detour != "" {
		return redirect(c, detour)
	}
	pruned, _ := f.Prune(data)
	id := f.Manifest.ID
	p := &renderer.ReviewPage{
		Common:       s.commonForDraft(c, f, d),
		Form:         f,
		Data:         pruned,
		StepURL:      func(page int) string { return stepURL(id, page) + "?zurueck=pruefen" },
		SubmitAction: "/formulare/" + id + "/absenden",
		SaveAction:   "/formulare/" + id + "/zwischenspeichern",
		Authority:    s.responsibleFor(f, d),
	}
	if err := s.reviewFiles(c, f, d, p); err != nil {
		return err
	}
	return s.page(c, http.StatusOK, func(w io.Writer) error { return s.html.Review(w, p) })
}
