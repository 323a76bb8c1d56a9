package server

import (
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/ozgform/ozgform/engine"
	"github.com/ozgform/ozgform/forms"
	"github.com/ozgform/ozgform/renderer"
)

// reviewAction handles the buttons of the review page other than "Absenden": removing an
// uploaded file ("remove-file:<path>/<id>"). The review page comes again with a note; a new
// file is uploaded on the step ("Ändern").
func (s *Server) reviewAction(c echo.Context) error {
	f, d, err := s.openDraft(c)
	if err != nil {
		return noDraft(c, f, err)
	}
	kind, arg, _ := strings.Cut(postedForm(c).first("_action"), ":")
	if kind != "remove-file" {
		return badInput("error.input.action")
	}
	action, err := parseRemoveFile(f, -1, arg)
	if err != nil {
		return err
	}
	if _, err := s.svc.RemoveAttachment(c.Request().Context(), f, d, action.path, action.id); err != nil {
		return err
	}
	return redirect(c, reviewURL(f.Manifest.ID)+"?hinweis=datei-entfernt")
}

// reviewFiles adds the draft's files and their remove buttons to the review page of a form
// with attachment fields.
func (s *Server) reviewFiles(c echo.Context, f *forms.Form, d *engine.Draft, p *renderer.ReviewPage) error {
	has := false
	for i := range f.Pages {
		has = has || pageHasFiles(f, i)
	}
	if !has {
		return nil
	}
	files, err := s.draftFiles(c, d)
	if err != nil {
		return err
	}
	p.Files = files
	p.RemoveFileAction = reviewURL(f.Manifest.ID)
	if c.QueryParam("hinweis") == "datei-entfernt" {
		p.Notice = "review.removed"
	}
	return nil
}
