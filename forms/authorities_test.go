package forms

import (
	"strings"
	"testing"
)

func TestManifestAuthorities(t *testing.T) {
	manifest := func(spec string) string {
		return strings.Replace(baseManifest, `"privacyNotice"`, `"authorities": `+spec+`, "privacyNotice"`, 1)
	}
	for _, tc := range []struct{ spec, want string }{
		{`{"plz": "/name", "ort": "/details"}`, ""},
		{`{"ars": "/art"}`, ""},
		{`{}`, "form.json:7:18: /authorities: „authorities“ nennt kein Feld"},
		{`{"ars": "/art", "plz": "/name"}`, "Entweder „ars“ oder „plz“"},
		{`{"ort": "/details"}`, "„ort“ gibt es nur zusammen mit „plz“"},
		{`{"plz": "/gibtsnicht"}`, "„/gibtsnicht“ ist kein Feld des Formulars"},
		{`{"plz": "/name", "kreis": "/x"}`, "Unbekanntes Feld „kreis“"},
		{`"plz"`, "hat den falschen Typ (erwartet Objekt, gefunden Text)"},
	} {
		t.Run(tc.spec, func(t *testing.T) {
			form, problems := Load(testForm(map[string]string{"form.json": manifest(tc.spec)}), "test", Options{Now: fixedClock})
			var lines []string
			for _, p := range problems {
				lines = append(lines, p.String())
			}
			text := strings.Join(lines, "\n")
			if tc.want == "" {
				if problems.HasErrors() || form.Manifest.Authorities == nil {
					t.Fatalf("unexpected problems: %s", text)
				}
				return
			}
			if !strings.Contains(text, tc.want) {
				t.Errorf("want %q in\n%s", tc.want, text)
			}
		})
	}
	form, _ := Load(testForm(map[string]string{"form.json": manifest(`{"plz": "/name", "ort": "/details"}`)}), "test", Options{Now: fixedClock})
	if got := form.Manifest.Authorities.DecidingField(); got != "/name" {
		t.Errorf("deciding field %s", got)
	}
}
