package server

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/ozgform/ozgform/engine"
	"github.com/ozgform/ozgform/forms"
	"github.com/ozgform/ozgform/renderer"
)

// receiptDownload builds the receipt PDF (Eingangsbestätigung) from the stored submission,
// for the submitting browser or the holder of the unguessable link. It is rendered on
// demand (a few milliseconds), so the confirmation page offers it at once, without waiting
// for the outbox worker; the worker renders the same bytes with the same function.
func (s *Server) receiptDownload(c echo.Context) error {
	sub, _, err := s.submissionWithAccess(c)
	if err != nil {
		return err
	}
	f, err := s.forms.versions().ForSubmission(c.Request().Context(), sub)
	if engine.KindOf(err) == engine.KindNotFound {
		// The form in this version is neither served nor stored: its labels are not at hand.
		return &pageError{status: http.StatusNotFound}
	}
	if err != nil {
		return err
	}
	if sub.Purged {
		return &pageError{status: http.StatusGone, title: "error.purged.title", text: "error.purged.text", link: "/", linkID: "error.back"}
	}
	atts, err := engine.AttachmentsOf(c.Request().Context(), s.svc.Store, sub)
	if err != nil {
		return err
	}
	pdf, err := RenderReceipt(f, sub, engine.ReceiptPayloadHash(sub), atts)
	if err != nil {
		return engine.E(engine.KindInternal, "server.receipt", err)
	}
	h := c.Response().Header()
	h.Set("Content-Disposition", `attachment; filename="`+engine.ReceiptFilename(sub)+`"`)
	h.Set("Content-Length", strconv.Itoa(len(pdf)))
	return c.Blob(http.StatusOK, "application/pdf", pdf)
}

var _ engine.ReceiptRenderer = RenderReceipt

// RenderReceipt renders the receipt PDF of a submission with package renderer. It is the
// engine.ReceiptRenderer that cmd/ozgform gives the outbox worker, and the one the download
// uses, so that the PDF a citizen downloads and the PDF the back office receives are the same
// bytes (the envelope names them by hash). payloadHash is engine.ReceiptPayloadHash(s): the
// SHA-512 of the submitted data, as in the envelope's metadata.contentStructure.data.hash;
// the data itself (s.Data, the bytes the envelope carries as "data") is embedded in the PDF
// as payload.json; attachments are listed with their sizes and hashes.
func RenderReceipt(form *forms.Form, s *engine.Submission, payloadHash string, attachments []engine.Attachment) ([]byte, error) {
	data, err := engine.DecodeData(s.Data)
	if err != nil {
		return nil, err
	}
	return renderer.Receipt(form, renderer.ReceiptInput{
		Reference:   s.Reference,
		SubmittedAt: s.SubmittedAt,
		Lang:        s.Lang,
		Data:        data,
		PayloadHash: payloadHash,
		Payload:     s.Data,
		Attachments: receiptAttachments(attachments),
		Authority:   s.Authority,
	})
}
