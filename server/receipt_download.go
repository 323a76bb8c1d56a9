package server

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/ozgform/ozgform/engine"
	"github.com/ozgform/ozgform/renderer"
)

// receiptDownload builds the receipt PDF (Eingangsbestätigung) from the stored submission,
// for the submitting browser or the holder of the unguessable link. The same submission
// always gives the same bytes.
func (s *Server) receiptDownload(c echo.Context) error {
	sub, _, err := s.submissionWithAccess(c)
	if err != nil {
		return err
	}
	f := s.forms.Get(sub.FormID)
	if f == nil {
		return &pageError{status: http.StatusNotFound}
	}
	data, err := engine.DecodeData(sub.Data)
	if err != nil {
		return engine.E(engine.KindInternal, "server.receipt", err)
	}
	pdf, err := renderer.Receipt(f, renderer.ReceiptInput{
		Reference:   sub.Reference,
		SubmittedAt: sub.SubmittedAt,
		Lang:        sub.Lang,
		Data:        data,
		PayloadHash: "", // the payload envelope adds its hash later
	})
	if err != nil {
		return engine.E(engine.KindInternal, "server.receipt", err)
	}
	h := c.Response().Header()
	h.Set("Content-Disposition", `attachment; filename="Eingangsbestaetigung-`+sub.Reference+`.pdf"`)
	h.Set("Content-Length", strconv.Itoa(len(pdf)))
	return c.Blob(http.StatusOK, "application/pdf", pdf)
}
