package server

import (
	"io"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/ozgform/ozgform/renderer"
)

// accessibilityShow is the service's own Erklärung zur Barrierefreiheit (BITV 2.0 § 7), built
// from the statement in the branding file; the footer of every page links to it unless the
// portal names another address.
func (s *Server) accessibilityShow(c echo.Context) error {
	p := &renderer.AccessibilityPage{Common: s.common(c)}
	return s.page(c, http.StatusOK, func(w io.Writer) error { return s.html.Accessibility(w, p) })
}
