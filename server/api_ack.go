package server

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/ozgform/ozgform/engine"
)

// apiAck records that the back office has the submission: its message for the token's
// destination counts as delivered, and the list no longer shows it. Acknowledging again is
// no error (204 again), also after the retention purge.
func (s *Server) apiAck(c echo.Context) error {
	sub, err := s.apiSubmission(c)
	if err != nil {
		return err
	}
	t := apiToken(c)
	err = s.svc.Store.AcknowledgeAPI(c.Request().Context(), sub.ID, t.Destination)
	if engine.KindOf(err) == engine.KindNotFound {
		return apiErr(http.StatusConflict, "Die Einreichung "+sub.ID+" geht nicht an das Ziel „"+t.Destination+
			"“ dieses Tokens; es gibt nichts zu bestätigen.")
	}
	if err != nil {
		return err
	}
	s.log.Info("api: submission acknowledged", "submission", sub.ID, "destination", t.Destination, "token", t.Name)
	return c.NoContent(http.StatusNoContent)
}
