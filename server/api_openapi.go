package server

import (
	_ "embed"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/ozgform/ozgform/engine"
)

// openAPIDocument describes the pull API (OpenAPI 3.1). It is written by hand; a test keeps it
// in step with the routes.
//
//go:embed openapi.json
var openAPIDocument []byte

// apiOpenAPI serves the OpenAPI document. It is public, like the payload schema it refers to:
// integrators read it with their own tools, from other sites too.
func (s *Server) apiOpenAPI(c echo.Context) error {
	h := c.Response().Header()
	h.Set("Cache-Control", "public, max-age=3600")
	h.Set("Cross-Origin-Resource-Policy", "cross-origin")
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("ETag", `"`+engine.SHA512Hex(openAPIDocument)[:32]+`"`)
	if match := c.Request().Header.Get("If-None-Match"); match != "" && match == h.Get("ETag") {
		return c.NoContent(http.StatusNotModified)
	}
	h.Set("Content-Length", strconv.Itoa(len(openAPIDocument)))
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, openAPIDocument)
}
