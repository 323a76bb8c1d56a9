package server

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

// readyTimeout bounds the database check of /readyz: a load balancer asks often and must get
// an answer quickly, also when the database hangs.
const readyTimeout = 2 * time.Second

// readiness is the answer of /readyz.
type readiness struct {
	Status string            `json:"status"` // "ready" or "unavailable"
	Checks map[string]string `json:"checks"` // "store", "forms": "ok" or what is wrong
	Forms  int               `json:"forms"`  // forms being served
}

// ready answers /readyz: 200 when the store answers a cheap query within readyTimeout and
// forms are loaded, else 503; JSON either way. /healthz only says that the process lives.
func (s *Server) ready(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), readyTimeout)
	defer cancel()
	r := readiness{Status: "ready", Checks: map[string]string{"store": "ok", "forms": "ok"}, Forms: s.forms.Len()}
	if err := s.svc.Store.Ping(ctx); err != nil {
		s.log.Warn("readyz: the store does not answer", "error", err.Error())
		r.Status, r.Checks["store"] = "unavailable", "unreachable"
	}
	if r.Forms == 0 {
		r.Status, r.Checks["forms"] = "unavailable", "no forms loaded"
	}
	status := http.StatusOK
	if r.Status != "ready" {
		status = http.StatusServiceUnavailable
	}
	return c.JSON(status, r)
}
