package server

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/ozgform/ozgform/engine"
)

// openAPISource describes the pull API (OpenAPI 3.1). It is written by hand; a test keeps it
// in step with the routes. It names the envelope's schema by its URI path
// (engine.PayloadSchemaURI), which no tool can resolve from the file alone.
//
//go:embed openapi.json
var openAPISource []byte

// openAPIDocument is the document served: openAPISource made self-contained, with the payload
// schema copied into components/schemas (see selfContainedOpenAPI), so that OpenAPI tools
// (Redocly, openapi-spec-validator, code generators) read it without fetching anything.
var openAPIDocument = mustSelfContainedOpenAPI()

// payloadComponent is the name of the envelope's schema in components/schemas; its $defs
// become components named payloadComponent + the capitalised name ("PayloadEnvelopeHash").
// Version 2 (Einer für Alle) is payloadComponentEfA; it shares the $defs of version 1.
const (
	payloadComponent    = "PayloadEnvelope"
	payloadComponentEfA = "PayloadEnvelopeV2"
)

func mustSelfContainedOpenAPI() []byte {
	doc, err := selfContainedOpenAPI(openAPISource, engine.PayloadSchema())
	if err == nil {
		doc, err = inlinePayloadSchema(doc, engine.PayloadSchemaEfA(), engine.PayloadSchemaURIEfA, payloadComponentEfA)
	}
	if err != nil {
		panic(err) // the embedded documents do not fit together: a build defect, a test catches it
	}
	return doc
}

// selfContainedOpenAPI replaces every "$ref": engine.PayloadSchemaURI of the OpenAPI document
// by a reference to components/schemas/PayloadEnvelope, which holds the payload schema
// without $schema and $id (the document's own dialect applies) and with its $defs moved to
// components of their own.
func selfContainedOpenAPI(openapi, payload []byte) ([]byte, error) {
	return inlinePayloadSchema(openapi, payload, engine.PayloadSchemaURI, payloadComponent)
}

// inlinePayloadSchema replaces every "$ref": uri of the OpenAPI document by a reference to
// components/schemas/component, which holds the payload schema (see selfContainedOpenAPI).
// The $defs are named after payloadComponent, so that the versions share them.
func inlinePayloadSchema(openapi, payload []byte, uri, component string) ([]byte, error) {
	var doc map[string]any
	if err := json.Unmarshal(openapi, &doc); err != nil {
		return nil, fmt.Errorf("openapi.json: %w", err)
	}
	var schema map[string]any
	if err := json.Unmarshal(payload, &schema); err != nil {
		return nil, fmt.Errorf("payload schema: %w", err)
	}
	components, _ := doc["components"].(map[string]any)
	schemas, _ := components["schemas"].(map[string]any)
	if schemas == nil {
		return nil, fmt.Errorf("openapi.json has no components/schemas")
	}
	defs, _ := schema["$defs"].(map[string]any)
	rename := map[string]string{}
	for name := range defs {
		rename["#/$defs/"+name] = "#/components/schemas/" + payloadComponent + strings.ToUpper(name[:1]) + name[1:]
	}
	for name, def := range defs {
		schemas[strings.TrimPrefix(rename["#/$defs/"+name], "#/components/schemas/")] = rewriteRefs(def, rename)
	}
	delete(schema, "$defs")
	delete(schema, "$schema")
	id, _ := schema["$id"].(string)
	delete(schema, "$id")
	if desc, ok := schema["description"].(string); ok && id != "" {
		schema["description"] = desc + "\n\nDieselbe Beschreibung steht als JSON Schema (Draft 2020-12) unter " + uri + " ($id " + id + ")."
	}
	schemas[component] = rewriteRefs(schema, rename)
	n := 0
	rewritten := rewriteRefs(doc, map[string]string{uri: "#/components/schemas/" + component}, &n)
	if n == 0 {
		return nil, fmt.Errorf("openapi.json does not refer to %s", uri)
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(rewritten); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// rewriteRefs replaces the values of "$ref" keys found in rename, counting the replacements
// in the optional counter.
func rewriteRefs(v any, rename map[string]string, counter ...*int) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if s, ok := e.(string); ok && k == "$ref" {
				if to, ok := rename[s]; ok {
					x[k] = to
					for _, c := range counter {
						*c++
					}
				}
				continue
			}
			x[k] = rewriteRefs(e, rename, counter...)
		}
	case []any:
		for i, e := range x {
			x[i] = rewriteRefs(e, rename, counter...)
		}
	}
	return v
}

// apiOpenAPI serves the OpenAPI document. It is public, like the payload schema it contains:
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
