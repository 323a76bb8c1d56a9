package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ozgform/ozgform/engine"
	"github.com/ozgform/ozgform/engine/fitconnect/fitconnecttest"
	"github.com/ozgform/ozgform/forms"
)

const fitSecret = "FIT-Client-Secret-0123456789"

func fitEnv(name string) string { return map[string]string{"FIT_SECRET": fitSecret}[name] }

// TestConfigFITConnect reads a FIT-Connect destination (trust anchor relative to the file,
// secret from the environment) and never shows the secret.
func TestConfigFITConnect(t *testing.T) {
	fake := fitconnecttest.New()
	defer fake.Close()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "anchor.pem"), fake.CAPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "ozgform.yaml")
	os.WriteFile(file, []byte(`destinations:
  - name: bauamt-fit
    type: fitconnect
    forms: [gewerbeanmeldung]
    submissionApi: https://submission-api-testing.fit-connect.fitko.dev
    tokenUrl: https://auth-testing.fit-connect.fitko.dev/token
    clientId: 4f1b2c3d
    clientSecretEnv: FIT_SECRET
    destinationId: 8b8a2e6e-2b6f-4c1e-9a0e-1c2d3e4f5a6b
    trustAnchorFile: anchor.pem
    pollInterval: 30s
    timeout: 20s
`), 0o600)
	cfg, err := loadConfig(file, fitEnv)
	if err != nil {
		t.Fatal(err)
	}
	d := cfg.Destinations[0]
	fc := d.FITConnect
	if d.Type != engine.DestinationFITConnect || fc == nil || fc.ClientSecret.Reveal() != fitSecret || fc.ClientID != "4f1b2c3d" ||
		fc.DestinationID != "8b8a2e6e-2b6f-4c1e-9a0e-1c2d3e4f5a6b" || string(fc.TrustAnchors) != string(fake.CAPEM) ||
		fc.PollInterval != 30*time.Second || d.Timeout != 20*time.Second || fc.MetadataVersion != "1.0.0" {
		t.Fatalf("destination %+v, fitconnect %+v", d, fc)
	}
	if s := cfg.String(); strings.Contains(s, fitSecret) || !strings.Contains(s, "Zustellpunkt 8b8a2e6e") {
		t.Errorf("String: %s", s)
	}
}

func TestConfigFITConnectInvalid(t *testing.T) {
	for name, c := range map[string]struct{ content, want string }{
		"missing fields": {"    type: fitconnect\n", "destinations[0].submissionApi: fehlt"},
		"no secret":      {"    type: fitconnect\n", "destinations[0].clientSecret: fehlt: eines von clientSecret, clientSecretEnv, clientSecretFile angeben"},
		"http":           {"    type: fitconnect\n    submissionApi: http://fit.example.de\n", "destinations[0].submissionApi: FIT-Connect nur über https://"},
		"destination id": {"    type: fitconnect\n    destinationId: zustellpunkt-7\n", "destinations[0].destinationId: ist keine UUID"},
		"anchor missing": {"    type: fitconnect\n    trustAnchorFile: nope.pem\n", "destinations[0].trustAnchorFile: die Datei"},
		"version":        {"    type: fitconnect\n    metadataVersion: 2.0.0\n", "„2.0.0“ kann ozgform nicht senden"},
		"webhook key":    {"    type: fitconnect\n    url: https://x.example.de\n", "destinations[0].url: gibt es nur bei type: webhook"},
		"fit key on api": {"    type: api\n    clientId: x\n", "destinations[0].clientId: gibt es nur bei type: fitconnect"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := loadConfig(writeConfig(t, "c.yaml", "destinations:\n  - name: fit\n"+c.content), fitEnv)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want %q", err, c.want)
			}
		})
	}
}

// TestConfigFITConnectNeedsLeika: a form without a LeiKa key cannot go to FIT-Connect; serve
// says so at start.
func TestConfigFITConnectNeedsLeika(t *testing.T) {
	dir := t.TempDir()
	if err := os.CopyFS(filepath.Join(dir, "hundesteuer"), os.DirFS("../../examples/hundesteuer")); err != nil {
		t.Fatal(err)
	}
	manifest := filepath.Join(dir, "hundesteuer", "form.json")
	b, _ := os.ReadFile(manifest)
	var lines []string
	for _, l := range strings.Split(string(b), "\n") {
		if !strings.Contains(l, `"leika"`) {
			lines = append(lines, l)
		}
	}
	os.WriteFile(manifest, []byte(strings.Join(lines, "\n")), 0o600)
	cat, problems := forms.LoadCatalog(os.DirFS(dir), ".", forms.Options{})
	if problems.HasErrors() || cat.Get("hundesteuer") == nil || cat.Get("hundesteuer").Manifest.LeiKa != "" {
		t.Fatalf("catalog without leika: %v", problems)
	}
	cfg := &Config{File: "c.yaml", Destinations: []engine.Destination{{Name: "fit", Type: engine.DestinationFITConnect, FITConnect: &engine.FITConnect{}}}}
	err := cfg.checkForms(cat)
	want := "c.yaml: destinations[0]: das Formular „hundesteuer“ hat keinen LeiKa-Schlüssel"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("checkForms: %v, want %q", err, want)
	}
}
