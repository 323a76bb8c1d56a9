package server

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/ozgform/ozgform/engine"
)

// apiSubmissionShow hands out a submission's envelope: the bytes engine.PrepareEnvelope builds,
// the same the outbox worker sends to a webhook, with their SHA-512 as ETag and Repr-Digest.
func (s *Server) apiSubmissionShow(c echo.Context) error {
	sub, f, err := s.apiSubmissionData(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	atts, err := engine.AttachmentsOf(ctx, s.svc.Store, sub)
	if err != nil {
		return err
	}
	env, _, err := engine.PrepareEnvelope(f, sub, s.cfg.BaseURL, RenderReceipt, atts...)
	if err != nil {
		return err
	}
	if setContentHeaders(c, engine.SHA512Hex(env), int64(len(env))) {
		return c.NoContent(http.StatusNotModified)
	}
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, env)
}
