package server

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/ozgform/ozgform/engine"
)

// openAPIMethods are the operation keys of an OpenAPI path item.
var openAPIMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

var echoParam = regexp.MustCompile(`:([A-Za-z0-9_]+)`)

// TestOpenAPIMatchesRoutes: every /api/v1 route registered in echo is in the OpenAPI document
// with its method and path template, and every operation of the document is a route. (The HEAD
// routes that route() adds to every GET are left out: HEAD is GET without the body.)
func TestOpenAPIMatchesRoutes(t *testing.T) {
	app := newAPIApp(t)
	routes := map[string]bool{}
	for _, r := range app.server.echo.Routes() {
		if !strings.HasPrefix(r.Path, apiBasePath+"/") || r.Method == http.MethodHead {
			continue
		}
		if strings.HasSuffix(r.Path, "/*") { // echo's catch-all of a group, none here
			continue
		}
		routes[r.Method+" "+echoParam.ReplaceAllString(r.Path, "{$1}")] = true
	}
	doc := openAPIDoc(t)
	documented := map[string]bool{}
	for path, item := range doc.Paths {
		for _, m := range openAPIMethods {
			if _, ok := item[m]; ok {
				documented[strings.ToUpper(m)+" "+path] = true
			}
		}
	}
	for r := range routes {
		if !documented[r] {
			t.Errorf("route %s is not in openapi.json", r)
		}
	}
	for d := range documented {
		if !routes[d] {
			t.Errorf("openapi.json describes %s, which is no route", d)
		}
	}
	if len(routes) < 6 {
		t.Errorf("only %d API routes found: %v", len(routes), routes)
	}
}

// openAPI is the part of the document the tests read.
type openAPI struct {
	OpenAPI    string                                `json:"openapi"`
	Info       map[string]any                        `json:"info"`
	Security   []map[string][]string                 `json:"security"`
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components struct {
		SecuritySchemes map[string]struct {
			Type   string `json:"type"`
			Scheme string `json:"scheme"`
		} `json:"securitySchemes"`
		Parameters map[string]openAPIParameter `json:"parameters"`
		Schemas    map[string]json.RawMessage  `json:"schemas"`
	} `json:"components"`
}

type openAPIParameter struct {
	Ref      string `json:"$ref"`
	Name     string `json:"name"`
	In       string `json:"in"`
	Required bool   `json:"required"`
}

type openAPIOperation struct {
	OperationID string                     `json:"operationId"`
	Security    *[]map[string][]string     `json:"security"`
	Parameters  []openAPIParameter         `json:"parameters"`
	Responses   map[string]json.RawMessage `json:"responses"`
}

func openAPIDoc(tb testing.TB) *openAPI {
	tb.Helper()
	var doc openAPI
	if err := json.Unmarshal(openAPIDocument, &doc); err != nil {
		tb.Fatalf("openapi.json is no valid JSON: %v", err)
	}
	return &doc
}

