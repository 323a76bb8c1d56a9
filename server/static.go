package server

import (
	"io/fs"
	"net/http"
	"path"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/ozgform/ozgform/renderer"
)

var staticTypes = map[string]string{
	".css": "text/css; charset=utf-8",
	".js":  "text/javascript; charset=utf-8",
	".svg": "image/svg+xml",
}

// static serves the embedded CSS, script and logo, and theme.css generated from the
// branding. URLs with the current version (?v=…) may be cached for a year.
func (s *Server) static(c echo.Context) error {
	name := c.Param("file")
	var body []byte
	if name == "theme.css" {
		body = s.html.ThemeCSS()
	} else {
		if strings.Contains(name, "/") || strings.HasPrefix(name, ".") {
			return &pageError{status: http.StatusNotFound}
		}
		b, err := fs.ReadFile(renderer.StaticFiles(), name)
		if err != nil {
			return &pageError{status: http.StatusNotFound}
		}
		body = b
	}
	ct, ok := staticTypes[path.Ext(name)]
	if !ok {
		return &pageError{status: http.StatusNotFound}
	}
	h := c.Response().Header()
	if c.QueryParam("v") == s.html.Version() {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "public, max-age=300")
	}
	return c.Blob(http.StatusOK, ct, body)
}
