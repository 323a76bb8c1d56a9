package server

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/ozgform/ozgform/engine"
	"github.com/ozgform/ozgform/forms"
)

// apiReceiptShow hands out a submission's receipt PDF (Eingangsbestätigung): the bytes the
// envelope names by hash, the same the citizen downloads.
func (s *Server) apiReceiptShow(c echo.Context) error {
	sub, f, err := s.apiSubmissionData(c)
	if err != nil {
		return err
	}
	return s.apiReceipt(c, f, sub)
}

// apiReceipt renders and sends the receipt of sub.
func (s *Server) apiReceipt(c echo.Context, f *forms.Form, sub *engine.Submission) error {
	atts, err := engine.AttachmentsOf(c.Request().Context(), s.svc.Store, sub)
	if err != nil {
		return err
	}
	pdf, err := RenderReceipt(f, sub, engine.ReceiptPayloadHash(sub), atts)
	if err != nil {
		return engine.E(engine.KindInternal, "server.apiReceipt", err)
	}
	if setContentHeaders(c, engine.SHA512Hex(pdf), int64(len(pdf))) {
		return c.NoContent(http.StatusNotModified)
	}
	c.Response().Header().Set("Content-Disposition", contentDisposition(engine.ReceiptFilename(sub)))
	return c.Blob(http.StatusOK, "application/pdf", pdf)
}