// TestOpenAPIDocument checks what a validator would: version 3.x, an operation id and
// responses everywhere, the path parameters declared, every local $ref resolvable, the bearer
// scheme on every operation but the document itself (each of those documents 401), the
// payload schema referenced where it is served, and the problem types the server uses.
func TestOpenAPIDocument(t *testing.T) {
	doc := openAPIDoc(t)
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Errorf("openapi %q, want 3.x", doc.OpenAPI)
	}
	if doc.Info["title"] == nil || doc.Info["version"] == nil {
		t.Error("info needs title and version")
	}
	if s := doc.Components.SecuritySchemes["bearer"]; s.Type != "http" || s.Scheme != "bearer" {
		t.Errorf("security scheme bearer: %+v", s)
	}
	if len(doc.Security) != 1 || doc.Security[0]["bearer"] == nil {
		t.Errorf("top-level security %v, want the bearer scheme", doc.Security)
	}

	var all any
	if err := json.Unmarshal(openAPIDocument, &all); err != nil {
		t.Fatal(err)
	}
	var refs []string
	collectRefs(all, &refs)
	// Self-contained (issue 14, point 7): every $ref points into the document itself, also
	// the payload schema's, which tools cannot resolve from a root-relative URI.
	payload := 0
	for _, ref := range refs {
		if !strings.HasPrefix(ref, "#/") || resolvePointer(all, ref[1:]) == nil {
			t.Errorf("$ref %q does not resolve inside the document", ref)
		}
		if ref == "#/components/schemas/"+payloadComponent {
			payload++
		}
	}
	if payload == 0 {
		t.Errorf("the document does not refer to the payload schema")
	}
	// The copy is the payload schema: same properties and required fields.
	var envelope, orig struct {
		Required   []string                   `json:"required"`
		Properties map[string]json.RawMessage `json:"properties"`
	}
	_ = json.Unmarshal(doc.Components.Schemas[payloadComponent], &envelope)
	_ = json.Unmarshal(engine.PayloadSchema(), &orig)
	if !slices.Equal(envelope.Required, orig.Required) || len(envelope.Properties) != len(orig.Properties) || len(orig.Properties) == 0 {
		t.Errorf("components/schemas/%s is not the payload schema: required %v, want %v", payloadComponent, envelope.Required, orig.Required)
	}

	ids := map[string]bool{}
	for path, item := range doc.Paths {
		for _, m := range openAPIMethods {
			raw, ok := item[m]
			if !ok {
				continue
			}
			var op openAPIOperation
			if err := json.Unmarshal(raw, &op); err != nil {
				t.Fatalf("%s %s: %v", m, path, err)
			}
			where := strings.ToUpper(m) + " " + path
			if op.OperationID == "" || ids[op.OperationID] {
				t.Errorf("%s: operationId %q missing or not unique", where, op.OperationID)
			}
			ids[op.OperationID] = true
			if len(op.Responses) == 0 {
				t.Errorf("%s: no responses", where)
			}
			public := op.Security != nil && len(*op.Security) == 0
			if public != (path == apiBasePath+"/openapi.json") {
				t.Errorf("%s: public=%v", where, public)
			}
			if _, ok := op.Responses["401"]; !public && !ok {
				t.Errorf("%s: the 401 answer is not documented", where)
			}
			declared := map[string]bool{}
			for _, p := range op.Parameters {
				if p.Ref != "" {
					p = doc.Components.Parameters[strings.TrimPrefix(p.Ref, "#/components/parameters/")]
				}
				if p.In == "path" {
					if !p.Required {
						t.Errorf("%s: path parameter %s is not required", where, p.Name)
					}
					declared[p.Name] = true
				}
			}
			for _, m := range regexp.MustCompile(`\{([^}]+)\}`).FindAllStringSubmatch(path, -1) {
				if !declared[m[1]] {
					t.Errorf("%s: path parameter {%s} not declared", where, m[1])
				}
				delete(declared, m[1])
			}
			if len(declared) > 0 {
				t.Errorf("%s: parameters %v are not in the path", where, declared)
			}
		}
	}

	var problemSchema struct {
		Properties struct {
			Type struct {
				Enum []string `json:"enum"`
			} `json:"type"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(doc.Components.Schemas["Problem"], &problemSchema); err != nil {
		t.Fatal(err)
	}
	var used []string
	for _, p := range problemTypes {
		used = append(used, problemTypeBase+p.slug)
	}
	sort.Strings(used)
	documented := slices.Clone(problemSchema.Properties.Type.Enum)
	sort.Strings(documented)
	if !slices.Equal(used, documented) {
		t.Errorf("problem types:\n server   %v\n document %v", used, documented)
	}
}

func collectRefs(v any, refs *[]string) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if s, ok := e.(string); ok && k == "$ref" {
				*refs = append(*refs, s)
				continue
			}
			collectRefs(e, refs)
		}
	case []any:
		for _, e := range x {
			collectRefs(e, refs)
		}
	}
}

// resolvePointer follows a JSON pointer ("/components/schemas/Uuid") in decoded JSON.
func resolvePointer(v any, pointer string) any {
	for _, tok := range strings.Split(strings.TrimPrefix(pointer, "/"), "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		if v, ok = m[tok]; !ok {
			return nil
		}
	}
	return v
}

// TestOpenAPIServed: the document is public, served as it is embedded.
func TestOpenAPIServed(t *testing.T) {
	app := newAPIApp(t)
	r := app.api(http.MethodGet, apiBasePath+"/openapi.json", "").want(t, "openapi.json", http.StatusOK)
	if ct := r.header.Get("Content-Type"); ct != "application/json" || !bytes.Equal(r.body, openAPIDocument) {
		t.Errorf("openapi.json: %q, %d bytes", ct, len(r.body))
	}
	app.api(http.MethodGet, apiBasePath+"/openapi.json", "", "If-None-Match", r.header.Get("ETag")).want(t, "If-None-Match", http.StatusNotModified)
}

// TestOpenAPIRedoclyLint lints the served document with Redocly CLI (pinned in
// package.json) and its recommended rules: 0 errors (the two remaining warnings, no info.license
// and no 4xx answer of the public openapi.json itself, are logged). Without node_modules it skips, under CI=true it fails.
func TestOpenAPIRedoclyLint(t *testing.T) {
	bin, _ := filepath.Abs(filepath.Join("..", "node_modules", ".bin", "redocly"))
	if _, err := os.Stat(bin); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("Redocly CLI fehlt (%s): npm ci --ignore-scripts", bin)
		}
		t.Skipf("Redocly CLI fehlt (%s); npm ci --ignore-scripts installiert es", bin)
	}
	file := filepath.Join(t.TempDir(), "openapi.json")
	if err := os.WriteFile(file, openAPIDocument, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "lint", "--format=stylish", file)
	cmd.Dir = t.TempDir() // no redocly.yaml around: the recommended rules
	cmd.Env = append(os.Environ(), "REDOCLY_TELEMETRY=off", "REDOCLY_SUPPRESS_UPDATE_NOTICE=true", "NO_COLOR=1")
	out, err := cmd.CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte("Your API description is valid")) || bytes.Contains(out, []byte(" error ")) {
		t.Fatalf("redocly lint: %v\n%s", err, out)
	}
	if bytes.Contains(out, []byte("warning")) {
		t.Logf("redocly lint:\n%s", out)
	}
}
