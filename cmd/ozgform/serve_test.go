package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestServeRefusesBrokenForms shows that bad form files stop the service at start with the
// same located German messages that `check` prints — no panic, no hang, no half-started server.
func TestServeRefusesBrokenForms(t *testing.T) {
	deep := strings.Repeat(`{"allOf":[`, 10000) + `{}` + strings.Repeat(`]}`, 10000)
	cases := []struct {
		name, schema, want string
	}{
		{"nested 10000 levels", deep, "zu tief verschachtelt"},
		{"ref to a local file", `{"type": "object", "properties": {"a": {"$ref": "file:///etc/passwd"}}}`, "/properties/a/$ref: Der Verweis „file:///etc/passwd“ ist nicht erlaubt"},
		{"ref to the network", `{"type": "object", "properties": {"a": {"$ref": "https://example.com/x.json"}}}`, "nicht erlaubt"},
		{"pattern not RE2", `{"type": "object", "properties": {"a": {"type": "string", "pattern": "(?<=x)y"}}}`, "RE2"},
		{"broken JSON", `{"type": "object", "properties": {`, "kein gültiges JSON"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			files := map[string]string{}
			for k, v := range brokenForm {
				files[k] = v
			}
			files["schema.json"] = tc.schema
			files["layout.json"] = `{"type": "VerticalLayout", "elements": [{"type": "Control", "scope": "#/properties/a"}]}`
			for name, content := range files {
				p := filepath.Join(root, "kaputt", name)
				os.MkdirAll(filepath.Dir(p), 0o755)
				if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			code, _, errOut := run(t, "serve", "--addr", "127.0.0.1:0", "--forms", root, "--database", filepath.Join(t.TempDir(), "db.sqlite"))
			if code != exitUsage {
				t.Fatalf("exit %d, want %d\n%s", code, exitUsage, errOut)
			}
			if !strings.Contains(errOut, "kaputt/schema.json:") || !strings.Contains(errOut, tc.want) || !strings.Contains(errOut, "startet erst") {
				t.Fatalf("stderr does not say where and what:\n%s", errOut)
			}
		})
	}
}

func TestServeSessionKeyFile(t *testing.T) {
	short := filepath.Join(t.TempDir(), "key")
	os.WriteFile(short, []byte("zu kurz\n"), 0o600)
	code, _, errOut := run(t, "serve", "--addr", "127.0.0.1:0", "--forms", "../../examples", "--database", filepath.Join(t.TempDir(), "db.sqlite"), "--session-key-file", short)
	if code != exitUsage || !strings.Contains(errOut, "mindestens 32") {
		t.Fatalf("short key: exit %d\n%s", code, errOut)
	}
	good := filepath.Join(t.TempDir(), "key")
	os.WriteFile(good, []byte(strings.Repeat("a", 40)+"\n"), 0o600)
	key, err := readSessionKey(good)
	if err != nil || string(key) != strings.Repeat("a", 40) {
		t.Fatalf("readSessionKey = %q, %v", key, err)
	}
	if key, err := readSessionKey(""); key != nil || err != nil {
		t.Fatalf("no file: %q, %v", key, err)
	}
}
