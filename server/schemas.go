package server

import (
	"io/fs"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/ozgform/ozgform/engine"
	"github.com/ozgform/ozgform/forms"
)

// The JSON Schemas a back office needs to read a payload, published under the operator's
// public base URL (serve --base-url), which the envelope's URIs name:
//
//	/schemas/payload/v1.json                       the envelope (engine.PayloadSchemaURI)
//	/schemas/payload/v2.json                       the envelope of Einer-für-Alle forms (v1 + authority id, ARS)
//	/schemas/forms/{id}/{version}/schema.json      a form's schema.json, byte for byte
//	                                               (engine.FormSchemaPath; envelope form.schemaUri)
//	/schemas/bausteine/v1/{name}.json              the building blocks the form schemas $ref
//
// The form schemas refer to the building blocks by their names, not by these addresses:
// "$ref": "https://ozgform.de/bausteine/v1/anschrift-inland.json" (forms.BlockBaseURI), which is
// also each block's $id. A back office that validates the data itself maps that prefix to
// {base}/schemas/bausteine/v1/ in its schema loader (or preloads the blocks by their $id).
// Every document is served exactly as embedded or written by the author, so the SHA-512 of the
// bytes of a form schema equals the envelope's form.schemaHash.

// schemaMediaType is the media type of a JSON Schema document.
const schemaMediaType = "application/schema+json"

// payloadSchemaShow serves the JSON Schema of the payload envelope.
func (s *Server) payloadSchemaShow(c echo.Context) error {
	return schemaDocument(c, engine.PayloadSchema())
}

// payloadSchemaShowEfA serves the JSON Schema of envelope version 2 (Einer für Alle).
func (s *Server) payloadSchemaShowEfA(c echo.Context) error {
	return schemaDocument(c, engine.PayloadSchemaEfA())
}

// formSchemaShow serves a form's schema.json at its versioned path: the version being served,
// or an earlier one whose files the store keeps (envelopes of its submissions point here). A
// path names one version, and the bytes behind it never change.
func (s *Server) formSchemaShow(c echo.Context) error {
	f, err := s.forms.versions().FormFor(c.Request().Context(), c.Param("id"), c.Param("version"))
	if engine.KindOf(err) == engine.KindNotFound {
		return &pageError{status: http.StatusNotFound}
	}
	if err != nil {
		return err
	}
	return schemaDocument(c, f.SchemaJSON)
}

// blockSchemaShow serves an embedded building block ("anschrift-inland.json").
func (s *Server) blockSchemaShow(c echo.Context) error {
	name := c.Param("name")
	if !strings.HasSuffix(name, ".json") || strings.ContainsAny(name, `/\`) || !fs.ValidPath(name) {
		return &pageError{status: http.StatusNotFound}
	}
	b, err := fs.ReadFile(forms.Blocks(), name)
	if err != nil {
		return &pageError{status: http.StatusNotFound}
	}
	return schemaDocument(c, b)
}

// schemaDocument answers with a schema document. Schemas are public and hold no personal
// data: other sites (a back office's tools) may read them, and caches may keep them a day.
func schemaDocument(c echo.Context, b []byte) error {
	h := c.Response().Header()
	h.Set("Cache-Control", "public, max-age=86400")
	h.Set("Cross-Origin-Resource-Policy", "cross-origin")
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("ETag", `"`+engine.SHA512Hex(b)[:32]+`"`)
	if match := c.Request().Header.Get("If-None-Match"); match != "" && match == h.Get("ETag") {
		return c.NoContent(http.StatusNotModified)
	}
	h.Set("Content-Length", strconv.Itoa(len(b)))
	return c.Blob(http.StatusOK, schemaMediaType, b)
}
