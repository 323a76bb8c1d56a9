package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ozgform/ozgform/forms"
)

// runAuthoritiesCheck writes files into a fresh folder and runs `ozgform authorities check`.
func runAuthoritiesCheck(t *testing.T, files map[string]string, args ...string) (string, int) {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	var out, errOut bytes.Buffer
	for i, a := range args {
		args[i] = strings.ReplaceAll(a, "DIR", dir)
	}
	code := NewMain(&out, &errOut).Run(context.Background(), append([]string{"authorities", "check"}, args...))
	return strings.ReplaceAll(out.String()+errOut.String(), dir+"/", ""), code
}

func TestAuthoritiesCheckSample(t *testing.T) {
	out, code := runAuthoritiesCheck(t, nil, "--config", "beispiel/behoerden.yaml", "--forms", "../../examples")
	if code != exitOK || !strings.Contains(out, "2 Behörden für 2 Gemeinden; PLZ-Tabelle: 4 Postleitzahlen, 3 Gemeinden.\n0 Fehler, 0 Warnungen.") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
}

const badTable = `plz;ars;gemeinde
12345;089990000001;Musterstadt
1234;089990000002;Beispielheim
12346;08999000000X;Neudorf
`

const badYAML = `destinations:
  - name: kasse
    type: api
authorities:
  table: gemeinden.csv
  list:
    - id: musterstadt
      name: Stadt Musterstadt
      ars: "089990000001"
      destinations:
        "*": [kasse]
    - id: doppelt
      name: Doppelt
      ars: ["089990000004", "089990000001", 89990000005, "12"]
      destinations:
        hundesteuer: [nirgendwo]
`

func TestAuthoritiesCheckBadYAML(t *testing.T) {
	out, code := runAuthoritiesCheck(t, map[string]string{"ozgform.yaml": badYAML, "gemeinden.csv": badTable}, "--config", "DIR/ozgform.yaml")
	if code != exitInvalid {
		t.Errorf("exit %d, want %d", code, exitInvalid)
	}
	for _, want := range []string{
		"gemeinden.csv:3:1: „1234“ ist keine Postleitzahl (5 Ziffern, nicht mit 00 beginnend).",
		"gemeinden.csv:4:7: „08999000000X“ ist kein Amtlicher Regionalschlüssel",
		"ozgform.yaml:14:45: authorities.list[1].ars[2]: der Regionalschlüssel muss in Anführungszeichen stehen",
		"ozgform.yaml:14:29: authorities.list[1].ars[1]: doppelter Regionalschlüssel: die Gemeinde 089990000001 hat schon die Behörde „musterstadt“ (authorities.list[0].ars)",
		"ozgform.yaml:14:58: authorities.list[1].ars[3]: „12“ ist kein Amtlicher Regionalschlüssel",
		"ozgform.yaml:16:23: authorities.list[1].destinations.hundesteuer[0]: unbekanntes Ziel „nirgendwo“",
		"ozgform.yaml:14:13: Warnung: authorities.list[1].ars[0]: die Gemeinde 089990000004 steht nicht in der PLZ-Tabelle",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
	if !strings.Contains(out, "6 Fehler, 1 Warnungen.") {
		t.Errorf("no summary:\n%s", out)
	}
}

func TestAuthoritiesCheckBadJSON(t *testing.T) {
	cfg := `{
  "authorities": {
    "list": [
      {"id": "a", "name": "A", "ars": "089990000001", "legal": {"imprint": "javascript:alert(1)"}},
      {"id": "a", "name": "B", "ars": "089990000001", "fax": "1"}
    ]
  }
}
`
	out, code := runAuthoritiesCheck(t, map[string]string{"ozgform.json": cfg}, "--config", "DIR/ozgform.json")
	if code != exitInvalid {
		t.Errorf("exit %d", code)
	}
	for _, want := range []string{
		"ozgform.json:5:7: authorities.list[1]: unbekanntes Feld „fax“",
		"ozgform.json:4:64: authorities.list[0].legal: legal.imprint „javascript:alert(1)“ ist keine https://-, http://-Adresse",
		"ozgform.json:5:14: authorities.list[1].id: „a“ gibt es schon bei Behörde 1",
		"ozgform.json:5:39: authorities.list[1].ars: doppelter Regionalschlüssel",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
}

func TestAuthoritiesCheckUsage(t *testing.T) {
	if out, code := runAuthoritiesCheck(t, nil); code != exitUsage || !strings.Contains(out, "--config") {
		t.Errorf("without --config: exit %d\n%s", code, out)
	}
	if out, code := runAuthoritiesCheck(t, nil, "--config", "DIR/fehlt.yaml"); code != exitUsage || !strings.Contains(out, "kann nicht gelesen werden") {
		t.Errorf("missing file: exit %d\n%s", code, out)
	}
	out, code := runAuthoritiesCheck(t, map[string]string{"c.yaml": "authorities:\n  list: [\n"}, "--config", "DIR/c.yaml")
	if code != exitInvalid || !strings.Contains(out, "kein gültiges YAML") {
		t.Errorf("syntax error: exit %d\n%s", code, out)
	}
}

// TestAuthorityOnlyDestinations: a destination that only authorities name (no "forms") gets
// no other form's submissions; a form of many authorities is covered when every authority
// names a destination for it; one that an authority leaves without is reported.
func TestAuthorityOnlyDestinations(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("gemeinden.csv", "plz;ars;gemeinde\n12345;089990000001;Musterstadt\n12347;089990000002;Beispielheim\n")
	const base = `destinations:
  - {name: kasse, type: api, forms: [gewerbeanmeldung, bewohnerparkausweis, mutterschutz]}
  - {name: musterstadt, type: api}
  - {name: beispielheim, type: api}
authorities:
  table: gemeinden.csv
  list:
    - {id: musterstadt, name: Musterstadt, ars: "089990000001", destinations: {"*": [musterstadt]}}
    - {id: beispielheim, name: Beispielheim, ars: "089990000002"BEISPIELHEIM}
`
	cat, _ := forms.LoadCatalog(os.DirFS("../../examples"), ".", forms.Options{})
	cfg, err := loadConfig(write("ok.yaml", strings.Replace(base, "BEISPIELHEIM", `, destinations: {hundesteuer: [beispielheim]}`, 1)), os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.ServiceDestinations()(cat.Get("gewerbeanmeldung")); strings.Join(got, ",") != "kasse" {
		t.Errorf("gewerbeanmeldung goes to %v, want only kasse", got)
	}
	if err := cfg.checkForms(cat); err != nil {
		t.Errorf("every authority names a destination for the Hundesteuer: %v", err)
	}
	gap := strings.Replace(strings.Replace(base, "BEISPIELHEIM", "", 1), "  - {name: beispielheim, type: api}\n", "", 1)
	cfg, err = loadConfig(write("gap.yaml", gap), os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.checkForms(cat); err == nil || !strings.Contains(err.Error(), "kein Ziel empfängt das Formular „hundesteuer“") {
		t.Errorf("Beispielheim has no destination for the Hundesteuer: %v", err)
	}
}
