package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// copyForm copies an example form folder to dir/name.
func copyForm(t *testing.T, example, dir, name string) string {
	t.Helper()
	src := filepath.Join("../../examples", example)
	dst := filepath.Join(dir, name)
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	return dst
}

// TestCheckAndServeRefuseLinkOutOfTheFolder (issue 14, point 2): a schema.json that links to
// a file outside the form folder is reported by check (file-link) and keeps serve from
// starting, so it is never published at /schemas/forms/…; no output quotes the file.
func TestCheckAndServeRefuseLinkOutOfTheFolder(t *testing.T) {
	dir := t.TempDir()
	const secret = "GEHEIM-Passwort-4711"
	outside := filepath.Join(dir, "geheim.json")
	if err := os.WriteFile(outside, []byte(`{"type": "object", "title": "`+secret+`"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	formsDir := filepath.Join(dir, "formulare")
	folder := copyForm(t, "hundesteuer", formsDir, "hundesteuer")
	if err := os.Remove(filepath.Join(folder, "schema.json")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(folder, "schema.json")); err != nil {
		t.Skipf("no symbolic links: %v", err)
	}
	code, out, errOut := run(t, "check", folder)
	if code != exitInvalid || !strings.Contains(out, "schema.json: /: „schema.json“ ist ein symbolischer Link") {
		t.Errorf("check: exit %d\n%s%s", code, out, errOut)
	}
	if _, js, _ := run(t, "check", "--json", folder); !strings.Contains(js, `"code": "file-link"`) || strings.Contains(js, secret) {
		t.Errorf("check --json:\n%s", js)
	}
	if strings.Contains(out+errOut, secret) {
		t.Errorf("check quotes the outside file:\n%s%s", out, errOut)
	}
	code, out, errOut = run(t, "serve", "--forms", formsDir, "--addr", "127.0.0.1:0", "--database", filepath.Join(dir, "x.db"))
	if code == exitOK || !strings.Contains(out+errOut, "symbolischer Link") || strings.Contains(out+errOut, secret) {
		t.Errorf("serve with a linked schema: exit %d\n%s%s", code, out, errOut)
	}
}

// TestCheckExamplesGlob: the README's "check examples/*" works as written: the shell hands
// over the form folders and what lies beside them (examples/backoffice, Go files), which are
// skipped with a note (issue 14, point 13).
func TestCheckExamplesGlob(t *testing.T) {
	args, err := filepath.Glob("../../examples/*")
	if err != nil || len(args) < 4 {
		t.Fatalf("glob: %v %v", args, err)
	}
	code, out, errOut := run(t, append([]string{"check"}, args...)...)
	if code != exitOK || !strings.Contains(errOut, "4 Formular(e) geprüft: 0 Fehler") || !strings.Contains(errOut, "übersprungen: „../../examples/backoffice“ ist kein Formularordner") {
		t.Fatalf("check examples/*: exit %d\n%s%s", code, out, errOut)
	}
	// A single argument that is no form folder is still an error.
	if code, _, errOut := run(t, "check", "../../examples/backoffice"); code != exitUsage || !strings.Contains(errOut, "kein Formularordner") {
		t.Errorf("check examples/backoffice: exit %d %s", code, errOut)
	}
}
