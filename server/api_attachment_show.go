package server

import (
	"io"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/ozgform/ozgform/engine"
)

// apiAttachmentShow streams a file of a submission with its media type, a sanitised file name
// and its SHA-512 (Repr-Digest, ETag), as the envelope lists it. The receipt, which the
// envelope lists among the attachments too, is served under its attachment id as well.
func (s *Server) apiAttachmentShow(c echo.Context) error {
	sub, f, err := s.apiSubmissionData(c)
	if err != nil {
		return err
	}
	id := c.Param("attachmentId")
	if receiptID, err := engine.ReceiptAttachmentID(sub.ID); err == nil && id == receiptID {
		return s.apiReceipt(c, f, sub)
	}
	notFound := apiErr(http.StatusNotFound, "Die Einreichung "+sub.ID+" hat keine Anlage „"+clipParam(id)+"“.")
	if !canonicalUUID(id) {
		return notFound
	}
	a, r, err := s.svc.Store.OpenAttachment(c.Request().Context(), sub.ID, id)
	if engine.KindOf(err) == engine.KindNotFound {
		return notFound
	}
	if err != nil {
		return err
	}
	defer r.Close()
	if setContentHeaders(c, a.SHA512, a.Size) {
		return c.NoContent(http.StatusNotModified)
	}
	h := c.Response().Header()
	h.Set("Content-Type", a.MediaType)
	h.Set("Content-Disposition", contentDisposition(engine.SanitizeFilename(a.Filename, a.MediaType)))
	c.Response().WriteHeader(http.StatusOK)
	if c.Request().Method == http.MethodHead {
		return nil
	}
	if err := copyHoldingBack(c.Response(), r); err != nil {
		// The status is sent: cut the connection, so that the client sees a short body and not
		// a complete-looking damaged file.
		s.log.Error("api: streaming an attachment failed", "request_id", requestID(c), "submission", sub.ID,
			"attachment", a.ID, "error", err.Error())
		panic(http.ErrAbortHandler)
	}
	return nil
}

// copyHoldingBack copies r to w, but writes each piece only after the next read has succeeded.
// The store's reader checks size and hash at the end and fails there; the last piece is then
// never written, so a damaged file never reaches the client whole.
func copyHoldingBack(w io.Writer, r io.Reader) error {
	buf := make([]byte, 64<<10)
	var pending []byte
	for {
		n, err := r.Read(buf)
		if err != nil && err != io.EOF {
			return err
		}
		if len(pending) > 0 {
			if _, werr := w.Write(pending); werr != nil {
				return werr
			}
		}
		pending = append(pending[:0], buf[:n]...)
		if err == io.EOF {
			_, werr := w.Write(pending)
			return werr
		}
	}
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }
