package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func run(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = NewMain(&out, &errOut).Run(context.Background(), args)
	return code, out.String(), errOut.String()
}

func TestCheckExamplesClean(t *testing.T) {
	code, out, errOut := run(t, "check", "../../examples")
	if code != exitOK {
		t.Fatalf("check examples: exit %d\n%s%s", code, out, errOut)
	}
	if !strings.Contains(errOut, "4 Formular(e) geprüft: 0 Fehler") {
		t.Errorf("summary missing: %q", errOut)
	}
}

func writeForm(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "kaputt")
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

var brokenForm = map[string]string{
	"form.json":   `{"id": "kaputt", "version": "1.0.0", "title": "Kaputt", "authority": {"name": "Amt"}, "leika": "99000000000000", "privacyNotice": "x"}`,
	"schema.json": "{\n  \"type\": \"object\",\n  \"properties\": {\n    \"a\": {\"type\": \"string\", \"title\": \"A\"}\n  }\n}",
	"layout.json": "{\n  \"type\": \"VerticalLayout\",\n  \"elements\": [\n    {\"type\": \"Control\", \"scope\": \"#/properties/b\"}\n  ]\n}",
}

func TestCheckReportsFileLinePointer(t *testing.T) {
	dir := writeForm(t, brokenForm)
	code, out, _ := run(t, "check", dir)
	if code != exitInvalid {
		t.Fatalf("exit %d, want %d\n%s", code, exitInvalid, out)
	}
	want := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(filepath.Join(dir, "layout.json")) + `:4:\d+: /elements/0/scope: Der scope „#/properties/b“ lässt sich nicht auflösen`)
	if !want.MatchString(out) {
		t.Errorf("output does not match %s:\n%s", want, out)
	}
}

func TestCheckJSON(t *testing.T) {
	dir := writeForm(t, brokenForm)
	code, out, _ := run(t, "check", dir, "--json")
	if code != exitInvalid {
		t.Fatalf("exit %d", code)
	}
	var problems []struct {
		Path, Pointer, Severity, Code, Message string
		Line, Column                           int
	}
	if err := json.Unmarshal([]byte(out), &problems); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	found := false
	for _, p := range problems {
		if p.Code == "scope-unresolved" && p.Line == 4 && p.Pointer == "/elements/0/scope" && p.Severity == "error" && strings.HasSuffix(p.Path, "layout.json") {
			found = true
		}
	}
	if !found {
		t.Errorf("scope problem not in JSON output:\n%s", out)
	}
}

func TestCheckWarningsOnlyExitZero(t *testing.T) {
	files := map[string]string{}
	for k, v := range brokenForm {
		files[k] = v
	}
	files["layout.json"] = `{"type": "VerticalLayout", "elements": [{"type": "Control", "scope": "#/properties/a"}], "extra": 1}`
	code, out, _ := run(t, "check", writeForm(t, files))
	if code != exitOK || !strings.Contains(out, "Warnung") {
		t.Fatalf("exit %d, want 0 with a warning:\n%s", code, out)
	}
}

func TestCheckUsage(t *testing.T) {
	if code, _, errOut := run(t, "check", filepath.Join(t.TempDir(), "gibtsnicht")); code != exitUsage || !strings.Contains(errOut, "existiert nicht") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if code, _, _ := run(t, "gibtsnicht"); code != exitUsage {
		t.Fatalf("unknown command: exit %d", code)
	}
}

func TestValidateSamples(t *testing.T) {
	code, out, errOut := run(t, "validate", "../../examples/hundesteuer", "../../examples/hundesteuer/samples/valid.json")
	if code != exitOK {
		t.Fatalf("valid sample: exit %d\n%s%s", code, out, errOut)
	}
	code, out, _ = run(t, "validate", "../../examples/hundesteuer", "../../examples/hundesteuer/samples/invalid-chipnummer.json")
	if code != exitInvalid || !strings.Contains(out, "/hunde/0/chipnummer: ") || !strings.Contains(out, "15 Ziffern") {
		t.Fatalf("invalid sample: exit %d\n%s", code, out)
	}
	bad := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(bad, []byte(`{"halter": `), 0o644)
	if code, _, errOut := run(t, "validate", "../../examples/hundesteuer", bad); code != exitUsage || !strings.Contains(errOut, "kein gültiges JSON") {
		t.Fatalf("broken data: exit %d: %s", code, errOut)
	}
}

// TestCheckTrailingCommaAtTheComma: `ozgform check` reports a trailing comma where it is, not
// at the bracket after it where the JSON parser stumbles.
func TestCheckTrailingCommaAtTheComma(t *testing.T) {
	files := map[string]string{}
	for k, v := range brokenForm {
		files[k] = v
	}
	files["schema.json"] = "{\n  \"type\": \"object\",\n  \"properties\": {\n    \"a\": {\"type\": \"string\", \"title\": \"A\"},\n  }\n}"
	dir := writeForm(t, files)
	code, out, _ := run(t, "check", dir)
	want := filepath.Join(dir, "schema.json") + ":4:42: /: Die Datei ist kein gültiges JSON: überflüssiges Komma"
	if code != exitInvalid || !strings.Contains(out, want) {
		t.Fatalf("exit %d, want %d and %q in:\n%s", code, exitInvalid, want, out)
	}
}

// TestCheckMap: `ozgform check --map` prints the form map of each form before the findings.
func TestCheckMap(t *testing.T) {
	code, out, errOut := run(t, "check", "--map", "../../examples/gewerbeanmeldung")
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	for _, want := range []string{"Formularkarte: Gewerbeanmeldung", "Schritt 5: Erklärung", "→ Pflicht: „Handwerkskammer“", "Bausteine:\n  - anschrift-inland.json"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if code, _, _ := run(t, "check", "--map", "--json", "../../examples"); code != exitUsage {
		t.Errorf("--map with --json: exit %d, want %d", code, exitUsage)
	}
}
