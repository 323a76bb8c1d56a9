package server

import (
	"io"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/ozgform/ozgform/forms"
	"github.com/ozgform/ozgform/renderer"
)

// formIndex lists the forms.
func (s *Server) formIndex(c echo.Context) error {
	p := &renderer.IndexPage{
		Common:    s.common(c),
		Forms:     s.forms.Entries(),
		FormURL:   func(f *forms.Entry) string { return formURL(f.Manifest.ID) },
		ResumeURL: "/fortsetzen",
	}
	return s.page(c, http.StatusOK, func(w io.Writer) error { return s.html.Index(w, p) })
}

// health answers the load balancer: the process serves requests.
func (s *Server) health(c echo.Context) error {
	return c.String(http.StatusOK, "ok\n")
}
